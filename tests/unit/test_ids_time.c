/*
 * test_ids_time - W3C ids (shape, uniqueness, determinism per seed,
 * traceparent) and record times (monotonic offsets converted to wall-clock
 * time once, and whenever, the date is known).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"
#include "lft_test_records.h"
#include "lftrace.h"

#define OK(call)                                                                \
    do {                                                                        \
        LFT_CHECK_EQ((call), LFT_OK);                                           \
        LFT_CHECK_EQ(lft_test_lock_depth(), 0);                                 \
    } while (0)

#define US_2020 1577836800000000ull
#define W 1750000000000000ull /* a Unix time in microseconds (2025) */

static uint8_t ring_a[1u << 16], ring_b[4096], ring_c[4096];

static void init(lft_client_t *c, uint8_t *ring, size_t size, double sample_rate)
{
    lft_config_t cfg = { .ring = ring, .ring_size = size, .sample_rate = sample_rate };
    OK(lft_client_init(c, &cfg));
}

static int all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return 0;
        }
    }
    return 1;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
}

/* ------------------------------------------------------------------- ids */

static void test_ids_agree(void)
{
    lft_client_t c;
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT, g = LFT_OBS_INIT;
    uint8_t t_tid[16], t_sid[8], s_tid[16], s_sid[8], g_sid[8], want[16];

    lft_test_entropy_seed(1);
    init(&c, ring_a, sizeof ring_a, 0);
    OK(lft_trace_start(&c, &t, "ids-trace", NULL));
    OK(lft_span_start(&sp, &t, "ids-span", NULL));
    OK(lft_generation_start(&g, &sp, "ids-gen", NULL));
    OK(lft_event(&g, "ids-event", NULL));
    OK(lft_obs_end(&g, NULL));

    OK(lft_obs_trace_id(&t, t_tid));
    OK(lft_obs_span_id(&t, t_sid));
    OK(lft_obs_trace_id(&sp, s_tid));
    OK(lft_obs_span_id(&sp, s_sid));
    OK(lft_obs_span_id(&g, g_sid)); /* an ended handle still names its ids */
    LFT_CHECK(!all_zero(t_tid, 16) && !all_zero(t_sid, 8) && !all_zero(s_sid, 8));
    LFT_CHECK(memcmp(t_tid, s_tid, 16) == 0); /* one trace */
    LFT_CHECK(memcmp(t_sid, s_sid, 8) != 0 && memcmp(s_sid, g_sid, 8) != 0);

    /* The records' serials give the same ids through lft_client_*_id. */
    lft_tr_read(&c);
    LFT_CHECK_EQ(lft_tr_n, 5);
    const lft_record_t *rt = lft_tr_find_named(LFT_REC_START, "ids-trace");
    const lft_record_t *rs = lft_tr_find_named(LFT_REC_START, "ids-span");
    const lft_record_t *rg = lft_tr_find_named(LFT_REC_START, "ids-gen");
    LFT_CHECK(rt != NULL && rs != NULL && rg != NULL);
    if (rt != NULL && rs != NULL && rg != NULL) {
        OK(lft_client_trace_id(&c, rt->trace, want));
        LFT_CHECK(memcmp(want, t_tid, 16) == 0);
        OK(lft_client_trace_id(&c, rs->trace, want));
        LFT_CHECK(memcmp(want, t_tid, 16) == 0);
        OK(lft_client_span_id(&c, rt->serial, want));
        LFT_CHECK(memcmp(want, t_sid, 8) == 0);
        OK(lft_client_span_id(&c, rs->serial, want));
        LFT_CHECK(memcmp(want, s_sid, 8) == 0);
        OK(lft_client_span_id(&c, rg->serial, want));
        LFT_CHECK(memcmp(want, g_sid, 8) == 0);
        OK(lft_client_span_id(&c, rs->parent, want)); /* the span's parent is the trace's root span */
        LFT_CHECK(memcmp(want, t_sid, 8) == 0);
    }
    /* every record's span id and trace id is non-zero */
    for (size_t i = 0; i < lft_tr_n; i++) {
        uint8_t sid[8], tid[16];
        OK(lft_client_span_id(&c, lft_tr_rec[i].serial, sid));
        LFT_CHECK(!all_zero(sid, 8));
        if (lft_tr_rec[i].trace != 0) {
            OK(lft_client_trace_id(&c, lft_tr_rec[i].trace, tid));
            LFT_CHECK(!all_zero(tid, 16));
        }
    }
    OK(lft_client_deinit(&c));
}

