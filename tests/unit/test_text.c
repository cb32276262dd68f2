/*
 * test_text.c - lft_text_len and the UTF-8 helpers: validity tables,
 * U+FFFD substitution of maximal subparts (the Unicode chapter 3 examples,
 * plus a differential check against an independent code-point reference on
 * pseudo-random bytes), streaming with 1..8-byte output buffers, and
 * truncation boundaries.
 */
#include "lft_text.h"
#include "lft_test.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

typedef struct {
    const char *s;
    size_t n; /* sizeof - 1: embedded NULs count */
} bytes_t;

#define B(lit) { (lit), sizeof(lit) - 1u }

/* ------------------------------------------------------------- lft_text_len */

static void test_text_len(void)
{
    LFT_CHECK_EQ(lft_text_len("abc", LFT_NUL), 3);
    LFT_CHECK_EQ(lft_text_len("", LFT_NUL), 0);
    LFT_CHECK_EQ(lft_text_len("abc", 2), 2);
    LFT_CHECK_EQ(lft_text_len("a\0b", 3), 3);
    LFT_CHECK_EQ(lft_text_len("a\0b", LFT_NUL), 1);
    LFT_CHECK_EQ(lft_text_len(NULL, 0), 0);
    LFT_CHECK_EQ(lft_text_len(NULL, LFT_NUL), 0);
    LFT_CHECK(LFT_NUL == (size_t)-1);
}

/* ----------------------------------------------------------- lft_utf8_valid */

static const bytes_t utf8_ok[] = {
    B(""), B("plain ascii"), B("a\0b"), B("\x7F"),
    B("\xC2\x80"),         /* U+0080, smallest 2-byte */
    B("\xC3\xA9"),         /* e acute */
    B("\xDF\xBF"),         /* U+07FF */
    B("\xE0\xA0\x80"),     /* U+0800, smallest 3-byte */
    B("\xE2\x82\xAC"),     /* euro sign */
    B("\xED\x9F\xBF"),     /* U+D7FF, just below the surrogates */
    B("\xEE\x80\x80"),     /* U+E000, just above them */
    B("\xEF\xBF\xBF"),     /* U+FFFF */
    B("\xF0\x90\x80\x80"), /* U+10000, smallest 4-byte */
    B("\xF0\x9F\x98\x80"), /* emoji */
    B("\xF4\x8F\xBF\xBF"), /* U+10FFFF, the largest */
    B("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80!"),
};

static const bytes_t utf8_bad[] = {
    B("\x80"), B("\xBF"), B("a\x80"), B("\xC3\xA9\x80"),   /* lone continuation bytes */
    B("\xC0\x80"), B("\xC1\xBF"), B("\xC0\xAF"),          /* overlong 2-byte */
    B("\xE0\x80\x80"), B("\xE0\x9F\xBF"),                 /* overlong 3-byte */
    B("\xF0\x80\x80\x80"), B("\xF0\x8F\xBF\xBF"),         /* overlong 4-byte */
    B("\xED\xA0\x80"), B("\xED\xBF\xBF"), B("\xED\xAF\x41"), /* surrogates */
    B("\xF4\x90\x80\x80"), B("\xF5\x80\x80\x80"), B("\xF7\xBF\xBF\xBF"), /* above U+10FFFF */
    B("\xF8\x88\x80\x80\x80"), B("\xFC\x84\x80\x80\x80\x80"), B("\xFE"), B("\xFF"),
    B("\xC3"), B("\xE2\x82"), B("\xF0\x9F\x98"), B("ab\xE2"), /* truncated at the end */
    B("\xC3" "A"), B("\xE2\x28\xA1"), B("\xF0\x9F\x98" "A"), /* missing continuation */
    B("\xE2\x82\xAC\xAC"),
};

