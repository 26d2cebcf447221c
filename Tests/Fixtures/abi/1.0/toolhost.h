/*
 * toolhost.h — the toolhost plugin ABI, version 1.
 *
 * This header is the whole contract between the toolhost host and its plugins. It is C99,
 * depends only on the C standard library, and compiles as C and C++ with
 * -Wall -Wextra -Werror -pedantic. A plugin is a shared object that exports one function,
 * `th_plugin_entry_v1`, returning a pointer to a static `th_plugin` descriptor.
 *
 * Rules that hold everywhere (each function below adds its own):
 *
 *  - Versioning. The major version is part of the entry point's name; a later major adds
 *    `th_plugin_entry_v2` and a plugin may export both. Within a major, structures only grow:
 *    every structure that crosses the boundary begins with `struct_size`, fields are only ever
 *    appended, a reader treats a field beyond `struct_size` as zero/NULL, and a NULL function
 *    pointer means "not supported". The host accepts plugins whose `abi_minor` is at most its
 *    own `TH_ABI_MINOR`, and tells the plugin its own minor in `th_host.abi_minor`.
 *  - Text. Every string is UTF-8. Strings handed over as pointer + length are also
 *    NUL-terminated when they come from the host. Functions taking a pointer + length accept
 *    `TH_NUL_TERMINATED` as the length, meaning "use strlen".
 *  - JSON. Tool arguments, results and schemas cross the boundary as UTF-8 JSON text. The host
 *    validates a call's arguments against the tool's input schema before `invoke` runs, so a
 *    plugin sees only arguments that match it.
 *  - Ownership. Inputs from the host are borrowed: valid for the duration documented at each
 *    field, never to be freed or written by the plugin. The plugin never hands the host heap
 *    memory to free: results, errors and log lines go through host functions that copy at
 *    once. Static metadata (the descriptor, tool descriptors and their strings) stays owned by
 *    the plugin and must remain valid until `shutdown` returns.
 *  - Errors. Failures are the negative `th_status` codes below plus a message the plugin gives
 *    through `th_host.result_error` or `th_host.log`. C++ exceptions, Rust panics and Swift
 *    errors must never cross the boundary.
 *  - Loading. The host opens plugins with RTLD_NOW | RTLD_LOCAL and never unloads them.
 */
#ifndef TOOLHOST_H
#define TOOLHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Versions, export macro, constants                                                          */
/* ---------------------------------------------------------------------------------------- */

#define TH_ABI_MAJOR 1
#define TH_ABI_MINOR 0

/* First field of `th_plugin`: the bytes "THP1" read as a little-endian uint32. */
#define TH_PLUGIN_MAGIC 0x31504854u

/* Length argument meaning "the string is NUL-terminated; measure it". */
#define TH_NUL_TERMINATED ((size_t)-1)

#if defined(_WIN32)
#define TH_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define TH_EXPORT __attribute__((visibility("default")))
#else
#define TH_EXPORT
#endif

/* Status codes. Zero and positive values are outcomes, negative values are errors; new
 * negative codes may be added in later minors, and a reader treats an unknown one like
 * TH_ERR_FAILED. */
typedef int32_t th_status;
#define TH_OK 0                    /* the call finished; its result is in the sinks */
#define TH_PENDING 1               /* invoke only: the plugin will call th_host.complete later */
#define TH_ERR_FAILED (-1)         /* the tool failed; the message says why */
#define TH_ERR_INVALID_ARGUMENT (-2) /* arguments valid by schema but unusable */
#define TH_ERR_CANCELLED (-3)      /* the call stopped because it was cancelled */
#define TH_ERR_TIMEOUT (-4)        /* something the tool waited for took too long */
#define TH_ERR_UNAVAILABLE (-5)    /* a service the tool needs could not be reached */
#define TH_ERR_NO_MEMORY (-6)
#define TH_ERR_UNSUPPORTED (-7)    /* the request asks for something not implemented */
#define TH_ERR_STATE (-8)          /* host function used at the wrong time, e.g. after complete */
#define TH_ERR_INTERNAL (-9)       /* a bug in the plugin or the host */

/* Log levels: the syslog severities MCP uses for notifications/message, in rising order. */
typedef int32_t th_log_level;
#define TH_LOG_DEBUG 0
#define TH_LOG_INFO 1
#define TH_LOG_NOTICE 2
#define TH_LOG_WARNING 3
#define TH_LOG_ERROR 4
#define TH_LOG_CRITICAL 5
#define TH_LOG_ALERT 6
#define TH_LOG_EMERGENCY 7

