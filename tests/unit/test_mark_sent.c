/*
 * test_mark_sent.c - lft_reader_mark_sent: LFT_RECF_SENT on a START, seen by
 * later readers, not a release (the record stays pending and DONE semantics
 * are unchanged), refused on anything but a START of the snapshot, and kept
 * when a long-open trace's START is moved forward in the ring many times
 * (by lft_reader_end under LFT_DROP_NEWEST and by allocation under
 * LFT_DROP_OLDEST), until the trace ends and its START is released.
 */
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"

#define CAP 1024u
static uint8_t ring[CAP];
static lft_client_t client;

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
    lft_test_entropy_seed(7);
    lft_test_clock_set(1000);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
}

/* The pending START of serial in a fresh reader pass (flags as now); 0 if absent. */
static int find_start(uint32_t serial, lft_record_t *out)
{
    lft_reader_t r;
    lft_record_t rec;
    int found = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_START && rec.serial == serial) {
            *out = rec;
            found++;
        }
    }
    (void)lft_reader_end(&r);
    LFT_CHECK(found <= 1);
    return found == 1;
}

static void test_basic(void)
{
    init(LFT_DROP_NEWEST);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "s", NULL), LFT_OK);
    lft_obs_opts_t up = { 0 };
    up.input = LFT_TEXT("in");
    LFT_CHECK_EQ(lft_obs_update(&span, &up), LFT_OK);
    LFT_CHECK_EQ(lft_event(&span, "e", NULL), LFT_OK);

    lft_reader_t r;
    lft_record_t rec, span_start, update, event;
    memset(&span_start, 0, sizeof span_start);
    memset(&update, 0, sizeof update);
    memset(&event, 0, sizeof event);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK_EQ(rec.flags & LFT_RECF_SENT, 0);
        if (rec.type == LFT_REC_START && rec.serial == span.serial) {
            span_start = rec;
        } else if (rec.type == LFT_REC_UPDATE) {
            update = rec;
        } else if (rec.type == LFT_REC_EVENT) {
            event = rec;
        }
    }
    const uint32_t pending = stats().pending_records;
    LFT_CHECK_EQ(pending, 4);
    /* refused: not a START, NULL, closed or foreign positions */
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &update), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &event), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reader_mark_sent(NULL, &span_start), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, NULL), LFT_ERR_ARG);
    lft_record_t outside = span_start;
    outside.pos = r.end; /* just past the snapshot */
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &outside), LFT_ERR_ARG);
    /* marking is not releasing; twice is harmless */
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &span_start), LFT_OK);
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &span_start), LFT_OK);
    LFT_CHECK_EQ(stats().pending_records, pending);
    /* the reader sees it again with the flag (lft_reader_at re-reads flags) */
    LFT_CHECK_EQ(lft_reader_at(&r, span_start.pos, &rec), LFT_OK);
    LFT_CHECK_EQ(rec.flags & (LFT_RECF_SENT | LFT_RECF_DONE), LFT_RECF_SENT);
    /* still open: is_ended is 0 */
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 0);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &span_start), LFT_ERR_ARG); /* reader closed */

    LFT_CHECK(find_start(span.serial, &rec));
    LFT_CHECK_EQ(rec.flags & LFT_RECF_SENT, LFT_RECF_SENT);
    LFT_CHECK(find_start(trace.serial, &rec));
    LFT_CHECK_EQ(rec.flags & LFT_RECF_SENT, 0); /* only the one marked */

    /* the end sets ENDED next to SENT; releasing frees it as usual */
    LFT_CHECK_EQ(lft_obs_end(&span, NULL), LFT_OK);
    LFT_CHECK(find_start(span.serial, &rec));
    LFT_CHECK_EQ(rec.flags & (LFT_RECF_SENT | LFT_RECF_ENDED | LFT_RECF_ORPHAN),
                 LFT_RECF_SENT | LFT_RECF_ENDED);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.serial == span.serial) {
            LFT_CHECK(rec.type != LFT_REC_END || (rec.flags & LFT_RECF_ORPHAN) == 0);
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    (void)lft_reader_end(&r);
    LFT_CHECK(!find_start(span.serial, &rec));
    LFT_CHECK_EQ(stats().pending_records, 2); /* trace START and the event */
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* A long-open trace whose START is flagged SENT while ten times the ring's
 * size of short traces passes through it; every pass releases what ended. */
static void long_open(lft_drop_policy_t policy)
{
    init(policy);
    lft_trace_t trace = LFT_OBS_INIT;
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro") };
    lft_trace_opts_t to = { 0 };
    to.user_id = "user_123";
    to.metadata = meta;
    to.metadata_count = 1;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "long-open", &to), LFT_OK);

    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK(find_start(trace.serial, &rec));
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &rec), LFT_OK);
    (void)lft_reader_end(&r);

    const uint32_t moved_before = stats().moved;
    uint32_t last_pos = rec.pos;
    unsigned pos_changes = 0, moved_copies = 0;
    /* 400 short traces of about 28 bytes: more than ten times the ring */
    for (unsigned i = 0; i < 400u; i++) {
        lft_trace_t t = LFT_OBS_INIT;
        char name[32];
        snprintf(name, sizeof name, "short-%u", i);
        LFT_CHECK_EQ(lft_trace_start(&client, &t, name, NULL), LFT_OK);
        LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
        /* LFT_DROP_OLDEST: a pass only every 64 traces, so that allocation
         * has to make room (and move the START) in between */
        if (policy == LFT_DROP_NEWEST || (i % 64u) == 63u) {
            /* exporter pass: release everything ended, mark nothing */
            LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
            while (lft_reader_next(&r, &rec) == 1) {
                if (rec.serial == trace.serial) {
                    LFT_CHECK_EQ(rec.flags & LFT_RECF_SENT, LFT_RECF_SENT);
                    LFT_CHECK_EQ(rec.flags & LFT_RECF_ENDED, 0);
                    moved_copies += (rec.flags & LFT_RECF_MOVED) != 0;
                    if (rec.pos != last_pos) {
                        pos_changes++;
                        last_pos = rec.pos;
                    }
                } else if (lft_reader_is_ended(&r, &rec)) {
                    LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
                }
            }
            (void)lft_reader_end(&r);
        }
    }
    /* the START moved (more than once), flag and fields intact */
    LFT_CHECK(stats().moved - moved_before >= 2u);
    LFT_CHECK(pos_changes >= 2u);
    LFT_CHECK(moved_copies >= 1u);
    LFT_CHECK(find_start(trace.serial, &rec));
    LFT_CHECK_EQ(rec.flags & (LFT_RECF_SENT | LFT_RECF_MOVED | LFT_RECF_ENDED),
                 LFT_RECF_SENT | LFT_RECF_MOVED);
    lft_field_iter_t it;
    lft_field_t f;
    lft_field_iter_init(&it, &rec);
    LFT_CHECK(lft_field_next(&it, &f) == 1 && f.tag == LFT_F_NAME && f.str_len == 9 &&
              memcmp(f.str, "long-open", 9) == 0);
    LFT_CHECK(lft_field_next(&it, &f) == 1 && f.tag == LFT_F_USER_ID);
    LFT_CHECK(lft_field_next(&it, &f) == 1 && f.tag == LFT_F_META_STR);
    LFT_CHECK_EQ(lft_field_next(&it, &f), 0);
    if (policy == LFT_DROP_OLDEST) {
        LFT_CHECK(stats().dropped_overwritten > 0); /* allocation made room too */
    } else {
        LFT_CHECK_EQ(stats().dropped_ring_full, 0);
    }

    /* the end finds the moved START: not an orphan, ENDED next to SENT */
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    unsigned ends = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.serial == trace.serial && rec.type == LFT_REC_START) {
            LFT_CHECK_EQ(rec.flags & (LFT_RECF_SENT | LFT_RECF_ENDED), LFT_RECF_SENT | LFT_RECF_ENDED);
        } else if (rec.serial == trace.serial && rec.type == LFT_REC_END) {
            LFT_CHECK_EQ(rec.flags & LFT_RECF_ORPHAN, 0);
            ends++;
        }
        LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
    }
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(ends, 1);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(stats().pending_bytes, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

static void test_long_open_drop_newest(void)
{
    long_open(LFT_DROP_NEWEST);
}

static void test_long_open_drop_oldest(void)
{
    long_open(LFT_DROP_OLDEST);
}

int main(void)
{
    LFT_RUN(test_basic);
    LFT_RUN(test_long_open_drop_newest);
    LFT_RUN(test_long_open_drop_oldest);
    return LFT_TEST_REPORT();
}
