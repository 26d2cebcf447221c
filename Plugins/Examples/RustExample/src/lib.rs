//! The Rust template plugin: a `cdylib` with no dependencies, built with
//! `cargo build --release --offline` (→ target/release/libtoolhost_rust_example.so).
//!
//!   rust_upper     an ordinary tool: JSON arguments in, text through the host's sinks
//!   rust_isqrt     a typed function: u64 → u64, schema and conversions derived by the host
//!   rust_reverse   a typed function returning a string the host hands back to
//!                  `rust_free_string` once it has copied it
//!   rust_explain   a prompt (ABI 1.1, "th.prompts.v1") with one required argument
//!   rust-example://about
//!                  a resource (ABI 1.1, "th.resources.v1"): plain text read through
//!                  `result_contents`
//!
//! Panics never cross into the host: the release profile aborts, and `invoke` catches them.

mod abi;

use abi::*;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicPtr, Ordering};

static HOST: AtomicPtr<th_host> = AtomicPtr::new(std::ptr::null_mut());

// ---- an ordinary tool ------------------------------------------------------------------

static TOOLS: Static<[th_tool; 1]> = Static([th_tool {
    struct_size: std::mem::size_of::<th_tool>() as u32,
    flags: 0,
    name: c"rust_upper".as_ptr(),
    title: c"Upper case".as_ptr(),
    description: c"Returns the text in upper case (Unicode-aware).".as_ptr(),
    input_schema_json: c"{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"],\"additionalProperties\":false}".as_ptr(),
    output_schema_json: std::ptr::null(),
    annotations_json: c"{\"readOnlyHint\":true}".as_ptr(),
}]);

/// Reads the string member `key` of the flat JSON object the host passes (already checked
/// against the schema, so only the string's escapes need care).
fn string_member(json: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let start = json.find(&needle)? + needle.len();
    let rest = json[start..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let mut code = u32::from_str_radix(&hex, 16).ok()?;
                    if (0xD800..0xDC00).contains(&code) {
                        // A surrogate pair: \uD83D\uDE00.
                        let low: String = chars.by_ref().skip(2).take(4).collect();
                        let low = u32::from_str_radix(&low, 16).ok()?;
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    out.push(char::from_u32(code)?);
                }
                other => out.push(other), // \" \\ \/
            },
            c => out.push(c),
        }
    }
    None
}

fn text_result(host: &th_host, call: *mut th_call, text: &str) -> th_status {
    match host.result_text {
        Some(sink) => unsafe { sink(call, text.as_ptr() as *const c_char, text.len()) },
        None => TH_ERR_INTERNAL,
    }
}

fn error_result(host: &th_host, call: *mut th_call, text: &str) -> th_status {
    if let Some(sink) = host.result_error {
        unsafe { sink(call, text.as_ptr() as *const c_char, text.len()) };
    }
    TH_ERR_FAILED
}

unsafe extern "C" fn invoke(_state: *mut c_void, call: *mut th_call, invocation: *const th_invocation) -> th_status {
    let host = HOST.load(Ordering::Acquire);
    if host.is_null() || invocation.is_null() {
        return TH_ERR_INTERNAL;
    }
    let host = &*host;
    let invocation = &*invocation;
    let bytes = std::slice::from_raw_parts(invocation.arguments_json as *const u8, invocation.arguments_len);
    let outcome = std::panic::catch_unwind(|| {
        let json = std::str::from_utf8(bytes).ok()?;
        string_member(json, "text").map(|text| text.to_uppercase())
    });
    match outcome {
        Ok(Some(upper)) => text_result(host, call, &upper),
        Ok(None) => error_result(host, call, "could not read `text` from the arguments"),
        Err(_) => error_result(host, call, "the plugin panicked"),
    }
}

// ---- typed functions -----------------------------------------------------------------

extern "C" fn isqrt(n: u64) -> u64 {
    // Newton's method on integers: the largest r with r*r <= n, exact for every u64.
    if n < 2 {
        return n;
    }
    // Start above the root (2^(bits/2 + 1)), so that x + n / x never overflows.
    let mut x: u64 = 1 << ((64 - n.leading_zeros()) / 2 + 1);
    let mut y = (x + n / x) / 2;
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x
}

