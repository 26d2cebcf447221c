#ifndef TOOLHOST_CCURL_SHIM_H
#define TOOLHOST_CCURL_SHIM_H

/* libcurl for the vLLM plugin's HTTP client (Debian: libcurl4-openssl-dev for the headers).
 *
 * The library is not linked: the plugin opens one the first time it makes its HTTP client,
 * either the system's libcurl.so.4 or an HTTP-only build, libcurl-http.so.4 (scripts/libcurl),
 * found beside the plugin's code. Which one is the Swift side's choice (VLLMCore's
 * CurlLibrary): it depends on the plugin's settings, and it is made once per process. Debian's
 * libcurl brings some thirty libraries along (OpenSSL, GnuTLS through librtmp, Kerberos, LDAP,
 * SSH, ...); the HTTP-only build needs the C library alone.
 *
 * th_curl_load() fills a table with the functions the plugin uses. Nothing here keeps state:
 * each Swift file that uses this header gets its own copy of these static functions, so the
 * one table lives on the Swift side and is passed to the wrappers. The variadic
 * curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo, which Swift cannot call, get
 * typed wrappers here. */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

typedef struct {
    CURLcode (*global_init)(long flags);
    curl_version_info_data *(*version_info)(CURLversion stamp);
    const char *(*easy_strerror)(CURLcode code);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *easy, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *easy);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *left);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeout_ms, int *ready);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    CURLMcode (*multi_cleanup)(CURLM *multi);
} th_curl_api;

/* Opens the libcurl `file` (a path, or a name the dynamic linker looks up), fills `api` with its
 * functions and initialises it. `shown` names the library in messages. Returns 1, or 0 with
 * the reason in `error`. Called once per process (see above). */
static inline int th_curl_load(const char *file, const char *shown, th_curl_api *api, char *error, size_t size) {
    void *library = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(error, size, "%s cannot be opened: %s", shown, why ? why : "unknown reason");
        return 0;
    }
    int missing = 0;
#define TH_CURL_SYMBOL(field, name) \
    do { *(void **)(&api->field) = dlsym(library, name); if (!api->field) missing = 1; } while (0)
    TH_CURL_SYMBOL(global_init, "curl_global_init");
    TH_CURL_SYMBOL(version_info, "curl_version_info");
    TH_CURL_SYMBOL(easy_strerror, "curl_easy_strerror");
    TH_CURL_SYMBOL(easy_init, "curl_easy_init");
    TH_CURL_SYMBOL(easy_setopt, "curl_easy_setopt");
    TH_CURL_SYMBOL(easy_getinfo, "curl_easy_getinfo");
    TH_CURL_SYMBOL(easy_cleanup, "curl_easy_cleanup");
    TH_CURL_SYMBOL(slist_append, "curl_slist_append");
    TH_CURL_SYMBOL(slist_free_all, "curl_slist_free_all");
    TH_CURL_SYMBOL(multi_init, "curl_multi_init");
    TH_CURL_SYMBOL(multi_setopt, "curl_multi_setopt");
    TH_CURL_SYMBOL(multi_add_handle, "curl_multi_add_handle");
    TH_CURL_SYMBOL(multi_remove_handle, "curl_multi_remove_handle");
    TH_CURL_SYMBOL(multi_perform, "curl_multi_perform");
    TH_CURL_SYMBOL(multi_info_read, "curl_multi_info_read");
    /* curl_multi_poll: 7.66.0; curl_multi_wakeup: 7.68.0; CURLOPT_PREREQFUNCTION: 7.80.0. */
    TH_CURL_SYMBOL(multi_poll, "curl_multi_poll");
    TH_CURL_SYMBOL(multi_wakeup, "curl_multi_wakeup");
    TH_CURL_SYMBOL(multi_cleanup, "curl_multi_cleanup");
