/*
 * lft_codec_priv.h - varint, zigzag and float byte codecs shared by the record
 * writer and reader. Internal.
 */
#ifndef LFT_CODEC_PRIV_H
#define LFT_CODEC_PRIV_H

#include <stdint.h>
#include <string.h>

/* For the few helpers of the record path that gcc and clang would call
 * rather than inline at -Os. */
#if defined(__GNUC__) || defined(__clang__)
#define LFT_ALWAYS_INLINE static inline __attribute__((always_inline))
/* For a rare path kept out of the frame of a hot caller. */
#define LFT_NOINLINE __attribute__((noinline))
#else
#define LFT_ALWAYS_INLINE static inline
#define LFT_NOINLINE
#endif

/* Write v as a varint at p (1..5 bytes); returns the end of what was written. */
LFT_ALWAYS_INLINE uint8_t *lft_varint_put32(uint8_t *p, uint32_t v)
{
    while (v >= 0x80u) {
        *p++ = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Write v as a varint at p (1..10 bytes); returns the end of what was
 * written. The bytes above 32 bits go first, then the 32-bit loop (no 64-bit
 * shifts for the small values records mostly hold). */
LFT_ALWAYS_INLINE uint8_t *lft_varint_put(uint8_t *p, uint64_t v)
{
    while (v > 0xFFFFFFFFu) {
        *p++ = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    return lft_varint_put32(p, (uint32_t)v);
}

/* Read a varint from [*pp, end); advances *pp. Returns 0 on success, -1 when
 * truncated or longer than 10 bytes. */
static inline int lft_varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    unsigned shift = 0;
    while (p < end && shift < 64u) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7Fu) << shift;
        if ((b & 0x80u) == 0) {
            *pp = p;
            *out = v;
            return 0;
        }
        shift += 7u;
    }
    return -1;
}

static inline uint64_t lft_zigzag_enc(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(0 - ((uint64_t)v >> 63));
}

static inline int64_t lft_zigzag_dec(uint64_t u)
{
    return (int64_t)((u >> 1) ^ (0 - (u & 1u)));
}

static inline void lft_f64_put(uint8_t *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (unsigned i = 0; i < 8u; i++) {
        p[i] = (uint8_t)(u >> (8u * i));
    }
}

static inline double lft_f64_get(const uint8_t *p)
{
    uint64_t u = 0;
    double d;
    for (unsigned i = 0; i < 8u; i++) {
        u |= (uint64_t)p[i] << (8u * i);
    }
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint16_t lft_u16_get(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline void lft_u16_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

#endif /* LFT_CODEC_PRIV_H */
