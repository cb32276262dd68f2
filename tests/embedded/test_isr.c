/*
 * test_isr.c - recording from an interrupt handler while the main loop
 * records too, on an emulated Cortex-M (port/baremetal's PRIMASK lock) or
 * RISC-V (its mstatus.MIE lock).
 *
 * A timer interrupt (Cortex-M: SysTick; RISC-V: the virt machine's CLINT
 * timer at 10 MHz) fires every TIMER_PERIOD ticks, about 10000 instructions
 * under -icount shift=0 (15700 on microbit), and records one event with a
 * sequence number under the trace (and, every other tick, one more through
 * the fast path, LFT_EVENT); the main loop records spans (start and end,
 * each carrying its index) under the same trace and drains the ring with a
 * reader between spans. Checked:
 *   - every record decodes, every field is well formed and carries the
 *     expected name and number (no torn or interleaved record);
 *   - events appear in interrupt order, each exactly once; span starts and
 *     ends appear in loop order, each end after its start with its serial;
 *   - what was read equals what the calls reported as recorded, and the
 *     client's counters agree (recorded, dropped, pending 0 at the end);
 *   - interrupts really landed inside recording calls (many times);
 *   - the lock nests (restores the previous mask) and leaves interrupts
 *     enabled; the tick extension handles a 32-bit wrap and every
 *     tick-rate conversion exactly.
 * Then the same under LFT_DROP_OLDEST on a ring far too small for what is
 * recorded between drains (test_drop_oldest): the ring makes room all the
 * time, moving the open records (the trace's, a long span's, a generation's
 * START and its first-token UPDATE) and dropping ended ones, while the
 * interrupt records into it and the main loop records spans both ways (with
 * options, and by LFT_SPAN_START and lft_obs_end without). Checked: no open record is ever dropped and
 * each is read once, with its fields; what is read is in order, each record
 * at most once; every recorded record is read or counted as overwritten.
 * Exit status 0 on success, 1 on a failed check, 139 on a fault, 124 from
 * timeout when it hangs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_port_baremetal.h"
#include "lft_record.h"
#include "lftrace.h"

#if defined(__riscv)
/* QEMU virt's CLINT: the machine timer, 10 MHz of virtual time */
#define MTIMECMP_LO (*(volatile uint32_t *)0x02004000u)
#define MTIMECMP_HI (*(volatile uint32_t *)0x02004004u)
#define MTIME_LO (*(volatile uint32_t *)0x0200BFF8u)
#define MTIME_HI (*(volatile uint32_t *)0x0200BFFCu)
#define TIMER_HZ 10000000u
#define TIMER_PERIOD 101u /* ticks per interrupt (prime: drifts across the record path) */
#else
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define TIMER_HZ LFT_EMB_SYSTICK_HZ
#define TIMER_PERIOD 251u /* ticks per interrupt (prime: drifts across the record path) */
#endif
#define SPANS 2000u
#define DRAIN_EVERY 4u

static unsigned long checks, failures;
#define CHECK(cond)                                                                 \
    do {                                                                            \
        checks++;                                                                   \
        if (!(cond)) {                                                              \
            failures++;                                                             \
            if (failures < 20) {                                                    \
                printf("test_isr.c:%d: check failed: %s\n", __LINE__, #cond);      \
            }                                                                       \
        }                                                                           \
    } while (0)

static uint8_t ring[4096];
static lft_client_t client;
static lft_trace_t trace;

static volatile uint32_t isr_ticks;      /* timer interrupts so far: the port's tick */
static volatile uint32_t isr_calls, isr_ok, isr_fail;
static volatile uint32_t tock_ok, tock_fail; /* the fast path's events (LFT_EVENT, no options) */
static volatile uint32_t in_record;      /* main loop is inside a recording call */
static volatile uint32_t isr_inside;     /* interrupts that landed inside one */
static volatile uint32_t isr_recording;  /* 1 once the trace exists */

static void timer_tick(void);

#if defined(__riscv)
/* 1 when interrupts are masked (mstatus.MIE clear). */
static uint32_t irq_masked(void)
{
    uint32_t v;
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrr %0, mstatus\n\t.option pop"
                     : "=r"(v));
    return (v & 8u) == 0;
}

