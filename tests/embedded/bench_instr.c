/*
 * bench_instr.c - guest instructions per recording call on an emulated
 * Cortex-M or RISC-V (a benchmark: it prints figures and exits 0 unless a
 * call fails).
 *
 * Method: QEMU runs with -icount shift=0, so every guest instruction takes
 * exactly 1 ns of virtual time. On Cortex-M, SysTick (processor clock, no
 * interrupt) counts that time at LFT_EMB_SYSTICK_HZ (mps2: 25 MHz, i.e. one
 * tick per 40 instructions; microbit: 16 MHz, 62.5); on RISC-V the instret
 * counter counts the instructions themselves (QEMU derives it from icount).
 * Each figure is the counter's delta over OPS calls, converted to
 * instructions, minus the same loop calling an empty function with the same
 * arguments, divided by OPS: the average cost of one call including the
 * port (lock, unlock, clock read). The result is the same in every run.
 * Instructions, not cycles: QEMU models no pipeline or wait states.
 *
 * Port: port/baremetal with a 1 MHz tick source (no division on the clock
 * path); names and usage keys as a typical firmware passes them. Copied
 * strings go through the libc's strlen and memcpy, whose cost depends on the
 * strings' alignment: a figure with copied strings moves by a few dozen
 * instructions when the image's layout does.
 *
 * It also prints the stack each kind of call used, measured by painting
 * (stack_paint, stack_peak), including the library's libc leaves.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lft_port_baremetal.h"
#include "lft_record.h"
#include "lftrace.h"

#define OPS 64u

static uint8_t ring[6144];
static lft_client_t client;
static lft_trace_t trace;
static lft_obs_t obs[OPS];
static volatile uint32_t timer_us; /* a free-running 1 MHz hardware counter, frozen */

static uint32_t timer_read(void)
{
    return timer_us;
}

static int fixed_entropy(void *buf, size_t len)
{
    memset(buf, 0xA7, len);
    return 0;
}

#if defined(__riscv)
#define BENCH_GOAL(g) 0u /* the goals are for Thumb-2 */

/* The instret counter. Not inlined, like the Arm one. */
__attribute__((noinline)) static uint32_t ticks_now(void)
{
    uint32_t n;
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrr %0, instret\n\t.option pop"
                     : "=r"(n));
    return n;
}

static void counter_start(void)
{
    /* instret counts from reset: nothing to start */
}

/* Instructions elapsed between two instret readings, times 1000. */
static uint64_t milli_instructions(uint32_t before, uint32_t after)
{
    return (uint64_t)(after - before) * 1000u;
}
#else
#define BENCH_GOAL(g) (g)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* The SysTick counter (down). Not inlined: tests/embedded/masked.py finds
 * the measured stretches between its calls (in pairs: start, stop). */
__attribute__((noinline)) static uint32_t ticks_now(void)
{
    return SYST_CVR;
}

static void counter_start(void)
{
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u; /* enable, processor clock, no interrupt */
}

/* Instructions elapsed between two SysTick readings, times 1000. */
static uint64_t milli_instructions(uint32_t before, uint32_t after)
{
    const uint32_t ticks = (before - after) & 0xFFFFFFu;
    return (uint64_t)ticks * 1000000000000ull / LFT_EMB_SYSTICK_HZ;
}
#endif

static uint64_t baseline_mi; /* the measuring loop around an empty call */
static uint64_t empty_mi;    /* two readings back to back */

__attribute__((noinline)) static lft_err_t empty_call(lft_obs_t *o, lft_obs_t *p, const char *n,
                                                      const lft_obs_opts_t *opts)
{
    __asm__ volatile("" : : "r"(o), "r"(p), "r"(n), "r"(opts) : "memory");
    return LFT_OK;
}

static unsigned failures;

/*
 * Stack, measured by painting: stack_paint fills the PAINT_BYTES below
 * main's stack pointer (but the PAINT_GUARD bytes just below it, where
 * stack_paint's and stack_peak's own frames go) with PAINT_WORD; the calls
 * made from main run; stack_peak finds the deepest word they changed. What
 * it returns is the stack of those calls, all their callees included, in
 * this build (-Os, the same flags as the library). Only recording calls and
 * ticks_now (a leaf) run in between. Printed after the instruction figures.
 */
#define PAINT_WORD 0xA5A5A5A5u
#define PAINT_BYTES 1024u
#define PAINT_GUARD 32u
#define STACK_FIGURES 10u

static struct {
    const char *what;
    unsigned bytes;
} stack_fig[STACK_FIGURES];
static unsigned stack_figs;

/* The stack pointer of the function this is inlined into. */
static inline __attribute__((always_inline)) uintptr_t stack_pointer(void)
{
    uintptr_t sp;
#if defined(__riscv)
    __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
    return sp;
}

