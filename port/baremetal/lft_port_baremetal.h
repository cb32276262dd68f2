/*
 * lft_port_baremetal.h - lftrace port for bare-metal, single-core firmware:
 * Cortex-M (ARMv6-M such as Cortex-M0/M0+, ARMv7-M/ARMv7E-M such as M3/M4/M7,
 * ARMv8-M) and 32-bit RISC-V in machine mode.
 *
 * What it provides (the functions of lft_port.h):
 *   lock/unlock   masks interrupts: PRIMASK on Cortex-M (cpsid i), mstatus.MIE
 *                 on RISC-V. lft_port_lock returns the previous mask and
 *                 lft_port_unlock restores it, so a lock taken inside an
 *                 interrupt handler, or inside the application's own critical
 *                 section, leaves interrupts as it found them. Recording is
 *                 therefore safe from interrupt handlers while the main loop
 *                 records too. No LDREX/STREX, no atomics: the core needs none,
 *                 so Cortex-M0 works. Single core only.
 *   time          a 64-bit microsecond clock extended from a 32-bit tick
 *                 counter the application supplies (see lft_baremetal_config_t).
 *   wall clock    from an optional hook (RTC), else 0 ("unknown").
 *   entropy       from an application hook (TRNG, ADC noise, a seed kept in
 *                 flash); without one lft_client_init fails with LFT_ERR_ENTROPY.
 *   sleep         waits on the monotonic clock, calling an optional idle hook
 *                 (e.g. one that executes WFI) in the loop.
 *   context       one static pointer: interrupt handlers must not use the
 *                 context API (lft_context_*, lft_observe_*, NULL parents);
 *                 they pass explicit parents.
 *
 * Call lft_baremetal_init before lft_client_init.
 */
#ifndef LFT_PORT_BAREMETAL_H
#define LFT_PORT_BAREMETAL_H

#include <stddef.h>
#include <stdint.h>

#include "lft_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hooks and clock description. Zero (NULL) fields mean "not available". */
typedef struct {
    /*
     * Required for time: a free-running counter that increases by one every
     * 1/tick_hz seconds and wraps from 0xFFFFFFFF to 0 (a 1 kHz millisecond
     * counter incremented by a SysTick handler, a 32-bit hardware timer, ...).
     * Called with interrupts masked, from any context; must not block.
     * NULL: the clock stands still at 0 (records all carry time 0, and
     * lft_port_sleep_ms returns at once).
     */
    uint32_t (*ticks)(void);
    /* Counter frequency in Hz, 1 .. 4294967295 (required with ticks).
     * 1000000 (1 MHz) is the cheapest: no division at all. */
    uint32_t tick_hz;
    /* Optional: Unix time in microseconds (an RTC), or 0 while unknown. */
    uint64_t (*unix_us)(void);
    /* Optional: fill buf with len bytes of entropy and return 0, or return
     * a negative value when none is available. Called from lft_client_init
     * (and the TLS transport), never from an interrupt handler. */
    int (*entropy)(void *buf, size_t len);
    /* Optional: called repeatedly while lft_port_sleep_ms waits (e.g. a
     * function executing WFI, which needs an interrupt to wake it: a periodic
     * timer). NULL: busy-wait. */
    void (*idle)(void);
} lft_baremetal_config_t;

/*
 * Install cfg (copied). Call once, before lft_client_init and with no
 * recording in progress; calling it again restarts the clock extension from
 * the current counter value (the monotonic time carries on, never goes
 * back). Returns 0, or -1 when cfg is NULL or ticks is given with
 * tick_hz 0 (nothing is changed then).
 *
 * Wrap handling. The 32-bit counter wraps every 2^32 / tick_hz seconds
 * (49.7 days at 1 kHz, 71.6 minutes at 1 MHz, 2.9 minutes at 25 MHz). The
 * port extends it to 64 bits by adding the unsigned difference since the
 * previous reading, so it must be read at least once per wrap period:
 * every recording call reads it, and an application that may go quiet for
 * longer calls lft_baremetal_time_poll from a periodic interrupt (or its
 * main loop). A wrap that is not observed in time loses whole wrap periods
 * of time; the clock still never goes back.
 */
int lft_baremetal_init(const lft_baremetal_config_t *cfg);

/* Read the tick counter so that wraps are accounted (see lft_baremetal_init).
 * Callable from any context, including interrupt handlers. */
void lft_baremetal_time_poll(void);

#ifdef __cplusplus
}
#endif
#endif /* LFT_PORT_BAREMETAL_H */
