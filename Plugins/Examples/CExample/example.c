/*
 * The example plugin: a template for C plugins and the fixture of the host's tests.
 *
 *   echo       sync   returns its text
 *   add        sync   adds two 64-bit integers; structured result with an output schema
 *   fail       sync   always fails with the given message (isError: true)
 *   sleep      sync   blocks its worker thread for `ms` milliseconds (what not to do; the
 *                     host keeps serving everything else meanwhile)
 *   slow_echo  async  returns TH_PENDING, reports progress from its own thread every
 *                     `delay_ms` for `steps` steps, stops early when cancelled
 *
 * With an ABI 1.1 header it also offers (each in its own section below):
 *   prompt      explain(topic*, audience)   a user message asking to explain the topic
 *   resource    example://about             text about this plugin
 *   template    example://greeting/{name}   a greeting for `name`
 *   completions for the prompt's `audience` and the template's `name`
 * Built against the 1.0 header (the host's ABI tests do that) it is the tools alone.
 *
 * Build it alone with:  cc -shared -fPIC -I include -o libexample.so example.c -lpthread
 */
#include "toolhost.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const th_host *g_host;

/* ---- a minimal reader for the flat argument objects these tools take ------------------- */
/* The host has already checked the arguments against the schema, so each value has the
 * declared type; this only needs to find a top-level key. */

static const char *find_value(const char *json, const char *key) {
    size_t key_len = strlen(key);
    const char *p = json;
    int depth = 0;
    while (*p) {
        if (*p == '"') {
            const char *start = ++p;
            while (*p && *p != '"') p += (*p == '\\' && p[1]) ? 2 : 1;
            if (!*p) return NULL;
            if (depth == 1 && (size_t)(p - start) == key_len && memcmp(start, key, key_len) == 0) {
                const char *q = p + 1;
                while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
                if (*q == ':') {
                    q++;
                    while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
                    return q;
                }
            }
            p++;
        } else {
            if (*p == '{' || *p == '[') depth++;
            if (*p == '}' || *p == ']') depth--;
            p++;
        }
    }
    return NULL;
}

/* Copies the JSON string value at `value` (which starts with a quote), decoding the simple
 * escapes and \uXXXX for the Basic Multilingual Plane. Returns a malloc'd string or NULL. */
