/*
 * test_scores.c - score-create batches and /api/public/scores bodies from
 * scores recorded with the real API: exact bytes for a simple score, the
 * counting and streaming passes agree, every target and data type, escaping
 * and U+FFFD replacement, envelope ids unique and stable, the batch
 * validates against ../shared/langfuse/ingestion-schema.json, and nothing is
 * written while the wall clock is unknown. Also the lft_jsonw helpers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_json.h"
#include "lft_jsonw.h"
#include "lft_port_test.h"
#include "lft_scores.h"
#include "lft_test.h"
#define LFT_TEST_OUT_CAP 32768u
#include "lft_test_out.h"

#define WALL_US 1795000000123456ull /* 2026-11-18T11:06:40.123456Z */

static uint8_t ring[32768];
static lft_client_t client;

/* ------------------------------------------------------------ sinks */

/* Encode pos[0..count) through a scratch of scratch_cap bytes into o. */
static lft_err_t encode_to(lft_reader_t *r, const uint32_t *pos, size_t count, size_t scratch_cap,
                           lft_test_out_t *o)
{
    uint8_t scratch[512];
    lft_sink_t s;
    memset(o, 0, sizeof *o);
    lft_sink_init(&s, scratch, scratch_cap, lft_test_collect, o);
    lft_err_t err = lft_scores_encode_batch(&client, r, pos, count, &s);
    LFT_CHECK_EQ(lft_sink_flush(&s), 0);
    LFT_CHECK_EQ(s.total, o->len);
    return err;
}

static uint64_t count_batch(lft_reader_t *r, const uint32_t *pos, size_t count)
{
    lft_sink_t s;
    lft_sink_init_count(&s);
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, r, pos, count, &s), LFT_OK);
    return s.total;
}

static void init_client(const char *environment, int wall_known)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.environment = environment;
    lft_test_entropy_seed(42);
    lft_test_clock_set(1000000);
    lft_test_wall_set(0);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    if (wall_known) {
        LFT_CHECK_EQ(lft_time_set_unix_us(&client, WALL_US), LFT_OK);
    }
}

/* Positions of the SCORE records in r's snapshot, in ring order. */
static size_t score_positions(lft_reader_t *r, uint32_t *pos, lft_record_t *recs, size_t cap)
{
    lft_record_t rec;
    size_t n = 0;
    while (lft_reader_next(r, &rec) == 1) {
        if (rec.type == LFT_REC_SCORE && n < cap) {
            recs[n] = rec;
            pos[n++] = rec.pos;
        }
    }
    return n;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

/* ------------------------------------------------------------ exact */

static void test_exact_simple(void)
{
    init_client("production", 1);
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "t", NULL), LFT_OK);
    lft_score_t sc = { 0 };
    sc.name = "quality";
    sc.value = 0.9;
    sc.target = &trace;
    LFT_CHECK_EQ(lft_score(&client, &sc), LFT_OK);

    lft_reader_t r;
    uint32_t pos[4];
    lft_record_t recs[4];
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    size_t n = score_positions(&r, pos, recs, 4);
    LFT_CHECK_EQ(n, 1);

    uint8_t sid[8], tid[16];
    char sidh[17], tidh[33], eid[LFT_SCORES_ENVELOPE_ID_LEN + 1u], want[1024], body[512];
    LFT_CHECK_EQ(lft_client_span_id(&client, recs[0].serial, sid), LFT_OK);
    LFT_CHECK_EQ(lft_obs_trace_id(&trace, tid), LFT_OK);
    hex(sidh, sid, 8);
    hex(tidh, tid, 16);
    LFT_CHECK_EQ(lft_scores_envelope_id(&client, &recs[0], eid), LFT_OK);
    LFT_CHECK_EQ(strlen(eid), LFT_SCORES_ENVELOPE_ID_LEN);
    snprintf(want, sizeof want, "%s-e", sidh);
    LFT_CHECK(strcmp(eid, want) == 0);

    snprintf(body, sizeof body,
             "{\"id\":\"%s\",\"traceId\":\"%s\",\"name\":\"quality\",\"value\":0.9,"
             "\"dataType\":\"NUMERIC\",\"environment\":\"production\"}",
             sidh, tidh);
    snprintf(want, sizeof want,
             "{\"batch\":[{\"id\":\"%s-e\",\"type\":\"score-create\","
             "\"timestamp\":\"2026-11-18T11:06:40.123456Z\",\"body\":%s}],"
             "\"metadata\":{\"sdk_name\":\"lftrace\",\"sdk_version\":\"" LFTRACE_VERSION "\"}}",
             sidh, body);
    static lft_test_out_t o;
    LFT_CHECK_EQ(encode_to(&r, pos, n, 1, &o), LFT_OK);
    LFT_CHECK_STRN(o.buf, o.len, want);
    LFT_CHECK_EQ(count_batch(&r, pos, n), strlen(want));

    /* /api/public/scores: the body alone, same bytes */
    uint8_t scratch[3];
    lft_sink_t s;
    memset(&o, 0, sizeof o);
    lft_sink_init(&s, scratch, sizeof scratch, lft_test_collect, &o);
    LFT_CHECK_EQ(lft_scores_encode_one(&client, &recs[0], &s), LFT_OK);
    LFT_CHECK_EQ(lft_sink_flush(&s), 0);
    LFT_CHECK_STRN(o.buf, o.len, body);
    lft_sink_init_count(&s);
    LFT_CHECK_EQ(lft_scores_encode_one(&client, &recs[0], &s), LFT_OK);
    LFT_CHECK_EQ(s.total, strlen(body));

    /* an empty batch */
    LFT_CHECK_EQ(encode_to(&r, NULL, 0, 16, &o), LFT_OK);
    LFT_CHECK_STRN(o.buf, o.len,
                   "{\"batch\":[],\"metadata\":{\"sdk_name\":\"lftrace\",\"sdk_version\":\"" LFTRACE_VERSION "\"}}");
    lft_reader_end(&r);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ many */

