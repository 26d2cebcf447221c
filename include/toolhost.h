/*
 * toolhost.h — the toolhost plugin ABI, version 1.1.
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
 *    every structure that crosses the boundary begins with `struct_size` (sizeof the
 *    structure as its writer was compiled), fields are only ever appended, and a NULL function
 *    pointer means "not supported". A reader copies the first min(struct_size, sizeof) bytes
 *    it knows, treats every field beyond the writer's `struct_size` as zero/NULL, never reads
 *    past `struct_size`, and steps through an array by its elements' `struct_size`.
 *    So from 1.1 on, a host loads a plugin of its major whatever the plugin's minor, older or
 *    newer, and uses what both know (`th_version_is_compatible`). (A 1.0 host refuses any
 *    plugin whose `abi_minor` is above 0, and plugins built with this header set
 *    TH_ABI_MINOR: such a plugin needs a host of 1.1 or later.) A plugin learns the host's
 *    minor from `th_host.abi_minor` and the host's table from `th_host.struct_size`, and must
 *    not call a host function the host does not have: test with TH_HOST_HAS(host, field)
 *    before calling anything added after 1.0 (each such field says "since 1.x").
 *  - Threads. Every function carries a tag saying who calls it and where:
 *      [any thread]    may be called from any thread, including threads the plugin created,
 *                      and concurrently with anything else;
 *      [host thread]   called by the host on one of its own threads (never the thread that
 *                      reads the client), possibly concurrently with other host-thread calls
 *                      unless the function says otherwise;
 *      [init only]     called once, before any other function of the plugin;
 *      [shutdown only] called once, after every other function of the plugin has returned;
 *      [live call]     valid only for a call that has not completed (see th_call).
 *  - Pointers. TH_NONNULL marks a pointer that is never NULL, TH_NULLABLE one that may be
 *    NULL (with the meaning its comment gives). A pointer field without either, in a structure
 *    the plugin fills, is required: the host checks it and reports a NULL as a broken plugin.
 *    The pointers a plugin passes to the th_host functions are required too (`call`, `host`,
 *    a message), and also left unmarked because the host checks them: a NULL is refused with
 *    TH_ERR_INVALID_ARGUMENT, or ignored by a function that returns nothing. (With clang the
 *    marks are the _Nonnull/_Nullable qualifiers; with other compilers they are comments.)
 *  - Text. Every string is UTF-8. Strings handed over as pointer + length are also
 *    NUL-terminated when they come from the host. Functions taking a pointer + length accept
 *    `TH_NUL_TERMINATED` as the length, meaning "use strlen".
 *  - JSON. Tool arguments, results and schemas cross the boundary as UTF-8 JSON text. The host
 *    validates a call's arguments against the tool's input schema before `invoke` runs, so a
 *    plugin sees only arguments that match it.
 *  - Ownership. Inputs from the host are borrowed: valid for the duration documented at each
 *    field, never to be freed or written by the plugin. The plugin never hands the host heap
 *    memory to free: results, errors and log lines go through host functions that copy at
 *    once. Descriptors the plugin returns (the plugin descriptor, tool descriptors and their
 *    strings) are copied by the host when it reads them; how long each must stay valid is
 *    said at the function that returns it. The host never passes a pointer into a plugin's
 *    descriptors back to it (only the plugin's own `state`).
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
#define TH_ABI_MINOR 1

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

/* Nullability marks (see "Pointers" above). */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnullability-extension"
#pragma clang diagnostic ignored "-Wnullability-completeness"
#define TH_NULLABLE _Nullable
#define TH_NONNULL _Nonnull
#else
#define TH_NULLABLE
#define TH_NONNULL
#endif

/* Named constants of a fixed integer type: `TH_CONSTANTS(int32_t) { A = 1, B = 2 };`. Where the
 * language has enums with a fixed underlying type (C++11, and Swift's importer, which then
 * imports the constants as values of that type) they are one; in C99 a plain enum, whose
 * constants are ints of the same values. Either way the typedef'd integer is the ABI type. */
#if defined(__swift__) || (defined(__cplusplus) && __cplusplus >= 201103L)
#define TH_CONSTANTS(type) enum : type
#else
#define TH_CONSTANTS(type) enum
#endif

/* [any thread] True when a plugin or host built for ABI `major`.`minor` works with one built
 * against this header: the same major, any minor (each side uses what both know). */
static inline bool th_version_is_compatible(uint32_t major, uint32_t minor) {
    (void)minor;
    return major == TH_ABI_MAJOR;
}

