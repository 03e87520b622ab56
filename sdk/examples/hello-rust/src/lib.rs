//! The AgentHost plugin ABI from Rust, with nothing but `std`.
//!
//! The types below mirror `sdk/include/agenthost/agenthost.h` field for field
//! (`#[repr(C)]`); only the parts this plugin uses are declared, and the host
//! table is read through a prefix of its fields, which the ABI's append-only
//! rule keeps stable. Build with `cargo build --offline --release`; the
//! manifest points at `target/release/libhello_rust.so`.
//!
//! Rules the ABI asks of every plugin, and how this one keeps them:
//! - Nothing unwinds across the boundary: each entry point runs inside
//!   `catch_unwind` and turns a panic into AH_ERR_INTERNAL.
//! - What the plugin returns stays its own until the host calls `release`:
//!   a response body is a leaked `Box<[u8]>`, taken back in `release`.
//! - The agent keeps no state, so it declares itself thread-safe.

use std::ffi::{c_char, c_void, CStr};
use std::panic::catch_unwind;

const AH_OK: i32 = 0;
const AH_ERR_INVALID_ARGUMENT: i32 = 1;
const AH_ERR_UNSUPPORTED: i32 = 2;
const AH_ERR_INTERNAL: i32 = 7;
const AH_AGENT_THREAD_SAFE: u32 = 1;
const AH_LOG_DEBUG: i32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct AhStr {
    data: *const c_char,
    len: usize,
}

impl AhStr {
    fn bytes(&self) -> &[u8] {
        if self.data.is_null() || self.len == 0 {
            return &[];
        }
        // Safety: the host passes `len` valid bytes for the duration of the call.
        unsafe { std::slice::from_raw_parts(self.data as *const u8, self.len) }
    }

    fn of(text: &'static str) -> AhStr {
        AhStr { data: text.as_ptr() as *const c_char, len: text.len() }
    }
}

#[repr(C)]
pub struct AhSink {
    context: *mut c_void,
    write: Option<unsafe extern "C" fn(*mut c_void, *const c_char, usize)>,
}

/// The first fields of `ah_host`: enough to log.
#[repr(C)]
pub struct AhHost {
    struct_size: u32,
    abi_major: u32,
    abi_minor: u32,
    host_name: AhStr,
    host_version: AhStr,
    host_data: *mut c_void,
    log: Option<unsafe extern "C" fn(*const AhHost, u64, i32, AhStr)>,
}

#[repr(C)]
pub struct AhAgentDescriptor {
    struct_size: u32,
    flags: u32,
    id: *const c_char,
    name: *const c_char,
    version: *const c_char,
    toolchain: *const c_char,
    capability_count: usize,
    capabilities: *const *const c_char,
}

#[repr(C)]
pub struct AhRequest {
    struct_size: u32,
    state: u32,
    call_id: u64,
    deadline_ns: i64,
    task_id: AhStr,
    capability: AhStr,
    payload: AhStr,
}

#[repr(C)]
pub struct AhResponse {
    body: AhStr,
    release_data: *mut c_void,
}

#[repr(C)]
pub struct AhAgent {
    struct_size: u32,
    descriptor: extern "C" fn() -> *const AhAgentDescriptor,
    call: extern "C" fn(*const AhRequest, *mut AhResponse) -> i32,
    release: extern "C" fn(*mut AhResponse),
}

#[repr(C)]
pub struct AhPluginEntry {
    abi_major: u32,
    abi_minor: u32,
    struct_size: u32,
    init: extern "C" fn(*const AhHost, AhSink) -> i32,
    deinit: extern "C" fn(),
    get_interface: extern "C" fn(*const c_char) -> *const c_void,
}

/// Static tables hold raw pointers to static strings, which never change;
/// this wrapper says so to the compiler.
#[repr(transparent)]
struct Shared<T>(T);
unsafe impl<T> Sync for Shared<T> {}

static CAPABILITIES: Shared<[*const c_char; 2]> =
    Shared([c"hello.rust.greet".as_ptr(), c"hello.rust.words".as_ptr()]);