enum { NIDS = 100000 };
static uint64_t span_ids[NIDS];
static uint8_t trace_ids[NIDS][16];

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static void test_ids_unique(void)
{
    lft_client_t c;
    size_t zero = 0, dup_span = 0, dup_trace = 0, errors = 0;

    lft_test_entropy_seed(2);
    init(&c, ring_a, sizeof ring_a, 0);
    for (uint32_t s = 1; s <= NIDS; s++) {
        uint8_t b[8];
        errors += lft_client_span_id(&c, s, b) != LFT_OK;
        uint64_t v = 0;
        for (int k = 0; k < 8; k++) {
            v = (v << 8) | b[k];
        }
        span_ids[s - 1] = v;
        errors += lft_client_trace_id(&c, s, trace_ids[s - 1]) != LFT_OK;
        zero += (v == 0) + all_zero(trace_ids[s - 1], 16);
    }
    qsort(span_ids, NIDS, sizeof span_ids[0], cmp_u64);
    qsort(trace_ids, NIDS, sizeof trace_ids[0], cmp_16);
    for (size_t i = 1; i < NIDS; i++) {
        dup_span += span_ids[i] == span_ids[i - 1];
        dup_trace += memcmp(trace_ids[i], trace_ids[i - 1], 16) == 0;
    }
    LFT_CHECK_EQ(errors, 0);
    LFT_CHECK_EQ(zero, 0);
    LFT_CHECK_EQ(dup_span, 0);
    LFT_CHECK_EQ(dup_trace, 0);

    /* Serials handed out by recording calls are unique too: 2000 spans. */
    lft_trace_t t = LFT_OBS_INIT;
    size_t nserials = 0;
    OK(lft_trace_start(&c, &t, "many", NULL));
    for (int i = 0; i < 2000; i++) {
        lft_obs_t sp = LFT_OBS_INIT;
        errors += lft_span_start(&sp, &t, "s", NULL) != LFT_OK;
        errors += lft_obs_end(&sp, NULL) != LFT_OK;
        if (i % 500 == 499) {
            lft_tr_read(&c);
            for (size_t r = 0; r < lft_tr_n; r++) {
                if (lft_tr_rec[r].type == LFT_REC_START && nserials < NIDS) {
                    span_ids[nserials++] = lft_tr_rec[r].serial;
                }
            }
            lft_tr_drain(&c); /* make room */
        }
    }
    qsort(span_ids, nserials, sizeof span_ids[0], cmp_u64);
    dup_span = 0;
    for (size_t i = 1; i < nserials; i++) {
        dup_span += span_ids[i] == span_ids[i - 1];
    }
    LFT_CHECK_EQ(nserials, 2001);
    LFT_CHECK_EQ(dup_span, 0);
    lft_stats_t st;
    OK(lft_client_stats(&c, &st));
    LFT_CHECK_EQ(errors, 0);
    LFT_CHECK_EQ(st.recorded, 4001);
    OK(lft_client_deinit(&c));
}

static void test_ids_seeds(void)
{
    lft_client_t a, b, d;
    size_t same_ab = 0, same_ad = 0, errors = 0;

    lft_test_entropy_seed(42);
    init(&a, ring_a, sizeof ring_a, 0);
    lft_test_entropy_seed(42);
    init(&b, ring_b, sizeof ring_b, 0);
    lft_test_entropy_seed(43);
    init(&d, ring_c, sizeof ring_c, 0);
    for (uint32_t s = 1; s <= 1000; s++) {
        uint8_t sa[8], sb[8], sd[8], ta[16], tb[16], td[16];
        errors += lft_client_span_id(&a, s, sa) != LFT_OK;
        errors += lft_client_span_id(&b, s, sb) != LFT_OK;
        errors += lft_client_span_id(&d, s, sd) != LFT_OK;
        errors += lft_client_trace_id(&a, s, ta) != LFT_OK;
        errors += lft_client_trace_id(&b, s, tb) != LFT_OK;
        errors += lft_client_trace_id(&d, s, td) != LFT_OK;
        same_ab += memcmp(sa, sb, 8) == 0 && memcmp(ta, tb, 16) == 0;
        same_ad += memcmp(sa, sd, 8) == 0 || memcmp(ta, td, 16) == 0;
    }
    LFT_CHECK_EQ(errors, 0);
    LFT_CHECK_EQ(same_ab, 1000);
    LFT_CHECK_EQ(same_ad, 0);

    /* the same calls on same-seeded clients give the same ids */
    lft_trace_t ta = LFT_OBS_INIT, tb = LFT_OBS_INIT, td = LFT_OBS_INIT;
    char pa[56], pb[56], pd[56];
    OK(lft_trace_start(&a, &ta, "x", NULL));
    OK(lft_trace_start(&b, &tb, "x", NULL));
    OK(lft_trace_start(&d, &td, "x", NULL));
    OK(lft_obs_traceparent(&ta, pa, sizeof pa));
    OK(lft_obs_traceparent(&tb, pb, sizeof pb));
    OK(lft_obs_traceparent(&td, pd, sizeof pd));
    LFT_CHECK(strcmp(pa, pb) == 0);
    LFT_CHECK(strcmp(pa, pd) != 0);
    OK(lft_client_deinit(&a));
    OK(lft_client_deinit(&b));
    OK(lft_client_deinit(&d));
}

