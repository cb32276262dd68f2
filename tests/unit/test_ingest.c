/*
 * test_ingest.c - Langfuse batch-ingestion requests (lft_ingest) from the
 * seeds' flows recorded with the real API and the deterministic test port:
 * support-query, error-handling, events, an agent with a tool and an
 * embedding, a prompt-linked generation, observations open across two
 * flushes (create first, update after lft_reader_mark_sent), an orphan END,
 * a START whose END was lost. Every payload: counting pass == streaming pass
 * whatever the scratch size, key fields parsed by python3
 * (check_ingest_schema.py), the JSON Schema of
 * ../shared/langfuse/ingestion-schema.json and the server-only rules of
 * PROTOCOL.md 1.4 / 5. Envelope ids unique within and across batches and
 * stable across encodings and retries; what each item releases and marks;
 * environment normalisation; errors leave the sink untouched. Prints the
 * bytes of one support-query trace.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_ingest.h"
#include "lft_json.h"
#include "lft_port_test.h"
#include "lft_scores.h"
#include "lft_test.h"
#include "lft_test_out.h"

#define WALL_US 1795000000123456ull /* 2026-11-18T11:06:40.123456Z */
#define MAX_ITEMS 64u

static uint8_t ring[16384];
static lft_client_t client;
static int have_schema;

/* ------------------------------------------------------------ sinks */

/* The encoder's working memory. */
static lft_ingest_scratch_t enc_scratch, enc_scratch2;

/* Encode the first count items through a scratch of scratch_cap bytes (with
 * enc_scratch2, filled with garbage: it needs no initialisation). */
static lft_err_t encode_to(const lft_ingest_batch_t *b, size_t count, size_t scratch_cap,
                           lft_test_out_t *o)
{
    static uint8_t scratch[4096];
    lft_sink_t s;
    memset(o, 0, sizeof *o);
    memset(&enc_scratch2, 0xA5, sizeof enc_scratch2);
    lft_sink_init(&s, scratch, scratch_cap, lft_test_collect, o);
    lft_err_t err = lft_ingest_encode(b, count, &enc_scratch2, &s);
    LFT_CHECK_EQ(lft_sink_flush(&s), 0);
    LFT_CHECK_EQ(s.total, o->len);
    return err;
}

/* Encode with three scratch sizes and a counting sink: all must agree. */
static void encode_checked(const lft_ingest_batch_t *b, size_t count, lft_test_out_t *o)
{
    static lft_test_out_t o2, o3;
    lft_sink_t c;
    LFT_CHECK_EQ(encode_to(b, count, 1, o), LFT_OK);
    LFT_CHECK_EQ(encode_to(b, count, 7, &o2), LFT_OK);
    LFT_CHECK_EQ(encode_to(b, count, 4096, &o3), LFT_OK);
    lft_sink_init_count(&c);
    LFT_CHECK_EQ(lft_ingest_encode(b, count, &enc_scratch, &c), LFT_OK);
    LFT_CHECK_EQ(c.total, o->len);
    LFT_CHECK(o->len == o2.len && memcmp(o->buf, o2.buf, o->len) == 0);
    LFT_CHECK(o->len == o3.len && memcmp(o->buf, o3.buf, o->len) == 0);
    LFT_CHECK_EQ(lft_json_validate(o->buf, o->len), LFT_OK);
}

/* ------------------------------------------------------------ expectations */

static char expect_buf[16384];
static size_t expect_len;

static void expect_reset(void)
{
    expect_len = 0;
    expect_buf[0] = '\0';
}

/* Append one expectation object (a JSON object, printf-style). */
static void expect(const char *fmt, ...)
{
    va_list ap;
    if (expect_len > 0 && expect_len < sizeof expect_buf - 1u) {
        expect_buf[expect_len++] = ',';
    }
    va_start(ap, fmt);
    int n = vsnprintf(expect_buf + expect_len, sizeof expect_buf - expect_len, fmt, ap);
    va_end(ap);
    LFT_CHECK(n > 0 && (size_t)n < sizeof expect_buf - expect_len);
    if (n > 0 && (size_t)n < sizeof expect_buf - expect_len) {
        expect_len += (size_t)n;
    }
}

#ifdef LFT_TEST_NO_HOST_TOOLS
/* On an emulated target (tests/embedded) there is no python3 to run: the
 * payload must be valid JSON, checked here, and its schema, server rules
 * and expectations are checked by the host run of this test. Returns 0
 * when it is valid JSON. */
static int check_payload(const lft_test_out_t *o, const char *name)
{
    static int said;
    if (!said) {
        printf("SKIP schema and expectations (check_ingest_schema.py): host run only\n");
        said = 1;
    }
    const int rc = lft_json_validate(o->buf, o->len) == LFT_OK ? 0 : 1;
    if (rc != 0) {
        fprintf(stderr, "payload %s is not valid JSON\n", name);
    }
    return rc;
}
#else
static int write_file(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    LFT_CHECK(f != NULL);
    if (f == NULL) {
        return -1;
    }
    LFT_CHECK_EQ(fwrite(p, 1, n, f), n);
    fclose(f);
    return 0;
}

/* Run check_ingest_schema.py on o with the current expectations. Returns
 * its exit status (0: schema, server rules and expectations hold). */
static int check_payload(const lft_test_out_t *o, const char *name)
{
    char path[512], epath[512], cmd[2048];
    snprintf(path, sizeof path, "%s/test_ingest_%s.json", LFT_BINARY_DIR, name);
    snprintf(epath, sizeof epath, "%s/test_ingest_%s_expect.json", LFT_BINARY_DIR, name);
    if (write_file(path, o->buf, o->len) != 0) {
        return 1;
    }
    char ebody[sizeof expect_buf + 4];
    int en = snprintf(ebody, sizeof ebody, "[%s]", expect_buf);
    if (write_file(epath, ebody, (size_t)en) != 0) {
        return 1;
    }
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/unit/check_ingest_schema.py' '%s' '%s' '%s'",
             LFT_SOURCE_DIR, have_schema ? LFT_SHARED_DIR "/langfuse/ingestion-schema.json" : "-",
             path, epath);
    int rc = system(cmd);
    if (rc != 0) {
        fprintf(stderr, "check_ingest_schema.py failed on %s\n", path);
    }
    return rc;
}
#endif

/* ------------------------------------------------------------ helpers */

