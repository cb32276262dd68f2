/*
 * test_otlp.c - the OTLP protobuf encoder: the support-query flow encodes to
 * a request whose counting pass equals the bytes written through a tiny
 * scratch buffer, and which protoc decodes (against ../shared/otlp) to the
 * expected spans and Langfuse attributes.
 */
#include <stdio.h>
#include <string.h>

#include "lft_json.h"
#include "lft_otlp.h"
#include "lft_port_test.h"
#include "lft_test.h"

static uint8_t ring[16384];
static lft_client_t client;
static uint8_t body[16384];
static size_t body_len;

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

static void test_encode_counts_and_streams(void)
{
    lft_reader_t reader;
    lft_otlp_item_t items[16];
    lft_otlp_batch_t batch;
    record_support_query();
    LFT_CHECK_EQ(lft_reader_begin(&client, &reader), LFT_OK);
    /* retrieval, llm-answer, rerank and the trace itself */
    LFT_CHECK_EQ(lft_otlp_collect(&client, &reader, items, 16, &batch), 4);

    lft_sink_t count;
    lft_sink_init_count(&count);
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, &count), LFT_OK);

    uint8_t scratch[7]; /* deliberately tiny: every write crosses it */
    lft_sink_t out;
    lft_sink_init(&out, scratch, sizeof scratch, collect, NULL);
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, &out), LFT_OK);
    LFT_CHECK_EQ(lft_sink_flush(&out), 0);
    LFT_CHECK_EQ(count.total, body_len);
    LFT_CHECK(body_len > 300);
    printf("support-query: %zu bytes of OTLP protobuf\n", body_len);

    lft_sink_t limited;
    lft_sink_init_count(&limited);
    limited.limit = 100;
    LFT_CHECK_EQ(lft_otlp_encode_proto(&batch, &limited), LFT_OK);
    LFT_CHECK_EQ(limited.err, LFT_SINK_ERR_LIMIT);
    lft_reader_end(&reader);
}

static void test_protoc_decodes(void)
{
    char cmd[1024];
    const char *shared = LFT_SHARED_DIR "/otlp";
    FILE *probe = fopen(LFT_SHARED_DIR "/otlp/opentelemetry/proto/trace/v1/trace.proto", "r");
    if (probe == NULL) {
        printf("SKIP protoc decode: %s not found\n", shared);
        return;
    }
    fclose(probe);
    if (system("command -v protoc >/dev/null 2>&1") != 0) {
        printf("SKIP protoc decode: protoc not installed\n");
        return;
    }
    const char *bin = "otlp_body.bin", *txt = "otlp_body.txt";
    FILE *f = fopen(bin, "wb");
    LFT_CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    fwrite(body, 1, body_len, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "protoc --decode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest "
             "-I %s %s/opentelemetry/proto/collector/trace/v1/trace_service.proto < %s > %s",
             shared, shared, bin, txt);
    LFT_CHECK_EQ(system(cmd), 0);
    static char text[65536];
    f = fopen(txt, "r");
    LFT_CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    static const char *const expect[] = {
        "name: \"support-query\"", "name: \"retrieval\"", "name: \"llm-answer\"", "name: \"rerank\"",
        "key: \"langfuse.observation.type\"", "string_value: \"generation\"",
        "string_value: \"event\"", "key: \"langfuse.observation.model.name\"",
        "string_value: \"gpt-4o-mini\"", "key: \"gen_ai.request.model\"",
        "key: \"langfuse.observation.usage_details\"",
        "string_value: \"{\\\"input\\\":42,\\\"output\\\":18,\\\"total\\\":60}\"",
        "key: \"gen_ai.usage.input_tokens\"", "int_value: 42",
        "key: \"langfuse.observation.completion_start_time\"",
        "string_value: \"2026-11-18T",
        "key: \"langfuse.observation.input\"",
        "string_value: \"{\\\"query\\\":\\\"reset password\\\"}\"",
        "string_value: \"\\\"Reset via \\\\\\\"Settings\\\\\\\"\\\\n\\\"\"",
        "key: \"user.id\"", "string_value: \"user_123\"", "key: \"session.id\"",
        "key: \"langfuse.trace.tags\"", "array_value", "string_value: \"production\"",
        "key: \"langfuse.trace.metadata.plan\"", "key: \"langfuse.trace.metadata.seats\"",
        "int_value: 3", "key: \"langfuse.environment\"", "key: \"langfuse.observation.level\"",
        "string_value: \"ERROR\"", "code: STATUS_CODE_ERROR", "message: \"timeout\"",
        "key: \"service.name\"", "string_value: \"support-bot\"", "key: \"device.id\"",
        "key: \"telemetry.sdk.name\"", "name: \"lftrace\"", "parent_span_id:",
        "start_time_unix_nano: 1795000000000000000",
        "end_time_unix_nano: 1795000000350000000",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (strstr(text, expect[i]) == NULL) {
            printf("missing in protoc output: %s\n", expect[i]);
            LFT_CHECK(0);
        }
    }
    remove(bin);
    remove(txt);
}

