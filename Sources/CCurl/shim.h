#ifndef TOOLHOST_CCURL_SHIM_H
#define TOOLHOST_CCURL_SHIM_H

/* libcurl from the system (Debian: libcurl4-openssl-dev for the headers, libcurl4 at run time),
 * for the vLLM plugin's HTTP client.
 *
 * The library is not linked: it is opened (dlopen "libcurl.so.4") the first time the plugin
 * makes its HTTP client. Debian's libcurl brings some thirty libraries along (OpenSSL, GnuTLS
 * through librtmp, Kerberos, LDAP, SSH, ...); loading them with the plugin would cost every
 * session start several milliseconds and megabytes, also a session that never calls a tool.
 *
 * th_curl() returns the functions the plugin uses, or NULL when the library cannot be opened
 * (th_curl_load_error() says why). Each translation unit that uses this header has its own
 * copy of the table; they all hold the same addresses (dlopen counts references). The variadic
 * curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo, which Swift cannot call, get typed
 * wrappers here. */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

typedef struct {
    CURLcode (*global_init)(long flags);
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

typedef struct {
    pthread_once_t once;
    int ok;
    th_curl_api api;
    char error[256];
} th_curl_state;

static inline th_curl_state *th_curl_state_get(void) {
    static th_curl_state state = {PTHREAD_ONCE_INIT, 0, {0}, {0}};
    return &state;
}

static inline void th_curl_open(void) {
    th_curl_state *state = th_curl_state_get();
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(state->error, sizeof state->error, "%s", why ? why : "libcurl.so.4 cannot be opened");
        return;
    }
    th_curl_api *api = &state->api;
    int missing = 0;
#define TH_CURL_SYMBOL(field, name) \
    do { *(void **)(&api->field) = dlsym(library, name); if (!api->field) missing = 1; } while (0)
    TH_CURL_SYMBOL(global_init, "curl_global_init");
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
    if (missing) {
        snprintf(state->error, sizeof state->error, "libcurl.so.4 is older than 7.80.0 (a function is missing)");
        return;
    }
    if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(state->error, sizeof state->error, "curl_global_init failed");
        return;
    }
    state->ok = 1;
}

/* The functions, loaded on first use; NULL when libcurl cannot be used. */
static inline const th_curl_api *th_curl(void) {
    th_curl_state *state = th_curl_state_get();
    pthread_once(&state->once, th_curl_open);
    return state->ok ? &state->api : NULL;
}

/* Why th_curl() returned NULL. */
static inline const char *th_curl_load_error(void) {
    return th_curl_state_get()->error;
}

/* The typed wrappers below are used only after th_curl() returned the table. */

static inline CURLcode th_curl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return th_curl()->easy_setopt(easy, option, value);
}

/* Strings are copied by libcurl (except CURLOPT_POSTFIELDS, which the plugin does not use). */
static inline CURLcode th_curl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
    return th_curl()->easy_setopt(easy, option, value);
}

/* A pointer kept as it is: userdata, the error buffer, a header list. */
static inline CURLcode th_curl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
    return th_curl()->easy_setopt(easy, option, value);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
static inline CURLcode th_curl_easy_setopt_data_callback(CURL *easy, CURLoption option, curl_write_callback callback) {
    return th_curl()->easy_setopt(easy, option, callback);
}

/* CURLOPT_PREREQFUNCTION (7.80.0): a connection is ready, the request is about to be sent. */
static inline CURLcode th_curl_easy_setopt_prereq_callback(CURL *easy, curl_prereq_callback callback) {
    return th_curl()->easy_setopt(easy, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode th_curl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return th_curl()->easy_getinfo(easy, info, value);
}

static inline CURLMcode th_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return th_curl()->multi_setopt(multi, option, value);
}

/* Gives the C library's free memory back to the system (glibc: malloc_trim). */
static inline void th_curl_trim_heap(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
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
