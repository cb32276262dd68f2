/*
 * lft_http.h - a transport-independent HTTP/1.1 client codec: a request-head
 * writer and a push parser for responses. No sockets, no heap: the layer
 * below (TLS, a plain socket, a test buffer) moves the bytes.
 *
 * Request. lft_http_request_head() writes "POST <path> HTTP/1.1" and the
 * headers of an lft_http_request_t into a caller buffer (or only counts them
 * when the buffer is NULL). Every string is validated first, so a value
 * carrying CR, LF or NUL can never inject a header.
 *
 * Response. lft_http_resp_t holds the whole parser state (about 700 bytes
 * plus the caller's body buffer). Feed it the bytes read from the connection
 * in pieces of any size; it returns LFT_HTTP_MORE until one complete response
 * has been parsed, then LFT_HTTP_DONE and how many of the bytes belonged to
 * that response: the rest begin the next response on a keep-alive
 * connection (initialise the parser again and feed them to it).
 *
 * SECURITY. Response bytes are untrusted. For any input the parser never
 * reads outside the given bytes, never writes outside the struct and the
 * body buffer, never recurses, does O(1) work per input byte, and keeps every
 * count overflow-checked. It refuses what could make two parsers disagree on
 * where a response ends (conflicting Content-Length, Content-Length together
 * with Transfer-Encoding, unknown transfer codings, obs-fold in a framing
 * header, bare CR, NUL). After any error the connection must be closed: the
 * framing of the bytes that follow is unknown.
 */
#ifndef LFT_HTTP_H
#define LFT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "lft_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --------------------------------------------------------------- limits */

/* Longest line kept of the status line, a header or trailer field, or a
 * chunk-size line (without its CRLF). A longer status line, chunk-size line
 * or interpreted field (Content-Length, Transfer-Encoding, Connection, Date,
 * Retry-After) is an error; a longer Content-Type is truncated; a longer
 * line of any other field is skipped. */
#ifndef LFT_HTTP_LINE_MAX
#define LFT_HTTP_LINE_MAX 512u
#endif

/* Most bytes of response head (status lines and header fields of the final
 * response and of every 1xx response before it, with their CRLFs); also the
 * most bytes of a chunked body's trailer section. Beyond: LFT_HTTP_ERR_HEAD. */
#ifndef LFT_HTTP_HEAD_MAX
#define LFT_HTTP_HEAD_MAX 8192u
#endif

/* Most header fields in one response head (or trailer section). */
#ifndef LFT_HTTP_FIELDS_MAX
#define LFT_HTTP_FIELDS_MAX 100u
#endif

/* Bytes of the Content-Type value kept (longer values are cut). */
#ifndef LFT_HTTP_CTYPE_MAX
#define LFT_HTTP_CTYPE_MAX 63u
#endif

#if LFT_HTTP_LINE_MAX < 16 || LFT_HTTP_LINE_MAX > 65535
#error "LFT_HTTP_LINE_MAX must be in 16..65535"
#endif
#if LFT_HTTP_HEAD_MAX > 2147483647
#error "LFT_HTTP_HEAD_MAX must be below 2^31"
#endif

/* Largest delta-seconds value kept in Retry-After: bigger ones saturate
 * (the RFC 9111 section 1.2.2 rule for delta-seconds). */
#define LFT_HTTP_DELTA_MAX 2147483648u

/* ------------------------------------------------------- result codes */

/* Positive results of lft_http_resp_feed() / lft_http_resp_eof(). */
#define LFT_HTTP_MORE 1 /* the response is not complete yet: feed more bytes */
#define LFT_HTTP_DONE 2 /* one complete response has been parsed */

/* Negative results besides LFT_ERR_ARG (a NULL argument). The parser keeps
 * the first error; later calls return it again. */
#define LFT_HTTP_ERR_STATUS (-200)      /* malformed status line, version other than HTTP/1.0
                                           or HTTP/1.1, status outside 100-599, or 101 */
