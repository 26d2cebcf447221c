/*
 * Resources, resource templates and completions from a plugin (TH_EXT_RESOURCES,
 * TH_EXT_COMPLETIONS, ABI 1.1), for the host's tests:
 *
 *   fixture://notes          text "notes" (text/plain, size 5, annotations with lastModified)
 *   fixture://logo.png       a blob: the bytes 89 50 4E 47 00 01 (image/png)
 *   fixture://slow           answers from its own thread after 200 ms; checks cancellation
 *   fixture://broken         fails (result_error + TH_ERR_FAILED)
 *   fixture://gone           listed, but read says TH_ERR_NOT_FOUND
 *   fixture://extra          listed only after the tool <id>_grow ran (resources_changed)
 *   fixture://users/{id}     template: text "user <id>", checks template_uri and variables
 *   fixture://search{?q,limit}  template: its variables as text
 *
 *   prompt greet(name*)      completions for name: alice, albert, bob (by prefix)
 *   completions for {id}: 1..150 by prefix (more than the 100 a client gets)
 *
 *   tools <id>_touch {uri}   calls resource_updated(uri); <id>_grow (see fixture://extra)
 *
 *   FIXTURE_ID="x"   plugin id (default "resources")
 */
#include "toolhost.h"
#include "fixture_args.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "resources"
#endif

static const th_host *g_host;
static volatile int g_grown;

static th_status fx_init(const th_host *host, void **state) {
    (void)state;
    g_host = host;
    if (!TH_HOST_HAS(host, result_contents) || !TH_HOST_HAS(host, result_completion)) {
        host->log(host, TH_LOG_ERROR, "this host cannot answer resources (it predates them)");
        return TH_ERR_UNSUPPORTED;
    }
    return TH_OK;
}


/* ---- tools */

static const th_tool k_tools[2] = {
    {sizeof(th_tool), 0, FIXTURE_ID "_touch", NULL, "Reports that a resource changed.",
     "{\"type\":\"object\",\"properties\":{\"uri\":{\"type\":\"string\"}},\"required\":[\"uri\"]}", NULL, NULL},
    {sizeof(th_tool), 0, FIXTURE_ID "_grow", NULL, "Adds fixture://extra to the resources.", "{\"type\":\"object\"}", NULL, NULL},
};
static uint32_t fx_tool_count(void *state) { (void)state; return 2; }
static const th_tool *fx_tool_at(void *state, uint32_t index) { (void)state; return index < 2 ? &k_tools[index] : NULL; }

static th_status fx_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state;
    if (strcmp(inv->tool_name, FIXTURE_ID "_touch") == 0) {
        char uri[256];
        if (!arg(inv->arguments_json, "uri", uri, sizeof uri)) return TH_ERR_INVALID_ARGUMENT;
        g_host->resource_updated(g_host, uri);
        return g_host->result_text(call, "touched", TH_NUL_TERMINATED);
    }
    g_grown = 1;
    g_host->resources_changed(g_host);
    return g_host->result_text(call, "grown", TH_NUL_TERMINATED);
}

/* ---- resources */

static const th_resource k_resources[6] = {
    {sizeof(th_resource), 0, "fixture://notes", "Notes", "The notes", "Short notes.", "text/plain", 5,
     "{\"audience\":[\"user\"],\"priority\":0.5,\"lastModified\":\"2026-01-01T00:00:00Z\"}"},
    {sizeof(th_resource), 0, "fixture://logo.png", "Logo", NULL, NULL, "image/png", 6, NULL},
    {sizeof(th_resource), 0, "fixture://slow", "Slow", NULL, "Answers after 200 ms.", "text/plain", -1, NULL},
    {sizeof(th_resource), 0, "fixture://broken", "Broken", NULL, NULL, NULL, -1, NULL},
    {sizeof(th_resource), 0, "fixture://gone", "Gone", NULL, NULL, NULL, -1, NULL},
    {sizeof(th_resource), 0, "fixture://extra", "Extra", NULL, NULL, "text/plain", -1, NULL},
};
static const th_resource k_templates[2] = {
    {sizeof(th_resource), 0, "fixture://users/{id}", "User", "A user", "One user by id.", "text/plain", -1, NULL},
    {sizeof(th_resource), 0, "fixture://search{?q,limit}", "Search", NULL, NULL, "application/json", -1, NULL},
};

static uint32_t fx_resource_count(void *state) { (void)state; return g_grown ? 6 : 5; }
static const th_resource *fx_resource_at(void *state, uint32_t index) {
    return index < fx_resource_count(state) ? &k_resources[index] : NULL;
}
static uint32_t fx_template_count(void *state) { (void)state; return 2; }
static const th_resource *fx_template_at(void *state, uint32_t index) { (void)state; return index < 2 ? &k_templates[index] : NULL; }

static void *slow_thread(void *p) {
    th_call *call = p;
    for (int waited = 0; waited < 200 && !g_host->is_cancelled(call); waited += 5) {
        struct timespec ts = {0, 5000000L};
        nanosleep(&ts, NULL);
    }
    if (g_host->is_cancelled(call)) {
        g_host->complete(call, TH_ERR_CANCELLED);
        return NULL;
    }
    g_host->result_text(call, "slow", TH_NUL_TERMINATED);
    g_host->complete(call, TH_OK);
    return NULL;
}

