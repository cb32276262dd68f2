/*
 * test_api - every public recording function and every option field, read
 * back through the record reader with the exact values.
 */
#include <stdint.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"
#include "lft_test_records.h"
#include "lftrace.h"

#define EPOCH 5000000u                  /* test monotonic clock at client init */
#define U 1700000000000000ull           /* a Unix time in microseconds (2023) */
#define MARKER LFT_TRUNCATION_MARKER
#define MARKER_LEN (sizeof(LFT_TRUNCATION_MARKER) - 1u)

/* A call that must succeed and leave the port lock balanced. */
#define OK(call)                                                                \
    do {                                                                        \
        LFT_CHECK_EQ((call), LFT_OK);                                           \
        LFT_CHECK_EQ(lft_test_lock_depth(), 0);                                 \
    } while (0)

static uint8_t ring[1u << 16];
static lft_client_t client;

static void setup_cfg(lft_config_t *cfg)
{
    lft_test_clock_set(EPOCH);
    lft_test_wall_set(0);
    OK(lft_client_init(&client, cfg));
}

static void setup(uint32_t max_field_bytes)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.max_field_bytes = max_field_bytes;
    setup_cfg(&cfg);
}

static void teardown(void)
{
    OK(lft_client_deinit(&client));
}

static lft_stats_t stats(void)
{
    lft_stats_t s;
    memset(&s, 0xEE, sizeof s);
    OK(lft_client_stats(&client, &s));
    return s;
}

/* Is p[0..n) well-formed UTF-8 (enough for the truncation checks)? */
static int utf8_ok(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        size_t len = u[i] < 0x80u ? 1u : u[i] >= 0xF0u ? 4u : u[i] >= 0xE0u ? 3u : u[i] >= 0xC2u ? 2u : 0u;
        if (len == 0 || i + len > n) {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0u) != 0x80u) {
                return 0;
            }
        }
        i += len;
    }
    return 1;
}

/* ------------------------------------------------------------------ traces */

static void test_trace_lifecycle(void)
{
    static const lft_kv_t meta[] = {
        LFT_KV_STR("plan", "pro"),         LFT_KV_INT("retries", -3),
        LFT_KV_INT("max", INT64_MAX),      LFT_KV_INT("min", INT64_MIN),
        LFT_KV_DOUBLE("ratio", 0.1),       LFT_KV_DOUBLE("neg", -2.5e300),
        LFT_KV_BOOL("beta", 1),            LFT_KV_BOOL("legacy", 0),
    };
    static const char *const tags[] = { "support", "production" };
    static const lft_kv_t meta2[] = { LFT_KV_STR("stage", "answer") };
    static const char *const tags2[] = { "escalated" };
    lft_trace_t t = LFT_OBS_INIT;

    setup(0);
    lft_test_clock_advance(1000);
    lft_trace_opts_t o = {
        .user_id = "user_123",
        .session_id = "session_abc",
        .metadata = meta,
        .metadata_count = 8,
        .tags = tags,
        .tags_count = 2,
        .input = LFT_TEXT("How do I reset my password?"),
        .output = LFT_JSON("{\"answer\": [1, 2.5, true, null]}"),
        .release = "v1.4.2",
        .version = "7",
        .environment = "staging",
        .is_public = LFT_TRUE,
        .timestamp_unix_us = U + 123456,
    };
    OK(lft_trace_start(&client, &t, "support-query", &o));
    LFT_CHECK(lft_obs_is_open(&t));

    lft_test_clock_advance(2000);
    lft_trace_opts_t u = {
        .name = "support-query-v2",
        .user_id = "user_456",
        .session_id = "session_def",
        .metadata = meta2,
        .metadata_count = 1,
        .tags = tags2,
        .tags_count = 1,
        .input = LFT_JSON("[1,2]"),
        .output = LFT_TEXT("partial"),
        .release = "v1.4.3",
        .version = "8",
        .environment = "production",
        .is_public = LFT_FALSE,
    };
    OK(lft_trace_update(&t, &u));
    OK(lft_trace_update(&t, NULL)); /* nothing to update: no record */

    lft_test_clock_advance(3000);
    lft_trace_opts_t e = { .output = LFT_TEXT("Reset it under Settings."),
                           .timestamp_unix_us = U + 999999 };
    OK(lft_trace_end(&t, &e));
    LFT_CHECK(!lft_obs_is_open(&t));

    LFT_CHECK_EQ(lft_tr_read(&client), 3);
    LFT_CHECK_EQ(lft_tr_bad, 0);
    const lft_record_t *s = &lft_tr_rec[0], *up = &lft_tr_rec[1], *end = &lft_tr_rec[2];

    LFT_CHECK_EQ(s->type, LFT_REC_START);
    LFT_CHECK_EQ(s->kind, LFT_KIND_TRACE);
    LFT_CHECK(s->serial != 0);
    LFT_CHECK_EQ(s->parent, 0);
    LFT_CHECK_EQ(s->trace, s->serial);
    LFT_CHECK_EQ(s->time_us, 1000);
    LFT_CHECK((s->flags & LFT_RECF_ENDED) != 0);
    LFT_CHECK_EQ(lft_tr_nfields(s, 0), 20);
    LFT_CHECK_FSTR(s, LFT_F_NAME, 0, "support-query");
    LFT_CHECK_FSTR(s, LFT_F_USER_ID, 0, "user_123");
    LFT_CHECK_FSTR(s, LFT_F_SESSION_ID, 0, "session_abc");
    LFT_CHECK_KVSTR(s, LFT_F_META_STR, "plan", "pro");
    LFT_CHECK_KVINT(s, LFT_F_META_INT, "retries", -3);
    LFT_CHECK_KVINT(s, LFT_F_META_INT, "max", INT64_MAX);
    LFT_CHECK_KVINT(s, LFT_F_META_INT, "min", INT64_MIN);
    LFT_CHECK_KVDBL(s, LFT_F_META_DOUBLE, "ratio", 0.1);
    LFT_CHECK_KVDBL(s, LFT_F_META_DOUBLE, "neg", -2.5e300);
    LFT_CHECK_KVINT(s, LFT_F_META_BOOL, "beta", 1);
    LFT_CHECK_KVINT(s, LFT_F_META_BOOL, "legacy", 0);
    LFT_CHECK_FSTR(s, LFT_F_TAG, 0, "support");
    LFT_CHECK_FSTR(s, LFT_F_TAG, 1, "production");
    LFT_CHECK_FSTR(s, LFT_F_INPUT_TEXT, 0, "How do I reset my password?");
    LFT_CHECK_FSTR(s, LFT_F_OUTPUT_JSON, 0, "{\"answer\": [1, 2.5, true, null]}");
    LFT_CHECK_FSTR(s, LFT_F_RELEASE, 0, "v1.4.2");
    LFT_CHECK_FSTR(s, LFT_F_VERSION, 0, "7");
    LFT_CHECK_FSTR(s, LFT_F_ENVIRONMENT, 0, "staging");
    LFT_CHECK_FINT(s, LFT_F_PUBLIC, 1);
    LFT_CHECK_FU(s, LFT_F_TIME_UNIX, U + 123456);

    LFT_CHECK_EQ(up->type, LFT_REC_UPDATE);
    LFT_CHECK_EQ(up->kind, LFT_KIND_TRACE);
    LFT_CHECK_EQ(up->serial, s->serial);
    LFT_CHECK(up->seq != 0);
    LFT_CHECK_EQ(lft_tr_nfields(up, 0), 11);
    LFT_CHECK_FSTR(up, LFT_F_NAME, 0, "support-query-v2");
    LFT_CHECK_FSTR(up, LFT_F_USER_ID, 0, "user_456");
    LFT_CHECK_FSTR(up, LFT_F_SESSION_ID, 0, "session_def");
    LFT_CHECK_KVSTR(up, LFT_F_META_STR, "stage", "answer");
    LFT_CHECK_FSTR(up, LFT_F_TAG, 0, "escalated");
    LFT_CHECK_FSTR(up, LFT_F_INPUT_JSON, 0, "[1,2]");
    LFT_CHECK_FSTR(up, LFT_F_OUTPUT_TEXT, 0, "partial");
    LFT_CHECK_FSTR(up, LFT_F_RELEASE, 0, "v1.4.3");
    LFT_CHECK_FSTR(up, LFT_F_VERSION, 0, "8");
    LFT_CHECK_FSTR(up, LFT_F_ENVIRONMENT, 0, "production");
    LFT_CHECK_FINT(up, LFT_F_PUBLIC, 0);

    LFT_CHECK_EQ(end->type, LFT_REC_END);
    LFT_CHECK_EQ(end->kind, LFT_KIND_TRACE);
    LFT_CHECK_EQ(end->serial, s->serial);
    LFT_CHECK_EQ(end->time_us, 6000);
    LFT_CHECK_EQ(end->flags & LFT_RECF_ORPHAN, 0);
    LFT_CHECK_EQ(lft_tr_nfields(end, 0), 2);
    LFT_CHECK_FSTR(end, LFT_F_OUTPUT_TEXT, 0, "Reset it under Settings.");
    LFT_CHECK_FU(end, LFT_F_TIME_UNIX, U + 999999);

    /* A trace without options: just its name, at the default time. */
    lft_trace_t t2 = LFT_OBS_INIT;
    OK(lft_trace_start(&client, &t2, "bare", NULL));
    lft_test_clock_advance(5);
    OK(lft_trace_end(&t2, NULL));
    lft_tr_read(&client);
    const lft_record_t *b = lft_tr_find_named(LFT_REC_START, "bare");
    LFT_CHECK(b != NULL);
    if (b != NULL) {
        LFT_CHECK_EQ(lft_tr_nfields(b, 0), 1);
        LFT_CHECK_EQ(b->time_us, 6000);
        LFT_CHECK(b->serial != s->serial);
        const lft_record_t *be = lft_tr_find(LFT_REC_END, b->serial);
        LFT_CHECK(be != NULL && be->time_us == 6005 && lft_tr_nfields(be, 0) == 0);
    }
    teardown();
}

