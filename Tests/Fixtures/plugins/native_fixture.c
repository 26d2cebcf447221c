/*
 * Test fixture: typed C functions offered through the "th.native_functions.v1" extension.
 * Every function counts its calls, so tests can prove that rejected arguments never reach C.
 *
 *   -DBROKEN_ENTRIES   adds entries the host must reject (each reported, the rest load)
 *   -DFIXTURE_ID="x"   the plugin id (default "nativefix"; the tools appear under "x-native")
 */
#include "toolhost.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "nativefix"
#endif

static volatile int64_t g_calls;   /* calls of every function but the counters */
static volatile int64_t g_frees;   /* strings freed through fixture_free */
static volatile int64_t g_allocs;  /* strings allocated for the host to free */

static void counted(void) { __atomic_add_fetch(&g_calls, 1, __ATOMIC_SEQ_CST); }

/* ---- identities: one per type, returning exactly what they received --------------------- */
static bool id_bool(bool v) { counted(); return v; }
static int8_t id_i8(int8_t v) { counted(); return v; }
static int16_t id_i16(int16_t v) { counted(); return v; }
static int32_t id_i32(int32_t v) { counted(); return v; }
static int64_t id_i64(int64_t v) { counted(); return v; }
static uint8_t id_u8(uint8_t v) { counted(); return v; }
static uint16_t id_u16(uint16_t v) { counted(); return v; }
static uint32_t id_u32(uint32_t v) { counted(); return v; }
static uint64_t id_u64(uint64_t v) { counted(); return v; }
static float id_f32(float v) { counted(); return v; }
static double id_f64(double v) { counted(); return v; }
static size_t id_size(size_t v) { counted(); return v; }
static const char *id_string(const char *v) { counted(); return v; } /* borrowed: valid until return */

/* Narrow returns computed in C, so the upper bits of the register are whatever the compiler
 * leaves: the host must read them through ffi_arg and truncate. */
static int8_t neg_i8(int8_t v) { counted(); return (int8_t)(-v - 1); }
static uint16_t not_u16(uint16_t v) { counted(); return (uint16_t)~v; }

/* Mixed argument list: every width in one call, in an order that exercises registers. */
static double mix(int8_t a, uint16_t b, int32_t c, uint64_t d, float e, double f, bool g) {
    counted();
    return (double)a + (double)b + (double)c + (double)d + (double)e + f + (g ? 1000000.0 : 0.0);
}

/* ---- strings and ownership ------------------------------------------------------------ */
static char *greet(const char *name) {
    counted();
    size_t n = strlen(name) + 512; /* large enough that a leaked one is obvious */
    char *out = malloc(n);
    if (!out) return NULL;
    memset(out, '.', n - 1);
    out[n - 1] = '\0';
    snprintf(out, n, "hello, %s", name);
    __atomic_add_fetch(&g_allocs, 1, __ATOMIC_SEQ_CST);
    return out;
}
static void fixture_free(void *p) {
    if (p) __atomic_add_fetch(&g_frees, 1, __ATOMIC_SEQ_CST);
    free(p);
}
static const char *static_text(void) { counted(); return "static ✓ text"; }
static const char *maybe_null(bool give) { counted(); return give ? "given" : NULL; }
static const char *open_nothing(void) { counted(); errno = ENOENT; return NULL; }