static DESCRIPTOR: Shared<AhAgentDescriptor> = Shared(AhAgentDescriptor {
    struct_size: std::mem::size_of::<AhAgentDescriptor>() as u32,
    flags: AH_AGENT_THREAD_SAFE,
    id: c"example.hello-rust".as_ptr(),
    name: c"Hello (Rust)".as_ptr(),
    version: c"1.0.0".as_ptr(),
    toolchain: c"rust".as_ptr(),
    capability_count: 2,
    capabilities: &CAPABILITIES.0 as *const [*const c_char; 2] as *const *const c_char,
});

static AGENT: AhAgent = AhAgent {
    struct_size: std::mem::size_of::<AhAgent>() as u32,
    descriptor: describe,
    call,
    release,
};

extern "C" fn describe() -> *const AhAgentDescriptor {
    &DESCRIPTOR.0
}

/// Hands `body` to the host; `release` takes it back.
fn respond(out: &mut AhResponse, status: i32, body: String) -> i32 {
    let boxed: Box<[u8]> = body.into_bytes().into_boxed_slice();
    let len = boxed.len();
    let raw = Box::into_raw(boxed);
    out.body = AhStr { data: raw as *const c_char, len };
    out.release_data = raw as *mut c_void;
    status
}

/// A JSON string literal for `text`.
fn quoted(text: &str) -> String {
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

/// The string value of top-level `key` in a JSON object: enough JSON for this
/// example (escapes \" \\ \n \t \/ and \uXXXX are decoded).
fn string_field(json: &str, key: &str) -> Option<String> {
    let needle = format!("\"{}\"", key);
    let at = json.find(&needle)? + needle.len();
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{FFFD}'));
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

fn answer(request: &AhRequest) -> (i32, String) {
    let capability = String::from_utf8_lossy(request.capability.bytes()).into_owned();
    let payload = String::from_utf8_lossy(request.payload.bytes()).into_owned();
    match capability.as_str() {
        "hello.rust.greet" => (AH_OK, format!("{{\"greeting\":\"Hello from Rust\",\"input\":{}}}", payload)),
        "hello.rust.words" => match string_field(&payload, "text") {
            Some(text) => (
                AH_OK,
                format!("{{\"words\":{},\"chars\":{},\"text\":{}}}", text.split_whitespace().count(), text.chars().count(), quoted(&text)),
            ),
            None => (AH_ERR_INVALID_ARGUMENT, "hello.rust.words needs {\"text\": \"...\"}".to_string()),
        },
        other => (AH_ERR_UNSUPPORTED, format!("hello-rust has no capability '{}'", other)),
    }
}

extern "C" fn call(request: *const AhRequest, out: *mut AhResponse) -> i32 {
    // Safety: the host passes valid pointers for the duration of the call.
    let (request, out) = unsafe { (&*request, &mut *out) };
    match catch_unwind(|| answer(request)) {
        Ok((status, body)) => respond(out, status, body),
        Err(_) => respond(out, AH_ERR_INTERNAL, "hello-rust panicked; the panic was caught at the ABI boundary".to_string()),
    }
}

extern "C" fn release(response: *mut AhResponse) {
    // Safety: `release_data` is null or the Box<[u8]> that `respond` leaked, with `body.len` bytes.
    unsafe {
        let response = &mut *response;
        if !response.release_data.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(response.release_data as *mut u8, response.body.len);
            drop(Box::from_raw(slice));
            response.release_data = std::ptr::null_mut();
        }
    }
}

extern "C" fn init(host: *const AhHost, _error: AhSink) -> i32 {
    // Safety: the host table stays valid until deinit; `log` is one of its first fields.
    unsafe {
        if let Some(log) = host.as_ref().and_then(|h| h.log) {
            log(host, 0, AH_LOG_DEBUG, AhStr::of("hello-rust ready"));
        }
    }
    AH_OK
}

extern "C" fn deinit() {}

extern "C" fn get_interface(id: *const c_char) -> *const c_void {
    // Safety: the host passes a NUL-terminated interface id.
    let id = unsafe { CStr::from_ptr(id) };
    if id.to_bytes() == b"agenthost.agent/1" {
        &AGENT as *const AhAgent as *const c_void
    } else {
        std::ptr::null()
    }
}

/// The one exported symbol the host looks up with dlsym.
#[no_mangle]
pub static agenthost_plugin_entry: AhPluginEntry = AhPluginEntry {
    abi_major: 1,
    abi_minor: 0,
    struct_size: std::mem::size_of::<AhPluginEntry>() as u32,
    init,
    deinit,
    get_interface,
};
