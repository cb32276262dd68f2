/*
 * test_long_open.c - a trace and a span that stay open while ten times the
 * ring's size of traffic passes through it (LFT_DROP_NEWEST, so nothing may
 * ever be refused), with an exporter that releases what is complete. Their
 * START and UPDATE records are moved forward instead of pinning the ring,
 * and nothing of them is lost. Also: updates keep their order by sequence
 * number when moves reorder them in the ring.
 */
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"

/* The ring: 1.27 times the smallest one this traffic is never refused in
 * (1264 bytes), the margin 1024 bytes gave with varint record bodies (when
 * 800 were enough). With it the layout is the old one's: the pass after
 * the second update (see test_long_open_trace) is the one whose moves have
 * to pad the end of the buffer (pending_bytes grows), and the next one
 * reaches the high water. */
#define CAP 1608u
static uint8_t ring[CAP];
static lft_client_t client;

/* Bytes of a START or EVENT record with only a name shorter than 128
 * bytes: header, u32 serial, parent and trace, i64 time, then the name
 * (tag, 1-byte length, bytes). */
static uint32_t named_size(const char *name)
{
    return LFT_REC_HDR + 4u + 4u + 4u + 8u + 1u + 1u + (uint32_t)strlen(name);
}

static lft_stats_t stats(void)
{
    lft_stats_t st;
    memset(&st, 0, sizeof st);
    LFT_CHECK_EQ(lft_client_stats(&client, &st), LFT_OK);
    return st;
}

static void init(lft_drop_policy_t policy)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = CAP;
    cfg.drop_policy = policy;
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
}

/* -------------------------------------------------- the long-open trace */

static const char trace_name[] = "support-query";
static const char user_id[] = "user_123";
static const char input_json[] = "{\"query\":\"reset my password\",\"lang\":\"en\"}";
static const lft_kv_t trace_meta[] = {
    LFT_KV_STR("plan", "pro"),
    LFT_KV_INT("seats", 7),
    LFT_KV_DOUBLE("ratio", 0.25),
    LFT_KV_BOOL("beta", 1),
};
static const char span_name[] = "long-running";
static const char span_input[] = "waiting for the model";

/* Every field of the trace's START, in the order it was written. */
static int trace_start_intact(const lft_record_t *rec)
{
    lft_field_iter_t it;
    lft_field_t f;
    int ok = 1;
    unsigned i = 0;
    lft_field_iter_init(&it, rec);
    while (lft_field_next(&it, &f) == 1) {
        switch (i++) {
        case 0:
            ok &= f.tag == LFT_F_NAME && f.str_len == strlen(trace_name) &&
                  memcmp(f.str, trace_name, f.str_len) == 0;
            break;
        case 1:
            ok &= f.tag == LFT_F_USER_ID && f.str_len == strlen(user_id) &&
                  memcmp(f.str, user_id, f.str_len) == 0;
            break;
        case 2:
            ok &= f.tag == LFT_F_META_STR && f.key_len == 4 && memcmp(f.key, "plan", 4) == 0 &&
                  f.str_len == 3 && memcmp(f.str, "pro", 3) == 0;
            break;
        case 3:
            ok &= f.tag == LFT_F_META_INT && f.key_len == 5 && memcmp(f.key, "seats", 5) == 0 &&
                  f.i == 7;
            break;
        case 4:
            ok &= f.tag == LFT_F_META_DOUBLE && f.key_len == 5 &&
                  memcmp(f.key, "ratio", 5) == 0 && f.d == 0.25;
            break;
        case 5:
            ok &= f.tag == LFT_F_META_BOOL && f.key_len == 4 && memcmp(f.key, "beta", 4) == 0 &&
                  f.i == 1;
            break;
        case 6:
            ok &= f.tag == LFT_F_INPUT_JSON && f.str_len == strlen(input_json) &&
                  memcmp(f.str, input_json, f.str_len) == 0;
            break;
        default:
            ok = 0;
            break;
        }
    }
    return ok && i == 7 && rec->type == LFT_REC_START && rec->kind == LFT_KIND_TRACE &&
           rec->parent == 0 && rec->trace == rec->serial;
}

