/*
 * lft_json.c - strict, iterative JSON validator (see lft_json.h).
 *
 * One loop reads a value; scalars are read whole, '{' and '[' push one bit
 * (1 = object, 0 = array) and go on to their first member. After a value,
 * the inner loop closes containers or moves past ',' to the next member.
 */
#include "lft_json.h"

#include <stdint.h>

#if LFT_JSON_DEPTH_MAX < 1
#error "LFT_JSON_DEPTH_MAX must be at least 1"
#endif

/* Words of the bit stack: one bit per nesting level. */
#define LFT_JSON_WORDS ((LFT_JSON_DEPTH_MAX + 31u) / 32u)

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
} lft_json_cur_t;

static void lft_json_ws(lft_json_cur_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
        c->p++;
    }
}

static int lft_json_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A string; the cursor is on the opening quote. */
static int lft_json_string(lft_json_cur_t *c)
{
    c->p++;
    while (c->p < c->end) {
        unsigned char ch = *c->p++;
        if (ch == '"') {
            return 1;
        }
        if (ch < 0x20u) {
            return 0;
        }
        if (ch == '\\') {
            if (c->p >= c->end) {
                return 0;
            }
            ch = *c->p++;
            if (ch == 'u') {
                if (c->end - c->p < 4 || !lft_json_hex(c->p[0]) || !lft_json_hex(c->p[1]) ||
                    !lft_json_hex(c->p[2]) || !lft_json_hex(c->p[3])) {
                    return 0;
                }
                c->p += 4;
            } else if (ch != '"' && ch != '\\' && ch != '/' && ch != 'b' && ch != 'f' &&
                       ch != 'n' && ch != 'r' && ch != 't') {
                return 0;
            }
        }
    }
    return 0; /* unterminated */
}

/* An object member's key and colon: ws string ws ':'. */
static int lft_json_key(lft_json_cur_t *c)
{
    lft_json_ws(c);
    if (c->p >= c->end || *c->p != '"' || !lft_json_string(c)) {
        return 0;
    }
    lft_json_ws(c);
    if (c->p >= c->end || *c->p != ':') {
        return 0;
    }
    c->p++;
    return 1;
}

static int lft_json_digits(lft_json_cur_t *c)
{
    const unsigned char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        c->p++;
    }
    return c->p > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; the cursor is on '-' or a digit. */
static int lft_json_number(lft_json_cur_t *c)
{
    if (*c->p == '-') {
        c->p++;
    }
    if (c->p >= c->end) {
        return 0;
    }
    if (*c->p == '0') {
        c->p++; /* a following digit is left over and refused by the caller */
    } else if (!lft_json_digits(c)) {
        return 0;
    }
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!lft_json_digits(c)) {
            return 0;
        }
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) {
            c->p++;
        }
        if (!lft_json_digits(c)) {
            return 0;
        }
    }
    return 1;
}

static int lft_json_literal(lft_json_cur_t *c, const char *word, size_t n)
{
    if ((size_t)(c->end - c->p) < n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (c->p[i] != (unsigned char)word[i]) {
            return 0;
        }
    }
    c->p += n;
    return 1;
}

/* A scalar value (not an object or array); the cursor is inside the input. */
static int lft_json_scalar(lft_json_cur_t *c)
{
    switch (*c->p) {
    case '"':
        return lft_json_string(c);
    case 't':
        return lft_json_literal(c, "true", 4u);
    case 'f':
        return lft_json_literal(c, "false", 5u);
    case 'n':
        return lft_json_literal(c, "null", 4u);
    default:
        return (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) && lft_json_number(c);
    }
}

lft_err_t lft_json_validate(const char *p, size_t len)
{
    uint32_t is_obj[LFT_JSON_WORDS] = { 0 }; /* bit d: level d+1 is an object */
    unsigned depth = 0;
    lft_json_cur_t c;
    if (p == NULL) {
        return LFT_ERR_JSON;
    }
    c.p = (const unsigned char *)p;
    c.end = c.p + len;

    for (;;) {
        /* A value is expected. */
        lft_json_ws(&c);
        if (c.p >= c.end) {
            return LFT_ERR_JSON;
        }
        if (*c.p == '{' || *c.p == '[') {
            int obj = *c.p == '{';
            uint32_t bit = (uint32_t)1u << (depth % 32u);
            if (depth >= LFT_JSON_DEPTH_MAX) {
                return LFT_ERR_JSON;
            }
            if (obj) {
                is_obj[depth / 32u] |= bit;
            } else {
                is_obj[depth / 32u] &= ~bit;
            }
            depth++;
            c.p++;
            lft_json_ws(&c);
            if (c.p >= c.end || *c.p != (obj ? '}' : ']')) {
                if (obj && !lft_json_key(&c)) {
                    return LFT_ERR_JSON;
                }
                continue; /* the first member's value */
            }
            c.p++; /* empty container: a complete value */
            depth--;
        } else if (!lft_json_scalar(&c)) {
            return LFT_ERR_JSON;
        }

        /* A value is complete: close containers, or go past ',' to the next member. */
        for (;;) {
            lft_json_ws(&c);
            if (depth == 0) {
                return c.p == c.end ? LFT_OK : LFT_ERR_JSON;
            }
            if (c.p >= c.end) {
                return LFT_ERR_JSON;
            }
            int obj = (is_obj[(depth - 1u) / 32u] >> ((depth - 1u) % 32u)) & 1u;
            if (*c.p == (obj ? '}' : ']')) {
                c.p++;
                depth--;
                continue;
            }
            if (*c.p != ',') {
                return LFT_ERR_JSON;
            }
            c.p++;
            if (obj && !lft_json_key(&c)) {
                return LFT_ERR_JSON;
            }
            break; /* the next member's value */
        }
    }
}
