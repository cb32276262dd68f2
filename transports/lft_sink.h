/*
 * lft_sink.h - a bounded output stream for encoders.
 *
 * Encoders never build a whole request in RAM: they write through a sink,
 * which either only counts (the pass that computes Content-Length and nested
 * protobuf lengths) or fills a small caller-owned scratch buffer and hands
 * it to a write callback (TLS, a socket, a test buffer) each time it is full.
 */
#ifndef LFT_SINK_H
#define LFT_SINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Deliver n bytes; return 0 on success, a negative code to abort the stream
 * (the code is kept in lft_sink_t.err and later writes are ignored). */
typedef int (*lft_sink_write_fn)(void *ctx, const uint8_t *p, size_t n);

typedef struct {
    uint8_t *buf;             /* scratch; NULL when counting */
    size_t cap;
    size_t fill;
    uint64_t total;           /* bytes accepted so far */
    uint64_t limit;           /* refuse (err = LFT_SINK_ERR_LIMIT) beyond this many; 0 = none */
    lft_sink_write_fn write;
    void *ctx;
    int err;
} lft_sink_t;

#define LFT_SINK_ERR_LIMIT (-100)

/* A sink that only counts bytes. */
void lft_sink_init_count(lft_sink_t *s);

/* A sink writing through scratch[0..cap) (cap >= 1) to write(ctx, ...). */
void lft_sink_init(lft_sink_t *s, uint8_t *scratch, size_t cap, lft_sink_write_fn write, void *ctx);

/* Append n bytes (counted, or buffered and written when the scratch fills). */
void lft_sink_put(lft_sink_t *s, const void *p, size_t n);

/* Append one byte. */
void lft_sink_byte(lft_sink_t *s, uint8_t b);

/* Append the text p[0..n) with each maximal ill-formed UTF-8 subsequence
 * replaced by U+FFFD (lft_utf8_sanitize); p may be NULL when n is 0. */
void lft_sink_put_utf8(lft_sink_t *s, const char *p, size_t n);

/* Write out what is buffered. Returns s->err (0 when everything was delivered). */
int lft_sink_flush(lft_sink_t *s);

#ifdef __cplusplus
}
#endif
#endif /* LFT_SINK_H */