__attribute__((noinline)) static void stack_paint(uintptr_t sp)
{
    for (volatile uint32_t *w = (volatile uint32_t *)(sp - PAINT_BYTES);
         w < (volatile uint32_t *)(sp - PAINT_GUARD); w++) {
        *w = PAINT_WORD;
    }
}

/* Record what used the bytes below sp since stack_paint(sp). */
__attribute__((noinline)) static void stack_peak(uintptr_t sp, const char *what)
{
    const volatile uint32_t *w = (const volatile uint32_t *)(sp - PAINT_BYTES);
    while (w < (const volatile uint32_t *)(sp - PAINT_GUARD) && *w == PAINT_WORD) {
        w++;
    }
    if (w == (const volatile uint32_t *)(sp - PAINT_BYTES)) {
        printf("%s: more than %u B of stack (the painted area)\n", what, PAINT_BYTES);
        failures++;
    }
    if (stack_figs < STACK_FIGURES) {
        stack_fig[stack_figs].what = what;
        stack_fig[stack_figs].bytes = (unsigned)(sp - (uintptr_t)w);
        stack_figs++;
    }
}

static void stack_report(void)
{
    printf("stack of the recording calls, measured (painted, deepest byte below the caller)\n");
    for (unsigned i = 0; i < stack_figs; i++) {
        printf("  %-38s %4u B\n", stack_fig[i].what, stack_fig[i].bytes);
    }
}

/* Print what cost mi over n calls (or records), less base (the measuring
 * code's own cost), with goal when not 0. */
static void report_n(const char *what, uint64_t mi, uint64_t base, unsigned n, const char *unit,
                     unsigned goal)
{
    const uint64_t net = mi > base ? mi - base : 0;
    const unsigned long whole = (unsigned long)(net / 1000u / n);
    const unsigned long tenth = (unsigned long)(net / 100u / n % 10u);
    if (goal != 0) {
        printf("  %-34s %5lu.%lu instructions/%s   goal <= %u: %s\n", what, whole, tenth, unit, goal,
               whole < goal || (whole == goal && tenth == 0) ? "met" : "NOT met");
    } else {
        printf("  %-34s %5lu.%lu instructions/%s\n", what, whole, tenth, unit);
    }
}

/* One of the OPS-call loops. */
static void report(const char *what, uint64_t mi, unsigned goal)
{
    report_n(what, mi, baseline_mi, OPS, "call", goal);
}

static void drain(void)
{
    lft_reader_t rd;
    lft_record_t rec;
    if (lft_reader_begin(&client, &rd) != LFT_OK) {
        failures++;
        return;
    }
    while (lft_reader_next(&rd, &rec)) {
        if (lft_reader_is_ended(&rd, &rec)) {
            (void)lft_reader_release(&rd, &rec);
        }
    }
    (void)lft_reader_end(&rd);
}

/* The slow end: a span whose START was moved (LFT_DROP_OLDEST rotated it
 * to the head while events overwrote the ring), so its handle's hint is
 * stale and the END searches the whole ring under the lock. One call, on a
 * full ring of events. */
static int end_of_moved_span(void)
{
    const lft_baremetal_config_t pc = { timer_read, 1000000u, NULL, fixed_entropy, NULL };
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.drop_policy = LFT_DROP_OLDEST;
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    lft_obs_t gen = LFT_OBS_INIT;
    lft_stats_t st;
    const uintptr_t sp = stack_pointer();
    if (lft_client_deinit(&client) != LFT_OK || lft_baremetal_init(&pc) != 0 ||
        lft_client_init(&client, &cfg) != LFT_OK || lft_trace_start(&client, &t, "moved", NULL) != LFT_OK ||
        LFT_SPAN_START(&span, &t, "long") != LFT_OK || LFT_GENERATION_START(&gen, &t, "llm") != LFT_OK ||
        lft_generation_first_token(&gen) != LFT_OK) {
        printf("setup of the moved span failed\n");
        return 1;
    }
    /* until the STARTs (and the first token's UPDATE) have moved and the
     * ring is full of events again: each event's room is made by the
     * reclaim of LFT_DROP_OLDEST, the deepest record path */
    stack_paint(sp);
    for (unsigned i = 0; i < 3u * sizeof ring / 35u; i++) {
        (void)LFT_EVENT(&span, "tick");
    }
    stack_peak(sp, "event, ring full (LFT_DROP_OLDEST)");
    (void)lft_client_stats(&client, &st);
    const unsigned records = (unsigned)st.pending_records;
    stack_paint(sp);
    uint32_t t0 = ticks_now();
    const lft_err_t err = lft_obs_end(&span, NULL);
    uint32_t t1 = ticks_now();
    stack_peak(sp, "span end, START moved");
    char what[48];
    snprintf(what, sizeof what, "span end, START moved (%u records)", records);
    report_n(what, milli_instructions(t0, t1), empty_mi, 1, "call", 0);
    if (err != LFT_OK || st.moved == 0 || st.dropped_overwritten == 0) {
        printf("the moved span's end failed (%d; %lu moved)\n", (int)err, (unsigned long)st.moved);
        return 1;
    }
    if (lft_obs_end(&gen, NULL) != LFT_OK) {
        printf("the moved generation's end failed\n");
        return 1;
    }
    return 0;
}

