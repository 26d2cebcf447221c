#ifndef TOOLHOST_CFFI_SHIM_H
#define TOOLHOST_CFFI_SHIM_H
#include <errno.h>
#include <ffi.h>

/* libffi's type descriptors are mutable C globals, which Swift 6 refuses to touch from
 * concurrent code; these accessors hand out their (never written) addresses instead. */
static inline ffi_type *th_ffi_type_void(void) { return &ffi_type_void; }
static inline ffi_type *th_ffi_type_uint8(void) { return &ffi_type_uint8; }
static inline ffi_type *th_ffi_type_sint8(void) { return &ffi_type_sint8; }
static inline ffi_type *th_ffi_type_uint16(void) { return &ffi_type_uint16; }
static inline ffi_type *th_ffi_type_sint16(void) { return &ffi_type_sint16; }
static inline ffi_type *th_ffi_type_uint32(void) { return &ffi_type_uint32; }
static inline ffi_type *th_ffi_type_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *th_ffi_type_uint64(void) { return &ffi_type_uint64; }
static inline ffi_type *th_ffi_type_sint64(void) { return &ffi_type_sint64; }
static inline ffi_type *th_ffi_type_float(void) { return &ffi_type_float; }
static inline ffi_type *th_ffi_type_double(void) { return &ffi_type_double; }
static inline ffi_type *th_ffi_type_pointer(void) { return &ffi_type_pointer; }
static inline ffi_abi th_ffi_default_abi(void) { return FFI_DEFAULT_ABI; }
/* sizeof(ffi_arg): integer returns narrower than this are widened to it by libffi. */
static inline size_t th_ffi_arg_size(void) { return sizeof(ffi_arg); }

/* ffi_call with errno cleared just before the call and read just after it, so that nothing
 * the host runs in between (allocation, locks) can disturb the function's errno. */
static inline int th_ffi_call_errno(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue) {
    errno = 0;
    ffi_call(cif, fn, rvalue, avalue);
    return errno;
}

#endif
