/*
 * lft_fast.c - the fast record path: an observation start or an event with a
 * name and no options, an end without options (see lft_fast_priv.h), and the
 * name-by-reference calls of lftrace.h that use it.
 */
#include "lft_client_priv.h"
#include "lft_codec_priv.h"
#include "lft_fast_priv.h"
#include "lft_port.h"
#include "lft_record.h"
#include "lft_ring_priv.h"

/* A START or EVENT record besides its name field: header, serial, parent,
 * trace, time (lft_record.h). */
#define LFT_FAST_NEW_BODY (LFT_REC_HDR + 4u + 4u + 4u + 8u)
/* An END record without options: header, serial, time. */
#define LFT_FAST_END_LEN (LFT_REC_HDR + 4u + 8u)
/* A name field by reference: tag, length, pointer. */
#define LFT_FAST_REF_LEN (2u + (uint32_t)sizeof(const char *))
/* In lft_fast_record's tk: the name is by reference (its length in bits
 * 16..23). */
#define LFT_FAST_REF 0x100u

/* Write the header of the record [p, p + len) of type_kind, take its bytes
 * at the head and count it; returns its absolute position. */
LFT_ALWAYS_INLINE uint32_t lft_fast_commit(lft_client_t *c, uint8_t *p, uint32_t len,
                                           uint32_t type_kind)
{
    lft_rec_hdr_put(p, len, type_kind, 0);
    c->stats.recorded++;
    c->stats.pending_records++;
    if (((type_kind >> 4) & 0x0Fu) >= LFT_REC_END) { /* END, EVENT */
        c->stats.completed++;
    }
    return lft_ring_commit(c, len);
}

/* The parent a new record of the fast path hangs under, or NULL when the
 * general path must decide (no parent, a bad or sampled-out one). */
LFT_ALWAYS_INLINE const lft_obs_t *lft_fast_parent(const lft_obs_t *parent)
{
    if (parent == NULL) {
        parent = lft_context_current();
        if (parent == NULL) {
            return NULL;
        }
    }
    if (parent->magic != LFT_OBS_MAGIC || parent->state == LFT_STATE_NONE ||
        (parent->flags & LFT_OBSF_SAMPLED_OUT) != 0) {
        return NULL;
    }
    return parent;
}

/* The live client of handle h, or NULL (lft_client_ok, same instance). */
LFT_ALWAYS_INLINE lft_client_t *lft_fast_client(const lft_obs_t *h)
{
    lft_client_t *c = h->client;
    if (c == NULL || c->magic != LFT_CLIENT_MAGIC || c->instance != h->instance) {
        return NULL;
    }
    return c;
}

/* lft_fast_new; tk is type_kind, plus LFT_FAST_REF | len << 16 when the
 * name is by reference. */
LFT_NOINLINE static int lft_fast_record(lft_obs_t *obs, const lft_obs_t *parent, uint32_t tk,
                                        const char *name)
{
    if ((tk & 0xF0u) == ((uint32_t)LFT_REC_START << 4) &&
        (obs == NULL || (obs->magic == LFT_OBS_MAGIC && ((obs->flags & LFT_OBSF_IN_CONTEXT) != 0 ||
                                                         obs->state == LFT_STATE_OPEN)))) {
        return LFT_FAST_NO; /* refused, or busy (lft_obs_busy) */
    }
    parent = lft_fast_parent(parent);
    if (parent == NULL || name == NULL) {
        return LFT_FAST_NO;
    }
    lft_client_t *c = lft_fast_client(parent);
    if (c == NULL) {
        return LFT_FAST_NO;
    }
    uint32_t pos = 0;
    uint32_t serial = 0;
    const uint32_t st = lft_port_lock();
    const uint32_t room = lft_ring_room_raw(c);
    if (c->next_serial != 0 && room >= LFT_FAST_NEW_BODY + LFT_FAST_REF_LEN) {
        uint8_t *const p = c->buf + c->head;
        uint8_t *const q = p + LFT_FAST_NEW_BODY;
        uint8_t *end = NULL;
        if ((tk & LFT_FAST_REF) != 0) {
            q[0] = LFT_F_NAME_REF;
            q[1] = (uint8_t)(tk >> 16);
            lft_ptr_put(q + 2, name);
            end = q + LFT_FAST_REF_LEN;
        } else {
            /* copied while measured, a one-byte length, never cut */
            uint32_t lim = room - LFT_FAST_NEW_BODY - 2u;
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
                end = d;
            }
        }
        if (end != NULL) {
            serial = c->next_serial++;
            lft_u32_put(p + LFT_REC_HDR, serial);
            lft_u32_put(p + LFT_REC_HDR + 4u, parent->serial);
            lft_u32_put(p + LFT_REC_HDR + 8u, parent->trace_serial);
            lft_i64_put(p + LFT_REC_HDR + 12u, lft_client_now(c));
            pos = lft_fast_commit(c, p, (uint32_t)(end - p), tk);
        }
    }
    lft_port_unlock(st);
    if (serial == 0) {
        return LFT_FAST_NO;
    }
    if (obs != NULL) {
        lft_obs_fill(obs, c, tk & 0x0Fu, serial, parent->trace_serial, parent->serial, pos, 0);
    }
    return LFT_OK;
}

