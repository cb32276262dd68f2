/*
 * test_export_policy.c - the exporter's flush policy and delivery state
 * machine against a scripted in-memory server (no sockets, no TLS, the test
 * clock): when lft_poll sends, backoff timing, Retry-After, keep-alive and
 * Connection: close, max_attempts, lft_flush's results, loss counters on the
 * wire, and the shutdown deadline. Every reply is scripted per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lft_export.h"
#include "lft_flush_thread.h"
#include "lft_port_test.h"
#include "lft_test.h"

/* ------------------------------------------------------ scripted server */

typedef struct {
    int connects;
    int closes;
    int open;
    int requests;            /* complete requests received */
    int refuse_connect;      /* connect fails with LFT_ERR_NET while > 0 (decremented) */
    int hold;                /* replies are not readable yet (a slow server) */
    int nonblocking_reads;   /* recv calls with timeout 0 */
    int blocking_reads;      /* recv calls with a timeout */
    char req[65536];         /* bytes of the current request */
    size_t req_len;
    char last_path[128];
    size_t last_body_len;
    char reply[1024];        /* queued reply bytes */
    size_t reply_len, reply_pos;
    int statuses[64];        /* scripted status per request (0: 200) */
    int close_after[64];     /* reply with Connection: close */
    int retry_after[64];     /* Retry-After seconds (0: none) */
} fake_t;

static fake_t fake;

static lft_err_t fake_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    if (fake.refuse_connect > 0) {
        fake.refuse_connect--;
        return LFT_ERR_NET;
    }
    fake.connects++;
    fake.open = 1;
    fake.req_len = 0;
    fake.reply_len = fake.reply_pos = 0;
    return LFT_OK;
}

/* A complete request in fake.req: queue its scripted reply. */
static void fake_answer(void)
{
    int i = fake.requests < 64 ? fake.requests : 63;
    int status = fake.statuses[i] != 0 ? fake.statuses[i] : 200;
    char extra[128] = "";
    if (fake.retry_after[i] > 0) {
        snprintf(extra, sizeof extra, "Retry-After: %d\r\n", fake.retry_after[i]);
    }
    const char *body = status == 200 ? "{}" : "{\"message\":\"scripted\"}";
    fake.reply_len = (size_t)snprintf(fake.reply, sizeof fake.reply,
                                      "HTTP/1.1 %d X\r\nDate: Wed, 18 Nov 2026 11:06:40 GMT\r\n%s"
                                      "Content-Length: %zu\r\n%s\r\n%s",
                                      status, extra, strlen(body),
                                      fake.close_after[i] ? "Connection: close\r\n" : "", body);
    fake.reply_pos = 0;
    fake.requests++;
}

static int fake_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    (void)timeout_ms;
    if (!fake.open) {
        return LFT_ERR_CLOSED;
    }
    LFT_CHECK(fake.req_len + len <= sizeof fake.req);
    if (fake.req_len + len > sizeof fake.req) {
        return LFT_ERR_NET;
    }
    memcpy(fake.req + fake.req_len, buf, len);
    fake.req_len += len;
    fake.req[fake.req_len < sizeof fake.req ? fake.req_len : sizeof fake.req - 1] = '\0';
    const char *end = strstr(fake.req, "\r\n\r\n");
    const char *cl = strstr(fake.req, "Content-Length: ");
    if (end != NULL && cl != NULL) {
        size_t want = (size_t)strtoul(cl + 16, NULL, 10);
        size_t head = (size_t)(end + 4 - fake.req);
        if (fake.req_len >= head + want) {
            sscanf(fake.req, "POST %127s", fake.last_path);
            fake.last_body_len = want;
            fake_answer();
            fake.req_len = 0;
        }
    }
    return (int)len;
}