static char *read_string(const char *value) {
    if (!value || *value != '"') return NULL;
    size_t cap = strlen(value) + 1, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    const char *p = value + 1;
    while (*p && *p != '"') {
        if (*p == '\\') {
            p++;
            switch (*p) {
            case 'n': out[n++] = '\n'; break;
            case 't': out[n++] = '\t'; break;
            case 'r': out[n++] = '\r'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'u': {
                unsigned code = 0;
                for (int i = 1; i <= 4 && p[i]; i++) {
                    char c = p[i];
                    code = code * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                }
                p += 4;
                if (code < 0x80) {
                    out[n++] = (char)code;
                } else if (code < 0x800) {
                    out[n++] = (char)(0xC0 | (code >> 6));
                    out[n++] = (char)(0x80 | (code & 0x3F));
                } else {
                    out[n++] = (char)(0xE0 | (code >> 12));
                    out[n++] = (char)(0x80 | ((code >> 6) & 0x3F));
                    out[n++] = (char)(0x80 | (code & 0x3F));
                }
                break;
            }
            default: out[n++] = *p; break; /* \" \\ \/ */
            }
            p++;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

static long long read_integer(const char *json, const char *key, long long fallback) {
    const char *value = find_value(json, key);
    if (!value) return fallback;
    errno = 0;
    long long v = strtoll(value, NULL, 10);
    return errno ? fallback : v;
}

static void sleep_ms(long long ms) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms % 1000) * 1000000L);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- tools ---------------------------------------------------------------------------- */

enum { TOOL_ECHO, TOOL_ADD, TOOL_FAIL, TOOL_SLEEP, TOOL_SLOW_ECHO, TOOL_COUNT };

static const th_tool k_tools[TOOL_COUNT] = {
    {sizeof(th_tool), 0, "echo", "Echo", "Returns the text it is given.",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\",\"description\":\"Text to return\"}},"
     "\"required\":[\"text\"],\"additionalProperties\":false}",
     NULL, "{\"readOnlyHint\":true,\"idempotentHint\":true,\"openWorldHint\":false}"},
    {sizeof(th_tool), 0, "add", "Add", "Adds two 64-bit integers.",
     "{\"type\":\"object\",\"properties\":{"
     "\"a\":{\"type\":\"integer\",\"minimum\":-9223372036854775808,\"maximum\":9223372036854775807},"
     "\"b\":{\"type\":\"integer\",\"minimum\":-9223372036854775808,\"maximum\":9223372036854775807}},"
     "\"required\":[\"a\",\"b\"],\"additionalProperties\":false}",
     "{\"type\":\"object\",\"properties\":{\"sum\":{\"type\":\"integer\"}},\"required\":[\"sum\"]}",
     "{\"readOnlyHint\":true,\"idempotentHint\":true,\"openWorldHint\":false}"},
    {sizeof(th_tool), 0, "fail", NULL, "Always fails with the given message.",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}},\"required\":[\"message\"]}",
     NULL, NULL},
    {sizeof(th_tool), 0, "sleep", NULL,
     "Blocks for the given number of milliseconds inside invoke (a synchronous tool that is slow).",
     "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":600000}},"
     "\"required\":[\"ms\"]}",
     NULL, NULL},
    {sizeof(th_tool), 0, "slow_echo", "Slow echo",
     "Returns its text after `steps` steps of `delay_ms` milliseconds, reporting progress; cancellable.",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},"
     "\"steps\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100000,\"default\":5},"
     "\"delay_ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":60000,\"default\":100}},"
     "\"required\":[\"text\"],\"additionalProperties\":false}",
     NULL, "{\"readOnlyHint\":true}"},
};

typedef struct slow_job {
    th_call *call;
    char *text;
    long long steps;
    long long delay_ms;
} slow_job;

static void *slow_echo_thread(void *arg) {
    slow_job *job = arg;
    char message[64];
    th_status status = TH_OK;
    for (long long i = 1; i <= job->steps; i++) {
        sleep_ms(job->delay_ms);
        if (g_host->is_cancelled(job->call)) {
            status = TH_ERR_CANCELLED;
            break;
        }
        snprintf(message, sizeof message, "step %lld of %lld", i, job->steps);
        g_host->progress(job->call, (double)i, (double)job->steps, message);
    }
    if (status == TH_OK) {
        g_host->call_log(job->call, TH_LOG_INFO, "slow_echo finished");
        g_host->result_text(job->call, job->text, TH_NUL_TERMINATED);
    } else {
        g_host->result_error(job->call, "slow_echo was cancelled", TH_NUL_TERMINATED);
    }
    g_host->complete(job->call, status); /* the handle is invalid from here on */
    free(job->text);
    free(job);
    return NULL;
}

static th_status start_slow_echo(th_call *call, const char *args) {
    slow_job *job = calloc(1, sizeof *job);
    if (!job) return TH_ERR_NO_MEMORY;
    job->call = call;
    job->text = read_string(find_value(args, "text"));
    job->steps = read_integer(args, "steps", 5);
    job->delay_ms = read_integer(args, "delay_ms", 100);
    if (!job->text) {
        free(job);
        return TH_ERR_NO_MEMORY;
    }
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&thread, &attr, slow_echo_thread, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(job->text);
        free(job);
        g_host->result_error(call, "could not start a thread", TH_NUL_TERMINATED);
        return TH_ERR_FAILED;
    }
    return TH_PENDING;
}

#if TH_ABI_MINOR >= 1
/* ---- a prompt (th.prompts.v1) ---------------------------------------------------------- */

static const th_prompt_argument k_explain_args[2] = {
    {sizeof(th_prompt_argument), TH_ARGUMENT_REQUIRED, "topic", "Topic", "What to explain"},
    {sizeof(th_prompt_argument), 0, "audience", "Audience", "Who it is for, e.g. beginners or experts"},
};
static const th_prompt k_prompts[1] = {
    {sizeof(th_prompt), 0, "explain", "Explain a topic", "Asks for a clear explanation of a topic.", k_explain_args, 2, 0},
};