static void init_client(const char *environment, uint64_t seed)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.environment = environment;
    cfg.release = "v1.4.2";
    cfg.version = "fw-2.1";
    lft_test_entropy_seed(seed);
    lft_test_clock_set(5000000);
    lft_test_wall_set(0);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    LFT_CHECK_EQ(lft_time_set_unix_us(&client, WALL_US), LFT_OK);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static void span_hex(const lft_obs_t *o, char out[17])
{
    uint8_t id[8];
    LFT_CHECK_EQ(lft_obs_span_id(o, id), LFT_OK);
    hex(out, id, 8);
}

static void trace_hex(const lft_obs_t *o, char out[33])
{
    uint8_t id[16];
    LFT_CHECK_EQ(lft_obs_trace_id(o, id), LFT_OK);
    hex(out, id, 16);
}

/* Envelope ids of the batch, collected for uniqueness across batches. */
static char all_ids[512][LFT_INGEST_ENVELOPE_ID_MAX + 1u];
static size_t all_ids_n;

static void ids_check_unique(const lft_ingest_batch_t *b)
{
    for (size_t i = 0; i < b->count; i++) {
        char id[LFT_INGEST_ENVELOPE_ID_MAX + 1u], again[LFT_INGEST_ENVELOPE_ID_MAX + 1u];
        LFT_CHECK_EQ(lft_ingest_envelope_id(b, i, id), LFT_OK);
        LFT_CHECK_EQ(lft_ingest_envelope_id(b, i, again), LFT_OK);
        LFT_CHECK(strcmp(id, again) == 0);
        LFT_CHECK(strlen(id) >= 18 && strlen(id) <= LFT_INGEST_ENVELOPE_ID_MAX);
        for (size_t k = 0; k < all_ids_n; k++) {
            if (strcmp(all_ids[k], id) == 0) {
                fprintf(stderr, "duplicate envelope id %s\n", id);
                LFT_CHECK(0);
            }
        }
        if (all_ids_n < sizeof all_ids / sizeof all_ids[0]) {
            strcpy(all_ids[all_ids_n++], id);
        }
    }
}

/* Acknowledge every item: release its records and mark what it names. */
static void ack_all(lft_ingest_batch_t *b)
{
    for (size_t i = 0; i < b->count; i++) {
        uint32_t pos[64];
        uint32_t mark = 0xFFFFFFFFu;
        const uint32_t unset = mark;
        size_t n = lft_ingest_item_records(b, i, pos, 64, &mark);
        LFT_CHECK(n <= 64);
        LFT_CHECK_EQ(mark != unset, b->items[i].action == LFT_INGEST_CREATE_OPEN);
        for (size_t k = 0; k < n && k < 64; k++) {
            lft_record_t rec;
            LFT_CHECK_EQ(lft_reader_at(b->reader, pos[k], &rec), LFT_OK);
            LFT_CHECK_EQ(lft_reader_release(b->reader, &rec), LFT_OK);
        }
        if (mark != unset) {
            lft_record_t rec;
            LFT_CHECK_EQ(lft_reader_at(b->reader, mark, &rec), LFT_OK);
            LFT_CHECK_EQ(rec.type, LFT_REC_START);
            LFT_CHECK_EQ(lft_reader_mark_sent(b->reader, &rec), LFT_OK);
        }
    }
}

static lft_stats_t stats(void)
{
    lft_stats_t st;
    LFT_CHECK_EQ(lft_client_stats(&client, &st), LFT_OK);
    return st;
}

/* Count items of action. */
static size_t count_action(const lft_ingest_batch_t *b, int action)
{
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++) {
        n += b->items[i].action == action;
    }
    return n;
}

/* ------------------------------------------------------------ support-query */

typedef struct {
    lft_trace_t trace;
    lft_obs_t retrieval, llm;
} support_t;

static void record_support_query(support_t *q)
{
    static const lft_kv_t trace_meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_STR("source", "web-chat") };
    static const char *const tags[] = { "support", "production" };
    memset(q, 0, sizeof *q);
    lft_trace_opts_t topts = { 0 };
    topts.user_id = "user_123";
    topts.session_id = "session_abc";
    topts.metadata = trace_meta;
    topts.metadata_count = 2;
    topts.tags = tags;
    topts.tags_count = 2;
    topts.input = LFT_TEXT("How do I reset my password?");
    LFT_CHECK_EQ(lft_trace_start(&client, &q->trace, "support-query", &topts), LFT_OK);

    lft_obs_opts_t ropts = { 0 };
    ropts.input = LFT_JSON("{\"query\":\"How do I reset my password?\"}");
    LFT_CHECK_EQ(lft_span_start(&q->retrieval, &q->trace, "retrieval", &ropts), LFT_OK);
    lft_test_clock_advance(1500);
    lft_obs_opts_t rerank = { 0 };
    rerank.input = LFT_JSON("{\"before\":10,\"after\":5}");
    LFT_CHECK_EQ(lft_event(&q->retrieval, "rerank", &rerank), LFT_OK);
    lft_test_clock_advance(20000);
    lft_obs_opts_t rend = { 0 };
    rend.output = LFT_JSON("[\"Reset via Settings > Security > Change Password\","
                           "\"Send a password-reset email from the login page\"]");
    LFT_CHECK_EQ(lft_obs_end(&q->retrieval, &rend), LFT_OK);

    static const lft_kv_t params[] = { LFT_KV_DOUBLE("temperature", 0.2), LFT_KV_INT("max_tokens", 256) };
    lft_obs_opts_t gopts = { 0 };
    gopts.model = "gpt-4o-mini";
    gopts.model_parameters = params;
    gopts.model_parameters_count = 2;
    gopts.input = LFT_JSON("{\"question\":\"How do I reset my password?\",\"context\":2}");
    LFT_CHECK_EQ(lft_generation_start(&q->llm, &q->trace, "llm-answer", &gopts), LFT_OK);
    lft_test_clock_advance(250000);
    LFT_CHECK_EQ(lft_generation_first_token(&q->llm), LFT_OK);
    lft_test_clock_advance(400000);
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    lft_obs_opts_t gend = { 0 };
    gend.output = LFT_TEXT("Open Settings > Security > Change Password, or use the reset email.");
    gend.usage = usage;
    gend.usage_count = 3;
    LFT_CHECK_EQ(lft_obs_end(&q->llm, &gend), LFT_OK);

    lft_score_t score = { 0 };
    score.name = "helpfulness";
    score.value = 0.92;
    score.comment = "Answered correctly with context.";
    score.target = &q->trace;
    LFT_CHECK_EQ(lft_score(&client, &score), LFT_OK);

    lft_test_clock_advance(1000);
    lft_trace_opts_t tend = { 0 };
    tend.output = LFT_TEXT("Open Settings > Security > Change Password, or use the reset email.");
    LFT_CHECK_EQ(lft_trace_end(&q->trace, &tend), LFT_OK);
}

