/*
 * lft_export.h - the exporter: flush policy and delivery of recorded
 * observations to Langfuse (or any OTLP/HTTP backend) over HTTP/1.1 and TLS.
 *
 * What goes where:
 *   observations  one OTLP span each, exported once when it ends, to
 *                 POST <base_path>/api/public/otel/v1/traces
 *                 (protobuf by default, OTLP/JSON with LFT_FORMAT_OTLP_JSON);
 *                 or, with LFT_FORMAT_INGESTION, as trace-create /
 *                 <kind>-create / <kind>-update / event-create events to
 *                 POST <base_path>/api/public/ingestion: an observation still
 *                 open at flush time goes out as a create and its end later as
 *                 an update, one that started and ended between two flushes as
 *                 a single create (lft_ingest.h)
 *   scores        batched score-create events to POST <base_path>/api/public/ingestion
 *                 (207 replies parsed per event), or one by one to
 *                 POST <base_path>/api/public/scores (LFT_SCORES_API); with
 *                 LFT_FORMAT_INGESTION in the same batches as the observations
 *
 * 207 replies (ingestion): every event the server accepted is released; an
 * event refused with a 4xx is dropped (dropped_rejected) and the server's
 * message logged; an event refused with a 5xx (or not mentioned) is sent
 * again alone with the next batch, never its accepted neighbours.
 *
 * Memory. lft_exporter_t holds every buffer the exporter uses (the
 * encoders' record scratch, the body's output scratch, reply body, jsmn
 * tokens, batch items, the request being sent), sized by the LFT_EXPORT_*
 * options below; the caller allocates it (static is best: it is a few KB plus
 * the mbedTLS contexts). The exporter has no static state of its own. No
 * request is ever built whole in RAM: a counting pass gives Content-Length,
 * then the body streams through the scratch.
 * mbedTLS's own memory comes from the arena installed with lft_tls_wrap
 * (see lft_tls.h).
 *
 * Delivery rules (DESIGN decision 8). Records leave the ring only when the
 * server acknowledged them (2xx), or when they failed for good, which is
 * always counted in lft_stats_t:
 *   2xx            released; an OTLP partial_success adds to partial_rejected
 *   408, 429, 5xx, timeouts, network and TLS errors
 *                  kept and retried with exponential backoff and full jitter
 *                  (retry_base_ms .. retry_cap_ms); Retry-After is honoured
 *                  (up to retry_after_max_ms); max_attempts (0: unlimited)
 *                  bounds the retries of one batch after HTTP errors
 *   413            the batch is split in halves; one observation alone over
 *                  the limit is dropped (dropped_rejected)
 *   400 from OTLP  the batch is bisected until the offending span is alone;
 *                  only it is dropped (dropped_rejected), every valid span is
 *                  delivered
 *   other 4xx      dropped, never retried (dropped_rejected)
 * While the link is down records wait in the ring; the ring's drop policy
 * decides what happens when it is full. Every OTLP request carries the
 * client's cumulative loss counters as resource attributes
 * (lftrace.dropped.*), and a request with no spans is sent when only those
 * counters changed, so the losses of an outage reach Langfuse once the link
 * is back. A reply lost after the body was sent makes the batch go again:
 * those observations are counted in maybe_duplicated.
 *
 * Time. When the client does not know the wall clock yet, the first request
 * is an empty OTLP export whose reply's Date header sets it
 * (lft_time_set_unix_s); records made before then export with correct
 * times.
 *
 * Threads. One exporter is driven from one thread at a time (lft_poll,
 * lft_flush, lft_export_shutdown); recording threads never wait for it except
 * while a reader snapshot is open (then LFT_DROP_OLDEST cannot free records and
 * a full ring refuses new ones). port/posix/lft_flush_thread.h runs it in a
 * POSIX thread. Exporters of distinct clients may run in different threads
 * at the same time: each encodes with its own scratch.
 */
#ifndef LFT_EXPORT_H
#define LFT_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lft_arena.h"
#include "lft_http.h"
#include "lft_ingest.h"
#include "lft_otlp.h"
#include "lft_port_net.h"
#include "lft_reply.h"
#include "lft_tls.h"
#include "lftrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------- compile-time features */

