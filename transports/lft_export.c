/*
 * lft_export.c - flush policy and delivery state machine (see lft_export.h).
 *
 * One delivery cycle: open a reader snapshot, count what is ready, send one
 * OTLP request (a batch of ended observations, or only the loss counters)
 * and then the scores, release what the server acknowledged or refused for
 * good, close the snapshot (which reclaims ring space), and arm a backoff
 * when the attempt must be repeated.
 */
#include "lft_export.h"

#include <stddef.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "lft_port.h"
#include "lft_record.h"
#include "lft_scores.h"

#define LFT_EXPORT_DEFAULT_MAX_REQUEST (1024u * 1024u)
#define LFT_EXPORT_DEFAULT_CONNECT_MS 10000u
#define LFT_EXPORT_DEFAULT_IO_MS 5000u
#define LFT_EXPORT_DEFAULT_RETRY_BASE_MS 1000u
#define LFT_EXPORT_DEFAULT_RETRY_CAP_MS 60000u
#define LFT_EXPORT_DEFAULT_RETRY_AFTER_MAX_MS 600000u
#define LFT_EXPORT_DEFAULT_HIGH_WATER 75u

#define LFT_EXPORT_MAGIC 0x4C465445u /* "LFTE" */

/* Does ex send OTLP/JSON (a constant 0 when LFT_EXPORT_OTLP_JSON is off)? */
#define LFT_IS_JSON(ex) (LFT_EXPORT_OTLP_JSON && (ex)->cfg.format == LFT_FORMAT_OTLP_JSON)
/* Does ex send the batch API's events (a constant 0 when LFT_EXPORT_INGESTION is off)? */
#define LFT_IS_INGESTION(ex) (LFT_EXPORT_INGESTION && (ex)->cfg.format == LFT_FORMAT_INGESTION)
/* Does ex post scores one by one (a constant 0 when LFT_EXPORT_SCORES_API is off)? */
#define LFT_IS_SCORES_API(ex) (LFT_EXPORT_SCORES_API && (ex)->cfg.scores == LFT_SCORES_API)

/* Per-event outcome inside one 207 reply (exporter.item_state). */
#define LFT_ITEM_PENDING 0u
#define LFT_ITEM_DONE 1u     /* acknowledged: release */
#define LFT_ITEM_DROP 2u     /* refused for good: release and count */
#define LFT_ITEM_RETRY 3u    /* per-event 5xx: keep */

/* ------------------------------------------------------------- helpers */

static uint64_t lft_now_us(void)
{
    return lft_port_time_mono_us();
}

/* The client's monotonic offset of now (what records store). */
static int64_t lft_offset_now(const lft_client_t *c)
{
    return (int64_t)(lft_port_time_mono_us() - c->epoch_mono_us);
}

#if defined(__GNUC__) || defined(__clang__)
#define LFT_EXPORT_NOINLINE __attribute__((noinline))
#else
#define LFT_EXPORT_NOINLINE
#endif

/* The client's counters the exporter decides on. */
typedef struct {
    uint32_t completed;
    uint32_t pending_records;
    uint32_t pending_bytes;
    uint32_t ring_size;
    uint32_t dropped; /* rejected + oversize + given up after retries */
} lft_counts_t;

/* Read them (0 when the client is not initialised). Not inlined: the whole
 * lft_stats_t it copies stays out of the frames of the flush path. */
LFT_EXPORT_NOINLINE static int lft_counts_get(lft_client_t *c, lft_counts_t *out)
{
    lft_stats_t s;
    if (lft_client_stats(c, &s) != LFT_OK) {
        return 0;
    }
    out->completed = s.completed;
    out->pending_records = s.pending_records;
    out->pending_bytes = s.pending_bytes;
    out->ring_size = s.ring_size;
    out->dropped = s.dropped_rejected + s.dropped_oversize + s.dropped_retries;
    return 1;
}

/* Is the client usable (initialised)? */
static int lft_client_alive(lft_client_t *c)
{
    lft_counts_t n;
    return lft_counts_get(c, &n);
}

/* Append the NUL-terminated str to out[*o..cap - 1), truncating. */
static void lft_str_append(char *out, size_t cap, size_t *o, const char *str)
{
    while (*str != '\0' && *o + 1u < cap) {
        out[(*o)++] = *str++;
    }
    out[*o] = '\0';
}

/* Log fmt with its "%s" replaced by a and its "%ld" by n in decimal (the
 * only conversions used), cut to 199 bytes. */
static void lft_log(const lft_exporter_t *ex, int level, const char *fmt, const char *a, long n)
{
    char msg[200];
    char num[21];
    size_t o = 0;
    if (ex->cfg.log == NULL) {
        return;
    }
    msg[0] = '\0';
    while (*fmt != '\0') {
        if (fmt[0] == '%' && fmt[1] == 's') {
            lft_str_append(msg, sizeof msg, &o, a);
            fmt += 2;
        } else if (fmt[0] == '%' && fmt[1] == 'l' && fmt[2] == 'd') {
            /* magnitude as unsigned: LONG_MIN included */
            unsigned long u = n < 0 ? 0ul - (unsigned long)n : (unsigned long)n;
            size_t k = sizeof num - 1u;
            num[k] = '\0';
            do {
                num[--k] = (char)('0' + u % 10u);
                u /= 10u;
            } while (u != 0u);
            if (n < 0) {
                num[--k] = '-';
            }
            lft_str_append(msg, sizeof msg, &o, num + k);
            fmt += 3;
        } else {
            char one[2] = { *fmt++, '\0' };
            lft_str_append(msg, sizeof msg, &o, one);
        }
    }
    ex->cfg.log(ex->cfg.log_ctx, level, msg);
}

/* Add to a transport counter of the client under the port lock. */
static void lft_stat_add(lft_exporter_t *ex, size_t offset, uint32_t n)
{
    uint32_t st = lft_port_lock();
    uint32_t *field = (uint32_t *)(void *)((uint8_t *)&ex->client->stats + offset);
    *field += n;
    lft_port_unlock(st);
}

#define LFT_STAT(ex, field, n) lft_stat_add((ex), offsetof(lft_stats_t, field), (uint32_t)(n))

static void lft_stat_error(lft_exporter_t *ex, lft_err_t err, uint16_t status)
{
    uint32_t st = lft_port_lock();
    ex->client->stats.last_error = (int32_t)err;
    if (status != 0) {
        ex->client->stats.last_status = status;
    }
    lft_port_unlock(st);
}