static void test_support_query(void)
{
    static support_t q;
    static lft_test_out_t o, again;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("production", 1);
    record_support_query(&q);
    char tid[33], rid[17], gid[17];
    trace_hex(&q.trace, tid);
    span_hex(&q.retrieval, rid);
    span_hex(&q.llm, gid);

    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    size_t n = lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b);
    LFT_CHECK_EQ(n, 5); /* trace, retrieval, rerank, llm-answer, score */
    LFT_CHECK_EQ(count_action(&b, LFT_INGEST_CREATE), 3);
    LFT_CHECK_EQ(count_action(&b, LFT_INGEST_EVENT), 1);
    LFT_CHECK_EQ(count_action(&b, LFT_INGEST_SCORE), 1);
    encode_checked(&b, n, &o);
    printf("ingestion JSON bytes per support-query trace: %zu\n", o.len);
    /* a second encoding of the same snapshot: same bytes */
    LFT_CHECK_EQ(encode_to(&b, n, 64, &again), LFT_OK);
    LFT_CHECK(o.len == again.len && memcmp(o.buf, again.buf, o.len) == 0);
    ids_check_unique(&b);

    /* envelope ids: -t trace, -c creates and event, -e score */
    char eid[LFT_INGEST_ENVELOPE_ID_MAX + 1u], want[40], root[17];
    span_hex(&q.trace, root);
    for (size_t i = 0; i < n; i++) {
        LFT_CHECK_EQ(lft_ingest_envelope_id(&b, i, eid), LFT_OK);
        if (b.items[i].serial == q.trace.serial) {
            snprintf(want, sizeof want, "%s-t", root);
            LFT_CHECK(strcmp(eid, want) == 0);
        } else if (b.items[i].serial == q.llm.serial) {
            snprintf(want, sizeof want, "%s-c", gid);
            LFT_CHECK(strcmp(eid, want) == 0);
        }
    }
    LFT_CHECK_EQ(lft_ingest_envelope_id(&b, n, eid), LFT_ERR_ARG);
    LFT_CHECK_EQ(eid[0], '\0');
    LFT_CHECK_EQ(lft_ingest_envelope_id(NULL, 0, eid), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_ingest_envelope_id(&b, 0, NULL), LFT_ERR_ARG);

    expect_reset();
    expect("{\"select\":{\"type\":\"trace-create\"},\"equals\":{\"body/id\":\"%s\","
           "\"body/name\":\"support-query\",\"body/userId\":\"user_123\","
           "\"body/sessionId\":\"session_abc\",\"body/metadata\":{\"plan\":\"pro\",\"source\":\"web-chat\"},"
           "\"body/tags\":[\"support\",\"production\"],\"body/environment\":\"production\","
           "\"body/release\":\"v1.4.2\",\"body/version\":\"fw-2.1\","
           "\"body/input\":\"How do I reset my password?\","
           "\"body/output\":\"Open Settings > Security > Change Password, or use the reset email.\","
           "\"body/timestamp\":\"2026-11-18T11:06:40.123456Z\",\"timestamp\":\"2026-11-18T11:06:40.123456Z\"},"
           "\"absent\":[\"body/public\"]}",
           tid);
    expect("{\"select\":{\"type\":\"span-create\"},\"equals\":{\"body/id\":\"%s\",\"body/traceId\":\"%s\","
           "\"body/name\":\"retrieval\",\"body/input\":{\"query\":\"How do I reset my password?\"},"
           "\"body/output\":[\"Reset via Settings > Security > Change Password\","
           "\"Send a password-reset email from the login page\"],"
           "\"body/startTime\":\"2026-11-18T11:06:40.123456Z\",\"body/endTime\":\"2026-11-18T11:06:40.144956Z\","
           "\"body/environment\":\"production\",\"id\":\"%s-c\"},"
           "\"absent\":[\"body/parentObservationId\",\"body/metadata\",\"body/level\",\"body/model\"]}",
           rid, tid, rid);
    expect("{\"select\":{\"type\":\"event-create\"},\"equals\":{\"body/name\":\"rerank\","
           "\"body/traceId\":\"%s\",\"body/parentObservationId\":\"%s\","
           "\"body/input\":{\"before\":10,\"after\":5},\"body/startTime\":\"2026-11-18T11:06:40.124956Z\"},"
           "\"absent\":[\"body/endTime\"]}",
           tid, rid);
    expect("{\"select\":{\"type\":\"generation-create\"},\"equals\":{\"body/id\":\"%s\","
           "\"body/name\":\"llm-answer\",\"body/model\":\"gpt-4o-mini\","
           "\"body/modelParameters\":{\"temperature\":0.2,\"max_tokens\":256},"
           "\"body/usageDetails\":{\"input\":42,\"output\":18,\"total\":60},"
           "\"body/input\":{\"question\":\"How do I reset my password?\",\"context\":2},"
           "\"body/output\":\"Open Settings > Security > Change Password, or use the reset email.\","
           "\"body/startTime\":\"2026-11-18T11:06:40.144956Z\","
           "\"body/completionStartTime\":\"2026-11-18T11:06:40.394956Z\","
           "\"body/endTime\":\"2026-11-18T11:06:40.794956Z\"},"
           "\"absent\":[\"body/usage\",\"body/costDetails\",\"body/promptName\",\"body/parentObservationId\"]}",
           gid);
    expect("{\"select\":{\"type\":\"score-create\"},\"equals\":{\"body/name\":\"helpfulness\","
           "\"body/value\":0.92,\"body/traceId\":\"%s\",\"body/comment\":\"Answered correctly with context.\","
           "\"body/dataType\":\"NUMERIC\"}}",
           tid);
    expect("{\"select\":{},\"count\":5}");
    LFT_CHECK_EQ(check_payload(&o, "support_query"), 0);

    /* halving: the first 2 items alone are a valid request too */
    static lft_test_out_t half;
    encode_checked(&b, 2, &half);
    LFT_CHECK(half.len < o.len);
    expect_reset();
    expect("{\"select\":{},\"count\":2}");
    LFT_CHECK_EQ(check_payload(&half, "support_query_half"), 0);

    /* acknowledged: every record is released, nothing marked */
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(stats().pending_bytes, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ error-handling */

static void test_error_handling(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("staging", 2);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t gen = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "error-handling", NULL), LFT_OK);
    lft_obs_opts_t g = { 0 };
    g.model = "gpt-4o-mini";
    g.input = LFT_TEXT("Summarise the ticket \"#4711\"\n\tplease");
    LFT_CHECK_EQ(lft_generation_start(&gen, &trace, "llm-call", &g), LFT_OK);
    lft_test_clock_advance(30000000);
    lft_obs_opts_t ge = { 0 };
    ge.level = LFT_LEVEL_ERROR;
    ge.status_message = "upstream timeout after 30s";
    LFT_CHECK_EQ(lft_obs_end(&gen, &ge), LFT_OK);
    lft_score_t sc = { 0 };
    sc.name = "error-type";
    sc.data_type = LFT_SCORE_CATEGORICAL;
    sc.string_value = "timeout";
    sc.target = &gen;
    LFT_CHECK_EQ(lft_score(&client, &sc), LFT_OK);
    lft_trace_opts_t te = { 0 };
    te.output = LFT_TEXT("Sorry, something went wrong.");
    LFT_CHECK_EQ(lft_trace_end(&trace, &te), LFT_OK);

    char tid[33], gid[17];
    trace_hex(&trace, tid);
    span_hex(&gen, gid);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 3);
    encode_checked(&b, b.count, &o);
    ids_check_unique(&b);
    /* the score's envelope id is the one lft_scores uses: check it here */
    for (size_t i = 0; i < b.count; i++) {
        if (b.items[i].action == LFT_INGEST_SCORE) {
            char eid[LFT_INGEST_ENVELOPE_ID_MAX + 1u], sid[LFT_SCORES_ENVELOPE_ID_LEN + 1u];
            lft_record_t rec;
            LFT_CHECK_EQ(lft_ingest_envelope_id(&b, i, eid), LFT_OK);
            LFT_CHECK_EQ(lft_reader_at(&r, b.items[i].pos, &rec), LFT_OK);
            LFT_CHECK_EQ(lft_scores_envelope_id(&client, &rec, sid), LFT_OK);
            LFT_CHECK(strcmp(eid, sid) == 0);
        }
    }
    expect_reset();
    expect("{\"select\":{\"type\":\"generation-create\"},\"equals\":{\"body/id\":\"%s\","
           "\"body/level\":\"ERROR\",\"body/statusMessage\":\"upstream timeout after 30s\","
           "\"body/input\":\"Summarise the ticket \\\"#4711\\\"\\n\\tplease\",\"body/environment\":\"staging\","
           "\"body/endTime\":\"2026-11-18T11:07:10.123456Z\"}}",
           gid);
    expect("{\"select\":{\"type\":\"score-create\"},\"equals\":{\"body/name\":\"error-type\","
           "\"body/value\":\"timeout\",\"body/dataType\":\"CATEGORICAL\",\"body/traceId\":\"%s\","
           "\"body/observationId\":\"%s\",\"body/environment\":\"staging\"}}",
           tid, gid);
    expect("{\"select\":{\"type\":\"trace-create\"},\"equals\":{\"body/name\":\"error-handling\","
           "\"body/output\":\"Sorry, something went wrong.\",\"body/environment\":\"staging\"},"
           "\"absent\":[\"body/tags\",\"body/metadata\",\"body/userId\"]}");
    LFT_CHECK_EQ(check_payload(&o, "error_handling"), 0);
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}


