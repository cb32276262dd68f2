/*
 * test_otlp.c - the OTLP encoders (protobuf and JSON).
 *
 *  - The support-query flow encodes to a request whose counting pass equals
 *    the bytes written through a tiny scratch buffer; protoc decodes it
 *    (against ../shared/otlp), and every Langfuse field of the flow is found
 *    on the right span, with its value, in both formats.
 *  - A second flow sets every other field (model parameters, cost, prompt,
 *    custom usage keys, observation metadata, WARNING/DEBUG levels, trace
 *    input/output, public, release/version/environment overrides).
 *  - Compact: attributes whose value Langfuse assumes anyway are absent; in
 *    both builds no span carries a key twice.
 *  - LFT_OTLP_COMPACT=1: this file also compiles lft_otlp.c itself with the
 *    option set, under other names (root_only_*: the trace fields go on the
 *    root only), so both builds of the encoder are tested against the same
 *    recorded data. The tables below state the compact build's attributes;
 *    the *_full tables what the default build sends instead or as well.
 *  - Delivery diagnostics on the resource, requests with zero spans, and the
 *    records each item consists of (lft_otlp_item_records).
 */
#include <stdio.h>
#include <string.h>

#include "lft_json.h"
#include "lft_otlp.h"
#include "lft_port_test.h"
#include "lft_test.h"

/* The encoder again, built with LFT_OTLP_COMPACT (trace attributes on the root span only),
 * its public functions renamed root_only_*. */
size_t root_only_collect(lft_client_t *client, lft_reader_t *reader, lft_otlp_item_t *items,
                         size_t cap, lft_otlp_batch_t *batch);
size_t root_only_item_records(const lft_otlp_batch_t *b, size_t i, uint32_t *pos_out, size_t cap);
int root_only_item_exportable(const lft_otlp_item_t *item);
lft_err_t root_only_encode_proto(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                                 lft_sink_t *sink);
lft_err_t root_only_encode_json(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                                lft_sink_t *sink);
void root_only_iso8601(uint64_t unix_us, char out[28]);
#undef LFT_OTLP_COMPACT
#define LFT_OTLP_COMPACT 1
#define lft_otlp_collect root_only_collect
#define lft_otlp_item_records root_only_item_records
#define lft_otlp_item_exportable root_only_item_exportable
#define lft_otlp_encode_proto root_only_encode_proto
#define lft_otlp_encode_json root_only_encode_json
#define lft_otlp_iso8601 root_only_iso8601
#include "../../transports/lft_otlp.c"
#undef lft_otlp_collect
#undef lft_otlp_item_records
#undef lft_otlp_item_exportable
#undef lft_otlp_encode_proto
#undef lft_otlp_encode_json
#undef lft_otlp_iso8601

typedef lft_err_t (*encode_fn)(const lft_otlp_batch_t *, lft_otlp_scratch_t *, lft_sink_t *);

/* The encoders' working memory (the first one; a second shows the bytes do not depend on it). */
static lft_otlp_scratch_t enc_scratch, enc_scratch2;

static uint8_t ring[16384];
static lft_client_t client;
static uint8_t ring2[16384];
static lft_client_t client2;
static uint8_t body[16384];
static size_t body_len;
static size_t sizes[2][2]; /* [root_only][json] bytes of the support-query request */

static int collect(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (body_len + n > sizeof body) {
        return -1;
    }
    memcpy(body + body_len, p, n);
    body_len += n;
    return 0;
}

/* Encode batch into body through a 7-byte scratch; the counting pass must
 * give the same length. Returns the encoder's result. */
static lft_err_t encode_into_body(encode_fn fn, const lft_otlp_batch_t *batch)
{
    lft_sink_t count, out;
    uint8_t scratch[7]; /* deliberately tiny: every write crosses it */
    lft_sink_init_count(&count);
    lft_err_t err = fn(batch, &enc_scratch, &count);
    body_len = 0;
    lft_sink_init(&out, scratch, sizeof scratch, collect, NULL);
    memset(&enc_scratch2, 0xA5, sizeof enc_scratch2); /* needs no initialisation */
    LFT_CHECK_EQ(fn(batch, &enc_scratch2, &out), err);
    LFT_CHECK_EQ(lft_sink_flush(&out), 0);
    LFT_CHECK_EQ(count.total, body_len);
    return err;
}