static uint64_t lft_rng_next(lft_exporter_t *ex)
{
    /* xorshift64* */
    uint64_t x = ex->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ex->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Arm the backoff after a failed attempt: full jitter in
 * [0, min(cap, base * 2^attempts)], at least retry_after_ms when given. */
static void lft_backoff(lft_exporter_t *ex, uint64_t retry_after_ms)
{
    uint64_t ceiling = ex->cfg.retry_base_ms;
    for (uint32_t i = 0; i < ex->attempts && ceiling < ex->cfg.retry_cap_ms; i++) {
        ceiling *= 2u;
    }
    if (ceiling > ex->cfg.retry_cap_ms) {
        ceiling = ex->cfg.retry_cap_ms;
    }
    uint64_t delay = lft_rng_next(ex) % (ceiling + 1u);
    if (retry_after_ms > ex->cfg.retry_after_max_ms) {
        retry_after_ms = ex->cfg.retry_after_max_ms;
    }
    if (delay < retry_after_ms) {
        delay = retry_after_ms;
    }
    if (ex->attempts < 64u) {
        ex->attempts++;
    }
    ex->next_try_us = lft_now_us() + delay * 1000u;
}

/* ------------------------------------------------------------- stream */

static void lft_conn_close(lft_exporter_t *ex)
{
    if (ex->connected) {
        ex->top.ops->close(ex->top.ctx);
        ex->connected = 0;
    }
}

static lft_err_t lft_conn_open(lft_exporter_t *ex)
{
    if (ex->connected) {
        return LFT_OK;
    }
    const char *addr = ex->cfg.connect_host != NULL ? ex->cfg.connect_host : ex->cfg.host;
    lft_tls_stats_t before, after;
    if (ex->use_tls) {
        lft_tls_stats(&ex->tls, &before);
    }
    lft_err_t err = ex->top.ops->connect(ex->top.ctx, addr, ex->cfg.port, ex->cfg.connect_timeout_ms);
    if (ex->use_tls) {
        lft_tls_stats(&ex->tls, &after);
        uint32_t st = lft_port_lock();
        ex->client->stats.handshakes_full += after.handshakes_full - before.handshakes_full;
        ex->client->stats.handshakes_resumed += after.handshakes_resumed - before.handshakes_resumed;
        ex->client->stats.handshakes_failed += after.handshakes_failed - before.handshakes_failed;
        lft_port_unlock(st);
    }
    if (err != LFT_OK) {
        ex->top.ops->close(ex->top.ctx);
        return err;
    }
    ex->connected = 1;
    return LFT_OK;
}

/* Write all n bytes (lft_sink_write_fn). */
static int lft_conn_write(void *ctx, const uint8_t *p, size_t n)
{
    lft_exporter_t *ex = ctx;
    while (n > 0) {
        int r = ex->top.ops->send(ex->top.ctx, p, n, ex->cfg.io_timeout_ms);
        if (r <= 0) {
            return r < 0 ? r : LFT_ERR_CLOSED;
        }
        p += (size_t)r;
        n -= (size_t)r;
        uint32_t st = lft_port_lock();
        ex->client->stats.bytes_sent += (uint64_t)r;
        lft_port_unlock(st);
    }
    return 0;
}

/* ------------------------------------------------------------- request */

/* A request body: encode(ctx, sink) writes it (the same bytes every call). */
typedef lft_err_t (*lft_body_fn)(void *ctx, lft_sink_t *sink);

typedef enum {
    LFT_SENT_NOTHING = 0, /* failed before the body was completely sent */
    LFT_SENT_BODY = 1,    /* the body went out, no complete reply */
    LFT_SENT_REPLY = 2    /* a complete reply is in ex->resp */
} lft_sent_t;

/* lft_exporter_t.inflight */
#define LFT_INFLIGHT_NONE 0u
#define LFT_INFLIGHT_WAITING 1u /* the body went out, the reply is being read */
#define LFT_INFLIGHT_DONE 2u    /* inflight_result says how it ended: the cycle resumes */

/* Steps of a delivery cycle (lft_exporter_t.inflight_stage). */
#define LFT_STAGE_PROBE 1u  /* the empty export that asks for the Date */
#define LFT_STAGE_EVENTS 2u /* the OTLP spans, or the ingestion batch */
#define LFT_STAGE_SCORES 3u /* the score batch (OTLP formats) */

/* Read what has come of the reply, waiting at most timeout_ms per recv (0:
 * not at all). LFT_OK when the reply is complete (in ex->resp),
 * LFT_ERR_WOULD_BLOCK when more is to come, else the transport error. */
static int lft_reply_step(lft_exporter_t *ex, uint32_t timeout_ms)
{
    for (;;) {
        int r = ex->top.ops->recv(ex->top.ctx, ex->rx, sizeof ex->rx, timeout_ms);
        if (r == 0) {
            int e = lft_http_resp_eof(&ex->resp);
            return e == LFT_HTTP_DONE ? LFT_OK : (e == LFT_HTTP_ERR_NO_RESPONSE ? LFT_ERR_CLOSED : LFT_ERR_HTTP);
        }
        if (r < 0) {
            return r;
        }
        ex->inflight_any = 1;
        size_t used = 0;
        int e = lft_http_resp_feed(&ex->resp, ex->rx, (size_t)r, &used);
        if (e == LFT_HTTP_DONE) {
            /* Nothing was pipelined: bytes after the reply mean the framing is off. */
            if (used != (size_t)r || !ex->resp.keep_alive) {
                lft_conn_close(ex);
            }
            return LFT_OK;
        }
        if (e != LFT_HTTP_MORE) {
            return LFT_ERR_HTTP;
        }
    }
}

/* Wait for the reply of the request in flight, for what is left of its
 * io_timeout_ms (blocking callers: lft_flush). */
static void lft_reply_finish(lft_exporter_t *ex)
{
    int r = LFT_ERR_TIMEOUT;
    uint64_t now = lft_now_us();
    if (now < ex->reply_deadline_us) {
        uint64_t left_ms = (ex->reply_deadline_us - now + 999u) / 1000u;
        r = lft_reply_step(ex, (uint32_t)(left_ms < ex->cfg.io_timeout_ms ? left_ms : ex->cfg.io_timeout_ms));
    }
    ex->inflight_result = r == LFT_ERR_WOULD_BLOCK ? LFT_ERR_TIMEOUT : r;
    ex->inflight = LFT_INFLIGHT_DONE;
}

/*
 * Send one POST carrying n observations or events and read its reply. A
 * reused keep-alive connection that the server closed meanwhile (the
 * request fails before any reply byte) is replaced once at once. Returns
 * LFT_OK with the reply in ex->resp, or the transport error; *sent says how
 * far it got. In lft_poll's cycle (ex->async) it returns LFT_ERR_WOULD_BLOCK
 * once the body is out: the reply is read by later polls, and the cycle,
 * resumed, calls it again for the same request, which then returns how the
 * reply ended instead of sending.
 */
static lft_err_t lft_request(lft_exporter_t *ex, const char *path, const char *ctype,
                             lft_body_fn body, void *body_ctx, uint32_t n, lft_sent_t *sent)
{
    int first_attempt = 0;
    *sent = LFT_SENT_NOTHING;
    if (ex->inflight == LFT_INFLIGHT_DONE) {
        lft_err_t r = (lft_err_t)ex->inflight_result;
        ex->inflight = LFT_INFLIGHT_NONE;
        if (r == LFT_OK) {
            *sent = LFT_SENT_REPLY;
            return LFT_OK;
        }
        lft_conn_close(ex);
        *sent = LFT_SENT_BODY;
        if (!(ex->inflight_reused && !ex->inflight_any && r == LFT_ERR_CLOSED)) {
            return r;
        }
        ex->resent = 1; /* a stale connection: once more on a new one (below) */
        *sent = LFT_SENT_NOTHING;
        first_attempt = 1;
    }
    lft_sink_t count;
    lft_sink_init_count(&count);
    lft_err_t err = body(body_ctx, &count);
    if (err != LFT_OK) {
        return err;
    }
    static const char *const names[] = { "x-langfuse-ingestion-version", "x-langfuse-sdk-name",
                                         "x-langfuse-sdk-version", "x-langfuse-public-key" };
    lft_http_header_t extra[4] = { { names[0], "4" },
                                   { names[1], "lftrace" },
                                   { names[2], LFTRACE_VERSION },
                                   { names[3], ex->cfg.public_key } };
    lft_http_request_t req;
    memset(&req, 0, sizeof req);
    req.host = ex->cfg.host;
    req.port = (ex->cfg.port == 443u && ex->use_tls) || (ex->cfg.port == 80u && !ex->use_tls) ? 0u : ex->cfg.port;
    req.path = path;
    req.content_type = ctype;
    req.content_length = count.total;
    req.auth_basic = ex->auth;
    req.user_agent = "lftrace/" LFTRACE_VERSION;
    /* x-langfuse-ingestion-version belongs to the OTLP endpoint only */
    const int otlp = path == ex->path_otlp;
    req.extra = otlp ? extra : extra + 1;
    req.extra_count = otlp ? 4u : 3u;
    for (int attempt = first_attempt; attempt < 2; attempt++) {
        const int reused = ex->connected;
        ex->inflight_any = 0;
        err = lft_conn_open(ex);
        if (err != LFT_OK) {
            return err;
        }
        size_t head_len = 0;
        err = lft_http_request_head((char *)ex->scratch, sizeof ex->scratch, &req, &head_len);
        if (err != LFT_OK) {
            return err;
        }
        int w = lft_conn_write(ex, ex->scratch, head_len);
        lft_sink_t out;
        if (w == 0) {
            lft_sink_init(&out, ex->scratch, sizeof ex->scratch, lft_conn_write, ex);
            out.limit = count.total;
            err = body(body_ctx, &out);
            w = lft_sink_flush(&out);
            if (err == LFT_OK && w == 0 && out.total != count.total) {
                w = LFT_ERR_ARG; /* the two passes disagree: never send a wrong length */
            }
        }
        if (err != LFT_OK) {
            lft_conn_close(ex);
            return err;
        }
        if (w == 0) {
            *sent = LFT_SENT_BODY;
            LFT_STAT(ex, requests, 1u);
            LFT_STAT(ex, sent, n);
            (void)lft_http_resp_init(&ex->resp, ex->reply, sizeof ex->reply);
            ex->inflight_any = 0;
            ex->inflight_reused = (uint8_t)reused;
            ex->reply_deadline_us = lft_now_us() + (uint64_t)ex->cfg.io_timeout_ms * 1000u;
            /* lft_poll: take the reply if it is already there, else leave it for later */
            w = lft_reply_step(ex, ex->async ? 0u : ex->cfg.io_timeout_ms);
            if (w == LFT_ERR_WOULD_BLOCK && ex->async) {
                ex->inflight = LFT_INFLIGHT_WAITING;
                ex->inflight_count = n;
                return LFT_ERR_WOULD_BLOCK;
            }
            if (w == 0) {
                *sent = LFT_SENT_REPLY;
                return LFT_OK;
            }
        }
        lft_conn_close(ex);
        /* A reused keep-alive connection the server had closed: nothing at
         * all came back. Go once more on a new connection; if the body had
         * gone out, the server may have it (counted as maybe duplicated). */
        if (!reused || ex->inflight_any || (*sent == LFT_SENT_BODY && w != LFT_ERR_CLOSED)) {
            return (lft_err_t)w;
        }
        if (*sent == LFT_SENT_BODY) {
            ex->resent = 1;
        }
        *sent = LFT_SENT_NOTHING;
    }
    return LFT_ERR_CLOSED;
}

/* ------------------------------------------------------------- bodies */

/* The OTLP request in ex->body.otlp (ctx: the exporter). */
static lft_err_t lft_otlp_body(void *ctx, lft_sink_t *sink)
{
    lft_exporter_t *ex = ctx;
#if LFT_EXPORT_OTLP_JSON
    if (LFT_IS_JSON(ex)) {
        return lft_otlp_encode_json(&ex->body.otlp.batch, &ex->enc.otlp, sink);
    }
#endif
    return lft_otlp_encode_proto(&ex->body.otlp.batch, &ex->enc.otlp, sink);
}

/* The empty export that asks the server for its Date. */
static lft_err_t lft_probe_body(void *ctx, lft_sink_t *sink)
{
    if (*(const int *)ctx) {
        lft_sink_put(sink, "{}", 2u);
    }
    return LFT_OK;
}

typedef struct {
    lft_client_t *client;
    lft_reader_t *reader;
    const uint32_t *pos;
    size_t count;
} lft_scores_body_t;

static lft_err_t lft_scores_batch_body(void *ctx, lft_sink_t *sink)
{
    lft_scores_body_t *b = ctx;
    return lft_scores_encode_batch(b->client, b->reader, b->pos, b->count, sink);
}

#if LFT_EXPORT_SCORES_API
static lft_err_t lft_scores_one_body(void *ctx, lft_sink_t *sink)
{
    lft_scores_body_t *b = ctx;
    lft_record_t rec;
    lft_err_t err = lft_reader_at(b->reader, b->pos[0], &rec);
    return err != LFT_OK ? err : lft_scores_encode_one(b->client, &rec, sink);
}
#endif

/* ------------------------------------------------------------- records */

static void lft_release_pos(lft_reader_t *reader, uint32_t pos)
{
    lft_record_t rec;
    if (lft_reader_at(reader, pos, &rec) == LFT_OK) {
        (void)lft_reader_release(reader, &rec);
    }
}

/* Release every record of the first n items of batch. */
static void lft_release_items(const lft_otlp_batch_t *batch, size_t n)
{
    uint32_t pos[64];
    for (size_t i = 0; i < n; i++) {
        size_t k = lft_otlp_item_records(batch, i, pos, sizeof pos / sizeof pos[0]);
        if (k > sizeof pos / sizeof pos[0]) {
            k = sizeof pos / sizeof pos[0]; /* cannot happen: START + 32 updates + END */
        }
        for (size_t j = 0; j < k; j++) {
            lft_release_pos(batch->reader, pos[j]);
        }
    }
}

static int lft_is_ready(const lft_record_t *rec)
{
    return rec->type == LFT_REC_END || rec->type == LFT_REC_EVENT || rec->type == LFT_REC_SCORE ||
           (rec->type == LFT_REC_START && (rec->flags & LFT_RECF_END_LOST));
}

static void lft_diag_fill(const lft_client_t *c, lft_otlp_diag_t *d)
{
    uint32_t st = lft_port_lock();
    const lft_stats_t *s = &c->stats;
    memset(d, 0, sizeof *d);
    d->dropped_ring_full = s->dropped_ring_full;
    d->dropped_too_large = s->dropped_too_large;
    d->dropped_invalid = s->dropped_invalid;
    d->dropped_sampled = s->dropped_sampled;
    d->dropped_overwritten = s->dropped_overwritten;
    d->dropped_rejected = s->dropped_rejected + s->dropped_oversize;
    d->dropped_retries_exhausted = s->dropped_retries;
    d->partial_rejected = s->partial_rejected;
    d->truncated = s->truncated;
    d->retries = s->retries;
    lft_port_unlock(st);
}

/* Loss counters (not retries or truncations) differ from what was sent. */
static int lft_diag_changed(const lft_otlp_diag_t *a, const lft_otlp_diag_t *b)
{
    return a->dropped_ring_full != b->dropped_ring_full || a->dropped_too_large != b->dropped_too_large ||
           a->dropped_invalid != b->dropped_invalid || a->dropped_overwritten != b->dropped_overwritten ||
           a->dropped_rejected != b->dropped_rejected ||
           a->dropped_retries_exhausted != b->dropped_retries_exhausted ||
           a->partial_rejected != b->partial_rejected;
}

/* ------------------------------------------------------------- outcomes */

typedef enum {
    LFT_OUT_DONE = 0,    /* acknowledged */
    LFT_OUT_SPLIT = 1,   /* 413 or OTLP 400 with more than one item: halve the batch, go again */
    LFT_OUT_DROP = 2,    /* refused for good (dropped_rejected) */
    LFT_OUT_GIVE_UP = 3, /* max_attempts failures in a row (dropped_retries) */
    LFT_OUT_RETRY = 4    /* retry later (backoff armed) */
} lft_outcome_t;

/* Learn the wall clock from the reply's Date when the client has none. */
static void lft_learn_date(lft_exporter_t *ex)
{
    uint64_t unix_us;
    if (ex->resp.has_date && lft_time_to_unix_us(ex->client, lft_offset_now(ex->client), &unix_us) != LFT_OK) {
        (void)lft_time_set_unix_s(ex->client, ex->resp.date_s);
        lft_log(ex, 2, "wall clock set from the server's Date header (%s%ld)", "", (long)ex->resp.date_s);
    }
}

/* Classify a transport result and a reply status; arms the backoff. */
static lft_outcome_t lft_classify(lft_exporter_t *ex, lft_err_t err, lft_sent_t sent, size_t n,
                                  int bisect_400, const char *what)
{
    if (ex->resent) {
        /* lft_request sent the body again after a reply that never came. */
        LFT_STAT(ex, maybe_duplicated, n);
        ex->resent = 0;
    }
    if (err != LFT_OK) {
        lft_stat_error(ex, err, 0);
        if (sent == LFT_SENT_BODY) {
            LFT_STAT(ex, maybe_duplicated, n);
        }
        LFT_STAT(ex, retries, 1u);
        lft_log(ex, 1, "%s: transport error %ld, retrying later", what, (long)err);
        lft_backoff(ex, 0);
        return LFT_OUT_RETRY;
    }
    lft_learn_date(ex);
    const uint16_t status = ex->resp.status;
    if (status >= 200u && status < 300u) {
        lft_stat_error(ex, LFT_OK, status);
        ex->attempts = 0;
        ex->next_try_us = 0;
        return LFT_OUT_DONE;
    }
    lft_log(ex, status >= 500u ? 1 : 0, "%s: HTTP %ld", what, (long)status);
    if (status == 413u || (status == 400u && bisect_400)) {
        lft_stat_error(ex, LFT_ERR_REJECTED, status);
        return n > 1u ? LFT_OUT_SPLIT : LFT_OUT_DROP;
    }
    if (status == 408u || status == 429u || status >= 500u) {
        uint64_t delay_s = 0;
        uint64_t now_us = 0;
        (void)lft_time_to_unix_us(ex->client, lft_offset_now(ex->client), &now_us);
        int has_delay = lft_http_resp_retry_after(&ex->resp, now_us / 1000000u, &delay_s);
        lft_stat_error(ex, LFT_ERR_NET, status);
        LFT_STAT(ex, retries, 1u);
        if (ex->cfg.max_attempts != 0u && ex->attempts + 1u >= ex->cfg.max_attempts) {
            ex->attempts = 0;
            return LFT_OUT_GIVE_UP;
        }
        lft_backoff(ex, has_delay ? delay_s * 1000u : 0u);
        return LFT_OUT_RETRY;
    }
    lft_stat_error(ex, LFT_ERR_REJECTED, status);
    return LFT_OUT_DROP;
}

/* Release everything a batch consists of (ctx: what the sender passes). */
typedef void (*lft_release_fn)(void *ctx, size_t n);

/*
 * The outcomes of a batch of n items (dropping it loses `lost` observations
 * or events; what names the batch in the log)
 * other than LFT_OUT_DONE: halve the batch (413, or an OTLP 400: bisection),
 * drop it for good (other 4xx; max_attempts reached), or keep it for the
 * retry lft_classify armed. Returns the sender's result.
 */
static lft_err_t lft_batch_not_done(lft_exporter_t *ex, const char *what, lft_outcome_t out, lft_err_t err,
                                    size_t n, size_t lost, lft_release_fn release, void *ctx, int *progress)
{
    switch (out) {
    case LFT_OUT_SPLIT:
        ex->batch_limit = (uint32_t)(n / 2u);
        *progress = 1;
        return LFT_OK;
    case LFT_OUT_DROP:
    case LFT_OUT_GIVE_UP:
        release(ctx, n);
        if (out == LFT_OUT_DROP) {
            LFT_STAT(ex, dropped_rejected, lost);
        } else {
            LFT_STAT(ex, dropped_retries, lost);
        }
        lft_log(ex, 0, "%s failed for good, dropped: %ld", what, (long)lost);
        *progress = 1;
        return LFT_ERR_REJECTED;
    case LFT_OUT_RETRY:
    case LFT_OUT_DONE:
    default:
        return err != LFT_OK ? err : LFT_ERR_NET;
    }
}

static void lft_release_otlp(void *ctx, size_t n)
{
    lft_release_items(ctx, n);
}

/* ------------------------------------------------------------- OTLP */

/* Send the first n of the collected items (n may be 0: counters only). */
static lft_err_t lft_send_otlp(lft_exporter_t *ex, lft_reader_t *reader, size_t n, int *progress)
{
    lft_otlp_batch_t *batch = &ex->body.otlp.batch;
    const int json = LFT_IS_JSON(ex);
    batch->client = ex->client;
    batch->reader = reader;
    batch->items = ex->items.otlp;
    batch->count = n;
    batch->diag = &ex->body.otlp.diag;
    const int resuming = ex->inflight == LFT_INFLIGHT_DONE;
    if (resuming) {
        batch->count = ex->inflight_items; /* the request that went out, as it was */
    } else {
        lft_diag_fill(ex->client, &ex->body.otlp.diag);
    }

    /* Fit max_request_bytes: halve until the body fits. */
    while (!resuming) {
        lft_sink_t count;
        lft_sink_init_count(&count);
        lft_err_t e = lft_otlp_body(ex, &count);
        if (e != LFT_OK) {
            return e;
        }
        if (count.total <= ex->cfg.max_request_bytes) {
            break;
        }
        if (batch->count <= 1u) {
            if (batch->count == 1u) {
                lft_release_items(batch, 1u);
                LFT_STAT(ex, dropped_oversize, 1u);
                lft_log(ex, 0, "observation larger than max_request_bytes dropped%s (%ld)", "",
                        (long)count.total);
                *progress = 1;
            }
            return LFT_OK;
        }
        batch->count /= 2u;
    }
    n = batch->count;
    size_t spans = 0;
    for (size_t i = 0; i < n; i++) {
        spans += (size_t)lft_otlp_item_exportable(&ex->items.otlp[i]);
    }
    if (spans == 0u && n > 0u) {
        /* only ends whose start LFT_DROP_OLDEST freed (counted there): nothing to send */
        lft_release_items(batch, n);
        *progress = 1;
        return LFT_OK;
    }
    lft_sent_t sent;
    ex->inflight_items = (uint32_t)n;
    lft_err_t err = lft_request(ex, ex->path_otlp, json ? "application/json" : "application/x-protobuf",
                                lft_otlp_body, ex, (uint32_t)spans, &sent);
    if (err == LFT_ERR_WOULD_BLOCK) {
        return err; /* the reply comes later (lft_poll) */
    }
    const lft_outcome_t out = lft_classify(ex, err, sent, spans, 1, "OTLP export");
    switch (out) {
    case LFT_OUT_DONE: {
        lft_reply_otlp_t po;
        char msg[96];
        uint64_t rejected = 0;
        if (!ex->resp.body_truncated &&
            lft_reply_parse_otlp(ex->resp.content_type, ex->reply, ex->resp.body_stored, ex->tokens,
                                 sizeof ex->tokens / sizeof ex->tokens[0], msg, sizeof msg, &po) == LFT_OK) {
            rejected = po.rejected;
        }
        if (rejected > 0u) {
            LFT_STAT(ex, partial_rejected, rejected > n ? n : rejected);
            lft_log(ex, 1, "OTLP partial success: %s (%ld rejected)", msg, (long)rejected);
        }
        lft_release_items(batch, n);
        LFT_STAT(ex, acknowledged, spans);
        ex->diag_sent = ex->body.otlp.diag;
        if (ex->batch_limit < ex->cfg.batch_max) {
            ex->batch_limit = ex->batch_limit * 2u > ex->cfg.batch_max ? ex->cfg.batch_max : ex->batch_limit * 2u;
        }
        *progress = 1;
        return LFT_OK;
    }
    default:
        return lft_batch_not_done(ex, "OTLP export", out, err, n, spans, lft_release_otlp, batch, progress);
    }
}

/* ------------------------------------------------------------- scores */

/* Most events in one batch request: as many as a 207 reply can describe
 * within the reply buffer and the token array (LFT_REPLY_TOKENS_207, 64 B of
 * reply per event), so a verdict is never lost to our own bounds. */
static size_t lft_events_cap(const lft_exporter_t *ex)
{
    size_t by_tokens = (LFT_EXPORT_TOKENS - 64u) / 16u;
    size_t by_reply = LFT_EXPORT_REPLY_MAX / 64u;
    size_t cap = by_tokens < by_reply ? by_tokens : by_reply;
    cap = cap < ex->batch_limit ? cap : ex->batch_limit;
    return cap > 0u ? cap : 1u;
}

/* Log the server's message for an event it refused for good. */
static void lft_log_refused(const lft_exporter_t *ex, const char *message, size_t message_len, int status)
{
    char text[120] = "";
    if (message != NULL) {
        (void)lft_reply_unescape(text, sizeof text, message, message_len, 1, NULL);
    }
    lft_log(ex, 0, "event refused by the server: %s (status %ld)", text, (long)status);
}

/* The events of one batch request, for matching a 207's per-event verdicts:
 * id_of writes event i's envelope id (NUL-terminated, at most
 * LFT_EXPORT_EVENT_ID_MAX bytes); settle releases event i's records and
 * returns 1 when the event completes its observation (counted in
 * acknowledged or dropped_rejected), 0 for the create of one still open
 * (its end counts it). */
#define LFT_EXPORT_EVENT_ID_MAX 24u
typedef struct {
    lft_exporter_t *ex;
    size_t count;
    lft_err_t (*id_of)(void *ctx, size_t i, char out[LFT_EXPORT_EVENT_ID_MAX + 1u]);
    int (*settle)(void *ctx, size_t i);
    void *ctx;
} lft_events_t;

static void lft_on_event(void *ctx, const char *id, size_t id_len, int status, const char *message,
                         size_t message_len)
{
    lft_events_t *ev = ctx;
    lft_exporter_t *ex = ev->ex;
    char want[LFT_EXPORT_EVENT_ID_MAX + 1u];
    for (size_t i = 0; i < ev->count; i++) {
        if (ex->item_state[i] != LFT_ITEM_PENDING || ev->id_of(ev->ctx, i, want) != LFT_OK ||
            strlen(want) != id_len || memcmp(want, id, id_len) != 0) {
            continue;
        }
        if (status >= 200 && status < 300) {
            ex->item_state[i] = LFT_ITEM_DONE;
        } else if (status >= 500 || status == 429 || status == 408) {
            ex->item_state[i] = LFT_ITEM_RETRY;
        } else {
            lft_log_refused(ex, message, message_len, status);
            ex->item_state[i] = LFT_ITEM_DROP;
        }
        return;
    }
}

/*
 * Apply the reply to a batch of events that the server accepted (2xx): a
 * 207's per-event verdicts, or a plain 2xx for all. Accepted and refused
 * events are settled; the rest (per-event 5xx, no verdict, an unreadable
 * 207: then the server may hold them, counted as maybe duplicated) stay and
 * go again after a backoff. Returns LFT_OK, LFT_ERR_REJECTED (some refused)
 * or LFT_ERR_NET (some to retry).
 */
static lft_err_t lft_settle_events(lft_exporter_t *ex, lft_events_t *ev, int *progress)
{
    const size_t n = ev->count;
    lft_err_t pe = LFT_OK;
    if (ex->resp.status == 207u) {
        lft_reply_207_t counts;
        pe = ex->resp.body_truncated ? LFT_REPLY_ERR_TRUNCATED
                                     : lft_reply_parse_207(ex->reply, ex->resp.body_stored, ex->tokens,
                                                           sizeof ex->tokens / sizeof ex->tokens[0],
                                                           lft_on_event, ev, &counts);
    } else {
        memset(ex->item_state, LFT_ITEM_DONE, n); /* a plain 2xx acknowledges the whole batch */
    }
    uint32_t done = 0, drops = 0, refused = 0, again = 0;
    for (size_t i = 0; i < n; i++) {
        if (ex->item_state[i] == LFT_ITEM_DONE || ex->item_state[i] == LFT_ITEM_DROP) {
            const uint32_t completes = (uint32_t)ev->settle(ev->ctx, i);
            done += ex->item_state[i] == LFT_ITEM_DONE ? completes : 0u;
            drops += ex->item_state[i] == LFT_ITEM_DROP ? completes : 0u;
            refused += ex->item_state[i] == LFT_ITEM_DROP;
        } else {
            again++;
        }
    }
    if (pe != LFT_OK) {
        lft_log(ex, 1, "unreadable 207 reply (%s): %ld events sent again, the batch halved",
                lft_reply_result_str(pe), (long)again);
        LFT_STAT(ex, maybe_duplicated, again);
        ex->batch_limit = n > 1u ? (uint32_t)(n / 2u) : 1u;
    }
    LFT_STAT(ex, acknowledged, done);
    LFT_STAT(ex, dropped_rejected, drops);
    *progress = 1;
    if (again > 0u) {
        LFT_STAT(ex, retries, 1u);
        lft_backoff(ex, 0);
        return LFT_ERR_NET;
    }
    if (ex->batch_limit < ex->cfg.batch_max) {
        ex->batch_limit = ex->batch_limit * 2u > ex->cfg.batch_max ? ex->cfg.batch_max : ex->batch_limit * 2u;
    }
    return refused > 0u ? LFT_ERR_REJECTED : LFT_OK;
}

typedef struct {
    lft_exporter_t *ex;
    lft_reader_t *reader;
} lft_score_events_t;

static lft_err_t lft_score_id_of(void *ctx, size_t i, char out[LFT_EXPORT_EVENT_ID_MAX + 1u])
{
    lft_score_events_t *c = ctx;
    lft_record_t rec;
    lft_err_t err = lft_reader_at(c->reader, c->ex->score_pos[i], &rec);
    return err != LFT_OK ? err : lft_scores_envelope_id(c->ex->client, &rec, out);
}

static int lft_score_settle(void *ctx, size_t i)
{
    lft_score_events_t *c = ctx;
    lft_release_pos(c->reader, c->ex->score_pos[i]);
    return 1;
}

static void lft_release_scores(void *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        (void)lft_score_settle(ctx, i);
    }
}