int main(void)
{
    const uintptr_t sp = stack_pointer();
    const lft_baremetal_config_t pc = { timer_read, 1000000u, NULL, fixed_entropy, NULL };
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    if (lft_baremetal_init(&pc) != 0 || lft_client_init(&client, &cfg) != LFT_OK ||
        lft_trace_start(&client, &trace, "bench", NULL) != LFT_OK) {
        printf("setup failed\n");
        return 1;
    }
    counter_start();

    uint32_t t0, t1;
    lft_err_t err = LFT_OK;

    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= empty_call(&obs[i], &trace, "step", NULL);
    }
    t1 = ticks_now();
    baseline_mi = milli_instructions(t0, t1);
    t0 = ticks_now();
    t1 = ticks_now();
    empty_mi = milli_instructions(t0, t1);

#if defined(__riscv)
    printf("instructions per call (%s, instret under -icount shift=0, %u calls each)\n",
           LFT_EMB_TARGET_NAME, OPS);
#else
    printf("instructions per call (%s, SysTick at %lu Hz under -icount shift=0, %u calls each)\n",
           LFT_EMB_TARGET_NAME, (unsigned long)LFT_EMB_SYSTICK_HZ, OPS);
#endif

    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= LFT_SPAN_START(&obs[i], &trace, "step");
    }
    t1 = ticks_now();
    stack_peak(sp, "span start (LFT_SPAN_START, literal)");
    report("span start (LFT_SPAN_START, literal)", milli_instructions(t0, t1), BENCH_GOAL(80));

    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_obs_end(&obs[i], NULL);
    }
    t1 = ticks_now();
    stack_peak(sp, "span end (no options)");
    report("span end (no options)", milli_instructions(t0, t1), BENCH_GOAL(150));
    drain();

    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_span_start(&obs[i], &trace, "step", NULL);
    }
    t1 = ticks_now();
    stack_peak(sp, "span start (name copied, no options)");
    report("span start (name copied, no options)", milli_instructions(t0, t1), 0);
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_obs_end(&obs[i], NULL);
    }
    drain();

    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= LFT_EVENT(&trace, "tick");
    }
    t1 = ticks_now();
    stack_peak(sp, "event (LFT_EVENT, literal)");
    report("event (LFT_EVENT, literal)", milli_instructions(t0, t1), 0);
    t0 = ticks_now();
    drain(); /* the OPS events are released, the open trace is passed over */
    t1 = ticks_now();
    report_n("reader pass (next, release)", milli_instructions(t0, t1), empty_mi, OPS, "record", 0);

    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_event(&trace, "tick", NULL);
    }
    t1 = ticks_now();
    stack_peak(sp, "event (name copied, no options)");
    report("event (name copied, no options)", milli_instructions(t0, t1), 0);
    drain();

    static const lft_usage_t usage[] = { { "input", 120u }, { "output", 36u } };
    lft_obs_opts_t end;
    memset(&end, 0, sizeof end);
    end.usage = usage;
    end.usage_count = 2;
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_generation_start(&obs[i], &trace, "llm", NULL);
    }
    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_generation_first_token(&obs[i]);
    }
    t1 = ticks_now();
    stack_peak(sp, "generation first token");
    report("generation first token", milli_instructions(t0, t1), 0);
    stack_paint(sp);
    t0 = ticks_now();
    for (unsigned i = 0; i < OPS; i++) {
        err |= lft_obs_end(&obs[i], &end);
    }
    t1 = ticks_now();
    stack_peak(sp, "generation end (usage input+output)");
    report("generation end (usage input+output)", milli_instructions(t0, t1), 0);
    drain();

    lft_stats_t st;
    (void)lft_client_stats(&client, &st);
    if (err != LFT_OK || failures != 0 || st.dropped_ring_full != 0) {
        printf("a recording call failed (%d)\n", (int)err);
        return 1;
    }
    const int moved = end_of_moved_span();
    stack_report();
    return moved != 0 || failures != 0;
}