/// Returns an owned C string: the host copies it, then calls `rust_free_string` with it.
unsafe extern "C" fn reverse(text: *const c_char) -> *mut c_char {
    let text = CStr::from_ptr(text).to_string_lossy();
    let reversed: String = text.chars().rev().collect();
    CString::new(reversed).map(CString::into_raw).unwrap_or(std::ptr::null_mut())
}

unsafe extern "C" fn free_string(s: *mut c_void) {
    if !s.is_null() {
        drop(CString::from_raw(s as *mut c_char));
    }
}

const fn param(type_: th_native_type, name: &'static CStr, description: &'static CStr) -> th_native_param {
    th_native_param {
        struct_size: std::mem::size_of::<th_native_param>() as u32,
        type_,
        flags: 0,
        length_type: 0,
        name: name.as_ptr(),
        description: description.as_ptr(),
        minimum: std::ptr::null(),
        maximum: std::ptr::null(),
        enum_json: std::ptr::null(),
        default_json: std::ptr::null(),
    }
}

static ISQRT_PARAMS: Static<[th_native_param; 1]> = Static([param(TH_TYPE_UINT64, c"n", c"any 64-bit unsigned integer")]);
static REVERSE_PARAMS: Static<[th_native_param; 1]> = Static([param(TH_TYPE_STRING, c"text", c"the text to reverse")]);

static FUNCTIONS: Static<[th_native_function; 2]> = Static([
    th_native_function {
        struct_size: std::mem::size_of::<th_native_function>() as u32,
        flags: 0,
        name: c"rust_isqrt".as_ptr(),
        title: c"Integer square root".as_ptr(),
        description: c"The largest integer whose square is at most n, exact for all 64-bit values.".as_ptr(),
        annotations_json: c"{\"readOnlyHint\":true,\"idempotentHint\":true}".as_ptr(),
        // SAFETY: the host calls it with exactly the declared signature, u64 -> u64.
        function: Some(unsafe { std::mem::transmute::<extern "C" fn(u64) -> u64, unsafe extern "C" fn()>(isqrt) }),
        params: &ISQRT_PARAMS.0 as *const th_native_param,
        param_count: 1,
        return_type: TH_TYPE_UINT64,
        errors: TH_ERRORS_NONE,
        reserved: 0,
        free_result: None,
        result_description: c"floor(sqrt(n))".as_ptr(),
    },
    th_native_function {
        struct_size: std::mem::size_of::<th_native_function>() as u32,
        flags: 0,
        name: c"rust_reverse".as_ptr(),
        title: c"Reverse text".as_ptr(),
        description: c"The text with its characters in reverse order.".as_ptr(),
        annotations_json: c"{\"readOnlyHint\":true,\"idempotentHint\":true}".as_ptr(),
        // SAFETY: const char * -> char *, as declared.
        function: Some(unsafe {
            std::mem::transmute::<unsafe extern "C" fn(*const c_char) -> *mut c_char, unsafe extern "C" fn()>(reverse)
        }),
        params: &REVERSE_PARAMS.0 as *const th_native_param,
        param_count: 1,
        return_type: TH_TYPE_STRING,
        errors: TH_ERRORS_NULL_ERRNO,
        reserved: 0,
        free_result: Some(free_string),
        result_description: c"the reversed text".as_ptr(),
    },
]);

static NATIVE_TABLE: Static<th_native_functions> = Static(th_native_functions {
    struct_size: std::mem::size_of::<th_native_functions>() as u32,
    count: 2,
    functions: &FUNCTIONS.0 as *const th_native_function,
});

// ---- a prompt (ABI 1.1) ----------------------------------------------------------------

/// `text` as a JSON string literal, quotes included.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

static EXPLAIN_ARGS: Static<[th_prompt_argument; 1]> = Static([th_prompt_argument {
    struct_size: std::mem::size_of::<th_prompt_argument>() as u32,
    flags: TH_ARGUMENT_REQUIRED,
    name: c"topic".as_ptr(),
    title: c"Topic".as_ptr(),
    description: c"what to explain".as_ptr(),
}]);

