/*
 * lft_sink.c - bounded output stream (see lft_sink.h).
 */
#include "lft_sink.h"

#include <string.h>

#include "lft_text.h"

void lft_sink_init_count(lft_sink_t *s)
{
    memset(s, 0, sizeof *s);
}

void lft_sink_init(lft_sink_t *s, uint8_t *scratch, size_t cap, lft_sink_write_fn write, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->buf = scratch;
    s->cap = cap;
    s->write = write;
    s->ctx = ctx;
}

int lft_sink_flush(lft_sink_t *s)
{
    if (s->err == 0 && s->buf != NULL && s->fill > 0) {
        int rc = s->write(s->ctx, s->buf, s->fill);
        if (rc < 0) {
            s->err = rc;
        }
    }
    s->fill = 0;
    return s->err;
}

void lft_sink_put(lft_sink_t *s, const void *p, size_t n)
{
    const uint8_t *src = p;
    if (s->err != 0) {
        return;
    }
    if (s->limit != 0 && s->total + n > s->limit) {
        s->err = LFT_SINK_ERR_LIMIT;
        return;
    }
    s->total += n;
    if (s->buf == NULL) {
        return;
    }
    while (n > 0) {
        size_t room = s->cap - s->fill;
        size_t k = n < room ? n : room;
        memcpy(s->buf + s->fill, src, k);
        s->fill += k;
        src += k;
        n -= k;
        if (s->fill == s->cap && lft_sink_flush(s) != 0) {
            return;
        }
    }
}

void lft_sink_put_utf8(lft_sink_t *s, const char *p, size_t n)
{
    char buf[64];
    while (n > 0) {
        size_t used = 0;
        size_t k = lft_utf8_sanitize(p, n, buf, sizeof buf, &used);
        lft_sink_put(s, buf, k);
        p += used;
        n -= used;
    }
}

void lft_sink_byte(lft_sink_t *s, uint8_t b)
{
    lft_sink_put(s, &b, 1u);
}
