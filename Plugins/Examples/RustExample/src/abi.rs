//! Hand-written bindings of include/toolhost.h (ABI 1.1: the "th.native_functions.v1",
//! "th.prompts.v1", "th.resources.v1" and "th.completions.v1" extensions). Field order and
//! types must match the header exactly; every struct starts with `struct_size`, so the host
//! can tell which fields a plugin knows. The `layout` assertions at the end check sizes and
//! offsets against the numbers a C compiler gives for the header on 64-bit targets.
#![allow(non_camel_case_types, dead_code)]

use std::ffi::{c_char, c_void};

pub type th_status = i32;
pub const TH_OK: th_status = 0;
pub const TH_PENDING: th_status = 1;
pub const TH_ERR_FAILED: th_status = -1;
pub const TH_ERR_INVALID_ARGUMENT: th_status = -2;
pub const TH_ERR_CANCELLED: th_status = -3;
pub const TH_ERR_TIMEOUT: th_status = -4;
pub const TH_ERR_UNAVAILABLE: th_status = -5;
pub const TH_ERR_NO_MEMORY: th_status = -6;
pub const TH_ERR_UNSUPPORTED: th_status = -7;
pub const TH_ERR_STATE: th_status = -8;
pub const TH_ERR_INTERNAL: th_status = -9;
pub const TH_ERR_NOT_FOUND: th_status = -10; // since 1.1

pub const TH_ABI_MAJOR: u16 = 1;
pub const TH_ABI_MINOR: u16 = 1;
pub const TH_PLUGIN_MAGIC: u32 = 0x3150_4854;
pub const TH_NUL_TERMINATED: usize = usize::MAX;

// th_plugin.flags
pub const TH_PLUGIN_SERIAL: u32 = 0x1;
pub const TH_PLUGIN_EXAMPLE: u32 = 0x2; // since 1.1: a demonstration, left out of default discovery

// th_invocation.flags
pub const TH_CALL_WANTS_PROGRESS: u32 = 0x1;

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
    // ---- Since 1.1: a host of 1.0 has none of these, so read them only through `host_fn!`.
    pub result_message: Option<unsafe extern "C" fn(*mut th_call, *const c_char, *const c_char, usize) -> th_status>,
    pub prompts_changed: Option<unsafe extern "C" fn(*const th_host)>,
    pub result_contents:
        Option<unsafe extern "C" fn(*mut th_call, *const c_char, *const c_char, *const c_void, usize, u32) -> th_status>,
    pub resources_changed: Option<unsafe extern "C" fn(*const th_host)>,
    pub resource_updated: Option<unsafe extern "C" fn(*const th_host, *const c_char)>,
    pub result_completion: Option<unsafe extern "C" fn(*mut th_call, *const c_char, usize) -> th_status>,
}

/// TH_HOST_HAS and the read in one: `host_fn!(host, field)` is the host function `field`
/// (one added after 1.0) when the host's `struct_size` reaches past it and it is set, else
/// None. `host` is a `*const th_host`; reads go through the raw pointer, never past the host's
/// structure. Use inside `unsafe`.
macro_rules! host_fn {
    ($host:expr, $field:ident) => {{
        let host: *const $crate::abi::th_host = $host;
        let end = ::std::mem::offset_of!($crate::abi::th_host, $field) + ::std::mem::size_of::<usize>();
        if ((*host).struct_size as usize) >= end {
            ::std::ptr::addr_of!((*host).$field).read()
        } else {
            None
        }
    }};
}
pub(crate) use host_fn;

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

// ---- "th.prompts.v1" (since 1.1) -------------------------------------------------------

pub const TH_EXT_PROMPTS: &std::ffi::CStr = c"th.prompts.v1";
pub const TH_ARGUMENT_REQUIRED: u32 = 0x1;

#[repr(C)]
pub struct th_prompt_argument {
    pub struct_size: u32,
    pub flags: u32,
    pub name: *const c_char,
    pub title: *const c_char,
    pub description: *const c_char,
}

#[repr(C)]
pub struct th_prompt {
    pub struct_size: u32,
    pub flags: u32,
    pub name: *const c_char,
    pub title: *const c_char,
    pub description: *const c_char,
    pub arguments: *const th_prompt_argument,
    pub argument_count: u32,
    pub reserved: u32,
}

#[repr(C)]
pub struct th_prompt_request {
    pub struct_size: u32,
    pub flags: u32,
    pub name: *const c_char,
    pub arguments_json: *const c_char,
    pub arguments_len: usize,
    pub request_id: *const c_char,
    pub protocol_version: *const c_char,
}

#[repr(C)]
pub struct th_prompts {
    pub struct_size: u32,
    pub flags: u32,
    pub prompt_count: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
    pub prompt_at: Option<unsafe extern "C" fn(*mut c_void, u32) -> *const th_prompt>,
    pub get: Option<unsafe extern "C" fn(*mut c_void, *mut th_call, *const th_prompt_request) -> th_status>,
}

// ---- "th.resources.v1" (since 1.1) -----------------------------------------------------

pub const TH_EXT_RESOURCES: &std::ffi::CStr = c"th.resources.v1";
pub const TH_CONTENTS_BLOB: u32 = 0x1;