static int fake_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    if (!fake.open) {
        return LFT_ERR_CLOSED;
    }
    if (timeout_ms == 0) {
        fake.nonblocking_reads++;
    } else {
        fake.blocking_reads++;
    }
    if (fake.hold) {
        return timeout_ms == 0 ? LFT_ERR_WOULD_BLOCK : LFT_ERR_TIMEOUT;
    }
    if (fake.reply_pos >= fake.reply_len) {
        return LFT_ERR_TIMEOUT; /* nothing queued: the client waited for nothing */
    }
    size_t n = fake.reply_len - fake.reply_pos;
    n = n < len ? n : len;
    memcpy(buf, fake.reply + fake.reply_pos, n);
    fake.reply_pos += n;
    return (int)n;
}

static void fake_close(void *ctx)
{
    (void)ctx;
    if (fake.open) {
        fake.closes++;
    }
    fake.open = 0;
}

static const lft_net_ops_t fake_ops = { fake_connect, fake_send, fake_recv, fake_close };

/* ------------------------------------------------------------ fixtures */

static uint8_t ring[16384];
static lft_client_t client;
static lft_exporter_t ex;

static lft_format_t setup_format; /* the next setup's (OTLP protobuf unless a test sets it) */

static void setup(uint32_t flush_at, uint32_t interval_ms, uint32_t max_attempts)
{
    memset(&fake, 0, sizeof fake);
    lft_test_clock_set(1000000u);
    lft_test_wall_set(1795000000000000ull);
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .flush_at = flush_at,
                         .flush_interval_ms = interval_ms };
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    lft_export_config_t ec = { .host = "localhost", .public_key = "pk-lf-1", .secret_key = "sk-lf-1",
                               .allow_plain_http = 1, .retry_base_ms = 1000, .retry_cap_ms = 8000,
                               .max_attempts = max_attempts };
    ec.net.ops = &fake_ops;
    ec.net.ctx = NULL;
    ec.format = setup_format;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &ec), LFT_OK);
}

static void teardown(void)
{
    (void)lft_export_shutdown(&ex, 0);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

static void spans(int n)
{
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    for (int i = 0; i < n - 1; i++) {
        lft_obs_t s = LFT_OBS_INIT;
        LFT_CHECK_EQ(lft_span_start(&s, &t, "s", NULL), LFT_OK);
        LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_OK);
    }
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
}

static lft_stats_t stats(void)
{
    lft_stats_t s;
    LFT_CHECK_EQ(lft_client_stats(&client, &s), LFT_OK);
    return s;
}

/* --------------------------------------------------------------- tests */

static void test_config_errors(void)
{
    memset(&fake, 0, sizeof fake);
    LFT_CHECK_EQ(lft_client_init(&client, &(lft_config_t){ .ring = ring, .ring_size = sizeof ring }), LFT_OK);
    lft_export_config_t ok = { .host = "h", .public_key = "pk", .secret_key = "sk", .allow_plain_http = 1 };
    ok.net.ops = &fake_ops;
    lft_export_config_t c;
    LFT_CHECK_EQ(lft_export_init(NULL, &client, &ok), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_export_init(&ex, NULL, &ok), LFT_ERR_ARG);
    c = ok;
    c.host = NULL;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.public_key = "pk with space";
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.secret_key = "";
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.allow_plain_http = 0; /* no CA and no explicit plain HTTP: refused */
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.net.ops = NULL;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.max_request_bytes = 100;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.high_water_pct = 101;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    c = ok;
    c.ca = (const uint8_t *)"not a certificate";
    c.ca_len = 18;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &c), LFT_ERR_CONFIG);
    LFT_CHECK_EQ(lft_poll(NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_flush(NULL, 0), LFT_ERR_ARG);
    memset(&ex, 0, sizeof ex);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_ERR_HANDLE);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
    LFT_CHECK_EQ(fake.connects, 0);
}

static void test_flush_at(void)
{
    setup(8, 60000, 0);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 0); /* nothing recorded: nothing sent */
    spans(7);                         /* 7 observations ready */
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 0);
    spans(1);                         /* the 8th */
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK(strcmp(fake.last_path, "/api/public/otel/v1/traces") == 0);
    LFT_CHECK_EQ(stats().acknowledged, 8);
    LFT_CHECK_EQ(stats().pending_records, 0);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 1); /* nothing left */
    teardown();
}