static int span_start_intact(const lft_record_t *rec, uint32_t trace_serial)
{
    lft_field_iter_t it;
    lft_field_t f;
    lft_field_iter_init(&it, rec);
    int ok = lft_field_next(&it, &f) == 1 && f.tag == LFT_F_NAME &&
             f.str_len == strlen(span_name) && memcmp(f.str, span_name, f.str_len) == 0;
    ok = ok && lft_field_next(&it, &f) == 1 && f.tag == LFT_F_INPUT_TEXT &&
         f.str_len == strlen(span_input) && memcmp(f.str, span_input, f.str_len) == 0;
    ok = ok && lft_field_next(&it, &f) == 0;
    return ok && rec->type == LFT_REC_START && rec->kind == LFT_KIND_SPAN &&
           rec->parent == trace_serial && rec->trace == trace_serial;
}

/* The session id an UPDATE record sets ("" when none). */
static void update_session(const lft_record_t *rec, char *out, size_t cap)
{
    lft_field_iter_t it;
    lft_field_t f;
    out[0] = '\0';
    lft_field_iter_init(&it, rec);
    while (lft_field_next(&it, &f) == 1) {
        if (f.tag == LFT_F_SESSION_ID && f.str_len < cap) {
            memcpy(out, f.str, f.str_len);
            out[f.str_len] = '\0';
        }
    }
}

static int seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* ------------------------------------------------------------- traffic */

#define SHORT_MAX 512
static uint32_t short_serial[SHORT_MAX];
static unsigned seen_start[SHORT_MAX], seen_end[SHORT_MAX], seen_event[SHORT_MAX],
    seen_score[SHORT_MAX];

/* i from a name "<prefix><i>" */
static int name_index(const lft_record_t *rec, const char *prefix, unsigned *i)
{
    lft_field_iter_t it;
    lft_field_t f;
    char buf[32];
    size_t pl = strlen(prefix);
    lft_field_iter_init(&it, rec);
    if (lft_field_next(&it, &f) != 1 || f.tag != LFT_F_NAME || f.str_len >= sizeof buf ||
        f.str_len <= pl || memcmp(f.str, prefix, pl) != 0) {
        return 0;
    }
    memcpy(buf, f.str, f.str_len);
    buf[f.str_len] = '\0';
    return sscanf(buf + pl, "%u", i) == 1 && *i < SHORT_MAX;
}

static struct {
    lft_obs_t *trace, *span;
    unsigned passes;
    uint32_t released, released_bytes;
    unsigned inverted;          /* passes where the later update came first in the ring */
    uint32_t seq_first, seq_second;
    int hold_tick;              /* event "tick-<n>" whose export "fails" once (-1: none) */
} ex;

/* One exporter pass: release every record of an ended observation (END,
 * EVENT, SCORE, and START / UPDATE whose observation ended, as
 * lft_reader_is_ended tells), but event "tick-<ex.hold_tick>", whose export
 * fails this once; check the open ones are all there, once. */