static size_t lft_collect_scores(lft_exporter_t *ex, lft_reader_t *reader, size_t cap)
{
    lft_reader_t it;
    lft_record_t rec;
    size_t n = 0;
    lft_reader_rewind(reader, &it);
    while (n < cap && lft_reader_next(&it, &rec) == 1) {
        if (rec.type == LFT_REC_SCORE) {
            ex->score_pos[n] = rec.pos;
            ex->item_state[n] = LFT_ITEM_PENDING;
            n++;
        }
    }
    return n;
}

static lft_err_t lft_send_scores(lft_exporter_t *ex, lft_reader_t *reader, int *progress)
{
    size_t cap = LFT_IS_SCORES_API(ex) ? 1u : lft_events_cap(ex);
    if (ex->inflight == LFT_INFLIGHT_DONE) {
        cap = ex->inflight_items; /* the request that went out, as it was */
    }
    size_t n = lft_collect_scores(ex, reader, cap);
    if (n == 0) {
        return LFT_OK;
    }
    ex->inflight_items = (uint32_t)n;
    lft_scores_body_t body = { ex->client, reader, ex->score_pos, n };
    lft_sent_t sent;
    lft_err_t err;
#if LFT_EXPORT_SCORES_API
    if (LFT_IS_SCORES_API(ex)) {
        err = lft_request(ex, ex->path_scores, "application/json", lft_scores_one_body, &body, (uint32_t)n,
                          &sent);
    } else
#endif
    {
        err = lft_request(ex, ex->path_ingest, "application/json", lft_scores_batch_body, &body, (uint32_t)n,
                          &sent);
    }
    if (err == LFT_ERR_WOULD_BLOCK) {
        return err; /* the reply comes later (lft_poll) */
    }
    lft_outcome_t out = lft_classify(ex, err, sent, n, 1, "score export");
    lft_score_events_t sc = { ex, reader };
    if (out == LFT_OUT_DONE && !LFT_IS_SCORES_API(ex)) {
        lft_events_t ev = { ex, n, lft_score_id_of, lft_score_settle, &sc };
        return lft_settle_events(ex, &ev, progress);
    }
    switch (out) {
    case LFT_OUT_DONE:
        lft_release_pos(reader, ex->score_pos[0]);
        LFT_STAT(ex, acknowledged, 1u);
        *progress = 1;
        return LFT_OK;
    default:
        return lft_batch_not_done(ex, "score export", out, err, n, n, lft_release_scores, &sc, progress);
    }
}

