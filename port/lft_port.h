/*
 * lft_port.h - the functions an integrator provides to run lftrace on a platform.
 *
 * Bound at link time: link exactly one port library (lftrace_port_posix,
 * lftrace_port_test, or your own copy of port/template) next to lftrace.
 * Every function here may be called from any thread that records, and the
 * lock functions also from interrupt handlers on bare-metal ports.
 */
#ifndef LFT_PORT_H
#define LFT_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Monotonic time in microseconds since an arbitrary origin (boot).
 * Contract: never decreases; never blocks; callable with the lock held and
 * from interrupt context. Wrapping is not allowed (64 bits of microseconds
 * last 584,000 years).
 */
uint64_t lft_port_time_mono_us(void);

/*
 * Wall-clock time as microseconds since the Unix epoch, or 0 when the
 * platform does not know the date (no RTC, SNTP not yet answered).
 * lftrace never stamps a record from this value directly: it samples it once
 * to learn the offset between the monotonic and the wall clock. A port that
 * has no wall clock returns 0; the application then calls
 * lft_time_set_unix_us() (or, later, the exporter learns it from the server).
 */
uint64_t lft_port_time_unix_us(void);

/*
 * Fill buf with len bytes of entropy for seeding the id generator.
 * Returns 0 on success, a negative value when no entropy is available
 * (lft_client_init then fails with LFT_ERR_ENTROPY). Called from
 * lft_client_init, lft_export_init and lft_tls_init (seeding the TLS random
 * generator), never with the lock held.
 */
int lft_port_entropy(void *buf, size_t len);

/*
 * Enter the library's critical section and return a state token for
 * lft_port_unlock(). lftrace holds it for a bounded, short time (one record
 * copy) and never nests it. On bare metal this masks interrupts (PRIMASK)
 * and returns the previous mask; with threads it is a mutex and the token is
 * unused. Must not fail.
 */
uint32_t lft_port_lock(void);

/* Leave the critical section entered by the lft_port_lock() that returned state. */
void lft_port_unlock(uint32_t state);

/*
 * Sleep (yield the CPU) for about ms milliseconds. Used only by the
 * transports, never with the lock held: a blocking lft_flush() waits out a
 * retry backoff with it. A super-loop port that must not block may return
 * at once (lft_flush then polls until its deadline; prefer lft_poll there).
 */
void lft_port_sleep_ms(uint32_t ms);

/*
 * Per-thread (per-task) storage for one pointer: the current observation of
 * the calling thread, used for automatic parenting. get returns NULL until
 * set is called in that thread. On a single-threaded bare-metal target a
 * plain static variable is a valid implementation (interrupt handlers must
 * then not use the context API). RTOS ports map it to task-local storage
 * (FreeRTOS: vTaskSetThreadLocalStoragePointer).
 */
void *lft_port_context_get(void);
void lft_port_context_set(void *current);

#ifdef __cplusplus
}
#endif
#endif /* LFT_PORT_H */