static void export_pass(void)
{
    lft_reader_t r;
    lft_record_t rec;
    unsigned trace_starts = 0, span_starts = 0, updates_first = 0, updates_second = 0;
    int second_before_first = 0;
    const lft_stats_t before = stats();
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        const int ended = lft_reader_is_ended(&r, &rec);
        unsigned i;
        const int held = rec.type == LFT_REC_EVENT && ex.hold_tick >= 0 &&
                         name_index(&rec, "tick-", &i) && i == (unsigned)ex.hold_tick;
        const int release = ended && !held;
        if (rec.serial == ex.trace->serial && rec.type == LFT_REC_START) {
            trace_starts++;
            LFT_CHECK(trace_start_intact(&rec));
            LFT_CHECK_EQ(ended, !lft_obs_is_open(ex.trace));
        } else if (rec.serial == ex.trace->serial && rec.type == LFT_REC_UPDATE) {
            char sess[32];
            update_session(&rec, sess, sizeof sess);
            if (strcmp(sess, "sess-first") == 0) {
                updates_first++;
                LFT_CHECK_EQ(rec.seq, ex.seq_first);
            } else {
                LFT_CHECK(strcmp(sess, "sess-second") == 0);
                LFT_CHECK_EQ(rec.seq, ex.seq_second);
                updates_second++;
                second_before_first = updates_first == 0;
            }
            LFT_CHECK_EQ(ended, !lft_obs_is_open(ex.trace));
        } else if (rec.serial == ex.span->serial && rec.type == LFT_REC_START) {
            span_starts++;
            LFT_CHECK(span_start_intact(&rec, ex.trace->serial));
            LFT_CHECK_EQ(ended, !lft_obs_is_open(ex.span));
        } else if (rec.type == LFT_REC_START && name_index(&rec, "short-", &i)) {
            LFT_CHECK_EQ(rec.serial, short_serial[i]);
            LFT_CHECK_EQ(rec.parent, ex.trace->serial);
            LFT_CHECK(ended);
            seen_start[i] += release;
        } else if (rec.type == LFT_REC_END) {
            unsigned k;
            for (k = 0; k < SHORT_MAX && short_serial[k] != rec.serial; k++) {
            }
            LFT_CHECK(k < SHORT_MAX);
            LFT_CHECK_EQ(rec.flags & LFT_RECF_ORPHAN, 0);
            LFT_CHECK(ended);
            if (k < SHORT_MAX) {
                seen_end[k]++;
            }
        } else if (rec.type == LFT_REC_EVENT && name_index(&rec, "tick-", &i)) {
            LFT_CHECK_EQ(rec.parent, ex.span->serial);
            LFT_CHECK(ended);
            seen_event[i] += release;
        } else if (rec.type == LFT_REC_SCORE) {
            lft_field_iter_t it;
            lft_field_t f;
            unsigned k;
            lft_field_iter_init(&it, &rec);
            while (lft_field_next(&it, &f) == 1 && f.tag != LFT_F_SCORE_VALUE) {
            }
            LFT_CHECK(f.tag == LFT_F_SCORE_VALUE && f.d >= 0.0 && f.d < SHORT_MAX);
            k = (unsigned)f.d;
            LFT_CHECK(k < SHORT_MAX && rec.observation == short_serial[k]);
            LFT_CHECK(ended);
            if (k < SHORT_MAX) {
                seen_score[k]++;
            }
        } else {
            LFT_CHECK(0); /* nothing else is recorded */
        }
        if (release) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
            ex.released++;
            ex.released_bytes += rec.len;
        }
    }
    const uint32_t freed = lft_reader_end(&r);
    const lft_stats_t st = stats();
    /* what the pass freed is exactly what pending_bytes lost (a move that
     * had to pad the end of the buffer can even make it grow: then 0) */
    const long drop = (long)before.pending_bytes - (long)st.pending_bytes;
    LFT_CHECK_EQ(freed, drop > 0 ? drop : 0);
    /* the open ones: present exactly once in every snapshot */
    LFT_CHECK_EQ(trace_starts, 1);
    LFT_CHECK_EQ(span_starts, 1);
    LFT_CHECK_EQ(updates_first, 1);
    LFT_CHECK_EQ(updates_second, ex.seq_second != 0);
    ex.inverted += second_before_first;
    ex.hold_tick = -1;
    /* pending counts: recorded minus released, exactly */
    LFT_CHECK_EQ(st.pending_records, st.recorded - ex.released);
    LFT_CHECK(st.pending_bytes <= CAP);
    ex.passes++;
}

