#ifndef TOOLHOST_CCURL_SHIM_H
#define TOOLHOST_CCURL_SHIM_H

/* libcurl from the system (Debian: libcurl4-openssl-dev), for the vLLM plugin's HTTP client.
 * curl_easy_setopt, curl_multi_setopt and curl_easy_getinfo are variadic, which Swift cannot
 * call: these wrappers give each use a typed signature. */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

static inline CURLcode th_curl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}

/* Strings are copied by libcurl (except CURLOPT_POSTFIELDS, which the plugin does not use). */
static inline CURLcode th_curl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
    return curl_easy_setopt(easy, option, value);
}

/* A pointer kept as it is: userdata, the error buffer, a header list. */
static inline CURLcode th_curl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
    return curl_easy_setopt(easy, option, value);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
static inline CURLcode th_curl_easy_setopt_data_callback(CURL *easy, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(easy, option, callback);
}

/* CURLOPT_PREREQFUNCTION (7.80.0): a connection is ready, the request is about to be sent. */
static inline CURLcode th_curl_easy_setopt_prereq_callback(CURL *easy, curl_prereq_callback callback) {
    return curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode th_curl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}

static inline CURLMcode th_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
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
