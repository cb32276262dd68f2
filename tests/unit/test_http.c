/*
 * test_http.c - the HTTP/1.1 codec: request-head bytes and validation, the
 * response parser on a table of valid and hostile responses (each fed whole,
 * byte by byte and in random splits, which must all agree), HTTP-date
 * parsing and Retry-After.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lft_http.h"
#include "lft_test.h"

/* ============================================================ the driver */

#define MAX_RESP 4
#define BODY_MAX 256

/* What one parsed response looked like. */
typedef struct {
    uint16_t status;
    uint8_t version_minor, keep_alive, chunked, body_truncated, has_content_length;
    uint64_t content_length, body_len;
    size_t body_stored;
    char body[BODY_MAX];
    char content_type[LFT_HTTP_CTYPE_MAX + 1u];
    uint8_t has_date, retry_kind, ctype_truncated;
    uint64_t date_s, retry_after;
    size_t end; /* offset in the input just past this response */
} resp_t;

/* The outcome of feeding a whole input. */
typedef struct {
    resp_t resp[MAX_RESP];
    size_t n;
    int final_rc; /* first error, or: eof's result (eof requested), LFT_HTTP_MORE when the
                     input ended inside a response, 0 when it ended between responses */
} run_t;

enum { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

static uint32_t rng_state;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void record(const lft_http_resp_t *r, size_t end, run_t *out)
{
    resp_t *p;
    if (out->n >= MAX_RESP) {
        LFT_CHECK(!"too many responses");
        return;
    }
    p = &out->resp[out->n++];
    p->status = r->status;
    p->version_minor = r->version_minor;
    p->keep_alive = r->keep_alive;
    p->chunked = r->chunked;
    p->body_truncated = r->body_truncated;
    p->has_content_length = r->has_content_length;
    p->content_length = r->content_length;
    p->body_len = r->body_len;
    p->body_stored = r->body_stored;
    memcpy(p->body, r->body_buf, r->body_stored);
    memcpy(p->content_type, r->content_type, sizeof p->content_type);
    p->has_date = r->has_date;
    p->retry_kind = r->retry_after_kind;
    p->ctype_truncated = r->content_type_truncated;
    p->date_s = r->date_s;
    p->retry_after = r->retry_after;
    p->end = end;
    LFT_CHECK(r->head_done);
    LFT_CHECK(r->body_stored <= r->body_cap);
    LFT_CHECK(r->body_stored == (r->body_len < r->body_cap ? r->body_len : r->body_cap));
    LFT_CHECK(r->body_truncated == (r->body_len > r->body_cap));
}

/* Feed in[0..n) to a parser with a cap-byte body buffer, restarting it
 * after each response, then (if eof) report the close. */
static void run(const char *in, size_t n, size_t cap, int mode, int eof, run_t *out)
{
    static char body[BODY_MAX];
    lft_http_resp_t r;
    size_t off = 0;
    int pending = 0;
    memset(out, 0, sizeof *out);
    LFT_CHECK(cap <= BODY_MAX);
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, cap), LFT_OK);
    while (off < n) {
        size_t step = n - off, used = (size_t)-1;
        int rc;
        if (mode == FEED_BYTES) {
            step = 1;
        } else if (mode == FEED_RANDOM) {
            size_t s = 1u + rng() % 13u;
            step = s < step ? s : step;
        }
        rc = lft_http_resp_feed(&r, (const uint8_t *)in + off, step, &used);
        LFT_CHECK(used <= step);
        if (rc == LFT_HTTP_DONE) {
            off += used;
            record(&r, off, out);
            LFT_CHECK_EQ(lft_http_resp_init(&r, body, cap), LFT_OK);
            pending = 0;
        } else if (rc == LFT_HTTP_MORE) {
            LFT_CHECK_EQ(used, step);
            off += used;
            pending = 1;
        } else {
            LFT_CHECK(rc < 0);
            out->final_rc = rc;
            return;
        }
    }
    if (eof) {
        int rc = lft_http_resp_eof(&r);
        if (rc == LFT_HTTP_DONE) {
            record(&r, off, out);
        }
        out->final_rc = rc;
    } else {
        out->final_rc = pending ? LFT_HTTP_MORE : 0;
    }
}

static int resp_equal(const resp_t *a, const resp_t *b)
{
    return a->status == b->status && a->version_minor == b->version_minor &&
           a->keep_alive == b->keep_alive && a->chunked == b->chunked &&
           a->body_truncated == b->body_truncated &&
           a->has_content_length == b->has_content_length &&
           a->content_length == b->content_length && a->body_len == b->body_len &&
           a->body_stored == b->body_stored && memcmp(a->body, b->body, a->body_stored) == 0 &&
           strcmp(a->content_type, b->content_type) == 0 && a->has_date == b->has_date &&
           a->retry_kind == b->retry_kind && a->ctype_truncated == b->ctype_truncated &&
           a->date_s == b->date_s && a->retry_after == b->retry_after && a->end == b->end;
}

static int run_equal(const run_t *a, const run_t *b)
{
    size_t i;
    if (a->n != b->n || a->final_rc != b->final_rc) {
        return 0;
    }
    for (i = 0; i < a->n; i++) {
        if (!resp_equal(&a->resp[i], &b->resp[i])) {
            return 0;
        }
    }
    return 1;
}

/* Run in every feeding mode; all must agree with the whole feed, which is
 * returned in *whole. */
static void run_all_modes(const char *name, const char *in, size_t n, size_t cap, int eof,
                          run_t *whole)
{
    static run_t other;
    unsigned seed;
    run(in, n, cap, FEED_WHOLE, eof, whole);
    run(in, n, cap, FEED_BYTES, eof, &other);
    if (!run_equal(whole, &other)) {
        fprintf(stderr, "case %s: byte-by-byte feed differs\n", name);
    }
    LFT_CHECK(run_equal(whole, &other));
    for (seed = 1; seed <= 20u; seed++) {
        rng_state = seed * 2654435761u;
        run(in, n, cap, FEED_RANDOM, eof, &other);
        if (!run_equal(whole, &other)) {
            fprintf(stderr, "case %s: random split (seed %u) differs\n", name, seed);
        }
        LFT_CHECK(run_equal(whole, &other));
    }
}