static void test_long_open_trace(void)
{
    init(LFT_DROP_NEWEST);
    memset(&ex, 0, sizeof ex);
    ex.hold_tick = -1;
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    ex.trace = &t;
    ex.span = &span;
    lft_trace_opts_t to;
    memset(&to, 0, sizeof to);
    to.user_id = user_id;
    to.metadata = trace_meta;
    to.metadata_count = sizeof trace_meta / sizeof trace_meta[0];
    to.input = LFT_JSON(input_json);
    LFT_CHECK_EQ(lft_trace_start(&client, &t, trace_name, &to), LFT_OK);
    lft_obs_opts_t so;
    memset(&so, 0, sizeof so);
    so.input = LFT_TEXT(span_input);
    LFT_CHECK_EQ(lft_span_start(&span, &t, span_name, &so), LFT_OK);
    lft_trace_opts_t up;
    memset(&up, 0, sizeof up);
    up.session_id = "sess-first";
    LFT_CHECK_EQ(lft_trace_update(&t, &up), LFT_OK);
    ex.seq_first = 1; /* the client's first update */

    unsigned not_ok = 0, iter = 0;
    uint32_t recorded_calls = 3;
    char name[32];
    while (ex.released_bytes <= 10u * CAP) {
        LFT_CHECK(iter < SHORT_MAX);
        if (iter >= SHORT_MAX) {
            break;
        }
        lft_obs_t s = LFT_OBS_INIT;
        snprintf(name, sizeof name, "short-%u", iter);
        lft_err_t e1 = lft_span_start(&s, &t, name, NULL);
        short_serial[iter] = s.serial;
        lft_obs_opts_t eo;
        memset(&eo, 0, sizeof eo);
        eo.output = LFT_TEXT("ok");
        lft_err_t e2 = lft_obs_end(&s, &eo);
        snprintf(name, sizeof name, "tick-%u", iter);
        lft_err_t e3 = lft_event(&span, name, NULL);
        lft_err_t e4 = LFT_OK;
        recorded_calls += 3;
        if (iter % 3u == 0) {
            lft_score_t sc;
            memset(&sc, 0, sizeof sc);
            sc.name = "relevance";
            sc.value = (double)iter;
            sc.target = &s;
            e4 = lft_score(&client, &sc);
            recorded_calls++;
        }
        not_ok += (e1 != LFT_OK) + (e2 != LFT_OK) + (e3 != LFT_OK) + (e4 != LFT_OK);
        if (iter == 60) {
            /* the second update of the same field, long after the first
             * one was first moved */
            LFT_CHECK(stats().moved > 0);
            up.session_id = "sess-second";
            LFT_CHECK_EQ(lft_trace_update(&t, &up), LFT_OK);
            ex.seq_second = 2;
            recorded_calls++;
        }
        iter++;
        if (iter % 5u == 0) {
            if (iter == 65) {
                /* the pass after the second update: a record between the
                 * open ones and the second update stays (its export fails),
                 * so this pass moves the trace START and the first update
                 * (freeing short-60 behind them) but stops before the second */
                ex.hold_tick = 60;
            }
            export_pass();
        }
        LFT_CHECK(stats().pending_bytes <= CAP);
    }
    export_pass();
    lft_stats_t st = stats();
    LFT_CHECK_EQ(not_ok, 0);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
    LFT_CHECK_EQ(st.dropped_too_large, 0);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.recorded, recorded_calls);
    LFT_CHECK(st.moved > 0);
    LFT_CHECK(st.ring_high_water <= CAP);
    LFT_CHECK(ex.released_bytes > 10u * CAP);
    LFT_CHECK(ex.inverted > 0); /* moves did put the later update first */
    /* every short record exported exactly once */
    for (unsigned i = 0; i < iter; i++) {
        LFT_CHECK_EQ(seen_start[i], 1);
        LFT_CHECK_EQ(seen_end[i], 1);
        LFT_CHECK_EQ(seen_event[i], 1);
        LFT_CHECK_EQ(seen_score[i], i % 3u == 0);
    }
    /* still open, still intact: the trace START, both updates, the span START */
    LFT_CHECK_EQ(st.pending_records, 4);
    printf("long-open: %u iterations, %u passes, %u bytes exported (%ux the ring), %u moves, "
           "high water %u\n",
           iter, ex.passes, ex.released_bytes, ex.released_bytes / CAP, st.moved,
           st.ring_high_water);

    /* end both, then read: ENDED flags, END records */
    lft_obs_opts_t so_end;
    memset(&so_end, 0, sizeof so_end);
    so_end.output = LFT_TEXT("model answered");
    LFT_CHECK_EQ(lft_obs_end(&span, &so_end), LFT_OK);
    lft_trace_opts_t to_end;
    memset(&to_end, 0, sizeof to_end);
    to_end.output = LFT_JSON("{\"answer\":\"use the reset link\"}");
    LFT_CHECK_EQ(lft_trace_end(&t, &to_end), LFT_OK);
    lft_reader_t r;
    lft_record_t rec;
    unsigned n = 0, ended_starts = 0, ends = 0, updates = 0;
    char applied[32] = "";
    uint32_t applied_seq = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        n++;
        if (rec.type == LFT_REC_START) {
            LFT_CHECK(rec.serial == t.serial ? trace_start_intact(&rec)
                                             : span_start_intact(&rec, t.serial));
            LFT_CHECK_EQ(rec.flags, LFT_RECF_MOVED | LFT_RECF_ENDED);
            ended_starts++;
        } else if (rec.type == LFT_REC_END) {
            LFT_CHECK(rec.serial == t.serial || rec.serial == span.serial);
            LFT_CHECK_EQ(rec.flags, 0); /* found its START: not an orphan */
            ends++;
        } else if (rec.type == LFT_REC_UPDATE) {
            /* apply in seq order, whatever the ring order */
            if (updates == 0 || seq_before(applied_seq, rec.seq)) {
                update_session(&rec, applied, sizeof applied);
                applied_seq = rec.seq;
            }
            updates++;
        }
        LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 1);
        LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
    }
    LFT_CHECK_EQ(n, 6);
    LFT_CHECK_EQ(ended_starts, 2);
    LFT_CHECK_EQ(ends, 2);
    LFT_CHECK_EQ(updates, 2);
    LFT_CHECK(strcmp(applied, "sess-second") == 0);
    lft_reader_end(&r);
    st = stats();
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.recorded, recorded_calls + 2u);
    LFT_CHECK(st.ring_high_water <= CAP);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
}

