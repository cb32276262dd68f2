/*
 * lft_ring_priv.h - the variable-length record ring inside lft_client_t.
 * Internal. Every function here is called with the port lock held.
 *
 * The ring keeps records contiguous. head/tail are byte indexes in [0, cap);
 * head_abs/tail_abs are the same positions counted since init (mod 2^32), so
 * a record's absolute position identifies it for as long as it is in the
 * ring. used counts bytes between tail and head, gaps and pads included.
 */
#ifndef LFT_RING_PRIV_H
#define LFT_RING_PRIV_H

#include "lft_codec_priv.h"
#include "lft_record.h"

/* lft_client_t.reading */
#define LFT_READING_NONE 0u
#define LFT_READING_OPEN 1u    /* a reader is open: nothing may be freed or moved */
#define LFT_READING_RECLAIM 2u /* lft_reader_end is reclaiming: no new reader yet */

/* Result of one reclaim step at the tail. */
typedef enum {
    LFT_STEP_EMPTY = 0,   /* nothing in the ring */
    LFT_STEP_FREED = 1,   /* the tail record (or gap) was freed */
    LFT_STEP_MOVED = 2,   /* the tail record belongs to an open observation and moved to the head */
    LFT_STEP_BLOCKED = 3  /* the tail record is pending (an ended observation's): stop */
} lft_ring_step_t;

/* Reset to empty. */
void lft_ring_init(lft_client_t *c, uint8_t *buf, uint32_t cap);

/* Index of absolute position pos, which must lie in [tail_abs, head_abs]. */
LFT_ALWAYS_INLINE uint32_t lft_ring_index(const lft_client_t *c, uint32_t pos)
{
    uint32_t idx = c->tail + (pos - c->tail_abs);
    if (idx >= c->cap) {
        idx -= c->cap;
    }
    return idx;
}

/* 1 when pos is in [tail_abs, head_abs). */
LFT_ALWAYS_INLINE int lft_ring_contains(const lft_client_t *c, uint32_t pos)
{
    return (pos - c->tail_abs) < (c->head_abs - c->tail_abs);
}

/* Contiguous free bytes at the head: where the next record goes when it
 * fits. Resets an empty ring to index 0 first. */
LFT_ALWAYS_INLINE uint32_t lft_ring_room_raw(lft_client_t *c)
{
    if (c->used == 0) {
        c->head = 0;
        c->tail = 0;
    }
    if (c->used == c->cap) {
        return 0;
    }
    return c->head >= c->tail ? c->cap - c->head : c->tail - c->head;
}

/* lft_ring_room_raw, at most LFT_RECORD_MAX. */
LFT_ALWAYS_INLINE uint32_t lft_ring_room(lft_client_t *c)
{
    const uint32_t room = lft_ring_room_raw(c);
    return room < LFT_RECORD_MAX ? room : LFT_RECORD_MAX;
}

/* Take n <= lft_ring_room() bytes at the head; returns their absolute
 * position (their index is the head before the call). */
LFT_ALWAYS_INLINE uint32_t lft_ring_commit(lft_client_t *c, uint32_t n)
{
    const uint32_t pos = c->head_abs;
    c->head += n;
    if (c->head == c->cap) {
        c->head = 0;
    }
    c->head_abs += n;
    c->used += n;
    return pos;
}

/* Bring stats.ring_high_water up to date. used only grows between frees,
 * so the mark is taken lazily, just before bytes are freed (and when the
 * stats are read) rather than on every commit of the record path. */
LFT_ALWAYS_INLINE void lft_ring_note_high_water(lft_client_t *c)
{
    if (c->used > c->stats.ring_high_water) {
        c->stats.ring_high_water = c->used;
    }
}

/* lft_ring_alloc's "no room": not an index (indexes are below cap < 2^31). */
#define LFT_RING_NONE UINT32_MAX

/*
 * Allocate n contiguous bytes (n >= LFT_REC_HDR, n <= cap) at the head,
 * applying the drop policy when the ring is full. On success returns their
 * index (their absolute position is then head_abs - n); the caller writes
 * the record. Returns LFT_RING_NONE when no room can be made: always
 * under LFT_DROP_NEWEST or while a reader is open; under LFT_DROP_OLDEST
 * when the records that are not open observations' are too few to free n
 * bytes (then nothing is dropped) or fragmentation defeats one lap.
 */