/* ------------------------------------------------------------ observations */

typedef struct {
    lft_kind_t kind;
    const char *name;
    int parent; /* index into the table, -1: the trace */
} node_t;

static void test_kinds_nesting(void)
{
    /* trace > span > agent > chain > tool > retriever > evaluator, plus side branches */
    static const node_t tree[] = {
        { LFT_KIND_SPAN, "n-span", -1 },         { LFT_KIND_AGENT, "n-agent", 0 },
        { LFT_KIND_CHAIN, "n-chain", 1 },        { LFT_KIND_TOOL, "n-tool", 2 },
        { LFT_KIND_RETRIEVER, "n-retriever", 3 }, { LFT_KIND_EVALUATOR, "n-evaluator", 4 },
        { LFT_KIND_EMBEDDING, "n-embedding", 2 }, { LFT_KIND_GUARDRAIL, "n-guardrail", 1 },
        { LFT_KIND_GENERATION, "n-generation", 0 },
    };
    enum { N = sizeof tree / sizeof tree[0] };
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t obs[N];

    setup(0);
    OK(lft_trace_start(&client, &t, "n-trace", NULL));
    for (int i = 0; i < N; i++) {
        lft_obs_t *parent = tree[i].parent < 0 ? &t : &obs[tree[i].parent];
        memset(&obs[i], 0, sizeof obs[i]);
        lft_test_clock_advance(10);
        if (tree[i].kind == LFT_KIND_SPAN) {
            OK(lft_span_start(&obs[i], parent, tree[i].name, NULL));
        } else if (tree[i].kind == LFT_KIND_GENERATION) {
            OK(lft_generation_start(&obs[i], parent, tree[i].name, NULL));
        } else {
            OK(lft_obs_start(&obs[i], parent, tree[i].kind, tree[i].name, NULL));
        }
        LFT_CHECK(lft_obs_is_open(&obs[i]));
    }
    for (int i = N - 1; i >= 0; i--) {
        lft_test_clock_advance(1);
        OK(lft_obs_end(&obs[i], NULL));
        LFT_CHECK(!lft_obs_is_open(&obs[i]));
    }
    OK(lft_trace_end(&t, NULL));

    LFT_CHECK_EQ(lft_tr_read(&client), 2 + 2 * N);
    uint32_t trace_serial = lft_tr_serial_of(LFT_REC_START, "n-trace");
    LFT_CHECK(trace_serial != 0);
    for (int i = 0; i < N; i++) {
        const lft_record_t *r = lft_tr_find_named(LFT_REC_START, tree[i].name);
        LFT_CHECK(r != NULL);
        if (r == NULL) {
            continue;
        }
        uint32_t want_parent = tree[i].parent < 0
                                   ? trace_serial
                                   : lft_tr_serial_of(LFT_REC_START, tree[tree[i].parent].name);
        LFT_CHECK_EQ(r->kind, tree[i].kind);
        LFT_CHECK(r->serial != 0 && r->serial != trace_serial);
        LFT_CHECK_EQ(r->parent, want_parent);
        LFT_CHECK_EQ(r->trace, trace_serial);
        LFT_CHECK_EQ(r->time_us, 10 * (i + 1));
        LFT_CHECK((r->flags & LFT_RECF_ENDED) != 0);
        LFT_CHECK_EQ(lft_tr_count(-1, r->serial), 2); /* its START and its END */
        const lft_record_t *e = lft_tr_find(LFT_REC_END, r->serial);
        LFT_CHECK(e != NULL && e->kind == tree[i].kind && (e->flags & LFT_RECF_ORPHAN) == 0);
        LFT_CHECK(e != NULL && e->time_us == 10 * N + (N - i));
        for (int k = 0; k < i; k++) {
            LFT_CHECK(lft_tr_serial_of(LFT_REC_START, tree[k].name) != r->serial);
        }
    }
    teardown();
}

