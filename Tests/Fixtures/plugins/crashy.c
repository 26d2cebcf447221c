/*
 * A plugin that breaks in every way a native plugin can, for the isolation tests (issue 14).
 * Built with plain cc against include/toolhost.h; its tools:
 *
 *   crashy_echo    answers {"text": …} with the text (the tool that keeps working)
 *   crashy_segv    writes through a NULL pointer
 *   crashy_abort   calls abort()
 *   crashy_exit    calls _exit(7)
 *   crashy_memory  allocates and touches memory, 16 MB at a time, until stopped
 *   crashy_hang    never completes and ignores cancellation
 *   crashy_print   writes to stdout (which, in a runner, is not the client's)
 *   crashy_config  answers with the configuration text the host gave it (th_host.config_json)
 *
 * Each crash first writes a line to stderr ("crashy: about to …"), which crash reports quote.
 * -D flags: CRASH_IN_INIT (segfault in init), CRASH_IN_TOOL_AT (segfault in tool_at),
 * CRASHY_ID="name" (plugin id, default "crashy").
 */
#include "toolhost.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef CRASHY_ID
#define CRASHY_ID "crashy"
#endif

#define OBJECT "{\"type\":\"object\"}"
#define TEXT_ARG "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}"

static const th_host *g_host;

static const th_tool k_tools[] = {
    {sizeof(th_tool), 0, "crashy_echo", NULL, "Returns its text.", TEXT_ARG, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_segv", NULL, "Segfaults.", OBJECT, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_abort", NULL, "Aborts.", OBJECT, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_exit", NULL, "Exits with status 7.", OBJECT, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_memory", NULL, "Allocates memory until stopped.", OBJECT, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_hang", NULL, "Never completes; ignores cancellation.", OBJECT, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_print", NULL, "Writes to stdout, then answers.", OBJECT, NULL, NULL},
    {sizeof(th_tool), 0, "crashy_config", NULL, "Returns its configuration.", OBJECT, NULL, NULL},
#ifdef BAD_SCHEMA
    /* A schema the host refuses (a remote $ref): the runner keeps schemas as text, the host
       compiles them from its catalog and must still refuse this one. */
    {sizeof(th_tool), 0, "crashy_unchecked", NULL, "Has a schema the host cannot check.",
     "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"https://example.com/a.json\"}}}", NULL, NULL},
#endif
};
#define TOOL_COUNT (sizeof k_tools / sizeof k_tools[0])

static void say(const char *what) {
    fprintf(stderr, "crashy: about to %s\n", what);
    fflush(stderr);
}

static th_status crashy_init(const th_host *host, void **state) {
    (void)state;
    g_host = host;
#ifdef CRASH_IN_INIT
    say("segfault in init");
    raise(SIGSEGV);
#endif
    return TH_OK;
}

static uint32_t crashy_tool_count(void *state) {
    (void)state;
    return (uint32_t)TOOL_COUNT;
}

static const th_tool *crashy_tool_at(void *state, uint32_t index) {
    (void)state;
#ifdef CRASH_IN_TOOL_AT
    if (index == 1) {
        say("segfault in tool_at");
        raise(SIGSEGV);
    }
#endif
    return index < TOOL_COUNT ? &k_tools[index] : NULL;
}

static th_status crashy_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state;
    const char *name = inv->tool_name;
    if (strcmp(name, "crashy_echo") == 0) {
        /* {"text":"…"}: the host checked the shape; answer the raw value crudely. */
        const char *start = strstr(inv->arguments_json, "\"text\":\"");
        if (!start) return g_host->result_text(call, "", 0);
        start += 8;
        const char *end = strchr(start, '"');
        return g_host->result_text(call, start, end ? (size_t)(end - start) : strlen(start));
    }
    if (strcmp(name, "crashy_segv") == 0) {
        say("segfault");
        volatile int *nowhere = NULL;
        *nowhere = 1;
        return TH_OK;
    }
    if (strcmp(name, "crashy_abort") == 0) {
        say("abort");
        abort();
    }
    if (strcmp(name, "crashy_exit") == 0) {
        say("exit with status 7");
        _exit(7);
    }
    if (strcmp(name, "crashy_memory") == 0) {
        say("allocate without end");
        for (;;) {
            size_t size = 16u << 20;
            char *block = malloc(size);
            if (!block) abort();
            memset(block, 1, size);
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (strcmp(name, "crashy_hang") == 0) {
        say("hang and ignore cancellation");
        return TH_PENDING;  /* never completed */
    }
    if (strcmp(name, "crashy_config") == 0) {
        return g_host->result_text(call, g_host->config_json, g_host->config_len);
    }
    if (strcmp(name, "crashy_print") == 0) {
        printf("this line went to the plugin's stdout\n");
        fflush(stdout);
        return g_host->result_text(call, "printed", TH_NUL_TERMINATED);
    }
    return TH_ERR_UNSUPPORTED;
}

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, 0,
    CRASHY_ID, "Crashy", "0.0.1", "Breaks on purpose.",
    crashy_init, NULL, crashy_tool_count, crashy_tool_at, crashy_invoke, NULL, NULL,
};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