static void record_support_query(void)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.environment = "production";
    cfg.service_name = "support-bot";
    cfg.device_id = "edge-gw-01";
    lft_test_wall_set(1795000000000000ull);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);

    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_INT("seats", 3) };
    static const char *const tags[] = { "support", "production" };
    lft_trace_opts_t topts = { 0 };
    topts.user_id = "user_123";
    topts.session_id = "session_abc";
    topts.metadata = meta;
    topts.metadata_count = 2;
    topts.tags = tags;
    topts.tags_count = 2;
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &trace, "support-query", &topts), LFT_OK);

    lft_obs_t retrieval = LFT_OBS_INIT;
    lft_obs_opts_t ropts = { 0 };
    ropts.input = LFT_JSON("{\"query\":\"reset password\"}");
    LFT_CHECK_EQ(lft_span_start(&retrieval, &trace, "retrieval", &ropts), LFT_OK);
    lft_test_clock_advance(100000);
    lft_obs_opts_t rend = { 0 };
    rend.output = LFT_TEXT("Reset via \"Settings\"\n");
    LFT_CHECK_EQ(lft_obs_end(&retrieval, &rend), LFT_OK);

    lft_obs_t llm = LFT_OBS_INIT;
    lft_obs_opts_t gopts = { 0 };
    gopts.model = "gpt-4o-mini";
    LFT_CHECK_EQ(lft_generation_start(&llm, &trace, "llm-answer", &gopts), LFT_OK);
    lft_test_clock_advance(250000);
    LFT_CHECK_EQ(lft_generation_first_token(&llm), LFT_OK);
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    lft_obs_opts_t gend = { 0 };
    gend.usage = usage;
    gend.usage_count = 3;
    gend.level = LFT_LEVEL_ERROR;
    gend.status_message = "timeout";
    LFT_CHECK_EQ(lft_obs_end(&llm, &gend), LFT_OK);
    LFT_CHECK_EQ(lft_event(&trace, "rerank", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
}

/* Every other field, on a second client; the trace and the generation get an
 * update each, so items consist of START + UPDATE + END. */
static void record_all_fields(void)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring2;
    cfg.ring_size = sizeof ring2;
    cfg.environment = "staging";
    cfg.release = "r-cfg";
    cfg.version = "v-cfg";
    cfg.service_version = "1.2.3";
    LFT_CHECK_EQ(lft_client_init(&client2, &cfg), LFT_OK);

    static const lft_kv_t tmeta[] = { LFT_KV_STR("region", "eu") };
    static const char *const tags[] = { "t1" };
    lft_trace_opts_t topts = { 0 };
    topts.user_id = "u-2";
    topts.session_id = "s-2";
    topts.metadata = tmeta;
    topts.metadata_count = 1;
    topts.tags = tags;
    topts.tags_count = 1;
    topts.input = LFT_JSON("{\"q\":1}");
    topts.release = "r-trace";
    topts.environment = "canary";
    topts.is_public = LFT_TRUE;
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client2, &trace, "full", &topts), LFT_OK);

    static const lft_kv_t params[] = { LFT_KV_INT("max_tokens", 256), LFT_KV_STR("mode", "fast") };
    static const lft_kv_t gmeta[] = { LFT_KV_STR("step", "one"), LFT_KV_BOOL("cached", 1) };
    lft_obs_t gen = LFT_OBS_INIT;
    lft_obs_opts_t gopts = { 0 };
    gopts.model = "m-1";
    gopts.model_parameters = params;
    gopts.model_parameters_count = 2;
    gopts.metadata = gmeta;
    gopts.metadata_count = 2;
    gopts.prompt_name = "answer-prompt";
    gopts.prompt_version = 7;
    gopts.version = "v-gen";
    gopts.input = LFT_TEXT("hello");
    LFT_CHECK_EQ(lft_generation_start(&gen, &trace, "gen", &gopts), LFT_OK);
    lft_obs_opts_t gupd = { 0 };
    gupd.completion_start_unix_us = 1795000000500000ull;
    LFT_CHECK_EQ(lft_obs_update(&gen, &gupd), LFT_OK);
    lft_test_clock_advance(1000);
    static const lft_usage_t usage[] = { { "input", 10 }, { "output", 5 }, { "cached", 3 },
                                         { "total", 99 } };
    static const lft_cost_t cost[] = { { "total", 0.5 } };
    lft_obs_opts_t gend = { 0 };
    gend.usage = usage;
    gend.usage_count = 4;
    gend.cost = cost;
    gend.cost_count = 1;
    gend.level = LFT_LEVEL_WARNING;
    gend.status_message = "slow";
    gend.output = LFT_TEXT("world");
    LFT_CHECK_EQ(lft_obs_end(&gen, &gend), LFT_OK);

    lft_obs_t plain = LFT_OBS_INIT;
    lft_obs_opts_t popts = { 0 };
    popts.level = LFT_LEVEL_DEBUG;
    LFT_CHECK_EQ(lft_span_start(&plain, &trace, "plain", &popts), LFT_OK);
    lft_obs_opts_t pend = { 0 };
    pend.level = LFT_LEVEL_DEFAULT; /* the final level wins: nothing to send */
    LFT_CHECK_EQ(lft_obs_end(&plain, &pend), LFT_OK);

    lft_trace_opts_t tupd = { 0 };
    tupd.version = "v-trace";
    LFT_CHECK_EQ(lft_trace_update(&trace, &tupd), LFT_OK);
    lft_trace_opts_t tend = { 0 };
    tend.output = LFT_TEXT("bye");
    LFT_CHECK_EQ(lft_trace_end(&trace, &tend), LFT_OK);
}

/* ------------------------------------------------------ decoded views */

static char text[65536];

/* Decode body with protoc into text. Returns 0 (and says why) when protoc or
 * the .proto files are missing. */
static int protoc_decode(void)
{
    char cmd[1024];
    const char *shared = LFT_SHARED_DIR "/otlp";
    FILE *probe = fopen(LFT_SHARED_DIR "/otlp/opentelemetry/proto/trace/v1/trace.proto", "r");
    if (probe == NULL) {
        printf("SKIP protoc decode: %s not found\n", shared);
        return 0;
    }
    fclose(probe);
    if (system("command -v protoc >/dev/null 2>&1") != 0) {
        printf("SKIP protoc decode: protoc not installed\n");
        return 0;
    }
    const char *bin = "otlp_body.bin", *txt = "otlp_body.txt";
    FILE *f = fopen(bin, "wb");
    LFT_CHECK(f != NULL);
    if (f == NULL) {
        return 0;
    }
    fwrite(body, 1, body_len, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "protoc --decode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest "
             "-I %s %s/opentelemetry/proto/collector/trace/v1/trace_service.proto < %s > %s",
             shared, shared, bin, txt);
    LFT_CHECK_EQ(system(cmd), 0);
    f = fopen(txt, "r");
    LFT_CHECK(f != NULL);
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    remove(bin);
    remove(txt);
    return 1;
}

/* Body as a NUL-terminated JSON text in text (validated). */
static void json_text(void)
{
    LFT_CHECK_EQ(lft_json_validate((const char *)body, body_len), LFT_OK);
    memcpy(text, body, body_len);
    text[body_len] = '\0';
}

/* A span (or, for name NULL, the resource) of the decoded request in text. */
typedef struct {
    const char *p;
    size_t n;
} view_t;

static view_t span_view(int json, const char *name)
{
    char needle[96];
    view_t v = { NULL, 0 };
    const char *start_tag = json ? "{\"traceId\":" : "\n    spans {";
    if (name == NULL) {
        const char *end = strstr(text, json ? "\"scopeSpans\"" : "\n  scope_spans {");
        v.p = text;
        v.n = end != NULL ? (size_t)(end - text) : strlen(text);
        return v;
    }
    snprintf(needle, sizeof needle, json ? "\"name\":\"%s\"" : "\n      name: \"%s\"\n", name);
    const char *at = strstr(text, needle);
    if (at == NULL) {
        printf("span %s not found\n", name);
        return v;
    }
    const char *s = NULL;
    for (const char *q = strstr(text, start_tag); q != NULL && q < at; q = strstr(q + 1, start_tag)) {
        s = q;
    }
    if (s == NULL) {
        return v;
    }
    const char *e = strstr(at, start_tag);
    v.p = s;
    v.n = e != NULL ? (size_t)(e - s) : strlen(s);
    return v;
}