static void test_json_encoding(void)
{
    lft_reader_t reader;
    lft_otlp_item_t items[16];
    lft_otlp_batch_t batch;
    LFT_CHECK_EQ(lft_reader_begin(&client, &reader), LFT_OK);
    LFT_CHECK_EQ(lft_otlp_collect(&client, &reader, items, 16, &batch), 4);
    lft_sink_t count, out;
    uint8_t scratch[5];
    lft_sink_init_count(&count);
    LFT_CHECK_EQ(lft_otlp_encode_json(&batch, &count), LFT_OK);
    body_len = 0;
    lft_sink_init(&out, scratch, sizeof scratch, collect, NULL);
    LFT_CHECK_EQ(lft_otlp_encode_json(&batch, &out), LFT_OK);
    LFT_CHECK_EQ(lft_sink_flush(&out), 0);
    LFT_CHECK_EQ(count.total, body_len);
    printf("support-query: %zu bytes of OTLP/JSON\n", body_len);
    LFT_CHECK_EQ(lft_json_validate((const char *)body, body_len), LFT_OK);
    static char text[16384];
    memcpy(text, body, body_len);
    text[body_len] = '\0';
    static const char *const expect[] = {
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\"",
        "\"scope\":{\"name\":\"lftrace\"", "\"name\":\"llm-answer\"",
        "\"startTimeUnixNano\":\"1795000000000000000\"",
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"42\"}}",
        "{\"key\":\"langfuse.observation.usage_details\",\"value\":{\"stringValue\":"
        "\"{\\\"input\\\":42,\\\"output\\\":18,\\\"total\\\":60}\"}}",
        "{\"key\":\"langfuse.trace.tags\",\"value\":{\"arrayValue\":{\"values\":"
        "[{\"stringValue\":\"support\"},{\"stringValue\":\"production\"}]}}}",
        "\"status\":{\"code\":2,\"message\":\"timeout\"}",
        "\"kind\":1",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (strstr(text, expect[i]) == NULL) {
            printf("missing in JSON: %s\n", expect[i]);
            LFT_CHECK(0);
        }
    }
    /* ids are lowercase hex of the right length */
    const char *tid = strstr(text, "\"traceId\":\"");
    LFT_CHECK(tid != NULL);
    if (tid != NULL) {
        tid += 11;
        size_t n = strspn(tid, "0123456789abcdef");
        LFT_CHECK_EQ(n, 32);
        LFT_CHECK_EQ(tid[n], '"');
    }
    lft_reader_end(&reader);
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
    LFT_RUN(test_encode_counts_and_streams);
    LFT_RUN(test_protoc_decodes);
    LFT_RUN(test_json_encoding);
    return LFT_TEST_REPORT();
}