/* Each defaults to 1 (everything built). Set one to 0 (e.g. -DLFT_EXPORT_OTLP_JSON=0)
 * to leave that format out of the exporter, so that a firmware sending only
 * OTLP protobuf with batched scores links none of the other encoders:
 *   LFT_EXPORT_OTLP_JSON   LFT_FORMAT_OTLP_JSON (the OTLP/JSON encoder)
 *   LFT_EXPORT_INGESTION   LFT_FORMAT_INGESTION (lft_ingest.c, the batch API's
 *                          observation events); batched scores need no switch
 *   LFT_EXPORT_SCORES_API  LFT_SCORES_API (one POST /api/public/scores per score)
 * lft_export_init returns LFT_ERR_CONFIG for a format or scores mode left
 * out. The encoders themselves (lft_otlp.h, lft_ingest.h) stay callable. */
#ifndef LFT_EXPORT_OTLP_JSON
#define LFT_EXPORT_OTLP_JSON 1
#endif
#ifndef LFT_EXPORT_INGESTION
#define LFT_EXPORT_INGESTION 1
#endif
#ifndef LFT_EXPORT_SCORES_API
#define LFT_EXPORT_SCORES_API 1
#endif

/* ---------------------------------------------------- compile-time sizes */

/* Encode scratch: body bytes are handed to the stream in pieces this big. */
#ifndef LFT_EXPORT_SCRATCH
#define LFT_EXPORT_SCRATCH 1024u
#endif
/* Reply body bytes kept for parsing (the rest is read and discarded). */
#ifndef LFT_EXPORT_REPLY_MAX
#define LFT_EXPORT_REPLY_MAX 2048u
#endif
/* jsmn tokens for parsing a reply. A batch request (scores, or every event
 * with LFT_FORMAT_INGESTION) carries at most as many events as its 207 can
 * describe: min((LFT_EXPORT_TOKENS - 64) / 16, LFT_EXPORT_REPLY_MAX / 64),
 * 12 with the defaults (the official SDKs send 15); raise both for bigger
 * batches. */
#ifndef LFT_EXPORT_TOKENS
#define LFT_EXPORT_TOKENS 256u
#endif
#if LFT_EXPORT_TOKENS < 80
#error "LFT_EXPORT_TOKENS must be at least 80"
#endif
/* Most observations (and, separately, scores) in one request. */
#ifndef LFT_EXPORT_BATCH_MAX
#define LFT_EXPORT_BATCH_MAX 64u
#endif
/* Longest public or secret key. */
#ifndef LFT_EXPORT_KEY_MAX
#define LFT_EXPORT_KEY_MAX 128u
#endif

/* ------------------------------------------------------------- config */

typedef enum {
    LFT_FORMAT_OTLP_PROTOBUF = 0, /* application/x-protobuf (default, smallest) */
    LFT_FORMAT_OTLP_JSON = 1,     /* application/json, OTLP/JSON */
    LFT_FORMAT_INGESTION = 2      /* Langfuse's batch API (/api/public/ingestion: trace-create,
                                     span-create / -update, ... and score-create in one batch)
                                     for self-hosted servers without OTLP (v2, v3); see
                                     lft_ingest.h */
} lft_format_t;

typedef enum {
    LFT_SCORES_INGESTION = 0, /* batched score-create events, /api/public/ingestion (207) */
    LFT_SCORES_API = 1        /* one POST /api/public/scores per score */
} lft_scores_mode_t;

/* Log callback: level 0 error, 1 warning, 2 info; msg is NUL-terminated and
 * valid during the call only. */
typedef void (*lft_export_log_fn)(void *ctx, int level, const char *msg);

/* Exporter configuration. Zero every field you do not set: zero means the
 * default. Strings are borrowed and must outlive the exporter. */