/* The attribute key's part of view v (from the key to the next attribute),
 * or an empty view when v has no such key. */
static view_t attr_view(int json, view_t v, const char *key)
{
    char needle[128];
    view_t a = { NULL, 0 };
    snprintf(needle, sizeof needle, json ? "{\"key\":\"%s\"," : "key: \"%s\"\n", key);
    size_t nl = strlen(needle);
    for (size_t i = 0; v.p != NULL && i + nl <= v.n; i++) {
        if (memcmp(v.p + i, needle, nl) == 0) {
            const char *next_tag = json ? "{\"key\":" : "key: \"";
            size_t j = i + nl;
            size_t tl = strlen(next_tag);
            while (j + tl <= v.n && memcmp(v.p + j, next_tag, tl) != 0) {
                j++;
            }
            a.p = v.p + i;
            a.n = (j + tl <= v.n ? j : v.n) - i;
            return a;
        }
    }
    return a;
}

static int view_has(view_t v, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; v.p != NULL && i + n <= v.n; i++) {
        if (memcmp(v.p + i, s, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Expected attribute: on span (NULL = resource), key, and a value:
 * 'S' string (escaped the same way in protoc text and JSON), 'I' integer,
 * 'B' bool "true"/"false", 'A' one element of a string array, '-' absent. */
typedef struct {
    const char *span;
    const char *key;
    char type;
    const char *value;
} expect_t;

static void check_expect(int json, const expect_t *e, size_t n, const char *what)
{
    char want[512];
    for (size_t i = 0; i < n; i++) {
        view_t a = attr_view(json, span_view(json, e[i].span), e[i].key);
        const char *span = e[i].span != NULL ? e[i].span : "(resource)";
        if (e[i].type == '-') {
            if (a.p != NULL) {
                printf("%s %s: %s has %s, should not\n", what, json ? "json" : "proto", span,
                       e[i].key);
                LFT_CHECK(0);
            }
            continue;
        }
        switch (e[i].type) {
        case 'S':
        case 'A':
            snprintf(want, sizeof want, json ? "{\"stringValue\":\"%s\"}" : "string_value: \"%s\"\n",
                     e[i].value);
            break;
        case 'I':
            snprintf(want, sizeof want, json ? "{\"intValue\":\"%s\"}" : "int_value: %s\n",
                     e[i].value);
            break;
        default:
            snprintf(want, sizeof want, json ? "{\"boolValue\":%s}" : "bool_value: %s\n",
                     e[i].value);
            break;
        }
        if (a.p == NULL || !view_has(a, want)) {
            printf("%s %s: %s lacks %s = %.*s\n", what, json ? "json" : "proto", span, e[i].key,
                   (int)strcspn(want, "\n"), want);
            LFT_CHECK(0);
        }
    }
}

/* The compact table common[], with the default build's full[] entries
 * replacing those of the same span and key (and added) unless compact. */
static void check_expect_mode(int json, int compact, const expect_t *common, size_t n,
                              const expect_t *full, size_t nf, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t k = 0; !compact && k < nf; k++) {
            int same_span = (common[i].span == NULL && full[k].span == NULL) ||
                            (common[i].span != NULL && full[k].span != NULL &&
                             strcmp(common[i].span, full[k].span) == 0);
            replaced |= same_span && strcmp(common[i].key, full[k].key) == 0;
        }
        if (!replaced) {
            check_expect(json, &common[i], 1, what);
        }
    }
    if (!compact) {
        check_expect(json, full, nf, what);
    }
}

/* No span and not the resource carries a key twice. */
static void check_no_duplicate_keys(int json)
{
    const char *key_tag = json ? "{\"key\":\"" : "key: \"";
    const char *span_tag = json ? "{\"traceId\":" : "\n    spans {";
    const char *block = text;
    while (block != NULL) {
        const char *next = strstr(block + 1, span_tag);
        view_t v = { block, next != NULL ? (size_t)(next - block) : strlen(block) };
        for (const char *k = strstr(block, key_tag); k != NULL && k < v.p + v.n;
             k = strstr(k + 1, key_tag)) {
            const char *q = k + strlen(key_tag);
            size_t len = strcspn(q, "\"");
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)len, q);
            view_t rest = { q + len, (size_t)(v.p + v.n - (q + len)) };
            view_t again = attr_view(json, rest, key);
            if (again.p != NULL) {
                printf("duplicate key %s in %s\n", key, json ? "json" : "proto");
                LFT_CHECK(0);
            }
        }
        block = next;
    }
}

/* ------------------------------------------------- support-query flow */

/* What Langfuse needs of the support-query flow, on every span (default). */
static const expect_t support_common[] = {
    { NULL, "service.name", 'S', "support-bot" },
    { NULL, "device.id", 'S', "edge-gw-01" },
    { NULL, "telemetry.sdk.name", 'S', "lftrace" },
    { NULL, "deployment.environment.name", 'S', "production" },
    { NULL, "langfuse.release", '-', NULL },
    { "retrieval", "langfuse.observation.type", '-', NULL }, /* span: the default */
    { "retrieval", "langfuse.observation.input", 'S', "{\\\"query\\\":\\\"reset password\\\"}" },
    { "retrieval", "langfuse.observation.output", 'S',
      "\\\"Reset via \\\\\\\"Settings\\\\\\\"\\\\n\\\"" },
    { "llm-answer", "langfuse.observation.type", 'S', "generation" },
    { "llm-answer", "gen_ai.request.model", 'S', "gpt-4o-mini" },
    { "llm-answer", "langfuse.observation.model.name", '-', NULL },
    { "llm-answer", "gen_ai.usage.input_tokens", 'I', "42" },
    { "llm-answer", "gen_ai.usage.output_tokens", 'I', "18" },
    { "llm-answer", "gen_ai.usage.total_tokens", '-', NULL }, /* 60 = 42 + 18: implied */
    { "llm-answer", "langfuse.observation.usage_details", '-', NULL },
    { "llm-answer", "langfuse.observation.completion_start_time", 'S',
      "2026-11-18T11:06:40.350000Z" },
    { "llm-answer", "langfuse.observation.level", '-', NULL },          /* status code 2 */
    { "llm-answer", "langfuse.observation.status_message", '-', NULL }, /* status message */
    { "rerank", "langfuse.observation.type", 'S', "event" },
    { "support-query", "langfuse.observation.type", '-', NULL },
    { "support-query", "langfuse.environment", '-', NULL }, /* from the resource */
};