/* Unmask interrupts (none is enabled in mie before timer_start). */
static void irq_enable(void)
{
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrsi mstatus, 8\n\t.option pop"
                     :
                     :
                     : "memory");
}

static uint64_t timer_next;

static void timer_arm(void)
{
    MTIMECMP_HI = UINT32_MAX; /* no early match while the halves change */
    MTIMECMP_LO = (uint32_t)timer_next;
    MTIMECMP_HI = (uint32_t)(timer_next >> 32);
}

/* The trap vector (direct mode): the machine timer, the only interrupt
 * enabled, or an exception, which ends the test as a fault. */
__attribute__((interrupt("machine"), aligned(4))) static void trap_handler(void)
{
    uint32_t cause;
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrr %0, mcause\n\t.option pop"
                     : "=r"(cause));
    if ((cause & 0x80000000u) == 0) {
        printf("exception, mcause %lu\n", (unsigned long)cause);
        exit(139);
    }
    timer_next += TIMER_PERIOD;
    timer_arm();
    timer_tick();
}

static void timer_start(void)
{
    timer_next = (((uint64_t)MTIME_HI << 32) | MTIME_LO) + TIMER_PERIOD;
    timer_arm();
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\t"
                     "csrw mtvec, %0\n\tcsrs mie, %1\n\t.option pop"
                     :
                     : "r"((uintptr_t)trap_handler), "r"(1u << 7)
                     : "memory");
}

static void timer_stop(void)
{
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrc mie, %0\n\t.option pop"
                     :
                     : "r"(1u << 7)
                     : "memory");
}
#else
/* 1 when interrupts are masked (PRIMASK set). */
static uint32_t irq_masked(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, primask" : "=r"(v));
    return v;
}

static void irq_enable(void)
{
    __asm__ volatile("cpsie i" : : : "memory");
}

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    timer_tick();
}

static void timer_start(void)
{
    SYST_RVR = TIMER_PERIOD - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* enable, interrupt, processor clock */
}

static void timer_stop(void)
{
    SYST_CSR = 0;
}
#endif

/* The timer interrupt's work: count the tick, record an event. */
static void timer_tick(void)
{
    isr_ticks++;
    if (!isr_recording) {
        return;
    }
    if (in_record) {
        isr_inside++;
    }
    const lft_kv_t meta[] = { LFT_KV_INT("n", (int64_t)isr_ok) };
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.metadata = meta;
    o.metadata_count = 1;
    isr_calls++;
    if (lft_event(&trace, "tick", &o) == LFT_OK) {
        isr_ok++;
    } else {
        isr_fail++;
    }
    if (isr_calls & 1u) { /* and on every other tick one through the fast path */
        if (LFT_EVENT(&trace, "tock") == LFT_OK) {
            tock_ok++;
        } else {
            tock_fail++;
        }
    }
}

static uint32_t timer_count(void)
{
    return isr_ticks;
}

static int fixed_entropy(void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(0x5Au + 37u * i);
    }
    return 0;
}

/* ------------------------------------------------------- port checks */

static uint32_t fake_ticks;
static uint32_t fake_count(void)
{
    return fake_ticks;
}

static void check_time_conversion(uint32_t hz, uint32_t start, const uint32_t *steps, size_t n,
                                  uint64_t want_us)
{
    const lft_baremetal_config_t cfg = { fake_count, hz, NULL, fixed_entropy, NULL };
    fake_ticks = start;
    CHECK(lft_baremetal_init(&cfg) == 0);
    const uint64_t t0 = lft_port_time_mono_us();
    uint64_t prev = t0;
    for (size_t i = 0; i < n; i++) {
        fake_ticks += steps[i];
        const uint64_t t = lft_port_time_mono_us();
        CHECK(t >= prev);
        prev = t;
    }
    CHECK(prev - t0 == want_us);
}