static void test_utf8_valid(void)
{
    for (size_t i = 0; i < sizeof utf8_ok / sizeof utf8_ok[0]; i++) {
        if (!lft_utf8_valid(utf8_ok[i].s, utf8_ok[i].n)) {
            fprintf(stderr, "utf8_ok[%zu] refused\n", i);
            LFT_CHECK(0);
        }
    }
    for (size_t i = 0; i < sizeof utf8_bad / sizeof utf8_bad[0]; i++) {
        if (lft_utf8_valid(utf8_bad[i].s, utf8_bad[i].n)) {
            fprintf(stderr, "utf8_bad[%zu] accepted\n", i);
            LFT_CHECK(0);
        }
    }
    LFT_CHECK_EQ(lft_utf8_valid(NULL, 0), 1);
    /* Every code point encodes to valid UTF-8 except the surrogates. */
    unsigned wrong = 0;
    for (unsigned long cp = 0; cp <= 0x10FFFFul; cp++) {
        unsigned char e[4];
        size_t n;
        if (cp < 0x80ul) {
            e[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800ul) {
            e[0] = (unsigned char)(0xC0u | (cp >> 6));
            e[1] = (unsigned char)(0x80u | (cp & 0x3Fu));
            n = 2;
        } else if (cp < 0x10000ul) {
            e[0] = (unsigned char)(0xE0u | (cp >> 12));
            e[1] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
            e[2] = (unsigned char)(0x80u | (cp & 0x3Fu));
            n = 3;
        } else {
            e[0] = (unsigned char)(0xF0u | (cp >> 18));
            e[1] = (unsigned char)(0x80u | ((cp >> 12) & 0x3Fu));
            e[2] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
            e[3] = (unsigned char)(0x80u | (cp & 0x3Fu));
            n = 4;
        }
        int want = !(cp >= 0xD800ul && cp <= 0xDFFFul);
        wrong += lft_utf8_valid((const char *)e, n) != want;
        wrong += n > 1 && lft_utf8_valid((const char *)e, n - 1u); /* truncated */
    }
    LFT_CHECK_EQ(wrong, 0);
}

/* ------------------------------------------------ reference for sanitize */

/*
 * An independent statement of "maximal subpart": p[0..k) is a prefix of some
 * well-formed sequence iff padding it with the smallest (0x80) and largest
 * (0xBF) continuation bytes gives a code-point range that meets the valid
 * range of its length outside the surrogates.
 */
static int ref_prefix_ok(const unsigned char *p, size_t k, size_t len_seq)
{
    static const unsigned long lo_of[5] = { 0, 0, 0x80ul, 0x800ul, 0x10000ul };
    static const unsigned long hi_of[5] = { 0, 0, 0x7FFul, 0xFFFFul, 0x10FFFFul };
    static const unsigned char mask[5] = { 0, 0, 0x1Fu, 0x0Fu, 0x07u };
    unsigned long lo = p[0] & mask[len_seq], hi = lo;
    for (size_t i = 1; i < len_seq; i++) {
        unsigned char c_lo = i < k ? p[i] : 0x80u, c_hi = i < k ? p[i] : 0xBFu;
        if (i < k && (p[i] & 0xC0u) != 0x80u) {
            return 0;
        }
        lo = (lo << 6) | (c_lo & 0x3Fu);
        hi = (hi << 6) | (c_hi & 0x3Fu);
    }
    if (lo < lo_of[len_seq]) {
        lo = lo_of[len_seq];
    }
    if (hi > hi_of[len_seq]) {
        hi = hi_of[len_seq];
    }
    return lo <= hi && !(lo >= 0xD800ul && hi <= 0xDFFFul);
}

static size_t ref_sanitize(const unsigned char *p, size_t len, unsigned char *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        unsigned char b = p[i];
        size_t len_seq = b >= 0xF0u ? 4u : b >= 0xE0u ? 3u : b >= 0xC0u ? 2u : 1u;
        if (b < 0x80u) {
            out[o++] = b;
            i++;
            continue;
        }
        size_t k = 0;
        if (b >= 0xC0u && b <= 0xF7u) {
            while (k < len_seq && i + k < len && ref_prefix_ok(p + i, k + 1u, len_seq)) {
                k++;
            }
        }
        if (k == len_seq) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, R, 3u);
            o += 3u;
            i += k > 0 ? k : 1u;
        }
    }
    return o;
}

