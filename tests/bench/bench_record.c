/*
 * bench_record - cost of recording on this machine: nanoseconds per
 * observation and ring bytes per observation, single-threaded and with four
 * threads recording at once. Prints figures; never fails on timing.
 *
 * Usage: bench_record [iterations]   (default 200000 per case)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lft_record.h"
#include "lftrace.h"

#define THREADS 4

static uint8_t *ring;
static size_t ring_size;
static lft_client_t client;
static lft_trace_t trace;
static long iterations = 200000;

/* 40-byte input and output, as in the benchmark definition. */
static const char input40[] = "What is the refund policy for order 42?";
static const char output40[] = "Refunds are accepted within 30 days ok.";

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void reset_client(void)
{
    /* Touch every page first: a device's ring is static memory, not fresh
     * zero pages that fault on first write. */
    memset(ring, 0xA5, ring_size);
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = ring_size;
    if (lft_client_init(&client, &cfg) != LFT_OK) {
        fprintf(stderr, "init failed\n");
        exit(1);
    }
    lft_trace_t fresh = LFT_OBS_INIT;
    trace = fresh;
    if (lft_trace_start(&client, &trace, "bench", NULL) != LFT_OK) {
        fprintf(stderr, "trace failed\n");
        exit(1);
    }
}

static int rec_span_bare(void)
{
    lft_obs_t s = LFT_OBS_INIT;
    if (lft_span_start(&s, &trace, "step", NULL) != LFT_OK) {
        return 1;
    }
    return lft_obs_end(&s, NULL) != LFT_OK;
}

static int rec_span(void)
{
    lft_obs_t s = LFT_OBS_INIT;
    lft_obs_opts_t in = { 0 }, out = { 0 };
    in.input = LFT_TEXT_N(input40, 40);
    out.output = LFT_TEXT_N(output40, 40);
    if (lft_span_start(&s, &trace, "step", &in) != LFT_OK) {
        return 1;
    }
    return lft_obs_end(&s, &out) != LFT_OK;
}

static int rec_generation(void)
{
    static const lft_usage_t usage[] = { { "input", 412 }, { "output", 96 }, { "total", 508 } };
    lft_obs_t g = LFT_OBS_INIT;
    lft_obs_opts_t start = { 0 }, end = { 0 };
    start.model = "gpt-4o-mini";
    end.usage = usage;
    end.usage_count = 3;
    if (lft_generation_start(&g, &trace, "llm", &start) != LFT_OK) {
        return 1;
    }
    return lft_obs_end(&g, &end) != LFT_OK;
}

static int rec_event(void)
{
    return lft_event(&trace, "cache-hit", NULL) != LFT_OK;
}

static int rec_score(void)
{
    lft_score_t s;
    memset(&s, 0, sizeof s);
    s.name = "helpfulness";
    s.value = 0.92;
    s.target = &trace;
    return lft_score(&client, &s) != LFT_OK;
}

typedef struct {
    const char *name;
    int (*fn)(void);
} bench_case_t;

static const bench_case_t cases[] = {
    { "span, no content (start+end)", rec_span_bare },
    { "span, 40 B input + 40 B output", rec_span },
    { "generation, model + 3 usage keys", rec_generation },
    { "event", rec_event },
    { "score", rec_score },
};

typedef struct {
    int (*fn)(void);
    long n;
    long failures;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    for (long i = 0; i < w->n; i++) {
        w->failures += w->fn();
    }
    return NULL;
}

static void run_case(const bench_case_t *c, int threads)
{
    reset_client();
    lft_stats_t before, after;
    lft_client_stats(&client, &before);
    worker_t w[THREADS];
    pthread_t tid[THREADS];
    long per = iterations / threads;
    double t0 = now_ns();
    for (int t = 0; t < threads; t++) {
        w[t].fn = c->fn;
        w[t].n = per;
        w[t].failures = 0;
        pthread_create(&tid[t], NULL, worker, &w[t]);
    }
    long failures = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        failures += w[t].failures;
    }
    double t1 = now_ns();
    lft_client_stats(&client, &after);
    long done = per * threads;
    printf("%-36s %d thr  %7.1f ns/obs  %5.1f ring B/obs  (%ld obs%s)\n", c->name, threads,
           (t1 - t0) / (double)done,
           (double)(after.pending_bytes - before.pending_bytes) / (double)done, done,
           failures ? ", SOME FAILED" : "");
    lft_client_deinit(&client);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        iterations = atol(argv[1]);
        if (iterations < THREADS) {
            iterations = THREADS;
        }
    }
    /* Room for every record of the largest case without reclaiming. */
    ring_size = (size_t)iterations * 160u + 4096u;
    if (ring_size >= 0x7FFFFFFFu) {
        fprintf(stderr, "too many iterations\n");
        return 1;
    }
    ring = calloc(1, ring_size);
    if (ring == NULL) {
        return 1;
    }
    printf("lftrace %s record benchmark, %ld observations per case\n", LFTRACE_VERSION, iterations);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], 1);
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], THREADS);
    }
    free(ring);
    return 0;
}