static uint32_t example_prompt_count(void *state) { (void)state; return 1; }
static const th_prompt *example_prompt_at(void *state, uint32_t index) { (void)state; return index < 1 ? &k_prompts[index] : NULL; }

/* Builds {"type":"text","text":"<text>"} in a malloc'd string, escaping the text for JSON. */
static char *text_block(const char *text) {
    size_t size = strlen(text) * 6 + 32;
    char *out = malloc(size);
    if (!out) return NULL;
    size_t n = (size_t)snprintf(out, size, "{\"type\":\"text\",\"text\":\"");
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    snprintf(out + n, size - n, "\"}");
    return out;
}

static th_status example_get_prompt(void *state, th_call *call, const th_prompt_request *request) {
    (void)state;
    if (strcmp(request->name, "explain") != 0) return TH_ERR_NOT_FOUND;
    char *topic = read_string(find_value(request->arguments_json, "topic"));
    char *audience = read_string(find_value(request->arguments_json, "audience"));
    char text[1024];
    snprintf(text, sizeof text, "Explain %s to %s, in a few short paragraphs with one example.",
             topic ? topic : "it", audience ? audience : "a curious reader");
    free(topic);
    free(audience);
    char *block = text_block(text);
    if (!block) return TH_ERR_NO_MEMORY;
    th_status status = g_host->result_message(call, "user", block, TH_NUL_TERMINATED);
    free(block);
    return status;
}

static const th_prompts k_prompt_table = {sizeof(th_prompts), 0, example_prompt_count, example_prompt_at, example_get_prompt};

/* ---- a resource and a resource template (th.resources.v1) ------------------------------ */

static const th_resource k_resources[1] = {
    {sizeof(th_resource), 0, "example://about", "About the example plugin", "About", "What this plugin offers.",
     "text/plain", -1, "{\"audience\":[\"user\"]}"},
};
static const th_resource k_templates[1] = {
    {sizeof(th_resource), 0, "example://greeting/{name}", "Greeting", NULL, "A greeting for a name.", "text/plain", -1, NULL},
};

static uint32_t example_resource_count(void *state) { (void)state; return 1; }
static const th_resource *example_resource_at(void *state, uint32_t index) { (void)state; return index < 1 ? &k_resources[index] : NULL; }
static uint32_t example_template_count(void *state) { (void)state; return 1; }
static const th_resource *example_template_at(void *state, uint32_t index) { (void)state; return index < 1 ? &k_templates[index] : NULL; }

static th_status example_read(void *state, th_call *call, const th_resource_request *request) {
    (void)state;
    if (request->template_uri) {
        /* The host matched the URI against our template and decoded the variables. */
        char *name = read_string(find_value(request->variables_json, "name"));
        char text[256];
        snprintf(text, sizeof text, "Hello, %s!", name ? name : "stranger");
        free(name);
        return g_host->result_text(call, text, TH_NUL_TERMINATED);
    }
    if (strcmp(request->uri, "example://about") == 0) {
        return g_host->result_text(call, "The example plugin: tools echo, add, fail, sleep and slow_echo; "
                                         "the prompt explain; this resource; the template example://greeting/{name}.",
                                   TH_NUL_TERMINATED);
    }
    return TH_ERR_NOT_FOUND;
}

static const th_resources k_resource_table = {sizeof(th_resources), 0, example_resource_count, example_resource_at,
                                               example_template_count, example_template_at, example_read};

/* ---- completions (th.completions.v1) --------------------------------------------------- */

static th_status example_complete(void *state, th_call *call, const th_completion_request *request) {
    (void)state;
    static const char *const audiences[3] = {"beginners", "experts", "children"};
    static const char *const names[3] = {"Ada", "Alan", "Grace"};
    const char *const *values = request->kind == TH_COMPLETE_PROMPT_ARGUMENT ? audiences : names;
    size_t typed = strlen(request->argument_value);
    for (int i = 0; i < 3; i++) {
        if (strncmp(values[i], request->argument_value, typed) == 0) g_host->result_completion(call, values[i], TH_NUL_TERMINATED);
    }
    return TH_OK;
}

