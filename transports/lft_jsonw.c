/*
 * lft_jsonw.c - JSON writing helpers (see lft_jsonw.h).
 */
#include "lft_jsonw.h"

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

/* ------------------------------------------------------------ doubles */

/*
 * Grisu2 (F. Loitsch, "Printing Floating-Point Numbers Quickly and
 * Accurately with Integers", PLDI 2010), as formulated in nlohmann/json's
 * to_chars: 64-bit integer arithmetic only, no libc, no floating point. The
 * digits it produces always read back as exactly the same double; they are
 * the shortest such digits for almost every double, and never more than 17.
 */

/* A floating-point value f * 2^e. */
typedef struct {
    uint64_t f;
    int e;
} lft_diyfp_t;

/* x * y, rounded to the upper 64 bits of the 128-bit product. */
static lft_diyfp_t lft_diyfp_mul(lft_diyfp_t x, lft_diyfp_t y)
{
    const uint64_t m32 = 0xFFFFFFFFu;
    const uint64_t a = x.f >> 32, b = x.f & m32, c = y.f >> 32, d = y.f & m32;
    const uint64_t ac = a * c, bc = b * c, ad = a * d, bd = b * d;
    const uint64_t mid = (bd >> 32) + (ad & m32) + (bc & m32) + (1ull << 31);
    lft_diyfp_t r;
    r.f = ac + (ad >> 32) + (bc >> 32) + (mid >> 32);
    r.e = x.e + y.e + 64;
    return r;
}

/* x with its top bit set (x.f != 0). */
static lft_diyfp_t lft_diyfp_norm(lft_diyfp_t x)
{
    while ((x.f >> 63) == 0u) {
        x.f <<= 1;
        x.e--;
    }
    return x;
}

/* 10^k for k = -300, -292, ..., 324: the 64 significant bits, rounded to
 * nearest (the binary exponent is floor(k * log2(10)) - 63). */
#define LFT_POW10_MIN_K (-300)
#define LFT_POW10_STEP 8
static const uint64_t lft_pow10_f[79] = {
    0xAB70FE17C79AC6CAull, 0xFF77B1FCBEBCDC4Full, 0xBE5691EF416BD60Cull,
    0x8DD01FAD907FFC3Cull, 0xD3515C2831559A83ull, 0x9D71AC8FADA6C9B5ull,
    0xEA9C227723EE8BCBull, 0xAECC49914078536Dull, 0x823C12795DB6CE57ull,
    0xC21094364DFB5637ull, 0x9096EA6F3848984Full, 0xD77485CB25823AC7ull,
    0xA086CFCD97BF97F4ull, 0xEF340A98172AACE5ull, 0xB23867FB2A35B28Eull,
    0x84C8D4DFD2C63F3Bull, 0xC5DD44271AD3CDBAull, 0x936B9FCEBB25C996ull,
    0xDBAC6C247D62A584ull, 0xA3AB66580D5FDAF6ull, 0xF3E2F893DEC3F126ull,
    0xB5B5ADA8AAFF80B8ull, 0x87625F056C7C4A8Bull, 0xC9BCFF6034C13053ull,
    0x964E858C91BA2655ull, 0xDFF9772470297EBDull, 0xA6DFBD9FB8E5B88Full,
    0xF8A95FCF88747D94ull, 0xB94470938FA89BCFull, 0x8A08F0F8BF0F156Bull,
    0xCDB02555653131B6ull, 0x993FE2C6D07B7FACull, 0xE45C10C42A2B3B06ull,
    0xAA242499697392D3ull, 0xFD87B5F28300CA0Eull, 0xBCE5086492111AEBull,
    0x8CBCCC096F5088CCull, 0xD1B71758E219652Cull, 0x9C40000000000000ull,
    0xE8D4A51000000000ull, 0xAD78EBC5AC620000ull, 0x813F3978F8940984ull,
    0xC097CE7BC90715B3ull, 0x8F7E32CE7BEA5C70ull, 0xD5D238A4ABE98068ull,
    0x9F4F2726179A2245ull, 0xED63A231D4C4FB27ull, 0xB0DE65388CC8ADA8ull,
    0x83C7088E1AAB65DBull, 0xC45D1DF942711D9Aull, 0x924D692CA61BE758ull,
    0xDA01EE641A708DEAull, 0xA26DA3999AEF774Aull, 0xF209787BB47D6B85ull,
    0xB454E4A179DD1877ull, 0x865B86925B9BC5C2ull, 0xC83553C5C8965D3Dull,
    0x952AB45CFA97A0B3ull, 0xDE469FBD99A05FE3ull, 0xA59BC234DB398C25ull,
    0xF6C69A72A3989F5Cull, 0xB7DCBF5354E9BECEull, 0x88FCF317F22241E2ull,
    0xCC20CE9BD35C78A5ull, 0x98165AF37B2153DFull, 0xE2A0B5DC971F303Aull,
    0xA8D9D1535CE3B396ull, 0xFB9B7CD9A4A7443Cull, 0xBB764C4CA7A44410ull,
    0x8BAB8EEFB6409C1Aull, 0xD01FEF10A657842Cull, 0x9B10A4E5E9913129ull,
    0xE7109BFBA19C0C9Dull, 0xAC2820D9623BF429ull, 0x80444B5E7AA7CF85ull,
    0xBF21E44003ACDD2Dull, 0x8E679C2F5E44FF8Full, 0xD433179D9C8CB841ull,
    0x9E19DB92B4E31BA9ull,
};

