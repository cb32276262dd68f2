/*
 * lft_text.c - UTF-8 helpers (see lft_text.h).
 */
#include "lft_text.h"

#include <string.h>

size_t lft_text_len(const char *s, size_t len)
{
    if (len != LFT_NUL) {
        return len;
    }
    return s != NULL ? strlen(s) : 0u;
}

/* Length of the sequence a lead byte announces: 2..4 for C2..F4, else 1
 * (ASCII, or a byte that cannot start a well-formed sequence). */
static size_t lft_utf8_lead_len(unsigned char b)
{
    if (b >= 0xC2u && b <= 0xDFu) {
        return 2;
    }
    if (b >= 0xE0u && b <= 0xEFu) {
        return 3;
    }
    if (b >= 0xF0u && b <= 0xF4u) {
        return 4;
    }
    return 1;
}

static int lft_utf8_is_cont(unsigned char b)
{
    return (b & 0xC0u) == 0x80u;
}

size_t lft_utf8_boundary(const char *p, size_t len, size_t max)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t back = 0;
    if (len <= max) {
        return len;
    }
    /* Step back over the continuation bytes that end at p[max] (at most 3). */
    while (back < 3u && back < max && lft_utf8_is_cont(u[max - back])) {
        back++;
    }
    /* Cut before u[max - back] if the sequence it leads reaches p[max]. A
     * continuation byte there (no lead within reach) has length 1, so the
     * cut stays at max, as it does when back is 0. */
    return lft_utf8_lead_len(u[max - back]) > back ? max - back : max;
}

/* Length of the well-formed sequence at p[0..len) (len >= 1), or 0 if it is
 * ill-formed; then *bad is the length of its maximal subpart (>= 1). Ranges
 * of RFC 3629 / Unicode Table 3-7. */
static size_t lft_utf8_seq(const unsigned char *p, size_t len, size_t *bad)
{
    unsigned char b = p[0];
    size_t need = lft_utf8_lead_len(b);
    unsigned char lo = 0x80u, hi = 0xBFu;
    *bad = 1;
    if (b < 0x80u) {
        return 1;
    }
    if (need == 1) {
        return 0; /* continuation byte, C0, C1 or F5..FF */
    }
    if (b == 0xE0u) {
        lo = 0xA0u; /* no overlongs */
    } else if (b == 0xEDu) {
        hi = 0x9Fu; /* no surrogates */
    } else if (b == 0xF0u) {
        lo = 0x90u; /* no overlongs */
    } else if (b == 0xF4u) {
        hi = 0x8Fu; /* nothing above U+10FFFF */
    }
    for (size_t i = 1; i < need; i++) {
        if (i >= len || p[i] < lo || p[i] > hi) {
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
        const char *src = n > 0 ? p + i : replacement;
        size_t out_n = n > 0 ? n : sizeof replacement;
        if (cap - o < out_n) {
            break;
        }
        memcpy(out + o, src, out_n);
        o += out_n;
        i += n > 0 ? n : bad;
    }
    if (consumed != NULL) {
        *consumed = i;
    }
    return o;
}
