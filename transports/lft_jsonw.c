/*
 * lft_jsonw.c - JSON writing helpers (see lft_jsonw.h).
 */
#include "lft_jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_text.h"

static const char lft_jsonw_digits[] = "0123456789abcdef";

void lft_jsonw_chars(lft_sink_t *s, const char *p, size_t n)
{
    char buf[64];
    while (n > 0) {
        size_t used = 0;
        size_t k = lft_utf8_sanitize(p, n, buf, sizeof buf, &used);
        for (size_t i = 0; i < k; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch == '"' || ch == '\\') {
                char esc[2] = { '\\', (char)ch };
                lft_sink_put(s, esc, 2u);
            } else if (ch == '\n') {
                lft_sink_put(s, "\\n", 2u);
            } else if (ch == '\r') {
                lft_sink_put(s, "\\r", 2u);
            } else if (ch == '\t') {
                lft_sink_put(s, "\\t", 2u);
            } else if (ch < 0x20u) {
                char esc[6] = { '\\', 'u', '0', '0', lft_jsonw_digits[ch >> 4],
                                lft_jsonw_digits[ch & 0x0Fu] };
                lft_sink_put(s, esc, 6u);
            } else {
                lft_sink_byte(s, ch);
            }
        }
        p += used;
        n -= used;
    }
}

void lft_jsonw_string(lft_sink_t *s, const char *p, size_t n)
{
    lft_sink_byte(s, '"');
    lft_jsonw_chars(s, p, n);
    lft_sink_byte(s, '"');
}

void lft_jsonw_raw(lft_sink_t *s, const char *str)
{
    lft_sink_put(s, str, strlen(str));
}

void lft_jsonw_u64(lft_sink_t *s, uint64_t v)
{
    char b[20];
    size_t n = 0;
    do {
        b[sizeof b - 1u - n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v > 0);
    lft_sink_put(s, b + sizeof b - n, n);
}

void lft_jsonw_i64(lft_sink_t *s, int64_t v)
{
    if (v < 0) {
        lft_sink_byte(s, '-');
        lft_jsonw_u64(s, (uint64_t)0 - (uint64_t)v);
    } else {
        lft_jsonw_u64(s, (uint64_t)v);
    }
}

void lft_jsonw_double(lft_sink_t *s, double d)
{
    char b[40];
    int n = 0;
    if (!isfinite(d)) {
        lft_jsonw_raw(s, "null");
        return;
    }
    /* 17 significant digits always round-trip an IEEE-754 double; try fewer
     * first for the short form. strtod reads with the same locale snprintf
     * wrote with, so the round-trip test holds whatever LC_NUMERIC is. */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(b, sizeof b, "%.*g", prec, d);
        if (prec == 17 || strtod(b, NULL) == d) {
            break;
        }
    }
    /* at most 24 characters ("-1.2345678901234567e-308"): n fits in b */
    size_t len = n > 0 ? (size_t)n : 0u;
    len = len < sizeof b ? len : sizeof b - 1u;
    int in_point = 0;
    for (size_t i = 0; i < len; i++) {
        char c = b[i];
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e') {
            lft_sink_byte(s, (uint8_t)c);
            in_point = 0;
        } else if (!in_point) {
            lft_sink_byte(s, '.'); /* the locale's decimal point, of any byte length */
            in_point = 1;
        }
    }
}

void lft_jsonw_hex(lft_sink_t *s, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char h[2] = { lft_jsonw_digits[b[i] >> 4], lft_jsonw_digits[b[i] & 0x0Fu] };
        lft_sink_put(s, h, 2u);
    }
}
