/*
 * lft_ring.c - the variable-length record ring (see lft_ring_priv.h).
 */
#include "lft_ring_priv.h"

#include <string.h>

#include "lft_codec_priv.h"

void lft_ring_init(lft_client_t *c, uint8_t *buf, uint32_t cap)
{
    c->buf = buf;
    c->cap = cap;
    c->head = 0;
    c->tail = 0;
    c->used = 0;
    c->head_abs = 0;
    c->tail_abs = 0;
    c->reading = 0;
}

uint32_t lft_ring_index(const lft_client_t *c, uint32_t pos)
{
    uint32_t idx = c->tail + (pos - c->tail_abs);
    if (idx >= c->cap) {
        idx -= c->cap;
    }
    return idx;
}

int lft_ring_contains(const lft_client_t *c, uint32_t pos)
{
    return (pos - c->tail_abs) < (c->head_abs - c->tail_abs);
}

uint8_t *lft_ring_at(const lft_client_t *c, uint32_t *pos)
{
    uint32_t idx = lft_ring_index(c, *pos);
    if (c->cap - idx < LFT_REC_HDR) {
        *pos += c->cap - idx;
        return NULL;
    }
    return c->buf + idx;
}

uint32_t lft_record_serial(const uint8_t *p)
{
    const uint8_t *q = p + LFT_REC_HDR;
    uint64_t v;
    if (*q < 0x80u) {
        return *q; /* one-byte varint: the common case */
    }
    if (lft_varint_get(&q, p + lft_u16_get(p), &v) != 0 || v > UINT32_MAX) {
        return 0;
    }
    return (uint32_t)v;
}

/* Account n allocated bytes at the head. */
static void lft_ring_advance_head(lft_client_t *c, uint32_t n)
{
    c->head += n;
    if (c->head == c->cap) {
        c->head = 0;
    }
    c->head_abs += n;
    c->used += n;
    if (c->used > c->stats.ring_high_water) {
        c->stats.ring_high_water = c->used;
    }
}

/* Free n bytes at the tail. */
static void lft_ring_advance_tail(lft_client_t *c, uint32_t n)
{
    c->tail += n;
    if (c->tail == c->cap) {
        c->tail = 0;
    }
    c->tail_abs += n;
    c->used -= n;
    if (c->used == 0) {
        /* Empty: restart at index 0 so the next records are contiguous. */
        c->head = 0;
        c->tail = 0;
    }
}

/* Allocate n contiguous bytes without freeing anything. */
static int lft_ring_try_alloc(lft_client_t *c, uint32_t n, uint32_t *idx, uint32_t *pos)
{
    if (c->used == 0) {
        c->head = 0;
        c->tail = 0;
    }
    if (c->used == c->cap) {
        return 0;
    }
    if (c->head >= c->tail) {
        uint32_t room_end = c->cap - c->head;
        if (n <= room_end) {
            /* fits before the end */
        } else if (n <= c->tail) {
            /* wrap: the rest of the buffer becomes a pad (or a short gap) */
            if (room_end >= LFT_REC_HDR) {
                uint8_t *pad = c->buf + c->head;
                lft_u16_put(pad, room_end);
                pad[2] = (uint8_t)(LFT_REC_PAD << 4);
                pad[3] = 0;
            }
            lft_ring_advance_head(c, room_end);
        } else {
            return 0;
        }
    } else if (n > c->tail - c->head) {
        return 0;
    }
    *idx = c->head;
    *pos = c->head_abs;
    lft_ring_advance_head(c, n);
    return 1;
}

/* Move the record at the tail (len bytes) to the head. */
static int lft_ring_move_tail(lft_client_t *c, uint32_t len)
{
    uint32_t idx, pos;
    uint32_t from = c->tail;
    const uint32_t high_water = c->stats.ring_high_water;
    if (lft_ring_try_alloc(c, len, &idx, &pos)) {
        memcpy(c->buf + idx, c->buf + from, len);
        c->buf[idx + 3] |= LFT_RECF_MOVED;
        lft_ring_advance_tail(c, len);
        /* The two copies coexist only inside this critical section: a move
         * must not raise the high-water mark by the record's size. */
        c->stats.ring_high_water = high_water > c->used ? high_water : c->used;
    } else if (c->head < c->tail) {
        /* Full, but the free bytes sit right before the tail record: slide
         * it back over them. It becomes the newest record. */
        memmove(c->buf + c->head, c->buf + from, len);
        c->buf[c->head + 3] |= LFT_RECF_MOVED;
        c->head += len;
        c->head_abs += len;
        c->tail += len;
        c->tail_abs += len;
        if (c->tail == c->cap) {
            c->tail = 0;
        }
    } else {
        return 0;
    }
    c->stats.moved++;
    return 1;
}

