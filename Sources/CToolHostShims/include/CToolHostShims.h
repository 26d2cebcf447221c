#ifndef CTOOLHOST_SHIMS_H
#define CTOOLHOST_SHIMS_H

/* Small C facilities the host needs that Swift's Glibc module does not import. */

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Gives the C library's free heap memory back to the system (glibc: malloc_trim, which also
 * releases free pages inside the heap, not only at its top). */
static inline void th_shim_trim_heap(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

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

/* A file descriptor that becomes readable when process `pid` (a child) ends (Linux 5.3+:
 * pidfd_open), or -1 with errno set (ENOSYS where the system has none). */
static inline int th_shim_pidfd_open(int pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* accept(2) with the new descriptor close-on-exec from the start (accept4 needs _GNU_SOURCE,
 * which Swift's Glibc module is built without): no runner started meanwhile inherits it. */
static inline int th_shim_accept_cloexec(int fd) {
#if defined(__linux__) && defined(SYS_accept4)
    /* SOCK_CLOEXEC is O_CLOEXEC on Linux (02000000); <sys/socket.h> is not included here, so
     * that its names stay Glibc's in Swift. */
    return (int)syscall(SYS_accept4, fd, (void *)0, (void *)0, 02000000);
#else
    (void)fd;
    errno = ENOSYS;
    return -1;
#endif
}

#endif /* CTOOLHOST_SHIMS_H */
