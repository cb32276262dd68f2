/*
 * lft_export_driver.c - records a scripted flow with lftrace and exports it
 * to the local collector; test_export.py runs it under every fault switch and
 * checks what arrived. Prints one JSON object (the client's counters and the
 * flush results) on stdout.
 *
 * It links the deterministic test port: lft_port_sleep_ms advances the test
 * clock instead of sleeping, so backoffs (and simulated outages of hours)
 * take no real time, while the network timeouts are real.
 *
 * Usage: lft_export_driver --port P [--host localhost] [--connect 127.0.0.1]
 *          [--ca FILE | --plain] [--json | --ingestion] [--scores-api]
 *          [--flow support|many|errors|events|open]
 *          [--count N] [--no-wall] [--io-timeout MS] [--max-request B] [--ring B]
 *          [--drop-oldest] [--outage-port P2] [--flush-timeout MS] [--max-attempts N]
 *          [--batch N] [--flushes K]
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lft_arena.h"
#include "lft_export.h"
#include "lft_net_posix.h"
#include "lft_port_test.h"
#include "lft_tls_wrap.h"
#include "lftrace.h"

static uint8_t ring_storage[1u << 20];
static uint8_t arena_storage[96u * 1024u];
static lft_arena_t arena;
static lft_client_t client;
static lft_exporter_t exporter;
static lft_net_posix_t net;
static uint8_t ca_buf[16384];

typedef struct {
    const char *host, *connect, *ca, *flow;
    int port, outage_port, plain, json, ingestion, scores_api, count, no_wall, drop_oldest, flushes;
    unsigned io_timeout, max_request, ring, flush_timeout, max_attempts, batch;
} opts_t;

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "lftrace[%d]: %s\n", level, msg);
}

static void check(lft_err_t err, const char *what)
{
    if (err != LFT_OK) {
        fprintf(stderr, "driver: %s failed: %s\n", what, lft_err_str(err));
        exit(3);
    }
}

static uint64_t real_unix_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The seeds' support-query flow (langfuse tutorial). */
static void flow_support(void)
{
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_STR("source", "web-chat") };
    static const char *const tags[] = { "support", "production" };
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    static const lft_kv_t params[] = { LFT_KV_DOUBLE("temperature", 0.2), LFT_KV_INT("max_tokens", 256) };
    lft_trace_t trace = LFT_OBS_INIT;
    lft_trace_opts_t to = { .user_id = "user_123", .session_id = "session_abc", .metadata = meta,
                            .metadata_count = 2, .tags = tags, .tags_count = 2,
                            .input = LFT_TEXT("How do I reset my password?") };
    check(lft_trace_start(&client, &trace, "support-query", &to), "trace");
    lft_obs_t retrieval = LFT_OBS_INIT;
    lft_obs_opts_t ro = { .input = LFT_JSON("{\"query\":\"How do I reset my password?\"}") };
    check(lft_span_start(&retrieval, &trace, "retrieval", &ro), "retrieval");
    lft_test_clock_advance(12000);
    lft_obs_opts_t eo = { .input = LFT_JSON("{\"before\":10,\"after\":5}") };
    check(lft_event(&retrieval, "rerank", &eo), "rerank");
    lft_obs_opts_t rend = { .output = LFT_JSON("[\"Reset via Settings > Security\"]") };
    check(lft_obs_end(&retrieval, &rend), "retrieval end");
    lft_obs_t llm = LFT_OBS_INIT;
    lft_obs_opts_t lo = { .model = "gpt-4o-mini", .model_parameters = params, .model_parameters_count = 2,
                          .input = LFT_JSON("[{\"role\":\"user\",\"content\":\"How do I reset my password?\"}]") };
    check(lft_generation_start(&llm, &trace, "llm-answer", &lo), "llm");
    lft_test_clock_advance(150000);
    check(lft_generation_first_token(&llm), "first token");
    lft_test_clock_advance(250000);
    lft_obs_opts_t lend = { .output = LFT_TEXT("Go to Settings > Security and choose Reset password."),
                            .usage = usage, .usage_count = 3 };
    check(lft_obs_end(&llm, &lend), "llm end");
    lft_score_t sc = { .name = "helpfulness", .value = 0.92, .comment = "Answered correctly with context.",
                       .target = &trace };
    check(lft_score(&client, &sc), "score");
    lft_trace_opts_t tend = { .output = LFT_TEXT("Go to Settings > Security and choose Reset password.") };
    check(lft_trace_end(&trace, &tend), "trace end");
}

