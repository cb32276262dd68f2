/*
 * lft_http.c - HTTP/1.1 client codec (see lft_http.h).
 *
 * The response parser is a byte-driven state machine. Head lines (status
 * line, field lines, chunk-size lines, trailer lines) are validated byte by
 * byte as they arrive and kept in r->line up to LFT_HTTP_LINE_MAX bytes; a
 * line is interpreted when its LF arrives, so no byte is ever looked at
 * twice and no lookahead is needed: the end of a response is known at the
 * exact byte that ends it. Body bytes are copied in bulk.
 */
#include "lft_http.h"

#include <string.h>

/* ------------------------------------------------------------ characters */

static int lft_http_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int lft_http_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int lft_http_is_ows(int c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 tchar. */
static int lft_http_is_tchar(int c)
{
    static const char marks[] = "!#$%&'*+-.^_`|~";
    return lft_http_is_alpha(c) || lft_http_is_digit(c) ||
           memchr(marks, c, sizeof marks - 1u) != NULL;
}

/* Value of a hex digit, or -1. */
static int lft_http_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int lft_http_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive equality of (p, n) with the lowercase literal lit. */
static int lft_http_ieq(const char *p, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (lit[i] == '\0' || lft_http_lower((unsigned char)p[i]) != lit[i]) {
            return 0;
        }
    }
    return lit[n] == '\0';
}

/* ------------------------------------------------------------ result names */

const char *lft_http_result_str(int rc)
{
    switch (rc) {
    case LFT_OK: return "LFT_OK";
    case LFT_HTTP_MORE: return "LFT_HTTP_MORE";
    case LFT_HTTP_DONE: return "LFT_HTTP_DONE";
    case LFT_ERR_ARG: return "LFT_ERR_ARG";
    case LFT_ERR_TOO_LARGE: return "LFT_ERR_TOO_LARGE";
    case LFT_HTTP_ERR_STATUS: return "LFT_HTTP_ERR_STATUS";
    case LFT_HTTP_ERR_HEADER: return "LFT_HTTP_ERR_HEADER";
    case LFT_HTTP_ERR_LINE: return "LFT_HTTP_ERR_LINE";
    case LFT_HTTP_ERR_HEAD: return "LFT_HTTP_ERR_HEAD";
    case LFT_HTTP_ERR_LENGTH: return "LFT_HTTP_ERR_LENGTH";
    case LFT_HTTP_ERR_TE: return "LFT_HTTP_ERR_TE";
    case LFT_HTTP_ERR_CHUNK: return "LFT_HTTP_ERR_CHUNK";
    case LFT_HTTP_ERR_NO_RESPONSE: return "LFT_HTTP_ERR_NO_RESPONSE";
    case LFT_HTTP_ERR_TRUNCATED: return "LFT_HTTP_ERR_TRUNCATED";
    default: return "?";
    }
}

/* ================================================================ request */

/* A bounded writer that counts everything and writes only what fits. */
typedef struct {
    char *out;    /* NULL: count only */
    size_t cap;
    size_t len;   /* bytes of the head so far (saturates at SIZE_MAX) */
    int nofit;    /* out is set and something did not fit */
} lft_http_w_t;

static void lft_http_w_put(lft_http_w_t *w, const char *s, size_t n)
{
    if (n > (size_t)-1 - w->len) {
        w->len = (size_t)-1;
        w->nofit = 1;
        return;
    }
    if (w->out != NULL && !w->nofit) {
        if (n <= w->cap - w->len) {
            memcpy(w->out + w->len, s, n);
        } else {
            w->nofit = 1;
        }
    }
    w->len += n;
}

static void lft_http_w_str(lft_http_w_t *w, const char *s)
{
    lft_http_w_put(w, s, strlen(s));
}

/* The field line "<name><sep><value>\r\n"; nothing when value is NULL. */
static void lft_http_w_line(lft_http_w_t *w, const char *name, const char *sep, const char *value)
{
    if (value != NULL) {
        lft_http_w_str(w, name);
        lft_http_w_str(w, sep);
        lft_http_w_str(w, value);
        lft_http_w_str(w, "\r\n");
    }
}

static void lft_http_w_u64(lft_http_w_t *w, uint64_t v)
{
    char digits[20];
    size_t n = sizeof digits;
    do {
        digits[--n] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u && n > 0u);
    lft_http_w_put(w, digits + n, sizeof digits - n);
}

/* A field value: field-vchar, SP, HTAB; not starting or ending with
 * whitespace. Empty is allowed only when allow_empty. */