/* The default build's support-query attributes beyond the compact ones. */
static const expect_t support_full[] = {
    { "retrieval", "langfuse.observation.type", 'S', "span" },
    { "support-query", "langfuse.observation.type", 'S', "span" },
    { "llm-answer", "langfuse.observation.model.name", 'S', "gpt-4o-mini" },
    { "llm-answer", "langfuse.observation.usage_details", 'S',
      "{\\\"input\\\":42,\\\"output\\\":18,\\\"total\\\":60}" },
    { "llm-answer", "langfuse.observation.level", 'S', "ERROR" },
    { "llm-answer", "langfuse.observation.status_message", 'S', "timeout" },
    { "support-query", "langfuse.environment", 'S', "production" },
    { "retrieval", "langfuse.environment", 'S', "production" },
    { "rerank", "langfuse.environment", 'S', "production" },
    { "llm-answer", "langfuse.environment", 'S', "production" },
};

/* The trace's fields, expected on every span by default and only on the
 * root with LFT_OTLP_COMPACT. */
static const char *const trace_spans[] = { "support-query", "retrieval", "llm-answer", "rerank" };

static void check_support_trace_attrs(int json, int root_only)
{
    for (size_t s = 0; s < 4; s++) {
        int absent = root_only && s > 0;
        const char *sp = trace_spans[s];
        expect_t e[] = {
            { sp, "langfuse.trace.name", absent ? '-' : 'S', "support-query" },
            { sp, "user.id", absent ? '-' : 'S', "user_123" },
            { sp, "session.id", absent ? '-' : 'S', "session_abc" },
            { sp, "langfuse.trace.metadata.plan", absent ? '-' : 'S', "pro" },
            { sp, "langfuse.trace.metadata.seats", absent ? '-' : 'I', "3" },
            { sp, "langfuse.trace.tags", absent ? '-' : 'A', "support" },
            { sp, "langfuse.trace.tags", absent ? '-' : 'A', "production" },
            { sp, "langfuse.version", '-', NULL },
        };
        check_expect(json, e, sizeof e / sizeof e[0], "support-query");
    }
}

static void check_support_proto(int root_only)
{
    static const char *const structure[] = {
        "name: \"support-query\"", "name: \"retrieval\"", "name: \"llm-answer\"",
        "name: \"rerank\"", "name: \"lftrace\"", "kind: SPAN_KIND_INTERNAL", "parent_span_id:",
        "start_time_unix_nano: 1795000000000000000", "end_time_unix_nano: 1795000000350000000",
    };
    for (size_t i = 0; i < sizeof structure / sizeof structure[0]; i++) {
        LFT_CHECK(strstr(text, structure[i]) != NULL);
    }
    /* ERROR level: status code 2 with the message, on llm-answer only */
    view_t llm = span_view(0, "llm-answer");
    LFT_CHECK(view_has(llm, "status {\n        message: \"timeout\"\n        code: STATUS_CODE_ERROR"));
    LFT_CHECK(!view_has(span_view(0, "retrieval"), "status {"));
    LFT_CHECK(!view_has(span_view(0, "support-query"), "parent_span_id:"));
    check_expect_mode(0, root_only, support_common, sizeof support_common / sizeof support_common[0],
                      support_full, sizeof support_full / sizeof support_full[0], "support-query");
    check_support_trace_attrs(0, root_only);
    check_no_duplicate_keys(0);
}

static void check_support_json(int root_only)
{
    json_text();
    static const char *const structure[] = {
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\"",
        "\"scope\":{\"name\":\"lftrace\"",
        "\"startTimeUnixNano\":\"1795000000000000000\"",
        "\"kind\":1",
    };
    for (size_t i = 0; i < sizeof structure / sizeof structure[0]; i++) {
        LFT_CHECK(strstr(text, structure[i]) != NULL);
    }
    LFT_CHECK(view_has(span_view(1, "llm-answer"), "\"status\":{\"code\":2,\"message\":\"timeout\"}"));
    LFT_CHECK(!view_has(span_view(1, "retrieval"), "\"status\""));
    check_expect_mode(1, root_only, support_common, sizeof support_common / sizeof support_common[0],
                      support_full, sizeof support_full / sizeof support_full[0], "support-query");
    check_support_trace_attrs(1, root_only);
    check_no_duplicate_keys(1);
    /* ids are lowercase hex of the right length */
    const char *tid = strstr(text, "\"traceId\":\"");
    LFT_CHECK(tid != NULL);
    if (tid != NULL) {
        tid += 11;
        size_t n = strspn(tid, "0123456789abcdef");
        LFT_CHECK_EQ(n, 32);
        LFT_CHECK_EQ(tid[n], '"');
    }
}

/* Reentrancy: a sink whose write, half-way through one encode (protobuf,
 * enc_scratch), runs a whole second encode (JSON, enc_scratch2). */
typedef struct {
    const lft_otlp_batch_t *batch;
    size_t at;         /* run the nested encode once body_len reaches this */
    int done;
    lft_err_t err;
    uint64_t json_len; /* bytes of the nested request */
} nest_t;

static int nest_write(void *ctx, const uint8_t *p, size_t n)
{
    nest_t *ns = ctx;
    if (!ns->done && body_len >= ns->at) {
        lft_sink_t c;
        lft_sink_init_count(&c);
        ns->done = 1;
        ns->err = lft_otlp_encode_json(ns->batch, &enc_scratch2, &c);
        ns->json_len = c.total;
    }
    return collect(NULL, p, n);
}