static void test_flush_interval(void)
{
    setup(100, 5000, 0);
    spans(1);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* first seen now */
    lft_test_clock_advance(4999000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 0);
    lft_test_clock_advance(1000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(stats().acknowledged, 1);
    teardown();
}

static void test_high_water(void)
{
    setup(100000, 600000, 0);
    static char text[900];
    memset(text, 'x', sizeof text - 1);
    lft_trace_t t = LFT_OBS_INIT;
    int n = 0;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    while (stats().pending_bytes * 100u < sizeof ring * 75u) {
        LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
        LFT_CHECK_EQ(fake.requests, 0);
        LFT_CHECK_EQ(lft_event(&t, "e", &(lft_obs_opts_t){ .input = LFT_TEXT(text) }), LFT_OK);
        n++;
    }
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(stats().acknowledged, (uint32_t)n);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    teardown();
}

static void test_backoff_and_retry_after(void)
{
    setup(1, 60000, 0);
    fake.statuses[0] = 503;
    fake.statuses[1] = 429;
    fake.retry_after[1] = 30;
    spans(2);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_ERR_NET); /* 503: retryable */
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(stats().last_status, 503);
    LFT_CHECK_EQ(stats().pending_records > 0, 1);
    /* the first backoff is at most retry_base_ms (full jitter): 1 s later it has run out */
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 1);
    lft_test_clock_advance(1001000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_ERR_NET); /* 429 with Retry-After: 30 */
    LFT_CHECK_EQ(fake.requests, 2);
    lft_test_clock_advance(29000000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* still inside the 30 s */
    LFT_CHECK_EQ(fake.requests, 2);
    lft_test_clock_advance(1001000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 3);
    lft_stats_t s = stats();
    LFT_CHECK_EQ(s.acknowledged, 2);
    LFT_CHECK_EQ(s.retries, 2);
    LFT_CHECK_EQ(s.pending_records, 0);
    LFT_CHECK_EQ(s.dropped_rejected + s.dropped_retries, 0);
    teardown();
}

static void test_backoff_grows_to_cap(void)
{
    setup(1, 60000, 0);
    const int down = 1000000;
    fake.refuse_connect = down; /* the link is down: every attempt is one refused connect */
    spans(1);
    uint64_t gaps_max = 0, last = 0;
    int attempts = 0;
    for (uint64_t t = 0; t < 120000u && attempts < 14; t += 10u) { /* 120 s, 10 ms steps */
        int before = fake.refuse_connect;
        lft_err_t e = lft_poll(&ex);
        if (fake.refuse_connect != before) {
            LFT_CHECK_EQ(e, LFT_ERR_NET);
            if (attempts > 0) {
                uint64_t gap = t - last;
                LFT_CHECK(gap <= 8000u); /* full jitter under retry_cap_ms */
                gaps_max = gap > gaps_max ? gap : gaps_max;
            }
            last = t;
            attempts++;
        } else {
            LFT_CHECK_EQ(e, LFT_OK); /* waiting: returns at once */
        }
        lft_test_clock_advance(10000u);
    }
    LFT_CHECK_EQ(attempts, 14);
    LFT_CHECK(gaps_max > 1000u); /* the ceiling grew beyond retry_base_ms */
    LFT_CHECK_EQ(stats().retries, 14);
    LFT_CHECK_EQ(stats().last_error, LFT_ERR_NET);
    fake.refuse_connect = 0;
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_OK); /* the link is back */
    LFT_CHECK_EQ(stats().acknowledged, 1);
    teardown();
}