/* Two updates of one field; a move puts the earlier one after the later
 * one in the ring. Sequence numbers still order them, also across the
 * 2^32 wrap of the counter. */
static void test_update_order(void)
{
    for (int wrap = 0; wrap < 2; wrap++) {
        init(LFT_DROP_NEWEST);
        if (wrap) {
            client.next_seq = 0xFFFFFFFFu; /* white box: the counter is about to wrap */
        }
        lft_trace_t t = LFT_OBS_INIT;
        LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
        lft_trace_opts_t up;
        memset(&up, 0, sizeof up);
        up.session_id = "sess-first";
        LFT_CHECK_EQ(lft_trace_update(&t, &up), LFT_OK);
        LFT_CHECK_EQ(lft_event(&t, "sent", NULL), LFT_OK);
        LFT_CHECK_EQ(lft_event(&t, "held", NULL), LFT_OK); /* export fails once: kept */
        up.session_id = "sess-second";
        LFT_CHECK_EQ(lft_trace_update(&t, &up), LFT_OK);
        /* pass 1: "sent" is released, "held" is not: START and the first
         * update move to the head (freeing "sent"), behind the second update */
        lft_reader_t r;
        lft_record_t rec;
        LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
        while (lft_reader_next(&r, &rec) == 1) {
            if (rec.type == LFT_REC_EVENT && rec.serial == 2u) { /* "sent" */
                LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
            }
        }
        LFT_CHECK_EQ(lft_reader_end(&r), named_size("sent")); /* 30 */
        LFT_CHECK_EQ(stats().moved, 2);
        /* pass 2: ring order held, second, START, first */
        static const lft_rec_type_t order[] = { LFT_REC_EVENT, LFT_REC_UPDATE, LFT_REC_START,
                                                LFT_REC_UPDATE };
        char sess[4][32];
        uint32_t seq[4] = { 0, 0, 0, 0 };
        unsigned n = 0;
        LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
        while (lft_reader_next(&r, &rec) == 1) {
            LFT_CHECK(n < 4);
            if (n < 4) {
                LFT_CHECK_EQ(rec.type, order[n]);
                update_session(&rec, sess[n], sizeof sess[n]);
                seq[n] = rec.seq;
                LFT_CHECK_EQ(rec.flags & LFT_RECF_MOVED, n >= 2 ? LFT_RECF_MOVED : 0);
            }
            n++;
        }
        lft_reader_end(&r);
        LFT_CHECK_EQ(n, 4);
        LFT_CHECK(strcmp(sess[1], "sess-second") == 0);
        LFT_CHECK(strcmp(sess[3], "sess-first") == 0);
        /* the later update has the larger sequence number (mod 2^32) */
        LFT_CHECK(seq_before(seq[3], seq[1]));
        LFT_CHECK_EQ(seq[1] - seq[3], 1);
        if (wrap) {
            LFT_CHECK_EQ(seq[3], 0xFFFFFFFFu);
            LFT_CHECK_EQ(seq[1], 0);
        } else {
            LFT_CHECK_EQ(seq[3], 1);
            LFT_CHECK_EQ(seq[1], 2);
        }
    }
}