typedef struct {
    const char *host;            /* required: server name (Host header, TLS SNI and
                                    certificate check), e.g. "cloud.langfuse.com" */
    uint16_t port;               /* 0: 443, or 80 with plain HTTP */
    const char *connect_host;    /* address to connect to instead of host (NULL: host) */
    const char *base_path;       /* prefix of the API paths, "" or e.g. "/langfuse" */
    const char *public_key;      /* required: pk-lf-... (at most LFT_EXPORT_KEY_MAX bytes) */
    const char *secret_key;      /* required: sk-lf-... */
    lft_stream_t net;            /* required: the TCP stream (lft_net_posix, lwIP, ...) */
    const uint8_t *ca;           /* trust anchor(s), PEM or DER (see lft_tls_config_t) */
    size_t ca_len;
    const lft_arena_t *tls_arena;/* optional: the arena mbedTLS allocates from (lft_tls_wrap),
                                    so that its exhaustion reads LFT_ERR_NO_MEMORY */
    uint8_t allow_plain_http;    /* 1 with ca NULL: plain HTTP (local collectors only);
                                    without it a missing CA is LFT_ERR_CONFIG */
    lft_format_t format;
    lft_scores_mode_t scores;
    uint32_t max_request_bytes;  /* largest request body (default 1 MiB, at least 1024) */
    uint32_t batch_max;          /* most observations per request (LFT_EXPORT_BATCH_MAX) */
    uint32_t connect_timeout_ms; /* TCP connect and TLS handshake, each (10000) */
    uint32_t io_timeout_ms;      /* one send or receive (5000) */
    uint32_t retry_base_ms;      /* first backoff ceiling (1000) */
    uint32_t retry_cap_ms;       /* largest backoff ceiling (60000) */
    uint32_t retry_after_max_ms; /* longest Retry-After honoured (600000) */
    uint32_t max_attempts;       /* attempts of one batch after HTTP errors (0: unlimited) */
    uint8_t high_water_pct;      /* flush when the ring is this full, 1..100 (75) */
    lft_export_log_fn log;       /* optional */
    void *log_ctx;
} lft_export_config_t;

/* The exporter. Allocate it (statically is best); fields are private. */
typedef struct {
    lft_client_t *client;
    lft_export_config_t cfg;
    lft_tls_t tls;
    lft_stream_t top;            /* tls, or cfg.net for plain HTTP */
    uint8_t use_tls;
    uint8_t connected;
    uint8_t initialised;
    char auth[4u * ((2u * LFT_EXPORT_KEY_MAX + 3u) / 3u) + 1u];
    char path_otlp[128];
    char path_ingest[128];
#if LFT_EXPORT_SCORES_API
    char path_scores[128];
#endif
    /* delivery state */
    uint32_t batch_limit;        /* current most observations per request (halved on 413/400) */
    uint32_t attempts;           /* consecutive failed attempts */
    uint64_t next_try_us;        /* monotonic time before which no request is made */
    uint64_t rng;
    /* flush policy */
    uint32_t completed_seen;
    uint32_t ready_left;
    uint64_t ready_since_us;
    uint8_t resent;              /* the last request's body went out twice (stale connection) */
    /* a request whose reply lft_poll has not read yet (lft_poll never waits for it) */
    uint8_t inflight;            /* LFT_INFLIGHT_* of lft_export.c */
    uint8_t inflight_stage;      /* which step of the delivery cycle sent it */
    uint8_t inflight_reused;     /* it went out on a reused keep-alive connection */
    uint8_t inflight_any;        /* some reply bytes have come */
    uint8_t async;               /* lft_poll's cycle: requests do not wait for their reply */
    uint8_t reader_open;         /* reader below is open across polls */
    int32_t inflight_result;     /* LFT_OK (reply in resp) or the transport error */
    uint32_t inflight_count;     /* the events or observations the request carries */
    uint32_t inflight_items;     /* the batch items it was encoded from */
    uint32_t reader_completed;   /* stats.completed when the reader's snapshot was taken */
    uint64_t reply_deadline_us;
    lft_reader_t reader;
    uint64_t diag_since_us;      /* when changed loss counters were first seen, 0: none */
    lft_otlp_diag_t diag_sent;   /* loss counters the server last acknowledged */
    /* buffers */
    lft_http_resp_t resp;
    char reply[LFT_EXPORT_REPLY_MAX];
    uint8_t scratch[LFT_EXPORT_SCRATCH];
    uint8_t rx[512];
    union {
        lft_otlp_item_t otlp[LFT_EXPORT_BATCH_MAX];
#if LFT_EXPORT_INGESTION
        lft_ingest_item_t ingest[LFT_EXPORT_BATCH_MAX];
#endif
    } items;
    uint32_t score_pos[LFT_EXPORT_BATCH_MAX];
    uint8_t item_state[LFT_EXPORT_BATCH_MAX]; /* per-event verdicts of one 207 */
    lft_reply_token_t tokens[LFT_EXPORT_TOKENS];
    union {                      /* encoders' working memory (one format at a time) */
        lft_otlp_scratch_t otlp;
#if LFT_EXPORT_INGESTION
        lft_ingest_scratch_t ingest;
#endif
    } enc;
    union {                      /* the request body being sent */
        struct {
            lft_otlp_batch_t batch;
            lft_otlp_diag_t diag;
        } otlp;
#if LFT_EXPORT_INGESTION
        struct {
            lft_ingest_batch_t batch;
            size_t count;
        } ingest;
#endif
    } body;
} lft_exporter_t;

