/*
 * lft_test_out.h - a sink target that collects what an encoder writes, for
 * assertions on whole payloads.
 *
 * lft_test_out_t holds up to LFT_TEST_OUT_CAP - 1 bytes (define it before
 * including to change the default), always NUL-terminated; pass
 * lft_test_collect and a zeroed lft_test_out_t to lft_sink_init.
 */
#ifndef LFT_TEST_OUT_H
#define LFT_TEST_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef LFT_TEST_OUT_CAP
#define LFT_TEST_OUT_CAP 65536u
#endif

typedef struct {
    char buf[LFT_TEST_OUT_CAP];
    size_t len;
} lft_test_out_t;

/* A sink's write function: append n bytes at p to the lft_test_out_t ctx;
 * 0, or -1 (nothing appended) when they do not fit with the NUL. */
static inline int lft_test_collect(void *ctx, const uint8_t *p, size_t n)
{
    lft_test_out_t *o = ctx;
    if (o->len + n >= sizeof o->buf) {
        return -1;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = '\0';
    return 0;
}

#endif /* LFT_TEST_OUT_H */