/* ------------------------------------------------------ lft_utf8_sanitize */

typedef struct {
    bytes_t in;
    bytes_t want;
} sanitize_case_t;

static const sanitize_case_t sanitize_cases[] = {
    { B(""), B("") },
    { B("plain"), B("plain") },
    { B("a\0b"), B("a\0b") },
    { B("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"),
      B("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF") },
    /* Unicode 15 chapter 3, "U+FFFD Substitution of Maximal Subparts" */
    { B("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"), B("a" R R R "b" R "c" R R "d") },
    { B("\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41"), B(R R R R R R R R "A") },     /* Table 3-8 */
    { B("\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41"), B(R R R R R R R R "A") },     /* Table 3-9 */
    { B("\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42"), B(R R R R R "A" R R "B") },   /* Table 3-10 */
    { B("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41"), B(R R R R "A") },             /* Table 3-11 */
    /* overlongs, surrogates, beyond U+10FFFF: no byte is a valid prefix */
    { B("\xC0\x80"), B(R R) },
    { B("\xE0\x80\x80"), B(R R R) },
    { B("\xF0\x80\x80\x80"), B(R R R R) },
    { B("\xED\xA0\x80"), B(R R R) },
    { B("\xF4\x90\x80\x80"), B(R R R R) },
    { B("\xF5\x80"), B(R R) },
    { B("\xFF\xFE"), B(R R) },
    /* truncated sequences: one U+FFFD each, also at the very end of the input */
    { B("ab\xE2\x82"), B("ab" R) },
    { B("\xF0\x9F\x98"), B(R) },
    { B("\xC3"), B(R) },
    { B("\xF0\x9F\x98" "A"), B(R "A") },
    { B("\xE2\x82\xE2\x82\xAC"), B(R "\xE2\x82\xAC") },
    { B("\xC3\xC3\xA9"), B(R "\xC3\xA9") },
    /* the replacement character itself passes through */
    { B(R), B(R) },
};

static void test_sanitize_table(void)
{
    char out[64];
    unsigned char ref[64];
    for (size_t i = 0; i < sizeof sanitize_cases / sizeof sanitize_cases[0]; i++) {
        const sanitize_case_t *c = &sanitize_cases[i];
        size_t used = 12345;
        size_t n = lft_utf8_sanitize(c->in.s, c->in.n, out, sizeof out, &used);
        if (n != c->want.n || memcmp(out, c->want.s, n) != 0 || used != c->in.n) {
            fprintf(stderr, "sanitize case %zu: got %zu bytes, used %zu\n", i, n, used);
            LFT_CHECK(0);
        }
        size_t r = ref_sanitize((const unsigned char *)c->in.s, c->in.n, ref);
        if (r != c->want.n || memcmp(ref, c->want.s, r) != 0) {
            fprintf(stderr, "reference disagrees with case %zu\n", i);
            LFT_CHECK(0);
        }
        LFT_CHECK(lft_utf8_valid(out, n));
    }
    /* NULL input and output are fine when nothing is read or written. */
    size_t used = 7;
    LFT_CHECK_EQ(lft_utf8_sanitize(NULL, 0, NULL, 0, &used), 0);
    LFT_CHECK_EQ(used, 0);
    LFT_CHECK_EQ(lft_utf8_sanitize("abc", 3, NULL, 0, &used), 0);
    LFT_CHECK_EQ(used, 0);
    LFT_CHECK_EQ(lft_utf8_sanitize("abc", 3, out, sizeof out, NULL), 3);
}

/* Output stops before the first character that does not fit; nothing past cap is written. */
static void test_sanitize_room(void)
{
    static const char in[] = "\xE2\x82\xAC" "a\xFF" "b";
    static const size_t want_n[] = { 0, 0, 0, 3, 4, 4, 4, 7, 8, 8 };
    static const size_t want_used[] = { 0, 0, 0, 3, 4, 4, 4, 5, 6, 6 };
    for (size_t cap = 0; cap < sizeof want_n / sizeof want_n[0]; cap++) {
        char out[16];
        size_t used = 99;
        memset(out, '#', sizeof out);
        size_t n = lft_utf8_sanitize(in, sizeof in - 1u, out, cap, &used);
        LFT_CHECK_EQ(n, want_n[cap]);
        LFT_CHECK_EQ(used, want_used[cap]);
        LFT_CHECK_EQ(out[cap], '#');
        LFT_CHECK(memcmp(out, "\xE2\x82\xAC" "a" R "b", n) == 0);
    }
}