/* ------------------------------------------------------------ events */

static void test_events(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("production", 3);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "events", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "pipeline", NULL), LFT_OK);
    static const lft_kv_t rr[] = { LFT_KV_INT("kept", 5), LFT_KV_DOUBLE("threshold", 0.5) };
    lft_obs_opts_t e1 = { 0 };
    e1.metadata = rr;
    e1.metadata_count = 2;
    LFT_CHECK_EQ(lft_event(&span, "rerank", &e1), LFT_OK);
    static const lft_kv_t hit[] = { LFT_KV_BOOL("hit", 1), LFT_KV_STR("key", "faq:pw") };
    lft_obs_opts_t e2 = { 0 };
    e2.metadata = hit;
    e2.metadata_count = 2;
    lft_test_clock_advance(10);
    LFT_CHECK_EQ(lft_event(&span, "cache-hit", &e2), LFT_OK);
    lft_obs_opts_t e3 = { 0 };
    e3.level = LFT_LEVEL_WARNING;
    e3.status_message = "429 from provider, retrying in 2s";
    lft_test_clock_advance(10);
    LFT_CHECK_EQ(lft_event(&trace, "rate-limit", &e3), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(&span, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);

    char tid[33], sid[17];
    trace_hex(&trace, tid);
    span_hex(&span, sid);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 5);
    LFT_CHECK_EQ(count_action(&b, LFT_INGEST_EVENT), 3);
    encode_checked(&b, b.count, &o);
    ids_check_unique(&b);
    expect_reset();
    expect("{\"select\":{\"type\":\"event-create\"},\"count\":3,\"equals\":{\"body/traceId\":\"%s\"},"
           "\"absent\":[\"body/endTime\"]}",
           tid);
    expect("{\"select\":{\"body/name\":\"rerank\"},\"equals\":{\"type\":\"event-create\","
           "\"body/parentObservationId\":\"%s\",\"body/metadata\":{\"kept\":5,\"threshold\":0.5}}}",
           sid);
    expect("{\"select\":{\"body/name\":\"cache-hit\"},\"equals\":{\"body/metadata\":{\"hit\":true,\"key\":\"faq:pw\"},"
           "\"body/startTime\":\"2026-11-18T11:06:40.123466Z\"}}");
    expect("{\"select\":{\"body/name\":\"rate-limit\"},\"equals\":{\"body/level\":\"WARNING\","
           "\"body/statusMessage\":\"429 from provider, retrying in 2s\"},"
           "\"absent\":[\"body/parentObservationId\"]}");
    LFT_CHECK_EQ(check_payload(&o, "events"), 0);
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ kinds */