/* ======================================================= response table */

typedef struct {
    uint16_t status;
    const char *body;   /* expected stored body */
    uint64_t body_len;  /* expected total body length */
    int keep_alive;
} exp_t;

typedef struct {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
    size_t cap;
    int eof;
    int final_rc;
    size_t n;
    exp_t exp[3];
} case_t;

#define LIT(s) s, (sizeof(s) - 1u)
#define CL_BODY "{\"successes\":[],\"errors\":[]}"
#define LONG_VAL_600                                                                        \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234" \
    "5678901234567890123456789012345678901234567890123456789012345678901234567890123456789" \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234" \
    "5678901234567890123456789012345678901234567890123456789012345678901234567890123456789" \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234" \
    "5678901234567890123456789012345678901234567890123456789012345678901234567890123456789" \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234" \
    "56789"

static const case_t cases[] = {
    /* ---------------------------------------------------------- valid */
    { "200 content-length",
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n" CL_BODY,
      0, 64, 0, 0, 1, { { 200, CL_BODY, 28, 1 } } },
    { "207 multi-status",
      "HTTP/1.1 207 Multi-Status\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
      "content-length: 5\r\n\r\nabcde",
      0, 64, 0, 0, 1, { { 207, "abcde", 5, 1 } } },
    { "chunked with extensions and trailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;foo=bar\r\nhello\r\n6 ; name=\"quoted;val\"\r\n world\r\n"
      "000\r\nX-Trailer: 1\r\nExpires: never\r\n\r\n",
      0, 64, 0, 0, 1, { { 200, "hello world", 11, 1 } } },
    { "trailers with obs-fold and long lines are skipped",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
      "X-T: a\r\n folded\r\nContent-Length: " LONG_VAL_600 "\r\n\r\n",
      0, 64, 0, 0, 1, { { 200, "x", 1, 1 } } },
    { "chunked upper-case hex, no trailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
      0, 64, 0, 0, 1, { { 200, "0123456789", 10, 1 } } },
    { "transfer-encoding list with empty elements",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked ,\r\n\r\n1\r\nx\r\n0\r\n\r\n",
      0, 64, 0, 0, 1, { { 200, "x", 1, 1 } } },
    { "two pipelined keep-alive responses",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n",
      0, 64, 0, 0, 2, { { 200, "abc", 3, 1 }, { 201, "de", 2, 1 } } },
    { "three pipelined, clean close",
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
      "HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\n\r\nZ",
      0, 64, 1, LFT_HTTP_ERR_NO_RESPONSE, 3, { { 204, "", 0, 1 }, { 200, "", 0, 1 }, { 202, "Z", 1, 1 } } },
    { "connection close",
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 0 } } },
    { "connection list with close",
      "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 0 } } },
    { "HTTP/1.0 defaults to close",
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 0 } } },
    { "HTTP/1.0 keep-alive",
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "204 has no body even with content-length",
      "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
      0, 64, 0, 0, 2, { { 204, "", 0, 1 }, { 200, "x", 1, 1 } } },
    { "304 has no body",
      "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
      0, 64, 0, 0, 1, { { 304, "", 0, 1 } } },
    { "100 continue then 200",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
      0, 64, 0, 0, 1, { { 200, "hi", 2, 1 } } },
    { "two interim responses with fields",
      "HTTP/1.1 100 Continue\r\nContent-Length: 99\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
      0, 64, 0, 0, 1, { { 200, "hi", 2, 1 } } },
    { "body larger than body_cap",
      "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz"
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!",
      0, 8, 0, 0, 2, { { 200, "abcdefgh", 26, 1 }, { 200, "!", 1, 1 } } },
    { "chunked body larger than body_cap",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n",
      0, 6, 0, 0, 1, { { 200, "abcdef", 8, 1 } } },
    { "no body buffer at all",
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
      0, 0, 0, 0, 1, { { 200, "", 4, 1 } } },
    { "close-delimited body via eof",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
      0, 64, 1, LFT_HTTP_DONE, 1, { { 200, "until the end", 13, 0 } } },
    { "close-delimited empty body",
      "HTTP/1.0 500 Internal Server Error\r\n\r\n",
      0, 64, 1, LFT_HTTP_DONE, 1, { { 500, "", 0, 0 } } },
    { "bare LF line endings",
      "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"
      "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nab\n0\n\n",
      0, 64, 0, 0, 2, { { 200, "ok", 2, 1 }, { 200, "ab", 2, 1 } } },
    { "optional whitespace and odd case",
      "HTTP/1.1 200 \r\ncOnTeNt-LeNgTh:\t 2 \t\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "status line without reason",
      "HTTP/1.1 429\r\nContent-Length: 0\r\n\r\n",
      0, 64, 0, 0, 1, { { 429, "", 0, 1 } } },
    { "identical content-length twice and as a list",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "long unneeded header is skipped",
      "HTTP/1.1 200 OK\r\nX-Long: " LONG_VAL_600 "\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "long header name is skipped",
      "HTTP/1.1 200 OK\r\nX" LONG_VAL_600 ": v\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "obs-fold of an ignored field",
      "HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "empty field value and obs-text",
      "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Utf8: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok",
      0, 64, 0, 0, 1, { { 200, "ok", 2, 1 } } },
    { "max content-length parses (body then incomplete)",
      "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc",
      0, 64, 0, LFT_HTTP_MORE, 0, { { 0, NULL, 0, 0 } } },

    /* ------------------------------------------------------- eof */
    { "eof with nothing", "", 0, 64, 1, LFT_HTTP_ERR_NO_RESPONSE, 0, { { 0, NULL, 0, 0 } } },
    { "eof mid status line", "HTTP/1.1 20", 0, 64, 1, LFT_HTTP_ERR_TRUNCATED, 0, { { 0, NULL, 0, 0 } } },
    { "eof mid headers", "HTTP/1.1 200 OK\r\nContent-Len", 0, 64, 1, LFT_HTTP_ERR_TRUNCATED,
      0, { { 0, NULL, 0, 0 } } },
    { "eof after interim response", "HTTP/1.1 100 Continue\r\n\r\n", 0, 64, 1,
      LFT_HTTP_ERR_TRUNCATED, 0, { { 0, NULL, 0, 0 } } },
    { "eof mid content-length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", 0, 64,
      1, LFT_HTTP_ERR_TRUNCATED, 0, { { 0, NULL, 0, 0 } } },
    { "eof mid chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, 64,
      1, LFT_HTTP_ERR_TRUNCATED, 0, { { 0, NULL, 0, 0 } } },
    { "eof before last chunk",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", 0, 64, 1,
      LFT_HTTP_ERR_TRUNCATED, 0, { { 0, NULL, 0, 0 } } },
    { "eof in trailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n", 0, 64, 1,
      LFT_HTTP_ERR_TRUNCATED, 0, { { 0, NULL, 0, 0 } } },
    { "eof after a complete response then partial",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1", 0, 64, 1,
      LFT_HTTP_ERR_TRUNCATED, 1, { { 200, "", 0, 1 } } },

    /* --------------------------------------------------- malformed */
    { "bad status: lower-case http", "http/1.1 200 OK\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS,
      0, { { 0, NULL, 0, 0 } } },
    { "bad status: HTTP/2", "HTTP/2 200 OK\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: two digits", "HTTP/1.1 20 OK\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: four digits", "HTTP/1.1 2000 OK\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: 600", "HTTP/1.1 600 Huh\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: 099", "HTTP/1.1 099 Huh\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: double space", "HTTP/1.1  200 OK\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_STATUS, 0,
      { { 0, NULL, 0, 0 } } },
    { "bad status: leading empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_STATUS, 0, { { 0, NULL, 0, 0 } } },
    { "bad status: 101 upgrade", "HTTP/1.1 101 Switching Protocols\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_STATUS, 0, { { 0, NULL, 0, 0 } } },
    { "bad status: NUL in reason", LIT("HTTP/1.1 200 O\0K\r\n\r\n"), 64, 0, LFT_HTTP_ERR_STATUS,
      0, { { 0, NULL, 0, 0 } } },
    { "bad status: too long", "HTTP/1.1 200 " LONG_VAL_600 "\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_LINE, 0, { { 0, NULL, 0, 0 } } },
    { "non-digit content-length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "signed content-length", "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\na", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "negative content-length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "empty content-length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "content-length with empty list element", "HTTP/1.1 200 OK\r\nContent-Length: 1,,1\r\n\r\n",
      0, 64, 0, LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "conflicting content-length",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "conflicting content-length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nabc",
      0, 64, 0, LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "huge content-length overflows",
      "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "very huge content-length overflows",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999999999\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "content-length with transfer-encoding",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
      64, 0, LFT_HTTP_ERR_LENGTH, 0, { { 0, NULL, 0, 0 } } },
    { "transfer-encoding gzip",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_TE, 0, { { 0, NULL, 0, 0 } } },
    { "transfer-encoding chunked twice",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
      64, 0, LFT_HTTP_ERR_TE, 0, { { 0, NULL, 0, 0 } } },
    { "transfer-encoding chunked not last",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_TE,
      0, { { 0, NULL, 0, 0 } } },
    { "transfer-encoding with parameters",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_TE,
      0, { { 0, NULL, 0, 0 } } },
    { "transfer-encoding in HTTP/1.0",
      "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_TE, 0, { { 0, NULL, 0, 0 } } },
    { "chunk size overflow",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, 64, 0,
      LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "chunk total overflow",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\nffffffffffffffff\r\n", 0,
      64, 0, LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "bad chunk terminator",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "chunk CR without LF",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX", 0, 64, 0,
      LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "chunk size not hex",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 64, 0,
      LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "chunk size with leading space",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "chunk size with junk",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", 0, 64,
      0, LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "chunk line too long",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" LONG_VAL_600 "\r\nx\r\n0\r\n\r\n",
      0, 64, 0, LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "needed header line too long",
      "HTTP/1.1 200 OK\r\nContent-Length: 1" LONG_VAL_600 "\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_LINE,
      0, { { 0, NULL, 0, 0 } } },
    { "needed header padded too long",
      "HTTP/1.1 200 OK\r\nRetry-After: 1" LONG_VAL_600 "\r\nContent-Length: 0\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_LINE, 0, { { 0, NULL, 0, 0 } } },
    { "NUL in header value", LIT("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n"),
      64, 0, LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "NUL in header name", LIT("HTTP/1.1 200 OK\r\nX\0A: ab\r\nContent-Length: 0\r\n\r\n"), 64,
      0, LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "control byte in header", "HTTP/1.1 200 OK\r\nX-A: a\x01\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "bare CR in header", "HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 5\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "header without colon", "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "header name without colon", "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "control byte in chunk line",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\x01\r\nhello\r\n0\r\n\r\n", 0,
      64, 0, LFT_HTTP_ERR_CHUNK, 0, { { 0, NULL, 0, 0 } } },
    { "empty header name", "HTTP/1.1 200 OK\r\n: 5\r\n\r\n", 0, 64, 0, LFT_HTTP_ERR_HEADER, 0,
      { { 0, NULL, 0, 0 } } },
    { "space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello", 0, 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "obs-fold of content-length",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n\r\nx", 0, 64, 0, LFT_HTTP_ERR_HEADER, 0,
      { { 0, NULL, 0, 0 } } },
    { "obs-fold before any field", "HTTP/1.1 200 OK\r\n X: 1\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "NUL in trailer",
      LIT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: \0\r\n\r\n"), 64, 0,
      LFT_HTTP_ERR_HEADER, 0, { { 0, NULL, 0, 0 } } },
    { "malformed response after a good one",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTX/1.1 200 OK\r\n\r\n", 0, 64, 0,
      LFT_HTTP_ERR_STATUS, 1, { { 200, "", 0, 1 } } },
};

static void test_response_table(void)
{
    static run_t whole;
    size_t c, i;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const case_t *t = &cases[c];
        size_t len = t->len != 0u ? t->len : strlen(t->in);
        unsigned long before = lft_test_failures;
        run_all_modes(t->name, t->in, len, t->cap, t->eof, &whole);
        LFT_CHECK_EQ(whole.final_rc, t->final_rc);
        LFT_CHECK_EQ(whole.n, t->n);
        for (i = 0; i < t->n && i < whole.n; i++) {
            const resp_t *p = &whole.resp[i];
            LFT_CHECK_EQ(p->status, t->exp[i].status);
            LFT_CHECK_STRN(p->body, p->body_stored, t->exp[i].body);
            LFT_CHECK_EQ(p->body_len, t->exp[i].body_len);
            LFT_CHECK_EQ(p->keep_alive, t->exp[i].keep_alive);
        }
        if (t->final_rc >= 0 && t->final_rc != LFT_HTTP_MORE && t->eof == 0 && t->n > 0u) {
            LFT_CHECK_EQ(whole.resp[t->n - 1u].end, len); /* everything consumed */
        }
        if (lft_test_failures != before) {
            fprintf(stderr, "  in case \"%s\" (got %s)\n", t->name,
                    lft_http_result_str(whole.final_rc));
        }
    }
}

/* ================================================ response, field details */

static void test_response_fields(void)
{
    static run_t w;
    const char *in;

    in = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
         "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\n\r\n{}";
    run_all_modes("fields", in, strlen(in), 64, 0, &w);
    LFT_CHECK_EQ(w.n, 1);
    LFT_CHECK(strcmp(w.resp[0].content_type, "application/json; charset=utf-8") == 0);
    LFT_CHECK_EQ(w.resp[0].ctype_truncated, 0);
    LFT_CHECK_EQ(w.resp[0].has_date, 1);
    LFT_CHECK_EQ(w.resp[0].date_s, 784111777u);
    LFT_CHECK_EQ(w.resp[0].has_content_length, 1);
    LFT_CHECK_EQ(w.resp[0].content_length, 2);
    LFT_CHECK_EQ(w.resp[0].chunked, 0);
    LFT_CHECK_EQ(w.resp[0].version_minor, 1);
    LFT_CHECK_EQ(w.resp[0].retry_kind, LFT_HTTP_RETRY_NONE);

    /* Content-Type longer than the buffer is cut, also beyond the line buffer */
    in = "HTTP/1.1 200 OK\r\nContent-Type: multipart/form-data; "
         "boundary=0123456789012345678901234567890123456789\r\nContent-Length: 0\r\n\r\n";
    run_all_modes("ctype cut", in, strlen(in), 64, 0, &w);
    LFT_CHECK_EQ(w.n, 1);
    LFT_CHECK_EQ(strlen(w.resp[0].content_type), LFT_HTTP_CTYPE_MAX);
    LFT_CHECK(strncmp(w.resp[0].content_type, "multipart/form-data; boundary=0123", 34) == 0);
    LFT_CHECK_EQ(w.resp[0].ctype_truncated, 1);
    in = "HTTP/1.1 200 OK\r\nContent-Type: text/" LONG_VAL_600 "\r\nContent-Length: 0\r\n\r\n";
    run_all_modes("ctype over line", in, strlen(in), 64, 0, &w);
    LFT_CHECK_EQ(w.n, 1);
    LFT_CHECK(strncmp(w.resp[0].content_type, "text/0123", 9) == 0);
    LFT_CHECK_EQ(w.resp[0].ctype_truncated, 1);

    /* an invalid Date is ignored, not an error */
    in = "HTTP/1.1 200 OK\r\nDate: yesterday\r\nContent-Length: 0\r\n\r\n";
    run_all_modes("bad date", in, strlen(in), 64, 0, &w);
    LFT_CHECK_EQ(w.n, 1);
    LFT_CHECK_EQ(w.resp[0].has_date, 0);

    /* chunked flag and interim headers forgotten */
    in = "HTTP/1.1 100 Continue\r\nContent-Type: x/interim\r\nRetry-After: 5\r\n\r\n"
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    run_all_modes("interim forgotten", in, strlen(in), 64, 0, &w);
    LFT_CHECK_EQ(w.n, 1);
    LFT_CHECK_EQ(w.resp[0].chunked, 1);
    LFT_CHECK_EQ(w.resp[0].content_type[0], '\0');
    LFT_CHECK_EQ(w.resp[0].retry_kind, LFT_HTTP_RETRY_NONE);
}

static void test_retry_after(void)
{
    static const struct {
        const char *value;
        int kind;
        uint64_t v;
    } t[] = {
        { "120", LFT_HTTP_RETRY_DELAY, 120 },
        { "0", LFT_HTTP_RETRY_DELAY, 0 },
        { "  7  ", LFT_HTTP_RETRY_DELAY, 7 },
        { "2147483647", LFT_HTTP_RETRY_DELAY, 2147483647u },
        { "99999999999999999999999999", LFT_HTTP_RETRY_DELAY, LFT_HTTP_DELTA_MAX },
        { "Sun, 06 Nov 1994 08:49:37 GMT", LFT_HTTP_RETRY_DATE, 784111777u },
        { "Sunday, 06-Nov-94 08:49:37 GMT", LFT_HTTP_RETRY_DATE, 784111777u },
        { "Sun Nov  6 08:49:37 1994", LFT_HTTP_RETRY_DATE, 784111777u },
        { "-5", LFT_HTTP_RETRY_NONE, 0 },
        { "1.5", LFT_HTTP_RETRY_NONE, 0 },
        { "", LFT_HTTP_RETRY_NONE, 0 },
        { "soon", LFT_HTTP_RETRY_NONE, 0 },
    };
    static run_t w;
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        char in[256];
        int n = snprintf(in, sizeof in,
                         "HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\nContent-Length: 0\r\n\r\n",
                         t[i].value);
        run_all_modes(t[i].value, in, (size_t)n, 16, 0, &w);
        LFT_CHECK_EQ(w.n, 1);
        LFT_CHECK_EQ(w.resp[0].status, 429);
        LFT_CHECK_EQ(w.resp[0].retry_kind, t[i].kind);
        LFT_CHECK_EQ(w.resp[0].retry_after, t[i].v);
    }

    /* lft_http_resp_retry_after: delays relative to Date, else to now */
    {
        static char body[4];
        lft_http_resp_t r;
        size_t used;
        uint64_t d = 12345;
        const char *a = "HTTP/1.1 503 Unavailable\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                        "Retry-After: Sun, 06 Nov 1994 08:51:37 GMT\r\nContent-Length: 0\r\n\r\n";
        const char *b = "HTTP/1.1 503 Unavailable\r\n"
                        "Retry-After: Sun, 06 Nov 1994 08:51:37 GMT\r\nContent-Length: 0\r\n\r\n";
        const char *c = "HTTP/1.1 429 Slow down\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n";
        const char *e = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a, strlen(a), &used), LFT_HTTP_DONE);
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 0, &d), 1);
        LFT_CHECK_EQ(d, 120); /* server Date wins over the device clock */
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 999999999999u, &d), 1);
        LFT_CHECK_EQ(d, 120);

        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)b, strlen(b), &used), LFT_HTTP_DONE);
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 0, &d), 0); /* no reference time */
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 784111777u + 60u, &d), 1);
        LFT_CHECK_EQ(d, 60);
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 784111777u + 6000u, &d), 1);
        LFT_CHECK_EQ(d, 0); /* in the past */

        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)c, strlen(c), &used), LFT_HTTP_DONE);
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 0, &d), 1);
        LFT_CHECK_EQ(d, 30);

        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)e, strlen(e), &used), LFT_HTTP_DONE);
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 100, &d), 0);
        LFT_CHECK_EQ(lft_http_resp_retry_after(NULL, 100, &d), 0);
        LFT_CHECK_EQ(lft_http_resp_retry_after(&r, 100, NULL), 0);
    }
}