static th_status fx_read(void *state, th_call *call, const th_resource_request *request) {
    (void)state;
    const char *uri = request->uri;
    if (request->template_uri) {
        if (strcmp(request->template_uri, "fixture://users/{id}") == 0) {
            char id[128], text[160];
            if (!arg(request->variables_json, "id", id, sizeof id)) return TH_ERR_INTERNAL;
            snprintf(text, sizeof text, "user %s", id);
            return g_host->result_text(call, text, TH_NUL_TERMINATED);
        }
        /* The variables as they came: the tests read them back. */
        return g_host->result_contents(call, NULL, NULL, request->variables_json, request->variables_len, 0);
    }
    if (strcmp(request->variables_json, "{}") != 0) return TH_ERR_INTERNAL;
    if (strcmp(uri, "fixture://notes") == 0 || strcmp(uri, "fixture://extra") == 0) {
        return g_host->result_text(call, strcmp(uri, "fixture://notes") == 0 ? "notes" : "extra", TH_NUL_TERMINATED);
    }
    if (strcmp(uri, "fixture://logo.png") == 0) {
        static const unsigned char bytes[6] = {0x89, 'P', 'N', 'G', 0x00, 0x01};
        if (g_host->result_contents(call, NULL, NULL, NULL, 3, TH_CONTENTS_BLOB) != TH_ERR_INVALID_ARGUMENT) {
            return TH_ERR_INTERNAL; /* the host must refuse bytes that are not there */
        }
        return g_host->result_contents(call, NULL, NULL, bytes, sizeof bytes, TH_CONTENTS_BLOB);
    }
    if (strcmp(uri, "fixture://slow") == 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, slow_thread, call);
        pthread_detach(thread);
        return TH_PENDING;
    }
    if (strcmp(uri, "fixture://broken") == 0) {
        g_host->result_error(call, "the disk is on fire; check the smoke detector", TH_NUL_TERMINATED);
        return TH_ERR_FAILED;
    }
    g_host->result_error(call, "it was deleted", TH_NUL_TERMINATED);
    return TH_ERR_NOT_FOUND;
}

static const th_resources k_resource_table = {sizeof(th_resources), 0, fx_resource_count, fx_resource_at,
                                               fx_template_count, fx_template_at, fx_read};

/* ---- a prompt, and completions */

static const th_prompt_argument k_greet_args[1] = {{sizeof(th_prompt_argument), TH_ARGUMENT_REQUIRED, "name", NULL, NULL}};
static const th_prompt k_prompt = {sizeof(th_prompt), 0, "greet", NULL, "Greets someone.", k_greet_args, 1, 0};
static uint32_t fx_prompt_count(void *state) { (void)state; return 1; }
static const th_prompt *fx_prompt_at(void *state, uint32_t index) { (void)state; return index == 0 ? &k_prompt : NULL; }
static th_status fx_get(void *state, th_call *call, const th_prompt_request *request) {
    (void)state; (void)request;
    return g_host->result_message(call, "user", "{\"type\":\"text\",\"text\":\"hello\"}", TH_NUL_TERMINATED);
}
static const th_prompts k_prompt_table = {sizeof(th_prompts), 0, fx_prompt_count, fx_prompt_at, fx_get};

static th_status fx_complete(void *state, th_call *call, const th_completion_request *request) {
    (void)state;
    size_t typed = strlen(request->argument_value);
    if (request->kind == TH_COMPLETE_PROMPT_ARGUMENT) {
        static const char *const names[3] = {"alice", "albert", "bob"};
        for (int i = 0; i < 3; i++) {
            if (strncmp(names[i], request->argument_value, typed) == 0) g_host->result_completion(call, names[i], TH_NUL_TERMINATED);
        }
        return TH_OK;
    }
    if (request->kind != TH_COMPLETE_TEMPLATE_VARIABLE || strcmp(request->ref, "fixture://users/{id}") != 0) return TH_ERR_INTERNAL;
    char value[16];
    for (int i = 1; i <= 150; i++) {
        snprintf(value, sizeof value, "%d", i);
        if (strncmp(value, request->argument_value, typed) == 0) g_host->result_completion(call, value, TH_NUL_TERMINATED);
    }
    return TH_OK;
}
static const th_completions k_completion_table = {sizeof(th_completions), 0, fx_complete};

static const void *fx_get_extension(void *state, const char *id) {
    (void)state;
    if (strcmp(id, TH_EXT_RESOURCES) == 0) return &k_resource_table;
    if (strcmp(id, TH_EXT_PROMPTS) == 0) return &k_prompt_table;
    if (strcmp(id, TH_EXT_COMPLETIONS) == 0) return &k_completion_table;
    return NULL;
}

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, 0, FIXTURE_ID, "Resource fixture", "1.0.0", NULL,
    fx_init, NULL, fx_tool_count, fx_tool_at, fx_invoke, NULL, fx_get_extension,
};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