static void test_agent_tool(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("production", 4);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t agent = LFT_OBS_INIT, tool = LFT_OBS_INIT, emb = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "agent-run", NULL), LFT_OK);
    lft_obs_opts_t ao = { 0 };
    ao.model = "qwen2.5-1.5b";
    ao.input = LFT_TEXT("book a table");
    LFT_CHECK_EQ(lft_obs_start(&agent, &trace, LFT_KIND_AGENT, "planner", &ao), LFT_OK);
    static const lft_kv_t tm[] = { LFT_KV_STR("endpoint", "/v1/search"), LFT_KV_STR("lftrace.kind", "user-value") };
    lft_obs_opts_t to = { 0 };
    to.metadata = tm;
    to.metadata_count = 2;
    to.input = LFT_JSON("{\"q\":\"tables\"}");
    LFT_CHECK_EQ(lft_obs_start(&tool, &agent, LFT_KIND_TOOL, "search", &to), LFT_OK);
    lft_obs_opts_t te = { 0 };
    te.output = LFT_JSON("{\"hits\":3}");
    LFT_CHECK_EQ(lft_obs_end(&tool, &te), LFT_OK);
    static const lft_usage_t eu[] = { { "input", 12 } };
    static const lft_cost_t ec[] = { { "input", 0.00001 } };
    lft_obs_opts_t eo = { 0 };
    eo.model = "text-embedding-3-small";
    eo.usage = eu;
    eo.usage_count = 1;
    eo.cost = ec;
    eo.cost_count = 1;
    LFT_CHECK_EQ(lft_obs_start(&emb, &agent, LFT_KIND_EMBEDDING, "embed", &eo), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(&emb, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(&agent, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);

    char aid[17];
    span_hex(&agent, aid);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 4);
    encode_checked(&b, b.count, &o);
    ids_check_unique(&b);
    expect_reset();
    expect("{\"select\":{\"type\":\"span-create\"},\"count\":3}");
    expect("{\"select\":{\"body/name\":\"planner\"},\"equals\":{\"body/metadata\":"
           "{\"lftrace.kind\":\"agent\",\"lftrace.model\":\"qwen2.5-1.5b\"},\"body/input\":\"book a table\"},"
           "\"absent\":[\"body/model\",\"body/parentObservationId\"]}");
    expect("{\"select\":{\"body/name\":\"search\"},\"equals\":{\"type\":\"span-create\","
           "\"body/parentObservationId\":\"%s\",\"body/metadata\":{\"endpoint\":\"/v1/search\",\"lftrace.kind\":\"tool\"},"
           "\"body/output\":{\"hits\":3}}}",
           aid);
    expect("{\"select\":{\"body/name\":\"embed\"},\"equals\":{\"body/metadata\":{\"lftrace.kind\":\"embedding\","
           "\"lftrace.model\":\"text-embedding-3-small\",\"lftrace.usage_details\":{\"input\":12},"
           "\"lftrace.cost_details\":{\"input\":1e-05}}},\"absent\":[\"body/usageDetails\",\"body/model\"]}");
    LFT_CHECK_EQ(check_payload(&o, "agent_tool"), 0);
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ prompt */

static void test_prompt(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client(NULL, 5);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t gen = LFT_OBS_INIT;
    static const lft_kv_t tm[] = { LFT_KV_INT("turn", 3) };
    static const char *const tags[] = { "a", "b" };
    static const char *const tags2[] = { "b", "c" };
    lft_trace_opts_t topts = { 0 };
    topts.tags = tags;
    topts.tags_count = 2;
    topts.is_public = LFT_TRUE;
    topts.environment = "edge-lab";
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "prompted", &topts), LFT_OK);
    lft_trace_opts_t tup = { 0 };
    tup.tags = tags2;
    tup.tags_count = 2;
    tup.metadata = tm;
    tup.metadata_count = 1;
    tup.release = "r9";
    LFT_CHECK_EQ(lft_trace_update(&trace, &tup), LFT_OK);
    lft_obs_opts_t go = { 0 };
    go.model = "llama-3.2-1b";
    go.prompt_name = "support-answer";
    go.prompt_version = 3;
    go.completion_start_unix_us = WALL_US + 777;
    LFT_CHECK_EQ(lft_generation_start(&gen, &trace, "answer", &go), LFT_OK);
    static const lft_cost_t cost[] = { { "total", 0.0125 } };
    lft_obs_opts_t ge = { 0 };
    ge.cost = cost;
    ge.cost_count = 1;
    ge.time_unix_us = WALL_US + 5000;
    ge.version = "prompt-v3";
    LFT_CHECK_EQ(lft_obs_end(&gen, &ge), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);

    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 2);
    encode_checked(&b, b.count, &o);
    ids_check_unique(&b);
    expect_reset();
    expect("{\"select\":{\"type\":\"generation-create\"},\"equals\":{\"body/promptName\":\"support-answer\","
           "\"body/promptVersion\":3,\"body/costDetails\":{\"total\":0.0125},\"body/model\":\"llama-3.2-1b\","
           "\"body/completionStartTime\":\"2026-11-18T11:06:40.124233Z\","
           "\"body/endTime\":\"2026-11-18T11:06:40.128456Z\",\"body/version\":\"prompt-v3\","
           "\"body/environment\":\"edge-lab\"},\"absent\":[\"body/usageDetails\",\"body/modelParameters\"]}");
    expect("{\"select\":{\"type\":\"trace-create\"},\"equals\":{\"body/tags\":[\"a\",\"b\",\"c\"],"
           "\"body/public\":true,\"body/metadata\":{\"turn\":3},\"body/release\":\"r9\","
           "\"body/environment\":\"edge-lab\",\"body/version\":\"fw-2.1\"}}");
    LFT_CHECK_EQ(check_payload(&o, "prompt"), 0);
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ two flushes */

