/*
 * test_ring_core.c - the ring under pressure: wrap-around with pads and short
 * gaps, both drop policies with exact counts, a trace kept open across ten
 * times the ring's size of traffic, and four producers with a concurrent
 * consumer.
 */
#ifndef LFT_TEST_NO_THREADS /* tests/embedded: bare metal has no threads */
#include <pthread.h>
#endif
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"

static uint8_t ring[1024];
static lft_client_t client;

static void init(size_t size, lft_drop_policy_t policy)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = size;
    cfg.drop_policy = policy;
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
}

static lft_stats_t stats(void)
{
    lft_stats_t st;
    lft_client_stats(&client, &st);
    return st;
}

/* The name field of a record, or "". */
static void record_name(const lft_record_t *rec, char *out, size_t cap)
{
    lft_field_iter_t it;
    lft_field_t f;
    out[0] = '\0';
    lft_field_iter_init(&it, rec);
    while (lft_field_next(&it, &f) == 1) {
        if (f.tag == LFT_F_NAME && f.str_len < cap) {
            memcpy(out, f.str, f.str_len);
            out[f.str_len] = '\0';
        }
    }
}

/* Read every pending record; release those an exporter would have sent:
 * ended observations (start, updates, end), events, scores. */
static void consume(void)
{
    lft_reader_t r, again;
    lft_record_t rec;
    uint32_t ended[64];
    unsigned n_ended = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    again = r;
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_START && lft_reader_is_ended(&r, &rec) && n_ended < 64) {
            ended[n_ended++] = rec.serial;
        }
    }
    while (lft_reader_next(&again, &rec) == 1) {
        int done = rec.type == LFT_REC_END || rec.type == LFT_REC_EVENT || rec.type == LFT_REC_SCORE;
        for (unsigned i = 0; i < n_ended && !done; i++) {
            done = ended[i] == rec.serial;
        }
        if (done) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    lft_reader_end(&r);
}

/* Wrap the head many times with names of every length 1..40, so the end of
 * the buffer is reached with 0..40 bytes left: pads and short gaps. */
static void test_wrap_around(void)
{
    init(256, LFT_DROP_NEWEST);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    char name[48];
    unsigned recorded = 0, read_back = 0;
    for (unsigned round = 0; round < 400; round++) {
        unsigned len = 1u + round % 40u;
        memset(name, 'a' + (int)(round % 26u), len);
        name[len] = '\0';
        LFT_CHECK_EQ(lft_event(&t, name, NULL), LFT_OK);
        recorded++;
        /* read back the event just written: intact and in order */
        lft_reader_t r;
        lft_record_t rec;
        char got[48];
        LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
        while (lft_reader_next(&r, &rec) == 1) {
            if (rec.type == LFT_REC_EVENT) {
                record_name(&rec, got, sizeof got);
                LFT_CHECK(strcmp(got, name) == 0);
                read_back++;
                LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
            }
        }
        lft_reader_end(&r);
        LFT_CHECK(stats().pending_bytes <= 256u);
    }
    LFT_CHECK_EQ(read_back, recorded);
    LFT_CHECK(client.head_abs > 256u * 20u); /* wrapped at least 20 times */
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.pending_records, 1); /* only the open trace */
    LFT_CHECK(st.moved > 0);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    consume();
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(stats().pending_bytes, 0);
}

/* Reject-newest: exact counts, the oldest records kept. */
static void test_drop_newest(void)
{
    init(512, LFT_DROP_NEWEST);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    unsigned ok = 0, refused = 0;
    char name[16];
    for (unsigned i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "ev%03u", i);
        lft_err_t err = lft_event(&t, name, NULL);
        if (err == LFT_OK) {
            LFT_CHECK_EQ(refused, 0); /* once full, it stays full */
            ok++;
        } else {
            LFT_CHECK_EQ(err, LFT_ERR_RING_FULL);
            refused++;
        }
    }
    lft_stats_t st = stats();
    LFT_CHECK(ok > 10 && refused > 10);
    LFT_CHECK_EQ(st.recorded, ok + 1u);
    LFT_CHECK_EQ(st.dropped_ring_full, refused);
    LFT_CHECK_EQ(st.pending_records, ok + 1u);
    LFT_CHECK(st.pending_bytes + 31u > 512u); /* the next event (31 bytes) no longer fit */
    LFT_CHECK_EQ(st.ring_high_water, st.pending_bytes);
    /* the records present are the oldest: ev000 .. ev<ok-1> in order */
    lft_reader_t r;
    lft_record_t rec;
    unsigned i = 0;
    char got[16];
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_EVENT) {
            snprintf(name, sizeof name, "ev%03u", i++);
            record_name(&rec, got, sizeof got);
            LFT_CHECK(strcmp(got, name) == 0);
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(i, ok);
}