#define LFT_HTTP_ERR_HEADER (-201)      /* malformed field line: empty or invalid name, no
                                           colon, space before the colon, NUL, bare CR or
                                           other control byte, obs-fold of an interpreted
                                           field or before the first field */
#define LFT_HTTP_ERR_LINE (-202)        /* status line or interpreted field line longer than
                                           LFT_HTTP_LINE_MAX */
#define LFT_HTTP_ERR_HEAD (-203)        /* head or trailers over LFT_HTTP_HEAD_MAX bytes or
                                           LFT_HTTP_FIELDS_MAX fields */
#define LFT_HTTP_ERR_LENGTH (-204)      /* Content-Length not 1*DIGIT, over 2^64-1, two
                                           different values, or sent with Transfer-Encoding */
#define LFT_HTTP_ERR_TE (-205)          /* Transfer-Encoding other than exactly "chunked"
                                           (once, last), or in an HTTP/1.0 response */
#define LFT_HTTP_ERR_CHUNK (-206)       /* bad chunk-size line, chunk size or body total over
                                           2^64-1, chunk data not followed by CRLF */
#define LFT_HTTP_ERR_NO_RESPONSE (-207) /* eof before any byte of a response (typically a
                                           keep-alive connection the server closed) */
#define LFT_HTTP_ERR_TRUNCATED (-208)   /* eof in the middle of a response */

/* Constant name of a result of this module ("LFT_HTTP_ERR_CHUNK",
 * "LFT_HTTP_DONE", "LFT_OK", "LFT_ERR_ARG", "LFT_ERR_TOO_LARGE"); "?" for any
 * other value. Never NULL. */
const char *lft_http_result_str(int rc);

/* -------------------------------------------------------------- request */

/* One extra header field. */
typedef struct {
    const char *name;  /* token characters only (RFC 9110 tchar), non-empty */
    const char *value; /* visible ASCII, obs-text (bytes >= 0x80), SP and HTAB, not
                          starting or ending with SP/HTAB; no CR, LF, NUL or other
                          control byte; may be empty */
} lft_http_header_t;

/* A request head. Zero the fields you do not set. Strings are NUL-terminated
 * and only read during the call. */
typedef struct {
    const char *host;          /* required: host name, IPv4 address or IPv6 address
                                  (bracketed or not: a host with two or more colons is
                                  written inside []); characters A-Z a-z 0-9 - . _ ~ ! $ &
                                  ' ( ) * + , ; = % and, for IPv6, : [ ]; no port */
    uint16_t port;             /* appended to Host as ":port" unless 0 (the scheme's default) */
    const char *path;          /* required: origin form, '/' then visible ASCII (query allowed,
                                  no '#', no space) */
    const char *content_type;  /* Content-Type value (non-empty), or NULL to omit */
    uint64_t content_length;   /* Content-Length (always written) */
    const char *auth_basic;    /* base64 of "public_key:secret_key" (the base64 alphabet
                                  only), or NULL to omit Authorization */
    const char *user_agent;    /* User-Agent value (non-empty), or NULL to omit */
    uint8_t close;             /* 0: "Connection: keep-alive"; 1: "Connection: close" */
    const lft_http_header_t *extra; /* extra fields, written in order after the others;
                                       none may be named Host, Content-Type, Content-Length,
                                       Transfer-Encoding, Authorization, User-Agent or
                                       Connection (any case) */
    size_t extra_count;
} lft_http_request_t;