static void test_port(void)
{
    /* nesting: the inner unlock keeps interrupts masked, the outer restores */
    CHECK(irq_masked() == 0);
    const uint32_t a = lft_port_lock();
    CHECK(irq_masked() == 1);
    const uint32_t b = lft_port_lock();
    lft_port_unlock(b);
    CHECK(irq_masked() == 1);
    lft_port_unlock(a);
    CHECK(irq_masked() == 0);

    /* 1 MHz across the 32-bit wrap */
    const uint32_t wrap[] = { 0x10u, 0x20u, 0x7FFFFFFFu };
    check_time_conversion(1000000u, 0xFFFFFFF0u, wrap, 3, 0x10u + 0x20u + 0x7FFFFFFFu);
    /* 1 kHz: 1000 us per tick, across the wrap */
    const uint32_t ms[] = { 5u, 20u };
    check_time_conversion(1000u, 0xFFFFFFF8u, ms, 2, 25000u);
    /* 25 MHz: the sub-microsecond remainder carries (10 + 15 ticks = 1 us) */
    const uint32_t fast[] = { 25u * 3u + 10u, 15u, 24u };
    check_time_conversion(25000000u, 0u, fast, 3, 4u);
    /* 32768 Hz: 64-bit fraction, exact after one second */
    const uint32_t rtc[] = { 1u, 16383u, 16384u };
    check_time_conversion(32768u, 0xFFFFC000u, rtc, 3, 1000000u);
    /* a clock standing still, and a bad configuration */
    const lft_baremetal_config_t none = { NULL, 0, NULL, NULL, NULL };
    CHECK(lft_baremetal_init(&none) == 0);
    CHECK(lft_port_time_mono_us() == lft_port_time_mono_us());
    CHECK(lft_port_entropy(ring, 4) < 0);
    lft_port_sleep_ms(100); /* returns: no clock to wait on */
    const lft_baremetal_config_t bad = { fake_count, 0, NULL, NULL, NULL };
    CHECK(lft_baremetal_init(&bad) == -1);
    CHECK(lft_baremetal_init(NULL) == -1);
}

/* ------------------------------------------------------- record checks */

static uint32_t seen_events, seen_tocks, next_event_n, seen_starts, seen_ends, seen_traces;
static uint32_t open_serial, open_index; /* the span whose START was read last */
static int have_open;
static uint32_t trace_serial;

/* rec's fields must be exactly: a NAME equal to name (none when name is
 * NULL), then at most one META_INT named key. Returns its value, -1 when
 * there is none, -2 when the fields are anything else or malformed. */
static int64_t record_meta(const lft_record_t *rec, const char *key, const char *name)
{
    lft_field_iter_t it;
    lft_field_t f;
    int64_t value = -1;
    int r, named = name == NULL, fields = 0;
    lft_field_iter_init(&it, rec);
    while ((r = lft_field_next(&it, &f)) == 1) {
        fields++;
        if (f.tag == LFT_F_NAME && name != NULL && fields == 1 && f.str_len == strlen(name) &&
            memcmp(f.str, name, f.str_len) == 0) {
            named = 1;
        } else if (f.tag == LFT_F_META_INT && f.key_len == strlen(key) &&
                   memcmp(f.key, key, f.key_len) == 0 && value == -1) {
            value = f.i;
        } else {
            return -2;
        }
    }
    return (r == 0 && named) ? value : -2;
}

static void check_record(const lft_record_t *rec)
{
    switch (rec->type) {
    case LFT_REC_EVENT: {
        CHECK(rec->kind == LFT_KIND_EVENT && rec->parent == trace_serial && rec->trace == trace_serial);
        if (record_meta(rec, "none", "tock") == -1) {
            seen_tocks++;
            break;
        }
        const int64_t n = record_meta(rec, "n", "tick");
        CHECK(n == (int64_t)next_event_n); /* in interrupt order, none lost or repeated */
        next_event_n = (uint32_t)n + 1u;
        seen_events++;
        break;
    }
    case LFT_REC_START:
        if (rec->kind == LFT_KIND_TRACE) {
            CHECK(rec->serial == trace_serial && record_meta(rec, "none", "isr-test") == -1);
            seen_traces++;
            break;
        }
        CHECK(rec->kind == LFT_KIND_SPAN && rec->parent == trace_serial && !have_open);
        CHECK(record_meta(rec, "i", "work") == (int64_t)seen_starts);
        open_serial = rec->serial;
        open_index = seen_starts;
        have_open = 1;
        seen_starts++;
        break;
    case LFT_REC_END:
        if (rec->serial == trace_serial) {
            CHECK(record_meta(rec, "none", NULL) == -1); /* the trace's END: no fields */
            break;
        }
        CHECK(have_open && rec->serial == open_serial);
        CHECK(record_meta(rec, "i", NULL) == (int64_t)open_index);
        have_open = 0;
        seen_ends++;
        break;
    default:
        CHECK(0); /* no updates or scores are recorded */
        break;
    }
}