/* Overwrite-oldest: the newest records kept, exact overwritten count, the
 * open trace's start moved instead of dropped. */
static void test_drop_oldest(void)
{
    init(512, LFT_DROP_OLDEST);
    lft_trace_t t = LFT_OBS_INIT;
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro") };
    lft_trace_opts_t to = { 0 };
    to.user_id = "user_123";
    to.metadata = meta;
    to.metadata_count = 1;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "long-trace", &to), LFT_OK);
    char name[16];
    const unsigned total = 300;
    for (unsigned i = 0; i < total; i++) {
        snprintf(name, sizeof name, "ev%03u", i);
        LFT_CHECK_EQ(lft_event(&t, name, NULL), LFT_OK);
    }
    lft_stats_t st = stats();
    unsigned present = 0, trace_starts = 0, last = 0;
    lft_reader_t r;
    lft_record_t rec;
    char got[16];
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_EVENT) {
            unsigned k;
            record_name(&rec, got, sizeof got);
            LFT_CHECK(sscanf(got, "ev%u", &k) == 1);
            LFT_CHECK(present == 0 || k == last + 1u); /* contiguous */
            last = k;
            present++;
        } else if (rec.type == LFT_REC_START && rec.kind == LFT_KIND_TRACE) {
            trace_starts++;
            record_name(&rec, got, sizeof got);
            LFT_CHECK(strcmp(got, "long-trace") == 0);
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(last, total - 1u);          /* the newest is present */
    LFT_CHECK_EQ(trace_starts, 1);           /* never dropped, never duplicated */
    LFT_CHECK_EQ(st.recorded, total + 1u);
    LFT_CHECK_EQ(st.dropped_overwritten, total - present);
    LFT_CHECK_EQ(st.pending_records, present + 1u);
    LFT_CHECK(st.moved > 0);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
}

/* Overwrite-oldest never drops open observations: a ring of open spans
 * refuses new records instead; an open reader also blocks overwriting. */