static void test_open_across_flushes(void)
{
    static lft_test_out_t o1, o1b, o2, o2b;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("production", 6);
    const size_t ids_before = all_ids_n;
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT, gen = LFT_OBS_INIT;
    lft_trace_opts_t topts = { 0 };
    topts.user_id = "user_9";
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "long-chat", &topts), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "session-loop", NULL), LFT_OK);
    lft_obs_opts_t go = { 0 };
    go.model = "gpt-4o-mini";
    go.input = LFT_TEXT("hi");
    LFT_CHECK_EQ(lft_generation_start(&gen, &span, "reply", &go), LFT_OK);
    static const lft_kv_t m1[] = { LFT_KV_STR("phase", "prefill") };
    lft_obs_opts_t gu = { 0 };
    gu.metadata = m1;
    gu.metadata_count = 1;
    LFT_CHECK_EQ(lft_obs_update(&gen, &gu), LFT_OK);

    char tid[33], sid[17], gid[17], root[17];
    trace_hex(&trace, tid);
    span_hex(&trace, root);
    span_hex(&span, sid);
    span_hex(&gen, gid);

    /* flush 1: three creates without end; a failed attempt first (nothing
     * acknowledged): the retry carries the same envelope ids and bytes */
    for (int attempt = 0; attempt < 2; attempt++) {
        LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
        LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 3);
        LFT_CHECK_EQ(count_action(&b, LFT_INGEST_CREATE_OPEN), 3);
        encode_checked(&b, b.count, attempt == 0 ? &o1 : &o1b);
        if (attempt == 0) {
            (void)lft_reader_end(&r); /* the request failed: keep everything */
        }
    }
    LFT_CHECK(o1.len == o1b.len && memcmp(o1.buf, o1b.buf, o1.len) == 0);
    ids_check_unique(&b);
    expect_reset();
    expect("{\"select\":{\"type\":\"trace-create\"},\"equals\":{\"id\":\"%s-t\",\"body/name\":\"long-chat\","
           "\"body/userId\":\"user_9\",\"body/timestamp\":\"2026-11-18T11:06:40.123456Z\"}}",
           root);
    expect("{\"select\":{\"type\":\"span-create\"},\"equals\":{\"id\":\"%s-c\",\"body/name\":\"session-loop\"},"
           "\"absent\":[\"body/endTime\"]}",
           sid);
    expect("{\"select\":{\"type\":\"generation-create\"},\"equals\":{\"id\":\"%s-c\",\"body/parentObservationId\":\"%s\","
           "\"body/metadata\":{\"phase\":\"prefill\"},\"body/model\":\"gpt-4o-mini\",\"body/input\":\"hi\"},"
           "\"absent\":[\"body/endTime\",\"body/output\"]}",
           gid, sid);
    LFT_CHECK_EQ(check_payload(&o1, "open_flush1"), 0);
    /* what the items release and mark: the creates release the update
     * they carried, and mark their STARTs */
    for (size_t i = 0; i < b.count; i++) {
        uint32_t pos[8], mark = 0;
        size_t n = lft_ingest_item_records(&b, i, pos, 8, &mark);
        LFT_CHECK_EQ(n, b.items[i].serial == gen.serial ? 1 : 0);
        LFT_CHECK_EQ(mark, b.items[i].start_pos);
    }
    /* acknowledged (a per-event drop is handled the same way) */
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 3); /* the three STARTs, flagged SENT */

    /* nothing new: nothing to send */
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 0);
    (void)lft_reader_end(&r);

    /* the observations go on and end: updates */
    static const lft_kv_t m2[] = { LFT_KV_STR("phase", "decode") };
    lft_obs_opts_t gu2 = { 0 };
    gu2.metadata = m2;
    gu2.metadata_count = 1;
    LFT_CHECK_EQ(lft_obs_update(&gen, &gu2), LFT_OK);
    lft_test_clock_advance(2000000);
    static const lft_usage_t usage[] = { { "input", 5 }, { "output", 7 } };
    lft_obs_opts_t ge = { 0 };
    ge.output = LFT_TEXT("hello!");
    ge.usage = usage;
    ge.usage_count = 2;
    LFT_CHECK_EQ(lft_obs_end(&gen, &ge), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(&span, NULL), LFT_OK);
    lft_trace_opts_t tend = { 0 };
    tend.output = LFT_TEXT("bye");
    LFT_CHECK_EQ(lft_trace_end(&trace, &tend), LFT_OK);

    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 3);
    LFT_CHECK_EQ(count_action(&b, LFT_INGEST_UPDATE), 3);
    encode_checked(&b, b.count, &o2);
    encode_checked(&b, b.count, &o2b);
    LFT_CHECK(o2.len == o2b.len && memcmp(o2.buf, o2b.buf, o2.len) == 0);
    ids_check_unique(&b); /* unique across both flushes */
    LFT_CHECK_EQ(all_ids_n - ids_before, 6);
    expect_reset();
    expect("{\"select\":{\"type\":\"generation-update\"},\"equals\":{\"id\":\"%s-u\",\"body/id\":\"%s\","
           "\"body/traceId\":\"%s\",\"body/parentObservationId\":\"%s\",\"body/output\":\"hello!\","
           "\"body/metadata\":{\"phase\":\"decode\"},\"body/usageDetails\":{\"input\":5,\"output\":7},"
           "\"body/endTime\":\"2026-11-18T11:06:42.123456Z\",\"timestamp\":\"2026-11-18T11:06:42.123456Z\"},"
           "\"absent\":[\"body/startTime\",\"body/name\",\"body/model\",\"body/input\"]}",
           gid, gid, tid, sid);
    expect("{\"select\":{\"type\":\"span-update\"},\"equals\":{\"id\":\"%s-u\",\"body/endTime\":\"2026-11-18T11:06:42.123456Z\"},"
           "\"absent\":[\"body/startTime\",\"body/name\"]}",
           sid);
    expect("{\"select\":{\"type\":\"trace-create\"},\"equals\":{\"id\":\"%s-tu\",\"body/id\":\"%s\",\"body/output\":\"bye\"},"
           "\"absent\":[\"body/timestamp\",\"body/name\",\"body/userId\",\"body/release\",\"body/environment\"]}",
           root, tid);
    LFT_CHECK_EQ(check_payload(&o2, "open_flush2"), 0);
    /* each update releases its START, its remaining UPDATE and its END */
    for (size_t i = 0; i < b.count; i++) {
        uint32_t pos[8], mark = 12345u;
        size_t n = lft_ingest_item_records(&b, i, pos, 8, &mark);
        LFT_CHECK_EQ(n, b.items[i].serial == gen.serial ? 3 : 2);
        LFT_CHECK_EQ(mark, 12345u);
    }
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(stats().pending_bytes, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* An open span whose START moves in the ring (traffic behind it is
 * exported) between its create and its update. */
static void test_open_moved(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("production", 7);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "gateway", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "uplink", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 2);
    ack_all(&b);
    (void)lft_reader_end(&r);
    const uint32_t moved = stats().moved;
    /* three ring-fulls of events, each flush exported and acknowledged */
    for (unsigned round = 0; round < 60; round++) {
        for (unsigned k = 0; k < 20; k++) {
            lft_obs_opts_t eo = { 0 };
            eo.input = LFT_TEXT("a reading of the sensor, padded to take some room in the ring");
            LFT_CHECK_EQ(lft_event(&span, "reading", &eo), LFT_OK);
        }
        LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
        size_t n = lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b);
        LFT_CHECK_EQ(n, 20);
        LFT_CHECK_EQ(count_action(&b, LFT_INGEST_EVENT), 20);
        ack_all(&b);
        (void)lft_reader_end(&r);
    }
    LFT_CHECK(stats().moved - moved >= 2);
    LFT_CHECK_EQ(stats().dropped_ring_full, 0);
    lft_obs_opts_t se = { 0 };
    se.output = LFT_TEXT("done");
    LFT_CHECK_EQ(lft_obs_end(&span, &se), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 2);
    LFT_CHECK_EQ(count_action(&b, LFT_INGEST_UPDATE), 2);
    encode_checked(&b, b.count, &o);
    expect_reset();
    expect("{\"select\":{\"type\":\"span-update\"},\"equals\":{\"body/output\":\"done\"}}");
    expect("{\"select\":{\"type\":\"trace-create\"},\"absent\":[\"body/name\"]}");
    LFT_CHECK_EQ(check_payload(&o, "open_moved"), 0);
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ orphan, end lost */