static void test_generation(void)
{
    static const lft_kv_t params[] = {
        LFT_KV_STR("response_format", "json_object"), LFT_KV_INT("max_tokens", 256),
        LFT_KV_DOUBLE("temperature", 0.7), LFT_KV_BOOL("stream", 1),
    };
    static const lft_usage_t usage[] = {
        { "input", 42 }, { "output", 18 }, { "total", 60 }, { "cached_input", (uint64_t)INT64_MAX },
    };
    static const lft_cost_t cost[] = { { "input", 0.00042 }, { "output", 0.0018 }, { "total", 0.00222 } };
    static const lft_kv_t meta[] = { LFT_KV_STR("route", "primary") };
    static const lft_usage_t usage_upd[] = { { "output", 3 } };
    static const lft_usage_t usage_end[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    static const lft_cost_t cost_end[] = { { "total", 1.5 } };
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t g = LFT_OBS_INIT, emb = LFT_OBS_INIT;

    setup(0);
    OK(lft_trace_start(&client, &t, "gen-trace", NULL));
    lft_test_clock_advance(100);
    lft_obs_opts_t o = {
        .input = LFT_JSON("[{\"role\":\"user\",\"content\":\"hi\"}]"),
        .metadata = meta,
        .metadata_count = 1,
        .level = LFT_LEVEL_DEBUG,
        .status_message = "queued",
        .version = "g-1",
        .time_unix_us = U + 10,
        .model = "gpt-4o-mini",
        .model_parameters = params,
        .model_parameters_count = 4,
        .usage = usage,
        .usage_count = 4,
        .cost = cost,
        .cost_count = 3,
        .completion_start_unix_us = U + 20,
        .prompt_name = "support-prompt",
        .prompt_version = 3,
    };
    OK(lft_generation_start(&g, &t, "llm-answer", &o));
    lft_test_clock_advance(1500);
    OK(lft_generation_first_token(&g));
    lft_test_clock_advance(500);
    lft_obs_opts_t up = { .output = LFT_TEXT("Hel"), .model = "gpt-4o", .usage = usage_upd,
                          .usage_count = 1, .level = LFT_LEVEL_WARNING, .status_message = "slow" };
    OK(lft_obs_update(&g, &up));
    lft_test_clock_advance(400);
    lft_obs_opts_t end = { .output = LFT_TEXT("Hello"), .usage = usage_end, .usage_count = 3,
                           .cost = cost_end, .cost_count = 1, .time_unix_us = U + 3000,
                           .level = LFT_LEVEL_ERROR, .status_message = "cut off" };
    OK(lft_obs_end(&g, &end));

    /* Generation fields are accepted on generation-like kinds (not prompts). */
    lft_obs_opts_t eo = { .model = "text-embedding-3-small", .usage = usage_upd, .usage_count = 1 };
    OK(lft_obs_start(&emb, &t, LFT_KIND_EMBEDDING, "embed", &eo));
    lft_test_clock_advance(7);
    OK(lft_generation_first_token(&emb));
    OK(lft_obs_end(&emb, NULL));
    OK(lft_trace_end(&t, NULL));

    LFT_CHECK_EQ(lft_tr_read(&client), 9);
    LFT_CHECK_EQ(lft_tr_bad, 0);
    const lft_record_t *s = lft_tr_find_named(LFT_REC_START, "llm-answer");
    LFT_CHECK(s != NULL);
    if (s == NULL) {
        teardown();
        return;
    }
    LFT_CHECK_EQ(s->kind, LFT_KIND_GENERATION);
    LFT_CHECK_EQ(s->parent, lft_tr_serial_of(LFT_REC_START, "gen-trace"));
    LFT_CHECK_EQ(s->time_us, 100);
    LFT_CHECK_EQ(lft_tr_nfields(s, 0), 22);
    LFT_CHECK_FSTR(s, LFT_F_INPUT_JSON, 0, "[{\"role\":\"user\",\"content\":\"hi\"}]");
    LFT_CHECK_KVSTR(s, LFT_F_META_STR, "route", "primary");
    LFT_CHECK_FINT(s, LFT_F_LEVEL, LFT_LEVEL_DEBUG);
    LFT_CHECK_FSTR(s, LFT_F_STATUS, 0, "queued");
    LFT_CHECK_FSTR(s, LFT_F_VERSION, 0, "g-1");
    LFT_CHECK_FU(s, LFT_F_TIME_UNIX, U + 10);
    LFT_CHECK_FSTR(s, LFT_F_MODEL, 0, "gpt-4o-mini");
    LFT_CHECK_KVSTR(s, LFT_F_PARAM_STR, "response_format", "json_object");
    LFT_CHECK_KVINT(s, LFT_F_PARAM_INT, "max_tokens", 256);
    LFT_CHECK_KVDBL(s, LFT_F_PARAM_DOUBLE, "temperature", 0.7);
    LFT_CHECK_KVINT(s, LFT_F_PARAM_BOOL, "stream", 1);
    LFT_CHECK_KVU(s, LFT_F_USAGE, "input", 42);
    LFT_CHECK_KVU(s, LFT_F_USAGE, "output", 18);
    LFT_CHECK_KVU(s, LFT_F_USAGE, "total", 60);
    LFT_CHECK_KVU(s, LFT_F_USAGE, "cached_input", INT64_MAX);
    LFT_CHECK_KVDBL(s, LFT_F_COST, "input", 0.00042);
    LFT_CHECK_KVDBL(s, LFT_F_COST, "output", 0.0018);
    LFT_CHECK_KVDBL(s, LFT_F_COST, "total", 0.00222);
    LFT_CHECK_FU(s, LFT_F_COMPLETION_START_UNIX, U + 20);
    LFT_CHECK_FSTR(s, LFT_F_PROMPT_NAME, 0, "support-prompt");
    LFT_CHECK_FU(s, LFT_F_PROMPT_VERSION, 3);

    /* first token: an update whose only field is the monotonic offset of "now" */
    const lft_record_t *ft = lft_tr_find(LFT_REC_UPDATE, s->serial);
    LFT_CHECK(ft != NULL);
    if (ft != NULL) {
        LFT_CHECK_EQ(lft_tr_nfields(ft, 0), 1);
        LFT_CHECK_FINT(ft, LFT_F_COMPLETION_START, 1600);
        LFT_CHECK_EQ(ft->kind, LFT_KIND_GENERATION);
    }
    const lft_record_t *u2 = ft != NULL ? ft + 1 : NULL;
    LFT_CHECK(u2 != NULL && u2->type == LFT_REC_UPDATE && u2->serial == s->serial);
    if (u2 != NULL && ft != NULL) {
        LFT_CHECK_EQ(u2->seq, ft->seq + 1);
        LFT_CHECK_EQ(lft_tr_nfields(u2, 0), 5);
        LFT_CHECK_FSTR(u2, LFT_F_OUTPUT_TEXT, 0, "Hel");
        LFT_CHECK_FSTR(u2, LFT_F_MODEL, 0, "gpt-4o");
        LFT_CHECK_KVU(u2, LFT_F_USAGE, "output", 3);
        LFT_CHECK_FINT(u2, LFT_F_LEVEL, LFT_LEVEL_WARNING);
        LFT_CHECK_FSTR(u2, LFT_F_STATUS, 0, "slow");
    }
    const lft_record_t *e = lft_tr_find(LFT_REC_END, s->serial);
    LFT_CHECK(e != NULL);
    if (e != NULL) {
        LFT_CHECK_EQ(e->time_us, 2500);
        LFT_CHECK_EQ(lft_tr_nfields(e, 0), 8);
        LFT_CHECK_FSTR(e, LFT_F_OUTPUT_TEXT, 0, "Hello");
        LFT_CHECK_KVU(e, LFT_F_USAGE, "input", 42);
        LFT_CHECK_KVU(e, LFT_F_USAGE, "output", 18);
        LFT_CHECK_KVU(e, LFT_F_USAGE, "total", 60);
        LFT_CHECK_KVDBL(e, LFT_F_COST, "total", 1.5);
        LFT_CHECK_FU(e, LFT_F_TIME_UNIX, U + 3000);
        LFT_CHECK_FINT(e, LFT_F_LEVEL, LFT_LEVEL_ERROR);
        LFT_CHECK_FSTR(e, LFT_F_STATUS, 0, "cut off");
    }
    const lft_record_t *es = lft_tr_find_named(LFT_REC_START, "embed");
    LFT_CHECK(es != NULL && es->kind == LFT_KIND_EMBEDDING);
    LFT_CHECK_FSTR(es, LFT_F_MODEL, 0, "text-embedding-3-small");
    LFT_CHECK_KVU(es, LFT_F_USAGE, "output", 3);
    if (es != NULL) {
        LFT_CHECK_FINT(lft_tr_find(LFT_REC_UPDATE, es->serial), LFT_F_COMPLETION_START, 2507);
    }
    teardown();
}

/* A first token whose handle's hint is stale (the START moved; here the
 * hint names another START) finds its START all the same: the record is the
 * one a good hint gives, and the handle's hint is repaired. */
static void test_first_token_stale_hint(void)
{
    setup(1024);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t good = LFT_OBS_INIT, stale = LFT_OBS_INIT;
    OK(lft_trace_start(&client, &t, "t", NULL));
    OK(lft_generation_start(&good, &t, "llm", NULL));
    OK(lft_generation_start(&stale, &t, "llm", NULL));
    const uint32_t stale_start = stale.start_abs;
    stale.start_abs = good.start_abs; /* a record boundary, the other START */
    lft_test_clock_set(EPOCH + 123456u);
    OK(lft_generation_first_token(&good));
    OK(lft_generation_first_token(&stale));
    LFT_CHECK_EQ(stale.start_abs, stale_start);
    LFT_CHECK_EQ(lft_tr_read(&client), 5);
    const lft_record_t *f = lft_tr_find(LFT_REC_UPDATE, good.serial);
    const lft_record_t *g = lft_tr_find(LFT_REC_UPDATE, stale.serial);
    LFT_CHECK(f != NULL && g != NULL);
    if (f != NULL && g != NULL) {
        LFT_CHECK_EQ(f->kind, LFT_KIND_GENERATION);
        LFT_CHECK_EQ(f->flags, 0);
        LFT_CHECK_EQ(g->flags, 0);
        LFT_CHECK_EQ(f->len, g->len);
        LFT_CHECK_EQ(f->seq + 1u, g->seq);
        LFT_CHECK_EQ(f->start, good.start_abs);
        LFT_CHECK_EQ(g->start, stale_start);
        LFT_CHECK_EQ(f->fields_len, g->fields_len);
        LFT_CHECK(f->fields_len == g->fields_len && memcmp(f->fields, g->fields, f->fields_len) == 0);
        LFT_CHECK_EQ(lft_tr_nfields(f, 0), 1);
        LFT_CHECK_FINT(f, LFT_F_COMPLETION_START, 123456);
    }
    LFT_CHECK_EQ(stats().recorded, 5);
    teardown();
}

static void test_obs_fields_and_times(void)
{
    static const lft_kv_t meta[] = { LFT_KV_STR("k", "v"), LFT_KV_INT("n", 7) };
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t a = LFT_OBS_INIT, b = LFT_OBS_INIT;

    setup(0);
    OK(lft_trace_start(&client, &t, "times", NULL));
    lft_test_clock_advance(250);
    OK(lft_span_start(&a, &t, "default-times", NULL));
    lft_obs_opts_t up = { .input = LFT_TEXT("in"), .output = LFT_JSON("{\"ok\":true}"), .metadata = meta,
                          .metadata_count = 2, .level = LFT_LEVEL_DEFAULT, .status_message = "fine",
                          .version = "2.0" };
    OK(lft_obs_update(&a, &up));
    lft_obs_opts_t up2 = { .output = LFT_TEXT("second") };
    OK(lft_obs_update(&a, &up2));
    OK(lft_obs_update(&a, NULL)); /* nothing: no record */
    lft_test_clock_advance(750);
    OK(lft_obs_end(&a, NULL));

    lft_obs_opts_t so = { .time_unix_us = U + 1 };
    OK(lft_obs_start(&b, &t, LFT_KIND_TOOL, "explicit-times", &so));
    lft_test_clock_advance(3);
    lft_obs_opts_t eo = { .time_unix_us = U + 2 };
    OK(lft_obs_end(&b, &eo));
    OK(lft_trace_end(&t, NULL));

    LFT_CHECK_EQ(lft_tr_read(&client), 8);
    const lft_record_t *s = lft_tr_find_named(LFT_REC_START, "default-times");
    LFT_CHECK(s != NULL);
    if (s != NULL) {
        LFT_CHECK_EQ(s->time_us, 250);
        LFT_CHECK_EQ(lft_tr_nfields(s, 0), 1);
        LFT_CHECK_EQ(lft_tr_nfields(s, LFT_F_TIME_UNIX), 0);
        const lft_record_t *u1 = lft_tr_find(LFT_REC_UPDATE, s->serial);
        LFT_CHECK(u1 != NULL);
        if (u1 != NULL) {
            LFT_CHECK_EQ(lft_tr_nfields(u1, 0), 7);
            LFT_CHECK_FSTR(u1, LFT_F_INPUT_TEXT, 0, "in");
            LFT_CHECK_FSTR(u1, LFT_F_OUTPUT_JSON, 0, "{\"ok\":true}");
            LFT_CHECK_KVSTR(u1, LFT_F_META_STR, "k", "v");
            LFT_CHECK_KVINT(u1, LFT_F_META_INT, "n", 7);
            LFT_CHECK_FINT(u1, LFT_F_LEVEL, LFT_LEVEL_DEFAULT);
            LFT_CHECK_FSTR(u1, LFT_F_STATUS, 0, "fine");
            LFT_CHECK_FSTR(u1, LFT_F_VERSION, 0, "2.0");
            LFT_CHECK(u1[1].type == LFT_REC_UPDATE && u1[1].serial == s->serial);
            LFT_CHECK_EQ(u1[1].seq, u1->seq + 1);
            LFT_CHECK_FSTR(&u1[1], LFT_F_OUTPUT_TEXT, 0, "second");
        }
        LFT_CHECK_EQ(lft_tr_count(LFT_REC_UPDATE, s->serial), 2);
        const lft_record_t *e = lft_tr_find(LFT_REC_END, s->serial);
        LFT_CHECK(e != NULL && e->time_us == 1000 && lft_tr_nfields(e, 0) == 0);
    }
    const lft_record_t *x = lft_tr_find_named(LFT_REC_START, "explicit-times");
    LFT_CHECK(x != NULL);
    if (x != NULL) {
        LFT_CHECK_EQ(x->time_us, 1000); /* the record time is always "now" */
        LFT_CHECK_FU(x, LFT_F_TIME_UNIX, U + 1);
        const lft_record_t *e = lft_tr_find(LFT_REC_END, x->serial);
        LFT_CHECK(e != NULL && e->time_us == 1003);
        LFT_CHECK_FU(e, LFT_F_TIME_UNIX, U + 2);
    }
    teardown();
}

static void test_events(void)
{
    static const lft_kv_t meta[] = { LFT_KV_BOOL("hit", 1) };
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;

    setup(0);
    OK(lft_trace_start(&client, &t, "ev-trace", NULL));
    OK(lft_span_start(&sp, &t, "ev-span", NULL));
    lft_test_clock_advance(42);
    lft_obs_opts_t o = { .input = LFT_JSON("{\"before\":10,\"after\":5}"), .output = LFT_TEXT("reranked"),
                         .metadata = meta, .metadata_count = 1, .status_message = "ok",
                         .version = "e1", .time_unix_us = U + 5 };
    OK(lft_event(&sp, "rerank", &o));
    OK(lft_event(&t, "on-trace", NULL));
    for (int lv = LFT_LEVEL_DEBUG; lv <= LFT_LEVEL_ERROR; lv++) {
        char name[16];
        lft_obs_opts_t lo = { .level = (lft_level_t)lv };
        snprintf(name, sizeof name, "level-%d", lv);
        OK(lft_event(&sp, name, &lo));
    }
    OK(lft_obs_end(&sp, NULL));
    OK(lft_event(&sp, "after-end", NULL)); /* an ended observation can still be a parent */
    OK(lft_trace_end(&t, NULL));

    LFT_CHECK_EQ(lft_tr_read(&client), 11);
    uint32_t ts = lft_tr_serial_of(LFT_REC_START, "ev-trace");
    uint32_t ss = lft_tr_serial_of(LFT_REC_START, "ev-span");
    const lft_record_t *e = lft_tr_find_named(LFT_REC_EVENT, "rerank");
    LFT_CHECK(e != NULL);
    if (e != NULL) {
        LFT_CHECK_EQ(e->kind, LFT_KIND_EVENT);
        LFT_CHECK_EQ(e->parent, ss);
        LFT_CHECK_EQ(e->trace, ts);
        LFT_CHECK_EQ(e->time_us, 42);
        LFT_CHECK(e->serial != 0 && e->serial != ss && e->serial != ts);
        LFT_CHECK_EQ(lft_tr_count(-1, e->serial), 1); /* events have no END */
        LFT_CHECK_EQ(lft_tr_nfields(e, 0), 7);
        LFT_CHECK_FSTR(e, LFT_F_INPUT_JSON, 0, "{\"before\":10,\"after\":5}");
        LFT_CHECK_FSTR(e, LFT_F_OUTPUT_TEXT, 0, "reranked");
        LFT_CHECK_KVINT(e, LFT_F_META_BOOL, "hit", 1);
        LFT_CHECK_FSTR(e, LFT_F_STATUS, 0, "ok");
        LFT_CHECK_FSTR(e, LFT_F_VERSION, 0, "e1");
        LFT_CHECK_FU(e, LFT_F_TIME_UNIX, U + 5);
    }
    const lft_record_t *ot = lft_tr_find_named(LFT_REC_EVENT, "on-trace");
    LFT_CHECK(ot != NULL && ot->parent == ts && ot->trace == ts && lft_tr_nfields(ot, 0) == 1);
    for (int lv = LFT_LEVEL_DEBUG; lv <= LFT_LEVEL_ERROR; lv++) {
        char name[16];
        snprintf(name, sizeof name, "level-%d", lv);
        const lft_record_t *l = lft_tr_find_named(LFT_REC_EVENT, name);
        LFT_CHECK_FINT(l, LFT_F_LEVEL, lv);
    }
    const lft_record_t *ae = lft_tr_find_named(LFT_REC_EVENT, "after-end");
    LFT_CHECK(ae != NULL && ae->parent == ss);
    teardown();
}

/* ------------------------------------------------------------------ scores */

static void test_scores(void)
{
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;

    setup(0);
    OK(lft_trace_start(&client, &t, "sc-trace", NULL));
    OK(lft_span_start(&sp, &t, "sc-span", NULL));
    OK(lft_obs_end(&sp, NULL)); /* scoring an ended observation is fine */
    lft_test_clock_advance(77);
    lft_score_t s1 = { .name = "helpfulness", .value = 0.92, .comment = "Answered correctly.",
                       .id = "score-1", .target = &t };
    OK(lft_score(&client, &s1));
    lft_score_t s2 = { .name = "latency", .data_type = LFT_SCORE_NUMERIC, .value = -1.5, .target = &sp };
    OK(lft_score(&client, &s2));
    lft_score_t s3 = { .name = "correct", .data_type = LFT_SCORE_BOOLEAN, .value = 1.0, .target = &sp };
    OK(lft_score(&client, &s3));
    lft_score_t s4 = { .name = "wrong", .data_type = LFT_SCORE_BOOLEAN, .value = 0.0, .target = &t };
    OK(lft_score(&client, &s4));
    lft_score_t s5 = { .name = "tone", .string_value = "friendly", .target = &t };
    OK(lft_score(&client, &s5));
    lft_score_t s6 = { .name = "topic", .data_type = LFT_SCORE_CATEGORICAL, .string_value = "billing",
                       .session_id = "session_abc", .comment = "per session", .id = "score-6" };
    OK(lft_score(&client, &s6));
    lft_score_t s7 = { .name = "csat", .value = 4.0, .session_id = "session_abc" };
    OK(lft_score(&client, &s7));
    OK(lft_trace_end(&t, NULL));

    LFT_CHECK_EQ(lft_tr_read(&client), 11);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_SCORE, 0), 7);
    uint32_t ts = lft_tr_serial_of(LFT_REC_START, "sc-trace");
    uint32_t ss = lft_tr_serial_of(LFT_REC_START, "sc-span");

    const lft_record_t *r = lft_tr_find_named(LFT_REC_SCORE, "helpfulness");
    LFT_CHECK(r != NULL && r->trace == ts && r->observation == 0 && r->time_us == 77);
    LFT_CHECK(r != NULL && r->serial != 0 && r->serial != ts && r->serial != ss);
    LFT_CHECK(r != NULL && lft_tr_nfields(r, 0) == 5 && lft_tr_nfields(r, LFT_F_SESSION_ID) == 0);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_NUMERIC);
    LFT_CHECK_FDBL(r, LFT_F_SCORE_VALUE, 0.92);
    LFT_CHECK_FSTR(r, LFT_F_COMMENT, 0, "Answered correctly.");
    LFT_CHECK_FSTR(r, LFT_F_SCORE_ID, 0, "score-1");

    r = lft_tr_find_named(LFT_REC_SCORE, "latency");
    LFT_CHECK(r != NULL && r->trace == ts && r->observation == ss && lft_tr_nfields(r, 0) == 3);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_NUMERIC);
    LFT_CHECK_FDBL(r, LFT_F_SCORE_VALUE, -1.5);

    r = lft_tr_find_named(LFT_REC_SCORE, "correct");
    LFT_CHECK(r != NULL && r->trace == ts && r->observation == ss);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_BOOLEAN);
    LFT_CHECK_FDBL(r, LFT_F_SCORE_VALUE, 1.0);

    r = lft_tr_find_named(LFT_REC_SCORE, "wrong");
    LFT_CHECK(r != NULL && r->trace == ts && r->observation == 0);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_BOOLEAN);
    LFT_CHECK_FDBL(r, LFT_F_SCORE_VALUE, 0.0);

    r = lft_tr_find_named(LFT_REC_SCORE, "tone"); /* inferred categorical */
    LFT_CHECK(r != NULL && lft_tr_nfields(r, 0) == 3 && lft_tr_nfields(r, LFT_F_SCORE_VALUE) == 0);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_CATEGORICAL);
    LFT_CHECK_FSTR(r, LFT_F_SCORE_STRING, 0, "friendly");

    r = lft_tr_find_named(LFT_REC_SCORE, "topic"); /* explicit categorical on a session */
    LFT_CHECK(r != NULL && r->trace == 0 && r->observation == 0 && lft_tr_nfields(r, 0) == 6);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_CATEGORICAL);
    LFT_CHECK_FSTR(r, LFT_F_SCORE_STRING, 0, "billing");
    LFT_CHECK_FSTR(r, LFT_F_SESSION_ID, 0, "session_abc");
    LFT_CHECK_FSTR(r, LFT_F_COMMENT, 0, "per session");
    LFT_CHECK_FSTR(r, LFT_F_SCORE_ID, 0, "score-6");

    r = lft_tr_find_named(LFT_REC_SCORE, "csat");
    LFT_CHECK(r != NULL && r->trace == 0 && r->observation == 0);
    LFT_CHECK_FINT(r, LFT_F_SCORE_TYPE, LFT_SCORE_NUMERIC);
    LFT_CHECK_FDBL(r, LFT_F_SCORE_VALUE, 4.0);
    LFT_CHECK_FSTR(r, LFT_F_SESSION_ID, 0, "session_abc");
    teardown();
}

