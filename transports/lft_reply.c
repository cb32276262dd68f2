/*
 * lft_reply.c - bounded parsers for Langfuse reply bodies (see lft_reply.h).
 */
#include "lft_reply.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "lft_json.h"
#include "lft_options.h"
#include "lft_text.h"

#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>

/* lft_reply_token_t must be exactly a jsmntok_t in size and alignment. */
struct lft_reply_align_jsmn {
    char c;
    jsmntok_t t;
};
struct lft_reply_align_ours {
    char c;
    lft_reply_token_t t;
};
typedef char lft_reply_token_size_check[sizeof(jsmntok_t) == sizeof(lft_reply_token_t) ? 1 : -1];
typedef char lft_reply_token_align_check[offsetof(struct lft_reply_align_jsmn, t) ==
                                                 offsetof(struct lft_reply_align_ours, t)
                                             ? 1
                                             : -1];

const char *lft_reply_result_str(int rc)
{
    switch (rc) {
    case LFT_OK:
        return "LFT_OK";
    case LFT_REPLY_ERR_SYNTAX:
        return "LFT_REPLY_ERR_SYNTAX";
    case LFT_REPLY_ERR_TRUNCATED:
        return "LFT_REPLY_ERR_TRUNCATED";
    case LFT_REPLY_ERR_SHAPE:
        return "LFT_REPLY_ERR_SHAPE";
    case LFT_ERR_ARG:
        return "LFT_ERR_ARG";
    case LFT_ERR_NO_MEMORY:
        return "LFT_ERR_NO_MEMORY";
    default:
        return "?";
    }
}

/* ------------------------------------------------------------------- text */

static int lft_reply_hex4(const char *p, uint32_t *v)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < 4u; i++) {
        char c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') {
            d = (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = (uint32_t)(c - 'a') + 10u;
        } else if (c >= 'A' && c <= 'F') {
            d = (uint32_t)(c - 'A') + 10u;
        } else {
            return 0;
        }
        x = x << 4 | d;
    }
    *v = x;
    return 1;
}

/* Decode the escape at p[0] == '\\' into *cp; bytes used, 0 when malformed. */
static size_t lft_reply_escape(const char *p, size_t n, uint32_t *cp)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    uint32_t hi, lo;
    if (n < 2u) {
        return 0;
    }
    if (p[1] != 'u') {
        const char *hit = (const char *)memchr(from, p[1], sizeof from - 1u);
        if (hit == NULL) {
            return 0;
        }
        *cp = (uint8_t)to[hit - from];
        return 2u;
    }
    if (n < 6u || !lft_reply_hex4(p + 2, &hi)) {
        return 0;
    }
    if (hi >= 0xD800u && hi <= 0xDBFFu && n >= 12u && p[6] == '\\' && p[7] == 'u' &&
        lft_reply_hex4(p + 8, &lo) && lo >= 0xDC00u && lo <= 0xDFFFu) {
        *cp = 0x10000u + ((hi - 0xD800u) << 10) + (lo - 0xDC00u);
        return 12u;
    }
    *cp = (hi == 0u || (hi >= 0xD800u && hi <= 0xDFFFu)) ? 0xFFFDu : hi;
    return 6u;
}

static size_t lft_reply_utf8(uint32_t cp, char u[4])
{
    if (cp < 0x80u) {
        u[0] = (char)cp;
        return 1u;
    }
    if (cp < 0x800u) {
        u[0] = (char)(0xC0u | cp >> 6);
        u[1] = (char)(0x80u | (cp & 0x3Fu));
        return 2u;
    }
    if (cp < 0x10000u) {
        u[0] = (char)(0xE0u | cp >> 12);
        u[1] = (char)(0x80u | (cp >> 6 & 0x3Fu));
        u[2] = (char)(0x80u | (cp & 0x3Fu));
        return 3u;
    }
    u[0] = (char)(0xF0u | cp >> 18);
    u[1] = (char)(0x80u | (cp >> 12 & 0x3Fu));
    u[2] = (char)(0x80u | (cp >> 6 & 0x3Fu));
    u[3] = (char)(0x80u | (cp & 0x3Fu));
    return 4u;
}

