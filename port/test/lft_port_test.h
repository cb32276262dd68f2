/*
 * lft_port_test.h - a deterministic port for tests: a settable clock, seeded
 * entropy, and a lock that checks balance and nesting.
 *
 * The lock is a real pthread mutex (tests record from several threads) that
 * also counts: entering it twice from one thread, or leaving it when not
 * held, aborts the process with a message, so a test cannot pass while the
 * library misuses its critical section.
 */
#ifndef LFT_PORT_TEST_H
#define LFT_PORT_TEST_H

#include <stdint.h>

#include "lft_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Set the monotonic clock (microseconds). It then stays there unless advanced. */
void lft_test_clock_set(uint64_t mono_us);
/* Advance the monotonic clock by delta_us. */
void lft_test_clock_advance(uint64_t delta_us);
/* Set the wall clock reported by lft_port_time_unix_us (0 = unknown, the default). */
void lft_test_wall_set(uint64_t unix_us);
/* Seed the entropy stream (same seed, same ids). */
void lft_test_entropy_seed(uint64_t seed);
/* Make lft_port_entropy fail (nonzero) or succeed (0). */
void lft_test_entropy_fail(int fail);
/* lft_port_sleep_ms does not sleep here: it advances the monotonic clock by
 * ms and adds ms to a total, read with lft_test_slept_ms (backoff tests). */
uint64_t lft_test_slept_ms(void);
/* Total completed lock/unlock pairs, and the current depth (0 when balanced). */
uint64_t lft_test_lock_count(void);
int lft_test_lock_depth(void);

#ifdef __cplusplus
}
#endif
#endif /* LFT_PORT_TEST_H */
