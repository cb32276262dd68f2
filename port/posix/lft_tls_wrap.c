/*
 * lft_tls_wrap.c - GNU ld --wrap glue routing calloc/free to an lft_arena
 * (see lft_tls_wrap.h).
 */
#include "lft_tls_wrap.h"

#include <pthread.h>
#include <stddef.h>

/* Provided by the linker under -Wl,--wrap=calloc,--wrap=free. */
void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);
/* Called instead of calloc/free by every wrapped object. */
void *__wrap_calloc(size_t n, size_t size);
void __wrap_free(void *p);

static pthread_mutex_t lft_wrap_mutex = PTHREAD_MUTEX_INITIALIZER;
static lft_arena_t *lft_wrap_current;                          /* guarded by the mutex */
static lft_arena_t *lft_wrap_known[LFT_TLS_WRAP_MAX_ARENAS];   /* [0] newest; guarded */

void lft_tls_wrap_install(lft_arena_t *a)
{
    (void)pthread_mutex_lock(&lft_wrap_mutex);
    lft_wrap_current = a;
    if (a != NULL) {
        size_t i = 0;
        while (i < LFT_TLS_WRAP_MAX_ARENAS - 1u && lft_wrap_known[i] != a) {
            i++;
        }
        /* move a to the front: shift [0, i) one down, dropping slot i */
        for (; i > 0; i--) {
            lft_wrap_known[i] = lft_wrap_known[i - 1u];
        }
        lft_wrap_known[0] = a;
    }
    (void)pthread_mutex_unlock(&lft_wrap_mutex);
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = NULL;
    int from_arena = 0;

    (void)pthread_mutex_lock(&lft_wrap_mutex);
    if (lft_wrap_current != NULL) {
        p = lft_arena_calloc(lft_wrap_current, n, size);
        from_arena = 1;
    }
    (void)pthread_mutex_unlock(&lft_wrap_mutex);
    return from_arena ? p : __real_calloc(n, size);
}

void __wrap_free(void *p)
{
    int owned = 0;

    if (p == NULL) {
        return;
    }
    (void)pthread_mutex_lock(&lft_wrap_mutex);
    for (size_t i = 0; i < LFT_TLS_WRAP_MAX_ARENAS && owned == 0 && lft_wrap_known[i] != NULL; i++) {
        /* 1: freed; -1: inside the arena but not a live block (counted there, ignored) */
        owned = lft_arena_free(lft_wrap_known[i], p);
    }
    (void)pthread_mutex_unlock(&lft_wrap_mutex);
    if (owned == 0) {
        __real_free(p);
    }
}