static void test_drop_oldest_limits(void)
{
    init(256, LFT_DROP_OLDEST);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t spans[64];
    unsigned started = 0;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    for (unsigned i = 0; i < 64; i++) {
        lft_obs_t fresh = LFT_OBS_INIT;
        spans[i] = fresh;
        lft_err_t err = lft_span_start(&spans[i], &t, "open-span", NULL);
        if (err != LFT_OK) {
            LFT_CHECK_EQ(err, LFT_ERR_RING_FULL);
            break;
        }
        started++;
    }
    lft_stats_t st = stats();
    LFT_CHECK(started > 4 && started < 64);
    LFT_CHECK_EQ(st.dropped_ring_full, 1);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.pending_records, started + 1u);
    /* ending one when full: the END (with a 200-byte output) is refused,
     * the START marked end-lost so it is not kept open forever */
    static char big[201];
    memset(big, 'x', 200);
    lft_obs_opts_t end = { 0 };
    end.output = LFT_TEXT(big);
    LFT_CHECK_EQ(lft_obs_end(&spans[0], &end), LFT_ERR_RING_FULL);
    LFT_CHECK_EQ(lft_obs_end(&spans[0], NULL), LFT_ERR_ENDED);
    lft_reader_t r;
    lft_record_t rec;
    unsigned lost = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_START && rec.serial == spans[0].serial) {
            LFT_CHECK((rec.flags & (LFT_RECF_ENDED | LFT_RECF_END_LOST)) ==
                      (LFT_RECF_ENDED | LFT_RECF_END_LOST));
            lost++;
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    /* while the reader is open, overwriting is off: refused and counted */
    for (unsigned i = 1; i < started; i++) {
        lft_obs_end(&spans[i], NULL);
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(lost, 1);
    LFT_CHECK(stats().dropped_ring_full >= 2);
}

/* A trace and a span open while ten times the ring's size passes. */
static void test_long_open_trace(void)
{
    init(1024, LFT_DROP_NEWEST);
    lft_trace_t t = LFT_OBS_INIT;
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_INT("seats", 7) };
    lft_trace_opts_t to = { 0 };
    to.user_id = "user_123";
    to.metadata = meta;
    to.metadata_count = 2;
    to.input = LFT_JSON("{\"query\":\"reset password\"}");
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "support-query", &to), LFT_OK);
    lft_obs_t longspan = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&longspan, &t, "long-running", NULL), LFT_OK);
    lft_trace_opts_t up1 = { 0 }, up2 = { 0 };
    up1.session_id = "first";
    up2.session_id = "second";
    LFT_CHECK_EQ(lft_trace_update(&t, &up1), LFT_OK);
    LFT_CHECK_EQ(lft_trace_update(&t, &up2), LFT_OK);
    unsigned ring_full = 0, ops = 0;
    while (client.head_abs < 10u * 1024u) {
        lft_obs_t s = LFT_OBS_INIT;
        ring_full += lft_span_start(&s, &t, "short", NULL) == LFT_ERR_RING_FULL;
        ring_full += lft_obs_end(&s, NULL) == LFT_ERR_RING_FULL;
        ring_full += lft_event(&longspan, "tick", NULL) == LFT_ERR_RING_FULL;
        if (++ops % 8u == 0) {
            consume();
        }
    }
    consume();
    LFT_CHECK_EQ(ring_full, 0);
    LFT_CHECK(stats().moved > 0);
    LFT_CHECK(stats().ring_high_water <= 1024u);
    /* every start field of the trace is still there, and both updates in seq order */
    lft_reader_t r;
    lft_record_t rec;
    unsigned trace_start = 0, span_start = 0, updates = 0;
    uint32_t seq_first = 0, seq_second = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        lft_field_iter_t it;
        lft_field_t f;
        lft_field_iter_init(&it, &rec);
        if (rec.type == LFT_REC_START && rec.serial == t.serial) {
            unsigned fields = 0;
            while (lft_field_next(&it, &f) == 1) {
                if (f.tag == LFT_F_NAME) {
                    LFT_CHECK_STRN(f.str, f.str_len, "support-query");
                    fields++;
                } else if (f.tag == LFT_F_USER_ID) {
                    LFT_CHECK_STRN(f.str, f.str_len, "user_123");
                    fields++;
                } else if (f.tag == LFT_F_META_INT) {
                    LFT_CHECK_EQ(f.i, 7);
                    fields++;
                } else if (f.tag == LFT_F_META_STR) {
                    LFT_CHECK_STRN(f.str, f.str_len, "pro");
                    fields++;
                } else if (f.tag == LFT_F_INPUT_JSON) {
                    LFT_CHECK_STRN(f.str, f.str_len, "{\"query\":\"reset password\"}");
                    fields++;
                }
            }
            LFT_CHECK_EQ(fields, 5);
            LFT_CHECK(rec.flags & LFT_RECF_MOVED);
            trace_start++;
        } else if (rec.type == LFT_REC_START && rec.serial == longspan.serial) {
            LFT_CHECK(lft_field_next(&it, &f) == 1 && f.tag == LFT_F_NAME);
            LFT_CHECK_STRN(f.str, f.str_len, "long-running");
            span_start++;
        } else if (rec.type == LFT_REC_UPDATE && rec.serial == t.serial) {
            LFT_CHECK(lft_field_next(&it, &f) == 1 && f.tag == LFT_F_SESSION_ID);
            if (f.str_len == 5) {
                seq_first = rec.seq;
            } else {
                seq_second = rec.seq;
            }
            updates++;
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(trace_start, 1);
    LFT_CHECK_EQ(span_start, 1);
    LFT_CHECK_EQ(updates, 2);
    LFT_CHECK((int32_t)(seq_second - seq_first) > 0); /* the later update wins */
    /* end both: ENDED flags and END records */
    LFT_CHECK_EQ(lft_obs_end(&longspan, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    unsigned ended_starts = 0, ends = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_START && (rec.serial == t.serial || rec.serial == longspan.serial)) {
            ended_starts += (rec.flags & LFT_RECF_ENDED) != 0;
        }
        if (rec.type == LFT_REC_END && (rec.serial == t.serial || rec.serial == longspan.serial)) {
            ends++;
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(ended_starts, 2);
    LFT_CHECK_EQ(ends, 2);
    consume();
    LFT_CHECK_EQ(stats().pending_records, 0);
}

#ifndef LFT_TEST_NO_THREADS
/* Four producers and one consumer at once on a small ring. */
#define PRODUCERS 4
#define PER_PRODUCER 1500

static uint8_t seen[PRODUCERS][PER_PRODUCER];
static unsigned ok_count[PRODUCERS], refused_count[PRODUCERS];
static lft_trace_t shared_trace;
static int producers_done;

static void *producer(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    char name[24];
    for (unsigned i = 0; i < PER_PRODUCER; i++) {
        snprintf(name, sizeof name, "p%u-%u", id, i);
        lft_err_t err = lft_event(&shared_trace, name, NULL);
        if (err == LFT_OK) {
            ok_count[id]++;
        } else {
            refused_count[id]++;
        }
    }
    return NULL;
}

static unsigned drain(void)
{
    lft_reader_t r;
    lft_record_t rec;
    char name[24];
    unsigned n = 0;
    if (lft_reader_begin(&client, &r) != LFT_OK) {
        return 0;
    }
    while (lft_reader_next(&r, &rec) == 1) {
        unsigned id, i;
        if (rec.type != LFT_REC_EVENT) {
            continue;
        }
        record_name(&rec, name, sizeof name);
        if (sscanf(name, "p%u-%u", &id, &i) == 2 && id < PRODUCERS && i < PER_PRODUCER) {
            seen[id][i]++;
        }
        lft_reader_release(&r, &rec);
        n++;
    }
    lft_reader_end(&r);
    return n;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (unsigned rounds = 0; rounds < 1000000u; rounds++) {
        int done = __atomic_load_n(&producers_done, __ATOMIC_SEQ_CST);
        unsigned n = drain();
        if (done && n == 0) {
            break;
        }
    }
    return NULL;
}

static void test_concurrent_producers_and_consumer(void)
{
    init(1024, LFT_DROP_NEWEST);
    lft_trace_t fresh = LFT_OBS_INIT;
    shared_trace = fresh;
    LFT_CHECK_EQ(lft_trace_start(&client, &shared_trace, "shared", NULL), LFT_OK);
    pthread_t p[PRODUCERS], c;
    pthread_create(&c, NULL, consumer, NULL);
    for (unsigned i = 0; i < PRODUCERS; i++) {
        pthread_create(&p[i], NULL, producer, (void *)(uintptr_t)i);
    }
    for (unsigned i = 0; i < PRODUCERS; i++) {
        pthread_join(p[i], NULL);
    }
    __atomic_store_n(&producers_done, 1, __ATOMIC_SEQ_CST);
    pthread_join(c, NULL);
    unsigned ok = 0, refused = 0, once = 0, twice = 0;
    for (unsigned id = 0; id < PRODUCERS; id++) {
        ok += ok_count[id];
        refused += refused_count[id];
        for (unsigned i = 0; i < PER_PRODUCER; i++) {
            once += seen[id][i] == 1;
            twice += seen[id][i] > 1;
        }
    }
    lft_stats_t st = stats();
    LFT_CHECK_EQ(ok + refused, PRODUCERS * PER_PRODUCER);
    LFT_CHECK_EQ(once, ok);              /* every accepted event read exactly once */
    LFT_CHECK_EQ(twice, 0);
    LFT_CHECK_EQ(st.recorded, ok + 1u);  /* + the trace start */
    LFT_CHECK_EQ(st.dropped_ring_full, refused);
    LFT_CHECK_EQ(st.pending_records, 1); /* the open trace */
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    printf("concurrent: %u accepted, %u refused (ring full)\n", ok, refused);
}
#endif /* LFT_TEST_NO_THREADS */

int main(void)
{
    LFT_RUN(test_wrap_around);
    LFT_RUN(test_drop_newest);
    LFT_RUN(test_drop_oldest);
    LFT_RUN(test_drop_oldest_limits);
    LFT_RUN(test_long_open_trace);
#ifndef LFT_TEST_NO_THREADS
    LFT_RUN(test_concurrent_producers_and_consumer);
#else
    printf("SKIP test_concurrent_producers_and_consumer: no threads on this target\n");
#endif
    return LFT_TEST_REPORT();
}
