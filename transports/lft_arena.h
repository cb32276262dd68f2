/*
 * lft_arena.h - a small deterministic allocator over one caller-provided
 * buffer, with calloc/free semantics. It holds every allocation mbedTLS makes
 * (see lft_tls.h), so that TLS never touches the system heap.
 *
 * Algorithm: boundary-tagged blocks, a doubly linked free list searched
 * first-fit, allocation from the tail of the first free block that fits
 * (O(1) split), immediate coalescing of free neighbours on free. A block costs
 * LFT_ARENA_OVERHEAD bytes of header and its payload is rounded up to
 * LFT_ARENA_ALIGN (16 on 64-bit targets, 8 on 32-bit ones); every returned
 * pointer is LFT_ARENA_ALIGN-aligned. The same sequence of calls always gives
 * the same addresses and the same statistics.
 *
 * Thread context: an arena is not locked. Use one from one thread at a time,
 * or serialise the calls (lft_tls_wrap.c holds a mutex around them).
 * No function here blocks or calls the system allocator.
 */
#ifndef LFT_ARENA_H
#define LFT_ARENA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Alignment of every pointer lft_arena_calloc returns, and its rounding unit. */
#define LFT_ARENA_ALIGN (2u * sizeof(size_t))
/* Bytes of bookkeeping in front of every block. */
#define LFT_ARENA_OVERHEAD (2u * sizeof(size_t))

/* Counters; in_use and high_water count whole blocks (header + rounded payload). */
typedef struct {
    size_t capacity;     /* usable bytes after aligning the buffer (minus the end marker) */
    size_t in_use;       /* bytes held by live blocks */
    size_t high_water;   /* largest in_use since lft_arena_init or lft_arena_reset_high_water */
    size_t largest_free; /* largest block lft_arena_calloc could return now, in payload bytes */
    size_t free_blocks;  /* number of free blocks (1 after everything was freed) */
    uint32_t live;       /* live allocations */
    uint32_t allocs;     /* successful lft_arena_calloc calls */
    uint32_t frees;      /* successful lft_arena_free calls (p != NULL) */
    uint32_t failures;   /* lft_arena_calloc calls that returned NULL (exhausted or overflow) */
    uint32_t bad_frees;  /* lft_arena_free calls with an arena pointer that is not a live block */
} lft_arena_stats_t;

/* An arena. The fields are private: read them through lft_arena_stats(). */
typedef struct {
    unsigned char *base;  /* first block header */
    unsigned char *end;   /* end marker header (last LFT_ARENA_OVERHEAD bytes) */
    void *free_head;      /* first free block */
    size_t in_use;
    size_t high_water;
    uint32_t live;
    uint32_t allocs;
    uint32_t frees;
    uint32_t failures;
    uint32_t bad_frees;
} lft_arena_t;

/*
 * Make buf[0..size) one arena. The arena keeps using buf until it is no
 * longer used (the caller owns buf and must keep it alive and untouched
 * meanwhile). The buffer is aligned inward to LFT_ARENA_ALIGN; a buffer
 * too small to hold one block (or NULL) gives an arena where every
 * lft_arena_calloc fails. Re-initialising forgets every earlier block.
 * a must not be NULL.
 */
void lft_arena_init(lft_arena_t *a, void *buf, size_t size);

/*
 * Allocate n * size zeroed bytes, LFT_ARENA_ALIGN-aligned, like calloc.
 * n * size == 0 allocates a minimal block (a unique pointer, to be freed).
 * Returns NULL, and counts a failure, when n * size overflows or no free
 * block is large enough. Time: linear in the number of free blocks, plus
 * zeroing.
 */
void *lft_arena_calloc(lft_arena_t *a, size_t n, size_t size);

/*
 * Free p. Returns 1 when p was a live block of this arena (freed and merged
 * with free neighbours), 0 when p is NULL (nothing to do) or lies outside
 * the arena's buffer (not ours: the caller hands it to whoever owns it), and
 * -1 when p lies inside the buffer but is not the start of a
 * live block (double free, interior pointer): nothing is changed and
 * bad_frees is counted. Time: O(1).
 */
int lft_arena_free(lft_arena_t *a, void *p);

/* Start a new high-water measurement: high_water = in_use (to measure the
 * peak of one phase, such as one handshake). */
void lft_arena_reset_high_water(lft_arena_t *a);

/* Fill *out with the current counters; walks the free list (O(free blocks)). */
void lft_arena_stats(const lft_arena_t *a, lft_arena_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* LFT_ARENA_H */