/* ================================================== parser API contract */

static void test_response_api(void)
{
    static char body[8];
    lft_http_resp_t r;
    size_t used = 77;
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1";
    const char *bad = "HTTP/1.1 200 OK\r\nContent-Length: z\r\n\r\n";

    LFT_CHECK_EQ(lft_http_resp_init(NULL, body, sizeof body), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_resp_init(&r, NULL, 1), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_resp_init(&r, NULL, 0), LFT_OK);
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
    LFT_CHECK_EQ(lft_http_resp_feed(NULL, (const uint8_t *)a, 1, &used), LFT_ERR_ARG);
    LFT_CHECK_EQ(used, 0);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a, 1, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, NULL, 1, &used), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, NULL, 0, &used), LFT_HTTP_MORE);
    LFT_CHECK_EQ(lft_http_resp_eof(NULL), LFT_ERR_ARG);

    /* DONE is sticky and consumes nothing more */
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a, strlen(a), &used), LFT_HTTP_DONE);
    LFT_CHECK_EQ(used, strlen(a) - 8u);
    LFT_CHECK_EQ(r.head_done, 1);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a + used, 8, &used), LFT_HTTP_DONE);
    LFT_CHECK_EQ(used, 0);
    LFT_CHECK_EQ(lft_http_resp_eof(&r), LFT_HTTP_DONE);

    /* errors are sticky */
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
    LFT_CHECK_EQ(r.head_done, 0);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)bad, strlen(bad), &used),
                 LFT_HTTP_ERR_LENGTH);
    LFT_CHECK(used <= strlen(bad));
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a, strlen(a), &used), LFT_HTTP_ERR_LENGTH);
    LFT_CHECK_EQ(used, 0);
    LFT_CHECK_EQ(lft_http_resp_eof(&r), LFT_HTTP_ERR_LENGTH);

    /* eof errors are sticky too */
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
    LFT_CHECK_EQ(lft_http_resp_eof(&r), LFT_HTTP_ERR_NO_RESPONSE);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a, strlen(a), &used),
                 LFT_HTTP_ERR_NO_RESPONSE);

    /* head fields are visible before the body completes */
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)a, 38, &used), LFT_HTTP_MORE);
    LFT_CHECK_EQ(r.head_done, 1);
    LFT_CHECK_EQ(r.status, 200);
    LFT_CHECK_EQ(r.body_len, 0);

    /* too many fields */
    {
        static char in[4096];
        size_t n = 0, k;
        n += (size_t)sprintf(in + n, "HTTP/1.1 200 OK\r\n");
        for (k = 0; k <= LFT_HTTP_FIELDS_MAX; k++) {
            n += (size_t)sprintf(in + n, "X-%u: v\r\n", (unsigned)k);
        }
        n += (size_t)sprintf(in + n, "Content-Length: 0\r\n\r\n");
        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)in, n, &used), LFT_HTTP_ERR_HEAD);
    }

    /* too many head bytes: 15 fields of 607 bytes, each under the line limit */
    {
        static char in[16384];
        size_t n = 0, k;
        n += (size_t)sprintf(in + n, "HTTP/1.1 200 OK\r\n");
        for (k = 0; k < 15u; k++) {
            n += (size_t)sprintf(in + n, "X-%c: %s\r\n", (char)('A' + k), LONG_VAL_600);
        }
        n += (size_t)sprintf(in + n, "Content-Length: 0\r\n\r\n");
        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)in, n, &used), LFT_HTTP_ERR_HEAD);
        /* the same with 13 fields fits (13 * 607 + 17 + 21 < 8192) */
        n = (size_t)sprintf(in, "HTTP/1.1 200 OK\r\n");
        for (k = 0; k < 13u; k++) {
            n += (size_t)sprintf(in + n, "X-%c: %s\r\n", (char)('A' + k), LONG_VAL_600);
        }
        n += (size_t)sprintf(in + n, "Content-Length: 0\r\n\r\n");
        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)in, n, &used), LFT_HTTP_DONE);
        /* interim heads (630 bytes each) count toward the same limit */
        n = 0;
        for (k = 0; k < 14u; k++) {
            n += (size_t)sprintf(in + n, "HTTP/1.1 100 Continue\r\nX: %s\r\n\r\n", LONG_VAL_600);
        }
        n += (size_t)sprintf(in + n, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
        LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)in, n, &used), LFT_HTTP_ERR_HEAD);
    }

    /* result names: all distinct and known */
    {
        static const int codes[] = { LFT_OK, LFT_HTTP_MORE, LFT_HTTP_DONE, LFT_ERR_ARG,
                                     LFT_ERR_TOO_LARGE, LFT_HTTP_ERR_STATUS, LFT_HTTP_ERR_HEADER,
                                     LFT_HTTP_ERR_LINE, LFT_HTTP_ERR_HEAD, LFT_HTTP_ERR_LENGTH,
                                     LFT_HTTP_ERR_TE, LFT_HTTP_ERR_CHUNK,
                                     LFT_HTTP_ERR_NO_RESPONSE, LFT_HTTP_ERR_TRUNCATED };
        size_t a, b;
        for (a = 0; a < sizeof codes / sizeof codes[0]; a++) {
            LFT_CHECK(strcmp(lft_http_result_str(codes[a]), "?") != 0);
            for (b = 0; b < a; b++) {
                LFT_CHECK(strcmp(lft_http_result_str(codes[a]), lft_http_result_str(codes[b])) != 0);
            }
        }
    }
    LFT_CHECK(strcmp(lft_http_result_str(LFT_HTTP_ERR_CHUNK), "LFT_HTTP_ERR_CHUNK") == 0);
    LFT_CHECK(strcmp(lft_http_result_str(LFT_HTTP_DONE), "LFT_HTTP_DONE") == 0);
    LFT_CHECK(strcmp(lft_http_result_str(12345), "?") == 0);
}