size_t lft_reply_unescape(char *out, size_t cap, const char *p, size_t n, int json, int *truncated)
{
    size_t o = 0, i = 0;
    int cut = 0;
    if (out == NULL || cap == 0) {
        if (truncated != NULL) {
            *truncated = n > 0;
        }
        return 0;
    }
    size_t room = cap - 1u;
    while (i < n) {
        size_t j = i;
        while (j < n && !(json && p[j] == '\\')) {
            j++;
        }
        if (j > i) { /* raw bytes: whole characters, ill-formed ones replaced */
            size_t used = 0;
            o += lft_utf8_sanitize(p + i, j - i, out + o, room - o, &used);
            i += used;
            if (i < j) {
                cut = 1;
                break;
            }
        }
        if (i == n) {
            break;
        }
        uint32_t cp;
        size_t used = lft_reply_escape(p + i, n - i, &cp);
        if (used == 0) {
            cp = '\\'; /* malformed escape: keep the backslash */
            used = 1u;
        }
        char u[4];
        size_t k = lft_reply_utf8(cp, u);
        if (k > room - o) {
            cut = 1;
            break;
        }
        memcpy(out + o, u, k);
        o += k;
        i += used;
    }
    out[o] = '\0';
    if (truncated != NULL) {
        *truncated = cut;
    }
    return o;
}

/* ------------------------------------------------------------------- JSON */

typedef struct {
    const char *js;
    const jsmntok_t *t;
    int n;
} lft_doc_t;

/* Deepest nesting of objects and arrays, strings skipped: O(len), so that
 * deep documents are refused before jsmn (whose bracket matching walks up
 * the open containers) sees them. */
static size_t lft_reply_depth(const char *p, size_t len)
{
    size_t depth = 0, max = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_str = 0;
            }
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
            max = depth > max ? depth : max;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return max;
}

/* Tokenize and validate body into doc. */
static lft_err_t lft_reply_json(const char *body, size_t len, lft_reply_token_t *tokens,
                                size_t token_count, lft_doc_t *doc)
{
    jsmntok_t none[1];
    jsmntok_t *t = token_count > 0 ? (jsmntok_t *)(void *)tokens : none;
    unsigned int cap = token_count > (size_t)INT_MAX ? (unsigned int)INT_MAX : (unsigned int)token_count;
    jsmn_parser parser;
    if (memchr(body, '\0', len) != NULL || lft_reply_depth(body, len) > LFT_JSON_DEPTH_MAX) {
        return LFT_REPLY_ERR_SYNTAX;
    }
    jsmn_init(&parser);
    int r = jsmn_parse(&parser, body, len, t, cap);
    if (r == JSMN_ERROR_NOMEM) {
        return LFT_ERR_NO_MEMORY;
    }
    if (r == JSMN_ERROR_PART) {
        /* a complete top-level scalar also ends "early" for strict jsmn */
        return lft_json_validate(body, len) == LFT_OK ? LFT_REPLY_ERR_SHAPE : LFT_REPLY_ERR_TRUNCATED;
    }
    if (r <= 0 || lft_json_validate(body, len) != LFT_OK) {
        return LFT_REPLY_ERR_SYNTAX;
    }
    doc->js = body;
    doc->t = t;
    doc->n = r;
    return t[0].type == JSMN_OBJECT ? LFT_OK : LFT_REPLY_ERR_SHAPE;
}

/* Index of the token after token i and everything nested in it. */
static int lft_tok_skip(const lft_doc_t *d, int i)
{
    int end = d->t[i].end;
    i++;
    while (i < d->n && d->t[i].start < end) {
        i++;
    }
    return i;
}

/* Token i is the string (key) s. */
static int lft_tok_is(const lft_doc_t *d, int i, const char *s)
{
    const jsmntok_t *t = &d->t[i];
    size_t n = strlen(s);
    return t->type == JSMN_STRING && (size_t)(t->end - t->start) == n &&
           memcmp(d->js + t->start, s, n) == 0;
}

static int lft_tok_null(const lft_doc_t *d, int i)
{
    const jsmntok_t *t = &d->t[i];
    return t->type == JSMN_PRIMITIVE && d->js[t->start] == 'n';
}

/* A non-negative decimal integer token (number, or a string of digits when
 * allow_string) up to max: 1 and *v, else 0. */
static int lft_tok_uint(const lft_doc_t *d, int i, int allow_string, uint64_t max, uint64_t *v)
{
    const jsmntok_t *t = &d->t[i];
    uint64_t x = 0;
    if (!(t->type == JSMN_PRIMITIVE || (allow_string && t->type == JSMN_STRING)) || t->end <= t->start) {
        return 0;
    }
    for (int k = t->start; k < t->end; k++) {
        char c = d->js[k];
        if (c < '0' || c > '9') {
            return 0;
        }
        uint64_t digit = (uint64_t)(c - '0');
        if (x > (max - digit) / 10u) {
            return 0;
        }
        x = x * 10u + digit;
    }
    *v = x;
    return 1;
}

