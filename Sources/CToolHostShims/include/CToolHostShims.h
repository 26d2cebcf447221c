#ifndef CTOOLHOST_SHIMS_H
#define CTOOLHOST_SHIMS_H

/* Small C facilities the executable needs that Swift's Glibc module does not import. */

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

/* Caps glibc's malloc arenas (mallopt M_ARENA_MAX). Returns 1 on success, 0 where the C
 * library has no such setting. */
static inline int th_shim_limit_malloc_arenas(int arenas) {
#if defined(M_ARENA_MAX)
    return mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}

#endif /* CTOOLHOST_SHIMS_H */