#if LFT_EXPORT_INGESTION
/* ------------------------------------------------------------- ingestion */

/* The ingestion request in ex->body.ingest (ctx: the exporter). */
static lft_err_t lft_ingest_body(void *ctx, lft_sink_t *sink)
{
    lft_exporter_t *ex = ctx;
    return lft_ingest_encode(&ex->body.ingest.batch, ex->body.ingest.count, &ex->enc.ingest, sink);
}

/* Does the event of item complete its observation? All do but the create
 * of one still open, which is marked sent and counted by its end. */
static int lft_ingest_completes(const lft_ingest_item_t *item)
{
    return item->action != LFT_INGEST_CREATE_OPEN;
}

/* Release (and, for creates of open observations, mark sent) item i;
 * lft_ingest_completes(item i) (lft_events_t.settle). */
static int lft_ingest_settle(void *ctx, size_t i)
{
    const lft_ingest_batch_t *batch = ctx;
    uint32_t pos[64];
    uint32_t mark = 0;
    const int has_mark = !lft_ingest_completes(&batch->items[i]);
    size_t k = lft_ingest_item_records(batch, i, pos, sizeof pos / sizeof pos[0], &mark);
    if (k > sizeof pos / sizeof pos[0]) {
        k = sizeof pos / sizeof pos[0]; /* cannot happen: START + 32 updates + END */
    }
    for (size_t j = 0; j < k; j++) {
        lft_release_pos(batch->reader, pos[j]);
    }
    lft_record_t rec;
    if (has_mark && lft_reader_at(batch->reader, mark, &rec) == LFT_OK) {
        (void)lft_reader_mark_sent(batch->reader, &rec);
    }
    return !has_mark;
}

