/*
 * test_arena.c - lft_arena against a reference model: random calloc/free
 * sequences (contents survive, no overlap, zeroed memory, exact counters),
 * exhaustion only when no free block fits, alignment, coalescing back to one
 * block, double-free, interior and foreign pointer detection.
 */
#include <stdint.h>

#include "lft_arena.h"
#include "lft_test.h"

#define ARENA_BYTES (64u * 1024u)
#define MAX_LIVE 256

static _Alignas(16) unsigned char arena_buf[ARENA_BYTES + 64];

typedef struct {
    unsigned char *p;
    size_t len;
    unsigned char fill;
} live_t;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* The block size the arena charges for a request of len bytes (without split slack). */
static size_t block_of(size_t len)
{
    size_t need = ((len + LFT_ARENA_ALIGN - 1u) / LFT_ARENA_ALIGN) * LFT_ARENA_ALIGN + LFT_ARENA_OVERHEAD;
    return need < LFT_ARENA_OVERHEAD + LFT_ARENA_ALIGN ? LFT_ARENA_OVERHEAD + LFT_ARENA_ALIGN : need;
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return 0;
        }
    }
    return 1;
}

static void test_random_against_model(void)
{
    lft_arena_t a;
    lft_arena_stats_t st;
    live_t live[MAX_LIVE];
    size_t nlive = 0;
    size_t min_in_use = 0; /* sum of block_of(len) over live blocks */
    uint32_t expect_allocs = 0, expect_frees = 0, expect_fail = 0;
    int bad = 0;

    lft_arena_init(&a, arena_buf + 3, ARENA_BYTES); /* misaligned on purpose */
    lft_arena_stats(&a, &st);
    LFT_CHECK(st.capacity >= ARENA_BYTES - 2u * LFT_ARENA_ALIGN - LFT_ARENA_OVERHEAD);
    LFT_CHECK(st.capacity <= ARENA_BYTES);
    LFT_CHECK_EQ(st.free_blocks, 1);
    size_t capacity = st.capacity;

    for (int step = 0; step < 100000 && !bad; step++) {
        int do_alloc = nlive == 0 || (nlive < MAX_LIVE && rng() % 100 < 55);
        if (do_alloc) {
            /* mostly small (bignum-like) sizes, sometimes large ones */
            size_t len = rng() % 8 == 0 ? rng() % 9000 : rng() % 200;
            lft_arena_stats(&a, &st);
            unsigned char *p = lft_arena_calloc(&a, 1, len);
            if (p == NULL) {
                expect_fail++;
                /* First fit fails only when no free block can hold the request. */
                if (st.largest_free >= ((len + LFT_ARENA_ALIGN - 1u) / LFT_ARENA_ALIGN) * LFT_ARENA_ALIGN) {
                    fprintf(stderr, "alloc %zu failed with a free block of %zu\n", len, st.largest_free);
                    bad = 1;
                }
                continue;
            }
            expect_allocs++;
            if ((uintptr_t)p % LFT_ARENA_ALIGN != 0) {
                bad = 1;
            }
            if (!all_bytes(p, len, 0)) {
                fprintf(stderr, "calloc memory not zeroed\n");
                bad = 1;
            }
            /* no overlap with any live block */
            for (size_t i = 0; i < nlive; i++) {
                uintptr_t a0 = (uintptr_t)live[i].p, a1 = a0 + (live[i].len ? live[i].len : 1);
                uintptr_t b0 = (uintptr_t)p, b1 = b0 + (len ? len : 1);
                if (a0 < b1 && b0 < a1) {
                    fprintf(stderr, "overlap\n");
                    bad = 1;
                }
            }
            unsigned char fill = (unsigned char)(1u + rng() % 254u);
            memset(p, fill, len);
            live[nlive].p = p;
            live[nlive].len = len;
            live[nlive].fill = fill;
            nlive++;
            min_in_use += block_of(len);
        } else {
            size_t i = rng() % nlive;
            if (!all_bytes(live[i].p, live[i].len, live[i].fill)) {
                fprintf(stderr, "contents of a live block changed\n");
                bad = 1;
            }
            LFT_CHECK_EQ(lft_arena_free(&a, live[i].p), 1);
            expect_frees++;
            min_in_use -= block_of(live[i].len);
            live[i] = live[--nlive];
        }
        lft_arena_stats(&a, &st);
        /* in_use counts whole blocks: at least the model's sum, at most one split slack per block */
        if (st.in_use < min_in_use ||
            st.in_use > min_in_use + nlive * (LFT_ARENA_OVERHEAD + LFT_ARENA_ALIGN) ||
            st.live != nlive || st.in_use > st.high_water || st.in_use + st.largest_free > capacity) {
            fprintf(stderr, "counters: in_use %zu model %zu live %u/%zu\n", st.in_use, min_in_use,
                    st.live, nlive);
            bad = 1;
        }
    }
    LFT_CHECK(!bad);
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.allocs, expect_allocs);
    LFT_CHECK_EQ(st.frees, expect_frees);
    LFT_CHECK_EQ(st.failures, expect_fail);
    LFT_CHECK(expect_fail > 0);      /* the run did reach exhaustion */
    LFT_CHECK(st.high_water > capacity / 2);
    LFT_CHECK_EQ(st.bad_frees, 0);

    /* free the rest in random order: everything coalesces back into one block */
    while (nlive > 0) {
        size_t i = rng() % nlive;
        LFT_CHECK(all_bytes(live[i].p, live[i].len, live[i].fill));
        LFT_CHECK_EQ(lft_arena_free(&a, live[i].p), 1);
        live[i] = live[--nlive];
    }
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.in_use, 0);
    LFT_CHECK_EQ(st.live, 0);
    LFT_CHECK_EQ(st.free_blocks, 1);
    LFT_CHECK_EQ(st.largest_free, capacity - LFT_ARENA_OVERHEAD);
}