/* ---- error conventions, out-parameters, buffers, void ----------------------------------- */
static int32_t checked_div(int32_t a, int32_t b, int32_t *quotient, int32_t *remainder) {
    counted();
    if (b == 0) return -EDOM;
    if (a == INT32_MIN && b == -1) return -ERANGE;
    *quotient = a / b;
    *remainder = a % b;
    return 0;
}
static int32_t nonzero_fails(int32_t code) { counted(); return code; }
static bool false_fails(bool ok) { counted(); return ok; }
static double errno_fails(double x) { counted(); if (x < 0) errno = EDOM; return x; }
static void extremes(int64_t *min64, uint64_t *max64, double *tiny, bool *yes, uint8_t *max8, float *f) {
    counted();
    *min64 = INT64_MIN; *max64 = UINT64_MAX; *tiny = 5e-324; *yes = true; *max8 = 255; *f = 0.1f;
}
static uint64_t sum_bytes(const void *data, size_t len) {
    counted();
    uint64_t sum = 0;
    for (size_t i = 0; i < len; i++) sum += ((const unsigned char *)data)[i];
    return sum * 1000 + len;
}
static char *hex(const void *data, uint16_t len) {
    counted();
    char *out = malloc((size_t)len * 2 + 1);
    if (!out) return NULL;
    for (uint16_t i = 0; i < len; i++) sprintf(out + 2 * i, "%02x", ((const unsigned char *)data)[i]);
    out[len * 2] = '\0';
    __atomic_add_fetch(&g_allocs, 1, __ATOMIC_SEQ_CST);
    return out;
}
static void touch(void) { counted(); }
static int32_t level(int32_t v) { counted(); return v * 10; }
static uint8_t percent(uint8_t p) { counted(); return p; }
static double non_finite(int32_t which) {
    counted();
    volatile double zero = 0.0;
    return which == 0 ? 1.0 / zero : (which == 1 ? -1.0 / zero : zero / zero);
}

/* ---- counters (not counted themselves) ---------------------------------------------------- */
static int64_t fixture_calls(void) { return __atomic_load_n(&g_calls, __ATOMIC_SEQ_CST); }
static int64_t fixture_frees(void) { return __atomic_load_n(&g_frees, __ATOMIC_SEQ_CST); }
static int64_t fixture_allocs(void) { return __atomic_load_n(&g_allocs, __ATOMIC_SEQ_CST); }

/* ---- the table ---------------------------------------------------------------------------- */
#define P(type, name) {sizeof(th_native_param), type, 0, 0, name, NULL, NULL, NULL, NULL, NULL}
#define P_OUT(type, name) {sizeof(th_native_param), type, TH_PARAM_OUT, 0, name, "out", NULL, NULL, NULL, NULL}
#define F(name, fn, params, n, ret, errors, free_fn) \
    {sizeof(th_native_function), 0, name, NULL, "fixture function " name, NULL, TH_NATIVE_FN(fn), params, n, ret, errors, 0, free_fn, NULL}

static const th_native_param p_bool[] = {P(TH_TYPE_BOOL, "v")};
static const th_native_param p_i8[] = {P(TH_TYPE_INT8, "v")};
static const th_native_param p_i16[] = {P(TH_TYPE_INT16, "v")};
static const th_native_param p_i32[] = {P(TH_TYPE_INT32, "v")};
static const th_native_param p_i64[] = {P(TH_TYPE_INT64, "v")};
static const th_native_param p_u8[] = {P(TH_TYPE_UINT8, "v")};
static const th_native_param p_u16[] = {P(TH_TYPE_UINT16, "v")};
static const th_native_param p_u32[] = {P(TH_TYPE_UINT32, "v")};
static const th_native_param p_u64[] = {P(TH_TYPE_UINT64, "v")};
static const th_native_param p_f32[] = {P(TH_TYPE_FLOAT, "v")};
static const th_native_param p_f64[] = {P(TH_TYPE_DOUBLE, "v")};
static const th_native_param p_size[] = {P(TH_TYPE_SIZE, "v")};
static const th_native_param p_string[] = {P(TH_TYPE_STRING, "v")};
static const th_native_param p_mix[] = {
    P(TH_TYPE_INT8, "a"), P(TH_TYPE_UINT16, "b"), P(TH_TYPE_INT32, "c"), P(TH_TYPE_UINT64, "d"),
    P(TH_TYPE_FLOAT, "e"), P(TH_TYPE_DOUBLE, "f"), P(TH_TYPE_BOOL, "g")};
static const th_native_param p_name[] = {
    {sizeof(th_native_param), TH_TYPE_STRING, 0, 0, "name", "who to greet", NULL, NULL, NULL, "\"world\""}};
static const th_native_param p_div[] = {
    P(TH_TYPE_INT32, "a"), P(TH_TYPE_INT32, "b"), P_OUT(TH_TYPE_INT32, "quotient"), P_OUT(TH_TYPE_INT32, "remainder")};
static const th_native_param p_extremes[] = {
    P_OUT(TH_TYPE_INT64, "min64"), P_OUT(TH_TYPE_UINT64, "max64"), P_OUT(TH_TYPE_DOUBLE, "tiny"),
    P_OUT(TH_TYPE_BOOL, "yes"), P_OUT(TH_TYPE_UINT8, "max8"), P_OUT(TH_TYPE_FLOAT, "f")};