static void check_reentrant(const lft_otlp_batch_t *batch)
{
    static uint8_t ref[sizeof body];
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, batch), LFT_OK);
    const size_t ref_len = body_len;
    memcpy(ref, body, body_len);
    nest_t ns = { batch, ref_len / 2u, 0, LFT_OK, 0 };
    uint8_t scratch[7];
    lft_sink_t out;
    body_len = 0;
    lft_sink_init(&out, scratch, sizeof scratch, nest_write, &ns);
    LFT_CHECK_EQ(lft_otlp_encode_proto(batch, &enc_scratch, &out), LFT_OK);
    LFT_CHECK_EQ(lft_sink_flush(&out), 0);
    LFT_CHECK(ns.done);
    LFT_CHECK_EQ(ns.err, LFT_OK);
    LFT_CHECK_EQ(ns.json_len, sizes[0][1]);
    LFT_CHECK_EQ(body_len, ref_len);
    LFT_CHECK(memcmp(body, ref, ref_len) == 0);
}

static void test_support_query(void)
{
    lft_reader_t reader;
    lft_otlp_item_t items[16];
    lft_otlp_batch_t batch;
    record_support_query();
    LFT_CHECK_EQ(lft_reader_begin(&client, &reader), LFT_OK);
    /* retrieval, llm-answer, rerank and the trace itself */
    LFT_CHECK_EQ(lft_otlp_collect(&client, &reader, items, 16, &batch), 4);
    LFT_CHECK(batch.diag == NULL);

    static const encode_fn fns[2][2] = {
        { lft_otlp_encode_proto, lft_otlp_encode_json },
        { root_only_encode_proto, root_only_encode_json },
    };
    for (int root_only = 0; root_only < 2; root_only++) {
        LFT_CHECK_EQ(encode_into_body(fns[root_only][0], &batch), LFT_OK);
        sizes[root_only][0] = body_len;
        if (protoc_decode()) {
            check_support_proto(root_only);
        }
        LFT_CHECK_EQ(encode_into_body(fns[root_only][1], &batch), LFT_OK);
        sizes[root_only][1] = body_len;
        check_support_json(root_only);
    }
    /* Root-only drops exactly the three children's copies of the trace fields. */
    LFT_CHECK(sizes[1][0] < sizes[0][0]);
    LFT_CHECK(sizes[1][1] < sizes[0][1]);

    lft_sink_t limited;
    lft_sink_init_count(&limited);
    limited.limit = 100;
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, &enc_scratch, &limited), LFT_OK);
    LFT_CHECK_EQ(limited.err, LFT_SINK_ERR_LIMIT);
    LFT_CHECK(limited.total <= 100); /* nothing past the limit is counted */
    check_reentrant(&batch);
    lft_reader_end(&reader);
}

/* ------------------------------------------------------ all-fields flow */

static const expect_t all_fields[] = {
    { NULL, "service.version", 'S', "1.2.3" },
    { NULL, "deployment.environment.name", 'S', "staging" },
    { NULL, "langfuse.release", 'S', "r-cfg" },
    /* the generation */
    { "gen", "langfuse.observation.type", 'S', "generation" },
    { "gen", "gen_ai.request.model", 'S', "m-1" },
    { "gen", "langfuse.observation.model.parameters", 'S',
      "{\\\"max_tokens\\\":256,\\\"mode\\\":\\\"fast\\\"}" },
    { "gen", "gen_ai.usage.input_tokens", 'I', "10" },
    { "gen", "gen_ai.usage.output_tokens", 'I', "5" },
    { "gen", "gen_ai.usage.total_tokens", 'I', "99" }, /* not 10 + 5 + 3: sent */
    { "gen", "langfuse.observation.usage_details", 'S',
      "{\\\"input\\\":10,\\\"output\\\":5,\\\"cached\\\":3,\\\"total\\\":99}" },
    { "gen", "langfuse.observation.cost_details", 'S', "{\\\"total\\\":0.5}" },
    { "gen", "langfuse.observation.prompt.name", 'S', "answer-prompt" },
    { "gen", "langfuse.observation.prompt.version", 'I', "7" },
    { "gen", "langfuse.observation.metadata.step", 'S', "one" },
    { "gen", "langfuse.observation.metadata.cached", 'B', "true" },
    { "gen", "langfuse.observation.level", 'S', "WARNING" },
    { "gen", "langfuse.observation.status_message", 'S', "slow" },
    { "gen", "langfuse.observation.completion_start_time", 'S', "2026-11-18T11:06:40.500000Z" },
    { "gen", "langfuse.observation.input", 'S', "\\\"hello\\\"" },
    { "gen", "langfuse.observation.output", 'S', "\\\"world\\\"" },
    { "gen", "langfuse.version", 'S', "v-gen" }, /* its own, not the trace's */
    { "gen", "langfuse.trace.input", '-', NULL },
    /* the plain span: DEBUG then DEFAULT, so no level; the trace's version */
    { "plain", "langfuse.observation.type", '-', NULL },
    { "plain", "langfuse.observation.level", '-', NULL },
    { "plain", "langfuse.version", 'S', "v-trace" },
    /* overrides of the client's release and environment, on every span */
    { "gen", "langfuse.release", 'S', "r-trace" },
    { "plain", "langfuse.release", 'S', "r-trace" },
    { "full", "langfuse.release", 'S', "r-trace" },
    { "gen", "langfuse.environment", 'S', "canary" },
    { "plain", "langfuse.environment", 'S', "canary" },
    { "full", "langfuse.environment", 'S', "canary" },
    /* the root: trace input/output (also as the root observation's) */
    { "full", "langfuse.trace.input", 'S', "{\\\"q\\\":1}" },
    { "full", "langfuse.observation.input", 'S', "{\\\"q\\\":1}" },
    { "full", "langfuse.trace.output", 'S', "\\\"bye\\\"" },
    { "full", "langfuse.observation.output", 'S', "\\\"bye\\\"" },
    { "full", "langfuse.version", 'S', "v-trace" },
    { "full", "langfuse.trace.public", 'B', "true" },
    { "full", "langfuse.trace.name", 'S', "full" },
    { "full", "user.id", 'S', "u-2" },
    { "full", "session.id", 'S', "s-2" },
    { "full", "langfuse.trace.tags", 'A', "t1" },
    { "full", "langfuse.trace.metadata.region", 'S', "eu" },
    { "full", "langfuse.observation.metadata.region", '-', NULL },
};

