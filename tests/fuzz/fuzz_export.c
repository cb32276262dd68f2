/*
 * fuzz_export - libFuzzer target for the exporter's delivery state machine:
 * the input records observations, drives lft_poll and lft_flush on the test
 * port's clock, and scripts an in-memory server (no sockets, no TLS): per
 * connection whether it is refused; per request its status (2xx, 207, 400,
 * 401, 408, 413, 429, 5xx), Connection: close, Retry-After, a reply cut
 * short by a dropped connection, a body that is not what was asked for.
 * Its first bytes pick the ring's size and drop policy, the format (OTLP
 * protobuf or JSON, ingestion), the scores mode, the batch and request size
 * limits and max_attempts.
 *
 * Checked, besides "no crash, no sanitizer report, the lock balanced" (the
 * test port aborts on a nested or unbalanced lock):
 *   - lft_poll and lft_flush return only documented results, and when
 *     lft_flush says all is done (LFT_OK, LFT_ERR_REJECTED), every
 *     completed observation is accounted for (as below);
 *   - never more observations are accounted for (acknowledged or dropped
 *     for good) than were completed;
 *   - at the end, with every observation ended and the server answering
 *     200 to everything, flushing empties the ring, and every completed
 *     observation was acknowledged or dropped with a counter: completed ==
 *     acknowledged + dropped_rejected + dropped_oversize + dropped_retries
 *     under LFT_DROP_NEWEST; under LFT_DROP_OLDEST the difference is at
 *     most dropped_overwritten (records, one or more per observation).
 *
 * Build it with clang's -fsanitize=fuzzer,address,undefined, linked with
 * the transports, the core, the test port and mbedTLS (README.md, Fuzzing).
 * With -DLFT_FUZZ_STANDALONE it is a plain program that replays the files
 * named on its command line (used by ctest on a small seed set).
 */
#include "lft_fuzz.h"

#include <string.h>

#include "lft_export.h"
#include "lft_port_test.h"
#include "lftrace.h"

#define POOL 6u

typedef struct {
    const uint8_t *p, *end;
} input_t;

static input_t in;

static unsigned next_byte(void)
{
    return in.p < in.end ? *in.p++ : 0u;
}

/* ------------------------------------------------------ scripted server */

static struct {
    int final;          /* answer 200 to everything, refuse nothing */
    int open;
    int cut;            /* the reply is cut after reply_len bytes: the connection drops */
    char req[1u << 17]; /* the request being received */
    size_t req_len;
    char reply[512];
    size_t reply_len, reply_pos;
    unsigned requests;
} srv;

static lft_err_t srv_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    if (!srv.final && next_byte() % 8u == 7u) {
        return LFT_ERR_NET;
    }
    srv.open = 1;
    srv.req_len = 0;
    srv.reply_len = srv.reply_pos = 0;
    srv.cut = 0;
    return LFT_OK;
}

/* A request is complete in srv.req: its reply, as the input says. */
static void srv_answer(void)
{
    static const int statuses[] = { 200, 200, 200, 207, 400, 401, 408, 413, 429, 500, 503, 204 };
    const unsigned b = srv.final ? 0u : next_byte();
    const int status = statuses[b % (sizeof statuses / sizeof statuses[0])];
    const char *body = "{}";
    if (b & 0x80u) { /* not what was asked for */
        body = status == 207 ? "{\"successes\":[{\"id\":\"x\",\"status\":201}],\"errors\":[]}"
                             : "{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":\"no\"}}";
    } else if (status == 207) {
        body = "{\"successes\":[],\"errors\":[]}";
    }
    char extra[64] = "";
    if (b & 0x20u) {
        memcpy(extra, "Retry-After: 2\r\n", sizeof "Retry-After: 2\r\n");
    }
    const size_t blen = status == 204 ? 0u : strlen(body);
    int n = snprintf(srv.reply, sizeof srv.reply,
                     "HTTP/1.1 %d X\r\nDate: Wed, 18 Nov 2026 11:06:40 GMT\r\n%sContent-Length: %zu\r\n"
                     "Content-Type: application/json\r\n%s\r\n%s",
                     status, extra, blen, (b & 0x10u) ? "Connection: close\r\n" : "",
                     status == 204 ? "" : body);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof srv.reply);
    srv.reply_len = (size_t)n;
    srv.reply_pos = 0;
    srv.cut = 0;
    if (b & 0x40u) { /* the connection drops inside the reply */
        srv.reply_len = next_byte() % srv.reply_len;
        srv.cut = 1;
    }
    srv.requests++;
}

