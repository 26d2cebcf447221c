/* The ABI is header-only (include/toolhost.h); SwiftPM needs one source file per C target. */
#include "toolhost.h"
