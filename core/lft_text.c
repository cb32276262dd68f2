/*
 * lft_text.c - UTF-8 helpers (see lft_text.h).
 */
#include "lft_text.h"

#include <string.h>

size_t lft_text_len(const char *s, size_t len)
{
    return len == LFT_NUL ? strlen(s) : len;
}

size_t lft_utf8_boundary(const char *p, size_t len, size_t max)
{
    if (len <= max) {
        return len;
    }
    size_t n = max;
    for (unsigned back = 0; back < 3u && n > 0; back++) {
        if (((unsigned char)p[n] & 0xC0u) != 0x80u) {
            break;
        }
        n--;
    }
    if (((unsigned char)p[n] & 0xC0u) == 0x80u) {
        return max; /* not UTF-8 here anyway: cut where asked */
    }
    return n;
}

/* Length of the well-formed sequence at p[0..len), or 0 if ill-formed; for an
 * ill-formed one *bad is the length of its maximal subpart (>= 1). */
static size_t lft_utf8_seq(const unsigned char *p, size_t len, size_t *bad)
{
    unsigned char b = p[0];
    size_t need;
    unsigned char lo = 0x80u, hi = 0xBFu;
    *bad = 1;
    if (b < 0x80u) {
        return 1;
    } else if (b >= 0xC2u && b <= 0xDFu) {
        need = 2;
    } else if (b >= 0xE0u && b <= 0xEFu) {
        need = 3;
        if (b == 0xE0u) {
            lo = 0xA0u;
        } else if (b == 0xEDu) {
            hi = 0x9Fu;
        }
    } else if (b >= 0xF0u && b <= 0xF4u) {
        need = 4;
        if (b == 0xF0u) {
            lo = 0x90u;
        } else if (b == 0xF4u) {
            hi = 0x8Fu;
        }
    } else {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if (i >= len) {
            return 0;
        }
        unsigned char c = p[i];
        if (c < lo || c > hi) {
            return 0;
        }
        lo = 0x80u;
        hi = 0xBFu;
        *bad = i + 1u;
    }
    return need;
}

int lft_utf8_valid(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        size_t bad;
        size_t n = lft_utf8_seq(u + i, len - i, &bad);
        if (n == 0) {
            return 0;
        }
        i += n;
    }
    return 1;
}

size_t lft_utf8_sanitize(const char *p, size_t len, char *out, size_t cap, size_t *consumed)
{
    static const char replacement[3] = { '\xEF', '\xBF', '\xBD' };
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t bad;
        size_t n = lft_utf8_seq(u + i, len - i, &bad);
        if (n > 0) {
            if (cap - o < n) {
                break;
            }
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
        } else {
            if (cap - o < sizeof replacement) {
                break;
            }
            memcpy(out + o, replacement, sizeof replacement);
            o += sizeof replacement;
            i += bad;
        }
    }
    if (consumed != NULL) {
        *consumed = i;
    }
    return o;
}
