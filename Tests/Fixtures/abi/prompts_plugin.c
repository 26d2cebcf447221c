/*
 * Prompts from a plugin (TH_EXT_PROMPTS, ABI 1.1), for the host's tests:
 *
 *   greeting(name*, style)   answers at once: a user message greeting `name`, and an assistant
 *                            message; description "A greeting for <name>"
 *   later(topic*)            answers from its own thread (TH_PENDING), after `delay` ms
 *                            (the argument, default 50); checks cancellation
 *   picky(value*)            refuses any value but "ok" (TH_ERR_INVALID_ARGUMENT)
 *   picture()                one message with an image and one with an embedded resource
 *
 *   FIXTURE_ID="x"   plugin id (default "prompts"); its one tool is "<id>_tool"
 */
#include "toolhost.h"
#include "fixture_args.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "prompts"
#endif

static const th_host *g_host;

static th_status fx_init(const th_host *host, void **state) {
    (void)state;
    g_host = host;
    if (!TH_HOST_HAS(host, result_message)) {
        host->log(host, TH_LOG_ERROR, "this host cannot answer prompts (ABI 1.0)");
        return TH_ERR_UNSUPPORTED;
    }
    return TH_OK;
}

static const th_tool k_tool = {sizeof(th_tool), 0, FIXTURE_ID "_tool", NULL, "A tool next to the prompts.",
                               "{\"type\":\"object\"}", NULL, NULL};
static uint32_t fx_tool_count(void *state) { (void)state; return 1; }
static const th_tool *fx_tool_at(void *state, uint32_t index) { (void)state; return index == 0 ? &k_tool : NULL; }
static th_status fx_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state; (void)inv;
    return g_host->result_text(call, "tool", TH_NUL_TERMINATED);
}

static const th_prompt_argument k_greeting_args[2] = {
    {sizeof(th_prompt_argument), TH_ARGUMENT_REQUIRED, "name", "Name", "who to greet"},
    {sizeof(th_prompt_argument), 0, "style", NULL, "formal or casual"},
};
static const th_prompt_argument k_later_args[2] = {
    {sizeof(th_prompt_argument), TH_ARGUMENT_REQUIRED, "topic", NULL, NULL},
    {sizeof(th_prompt_argument), 0, "delay", NULL, "milliseconds before answering"},
};
static const th_prompt_argument k_picky_args[1] = {
    {sizeof(th_prompt_argument), TH_ARGUMENT_REQUIRED, "value", NULL, NULL},
};
static const th_prompt k_prompts[4] = {
    {sizeof(th_prompt), 0, "greeting", "Greeting", "Greets someone.", k_greeting_args, 2, 0},
    {sizeof(th_prompt), 0, "later", NULL, "Answers from another thread.", k_later_args, 2, 0},
    {sizeof(th_prompt), 0, "picky", NULL, "Accepts only \"ok\".", k_picky_args, 1, 0},
    {sizeof(th_prompt), 0, "picture", NULL, "Messages with an image and an embedded resource.", NULL, 0, 0},
};

static uint32_t fx_prompt_count(void *state) { (void)state; return 4; }
static const th_prompt *fx_prompt_at(void *state, uint32_t index) { (void)state; return index < 4 ? &k_prompts[index] : NULL; }


static void text_message(th_call *call, const char *role, const char *text) {
    char json[512];
    snprintf(json, sizeof json, "{\"type\":\"text\",\"text\":\"%s\"}", text);
    g_host->result_message(call, role, json, TH_NUL_TERMINATED);
}

typedef struct later_job {
    th_call *call;
    char topic[128];
    long delay_ms;
} later_job;

static void *later_thread(void *p) {
    later_job *job = p;
    for (long waited = 0; waited < job->delay_ms && !g_host->is_cancelled(job->call); waited += 5) {
        struct timespec ts = {0, 5000000L};
        nanosleep(&ts, NULL);
    }
    if (g_host->is_cancelled(job->call)) {
        g_host->complete(job->call, TH_ERR_CANCELLED);
    } else {
        char text[256];
        snprintf(text, sizeof text, "Tell me about %s.", job->topic);
        text_message(job->call, "user", text);
        g_host->complete(job->call, TH_OK);
    }
    free(job);
    return NULL;
}

static th_status fx_get(void *state, th_call *call, const th_prompt_request *request) {
    (void)state;
    char name[128], style[32], value[64], delay[16];
    if (strcmp(request->name, "greeting") == 0) {
        if (!arg(request->arguments_json, "name", name, sizeof name)) return TH_ERR_INTERNAL;
        if (!arg(request->arguments_json, "style", style, sizeof style)) strcpy(style, "casual");
        char text[256];
        snprintf(text, sizeof text, "A greeting for %s", name);
        g_host->result_text(call, text, TH_NUL_TERMINATED);
        snprintf(text, sizeof text, "Please greet %s (%s).", name, style);
        text_message(call, "user", text);
        text_message(call, "assistant", "Hello!");
        return TH_OK;
    }
    if (strcmp(request->name, "later") == 0) {
        later_job *job = calloc(1, sizeof *job);
        job->call = call;
        arg(request->arguments_json, "topic", job->topic, sizeof job->topic);
        job->delay_ms = arg(request->arguments_json, "delay", delay, sizeof delay) ? atol(delay) : 50;
        pthread_t thread;
        pthread_create(&thread, NULL, later_thread, job);
        pthread_detach(thread);
        return TH_PENDING;
    }
    if (strcmp(request->name, "picky") == 0) {
        arg(request->arguments_json, "value", value, sizeof value);
        if (strcmp(value, "ok") != 0) {
            g_host->result_error(call, "value must be \"ok\"", TH_NUL_TERMINATED);
            return TH_ERR_INVALID_ARGUMENT;
        }
        text_message(call, "user", "ok");
        return TH_OK;
    }
    if (strcmp(request->name, "picture") == 0) {
        g_host->result_message(call, "user", "{\"type\":\"image\",\"data\":\"iVBORw0KGgo=\",\"mimeType\":\"image/png\"}",
                               TH_NUL_TERMINATED);
        g_host->result_message(call, "user",
                               "{\"type\":\"resource\",\"resource\":{\"uri\":\"fixture://notes\",\"mimeType\":\"text/plain\",\"text\":\"notes\"}}",
                               TH_NUL_TERMINATED);
        if (g_host->result_message(call, "system", "{\"type\":\"text\",\"text\":\"x\"}", TH_NUL_TERMINATED) != TH_ERR_INVALID_ARGUMENT) {
            return TH_ERR_INTERNAL; /* the host must refuse a role MCP does not have */
        }
        return TH_OK;
    }
    return TH_ERR_NOT_FOUND;
}

static const th_prompts k_prompt_table = {sizeof(th_prompts), 0, fx_prompt_count, fx_prompt_at, fx_get};

static const void *fx_get_extension(void *state, const char *id) {
    (void)state;
    return strcmp(id, TH_EXT_PROMPTS) == 0 ? &k_prompt_table : NULL;
}

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, 0, FIXTURE_ID, "Prompt fixture", "1.0.0", NULL,
    fx_init, NULL, fx_tool_count, fx_tool_at, fx_invoke, NULL, fx_get_extension,
};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