static int srv_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    (void)timeout_ms;
    if (!srv.open) {
        return LFT_ERR_CLOSED;
    }
    FUZZ_CHECK(srv.req_len + len <= sizeof srv.req - 1u); /* max_request_bytes bounds it */
    memcpy(srv.req + srv.req_len, buf, len);
    srv.req_len += len;
    srv.req[srv.req_len] = '\0';
    const char *end = strstr(srv.req, "\r\n\r\n");
    const char *cl = strstr(srv.req, "Content-Length: ");
    if (end != NULL && cl != NULL) {
        const size_t want = (size_t)strtoul(cl + 16, NULL, 10);
        const size_t head = (size_t)(end + 4 - srv.req);
        if (srv.req_len >= head + want) {
            FUZZ_CHECK(srv.req_len == head + want); /* one request at a time */
            srv_answer();
            srv.req_len = 0;
        }
    }
    return (int)len;
}

static int srv_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    if (!srv.open) {
        return LFT_ERR_CLOSED;
    }
    if (srv.reply_pos >= srv.reply_len) {
        if (srv.cut) {
            srv.open = 0;
            return LFT_ERR_CLOSED;
        }
        return timeout_ms == 0 ? LFT_ERR_WOULD_BLOCK : LFT_ERR_TIMEOUT;
    }
    size_t n = srv.reply_len - srv.reply_pos;
    n = n < len ? n : len;
    memcpy(buf, srv.reply + srv.reply_pos, n);
    srv.reply_pos += n;
    return (int)n;
}

static void srv_close(void *ctx)
{
    (void)ctx;
    srv.open = 0;
}

static const lft_net_ops_t srv_ops = { srv_connect, srv_send, srv_recv, srv_close };

/* ------------------------------------------------------------ the client */

static uint8_t ring[8192];
static lft_client_t client;
static lft_exporter_t ex;
static lft_trace_t traces[2];
static lft_obs_t pool[POOL];

static const lft_usage_t usage[] = { { "input", 120u }, { "output", 36u } };
static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro") };
static char big[2048]; /* up to a text larger than the smallest request limit */

static lft_stats_t stats(void)
{
    lft_stats_t st;
    FUZZ_CHECK(lft_client_stats(&client, &st) == LFT_OK);
    return st;
}

static void check_accounted(void)
{
    const lft_stats_t st = stats();
    FUZZ_CHECK(st.acknowledged + st.dropped_rejected + st.dropped_oversize + st.dropped_retries <=
               st.completed);
}

/* Every completed observation is accounted for: acknowledged or dropped
 * with a counter (under LFT_DROP_OLDEST, or overwritten: one record or
 * more per observation lost). */
static void check_settled(lft_drop_policy_t policy)
{
    const lft_stats_t st = stats();
    const uint32_t accounted = st.acknowledged + st.dropped_rejected + st.dropped_oversize + st.dropped_retries;
    if (policy == LFT_DROP_NEWEST) {
        FUZZ_CHECK(st.completed == accounted);
    } else {
        FUZZ_CHECK(st.completed >= accounted && st.completed - accounted <= st.dropped_overwritten);
    }
}

static void check_result(lft_err_t err)
{
    FUZZ_CHECK(err == LFT_OK || err == LFT_ERR_NET || err == LFT_ERR_TIMEOUT || err == LFT_ERR_CLOSED ||
               err == LFT_ERR_HTTP || err == LFT_ERR_REJECTED || err == LFT_ERR_WOULD_BLOCK ||
               err == LFT_ERR_PENDING || err == LFT_ERR_NO_MEMORY);
}

