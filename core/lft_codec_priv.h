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

/* Where unaligned 32-bit loads and stores are single instructions on a
 * little-endian processor, the fixed-width codecs below are memcpy (one
 * load or store); elsewhere (Cortex-M0, RISC-V) explicit byte accesses,
 * never a call to memcpy. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                                   \
    (defined(__ARM_FEATURE_UNALIGNED) || defined(__x86_64__) || defined(__i386__) || \
     defined(__aarch64__))
#define LFT_UNALIGNED_LE 1
#else
#define LFT_UNALIGNED_LE 0
#endif

/* u32, little-endian, at any address. */
LFT_ALWAYS_INLINE void lft_u32_put(uint8_t *p, uint32_t v)
{
#if LFT_UNALIGNED_LE
    memcpy(p, &v, sizeof v);
#else
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
#endif
}

LFT_ALWAYS_INLINE uint32_t lft_u32_get(const uint8_t *p)
{
#if LFT_UNALIGNED_LE
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}

/* i64 (two's complement), little-endian, at any address. */
LFT_ALWAYS_INLINE void lft_i64_put(uint8_t *p, int64_t v)
{
    const uint64_t u = (uint64_t)v;
    lft_u32_put(p, (uint32_t)u);
    lft_u32_put(p + 4, (uint32_t)(u >> 32));
}

LFT_ALWAYS_INLINE int64_t lft_i64_get(const uint8_t *p)
{
    const uint64_t u = (uint64_t)lft_u32_get(p) | (uint64_t)lft_u32_get(p + 4) << 32;
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* A pointer in the processor's byte order (a name by reference; it never
 * leaves the process), at any address: lft_u32_put where pointers are 32
 * bits. */
LFT_ALWAYS_INLINE void lft_ptr_put(uint8_t *p, const void *ptr)
{
    if (sizeof ptr == 4u) {
        lft_u32_put(p, (uint32_t)(uintptr_t)ptr);
    } else {
        memcpy(p, &ptr, sizeof ptr);
    }
}

LFT_ALWAYS_INLINE const void *lft_ptr_get(const uint8_t *p)
{
    const void *ptr;
    if (sizeof ptr == 4u) {
        ptr = (const void *)(uintptr_t)lft_u32_get(p);
    } else {
        memcpy(&ptr, p, sizeof ptr);
    }
    return ptr;
}

/* A record header: u16 len, type byte, flags byte (one u32). */
LFT_ALWAYS_INLINE void lft_rec_hdr_put(uint8_t *p, uint32_t len, uint32_t type, uint32_t flags)
{
    lft_u32_put(p, (len & 0xFFFFu) | (type & 0xFFu) << 16 | (flags & 0xFFu) << 24);
}

#endif /* LFT_CODEC_PRIV_H */
