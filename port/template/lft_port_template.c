/*
 * lft_port_template.c - a copy-me lftrace port. Copy this file into your
 * firmware, replace each body with your platform's implementation, link it
 * next to lftrace, and check it with the steps in port/README.md.
 *
 * As shipped, every function is a valid but minimal implementation for a
 * single-threaded program without interrupts that record: a clock standing
 * still, no wall clock, no entropy (so lft_client_init returns
 * LFT_ERR_ENTROPY until lft_port_entropy is filled in), a no-op lock, an
 * immediate sleep and a static context slot. The full contracts are in
 * port/lft_port.h.
 */
#include "lft_port.h"

/*
 * Monotonic microseconds since boot. Never decreases, never wraps (extend a
 * 32-bit hardware counter to 64 bits, as port/baremetal does), never blocks.
 * Called with the lock held and from interrupt handlers that record.
 * Replace with: your timer, e.g. a 64-bit tick count times 1e6 / tick rate.
 */
uint64_t lft_port_time_mono_us(void)
{
    return 0;
}

/*
 * Unix time in microseconds, or 0 while the date is unknown. Sampled once
 * at lft_client_init; the application may supply the date later with
 * lft_time_set_unix_us, and the exporter learns it from the server's Date.
 * Replace with: your RTC or SNTP time, or keep returning 0.
 */
uint64_t lft_port_time_unix_us(void)
{
    return 0;
}

/*
 * Fill buf with len bytes of entropy and return 0, or return a negative
 * value when none is available. Seeds the id generator (and the TLS random
 * generator). Never called with the lock held, nor from interrupts.
 * Replace with: a hardware RNG, or a seed stored in flash and advanced at
 * every boot.
 */
int lft_port_entropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -1;
}

/*
 * Enter the critical section; return whatever lft_port_unlock needs to
 * restore the previous state. Held for one record copy, never nested by
 * lftrace, must not fail. Interrupt handlers that record need it to mask
 * interrupts (saving the previous mask); threads need a mutex.
 * Replace with: e.g. return __get_PRIMASK() after __disable_irq(), or
 * taskENTER_CRITICAL_FROM_ISR() on FreeRTOS.
 */
uint32_t lft_port_lock(void)
{
    return 0;
}

/*
 * Leave the critical section entered by the lft_port_lock call that
 * returned state (restore the saved mask; unlock the mutex).
 */
void lft_port_unlock(uint32_t state)
{
    (void)state;
}

/*
 * Wait about ms milliseconds, letting other work run. Used by a blocking
 * lft_flush between retries, never with the lock held. Returning at once is
 * allowed (super-loops drive lft_poll instead).
 * Replace with: vTaskDelay(pdMS_TO_TICKS(ms)), or a WFI loop on your clock.
 */
void lft_port_sleep_ms(uint32_t ms)
{
    (void)ms;
}

/* The calling thread's current observation slot (NULL until set). One
 * static pointer suits a single thread; RTOS ports use task-local storage.
 * Interrupt handlers must not use the context API. */
static void *lft_template_current;

void *lft_port_context_get(void)
{
    return lft_template_current;
}

void lft_port_context_set(void *current)
{
    lft_template_current = current;
}