uint8_t *lft_ring_find_start(lft_client_t *c, uint32_t from, uint32_t serial)
{
    uint32_t pos = lft_ring_contains(c, from) ? from : c->tail_abs;
    while (pos != c->head_abs) {
        uint8_t *p = lft_ring_at(c, &pos);
        if (p == NULL) {
            continue;
        }
        uint32_t len = lft_u16_get(p);
        if ((p[2] >> 4) == LFT_REC_START && (p[3] & LFT_RECF_DONE) == 0 &&
            lft_record_serial(p) == serial) {
            return p;
        }
        pos += len;
    }
    return NULL;
}

/* Is the record at p part of an observation that is still open? (p at
 * absolute position pos) */
static int lft_ring_is_open(lft_client_t *c, const uint8_t *p, uint32_t pos)
{
    unsigned type = (unsigned)(p[2] >> 4);
    if ((p[3] & LFT_RECF_DONE) != 0) {
        return 0;
    }
    if (type == LFT_REC_START) {
        return (p[3] & LFT_RECF_ENDED) == 0;
    }
    if (type == LFT_REC_UPDATE) {
        const uint8_t *s = lft_ring_find_start(c, pos + lft_u16_get(p), lft_record_serial(p));
        return s != NULL && (s[3] & LFT_RECF_ENDED) == 0;
    }
    return 0;
}

/*
 * Full ring, open records at the tail (LFT_DROP_OLDEST): free the first
 * record behind the run of open records by sliding the run forward over it,
 * so the oldest unsent record of an ended observation is dropped and the
 * open ones keep their place and order. Returns 1 when bytes were freed, 0
 * when the run reaches the end of the buffer or the head first.
 */
static int lft_ring_drop_behind_open(lft_client_t *c)
{
    uint32_t run = 0;
    uint32_t moved = 0;
    while (run < c->used) {
        uint32_t idx = c->tail + run;
        uint32_t len;
        int pending = 0;
        if (idx >= c->cap) {
            return 0; /* the run wraps: it cannot slide as one block */
        }
        if (c->cap - idx < LFT_REC_HDR) {
            len = c->cap - idx; /* a short gap before the wrap */
        } else {
            uint8_t *p = c->buf + idx;
            len = lft_u16_get(p);
            if (lft_ring_is_open(c, p, c->tail_abs + run)) {
                run += len;
                moved++;
                continue;
            }
            pending = (p[2] >> 4) != LFT_REC_PAD && (p[3] & LFT_RECF_DONE) == 0;
        }
        if (run + len > c->used) {
            return 0;
        }
        memmove(c->buf + c->tail + len, c->buf + c->tail, run);
        c->tail += len;
        if (c->tail == c->cap) {
            c->tail = 0;
        }
        c->tail_abs += len;
        c->used -= len;
        c->stats.moved += moved;
        if (pending) {
            c->stats.pending_records--;
            c->stats.dropped_overwritten++;
        }
        return 1;
    }
    return 0;
}

lft_ring_step_t lft_ring_reclaim_step(lft_client_t *c, int drop_pending)
{
    if (c->used == 0) {
        return LFT_STEP_EMPTY;
    }
    if (c->cap - c->tail < LFT_REC_HDR) {
        lft_ring_advance_tail(c, c->cap - c->tail);
        return LFT_STEP_FREED;
    }
    uint8_t *p = c->buf + c->tail;
    uint32_t len = lft_u16_get(p);
    if ((p[2] >> 4) == LFT_REC_PAD || (p[3] & LFT_RECF_DONE) != 0) {
        lft_ring_advance_tail(c, len);
        return LFT_STEP_FREED;
    }
    if (lft_ring_is_open(c, p, c->tail_abs)) {
        if (lft_ring_move_tail(c, len)) {
            return LFT_STEP_MOVED;
        }
        if (drop_pending && lft_ring_drop_behind_open(c)) {
            return LFT_STEP_FREED;
        }
        return LFT_STEP_BLOCKED;
    }
    if (drop_pending) {
        lft_ring_advance_tail(c, len);
        c->stats.pending_records--;
        c->stats.dropped_overwritten++;
        return LFT_STEP_FREED;
    }
    return LFT_STEP_BLOCKED;
}

lft_err_t lft_ring_alloc(lft_client_t *c, uint32_t n, uint32_t *idx, uint32_t *pos)
{
    /* Each step frees or moves the tail record; stop once every record that
     * was in the ring at the start has been visited, so a ring full of open
     * observations costs one lap, not a loop. */
    const uint32_t stop = c->head_abs;
    while (!lft_ring_try_alloc(c, n, idx, pos)) {
        if (c->cfg.drop_policy != LFT_DROP_OLDEST || c->reading ||
            (int32_t)(c->tail_abs - stop) >= 0) {
            return LFT_ERR_RING_FULL;
        }
        lft_ring_step_t step = lft_ring_reclaim_step(c, 1);
        if (step == LFT_STEP_EMPTY || step == LFT_STEP_BLOCKED) {
            return LFT_ERR_RING_FULL;
        }
    }
    return LFT_OK;
}