static void lft_release_ingest(void *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        (void)lft_ingest_settle(ctx, i);
    }
}

/* How many of the first n items complete their observation: what dropping
 * them loses. */
static size_t lft_ingest_completing(const lft_ingest_batch_t *batch, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += (size_t)lft_ingest_completes(&batch->items[i]);
    }
    return k;
}

static lft_err_t lft_ingest_id_of(void *ctx, size_t i, char out[LFT_EXPORT_EVENT_ID_MAX + 1u])
{
    return lft_ingest_envelope_id(ctx, i, out);
}

static lft_err_t lft_send_ingest(lft_exporter_t *ex, lft_reader_t *reader, size_t cap, int *progress)
{
    lft_ingest_batch_t *batch = &ex->body.ingest.batch;
    size_t n = lft_ingest_collect(ex->client, reader, ex->items.ingest, cap, batch);
    if (n == 0) {
        return LFT_OK;
    }
    ex->body.ingest.count = n;
    const int resuming = ex->inflight == LFT_INFLIGHT_DONE;
    if (resuming) {
        ex->body.ingest.count = ex->inflight_items; /* the request that went out, as it was */
    }
    while (!resuming) { /* fit max_request_bytes */
        lft_sink_t count;
        lft_sink_init_count(&count);
        lft_err_t e = lft_ingest_body(ex, &count);
        if (e != LFT_OK) {
            return e;
        }
        if (count.total <= ex->cfg.max_request_bytes) {
            break;
        }
        if (ex->body.ingest.count == 1u) {
            if (lft_ingest_settle(batch, 0)) { /* not an open create (its end counts it) */
                LFT_STAT(ex, dropped_oversize, 1u);
            }
            lft_log(ex, 0, "event larger than max_request_bytes dropped%s (%ld)", "", (long)count.total);
            *progress = 1;
            return LFT_OK;
        }
        ex->body.ingest.count /= 2u;
    }
    n = ex->body.ingest.count;
    ex->inflight_items = (uint32_t)n;
    memset(ex->item_state, LFT_ITEM_PENDING, n);
    lft_sent_t sent;
    lft_err_t err = lft_request(ex, ex->path_ingest, "application/json", lft_ingest_body, ex, (uint32_t)n, &sent);
    if (err == LFT_ERR_WOULD_BLOCK) {
        return err; /* the reply comes later (lft_poll) */
    }
    const lft_outcome_t out = lft_classify(ex, err, sent, n, 1, "ingestion");
    switch (out) {
    case LFT_OUT_DONE: {
        lft_events_t ev = { ex, n, lft_ingest_id_of, lft_ingest_settle, batch };
        return lft_settle_events(ex, &ev, progress);
    }
    default:
        return lft_batch_not_done(ex, "ingestion", out, err, n, lft_ingest_completing(batch, n),
                                  lft_release_ingest, batch, progress);
    }
}
#endif /* LFT_EXPORT_INGESTION */