/* th_plugin.flags */
#define TH_PLUGIN_SERIAL 0x1u      /* the host never runs two invokes of this plugin at once */

/* th_invocation.flags */
#define TH_CALL_WANTS_PROGRESS 0x1u /* the client gave a progressToken: progress is delivered */

/* ---------------------------------------------------------------------------------------- */
/* Opaque handles                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* One tool call, owned by the host. Valid from the moment `invoke` is entered until the call
 * completes: when `invoke` returns anything but TH_PENDING, or, after TH_PENDING, when
 * `th_host.complete` returns. Using it afterwards is undefined behaviour. */
typedef struct th_call th_call;

/* ---------------------------------------------------------------------------------------- */
/* What the host gives a plugin                                                               */
/* ---------------------------------------------------------------------------------------- */

typedef struct th_host th_host;

/* The host, as seen by one plugin. Each plugin gets its own `th_host`, valid from `init`
 * until `shutdown` returns. Every function pointer here is non-NULL in ABI 1.0 and may be
 * called from any thread, including threads the plugin created; none of them blocks on
 * anything slower than a short internal lock, and none calls back into the plugin, so they are
 * safe to call while the plugin holds its own locks. */
struct th_host {
    uint32_t struct_size;          /* sizeof(th_host) as the host was compiled */
    uint16_t abi_major;            /* TH_ABI_MAJOR of the host */
    uint16_t abi_minor;            /* TH_ABI_MINOR of the host: the newest fields it fills */

    const char *host_name;         /* "toolhost" */
    const char *host_version;      /* e.g. "0.1.0" */
    const char *plugin_path;       /* the file this plugin was loaded from */

    /* The plugin's configuration: a JSON object (never NULL; "{}" when there is none), built
     * by the host from its configuration file and from environment variables (see README).
     * It may hold secrets: never log or echo it. */
    const char *config_json;
    size_t config_len;

    void *host_data;               /* the host's own; plugins must not touch it */

    /* Writes a line to the host's log (stderr), attributed to this plugin. `message` is
     * NUL-terminated and copied before return. During `init`, the last message logged at
     * TH_LOG_ERROR or above becomes the reason shown when `init` fails. */
    void (*log)(const th_host *host, th_log_level level, const char *message);

    /* ---- Results of a call. Valid only for a call that has not completed. Each copies its
     * input before returning and returns TH_OK, TH_ERR_INVALID_ARGUMENT (text not valid
     * UTF-8 or JSON) or TH_ERR_STATE (the call already completed). */

    /* Appends a text content block. */
    th_status (*result_text)(th_call *call, const char *text, size_t len);

    /* Appends one MCP content block given as a JSON object, e.g.
     * {"type":"image","data":"…","mimeType":"image/png"}. */
    th_status (*result_content)(th_call *call, const char *json, size_t len);

    /* Sets the structured result (any JSON value; the host wraps a non-object as
     * {"result": value} for protocol versions that require an object, and leaves it out for
     * versions that predate structured results). A later call replaces an earlier one. */
    th_status (*result_structured)(th_call *call, const char *json, size_t len);

    /* Marks the result as a tool error (isError: true) and appends `message` as text. The
     * message is for the model and the user: say what failed and what to check. */
    th_status (*result_error)(th_call *call, const char *message, size_t len);

    /* Finishes a call for which `invoke` returned TH_PENDING: exactly once, from any thread,
     * with TH_OK or a negative status. A negative status without a prior `result_error`
     * gives a generic error text naming the status. After it returns, `call` is invalid.
     * It may run before `invoke` has returned TH_PENDING. The host may write the answer
     * to the client on the calling thread, but only when that write cannot wait. */
    void (*complete)(th_call *call, th_status status);

    /* Reports progress. `progress` must increase from one report to the next (others are
     * dropped); `total` <= 0 means unknown; `message` may be NULL. Returns TH_OK when it was
     * delivered or dropped by these rules, TH_ERR_STATE after completion. Cheap when the
     * client did not ask for progress (see TH_CALL_WANTS_PROGRESS). */
    th_status (*progress)(th_call *call, double progress, double total, const char *message);

    /* True once the client cancelled the call, its deadline passed, or the host is shutting
     * down. The plugin should then stop and complete with TH_ERR_CANCELLED. */
    bool (*is_cancelled)(const th_call *call);

    /* Logs a message tied to a call: to stderr, and to the client as notifications/message
     * when the client asked for log messages at this level. NUL-terminated, copied. */
    void (*call_log)(th_call *call, th_log_level level, const char *message);