/* The seeds' error-handling flow: level ERROR, status message, an error score. */
static void flow_errors(void)
{
    lft_trace_t trace = LFT_OBS_INIT;
    check(lft_trace_start(&client, &trace, "failing-query", NULL), "trace");
    lft_obs_t g = LFT_OBS_INIT;
    lft_obs_opts_t go = { .model = "gpt-4o-mini" };
    check(lft_generation_start(&g, &trace, "llm-call", &go), "gen");
    lft_obs_opts_t gend = { .level = LFT_LEVEL_ERROR, .status_message = "rate limit exceeded" };
    check(lft_obs_end(&g, &gend), "gen end");
    lft_obs_opts_t warn = { .level = LFT_LEVEL_WARNING, .status_message = "retrying" };
    check(lft_event(&trace, "rate-limit", &warn), "event");
    lft_score_t sc = { .name = "error", .data_type = LFT_SCORE_CATEGORICAL, .string_value = "rate_limit",
                       .target = &g };
    check(lft_score(&client, &sc), "score");
    check(lft_trace_end(&trace, NULL), "trace end");
}

/* The seeds' events flow: rerank, a cache hit, a rate-limit warning. */
static void flow_events(void)
{
    lft_trace_t trace = LFT_OBS_INIT;
    check(lft_trace_start(&client, &trace, "rag-query", NULL), "trace");
    lft_obs_opts_t rr = { .input = LFT_JSON("{\"before\":10,\"after\":5}") };
    check(lft_event(&trace, "rerank", &rr), "rerank");
    static const lft_kv_t hit[] = { LFT_KV_STR("key", "q:reset-password"), LFT_KV_BOOL("hit", 1) };
    lft_obs_opts_t ch = { .metadata = hit, .metadata_count = 2, .level = LFT_LEVEL_DEBUG };
    check(lft_event(&trace, "cache-hit", &ch), "cache-hit");
    lft_obs_opts_t rl = { .level = LFT_LEVEL_WARNING, .status_message = "429 from upstream, retrying in 2 s" };
    check(lft_event(&trace, "rate-limit", &rl), "rate-limit");
    check(lft_trace_end(&trace, NULL), "trace end");
}

/* An observation open across flushes: the trace and a tool span stay open
 * over the first flush and end before the second. */
static lft_trace_t open_trace = LFT_OBS_INIT;
static lft_obs_t open_tool = LFT_OBS_INIT;
static void flow_open_first(void)
{
    lft_trace_opts_t to = { .user_id = "user_9" };
    check(lft_trace_start(&client, &open_trace, "long-job", &to), "trace");
    lft_obs_opts_t oo = { .input = LFT_TEXT("step 1") };
    check(lft_obs_start(&open_tool, &open_trace, LFT_KIND_TOOL, "tool-call", &oo), "tool");
    lft_obs_t quick = LFT_OBS_INIT;
    /* its name by reference: the exporters read it through the pointer */
    check(LFT_SPAN_START(&quick, &open_trace, "quick"), "quick");
    check(lft_obs_end(&quick, NULL), "quick end");
}

static void flow_open_second(void)
{
    lft_test_clock_advance(2000000u);
    lft_obs_opts_t oe = { .output = LFT_TEXT("done") };
    check(lft_obs_end(&open_tool, &oe), "tool end");
    lft_trace_opts_t te = { .output = LFT_TEXT("job done") };
    check(lft_trace_end(&open_trace, &te), "trace end");
}

/* count traces of one span each, named span-<i>; a score every 10th trace. */
static void flow_many(int count)
{
    for (int i = 0; i < count; i++) {
        char name[32];
        lft_trace_t trace = LFT_OBS_INIT;
        snprintf(name, sizeof name, "trace-%d", i);
        check(lft_trace_start(&client, &trace, name, NULL), "trace");
        lft_obs_t s = LFT_OBS_INIT;
        snprintf(name, sizeof name, "span-%d", i);
        check(lft_span_start(&s, &trace, name, NULL), "span");
        lft_test_clock_advance(1000);
        check(lft_obs_end(&s, NULL), "span end");
        if (i % 10 == 9) {
            lft_score_t sc = { .name = "quality", .value = (double)i, .target = &trace };
            check(lft_score(&client, &sc), "score");
        }
        check(lft_trace_end(&trace, NULL), "trace end");
    }
}

/* Record count traces while the collector is unreachable (outage_port),
 * polling through `hours` of simulated time. Recording never fails except
 * with RING_FULL (counted). */
