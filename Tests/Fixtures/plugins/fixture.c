/*
 * One plugin source that compiles into every kind of plugin the loading tests need, good and
 * broken, chosen by -D flags:
 *
 *   FIXTURE_ID="name"        plugin id (default "fixture")
 *   TOOL_NAME="name"         the one tool's name (default "fixture_tool")
 *   ABI_MAJOR_VALUE / ABI_MINOR_VALUE   override the versions written in the descriptor
 *   BAD_MAGIC                wrong magic number
 *   EXPORT_V2_ONLY           export th_plugin_entry_v2 instead of _v1
 *   INIT_FAILS               init logs a reason and returns TH_ERR_FAILED
 *   INVALID_SCHEMA           the tool's input schema is not an object schema
 *   BROKEN_JSON              the tool's input schema is not JSON
 *   SCHEMA_2020              the tool's input schema uses JSON Schema 2020-12 keywords
 *                            (dependentRequired, $ref beside siblings, contains, unevaluatedProperties)
 *   REMOTE_REF               the tool's input schema has a $ref to another document
 *   NO_INVOKE                invoke is NULL
 *   SERIAL                   TH_PLUGIN_SERIAL: invokes never overlap
 *   NOT_A_PLUGIN             exports nothing of the ABI at all
 *   DYNAMIC                  each call toggles a second tool ("extra_tool") in and out of the
 *                            list and tells the host (tools_changed); results carry the
 *                            structured value [1,2,3] (not an object)
 *
 * The tool answers with "<id>:<tool>" plus, for `overlap` checks, the highest number of
 * invokes it ever saw running at once. On shutdown it writes "fixture <id> shutdown" to stderr.
 */
#include "toolhost.h"

#include <stdio.h>
#include <time.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "fixture"
#endif
#ifndef TOOL_NAME
#define TOOL_NAME "fixture_tool"
#endif
#ifndef ABI_MAJOR_VALUE
#define ABI_MAJOR_VALUE TH_ABI_MAJOR
#endif
#ifndef ABI_MINOR_VALUE
#define ABI_MINOR_VALUE TH_ABI_MINOR
#endif

#ifdef NOT_A_PLUGIN
int fixture_not_a_plugin(void);
int fixture_not_a_plugin(void) { return 42; }
#else

static const th_host *g_host;
static volatile int g_running, g_max_running;

#if defined(BROKEN_JSON)
#define SCHEMA "{\"type\":\"object\",\"properties\":"
#elif defined(SCHEMA_2020)
#define SCHEMA \
    "{\"type\":\"object\",\"$defs\":{\"message\":{\"type\":\"object\",\"required\":[\"role\"]," \
    "\"properties\":{\"role\":{\"enum\":[\"system\",\"user\",\"assistant\"]}}}}," \
    "\"properties\":{\"card\":{\"type\":\"string\"},\"expiry\":{\"type\":\"string\"}," \
    "\"messages\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/message\",\"unevaluatedProperties\":false," \
    "\"properties\":{\"content\":{\"type\":\"string\"}}},\"contains\":{\"properties\":{\"role\":{\"const\":\"user\"}}}}}," \
    "\"dependentRequired\":{\"card\":[\"expiry\"]},\"unevaluatedProperties\":false}"
#elif defined(REMOTE_REF)
#define SCHEMA "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"https://example.com/a.json\"}}}"
#elif defined(INVALID_SCHEMA)
#define SCHEMA "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"
#else
#define SCHEMA "{\"type\":\"object\",\"properties\":{\"sleep_ms\":{\"type\":\"integer\",\"minimum\":0}}}"
#endif

static const th_tool k_tool = {sizeof(th_tool), 0, TOOL_NAME, NULL, "A fixture tool.", SCHEMA, NULL, NULL};
static const th_tool k_extra = {sizeof(th_tool), 0, "extra_tool", NULL, "Appears and disappears.", SCHEMA, NULL, NULL};
static volatile int g_extra;