static PROMPTS: Static<[th_prompt; 1]> = Static([th_prompt {
    struct_size: std::mem::size_of::<th_prompt>() as u32,
    flags: 0,
    name: c"rust_explain".as_ptr(),
    title: c"Explain simply".as_ptr(),
    description: c"Asks for a simple explanation of a topic, with one example.".as_ptr(),
    arguments: &EXPLAIN_ARGS.0 as *const th_prompt_argument,
    argument_count: 1,
    reserved: 0,
}]);

unsafe extern "C" fn prompt_count(_state: *mut c_void) -> u32 {
    PROMPTS.0.len() as u32
}

unsafe extern "C" fn prompt_at(_state: *mut c_void, index: u32) -> *const th_prompt {
    PROMPTS.0.get(index as usize).map_or(std::ptr::null(), |p| p as *const th_prompt)
}

/// Answers a prompt request at once: one user message. The host has checked that the
/// required argument is there.
unsafe extern "C" fn get_prompt(_state: *mut c_void, call: *mut th_call, request: *const th_prompt_request) -> th_status {
    let host = HOST.load(Ordering::Acquire);
    if host.is_null() || request.is_null() {
        return TH_ERR_INTERNAL;
    }
    let Some(message) = host_fn!(host, result_message) else { return TH_ERR_UNSUPPORTED };
    let request = &*request;
    if CStr::from_ptr(request.name) != c"rust_explain" {
        return TH_ERR_NOT_FOUND;
    }
    let bytes = std::slice::from_raw_parts(request.arguments_json as *const u8, request.arguments_len);
    let topic = std::panic::catch_unwind(|| string_member(std::str::from_utf8(bytes).ok()?, "topic"));
    let Ok(Some(topic)) = topic else {
        return error_result(&*host, call, "could not read `topic` from the arguments");
    };
    let text = format!("Explain {topic} in simple terms, for someone new to it, with one short example.");
    let content = format!("{{\"type\":\"text\",\"text\":{}}}", json_string(&text));
    match message(call, c"user".as_ptr(), content.as_ptr() as *const c_char, content.len()) {
        TH_OK => TH_OK,
        _ => TH_ERR_INTERNAL,
    }
}

static PROMPT_TABLE: Static<th_prompts> = Static(th_prompts {
    struct_size: std::mem::size_of::<th_prompts>() as u32,
    flags: 0,
    prompt_count: Some(prompt_count),
    prompt_at: Some(prompt_at),
    get: Some(get_prompt),
});

// ---- a resource (ABI 1.1) --------------------------------------------------------------

const ABOUT_URI: &CStr = c"rust-example://about";

static RESOURCES: Static<[th_resource; 1]> = Static([th_resource {
    struct_size: std::mem::size_of::<th_resource>() as u32,
    flags: 0,
    uri: ABOUT_URI.as_ptr(),
    name: c"About the Rust example".as_ptr(),
    title: std::ptr::null(),
    description: c"Which plugin this is, and which host loaded it.".as_ptr(),
    mime_type: c"text/plain".as_ptr(),
    size: -1,
    annotations_json: std::ptr::null(),
}]);

unsafe extern "C" fn resource_count(_state: *mut c_void) -> u32 {
    RESOURCES.0.len() as u32
}

unsafe extern "C" fn resource_at(_state: *mut c_void, index: u32) -> *const th_resource {
    RESOURCES.0.get(index as usize).map_or(std::ptr::null(), |r| r as *const th_resource)
}

/// Answers a read at once with one text item; an unknown URI is TH_ERR_NOT_FOUND.
unsafe extern "C" fn read_resource(_state: *mut c_void, call: *mut th_call, request: *const th_resource_request) -> th_status {
    let host = HOST.load(Ordering::Acquire);
    if host.is_null() || request.is_null() {
        return TH_ERR_INTERNAL;
    }
    let uri = CStr::from_ptr((*request).uri);
    if uri != ABOUT_URI {
        error_result(&*host, call, &format!("no resource {}", uri.to_string_lossy()));
        return TH_ERR_NOT_FOUND;
    }
    let text = format!(
        "The Rust example plugin 1.0.0, loaded by {} {} (ABI {}.{}).",
        CStr::from_ptr((*host).host_name).to_string_lossy(),
        CStr::from_ptr((*host).host_version).to_string_lossy(),
        (*host).abi_major,
        (*host).abi_minor
    );
    match host_fn!(host, result_contents) {
        Some(contents) => match contents(call, std::ptr::null(), c"text/plain".as_ptr(), text.as_ptr() as *const c_void, text.len(), 0) {
            TH_OK => TH_OK,
            _ => TH_ERR_INTERNAL,
        },
        None => text_result(&*host, call, &text),
    }
}

