/*
 * A plugin from a later minor of ABI 1: it claims ABI 1.9, and every structure it writes is
 * larger than this host's, with fields the host has never heard of after the ones it knows
 * (filled with poison, so a host that used them would fail loudly). Its typed-function and
 * parameter arrays are arrays of those larger structures, so a host that stepped through them
 * by its own sizeof would read garbage. It checks the host the way the header says a plugin
 * must: th_version_is_compatible, TH_HOST_HAS, TH_HAS_FIELD.
 *
 * Tools: future_echo {"text": string} → "future_echo: <text> (host ABI 1.<minor>, …)";
 * typed: future_add(a: int64, b: int64) → int64, future_scale(x: double, k: int32) → double.
 * Resource future://notes (text "notes from 1.9") and prompt future_prompt(first*, second*)
 * (a user message "first=<first> second=<second>"), through larger tables, descriptors and
 * argument arrays.
 * With MIXED_SIZES the typed-function array is broken: its elements disagree about their size.
 */
#include "toolhost.h"

#include <stdio.h>
#include <string.h>

#define POISON ((const char *)(uintptr_t)0x5a5a5a5a5a5a5a5aull)

/* The 1.9 shapes: what this host knows, then more. */
typedef struct future_plugin {
    th_plugin known;
    const void *(*resources_v9)(void *state);
    uint64_t new_flags;
    const char *new_text;
} future_plugin;

typedef struct future_tool {
    th_tool known;
    uint64_t new_flags;
    const char *new_json;
} future_tool;

typedef struct future_param {
    th_native_param known;
    const char *new_unit;
    uint64_t new_bits;
} future_param;

typedef struct future_function {
    th_native_function known;
    const char *new_examples_json;
    uint64_t new_cost[3];
} future_function;

typedef struct future_functions {
    th_native_functions known;
    const char *new_namespace;
} future_functions;

static const th_host *g_host;
static char g_host_report[160];

static th_status future_init(const th_host *host, void **state) {
    (void)state;
    if (!th_version_is_compatible(host->abi_major, host->abi_minor)) return TH_ERR_UNSUPPORTED;
    g_host = host;
    snprintf(g_host_report, sizeof g_host_report, "host ABI %u.%u, th_host %u bytes, get_extension %s",
             (unsigned)host->abi_major, (unsigned)host->abi_minor, (unsigned)host->struct_size,
             TH_HOST_HAS(host, get_extension) ? "present" : "absent");
    host->log(host, TH_LOG_INFO, g_host_report);
    return TH_OK;
}

static const future_tool k_tools[1] = {
    {{sizeof(future_tool), 0, "future_echo", "Future echo", "Echoes a text, from a plugin of ABI 1.9.",
      "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}", NULL,
      "{\"readOnlyHint\":true}"},
     0xFFFFFFFFFFFFFFFFull, POISON},
};

static uint32_t future_tool_count(void *state) {
    (void)state;
    return 1;
}

static const th_tool *future_tool_at(void *state, uint32_t index) {
    (void)state;
    return index < 1 ? &k_tools[index].known : NULL;
}

static th_status future_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state;
    /* The host's invocation may be older than this plugin's header: read only what it has. */
    const char *revision = TH_HAS_FIELD(inv, th_invocation, protocol_version) ? inv->protocol_version : "?";
    const char *text = strstr(inv->arguments_json, "\"text\":\"");
    char out[512];
    if (strcmp(inv->tool_name, "future_echo") != 0 || text == NULL) {
        g_host->result_error(call, "future plugin: unknown tool or arguments", TH_NUL_TERMINATED);
        return TH_ERR_UNSUPPORTED;
    }
    text += 8;
    const char *end = strchr(text, '"');
    snprintf(out, sizeof out, "future_echo: %.*s (%s, tool_index %u, revision %s)", (int)(end ? end - text : 0), text,
             g_host_report, (unsigned)inv->tool_index, revision);
    g_host->result_text(call, out, TH_NUL_TERMINATED);
    return TH_OK;
}

static int64_t future_add(int64_t a, int64_t b) { return a + b; }
static double future_scale(double x, int32_t k) { return x * k; }

static const future_param k_add_params[2] = {
    {{sizeof(future_param), TH_TYPE_INT64, 0, 0, "a", "first", NULL, NULL, NULL, NULL}, POISON, 0x5a5a5a5a5a5a5a5aull},
    {{sizeof(future_param), TH_TYPE_INT64, 0, 0, "b", "second", NULL, NULL, NULL, "0"}, POISON, 0x5a5a5a5a5a5a5a5aull},
};
static const future_param k_scale_params[2] = {
    {{sizeof(future_param), TH_TYPE_DOUBLE, 0, 0, "x", NULL, NULL, NULL, NULL, NULL}, POISON, 1},
    {{sizeof(future_param), TH_TYPE_INT32, 0, 0, "k", NULL, "-10", "10", NULL, NULL}, POISON, 2},
};
#ifdef MIXED_SIZES /* a broken table: its second element claims another size than the first */
#define SECOND_FUNCTION_SIZE sizeof(th_native_function)
#else
#define SECOND_FUNCTION_SIZE sizeof(future_function)
#endif
static const future_function k_functions[2] = {
    {{sizeof(future_function), 0, "future_add", NULL, "Adds two integers.", NULL, TH_NATIVE_FN(future_add),
      &k_add_params[0].known, 2, TH_TYPE_INT64, TH_ERRORS_NONE, 0, NULL, "a + b"},
     POISON, {1, 2, 3}},
    {{SECOND_FUNCTION_SIZE, 0, "future_scale", NULL, "Multiplies x by k.", NULL, TH_NATIVE_FN(future_scale),
      &k_scale_params[0].known, 2, TH_TYPE_DOUBLE, TH_ERRORS_NONE, 0, NULL, "x * k"},
     POISON, {4, 5, 6}},
};
static const future_functions k_table = {{sizeof(future_functions), 2, &k_functions[0].known}, POISON};

