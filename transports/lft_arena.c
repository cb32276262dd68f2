/*
 * lft_arena.c - first-fit allocator with boundary tags (see lft_arena.h).
 *
 * Layout of the aligned buffer:
 *   [hdr|payload][hdr|payload]...[end hdr]
 * Every header holds the size of the previous block (0 for the first) and
 * this block's size (header included, a multiple of LFT_ARENA_ALIGN) with
 * bit 0 set while the block is in use. The end header is a permanently used
 * block of size 0. A free block keeps its free-list links in its payload.
 */
#include "lft_arena.h"

#include <string.h>

typedef struct {
    size_t prev_size;  /* size of the block before this one, 0 for the first */
    size_t size;       /* this block's size incl. header; bit 0: in use */
} lft_arena_hdr_t;

typedef struct lft_arena_link {
    struct lft_arena_link *next;
    struct lft_arena_link *prev;
} lft_arena_link_t;

#define LFT_ARENA_USED ((size_t)1)
/* Smallest block: a header and room for the free-list links. */
#define LFT_ARENA_MIN_BLOCK (LFT_ARENA_OVERHEAD + LFT_ARENA_ALIGN)

static lft_arena_hdr_t *lft_arena_hdr(unsigned char *p)
{
    return (lft_arena_hdr_t *)(void *)p;
}

static lft_arena_link_t *lft_arena_link(lft_arena_hdr_t *h)
{
    return (lft_arena_link_t *)(void *)((unsigned char *)h + LFT_ARENA_OVERHEAD);
}

static lft_arena_hdr_t *lft_arena_link_hdr(lft_arena_link_t *l)
{
    return lft_arena_hdr((unsigned char *)l - LFT_ARENA_OVERHEAD);
}

static size_t lft_arena_size(const lft_arena_hdr_t *h)
{
    return h->size & ~LFT_ARENA_USED;
}

static lft_arena_hdr_t *lft_arena_next(lft_arena_hdr_t *h)
{
    return lft_arena_hdr((unsigned char *)h + lft_arena_size(h));
}

static void lft_arena_unlink(lft_arena_t *a, lft_arena_link_t *l)
{
    if (l->prev != NULL) {
        l->prev->next = l->next;
    } else {
        a->free_head = l->next;
    }
    if (l->next != NULL) {
        l->next->prev = l->prev;
    }
}

static void lft_arena_push(lft_arena_t *a, lft_arena_hdr_t *h)
{
    lft_arena_link_t *l = lft_arena_link(h);
    l->prev = NULL;
    l->next = a->free_head;
    if (l->next != NULL) {
        l->next->prev = l;
    }
    a->free_head = l;
}

void lft_arena_init(lft_arena_t *a, void *buf, size_t size)
{
    uintptr_t start;
    uintptr_t stop;

    memset(a, 0, sizeof *a);
    if (buf == NULL) {
        return;
    }
    start = ((uintptr_t)buf + (LFT_ARENA_ALIGN - 1u)) & ~(uintptr_t)(LFT_ARENA_ALIGN - 1u);
    stop = ((uintptr_t)buf + size) & ~(uintptr_t)(LFT_ARENA_ALIGN - 1u);
    if (stop < start || stop - start < LFT_ARENA_MIN_BLOCK + LFT_ARENA_OVERHEAD) {
        return;
    }
    a->base = (unsigned char *)buf + (start - (uintptr_t)buf);
    a->end = a->base + (stop - start - LFT_ARENA_OVERHEAD);

    lft_arena_hdr_t *first = lft_arena_hdr(a->base);
    first->prev_size = 0;
    first->size = (size_t)(a->end - a->base);
    lft_arena_hdr_t *end = lft_arena_hdr(a->end);
    end->prev_size = first->size;
    end->size = LFT_ARENA_USED;
    lft_arena_push(a, first);
}