/* True when structure `ptr` of type `type`, as its writer compiled it, contains `field`:
 * its struct_size reaches past the field's end. Read no field for which this is false. */
#define TH_HAS_FIELD(ptr, type, field) \
    ((size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof(((const type *)0)->field))

/* True when the host offers the th_host function `field`: use before calling any function
 * marked "since 1.x" (a host of an older minor has no such field; reading it reads past the
 * host's structure). */
#define TH_HOST_HAS(host, field) (TH_HAS_FIELD(host, th_host, field) && (host)->field != NULL)

/* Status codes. Zero and positive values are outcomes, negative values are errors; new
 * negative codes may be added in later minors, and a reader treats an unknown one like
 * TH_ERR_FAILED. */
typedef int32_t th_status;
TH_CONSTANTS(int32_t) {
    TH_OK = 0,                     /* the call finished; its result is in the sinks */
    TH_PENDING = 1,                /* invoke only: the plugin will call th_host.complete later */
    TH_ERR_FAILED = -1,            /* the tool failed; the message says why */
    TH_ERR_INVALID_ARGUMENT = -2,  /* arguments valid by schema but unusable */
    TH_ERR_CANCELLED = -3,         /* the call stopped because it was cancelled */
    TH_ERR_TIMEOUT = -4,           /* something the tool waited for took too long */
    TH_ERR_UNAVAILABLE = -5,       /* a service the tool needs could not be reached */
    TH_ERR_NO_MEMORY = -6,
    TH_ERR_UNSUPPORTED = -7,       /* the request asks for something not implemented */
    TH_ERR_STATE = -8,             /* host function used at the wrong time, e.g. after complete */
    TH_ERR_INTERNAL = -9,          /* a bug in the plugin or the host */
    TH_ERR_NOT_FOUND = -10         /* since 1.1: the named prompt or resource does not exist */
};

/* Log levels: the syslog severities MCP uses for notifications/message, in rising order. */
typedef int32_t th_log_level;
TH_CONSTANTS(int32_t) {
    TH_LOG_DEBUG = 0,
    TH_LOG_INFO = 1,
    TH_LOG_NOTICE = 2,
    TH_LOG_WARNING = 3,
    TH_LOG_ERROR = 4,
    TH_LOG_CRITICAL = 5,
    TH_LOG_ALERT = 6,
    TH_LOG_EMERGENCY = 7
};

/* th_plugin.flags */
#define TH_PLUGIN_SERIAL 0x1u      /* the host never runs two invokes of this plugin at once */
/* Since 1.1: a demonstration, not a tool for real clients. From the default folders (next to
 * the executable, <exe>/../lib/toolhost/plugins) the host loads it only when asked to
 * (`--examples`, TOOLHOST_EXAMPLES=1); a file named with --plugin, or a folder given with
 * --plugin-dir or TOOLHOST_PLUGIN_PATH, loads it in any case. A 1.0 host ignores it. */
#define TH_PLUGIN_EXAMPLE 0x2u

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
 * until `shutdown` returns. The functions of ABI 1.0 are never NULL; a function added later
 * exists only when TH_HOST_HAS(host, field) says so. All may be called from any thread,
 * including threads the plugin created; none of them blocks on anything slower than a short
 * internal lock, and none calls back into the plugin, so they are safe to call while the
 * plugin holds its own locks. */
struct th_host {
    uint32_t struct_size;          /* sizeof(th_host) as the host was compiled */
    uint16_t abi_major;            /* TH_ABI_MAJOR of the host */
    uint16_t abi_minor;            /* TH_ABI_MINOR of the host: the newest fields it fills */

    const char *TH_NONNULL host_name;    /* "toolhost" */
    const char *TH_NONNULL host_version; /* e.g. "0.1.0" */
    const char *TH_NONNULL plugin_path;  /* the file this plugin was loaded from */

    /* The plugin's configuration: a JSON object (never NULL; "{}" when there is none), built
     * by the host from its configuration file and from environment variables (see README).
     * It may hold secrets: never log or echo it. */
    const char *TH_NONNULL config_json;
    size_t config_len;

    void *TH_NULLABLE host_data;   /* the host's own; plugins must not touch it */

    /* [any thread] Writes a line to the host's log (stderr), attributed to this plugin.
     * `message` is NUL-terminated and copied before return. During `init`, the last message
     * logged at TH_LOG_ERROR or above becomes the reason shown when `init` fails. */
    void (*TH_NONNULL log)(const th_host *host, th_log_level level, const char *message);

    /* ---- Results of a call. [any thread] [live call] Each copies its input before returning
     * and returns TH_OK, TH_ERR_INVALID_ARGUMENT (text not valid UTF-8 or JSON) or
     * TH_ERR_STATE (the call already completed). The text may be NULL only with length 0.
     * On a prompt request (th_prompts.get), `result_content` and `result_structured` return
     * TH_ERR_UNSUPPORTED, `progress` reports are dropped, and `call_log` goes to stderr only. */

    /* [any thread] [live call] Appends a text content block. */
    th_status (*TH_NONNULL result_text)(th_call *call, const char *TH_NULLABLE text, size_t len);

    /* [any thread] [live call] Appends one MCP content block given as a JSON object, e.g.
     * {"type":"image","data":"…","mimeType":"image/png"}. */
    th_status (*TH_NONNULL result_content)(th_call *call, const char *TH_NULLABLE json, size_t len);

    /* [any thread] [live call] Sets the structured result (any JSON value; the host wraps a
     * non-object as {"result": value} for protocol versions that require an object, and leaves
     * it out for versions that predate structured results). A later call replaces an earlier
     * one. */
    th_status (*TH_NONNULL result_structured)(th_call *call, const char *TH_NULLABLE json, size_t len);

    /* [any thread] [live call] Marks the result as a tool error (isError: true) and appends
     * `message` as text. The message is for the model and the user: say what failed and what
     * to check. */
    th_status (*TH_NONNULL result_error)(th_call *call, const char *TH_NULLABLE message, size_t len);

    /* [any thread] [live call] Finishes a call for which `invoke` returned TH_PENDING: exactly
     * once, with TH_OK or a negative status. A negative status without a prior `result_error`
     * gives a generic error text naming the status. After it returns, `call` is invalid.
     * It may run before `invoke` has returned TH_PENDING. The host may write the answer
     * to the client on the calling thread, but only when that write cannot wait. */
    void (*TH_NONNULL complete)(th_call *call, th_status status);

    /* [any thread] [live call] Reports progress. `progress` must increase from one report to
     * the next (others are dropped); `total` <= 0 means unknown; `message` may be NULL.
     * Returns TH_OK when it was delivered or dropped by these rules, TH_ERR_STATE after
     * completion. Cheap when the client did not ask for progress (TH_CALL_WANTS_PROGRESS). */
    th_status (*TH_NONNULL progress)(th_call *call, double progress, double total,
                                     const char *TH_NULLABLE message);

    /* [any thread] [live call] True once the client cancelled the call, its deadline passed,
     * or the host is shutting down. The plugin should then stop and complete with
     * TH_ERR_CANCELLED. */
    bool (*TH_NONNULL is_cancelled)(const th_call *call);

    /* [any thread] [live call] Logs a message tied to a call: to stderr, and to the client as
     * notifications/message when the client asked for log messages at this level.
     * NUL-terminated, copied. */
    void (*TH_NONNULL call_log)(th_call *call, th_log_level level, const char *message);

    /* [any thread] Tells the host that `tool_count`/`tool_at` now describe a different set of
     * tools. Call it after the change is visible to `tool_count`/`tool_at`. The host re-reads
     * the list on one of its own threads (never inside this function), notifies clients, and
     * from then on sends calls by the new list. */
    void (*TH_NONNULL tools_changed)(const th_host *host);

    /* [any thread] Looks up an optional host extension by id; NULL when the host has none by
     * that id. */
    const void *TH_NULLABLE (*TH_NONNULL get_extension)(const th_host *host, const char *id);

    /* ---- Since 1.1. Test with TH_HOST_HAS(host, field) before use. */

    /* [any thread] [live call] Appends one message to the answer of a prompt request
     * (th_prompts.get): `role` is "user" or "assistant", `content_json` one MCP content block
     * as a JSON object ({"type":"text","text":"…"}, image, audio, or an embedded resource
     * {"type":"resource","resource":{"uri":…,"text":…}}). Copies; returns TH_OK,
     * TH_ERR_INVALID_ARGUMENT (role or JSON not valid), TH_ERR_STATE (completed) or
     * TH_ERR_UNSUPPORTED (the call is not a prompt request). On a prompt request,
     * `result_text` sets the answer's description and `result_error` its error. */
    th_status (*TH_NULLABLE result_message)(th_call *call, const char *role,
                                            const char *TH_NULLABLE content_json, size_t len);

    /* [any thread] Tells the host that the prompts (th_prompts.prompt_count/prompt_at) changed;
     * like tools_changed. */
    void (*TH_NULLABLE prompts_changed)(const th_host *host);

    /* [any thread] [live call] Appends one item to the answer of a resource read
     * (th_resources.read). `uri` names the item (NULL: the URI that was read); `mime_type`
     * may be NULL (then the resource's own, if it declared one). Without TH_CONTENTS_BLOB in
     * `flags`, `data`/`len` is UTF-8 text; with it, `len` bytes of anything, which the host
     * encodes in base64. Copies; returns TH_OK, TH_ERR_INVALID_ARGUMENT (text not UTF-8, or
     * data NULL with a length), TH_ERR_STATE (completed) or TH_ERR_UNSUPPORTED (the call is
     * not a resource read). On a resource read, `result_text` appends a text item for the URI
     * read and `result_error` makes the answer an error. */
    th_status (*TH_NULLABLE result_contents)(th_call *call, const char *TH_NULLABLE uri,
                                             const char *TH_NULLABLE mime_type,
                                             const void *TH_NULLABLE data, size_t len, uint32_t flags);

    /* [any thread] Tells the host that the resources or resource templates
     * (th_resources.resource_count/resource_at/template_count/template_at) changed; like
     * tools_changed. */
    void (*TH_NULLABLE resources_changed)(const th_host *host);

    /* [any thread] Tells the host that the contents of the resource at `uri` (NUL-terminated,
     * copied) changed. Clients that subscribed to that URI are told; for the others it does
     * nothing, so a plugin may call it whether or not anyone subscribed. */
    void (*TH_NULLABLE resource_updated)(const th_host *host, const char *uri);

    /* [any thread] [live call] Appends one suggested value to the answer of a completion
     * request (th_completions.complete), best first. The client receives at most 100 values,
     * with `total` the number given and `hasMore` when some were left out. Copies; returns
     * TH_OK, TH_ERR_INVALID_ARGUMENT, TH_ERR_STATE or TH_ERR_UNSUPPORTED (not a completion
     * request). */
    th_status (*TH_NULLABLE result_completion)(th_call *call, const char *TH_NULLABLE value, size_t len);
};

/* ---------------------------------------------------------------------------------------- */
/* What a plugin describes                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* One tool, as `tool_at` returns it. The host copies the descriptor and every string it points
 * to before `tool_at`'s caller does anything else, and never keeps or passes back a pointer
 * into it. The descriptor and its strings must stay valid until the host next calls
 * `tool_count` (the host reads one plugin's list at a time, always starting with `tool_count`),
 * or until `shutdown` returns. So a plugin that rebuilds its list keeps the replaced
 * descriptors until its `tool_count` is next called, then frees them. */
typedef struct th_tool {
    uint32_t struct_size;          /* sizeof(th_tool) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    const char *name;              /* 1-128 chars of A-Z a-z 0-9 _ - . ; unique in the host */
    const char *TH_NULLABLE title; /* human-readable name, or NULL */
    const char *TH_NULLABLE description; /* what the tool does, for the model; may be NULL */
    const char *input_schema_json; /* JSON Schema of the arguments; root "type":"object" */
    const char *TH_NULLABLE output_schema_json; /* JSON Schema of structured results, or NULL */
    const char *TH_NULLABLE annotations_json;   /* MCP ToolAnnotations object, or NULL */
} th_tool;

/* One call, as `invoke` sees it. Everything here is owned by the host, borrowed by the plugin,
 * and valid until the call completes (so a PENDING call may keep using it). */
typedef struct th_invocation {
    uint32_t struct_size;          /* sizeof(th_invocation) as the host was compiled */
    uint32_t flags;                /* TH_CALL_* */
    /* The index of the tool in the plugin's list as the host last read it (tool_at). Right
     * for a plugin whose list never changes; the host re-reads a plugin's list before the
     * next call after `tools_changed`, so it also matches the list as of the plugin's last
     * `tools_changed`. A plugin whose list changes should still match `tool_name`, the
     * tool's identity. */
    uint32_t tool_index;
    uint32_t reserved;
    const char *TH_NONNULL tool_name;      /* the tool's name: the host's own copy */
    const char *TH_NONNULL arguments_json; /* a JSON object, already checked against the schema */
    size_t arguments_len;
    const char *TH_NONNULL request_id;     /* the JSON-RPC id as JSON text, for logs */
    const char *TH_NONNULL protocol_version; /* the MCP revision of this request, e.g. "2025-11-25" */
} th_invocation;

/* The plugin descriptor returned by `th_plugin_entry_v1`. Static and owned by the plugin; the
 * host copies it (min(struct_size, its own sizeof) bytes) right after the entry point returns. */
typedef struct th_plugin {
    uint32_t magic;                /* TH_PLUGIN_MAGIC */
    uint32_t struct_size;          /* sizeof(th_plugin) as the plugin was compiled */
    uint16_t abi_major;            /* TH_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;            /* TH_ABI_MINOR the plugin was built against */
    uint32_t flags;                /* TH_PLUGIN_* */

    const char *id;                /* short id, [a-z0-9_-]+, e.g. "vllm": names its config */
    const char *TH_NULLABLE name;  /* human-readable name; NULL: the id */
    const char *TH_NULLABLE version; /* the plugin's own version, e.g. "1.2.0" */
    const char *TH_NULLABLE description;

    /* [host thread] [init only] Starts the plugin. `host` stays valid until `shutdown`
     * returns. The plugin may store its own state in `*state`; the host passes it back to
     * every other function. Returns TH_OK, or a negative status (log the reason first, see
     * th_host.log): the host then reports the plugin as broken, never calls it again and never
     * calls `shutdown`. May be NULL. */
    th_status (*TH_NULLABLE init)(const th_host *TH_NONNULL host, void *TH_NULLABLE *TH_NONNULL state);

    /* [host thread] [shutdown only] Stops the plugin, after every call of this plugin has
     * completed; if calls are still running when the host's shutdown grace period ends, the
     * host exits without calling it. Must not call back into the host. May be NULL. */
    void (*TH_NULLABLE shutdown)(void *TH_NULLABLE state);

    /* [host thread] The number of tools, and tool `index` (0 <= index < count). Never
     * concurrently with init or shutdown, possibly concurrently with invoke; the host reads
     * one plugin's list from one thread at a time, starting with `tool_count`. `tool_at`
     * returns NULL for an index out of range. The result stays valid as described at
     * `th_tool`. Required. */
    uint32_t (*tool_count)(void *TH_NULLABLE state);
    const th_tool *TH_NULLABLE (*tool_at)(void *TH_NULLABLE state, uint32_t index);

    /* [host thread] Runs a call, on a host worker thread, concurrently with other invokes
     * unless TH_PLUGIN_SERIAL is set. Either finish now — put the result in the sinks and
     * return TH_OK, or return a negative status — or return TH_PENDING and later call
     * `th_host.complete` exactly once, from any thread. Should not block for long: a slow tool
     * returns TH_PENDING and works elsewhere. A tool the plugin no longer has (its name is
     * gone from the list) is answered with result_error and TH_ERR_UNSUPPORTED. Required. */
    th_status (*invoke)(void *TH_NULLABLE state, th_call *TH_NONNULL call,
                        const th_invocation *TH_NONNULL invocation);

    /* [any thread] A hint that the call was cancelled (by the client, a deadline or
     * shutdown). Called at most once per call, on any host thread (the reader's, for a client's
     * notifications/cancelled: keep it short and never block), possibly while `invoke` is
     * still running or concurrently with the plugin calling `complete`; `call` stays valid
     * until this function returns. The plugin should stop the work soon and complete with
     * TH_ERR_CANCELLED; it must still complete the call. `th_host.is_cancelled` answers the
     * same question by polling. May be NULL. */
    void (*TH_NULLABLE cancel)(void *TH_NULLABLE state, th_call *TH_NONNULL call);

    /* [host thread] Looks up an optional plugin extension by id (later minors and add-ons
     * define them, e.g. TH_EXT_NATIVE_FUNCTIONS below); NULL when unknown. Called after init.
     * May be NULL. */
    const void *TH_NULLABLE (*TH_NULLABLE get_extension)(void *TH_NULLABLE state, const char *TH_NONNULL id);
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
 * returning a `const th_native_functions *`. The host asks once, after `init` succeeded, copies every
 * entry it knows (as everywhere: min(struct_size, its own sizeof) bytes) and builds one libffi
 * call interface per function then. A host without this extension never
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
    const char *TH_NULLABLE description; /* for the model; may be NULL */
    /* Optional limits as JSON text, NULL for none. For integers and floats: bounds within the
     * type's own range (inclusive, exact for 64-bit values), e.g. "0" and "100". */
    const char *TH_NULLABLE minimum;
    const char *TH_NULLABLE maximum;
    const char *TH_NULLABLE enum_json; /* a JSON array of the only values allowed, or NULL */
    const char *TH_NULLABLE default_json; /* a JSON value used when the argument is missing (then the
                                      argument is optional), or NULL: the argument is required */
} th_native_param;

/* One C function offered as a tool. */
typedef struct th_native_function {
    uint32_t struct_size;          /* sizeof(th_native_function) as the plugin was compiled */
    uint32_t flags;                /* TH_NATIVE_* */
    const char *name;              /* the tool's name, as th_tool.name */
    const char *TH_NULLABLE title; /* or NULL */
    const char *TH_NULLABLE description; /* for the model; may be NULL */
    const char *TH_NULLABLE annotations_json; /* MCP ToolAnnotations object, or NULL */
    /* [host thread] The function itself, cast to this generic function-pointer type:
     * TH_NATIVE_FN(f). Its real prototype must match `params` and `return_type` exactly; the
     * host cannot check it. Called on host worker threads (see "Threading" above). */
    void (*function)(void);
    /* `param_count` parameters, or NULL when there are none. An array: the host steps from
     * one element to the next by the first element's struct_size, and every element must
     * have that struct_size. */
    const th_native_param *TH_NULLABLE params;
    uint32_t param_count;
    th_native_type return_type;    /* TH_TYPE_* except BYTES */
    th_native_errors errors;       /* TH_ERRORS_* */
    uint32_t reserved;             /* 0 */
    /* TH_TYPE_STRING returns: NULL means the string is static (or owned by the plugin and
     * valid until the next call of this function on the same thread); the host copies it and
     * never frees it. Otherwise the string is the caller's to free: the host copies it and then
     * calls free_result with it (exactly once per non-NULL return, on the calling thread).
     * [host thread], on the thread that called `function`. */
    void (*TH_NULLABLE free_result)(void *TH_NONNULL string);
    const char *TH_NULLABLE result_description; /* what the return value means, for the output schema */
} th_native_function;

/* The table `get_extension(state, TH_EXT_NATIVE_FUNCTIONS)` returns. */
typedef struct th_native_functions {
    uint32_t struct_size;          /* sizeof(th_native_functions) as the plugin was compiled */
    uint32_t count;                /* number of entries in `functions` */
    /* An array, stepped by the first element's struct_size like th_native_function.params. */
    const th_native_function *TH_NULLABLE functions;
} th_native_functions;

/* Casts a function to the generic type of th_native_function.function. */
#ifdef __cplusplus
#define TH_NATIVE_FN(f) (reinterpret_cast<void (*)(void)>(f))
#else
#define TH_NATIVE_FN(f) ((void (*)(void))(f))
#endif

/* ---------------------------------------------------------------------------------------- */
/* Extension "th.prompts.v1" (since 1.1): prompts                                            */
/* ---------------------------------------------------------------------------------------- */

/* A plugin offers MCP prompts (message templates a user picks, with arguments) through
 * `th_plugin.get_extension(state, TH_EXT_PROMPTS)` returning a `const th_prompts *`. The host
 * asks once, after `init` succeeded, and copies the table; a host older than 1.1 never asks.
 * It reads the prompts like tools: `prompt_count`, then `prompt_at` for each, copying each
 * descriptor and its strings at once; a descriptor must stay valid until the host next calls
 * `prompt_count` (or `shutdown` returns). After `th_host.prompts_changed` it reads them again.
 * Prompt names share one namespace across plugins: the first plugin loaded keeps a name, a
 * later prompt of that name is skipped and reported. A request arrives as a call: `get` runs
 * on a host worker thread with a `th_call` handle, answers with `th_host.result_message`
 * (and optionally `result_text`, the description), and completes now or later exactly as
 * `invoke` does, including cancellation. */
#define TH_EXT_PROMPTS "th.prompts.v1"

/* th_prompt_argument.flags */
#define TH_ARGUMENT_REQUIRED 0x1u  /* the host refuses a request without it (-32602 naming it) */

/* One argument of a prompt. Values arrive as strings. */
typedef struct th_prompt_argument {
    uint32_t struct_size;          /* sizeof(th_prompt_argument) as the plugin was compiled */
    uint32_t flags;                /* TH_ARGUMENT_* */
    const char *name;              /* unique within the prompt */
    const char *TH_NULLABLE title;
    const char *TH_NULLABLE description;
} th_prompt_argument;

/* One prompt, as `prompt_at` returns it. */
typedef struct th_prompt {
    uint32_t struct_size;          /* sizeof(th_prompt) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    const char *name;              /* 1-128 chars of A-Z a-z 0-9 _ - . ; unique in the host */
    const char *TH_NULLABLE title;
    const char *TH_NULLABLE description;
    /* `argument_count` arguments, or NULL when there are none; stepped by the first
     * element's struct_size, like th_native_function.params. */
    const th_prompt_argument *TH_NULLABLE arguments;
    uint32_t argument_count;
    uint32_t reserved;             /* 0 */
} th_prompt;

/* One prompt request, as `get` sees it. Owned by the host; valid until the call completes. */
typedef struct th_prompt_request {
    uint32_t struct_size;          /* sizeof(th_prompt_request) as the host was compiled */
    uint32_t flags;                /* reserved */
    const char *TH_NONNULL name;   /* the prompt's name: the host's own copy */
    /* A JSON object of strings; every TH_ARGUMENT_REQUIRED argument is present. */
    const char *TH_NONNULL arguments_json;
    size_t arguments_len;
    const char *TH_NONNULL request_id;       /* the JSON-RPC id as JSON text, for logs */
    const char *TH_NONNULL protocol_version; /* the MCP revision of this request */
} th_prompt_request;

/* The table `get_extension(state, TH_EXT_PROMPTS)` returns. Static, owned by the plugin. */
typedef struct th_prompts {
    uint32_t struct_size;          /* sizeof(th_prompts) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    /* [host thread] The number of prompts, and prompt `index`; like tool_count/tool_at.
     * Required. */
    uint32_t (*prompt_count)(void *TH_NULLABLE state);
    const th_prompt *TH_NULLABLE (*prompt_at)(void *TH_NULLABLE state, uint32_t index);
    /* [host thread] Answers a prompt request: th_host.result_message for each message, then
     * TH_OK; or TH_PENDING and th_host.complete later (from any thread), like invoke. A name
     * it does not have: TH_ERR_NOT_FOUND; arguments it cannot use: result_error and
     * TH_ERR_INVALID_ARGUMENT (both reach the client as -32602). Required. */
    th_status (*get)(void *TH_NULLABLE state, th_call *TH_NONNULL call, const th_prompt_request *TH_NONNULL request);
} th_prompts;

/* ---------------------------------------------------------------------------------------- */
/* Extension "th.resources.v1" (since 1.1): resources and resource templates                 */
/* ---------------------------------------------------------------------------------------- */

/* A plugin offers MCP resources (contents a client reads by URI) through
 * `th_plugin.get_extension(state, TH_EXT_RESOURCES)` returning a `const th_resources *`. The
 * host asks once, after `init`, and copies the table. It reads the resources and the
 * templates like tools (`resource_count` then `resource_at` for each; `template_count` then
 * `template_at`), copying each descriptor and its strings at once; a descriptor must stay
 * valid until the host next calls the matching count function (or `shutdown` returns).
 * After `th_host.resources_changed` it reads both lists again.
 *
 * A template's `uri` is an RFC 6570 URI template. The host matches URIs against templates
 * itself and understands the expressions {var}, {+var}, {#var}, {.var}, {/var}, {;var},
 * {?a,b} and {&a,b} (one variable each for the first six; no explode or prefix modifiers);
 * a template with anything else is skipped and reported at load.
 *
 * URIs share one namespace across plugins: the first plugin loaded keeps a URI (and a
 * template its template text); a later one is skipped and reported. A read of a URI goes to
 * the plugin that lists it; a URI nobody lists goes to the first template, in load order,
 * that matches it. A read arrives as a call: `read` runs on a host worker thread with a
 * `th_call` handle, answers with `th_host.result_contents` (or `result_text`), and completes
 * now or later exactly as `invoke` does, including cancellation. */
#define TH_EXT_RESOURCES "th.resources.v1"

/* th_host.result_contents flags */
#define TH_CONTENTS_BLOB 0x1u      /* the data is bytes: the host sends them as base64 `blob` */

/* One resource (resource_at) or resource template (template_at). */
typedef struct th_resource {
    uint32_t struct_size;          /* sizeof(th_resource) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    const char *uri;               /* the resource's URI; for a template, the URI template */
    const char *name;              /* a short name, e.g. "vLLM Server Status" */
    const char *TH_NULLABLE title; /* human-readable name, or NULL */
    const char *TH_NULLABLE description;
    const char *TH_NULLABLE mime_type;  /* e.g. "text/plain", or NULL */
    int64_t size;                  /* its size in bytes, or -1 when unknown; templates: -1 */
    const char *TH_NULLABLE annotations_json; /* MCP Annotations object
                                     * ({"audience":["user"],"priority":0.5,...}), or NULL */
} th_resource;

/* One resource read, as `read` sees it. Owned by the host; valid until the call completes. */
typedef struct th_resource_request {
    uint32_t struct_size;          /* sizeof(th_resource_request) as the host was compiled */
    uint32_t flags;                /* reserved */
    const char *TH_NONNULL uri;    /* the URI to read */
    /* When the URI matched one of this plugin's templates: that template, and its variables
     * as a JSON object of strings (percent-decoded; a list variable of {?…} as a string as
     * it came). Otherwise NULL and "{}". */
    const char *TH_NULLABLE template_uri;
    const char *TH_NONNULL variables_json;
    size_t variables_len;
    const char *TH_NONNULL request_id;       /* the JSON-RPC id as JSON text, for logs */
    const char *TH_NONNULL protocol_version; /* the MCP revision of this request */
} th_resource_request;

/* The table `get_extension(state, TH_EXT_RESOURCES)` returns. Static, owned by the plugin. */
typedef struct th_resources {
    uint32_t struct_size;          /* sizeof(th_resources) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    /* [host thread] The resources with a fixed URI; like tool_count/tool_at. Required. */
    uint32_t (*resource_count)(void *TH_NULLABLE state);
    const th_resource *TH_NULLABLE (*resource_at)(void *TH_NULLABLE state, uint32_t index);
    /* [host thread] The resource templates, or NULL (both) when there are none. */
    uint32_t (*TH_NULLABLE template_count)(void *TH_NULLABLE state);
    const th_resource *TH_NULLABLE (*TH_NULLABLE template_at)(void *TH_NULLABLE state, uint32_t index);
    /* [host thread] Answers a read: th_host.result_contents (or result_text) for each item,
     * then TH_OK; or TH_PENDING and th_host.complete later (from any thread), like invoke.
     * A URI it does not have: TH_ERR_NOT_FOUND (the client gets the revision's "resource not
     * found" error); any other failure: result_error and a negative status. Required. */
    th_status (*read)(void *TH_NULLABLE state, th_call *TH_NONNULL call, const th_resource_request *TH_NONNULL request);
} th_resources;

/* ---------------------------------------------------------------------------------------- */
/* Extension "th.completions.v1" (since 1.1): argument completion                            */
/* ---------------------------------------------------------------------------------------- */

/* A plugin suggests values for its prompts' arguments and its templates' variables
 * (`completion/complete`) through `get_extension(state, TH_EXT_COMPLETIONS)` returning a
 * `const th_completions *`. The host sends a request only for a prompt or template of this
 * plugin, and answers with no values, without asking, for a plugin that has no such table.
 * `complete` runs on a host worker thread with a `th_call` handle, answers with
 * `th_host.result_completion` for each value, and completes like `invoke`. */
#define TH_EXT_COMPLETIONS "th.completions.v1"

/* th_completion_request.kind */
#define TH_COMPLETE_PROMPT_ARGUMENT 1u   /* `ref` is a prompt name */
#define TH_COMPLETE_TEMPLATE_VARIABLE 2u /* `ref` is a resource template's URI template */

/* One completion request. Owned by the host; valid until the call completes. */
typedef struct th_completion_request {
    uint32_t struct_size;          /* sizeof(th_completion_request) as the host was compiled */
    uint32_t kind;                 /* TH_COMPLETE_* */
    const char *TH_NONNULL ref;    /* the prompt's name or the template */
    const char *TH_NONNULL argument_name;  /* the argument or variable being completed */
    const char *TH_NONNULL argument_value; /* what the user typed so far (may be "") */
    /* The values of the other arguments already given, as a JSON object of strings ("{}"
     * when the client sent none). */
    const char *TH_NONNULL context_json;
    size_t context_len;
    const char *TH_NONNULL request_id;       /* the JSON-RPC id as JSON text, for logs */
    const char *TH_NONNULL protocol_version; /* the MCP revision of this request */
} th_completion_request;

/* The table `get_extension(state, TH_EXT_COMPLETIONS)` returns. Static, owned by the plugin. */
typedef struct th_completions {
    uint32_t struct_size;          /* sizeof(th_completions) as the plugin was compiled */
    uint32_t flags;                /* reserved, 0 */
    /* [host thread] Suggests values: th_host.result_completion for each, then TH_OK; or
     * TH_PENDING and th_host.complete later. No suggestions: TH_OK with no values. Required. */
    th_status (*complete)(void *TH_NULLABLE state, th_call *TH_NONNULL call, const th_completion_request *TH_NONNULL request);
} th_completions;

/* [any thread] The entry point every ABI-1 plugin exports. Returns the static descriptor;
 * must be callable more than once and do nothing else (no allocation, no I/O, no threads). */
typedef const th_plugin *TH_NULLABLE (*th_plugin_entry_v1_fn)(void);
TH_EXPORT const th_plugin *TH_NULLABLE th_plugin_entry_v1(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#endif /* TOOLHOST_H */