static void test_orphan_end(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    lft_record_t rec;
    init_client("production", 8);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT, child = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "outer", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_generation_start(&child, &span, "inner", NULL), LFT_OK);
    /* another exporter released the child's START */
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.serial == child.serial) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    (void)lft_reader_end(&r);
    static const lft_usage_t usage[] = { { "output", 3 } };
    lft_obs_opts_t ce = { 0 };
    ce.usage = usage;
    ce.usage_count = 1;
    LFT_CHECK_EQ(lft_obs_end(&child, &ce), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(&span, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    char gid[17], sid[17], tid[33];
    span_hex(&child, gid);
    span_hex(&span, sid);
    trace_hex(&trace, tid);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 3);
    encode_checked(&b, b.count, &o);
    expect_reset();
    expect("{\"select\":{\"type\":\"generation-update\"},\"equals\":{\"id\":\"%s-u\",\"body/traceId\":\"%s\","
           "\"body/parentObservationId\":\"%s\",\"body/usageDetails\":{\"output\":3},\"body/environment\":\"production\"},"
           "\"absent\":[\"body/startTime\"]}",
           gid, tid, sid);
    expect("{\"select\":{\"type\":\"span-create\"},\"equals\":{\"body/name\":\"outer\"}}");
    LFT_CHECK_EQ(check_payload(&o, "orphan"), 0);
    ack_all(&b);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

static void test_end_lost(void)
{
    static uint8_t small[1024];
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    lft_config_t cfg = { 0 };
    cfg.ring = small;
    cfg.ring_size = sizeof small;
    lft_test_entropy_seed(9);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    LFT_CHECK_EQ(lft_time_set_unix_us(&client, WALL_US), LFT_OK);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "lost-end", NULL), LFT_OK);
    unsigned events = 0;
    while (lft_event(&trace, "filler", NULL) == LFT_OK && events < 500) {
        events++;
    }
    lft_obs_opts_t se = { 0 };
    se.output = LFT_TEXT("this end does not fit in the full ring");
    LFT_CHECK_EQ(lft_obs_end(&span, &se), LFT_ERR_RING_FULL);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    size_t n = lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b);
    LFT_CHECK_EQ(n, events < MAX_ITEMS - 2u ? events + 2u : MAX_ITEMS);
    /* the span: a create from its START, without end time */
    size_t span_item = n;
    for (size_t i = 0; i < n; i++) {
        if (b.items[i].serial == span.serial) {
            span_item = i;
        }
    }
    LFT_CHECK(span_item < n);
    if (span_item < n) {
        LFT_CHECK_EQ(b.items[span_item].action, LFT_INGEST_CREATE);
        uint32_t pos[4], mark = 7u;
        LFT_CHECK_EQ(lft_ingest_item_records(&b, span_item, pos, 4, &mark), 1);
        LFT_CHECK_EQ(pos[0], b.items[span_item].pos);
        LFT_CHECK_EQ(mark, 7u);
    }
    encode_checked(&b, n, &o);
    expect_reset();
    expect("{\"select\":{\"type\":\"span-create\"},\"equals\":{\"body/name\":\"lost-end\"},"
           "\"absent\":[\"body/endTime\",\"body/environment\"]}");
    LFT_CHECK_EQ(check_payload(&o, "end_lost"), 0);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* ------------------------------------------------------------ environment */

static void test_environment(void)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "production", "production" },
        { "Staging", "staging" },
        { "LANGFUSE-Prod", "prod" },
        { "langfuse_edge-01", "edge-01" },
        { "langfuse", "langfuse" },          /* no separator: kept (the server's regex) */
        { "langfuse-", "default" },          /* nothing left */
        { "langfuse-langfuse-x", "langfuse-x" }, /* stripped once */
        { "", "default" },
        { "bad env", "default" },
        { "caf\xc3\xa9", "default" },
        { "a.b", "default" },
        { "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGH", "abcdefghijklmnopqrstuvwxyz0123456789-_ab" },
        { "abcdefghijklmnopqrstuvwxyz0123456789-_ab!!", "abcdefghijklmnopqrstuvwxyz0123456789-_ab" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[LFT_INGEST_ENV_MAX + 1u];
        memset(out, 'x', sizeof out);
        size_t n = lft_ingest_environment(cases[i].in, strlen(cases[i].in), out);
        LFT_CHECK_EQ(n, strlen(cases[i].out));
        LFT_CHECK(strcmp(out, cases[i].out) == 0);
        if (strcmp(out, cases[i].out) != 0) {
            fprintf(stderr, "  env \"%s\" -> \"%s\", want \"%s\"\n", cases[i].in, out, cases[i].out);
        }
    }
    char out[LFT_INGEST_ENV_MAX + 1u];
    LFT_CHECK_EQ(lft_ingest_environment(NULL, 0, out), 7);
    LFT_CHECK(strcmp(out, "default") == 0);
}

/* ------------------------------------------------------------ errors */