/* Bytes that exercise every class: valid 1..4-byte characters, overlongs,
 * surrogates, truncations and arbitrary bytes. */
static size_t make_mixed(unsigned char *buf, size_t cap, unsigned seed, int valid_only)
{
    static const bytes_t good[] = {
        B("a"), B("Z"), B(" "), B("\0"), B("\xC3\xA9"), B("\xDF\xBF"), B("\xE2\x82\xAC"),
        B("\xED\x9F\xBF"), B("\xEE\x80\x80"), B("\xEF\xBF\xBD"), B("\xF0\x9F\x98\x80"),
        B("\xF4\x8F\xBF\xBF"), B("\xF0\x90\x80\x80"),
    };
    static const bytes_t bad[] = {
        B("\xC0\x80"), B("\xE0\x80\x80"), B("\xED\xA0\x80"), B("\xF4\x90\x80\x80"), B("\x80"),
        B("\xBF"), B("\xFF"), B("\xF5"), B("\xE2\x82"), B("\xF0\x9F\x98"), B("\xC3"), B("\xF8\x88"),
    };
    unsigned long x = seed;
    size_t n = 0;
    for (;;) {
        x = x * 1103515245ul + 12345ul;
        unsigned r = (unsigned)(x >> 16) & 0x7FFFu;
        const bytes_t *f;
        unsigned char one;
        bytes_t rnd;
        if (valid_only || r % 3u != 0u) {
            f = &good[r % (sizeof good / sizeof good[0])];
        } else if (r % 2u == 0u) {
            f = &bad[(r / 6u) % (sizeof bad / sizeof bad[0])];
        } else {
            one = (unsigned char)(r >> 4);
            rnd.s = (const char *)&one;
            rnd.n = 1;
            f = &rnd;
        }
        if (n + f->n > cap) {
            return n;
        }
        memcpy(buf + n, f->s, f->n);
        n += f->n;
    }
}

static unsigned char mixed_in[1u << 14];
static char whole[3u << 14], pieces[3u << 14];
static unsigned char ref_out[3u << 14];

/* Sanitize p in one call and in pieces with every cap from 1 to 8. */
static void check_streaming_at(const char *p, size_t len, int expect_ascii_only)
{
    size_t used = 0;
    size_t n = lft_utf8_sanitize(p, len, whole, sizeof whole, &used);
    LFT_CHECK_EQ(used, len);
    LFT_CHECK(lft_utf8_valid(whole, n));
    size_t r = ref_sanitize((const unsigned char *)p, len, ref_out);
    LFT_CHECK(r == n && memcmp(ref_out, whole, n) == 0);
    if (lft_utf8_valid(p, len)) {
        LFT_CHECK(n == len && memcmp(whole, p, len) == 0);
    }
    for (size_t cap = 1; cap <= 8u; cap++) {
        size_t off = 0, out = 0;
        unsigned overrun = 0;
        int stalled = 0;
        while (off < len) {
            char piece[8 + 4];
            memset(piece, '#', sizeof piece);
            size_t k = lft_utf8_sanitize(p + off, len - off, piece, cap, &used);
            overrun += k > cap || memcmp(piece + cap, "####", 4u) != 0;
            if (used == 0) {
                stalled = 1;
                LFT_CHECK_EQ(k, 0);
                break;
            }
            memcpy(pieces + out, piece, k);
            out += k;
            off += used;
        }
        LFT_CHECK_EQ(overrun, 0);
        /* What came out is always the start of the one-call result. */
        LFT_CHECK(out <= n && memcmp(pieces, whole, out) == 0);
        if (stalled) {
            /* Only a cap below 4 stalls, and only on a character longer than cap. */
            char next[4];
            size_t k = lft_utf8_sanitize(p + off, len - off, next, sizeof next, &used);
            LFT_CHECK(cap < 4u && k > cap && used > 0);
            LFT_CHECK(!expect_ascii_only);
        } else {
            LFT_CHECK_EQ(out, n);
        }
    }
}