static void flow_outage(int count)
{
    for (int i = 0; i < count; i++) {
        char name[32];
        lft_trace_t trace = LFT_OBS_INIT;
        snprintf(name, sizeof name, "trace-%d", i);
        lft_err_t e = lft_trace_start(&client, &trace, name, NULL);
        if (e == LFT_ERR_RING_FULL) {
            continue;
        }
        check(e, "trace");
        lft_obs_t s = LFT_OBS_INIT;
        snprintf(name, sizeof name, "span-%d", i);
        e = lft_span_start(&s, &trace, name, NULL);
        if (e == LFT_OK) {
            lft_test_clock_advance(1000);
            e = lft_obs_end(&s, NULL);
            if (e != LFT_OK && e != LFT_ERR_RING_FULL) {
                check(e, "span end");
            }
        } else if (e != LFT_ERR_RING_FULL) {
            check(e, "span");
        }
        e = lft_trace_end(&trace, NULL);
        if (e != LFT_OK && e != LFT_ERR_RING_FULL) {
            check(e, "trace end");
        }
        /* one minute per trace of simulated time, polling as a super-loop would */
        lft_test_clock_advance(60u * 1000000u);
        (void)lft_poll(&exporter);
    }
}

static void print_stats(const char *flush_results)
{
    lft_stats_t s;
    check(lft_client_stats(&client, &s), "stats");
    lft_arena_stats_t as;
    lft_arena_stats(&arena, &as);
    printf("{\"flush\":[%s],\"recorded\":%" PRIu32 ",\"completed\":%" PRIu32 ",\"dropped_ring_full\":%" PRIu32
           ",\"dropped_overwritten\":%" PRIu32 ",\"sent\":%" PRIu32 ",\"acknowledged\":%" PRIu32
           ",\"retries\":%" PRIu32 ",\"requests\":%" PRIu32 ",\"dropped_rejected\":%" PRIu32
           ",\"dropped_oversize\":%" PRIu32 ",\"dropped_retries\":%" PRIu32 ",\"partial_rejected\":%" PRIu32
           ",\"maybe_duplicated\":%" PRIu32 ",\"handshakes_full\":%" PRIu32 ",\"handshakes_resumed\":%" PRIu32
           ",\"handshakes_failed\":%" PRIu32 ",\"bytes_sent\":%" PRIu64 ",\"last_error\":\"%s\",\"last_status\":%u"
           ",\"pending_records\":%" PRIu32 ",\"arena_high_water\":%zu,\"arena_in_use\":%zu,\"slept_ms\":%" PRIu64
           "}\n",
           flush_results, s.recorded, s.completed, s.dropped_ring_full, s.dropped_overwritten, s.sent,
           s.acknowledged, s.retries, s.requests, s.dropped_rejected, s.dropped_oversize, s.dropped_retries,
           s.partial_rejected, s.maybe_duplicated, s.handshakes_full, s.handshakes_resumed, s.handshakes_failed,
           s.bytes_sent, lft_err_str((lft_err_t)s.last_error), (unsigned)s.last_status, s.pending_records,
           as.high_water, as.in_use, lft_test_slept_ms());
}

static void parse(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->host = "localhost";
    o->connect = "127.0.0.1";
    o->flow = "support";
    o->count = 20;
    o->io_timeout = 2000;
    o->ring = 65536;
    o->flush_timeout = 60000;
    o->flushes = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT_S(name, field) if (strcmp(a, name) == 0 && v) { o->field = v; i++; continue; }
#define OPT_I(name, field) if (strcmp(a, name) == 0 && v) { o->field = atoi(v); i++; continue; }
#define OPT_U(name, field) if (strcmp(a, name) == 0 && v) { o->field = (unsigned)strtoul(v, NULL, 10); i++; continue; }
#define OPT_F(name, field) if (strcmp(a, name) == 0) { o->field = 1; continue; }
        OPT_S("--host", host) OPT_S("--connect", connect) OPT_S("--ca", ca) OPT_S("--flow", flow)
        OPT_I("--port", port) OPT_I("--outage-port", outage_port) OPT_I("--count", count)
        OPT_I("--flushes", flushes)
        OPT_U("--io-timeout", io_timeout) OPT_U("--max-request", max_request) OPT_U("--ring", ring)
        OPT_U("--flush-timeout", flush_timeout) OPT_U("--max-attempts", max_attempts) OPT_U("--batch", batch)
        OPT_F("--plain", plain) OPT_F("--json", json) OPT_F("--ingestion", ingestion) OPT_F("--scores-api", scores_api)
        OPT_F("--no-wall", no_wall) OPT_F("--drop-oldest", drop_oldest)
        fprintf(stderr, "driver: unknown argument %s\n", a);
        exit(2);
    }
    if (o->port <= 0 || o->ring > sizeof ring_storage || (!o->plain && o->ca == NULL)) {
        fprintf(stderr, "driver: need --port, and --ca or --plain\n");
        exit(2);
    }
}

