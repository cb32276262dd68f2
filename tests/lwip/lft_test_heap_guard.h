/*
 * lft_test_heap_guard.h - malloc/calloc/realloc/free wrapped so that the
 * only allocator of the program is one lft_arena (see
 * lft_test_heap_guard.c; link with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=free).
 */
#ifndef LFT_TEST_HEAP_GUARD_H
#define LFT_TEST_HEAP_GUARD_H

#include <stdint.h>

#include "lft_arena.h"

typedef struct {
    uint32_t malloc_calls;   /* each one aborted */
    uint32_t realloc_calls;  /* each one aborted */
    uint32_t foreign_calls;  /* calloc without arena, free of a foreign pointer: aborted */
    uint32_t arena_callocs;  /* calloc served by the arena (NULL included) */
    uint32_t arena_failures; /* of those, returned NULL (arena exhausted) */
    uint32_t arena_frees;    /* free of a live arena block */
} lft_test_heap_counts_t;

/* calloc/free go to arena from now on (NULL: every calloc aborts). */
void lft_test_heap_guard_install(lft_arena_t *arena);

/* Copy the counters. */
void lft_test_heap_guard_counts(lft_test_heap_counts_t *out);

#endif /* LFT_TEST_HEAP_GUARD_H */