/* ------------------------------------------------------------- cycle */

/* Ready records in the snapshot, and how many of them are before mark. */
static uint32_t lft_count_ready(lft_reader_t *reader, int use_mark, uint32_t mark, uint32_t *before)
{
    lft_reader_t it;
    lft_record_t rec;
    uint32_t n = 0;
    *before = 0;
    lft_reader_rewind(reader, &it);
    while (lft_reader_next(&it, &rec) == 1) {
        if (lft_is_ready(&rec)) {
            n++;
            if (use_mark && (int32_t)(rec.pos - mark) < 0) {
                (*before)++;
            }
        }
    }
    return n;
}

/*
 * One delivery cycle. *before_mark receives the ready records before mark
 * still pending afterwards (when use_mark). Returns LFT_OK, LFT_ERR_BUSY, or
 * the first delivery error. In lft_poll's cycle a request leaves the cycle
 * suspended (its reader open) until its reply has been read; the cycle is
 * then run again and resumes at the step that sent it (inflight_stage).
 */
static lft_err_t lft_cycle(lft_exporter_t *ex, int use_mark, uint32_t mark, uint32_t *before_mark)
{
    uint64_t probe_us;
    lft_err_t err = LFT_OK;
    unsigned stage = ex->inflight == LFT_INFLIGHT_DONE ? ex->inflight_stage : 0u;
    *before_mark = 0;
    if (stage == LFT_STAGE_PROBE && lft_time_to_unix_us(ex->client, 0, &probe_us) == LFT_OK) {
        ex->inflight = LFT_INFLIGHT_NONE; /* the clock was set meanwhile: that reply is moot */
        stage = 0;
    }
    if (stage <= LFT_STAGE_PROBE && lft_time_to_unix_us(ex->client, 0, &probe_us) != LFT_OK) {
        int json = LFT_IS_JSON(ex);
        lft_sent_t sent;
        err = lft_request(ex, ex->path_otlp, json ? "application/json" : "application/x-protobuf",
                          lft_probe_body, &json, 0u, &sent);
        if (err == LFT_ERR_WOULD_BLOCK) {
            ex->inflight_stage = LFT_STAGE_PROBE;
            *before_mark = 1;
            return LFT_OK;
        }
        if (err == LFT_OK) {
            lft_learn_date(ex);
        }
        if (lft_time_to_unix_us(ex->client, 0, &probe_us) != LFT_OK) {
            lft_stat_error(ex, err != LFT_OK ? err : LFT_ERR_NO_WALL_CLOCK, err == LFT_OK ? ex->resp.status : 0);
            LFT_STAT(ex, retries, 1u);
            lft_backoff(ex, 0);
            *before_mark = 1;
            return err != LFT_OK ? err : LFT_ERR_NO_WALL_CLOCK;
        }
        err = LFT_OK;
    }
    if (!ex->reader_open) {
        lft_counts_t n = { 0, 0, 0, 0, 0 };
        (void)lft_counts_get(ex->client, &n);
        err = lft_reader_begin(ex->client, &ex->reader);
        if (err != LFT_OK) {
            return err;
        }
        ex->reader_open = 1;
        ex->reader_completed = n.completed;
    }
    lft_reader_t *reader = &ex->reader;
    int progress = 0;
    if (stage <= LFT_STAGE_EVENTS) {
        size_t cap = ex->batch_limit < LFT_EXPORT_BATCH_MAX ? ex->batch_limit : LFT_EXPORT_BATCH_MAX;
        lft_otlp_batch_t batch;
        size_t n = 0;
        if (!LFT_IS_INGESTION(ex)) {
            n = lft_otlp_collect(ex->client, reader, ex->items.otlp, cap, &batch);
        }
        lft_otlp_diag_t now;
        lft_diag_fill(ex->client, &now);
        if (LFT_IS_INGESTION(ex)) {
#if LFT_EXPORT_INGESTION
            err = lft_send_ingest(ex, reader, lft_events_cap(ex), &progress);
#endif
            ex->diag_sent = now; /* the batch API has no place for them: counted locally only */
        } else if (n > 0 || lft_diag_changed(&now, &ex->diag_sent) || stage == LFT_STAGE_EVENTS) {
            err = lft_send_otlp(ex, reader, n, &progress);
        }
        if (err == LFT_ERR_WOULD_BLOCK) {
            ex->inflight_stage = LFT_STAGE_EVENTS;
            *before_mark = 1;
            return LFT_OK;
        }
    }
    if ((err == LFT_OK || err == LFT_ERR_REJECTED) && !LFT_IS_INGESTION(ex)) {
        lft_err_t e2 = lft_send_scores(ex, reader, &progress);
        if (e2 == LFT_ERR_WOULD_BLOCK) {
            ex->inflight_stage = LFT_STAGE_SCORES;
            *before_mark = 1;
            return err;
        }
        if (err == LFT_OK) {
            err = e2;
        }
    }
    uint32_t before = 0;
    ex->ready_left = lft_count_ready(reader, use_mark, mark, &before);
    ex->completed_seen = ex->reader_completed;
    (void)lft_reader_end(reader);
    ex->reader_open = 0;
    ex->inflight = LFT_INFLIGHT_NONE;
    *before_mark = before;
    if (ex->ready_left == 0) {
        ex->ready_since_us = 0;
    }
    (void)progress;
    return err;
}