    /* Tells the host that `tool_count`/`tool_at` now describe a different set of tools. The
     * host re-reads them on one of its own threads (never inside this function) and notifies
     * clients. */
    void (*tools_changed)(const th_host *host);

    /* Looks up an optional host extension by id; NULL when the host has none by that id. */
    const void *(*get_extension)(const th_host *host, const char *id);
};

/* ---------------------------------------------------------------------------------------- */
/* What a plugin describes                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* One tool. All strings are owned by the plugin and stay valid until `shutdown` returns (or,
 * for tools that disappear, until the host has re-read the list after `tools_changed`). */
typedef struct th_tool {
    uint32_t struct_size;          /* sizeof(th_tool) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    const char *name;              /* 1-128 chars of A-Z a-z 0-9 _ - . ; unique in the host */
    const char *title;             /* human-readable name, or NULL */
    const char *description;       /* what the tool does, for the model; may be NULL */
    const char *input_schema_json; /* JSON Schema of the arguments; root "type":"object" */
    const char *output_schema_json;/* JSON Schema of structured results, or NULL */
    const char *annotations_json;  /* MCP ToolAnnotations object (readOnlyHint…), or NULL */
} th_tool;

/* One call, as `invoke` sees it. Everything here is borrowed and valid until the call
 * completes (so a PENDING call may keep using it). */
typedef struct th_invocation {
    uint32_t struct_size;          /* sizeof(th_invocation) as the host was compiled */
    uint32_t flags;                /* TH_CALL_* */
    uint32_t tool_index;           /* index of the tool, as in tool_at() */
    uint32_t reserved;
    const char *tool_name;
    const char *arguments_json;    /* a JSON object, already checked against the input schema */
    size_t arguments_len;
    const char *request_id;        /* the JSON-RPC id as JSON text, for logs and correlation */
    const char *protocol_version;  /* the MCP revision of this request, e.g. "2025-11-25" */
} th_invocation;

/* The plugin descriptor returned by `th_plugin_entry_v1`. Static and owned by the plugin. */
typedef struct th_plugin {
    uint32_t magic;                /* TH_PLUGIN_MAGIC */
    uint32_t struct_size;          /* sizeof(th_plugin) as the plugin was compiled */
    uint16_t abi_major;            /* TH_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;            /* TH_ABI_MINOR the plugin was built against */
    uint32_t flags;                /* TH_PLUGIN_* */

    const char *id;                /* short id, [a-z0-9_-]+, e.g. "vllm": names its config */
    const char *name;              /* human-readable name */
    const char *version;           /* the plugin's own version, e.g. "1.2.0" */
    const char *description;       /* may be NULL */

    /* Starts the plugin. Called once, on a host thread, before any other function below.
     * `host` stays valid until `shutdown` returns. The plugin may store its own state in
     * `*state`; the host passes it back to every other function. Returns TH_OK, or a negative
     * status (log the reason first, see th_host.log): the host then reports the plugin as
     * broken, never calls it again and never calls `shutdown`. May be NULL. */
    th_status (*init)(const th_host *host, void **state);

    /* Stops the plugin. Called once, on a host thread, after every call of this plugin has
     * completed; if calls are still running when the host's shutdown grace period ends, the
     * host exits without calling it. Must not call back into the host. May be NULL. */
    void (*shutdown)(void *state);

    /* The number of tools, and tool `index` (0 <= index < count). Called on host threads,
     * never concurrently with init or shutdown, possibly concurrently with invoke. The result
     * stays valid as described at `th_tool`. Required. */
    uint32_t (*tool_count)(void *state);
    const th_tool *(*tool_at)(void *state, uint32_t index);

    /* Runs a call. Called on a host worker thread (never the thread that reads the client),
     * concurrently with other invokes unless TH_PLUGIN_SERIAL is set. Either finish now —
     * put the result in the sinks and return TH_OK, or return a negative status — or return
     * TH_PENDING and later call `th_host.complete` exactly once, from any thread. Should not
     * block for long: a slow tool returns TH_PENDING and works elsewhere. Required. */
    th_status (*invoke)(void *state, th_call *call, const th_invocation *invocation);

    /* A hint that the call was cancelled (by the client, a deadline or shutdown). Called at
     * most once per call, from any host thread, possibly while `invoke` is still running or
     * concurrently with the plugin calling `complete`; `call` stays valid until this function
     * returns. The plugin should stop the work soon and complete with TH_ERR_CANCELLED; it
     * must still complete the call. `th_host.is_cancelled` answers the same question by
     * polling. May be NULL. */
    void (*cancel)(void *state, th_call *call);

    /* Looks up an optional plugin extension by id (later minors and add-ons define them, e.g.
     * TH_EXT_NATIVE_FUNCTIONS below); NULL when unknown. Called on host threads after init.
     * May be NULL. */
    const void *(*get_extension)(void *state, const char *id);
} th_plugin;