/* The default build's all-fields attributes beyond the compact ones. */
static const expect_t all_fields_full[] = {
    { "gen", "langfuse.observation.model.name", 'S', "m-1" },
    { "plain", "langfuse.observation.type", 'S', "span" },
    { "plain", "langfuse.observation.level", 'S', "DEFAULT" },
};

static void check_all_fields(int json, int root_only)
{
    check_expect_mode(json, root_only, all_fields, sizeof all_fields / sizeof all_fields[0],
                      all_fields_full, sizeof all_fields_full / sizeof all_fields_full[0], "all-fields");
    static const char *const children[] = { "gen", "plain" };
    for (size_t s = 0; s < 2; s++) {
        int absent = root_only;
        const char *sp = children[s];
        expect_t e[] = {
            { sp, "langfuse.trace.name", absent ? '-' : 'S', "full" },
            { sp, "user.id", absent ? '-' : 'S', "u-2" },
            { sp, "session.id", absent ? '-' : 'S', "s-2" },
            { sp, "langfuse.trace.public", absent ? '-' : 'B', "true" },
            { sp, "langfuse.trace.tags", absent ? '-' : 'A', "t1" },
            { sp, "langfuse.trace.metadata.region", absent ? '-' : 'S', "eu" },
            { sp, "langfuse.trace.input", '-', NULL },
        };
        check_expect(json, e, sizeof e / sizeof e[0], "all-fields");
    }
    check_no_duplicate_keys(json);
}

static void test_all_fields(void)
{
    lft_reader_t reader;
    lft_otlp_item_t items[8];
    lft_otlp_batch_t batch;
    record_all_fields();
    LFT_CHECK_EQ(lft_reader_begin(&client2, &reader), LFT_OK);
    LFT_CHECK_EQ(lft_otlp_collect(&client2, &reader, items, 8, &batch), 3);
    static const encode_fn fns[2][2] = {
        { lft_otlp_encode_proto, lft_otlp_encode_json },
        { root_only_encode_proto, root_only_encode_json },
    };
    for (int root_only = 0; root_only < 2; root_only++) {
        LFT_CHECK_EQ(encode_into_body(fns[root_only][0], &batch), LFT_OK);
        if (protoc_decode()) {
            check_all_fields(0, root_only);
            /* WARNING is not an error: no status */
            LFT_CHECK(!view_has(span_view(0, "gen"), "status {"));
        }
        LFT_CHECK_EQ(encode_into_body(fns[root_only][1], &batch), LFT_OK);
        json_text();
        check_all_fields(1, root_only);
        LFT_CHECK(!view_has(span_view(1, "gen"), "\"status\""));
    }
    lft_reader_end(&reader);
}

/* ------------------------------------------------------- diagnostics */

static void test_diagnostics(void)
{
    lft_otlp_diag_t diag;
    memset(&diag, 0, sizeof diag);
    diag.dropped_ring_full = 3;
    diag.dropped_overwritten = 70000; /* needs a 3-byte varint */
    diag.dropped_retries_exhausted = 1;
    diag.partial_rejected = 4;
    diag.retries = 7;
    static const expect_t expect[] = {
        { NULL, "service.name", 'S', "support-bot" },
        { NULL, "lftrace.dropped.ring_full", 'I', "3" },
        { NULL, "lftrace.dropped.overwritten", 'I', "70000" },
        { NULL, "lftrace.dropped.retries_exhausted", 'I', "1" },
        { NULL, "lftrace.partial_rejected", 'I', "4" },
        { NULL, "lftrace.retries", 'I', "7" },
        { NULL, "lftrace.dropped.too_large", '-', NULL }, /* zero: left out */
        { NULL, "lftrace.dropped.invalid", '-', NULL },
        { NULL, "lftrace.dropped.sampled", '-', NULL },
        { NULL, "lftrace.dropped.rejected", '-', NULL },
        { NULL, "lftrace.truncated", '-', NULL },
    };
    static const expect_t all_ten[] = {
        { NULL, "lftrace.dropped.ring_full", 'I', "1" },
        { NULL, "lftrace.dropped.too_large", 'I', "2" },
        { NULL, "lftrace.dropped.invalid", 'I', "3" },
        { NULL, "lftrace.dropped.sampled", 'I', "4" },
        { NULL, "lftrace.dropped.overwritten", 'I', "5" },
        { NULL, "lftrace.dropped.rejected", 'I', "6" },
        { NULL, "lftrace.dropped.retries_exhausted", 'I', "7" },
        { NULL, "lftrace.partial_rejected", 'I', "8" },
        { NULL, "lftrace.truncated", 'I', "9" },
        { NULL, "lftrace.retries", 'I', "4294967295" },
    };

    /* A request that carries only diagnostics: no items, no reader. */
    lft_otlp_batch_t batch;
    memset(&batch, 0, sizeof batch);
    batch.client = &client;
    batch.diag = &diag;
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, &batch), LFT_OK);
    size_t diag_only_len = body_len;
    if (protoc_decode()) {
        check_expect(0, expect, sizeof expect / sizeof expect[0], "diag-only");
        LFT_CHECK(strstr(text, "scope_spans {\n    scope {\n      name: \"lftrace\"") != NULL);
        LFT_CHECK(strstr(text, "\n    spans {") == NULL);
        check_no_duplicate_keys(0);
    }
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_json, &batch), LFT_OK);
    json_text();
    check_expect(1, expect, sizeof expect / sizeof expect[0], "diag-only");
    LFT_CHECK(strstr(text, "\"spans\":[]}]}]}") != NULL);

    /* every counter, the largest value included */
    lft_otlp_diag_t d10 = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 4294967295u };
    batch.diag = &d10;
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, &batch), LFT_OK);
    if (protoc_decode()) {
        check_expect(0, all_ten, sizeof all_ten / sizeof all_ten[0], "diag-10");
    }
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_json, &batch), LFT_OK);
    json_text();
    check_expect(1, all_ten, sizeof all_ten / sizeof all_ten[0], "diag-10");

    /* Zero items and no diagnostics: just the resource, still valid. */
    batch.diag = NULL;
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, &batch), LFT_OK);
    size_t empty_len = body_len;
    LFT_CHECK(empty_len < diag_only_len);
    if (protoc_decode()) {
        LFT_CHECK(strstr(text, "lftrace.") == NULL);
        LFT_CHECK(strstr(text, "key: \"service.name\"") != NULL);
    }
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_json, &batch), LFT_OK);
    json_text();

    /* Diagnostics next to spans. */
    lft_reader_t reader;
    lft_otlp_item_t items[16];
    LFT_CHECK_EQ(lft_reader_begin(&client, &reader), LFT_OK);
    LFT_CHECK_EQ(lft_otlp_collect(&client, &reader, items, 16, &batch), 4);
    batch.diag = &diag;
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, &batch), LFT_OK);
    /* the same resource attributes, and nothing else, next to spans */
    LFT_CHECK_EQ(body_len, sizes[0][0] + diag_only_len - empty_len);
    if (protoc_decode()) {
        check_expect(0, expect, sizeof expect / sizeof expect[0], "diag+spans");
        LFT_CHECK(strstr(text, "name: \"llm-answer\"") != NULL);
    }
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_json, &batch), LFT_OK);
    json_text();
    check_expect(1, expect, sizeof expect / sizeof expect[0], "diag+spans");

    /* Bad batches. */
    lft_sink_t count;
    lft_sink_init_count(&count);
    LFT_CHECK_EQ(lft_otlp_encode_proto(NULL, &enc_scratch, &count), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_otlp_encode_json(&batch, &enc_scratch, NULL), LFT_ERR_ARG);
    lft_otlp_batch_t bad = batch;
    bad.items = NULL; /* count 4 */
    LFT_CHECK_EQ(lft_otlp_encode_proto(&bad, &enc_scratch, &count), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_otlp_encode_json(&bad, &enc_scratch, &count), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, NULL, &count), LFT_ERR_ARG); /* items need a scratch */
    LFT_CHECK_EQ(lft_otlp_encode_json(&batch, NULL, &count), LFT_ERR_ARG);
    bad = batch;
    bad.reader = NULL;
    LFT_CHECK_EQ(lft_otlp_encode_proto(&bad, &enc_scratch, &count), LFT_ERR_ARG);
    bad.client = NULL;
    bad.count = 0;
    LFT_CHECK_EQ(lft_otlp_encode_json(&bad, &enc_scratch, &count), LFT_ERR_ARG);
    LFT_CHECK_EQ(count.total, 0);
    lft_reader_end(&reader);
}

