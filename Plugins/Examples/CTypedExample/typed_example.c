/*
 * The typed-function example plugin: plain C functions become tools without any JSON code.
 * The host derives each tool's input schema from the declared C types, checks and converts
 * the arguments exactly, calls the function through libffi and builds the result.
 *
 *   typed_gcd        int64 gcd(int64 a, int64 b)              64-bit integers, exact
 *   typed_clamp      int32 clamp(int32 value, int32 lo, int32 hi)
 *   typed_celsius    double celsius(double fahrenheit)         bounded input
 *   typed_repeat     char *repeat(const char *text, uint8 n)   returned string freed by the plugin
 *   typed_divmod     int32 divmod(int32 a, int32 b, int32 *q, int32 *r)
 *                                                            out-parameters, negative = error
 *   typed_checksum   uint32 checksum(const void *data, size_t len)   a byte buffer
 *
 * Build it alone (from the repository's top folder) with:
 *   cc -shared -fPIC -I include -o libtyped.so Plugins/Examples/CTypedExample/typed_example.c
 */
#include "toolhost.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the functions: ordinary C, nothing toolhost-specific -------------------------------- */

static int64_t gcd(int64_t a, int64_t b) {
    /* Work on magnitudes as unsigned, so that INT64_MIN is handled. */
    uint64_t x = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
    uint64_t y = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
    while (y) { uint64_t t = x % y; x = y; y = t; }
    return x > (uint64_t)INT64_MAX ? INT64_MIN : (int64_t)x; /* gcd(INT64_MIN, 0) */
}

static int32_t clamp(int32_t value, int32_t lo, int32_t hi) {
    return value < lo ? lo : (value > hi ? hi : value);
}

static double celsius(double fahrenheit) { return (fahrenheit - 32.0) * 5.0 / 9.0; }

/* Returns a malloc'd string; the host copies it and calls release_string (declared below). */
static char *repeat(const char *text, uint8_t n) {
    size_t len = strlen(text);
    char *out = malloc(len * n + 1);
    if (!out) return NULL; /* with TH_ERRORS_NULL_ERRNO, errno (ENOMEM) becomes the error */
    for (uint8_t i = 0; i < n; i++) memcpy(out + (size_t)i * len, text, len);
    out[len * n] = '\0';
    return out;
}
static void release_string(void *s) { free(s); }

static int32_t divmod(int32_t a, int32_t b, int32_t *quotient, int32_t *remainder) {
    if (b == 0) return -EDOM;
    if (a == INT32_MIN && b == -1) return -ERANGE;
    *quotient = a / b;
    *remainder = a % b;
    return 0;
}

/* Adler-32 of a byte buffer: the buffer arrives as pointer + length. */
static uint32_t checksum(const void *data, size_t len) {
    const unsigned char *p = data;
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < len; i++) { a = (a + p[i]) % 65521u; b = (b + a) % 65521u; }
    return (b << 16) | a;
}

/* ---- their declarations ------------------------------------------------------------------ */
/* Field order of th_native_param: struct_size, type, flags, length_type, name, description,
 * minimum, maximum, enum_json, default_json. */

static const th_native_param gcd_params[] = {
    {sizeof(th_native_param), TH_TYPE_INT64, 0, 0, "a", "a 64-bit integer", NULL, NULL, NULL, NULL},
    {sizeof(th_native_param), TH_TYPE_INT64, 0, 0, "b", "another", NULL, NULL, NULL, NULL},
};
static const th_native_param clamp_params[] = {
    {sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "value", "the value to limit", NULL, NULL, NULL, NULL},
    {sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "lo", "the lower limit", NULL, NULL, NULL, "0"},
    {sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "hi", "the upper limit", NULL, NULL, NULL, "100"},
};
static const th_native_param celsius_params[] = {
    {sizeof(th_native_param), TH_TYPE_DOUBLE, 0, 0, "fahrenheit", "degrees Fahrenheit", "-459.67", "1e6", NULL, NULL},
};
static const th_native_param repeat_params[] = {
    {sizeof(th_native_param), TH_TYPE_STRING, 0, 0, "text", "what to repeat", NULL, NULL, NULL, NULL},
    {sizeof(th_native_param), TH_TYPE_UINT8, 0, 0, "times", "how often", "1", "100", NULL, "2"},
};
static const th_native_param divmod_params[] = {
    {sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "a", "the dividend", NULL, NULL, NULL, NULL},
    {sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "b", "the divisor", NULL, NULL, NULL, NULL},
    {sizeof(th_native_param), TH_TYPE_INT32, TH_PARAM_OUT, 0, "quotient", "a / b, rounded toward zero", NULL, NULL, NULL, NULL},
    {sizeof(th_native_param), TH_TYPE_INT32, TH_PARAM_OUT, 0, "remainder", "a % b", NULL, NULL, NULL, NULL},
};
static const th_native_param checksum_params[] = {
    {sizeof(th_native_param), TH_TYPE_BYTES, 0, TH_TYPE_SIZE, "data", "the text to checksum", NULL, NULL, NULL, NULL},
};