/* The cached power c = 10^-k that brings binary exponent e (of a normalised
 * diyfp) into [-60, -32] after multiplication; *k receives k. */
static lft_diyfp_t lft_cached_pow10(int e, int *k)
{
    const int32_t f = -60 - e - 1;
    /* ceil(f * log10(2)) */
    const int32_t kk = (f * 78913) / (1 << 18) + (f > 0 ? 1 : 0);
    const int32_t index = (-LFT_POW10_MIN_K + kk + (LFT_POW10_STEP - 1)) / LFT_POW10_STEP;
    const int32_t dec = LFT_POW10_MIN_K + index * LFT_POW10_STEP;
    /* floor(dec * log2(10)), for negative dec too */
    const int32_t prod = dec * 1741647;
    const int32_t log2 = (prod - (prod < 0 ? (1 << 19) - 1 : 0)) / (1 << 19);
    lft_diyfp_t c;
    c.f = lft_pow10_f[index];
    c.e = (int)(log2 - 63);
    *k = -(int)dec;
    return c;
}

/* Move the last digit down while that brings the number closer to w (dist
 * from the upper bound) and stays inside the interval (delta wide). */
static void lft_grisu_round(char *buf, size_t len, uint64_t dist, uint64_t delta, uint64_t rest,
                            uint64_t ten_k)
{
    while (rest < dist && delta - rest >= ten_k &&
           (rest + ten_k < dist || dist - rest > rest + ten_k - dist)) {
        buf[len - 1u]--;
        rest += ten_k;
    }
}

/* Digits of a number in (lo, hi) close to w (all with the same exponent in
 * [-60, -32]) into buf; returns their count and adds to *dec_exp. */
static size_t lft_grisu_digits(char buf[18], int *dec_exp, lft_diyfp_t lo, lft_diyfp_t w,
                               lft_diyfp_t hi)
{
    uint64_t delta = hi.f - lo.f;
    uint64_t dist = hi.f - w.f;
    const unsigned shift = (unsigned)-hi.e;
    const uint64_t one = 1ull << shift;
    uint32_t p1 = (uint32_t)(hi.f >> shift);
    uint64_t p2 = hi.f & (one - 1u);
    uint32_t pow10 = 1000000000u;
    int n = 10;
    size_t len = 0;
    while (n > 1 && p1 < pow10) {
        pow10 /= 10u;
        n--;
    }
    while (n > 0) {
        buf[len++] = (char)('0' + p1 / pow10);
        p1 %= pow10;
        n--;
        const uint64_t rest = ((uint64_t)p1 << shift) + p2;
        if (rest <= delta) {
            *dec_exp += n;
            lft_grisu_round(buf, len, dist, delta, rest, (uint64_t)pow10 << shift);
            return len;
        }
        pow10 /= 10u;
    }
    for (;;) {
        p2 *= 10u;
        delta *= 10u;
        dist *= 10u;
        buf[len++] = (char)('0' + (p2 >> shift));
        p2 &= one - 1u;
        (*dec_exp)--;
        if (p2 <= delta) {
            break;
        }
    }
    lft_grisu_round(buf, len, dist, delta, p2, one);
    return len;
}

