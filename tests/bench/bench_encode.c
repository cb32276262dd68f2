/*
 * bench_encode - cost of the OTLP encoders on this machine, and the wire
 * size of the support-query trace.
 *
 * Records the support-query flow (trace with user, session, 2 metadata, 2
 * tags; span "retrieval" with JSON input and text output; generation
 * "llm-answer" with model, usage and completion start; event "rerank") N
 * times into one big ring with the POSIX port, then exports it the way the
 * exporter does: a reader pass collects up to 64 spans, encodes them with a
 * counting pass (Content-Length) and again through a 512-byte scratch sink,
 * releases their records and closes the reader; until the ring is empty.
 * Once for protobuf, once for OTLP/JSON (the ring is recorded again).
 * Prints figures; never fails on timing.
 *
 * Usage: bench_encode [traces]   (default 4000)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lft_otlp.h"
#include "lft_record.h"
#include "lftrace.h"

#define BATCH 64

static uint8_t ring[8u << 20];
static lft_client_t client;
static long traces = 4000;

typedef lft_err_t (*encode_fn)(const lft_otlp_batch_t *, lft_otlp_scratch_t *, lft_sink_t *);

static lft_otlp_scratch_t enc_scratch; /* the encoders' working memory */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The scratch sink's destination: bytes are only summed, as a socket write
 * would consume them. */
static uint64_t delivered;
static int null_write(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)p;
    delivered += n;
    return 0;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_encode: %s failed (%d)\n", what, err);
    exit(1);
}

static void init_client(void)
{
    memset(ring, 0xA5, sizeof ring); /* touch every page before timing */
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.environment = "production";
    cfg.service_name = "support-bot";
    cfg.device_id = "edge-gw-01";
    lft_err_t err = lft_client_init(&client, &cfg);
    if (err != LFT_OK) {
        die("lft_client_init", err);
    }
}

static void record_support_query(void)
{
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_INT("seats", 3) };
    static const char *const tags[] = { "support", "production" };
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    lft_err_t err = LFT_OK;
    lft_trace_opts_t topts;
    memset(&topts, 0, sizeof topts);
    topts.user_id = "user_123";
    topts.session_id = "session_abc";
    topts.metadata = meta;
    topts.metadata_count = 2;
    topts.tags = tags;
    topts.tags_count = 2;
    lft_trace_t trace = LFT_OBS_INIT;
    err |= lft_trace_start(&client, &trace, "support-query", &topts);

    lft_obs_t retrieval = LFT_OBS_INIT;
    lft_obs_opts_t ropts = { 0 }, rend = { 0 };
    ropts.input = LFT_JSON("{\"query\":\"reset password\"}");
    rend.output = LFT_TEXT("Reset via \"Settings\"\n");
    err |= lft_span_start(&retrieval, &trace, "retrieval", &ropts);
    err |= lft_obs_end(&retrieval, &rend);

    lft_obs_t llm = LFT_OBS_INIT;
    lft_obs_opts_t gopts = { 0 }, gend = { 0 };
    gopts.model = "gpt-4o-mini";
    gend.usage = usage;
    gend.usage_count = 3;
    err |= lft_generation_start(&llm, &trace, "llm-answer", &gopts);
    err |= lft_generation_first_token(&llm);
    err |= lft_obs_end(&llm, &gend);
    err |= lft_event(&trace, "rerank", NULL);
    err |= lft_trace_end(&trace, NULL);
    if (err != LFT_OK) {
        die("recording", err);
    }
}

/* Bytes of one request holding the first `n` spans of the ring. */
static uint64_t request_bytes(encode_fn fn, size_t n)
{
    lft_reader_t reader;
    lft_otlp_item_t items[BATCH];
    lft_otlp_batch_t batch;
    lft_sink_t count;
    lft_err_t err = lft_reader_begin(&client, &reader);
    if (err != LFT_OK) {
        die("lft_reader_begin", err);
    }
    (void)lft_otlp_collect(&client, &reader, items, n, &batch);
    lft_sink_init_count(&count);
    err = fn(&batch, &enc_scratch, &count);
    lft_reader_end(&reader);
    if (err == LFT_ERR_NO_WALL_CLOCK) {
        printf("bench_encode: the wall clock is not set; nothing to measure\n");
        exit(0);
    }
    if (err != LFT_OK) {
        die("encode", err);
    }
    return count.total;
}

typedef struct {
    double collect_s, count_s, write_s, release_s;
    uint64_t bytes, spans, requests;
} result_t;