static void test_keep_alive_and_close(void)
{
    setup(1, 60000, 0);
    for (int i = 0; i < 5; i++) {
        spans(1);
        LFT_CHECK_EQ(lft_flush(&ex, 1000), LFT_OK);
    }
    LFT_CHECK_EQ(fake.requests, 5);
    LFT_CHECK_EQ(fake.connects, 1); /* one connection for all */
    fake.close_after[5] = 1;        /* the server says Connection: close */
    spans(1);
    LFT_CHECK_EQ(lft_flush(&ex, 1000), LFT_OK);
    LFT_CHECK_EQ(fake.closes, 1);
    spans(1);
    LFT_CHECK_EQ(lft_flush(&ex, 1000), LFT_OK);
    LFT_CHECK_EQ(fake.connects, 2);
    /* a keep-alive connection the server dropped meanwhile: replaced at once */
    fake.open = 0;
    spans(1);
    LFT_CHECK_EQ(lft_flush(&ex, 1000), LFT_OK);
    LFT_CHECK_EQ(fake.connects, 3);
    LFT_CHECK_EQ(stats().retries, 0);
    LFT_CHECK_EQ(stats().acknowledged, 8);
    teardown();
}

static void test_max_attempts_and_flush_results(void)
{
    setup(1, 60000, 3);
    for (int i = 0; i < 64; i++) {
        fake.statuses[i] = 500;
    }
    spans(2);
    LFT_CHECK_EQ(lft_flush(&ex, 600000), LFT_ERR_REJECTED); /* given up after 3 attempts */
    LFT_CHECK_EQ(fake.requests, 3);
    lft_stats_t s = stats();
    LFT_CHECK_EQ(s.dropped_retries, 2);
    LFT_CHECK_EQ(s.pending_records, 0);
    teardown();

    setup(1, 60000, 0);
    for (int i = 0; i < 64; i++) {
        fake.statuses[i] = 500;
    }
    spans(1);
    uint64_t t0 = lft_test_slept_ms();
    LFT_CHECK_EQ(lft_flush(&ex, 20000), LFT_ERR_TIMEOUT); /* unlimited attempts, deadline */
    LFT_CHECK(lft_test_slept_ms() - t0 <= 20000);
    LFT_CHECK(stats().pending_records > 0); /* kept for later */
    for (int i = 0; i < 64; i++) {
        fake.statuses[i] = 0;
    }
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_OK);
    LFT_CHECK_EQ(stats().acknowledged, 1);
    teardown();

    setup(1, 60000, 0);
    fake.statuses[0] = 401; /* never retried */
    spans(3);
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_ERR_REJECTED);
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(stats().dropped_rejected, 3);
    LFT_CHECK_EQ(stats().retries, 0);
    teardown();
}

/* Batch API: an observation still open at a flush goes out as a create,
 * its end later as an update; each observation is counted once, by the
 * event that completes it, acknowledged or refused (found by fuzz_export:
 * the creates were counted too, so more were acknowledged than completed). */
static void test_ingestion_counts_each_observation_once(void)
{
    setup_format = LFT_FORMAT_INGESTION;
    setup(1, 60000, 0);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t s = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&s, &t, "open", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_event(&s, "tick", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_OK); /* trace and span creates (open), the event */
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(stats().completed, 1);
    LFT_CHECK_EQ(stats().acknowledged, 1);
    LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_OK); /* their updates */
    LFT_CHECK_EQ(fake.requests, 2);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.completed, 3);
    LFT_CHECK_EQ(st.acknowledged, 3);
    LFT_CHECK_EQ(st.pending_records, 0);
    teardown();

    /* refused for good: the open creates are not observations lost (their
     * ends count them), the event is */
    setup(1, 60000, 0);
    fake.statuses[0] = 401; /* the whole batch, never retried */
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_event(&t, "tick", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_ERR_REJECTED);
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(stats().dropped_rejected, 1);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_OK);
    st = stats();
    LFT_CHECK_EQ(st.completed, 2);
    LFT_CHECK_EQ(st.acknowledged + st.dropped_rejected, 2);
    teardown();
    setup_format = LFT_FORMAT_OTLP_PROTOBUF;
}

/* Log messages, API paths under base_path and the Basic credentials. */
static char logged[8][200];
static int logged_level[8];
static int nlogged;

static void log_collect(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (nlogged < 8) {
        LFT_CHECK(strlen(msg) < sizeof logged[0]);
        snprintf(logged[nlogged], sizeof logged[0], "%s", msg);
        logged_level[nlogged++] = level;
    }
}