/*
 * Write the request head of req, ending with the empty line, to out:
 *
 *     POST <path> HTTP/1.1\r\n
 *     Host: <host>[:<port>]\r\n
 *     Content-Type: <content_type>\r\n            (if set)
 *     Content-Length: <content_length>\r\n
 *     Authorization: Basic <auth_basic>\r\n       (if set)
 *     User-Agent: <user_agent>\r\n                (if set)
 *     Connection: keep-alive\r\n                  ("close" when req->close)
 *     <name>: <value>\r\n                         (each extra header)
 *     \r\n
 *
 * out:     cap bytes of caller storage, or NULL to only count (cap ignored).
 *          Not NUL-terminated. Unspecified after an error.
 * written: required; receives the length of the head (also when it does not
 *          fit, so a failed call tells the size needed); 0 on LFT_ERR_ARG.
 * Returns LFT_OK; LFT_ERR_ARG when req, host, path or written is NULL, or any
 * string breaks the rules in lft_http_request_t (this is the header-injection
 * check: CR, LF and NUL are refused everywhere); LFT_ERR_TOO_LARGE when out
 * is not NULL and the head is longer than cap.
 */
lft_err_t lft_http_request_head(char *out, size_t cap, const lft_http_request_t *req,
                                size_t *written);

/* ------------------------------------------------------------- response */

/* How Retry-After was given. */
typedef enum {
    LFT_HTTP_RETRY_NONE = 0,  /* absent or not valid */
    LFT_HTTP_RETRY_DELAY = 1, /* delta-seconds */
    LFT_HTTP_RETRY_DATE = 2   /* HTTP-date, as Unix seconds */
} lft_http_retry_t;

/*
 * Response parser state and result. Allocate it anywhere (about 700 bytes);
 * read the public fields, never write them; the fields after "private" are
 * the parser's.
 *
 * The head fields describe the final (non-1xx) response and are valid once
 * head_done is 1 (interim 1xx responses are parsed and forgotten). The body
 * fields grow as the body arrives and are final at LFT_HTTP_DONE.
 */
typedef struct {
    /* head */
    uint16_t status;               /* 100..599 (never 1xx once head_done); 0 before */
    uint8_t version_minor;         /* 0: HTTP/1.0, 1: HTTP/1.1 */
    uint8_t head_done;             /* 1 when the final response's head is parsed */
    uint8_t keep_alive;            /* 1 when the connection can carry another request after
                                      LFT_HTTP_DONE (HTTP/1.1 without "Connection: close",
                                      HTTP/1.0 with "Connection: keep-alive", and the body is
                                      not delimited by the close) */
    uint8_t chunked;               /* Transfer-Encoding: chunked */
    uint8_t has_content_length;    /* content_length is valid */
    uint8_t has_date;              /* date_s is valid (Date header present and valid) */
    uint8_t retry_after_kind;      /* lft_http_retry_t */
    uint8_t content_type_truncated;/* the Content-Type value was longer than LFT_HTTP_CTYPE_MAX */
    uint8_t body_truncated;        /* body_len > body_cap: the rest was read and discarded */
    uint64_t content_length;       /* Content-Length */
    uint64_t date_s;               /* Date, Unix seconds */
    uint64_t retry_after;          /* seconds (RETRY_DELAY) or Unix seconds (RETRY_DATE) */
    char content_type[LFT_HTTP_CTYPE_MAX + 1u]; /* NUL-terminated, "" when absent */

    /* body */
    char *body_buf;                /* caller storage given to lft_http_resp_init */
    size_t body_cap;
    size_t body_stored;            /* bytes in body_buf: min(body_len, body_cap) */
    uint64_t body_len;             /* body bytes received (after de-chunking) */

    /* private */
    uint64_t remaining;            /* bytes left in the Content-Length body or chunk */
    uint32_t head_bytes;           /* bytes of head (or trailers) so far */
    uint32_t fields;               /* field lines in this head (or trailer section) */
    int32_t err;                   /* first error, 0 if none */
    uint16_t line_len;             /* bytes kept in line */
    uint8_t state;
    uint8_t line_over;             /* the current line is longer than LFT_HTTP_LINE_MAX */
    uint8_t line_cr;               /* the last byte was a CR */
    uint8_t last_field;            /* kind of the previous field line (for obs-fold) */
    uint8_t seen;                  /* any byte of this response has been fed */
    uint8_t te_seen;               /* a Transfer-Encoding field was present */
    uint8_t te_other;              /* a coding other than chunked was listed */
    uint8_t conn_close;            /* "close" in Connection */
    uint8_t conn_keep;             /* "keep-alive" in Connection */
    char line[LFT_HTTP_LINE_MAX];
} lft_http_resp_t;