/* ------------------------------------------------------------- public */

static int lft_key_ok(const char *k)
{
    if (k == NULL || k[0] == '\0' || strlen(k) > LFT_EXPORT_KEY_MAX) {
        return 0;
    }
    for (const char *p = k; *p != '\0'; p++) {
        if (*p <= ' ' || *p > '~' || *p == ':') {
            return 0;
        }
    }
    return 1;
}

/* out = base + path; 0 when that does not fit in cap bytes with its NUL. */
static int lft_path_join(char *out, size_t cap, const char *base, const char *path)
{
    size_t bn = base != NULL ? strlen(base) : 0u, pn = strlen(path);
    if (bn + pn >= cap) {
        return 0;
    }
    if (bn > 0u) {
        memcpy(out, base, bn);
    }
    memcpy(out + bn, path, pn + 1u);
    return 1;
}

lft_err_t lft_export_init(lft_exporter_t *ex, lft_client_t *client, const lft_export_config_t *cfg)
{
    if (ex == NULL || client == NULL || cfg == NULL) {
        return LFT_ERR_ARG;
    }
    lft_counts_t s;
    if (!lft_counts_get(client, &s)) {
        return LFT_ERR_HANDLE;
    }
    if (cfg->host == NULL || cfg->host[0] == '\0' || !lft_key_ok(cfg->public_key) ||
        !lft_key_ok(cfg->secret_key) || cfg->net.ops == NULL || cfg->high_water_pct > 100u ||
        (cfg->max_request_bytes != 0u && cfg->max_request_bytes < 1024u) ||
        (cfg->ca == NULL && !cfg->allow_plain_http) || (unsigned)cfg->format > 2u ||
        (unsigned)cfg->scores > 1u || (!LFT_EXPORT_OTLP_JSON && cfg->format == LFT_FORMAT_OTLP_JSON) ||
        (!LFT_EXPORT_INGESTION && cfg->format == LFT_FORMAT_INGESTION) ||
        (!LFT_EXPORT_SCORES_API && cfg->scores == LFT_SCORES_API)) {
        return LFT_ERR_CONFIG;
    }
    memset(ex, 0, sizeof *ex);
    ex->client = client;
    ex->cfg = *cfg;
    lft_export_config_t *c = &ex->cfg;
    if (c->max_request_bytes == 0u) {
        c->max_request_bytes = LFT_EXPORT_DEFAULT_MAX_REQUEST;
    }
    if (c->batch_max == 0u || c->batch_max > LFT_EXPORT_BATCH_MAX) {
        c->batch_max = LFT_EXPORT_BATCH_MAX;
    }
    if (c->connect_timeout_ms == 0u) {
        c->connect_timeout_ms = LFT_EXPORT_DEFAULT_CONNECT_MS;
    }
    if (c->io_timeout_ms == 0u) {
        c->io_timeout_ms = LFT_EXPORT_DEFAULT_IO_MS;
    }
    if (c->retry_base_ms == 0u) {
        c->retry_base_ms = LFT_EXPORT_DEFAULT_RETRY_BASE_MS;
    }
    if (c->retry_cap_ms == 0u) {
        c->retry_cap_ms = LFT_EXPORT_DEFAULT_RETRY_CAP_MS;
    }
    if (c->retry_cap_ms < c->retry_base_ms) {
        c->retry_cap_ms = c->retry_base_ms;
    }
    if (c->retry_after_max_ms == 0u) {
        c->retry_after_max_ms = LFT_EXPORT_DEFAULT_RETRY_AFTER_MAX_MS;
    }
    if (c->high_water_pct == 0u) {
        c->high_water_pct = LFT_EXPORT_DEFAULT_HIGH_WATER;
    }
    ex->use_tls = c->ca != NULL;
    if (c->port == 0u) {
        c->port = ex->use_tls ? 443u : 80u;
    }
    if (!lft_path_join(ex->path_otlp, sizeof ex->path_otlp, c->base_path, "/api/public/otel/v1/traces") ||
        !lft_path_join(ex->path_ingest, sizeof ex->path_ingest, c->base_path, "/api/public/ingestion")
#if LFT_EXPORT_SCORES_API
        || !lft_path_join(ex->path_scores, sizeof ex->path_scores, c->base_path, "/api/public/scores")
#endif
    ) {
        return LFT_ERR_CONFIG;
    }
    /* Authorization: Basic base64(public:secret). */
    char plain[2u * LFT_EXPORT_KEY_MAX + 2u];
    const size_t pk = strlen(c->public_key), sk = strlen(c->secret_key); /* each <= KEY_MAX */
    memcpy(plain, c->public_key, pk);
    plain[pk] = ':';
    memcpy(plain + pk + 1u, c->secret_key, sk);
    size_t olen = 0;
    if (mbedtls_base64_encode((unsigned char *)ex->auth, sizeof ex->auth, &olen,
                              (const unsigned char *)plain, pk + 1u + sk) != 0) {
        return LFT_ERR_CONFIG;
    }
    memset(plain, 0, sizeof plain);
    uint64_t seed = 0;
    if (lft_port_entropy(&seed, sizeof seed) != 0) {
        return LFT_ERR_ENTROPY;
    }
    ex->rng = seed | 1u;
    if (ex->use_tls) {
        lft_tls_config_t tc;
        memset(&tc, 0, sizeof tc);
        tc.ca = c->ca;
        tc.ca_len = c->ca_len;
        tc.server_name = c->host;
        tc.handshake_timeout_ms = c->connect_timeout_ms;
        tc.read_timeout_ms = c->io_timeout_ms;
        tc.arena = c->tls_arena;
        lft_err_t err = lft_tls_init(&ex->tls, &tc, c->net);
        if (err != LFT_OK) {
            return err;
        }
        ex->top.ops = &lft_tls_ops;
        ex->top.ctx = &ex->tls;
    } else {
        ex->top = c->net;
    }
    ex->batch_limit = c->batch_max;
    ex->completed_seen = s.completed;
    ex->ready_left = s.pending_records > 0u ? 1u : 0u; /* re-counted by the first cycle */
    ex->ready_since_us = ex->ready_left ? lft_now_us() : 0u;
    ex->initialised = 1;
    return LFT_OK;
}