/* Record the varied set: returns the number of scores. */
static size_t record_varied(lft_trace_t *trace, lft_obs_t *span)
{
    lft_trace_opts_t topts = { 0 };
    topts.user_id = "user_123";
    topts.session_id = "sess-1";
    LFT_CHECK_EQ(lft_trace_start(&client, trace, "support-query", &topts), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(span, trace, "retrieval", NULL), LFT_OK);
    lft_test_clock_advance(1500);

    lft_score_t a = { 0 }; /* trace, numeric, comment, user id */
    a.name = "accuracy";
    a.data_type = LFT_SCORE_NUMERIC;
    a.value = -12.5;
    a.comment = "on-device heuristic";
    a.id = "user-score-7";
    a.target = trace;
    LFT_CHECK_EQ(lft_score(&client, &a), LFT_OK);

    lft_score_t b = { 0 }; /* observation, boolean */
    b.name = "grounded";
    b.data_type = LFT_SCORE_BOOLEAN;
    b.value = 1.0;
    b.target = span;
    LFT_CHECK_EQ(lft_score(&client, &b), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(span, NULL), LFT_OK);

    lft_score_t c = { 0 }; /* session, categorical (inferred) */
    c.name = "sentiment";
    c.string_value = "good";
    c.session_id = "sess-1";
    LFT_CHECK_EQ(lft_score(&client, &c), LFT_OK);

    lft_score_t d = { 0 }; /* hostile text in every string */
    d.name = "na\"me\\";
    d.data_type = LFT_SCORE_CATEGORICAL;
    d.string_value = "bad \xff\xfe \"q\" \x01\n\t\x7f \xe2\x82";
    d.comment = "caf\xc3\xa9 \xed\xa0\x80 </script>";
    d.id = "id \"with\" quotes";
    d.target = trace;
    LFT_CHECK_EQ(lft_score(&client, &d), LFT_OK);

    lft_score_t e = { 0 }; /* boolean 0 on the trace, tiny value on the span */
    e.name = "flag";
    e.data_type = LFT_SCORE_BOOLEAN;
    e.value = 0.0;
    e.target = trace;
    LFT_CHECK_EQ(lft_score(&client, &e), LFT_OK);
    lft_score_t f = { 0 };
    f.name = "tiny";
    f.value = 1e-300;
    f.target = span; /* ended: still scorable */
    LFT_CHECK_EQ(lft_score(&client, &f), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(trace, NULL), LFT_OK);
    return 6;
}