/* Start and end a span "work" under parent, both carrying metadata i,
 * with in_record set around each call: the start's result; the end's is
 * *end_err (LFT_ERR_ARG, not tried, when the start failed). */
static lft_err_t record_span(lft_obs_t *parent, uint32_t i, lft_err_t *end_err)
{
    lft_obs_t span = LFT_OBS_INIT;
    const lft_kv_t meta[] = { LFT_KV_INT("i", (int64_t)i) };
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.metadata = meta;
    o.metadata_count = 1;
    in_record = 1;
    const lft_err_t err = lft_span_start(&span, parent, "work", &o);
    in_record = 0;
    *end_err = LFT_ERR_ARG;
    if (err == LFT_OK) {
        in_record = 1;
        *end_err = lft_obs_end(&span, &o);
        in_record = 0;
    }
    return err;
}

/* Read the ring: check and release every record but those of open
 * observations (kept, and moved when room is made). */
static void drain(void (*check)(const lft_record_t *))
{
    lft_reader_t rd;
    lft_record_t rec;
    CHECK(lft_reader_begin(&client, &rd) == LFT_OK);
    while (lft_reader_next(&rd, &rec)) {
        if ((rec.type == LFT_REC_START || rec.type == LFT_REC_UPDATE) &&
            !lft_reader_is_ended(&rd, &rec)) {
            continue;
        }
        check(&rec);
        CHECK(lft_reader_release(&rd, &rec) == LFT_OK);
    }
    (void)lft_reader_end(&rd);
}

/* ------------------------------------------- LFT_DROP_OLDEST under ISR */

#define OLDEST_RING 1024u
#define OLDEST_SPANS 3000u
#define OLDEST_DRAIN_EVERY 40u

static lft_obs_t long_span, gen;
static struct {
    uint32_t read, events, tocks, next_event_n;
    int64_t last_start_i, last_end_i;
    uint32_t trace_start, trace_end, long_start, long_end, gen_start, gen_update, gen_end;
} od;

static void check_record_oldest(const lft_record_t *rec)
{
    od.read++;
    switch (rec->type) {
    case LFT_REC_EVENT: {
        if (record_meta(rec, "none", "tock") == -1) {
            od.tocks++;
            break;
        }
        const int64_t n = record_meta(rec, "n", "tick");
        CHECK(n >= (int64_t)od.next_event_n); /* in interrupt order, at most once */
        od.next_event_n = (uint32_t)n + 1u;
        od.events++;
        break;
    }
    case LFT_REC_START:
        if (rec->serial == trace_serial) {
            CHECK(rec->kind == LFT_KIND_TRACE && record_meta(rec, "none", "isr-oldest") == -1);
            od.trace_start++;
        } else if (rec->serial == long_span.serial) {
            CHECK(rec->kind == LFT_KIND_SPAN && record_meta(rec, "none", "long") == -1);
            od.long_start++;
        } else if (rec->serial == gen.serial) {
            CHECK(rec->kind == LFT_KIND_GENERATION && record_meta(rec, "none", "llm") == -1);
            od.gen_start++;
        } else if (record_meta(rec, "none", "fast") == -1) { /* LFT_SPAN_START */
            CHECK(rec->kind == LFT_KIND_SPAN && rec->parent == long_span.serial);
        } else {
            const int64_t i = record_meta(rec, "i", "work");
            CHECK(rec->kind == LFT_KIND_SPAN && rec->parent == long_span.serial);
            CHECK(i > od.last_start_i); /* in loop order, at most once */
            od.last_start_i = i;
        }
        break;
    case LFT_REC_UPDATE:
        /* the generation's first token: it names its START, and is kept */
        CHECK(rec->serial == gen.serial && (rec->flags & LFT_RECF_ORPHAN) == 0);
        od.gen_update++;
        break;
    case LFT_REC_END:
        if (rec->serial == trace_serial) {
            od.trace_end++;
        } else if (rec->serial == long_span.serial) {
            od.long_end++;
        } else if (rec->serial == gen.serial) {
            od.gen_end++;
        } else {
            const int64_t i = record_meta(rec, "i", NULL);
            CHECK(i == -1 || i > od.last_end_i); /* -1: a fast span's end, no fields */
            od.last_end_i = i == -1 ? od.last_end_i : i;
        }
        break;
    default:
        CHECK(0);
        break;
    }
}