/* Large bodies: all bytes consumed in O(n) whatever the split, only the cap kept. */
static void test_response_large_body(void)
{
    static char in[70000];
    static char body[100];
    lft_http_resp_t r;
    size_t n, off = 0, used;
    int rc = LFT_HTTP_MORE;
    n = (size_t)sprintf(in, "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n");
    memset(in + n, 'b', 65536);
    n += 65536;
    n += (size_t)sprintf(in + n, "HTTP/1.1 204 No Content\r\n\r\n");
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
    while (off < n && rc == LFT_HTTP_MORE) {
        size_t step = n - off < 1000u ? n - off : 1000u;
        rc = lft_http_resp_feed(&r, (const uint8_t *)in + off, step, &used);
        off += used;
    }
    LFT_CHECK_EQ(rc, LFT_HTTP_DONE);
    LFT_CHECK_EQ(r.body_len, 65536);
    LFT_CHECK_EQ(r.body_stored, sizeof body);
    LFT_CHECK_EQ(r.body_truncated, 1);
    LFT_CHECK_EQ(n - off, strlen("HTTP/1.1 204 No Content\r\n\r\n"));
    LFT_CHECK_EQ(lft_http_resp_init(&r, body, sizeof body), LFT_OK);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)in + off, n - off, &used), LFT_HTTP_DONE);
    LFT_CHECK_EQ(r.status, 204);
}