/* ---------------------------------------------------------------------------------------- */
/* Extension "th.native_functions.v1": plain C functions as tools                             */
/* ---------------------------------------------------------------------------------------- */

/* A plugin may declare tools that are ordinary C functions with typed parameters, and let the
 * host do all the JSON: the host derives each tool's input schema from the declared types,
 * checks and converts the arguments into exactly typed storage, calls the function through
 * libffi, and turns the return value (and out-parameters) into the result.
 *
 * The plugin offers the table through `th_plugin.get_extension(state, TH_EXT_NATIVE_FUNCTIONS)`
 * returning a `const th_native_functions *`. The host asks once, after `init` succeeded, and
 * builds one libffi call interface per function then. A host without this extension never
 * asks, so a plugin that also works there should offer ordinary tools as well. The tools of
 * the table appear as a companion plugin with id "<plugin id>-native" (see `toolhost check`);
 * their names share the host's one namespace with every other tool.
 *
 * Ownership: the table, every function and parameter descriptor and their strings are owned by
 * the plugin and must stay valid until `shutdown` returns. The host calls the functions only
 * between `init` and `shutdown`.
 *
 * Threading: the functions are called on host worker threads, concurrently with each other and
 * with `invoke`, unless the plugin is TH_PLUGIN_SERIAL (then never two calls of the plugin at
 * once) or the function has TH_NATIVE_SERIAL (never two calls of that function at once).
 *
 * Arguments: a function is called only with values that fit its declared C types exactly and
 * satisfy the declared bounds and enums: a missing, extra, wrongly typed or out-of-range
 * argument is answered with a tool error naming the parameter, and the function is not called.
 * Integers arrive as JSON integers (64-bit ones also as decimal strings, because JSON numbers
 * lose precision past 2^53); `float` and `double` as JSON numbers (finite and in range);
 * `bool` as true/false; strings as JSON strings without NUL characters. */
#define TH_EXT_NATIVE_FUNCTIONS "th.native_functions.v1"

/* The C type of a parameter or return value (th_native_param.type, th_native_function.
 * return_type). Values are fixed; later minors may add types, which an older host reports as
 * unsupported (and skips that function). */
typedef uint32_t th_native_type;
#define TH_TYPE_VOID 0u            /* return only: the function returns nothing */
#define TH_TYPE_BOOL 1u            /* C99 bool (_Bool) */
#define TH_TYPE_INT8 2u            /* int8_t */
#define TH_TYPE_INT16 3u           /* int16_t */
#define TH_TYPE_INT32 4u           /* int32_t */
#define TH_TYPE_INT64 5u           /* int64_t */
#define TH_TYPE_UINT8 6u           /* uint8_t */
#define TH_TYPE_UINT16 7u          /* uint16_t */
#define TH_TYPE_UINT32 8u          /* uint32_t */
#define TH_TYPE_UINT64 9u          /* uint64_t */
#define TH_TYPE_FLOAT 10u          /* float */
#define TH_TYPE_DOUBLE 11u         /* double */
#define TH_TYPE_SIZE 12u           /* size_t */
/* Parameter: `const char *`, NUL-terminated UTF-8, borrowed for the duration of the call.
 * Return: `const char *` whose ownership `th_native_function.free_result` states; NULL is
 * returned to the client as null (or is the error, with TH_ERRORS_NULL_ERRNO). */
#define TH_TYPE_STRING 13u
/* Parameter only: a byte buffer, passed as TWO C arguments: `const void *data`, then its length
 * as an integer of type `th_native_param.length_type`. The client gives a JSON string: its
 * UTF-8 bytes, or, with TH_PARAM_BASE64, the bytes it encodes. Borrowed for the call; the
 * host passes a non-NULL pointer even for an empty buffer. */
#define TH_TYPE_BYTES 14u

/* th_native_param.flags */
/* Out-parameter: the C argument is a pointer to a variable of `type` (a scalar: bool, an
 * integer, float or double), zeroed by the host before the call. The client does not give it;
 * its value after the call is part of the result, under the parameter's name. */