static int lft_http_valid_value(const char *s, int allow_empty)
{
    size_t n = strlen(s), i;
    if (n == 0u) {
        return allow_empty;
    }
    if (lft_http_is_ows((unsigned char)s[0]) || lft_http_is_ows((unsigned char)s[n - 1u])) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20u && c != '\t') || c == 0x7fu) {
            return 0;
        }
    }
    return 1;
}

static int lft_http_valid_token(const char *s)
{
    size_t i;
    if (s[0] == '\0') {
        return 0;
    }
    for (i = 0; s[i] != '\0'; i++) {
        if (!lft_http_is_tchar((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* Host: reg-name / IPv4 / IPv6 (bare or in brackets). Sets *bracket when
 * the host must be written inside brackets. */
static int lft_http_valid_host(const char *s, int *bracket)
{
    static const char marks[] = "-._~!$&'()*+,;=%";
    size_t n = strlen(s), i, colons = 0, start = 0, end = n;
    *bracket = 0;
    if (n == 0u) {
        return 0;
    }
    if (s[0] == '[') {
        if (n < 3u || s[n - 1u] != ']') {
            return 0;
        }
        start = 1;
        end = n - 1u;
    }
    for (i = start; i < end; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ':') {
            colons++;
        } else if (!(lft_http_is_alpha(c) || lft_http_is_digit(c) ||
                     memchr(marks, c, sizeof marks - 1u) != NULL)) {
            return 0;
        }
    }
    if (start == 1u) {
        return colons >= 2u; /* an IP-literal */
    }
    if (colons == 1u) {
        return 0; /* "host:port": the port goes in req->port */
    }
    *bracket = colons >= 2u;
    return 1;
}

/* Origin-form path: "/" then visible ASCII without '#'. */
static int lft_http_valid_path(const char *s)
{
    size_t i;
    if (s[0] != '/') {
        return 0;
    }
    for (i = 1; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20u || c >= 0x7fu || c == '#') {
            return 0;
        }
    }
    return 1;
}

/* Padded base64: [A-Za-z0-9+/]* then at most two '=', length a multiple of 4. */
static int lft_http_valid_b64(const char *s)
{
    size_t n = strlen(s), i, pad = 0;
    if (n == 0u || n % 4u != 0u) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') {
            pad++;
        } else if (pad != 0u || !(lft_http_is_alpha(c) || lft_http_is_digit(c) || c == '+' ||
                                  c == '/')) {
            return 0;
        }
    }
    return pad <= 2u;
}

/* Fields the struct writes itself (or that would change the framing). */
static int lft_http_reserved_name(const char *s)
{
    static const char *const names[] = { "host",          "content-type", "content-length",
                                         "transfer-encoding", "authorization", "user-agent",
                                         "connection" };
    size_t i, n = strlen(s);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (lft_http_ieq(s, n, names[i])) {
            return 1;
        }
    }
    return 0;
}

static int lft_http_valid_request(const lft_http_request_t *req, int *bracket)
{
    size_t i;
    if (req->host == NULL || req->path == NULL || !lft_http_valid_host(req->host, bracket) ||
        !lft_http_valid_path(req->path)) {
        return 0;
    }
    if (req->content_type != NULL && !lft_http_valid_value(req->content_type, 0)) {
        return 0;
    }
    if (req->user_agent != NULL && !lft_http_valid_value(req->user_agent, 0)) {
        return 0;
    }
    if (req->auth_basic != NULL && !lft_http_valid_b64(req->auth_basic)) {
        return 0;
    }
    if (req->close > 1u || (req->extra == NULL && req->extra_count != 0u)) {
        return 0;
    }
    for (i = 0; i < req->extra_count; i++) {
        const lft_http_header_t *h = &req->extra[i];
        if (h->name == NULL || h->value == NULL || !lft_http_valid_token(h->name) ||
            lft_http_reserved_name(h->name) || !lft_http_valid_value(h->value, 1)) {
            return 0;
        }
    }
    return 1;
}