static void check_contains(const lft_test_out_t *o, const char *needle)
{
    int found = strstr(o->buf, needle) != NULL;
    LFT_CHECK(found);
    if (!found) {
        fprintf(stderr, "  missing: %s\n", needle);
    }
}

/* Run the schema check on o: 0 valid, 1 invalid, -1 skipped. */
static int schema_check(const lft_test_out_t *o, const char *name, int quiet)
{
    const char *schema = LFT_SHARED_DIR "/langfuse/ingestion-schema.json";
    FILE *f = fopen(schema, "rb");
    char path[512], cmd[2048];
    if (f == NULL) {
        printf("SKIP schema: ../shared not found\n");
        return -1;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/%s", LFT_BINARY_DIR, name);
    f = fopen(path, "wb");
    LFT_CHECK(f != NULL);
    if (f == NULL) {
        return 1;
    }
    LFT_CHECK_EQ(fwrite(o->buf, 1, o->len, f), o->len);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys,jsonschema\n"
             "s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n"
             "v=jsonschema.Draft202012Validator(s,format_checker=jsonschema.FormatChecker())\n"
             "errs=list(v.iter_errors(d))\n"
             "[print(\"schema:\",e.message[:200]) for e in errs]\n"
             "sys.exit(1 if errs else 0)' '%s' '%s'%s",
             schema, path, quiet ? " >/dev/null" : "");
    int rc = system(cmd);
    return rc == 0 ? 0 : 1;
}