static void record(unsigned op)
{
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    const unsigned b = next_byte();
    lft_obs_t *h = &pool[b % POOL];
    lft_trace_t *t = &traces[(b >> 3) & 1u];
    lft_obs_t *parent = (b & 0x40u) ? &pool[(b >> 4) % POOL] : t;
    if (b & 0x80u) {
        o.input = LFT_TEXT_N(big, (size_t)next_byte() * 8u);
        o.metadata = meta;
        o.metadata_count = 1;
    }
    switch (op) {
    case 0:
        (void)lft_trace_start(&client, t, "request", NULL);
        break;
    case 1:
        (void)lft_trace_end(t, NULL);
        break;
    case 2:
        (void)lft_span_start(h, parent, "step", (b & 0x80u) ? &o : NULL);
        break;
    case 3:
        o.model = "llama";
        o.usage = usage;
        o.usage_count = 2;
        (void)lft_generation_start(h, parent, "llm", &o);
        break;
    case 4:
        (void)lft_obs_end(h, (b & 0x80u) ? &o : NULL);
        break;
    case 5:
        (void)lft_event(parent, "tick", (b & 0x80u) ? &o : NULL);
        break;
    default: {
        lft_score_t s;
        memset(&s, 0, sizeof s);
        s.name = "quality";
        s.value = 0.5;
        s.target = (b & 1u) ? (const lft_obs_t *)t : NULL;
        s.session_id = (b & 1u) ? NULL : "session-1";
        (void)lft_score(&client, &s);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in.p = data;
    in.end = data + size;
    memset(&srv, 0, sizeof srv);
    memset(traces, 0, sizeof traces);
    memset(pool, 0, sizeof pool);
    memset(big, 'x', sizeof big);
    lft_test_clock_set(1000000u);
    lft_test_wall_set((next_byte() & 1u) ? 1795000000000000ull : 0u);

    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    const unsigned rb = next_byte();
    cfg.ring_size = 1024u + (rb % 8u) * 1024u;
    cfg.drop_policy = (rb & 0x40u) ? LFT_DROP_OLDEST : LFT_DROP_NEWEST;
    cfg.flush_at = 1u + next_byte() % 16u;
    cfg.flush_interval_ms = 1000u;
    FUZZ_CHECK(lft_client_init(&client, &cfg) == LFT_OK);

    const unsigned fb = next_byte();
    lft_export_config_t ec;
    memset(&ec, 0, sizeof ec);
    ec.host = "collector.test";
    ec.public_key = "pk-lf-1";
    ec.secret_key = "sk-lf-1";
    ec.allow_plain_http = 1;
    ec.net.ops = &srv_ops;
    ec.format = (lft_format_t)(fb % 3u);
    ec.scores = (fb & 4u) ? LFT_SCORES_API : LFT_SCORES_INGESTION;
    ec.max_request_bytes = (fb & 8u) ? 2048u : 65536u;
    ec.batch_max = 1u + (fb >> 4) % 8u;
    ec.max_attempts = (fb & 0x80u) ? 2u : 0u;
    ec.retry_base_ms = 100;
    ec.retry_cap_ms = 2000;
    ec.retry_after_max_ms = 5000;
    ec.io_timeout_ms = 100;
    FUZZ_CHECK(lft_export_init(&ex, &client, &ec) == LFT_OK);

    for (unsigned ops = 0; ops < 256u && in.p < in.end; ops++) {
        const unsigned op = next_byte() % 10u;
        if (op < 7u) {
            record(op);
        } else if (op == 7u) {
            check_result(lft_poll(&ex));
        } else if (op == 8u) {
            const lft_err_t err = lft_flush(&ex, 100u * (next_byte() % 8u));
            check_result(err);
            if (err == LFT_OK || err == LFT_ERR_REJECTED) {
                check_settled(cfg.drop_policy); /* "all done" */
            }
        } else {
            lft_test_clock_advance((uint64_t)next_byte() * 50000u);
        }
        check_accounted();
    }

    /* Everything ends; the server answers 200 to everything. */
    for (unsigned i = 0; i < POOL; i++) {
        (void)lft_obs_end(&pool[i], NULL);
    }
    (void)lft_trace_end(&traces[0], NULL);
    (void)lft_trace_end(&traces[1], NULL);
    srv.final = 1;
    for (unsigned i = 0; i < 64u && stats().pending_records > 0; i++) {
        lft_test_clock_advance(10000000u); /* past any backoff or Retry-After */
        check_result(lft_flush(&ex, 10000u));
        check_accounted();
    }
    FUZZ_CHECK(stats().pending_records == 0);
    check_settled(cfg.drop_policy);
    (void)lft_export_shutdown(&ex, 0);
    FUZZ_CHECK(lft_client_deinit(&client) == LFT_OK);
    FUZZ_CHECK(lft_test_lock_depth() == 0);
    return 0;
}

#ifdef LFT_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return lft_fuzz_replay_main(argc, argv, "fuzz_export");
}
#endif