/* check_streaming_at on an exact-size heap copy, so ASan sees any read past len. */
static void check_streaming(const char *p, size_t len, int expect_ascii_only)
{
    char *copy = malloc(len > 0 ? len : 1u);
    if (copy == NULL) {
        abort();
    }
    memcpy(copy, p, len);
    check_streaming_at(copy, len, expect_ascii_only);
    free(copy);
}

static void test_sanitize_streaming(void)
{
    for (size_t i = 0; i < sizeof sanitize_cases / sizeof sanitize_cases[0]; i++) {
        check_streaming(sanitize_cases[i].in.s, sanitize_cases[i].in.n, 0);
    }
    for (size_t i = 0; i < sizeof utf8_bad / sizeof utf8_bad[0]; i++) {
        check_streaming(utf8_bad[i].s, utf8_bad[i].n, 0);
    }
    /* ASCII alone streams through even a 1-byte buffer. */
    check_streaming("streaming through one byte at a time", 36u, 1);
    for (unsigned seed = 1; seed <= 8u; seed++) {
        size_t n = make_mixed(mixed_in, sizeof mixed_in, seed, 0);
        check_streaming((const char *)mixed_in, n, 0);
    }
    /* Caps of 4..8 never stall, even on input made only of 4-byte sequences. */
    static const char four[] = "\xF0\x9F\x98\x80\xF4\x90\x80\x80\xF0\x9F\x98";
    check_streaming(four, sizeof four - 1u, 0);
}

/* Every byte string of length 1..4 over an alphabet of boundary bytes agrees
 * with the reference, and is left unchanged exactly when it is valid. */
static void test_sanitize_exhaustive(void)
{
    static const unsigned char alpha[] = { 0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                           0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                           0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF };
    const size_t na = sizeof alpha;
    unsigned wrong = 0;
    for (size_t len = 1; len <= 4u; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++) {
            total *= na;
        }
        for (size_t code = 0; code < total; code++) {
            unsigned char in[4];
            char out[16];
            unsigned char ref[16];
            size_t c = code, used = 0;
            for (size_t i = 0; i < len; i++) {
                in[i] = alpha[c % na];
                c /= na;
            }
            size_t n = lft_utf8_sanitize((const char *)in, len, out, sizeof out, &used);
            size_t r = ref_sanitize(in, len, ref);
            wrong += used != len || n != r || memcmp(out, ref, n) != 0;
            /* valid exactly when nothing was replaced */
            wrong += lft_utf8_valid((const char *)in, len) != (n == len && memcmp(out, in, n) == 0);
        }
    }
    LFT_CHECK_EQ(wrong, 0);
}

/* ------------------------------------------------------ lft_utf8_boundary */

typedef struct {
    bytes_t in;
    size_t max;
    size_t want;
} boundary_case_t;