/* Export the whole ring in batches of BATCH spans with fn. */
static void export_all(encode_fn fn, result_t *r)
{
    static uint8_t scratch[512];
    lft_otlp_item_t items[BATCH];
    memset(r, 0, sizeof *r);
    for (;;) {
        lft_reader_t reader;
        lft_otlp_batch_t batch;
        lft_sink_t count, out;
        lft_err_t err = lft_reader_begin(&client, &reader);
        if (err != LFT_OK) {
            die("lft_reader_begin", err);
        }
        double t0 = now_s();
        size_t n = lft_otlp_collect(&client, &reader, items, BATCH, &batch);
        double t1 = now_s();
        if (n == 0) {
            lft_reader_end(&reader);
            break;
        }
        lft_sink_init_count(&count);
        lft_err_t e1 = fn(&batch, &enc_scratch, &count);
        double t2 = now_s();
        lft_sink_init(&out, scratch, sizeof scratch, null_write, NULL);
        lft_err_t e2 = fn(&batch, &enc_scratch, &out);
        int flushed = lft_sink_flush(&out);
        double t3 = now_s();
        if (e1 != LFT_OK || e2 != LFT_OK || flushed != 0 || out.total != count.total) {
            die("encode", e1 != LFT_OK ? e1 : e2);
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t pos[8];
            size_t k = lft_otlp_item_records(&batch, i, pos, 8);
            for (size_t j = 0; j < k && j < 8; j++) {
                lft_record_t rec;
                if (lft_reader_at(&reader, pos[j], &rec) == LFT_OK) {
                    (void)lft_reader_release(&reader, &rec);
                }
            }
        }
        lft_reader_end(&reader);
        double t4 = now_s();
        r->collect_s += t1 - t0;
        r->count_s += t2 - t1;
        r->write_s += t3 - t2;
        r->release_s += t4 - t3;
        r->bytes += count.total;
        r->spans += n;
        r->requests++;
    }
}

static void report(const char *name, const result_t *r)
{
    double enc = r->count_s + r->write_s;
    printf("encode %s: %.1f MB/s, %.0f spans/s (count pass + 512 B scratch sink; %" PRIu64
           " requests of up to %d spans, %.0f B/request)\n",
           name, (double)r->bytes / enc / 1e6, (double)r->spans / enc, r->requests, BATCH,
           (double)r->bytes / (double)r->requests);
    printf("  %s count pass only: %.1f MB/s; scratch sink only: %.1f MB/s\n", name,
           (double)r->bytes / r->count_s / 1e6, (double)r->bytes / r->write_s / 1e6);
    printf("  %s collect: %.0f spans/s; release: %.0f spans/s\n", name,
           (double)r->spans / r->collect_s, (double)r->spans / r->release_s);
}

int main(int argc, char **argv)
{
    static const encode_fn fns[2] = { lft_otlp_encode_proto, lft_otlp_encode_json };
    static const char *const names[2] = { "protobuf", "json" };
    if (argc > 1) {
        traces = strtol(argv[1], NULL, 10);
        if (traces < 16) {
            traces = 16;
        }
    }
    init_client();

    /* Wire size: one trace alone, and per trace in a full batch. */
    for (int k = 0; k < 16; k++) {
        record_support_query();
    }
    uint64_t one[2], full[2], empty[2];
    for (int f = 0; f < 2; f++) {
        one[f] = request_bytes(fns[f], 4);
        full[f] = request_bytes(fns[f], BATCH);
        empty[f] = request_bytes(fns[f], 0);
    }
    printf("bytes per support-query trace: protobuf %" PRIu64 " B, json %" PRIu64
           " B (one trace per request%s)\n",
           one[0], one[1],
           LFT_OTLP_COMPACT ? ", LFT_OTLP_COMPACT" : "");
    printf("  in %d-span requests: protobuf %.0f B, json %.0f B per trace (+ %" PRIu64 " / %" PRIu64
           " B per request for the resource)\n",
           BATCH, (double)(full[0] - empty[0]) / 16.0, (double)(full[1] - empty[1]) / 16.0,
           empty[0], empty[1]);

    lft_client_deinit(&client);
    for (int f = 0; f < 2; f++) {
        init_client();
        for (long k = 0; k < traces; k++) {
            record_support_query();
        }
        lft_stats_t st;
        (void)lft_client_stats(&client, &st);
        result_t r;
        export_all(fns[f], &r);
        if (r.spans != (uint64_t)traces * 4u) {
            fprintf(stderr, "bench_encode: exported %" PRIu64 " spans of %ld\n", r.spans,
                    traces * 4);
            return 1;
        }
        if (f == 0) {
            printf("ring: %ld support-query traces, %" PRIu32 " records, %" PRIu32 " B\n", traces,
                   st.pending_records, st.pending_bytes);
        }
        report(names[f], &r);
        lft_client_deinit(&client);
    }
    return 0;
}
