/*
 * lft_port_test.c - deterministic test port (see lft_port_test.h).
 */
#include "lft_port_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lft_test_mutex = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int lft_test_held;      /* this thread holds the lock */
static _Thread_local void *lft_test_current;
static int lft_test_depth;                   /* guarded by lft_test_mutex */
static uint64_t lft_test_pairs;              /* guarded by lft_test_mutex */

static pthread_mutex_t lft_test_state_mutex = PTHREAD_MUTEX_INITIALIZER;
static uint64_t lft_test_mono = 1000000u;
static uint64_t lft_test_wall;
static uint64_t lft_test_rng = 0x1234567u;
static int lft_test_entropy_fails;

void lft_test_clock_set(uint64_t mono_us)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    lft_test_mono = mono_us;
    pthread_mutex_unlock(&lft_test_state_mutex);
}

void lft_test_clock_advance(uint64_t delta_us)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    lft_test_mono += delta_us;
    pthread_mutex_unlock(&lft_test_state_mutex);
}

void lft_test_wall_set(uint64_t unix_us)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    lft_test_wall = unix_us;
    pthread_mutex_unlock(&lft_test_state_mutex);
}

void lft_test_entropy_seed(uint64_t seed)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    lft_test_rng = seed;
    pthread_mutex_unlock(&lft_test_state_mutex);
}

void lft_test_entropy_fail(int fail)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    lft_test_entropy_fails = fail;
    pthread_mutex_unlock(&lft_test_state_mutex);
}

uint64_t lft_port_time_mono_us(void)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    uint64_t t = lft_test_mono;
    pthread_mutex_unlock(&lft_test_state_mutex);
    return t;
}

uint64_t lft_port_time_unix_us(void)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    uint64_t t = lft_test_wall;
    pthread_mutex_unlock(&lft_test_state_mutex);
    return t;
}

int lft_port_entropy(void *buf, size_t len)
{
    unsigned char *p = buf;
    pthread_mutex_lock(&lft_test_state_mutex);
    if (lft_test_entropy_fails) {
        pthread_mutex_unlock(&lft_test_state_mutex);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        /* splitmix64 step per byte: deterministic for a seed */
        uint64_t z = (lft_test_rng += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        p[i] = (unsigned char)(z ^ (z >> 31));
    }
    pthread_mutex_unlock(&lft_test_state_mutex);
    return 0;
}

uint32_t lft_port_lock(void)
{
    if (lft_test_held) {
        fprintf(stderr, "lft_port_test: lock entered twice by one thread (nesting)\n");
        abort();
    }
    pthread_mutex_lock(&lft_test_mutex);
    lft_test_held = 1;
    lft_test_depth++;
    return 0xA5A5u;
}

void lft_port_unlock(uint32_t state)
{
    if (!lft_test_held || state != 0xA5A5u) {
        fprintf(stderr, "lft_port_test: unlock without a matching lock\n");
        abort();
    }
    lft_test_depth--;
    lft_test_pairs++;
    lft_test_held = 0;
    pthread_mutex_unlock(&lft_test_mutex);
}

uint64_t lft_test_lock_count(void)
{
    pthread_mutex_lock(&lft_test_mutex);
    uint64_t n = lft_test_pairs;
    pthread_mutex_unlock(&lft_test_mutex);
    return n;
}

int lft_test_lock_depth(void)
{
    pthread_mutex_lock(&lft_test_mutex);
    int d = lft_test_depth;
    pthread_mutex_unlock(&lft_test_mutex);
    return d;
}

static uint64_t lft_test_slept;

void lft_port_sleep_ms(uint32_t ms)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    lft_test_mono += (uint64_t)ms * 1000u;
    lft_test_slept += ms;
    pthread_mutex_unlock(&lft_test_state_mutex);
}

uint64_t lft_test_slept_ms(void)
{
    pthread_mutex_lock(&lft_test_state_mutex);
    uint64_t v = lft_test_slept;
    pthread_mutex_unlock(&lft_test_state_mutex);
    return v;
}

void *lft_port_context_get(void)
{
    return lft_test_current;
}

void lft_port_context_set(void *current)
{
    lft_test_current = current;
}