static void test_errors(void)
{
    static lft_ingest_item_t items[MAX_ITEMS];
    static lft_test_out_t o;
    lft_ingest_batch_t b;
    lft_reader_t r;
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    lft_test_entropy_seed(10);
    lft_test_wall_set(0);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK); /* no wall clock */
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 1);
    /* no date yet: nothing written, records kept */
    LFT_CHECK_EQ(encode_to(&b, 1, 64, &o), LFT_ERR_NO_WALL_CLOCK);
    LFT_CHECK_EQ(o.len, 0);
    /* an empty batch needs no date */
    LFT_CHECK_EQ(encode_to(&b, 0, 64, &o), LFT_OK);
    LFT_CHECK(strcmp(o.buf, "{\"batch\":[],\"metadata\":{\"sdk_name\":\"lftrace\",\"sdk_version\":\"" LFTRACE_VERSION
                            "\",\"batch_size\":0}}") == 0);
    LFT_CHECK_EQ(lft_time_set_unix_us(&client, WALL_US), LFT_OK);
    LFT_CHECK_EQ(encode_to(&b, 2, 64, &o), LFT_ERR_ARG); /* more than collected */
    LFT_CHECK_EQ(o.len, 0);
    LFT_CHECK_EQ(lft_ingest_encode(NULL, 0, &enc_scratch, NULL), LFT_ERR_ARG);
    lft_sink_t cnt;
    lft_sink_init_count(&cnt);
    LFT_CHECK_EQ(lft_ingest_encode(&b, 1, NULL, &cnt), LFT_ERR_ARG); /* items need a scratch */
    LFT_CHECK_EQ(cnt.total, 0);
    LFT_CHECK_EQ(lft_ingest_encode(&b, 0, NULL, &cnt), LFT_OK); /* an empty batch does not */
    lft_ingest_batch_t bad = b;
    bad.reader = NULL;
    LFT_CHECK_EQ(encode_to(&bad, 1, 64, &o), LFT_ERR_ARG);
    bad = b;
    bad.items = NULL;
    LFT_CHECK_EQ(encode_to(&bad, 1, 64, &o), LFT_ERR_ARG);
    lft_ingest_item_t broken = items[0];
    broken.pos += 1u; /* not a record boundary */
    bad = b;
    bad.items = &broken;
    LFT_CHECK_EQ(encode_to(&bad, 1, 64, &o), LFT_ERR_ARG);
    LFT_CHECK_EQ(o.len, 0);
    broken = items[0];
    broken.action = 99;
    LFT_CHECK_EQ(encode_to(&bad, 1, 64, &o), LFT_ERR_ARG);
    char eid[LFT_INGEST_ENVELOPE_ID_MAX + 1u];
    LFT_CHECK_EQ(lft_ingest_envelope_id(&bad, 0, eid), LFT_ERR_ARG);
    LFT_CHECK_EQ(eid[0], '\0');
    /* collect and item_records on bad arguments */
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, 0, &b), 0);
    LFT_CHECK_EQ(b.count, 0);
    LFT_CHECK_EQ(lft_ingest_collect(NULL, &r, items, MAX_ITEMS, &b), 0);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, NULL), 0);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 1);
    LFT_CHECK_EQ(lft_ingest_item_records(&b, 1, NULL, 0, NULL), 0);
    LFT_CHECK_EQ(lft_ingest_item_records(NULL, 0, NULL, 0, NULL), 0);
    /* cap too small: the count says so, nothing beyond cap is written */
    uint32_t one[1];
    LFT_CHECK_EQ(lft_ingest_item_records(&b, 0, one, 1, NULL), 2);
    LFT_CHECK_EQ(lft_ingest_item_records(&b, 0, NULL, 0, NULL), 2);
    encode_checked(&b, 1, &o);
    expect_reset();
    expect("{\"select\":{\"type\":\"trace-create\"},\"absent\":[\"body/environment\",\"body/release\"]}");
    LFT_CHECK_EQ(check_payload(&o, "errors"), 0);
    (void)lft_reader_end(&r);
    /* an uninitialised client */
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_encode(&b, 0, NULL, &(lft_sink_t){ 0 }), LFT_ERR_HANDLE);
    LFT_CHECK_EQ(lft_ingest_envelope_id(&b, 0, eid), LFT_ERR_ARG);
}

/* Text with ill-formed UTF-8 and control characters, JSON with UTF-8. */
static void test_escaping(void)
{
    static lft_test_out_t o;
    static lft_ingest_item_t items[MAX_ITEMS];
    lft_ingest_batch_t b;
    lft_reader_t r;
    init_client("production", 11);
    lft_trace_t trace = LFT_OBS_INIT;
    lft_obs_t span = LFT_OBS_INIT;
    lft_trace_opts_t to = { 0 };
    to.input = LFT_TEXT("bad \xff byte, bell \x07, quote \" and \\ backslash");
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "na\xc3\xafve \xe2\x82", &to), LFT_OK);
    lft_obs_opts_t so = { 0 };
    so.input = LFT_JSON("{\"city\":\"Z\xc3\xbcrich\",\"bad\":\"\xc0\"}");
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "s", &so), LFT_OK);
    LFT_CHECK_EQ(lft_obs_end(&span, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_ingest_collect(&client, &r, items, MAX_ITEMS, &b), 2);
    encode_checked(&b, b.count, &o);
    expect_reset();
    expect("{\"select\":{\"type\":\"trace-create\"},\"equals\":{\"body/name\":\"na\\u00efve \\ufffd\","
           "\"body/input\":\"bad \\ufffd byte, bell \\u0007, quote \\\" and \\\\ backslash\"}}");
    expect("{\"select\":{\"type\":\"span-create\"},\"equals\":{\"body/input\":{\"city\":\"Z\\u00fcrich\",\"bad\":\"\\ufffd\"}}}");
    LFT_CHECK_EQ(check_payload(&o, "escaping"), 0);
    (void)lft_reader_end(&r);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

int main(void)
{
    FILE *f = fopen(LFT_SHARED_DIR "/langfuse/ingestion-schema.json", "rb");
    have_schema = f != NULL;
    if (f != NULL) {
        fclose(f);
    } else {
        printf("SKIP schema: ../shared not found\n");
    }
    LFT_RUN(test_support_query);
    LFT_RUN(test_error_handling);
    LFT_RUN(test_events);
    LFT_RUN(test_agent_tool);
    LFT_RUN(test_prompt);
    LFT_RUN(test_open_across_flushes);
    LFT_RUN(test_open_moved);
    LFT_RUN(test_orphan_end);
    LFT_RUN(test_end_lost);
    LFT_RUN(test_environment);
    LFT_RUN(test_errors);
    LFT_RUN(test_escaping);
    return LFT_TEST_REPORT();
}