static void test_log_auth_paths(void)
{
    memset(&fake, 0, sizeof fake);
    nlogged = 0;
    lft_test_clock_set(1000000u);
    lft_test_wall_set(1795000000000000ull);
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .flush_at = 1, .flush_interval_ms = 60000 };
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    lft_export_config_t ec = { .host = "localhost", .public_key = "pk-lf-1", .secret_key = "sk-lf-1",
                               .allow_plain_http = 1, .log = log_collect };
    ec.net.ops = &fake_ops;
    static char long_base[128];
    memset(long_base, 'a', sizeof long_base - 1u);
    long_base[0] = '/';
    long_base[102] = '\0'; /* + "/api/public/otel/v1/traces" (26): 128 bytes, no room for the NUL */
    ec.base_path = long_base;
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &ec), LFT_ERR_CONFIG);
    long_base[101] = '\0'; /* 127 bytes: fits */
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &ec), LFT_OK);
    ec.base_path = "/lf";
    LFT_CHECK_EQ(lft_export_init(&ex, &client, &ec), LFT_OK);

    fake.statuses[0] = 401;
    fake.close_after[0] = 1; /* so that the next request connects again */
    spans(3);
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_ERR_REJECTED);
    LFT_CHECK_STRN(fake.last_path, strlen(fake.last_path), "/lf/api/public/otel/v1/traces");
    LFT_CHECK(strstr(fake.req, "\r\nAuthorization: Basic cGstbGYtMTpzay1sZi0x\r\n") != NULL);
    LFT_CHECK_EQ(nlogged, 2);
    LFT_CHECK_STRN(logged[0], strlen(logged[0]), "OTLP export: HTTP 401");
    LFT_CHECK_STRN(logged[1], strlen(logged[1]), "OTLP export failed for good, dropped: 3");
    LFT_CHECK_EQ(logged_level[0], 0);

    nlogged = 0;
    fake.refuse_connect = 1;
    spans(1);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_ERR_NET);
    LFT_CHECK_EQ(nlogged, 1);
    LFT_CHECK_STRN(logged[0], strlen(logged[0]), "OTLP export: transport error -17, retrying later");
    LFT_CHECK_EQ(logged_level[0], 1);
    teardown();
}

