/*
 * lft_fast.c - the fast record path: an observation start or an event with a
 * name and no options, an end without options.
 */
#include "lft_client_priv.h"
#include "lft_codec_priv.h"
#include "lft_fast_priv.h"
#include "lft_port.h"
#include "lft_record.h"
#include "lft_ring_priv.h"

/* Room a START or EVENT record takes besides its name's bytes: header, three
 * 32-bit varints, a 64-bit time, the name's tag and one-byte length. */
#define LFT_FAST_NEW_FIXED (LFT_REC_HDR + 3u * 5u + 10u + 2u)
/* An END record without options: header, a 32-bit varint, a 64-bit time. */
#define LFT_FAST_END_MAX (LFT_REC_HDR + 5u + 10u)

/* Complete the record [p, q) written at the head and count it. */
LFT_ALWAYS_INLINE uint32_t lft_fast_commit(lft_client_t *c, uint8_t *p, const uint8_t *q,
                                           uint32_t type_kind)
{
    const uint32_t len = (uint32_t)(q - p);
    lft_u16_put(p, len);
    p[2] = (uint8_t)type_kind;
    p[3] = 0;
    c->stats.recorded++;
    c->stats.pending_records++;
    if ((type_kind >> 4) >= LFT_REC_END) { /* END, EVENT */
        c->stats.completed++;
    }
    return lft_ring_commit(c, len);
}

int lft_fast_new(lft_obs_t *obs, const lft_obs_t *parent,
                                     uint32_t type_kind, const char *name)
{
    if ((type_kind >> 4) == LFT_REC_START &&
        (obs == NULL || (obs->magic == LFT_OBS_MAGIC && ((obs->flags & LFT_OBSF_IN_CONTEXT) != 0 ||
                                                         obs->state == LFT_STATE_OPEN)))) {
        return LFT_FAST_NO; /* refused, or busy (lft_obs_busy) */
    }
    if (parent == NULL) {
        parent = lft_context_current();
    }
    if (name == NULL || parent == NULL || parent->magic != LFT_OBS_MAGIC ||
        parent->state == LFT_STATE_NONE || (parent->flags & LFT_OBSF_SAMPLED_OUT) != 0) {
        return LFT_FAST_NO;
    }
    lft_client_t *c = parent->client;
    if (c == NULL || c->magic != LFT_CLIENT_MAGIC || c->instance != parent->instance) {
        return LFT_FAST_NO; /* lft_client_ok */
    }
    const uint64_t time = lft_zigzag_enc(lft_client_now(c));
    int done = LFT_FAST_NO;
    const uint32_t st = lft_port_lock();
    const uint32_t serial = c->next_serial;
    const uint32_t room = lft_ring_room_raw(c);
    if (serial != 0 && room > LFT_FAST_NEW_FIXED) {
        uint8_t *p = c->buf + c->head;
        uint8_t *q = lft_varint_put32(p + LFT_REC_HDR, serial);
        q = lft_varint_put32(q, parent->serial);
        q = lft_varint_put32(q, parent->trace_serial);
        q = lft_varint_put(q, time);
        /* the name: copied while measured, a one-byte length, never cut */
        uint32_t lim = room - (uint32_t)(q - p) - 2u;
        lim = lim < 0x7Fu ? lim : 0x7Fu;
        lim = lim < c->cfg.max_field_bytes ? lim : c->cfg.max_field_bytes;
        uint8_t *d = q + 2;
        const uint8_t *const d_end = d + lim;
        while (d < d_end && *name != '\0') {
            *d++ = (uint8_t)*name++;
        }
        if (*name == '\0') {
            q[0] = LFT_F_NAME;
            q[1] = (uint8_t)(d - (q + 2));
            c->next_serial = serial + 1u;
            const uint32_t pos = lft_fast_commit(c, p, d, type_kind);
            if (obs != NULL) {
                lft_obs_fill(obs, c, (uint8_t)(type_kind & 0x0Fu), serial, parent->trace_serial,
                             parent->serial, pos, 0);
            }
            done = LFT_OK;
        }
    }
    lft_port_unlock(st);
    return done;
}

int lft_fast_end(lft_obs_t *obs)
{
    if (obs == NULL || obs->magic != LFT_OBS_MAGIC || obs->state != LFT_STATE_OPEN ||
        obs->kind == LFT_KIND_TRACE || (obs->flags & LFT_OBSF_SAMPLED_OUT) != 0) {
        return LFT_FAST_NO;
    }
    lft_client_t *c = obs->client;
    if (c == NULL || c->magic != LFT_CLIENT_MAGIC || c->instance != obs->instance) {
        return LFT_FAST_NO; /* lft_client_ok */
    }
    const uint64_t time = lft_zigzag_enc(lft_client_now(c));
    const uint32_t hint = obs->start_abs;
    int done = LFT_FAST_NO;
    const uint32_t st = lft_port_lock();
    const uint32_t room = lft_ring_room_raw(c);
    if (room >= LFT_FAST_END_MAX && lft_ring_contains(c, hint)) {
        const uint32_t idx = lft_ring_index(c, hint);
        uint8_t *s = c->buf + idx;
        uint8_t *p = c->buf + c->head;
        uint8_t *q = lft_varint_put32(p + LFT_REC_HDR, obs->serial);
        const uint32_t n = (uint32_t)(q - p); /* header and serial */
        /* what lft_ring_find_start accepts as the first record at the hint,
         * its serial compared encoded */
        uint32_t same = c->cap - idx >= LFT_REC_HDR;
        if (same) {
            const uint32_t len = lft_u16_get(s);
            same = len >= n && len <= c->cap - idx && len <= c->head_abs - hint &&
                   (s[2] >> 4) == LFT_REC_START && (s[3] & LFT_RECF_DONE) == 0;
        }
        for (uint32_t i = LFT_REC_HDR; same && i < n; i++) {
            same = s[i] == p[i];
        }
        if (same) {
            q = lft_varint_put(q, time);
            (void)lft_fast_commit(c, p, q, ((uint32_t)LFT_REC_END << 4) | obs->kind);
            s[3] |= LFT_RECF_ENDED;
            done = LFT_OK;
        }
    }
    lft_port_unlock(st);
    if (done == LFT_OK) {
        obs->state = LFT_STATE_ENDED;
    }
    return done;
}