/* ================================================================= dates */

static void test_parse_date(void)
{
    static const struct {
        const char *s;
        lft_err_t rc;
        uint64_t t;
    } t[] = {
        { "Sun, 06 Nov 1994 08:49:37 GMT", LFT_OK, 784111777u },
        { "Sunday, 06-Nov-94 08:49:37 GMT", LFT_OK, 784111777u },
        { "Sun Nov  6 08:49:37 1994", LFT_OK, 784111777u },
        { "Sun Nov 06 08:49:37 1994", LFT_OK, 784111777u },
        { "Thu, 01 Jan 1970 00:00:00 GMT", LFT_OK, 0u },
        { "Thursday, 01-Jan-70 00:00:00 GMT", LFT_OK, 0u },
        { "Tuesday, 01-Jan-69 00:00:00 GMT", LFT_OK, 3124224000u },
        { "Tue, 29 Feb 2000 12:00:00 GMT", LFT_OK, 951825600u },
        { "Fri, 01 Mar 2024 00:00:00 GMT", LFT_OK, 1709251200u },
        { "Sun Jun 15 10:30:00 2025", LFT_OK, 1749983400u },
        { "Wednesday, 15-Jun-25 10:30:00 GMT", LFT_OK, 1749983400u }, /* day not checked */
        { "Tue, 19 Jan 2038 03:14:08 GMT", LFT_OK, 2147483648u },
        { "Fri, 31 Dec 9999 23:59:59 GMT", LFT_OK, 253402300799u },
        { "Sat, 31 Dec 2016 23:59:60 GMT", LFT_OK, 1483228800u }, /* leap second */
        { "Sat, 29 Feb 2001 00:00:00 GMT", LFT_ERR_ARG, 0 },
        { "Mon, 29 Feb 1900 00:00:00 GMT", LFT_ERR_ARG, 0 },
        { "Wed, 31 Dec 1969 23:59:59 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 31 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 00 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 24:00:00 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 08:60:00 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 08:49:61 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "sun, 06 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 08:49:37 UTC", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 08:49:37 GMT ", LFT_ERR_ARG, 0 },
        { " Sun, 06 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 6 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 94 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 8:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06 Nov 1994 08:49:3x GMT", LFT_ERR_ARG, 0 },
        { "Xyz, 06 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sonday, 06-Nov-94 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun, 06-Nov-94 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sunday, 06 Nov 1994 08:49:37 GMT", LFT_ERR_ARG, 0 },
        { "Sun Nov  6 08:49:37 94", LFT_ERR_ARG, 0 },
        { "Sun Nov 6 08:49:37 1994", LFT_ERR_ARG, 0 },
        { "Sun Nov  x 08:49:37 1994", LFT_ERR_ARG, 0 },
        { "Xyz Nov  6 08:49:37 1994", LFT_ERR_ARG, 0 },
        { "Sun Nox  6 08:49:37 1994", LFT_ERR_ARG, 0 },
        { "Sun Nov x6 08:49:37 1994", LFT_ERR_ARG, 0 },
        { "Sun Nov  6 08:49:37 19x4", LFT_ERR_ARG, 0 },
        { "Sun Nov 31 08:49:37 1994", LFT_ERR_ARG, 0 },
        { "Sun Nov  6 08-49-37 1994", LFT_ERR_ARG, 0 },
        { "", LFT_ERR_ARG, 0 },
        { "1994-11-06T08:49:37Z", LFT_ERR_ARG, 0 },
    };
    size_t i;
    uint64_t v;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        lft_err_t rc;
        v = 424242;
        rc = lft_http_parse_date(t[i].s, strlen(t[i].s), &v);
        if (rc != t[i].rc) {
            fprintf(stderr, "date \"%s\": got %d\n", t[i].s, (int)rc);
        }
        LFT_CHECK_EQ(rc, t[i].rc);
        if (t[i].rc == LFT_OK) {
            LFT_CHECK_EQ(v, t[i].t);
        } else {
            LFT_CHECK_EQ(v, 424242); /* untouched */
        }
    }
    /* length is honoured: a prefix is not a date */
    LFT_CHECK_EQ(lft_http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 28, &v), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_parse_date(NULL, 29, &v), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, NULL), LFT_ERR_ARG);

    /* every format against the C library's gmtime over 1970..2100 */
    {
        static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        static const char *const wd[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char *const wdl[7] = { "Sunday", "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday" };
        uint64_t s;
        unsigned bad = 0, n = 0;
        for (s = 0; s < 4102444800u; s += 86400u * 3u + 3607u) {
            time_t tt = (time_t)s;
            struct tm *tm = gmtime(&tt);
            char buf[64];
            int len;
            if (tm == NULL) {
                break;
            }
            len = snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm->tm_wday],
                           tm->tm_mday, mon[tm->tm_mon], tm->tm_year + 1900, tm->tm_hour,
                           tm->tm_min, tm->tm_sec);
            if (lft_http_parse_date(buf, (size_t)len, &v) != LFT_OK || v != s) {
                bad++;
            }
            len = snprintf(buf, sizeof buf, "%s %s %2d %02d:%02d:%02d %04d", wd[tm->tm_wday],
                           mon[tm->tm_mon], tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
                           tm->tm_year + 1900);
            if (lft_http_parse_date(buf, (size_t)len, &v) != LFT_OK || v != s) {
                bad++;
            }
            if (tm->tm_year >= 70 && tm->tm_year < 170) {
                len = snprintf(buf, sizeof buf, "%s, %02d-%s-%02d %02d:%02d:%02d GMT",
                               wdl[tm->tm_wday], tm->tm_mday, mon[tm->tm_mon], tm->tm_year % 100,
                               tm->tm_hour, tm->tm_min, tm->tm_sec);
                if (lft_http_parse_date(buf, (size_t)len, &v) != LFT_OK || v != s) {
                    bad++;
                }
            }
            n++;
        }
        LFT_CHECK(n > 10000u);
        LFT_CHECK_EQ(bad, 0);
    }
}