#define TH_PARAM_OUT 0x1u
/* TH_TYPE_BYTES: the client's string is base64 (RFC 4648, padding optional), not text. */
#define TH_PARAM_BASE64 0x2u

/* th_native_function.flags */
#define TH_NATIVE_SERIAL 0x1u      /* never two calls of this function at once */

/* How a function reports failure (th_native_function.errors). On failure the result is a tool
 * error (isError: true) saying what the function returned, and strerror(errno) where errno is
 * part of the convention; out-parameters and the return value are not reported. */
typedef uint32_t th_native_errors;
#define TH_ERRORS_NONE 0u          /* every return is a result */
#define TH_ERRORS_NONZERO 1u       /* integer or bool return: anything but 0 (false) is failure */
#define TH_ERRORS_NEGATIVE 2u      /* signed integer return: a negative value is failure */
#define TH_ERRORS_NULL_ERRNO 3u    /* string return: NULL is failure, errno says why */
#define TH_ERRORS_ERRNO 4u         /* the host sets errno to 0 before the call; non-zero after
                                      it is failure (as C's math functions report ERANGE/EDOM) */
#define TH_ERRORS_FALSE 5u         /* bool return: false is failure */

/* One parameter, in C argument order. */
typedef struct th_native_param {
    uint32_t struct_size;          /* sizeof(th_native_param) as the plugin was compiled */
    th_native_type type;           /* TH_TYPE_* (not VOID) */
    uint32_t flags;                /* TH_PARAM_* */
    th_native_type length_type;    /* TH_TYPE_BYTES: the integer type of the length argument
                                      that follows the pointer; 0 means TH_TYPE_SIZE */
    const char *name;              /* the JSON argument's name: 1-64 of A-Z a-z 0-9 _ - */
    const char *description;       /* for the model; may be NULL */
    /* Optional limits as JSON text, NULL for none. For integers and floats: bounds within the
     * type's own range (inclusive, exact for 64-bit values), e.g. "0" and "100". */
    const char *minimum;
    const char *maximum;
    const char *enum_json;         /* a JSON array of the only values allowed, or NULL */
    const char *default_json;      /* a JSON value used when the argument is missing (then the
                                      argument is optional), or NULL: the argument is required */
} th_native_param;

/* One C function offered as a tool. */
typedef struct th_native_function {
    uint32_t struct_size;          /* sizeof(th_native_function) as the plugin was compiled */
    uint32_t flags;                /* TH_NATIVE_* */
    const char *name;              /* the tool's name, as th_tool.name */
    const char *title;             /* or NULL */
    const char *description;       /* for the model; may be NULL */
    const char *annotations_json;  /* MCP ToolAnnotations object, or NULL */
    /* The function itself, cast to this generic function-pointer type: TH_NATIVE_FN(f). Its
     * real prototype must match `params` and `return_type` exactly; the host cannot check it. */
    void (*function)(void);
    const th_native_param *params; /* `param_count` parameters, or NULL when there are none */
    uint32_t param_count;
    th_native_type return_type;    /* TH_TYPE_* except BYTES */
    th_native_errors errors;       /* TH_ERRORS_* */
    uint32_t reserved;             /* 0 */
    /* TH_TYPE_STRING returns: NULL means the string is static (or owned by the plugin and
     * valid until the next call of this function on the same thread); the host copies it and
     * never frees it. Otherwise the string is the caller's to free: the host copies it and then
     * calls free_result with it (exactly once per non-NULL return, on the calling thread). */
    void (*free_result)(void *string);
    const char *result_description; /* what the return value means, for the output schema */
} th_native_function;

/* The table `get_extension(state, TH_EXT_NATIVE_FUNCTIONS)` returns. */
typedef struct th_native_functions {
    uint32_t struct_size;          /* sizeof(th_native_functions) as the plugin was compiled */
    uint32_t count;                /* number of entries in `functions` */
    const th_native_function *functions;
} th_native_functions;

/* Casts a function to the generic type of th_native_function.function. */
#ifdef __cplusplus
#define TH_NATIVE_FN(f) (reinterpret_cast<void (*)(void)>(f))
#else
#define TH_NATIVE_FN(f) ((void (*)(void))(f))
#endif

/* The entry point every ABI-1 plugin exports. Returns the static descriptor; must be callable
 * more than once, from any thread, and do nothing else (no allocation, no I/O, no threads). */
typedef const th_plugin *(*th_plugin_entry_v1_fn)(void);
TH_EXPORT const th_plugin *th_plugin_entry_v1(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TOOLHOST_H */