static void test_exhaustion_and_overflow(void)
{
    static _Alignas(16) unsigned char buf[1024];
    lft_arena_t a;
    lft_arena_stats_t st;
    void *p[64];
    int n = 0;

    lft_arena_init(&a, buf, sizeof buf);
    lft_arena_stats(&a, &st);
    size_t cap = st.capacity;
    LFT_CHECK(lft_arena_calloc(&a, 1, cap) == NULL);          /* header does not fit */
    p[n] = lft_arena_calloc(&a, 1, cap - LFT_ARENA_OVERHEAD); /* exactly everything */
    LFT_CHECK(p[n] != NULL);
    LFT_CHECK(lft_arena_calloc(&a, 1, 1) == NULL);
    LFT_CHECK_EQ(lft_arena_free(&a, p[n]), 1);

    while (n < 64 && (p[n] = lft_arena_calloc(&a, 3, 5)) != NULL) {
        n++;
    }
    LFT_CHECK(n > 0 && n < 64);
    LFT_CHECK(lft_arena_calloc(&a, 1, 1) == NULL);
    LFT_CHECK(lft_arena_calloc(&a, SIZE_MAX / 2, 3) == NULL); /* n * size overflows */
    LFT_CHECK(lft_arena_calloc(&a, 1, SIZE_MAX) == NULL);     /* size + header overflows */
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.failures, 6);
    LFT_CHECK_EQ(st.high_water, cap);
    LFT_CHECK_EQ(lft_arena_free(&a, p[n - 1]), 1);
    lft_arena_reset_high_water(&a);
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.high_water, st.in_use);
    LFT_CHECK(st.high_water < cap);
    p[n - 1] = lft_arena_calloc(&a, 3, 5);
    LFT_CHECK(p[n - 1] != NULL);
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.high_water, cap);
    /* freeing every other block leaves holes that cannot merge... */
    for (int i = 0; i < n; i += 2) {
        LFT_CHECK_EQ(lft_arena_free(&a, p[i]), 1);
    }
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.free_blocks, (size_t)(n + 1) / 2);
    LFT_CHECK(st.largest_free < 3u * LFT_ARENA_ALIGN);
    LFT_CHECK(lft_arena_calloc(&a, 1, st.largest_free + 1) == NULL);
    /* ...until their neighbours go too */
    for (int i = 1; i < n; i += 2) {
        LFT_CHECK_EQ(lft_arena_free(&a, p[i]), 1);
    }
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.free_blocks, 1);
    LFT_CHECK_EQ(st.in_use, 0);

    /* zero-size requests give distinct, freeable pointers */
    void *z1 = lft_arena_calloc(&a, 0, 10);
    void *z2 = lft_arena_calloc(&a, 10, 0);
    LFT_CHECK(z1 != NULL && z2 != NULL && z1 != z2);
    LFT_CHECK_EQ(lft_arena_free(&a, z1), 1);
    LFT_CHECK_EQ(lft_arena_free(&a, z2), 1);

    /* a buffer too small for one block, and NULL, give arenas that always fail */
    lft_arena_init(&a, buf, 2u * LFT_ARENA_OVERHEAD);
    LFT_CHECK(lft_arena_calloc(&a, 1, 1) == NULL);
    lft_arena_init(&a, NULL, 4096);
    LFT_CHECK(lft_arena_calloc(&a, 1, 1) == NULL);
    LFT_CHECK_EQ(lft_arena_free(&a, buf), 0);
}

static void test_alignment(void)
{
    static _Alignas(16) unsigned char buf[4096 + 32];
    lft_arena_t a;

    for (size_t off = 0; off < 16; off++) {
        lft_arena_init(&a, buf + off, 4096);
        for (size_t len = 0; len < 40; len++) {
            unsigned char *p = lft_arena_calloc(&a, 1, len);
            LFT_CHECK(p != NULL);
            LFT_CHECK_EQ((uintptr_t)p % LFT_ARENA_ALIGN, 0);
            LFT_CHECK((uintptr_t)p >= (uintptr_t)(buf + off));
            LFT_CHECK((uintptr_t)p + len <= (uintptr_t)(buf + off + 4096));
        }
    }
}

