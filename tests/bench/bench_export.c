/*
 * bench_export - the exporter end to end over TLS to the local collector on
 * 127.0.0.1: bytes on the wire per support-query trace (OTLP protobuf, OTLP
 * JSON and the ingestion batch API),
 * spans per second, full and resumed TLS handshakes per 1,000 flushes, and
 * the mbedTLS arena's high-water mark. Prints figures; never fails on timing.
 * Exits non-zero only when the collector cannot be started or a flush fails.
 *
 * Usage: bench_export [flushes]   (default 1000)
 * Needs python3 and openssl (it starts tests/collector/lft_collector.py);
 * prints SKIP and exits 0 when they are missing.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lft_arena.h"
#include "lft_export.h"
#include "lft_ingest.h"
#include "lft_net_posix.h"
#include "lft_otlp.h"
#include "lft_record.h"
#include "lft_tls_wrap.h"
#include "lftrace.h"

static uint8_t ring[1u << 20];
static uint8_t arena_storage[96u * 1024u];
static lft_arena_t arena;
static lft_client_t client;
static lft_exporter_t exporter;
static lft_net_posix_t net;
static uint8_t ca[8192];
static size_t ca_len;
static int port;
static pid_t collector = -1;
static char dir[256];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int start_collector(void)
{
    char cmd[1024];
    snprintf(dir, sizeof dir, "%s/lft-bench-export.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(cmd, sizeof cmd, "python3 %s/tests/collector/lft_collector.py certs --dir %s/certs >/dev/null",
             LFT_SOURCE_DIR, dir);
    if (sh(cmd) != 0) {
        return -1;
    }
    collector = fork();
    if (collector == 0) {
        char portfile[300], store[300], certs[300], log[300];
        snprintf(portfile, sizeof portfile, "%s/port", dir);
        snprintf(store, sizeof store, "%s/store.jsonl", dir);
        snprintf(certs, sizeof certs, "%s/certs", dir);
        snprintf(log, sizeof log, "%s/collector.log", dir);
        if (freopen(log, "w", stderr) == NULL) {
            _exit(127);
        }
        char script[300];
        snprintf(script, sizeof script, "%s/tests/collector/lft_collector.py", LFT_SOURCE_DIR);
        execlp("python3", "python3", script, "serve", "--dir", certs, "--port", "0", "--portfile", portfile,
               "--store", store, "--max-seconds", "500", "--idle-seconds", "60", (char *)NULL);
        _exit(127);
    }
    char portfile[300];
    snprintf(portfile, sizeof portfile, "%s/port", dir);
    for (int i = 0; i < 400; i++) {
        FILE *f = fopen(portfile, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%d", &port) == 1;
            fclose(f);
            if (ok && port > 0) {
                break;
            }
        }
        struct timespec ts = { 0, 50000000L };
        nanosleep(&ts, NULL);
    }
    char cafile[300];
    snprintf(cafile, sizeof cafile, "%s/certs/ca.pem", dir);
    FILE *f = fopen(cafile, "rb");
    if (port <= 0 || f == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    ca_len = fread(ca, 1, sizeof ca - 1u, f);
    fclose(f);
    ca[ca_len++] = '\0';
    return 0;
}

static void stop_collector(void)
{
    char cmd[512];
    if (collector > 0) {
        kill(collector, SIGTERM);
        waitpid(collector, NULL, 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)sh(cmd);
}

static void setup(lft_format_t format)
{
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .environment = "production",
                         .service_name = "support-bot", .flush_at = 1u << 30 };
    if (lft_client_init(&client, &cfg) != LFT_OK) {
        exit(1);
    }
    lft_export_config_t ec = { .host = "localhost", .connect_host = "127.0.0.1", .port = (uint16_t)port,
                               .public_key = "pk-lf-test", .secret_key = "sk-lf-test", .ca = ca,
                               .ca_len = ca_len, .format = format };
    ec.net.ops = &lft_net_posix_ops;
    ec.net.ctx = &net;
    lft_err_t e = lft_export_init(&exporter, &client, &ec);
    if (e != LFT_OK) {
        fprintf(stderr, "bench_export: lft_export_init: %s\n", lft_err_str(e));
        exit(1);
    }
}

static void teardown(void)
{
    (void)lft_export_shutdown(&exporter, 5000);
    (void)lft_client_deinit(&client);
}

static void support_query(void)
{
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_STR("source", "web-chat") };
    static const char *const tags[] = { "support", "production" };
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    lft_trace_t trace = LFT_OBS_INIT;
    lft_trace_opts_t to = { .user_id = "user_123", .session_id = "session_abc", .metadata = meta,
                            .metadata_count = 2, .tags = tags, .tags_count = 2 };
    lft_trace_start(&client, &trace, "support-query", &to);
    lft_obs_t r = LFT_OBS_INIT;
    lft_obs_opts_t ro = { .input = LFT_JSON("{\"query\":\"How do I reset my password?\"}") };
    lft_span_start(&r, &trace, "retrieval", &ro);
    lft_obs_opts_t eo = { .input = LFT_JSON("{\"before\":10,\"after\":5}") };
    lft_event(&r, "rerank", &eo);
    lft_obs_opts_t rend = { .output = LFT_JSON("[\"Reset via Settings\",\"Send reset email\"]") };
    lft_obs_end(&r, &rend);
    lft_obs_t g = LFT_OBS_INIT;
    lft_obs_opts_t go = { .model = "gpt-4o-mini" };
    lft_generation_start(&g, &trace, "llm-answer", &go);
    lft_generation_first_token(&g);
    lft_obs_opts_t gend = { .output = LFT_TEXT("Open Settings > Security > Reset password."), .usage = usage,
                            .usage_count = 3 };
    lft_obs_end(&g, &gend);
    lft_score_t sc = { .name = "helpfulness", .value = 0.92, .comment = "Answered correctly with context.",
                       .target = &trace };
    lft_score(&client, &sc);
    lft_trace_end(&trace, NULL);
}

static void flush_or_die(void)
{
    lft_err_t e = lft_flush(&exporter, 30000);
    if (e != LFT_OK) {
        fprintf(stderr, "bench_export: flush: %s\n", lft_err_str(e));
        stop_collector();
        exit(1);
    }
}

int main(int argc, char **argv)
{
    long flushes = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (sh("command -v python3 >/dev/null && command -v openssl >/dev/null") != 0) {
        printf("SKIP bench_export: python3 or openssl missing\n");
        return 0;
    }
    if (start_collector() != 0) {
        fprintf(stderr, "bench_export: the collector did not start\n");
        stop_collector();
        return 1;
    }
    lft_arena_init(&arena, arena_storage, sizeof arena_storage);
    lft_tls_wrap_install(&arena);
    lft_net_posix_init(&net);

    /* bytes on the wire per support-query trace (request heads included) */
    static const char *const names[] = { "OTLP protobuf", "OTLP json", "ingestion json (batch API)" };
    for (int f = 0; f < 3; f++) {
        setup((lft_format_t)f);
        support_query(); /* warm-up: connect and handshake outside the measurement */
        flush_or_die();
        lft_stats_t a, b;
        lft_client_stats(&client, &a);
        support_query();
        /* the OTLP body alone: a counting pass over what flush will send */
        lft_reader_t reader;
        static lft_otlp_item_t items[8];
        static lft_otlp_scratch_t enc_scratch;
        lft_otlp_batch_t batch;
        lft_sink_t count;
        lft_sink_init_count(&count);
        static lft_ingest_item_t ingest_items[8];
        static lft_ingest_scratch_t ingest_scratch;
        lft_ingest_batch_t ingest;
        if (lft_reader_begin(&client, &reader) == LFT_OK) {
            if (f == 2) {
                size_t n = lft_ingest_collect(&client, &reader, ingest_items, 8, &ingest);
                (void)lft_ingest_encode(&ingest, n, &ingest_scratch, &count);
            } else {
                (void)lft_otlp_collect(&client, &reader, items, 8, &batch);
                (void)(f ? lft_otlp_encode_json(&batch, &enc_scratch, &count)
                         : lft_otlp_encode_proto(&batch, &enc_scratch, &count));
            }
            (void)lft_reader_end(&reader);
        }
        printf("%s body per support-query trace: %" PRIu64 " B (%s)\n", names[f], count.total,
               f == 2 ? "4 observations and the score, 5 events"
               : LFT_OTLP_COMPACT ? "4 spans, LFT_OTLP_COMPACT" : "4 spans, every Langfuse attribute, trace fields on every span");
        flush_or_die();
        lft_client_stats(&client, &b);
        printf("bytes on the wire per support-query trace, %s: %" PRIu64 " B in %" PRIu32
               " requests (HTTP heads included)\n",
               names[f], b.bytes_sent - a.bytes_sent, b.requests - a.requests);
        teardown();
    }

    /* spans per second, end to end */
    setup(LFT_FORMAT_OTLP_PROTOBUF);
    const int traces = 2000;
    double t0 = now_s();
    for (int i = 0; i < traces; i++) {
        lft_trace_t trace = LFT_OBS_INIT;
        lft_trace_start(&client, &trace, "bench", NULL);
        for (int k = 0; k < 4; k++) {
            lft_obs_t s = LFT_OBS_INIT;
            lft_span_start(&s, &trace, "step", NULL);
            lft_obs_end(&s, NULL);
        }
        lft_trace_end(&trace, NULL);
        if (i % 100 == 99) {
            flush_or_die();
        }
    }
    flush_or_die();
    double dt = now_s() - t0;
    lft_stats_t s;
    lft_client_stats(&client, &s);
    printf("end to end over TLS to the loopback collector: %.0f spans/s (%" PRIu32 " spans in %.2f s, %" PRIu32
           " requests)\n", (double)s.acknowledged / dt, s.acknowledged, dt, s.requests);
    teardown();

    /* handshakes per 1,000 flushes while the link stays up */
    setup(LFT_FORMAT_OTLP_PROTOBUF);
    t0 = now_s();
    for (long i = 0; i < flushes; i++) {
        lft_trace_t trace = LFT_OBS_INIT;
        lft_trace_start(&client, &trace, "tick", NULL);
        lft_trace_end(&trace, NULL);
        flush_or_die();
    }
    dt = now_s() - t0;
    lft_client_stats(&client, &s);
    lft_arena_stats_t as;
    lft_arena_stats(&arena, &as);
    printf("TLS handshakes per %ld flushes: %" PRIu32 " full, %" PRIu32 " resumed (%.2f ms per flush)\n",
           flushes, s.handshakes_full, s.handshakes_resumed, dt * 1000.0 / (double)flushes);
    teardown();
    lft_arena_stats(&arena, &as);
    printf("mbedTLS arena: high water %zu B of %zu B, %zu B in use after shutdown\n", as.high_water,
           sizeof arena_storage, as.in_use);
    lft_tls_wrap_install(NULL);
    stop_collector();
    return 0;
}