/* Shortest (almost always) digits of the finite, positive double of bits
 * (IEEE-754 binary64 without the sign): value = digits * 10^*dec_exp. */
static size_t lft_grisu2(uint64_t bits, char buf[18], int *dec_exp)
{
    const uint64_t hidden = 1ull << 52;
    const uint64_t frac = bits & (hidden - 1u);
    const int bexp = (int)(bits >> 52);
    lft_diyfp_t v, hi, lo;
    v.f = bexp == 0 ? frac : frac + hidden;
    v.e = bexp == 0 ? 1 - 1075 : bexp - 1075;
    /* the boundaries halfway to the neighbours; the lower one is closer
     * when v is a power of two (not the smallest normal) */
    hi.f = 2u * v.f + 1u;
    hi.e = v.e - 1;
    if (frac == 0u && bexp > 1) {
        lo.f = 4u * v.f - 1u;
        lo.e = v.e - 2;
    } else {
        lo.f = 2u * v.f - 1u;
        lo.e = v.e - 1;
    }
    hi = lft_diyfp_norm(hi);
    lo.f <<= lo.e - hi.e;
    lo.e = hi.e;
    v = lft_diyfp_norm(v); /* same exponent as hi */
    lft_diyfp_t c = lft_cached_pow10(hi.e, dec_exp);
    lft_diyfp_t w = lft_diyfp_mul(v, c);
    lo = lft_diyfp_mul(lo, c);
    hi = lft_diyfp_mul(hi, c);
    lo.f++; /* the products are off by up to one unit: stay inside */
    hi.f--;
    return lft_grisu_digits(buf, dec_exp, lo, w, hi);
}

void lft_jsonw_double(lft_sink_t *s, double d)
{
    uint64_t bits;
    char digits[18];
    char b[32];
    size_t o = 0;
    int dec_exp = 0;
    memcpy(&bits, &d, sizeof bits);
    const uint64_t mag = bits & ~(1ull << 63);
    if ((mag >> 52) == 0x7FFu) {
        lft_jsonw_raw(s, "null"); /* NaN, +-Inf: not JSON numbers */
        return;
    }
    if ((bits >> 63) != 0u) {
        b[o++] = '-';
    }
    if (mag == 0u) {
        b[o++] = '0';
        lft_sink_put(s, b, o);
        return;
    }
    const size_t n = lft_grisu2(mag, digits, &dec_exp);
    /* Laid out as printf's %g with precision max(n, 15) would: x is the
     * exponent of the first digit. */
    const int x = (int)n + dec_exp - 1;
    const int prec = n > 15u ? (int)n : 15;
    if (x < -4 || x >= prec) {
        b[o++] = digits[0];
        if (n > 1u) {
            b[o++] = '.';
            memcpy(b + o, digits + 1, n - 1u);
            o += n - 1u;
        }
        unsigned ax = (unsigned)(x < 0 ? -x : x);
        b[o++] = 'e';
        b[o++] = x < 0 ? '-' : '+';
        if (ax >= 100u) {
            b[o++] = (char)('0' + ax / 100u);
        }
        b[o++] = (char)('0' + ax / 10u % 10u);
        b[o++] = (char)('0' + ax % 10u);
    } else if (x < 0) {
        b[o++] = '0';
        b[o++] = '.';
        for (int z = -1; z > x; z--) {
            b[o++] = '0';
        }
        memcpy(b + o, digits, n);
        o += n;
    } else if ((size_t)x + 1u >= n) {
        memcpy(b + o, digits, n);
        o += n;
        for (size_t z = n; z <= (size_t)x; z++) {
            b[o++] = '0';
        }
    } else {
        memcpy(b + o, digits, (size_t)x + 1u);
        o += (size_t)x + 1u;
        b[o++] = '.';
        memcpy(b + o, digits + x + 1, n - (size_t)x - 1u);
        o += n - (size_t)x - 1u;
    }
    lft_sink_put(s, b, o);
}

void lft_jsonw_hex(lft_sink_t *s, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char h[2] = { lft_jsonw_digits[b[i] >> 4], lft_jsonw_digits[b[i] & 0x0Fu] };
        lft_sink_put(s, h, 2u);
    }
}