/*
 * Prepare r to parse one response. body_buf (body_cap bytes, caller-owned,
 * must outlive the parse) receives the first body_cap bytes of the body;
 * body_buf may be NULL when body_cap is 0 (the body is then only counted).
 * Call again with the same buffer to parse the next response of a
 * keep-alive connection. Returns LFT_OK, or LFT_ERR_ARG when r is NULL or
 * body_buf is NULL with body_cap > 0.
 */
lft_err_t lft_http_resp_init(lft_http_resp_t *r, char *body_buf, size_t body_cap);

/*
 * Feed len bytes read from the connection (data may be NULL when len is 0).
 * consumed (required) receives how many of them were used: len on
 * LFT_HTTP_MORE; on LFT_HTTP_DONE the bytes up to the end of the response,
 * so data[*consumed..len) belongs to the next response; unspecified (<= len)
 * on an error.
 * Returns LFT_HTTP_MORE, LFT_HTTP_DONE, LFT_ERR_ARG (NULL r or consumed, or
 * NULL data with len > 0; r is not changed) or an LFT_HTTP_ERR_* code (see
 * above; r keeps it). Once DONE or an error was returned, further calls
 * consume nothing and return the same result until lft_http_resp_init.
 * A body delimited by the connection's close (no Content-Length, not
 * chunked) returns LFT_HTTP_MORE until lft_http_resp_eof is called.
 * 1xx responses other than 101 are skipped; 101 is LFT_HTTP_ERR_STATUS (this
 * client never asks to upgrade). Responses 204 and 304 have no body whatever
 * their headers say. Lines may end with CRLF or a bare LF.
 */
int lft_http_resp_feed(lft_http_resp_t *r, const uint8_t *data, size_t len, size_t *consumed);

/*
 * Tell r that the connection was closed (orderly) after the bytes fed so far.
 * Returns LFT_HTTP_DONE when that completes the response (a close-delimited
 * body, or r was already DONE); LFT_HTTP_ERR_NO_RESPONSE when no byte of a
 * response had been fed; LFT_HTTP_ERR_TRUNCATED when the response was
 * incomplete; the kept error if r already failed; LFT_ERR_ARG for NULL r.
 */
int lft_http_resp_eof(lft_http_resp_t *r);

/*
 * Seconds to wait as the response's Retry-After says. For the date form the
 * reference "now" is the response's Date when it had a valid one (immune to
 * a wrong device clock), else now_s (the device's Unix time; 0 if unknown).
 * A date in the past gives 0.
 * Returns 1 and sets *delay_s; 0 when r has no usable Retry-After (absent,
 * invalid, or the date form with neither a Date header nor now_s); 0 for
 * NULL arguments.
 */
int lft_http_resp_retry_after(const lft_http_resp_t *r, uint64_t now_s, uint64_t *delay_s);

/*
 * Parse an HTTP-date (RFC 9110 section 5.6.7), exactly len bytes of s with
 * no surrounding whitespace, in any of its three formats:
 *     IMF-fixdate   "Sun, 06 Nov 1994 08:49:37 GMT"
 *     RFC 850       "Sunday, 06-Nov-94 08:49:37 GMT"  (years 70-99 are 19xx,
 *                                                       00-69 are 20xx)
 *     asctime       "Sun Nov  6 08:49:37 1994"
 * Names are case-sensitive as the RFC says; the day name must be valid but
 * is not checked against the date; second 60 (leap) is accepted.
 * Returns LFT_OK and sets *unix_s; LFT_ERR_ARG for NULL s or unix_s, a
 * malformed string, an impossible date (Feb 30) or a year before 1970.
 */
lft_err_t lft_http_parse_date(const char *s, size_t len, uint64_t *unix_s);

#ifdef __cplusplus
}
#endif
#endif /* LFT_HTTP_H */