static void test_drop_oldest(void)
{
    isr_recording = 0;
    CHECK(lft_client_deinit(&client) == LFT_OK);
    lft_config_t cc;
    memset(&cc, 0, sizeof cc);
    cc.ring = ring;
    cc.ring_size = OLDEST_RING;
    cc.drop_policy = LFT_DROP_OLDEST;
    memset(&od, 0, sizeof od);
    od.last_start_i = -1;
    od.last_end_i = -1;
    CHECK(lft_client_init(&client, &cc) == LFT_OK);
    CHECK(lft_trace_start(&client, &trace, "isr-oldest", NULL) == LFT_OK);
    CHECK(LFT_SPAN_START(&long_span, &trace, "long") == LFT_OK);
    CHECK(LFT_GENERATION_START(&gen, &trace, "llm") == LFT_OK);
    CHECK(lft_generation_first_token(&gen) == LFT_OK);
    trace_serial = trace.serial;
    isr_calls = isr_ok = isr_fail = isr_inside = tock_ok = tock_fail = 0;
    isr_recording = 1;
    timer_start();

    uint32_t main_ok = 0, main_fail = 0;
    for (uint32_t i = 0; i < OLDEST_SPANS; i++) {
        lft_err_t end_err;
        const lft_err_t err = record_span(&long_span, i, &end_err);
        main_ok += (err == LFT_OK) + (end_err == LFT_OK);
        main_fail += (err != LFT_OK) + (end_err != LFT_OK);
        lft_obs_t fast = LFT_OBS_INIT; /* and one through the fast path */
        in_record = 1;
        const lft_err_t fs = LFT_SPAN_START(&fast, &long_span, "fast");
        const lft_err_t fe = lft_obs_end(&fast, NULL);
        in_record = 0;
        main_ok += (fs == LFT_OK) + (fe == LFT_OK);
        main_fail += (fs != LFT_OK) + (fe != LFT_OK);
        if (i % OLDEST_DRAIN_EVERY == OLDEST_DRAIN_EVERY - 1u) {
            drain(check_record_oldest);
        }
    }
    isr_recording = 0;
    timer_stop();
    CHECK(lft_obs_end(&gen, NULL) == LFT_OK);
    CHECK(lft_obs_end(&long_span, NULL) == LFT_OK);
    CHECK(lft_trace_end(&trace, NULL) == LFT_OK);
    drain(check_record_oldest);

    lft_stats_t st;
    CHECK(lft_client_stats(&client, &st) == LFT_OK);
    printf("LFT_DROP_OLDEST, %u B ring: %lu records read, %lu overwritten, %lu moved; "
           "interrupt events %lu + %lu by the fast path (%lu read, refused %lu), "
           "inside a recording call %lu\n",
           OLDEST_RING, (unsigned long)od.read, (unsigned long)st.dropped_overwritten,
           (unsigned long)st.moved, (unsigned long)isr_ok, (unsigned long)tock_ok,
           (unsigned long)(od.events + od.tocks), (unsigned long)(isr_fail + tock_fail),
           (unsigned long)isr_inside);
    /* the open records survived every reclaim and were read once */
    CHECK(od.trace_start == 1 && od.trace_end == 1 && od.long_start == 1 && od.long_end == 1);
    CHECK(od.gen_start == 1 && od.gen_update == 1 && od.gen_end == 1);
    /* the main loop never fails (it does not record while it reads); the
     * interrupt may find a reader open and the ring full: refused, counted */
    CHECK(main_fail == 0 && main_ok == 4u * OLDEST_SPANS);
    CHECK(isr_ok + isr_fail == isr_calls && st.dropped_ring_full == isr_fail + tock_fail);
    CHECK(tock_ok + tock_fail == (isr_calls + 1u) / 2u && od.tocks <= tock_ok);
    /* everything recorded was read or overwritten, nothing is left */
    CHECK(st.recorded == main_ok + isr_ok + tock_ok + 7u); /* + the trace's, long span's, generation's */
    CHECK(st.recorded == od.read + st.dropped_overwritten);
    CHECK(st.pending_records == 0 && st.dropped_invalid == 0);
    CHECK(st.moved > 0 && st.dropped_overwritten > 0 && od.events > 0);
    CHECK(isr_inside >= 50u);
}