/* The same long-open trace under LFT_DROP_OLDEST with no exporter at all:
 * the ring overwrites the oldest complete records, the open ones survive. */
static void test_long_open_drop_oldest(void)
{
    init(LFT_DROP_OLDEST);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    lft_trace_opts_t to;
    memset(&to, 0, sizeof to);
    to.user_id = user_id;
    to.metadata = trace_meta;
    to.metadata_count = sizeof trace_meta / sizeof trace_meta[0];
    to.input = LFT_JSON(input_json);
    LFT_CHECK_EQ(lft_trace_start(&client, &t, trace_name, &to), LFT_OK);
    lft_obs_opts_t so;
    memset(&so, 0, sizeof so);
    so.input = LFT_TEXT(span_input);
    LFT_CHECK_EQ(lft_span_start(&span, &t, span_name, &so), LFT_OK);
    lft_trace_opts_t up;
    memset(&up, 0, sizeof up);
    up.session_id = "sess-first";
    LFT_CHECK_EQ(lft_trace_update(&t, &up), LFT_OK);
    char name[32];
    unsigned calls = 3;
    for (unsigned i = 0; i < 400; i++) {
        lft_obs_t s = LFT_OBS_INIT;
        snprintf(name, sizeof name, "short-%u", i);
        LFT_CHECK_EQ(lft_span_start(&s, &t, name, NULL), LFT_OK);
        LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_OK);
        snprintf(name, sizeof name, "tick-%u", i);
        LFT_CHECK_EQ(lft_event(&span, name, NULL), LFT_OK);
        calls += 3;
    }
    lft_stats_t st = stats();
    LFT_CHECK(st.dropped_overwritten > 0);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
    LFT_CHECK(st.moved > 0);
    LFT_CHECK_EQ(st.recorded, calls);
    lft_reader_t r;
    lft_record_t rec;
    unsigned n = 0, trace_starts = 0, span_starts = 0, updates = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        n++;
        if (rec.type == LFT_REC_START && rec.serial == t.serial) {
            trace_starts++;
            LFT_CHECK(trace_start_intact(&rec));
        } else if (rec.type == LFT_REC_START && rec.serial == span.serial) {
            span_starts++;
            LFT_CHECK(span_start_intact(&rec, t.serial));
        } else if (rec.type == LFT_REC_UPDATE) {
            char sess[32];
            update_session(&rec, sess, sizeof sess);
            LFT_CHECK(strcmp(sess, "sess-first") == 0);
            updates++;
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(trace_starts, 1);
    LFT_CHECK_EQ(span_starts, 1);
    LFT_CHECK_EQ(updates, 1);
    LFT_CHECK_EQ((long)st.recorded - (long)st.dropped_overwritten - (long)n, 0);
    LFT_CHECK_EQ(st.pending_records, n);
    LFT_CHECK(st.ring_high_water <= CAP);
}

