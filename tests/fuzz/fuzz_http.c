/*
 * fuzz_http.c - libFuzzer target for the HTTP/1.1 codec (transports/lft_http.c).
 *
 * Response parser: data[1..] is fed as a stream of pipelined responses
 * three ways: whole, in two pieces split where data[0] says, and byte by
 * byte (inputs up to 4 KiB). All three must agree exactly, and every call
 * must keep the invariants (consumed <= len, MORE consumes everything, DONE
 * makes progress, body_stored == min(body_len, cap) <= cap, only MORE, DONE
 * or a documented error). The body buffer is malloc'ed at its exact size so
 * AddressSanitizer sees any overflow.
 *
 * Request writer: data[1..] split at NUL bytes gives host, path,
 * content type, user agent, authorization and extra header names/values.
 * When accepted, the counting pass must equal the written length, a buffer
 * one byte short must be refused, the head must hold exactly one CRLF per
 * line and no other CR or LF, and the parser must read its field lines back.
 *
 * HTTP-date: data[1..] (up to 40 bytes) goes to lft_http_parse_date.
 *
 * Build:
 *   clang -g -fsanitize=fuzzer,address,undefined -Icore -Itransports \
 *         tests/fuzz/fuzz_http.c transports/lft_http.c -o fuzz_http
 *   ./fuzz_http -max_total_time=60 corpus/
 * Without libFuzzer (replays the files and directories given):
 *   cc -DLFT_FUZZ_STANDALONE -Icore -Itransports tests/fuzz/fuzz_http.c \
 *      transports/lft_http.c -o fuzz_http_replay && ./fuzz_http_replay corpus/
 */
#include "lft_fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_http.h"

/* ======================================================= response parser */

#define FUZZ_MAX_RESP 256u
#define FUZZ_BYTEWISE_MAX 4096u

typedef struct {
    uint16_t status;
    uint8_t version_minor, keep_alive, chunked, body_truncated, has_date, retry_kind;
    uint64_t body_len, date_s, retry_after, content_length;
    size_t body_stored;
    uint32_t body_hash;
    uint32_t ctype_hash;
    size_t end;
} fuzz_resp_t;

typedef struct {
    fuzz_resp_t resp[FUZZ_MAX_RESP];
    size_t n;
    int final_rc;
} fuzz_run_t;

static uint32_t fuzz_hash(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) {
        h = (h ^ b[i]) * 16777619u;
    }
    return h;
}

static int fuzz_known_error(int rc)
{
    switch (rc) {
    case LFT_HTTP_ERR_STATUS:
    case LFT_HTTP_ERR_HEADER:
    case LFT_HTTP_ERR_LINE:
    case LFT_HTTP_ERR_HEAD:
    case LFT_HTTP_ERR_LENGTH:
    case LFT_HTTP_ERR_TE:
    case LFT_HTTP_ERR_CHUNK:
    case LFT_HTTP_ERR_NO_RESPONSE:
    case LFT_HTTP_ERR_TRUNCATED:
        return 1;
    default:
        return 0;
    }
}

static void fuzz_check_state(const lft_http_resp_t *r, size_t cap)
{
    FUZZ_CHECK(r->body_cap == cap);
    FUZZ_CHECK(r->body_stored <= cap);
    FUZZ_CHECK(r->body_stored == (r->body_len < cap ? r->body_len : cap));
    FUZZ_CHECK(r->body_truncated == (r->body_len > cap));
    FUZZ_CHECK(memchr(r->content_type, '\0', sizeof r->content_type) != NULL);
    FUZZ_CHECK(r->line_len <= LFT_HTTP_LINE_MAX);
    FUZZ_CHECK(r->head_bytes <= LFT_HTTP_HEAD_MAX + 1u);
}

static void fuzz_record(const lft_http_resp_t *r, size_t end, fuzz_run_t *out)
{
    fuzz_resp_t *p;
    FUZZ_CHECK(r->head_done == 1u);
    FUZZ_CHECK(r->status >= 200u && r->status <= 599u);
    FUZZ_CHECK(r->version_minor <= 1u);
    FUZZ_CHECK(r->keep_alive <= 1u);
    if (out->n >= FUZZ_MAX_RESP) {
        return; /* cannot happen: a response needs more than 16 bytes */
    }
    p = &out->resp[out->n++];
    memset(p, 0, sizeof *p);
    p->status = r->status;
    p->version_minor = r->version_minor;
    p->keep_alive = r->keep_alive;
    p->chunked = r->chunked;
    p->body_truncated = r->body_truncated;
    p->has_date = r->has_date;
    p->retry_kind = r->retry_after_kind;
    p->body_len = r->body_len;
    p->date_s = r->date_s;
    p->retry_after = r->retry_after;
    p->content_length = r->content_length;
    p->body_stored = r->body_stored;
    p->body_hash = fuzz_hash(r->body_buf, r->body_stored);
    p->ctype_hash = fuzz_hash(r->content_type, strlen(r->content_type));
    p->end = end;
}

