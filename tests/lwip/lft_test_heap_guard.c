/*
 * lft_test_heap_guard.c - no heap at all, proven at link time and counted.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,
 * every statically linked object of the NO_SYS test (lftrace, lwIP,
 * mbedTLS's static archives, the test itself) calls these instead of the C
 * library: malloc and realloc abort; calloc and free serve the TLS arena
 * only (mbedTLS's record buffers and handshake state) and abort on anything
 * else - a calloc before an arena is installed, a free of a pointer that is
 * not a live arena block.
 */
#include "lft_test_heap_guard.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_calloc(size_t n, size_t size);
void __wrap_free(void *p);

static lft_arena_t *guard_arena;
static lft_test_heap_counts_t guard_counts;

static void guard_die(const char *what)
{
    static const char prefix[] = "heap guard: forbidden ";
    (void)!write(2, prefix, sizeof prefix - 1u);
    (void)!write(2, what, strlen(what));
    (void)!write(2, "\n", 1);
    abort();
}

void lft_test_heap_guard_install(lft_arena_t *arena)
{
    guard_arena = arena;
}

void lft_test_heap_guard_counts(lft_test_heap_counts_t *out)
{
    *out = guard_counts;
}

void *__wrap_malloc(size_t n)
{
    (void)n;
    guard_counts.malloc_calls++;
    guard_die("malloc");
    return NULL;
}

void *__wrap_realloc(void *p, size_t n)
{
    (void)p;
    (void)n;
    guard_counts.realloc_calls++;
    guard_die("realloc");
    return NULL;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (guard_arena == NULL) {
        guard_counts.foreign_calls++;
        guard_die("calloc (no arena installed)");
    }
    void *p = lft_arena_calloc(guard_arena, n, size);
    guard_counts.arena_callocs++;
    if (p == NULL) {
        guard_counts.arena_failures++;
    }
    return p;
}

void __wrap_free(void *p)
{
    if (p == NULL) {
        return;
    }
    if (guard_arena == NULL || lft_arena_free(guard_arena, p) != 1) {
        guard_counts.foreign_calls++;
        guard_die("free (not an arena block)");
    }
    guard_counts.arena_frees++;
}