/* =============================================================== request */

static const lft_http_header_t sample_extra[] = {
    { "x-langfuse-ingestion-version", "4" },
    { "x-langfuse-sdk-name", "lftrace" },
    { "x-langfuse-sdk-version", "0.1.0" },
    { "x-langfuse-public-key", "pk-lf-1234" },
};

static lft_http_request_t sample_request(void)
{
    lft_http_request_t q;
    memset(&q, 0, sizeof q);
    q.host = "cloud.langfuse.com";
    q.path = "/api/public/ingestion";
    q.content_type = "application/json";
    q.content_length = 1234;
    q.auth_basic = "cGstbGYtMTIzNDpzay1sZi01Njc4"; /* base64("pk-lf-1234:sk-lf-5678") */
    q.user_agent = "lftrace/0.1.0";
    q.extra = sample_extra;
    q.extra_count = sizeof sample_extra / sizeof sample_extra[0];
    return q;
}

static const char sample_bytes[] =
    "POST /api/public/ingestion HTTP/1.1\r\n"
    "Host: cloud.langfuse.com\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 1234\r\n"
    "Authorization: Basic cGstbGYtMTIzNDpzay1sZi01Njc4\r\n"
    "User-Agent: lftrace/0.1.0\r\n"
    "Connection: keep-alive\r\n"
    "x-langfuse-ingestion-version: 4\r\n"
    "x-langfuse-sdk-name: lftrace\r\n"
    "x-langfuse-sdk-version: 0.1.0\r\n"
    "x-langfuse-public-key: pk-lf-1234\r\n"
    "\r\n";