typedef struct future_resource {
    th_resource known;
    const char *new_icon;
    uint64_t new_bits;
} future_resource;

typedef struct future_resource_table {
    th_resources known;
    th_status (*watch_v9)(void *state, const char *uri);
} future_resource_table;

typedef struct future_prompt_argument {
    th_prompt_argument known;
    const char *new_enum_json;
} future_prompt_argument;

typedef struct future_prompt {
    th_prompt known;
    const char *new_icon;
} future_prompt;

typedef struct future_prompts {
    th_prompts known;
    const char *new_text;
} future_prompts;

static const future_resource k_resource = {
    {sizeof(future_resource), 0, "future://notes", "Future notes", NULL, NULL, "text/plain", 14, NULL}, POISON, 0x5a5a5a5a5a5a5a5aull};
static uint32_t future_resource_count(void *state) { (void)state; return 1; }
static const th_resource *future_resource_at(void *state, uint32_t index) { (void)state; return index == 0 ? &k_resource.known : NULL; }
static th_status future_read(void *state, th_call *call, const th_resource_request *request) {
    (void)state;
    if (strcmp(request->uri, "future://notes") != 0) return TH_ERR_NOT_FOUND;
    return g_host->result_contents(call, NULL, NULL, "notes from 1.9", TH_NUL_TERMINATED, 0);
}
static const future_resource_table k_resource_table = {
    {sizeof(future_resource_table), 0, future_resource_count, future_resource_at, NULL, NULL, future_read},
    (th_status (*)(void *, const char *))(uintptr_t)0x5a5a5a5a5a5a5a5aull};

static const future_prompt_argument k_prompt_args[2] = {
    {{sizeof(future_prompt_argument), TH_ARGUMENT_REQUIRED, "first", NULL, NULL}, POISON},
    {{sizeof(future_prompt_argument), TH_ARGUMENT_REQUIRED, "second", NULL, NULL}, POISON},
};
static const future_prompt k_prompt = {{sizeof(future_prompt), 0, "future_prompt", NULL, "From 1.9.", &k_prompt_args[0].known, 2, 0}, POISON};
static uint32_t future_prompt_count(void *state) { (void)state; return 1; }
static const th_prompt *future_prompt_at(void *state, uint32_t index) { (void)state; return index == 0 ? &k_prompt.known : NULL; }
static th_status future_get(void *state, th_call *call, const th_prompt_request *request) {
    (void)state;
    char text[256], first[64] = "", second[64] = "";
    sscanf(strstr(request->arguments_json, "\"first\":\"") ? strstr(request->arguments_json, "\"first\":\"") + 9 : "", "%63[^\"]", first);
    sscanf(strstr(request->arguments_json, "\"second\":\"") ? strstr(request->arguments_json, "\"second\":\"") + 10 : "", "%63[^\"]", second);
    snprintf(text, sizeof text, "{\"type\":\"text\",\"text\":\"first=%s second=%s\"}", first, second);
    return g_host->result_message(call, "user", text, TH_NUL_TERMINATED);
}
static const future_prompts k_prompt_table = {{sizeof(future_prompts), 0, future_prompt_count, future_prompt_at, future_get}, POISON};

static const void *future_get_extension(void *state, const char *id) {
    (void)state;
    if (strcmp(id, TH_EXT_NATIVE_FUNCTIONS) == 0) return &k_table;
    /* A plugin must not offer what the host cannot answer (TH_HOST_HAS). */
    if (strcmp(id, TH_EXT_RESOURCES) == 0 && TH_HOST_HAS(g_host, result_contents)) return &k_resource_table;
    if (strcmp(id, TH_EXT_PROMPTS) == 0 && TH_HOST_HAS(g_host, result_message)) return &k_prompt_table;
    return NULL;
}

static const void *future_resources(void *state) {
    (void)state;
    return POISON;
}

static const future_plugin k_plugin = {
    {TH_PLUGIN_MAGIC, sizeof(future_plugin), TH_ABI_MAJOR, 9, 0, "future", "Future plugin", "9.0.0",
     "A plugin built for ABI 1.9, with structures larger than this host's.", future_init, NULL, future_tool_count,
     future_tool_at, future_invoke, NULL, future_get_extension},
    future_resources, 0xFFFFFFFFFFFFFFFFull, POISON,
};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin.known; }