/* Iterate the key/value pairs of the object at token obj:
 *   for (int k = obj + 1, m = 0; lft_obj_pair(d, obj, &m, &k); k = lft_tok_skip(d, k + 1))
 * k is the key, k + 1 its value. */
static int lft_obj_pair(const lft_doc_t *d, int obj, int *m, const int *k)
{
    if (*m >= d->t[obj].size || *k + 1 >= d->n) {
        return 0;
    }
    (*m)++;
    return 1;
}

/* -------------------------------------------------------------------- 207 */

typedef struct {
    const char *id, *msg;
    size_t id_len, msg_len;
    int status;
} lft_entry_t;

/* Read one 207 entry at token e: 1 when well-formed. */
static int lft_207_entry(const lft_doc_t *d, int e, lft_entry_t *out)
{
    int id = -1, status = -1, msg = -1, err = -1;
    uint64_t st = 0;
    if (d->t[e].type != JSMN_OBJECT) {
        return 0;
    }
    for (int k = e + 1, m = 0; lft_obj_pair(d, e, &m, &k); k = lft_tok_skip(d, k + 1)) {
        int v = k + 1;
        if (lft_tok_is(d, k, "id")) {
            if (id >= 0 || d->t[v].type != JSMN_STRING) {
                return 0;
            }
            id = v;
        } else if (lft_tok_is(d, k, "status")) {
            if (status >= 0 || !lft_tok_uint(d, v, 0, 599u, &st) || st < 100u) {
                return 0;
            }
            status = v;
        } else if (lft_tok_is(d, k, "message") && d->t[v].type == JSMN_STRING) {
            msg = v;
        } else if (lft_tok_is(d, k, "error") && d->t[v].type == JSMN_STRING) {
            err = v;
        }
    }
    if (id < 0 || status < 0) {
        return 0;
    }
    msg = msg >= 0 ? msg : err;
    out->id = d->js + d->t[id].start;
    out->id_len = (size_t)(d->t[id].end - d->t[id].start);
    out->msg = msg >= 0 ? d->js + d->t[msg].start : NULL;
    out->msg_len = msg >= 0 ? (size_t)(d->t[msg].end - d->t[msg].start) : 0u;
    out->status = (int)st;
    return 1;
}

lft_err_t lft_reply_parse_207(const char *body, size_t len, lft_reply_token_t *tokens,
                              size_t token_count, lft_reply_item_fn on_item, void *ctx,
                              lft_reply_207_t *out)
{
    lft_doc_t d;
    lft_err_t err;
    int found = 0;
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (out == NULL || (body == NULL && len > 0) || (tokens == NULL && token_count > 0) ||
        len >= (size_t)INT_MAX) {
        return LFT_ERR_ARG;
    }
    if ((err = lft_reply_json(body != NULL ? body : "", len, tokens, token_count, &d)) != LFT_OK) {
        return err;
    }
    /* shape first: no callback unless the whole reply is accepted */
    for (int k = 1, m = 0; lft_obj_pair(&d, 0, &m, &k); k = lft_tok_skip(&d, k + 1)) {
        if (lft_tok_is(&d, k, "successes") || lft_tok_is(&d, k, "errors")) {
            if (d.t[k + 1].type != JSMN_ARRAY) {
                return LFT_REPLY_ERR_SHAPE;
            }
            found = 1;
        }
    }
    if (!found) {
        return LFT_REPLY_ERR_SHAPE;
    }
    for (int k = 1, m = 0; lft_obj_pair(&d, 0, &m, &k); k = lft_tok_skip(&d, k + 1)) {
        int is_success = lft_tok_is(&d, k, "successes");
        if (!is_success && !lft_tok_is(&d, k, "errors")) {
            continue;
        }
        int arr = k + 1;
        int e = arr + 1;
        for (int m2 = 0; m2 < d.t[arr].size && e < d.n; m2++, e = lft_tok_skip(&d, e)) {
            lft_entry_t en;
            if (!lft_207_entry(&d, e, &en)) {
                out->malformed++;
                continue;
            }
            if (is_success) {
                out->successes++;
            } else {
                out->errors++;
            }
            if (on_item != NULL) {
                on_item(ctx, en.id, en.id_len, en.status, en.msg, en.msg_len);
            }
        }
    }
    return LFT_OK;
}

/* ------------------------------------------------------------------- OTLP */