static th_status fixture_init(const th_host *host, void **state) {
    (void)state;
    g_host = host;
#ifdef INIT_FAILS
    host->log(host, TH_LOG_ERROR, "the fixture was told to fail (INIT_FAILS)");
    return TH_ERR_FAILED;
#else
    return TH_OK;
#endif
}

static void fixture_shutdown(void *state) {
    (void)state;
    fprintf(stderr, "fixture %s shutdown\n", FIXTURE_ID);
}

static uint32_t fixture_tool_count(void *state) {
    (void)state;
    return g_extra ? 2 : 1;
}

static const th_tool *fixture_tool_at(void *state, uint32_t index) {
    (void)state;
    if (index == 0) return &k_tool;
    return index == 1 && g_extra ? &k_extra : NULL;
}

#ifndef NO_INVOKE
static th_status fixture_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state;
    int now = __sync_add_and_fetch(&g_running, 1);
    int seen = g_max_running;
    while (now > seen && !__sync_bool_compare_and_swap(&g_max_running, seen, now)) seen = g_max_running;
    /* "sleep_ms": N — the only argument; read it crudely, the host checked its type. */
    long ms = 0;
    const char *p = inv->arguments_json;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            while (*p >= '0' && *p <= '9') ms = ms * 10 + (*p++ - '0');
            break;
        }
    }
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    char text[128];
    snprintf(text, sizeof text, "%s:%s max_running=%d", FIXTURE_ID, TOOL_NAME, g_max_running);
    __sync_sub_and_fetch(&g_running, 1);
    g_host->result_text(call, text, TH_NUL_TERMINATED);
#ifdef NULL_ARGUMENTS
    /* A careless plugin: NULL where the host functions need a pointer. Each is refused or
     * ignored; none may bring the host down. */
    th_call *none = NULL;
    th_status refused[4] = {
        g_host->result_text(none, "x", 1), g_host->result_error(none, "x", 1),
        g_host->progress(none, 1, 2, NULL), g_host->result_content(none, "{}", 2),
    };
    g_host->log(g_host, TH_LOG_ERROR, NULL);
    g_host->call_log(none, TH_LOG_ERROR, "x");
    g_host->call_log(call, TH_LOG_ERROR, NULL);
    g_host->complete(none, TH_OK);
    int cancelled = g_host->is_cancelled(none);
    char report[160];
    snprintf(report, sizeof report, " null:%d,%d,%d,%d cancelled:%d", (int)refused[0], (int)refused[1],
             (int)refused[2], (int)refused[3], cancelled);
    g_host->result_text(call, report, TH_NUL_TERMINATED);
#endif
#ifdef DYNAMIC
    g_host->result_structured(call, "[1,2,3]", TH_NUL_TERMINATED);
    g_extra = !g_extra;
    g_host->tools_changed(g_host);
#endif
    return TH_OK;
}
#endif

static const th_plugin k_plugin = {
#ifdef BAD_MAGIC
    0xDEADBEEFu,
#else
    TH_PLUGIN_MAGIC,
#endif
    sizeof(th_plugin), ABI_MAJOR_VALUE, ABI_MINOR_VALUE,
#ifdef SERIAL
    TH_PLUGIN_SERIAL,
#else
    0,
#endif
    FIXTURE_ID, "Fixture " FIXTURE_ID, "0.0.1", NULL,
    fixture_init, fixture_shutdown, fixture_tool_count, fixture_tool_at,
#ifdef NO_INVOKE
    NULL,
#else
    fixture_invoke,
#endif
    NULL, NULL,
};

#ifdef EXPORT_V2_ONLY
TH_EXPORT const th_plugin *th_plugin_entry_v2(void);
TH_EXPORT const th_plugin *th_plugin_entry_v2(void) { return &k_plugin; }
#else
TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
#endif

#endif /* NOT_A_PLUGIN */