static void test_request_head(void)
{
    static char out[1024];
    lft_http_request_t q = sample_request();
    size_t n = 99, counted = 0, cap;

    LFT_CHECK_EQ(lft_http_request_head(NULL, 0, &q, &counted), LFT_OK);
    LFT_CHECK_EQ(counted, strlen(sample_bytes));
    memset(out, '#', sizeof out);
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_OK);
    LFT_CHECK_EQ(n, counted);
    LFT_CHECK_STRN(out, n, sample_bytes);
    LFT_CHECK_EQ(out[n], '#'); /* nothing past the head */

    /* exact cap fits; every smaller cap is refused with the size needed */
    LFT_CHECK_EQ(lft_http_request_head(out, counted, &q, &n), LFT_OK);
    for (cap = 0; cap < counted; cap++) {
        memset(out, '#', sizeof out);
        n = 0;
        LFT_CHECK_EQ(lft_http_request_head(out, cap, &q, &n), LFT_ERR_TOO_LARGE);
        LFT_CHECK_EQ(n, counted);
        LFT_CHECK_EQ(out[cap], '#'); /* never past cap */
    }

    /* minimal request, port, close, zero length */
    memset(&q, 0, sizeof q);
    q.host = "127.0.0.1";
    q.port = 3000;
    q.path = "/api/public/otel/v1/traces?x=1";
    q.close = 1;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_OK);
    LFT_CHECK_STRN(out, n,
                   "POST /api/public/otel/v1/traces?x=1 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n");
    LFT_CHECK_EQ(lft_http_request_head(NULL, 0, &q, &counted), LFT_OK);
    LFT_CHECK_EQ(counted, n);

    /* IPv6 hosts are bracketed */
    q.host = "::1";
    q.port = 8443;
    q.content_length = 18446744073709551615u;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_OK);
    LFT_CHECK(n > 60u && memcmp(out + 46, "Host: [::1]:8443\r\nContent-Length: 18446744073709551615\r\n",
                                54) == 0);
    q.host = "[fe80::1%25eth0]";
    q.port = 0;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_OK);
    LFT_CHECK(memcmp(out + 46, "Host: [fe80::1%25eth0]\r\n", 24) == 0);
}

