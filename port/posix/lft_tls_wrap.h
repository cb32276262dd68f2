/*
 * lft_tls_wrap.h - put every mbedTLS allocation into an lft_arena when
 * mbedTLS is a prebuilt static library without MBEDTLS_PLATFORM_MEMORY
 * (Debian's libmbedtls-dev: mbedtls_calloc is plain calloc).
 *
 * Link the program with the lftrace_tls_wrap target (CMake) - it adds
 *   -Wl,--wrap=calloc -Wl,--wrap=free
 * and links libmbedtls.a libmbedx509.a libmbedcrypto.a statically - then
 * every calloc/free call in the statically linked objects of the program
 * (mbedTLS, and the program's own) goes through __wrap_calloc /
 * __wrap_free here:
 *   - calloc comes from the installed arena, or from the C library
 *     (__real_calloc) while none is installed;
 *   - free gives a pointer back to whichever installed arena owns it and
 *     passes every other pointer to __real_free.
 * Shared libraries (libc itself, libpython, ...) are not affected.
 * When the arena is exhausted calloc returns NULL, which mbedTLS reports as
 * an allocation error (lft_tls gives LFT_ERR_NO_MEMORY); it never falls
 * back to the system heap.
 *
 * For mbedTLS builds with MBEDTLS_PLATFORM_MEMORY this file is not needed:
 * see lft_tls.h (mbedtls_platform_set_calloc_free).
 *
 * Thread context: any thread; the arena calls are serialised by one mutex.
 */
#ifndef LFT_TLS_WRAP_H
#define LFT_TLS_WRAP_H

#include "lft_arena.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many arenas free() checks: the installed one and the ones before it. */
#define LFT_TLS_WRAP_MAX_ARENAS 4

/*
 * Make a (initialised with lft_arena_init) the arena of every later calloc;
 * NULL returns calloc to the C library. Arenas installed earlier keep
 * taking back their own blocks on free (up to LFT_TLS_WRAP_MAX_ARENAS in
 * all, oldest forgotten first), so an arena can be replaced while blocks
 * from it are still live. An arena, and its buffer, must stay valid as
 * long as any block from it is live and for as long as it is remembered
 * (use static storage). Not callable from a calloc/free in progress.
 */
void lft_tls_wrap_install(lft_arena_t *a);

#ifdef __cplusplus
}
#endif
#endif /* LFT_TLS_WRAP_H */
