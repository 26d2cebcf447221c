/* What the ABI fixtures share: reading one string argument of the flat JSON objects the tests
 * send (strings without escapes). Header-only; each fixture includes it once. */
#ifndef FIXTURE_ARGS_H
#define FIXTURE_ARGS_H

#include <stdio.h>
#include <string.h>

/* Copies the string value of "key" in `json` into `out`; 0 when there is none. */
static int arg(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    if (!p) return 0;
    p += strlen(pattern);
    const char *end = strchr(p, '"');
    if (!end) return 0;
    snprintf(out, size, "%.*s", (int)(end - p), p);
    return 1;
}

#endif