void *lft_arena_calloc(lft_arena_t *a, size_t n, size_t size)
{
    size_t bytes;
    size_t need;
    lft_arena_link_t *l;

    if (size != 0 && n > SIZE_MAX / size) {
        a->failures++;
        return NULL;
    }
    bytes = n * size;
    if (bytes > SIZE_MAX - LFT_ARENA_OVERHEAD - LFT_ARENA_ALIGN) {
        a->failures++;
        return NULL;
    }
    need = (bytes + LFT_ARENA_ALIGN - 1u) & ~(size_t)(LFT_ARENA_ALIGN - 1u);
    need += LFT_ARENA_OVERHEAD;
    if (need < LFT_ARENA_MIN_BLOCK) {
        need = LFT_ARENA_MIN_BLOCK;
    }

    for (l = a->free_head; l != NULL; l = l->next) {
        lft_arena_hdr_t *h = lft_arena_link_hdr(l);
        size_t have = h->size; /* free: bit 0 clear */
        if (have < need) {
            continue;
        }
        lft_arena_hdr_t *blk;
        if (have - need >= LFT_ARENA_MIN_BLOCK) {
            /* Take the tail; the free block stays in the list, smaller. */
            h->size = have - need;
            blk = lft_arena_next(h);
            blk->prev_size = h->size;
            blk->size = need;
            lft_arena_next(blk)->prev_size = need;
        } else {
            lft_arena_unlink(a, l);
            blk = h;
            need = have;
        }
        blk->size = need | LFT_ARENA_USED;
        a->in_use += need;
        if (a->in_use > a->high_water) {
            a->high_water = a->in_use;
        }
        a->live++;
        a->allocs++;
        unsigned char *p = (unsigned char *)blk + LFT_ARENA_OVERHEAD;
        memset(p, 0, need - LFT_ARENA_OVERHEAD);
        return p;
    }
    a->failures++;
    return NULL;
}

/* Is h the header of a live block? Checks the tags on both sides. */
static int lft_arena_is_live(const lft_arena_t *a, lft_arena_hdr_t *h)
{
    size_t sz;

    if ((h->size & LFT_ARENA_USED) == 0) {
        return 0;
    }
    sz = lft_arena_size(h);
    if (sz < LFT_ARENA_MIN_BLOCK || sz % LFT_ARENA_ALIGN != 0 ||
        sz > (size_t)(a->end - (unsigned char *)h)) {
        return 0;
    }
    if (lft_arena_next(h)->prev_size != sz) {
        return 0;
    }
    if (h->prev_size == 0) {
        return (unsigned char *)h == a->base;
    }
    if (h->prev_size > (size_t)((unsigned char *)h - a->base)) {
        return 0;
    }
    return lft_arena_size(lft_arena_hdr((unsigned char *)h - h->prev_size)) == h->prev_size;
}

int lft_arena_free(lft_arena_t *a, void *p)
{
    unsigned char *q = p;
    lft_arena_hdr_t *h;
    lft_arena_hdr_t *next;

    if (q == NULL || a->base == NULL) {
        return 0;
    }
    /* Compare as integers: relational operators on unrelated pointers are undefined. */
    if ((uintptr_t)q < (uintptr_t)a->base || (uintptr_t)q >= (uintptr_t)a->end + LFT_ARENA_OVERHEAD) {
        return 0;
    }
    if ((size_t)(q - a->base) < LFT_ARENA_OVERHEAD ||
        (size_t)(q - a->base) % LFT_ARENA_ALIGN != 0 || q >= a->end) {
        a->bad_frees++;
        return -1;
    }
    h = lft_arena_hdr(q - LFT_ARENA_OVERHEAD);
    if (!lft_arena_is_live(a, h)) {
        a->bad_frees++;
        return -1;
    }

    size_t sz = lft_arena_size(h);
    a->in_use -= sz;
    a->live--;
    a->frees++;
    h->size = sz;

    next = lft_arena_next(h);
    if ((next->size & LFT_ARENA_USED) == 0) {
        lft_arena_unlink(a, lft_arena_link(next));
        h->size += next->size;
        lft_arena_next(h)->prev_size = h->size;
    }
    if (h->prev_size != 0) {
        lft_arena_hdr_t *prev = lft_arena_hdr((unsigned char *)h - h->prev_size);
        if ((prev->size & LFT_ARENA_USED) == 0) {
            /* prev stays in the free list; it just grows. */
            prev->size += h->size;
            lft_arena_next(prev)->prev_size = prev->size;
            return 1;
        }
    }
    lft_arena_push(a, h);
    return 1;
}

void lft_arena_reset_high_water(lft_arena_t *a)
{
    a->high_water = a->in_use;
}

void lft_arena_stats(const lft_arena_t *a, lft_arena_stats_t *out)
{
    const lft_arena_link_t *l;

    memset(out, 0, sizeof *out);
    if (a->base != NULL) {
        out->capacity = (size_t)(a->end - a->base);
    }
    out->in_use = a->in_use;
    out->high_water = a->high_water;
    for (l = a->free_head; l != NULL; l = l->next) {
        size_t sz = ((const lft_arena_hdr_t *)(const void *)
                     ((const unsigned char *)l - LFT_ARENA_OVERHEAD))->size;
        out->free_blocks++;
        if (sz - LFT_ARENA_OVERHEAD > out->largest_free) {
            out->largest_free = sz - LFT_ARENA_OVERHEAD;
        }
    }
    out->live = a->live;
    out->allocs = a->allocs;
    out->frees = a->frees;
    out->failures = a->failures;
    out->bad_frees = a->bad_frees;
}