static const boundary_case_t boundary_cases[] = {
    { B("abc"), 5, 3 },                       /* len <= max: the whole value */
    { B("abc"), 3, 3 },
    { B("abc"), 2, 2 },
    { B("abc"), 0, 0 },
    { B("\xC3\xA9"), 1, 0 },                  /* 2-byte */
    { B("a\xC3\xA9"), 2, 1 },
    { B("a\xC3\xA9"), 1, 1 },
    { B("a\xC3\xA9"), 3, 3 },
    { B("\xE2\x82\xAC" "x"), 1, 0 },          /* 3-byte */
    { B("\xE2\x82\xAC" "x"), 2, 0 },
    { B("\xE2\x82\xAC" "x"), 3, 3 },
    { B("\xF0\x9F\x98\x80" "x"), 1, 0 },      /* 4-byte: backs off the full 3 */
    { B("\xF0\x9F\x98\x80" "x"), 2, 0 },
    { B("\xF0\x9F\x98\x80" "x"), 3, 0 },
    { B("\xF0\x9F\x98\x80" "x"), 4, 4 },
    { B("ab\xF0\x9F\x98\x80\xC3\xA9"), 5, 2 },
    { B("ab\xF0\x9F\x98\x80\xC3\xA9"), 6, 6 },
    { B("ab\xF0\x9F\x98\x80\xC3\xA9"), 7, 6 },
    { B("\xE2\x82"), 5, 2 },                  /* truncated value, but len <= max */
    { B("a\x80" "b"), 1, 1 },                 /* stray continuation after ASCII */
    { B("\xC3\xA9\x80" "x"), 2, 2 },          /* after a complete character */
    { B("\xE2\x82\xAC\x80\x80"), 4, 4 },
    { B("\x80\x80\x80\x80\x80"), 3, 3 },      /* no lead byte at all */
    { B("\x80\x80\x80\x80\x80"), 4, 4 },
    { B("a\x80\x80\x80\x80"), 4, 4 },         /* lead more than 3 bytes back */
    { B("\xF8\x80\x80"), 2, 2 },              /* F8 leads nothing */
    { B("\xC0\x80"), 1, 1 },                  /* nor does C0 */
    { B("\xF0\x80\x80\x80"), 3, 0 },          /* ill-formed, but never more than 3 back */
    { B("\xE2\x82\xE2\x82\xAC"), 3, 2 },
    { B("\x80\x80"), 1, 1 },                  /* continuation bytes back to p[0] */
    { B("\xA9\xA9\xA9"), 2, 2 },
};

static void test_boundary_table(void)
{
    for (size_t i = 0; i < sizeof boundary_cases / sizeof boundary_cases[0]; i++) {
        const boundary_case_t *c = &boundary_cases[i];
        /* an exact-size heap copy, so ASan sees any read outside it */
        char *copy = malloc(c->in.n);
        if (copy == NULL) {
            abort();
        }
        memcpy(copy, c->in.s, c->in.n);
        size_t got = lft_utf8_boundary(copy, c->in.n, c->max);
        free(copy);
        if (got != c->want) {
            fprintf(stderr, "boundary case %zu: got %zu, want %zu\n", i, got, c->want);
            LFT_CHECK(0);
        }
    }
    LFT_CHECK_EQ(lft_utf8_boundary(NULL, 0, 0), 0);
    LFT_CHECK_EQ(lft_utf8_boundary(NULL, 0, 10), 0);
}

static void test_boundary_properties(void)
{
    /* On valid text: the cut is the last character boundary at or before max. */
    size_t len = make_mixed(mixed_in, 4096u, 77u, 1);
    const char *p = (const char *)mixed_in;
    unsigned wrong = 0;
    LFT_CHECK(lft_utf8_valid(p, len));
    for (size_t max = 0; max <= len + 2u; max++) {
        size_t got = lft_utf8_boundary(p, len, max);
        size_t lim = max < len ? max : len;
        wrong += got > lim || lim - got > 3u || !lft_utf8_valid(p, got);
        for (size_t m = got + 1u; m <= lim; m++) {
            wrong += lft_utf8_valid(p, m) != 0; /* a longer valid cut was possible */
        }
    }
    LFT_CHECK_EQ(wrong, 0);
    /* On anything: never past max, never more than 3 back. */
    for (unsigned seed = 1; seed <= 4u; seed++) {
        len = make_mixed(mixed_in, 4096u, seed, 0);
        for (size_t max = 0; max < len; max++) {
            size_t got = lft_utf8_boundary(p, len, max);
            wrong += got > max || max - got > 3u;
        }
    }
    LFT_CHECK_EQ(wrong, 0);
}

int main(void)
{
    LFT_RUN(test_text_len);
    LFT_RUN(test_utf8_valid);
    LFT_RUN(test_sanitize_table);
    LFT_RUN(test_sanitize_room);
    LFT_RUN(test_sanitize_streaming);
    LFT_RUN(test_sanitize_exhaustive);
    LFT_RUN(test_boundary_table);
    LFT_RUN(test_boundary_properties);
    return LFT_TEST_REPORT();
}