static RESOURCE_TABLE: Static<th_resources> = Static(th_resources {
    struct_size: std::mem::size_of::<th_resources>() as u32,
    flags: 0,
    resource_count: Some(resource_count),
    resource_at: Some(resource_at),
    template_count: None,
    template_at: None,
    read: Some(read_resource),
});

// ---- the descriptor ------------------------------------------------------------------

unsafe extern "C" fn init(host: *const th_host, _state: *mut *mut c_void) -> th_status {
    HOST.store(host as *mut th_host, Ordering::Release);
    TH_OK
}

unsafe extern "C" fn tool_count(_state: *mut c_void) -> u32 {
    TOOLS.0.len() as u32
}

unsafe extern "C" fn tool_at(_state: *mut c_void, index: u32) -> *const th_tool {
    TOOLS.0.get(index as usize).map_or(std::ptr::null(), |t| t as *const th_tool)
}

unsafe extern "C" fn get_extension(_state: *mut c_void, id: *const c_char) -> *const c_void {
    if id.is_null() {
        return std::ptr::null();
    }
    let id = CStr::from_ptr(id);
    if id == TH_EXT_NATIVE_FUNCTIONS {
        &NATIVE_TABLE.0 as *const th_native_functions as *const c_void
    } else if id == TH_EXT_PROMPTS {
        &PROMPT_TABLE.0 as *const th_prompts as *const c_void
    } else if id == TH_EXT_RESOURCES {
        &RESOURCE_TABLE.0 as *const th_resources as *const c_void
    } else {
        std::ptr::null()
    }
}

static PLUGIN: Static<th_plugin> = Static(th_plugin {
    magic: TH_PLUGIN_MAGIC,
    struct_size: std::mem::size_of::<th_plugin>() as u32,
    abi_major: TH_ABI_MAJOR,
    abi_minor: TH_ABI_MINOR,
    flags: 0,
    id: c"rust-example".as_ptr(),
    name: c"Rust example".as_ptr(),
    version: c"1.0.0".as_ptr(),
    description: c"A template for plugins written in Rust.".as_ptr(),
    init: Some(init),
    shutdown: None,
    tool_count: Some(tool_count),
    tool_at: Some(tool_at),
    invoke: Some(invoke),
    cancel: None,
    get_extension: Some(get_extension),
});

/// The entry point: returns the static descriptor.
#[no_mangle]
pub extern "C" fn th_plugin_entry_v1() -> *const th_plugin {
    &PLUGIN.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_read_back_as_written() {
        for text in ["plain", "quote \" backslash \\ newline \n tab \t", "bell \u{7} and 😀"] {
            let json = format!("{{\"k\":{}}}", json_string(text));
            assert_eq!(string_member(&json, "k").as_deref(), Some(text), "{json}");
        }
    }

    unsafe extern "C" fn no_contents(_: *mut th_call, _: *const c_char, _: *const c_char, _: *const c_void, _: usize, _: u32) -> th_status {
        TH_OK
    }

    /// A host of ABI 1.0 has a shorter table: host_fn! must not read the 1.1 fields.
    #[test]
    fn host_fn_reads_only_what_the_host_has() {
        let mut host: th_host = unsafe { std::mem::zeroed() };
        host.result_contents = Some(no_contents);
        host.struct_size = std::mem::size_of::<th_host>() as u32;
        assert!(unsafe { host_fn!(&host, result_contents) }.is_some());
        host.struct_size = std::mem::offset_of!(th_host, result_message) as u32; // a 1.0 host
        assert!(unsafe { host_fn!(&host, result_contents) }.is_none());
        host.struct_size = std::mem::size_of::<th_host>() as u32;
        host.result_contents = None;
        assert!(unsafe { host_fn!(&host, result_contents) }.is_none());
    }
}