#undef TH_CURL_SYMBOL
    if (missing || api->version_info(CURLVERSION_NOW)->version_num < 0x075000) {
        snprintf(error, size, "%s is older than 7.80.0 (a function is missing)", shown);
        return 0;
    }
    if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(error, size, "curl_global_init of %s failed", shown);
        return 0;
    }
    return 1;
}

/* Whether the opened libcurl speaks TLS (https:// URLs and proxies). */
static inline int th_curl_has_tls(const th_curl_api *api) {
    return (api->version_info(CURLVERSION_NOW)->features & CURL_VERSION_SSL) != 0;
}

/* The opened libcurl's version ("7.88.1"). */
static inline const char *th_curl_version(const th_curl_api *api) {
    return api->version_info(CURLVERSION_NOW)->version;
}

/* The file of the program or shared library this code was linked into (libVLLM.so, or the
 * executable when the plugin is built into it), to look for libcurl-http.so.4 beside it: the
 * mapping of /proc/self/maps that holds this function (dladdr would need _GNU_SOURCE, and
 * names the main program by its argv[0]). Returns 1, or 0 when it cannot be told. */
static inline int th_curl_own_file(char *buffer, size_t size) {
#if defined(__linux__)
    unsigned long here = (unsigned long)(uintptr_t)&th_curl_own_file;
    FILE *maps = fopen("/proc/self/maps", "re");
    if (!maps) return 0;
    char line[PATH_MAX + 256];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        int path = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &path) < 2 || here < start || here >= end) continue;
        if (path == 0 || line[path] != '/') break;
        size_t length = strcspn(line + path, "\n");
        const char *deleted = " (deleted)";
        if (length > strlen(deleted) && strncmp(line + path + length - strlen(deleted), deleted, strlen(deleted)) == 0) length -= strlen(deleted);
        if (length + 1 > size) break;
        memcpy(buffer, line + path, length);
        buffer[length] = 0;
        found = 1;
    }
    fclose(maps);
    return found;
#else
    (void)buffer;
    (void)size;
    return 0;
#endif
}

/* Typed wrappers of the variadic functions, through an opened table. */

static inline CURLcode th_curl_easy_setopt_long(const th_curl_api *api, CURL *easy, CURLoption option, long value) {
    return api->easy_setopt(easy, option, value);
}

/* Strings are copied by libcurl (except CURLOPT_POSTFIELDS, which the plugin does not use). */
static inline CURLcode th_curl_easy_setopt_string(const th_curl_api *api, CURL *easy, CURLoption option, const char *value) {
    return api->easy_setopt(easy, option, value);
}

/* A pointer kept as it is: userdata, the error buffer, a header list. */
static inline CURLcode th_curl_easy_setopt_pointer(const th_curl_api *api, CURL *easy, CURLoption option, void *value) {
    return api->easy_setopt(easy, option, value);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
static inline CURLcode th_curl_easy_setopt_data_callback(const th_curl_api *api, CURL *easy, CURLoption option, curl_write_callback callback) {
    return api->easy_setopt(easy, option, callback);
}

/* CURLOPT_PREREQFUNCTION (7.80.0): a connection is ready, the request is about to be sent. */
static inline CURLcode th_curl_easy_setopt_prereq_callback(const th_curl_api *api, CURL *easy, curl_prereq_callback callback) {
    return api->easy_setopt(easy, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode th_curl_easy_getinfo_long(const th_curl_api *api, CURL *easy, CURLINFO info, long *value) {
    return api->easy_getinfo(easy, info, value);
}

static inline CURLMcode th_curl_multi_setopt_long(const th_curl_api *api, CURLM *multi, CURLMoption option, long value) {
    return api->multi_setopt(multi, option, value);
}

/* Names the calling thread (as ps and /proc show it; at most 15 bytes). */
static inline void th_curl_name_thread(const char *name) {
#if defined(__linux__)
    prctl(PR_SET_NAME, name, 0, 0, 0);
#else
    (void)name;
#endif
}

#endif
