#ifndef TOOLHOST_CFFI_SHIM_H
#define TOOLHOST_CFFI_SHIM_H
#include <ffi.h>
#endif