/* Feed d[0..n) in pieces: mode 0 whole, 1 split at split, 2 byte by byte. */
static void fuzz_run(const uint8_t *d, size_t n, char *body, size_t cap, int mode, size_t split,
                     fuzz_run_t *out)
{
    lft_http_resp_t r;
    size_t off = 0;
    int rc;
    out->n = 0;
    out->final_rc = 0;
    FUZZ_CHECK(lft_http_resp_init(&r, body, cap) == LFT_OK);
    while (off < n) {
        size_t step = n - off, used = (size_t)-1;
        if (mode == 1 && off < split) {
            step = split - off;
        } else if (mode == 2) {
            step = 1;
        }
        rc = lft_http_resp_feed(&r, d + off, step, &used);
        FUZZ_CHECK(used <= step);
        fuzz_check_state(&r, cap);
        if (rc == LFT_HTTP_DONE) {
            FUZZ_CHECK(used > 0u); /* progress: a fresh parser needs bytes to finish */
            off += used;
            fuzz_record(&r, off, out);
            FUZZ_CHECK(lft_http_resp_init(&r, body, cap) == LFT_OK);
        } else if (rc == LFT_HTTP_MORE) {
            FUZZ_CHECK(used == step);
            off += used;
        } else {
            FUZZ_CHECK(fuzz_known_error(rc));
            /* sticky */
            FUZZ_CHECK(lft_http_resp_feed(&r, d, n, &used) == rc && used == 0u);
            FUZZ_CHECK(lft_http_resp_eof(&r) == rc);
            out->final_rc = rc;
            return;
        }
    }
    rc = lft_http_resp_eof(&r);
    fuzz_check_state(&r, cap);
    if (rc == LFT_HTTP_DONE) {
        fuzz_record(&r, off, out);
        FUZZ_CHECK(r.keep_alive == 0u);
    } else {
        FUZZ_CHECK(rc == LFT_HTTP_ERR_NO_RESPONSE || rc == LFT_HTTP_ERR_TRUNCATED);
        FUZZ_CHECK(lft_http_resp_eof(&r) == rc);
    }
    out->final_rc = rc;
}

static int fuzz_same(const fuzz_run_t *a, const fuzz_run_t *b)
{
    size_t i;
    if (a->n != b->n || a->final_rc != b->final_rc) {
        return 0;
    }
    for (i = 0; i < a->n; i++) {
        const fuzz_resp_t *x = &a->resp[i], *y = &b->resp[i];
        if (x->status != y->status || x->version_minor != y->version_minor ||
            x->keep_alive != y->keep_alive || x->chunked != y->chunked ||
            x->body_truncated != y->body_truncated || x->has_date != y->has_date ||
            x->retry_kind != y->retry_kind || x->body_len != y->body_len ||
            x->date_s != y->date_s || x->retry_after != y->retry_after ||
            x->content_length != y->content_length || x->body_stored != y->body_stored ||
            x->body_hash != y->body_hash || x->ctype_hash != y->ctype_hash || x->end != y->end) {
            return 0;
        }
    }
    return 1;
}

static void fuzz_parser(uint8_t sel, const uint8_t *d, size_t n)
{
    static fuzz_run_t whole, other;
    size_t cap = (size_t)(sel & 0x1fu); /* 0..31: small, so truncation is common */
    size_t split = n == 0u ? 0u : ((size_t)sel * n) / 255u;
    char *body = cap != 0u ? (char *)malloc(cap) : NULL;
    FUZZ_CHECK(cap == 0u || body != NULL);

    fuzz_run(d, n, body, cap, 0, 0, &whole);
    fuzz_run(d, n, body, cap, 1, split, &other);
    FUZZ_CHECK(fuzz_same(&whole, &other));
    if (n <= FUZZ_BYTEWISE_MAX) {
        fuzz_run(d, n, body, cap, 2, 0, &other);
        FUZZ_CHECK(fuzz_same(&whole, &other));
    }
    free(body);
}

/* ========================================================= request writer */

#define FUZZ_FIELDS 16u

static size_t fuzz_count(const char *s, size_t n, char c)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        k += s[i] == c;
    }
    return k;
}