/* Open observations whose STARTs LFT_DROP_OLDEST moved, several times and
 * more of them than the client's table of moved STARTs holds: an UPDATE
 * names where its START is when written (and refreshes the handle's hint),
 * every END finds its START, and an UPDATE whose START was released is an
 * orphan that counts as ended. */
#define MOVED_SPANS (2u * LFT_CLIENT_MOVED_SLOTS)
static void test_moved_starts_found(void)
{
    init(LFT_DROP_OLDEST);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t g[MOVED_SPANS];
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "moved", NULL), LFT_OK);
    for (unsigned i = 0; i < MOVED_SPANS; i++) {
        const lft_obs_t fresh = LFT_OBS_INIT;
        g[i] = fresh;
        LFT_CHECK_EQ(lft_span_start(&g[i], &t, "open", NULL), LFT_OK);
    }
    for (unsigned i = 0; i < 3u * CAP / 35u; i++) {
        LFT_CHECK_EQ(lft_event(&t, "tick", NULL), LFT_OK);
    }
    LFT_CHECK(stats().moved >= 2u * (MOVED_SPANS + 1u)); /* every START, at least twice */
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.level = LFT_LEVEL_WARNING;
    for (unsigned i = 0; i < MOVED_SPANS; i++) {
        LFT_CHECK_EQ(lft_obs_update(&g[i], &o), LFT_OK);
    }
    lft_reader_t r;
    lft_record_t rec, start;
    unsigned updates = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type != LFT_REC_UPDATE) {
            continue;
        }
        updates++;
        LFT_CHECK_EQ(rec.flags & LFT_RECF_ORPHAN, 0);
        LFT_CHECK_EQ(lft_reader_find_start(&r, rec.serial, &start), 1);
        LFT_CHECK_EQ(rec.start, start.pos);
        LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 0);
        for (unsigned i = 0; i < MOVED_SPANS; i++) {
            if (g[i].serial == rec.serial) {
                LFT_CHECK_EQ(g[i].start_abs, start.pos); /* the handle's hint, refreshed */
            }
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(updates, MOVED_SPANS);
    /* the trace's START moved since its handle learned where it was: its
     * END finds it through the table or the search */
    for (unsigned i = 0; i < MOVED_SPANS; i++) {
        LFT_CHECK_EQ(lft_obs_end(&g[i], NULL), LFT_OK);
    }
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    unsigned ended_starts = 0, ends = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_START) {
            ended_starts += (rec.flags & LFT_RECF_ENDED) != 0;
            LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 1);
        } else if (rec.type == LFT_REC_END) {
            ends++;
            LFT_CHECK_EQ(rec.flags & LFT_RECF_ORPHAN, 0);
        } else if (rec.type == LFT_REC_UPDATE) {
            LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 1);
        }
        LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(ended_starts, MOVED_SPANS + 1u);
    LFT_CHECK_EQ(ends, MOVED_SPANS + 1u);
    LFT_CHECK_EQ(stats().pending_records, 0);

    /* an UPDATE whose START was released while open: an orphan, ended */
    lft_trace_t t2 = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t2, "released", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_reader_next(&r, &rec), 1);
    LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
    lft_reader_end(&r);
    lft_trace_opts_t to;
    memset(&to, 0, sizeof to);
    to.session_id = "s";
    LFT_CHECK_EQ(lft_trace_update(&t2, &to), LFT_OK);
    unsigned orphans = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_UPDATE && rec.serial == t2.serial) {
            orphans += (rec.flags & LFT_RECF_ORPHAN) != 0;
            LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 1);
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(orphans, 1);
    LFT_CHECK_EQ(lft_trace_end(&t2, NULL), LFT_OK);
}

int main(void)
{
    LFT_RUN(test_long_open_trace);
    LFT_RUN(test_update_order);
    LFT_RUN(test_long_open_drop_oldest);
    LFT_RUN(test_moved_starts_found);
    return LFT_TEST_REPORT();
}