static void test_request_injection(void)
{
    static const char *const bad_hosts[] = { "", "a b", "evil\r\nX: 1", "a\nb", "a/b", "a@b",
                                             "host:443", "[::1", "[]", "[a]b", "h\x80" };
    static const char *const bad_paths[] = { "", "api", "/a b", "/a\r\nX: 1", "/a\nb",
                                             "/a#frag", "/caf\xc3\xa9", "/\t" };
    static const char *const bad_values[] = { "", "a\r\nX-Evil: 1", "a\rb", "a\nb", " lead",
                                              "trail ", "a\x01", "a\x7f" };
    static const char *const bad_b64[] = { "", "abc", "ab=c", "a===", "abc\r\n", "ab c",
                                           "abc-", "YWJj\r\nX: 1" };
    static const char *const bad_names[] = { "", "X Y", "X:Y", "X\r\nY", "Content-Length",
                                             "HOST", "transfer-encoding", "Connection",
                                             "authorization", "User-Agent", "content-type",
                                             "X\x80" };
    static char out[512];
    lft_http_request_t q = sample_request();
    lft_http_header_t h[2];
    size_t n = 5, i;

    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, NULL, &n), LFT_ERR_ARG);
    LFT_CHECK_EQ(n, 0);

    for (i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        q = sample_request();
        q.host = bad_hosts[i];
        LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
        LFT_CHECK_EQ(lft_http_request_head(NULL, 0, &q, &n), LFT_ERR_ARG);
    }
    q = sample_request();
    q.host = NULL;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    for (i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        q = sample_request();
        q.path = bad_paths[i];
        LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    }
    q = sample_request();
    q.path = NULL;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        q = sample_request();
        q.content_type = bad_values[i];
        LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
        q = sample_request();
        q.user_agent = bad_values[i];
        LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
        if (bad_values[i][0] != '\0') { /* extra values may be empty */
            q = sample_request();
            h[0].name = "x-ok";
            h[0].value = bad_values[i];
            q.extra = h;
            q.extra_count = 1;
            LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
        }
    }
    for (i = 0; i < sizeof bad_b64 / sizeof bad_b64[0]; i++) {
        q = sample_request();
        q.auth_basic = bad_b64[i];
        LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    }
    for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        q = sample_request();
        h[0].name = "x-ok";
        h[0].value = "1";
        h[1].name = bad_names[i];
        h[1].value = "1";
        q.extra = h;
        q.extra_count = 2;
        LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    }
    q = sample_request();
    h[0].name = "x-ok";
    h[0].value = NULL;
    q.extra = h;
    q.extra_count = 1;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    h[0].name = NULL;
    h[0].value = "v";
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    q.extra = NULL;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);
    q = sample_request();
    q.close = 2;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_ERR_ARG);

    /* accepted edge values: empty extra value, padded base64, obs-text, tab inside */
    q = sample_request();
    h[0].name = "x-empty";
    h[0].value = "";
    h[1].name = "x-utf8";
    h[1].value = "caf\xc3\xa9\tok";
    q.extra = h;
    q.extra_count = 2;
    q.auth_basic = "YQ==";
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_OK);
    {
        static const char tail[] = "x-empty: \r\nx-utf8: caf\xc3\xa9\tok\r\n\r\n";
        LFT_CHECK(n > sizeof tail && memcmp(out + n - (sizeof tail - 1u), tail, sizeof tail - 1u) == 0);
    }
}

/* The parser accepts what the writer writes when the head is reused as a
 * response-like field block: every line the writer emits is a valid field
 * line (name ":" SP value CRLF). */
static void test_request_lines_parse(void)
{
    static char out[1024];
    static char resp[1200];
    lft_http_request_t q = sample_request();
    lft_http_resp_t r;
    size_t n, used, line_end;
    const char *nl;
    LFT_CHECK_EQ(lft_http_request_head(out, sizeof out, &q, &n), LFT_OK);
    nl = memchr(out, '\n', n);
    LFT_CHECK(nl != NULL);
    if (nl == NULL) {
        return;
    }
    line_end = (size_t)(nl - out) + 1u;
    /* replace the request line by a status line; the Content-Length of the
     * request becomes the response's, so give it a 1234-byte body */
    memcpy(resp, "HTTP/1.1 200 OK\r\n", 17);
    memcpy(resp + 17, out + line_end, n - line_end);
    LFT_CHECK_EQ(lft_http_resp_init(&r, NULL, 0), LFT_OK);
    LFT_CHECK_EQ(lft_http_resp_feed(&r, (const uint8_t *)resp, 17 + n - line_end, &used),
                 LFT_HTTP_MORE);
    LFT_CHECK_EQ(r.head_done, 1);
    LFT_CHECK_EQ(r.content_length, 1234);
    LFT_CHECK_EQ(r.keep_alive, 1);
    LFT_CHECK(strcmp(r.content_type, "application/json") == 0);
}

int main(void)
{
    LFT_RUN(test_response_table);
    LFT_RUN(test_response_fields);
    LFT_RUN(test_retry_after);
    LFT_RUN(test_response_api);
    LFT_RUN(test_response_large_body);
    LFT_RUN(test_parse_date);
    LFT_RUN(test_request_head);
    LFT_RUN(test_request_injection);
    LFT_RUN(test_request_lines_parse);
    return LFT_TEST_REPORT();
}
