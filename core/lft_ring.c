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

/* Free n bytes at the tail. */
static void lft_ring_advance_tail(lft_client_t *c, uint32_t n)
{
    lft_ring_note_high_water(c);
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

/* Mark the n bytes at index idx unused: a PAD record, or a short gap that
 * readers skip by position when fewer than LFT_REC_HDR bytes remain. */
static void lft_ring_pad(lft_client_t *c, uint32_t idx, uint32_t n)
{
    if (n >= LFT_REC_HDR) {
        lft_rec_hdr_put(c->buf + idx, n, (uint32_t)LFT_REC_PAD << 4, 0);
    }
}

/* Allocate n (<= LFT_RECORD_MAX) contiguous bytes without freeing anything:
 * their index, or LFT_RING_NONE (as lft_ring_alloc). */
static uint32_t lft_ring_try_alloc(lft_client_t *c, uint32_t n)
{
    const uint32_t room = lft_ring_room(c);
    if (n > room) {
        /* room is then not capped: it ends at the tail or the buffer's end */
        if (c->used == c->cap || c->head < c->tail || n > c->tail) {
            return LFT_RING_NONE;
        }
        /* wrap: the rest of the buffer becomes a pad (or a short gap) */
        lft_ring_pad(c, c->head, room);
        (void)lft_ring_commit(c, room);
    }
    const uint32_t idx = c->head;
    (void)lft_ring_commit(c, n);
    return idx;
}

/*
 * Move the record at the tail (len bytes) to the head: it becomes the newest
 * record (flagged MOVED) and the bytes it occupied are free. Every other
 * record keeps its place and absolute position, so a stale position (a
 * handle's start hint) names either the same record or freed bytes. Always
 * possible:
 *   - contiguous room at the head: copy the record there;
 *   - else, when the free bytes end at the tail record (head <= tail; none
 *     when the ring is full), slide the record back over them;
 *   - else the free bytes are split in [head, cap) and [0, tail), both
 *     shorter than the record: pad the end of the buffer, then slide the
 *     record to index 0 (it overlaps its old place, as tail < len).
 */
static void lft_ring_move_tail(lft_client_t *c, uint32_t len)
{
    const uint32_t from = c->tail;
    /* a START is remembered where it goes (lft_ring_find_start) */
    const uint32_t start_serial =
        (c->buf[from + 2] >> 4) == LFT_REC_START ? lft_record_serial(c->buf + from) : 0u;
    lft_ring_note_high_water(c);
    const uint32_t high_water = c->stats.ring_high_water;
    const uint32_t idx = lft_ring_try_alloc(c, len);
    if (idx != LFT_RING_NONE) {
        memcpy(c->buf + idx, c->buf + from, len);
        c->buf[idx + 3] |= LFT_RECF_MOVED;
        lft_ring_advance_tail(c, len);
        /* The two copies coexist only inside this critical section: a move
         * must not raise the high-water mark by the record's size (a pad
         * the copy needed does count). */
        c->stats.ring_high_water = high_water > c->used ? high_water : c->used;
    } else {
        if (c->head > c->tail) {
            const uint32_t room_end = c->cap - c->head;
            lft_ring_pad(c, c->head, room_end);
            (void)lft_ring_commit(c, room_end); /* head wraps to 0 */
        }
        memmove(c->buf + c->head, c->buf + from, len);
        c->buf[c->head + 3] |= LFT_RECF_MOVED;
        c->head += len;
        if (c->head == c->cap) {
            c->head = 0;
        }
        c->head_abs += len;
        c->tail += len;
        if (c->tail == c->cap) {
            c->tail = 0;
        }
        c->tail_abs += len;
    }
    c->stats.moved++;
    if (start_serial != 0) {
        const uint32_t slot = c->moved_next++ % LFT_CLIENT_MOVED_SLOTS;
        c->moved_serial[slot] = start_serial;
        c->moved_pos[slot] = c->head_abs - len; /* the newest bytes */
    }
}

uint8_t *lft_ring_find_start(lft_client_t *c, uint32_t from, uint32_t serial)
{
    /* the hint, then where the table of moved STARTs has serial */
    for (uint32_t i = 0; i <= LFT_CLIENT_MOVED_SLOTS; i++) {
        uint8_t *s;
        if (i == 0 || c->moved_serial[i - 1u] == serial) {
            s = lft_ring_start_at(c, i == 0 ? from : c->moved_pos[i - 1u], serial);
            if (s != NULL) {
                return s;
            }
        }
    }
    /* Moved more often than the table holds, or not in the ring: search.
     * from is a hint: where the START was. Moves only take records
     * forward and never shift the others, so while the hint is in the ring
     * it is a record boundary and the START, if still there, is at or after
     * it; a hint that left the ring means the START moved (or is gone).
     * Positions wrap at 2^32, so after 4 GiB of traffic a stale hint can be
     * back in the ring, off any boundary: a walk from the hint that finds
     * nothing is redone from the tail. (In theory such a walk could take
     * bytes inside a record for a START header with the right serial: a
     * residual risk, once per 4 GiB and only within a ring-sized window,
     * accepted rather than keeping per-handle state.) */
    uint32_t first = lft_ring_contains(c, from) ? from : c->tail_abs;
    uint32_t pos = first;
    for (;;) {
        /* Walk the records from pos to the head; stop at a length that does
         * not fit the ring (pos was not a record boundary). */
        while (lft_ring_contains(c, pos)) {
            uint8_t *p = lft_ring_at(c, &pos);
            if (p == NULL) {
                continue;
            }
            const uint32_t len = lft_u16_get(p);
            if (len < LFT_REC_HDR || len > c->cap - (uint32_t)(p - c->buf) ||
                len > c->head_abs - pos) {
                break;
            }
            if ((p[2] >> 4) == LFT_REC_START && (p[3] & LFT_RECF_DONE) == 0 &&
                len > LFT_REC_HDR && lft_record_serial(p) == serial) {
                return p;
            }
            pos += len;
        }
        if (first == c->tail_abs) {
            return NULL;
        }
        first = c->tail_abs;
        pos = first;
    }
}

int lft_ring_is_open(lft_client_t *c, const uint8_t *p)
{
    unsigned type = (unsigned)(p[2] >> 4);
    if ((p[3] & LFT_RECF_DONE) != 0) {
        return 0;
    }
    if (type == LFT_REC_START) {
        return (p[3] & LFT_RECF_ENDED) == 0;
    }
    if (type == LFT_REC_UPDATE) {
        const uint8_t *s = lft_ring_update_start(c, p);
        return s != NULL && (s[3] & LFT_RECF_ENDED) == 0;
    }
    return 0;
}

uint8_t *lft_ring_update_start(lft_client_t *c, const uint8_t *p)
{
    if ((p[3] & LFT_RECF_ORPHAN) != 0 || lft_u16_get(p) < LFT_REC_HDR + 12u) {
        return NULL;
    }
    return lft_ring_find_start(c, lft_u32_get(p + LFT_REC_HDR + 8u), lft_u32_get(p + LFT_REC_HDR));
}

int lft_ring_free_idle(lft_client_t *c)
{
    if (c->used == 0) {
        return 0;
    }
    if (c->cap - c->tail < LFT_REC_HDR) {
        lft_ring_advance_tail(c, c->cap - c->tail);
        return 1;
    }
    const uint8_t *p = c->buf + c->tail;
    if ((p[2] >> 4) == LFT_REC_PAD || (p[3] & LFT_RECF_DONE) != 0) {
        lft_ring_advance_tail(c, lft_u16_get(p));
        return 1;
    }
    return 0;
}

/* One reclaim step at the tail: free a gap, pad or released record; move a
 * record of an open observation to the head (always possible); otherwise
 * (a pending record of an ended observation) free it when drop_pending
 * (LFT_DROP_OLDEST), counting it as overwritten, or report BLOCKED. */
LFT_NOINLINE static lft_ring_step_t lft_ring_reclaim_step(lft_client_t *c, int drop_pending)
{
    if (c->used == 0) {
        return LFT_STEP_EMPTY;
    }
    if (lft_ring_free_idle(c)) {
        return LFT_STEP_FREED;
    }
    const uint8_t *p = c->buf + c->tail;
    const uint32_t len = lft_u16_get(p);
    if (lft_ring_is_open(c, p)) {
        lft_ring_move_tail(c, len);
        return LFT_STEP_MOVED;
    }
    if (drop_pending) {
        lft_ring_advance_tail(c, len);
        c->stats.pending_records--;
        c->stats.dropped_overwritten++;
        return LFT_STEP_FREED;
    }
    return LFT_STEP_BLOCKED;
}

/* The tail is a record of an open observation: does the run of such records
 * starting there end at something that can be freed without dropping
 * anything (a gap, a PAD, a released record)? Then *after is its position.
 * A run followed by a pending record, or reaching the head, is better left
 * in place: moving it would free nothing (and could waste the end of the
 * buffer on a pad). */
static int lft_ring_run_freeable(lft_client_t *c, uint32_t *after)
{
    uint32_t pos = c->tail_abs + lft_u16_get(c->buf + c->tail);
    while (pos != c->head_abs) {
        const uint32_t at = pos;
        const uint8_t *p = lft_ring_at(c, &pos);
        if (p == NULL) {
            *after = at;
            return 1;
        }
        if (!lft_ring_is_open(c, p)) {
            if ((p[2] >> 4) == LFT_REC_PAD || (p[3] & LFT_RECF_DONE) != 0) {
                *after = at;
                return 1;
            }
            return 0;
        }
        pos += lft_u16_get(p);
    }
    return 0;
}

lft_ring_step_t lft_ring_reclaim_released(lft_client_t *c, uint32_t *run_end)
{
    if (c->used == 0) {
        return LFT_STEP_EMPTY;
    }
    if (lft_ring_free_idle(c)) {
        return LFT_STEP_FREED;
    }
    const uint8_t *p = c->buf + c->tail;
    if (!lft_ring_is_open(c, p)) {
        return LFT_STEP_BLOCKED;
    }
    if ((int32_t)(c->tail_abs - *run_end) >= 0 && !lft_ring_run_freeable(c, run_end)) {
        return LFT_STEP_BLOCKED;
    }
    lft_ring_move_tail(c, lft_u16_get(p));
    return LFT_STEP_MOVED;
}

/* Can LFT_DROP_OLDEST make need (> 0) more free bytes? Counts the bytes of
 * everything but open observations (gaps, pads, released records, pending
 * records of ended ones) from the tail, stopping once need is reached (need
 * counts down: fewer values live across the calls). */
LFT_NOINLINE static int lft_ring_can_drop(lft_client_t *c, uint32_t need)
{
    uint32_t pos = c->tail_abs;
    while (pos != c->head_abs) {
        const uint32_t at = pos;
        const uint8_t *p = lft_ring_at(c, &pos);
        uint32_t freeable = pos - at; /* a gap */
        if (p != NULL) {
            pos += lft_u16_get(p);
            freeable = lft_ring_is_open(c, p) ? 0u : pos - at;
        }
        if (freeable >= need) {
            return 1;
        }
        need -= freeable;
    }
    return 0;
}

uint32_t lft_ring_alloc(lft_client_t *c, uint32_t n)
{
    uint32_t idx = lft_ring_try_alloc(c, n);
    if (idx != LFT_RING_NONE) {
        return idx;
    }
    if (c->cfg.drop_policy != LFT_DROP_OLDEST || c->reading == LFT_READING_OPEN) {
        return LFT_RING_NONE;
    }
    /* A ring holding (almost) only open observations refuses at once:
     * moving them around would not free anything. */
    const uint32_t free_bytes = c->cap - c->used;
    if (n > free_bytes && !lft_ring_can_drop(c, n - free_bytes)) {
        return LFT_RING_NONE;
    }
    /* Each step frees or moves the tail record; stop once every record that
     * was in the ring at the start has been visited, so fragmentation costs
     * at most one lap, not a loop. */
    const uint32_t stop = c->head_abs;
    do {
        if ((int32_t)(c->tail_abs - stop) >= 0) {
            return LFT_RING_NONE;
        }
        lft_ring_step_t step = lft_ring_reclaim_step(c, 1);
        if (step == LFT_STEP_EMPTY || step == LFT_STEP_BLOCKED) {
            return LFT_RING_NONE;
        }
    } while ((idx = lft_ring_try_alloc(c, n)) == LFT_RING_NONE);
    return idx;
}