/* Is a flush due now (flush policy)? */
static int lft_due(lft_exporter_t *ex, uint64_t now)
{
    lft_counts_t s;
    if (!lft_counts_get(ex->client, &s)) {
        return 0;
    }
    uint32_t ready = ex->ready_left + (s.completed - ex->completed_seen);
    if (ready > 0u && ex->ready_since_us == 0u) {
        ex->ready_since_us = now;
    }
    const lft_config_t *cc = &ex->client->cfg;
    uint32_t flush_at = cc->flush_at != 0u ? cc->flush_at : LFT_DEFAULT_FLUSH_AT;
    uint32_t interval = cc->flush_interval_ms != 0u ? cc->flush_interval_ms : LFT_DEFAULT_FLUSH_INTERVAL_MS;
    if (ready >= flush_at) {
        return 1;
    }
    if (ready > 0u && now - ex->ready_since_us >= (uint64_t)interval * 1000u) {
        return 1;
    }
    if (ready > 0u && (uint64_t)s.pending_bytes * 100u >= (uint64_t)s.ring_size * ex->cfg.high_water_pct) {
        return 1;
    }
    lft_otlp_diag_t d;
    lft_diag_fill(ex->client, &d);
    if (!lft_diag_changed(&d, &ex->diag_sent)) {
        ex->diag_since_us = 0;
        return 0;
    }
    if (ex->diag_since_us == 0u) {
        ex->diag_since_us = now;
    }
    return now - ex->diag_since_us >= (uint64_t)interval * 1000u;
}

lft_err_t lft_poll(lft_exporter_t *ex)
{
    if (ex == NULL) {
        return LFT_ERR_ARG;
    }
    if (!ex->initialised || !lft_client_alive(ex->client)) {
        return LFT_ERR_HANDLE;
    }
    uint64_t now = lft_now_us();
    uint32_t unused;
    if (ex->inflight == LFT_INFLIGHT_WAITING) {
        int r = lft_reply_step(ex, 0u);
        if (r == LFT_ERR_WOULD_BLOCK) {
            if (now < ex->reply_deadline_us) {
                return LFT_OK; /* not there yet: never wait for it */
            }
            r = LFT_ERR_TIMEOUT;
        }
        ex->inflight_result = r;
        ex->inflight = LFT_INFLIGHT_DONE;
    }
    if (ex->inflight != LFT_INFLIGHT_DONE) {
        if (ex->next_try_us != 0u && now < ex->next_try_us) {
            return LFT_OK;
        }
        if (!lft_due(ex, now)) {
            return LFT_OK;
        }
    }
    ex->async = 1;
    lft_err_t err = lft_cycle(ex, 0, 0, &unused);
    ex->async = 0;
    return err == LFT_ERR_BUSY ? LFT_OK : err;
}

lft_err_t lft_flush(lft_exporter_t *ex, uint32_t timeout_ms)
{
    if (ex == NULL) {
        return LFT_ERR_ARG;
    }
    if (!ex->initialised || !lft_client_alive(ex->client)) {
        return LFT_ERR_HANDLE;
    }
    uint32_t st = lft_port_lock();
    const uint32_t mark = ex->client->head_abs;
    lft_port_unlock(st);
    lft_counts_t n0 = { 0, 0, 0, 0, 0 };
    (void)lft_counts_get(ex->client, &n0);
    const uint64_t deadline = lft_now_us() + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        uint64_t now = lft_now_us();
        if (ex->next_try_us != 0u && now < ex->next_try_us) {
            if (ex->next_try_us >= deadline) {
                return LFT_ERR_TIMEOUT;
            }
            uint64_t wait_ms = (ex->next_try_us - now + 999u) / 1000u;
            lft_port_sleep_ms((uint32_t)(wait_ms > 1000u ? 1000u : wait_ms));
            continue;
        }
        uint32_t before = 0;
        if (ex->inflight == LFT_INFLIGHT_WAITING) {
            lft_reply_finish(ex); /* a request lft_poll left out */
        }
        lft_err_t err = lft_cycle(ex, 1, mark, &before);
        if (err == LFT_ERR_BUSY) {
            before = 1;
            lft_port_sleep_ms(1u);
        }
        if (before == 0u) {
            lft_counts_t n = n0;
            (void)lft_counts_get(ex->client, &n);
            return n.dropped != n0.dropped ? LFT_ERR_REJECTED : LFT_OK;
        }
        if (lft_now_us() >= deadline) {
            return LFT_ERR_TIMEOUT;
        }
    }
}

lft_err_t lft_export_shutdown(lft_exporter_t *ex, uint32_t timeout_ms)
{
    lft_err_t err = lft_flush(ex, timeout_ms);
    if (ex != NULL && ex->initialised) {
        if (ex->reader_open) { /* a request still out at the deadline: its records stay */
            (void)lft_reader_end(&ex->reader);
            ex->reader_open = 0;
        }
        ex->inflight = LFT_INFLIGHT_NONE;
        lft_conn_close(ex);
        if (ex->use_tls) {
            lft_tls_deinit(&ex->tls);
        }
        ex->initialised = 0;
    }
    return err;
}
