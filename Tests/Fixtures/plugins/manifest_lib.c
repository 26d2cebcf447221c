/*
 * Test fixture: an ordinary shared library, knowing nothing of toolhost, bound by manifests in
 * the tests. Its strings are malloc'd and released through its own function, which counts.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static volatile int64_t g_released;
static volatile int64_t g_made;

char *fx_shout(const char *text) {
    size_t n = strlen(text);
    char *out = malloc(n + 2 + 256); /* padded, so that a leak shows */
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) out[i] = (text[i] >= 'a' && text[i] <= 'z') ? (char)(text[i] - 32) : text[i];
    out[n] = '!';
    out[n + 1] = '\0';
    __atomic_add_fetch(&g_made, 1, __ATOMIC_SEQ_CST);
    return out;
}

void fx_release(void *p) {
    if (p) __atomic_add_fetch(&g_released, 1, __ATOMIC_SEQ_CST);
    free(p);
}

char *fx_dup(const char *text) {
    __atomic_add_fetch(&g_made, 1, __ATOMIC_SEQ_CST);
    return strdup(text);
}

int64_t fx_released(void) { return __atomic_load_n(&g_released, __ATOMIC_SEQ_CST); }
int64_t fx_made(void) { return __atomic_load_n(&g_made, __ATOMIC_SEQ_CST); }
int16_t fx_add16(int16_t a, int16_t b) { return (int16_t)(a + b); }