int main(void)
{
    irq_enable();
    test_port();

    const lft_baremetal_config_t cfg = { timer_count, TIMER_HZ / TIMER_PERIOD, NULL,
                                         fixed_entropy, NULL };
    CHECK(lft_baremetal_init(&cfg) == 0);
    timer_start();

    lft_config_t cc;
    memset(&cc, 0, sizeof cc);
    cc.ring = ring;
    cc.ring_size = sizeof ring;
    CHECK(lft_client_init(&client, &cc) == LFT_OK);
    CHECK(lft_trace_start(&client, &trace, "isr-test", NULL) == LFT_OK);
    trace_serial = trace.serial;
    isr_recording = 1;

    uint32_t start_ok = 0, start_fail = 0, end_ok = 0, end_fail = 0;
    uint64_t t_prev = lft_port_time_mono_us();
    for (uint32_t i = 0; i < SPANS; i++) {
        lft_err_t end_err;
        if (record_span(&trace, start_ok, &end_err) == LFT_OK) {
            start_ok++;
            end_ok += end_err == LFT_OK;
            end_fail += end_err != LFT_OK;
        } else {
            start_fail++;
        }
        CHECK(irq_masked() == 0);
        const uint64_t t = lft_port_time_mono_us();
        CHECK(t >= t_prev);
        t_prev = t;
        if (i % DRAIN_EVERY == DRAIN_EVERY - 1u) {
            drain(check_record);
        }
    }
    isr_recording = 0;
    timer_stop();
    CHECK(lft_trace_end(&trace, NULL) == LFT_OK);
    drain(check_record);

    lft_stats_t st;
    CHECK(lft_client_stats(&client, &st) == LFT_OK);
    printf("spans %lu (refused %lu/%lu), interrupt events %lu + %lu by the fast path (refused %lu), "
           "interrupts inside a recording call %lu, ticks %lu\n",
           (unsigned long)start_ok, (unsigned long)start_fail, (unsigned long)end_fail,
           (unsigned long)isr_ok, (unsigned long)tock_ok, (unsigned long)(isr_fail + tock_fail),
           (unsigned long)isr_inside, (unsigned long)isr_ticks);
    CHECK(seen_events == isr_ok && isr_ok + isr_fail == isr_calls);
    CHECK(seen_tocks == tock_ok && tock_ok + tock_fail == (isr_calls + 1u) / 2u && tock_ok > 0u);
    CHECK(seen_starts == start_ok && seen_ends == end_ok && seen_traces == 1);
    CHECK(start_fail == 0 && end_fail == 0 && isr_fail == 0 && tock_fail == 0); /* drained often enough */
    CHECK(st.recorded == start_ok + end_ok + isr_ok + tock_ok + 2u);  /* + trace start and end */
    CHECK(st.dropped_ring_full == start_fail + end_fail + isr_fail + tock_fail);
    CHECK(st.dropped_invalid == 0 && st.pending_records == 0);
    CHECK(isr_ok >= 300u);
    CHECK(isr_inside >= 100u);
    test_drop_oldest();
    printf("%lu checks, %lu failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