static void fuzz_writer(uint8_t sel, const uint8_t *d, size_t n)
{
    char *copy, *field[FUZZ_FIELDS];
    size_t nf = 0, i, counted = 0, written = 0, lines, extra_n;
    lft_http_header_t extra[(FUZZ_FIELDS - 5u) / 2u];
    lft_http_request_t q;
    lft_err_t rc;
    char *out;

    copy = (char *)malloc(n + 1u);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, d, n);
    copy[n] = '\0';
    field[nf++] = copy;
    for (i = 0; i < n && nf < FUZZ_FIELDS; i++) {
        if (copy[i] == '\0') {
            field[nf++] = copy + i + 1;
        }
    }
    memset(&q, 0, sizeof q);
    q.host = field[0];
    q.path = nf > 1u ? field[1] : "/";
    q.content_type = nf > 2u && (sel & 1u) ? field[2] : NULL;
    q.user_agent = nf > 3u && (sel & 2u) ? field[3] : NULL;
    q.auth_basic = nf > 4u && (sel & 4u) ? field[4] : NULL;
    q.port = (uint16_t)(sel & 8u ? 443u * sel : 0u);
    q.close = (uint8_t)((sel >> 4) & 1u);
    q.content_length = (uint64_t)n * 0x9E3779B97F4A7C15ull;
    extra_n = 0;
    for (i = 5; i + 1u < nf && extra_n < sizeof extra / sizeof extra[0]; i += 2u) {
        extra[extra_n].name = field[i];
        extra[extra_n].value = field[i + 1u];
        extra_n++;
    }
    q.extra = extra;
    q.extra_count = extra_n;

    rc = lft_http_request_head(NULL, 0, &q, &counted);
    FUZZ_CHECK(rc == LFT_OK || rc == LFT_ERR_ARG);
    if (rc != LFT_OK) {
        FUZZ_CHECK(counted == 0u);
        free(copy);
        return;
    }
    out = (char *)malloc(counted);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(lft_http_request_head(out, counted, &q, &written) == LFT_OK);
    FUZZ_CHECK(written == counted);

    /* exactly one CRLF per line, no other CR or LF */
    lines = 4u + (q.content_type != NULL) + (q.user_agent != NULL) + (q.auth_basic != NULL) +
            extra_n + 1u; /* request line, Host, Content-Length, Connection, ..., empty */
    FUZZ_CHECK(fuzz_count(out, written, '\n') == lines);
    FUZZ_CHECK(fuzz_count(out, written, '\r') == lines);
    for (i = 0; i < written; i++) {
        FUZZ_CHECK(out[i] != '\0');
        if (out[i] == '\r') {
            FUZZ_CHECK(i + 1u < written && out[i + 1u] == '\n');
        }
    }
    FUZZ_CHECK(written >= 4u && memcmp(out + written - 4u, "\r\n\r\n", 4) == 0);

    /* the field lines read back as a response head (when within the limits) */
    {
        const char *nl = (const char *)memchr(out, '\n', written);
        size_t first = (size_t)(nl - out) + 1u, longest = 0, run = 0;
        for (i = first; i < written; i++) {
            run = out[i] == '\n' ? 0u : run + 1u;
            longest = run > longest ? run : longest;
        }
        if (longest <= LFT_HTTP_LINE_MAX && written - first + 17u <= LFT_HTTP_HEAD_MAX) {
            char *resp = (char *)malloc(written - first + 17u);
            lft_http_resp_t r;
            size_t used;
            int prc;
            FUZZ_CHECK(resp != NULL);
            memcpy(resp, "HTTP/1.1 200 OK\r\n", 17);
            memcpy(resp + 17, out + first, written - first);
            FUZZ_CHECK(lft_http_resp_init(&r, NULL, 0) == LFT_OK);
            prc = lft_http_resp_feed(&r, (const uint8_t *)resp, written - first + 17u, &used);
            FUZZ_CHECK(prc == LFT_HTTP_MORE || prc == LFT_HTTP_DONE);
            FUZZ_CHECK(r.head_done == 1u);
            FUZZ_CHECK(r.has_content_length && r.content_length == q.content_length);
            FUZZ_CHECK(r.keep_alive == (q.close ? 0u : 1u));
            free(resp);
        }
    }

    if (counted > 0u) {
        FUZZ_CHECK(lft_http_request_head(out, counted - 1u, &q, &written) == LFT_ERR_TOO_LARGE);
        FUZZ_CHECK(written == counted);
    }
    free(out);
    free(copy);
}

/* ================================================================= entry */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t sel;
    if (size == 0u) {
        return 0;
    }
    sel = data[0];
    data++;
    size--;
    fuzz_parser(sel, data, size);
    fuzz_writer(sel, data, size);
    {
        uint64_t t = 0;
        size_t dn = size < 40u ? size : 40u;
        /* a copy of exactly dn bytes: reading past it is an ASan report */
        char *s = (char *)malloc(dn != 0u ? dn : 1u);
        FUZZ_CHECK(s != NULL);
        if (dn != 0u) {
            memcpy(s, data, dn);
        }
        if (lft_http_parse_date(s, dn, &t) == LFT_OK) {
            FUZZ_CHECK(t <= 253402300799u); /* 9999-12-31T23:59:59Z */
        }
        free(s);
    }
    return 0;
}

#ifdef LFT_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return lft_fuzz_replay_main(argc, argv, "fuzz_http");
}
#endif