static void test_coalescing_orders(void)
{
    static _Alignas(16) unsigned char buf[8192];
    lft_arena_t a;
    lft_arena_stats_t st;
    unsigned char *p[3];

    /* free middle, then left, then right; and the other orders */
    static const int orders[6][3] = { {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0} };
    for (int o = 0; o < 6; o++) {
        lft_arena_init(&a, buf, sizeof buf);
        /* blocks come from the top: the guard keeps the three off the end marker */
        void *guard = lft_arena_calloc(&a, 1, 8);
        for (int i = 0; i < 3; i++) {
            p[i] = lft_arena_calloc(&a, 1, 100u + 50u * (size_t)i);
        }
        for (int i = 0; i < 3; i++) {
            LFT_CHECK_EQ(lft_arena_free(&a, p[orders[o][i]]), 1);
        }
        lft_arena_stats(&a, &st);
        /* the three merged with each other and with the free space before them */
        LFT_CHECK_EQ(st.free_blocks, 1);
        LFT_CHECK_EQ(st.live, 1);
        /* and the merged block serves a request as large as all three */
        void *big = lft_arena_calloc(&a, 1, st.largest_free);
        LFT_CHECK(big != NULL);
        LFT_CHECK_EQ(lft_arena_free(&a, big), 1);
        LFT_CHECK_EQ(lft_arena_free(&a, guard), 1);
        lft_arena_stats(&a, &st);
        LFT_CHECK_EQ(st.free_blocks, 1);
        LFT_CHECK_EQ(st.in_use, 0);
    }
}

static void test_bad_frees(void)
{
    static _Alignas(16) unsigned char buf[4096];
    static unsigned char elsewhere[64];
    lft_arena_t a;
    lft_arena_stats_t st;
    int on_stack;

    lft_arena_init(&a, buf, sizeof buf);
    unsigned char *p = lft_arena_calloc(&a, 1, 64);
    unsigned char *q = lft_arena_calloc(&a, 1, 64);
    LFT_CHECK(p != NULL && q != NULL);

    LFT_CHECK_EQ(lft_arena_free(&a, NULL), 0);
    LFT_CHECK_EQ(lft_arena_free(&a, elsewhere), 0);      /* foreign: static */
    LFT_CHECK_EQ(lft_arena_free(&a, &on_stack), 0);      /* foreign: stack */
    LFT_CHECK_EQ(lft_arena_free(&a, p + 1), -1);         /* interior, misaligned */
    LFT_CHECK_EQ(lft_arena_free(&a, p + LFT_ARENA_ALIGN), -1); /* interior, aligned */
    LFT_CHECK_EQ(lft_arena_free(&a, buf), -1);           /* the first header itself */
    LFT_CHECK_EQ(lft_arena_free(&a, p), 1);
    LFT_CHECK_EQ(lft_arena_free(&a, p), -1);             /* double free */
    LFT_CHECK_EQ(lft_arena_free(&a, q), 1);
    LFT_CHECK_EQ(lft_arena_free(&a, q), -1);             /* double free after coalescing */
    lft_arena_stats(&a, &st);
    LFT_CHECK_EQ(st.bad_frees, 5);
    LFT_CHECK_EQ(st.frees, 2);
    LFT_CHECK_EQ(st.in_use, 0);
    LFT_CHECK_EQ(st.free_blocks, 1);
}

/* Determinism: the same calls give the same addresses. */
static void test_deterministic(void)
{
    static _Alignas(16) unsigned char buf[16384];
    lft_arena_t a;
    uintptr_t first[50];

    for (int run = 0; run < 2; run++) {
        lft_arena_init(&a, buf, sizeof buf);
        rng_state = 42;
        void *keep[50];
        for (int i = 0; i < 50; i++) {
            keep[i] = lft_arena_calloc(&a, 1, rng() % 300);
            if (i % 3 == 0) {
                lft_arena_free(&a, keep[i / 2]);
                keep[i / 2] = NULL;
            }
            if (run == 0) {
                first[i] = (uintptr_t)keep[i];
            } else {
                LFT_CHECK_EQ(first[i], (uintptr_t)keep[i]);
            }
        }
    }
}

int main(void)
{
    LFT_RUN(test_random_against_model);
    LFT_RUN(test_exhaustion_and_overflow);
    LFT_RUN(test_alignment);
    LFT_RUN(test_coalescing_orders);
    LFT_RUN(test_bad_frees);
    LFT_RUN(test_deterministic);
    return LFT_TEST_REPORT();
}
