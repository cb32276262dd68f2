/*
 * lft_port_baremetal.c - bare-metal port (see lft_port_baremetal.h).
 */
#include "lft_port_baremetal.h"

#if !defined(__arm__) && !defined(__riscv)
#error "lft_port_baremetal.c supports Cortex-M (__arm__) and RISC-V (__riscv) only"
#endif

/* How ticks become microseconds (chosen once by lft_baremetal_init). */
#define LFT_BM_US_NONE 0u   /* no tick source: the clock stands still */
#define LFT_BM_US_DIV 1u    /* tick_hz is a multiple of 1 MHz: divide (1 MHz: copy) */
#define LFT_BM_US_MUL 2u    /* tick_hz divides 1 MHz: multiply */
#define LFT_BM_US_FRAC 3u   /* anything else: 64-bit arithmetic with a remainder */

static lft_baremetal_config_t lft_bm_cfg;
static uint32_t lft_bm_mode;
static uint32_t lft_bm_factor;     /* DIV: ticks per us; MUL: us per tick */
static uint32_t lft_bm_last;       /* counter value at the previous reading */
static uint32_t lft_bm_rem;        /* DIV: ticks, FRAC: tick-microseconds not yet counted */
static uint64_t lft_bm_us;         /* the extended clock */
static void *lft_bm_current;       /* lft_port_context_get/set */

uint32_t lft_port_lock(void)
{
    uint32_t state;
#if defined(__arm__)
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(state) : : "memory");
#else
    /* bit 3 of mstatus is MIE; .option arch: assemblers that split out Zicsr */
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\t"
                     "csrrci %0, mstatus, 8\n\t.option pop"
                     : "=r"(state)
                     :
                     : "memory");
#endif
    return state;
}

void lft_port_unlock(uint32_t state)
{
#if defined(__arm__)
    __asm__ volatile("msr primask, %0" : : "r"(state) : "memory");
#else
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\t"
                     "csrs mstatus, %0\n\t.option pop"
                     :
                     : "r"(state & 8u)
                     : "memory");
#endif
}

/* Account the ticks since the previous reading. Interrupts masked. */
static void lft_bm_advance(void)
{
    const uint32_t now = lft_bm_cfg.ticks();
    const uint32_t delta = now - lft_bm_last; /* modulo 2^32: one wrap is fine */
    lft_bm_last = now;
    switch (lft_bm_mode) {
    case LFT_BM_US_DIV:
        if (lft_bm_factor == 1u) {
            lft_bm_us += delta;
        } else {
            lft_bm_us += delta / lft_bm_factor;
            lft_bm_rem += delta % lft_bm_factor;
            if (lft_bm_rem >= lft_bm_factor) {
                lft_bm_rem -= lft_bm_factor;
                lft_bm_us++;
            }
        }
        break;
    case LFT_BM_US_MUL:
        lft_bm_us += (uint64_t)delta * lft_bm_factor;
        break;
    case LFT_BM_US_FRAC: {
        const uint64_t t = (uint64_t)delta * 1000000u + lft_bm_rem;
        lft_bm_us += t / lft_bm_cfg.tick_hz;
        lft_bm_rem = (uint32_t)(t % lft_bm_cfg.tick_hz);
        break;
    }
    default:
        break;
    }
}

int lft_baremetal_init(const lft_baremetal_config_t *cfg)
{
    if (cfg == NULL || (cfg->ticks != NULL && cfg->tick_hz == 0u)) {
        return -1;
    }
    const uint32_t st = lft_port_lock();
    lft_bm_cfg = *cfg;
    lft_bm_rem = 0;
    if (cfg->ticks == NULL) {
        lft_bm_mode = LFT_BM_US_NONE;
    } else {
        if (cfg->tick_hz % 1000000u == 0u) {
            lft_bm_mode = LFT_BM_US_DIV;
            lft_bm_factor = cfg->tick_hz / 1000000u;
        } else if (1000000u % cfg->tick_hz == 0u) {
            lft_bm_mode = LFT_BM_US_MUL;
            lft_bm_factor = 1000000u / cfg->tick_hz;
        } else {
            lft_bm_mode = LFT_BM_US_FRAC;
        }
        lft_bm_last = cfg->ticks();
    }
    lft_port_unlock(st);
    return 0;
}

void lft_baremetal_time_poll(void)
{
    const uint32_t st = lft_port_lock();
    if (lft_bm_mode != LFT_BM_US_NONE) {
        lft_bm_advance();
    }
    lft_port_unlock(st);
}

uint64_t lft_port_time_mono_us(void)
{
    const uint32_t st = lft_port_lock();
    if (lft_bm_mode != LFT_BM_US_NONE) {
        lft_bm_advance();
    }
    const uint64_t us = lft_bm_us;
    lft_port_unlock(st);
    return us;
}

uint64_t lft_port_time_unix_us(void)
{
    return lft_bm_cfg.unix_us != NULL ? lft_bm_cfg.unix_us() : 0u;
}

int lft_port_entropy(void *buf, size_t len)
{
    return lft_bm_cfg.entropy != NULL ? lft_bm_cfg.entropy(buf, len) : -1;
}

void lft_port_sleep_ms(uint32_t ms)
{
    if (lft_bm_mode == LFT_BM_US_NONE) {
        return; /* no clock to wait on */
    }
    const uint64_t until = lft_port_time_mono_us() + (uint64_t)ms * 1000u;
    while (lft_port_time_mono_us() < until) {
        if (lft_bm_cfg.idle != NULL) {
            lft_bm_cfg.idle();
        }
    }
}

void *lft_port_context_get(void)
{
    return lft_bm_current;
}

void lft_port_context_set(void *current)
{
    lft_bm_current = current;
}