static void export_init(const opts_t *o, int port, size_t ca_len)
{
    lft_export_config_t ec;
    memset(&ec, 0, sizeof ec);
    ec.host = o->host;
    ec.connect_host = o->connect;
    ec.port = (uint16_t)port;
    ec.public_key = "pk-lf-test";
    ec.secret_key = getenv("LFT_DRIVER_SECRET") != NULL ? getenv("LFT_DRIVER_SECRET") : "sk-lf-test";
    ec.net.ops = &lft_net_posix_ops;
    ec.net.ctx = &net;
    ec.ca = o->plain ? NULL : ca_buf;
    ec.ca_len = o->plain ? 0 : ca_len;
    ec.allow_plain_http = (uint8_t)o->plain;
    ec.format = o->ingestion ? LFT_FORMAT_INGESTION : o->json ? LFT_FORMAT_OTLP_JSON : LFT_FORMAT_OTLP_PROTOBUF;
    ec.scores = o->scores_api ? LFT_SCORES_API : LFT_SCORES_INGESTION;
    ec.io_timeout_ms = o->io_timeout;
    ec.connect_timeout_ms = 3000;
    ec.max_request_bytes = o->max_request;
    ec.max_attempts = o->max_attempts;
    ec.batch_max = o->batch;
    ec.log = log_fn;
    ec.tls_arena = &arena;
    check(lft_export_init(&exporter, &client, &ec), "export init");
}

int main(int argc, char **argv)
{
    opts_t o;
    parse(argc, argv, &o);
    size_t ca_len = 0;
    if (!o.plain) {
        FILE *f = fopen(o.ca, "rb");
        if (f == NULL) {
            perror(o.ca);
            return 2;
        }
        ca_len = fread(ca_buf, 1, sizeof ca_buf - 1u, f);
        fclose(f);
        ca_buf[ca_len++] = '\0';
    }
    lft_arena_init(&arena, arena_storage, sizeof arena_storage);
    lft_tls_wrap_install(&arena);
    lft_net_posix_init(&net);
    if (!o.no_wall) {
        lft_test_wall_set(real_unix_us());
    }
    lft_config_t cfg = { .ring = ring_storage, .ring_size = o.ring, .environment = "production",
                         .release = "v1.2.3", .service_name = "support-bot", .service_version = "1.0.0",
                         .device_id = "edge-7", .flush_at = 16, .flush_interval_ms = 1000,
                         .drop_policy = o.drop_oldest ? LFT_DROP_OLDEST : LFT_DROP_NEWEST };
    check(lft_client_init(&client, &cfg), "client init");
    export_init(&o, o.outage_port > 0 ? o.outage_port : o.port, ca_len);

    char results[256] = "";
    if (o.outage_port > 0) {
        flow_outage(o.count);
        /* The link is back: the same exporter (backoff state and all) now
         * reaches the collector. The port is private state, set here only
         * because the outage was simulated with an unreachable port. */
        exporter.cfg.port = (uint16_t)o.port;
    } else if (strcmp(o.flow, "support") == 0) {
        flow_support();
    } else if (strcmp(o.flow, "errors") == 0) {
        flow_errors();
    } else if (strcmp(o.flow, "many") == 0) {
        flow_many(o.count);
    } else if (strcmp(o.flow, "events") == 0) {
        flow_events();
    } else if (strcmp(o.flow, "open") == 0) {
        flow_open_first();
    } else {
        fprintf(stderr, "driver: unknown flow %s\n", o.flow);
        return 2;
    }
    for (int k = 0; k < o.flushes; k++) {
        lft_err_t e = lft_flush(&exporter, o.flush_timeout);
        size_t n = strlen(results);
        snprintf(results + n, sizeof results - n, "%s\"%s\"", k ? "," : "", lft_err_str(e));
        if (k + 1 < o.flushes && strcmp(o.flow, "support") == 0) {
            flow_support();
        } else if (k + 1 < o.flushes && strcmp(o.flow, "open") == 0) {
            flow_open_second();
        }
    }
    (void)lft_export_shutdown(&exporter, 1000);
    print_stats(results);
    check(lft_client_deinit(&client), "deinit");
    lft_tls_wrap_install(NULL);
    return 0;
}
