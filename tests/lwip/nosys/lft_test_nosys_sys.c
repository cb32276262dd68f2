/*
 * lft_test_nosys_sys.c - what a NO_SYS 1 lwIP build needs from the
 * integrator, for the host (tests/lwip, examples/lwip): sys_now() in
 * milliseconds and the LWIP_RAND() source of arch/cc.h.
 */
#define _DEFAULT_SOURCE
#include <time.h>
#include <unistd.h>

#include "lwip/sys.h"

u32_t sys_now(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)((unsigned long long)ts.tv_sec * 1000u + (unsigned long long)ts.tv_nsec / 1000000u);
}

/* xorshift32 seeded once from the clock and the pid: distinct local ports
 * per run (a fixed sequence meets the last run's TIME_WAIT on the peer). */
unsigned int lft_test_nosys_rand(void);
unsigned int lft_test_nosys_rand(void)
{
    static u32_t x;
    if (x == 0) {
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        x = (u32_t)ts.tv_nsec ^ ((u32_t)getpid() << 16) ^ (u32_t)ts.tv_sec;
        x |= 1u;
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}