static const th_completions k_completion_table = {sizeof(th_completions), 0, example_complete};

static const void *example_get_extension(void *state, const char *id) {
    (void)state;
    /* Offer the extensions only to a host that can answer them (a 1.1 host or later). */
    if (!TH_HOST_HAS(g_host, result_contents)) return NULL;
    if (strcmp(id, TH_EXT_PROMPTS) == 0) return &k_prompt_table;
    if (strcmp(id, TH_EXT_RESOURCES) == 0) return &k_resource_table;
    if (strcmp(id, TH_EXT_COMPLETIONS) == 0) return &k_completion_table;
    return NULL;
}
#define EXAMPLE_GET_EXTENSION example_get_extension
#else
#define EXAMPLE_GET_EXTENSION NULL
#endif

/* The project's own build (Package.swift) marks its copy as an example, so that toolhost started
 * without arguments does not offer these demonstration tools to real clients; a plugin built
 * from this file by hand is an ordinary plugin. */
#if defined(TOOLHOST_DEMO_BUILD) && defined(TH_PLUGIN_EXAMPLE)
#define PLUGIN_FLAGS TH_PLUGIN_EXAMPLE
#else
#define PLUGIN_FLAGS 0
#endif

/* ---- the plugin ----------------------------------------------------------------------- */

static th_status example_init(const th_host *host, void **state) {
    (void)state;
    g_host = host;
    return TH_OK;
}

static uint32_t example_tool_count(void *state) {
    (void)state;
    return TOOL_COUNT;
}

static const th_tool *example_tool_at(void *state, uint32_t index) {
    (void)state;
    return index < TOOL_COUNT ? &k_tools[index] : NULL;
}

static th_status example_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state;
    const char *args = inv->arguments_json;
    switch (inv->tool_index) {
    case TOOL_ECHO: {
        char *text = read_string(find_value(args, "text"));
        if (!text) return TH_ERR_NO_MEMORY;
        g_host->result_text(call, text, TH_NUL_TERMINATED);
        free(text);
        return TH_OK;
    }
    case TOOL_ADD: {
        long long a = read_integer(args, "a", 0), b = read_integer(args, "b", 0);
        long long sum;
        if (__builtin_add_overflow(a, b, &sum)) {
            g_host->result_error(call, "the sum does not fit in a signed 64-bit integer", TH_NUL_TERMINATED);
            return TH_ERR_INVALID_ARGUMENT;
        }
        char text[64], json[80];
        snprintf(text, sizeof text, "%lld", sum);
        snprintf(json, sizeof json, "{\"sum\":%lld}", sum);
        g_host->result_text(call, text, TH_NUL_TERMINATED);
        g_host->result_structured(call, json, TH_NUL_TERMINATED);
        return TH_OK;
    }
    case TOOL_FAIL: {
        char *message = read_string(find_value(args, "message"));
        g_host->result_error(call, message ? message : "failed", TH_NUL_TERMINATED);
        free(message);
        return TH_ERR_FAILED;
    }
    case TOOL_SLEEP: {
        long long ms = read_integer(args, "ms", 0);
        /* Sleep in slices so a cancelled call ends early. */
        for (long long slept = 0; slept < ms && !g_host->is_cancelled(call); slept += 10)
            sleep_ms(ms - slept < 10 ? ms - slept : 10);
        if (g_host->is_cancelled(call)) return TH_ERR_CANCELLED;
        g_host->result_text(call, "slept", TH_NUL_TERMINATED);
        return TH_OK;
    }
    case TOOL_SLOW_ECHO:
        return start_slow_echo(call, args);
    default:
        return TH_ERR_UNSUPPORTED;
    }
}

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, PLUGIN_FLAGS,
    "example", "Example tools", "1.0.0", "Small tools that show the toolhost C ABI.",
    example_init, NULL, example_tool_count, example_tool_at, example_invoke, NULL, EXAMPLE_GET_EXTENSION,
};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