/* Check tp is "00-<32 hex>-<16 hex>-<flags>" naming obs. */
static void check_traceparent(const lft_obs_t *obs, const char *flags)
{
    char tp[64], want[64], th[33], sh[17];
    uint8_t tid[16], sid[8];
    memset(tp, 'Z', sizeof tp);
    OK(lft_obs_traceparent(obs, tp, 56));
    LFT_CHECK(tp[55] == '\0' && tp[56] == 'Z'); /* writes exactly 56 bytes */
    LFT_CHECK_EQ(strlen(tp), 55);
    for (int i = 0; i < 55; i++) {
        int dash = i == 2 || i == 35 || i == 52;
        int ok = dash ? tp[i] == '-' : ((tp[i] >= '0' && tp[i] <= '9') || (tp[i] >= 'a' && tp[i] <= 'f'));
        LFT_CHECK(ok);
    }
    OK(lft_obs_trace_id(obs, tid));
    OK(lft_obs_span_id(obs, sid));
    hex(th, tid, 16);
    hex(sh, sid, 8);
    snprintf(want, sizeof want, "00-%s-%s-%s", th, sh, flags);
    LFT_CHECK(strcmp(tp, want) == 0);
}

static void test_traceparent(void)
{
    lft_client_t c;
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;
    char tp_t[56], tp_s[56];

    lft_test_entropy_seed(3);
    init(&c, ring_a, sizeof ring_a, 0);
    OK(lft_trace_start(&c, &t, "tp", NULL));
    OK(lft_span_start(&sp, &t, "tp-span", NULL));
    check_traceparent(&t, "01");
    check_traceparent(&sp, "01");
    OK(lft_obs_traceparent(&t, tp_t, sizeof tp_t));
    OK(lft_obs_traceparent(&sp, tp_s, sizeof tp_s));
    LFT_CHECK(memcmp(tp_t, tp_s, 36) == 0 && strcmp(tp_t + 36, tp_s + 36) != 0);
    OK(lft_obs_end(&sp, NULL));
    check_traceparent(&sp, "01"); /* still valid after the end */
    OK(lft_client_deinit(&c));

    /* sampled out: flags 00, for the trace and its children */
    lft_test_entropy_seed(4);
    init(&c, ring_a, sizeof ring_a, 0.5);
    int found_out = 0, found_in = 0;
    for (int i = 0; i < 64 && !(found_out && found_in); i++) {
        lft_trace_t x = LFT_OBS_INIT;
        lft_obs_t child = LFT_OBS_INIT;
        char tp[56];
        lft_stats_t before, after;
        OK(lft_client_stats(&c, &before));
        OK(lft_trace_start(&c, &x, "maybe", NULL));
        OK(lft_span_start(&child, &x, "child", NULL));
        OK(lft_client_stats(&c, &after));
        OK(lft_obs_traceparent(&x, tp, sizeof tp));
        if (strcmp(tp + 53, "00") == 0) {
            found_out = 1;
            check_traceparent(&x, "00");
            check_traceparent(&child, "00");
            LFT_CHECK_EQ(after.recorded, before.recorded);
            LFT_CHECK_EQ(after.dropped_sampled, before.dropped_sampled + 2);
        } else {
            found_in = 1;
            check_traceparent(&x, "01");
            check_traceparent(&child, "01");
            LFT_CHECK_EQ(after.recorded, before.recorded + 2);
        }
    }
    LFT_CHECK(found_out && found_in);
    OK(lft_client_deinit(&c));
}

/* ------------------------------------------------------------------ time */

