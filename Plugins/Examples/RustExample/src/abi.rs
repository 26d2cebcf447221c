//! Hand-written bindings of include/toolhost.h (ABI 1.0 and the "th.native_functions.v1"
//! extension). Field order and types must match the header exactly; every struct starts with
//! `struct_size`, so the host can tell which fields a plugin knows.
#![allow(non_camel_case_types, dead_code)]

use std::ffi::{c_char, c_void};

pub type th_status = i32;
pub const TH_OK: th_status = 0;
pub const TH_PENDING: th_status = 1;
pub const TH_ERR_FAILED: th_status = -1;
pub const TH_ERR_INVALID_ARGUMENT: th_status = -2;
pub const TH_ERR_INTERNAL: th_status = -9;

pub const TH_ABI_MAJOR: u16 = 1;
pub const TH_ABI_MINOR: u16 = 0;
pub const TH_PLUGIN_MAGIC: u32 = 0x3150_4854;
pub const TH_NUL_TERMINATED: usize = usize::MAX;

pub type th_log_level = i32;

#[repr(C)]
pub struct th_call {
    _private: [u8; 0],
}

#[repr(C)]
pub struct th_host {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub host_name: *const c_char,
    pub host_version: *const c_char,
    pub plugin_path: *const c_char,
    pub config_json: *const c_char,
    pub config_len: usize,
    pub host_data: *mut c_void,
    pub log: Option<unsafe extern "C" fn(*const th_host, th_log_level, *const c_char)>,
    pub result_text: Option<unsafe extern "C" fn(*mut th_call, *const c_char, usize) -> th_status>,
    pub result_content: Option<unsafe extern "C" fn(*mut th_call, *const c_char, usize) -> th_status>,
    pub result_structured: Option<unsafe extern "C" fn(*mut th_call, *const c_char, usize) -> th_status>,
    pub result_error: Option<unsafe extern "C" fn(*mut th_call, *const c_char, usize) -> th_status>,
    pub complete: Option<unsafe extern "C" fn(*mut th_call, th_status)>,
    pub progress: Option<unsafe extern "C" fn(*mut th_call, f64, f64, *const c_char) -> th_status>,
    pub is_cancelled: Option<unsafe extern "C" fn(*const th_call) -> bool>,
    pub call_log: Option<unsafe extern "C" fn(*mut th_call, th_log_level, *const c_char)>,
    pub tools_changed: Option<unsafe extern "C" fn(*const th_host)>,
    pub get_extension: Option<unsafe extern "C" fn(*const th_host, *const c_char) -> *const c_void>,
}

#[repr(C)]
pub struct th_tool {
    pub struct_size: u32,
    pub flags: u32,
    pub name: *const c_char,
    pub title: *const c_char,
    pub description: *const c_char,
    pub input_schema_json: *const c_char,
    pub output_schema_json: *const c_char,
    pub annotations_json: *const c_char,
}

#[repr(C)]
pub struct th_invocation {
    pub struct_size: u32,
    pub flags: u32,
    pub tool_index: u32,
    pub reserved: u32,
    pub tool_name: *const c_char,
    pub arguments_json: *const c_char,
    pub arguments_len: usize,
    pub request_id: *const c_char,
    pub protocol_version: *const c_char,
}

#[repr(C)]
pub struct th_plugin {
    pub magic: u32,
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub flags: u32,
    pub id: *const c_char,
    pub name: *const c_char,
    pub version: *const c_char,
    pub description: *const c_char,
    pub init: Option<unsafe extern "C" fn(*const th_host, *mut *mut c_void) -> th_status>,
    pub shutdown: Option<unsafe extern "C" fn(*mut c_void)>,
    pub tool_count: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
    pub tool_at: Option<unsafe extern "C" fn(*mut c_void, u32) -> *const th_tool>,
    pub invoke: Option<unsafe extern "C" fn(*mut c_void, *mut th_call, *const th_invocation) -> th_status>,
    pub cancel: Option<unsafe extern "C" fn(*mut c_void, *mut th_call)>,
    pub get_extension: Option<unsafe extern "C" fn(*mut c_void, *const c_char) -> *const c_void>,
}

// ---- "th.native_functions.v1" ----------------------------------------------------------

pub const TH_EXT_NATIVE_FUNCTIONS: &std::ffi::CStr = c"th.native_functions.v1";

pub type th_native_type = u32;
pub const TH_TYPE_VOID: th_native_type = 0;
pub const TH_TYPE_BOOL: th_native_type = 1;
pub const TH_TYPE_INT8: th_native_type = 2;
pub const TH_TYPE_INT16: th_native_type = 3;
pub const TH_TYPE_INT32: th_native_type = 4;
pub const TH_TYPE_INT64: th_native_type = 5;
pub const TH_TYPE_UINT8: th_native_type = 6;
pub const TH_TYPE_UINT16: th_native_type = 7;
pub const TH_TYPE_UINT32: th_native_type = 8;
pub const TH_TYPE_UINT64: th_native_type = 9;
pub const TH_TYPE_FLOAT: th_native_type = 10;
pub const TH_TYPE_DOUBLE: th_native_type = 11;
pub const TH_TYPE_SIZE: th_native_type = 12;
pub const TH_TYPE_STRING: th_native_type = 13;
pub const TH_TYPE_BYTES: th_native_type = 14;

pub const TH_PARAM_OUT: u32 = 0x1;
pub const TH_PARAM_BASE64: u32 = 0x2;
pub const TH_NATIVE_SERIAL: u32 = 0x1;

pub type th_native_errors = u32;
pub const TH_ERRORS_NONE: th_native_errors = 0;
pub const TH_ERRORS_NONZERO: th_native_errors = 1;
pub const TH_ERRORS_NEGATIVE: th_native_errors = 2;
pub const TH_ERRORS_NULL_ERRNO: th_native_errors = 3;
pub const TH_ERRORS_ERRNO: th_native_errors = 4;
pub const TH_ERRORS_FALSE: th_native_errors = 5;

#[repr(C)]
pub struct th_native_param {
    pub struct_size: u32,
    pub type_: th_native_type,
    pub flags: u32,
    pub length_type: th_native_type,
    pub name: *const c_char,
    pub description: *const c_char,
    pub minimum: *const c_char,
    pub maximum: *const c_char,
    pub enum_json: *const c_char,
    pub default_json: *const c_char,
}

#[repr(C)]
pub struct th_native_function {
    pub struct_size: u32,
    pub flags: u32,
    pub name: *const c_char,
    pub title: *const c_char,
    pub description: *const c_char,
    pub annotations_json: *const c_char,
    pub function: Option<unsafe extern "C" fn()>,
    pub params: *const th_native_param,
    pub param_count: u32,
    pub return_type: th_native_type,
    pub errors: th_native_errors,
    pub reserved: u32,
    pub free_result: Option<unsafe extern "C" fn(*mut c_void)>,
    pub result_description: *const c_char,
}

#[repr(C)]
pub struct th_native_functions {
    pub struct_size: u32,
    pub count: u32,
    pub functions: *const th_native_function,
}

/// Lets descriptors full of raw pointers live in `static`s: they point at static data only
/// and are never written, so sharing them between threads is sound.
#[repr(transparent)]
pub struct Static<T>(pub T);
unsafe impl<T> Sync for Static<T> {}
