/*
 * lft_port_baremetal.c - bare-metal port (see lft_port_baremetal.h).
 */
#include "lft_port_baremetal.h"

#if !defined(__arm__) && !defined(__riscv)
#error "lft_port_baremetal.c supports Cortex-M (__arm__) and RISC-V (__riscv) only"
#endif

/* How ticks become microseconds (chosen once by lft_baremetal_init). */
#define LFT_BM_US_NONE 0u   /* no tick source: the clock stands still */
#define LFT_BM_US_COPY 1u   /* 1 MHz: ticks are microseconds */
#define LFT_BM_US_DIV 2u    /* tick_hz is a multiple of 1 MHz: divide */
#define LFT_BM_US_MUL 3u    /* tick_hz divides 1 MHz: multiply */
#define LFT_BM_US_FRAC 4u   /* anything else: 64-bit arithmetic with a remainder */

/* One object, so the clock path loads a single base address. */
static struct {
    uint64_t us;         /* the extended clock */
    uint32_t mode;
    uint32_t last;       /* counter value at the previous reading */
    uint32_t factor;     /* DIV: ticks per us; MUL: us per tick */
    uint32_t rem;        /* DIV: ticks, FRAC: tick-microseconds not yet counted */
    void *current;       /* lft_port_context_get/set */
    lft_baremetal_config_t cfg;
} lft_bm;

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

/* Account the ticks since the previous reading for the modes other than
 * LFT_BM_US_COPY (nothing without a tick source). Interrupts masked. */
static void lft_bm_advance(void)
{
    if (lft_bm.mode == LFT_BM_US_NONE) {
        return;
    }
    const uint32_t now = lft_bm.cfg.ticks();
    const uint32_t delta = now - lft_bm.last; /* modulo 2^32: one wrap is fine */
    lft_bm.last = now;
    switch (lft_bm.mode) {
    case LFT_BM_US_DIV:
        lft_bm.us += delta / lft_bm.factor;
        lft_bm.rem += delta % lft_bm.factor;
        if (lft_bm.rem >= lft_bm.factor) {
            lft_bm.rem -= lft_bm.factor;
            lft_bm.us++;
        }
        break;
    case LFT_BM_US_MUL:
        lft_bm.us += (uint64_t)delta * lft_bm.factor;
        break;
    default: { /* LFT_BM_US_FRAC */
        const uint64_t t = (uint64_t)delta * 1000000u + lft_bm.rem;
        lft_bm.us += t / lft_bm.cfg.tick_hz;
        lft_bm.rem = (uint32_t)(t % lft_bm.cfg.tick_hz);
        break;
    }
    }
}

int lft_baremetal_init(const lft_baremetal_config_t *cfg)
{
    if (cfg == NULL || (cfg->ticks != NULL && cfg->tick_hz == 0u)) {
        return -1;
    }
    const uint32_t st = lft_port_lock();
    lft_bm.cfg = *cfg;
    lft_bm.rem = 0;
    if (cfg->ticks == NULL) {
        lft_bm.mode = LFT_BM_US_NONE;
    } else {
        if (cfg->tick_hz == 1000000u) {
            lft_bm.mode = LFT_BM_US_COPY;
        } else if (cfg->tick_hz % 1000000u == 0u) {
            lft_bm.mode = LFT_BM_US_DIV;
            lft_bm.factor = cfg->tick_hz / 1000000u;
        } else if (1000000u % cfg->tick_hz == 0u) {
            lft_bm.mode = LFT_BM_US_MUL;
            lft_bm.factor = 1000000u / cfg->tick_hz;
        } else {
            lft_bm.mode = LFT_BM_US_FRAC;
        }
        lft_bm.last = cfg->ticks();
    }
    lft_port_unlock(st);
    return 0;
}

void lft_baremetal_time_poll(void)
{
    (void)lft_port_time_mono_us();
}

uint64_t lft_port_time_mono_us(void)
{
    const uint32_t st = lft_port_lock();
    uint64_t us;
    if (lft_bm.mode == LFT_BM_US_COPY) { /* a 1 MHz timer: the record path's case */
        const uint32_t now = lft_bm.cfg.ticks();
        us = lft_bm.us + (now - lft_bm.last); /* modulo 2^32: one wrap is fine */
        lft_bm.last = now;
        lft_bm.us = us;
    } else {
        lft_bm_advance();
        us = lft_bm.us;
    }
    lft_port_unlock(st);
    return us;
}

uint64_t lft_port_time_unix_us(void)
{
    return lft_bm.cfg.unix_us != NULL ? lft_bm.cfg.unix_us() : 0u;
}

int lft_port_entropy(void *buf, size_t len)
{
    return lft_bm.cfg.entropy != NULL ? lft_bm.cfg.entropy(buf, len) : -1;
}

void lft_port_sleep_ms(uint32_t ms)
{
    if (lft_bm.mode == LFT_BM_US_NONE) {
        return; /* no clock to wait on */
    }
    const uint64_t until = lft_port_time_mono_us() + (uint64_t)ms * 1000u;
    while (lft_port_time_mono_us() < until) {
        if (lft_bm.cfg.idle != NULL) {
            lft_bm.cfg.idle();
        }
    }
}

void *lft_port_context_get(void)
{
    return lft_bm.current;
}

void lft_port_context_set(void *current)
{
    lft_bm.current = current;
}