/* Until the date is known, spans cannot be timed, but diagnostics can go. */
static void test_no_wall_clock(void)
{
    static uint8_t ring3[1024];
    lft_client_t c3;
    lft_config_t cfg = { 0 };
    cfg.ring = ring3;
    cfg.ring_size = sizeof ring3;
    lft_test_wall_set(0);
    LFT_CHECK_EQ(lft_client_init(&c3, &cfg), LFT_OK);
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&c3, &trace, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&trace, NULL), LFT_OK);
    lft_reader_t reader;
    lft_otlp_item_t items[4];
    lft_otlp_batch_t batch;
    LFT_CHECK_EQ(lft_reader_begin(&c3, &reader), LFT_OK);
    LFT_CHECK_EQ(lft_otlp_collect(&c3, &reader, items, 4, &batch), 1);
    lft_sink_t count;
    lft_sink_init_count(&count);
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, &enc_scratch, &count), LFT_ERR_NO_WALL_CLOCK);
    LFT_CHECK_EQ(lft_otlp_encode_json(&batch, &enc_scratch, &count), LFT_ERR_NO_WALL_CLOCK);
    LFT_CHECK_EQ(count.total, 0);
    lft_otlp_diag_t diag = { 0 };
    diag.dropped_sampled = 2;
    batch.count = 0;
    batch.diag = &diag;
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, NULL, &count), LFT_OK); /* no items: no scratch */
    LFT_CHECK(count.total > 0);
    lft_reader_end(&reader);
    LFT_CHECK_EQ(lft_client_deinit(&c3), LFT_OK);
    lft_test_wall_set(1795000000000000ull);
}

/* --------------------------------------------------------- item records */

/* The records lft_otlp_item_records lists for item i, checked: each is in the
 * snapshot and is the item's START, UPDATE or closing record. */
static size_t item_records_checked(const lft_otlp_batch_t *b, size_t i, uint32_t *pos, size_t cap,
                                   int *types)
{
    size_t n = lft_otlp_item_records(b, i, pos, cap);
    memset(types, 0, 6 * sizeof types[0]);
    for (size_t k = 0; k < n && k < cap; k++) {
        lft_record_t rec;
        LFT_CHECK_EQ(lft_reader_at(b->reader, pos[k], &rec), LFT_OK);
        LFT_CHECK_EQ(rec.serial, b->items[i].serial);
        types[rec.type]++;
        if (k > 0) {
            LFT_CHECK((int32_t)(pos[k] - pos[k - 1]) > 0); /* snapshot order */
        }
    }
    return n;
}