lft_err_t lft_http_request_head(char *out, size_t cap, const lft_http_request_t *req,
                                size_t *written)
{
    lft_http_w_t w;
    int bracket = 0;
    size_t i;
    if (written == NULL) {
        return LFT_ERR_ARG;
    }
    *written = 0;
    if (req == NULL || !lft_http_valid_request(req, &bracket)) {
        return LFT_ERR_ARG;
    }
    w.out = out;
    w.cap = out != NULL ? cap : 0u;
    w.len = 0;
    w.nofit = 0;

    lft_http_w_str(&w, "POST ");
    lft_http_w_str(&w, req->path);
    lft_http_w_str(&w, " HTTP/1.1\r\nHost: ");
    if (bracket) {
        lft_http_w_str(&w, "[");
    }
    lft_http_w_str(&w, req->host);
    if (bracket) {
        lft_http_w_str(&w, "]");
    }
    if (req->port != 0u) {
        lft_http_w_str(&w, ":");
        lft_http_w_u64(&w, req->port);
    }
    lft_http_w_str(&w, "\r\n");
    lft_http_w_line(&w, "Content-Type", ": ", req->content_type);
    lft_http_w_str(&w, "Content-Length: ");
    lft_http_w_u64(&w, req->content_length);
    lft_http_w_str(&w, "\r\n");
    lft_http_w_line(&w, "Authorization", ": Basic ", req->auth_basic);
    lft_http_w_line(&w, "User-Agent", ": ", req->user_agent);
    lft_http_w_line(&w, "Connection", ": ", req->close ? "close" : "keep-alive");
    for (i = 0; i < req->extra_count; i++) {
        lft_http_w_line(&w, req->extra[i].name, ": ", req->extra[i].value);
    }
    lft_http_w_str(&w, "\r\n");

    *written = w.len;
    return w.nofit ? LFT_ERR_TOO_LARGE : LFT_OK;
}

/* ================================================================== dates */

/* The day names, NUL-separated; the short names are their first three
 * letters. The months' short names, three letters each. */
static const char lft_http_days[] = "Monday\0Tuesday\0Wednesday\0Thursday\0Friday\0Saturday\0Sunday";
static const char lft_http_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Parse exactly n decimal digits at s. */
static int lft_http_digits(const char *s, size_t n, unsigned *v)
{
    size_t i;
    unsigned x = 0;
    for (i = 0; i < n; i++) {
        if (!lft_http_is_digit((unsigned char)s[i])) {
            return 0;
        }
        x = x * 10u + (unsigned)(s[i] - '0');
    }
    *v = x;
    return 1;
}

/* 1..12 for a three-letter month name at s, else 0. */
static unsigned lft_http_month(const char *s)
{
    unsigned m;
    for (m = 0; m < 12u; m++) {
        if (memcmp(s, lft_http_months + 3u * m, 3) == 0) {
            return m + 1u;
        }
    }
    return 0;
}

/* Is s[0..n) a day name, the long one (long_name) or the three-letter one? */
static int lft_http_is_day(const char *s, size_t n, int long_name)
{
    const char *name = lft_http_days;
    for (size_t d = 0; d < 7u; d++) {
        const size_t len = strlen(name);
        if ((long_name ? len : 3u) == n && memcmp(s, name, n) == 0) {
            return 1;
        }
        name += len + 1u;
    }
    return 0;
}