/* ASCII case-insensitive: s contains pat. */
static int lft_reply_ci_contains(const char *s, const char *pat)
{
    size_t n = strlen(pat);
    for (; *s != '\0'; s++) {
        size_t i = 0;
        while (i < n && s[i] != '\0') {
            char c = s[i];
            c = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            if (c != pat[i]) {
                break;
            }
            i++;
        }
        if (i == n) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    const char *msg;
    size_t msg_len;
    uint64_t rejected;
    int partial;
    int msg_json; /* msg is the inside of a JSON string literal */
} lft_otlp_reply_t;

static lft_err_t lft_otlp_json(const char *body, size_t len, lft_reply_token_t *tokens,
                               size_t token_count, lft_otlp_reply_t *r)
{
    lft_doc_t d;
    lft_err_t err;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
        i++;
    }
    if (i == len) {
        return LFT_OK; /* no body: nothing rejected */
    }
    if ((err = lft_reply_json(body, len, tokens, token_count, &d)) != LFT_OK) {
        return err;
    }
    r->msg_json = 1;
    for (int k = 1, m = 0; lft_obj_pair(&d, 0, &m, &k); k = lft_tok_skip(&d, k + 1)) {
        int ps = k + 1;
        if (!lft_tok_is(&d, k, "partialSuccess") && !lft_tok_is(&d, k, "partial_success")) {
            continue;
        }
        if (lft_tok_null(&d, ps)) {
            continue;
        }
        if (d.t[ps].type != JSMN_OBJECT) {
            return LFT_REPLY_ERR_SHAPE;
        }
        r->partial = 1;
        for (int k2 = ps + 1, m2 = 0; lft_obj_pair(&d, ps, &m2, &k2); k2 = lft_tok_skip(&d, k2 + 1)) {
            int v = k2 + 1;
            if (lft_tok_is(&d, k2, "rejectedSpans") || lft_tok_is(&d, k2, "rejected_spans")) {
                if (!lft_tok_null(&d, v) && !lft_tok_uint(&d, v, 1, (uint64_t)INT64_MAX, &r->rejected)) {
                    return LFT_REPLY_ERR_SHAPE;
                }
            } else if (lft_tok_is(&d, k2, "errorMessage") || lft_tok_is(&d, k2, "error_message")) {
                if (d.t[v].type == JSMN_STRING) {
                    r->msg = d.js + d.t[v].start;
                    r->msg_len = (size_t)(d.t[v].end - d.t[v].start);
                } else if (!lft_tok_null(&d, v)) {
                    return LFT_REPLY_ERR_SHAPE;
                }
            }
        }
    }
    return LFT_OK;
}

static lft_err_t lft_pb_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned shift = 0;; shift += 7u) {
        if (p == end) {
            return LFT_REPLY_ERR_TRUNCATED;
        }
        uint8_t b = *p++;
        if (shift == 63u && b > 1u) {
            return LFT_REPLY_ERR_SYNTAX; /* an 11th byte, or bits beyond 64 */
        }
        x |= (uint64_t)(b & 0x7Fu) << shift;
        if ((b & 0x80u) == 0) {
            *v = x;
            *pp = p;
            return LFT_OK;
        }
    }
}

static lft_err_t lft_pb_tag(const uint8_t **pp, const uint8_t *end, uint32_t *field, uint32_t *wire)
{
    uint64_t v;
    lft_err_t err = lft_pb_varint(pp, end, &v);
    if (err != LFT_OK) {
        return err;
    }
    if (v >> 3 == 0 || v >> 3 > 0x1FFFFFFFu) {
        return LFT_REPLY_ERR_SYNTAX;
    }
    *field = (uint32_t)(v >> 3);
    *wire = (uint32_t)(v & 7u);
    return LFT_OK;
}

/* A length-delimited payload: *p..*p+*n. */
static lft_err_t lft_pb_bytes(const uint8_t **pp, const uint8_t *end, const uint8_t **data, size_t *n)
{
    uint64_t len;
    lft_err_t err = lft_pb_varint(pp, end, &len);
    if (err != LFT_OK) {
        return err;
    }
    if (len > (uint64_t)(end - *pp)) {
        return LFT_REPLY_ERR_TRUNCATED;
    }
    *data = *pp;
    *n = (size_t)len;
    *pp += len;
    return LFT_OK;
}

/* Skip the value of a field of wire type wire (its tag already read);
 * a group is skipped through its matching end by nesting depth. */