static const th_native_param p_bytes[] = {{sizeof(th_native_param), TH_TYPE_BYTES, 0, 0, "data", NULL, NULL, NULL, NULL, NULL}};
static const th_native_param p_hex[] = {
    {sizeof(th_native_param), TH_TYPE_BYTES, TH_PARAM_BASE64, TH_TYPE_UINT16, "data", NULL, NULL, NULL, NULL, NULL}};
static const th_native_param p_level[] = {
    {sizeof(th_native_param), TH_TYPE_INT32, 0, 0, "level", NULL, NULL, NULL, "[1, 2, 3]", NULL}};
static const th_native_param p_percent[] = {
    {sizeof(th_native_param), TH_TYPE_UINT8, 0, 0, "p", NULL, "0", "100", NULL, NULL}};
static const th_native_param p_which[] = {P(TH_TYPE_INT32, "which")};
static const th_native_param p_code[] = {P(TH_TYPE_INT32, "code")};
static const th_native_param p_ok[] = {P(TH_TYPE_BOOL, "ok")};
static const th_native_param p_x[] = {P(TH_TYPE_DOUBLE, "x")};
static const th_native_param p_give[] = {P(TH_TYPE_BOOL, "give")};
#ifdef BROKEN_ENTRIES
static const th_native_param p_bad_type[] = {P(99u, "v")};
static const th_native_param p_bad_bounds[] = {{sizeof(th_native_param), TH_TYPE_UINT8, 0, 0, "v", NULL, "10", "300", NULL, NULL}};
static const th_native_param p_out_string[] = {P_OUT(TH_TYPE_STRING, "s")};
#endif