/* ----------------------------------------------------- content and text */

static void test_length_delimited(void)
{
    static const char text5[5] = { 'h', 'e', 'l', 'l', 'o' }; /* no NUL */
    static const char json7[7] = { '{', '"', 'a', '"', ':', '1', '}' };
    static const char nul_inside[3] = { 'a', '\0', 'b' };
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;

    setup(0);
    lft_trace_opts_t to = { .input = LFT_TEXT_N("abcdefXYZ", 6), .output = LFT_JSON_N("[1,2]garbage", 5) };
    OK(lft_trace_start(&client, &t, "ld-trace", &to));
    lft_obs_opts_t so = { .input = LFT_TEXT_N(text5, sizeof text5), .output = LFT_JSON_N(json7, sizeof json7) };
    OK(lft_span_start(&sp, &t, "ld-span", &so));
    lft_obs_opts_t eo = { .input = LFT_TEXT_N(nul_inside, 3), .output = LFT_TEXT_N(text5, 0) };
    OK(lft_event(&sp, "ld-event", &eo));

    lft_tr_read(&client);
    const lft_record_t *r = lft_tr_find_named(LFT_REC_START, "ld-trace");
    LFT_CHECK_FSTR(r, LFT_F_INPUT_TEXT, 0, "abcdef");
    LFT_CHECK_FSTR(r, LFT_F_OUTPUT_JSON, 0, "[1,2]");
    r = lft_tr_find_named(LFT_REC_START, "ld-span");
    LFT_CHECK_FSTR(r, LFT_F_INPUT_TEXT, 0, "hello");
    LFT_CHECK_FSTR(r, LFT_F_OUTPUT_JSON, 0, "{\"a\":1}");
    r = lft_tr_find_named(LFT_REC_EVENT, "ld-event");
    lft_field_t f;
    LFT_CHECK(r != NULL && lft_tr_field(r, LFT_F_INPUT_TEXT, 0, &f) == 1);
    LFT_CHECK(r != NULL && f.str_len == 3 && memcmp(f.str, nul_inside, 3) == 0);
    LFT_CHECK(r != NULL && lft_tr_field(r, LFT_F_OUTPUT_TEXT, 0, &f) == 1 && f.str_len == 0);
    teardown();
}