static void test_losses_reach_the_server(void)
{
    setup(1000, 1000, 0);
    /* a record that can never fit: counted as too large */
    static char big[20000];
    memset(big, 'y', sizeof big - 1);
    lft_trace_t t = LFT_OBS_INIT;
    lft_trace_opts_t to = { .input = LFT_TEXT(big) };
    lft_client_t *c = &client;
    c->cfg.max_field_bytes = 65535; /* let the value through the truncation */
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", &to), LFT_ERR_TOO_LARGE);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* changed counters seen now */
    LFT_CHECK_EQ(fake.requests, 0);
    lft_test_clock_advance(1001000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* a request with no spans, only the counters */
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK(fake.last_body_len > 0);
    lft_test_clock_advance(5000000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 1); /* acknowledged once: not again */
    teardown();
}

static void test_shutdown_deadline(void)
{
    setup(1, 60000, 0);
    fake.refuse_connect = 1000000;
    spans(1);
    uint64_t t0 = lft_test_slept_ms();
    LFT_CHECK_EQ(lft_export_shutdown(&ex, 5000), LFT_ERR_TIMEOUT);
    LFT_CHECK(lft_test_slept_ms() - t0 <= 5000);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_ERR_HANDLE); /* shut down */
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

/* lft_poll never waits for the server: the reply is read when it is there. */
static void test_poll_does_not_wait_for_replies(void)
{
    setup(1, 60000, 0);
    fake.hold = 1;
    spans(1);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* request sent, reply pending */
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(fake.blocking_reads, 0);
    LFT_CHECK_EQ(stats().acknowledged, 0);
    for (int i = 0; i < 5; i++) {
        lft_test_clock_advance(100000u);
        LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    }
    spans(1); /* recording goes on meanwhile */
    LFT_CHECK_EQ(fake.requests, 1);
    LFT_CHECK_EQ(fake.blocking_reads, 0);
    fake.hold = 0;
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* the reply is in: settled */
    LFT_CHECK_EQ(stats().acknowledged, 1);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK); /* the second trace */
    LFT_CHECK_EQ(fake.requests, 2);
    LFT_CHECK_EQ(stats().acknowledged, 2);
    LFT_CHECK_EQ(stats().pending_records, 0);

    /* a reply that never comes: io_timeout_ms (5 s) after the request, a lost reply */
    fake.hold = 1;
    spans(1);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 3);
    lft_test_clock_advance(4900000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    LFT_CHECK_EQ(stats().retries, 0);
    lft_test_clock_advance(200000u);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_ERR_TIMEOUT);
    LFT_CHECK_EQ(stats().retries, 1);
    LFT_CHECK_EQ(stats().maybe_duplicated, 1);
    fake.hold = 0;
    LFT_CHECK_EQ(lft_flush(&ex, 60000), LFT_OK); /* sent again once the backoff is over */
    LFT_CHECK_EQ(fake.requests, 4);
    LFT_CHECK_EQ(stats().acknowledged, 3);
    LFT_CHECK_EQ(fake.nonblocking_reads > 0, 1);

    /* lft_flush finishes a request lft_poll left waiting */
    fake.hold = 1;
    spans(1);
    LFT_CHECK_EQ(lft_poll(&ex), LFT_OK);
    fake.hold = 0;
    LFT_CHECK_EQ(lft_flush(&ex, 1000), LFT_OK);
    LFT_CHECK_EQ(fake.requests, 5);
    LFT_CHECK_EQ(stats().acknowledged, 4);
    teardown();
}

static void test_flush_thread(void)
{
    setup(8, 600000, 0);
    static lft_flush_thread_t ft;
    LFT_CHECK_EQ(lft_flush_thread_start(&ft, &ex, 1), LFT_OK);
    LFT_CHECK_EQ(lft_flush_thread_start(&ft, &ex, 1), LFT_ERR_BUSY);
    spans(8); /* flush_at: the thread's next poll sends them */
    for (int i = 0; i < 5000 && stats().acknowledged < 8; i++) {
        struct timespec ts = { 0, 1000000L };
        nanosleep(&ts, NULL); /* bounded: 5 s at most */
    }
    LFT_CHECK_EQ(stats().acknowledged, 8);
    spans(2); /* below flush_at: an explicit flush through the thread */
    LFT_CHECK_EQ(lft_flush_thread_flush(&ft, 1000), LFT_OK);
    LFT_CHECK_EQ(stats().acknowledged, 10);
    spans(1); /* left for the final flush of stop */
    LFT_CHECK_EQ(lft_flush_thread_stop(&ft, 1000), LFT_OK);
    LFT_CHECK_EQ(stats().acknowledged, 11);
    LFT_CHECK_EQ(fake.requests, 3);
    LFT_CHECK_EQ(lft_flush_thread_stop(&ft, 1000), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_client_deinit(&client), LFT_OK);
}

int main(void)
{
    LFT_RUN(test_config_errors);
    LFT_RUN(test_log_auth_paths);
    LFT_RUN(test_flush_at);
    LFT_RUN(test_flush_interval);
    LFT_RUN(test_high_water);
    LFT_RUN(test_backoff_and_retry_after);
    LFT_RUN(test_backoff_grows_to_cap);
    LFT_RUN(test_keep_alive_and_close);
    LFT_RUN(test_max_attempts_and_flush_results);
    LFT_RUN(test_ingestion_counts_each_observation_once);
    LFT_RUN(test_losses_reach_the_server);
    LFT_RUN(test_shutdown_deadline);
    LFT_RUN(test_poll_does_not_wait_for_replies);
    LFT_RUN(test_flush_thread);
    return LFT_TEST_REPORT();
}