/*
 * Attach an exporter to client (initialised; it must outlive the exporter)
 * with cfg (copied; its strings are borrowed). Sets up TLS unless plain HTTP
 * was explicitly allowed; does not connect (the first flush does).
 * Errors: LFT_ERR_ARG (NULL), LFT_ERR_HANDLE (client not initialised),
 * LFT_ERR_CONFIG (host, keys or net missing, a key too long or not
 * printable, a format or scores mode unknown or compiled out (LFT_EXPORT_OTLP_JSON,
 * LFT_EXPORT_INGESTION, LFT_EXPORT_SCORES_API), no CA without allow_plain_http, a CA that does not parse,
 * paths too long, high_water_pct over 100, max_request_bytes below 1024),
 * LFT_ERR_NO_MEMORY (the TLS arena is too small), LFT_ERR_ENTROPY.
 */
lft_err_t lft_export_init(lft_exporter_t *ex, lft_client_t *client, const lft_export_config_t *cfg);

/*
 * One step for super-loops and flush threads; it never waits for the
 * server. While a request is out, a step reads what has arrived of its
 * reply without waiting (recv with timeout 0) and settles the batch once the
 * reply is complete, or as a lost reply io_timeout_ms after the request went
 * out. Otherwise it returns at once (LFT_OK) unless a flush is due:
 * flush_at observations ready, the oldest ready one older than
 * flush_interval_ms, the ring past high_water_pct, or only the loss counters
 * changed; and no backoff is running. A due step sends one request (connect
 * first if needed: a TCP connect and TLS handshake are bounded by
 * connect_timeout_ms each but do block, about 1 ms for a resumed session on
 * loopback; writing the request is bounded by io_timeout_ms and normally
 * fits the socket buffers) and returns without its reply. While a request
 * is out, the reader snapshot stays open: LFT_DROP_OLDEST cannot free ring
 * space until the reply settles it (a full ring refuses records meanwhile).
 * Returns LFT_OK, or the attempt's error (LFT_ERR_NET, LFT_ERR_TIMEOUT,
 * LFT_ERR_TLS_VERIFY, LFT_ERR_REJECTED, ...; also kept in stats.last_error).
 * LFT_ERR_ARG / LFT_ERR_HANDLE for a bad exporter.
 */
lft_err_t lft_poll(lft_exporter_t *ex);

/*
 * Deliver everything recorded before the call: block until every
 * observation and score that was ready to export then has been acknowledged
 * or has failed for good, or timeout_ms passes. Waits out backoffs with
 * lft_port_sleep_ms. Observations still open are not waited for (they
 * export when they end).
 * Returns LFT_OK (all acknowledged), LFT_ERR_REJECTED (all done, but some
 * failed for good: see the dropped_* counters), LFT_ERR_TIMEOUT (some are
 * still pending: they stay in the ring and go out later), LFT_ERR_ARG,
 * LFT_ERR_HANDLE.
 */
lft_err_t lft_flush(lft_exporter_t *ex, uint32_t timeout_ms);

/*
 * Flush with timeout_ms as the deadline, then close the connection and free
 * the TLS state. The exporter can be initialised again afterwards. Returns
 * what lft_flush returned.
 */
lft_err_t lft_export_shutdown(lft_exporter_t *ex, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* LFT_EXPORT_H */