static void test_varied_batch(void)
{
    init_client("edge-01", 1);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    size_t want_n = record_varied(&trace, &span);

    lft_reader_t r;
    uint32_t pos[16];
    lft_record_t recs[16];
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    size_t n = score_positions(&r, pos, recs, 16);
    LFT_CHECK_EQ(n, want_n);

    /* counting pass == streaming pass, whatever the scratch size */
    static lft_test_out_t o1, o2, o3;
    LFT_CHECK_EQ(encode_to(&r, pos, n, 1, &o1), LFT_OK);
    LFT_CHECK_EQ(encode_to(&r, pos, n, 7, &o2), LFT_OK);
    LFT_CHECK_EQ(encode_to(&r, pos, n, 512, &o3), LFT_OK);
    LFT_CHECK_EQ(count_batch(&r, pos, n), o1.len);
    LFT_CHECK(o1.len == o2.len && memcmp(o1.buf, o2.buf, o1.len) == 0);
    LFT_CHECK(o1.len == o3.len && memcmp(o1.buf, o3.buf, o1.len) == 0);
    LFT_CHECK_EQ(lft_json_validate(o1.buf, o1.len), LFT_OK);

    /* ids and targets */
    uint8_t tid[16], oid[8];
    char tidh[33], oidh[17], frag[256];
    LFT_CHECK_EQ(lft_obs_trace_id(&trace, tid), LFT_OK);
    LFT_CHECK_EQ(lft_obs_span_id(&span, oid), LFT_OK);
    hex(tidh, tid, 16);
    hex(oidh, oid, 8);
    snprintf(frag, sizeof frag,
             "\"body\":{\"id\":\"user-score-7\",\"traceId\":\"%s\",\"name\":\"accuracy\",\"value\":-12.5,"
             "\"dataType\":\"NUMERIC\",\"comment\":\"on-device heuristic\",\"environment\":\"edge-01\"}",
             tidh);
    check_contains(&o1, frag);
    snprintf(frag, sizeof frag, "\"traceId\":\"%s\",\"observationId\":\"%s\",\"name\":\"grounded\",\"value\":1,"
             "\"dataType\":\"BOOLEAN\",\"environment\":\"edge-01\"}", tidh, oidh);
    check_contains(&o1, frag);
    check_contains(&o1, "\"sessionId\":\"sess-1\",\"name\":\"sentiment\",\"value\":\"good\","
                        "\"dataType\":\"CATEGORICAL\",\"environment\":\"edge-01\"}");
    check_contains(&o1, "{\"id\":\"id \\\"with\\\" quotes\",\"traceId\":");
    check_contains(&o1, "\"name\":\"na\\\"me\\\\\",\"value\":\"bad \xef\xbf\xbd\xef\xbf\xbd \\\"q\\\" \\u0001\\n\\t\x7f "
                        "\xef\xbf\xbd\",\"dataType\":\"CATEGORICAL\",\"comment\":\"caf\xc3\xa9 "
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd </script>\"");
    check_contains(&o1, "\"name\":\"flag\",\"value\":0,\"dataType\":\"BOOLEAN\"");
    check_contains(&o1, "\"name\":\"tiny\",\"value\":1e-300,\"dataType\":\"NUMERIC\"");
    check_contains(&o1, "\"timestamp\":\"2026-11-18T11:06:40.124956Z\""); /* +1500 us */
    LFT_CHECK(strstr(o1.buf, "\"sessionId\":\"sess-1\",\"name\":\"sentiment\"") != NULL);
    /* the session score has no trace id; no score has "observationId" but the span's two */
    {
        size_t k = 0;
        for (const char *p = o1.buf; (p = strstr(p, "\"observationId\"")) != NULL; p++) {
            k++;
        }
        LFT_CHECK_EQ(k, 2);
    }

    /* envelope ids: unique, in the body, each exactly once */
    char eids[16][LFT_SCORES_ENVELOPE_ID_LEN + 1u];
    for (size_t i = 0; i < n; i++) {
        char needle[64];
        LFT_CHECK_EQ(lft_scores_envelope_id(&client, &recs[i], eids[i]), LFT_OK);
        snprintf(needle, sizeof needle, "{\"id\":\"%.18s\",\"type\":\"score-create\"", eids[i]);
        const char *hit = strstr(o1.buf, needle);
        LFT_CHECK(hit != NULL);
        LFT_CHECK(hit == NULL || strstr(hit + 1, needle) == NULL);
        for (size_t j = 0; j < i; j++) {
            LFT_CHECK(strcmp(eids[i], eids[j]) != 0);
        }
    }
    lft_reader_end(&r);

    /* stable: a second reader pass (a retry) encodes the same bytes */
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    size_t n2 = score_positions(&r, pos, recs, 16);
    LFT_CHECK_EQ(n2, n);
    LFT_CHECK_EQ(encode_to(&r, pos, n2, 13, &o2), LFT_OK);
    LFT_CHECK(o1.len == o2.len && memcmp(o1.buf, o2.buf, o1.len) == 0);
    for (size_t i = 0; i < n2; i++) {
        char again[LFT_SCORES_ENVELOPE_ID_LEN + 1u];
        LFT_CHECK_EQ(lft_scores_envelope_id(&client, &recs[i], again), LFT_OK);
        LFT_CHECK(strcmp(again, eids[i]) == 0);
    }

    /* a subset in another order is a valid batch of those events only */
    uint32_t sub[2] = { pos[3], pos[0] };
    LFT_CHECK_EQ(encode_to(&r, sub, 2, 5, &o3), LFT_OK);
    LFT_CHECK(strstr(o3.buf, eids[3]) != NULL && strstr(o3.buf, eids[0]) != NULL);
    LFT_CHECK(strstr(o3.buf, eids[3]) < strstr(o3.buf, eids[0]));
    LFT_CHECK(strstr(o3.buf, eids[1]) == NULL);

    /* schema */
    int rc = schema_check(&o1, "test_scores_batch.json", 0);
    LFT_CHECK(rc <= 0);
    if (rc == 0) {
        /* the check is not vacuous: a score without "value" is refused */
        static lft_test_out_t bad;
        const char *cut = strstr(o3.buf, "\"value\":");
        LFT_CHECK(cut != NULL);
        if (cut != NULL) {
            const char *after = strstr(cut, ",\"dataType\"");
            memset(&bad, 0, sizeof bad);
            memcpy(bad.buf, o3.buf, (size_t)(cut - o3.buf));
            bad.len = (size_t)(cut - o3.buf);
            strcpy(bad.buf + bad.len, after + 1);
            bad.len = strlen(bad.buf);
            LFT_CHECK_EQ(lft_json_validate(bad.buf, bad.len), LFT_OK);
            LFT_CHECK_EQ(schema_check(&bad, "test_scores_bad.json", 1), 1);
        }
    }

    /* releasing and reclaiming leaves nothing to encode */
    for (size_t i = 0; i < n2; i++) {
        LFT_CHECK_EQ(lft_reader_release(&r, &recs[i]), LFT_OK);
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ wall clock */

static void test_no_wall_clock(void)
{
    init_client(NULL, 0);
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "offline", NULL), LFT_OK);
    lft_score_t sc = { 0 };
    sc.name = "q";
    sc.value = 3;
    sc.target = &trace;
    LFT_CHECK_EQ(lft_score(&client, &sc), LFT_OK);

    lft_reader_t r;
    uint32_t pos[4];
    lft_record_t recs[4];
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    size_t n = score_positions(&r, pos, recs, 4);
    LFT_CHECK_EQ(n, 1);
    lft_sink_t s;
    lft_sink_init_count(&s);
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, pos, n, &s), LFT_ERR_NO_WALL_CLOCK);
    LFT_CHECK_EQ(s.total, 0);
    /* the wall clock is checked before the positions */
    uint32_t bogus = pos[0] + 1u;
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, &bogus, 1, &s), LFT_ERR_NO_WALL_CLOCK);
    LFT_CHECK_EQ(s.total, 0);
    /* /api/public/scores needs no time: the server stamps it */
    LFT_CHECK_EQ(lft_scores_encode_one(&client, &recs[0], &s), LFT_OK);
    LFT_CHECK(s.total > 0);
    lft_reader_end(&r);

    /* learning the date later gives the score its true time */
    lft_test_clock_advance(5000000);
    LFT_CHECK_EQ(lft_time_set_unix_us(&client, WALL_US), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    n = score_positions(&r, pos, recs, 4);
    static lft_test_out_t o;
    LFT_CHECK_EQ(encode_to(&r, pos, n, 64, &o), LFT_OK);
    check_contains(&o, "\"timestamp\":\"2026-11-18T11:06:35.123456Z\"");
    LFT_CHECK(strstr(o.buf, "environment") == NULL); /* no environment configured */
    lft_reader_end(&r);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ arguments */

static void test_bad_arguments(void)
{
    init_client(NULL, 1);
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "t", NULL), LFT_OK);
    lft_score_t sc = { 0 };
    sc.name = "q";
    sc.value = 1;
    sc.target = &trace;
    LFT_CHECK_EQ(lft_score(&client, &sc), LFT_OK);

    lft_reader_t r;
    lft_record_t rec, score, start;
    uint32_t p;
    int have_start = 0, have_score = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_START) {
            start = rec;
            have_start = 1;
        } else if (rec.type == LFT_REC_SCORE) {
            score = rec;
            have_score = 1;
        }
    }
    LFT_CHECK(have_start && have_score);
    if (!have_start || !have_score) {
        lft_reader_end(&r);
        return;
    }
    lft_sink_t s;
    char eid[LFT_SCORES_ENVELOPE_ID_LEN + 1u];
    lft_sink_init_count(&s);
    p = start.pos; /* not a score */
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, &p, 1, &s), LFT_ERR_ARG);
    p = score.pos + 1u; /* not a record */
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, &p, 1, &s), LFT_ERR_ARG);
    uint32_t two[2] = { score.pos, start.pos }; /* one bad: nothing written */
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, two, 2, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, NULL, 1, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_encode_batch(NULL, &r, &score.pos, 1, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, NULL, &score.pos, 1, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_encode_batch(&client, &r, &score.pos, 1, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(s.total, 0);
    LFT_CHECK_EQ(lft_scores_encode_one(&client, &start, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_encode_one(&client, NULL, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_encode_one(&client, &score, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(s.total, 0);
    LFT_CHECK_EQ(lft_scores_envelope_id(&client, &start, eid), LFT_ERR_ARG);
    LFT_CHECK_EQ(eid[0], '\0');
    LFT_CHECK_EQ(lft_scores_envelope_id(NULL, &score, eid), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_envelope_id(&client, &score, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_scores_envelope_id(&client, &score, eid), LFT_OK);

    /* a reader of another client */
    static lft_client_t other;
    static uint8_t other_ring[4096];
    lft_config_t cfg = { 0 };
    cfg.ring = other_ring;
    cfg.ring_size = sizeof other_ring;
    LFT_CHECK_EQ(lft_client_init(&other, &cfg), LFT_OK);
    LFT_CHECK_EQ(lft_time_set_unix_us(&other, WALL_US), LFT_OK);
    LFT_CHECK_EQ(lft_scores_encode_batch(&other, &r, &score.pos, 1, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_client_deinit(&other), LFT_OK);
    LFT_CHECK_EQ(lft_scores_encode_batch(&other, &r, &score.pos, 1, &s), LFT_ERR_HANDLE);
    LFT_CHECK_EQ(lft_scores_encode_one(&other, &score, &s), LFT_ERR_HANDLE);
    LFT_CHECK_EQ(s.total, 0);

    /* a corrupt record: fields cut short */
    lft_record_t broken = score;
    broken.fields_len = 3;
    LFT_CHECK_EQ(lft_scores_encode_one(&client, &broken, &s), LFT_ERR_ARG);
    LFT_CHECK_EQ(s.total, 0);
    lft_reader_end(&r);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ jsonw */

static void jw_expect(void (*fn)(lft_sink_t *, double), double d, const char *want)
{
    static lft_test_out_t o;
    uint8_t scratch[2];
    lft_sink_t s;
    memset(&o, 0, sizeof o);
    lft_sink_init(&s, scratch, sizeof scratch, lft_test_collect, &o);
    fn(&s, d);
    LFT_CHECK_EQ(lft_sink_flush(&s), 0);
    LFT_CHECK_STRN(o.buf, o.len, want);
    if (isfinite(d)) {
        LFT_CHECK(strtod(o.buf, NULL) == d); /* reads back exactly */
        LFT_CHECK(signbit(strtod(o.buf, NULL)) == signbit(d));
    }
}

/* Significant digits of a JSON number (leading zeros and the exponent not counted). */
static int sig_digits(const char *p)
{
    int n = 0, lead = 1, zeros = 0;
    for (; *p != '\0' && *p != 'e'; p++) {
        if (*p < '0' || *p > '9') {
            continue;
        }
        if (*p == '0' && lead) {
            continue;
        }
        lead = 0;
        n++;
        zeros = *p == '0' ? zeros + 1 : 0;
    }
    return n - zeros; /* trailing zeros of an integer are not significant */
}

static void test_jsonw(void)
{
    jw_expect(lft_jsonw_double, 0.9, "0.9");
    jw_expect(lft_jsonw_double, 1.0, "1");
    jw_expect(lft_jsonw_double, -0.0, "-0");
    jw_expect(lft_jsonw_double, 1e300, "1e+300");
    jw_expect(lft_jsonw_double, 0.1 + 0.2, "0.30000000000000004");
    jw_expect(lft_jsonw_double, 5e-324, "5e-324"); /* the smallest denormal */
    jw_expect(lft_jsonw_double, -1.7976931348623157e308, "-1.7976931348623157e+308");
    jw_expect(lft_jsonw_double, 2.2250738585072014e-308, "2.2250738585072014e-308"); /* smallest normal */
    jw_expect(lft_jsonw_double, 4503599627370496.0, "4503599627370496"); /* 2^52: closer lower neighbour */
    jw_expect(lft_jsonw_double, 0.0125, "0.0125");
    jw_expect(lft_jsonw_double, 0.00001, "1e-05");
    jw_expect(lft_jsonw_double, 0.0001, "0.0001");
    jw_expect(lft_jsonw_double, 123.5, "123.5");
    jw_expect(lft_jsonw_double, -42.0, "-42");
    jw_expect(lft_jsonw_double, 1e15, "1e+15");
    jw_expect(lft_jsonw_double, 123456789012345.0, "123456789012345");
    jw_expect(lft_jsonw_double, 1234567890123456.5, "1234567890123456.5");
    jw_expect(lft_jsonw_double, 1.2345678901234568e17, "1.2345678901234568e+17");
    jw_expect(lft_jsonw_double, 1e21, "1e+21");
    jw_expect(lft_jsonw_double, NAN, "null");
    jw_expect(lft_jsonw_double, INFINITY, "null");
    jw_expect(lft_jsonw_double, -INFINITY, "null");

    /* Random bit patterns and random decimals (up to 14 digits): the text
     * always reads back exactly, is valid JSON and has at most 17 significant
     * digits; decimals of up to 8 digits come out as written nearly always. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int longer = 0;
    for (int i = 0; i < 30000; i++) {
        double d;
        int short_decimal = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (i % 3 == 0) {
            memcpy(&d, &x, sizeof d);
        } else {
            static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10 };
            short_decimal = i % 3 == 1;
            int64_t mant = short_decimal ? (int64_t)(x % 100000000u) : (int64_t)(x >> 20);
            d = (double)(x & 1u ? -mant : mant) / p10[(x >> 8) % 11u];
        }
        static lft_test_out_t o;
        lft_sink_t s;
        uint8_t scratch[64];
        memset(&o, 0, sizeof o);
        lft_sink_init(&s, scratch, sizeof scratch, lft_test_collect, &o);
        lft_jsonw_double(&s, d);
        (void)lft_sink_flush(&s);
        if (!isfinite(d)) {
            LFT_CHECK_STRN(o.buf, o.len, "null");
            continue;
        }
        if (strtod(o.buf, NULL) != d || lft_json_validate(o.buf, o.len) != LFT_OK ||
            sig_digits(o.buf) > 17) {
            LFT_CHECK(0);
            fprintf(stderr, "  double %.17g -> %s\n", d, o.buf);
            break;
        }
        if (short_decimal) {
            char shortest[40];
            for (int prec = 1; prec <= 17; prec++) {
                (void)snprintf(shortest, sizeof shortest, "%.*g", prec, d);
                if (strtod(shortest, NULL) == d) {
                    break;
                }
            }
            longer += sig_digits(o.buf) > sig_digits(shortest);
        }
    }
    LFT_CHECK(longer < 20); /* of 10,000 */
    printf("  doubles: %d of 10000 short decimals got more digits than needed\n", longer);

    static lft_test_out_t o;
    lft_sink_t s;
    uint8_t scratch[1];
    memset(&o, 0, sizeof o);
    lft_sink_init(&s, scratch, sizeof scratch, lft_test_collect, &o);
    lft_jsonw_i64(&s, INT64_MIN);
    lft_jsonw_raw(&s, ",");
    lft_jsonw_i64(&s, 0);
    lft_jsonw_raw(&s, ",");
    lft_jsonw_i64(&s, INT64_MAX);
    lft_jsonw_raw(&s, ",");
    lft_jsonw_u64(&s, UINT64_MAX);
    lft_jsonw_raw(&s, ",");
    static const uint8_t bytes[4] = { 0x00, 0x0f, 0xa0, 0xff };
    lft_jsonw_hex(&s, bytes, 4);
    lft_jsonw_raw(&s, ",");
    lft_jsonw_string(&s, "a\"\\/\x1f\x7f\b\xc3\xa9\xc3", 10);
    lft_jsonw_raw(&s, ",");
    lft_jsonw_string(&s, NULL, 0);
    (void)lft_sink_flush(&s);
    LFT_CHECK_STRN(o.buf, o.len,
                   "-9223372036854775808,0,9223372036854775807,18446744073709551615,000fa0ff,"
                   "\"a\\\"\\\\/\\u001f\x7f\\u0008\xc3\xa9\xef\xbf\xbd\",\"\"");
}

int main(void)
{
    LFT_RUN(test_exact_simple);
    LFT_RUN(test_varied_batch);
    LFT_RUN(test_no_wall_clock);
    LFT_RUN(test_bad_arguments);
    LFT_RUN(test_jsonw);
    return LFT_TEST_REPORT();
}
