/*
 * lft_port_test_bm.c - the deterministic test port (port/test/lft_port_test.h)
 * for single-threaded emulated targets: the same settable clock, seeded
 * entropy and balance-checking lock as port/test/lft_port_test.c, without
 * pthreads (the host version's mutexes only guard against other threads).
 * Entering the lock twice, or leaving it when not held, aborts the test.
 */
#include "lft_port_test.h"

#include <stdio.h>
#include <stdlib.h>

static int lft_test_held;
static uint64_t lft_test_pairs;
static void *lft_test_current;
static uint64_t lft_test_mono = 1000000u;
static uint64_t lft_test_wall;
static uint64_t lft_test_rng = 0x1234567u;
static int lft_test_entropy_fails;
static uint64_t lft_test_slept;

void lft_test_clock_set(uint64_t mono_us)
{
    lft_test_mono = mono_us;
}

void lft_test_clock_advance(uint64_t delta_us)
{
    lft_test_mono += delta_us;
}

void lft_test_wall_set(uint64_t unix_us)
{
    lft_test_wall = unix_us;
}

void lft_test_entropy_seed(uint64_t seed)
{
    lft_test_rng = seed;
}

void lft_test_entropy_fail(int fail)
{
    lft_test_entropy_fails = fail;
}

uint64_t lft_port_time_mono_us(void)
{
    return lft_test_mono;
}

uint64_t lft_port_time_unix_us(void)
{
    return lft_test_wall;
}

int lft_port_entropy(void *buf, size_t len)
{
    unsigned char *p = buf;
    if (lft_test_entropy_fails) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        /* splitmix64 step per byte: the same stream as the host test port */
        uint64_t z = (lft_test_rng += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        p[i] = (unsigned char)(z ^ (z >> 31));
    }
    return 0;
}

uint32_t lft_port_lock(void)
{
    if (lft_test_held) {
        fprintf(stderr, "lft_port_test: lock entered twice (nesting)\n");
        abort();
    }
    lft_test_held = 1;
    return 0xA5A5u;
}

void lft_port_unlock(uint32_t state)
{
    if (!lft_test_held || state != 0xA5A5u) {
        fprintf(stderr, "lft_port_test: unlock without a matching lock\n");
        abort();
    }
    lft_test_pairs++;
    lft_test_held = 0;
}

uint64_t lft_test_lock_count(void)
{
    return lft_test_pairs;
}

int lft_test_lock_depth(void)
{
    return lft_test_held;
}

void lft_port_sleep_ms(uint32_t ms)
{
    lft_test_mono += (uint64_t)ms * 1000u;
    lft_test_slept += ms;
}

uint64_t lft_test_slept_ms(void)
{
    return lft_test_slept;
}

void *lft_port_context_get(void)
{
    return lft_test_current;
}

void lft_port_context_set(void *current)
{
    lft_test_current = current;
}