static void test_wall_clock_set_later(void)
{
    lft_client_t c;
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;
    uint64_t u = 12345;

    lft_test_wall_set(0); /* the port does not know the date */
    lft_test_clock_set(10000000);
    init(&c, ring_a, sizeof ring_a, 0);
    OK(lft_trace_start(&c, &t, "early", NULL));
    LFT_CHECK_EQ(lft_time_to_unix_us(&c, 0, &u), LFT_ERR_NO_WALL_CLOCK);
    LFT_CHECK(u == 12345); /* untouched: never 1970 */
    lft_test_clock_advance(2500000);
    OK(lft_span_start(&sp, &t, "later", NULL));
    LFT_CHECK_EQ(lft_time_to_unix_us(&c, 2500000, &u), LFT_ERR_NO_WALL_CLOCK);
    lft_test_clock_advance(500000);
    OK(lft_time_set_unix_us(&c, W)); /* 3 s after init */

    lft_tr_read(&c);
    const lft_record_t *r0 = lft_tr_find_named(LFT_REC_START, "early");
    const lft_record_t *r1 = lft_tr_find_named(LFT_REC_START, "later");
    LFT_CHECK(r0 != NULL && r1 != NULL);
    if (r0 != NULL && r1 != NULL) {
        LFT_CHECK_EQ(r0->time_us, 0);
        LFT_CHECK_EQ(r1->time_us, 2500000);
        OK(lft_time_to_unix_us(&c, r0->time_us, &u));
        LFT_CHECK(u == W - 3000000);
        OK(lft_time_to_unix_us(&c, r1->time_us, &u));
        LFT_CHECK(u == W - 500000);
        OK(lft_time_to_unix_us(&c, 3000000, &u)); /* now */
        LFT_CHECK(u == W);
        OK(lft_time_to_unix_us(&c, -7, &u));
        LFT_CHECK(u == W - 3000007);

        /* correcting drift later moves every conversion, old records included */
        lft_test_clock_advance(1000000);
        OK(lft_time_set_unix_us(&c, W + 1000000 + 250));
        OK(lft_time_to_unix_us(&c, r0->time_us, &u));
        LFT_CHECK(u == W - 3000000 + 250);
    }

    /* records made after the date is known carry the same kind of offset */
    lft_test_clock_advance(10);
    OK(lft_obs_end(&sp, NULL));
    lft_tr_read(&c);
    const lft_record_t *e = lft_tr_find(LFT_REC_END, 0);
    LFT_CHECK(e != NULL && e->time_us == 4000010);
    if (e != NULL) {
        OK(lft_time_to_unix_us(&c, e->time_us, &u));
        LFT_CHECK(u == W + 1000000 + 250 + 10);
    }
    OK(lft_client_deinit(&c));

    /* a port clock before 2020 (an RTC reset to 1970) is not a date */
    lft_test_wall_set(1000000);
    init(&c, ring_a, sizeof ring_a, 0);
    LFT_CHECK_EQ(lft_time_to_unix_us(&c, 0, &u), LFT_ERR_NO_WALL_CLOCK);
    OK(lft_client_deinit(&c));
    lft_test_wall_set(0);
}

static void test_wall_clock_known_at_init(void)
{
    lft_client_t c;
    lft_trace_t t = LFT_OBS_INIT;
    uint64_t u = 0;

    lft_test_clock_set(777);
    lft_test_wall_set(W);
    init(&c, ring_a, sizeof ring_a, 0);
    OK(lft_trace_start(&c, &t, "known", NULL));
    lft_test_clock_advance(1234);
    OK(lft_trace_end(&t, NULL));
    lft_tr_read(&c);
    LFT_CHECK_EQ(lft_tr_n, 2);
    if (lft_tr_n == 2) {
        OK(lft_time_to_unix_us(&c, lft_tr_rec[0].time_us, &u));
        LFT_CHECK(u == W);
        OK(lft_time_to_unix_us(&c, lft_tr_rec[1].time_us, &u));
        LFT_CHECK(u == W + 1234);
    }
    /* the port's clock is sampled once, at init */
    lft_test_wall_set(W + 99999999);
    OK(lft_time_to_unix_us(&c, 0, &u));
    LFT_CHECK(u == W);
    OK(lft_client_deinit(&c));
    lft_test_wall_set(0);
}