static const th_native_function k_functions[] = {
    F("id_bool", id_bool, p_bool, 1, TH_TYPE_BOOL, TH_ERRORS_NONE, NULL),
    F("id_i8", id_i8, p_i8, 1, TH_TYPE_INT8, TH_ERRORS_NONE, NULL),
    F("id_i16", id_i16, p_i16, 1, TH_TYPE_INT16, TH_ERRORS_NONE, NULL),
    F("id_i32", id_i32, p_i32, 1, TH_TYPE_INT32, TH_ERRORS_NONE, NULL),
    F("id_i64", id_i64, p_i64, 1, TH_TYPE_INT64, TH_ERRORS_NONE, NULL),
    F("id_u8", id_u8, p_u8, 1, TH_TYPE_UINT8, TH_ERRORS_NONE, NULL),
    F("id_u16", id_u16, p_u16, 1, TH_TYPE_UINT16, TH_ERRORS_NONE, NULL),
    F("id_u32", id_u32, p_u32, 1, TH_TYPE_UINT32, TH_ERRORS_NONE, NULL),
    F("id_u64", id_u64, p_u64, 1, TH_TYPE_UINT64, TH_ERRORS_NONE, NULL),
    F("id_f32", id_f32, p_f32, 1, TH_TYPE_FLOAT, TH_ERRORS_NONE, NULL),
    F("id_f64", id_f64, p_f64, 1, TH_TYPE_DOUBLE, TH_ERRORS_NONE, NULL),
    F("id_size", id_size, p_size, 1, TH_TYPE_SIZE, TH_ERRORS_NONE, NULL),
    F("id_string", id_string, p_string, 1, TH_TYPE_STRING, TH_ERRORS_NONE, NULL),
    F("neg_i8", neg_i8, p_i8, 1, TH_TYPE_INT8, TH_ERRORS_NONE, NULL),
    F("not_u16", not_u16, p_u16, 1, TH_TYPE_UINT16, TH_ERRORS_NONE, NULL),
    F("mix", mix, p_mix, 7, TH_TYPE_DOUBLE, TH_ERRORS_NONE, NULL),
    F("greet", greet, p_name, 1, TH_TYPE_STRING, TH_ERRORS_NULL_ERRNO, fixture_free),
    F("static_text", static_text, NULL, 0, TH_TYPE_STRING, TH_ERRORS_NONE, NULL),
    F("maybe_null", maybe_null, p_give, 1, TH_TYPE_STRING, TH_ERRORS_NONE, NULL),
    F("open_nothing", open_nothing, NULL, 0, TH_TYPE_STRING, TH_ERRORS_NULL_ERRNO, NULL),
    F("checked_div", checked_div, p_div, 4, TH_TYPE_INT32, TH_ERRORS_NEGATIVE, NULL),
    F("nonzero_fails", nonzero_fails, p_code, 1, TH_TYPE_INT32, TH_ERRORS_NONZERO, NULL),
    F("false_fails", false_fails, p_ok, 1, TH_TYPE_BOOL, TH_ERRORS_FALSE, NULL),
    F("errno_fails", errno_fails, p_x, 1, TH_TYPE_DOUBLE, TH_ERRORS_ERRNO, NULL),
    F("extremes", extremes, p_extremes, 6, TH_TYPE_VOID, TH_ERRORS_NONE, NULL),
    F("sum_bytes", sum_bytes, p_bytes, 1, TH_TYPE_UINT64, TH_ERRORS_NONE, NULL),
    F("hex", hex, p_hex, 1, TH_TYPE_STRING, TH_ERRORS_NONE, fixture_free),
    F("touch", touch, NULL, 0, TH_TYPE_VOID, TH_ERRORS_NONE, NULL),
    F("level", level, p_level, 1, TH_TYPE_INT32, TH_ERRORS_NONE, NULL),
    F("percent", percent, p_percent, 1, TH_TYPE_UINT8, TH_ERRORS_NONE, NULL),
    F("non_finite", non_finite, p_which, 1, TH_TYPE_DOUBLE, TH_ERRORS_NONE, NULL),
    F("fixture_calls", fixture_calls, NULL, 0, TH_TYPE_INT64, TH_ERRORS_NONE, NULL),
    F("fixture_frees", fixture_frees, NULL, 0, TH_TYPE_INT64, TH_ERRORS_NONE, NULL),
    F("fixture_allocs", fixture_allocs, NULL, 0, TH_TYPE_INT64, TH_ERRORS_NONE, NULL),
#ifdef BROKEN_ENTRIES
    F("bad_type", id_i8, p_bad_type, 1, TH_TYPE_INT8, TH_ERRORS_NONE, NULL),
    F("bad_bounds", id_u8, p_bad_bounds, 1, TH_TYPE_UINT8, TH_ERRORS_NONE, NULL),
    F("bad name!", touch, NULL, 0, TH_TYPE_VOID, TH_ERRORS_NONE, NULL),
    F("bad_out", touch, p_out_string, 1, TH_TYPE_VOID, TH_ERRORS_NONE, NULL),
    F("bad_negative", id_u8, p_u8, 1, TH_TYPE_UINT8, TH_ERRORS_NEGATIVE, NULL),
    F("bad_null_fn", NULL, NULL, 0, TH_TYPE_VOID, TH_ERRORS_NONE, NULL),
    F("bad_free", id_i8, p_i8, 1, TH_TYPE_INT8, TH_ERRORS_NONE, fixture_free),
#endif
};

static const th_native_functions k_table = {
    sizeof(th_native_functions), (uint32_t)(sizeof k_functions / sizeof k_functions[0]), k_functions};

/* ---- the ordinary plugin around it: no JSON tools of its own ------------------------------- */
static uint32_t tool_count(void *state) { (void)state; return 0; }
static const th_tool *tool_at(void *state, uint32_t index) { (void)state; (void)index; return NULL; }
static th_status invoke(void *state, th_call *call, const th_invocation *invocation) {
    (void)state; (void)call; (void)invocation;
    return TH_ERR_UNSUPPORTED;
}
static const void *get_extension(void *state, const char *id) {
    (void)state;
    return strcmp(id, TH_EXT_NATIVE_FUNCTIONS) == 0 ? &k_table : NULL;
}

static const th_plugin k_plugin = {
    TH_PLUGIN_MAGIC, sizeof(th_plugin), TH_ABI_MAJOR, TH_ABI_MINOR, 0,
    FIXTURE_ID, "Native fixture", "0.0.1", "typed functions for the host's tests",
    NULL, NULL, tool_count, tool_at, invoke, NULL, get_extension};

TH_EXPORT const th_plugin *th_plugin_entry_v1(void) { return &k_plugin; }