static lft_err_t lft_pb_skip(const uint8_t **pp, const uint8_t *end, uint32_t wire)
{
    size_t depth = 0;
    uint32_t field;
    lft_err_t err = LFT_OK;
    for (;;) {
        const uint8_t *data;
        size_t n;
        uint64_t v;
        switch (wire) {
        case 0:
            err = lft_pb_varint(pp, end, &v);
            break;
        case 1:
        case 5: {
            size_t w = wire == 1u ? 8u : 4u;
            if ((size_t)(end - *pp) < w) {
                return LFT_REPLY_ERR_TRUNCATED;
            }
            *pp += w;
            break;
        }
        case 2:
            err = lft_pb_bytes(pp, end, &data, &n);
            break;
        case 3:
            depth++;
            break;
        case 4:
            if (depth == 0) {
                return LFT_REPLY_ERR_SYNTAX; /* end of a group never started */
            }
            depth--;
            break;
        default:
            return LFT_REPLY_ERR_SYNTAX;
        }
        if (err != LFT_OK || depth == 0) {
            return err;
        }
        if ((err = lft_pb_tag(pp, end, &field, &wire)) != LFT_OK) {
            return err;
        }
    }
}

static lft_err_t lft_otlp_pb(const uint8_t *p, const uint8_t *end, lft_otlp_reply_t *r)
{
    while (p < end) {
        uint32_t field, wire;
        lft_err_t err = lft_pb_tag(&p, end, &field, &wire);
        if (err != LFT_OK) {
            return err;
        }
        if (field != 1u) {
            if ((err = lft_pb_skip(&p, end, wire)) != LFT_OK) {
                return err;
            }
            continue;
        }
        const uint8_t *sub, *sub_end;
        size_t n;
        if (wire != 2u) {
            return LFT_REPLY_ERR_SHAPE;
        }
        if ((err = lft_pb_bytes(&p, end, &sub, &n)) != LFT_OK) {
            return err;
        }
        r->partial = 1;
        sub_end = sub + n;
        while (sub < sub_end) {
            if ((err = lft_pb_tag(&sub, sub_end, &field, &wire)) != LFT_OK) {
                return err;
            }
            if (field == 1u) {
                if (wire != 0u) {
                    return LFT_REPLY_ERR_SHAPE;
                }
                if ((err = lft_pb_varint(&sub, sub_end, &r->rejected)) != LFT_OK) {
                    return err;
                }
                if (r->rejected > (uint64_t)INT64_MAX) {
                    return LFT_REPLY_ERR_SHAPE; /* a negative int64 */
                }
            } else if (field == 2u) {
                const uint8_t *s;
                if (wire != 2u) {
                    return LFT_REPLY_ERR_SHAPE;
                }
                if ((err = lft_pb_bytes(&sub, sub_end, &s, &r->msg_len)) != LFT_OK) {
                    return err;
                }
                r->msg = (const char *)s;
            } else if ((err = lft_pb_skip(&sub, sub_end, wire)) != LFT_OK) {
                return err;
            }
        }
    }
    return LFT_OK;
}

lft_err_t lft_reply_parse_otlp(const char *content_type, const char *body, size_t len,
                               lft_reply_token_t *tokens, size_t token_count, char *message,
                               size_t message_cap, lft_reply_otlp_t *out)
{
    lft_otlp_reply_t r;
    lft_err_t err;
    int cut = 0;
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (message != NULL && message_cap > 0) {
        message[0] = '\0';
    }
    if (out == NULL || (body == NULL && len > 0) || (message == NULL && message_cap > 0) ||
        len >= (size_t)INT_MAX) {
        return LFT_ERR_ARG;
    }
    memset(&r, 0, sizeof r);
    body = body != NULL ? body : "";
    if (content_type != NULL && (lft_reply_ci_contains(content_type, "application/x-protobuf") ||
                                 lft_reply_ci_contains(content_type, "application/protobuf"))) {
        err = lft_otlp_pb((const uint8_t *)body, (const uint8_t *)body + len, &r);
    } else if (tokens == NULL && token_count > 0) {
        return LFT_ERR_ARG;
    } else {
        err = lft_otlp_json(body, len, tokens, token_count, &r);
    }
    if (err != LFT_OK) {
        return err;
    }
    out->rejected = r.rejected;
    out->partial = (uint8_t)r.partial;
    out->message_len = lft_reply_unescape(message, message_cap, r.msg, r.msg_len, r.msg_json, &cut);
    out->message_truncated = (uint8_t)cut;
    return LFT_OK;
}