/* Check a field holds in[0..keep) followed by the marker (keep = expected kept bytes). */
static void check_cut(const lft_record_t *r, int tag, const char *in, size_t keep, uint32_t max)
{
    lft_field_t f;
    int found = r != NULL && lft_tr_field(r, tag, 0, &f) == 1;
    LFT_CHECK(found);
    if (!found) {
        return;
    }
    LFT_CHECK(f.str_len <= max);
    LFT_CHECK_EQ(f.str_len, keep + MARKER_LEN);
    LFT_CHECK(memcmp(f.str, in, keep) == 0);
    LFT_CHECK(memcmp(f.str + keep, MARKER, MARKER_LEN) == 0);
    LFT_CHECK(utf8_ok(f.str, f.str_len) || !utf8_ok(in, strlen(in)));
}

static void test_truncation(void)
{
    enum { MAX = 64 };
    char a100[101], a64[65], a65[66], e_acute[90], emoji[100], json100[101], json64[65];
    char model[LFT_ID_MAX + 1], key[LFT_KEY_MAX + 1], cont[101];
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT, g = LFT_OBS_INIT;

    memset(a100, 'a', 100);
    a100[100] = '\0';
    memcpy(a64, a100, 64);
    a64[64] = '\0';
    memcpy(a65, a100, 65);
    a65[65] = '\0';
    /* 'a' + 40 x U+00E9: byte 50 is the second byte of a character */
    e_acute[0] = 'a';
    for (int i = 0; i < 40; i++) {
        memcpy(e_acute + 1 + 2 * i, "\xC3\xA9", 2);
    }
    e_acute[81] = '\0';
    /* "abc" + 20 x U+1F600: bytes 48..50 are the 2nd..4th bytes of a character */
    memcpy(emoji, "abc", 3);
    for (int i = 0; i < 20; i++) {
        memcpy(emoji + 3 + 4 * i, "\xF0\x9F\x98\x80", 4);
    }
    emoji[83] = '\0';
    /* valid JSON arrays of 100 and exactly 64 bytes */
    memset(json100, '1', 100);
    json100[0] = '[';
    for (int i = 2; i < 97; i += 2) {
        json100[i] = ',';
    }
    json100[99] = ']'; /* "[1,1,...,1,11]" */
    json100[100] = '\0';
    memcpy(json64, json100, 62);
    json64[62] = '1';
    json64[63] = ']';
    json64[64] = '\0';
    memset(model, 'm', LFT_ID_MAX);
    model[LFT_ID_MAX] = '\0';
    memset(key, 'k', LFT_KEY_MAX);
    key[LFT_KEY_MAX] = '\0';
    memset(cont, '\x80', 100); /* not UTF-8 at all: cut exactly where asked */
    cont[100] = '\0';

    setup(MAX);
    lft_kv_t meta[] = { { key, LFT_VAL_STRING, { .s = a100 } } };
    const char *const tags[] = { key };
    lft_trace_opts_t to = { .user_id = model, .metadata = meta, .metadata_count = 1, .tags = tags,
                            .tags_count = 1 };
    OK(lft_trace_start(&client, &t, a100, &to));                        /* 2 cut: name, meta */
    lft_obs_opts_t so = { .input = LFT_TEXT(a100), .output = LFT_TEXT(a64), .status_message = a65 };
    OK(lft_span_start(&sp, &t, "cut-span", &so));                       /* 2 cut */
    lft_obs_opts_t uo = { .input = LFT_TEXT(e_acute), .output = LFT_TEXT(emoji), .version = cont };
    OK(lft_obs_update(&sp, &uo));                                       /* 3 cut */
    lft_obs_opts_t eo = { .input = LFT_JSON(json100), .output = LFT_JSON(json64) };
    OK(lft_obs_end(&sp, &eo));                                          /* 1 cut */
    lft_obs_opts_t go = { .model = model, .output = LFT_JSON(json100) };
    OK(lft_generation_start(&g, &t, "cut-gen", &go));                   /* 1 cut */
    lft_score_t sc = { .name = "cut-score", .string_value = a100, .comment = a65, .target = &g };
    OK(lft_score(&client, &sc));                                        /* 2 cut */
    LFT_CHECK_EQ(stats().truncated, 11);

    lft_tr_read(&client);
    const lft_record_t *r = lft_tr_find(LFT_REC_START, 0);
    LFT_CHECK(r != NULL && r->kind == LFT_KIND_TRACE);
    check_cut(r, LFT_F_NAME, a100, MAX - MARKER_LEN, MAX);
    LFT_CHECK_FSTR(r, LFT_F_USER_ID, 0, model); /* ids are never cut */
    LFT_CHECK_FSTR(r, LFT_F_TAG, 0, key);       /* a tag of LFT_KEY_MAX bytes is fine */
    lft_field_t f;
    LFT_CHECK(r != NULL && lft_tr_kv(r, LFT_F_META_STR, key, &f) == 1); /* keys are never cut */
    LFT_CHECK(r != NULL && f.str_len == MAX && memcmp(f.str + MAX - MARKER_LEN, MARKER, MARKER_LEN) == 0);

    r = lft_tr_find_named(LFT_REC_START, "cut-span");
    check_cut(r, LFT_F_INPUT_TEXT, a100, 50, MAX);
    LFT_CHECK_FSTR(r, LFT_F_OUTPUT_TEXT, 0, a64); /* exactly max_field_bytes: kept whole */
    check_cut(r, LFT_F_STATUS, a65, 50, MAX);

    const lft_record_t *u = r != NULL ? lft_tr_find(LFT_REC_UPDATE, r->serial) : NULL;
    check_cut(u, LFT_F_INPUT_TEXT, e_acute, 49, MAX);  /* backs off one byte */
    check_cut(u, LFT_F_OUTPUT_TEXT, emoji, 47, MAX);   /* backs off three bytes */
    check_cut(u, LFT_F_VERSION, cont, 50, MAX);

    const lft_record_t *e = r != NULL ? lft_tr_find(LFT_REC_END, r->serial) : NULL;
    LFT_CHECK(e != NULL && lft_tr_nfields(e, LFT_F_INPUT_JSON) == 0); /* cut JSON is text */
    check_cut(e, LFT_F_INPUT_TEXT, json100, 50, MAX);
    LFT_CHECK_FSTR(e, LFT_F_OUTPUT_JSON, 0, json64);

    r = lft_tr_find_named(LFT_REC_START, "cut-gen");
    LFT_CHECK_FSTR(r, LFT_F_MODEL, 0, model);
    LFT_CHECK(r != NULL && lft_tr_nfields(r, LFT_F_OUTPUT_JSON) == 0);
    check_cut(r, LFT_F_OUTPUT_TEXT, json100, 50, MAX);

    r = lft_tr_find_named(LFT_REC_SCORE, "cut-score");
    check_cut(r, LFT_F_SCORE_STRING, a100, 50, MAX);
    check_cut(r, LFT_F_COMMENT, a65, 50, MAX);
    teardown();
}