#define READ_ONLY "{\"readOnlyHint\":true,\"idempotentHint\":true,\"openWorldHint\":false}"

/* Field order of th_native_function: struct_size, flags, name, title, description,
 * annotations_json, function, params, param_count, return_type, errors, reserved,
 * free_result, result_description. */
static const th_native_function k_functions[] = {
    {sizeof(th_native_function), 0, "typed_gcd", "Greatest common divisor",
     "The greatest common divisor of two 64-bit integers.", READ_ONLY,
     TH_NATIVE_FN(gcd), gcd_params, 2, TH_TYPE_INT64, TH_ERRORS_NONE, 0, NULL, "gcd(a, b), never negative"},
    {sizeof(th_native_function), 0, "typed_clamp", "Clamp",
     "Limits value to the range lo..hi.", READ_ONLY,
     TH_NATIVE_FN(clamp), clamp_params, 3, TH_TYPE_INT32, TH_ERRORS_NONE, 0, NULL, "the limited value"},
    {sizeof(th_native_function), 0, "typed_celsius", "Fahrenheit to Celsius",
     "Converts a temperature from degrees Fahrenheit to degrees Celsius.", READ_ONLY,
     TH_NATIVE_FN(celsius), celsius_params, 1, TH_TYPE_DOUBLE, TH_ERRORS_NONE, 0, NULL, "degrees Celsius"},
    {sizeof(th_native_function), 0, "typed_repeat", "Repeat text",
     "Repeats text a number of times.", READ_ONLY,
     TH_NATIVE_FN(repeat), repeat_params, 2, TH_TYPE_STRING, TH_ERRORS_NULL_ERRNO, 0, release_string,
     "the text, repeated"},
    {sizeof(th_native_function), 0, "typed_divmod", "Integer division",
     "Divides a by b, giving quotient and remainder. Fails for b = 0.", READ_ONLY,
     TH_NATIVE_FN(divmod), divmod_params, 4, TH_TYPE_INT32, TH_ERRORS_NEGATIVE, 0, NULL, "0 on success"},
    {sizeof(th_native_function), 0, "typed_checksum", "Adler-32",
     "The Adler-32 checksum of the UTF-8 bytes of a text.", READ_ONLY,
     TH_NATIVE_FN(checksum), checksum_params, 1, TH_TYPE_UINT32, TH_ERRORS_NONE, 0, NULL, "the checksum"},
};

static const th_native_functions k_table = {
    sizeof(th_native_functions), (uint32_t)(sizeof k_functions / sizeof k_functions[0]), k_functions};

/* ---- the plugin: no JSON tools of its own, only the table -------------------------------- */

static uint32_t tool_count(void *state) { (void)state; return 0; }
static const th_tool *tool_at(void *state, uint32_t index) { (void)state; (void)index; return NULL; }
static th_status invoke(void *state, th_call *call, const th_invocation *invocation) {
    (void)state; (void)call; (void)invocation;
    return TH_ERR_UNSUPPORTED; /* never called: there are no JSON tools */
}
static const void *get_extension(void *state, const char *id) {
    (void)state;
    return strcmp(id, TH_EXT_NATIVE_FUNCTIONS) == 0 ? &k_table : NULL;
}

/* The project's own build (Package.swift) marks its copy as an example, so that toolhost started
 * without arguments does not offer these demonstration tools to real clients; a plugin built
 * from this file by hand is an ordinary plugin. */
#if defined(TOOLHOST_DEMO_BUILD) && defined(TH_PLUGIN_EXAMPLE)
#define PLUGIN_FLAGS TH_PLUGIN_EXAMPLE
#else
#define PLUGIN_FLAGS 0
#endif

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, PLUGIN_FLAGS,
    "typed-example", "Typed C functions example", "1.0.0",
    "Plain C functions offered as tools through the host's libffi bridge.",
    NULL, NULL, tool_count, tool_at, invoke, NULL, get_extension};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