uint32_t lft_ring_alloc(lft_client_t *c, uint32_t n);

/* One reclaim step of lft_reader_end (nothing is dropped): free a gap, pad
 * or released record at the tail; move a record of an open observation to
 * the head when the run of open records it starts is followed by something
 * freeable (*run_end, set to the tail position before the first step,
 * remembers where that is); otherwise BLOCKED. */
lft_ring_step_t lft_ring_reclaim_released(lft_client_t *c, uint32_t *run_end);

/* Free the tail when it is a short gap, a PAD or a released record; 1 when
 * it did. */
int lft_ring_free_idle(lft_client_t *c);

/* Is the record at p (in the ring) part of an open observation: a pending
 * START without LFT_RECF_ENDED, or a pending UPDATE whose START is one? */
int lft_ring_is_open(lft_client_t *c, const uint8_t *p);

/* The pending START record of serial: at absolute position from (a hint:
 * where it was, its handle's or an UPDATE's), else at the position the
 * client's table of moved STARTs (lft_client_t.moved_*) has for serial,
 * else searched from the hint or the tail (O(records): when more STARTs
 * were moved since than the table holds); NULL when it is not in the ring.
 * Never reads outside the buffer, whatever from is. */
uint8_t *lft_ring_find_start(lft_client_t *c, uint32_t from, uint32_t serial);

/* The pending START of the UPDATE record at p (lft_ring_find_start from
 * its hint), or NULL: none was in the ring when it was written
 * (LFT_RECF_ORPHAN), or it is no longer there. */
uint8_t *lft_ring_update_start(lft_client_t *c, const uint8_t *p);

/* Next record boundary after skipping an end-of-buffer gap at pos: returns
 * the header pointer (or NULL for a gap) and advances *pos past the gap. */
LFT_ALWAYS_INLINE uint8_t *lft_ring_at(const lft_client_t *c, uint32_t *pos)
{
    const uint32_t idx = lft_ring_index(c, *pos);
    if (c->cap - idx < LFT_REC_HDR) {
        *pos += c->cap - idx;
        return NULL;
    }
    return c->buf + idx;
}

/* Serial (the body's first u32) of the record at p; 0 if malformed.
 * Inlined: it is called in the ring walks of the record path. */
LFT_ALWAYS_INLINE uint32_t lft_record_serial(const uint8_t *p)
{
    return lft_u16_get(p) >= LFT_REC_HDR + 4u ? lft_u32_get(p + LFT_REC_HDR) : 0u;
}

/* The pending START of serial when it is at absolute position pos, or NULL:
 * pos in the ring, a START header and its serial inside the buffer and the
 * ring there, not released. A stale pos is rejected by the type and the
 * serial (see lft_ring_find_start's residual-risk note). */
LFT_ALWAYS_INLINE uint8_t *lft_ring_start_at(lft_client_t *c, uint32_t pos, uint32_t serial)
{
    if (!lft_ring_contains(c, pos)) {
        return NULL;
    }
    const uint32_t idx = lft_ring_index(c, pos);
    uint8_t *const s = c->buf + idx;
    if (c->cap - idx >= LFT_REC_HDR + 4u && c->head_abs - pos >= LFT_REC_HDR + 4u &&
        (s[2] >> 4) == LFT_REC_START && (s[3] & LFT_RECF_DONE) == 0 && lft_record_serial(s) == serial) {
        return s;
    }
    return NULL;
}

/* The absolute position of the record at p, which is in the ring. */
LFT_ALWAYS_INLINE uint32_t lft_ring_pos_of(const lft_client_t *c, const uint8_t *p)
{
    const uint32_t idx = (uint32_t)(p - c->buf);
    return c->tail_abs + (idx >= c->tail ? idx - c->tail : idx + c->cap - c->tail);
}


/* Decode the record at p (absolute position pos) into rec, with flags (the
 * flags byte, read under the lock by the caller: producers set ENDED on
 * records a reader is decoding). Returns 0, or -1 when it is malformed. */
int lft_record_parse(const uint8_t *p, uint32_t pos, uint8_t flags, lft_record_t *rec);

#endif /* LFT_RING_PRIV_H */