static void test_invalid_utf8_kept(void)
{
    static const char bad[] = "\xFF\xFE ok \xC3";
    static const char bad_meta[] = "\x80" "abc\xED\xA0\x80";
    lft_trace_t t = LFT_OBS_INIT;
    setup(0);
    lft_kv_t meta[] = { { "m", LFT_VAL_STRING, { .s = bad_meta } } };
    lft_trace_opts_t o = { .input = LFT_TEXT(bad), .metadata = meta, .metadata_count = 1 };
    OK(lft_trace_start(&client, &t, "n\xC0\xAF", &o));
    lft_tr_read(&client);
    const lft_record_t *r = lft_tr_find(LFT_REC_START, 0);
    LFT_CHECK_FSTR(r, LFT_F_INPUT_TEXT, 0, bad);
    LFT_CHECK_FSTR(r, LFT_F_NAME, 0, "n\xC0\xAF");
    LFT_CHECK_KVSTR(r, LFT_F_META_STR, "m", bad_meta);
    LFT_CHECK_EQ(stats().truncated, 0);
    teardown();
}

/* ------------------------------------------------------- stats, config */

static void test_stats(void)
{
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;
    setup(0);
    lft_stats_t s = stats();
    LFT_CHECK_EQ(s.recorded, 0);
    LFT_CHECK_EQ(s.pending_records, 0);
    LFT_CHECK_EQ(s.pending_bytes, 0);
    LFT_CHECK_EQ(s.ring_high_water, 0);
    LFT_CHECK_EQ(s.ring_size, sizeof ring);

    OK(lft_trace_start(&client, &t, "st-trace", NULL));
    OK(lft_span_start(&sp, &t, "st-span", NULL));
    OK(lft_event(&sp, "st-event", NULL));
    OK(lft_obs_end(&sp, NULL));
    lft_score_t sc = { .name = "st-score", .value = 1.0, .target = &sp };
    OK(lft_score(&client, &sc));

    s = stats(); /* before reading: closing a reader moves the open trace's START */
    LFT_CHECK_EQ(lft_tr_read(&client), 5);
    uint32_t bytes = 0;
    for (size_t i = 0; i < lft_tr_n; i++) {
        bytes += lft_tr_rec[i].len;
    }
    LFT_CHECK_EQ(s.recorded, 5);
    LFT_CHECK_EQ(s.pending_records, 5);
    LFT_CHECK_EQ(s.pending_bytes, bytes);
    LFT_CHECK_EQ(s.ring_high_water, bytes);
    LFT_CHECK_EQ(s.ring_size, sizeof ring);
    LFT_CHECK_EQ(s.dropped_ring_full + s.dropped_too_large + s.dropped_invalid + s.dropped_sampled +
                     s.dropped_overwritten + s.truncated + s.moved,
                 0);
    LFT_CHECK_EQ(s.sent + s.acknowledged + s.retries + s.handshakes_full + s.handshakes_resumed, 0);
    LFT_CHECK_EQ(s.bytes_sent, 0);
    LFT_CHECK_EQ(s.last_error, 0);

    const uint32_t high_water = stats().ring_high_water;
    LFT_CHECK(high_water >= bytes);

    /* Release everything through the reader; is_ended tells open from ended. */
    lft_reader_t rd;
    lft_record_t rec;
    int ended_span = -1, ended_trace = -1;
    OK(lft_reader_begin(&client, &rd));
    LFT_CHECK_EQ(lft_reader_begin(&client, &rd), LFT_ERR_BUSY);
    while (lft_reader_next(&rd, &rec) == 1) {
        if (rec.type == LFT_REC_START && rec.kind == LFT_KIND_SPAN) {
            ended_span = lft_reader_is_ended(&rd, &rec);
        } else if (rec.type == LFT_REC_START) {
            ended_trace = lft_reader_is_ended(&rd, &rec);
        }
        OK(lft_reader_release(&rd, &rec));
    }
    LFT_CHECK_EQ(lft_reader_end(&rd), bytes);
    LFT_CHECK_EQ(ended_span, 1);
    LFT_CHECK_EQ(ended_trace, 0);
    s = stats();
    LFT_CHECK_EQ(s.recorded, 5);
    LFT_CHECK_EQ(s.pending_records, 0);
    LFT_CHECK_EQ(s.pending_bytes, 0);
    LFT_CHECK_EQ(s.ring_high_water, high_water);
    LFT_CHECK_EQ(lft_tr_read(&client), 0);

    OK(lft_trace_end(&t, NULL)); /* its START is gone: an orphan END */
    LFT_CHECK_EQ(lft_tr_read(&client), 1);
    LFT_CHECK(lft_tr_n == 1 && (lft_tr_rec[0].flags & LFT_RECF_ORPHAN) != 0);
    LFT_CHECK(lft_tr_n == 1 && lft_tr_rec[0].parent == 0 && lft_tr_rec[0].trace == lft_tr_rec[0].serial);
    s = stats();
    LFT_CHECK_EQ(s.recorded, 6);
    LFT_CHECK_EQ(s.pending_records, 1);
    LFT_CHECK(lft_tr_n == 1 && s.pending_bytes == lft_tr_rec[0].len);
    LFT_CHECK_EQ(s.ring_high_water, high_water);
    teardown();
}