static void test_item_records(void)
{
    lft_reader_t reader;
    lft_otlp_item_t items[8];
    lft_otlp_batch_t batch;
    uint32_t pos[8];
    int types[6];
    LFT_CHECK_EQ(lft_reader_begin(&client2, &reader), LFT_OK);
    size_t total = 0;
    lft_record_t rec;
    while (lft_reader_next(&reader, &rec) == 1) {
        total++;
    }
    LFT_CHECK_EQ(lft_otlp_collect(&client2, &reader, items, 8, &batch), 3);
    /* gen: START, UPDATE, END */
    LFT_CHECK_EQ(items[0].kind, LFT_KIND_GENERATION);
    LFT_CHECK_EQ(item_records_checked(&batch, 0, pos, 8, types), 3);
    LFT_CHECK_EQ(types[LFT_REC_START], 1);
    LFT_CHECK_EQ(types[LFT_REC_UPDATE], 1);
    LFT_CHECK_EQ(types[LFT_REC_END], 1);
    LFT_CHECK_EQ(pos[0], items[0].start_pos);
    LFT_CHECK_EQ(pos[2], items[0].pos);
    /* plain: START, END */
    LFT_CHECK_EQ(item_records_checked(&batch, 1, pos, 8, types), 2);
    LFT_CHECK_EQ(types[LFT_REC_START] + types[LFT_REC_END], 2);
    /* the trace: its START, UPDATE and END, none of its children's */
    LFT_CHECK_EQ(items[2].kind, LFT_KIND_TRACE);
    LFT_CHECK_EQ(item_records_checked(&batch, 2, pos, 8, types), 3);
    LFT_CHECK_EQ(types[LFT_REC_START], 1);
    LFT_CHECK_EQ(types[LFT_REC_UPDATE], 1);
    LFT_CHECK_EQ(types[LFT_REC_END], 1);
    LFT_CHECK_EQ(pos[0], items[2].trace_pos);
    /* every record of the ended flow belongs to exactly one item */
    LFT_CHECK_EQ(total, 3u + 2u + 3u);
    /* too small an array: the count, and the first cap positions */
    uint32_t one[1] = { 0 };
    LFT_CHECK_EQ(lft_otlp_item_records(&batch, 0, one, 1), 3);
    LFT_CHECK_EQ(one[0], items[0].start_pos);
    LFT_CHECK_EQ(lft_otlp_item_records(&batch, 0, NULL, 0), 3);
    LFT_CHECK_EQ(lft_otlp_item_records(&batch, 3, pos, 8), 0);
    LFT_CHECK_EQ(lft_otlp_item_records(NULL, 0, pos, 8), 0);

    /* An exporter releases what the server acknowledged: here the
     * generation. The next pass sees the other two, still with the trace's
     * fields (its records were not the generation's). */
    size_t n = lft_otlp_item_records(&batch, 0, pos, 8);
    for (size_t k = 0; k < n; k++) {
        LFT_CHECK_EQ(lft_reader_at(&reader, pos[k], &rec), LFT_OK);
        LFT_CHECK_EQ(lft_reader_release(&reader, &rec), LFT_OK);
    }
    lft_reader_end(&reader);
    LFT_CHECK_EQ(lft_reader_begin(&client2, &reader), LFT_OK);
    LFT_CHECK_EQ(lft_otlp_collect(&client2, &reader, items, 8, &batch), 2);
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, &batch), LFT_OK);
    if (protoc_decode()) {
        LFT_CHECK(strstr(text, "name: \"gen\"") == NULL);
        static const expect_t e[] = {
            { "plain", "user.id", 'S', "u-2" },
            { "full", "user.id", 'S', "u-2" },
        };
        check_expect(0, e, 2, "after release");
    }
    lft_reader_end(&reader);
}

/* A span whose END did not fit: its START (flagged END_LOST) and its update
 * are the item. */
static void test_item_records_end_lost(void)
{
    static uint8_t small[512];
    static char big[sizeof small - 18]; /* fits the ring, not its free part */
    lft_client_t c;
    lft_config_t cfg = { 0 };
    cfg.ring = small;
    cfg.ring_size = sizeof small;
    LFT_CHECK_EQ(lft_client_init(&c, &cfg), LFT_OK);
    lft_trace_t trace = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&c, &trace, "t", NULL), LFT_OK);
    lft_obs_t span = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&span, &trace, "s", NULL), LFT_OK);
    static const lft_kv_t meta[] = { LFT_KV_INT("n", 1) };
    lft_obs_opts_t upd = { 0 };
    upd.metadata = meta;
    upd.metadata_count = 1;
    LFT_CHECK_EQ(lft_obs_update(&span, &upd), LFT_OK);
    memset(big, 'x', sizeof big - 1);
    lft_obs_opts_t end = { 0 };
    end.output = LFT_TEXT(big);
    LFT_CHECK_EQ(lft_obs_end(&span, &end), LFT_ERR_RING_FULL);

    lft_reader_t reader;
    lft_otlp_item_t items[4];
    lft_otlp_batch_t batch;
    uint32_t pos[4];
    int types[6];
    LFT_CHECK_EQ(lft_reader_begin(&c, &reader), LFT_OK);
    LFT_CHECK_EQ(lft_otlp_collect(&c, &reader, items, 4, &batch), 1);
    LFT_CHECK_EQ(items[0].pos, items[0].start_pos);
    LFT_CHECK_EQ(item_records_checked(&batch, 0, pos, 4, types), 2);
    LFT_CHECK_EQ(types[LFT_REC_START], 1);
    LFT_CHECK_EQ(types[LFT_REC_UPDATE], 1);
    /* exported with the update's fields, start time as end time */
    LFT_CHECK_EQ(encode_into_body(lft_otlp_encode_proto, &batch), LFT_OK);
    if (protoc_decode()) {
        static const expect_t e[] = { { "s", "langfuse.observation.metadata.n", 'I', "1" } };
        check_expect(0, e, 1, "end lost");
    }
    lft_reader_end(&reader);
    LFT_CHECK_EQ(lft_client_deinit(&c), LFT_OK);
}

static void test_iso8601(void)
{
    char out[28];
    lft_otlp_iso8601(0, out);
    LFT_CHECK(strcmp(out, "1970-01-01T00:00:00.000000Z") == 0);
    lft_otlp_iso8601(784111777000123ull, out);
    LFT_CHECK(strcmp(out, "1994-11-06T08:49:37.000123Z") == 0);
    lft_otlp_iso8601(951782400000000ull, out); /* 2000-02-29 */
    LFT_CHECK(strcmp(out, "2000-02-29T00:00:00.000000Z") == 0);
    lft_otlp_iso8601(4102444799999999ull, out);
    LFT_CHECK(strcmp(out, "2099-12-31T23:59:59.999999Z") == 0);
}

int main(void)
{
    LFT_RUN(test_iso8601);
    LFT_RUN(test_support_query);
    LFT_RUN(test_all_fields);
    LFT_RUN(test_diagnostics);
    LFT_RUN(test_no_wall_clock);
    LFT_RUN(test_item_records);
    LFT_RUN(test_item_records_end_lost);
    printf("support-query request: protobuf %zu B, json %zu B (trace fields on every span); "
           "protobuf %zu B, json %zu B (LFT_OTLP_COMPACT)\n",
           sizes[0][0], sizes[0][1], sizes[1][0], sizes[1][1]);
    return LFT_TEST_REPORT();
}
