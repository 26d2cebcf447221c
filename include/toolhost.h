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
     * It may run before `invoke` has returned TH_PENDING. */
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

    /* Looks up an optional plugin extension by id (later minors and add-ons define them);
     * NULL when unknown. Called on host threads after init. May be NULL. */
    const void *(*get_extension)(void *state, const char *id);
} th_plugin;

/* The entry point every ABI-1 plugin exports. Returns the static descriptor; must be callable
 * more than once, from any thread, and do nothing else (no allocation, no I/O, no threads). */
typedef const th_plugin *(*th_plugin_entry_v1_fn)(void);
TH_EXPORT const th_plugin *th_plugin_entry_v1(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TOOLHOST_H */