/* "HH:MM:SS" at s into seconds of the day (second 60 allowed). */
static int lft_http_time_of_day(const char *s, unsigned *secs)
{
    unsigned h, m, sec;
    if (!lft_http_digits(s, 2, &h) || s[2] != ':' || !lft_http_digits(s + 3, 2, &m) ||
        s[5] != ':' || !lft_http_digits(s + 6, 2, &sec) || h > 23u || m > 59u || sec > 60u) {
        return 0;
    }
    *secs = h * 3600u + m * 60u + sec;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, y >= 1970
 * (H. Hinnant's days_from_civil, in unsigned arithmetic for y >= 0). */
static uint64_t lft_http_days_from_civil(unsigned y, unsigned m, unsigned d)
{
    unsigned era, yoe, doy, doe;
    if (m <= 2u) {
        y -= 1u;
    }
    era = y / 400u;
    yoe = y - era * 400u;
    doy = (153u * (m > 2u ? m - 3u : m + 9u) + 2u) / 5u + d - 1u;
    doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return (uint64_t)era * 146097u + doe - 719468u;
}

static int lft_http_valid_ymd(unsigned y, unsigned m, unsigned d)
{
    static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    unsigned max;
    if (y < 1970u || y > 9999u || m < 1u || m > 12u || d < 1u) {
        return 0;
    }
    max = mdays[m - 1u];
    if (m == 2u && ((y % 4u == 0u && y % 100u != 0u) || y % 400u == 0u)) {
        max = 29u;
    }
    return d <= max;
}

lft_err_t lft_http_parse_date(const char *s, size_t len, uint64_t *unix_s)
{
    unsigned y, m, d, secs;
    size_t k = 0;
    if (s == NULL || unix_s == NULL) {
        return LFT_ERR_ARG;
    }
    while (k < len && lft_http_is_alpha((unsigned char)s[k])) {
        k++;
    }
    if (k == 3u && len == 29u && s[3] == ',') {
        /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
        if (!lft_http_is_day(s, 3, 0) || s[4] != ' ' || !lft_http_digits(s + 5, 2, &d) ||
            s[7] != ' ' || (m = lft_http_month(s + 8)) == 0u || s[11] != ' ' ||
            !lft_http_digits(s + 12, 4, &y) || s[16] != ' ' || !lft_http_time_of_day(s + 17, &secs) ||
            memcmp(s + 25, " GMT", 4) != 0) {
            return LFT_ERR_ARG;
        }
    } else if (k == 3u && len == 24u && s[3] == ' ') {
        /* asctime: "Sun Nov  6 08:49:37 1994" (day is "SP DIGIT" or 2DIGIT) */
        if (!lft_http_is_day(s, 3, 0) || (m = lft_http_month(s + 4)) == 0u ||
            s[7] != ' ') {
            return LFT_ERR_ARG;
        }
        if (s[8] == ' ') {
            if (!lft_http_digits(s + 9, 1, &d)) {
                return LFT_ERR_ARG;
            }
        } else if (!lft_http_digits(s + 8, 2, &d)) {
            return LFT_ERR_ARG;
        }
        if (s[10] != ' ' || !lft_http_time_of_day(s + 11, &secs) || s[19] != ' ' ||
            !lft_http_digits(s + 20, 4, &y)) {
            return LFT_ERR_ARG;
        }
    } else if (k >= 6u && k <= 9u && len == k + 24u && s[k] == ',') {
        /* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
        const char *p = s + k;
        if (!lft_http_is_day(s, k, 1) || p[1] != ' ' ||
            !lft_http_digits(p + 2, 2, &d) || p[4] != '-' || (m = lft_http_month(p + 5)) == 0u ||
            p[8] != '-' || !lft_http_digits(p + 9, 2, &y) || p[11] != ' ' ||
            !lft_http_time_of_day(p + 12, &secs) || memcmp(p + 20, " GMT", 4) != 0) {
            return LFT_ERR_ARG;
        }
        y += y < 70u ? 2000u : 1900u;
    } else {
        return LFT_ERR_ARG;
    }
    if (!lft_http_valid_ymd(y, m, d)) {
        return LFT_ERR_ARG;
    }
    *unix_s = lft_http_days_from_civil(y, m, d) * 86400u + secs;
    return LFT_OK;
}

/* =============================================================== response */

enum {
    LFT_HTTP_ST_STATUS = 0,  /* status line */
    LFT_HTTP_ST_HEADER,      /* field lines */
    LFT_HTTP_ST_BODY_LEN,    /* Content-Length body */
    LFT_HTTP_ST_BODY_CLOSE,  /* body delimited by the close */
    LFT_HTTP_ST_CHUNK_SIZE,  /* chunk-size line */
    LFT_HTTP_ST_CHUNK_DATA,  /* chunk data */
    LFT_HTTP_ST_CHUNK_END,   /* CRLF after chunk data */
    LFT_HTTP_ST_CHUNK_END_LF,/* LF after that CR */
    LFT_HTTP_ST_TRAILER,     /* trailer field lines */
    LFT_HTTP_ST_DONE,
    LFT_HTTP_ST_ERROR
};

/* Kinds of field lines (for r->last_field). */
enum {
    LFT_HTTP_F_NONE = 0, /* no field line yet in this head */
    LFT_HTTP_F_OTHER,    /* a field this parser ignores */
    LFT_HTTP_F_CLEN,
    LFT_HTTP_F_TE,
    LFT_HTTP_F_CONN,
    LFT_HTTP_F_DATE,
    LFT_HTTP_F_RETRY,
    LFT_HTTP_F_CTYPE
};

static void lft_http_reset_head(lft_http_resp_t *r)
{
    r->status = 0;
    r->version_minor = 0;
    r->keep_alive = 0;
    r->chunked = 0;
    r->has_content_length = 0;
    r->has_date = 0;
    r->retry_after_kind = LFT_HTTP_RETRY_NONE;
    r->content_type_truncated = 0;
    r->content_length = 0;
    r->date_s = 0;
    r->retry_after = 0;
    r->content_type[0] = '\0';
    r->fields = 0;
    r->last_field = LFT_HTTP_F_NONE;
    r->te_seen = 0;
    r->te_other = 0;
    r->conn_close = 0;
    r->conn_keep = 0;
}

lft_err_t lft_http_resp_init(lft_http_resp_t *r, char *body_buf, size_t body_cap)
{
    if (r == NULL || (body_buf == NULL && body_cap != 0u)) {
        return LFT_ERR_ARG;
    }
    lft_http_reset_head(r);
    r->head_done = 0;
    r->body_truncated = 0;
    r->body_buf = body_buf;
    r->body_cap = body_cap;
    r->body_stored = 0;
    r->body_len = 0;
    r->remaining = 0;
    r->head_bytes = 0;
    r->err = 0;
    r->line_len = 0;
    r->state = LFT_HTTP_ST_STATUS;
    r->line_over = 0;
    r->line_cr = 0;
    r->seen = 0;
    return LFT_OK;
}

/* ---------------------------------------------------------------- lines */

static void lft_http_line_reset(lft_http_resp_t *r)
{
    r->line_len = 0;
    r->line_over = 0;
    r->line_cr = 0;
}

/* Take one byte of a line. Returns 0 (more), 1 (the line is complete in
 * r->line), -1 (NUL, control byte, or CR not followed by LF). */
static int lft_http_line_byte(lft_http_resp_t *r, uint8_t c)
{
    if (r->line_cr) {
        r->line_cr = 0;
        return c == '\n' ? 1 : -1;
    }
    if (c == '\n') {
        return 1;
    }
    if (c == '\r') {
        r->line_cr = 1;
        return 0;
    }
    if ((c < 0x20u && c != '\t') || c == 0x7fu) {
        return -1;
    }
    if (r->line_len < LFT_HTTP_LINE_MAX) {
        r->line[r->line_len++] = (char)c;
    } else {
        r->line_over = 1;
    }
    return 0;
}

/* ----------------------------------------------------------- field values */

/* Trim OWS on both ends of (*p, *n). */
static void lft_http_trim(const char **p, size_t *n)
{
    while (*n > 0u && lft_http_is_ows((unsigned char)(*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0u && lft_http_is_ows((unsigned char)(*p)[*n - 1u])) {
        (*n)--;
    }
}

/* Next element of a comma-separated list at v[*i..n), trimmed; empty
 * elements are returned too (as length 0). Returns 0 at the end. */
static int lft_http_list_next(const char *v, size_t n, size_t *i, const char **e, size_t *en)
{
    size_t start = *i, j;
    if (start > n) {
        return 0;
    }
    for (j = start; j < n && v[j] != ','; j++) {
    }
    *e = v + start;
    *en = j - start;
    *i = j + 1u; /* past the comma, or n + 1 at the end */
    lft_http_trim(e, en);
    return 1;
}

/* Content-Length: 1*DIGIT, or a list of identical values ("5, 5"). */
static int lft_http_field_clen(lft_http_resp_t *r, const char *v, size_t n)
{
    size_t i = 0;
    const char *e;
    size_t en;
    if (n == 0u) {
        return LFT_HTTP_ERR_LENGTH;
    }
    while (lft_http_list_next(v, n, &i, &e, &en)) {
        uint64_t x = 0;
        size_t k;
        if (en == 0u) {
            return LFT_HTTP_ERR_LENGTH;
        }
        for (k = 0; k < en; k++) {
            unsigned dgt;
            if (!lft_http_is_digit((unsigned char)e[k])) {
                return LFT_HTTP_ERR_LENGTH;
            }
            dgt = (unsigned)(e[k] - '0');
            if (x > (UINT64_MAX - dgt) / 10u) {
                return LFT_HTTP_ERR_LENGTH;
            }
            x = x * 10u + dgt;
        }
        if (r->has_content_length && r->content_length != x) {
            return LFT_HTTP_ERR_LENGTH;
        }
        r->has_content_length = 1;
        r->content_length = x;
    }
    return 0;
}

/* Transfer-Encoding: only "chunked", once, last. Other codings are noted
 * (te_other) and refused at the end of the head. */
static int lft_http_field_te(lft_http_resp_t *r, const char *v, size_t n)
{
    size_t i = 0;
    const char *e;
    size_t en;
    r->te_seen = 1;
    while (lft_http_list_next(v, n, &i, &e, &en)) {
        if (en == 0u) {
            continue;
        }
        if (r->chunked) {
            return LFT_HTTP_ERR_TE; /* chunked twice, or not last */
        }
        if (lft_http_ieq(e, en, "chunked")) {
            r->chunked = 1;
        } else {
            r->te_other = 1;
        }
    }
    return 0;
}

static void lft_http_field_conn(lft_http_resp_t *r, const char *v, size_t n)
{
    size_t i = 0;
    const char *e;
    size_t en;
    while (lft_http_list_next(v, n, &i, &e, &en)) {
        if (lft_http_ieq(e, en, "close")) {
            r->conn_close = 1;
        } else if (lft_http_ieq(e, en, "keep-alive")) {
            r->conn_keep = 1;
        }
    }
}

static void lft_http_field_retry(lft_http_resp_t *r, const char *v, size_t n)
{
    size_t k;
    uint64_t x = 0;
    if (n == 0u) {
        return;
    }
    for (k = 0; k < n && lft_http_is_digit((unsigned char)v[k]); k++) {
        if (x < LFT_HTTP_DELTA_MAX) {
            x = x * 10u + (unsigned)(v[k] - '0'); /* < 2^35: no overflow */
        }
    }
    if (k == n) {
        r->retry_after_kind = LFT_HTTP_RETRY_DELAY;
        r->retry_after = x < LFT_HTTP_DELTA_MAX ? x : LFT_HTTP_DELTA_MAX;
    } else if (lft_http_parse_date(v, n, &x) == LFT_OK) {
        r->retry_after_kind = LFT_HTTP_RETRY_DATE;
        r->retry_after = x;
    }
}

static int lft_http_field_kind(const char *name, size_t n)
{
    if (lft_http_ieq(name, n, "content-length")) {
        return LFT_HTTP_F_CLEN;
    }
    if (lft_http_ieq(name, n, "transfer-encoding")) {
        return LFT_HTTP_F_TE;
    }
    if (lft_http_ieq(name, n, "connection")) {
        return LFT_HTTP_F_CONN;
    }
    if (lft_http_ieq(name, n, "date")) {
        return LFT_HTTP_F_DATE;
    }
    if (lft_http_ieq(name, n, "retry-after")) {
        return LFT_HTTP_F_RETRY;
    }
    if (lft_http_ieq(name, n, "content-type")) {
        return LFT_HTTP_F_CTYPE;
    }
    return LFT_HTTP_F_OTHER;
}

/* A complete, non-empty field line in r->line. trailer: ignore its meaning. */
static int lft_http_field_line(lft_http_resp_t *r, int trailer)
{
    const char *line = r->line;
    size_t len = r->line_len, name_len, i;
    const char *colon, *v;
    size_t vn;
    int kind;

    if (lft_http_is_ows((unsigned char)line[0])) {
        /* obs-fold: a continuation of the previous field line */
        if (trailer) {
            return 0;
        }
        return r->last_field == LFT_HTTP_F_OTHER ? 0 : LFT_HTTP_ERR_HEADER;
    }
    if (++r->fields > LFT_HTTP_FIELDS_MAX) {
        return LFT_HTTP_ERR_HEAD;
    }
    colon = (const char *)memchr(line, ':', len);
    name_len = colon != NULL ? (size_t)(colon - line) : len;
    if (name_len == 0u) {
        return LFT_HTTP_ERR_HEADER;
    }
    for (i = 0; i < name_len; i++) {
        if (!lft_http_is_tchar((unsigned char)line[i])) {
            return LFT_HTTP_ERR_HEADER;
        }
    }
    if (colon == NULL) {
        if (!r->line_over) {
            return LFT_HTTP_ERR_HEADER;
        }
        /* a name longer than the line buffer: not one this parser reads */
        r->last_field = LFT_HTTP_F_OTHER;
        return 0;
    }
    kind = trailer ? LFT_HTTP_F_OTHER : lft_http_field_kind(line, name_len);
    r->last_field = (uint8_t)kind;
    if (kind == LFT_HTTP_F_OTHER) {
        return 0;
    }
    if (r->line_over && kind != LFT_HTTP_F_CTYPE) {
        return LFT_HTTP_ERR_LINE;
    }
    v = colon + 1;
    vn = len - name_len - 1u;
    lft_http_trim(&v, &vn);
    switch (kind) {
    case LFT_HTTP_F_CLEN:
        return lft_http_field_clen(r, v, vn);
    case LFT_HTTP_F_TE:
        return lft_http_field_te(r, v, vn);
    case LFT_HTTP_F_CONN:
        lft_http_field_conn(r, v, vn);
        return 0;
    case LFT_HTTP_F_DATE: {
        uint64_t t;
        if (lft_http_parse_date(v, vn, &t) == LFT_OK) {
            r->has_date = 1;
            r->date_s = t;
        }
        return 0;
    }
    case LFT_HTTP_F_RETRY:
        lft_http_field_retry(r, v, vn);
        return 0;
    default: { /* LFT_HTTP_F_CTYPE */
        size_t keep = vn < LFT_HTTP_CTYPE_MAX ? vn : LFT_HTTP_CTYPE_MAX;
        memcpy(r->content_type, v, keep);
        r->content_type[keep] = '\0';
        r->content_type_truncated = (uint8_t)(vn > LFT_HTTP_CTYPE_MAX || r->line_over);
        return 0;
    }
    }
}

/* ------------------------------------------------------------ head, chunks */

static int lft_http_status_line(lft_http_resp_t *r)
{
    const char *l = r->line;
    unsigned code;
    if (r->line_over) {
        return LFT_HTTP_ERR_LINE;
    }
    if (r->line_len < 12u || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') ||
        l[8] != ' ' || l[9] < '1' || l[9] > '5' || !lft_http_digits(l + 9, 3, &code) ||
        (r->line_len > 12u && l[12] != ' ') || code == 101u) {
        return LFT_HTTP_ERR_STATUS;
    }
    lft_http_reset_head(r);
    r->version_minor = (uint8_t)(l[7] - '0');
    r->status = (uint16_t)code;
    r->state = LFT_HTTP_ST_HEADER;
    return 0;
}

/* The empty line after the fields: choose how the body is delimited. */
static int lft_http_head_end(lft_http_resp_t *r)
{
    if (r->status < 200u) {
        /* interim response: forget it, the final one follows */
        r->state = LFT_HTTP_ST_STATUS;
        r->status = 0;
        return 0;
    }
    r->head_done = 1;
    r->keep_alive = (uint8_t)(!r->conn_close && (r->version_minor >= 1u || r->conn_keep));
    if (r->status == 204u || r->status == 304u) {
        r->state = LFT_HTTP_ST_DONE;
        return 0;
    }
    if (r->te_seen) {
        if (r->has_content_length) {
            return LFT_HTTP_ERR_LENGTH;
        }
        if (r->version_minor == 0u || r->te_other || !r->chunked) {
            return LFT_HTTP_ERR_TE;
        }
        r->state = LFT_HTTP_ST_CHUNK_SIZE;
    } else if (r->has_content_length) {
        r->remaining = r->content_length;
        r->state = r->remaining == 0u ? LFT_HTTP_ST_DONE : LFT_HTTP_ST_BODY_LEN;
    } else {
        r->keep_alive = 0;
        r->state = LFT_HTTP_ST_BODY_CLOSE;
    }
    return 0;
}

/* chunk-size [ BWS ";" chunk-ext ] in r->line. */
static int lft_http_chunk_line(lft_http_resp_t *r)
{
    uint64_t size = 0;
    size_t i = 0;
    int h;
    if (r->line_over || r->line_len == 0u || lft_http_hex((unsigned char)r->line[0]) < 0) {
        return LFT_HTTP_ERR_CHUNK;
    }
    while (i < r->line_len && (h = lft_http_hex((unsigned char)r->line[i])) >= 0) {
        if (size > (UINT64_MAX >> 4)) {
            return LFT_HTTP_ERR_CHUNK;
        }
        size = (size << 4) | (uint64_t)h;
        i++;
    }
    while (i < r->line_len && lft_http_is_ows((unsigned char)r->line[i])) {
        i++;
    }
    if (i < r->line_len && r->line[i] != ';') {
        return LFT_HTTP_ERR_CHUNK;
    }
    if (size == 0u) {
        r->state = LFT_HTTP_ST_TRAILER;
        r->head_bytes = 0;
        r->fields = 0;
        return 0;
    }
    if (size > UINT64_MAX - r->body_len) {
        return LFT_HTTP_ERR_CHUNK;
    }
    r->remaining = size;
    r->state = LFT_HTTP_ST_CHUNK_DATA;
    return 0;
}

/* A complete line in a line state. */
static int lft_http_line_done(lft_http_resp_t *r)
{
    int empty = r->line_len == 0u && !r->line_over;
    switch (r->state) {
    case LFT_HTTP_ST_STATUS:
        return lft_http_status_line(r);
    case LFT_HTTP_ST_HEADER:
        return empty ? lft_http_head_end(r) : lft_http_field_line(r, 0);
    case LFT_HTTP_ST_CHUNK_SIZE:
        return lft_http_chunk_line(r);
    default: /* LFT_HTTP_ST_TRAILER */
        if (empty) {
            r->state = LFT_HTTP_ST_DONE;
            return 0;
        }
        return lft_http_field_line(r, 1);
    }
}

/* Error code for an invalid byte in a line of the current state. */
static int lft_http_byte_error(const lft_http_resp_t *r)
{
    switch (r->state) {
    case LFT_HTTP_ST_STATUS: return LFT_HTTP_ERR_STATUS;
    case LFT_HTTP_ST_CHUNK_SIZE: return LFT_HTTP_ERR_CHUNK;
    default: return LFT_HTTP_ERR_HEADER;
    }
}

/* ------------------------------------------------------------------ body */

static void lft_http_body(lft_http_resp_t *r, const uint8_t *p, size_t n)
{
    size_t room = r->body_cap - r->body_stored;
    size_t k = n < room ? n : room;
    if (k != 0u) {
        memcpy(r->body_buf + r->body_stored, p, k);
        r->body_stored += k;
    }
    if (k < n) {
        r->body_truncated = 1;
    }
    r->body_len += n; /* callers check the total cannot overflow */
}

/* Bytes of an n-byte piece that a counted body (remaining bytes) takes. */
static size_t lft_http_take(uint64_t remaining, size_t n)
{
    return remaining < (uint64_t)n ? (size_t)remaining : n;
}

static int lft_http_fail(lft_http_resp_t *r, int err)
{
    r->err = err;
    r->state = LFT_HTTP_ST_ERROR;
    return err;
}

int lft_http_resp_feed(lft_http_resp_t *r, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    if (consumed == NULL || r == NULL || (data == NULL && len != 0u)) {
        if (consumed != NULL) {
            *consumed = 0;
        }
        return LFT_ERR_ARG;
    }
    *consumed = 0;
    if (r->state == LFT_HTTP_ST_ERROR) {
        return r->err;
    }
    if (r->state == LFT_HTTP_ST_DONE) {
        return LFT_HTTP_DONE;
    }
    if (len != 0u) {
        r->seen = 1;
    }
    while (i < len && r->state != LFT_HTTP_ST_DONE) {
        switch (r->state) {
        case LFT_HTTP_ST_BODY_LEN:
        case LFT_HTTP_ST_CHUNK_DATA: {
            size_t k = lft_http_take(r->remaining, len - i);
            lft_http_body(r, data + i, k);
            i += k;
            r->remaining -= k;
            if (r->remaining == 0u) {
                r->state = r->state == LFT_HTTP_ST_BODY_LEN ? LFT_HTTP_ST_DONE
                                                            : LFT_HTTP_ST_CHUNK_END;
            }
            break;
        }
        case LFT_HTTP_ST_BODY_CLOSE:
            if ((uint64_t)(len - i) > UINT64_MAX - r->body_len) {
                *consumed = i;
                return lft_http_fail(r, LFT_HTTP_ERR_LENGTH);
            }
            lft_http_body(r, data + i, len - i);
            i = len;
            break;
        case LFT_HTTP_ST_CHUNK_END:
        case LFT_HTTP_ST_CHUNK_END_LF: {
            uint8_t c = data[i++];
            if (c == '\r' && r->state == LFT_HTTP_ST_CHUNK_END) {
                r->state = LFT_HTTP_ST_CHUNK_END_LF;
            } else if (c == '\n') {
                lft_http_line_reset(r);
                r->state = LFT_HTTP_ST_CHUNK_SIZE;
            } else {
                *consumed = i;
                return lft_http_fail(r, LFT_HTTP_ERR_CHUNK);
            }
            break;
        }
        default: { /* a line state */
            int rc;
            if (r->state != LFT_HTTP_ST_CHUNK_SIZE && ++r->head_bytes > LFT_HTTP_HEAD_MAX) {
                *consumed = i;
                return lft_http_fail(r, LFT_HTTP_ERR_HEAD);
            }
            rc = lft_http_line_byte(r, data[i++]);
            if (rc < 0) {
                *consumed = i;
                return lft_http_fail(r, lft_http_byte_error(r));
            }
            if (rc == 1) {
                rc = lft_http_line_done(r);
                lft_http_line_reset(r);
                if (rc < 0) {
                    *consumed = i;
                    return lft_http_fail(r, rc);
                }
            }
            break;
        }
        }
    }
    *consumed = i;
    return r->state == LFT_HTTP_ST_DONE ? LFT_HTTP_DONE : LFT_HTTP_MORE;
}

int lft_http_resp_eof(lft_http_resp_t *r)
{
    if (r == NULL) {
        return LFT_ERR_ARG;
    }
    switch (r->state) {
    case LFT_HTTP_ST_ERROR:
        return r->err;
    case LFT_HTTP_ST_DONE:
        return LFT_HTTP_DONE;
    case LFT_HTTP_ST_BODY_CLOSE:
        r->state = LFT_HTTP_ST_DONE;
        return LFT_HTTP_DONE;
    default:
        return lft_http_fail(r, r->seen ? LFT_HTTP_ERR_TRUNCATED : LFT_HTTP_ERR_NO_RESPONSE);
    }
}

int lft_http_resp_retry_after(const lft_http_resp_t *r, uint64_t now_s, uint64_t *delay_s)
{
    uint64_t ref;
    if (r == NULL || delay_s == NULL) {
        return 0;
    }
    if (r->retry_after_kind == LFT_HTTP_RETRY_DELAY) {
        *delay_s = r->retry_after;
        return 1;
    }
    if (r->retry_after_kind != LFT_HTTP_RETRY_DATE) {
        return 0;
    }
    ref = r->has_date ? r->date_s : now_s;
    if (ref == 0u) {
        return 0;
    }
    *delay_s = r->retry_after > ref ? r->retry_after - ref : 0u;
    return 1;
}
