/*
 * A plugin whose tool list is heap memory it rebuilds and frees at run time, as the header's
 * lifetime rule allows: `rotate` builds the next generation of the list (every descriptor and
 * string freshly allocated), retires the current one and calls tools_changed; a retired list
 * is freed when the host next calls tool_count. A host that kept or passed back a pointer into
 * an old list reads freed memory (valgrind reports it).
 *
 * Generation N lists, in order: "pad" (only when N is odd, so indices shift), "rotate",
 * "stable", "gen<N>". Every answer names the tool the plugin resolved and whether
 * th_invocation.tool_index names the same tool in the current list ("index ok"/"index stale").
 *
 *   BY_INDEX   resolve the tool by tool_index alone (as a 1.0 plugin might), not by tool_name
 *   SERIAL     TH_PLUGIN_SERIAL
 */
#include "toolhost.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tool_list {
    th_tool *tools;
    uint32_t count;
    struct tool_list *next; /* in the retired chain */
} tool_list;

static const th_host *g_host;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static tool_list *g_current;
static tool_list *g_retired;
static unsigned g_generation;

static char *copy(const char *text) {
    size_t n = strlen(text) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, text, n);
    return p;
}

static void free_list(tool_list *list) {
    for (uint32_t i = 0; i < list->count; i++) {
        free((char *)list->tools[i].name);
        free((char *)list->tools[i].description);
        free((char *)list->tools[i].input_schema_json);
    }
    free(list->tools);
    free(list);
}

static tool_list *build_list(unsigned generation) {
    tool_list *list = calloc(1, sizeof *list);
    const char *names[4];
    uint32_t n = 0;
    char gen[32];
    snprintf(gen, sizeof gen, "gen%u", generation);
    if (generation % 2 == 1) names[n++] = "pad";
    names[n++] = "rotate";
    names[n++] = "stable";
    names[n++] = gen;
    list->tools = calloc(n, sizeof(th_tool));
    list->count = n;
    for (uint32_t i = 0; i < n; i++) {
        char description[64];
        snprintf(description, sizeof description, "Tool %s of generation %u.", names[i], generation);
        list->tools[i].struct_size = sizeof(th_tool);
        list->tools[i].name = copy(names[i]);
        list->tools[i].description = copy(description);
        list->tools[i].input_schema_json = copy("{\"type\":\"object\"}");
    }
    return list;
}

static th_status rebuild_init(const th_host *host, void **state) {
    (void)state;
    g_host = host;
    g_current = build_list(0);
    return TH_OK;
}

static void rebuild_shutdown(void *state) {
    (void)state;
    while (g_retired) {
        tool_list *next = g_retired->next;
        free_list(g_retired);
        g_retired = next;
    }
    free_list(g_current);
    g_current = NULL;
}

static uint32_t rebuild_tool_count(void *state) {
    (void)state;
    pthread_mutex_lock(&g_lock);
    /* The host starts every read of the list here: it is done with the lists it read before. */
    while (g_retired) {
        tool_list *next = g_retired->next;
        free_list(g_retired);
        g_retired = next;
    }
    uint32_t count = g_current->count;
    pthread_mutex_unlock(&g_lock);
    return count;
}

static const th_tool *rebuild_tool_at(void *state, uint32_t index) {
    (void)state;
    pthread_mutex_lock(&g_lock);
    const th_tool *tool = index < g_current->count ? &g_current->tools[index] : NULL;
    pthread_mutex_unlock(&g_lock);
    return tool;
}

static th_status rebuild_invoke(void *state, th_call *call, const th_invocation *inv) {
    (void)state;
    char text[256];
    pthread_mutex_lock(&g_lock);
    const char *at_index = inv->tool_index < g_current->count ? g_current->tools[inv->tool_index].name : NULL;
#ifdef BY_INDEX
    const char *resolved = at_index;
#else
    const char *resolved = NULL;
    for (uint32_t i = 0; i < g_current->count; i++) {
        if (strcmp(g_current->tools[i].name, inv->tool_name) == 0) resolved = g_current->tools[i].name;
    }
#endif
    if (resolved == NULL) {
        snprintf(text, sizeof text, "no tool %s (index %u) in generation %u", inv->tool_name, (unsigned)inv->tool_index,
                 g_generation);
        pthread_mutex_unlock(&g_lock);
        g_host->result_error(call, text, TH_NUL_TERMINATED);
        return TH_ERR_UNSUPPORTED;
    }
    const char *index_says = at_index && strcmp(at_index, inv->tool_name) == 0 ? "index ok" : "index stale";
    if (strcmp(resolved, "rotate") == 0) {
        tool_list *old = g_current;
        g_current = build_list(++g_generation);
        old->next = g_retired;
        g_retired = old;
        snprintf(text, sizeof text, "rotate: now generation %u (%s)", g_generation, index_says);
        pthread_mutex_unlock(&g_lock);
        g_host->tools_changed(g_host);
    } else {
        snprintf(text, sizeof text, "%s: generation %u (%s)", resolved, g_generation, index_says);
        pthread_mutex_unlock(&g_lock);
    }
    g_host->result_text(call, text, TH_NUL_TERMINATED);
    return TH_OK;
}

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR,
#ifdef SERIAL
    TH_PLUGIN_SERIAL,
#else
    0,
#endif
    "rebuild", "Rebuilding fixture", "1.0.0", NULL,
    rebuild_init, rebuild_shutdown, rebuild_tool_count, rebuild_tool_at, rebuild_invoke, NULL, NULL,
};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