int lft_fast_new(lft_obs_t *obs, const lft_obs_t *parent, uint32_t type_kind, const char *name)
{
    return lft_fast_record(obs, parent, type_kind, name);
}

int lft_fast_end(lft_obs_t *obs)
{
    if (obs == NULL || obs->magic != LFT_OBS_MAGIC || obs->state != LFT_STATE_OPEN ||
        obs->kind == LFT_KIND_TRACE || (obs->flags & LFT_OBSF_SAMPLED_OUT) != 0) {
        return LFT_FAST_NO;
    }
    lft_client_t *c = lft_fast_client(obs);
    if (c == NULL) {
        return LFT_FAST_NO;
    }
    const uint32_t hint = obs->start_abs;
    const uint32_t serial = obs->serial;
    int done = LFT_FAST_NO;
    const uint32_t st = lft_port_lock();
    uint8_t *s;
    if (lft_ring_room_raw(c) >= LFT_FAST_END_LEN &&
        (s = lft_ring_start_at(c, hint, serial)) != NULL) { /* still at its hint */
        uint8_t *const p = c->buf + c->head;
        lft_u32_put(p + LFT_REC_HDR, serial);
        lft_i64_put(p + LFT_REC_HDR + 4u, lft_client_now(c));
        (void)lft_fast_commit(c, p, LFT_FAST_END_LEN, ((uint32_t)LFT_REC_END << 4) | obs->kind);
        s[3] |= LFT_RECF_ENDED;
        done = LFT_OK;
    }
    lft_port_unlock(st);
    if (done == LFT_OK) {
        obs->state = LFT_STATE_ENDED;
    }
    return done;
}

/* ------------------------------------------------- names by reference */

/* A call by reference of record type and kind tk: the fast path when name
 * is NUL-terminated at len <= LFT_NAME_REF_MAX, otherwise (or when the fast
 * path declines) the copying call without options. Inlined into its three
 * callers: it is their hot path. */
LFT_ALWAYS_INLINE lft_err_t lft_fast_ref(lft_obs_t *obs, lft_obs_t *parent, uint32_t tk,
                                     const char *name, size_t len)
{
    if (name != NULL && len <= LFT_NAME_REF_MAX && name[len] == '\0' &&
        lft_fast_record(obs, parent, tk | LFT_FAST_REF | (uint32_t)len << 16, name) == LFT_OK) {
        return LFT_OK;
    }
    switch (tk & 0x0Fu) { /* a constant once inlined */
    case LFT_KIND_EVENT:
        return lft_event(parent, name, NULL);
    case LFT_KIND_GENERATION:
        return lft_generation_start(obs, parent, name, NULL);
    default:
        return lft_span_start(obs, parent, name, NULL);
    }
}

lft_err_t lft_span_start_ref(lft_obs_t *obs, lft_obs_t *parent, const char *name, size_t len)
{
    return lft_fast_ref(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_SPAN, name, len);
}

lft_err_t lft_generation_start_ref(lft_obs_t *obs, lft_obs_t *parent, const char *name, size_t len)
{
    return lft_fast_ref(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_GENERATION, name, len);
}

lft_err_t lft_event_ref(lft_obs_t *parent, const char *name, size_t len)
{
    return lft_fast_ref(NULL, parent, ((uint32_t)LFT_REC_EVENT << 4) | LFT_KIND_EVENT, name, len);
}