static void test_time_set_rules(void)
{
    lft_client_t c;
    uint64_t u = 0;

    lft_test_wall_set(0);
    lft_test_clock_set(5000000);
    init(&c, ring_a, sizeof ring_a, 0);
    lft_test_clock_advance(100);

    LFT_CHECK_EQ(lft_time_set_unix_us(&c, US_2020 - 1), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_time_set_unix_us(&c, 1), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_time_to_unix_us(&c, 100, &u), LFT_ERR_NO_WALL_CLOCK); /* unchanged */
    OK(lft_time_set_unix_us(&c, US_2020));
    OK(lft_time_to_unix_us(&c, 100, &u));
    LFT_CHECK(u == US_2020);
    OK(lft_time_to_unix_us(&c, 0, &u));
    LFT_CHECK(u == US_2020 - 100);

    LFT_CHECK_EQ(lft_time_set_unix_s(&c, US_2020 / 1000000u - 1u), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_time_set_unix_s(&c, UINT64_MAX), LFT_ERR_ARG);
    OK(lft_time_to_unix_us(&c, 100, &u));
    LFT_CHECK(u == US_2020); /* the refused calls changed nothing */
    OK(lft_time_set_unix_s(&c, 1700000000u));
    OK(lft_time_to_unix_us(&c, 100, &u));
    LFT_CHECK(u == 1700000000000000ull);

    LFT_CHECK_EQ(lft_time_set_unix_us(NULL, W), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_time_set_unix_s(NULL, 1700000000u), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_time_to_unix_us(NULL, 0, &u), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_time_to_unix_us(&c, 0, NULL), LFT_ERR_ARG);
    OK(lft_client_deinit(&c));
    LFT_CHECK_EQ(lft_time_set_unix_us(&c, W), LFT_ERR_HANDLE);
    LFT_CHECK_EQ(lft_time_to_unix_us(&c, 0, &u), LFT_ERR_HANDLE);
}

/* The sampling threshold (computed from the double's bits, no soft-float)
 * equals trunc(rate * 2^64) in the host's floating point, for edge values
 * and 20000 random rates; everything outside [0, 1] is refused. */
static void test_sample_threshold(void)
{
    static const double edges[] = {
        0.5, 0.25, 0.1, 0.999999, 1e-3, 1e-9, 1e-300, 4.9e-324, 2.2250738585072014e-308,
        0.9999999999999999, 1.0 / 3.0, 0.75, 5.421010862427522e-20, 5.421010862427522e-21,
    };
    static const double bad[] = { 1.0000000000000002, 2.0, -1e-300, -0.5, 1e300, -4.9e-324 };
    lft_client_t c;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0] + 20000u; i++) {
        double r;
        if (i < sizeof edges / sizeof edges[0]) {
            r = edges[i];
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* uniform in (0, 1) and, every other draw, a tiny exponent */
            r = (double)(x >> 11) / 9007199254740992.0;
            if (i & 1u) {
                r /= (double)(1ull << (x & 63u));
            }
            if (r == 0.0) {
                continue;
            }
        }
        init(&c, ring_b, sizeof ring_b, r);
        LFT_CHECK_EQ(c.sample_threshold, (uint64_t)(r * 18446744073709551616.0));
        OK(lft_client_deinit(&c));
    }
    const double keep_all[] = { 0.0, -0.0, 1.0 };
    for (size_t i = 0; i < 3; i++) {
        init(&c, ring_b, sizeof ring_b, keep_all[i]);
        LFT_CHECK_EQ(c.sample_threshold, UINT64_MAX);
        LFT_CHECK(c.cfg.sample_rate == 1.0);
        OK(lft_client_deinit(&c));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lft_config_t cfg = { .ring = ring_b, .ring_size = sizeof ring_b, .sample_rate = bad[i] };
        LFT_CHECK_EQ(lft_client_init(&c, &cfg), LFT_ERR_CONFIG);
    }
    lft_config_t inf = { .ring = ring_b, .ring_size = sizeof ring_b, .sample_rate = HUGE_VAL };
    LFT_CHECK_EQ(lft_client_init(&c, &inf), LFT_ERR_CONFIG);
}

int main(void)
{
    LFT_RUN(test_ids_agree);
    LFT_RUN(test_sample_threshold);
    LFT_RUN(test_ids_unique);
    LFT_RUN(test_ids_seeds);
    LFT_RUN(test_traceparent);
    LFT_RUN(test_wall_clock_set_later);
    LFT_RUN(test_wall_clock_known_at_init);
    LFT_RUN(test_time_set_rules);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    return LFT_TEST_REPORT();
}