static void test_config(void)
{
    char text[1100];
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .flush_at = 10,
                         .flush_interval_ms = 250, .max_field_bytes = 40,
                         .drop_policy = LFT_DROP_OLDEST, .sample_rate = 1.0,
                         .environment = "edge-prod", .release = "r1", .version = "v9",
                         .service_name = "svc", .service_version = "1.2.3", .device_id = "dev-7" };
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT;

    /* Every field is kept for the exporter (resource attributes, trace defaults). */
    setup_cfg(&cfg);
    LFT_CHECK(client.cfg.ring == ring && client.cfg.ring_size == sizeof ring);
    LFT_CHECK_EQ(client.cfg.flush_at, 10);
    LFT_CHECK_EQ(client.cfg.flush_interval_ms, 250);
    LFT_CHECK_EQ(client.cfg.max_field_bytes, 40);
    LFT_CHECK_EQ(client.cfg.drop_policy, LFT_DROP_OLDEST);
    LFT_CHECK(client.cfg.sample_rate == 1.0);
    LFT_CHECK(strcmp(client.cfg.environment, "edge-prod") == 0);
    LFT_CHECK(strcmp(client.cfg.release, "r1") == 0);
    LFT_CHECK(strcmp(client.cfg.version, "v9") == 0);
    LFT_CHECK(strcmp(client.cfg.service_name, "svc") == 0);
    LFT_CHECK(strcmp(client.cfg.service_version, "1.2.3") == 0);
    LFT_CHECK(strcmp(client.cfg.device_id, "dev-7") == 0);
    LFT_CHECK_EQ(stats().ring_size, sizeof ring);
    /* max_field_bytes = 40: 40 bytes are kept, 41 are cut to 40 */
    memset(text, 'x', 41);
    text[41] = '\0';
    OK(lft_trace_start(&client, &t, "cfg", NULL));
    lft_obs_opts_t o = { .input = LFT_TEXT_N(text, 40), .output = LFT_TEXT(text) };
    OK(lft_span_start(&sp, &t, "cfg-span", &o));
    lft_tr_read(&client);
    const lft_record_t *r = lft_tr_find_named(LFT_REC_START, "cfg-span");
    lft_field_t f;
    LFT_CHECK(r != NULL && lft_tr_field(r, LFT_F_INPUT_TEXT, 0, &f) && f.str_len == 40 && f.str[39] == 'x');
    check_cut(r, LFT_F_OUTPUT_TEXT, text, 40 - MARKER_LEN, 40);
    teardown();

    /* Zero means "the default". */
    lft_config_t zero = { .ring = ring, .ring_size = sizeof ring };
    setup_cfg(&zero);
    LFT_CHECK_EQ(client.cfg.flush_at, LFT_DEFAULT_FLUSH_AT);
    LFT_CHECK_EQ(client.cfg.flush_interval_ms, LFT_DEFAULT_FLUSH_INTERVAL_MS);
    LFT_CHECK_EQ(client.cfg.max_field_bytes, LFT_DEFAULT_MAX_FIELD_BYTES);
    LFT_CHECK_EQ(client.cfg.drop_policy, LFT_DROP_NEWEST);
    LFT_CHECK(client.cfg.sample_rate == 1.0);
    LFT_CHECK(strcmp(client.cfg.service_name, "lftrace") == 0);
    LFT_CHECK(client.cfg.environment == NULL && client.cfg.release == NULL && client.cfg.device_id == NULL);
    memset(text, 'y', 1025);
    text[1025] = '\0';
    t = (lft_trace_t)LFT_OBS_INIT;
    lft_trace_opts_t to = { .input = LFT_TEXT_N(text, 1024), .output = LFT_TEXT(text) };
    OK(lft_trace_start(&client, &t, "defaults", &to));
    /* sample_rate 0 keeps every trace */
    for (int i = 0; i < 50; i++) {
        lft_trace_t k = LFT_OBS_INIT;
        OK(lft_trace_start(&client, &k, "kept", NULL));
        OK(lft_trace_end(&k, NULL));
    }
    lft_tr_read(&client);
    r = lft_tr_find_named(LFT_REC_START, "defaults");
    LFT_CHECK(r != NULL && lft_tr_field(r, LFT_F_INPUT_TEXT, 0, &f) && f.str_len == 1024);
    check_cut(r, LFT_F_OUTPUT_TEXT, text, 1024 - MARKER_LEN, 1024);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_START, 0), 51);
    LFT_CHECK_EQ(stats().dropped_sampled, 0);
    teardown();
}

/* ------------------------------------------------------------------ names */

static void test_names(void)
{
    static const char *const kinds[LFT_KIND_COUNT] = {
        "trace", "span", "generation", "event", "agent", "tool",
        "chain", "retriever", "evaluator", "embedding", "guardrail",
    };
    static const char *const errs[] = {
        "LFT_OK", "LFT_ERR_ARG", "LFT_ERR_HANDLE", "LFT_ERR_FOREIGN", "LFT_ERR_ENDED",
        "LFT_ERR_KIND", "LFT_ERR_JSON", "LFT_ERR_PROMPT", "LFT_ERR_TOO_LONG",
        "LFT_ERR_RING_FULL", "LFT_ERR_TOO_LARGE", "LFT_ERR_NO_CONTEXT", "LFT_ERR_CONTEXT",
        "LFT_ERR_BUSY", "LFT_ERR_NO_WALL_CLOCK", "LFT_ERR_CONFIG", "LFT_ERR_ENTROPY",
        "LFT_ERR_NET", "LFT_ERR_TIMEOUT", "LFT_ERR_WOULD_BLOCK", "LFT_ERR_CLOSED", "LFT_ERR_TLS",
        "LFT_ERR_TLS_VERIFY", "LFT_ERR_NO_MEMORY", "LFT_ERR_HTTP", "LFT_ERR_REJECTED",
        "LFT_ERR_PENDING",
    };
    static const lft_err_t codes[] = {
        LFT_OK, LFT_ERR_ARG, LFT_ERR_HANDLE, LFT_ERR_FOREIGN, LFT_ERR_ENDED, LFT_ERR_KIND,
        LFT_ERR_JSON, LFT_ERR_PROMPT, LFT_ERR_TOO_LONG, LFT_ERR_RING_FULL, LFT_ERR_TOO_LARGE,
        LFT_ERR_NO_CONTEXT, LFT_ERR_CONTEXT, LFT_ERR_BUSY, LFT_ERR_NO_WALL_CLOCK,
        LFT_ERR_CONFIG, LFT_ERR_ENTROPY, LFT_ERR_NET, LFT_ERR_TIMEOUT, LFT_ERR_WOULD_BLOCK,
        LFT_ERR_CLOSED, LFT_ERR_TLS, LFT_ERR_TLS_VERIFY, LFT_ERR_NO_MEMORY, LFT_ERR_HTTP,
        LFT_ERR_REJECTED, LFT_ERR_PENDING,
    };
    for (int k = 0; k < LFT_KIND_COUNT; k++) {
        LFT_CHECK(strcmp(lft_kind_name((lft_kind_t)k), kinds[k]) == 0);
    }
    LFT_CHECK(lft_level_name(LFT_LEVEL_UNSET) == NULL);
    LFT_CHECK(strcmp(lft_level_name(LFT_LEVEL_DEBUG), "DEBUG") == 0);
    LFT_CHECK(strcmp(lft_level_name(LFT_LEVEL_DEFAULT), "DEFAULT") == 0);
    LFT_CHECK(strcmp(lft_level_name(LFT_LEVEL_WARNING), "WARNING") == 0);
    LFT_CHECK(strcmp(lft_level_name(LFT_LEVEL_ERROR), "ERROR") == 0);
    LFT_CHECK(lft_level_name((lft_level_t)5) == NULL);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        LFT_CHECK(strcmp(lft_err_str(codes[i]), errs[i]) == 0);
    }
    LFT_CHECK(lft_err_str((lft_err_t)-27) != NULL && strcmp(lft_err_str((lft_err_t)-27), "LFT_ERR_UNKNOWN") == 0);
    LFT_CHECK(lft_err_str((lft_err_t)1) != NULL && strcmp(lft_err_str((lft_err_t)1), "LFT_ERR_UNKNOWN") == 0);
}