/// One resource (`resource_at`) or resource template (`template_at`).
#[repr(C)]
pub struct th_resource {
    pub struct_size: u32,
    pub flags: u32,
    pub uri: *const c_char,
    pub name: *const c_char,
    pub title: *const c_char,
    pub description: *const c_char,
    pub mime_type: *const c_char,
    pub size: i64,
    pub annotations_json: *const c_char,
}

#[repr(C)]
pub struct th_resource_request {
    pub struct_size: u32,
    pub flags: u32,
    pub uri: *const c_char,
    pub template_uri: *const c_char,
    pub variables_json: *const c_char,
    pub variables_len: usize,
    pub request_id: *const c_char,
    pub protocol_version: *const c_char,
}

#[repr(C)]
pub struct th_resources {
    pub struct_size: u32,
    pub flags: u32,
    pub resource_count: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
    pub resource_at: Option<unsafe extern "C" fn(*mut c_void, u32) -> *const th_resource>,
    pub template_count: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
    pub template_at: Option<unsafe extern "C" fn(*mut c_void, u32) -> *const th_resource>,
    pub read: Option<unsafe extern "C" fn(*mut c_void, *mut th_call, *const th_resource_request) -> th_status>,
}

// ---- "th.completions.v1" (since 1.1) ---------------------------------------------------

pub const TH_EXT_COMPLETIONS: &std::ffi::CStr = c"th.completions.v1";
pub const TH_COMPLETE_PROMPT_ARGUMENT: u32 = 1;
pub const TH_COMPLETE_TEMPLATE_VARIABLE: u32 = 2;

#[repr(C)]
pub struct th_completion_request {
    pub struct_size: u32,
    pub kind: u32,
    pub ref_: *const c_char,
    pub argument_name: *const c_char,
    pub argument_value: *const c_char,
    pub context_json: *const c_char,
    pub context_len: usize,
    pub request_id: *const c_char,
    pub protocol_version: *const c_char,
}

#[repr(C)]
pub struct th_completions {
    pub struct_size: u32,
    pub flags: u32,
    pub complete: Option<unsafe extern "C" fn(*mut c_void, *mut th_call, *const th_completion_request) -> th_status>,
}

/// Lets descriptors full of raw pointers live in `static`s: they point at static data only
/// and are never written, so sharing them between threads is sound.
#[repr(transparent)]
pub struct Static<T>(pub T);
unsafe impl<T> Sync for Static<T> {}

/// The layout of every structure, as `cc` computes it from include/toolhost.h on x86-64 and
/// arm64 Linux (print `sizeof`/`offsetof` with a few lines of C to check after a change).
/// A mismatch fails the build.
#[cfg(target_pointer_width = "64")]
mod layout {
    use super::*;
    use std::mem::{offset_of, size_of};

    const _: () = {
        assert!(size_of::<th_host>() == 192);
        assert!(offset_of!(th_host, get_extension) == 136);
        assert!(offset_of!(th_host, result_message) == 144);
        assert!(offset_of!(th_host, prompts_changed) == 152);
        assert!(offset_of!(th_host, result_contents) == 160);
        assert!(offset_of!(th_host, resources_changed) == 168);
        assert!(offset_of!(th_host, resource_updated) == 176);
        assert!(offset_of!(th_host, result_completion) == 184);
        assert!(size_of::<th_plugin>() == 104);
        assert!(size_of::<th_tool>() == 56);
        assert!(size_of::<th_invocation>() == 56);
        assert!(size_of::<th_native_param>() == 64);
        assert!(size_of::<th_native_function>() == 88);
        assert!(size_of::<th_native_functions>() == 16);

        assert!(size_of::<th_prompt_argument>() == 32);
        assert!(offset_of!(th_prompt_argument, description) == 24);
        assert!(size_of::<th_prompt>() == 48);
        assert!(offset_of!(th_prompt, arguments) == 32);
        assert!(offset_of!(th_prompt, argument_count) == 40);
        assert!(offset_of!(th_prompt, reserved) == 44);
        assert!(size_of::<th_prompt_request>() == 48);
        assert!(offset_of!(th_prompt_request, arguments_len) == 24);
        assert!(offset_of!(th_prompt_request, protocol_version) == 40);
        assert!(size_of::<th_prompts>() == 32);
        assert!(offset_of!(th_prompts, get) == 24);

        assert!(size_of::<th_resource>() == 64);
        assert!(offset_of!(th_resource, uri) == 8);
        assert!(offset_of!(th_resource, mime_type) == 40);
        assert!(offset_of!(th_resource, size) == 48);
        assert!(offset_of!(th_resource, annotations_json) == 56);
        assert!(size_of::<th_resource_request>() == 56);
        assert!(offset_of!(th_resource_request, template_uri) == 16);
        assert!(offset_of!(th_resource_request, variables_len) == 32);
        assert!(offset_of!(th_resource_request, protocol_version) == 48);
        assert!(size_of::<th_resources>() == 48);
        assert!(offset_of!(th_resources, template_count) == 24);
        assert!(offset_of!(th_resources, read) == 40);

        assert!(size_of::<th_completion_request>() == 64);
        assert!(offset_of!(th_completion_request, context_len) == 40);
        assert!(offset_of!(th_completion_request, protocol_version) == 56);
        assert!(size_of::<th_completions>() == 16);
    };
}