/* ------------------------------------------------- names by reference */

/* Names by reference (LFT_SPAN_START & co.): the record holds the literal's
 * address, the reader returns it as an ordinary name, and everything the
 * fast path cannot take is recorded as a copy, with lft_span_start's errors
 * and counters. */
static void test_names_by_reference(void)
{
    static const char long_name[] = "a-rather-long-span-name-for-a-firmware-step";
    setup(1024);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t s = LFT_OBS_INIT, g = LFT_OBS_INIT, c = LFT_OBS_INIT, bad = LFT_OBS_INIT;
    OK(lft_trace_start(&client, &t, "ref", NULL));
    lft_test_clock_advance(7);
    OK(LFT_SPAN_START(&s, &t, "a-rather-long-span-name-for-a-firmware-step"));
    OK(LFT_GENERATION_START(&g, &s, "llm"));
    OK(LFT_EVENT(&g, "token"));
    /* refused like lft_event / lft_span_start: no current observation, no name */
    LFT_CHECK_EQ(LFT_EVENT(NULL, "lost"), LFT_ERR_NO_CONTEXT);
    LFT_CHECK_EQ(lft_span_start_ref(&bad, &t, NULL, 0), LFT_ERR_ARG);
    OK(lft_span_start(&c, &t, long_name, NULL));
    /* a length that does not match, or too long: copied */
    OK(lft_span_start_ref(&bad, &t, long_name, 3));
    OK(lft_obs_end(&bad, NULL));
    OK(lft_obs_end(&g, NULL));
    OK(lft_obs_end(&s, NULL));
    OK(lft_obs_end(&c, NULL));
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.recorded, 10);
    LFT_CHECK_EQ(st.dropped_invalid, 1); /* the NULL name; no context names no client */

    LFT_CHECK_EQ(lft_tr_read(&client), 10);
    LFT_CHECK_EQ(lft_tr_bad, 0);
    const lft_record_t *rs = lft_tr_find(LFT_REC_START, s.serial);
    const lft_record_t *rg = lft_tr_find(LFT_REC_START, g.serial);
    const lft_record_t *rc = lft_tr_find(LFT_REC_START, c.serial);
    const lft_record_t *rb = lft_tr_find(LFT_REC_START, bad.serial);
    LFT_CHECK(rs != NULL && rg != NULL && rc != NULL && rb != NULL);
    if (rs == NULL || rg == NULL || rc == NULL || rb == NULL) {
        teardown();
        return;
    }
    lft_field_t f;
    LFT_CHECK(lft_tr_field(rs, LFT_F_NAME, 0, &f));
    LFT_CHECK_STRN(f.str, f.str_len, long_name);
    /* by reference: the name is the literal, outside the ring */
    LFT_CHECK(f.str < (const char *)ring || f.str >= (const char *)ring + sizeof ring);
    LFT_CHECK_EQ(lft_tr_nfields(rs, 0), 1);
    LFT_CHECK_EQ(rs->kind, LFT_KIND_SPAN);
    LFT_CHECK_EQ(rs->parent, t.serial);
    LFT_CHECK_EQ(rs->trace, t.serial);
    LFT_CHECK_EQ(rs->time_us, 7);
    /* the same start copied takes the name's bytes; by reference a pointer */
    LFT_CHECK_EQ(rc->len - rs->len, sizeof long_name - 1u - sizeof(const char *));
    LFT_CHECK_FSTR(rc, LFT_F_NAME, 0, long_name);
    LFT_CHECK_FSTR(rb, LFT_F_NAME, 0, long_name); /* copied: len 3 did not match */
    LFT_CHECK(lft_tr_field(rb, LFT_F_NAME, 0, &f) && f.str >= (const char *)lft_tr_arena &&
              f.str < (const char *)lft_tr_arena + sizeof lft_tr_arena);
    LFT_CHECK_EQ(rg->kind, LFT_KIND_GENERATION);
    LFT_CHECK_EQ(rg->parent, s.serial);
    LFT_CHECK_FSTR(rg, LFT_F_NAME, 0, "llm");
    const lft_record_t *ev = lft_tr_find_named(LFT_REC_EVENT, "token");
    LFT_CHECK(ev != NULL && ev->parent == g.serial && ev->kind == LFT_KIND_EVENT);
    LFT_CHECK(lft_tr_find_named(LFT_REC_EVENT, "lost") == NULL);
    teardown();
}

/* ------------------------------------------- ids, time and context, briefly */

static void test_ids_time_context_api(void)
{
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t sp = LFT_OBS_INIT, ob = LFT_OBS_INIT;
    uint8_t tid[16], sid[8], want_t[16], want_s[8];
    char tp[56];
    uint64_t unix_us = 0;

    setup(0);
    OK(lft_trace_start(&client, &t, "ids", NULL));
    OK(lft_span_start(&sp, &t, "ids-span", NULL));
    lft_tr_read(&client);
    const lft_record_t *r = lft_tr_find_named(LFT_REC_START, "ids-span");
    LFT_CHECK(r != NULL);
    if (r != NULL) {
        OK(lft_obs_trace_id(&sp, tid));
        OK(lft_obs_span_id(&sp, sid));
        OK(lft_client_trace_id(&client, r->trace, want_t));
        OK(lft_client_span_id(&client, r->serial, want_s));
        LFT_CHECK(memcmp(tid, want_t, 16) == 0 && memcmp(sid, want_s, 8) == 0);
        OK(lft_obs_traceparent(&sp, tp, sizeof tp));
        LFT_CHECK_EQ(strlen(tp), 55);
    }

    /* time: unknown at init, set later, converts records made before */
    LFT_CHECK_EQ(lft_time_to_unix_us(&client, 0, &unix_us), LFT_ERR_NO_WALL_CLOCK);
    lft_test_clock_advance(2000000);
    OK(lft_time_set_unix_s(&client, 1700000000u));
    OK(lft_time_to_unix_us(&client, 0, &unix_us));
    LFT_CHECK(unix_us == 1700000000000000ull - 2000000u);
    OK(lft_time_set_unix_us(&client, U + 7));
    OK(lft_time_to_unix_us(&client, 2000000, &unix_us));
    LFT_CHECK(unix_us == U + 7);

    /* context: push/pop, observe begin/end, cleanup */
    LFT_CHECK(lft_context_current() == NULL && lft_context_trace() == NULL);
    OK(lft_context_push(&t));
    OK(lft_observe_begin(&client, &ob, LFT_KIND_AGENT, "ctx-agent", NULL));
    LFT_CHECK(lft_context_current() == &ob && lft_context_trace() == &t);
    OK(lft_observe_end(&ob, NULL));
    LFT_CHECK(lft_context_current() == &t);
    OK(lft_context_pop(&t));
    LFT_CHECK(lft_context_current() == NULL);
    lft_observe_cleanup(&sp); /* open, not current: ended */
    LFT_CHECK(!lft_obs_is_open(&sp));
    lft_observe_cleanup(&sp); /* already ended: nothing */
    lft_observe_cleanup(NULL);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    OK(lft_trace_end(&t, NULL));

    lft_tr_read(&client);
    uint32_t ts = lft_tr_serial_of(LFT_REC_START, "ids");
    const lft_record_t *a = lft_tr_find_named(LFT_REC_START, "ctx-agent");
    LFT_CHECK(a != NULL && a->kind == LFT_KIND_AGENT && a->parent == ts);
    LFT_CHECK(a != NULL && lft_tr_count(LFT_REC_END, a->serial) == 1);
    LFT_CHECK(r != NULL && lft_tr_count(LFT_REC_END, lft_tr_serial_of(LFT_REC_START, "ids-span")) == 1);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_END, 0), 3);
    teardown();
}

int main(void)
{
    LFT_RUN(test_trace_lifecycle);
    LFT_RUN(test_kinds_nesting);
    LFT_RUN(test_generation);
    LFT_RUN(test_first_token_stale_hint);
    LFT_RUN(test_obs_fields_and_times);
    LFT_RUN(test_events);
    LFT_RUN(test_scores);
    LFT_RUN(test_length_delimited);
    LFT_RUN(test_truncation);
    LFT_RUN(test_invalid_utf8_kept);
    LFT_RUN(test_stats);
    LFT_RUN(test_config);
    LFT_RUN(test_names);
    LFT_RUN(test_names_by_reference);
    LFT_RUN(test_ids_time_context_api);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    return LFT_TEST_REPORT();
}
