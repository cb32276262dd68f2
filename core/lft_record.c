/*
 * lft_record.c - decoding records and the reader that exporters use.
 */
#include "lft_record.h"

#include <stddef.h>
#include <string.h>

#include "lft_client_priv.h"
#include "lft_codec_priv.h"
#include "lft_port.h"
#include "lft_ring_priv.h"

/* The body's fixed-width integers of each record type (lft_record.h):
 * bytes before the fields. */
static uint32_t lft_record_prefix_len(lft_rec_type_t type, uint8_t flags)
{
    switch (type) {
    case LFT_REC_START:
    case LFT_REC_EVENT:
    case LFT_REC_SCORE:
        return 4u + 4u + 4u + 8u;
    case LFT_REC_UPDATE:
        return 4u + 4u + 4u;
    case LFT_REC_END:
        return (flags & LFT_RECF_ORPHAN) != 0 ? 4u + 8u + 4u + 4u : 4u + 8u;
    default:
        return 0;
    }
}

int lft_record_parse(const uint8_t *p, uint32_t pos, uint8_t flags, lft_record_t *rec)
{
    const uint32_t len = lft_u16_get(p);
    const uint8_t *q = p + LFT_REC_HDR;
    rec->len = (uint16_t)len;
    rec->type = (lft_rec_type_t)(p[2] >> 4);
    rec->kind = (lft_kind_t)(p[2] & 0x0Fu);
    rec->flags = flags;
    rec->pos = pos;
    rec->serial = 0;
    rec->parent = 0;
    rec->trace = 0;
    rec->observation = 0;
    rec->seq = 0;
    rec->start = 0;
    rec->time_us = 0;
    const uint32_t prefix = lft_record_prefix_len(rec->type, flags);
    if (prefix == 0 || len < LFT_REC_HDR + prefix) {
        return -1;
    }
    rec->serial = lft_u32_get(q);
    switch (rec->type) {
    case LFT_REC_START:
    case LFT_REC_EVENT:
        rec->parent = lft_u32_get(q + 4);
        rec->trace = lft_u32_get(q + 8);
        rec->time_us = lft_i64_get(q + 12);
        break;
    case LFT_REC_SCORE:
        rec->trace = lft_u32_get(q + 4);
        rec->observation = lft_u32_get(q + 8);
        rec->time_us = lft_i64_get(q + 12);
        break;
    case LFT_REC_UPDATE:
        rec->seq = lft_u32_get(q + 4);
        rec->start = lft_u32_get(q + 8);
        break;
    default: /* LFT_REC_END */
        rec->time_us = lft_i64_get(q + 4);
        if (flags & LFT_RECF_ORPHAN) {
            rec->parent = lft_u32_get(q + 12);
            rec->trace = lft_u32_get(q + 16);
        }
        break;
    }
    rec->fields = q + prefix;
    rec->fields_len = len - LFT_REC_HDR - prefix;
    return 0;
}

void lft_field_iter_init(lft_field_iter_t *it, const lft_record_t *rec)
{
    it->p = rec->fields;
    it->end = rec->fields + rec->fields_len;
}

static int lft_get_str(lft_field_iter_t *it, const char **s, uint32_t *len)
{
    uint64_t n;
    if (lft_varint_get(&it->p, it->end, &n) != 0 || n > (uint64_t)(it->end - it->p)) {
        return -1;
    }
    *s = (const char *)it->p;
    *len = (uint32_t)n;
    it->p += n;
    return 0;
}

int lft_field_next(lft_field_iter_t *it, lft_field_t *f)
{
    if (it->p >= it->end) {
        return 0;
    }
    f->tag = (lft_field_tag_t)*it->p++;
    f->key = NULL;
    f->key_len = 0;
    f->str = NULL;
    f->str_len = 0;
    f->i = 0;
    f->u = 0;
    f->d = 0.0;
    int bad = 0;
    switch (f->tag) {
    case LFT_F_META_STR:
    case LFT_F_META_INT:
    case LFT_F_META_DOUBLE:
    case LFT_F_META_BOOL:
    case LFT_F_PARAM_STR:
    case LFT_F_PARAM_INT:
    case LFT_F_PARAM_DOUBLE:
    case LFT_F_PARAM_BOOL:
    case LFT_F_USAGE:
    case LFT_F_COST:
        bad = lft_get_str(it, &f->key, &f->key_len);
        break;
    default:
        break;
    }
    if (bad) {
        it->p = it->end;
        return LFT_ERR_ARG;
    }
    switch (f->tag) {
    case LFT_F_NAME:
    case LFT_F_INPUT_TEXT:
    case LFT_F_INPUT_JSON:
    case LFT_F_OUTPUT_TEXT:
    case LFT_F_OUTPUT_JSON:
    case LFT_F_META_STR:
    case LFT_F_STATUS:
    case LFT_F_VERSION:
    case LFT_F_MODEL:
    case LFT_F_PARAM_STR:
    case LFT_F_PROMPT_NAME:
    case LFT_F_USER_ID:
    case LFT_F_SESSION_ID:
    case LFT_F_TAG:
    case LFT_F_RELEASE:
    case LFT_F_ENVIRONMENT:
    case LFT_F_SCORE_STRING:
    case LFT_F_COMMENT:
    case LFT_F_SCORE_ID:
        bad = lft_get_str(it, &f->str, &f->str_len);
        break;
    case LFT_F_META_INT:
    case LFT_F_PARAM_INT:
    case LFT_F_COMPLETION_START:
        bad = lft_varint_get(&it->p, it->end, &f->u);
        f->i = lft_zigzag_dec(f->u);
        break;
    case LFT_F_TIME_UNIX:
    case LFT_F_USAGE:
    case LFT_F_COMPLETION_START_UNIX:
    case LFT_F_PROMPT_VERSION:
        bad = lft_varint_get(&it->p, it->end, &f->u);
        f->i = (int64_t)(f->u & INT64_MAX);
        break;
    case LFT_F_META_DOUBLE:
    case LFT_F_PARAM_DOUBLE:
    case LFT_F_COST:
    case LFT_F_SCORE_VALUE:
        if (it->end - it->p < 8) {
            bad = -1;
        } else {
            f->d = lft_f64_get(it->p);
            it->p += 8;
        }
        break;
    case LFT_F_NAME_REF:
        if (it->end - it->p < (ptrdiff_t)(1u + sizeof f->str) || *it->p > LFT_NAME_REF_MAX) {
            bad = -1;
        } else {
            f->tag = LFT_F_NAME;
            f->str_len = *it->p;
            f->str = (const char *)lft_ptr_get(it->p + 1);
            it->p += 1u + sizeof f->str;
        }
        break;
    case LFT_F_META_BOOL:
    case LFT_F_PARAM_BOOL:
    case LFT_F_LEVEL:
    case LFT_F_PUBLIC:
    case LFT_F_SCORE_TYPE:
        if (it->p >= it->end) {
            bad = -1;
        } else {
            f->i = *it->p++;
            f->u = (uint64_t)f->i;
        }
        break;
    default:
        bad = -1;
        break;
    }
    if (bad) {
        it->p = it->end;
        return LFT_ERR_ARG;
    }
    return 1;
}

lft_err_t lft_reader_begin(lft_client_t *client, lft_reader_t *reader)
{
    if (client == NULL || reader == NULL) {
        return LFT_ERR_ARG;
    }
    if (client->magic != LFT_CLIENT_MAGIC) {
        return LFT_ERR_HANDLE;
    }
    uint32_t st = lft_port_lock();
    if (client->reading) {
        lft_port_unlock(st);
        return LFT_ERR_BUSY;
    }
    client->reading = LFT_READING_OPEN;
    reader->client = client;
    reader->begin = client->tail_abs;
    reader->pos = client->tail_abs;
    reader->end = client->head_abs;
    reader->released = 0;
    lft_port_unlock(st);
    return LFT_OK;
}

int lft_reader_next(lft_reader_t *reader, lft_record_t *rec)
{
    lft_client_t *c = reader->client;
    if (c == NULL || rec == NULL) {
        return 0;
    }
    while (reader->pos != reader->end) {
        uint8_t *p = lft_ring_at(c, &reader->pos);
        if (p == NULL) {
            continue;
        }
        uint32_t pos = reader->pos;
        uint32_t len = lft_u16_get(p);
        reader->pos += len;
        /* The flags byte is written by producers (ENDED) under the lock. */
        uint32_t st = lft_port_lock();
        uint8_t flags = p[3];
        lft_port_unlock(st);
        if ((p[2] >> 4) == LFT_REC_PAD || (flags & LFT_RECF_DONE) != 0) {
            continue;
        }
        if (lft_record_parse(p, pos, flags, rec) != 0) {
            continue;
        }
        return 1;
    }
    return 0;
}

void lft_reader_rewind(const lft_reader_t *reader, lft_reader_t *cursor)
{
    *cursor = *reader;
    cursor->pos = reader->begin;
}

int lft_reader_find_start(const lft_reader_t *reader, uint32_t serial, lft_record_t *out)
{
    lft_reader_t it;
    lft_reader_rewind(reader, &it);
    while (lft_reader_next(&it, out) == 1) {
        if (out->type == LFT_REC_START && out->serial == serial) {
            return 1;
        }
    }
    return 0;
}

lft_err_t lft_reader_at(lft_reader_t *reader, uint32_t pos, lft_record_t *rec)
{
    if (reader == NULL || rec == NULL || reader->client == NULL ||
        pos - reader->begin >= reader->end - reader->begin) {
        return LFT_ERR_ARG;
    }
    lft_client_t *c = reader->client;
    const uint32_t idx = lft_ring_index(c, pos);
    const uint8_t *p = c->buf + idx;
    /* not a record boundary: never read past the buffer */
    if (c->cap - idx < LFT_REC_HDR || lft_u16_get(p) < LFT_REC_HDR || lft_u16_get(p) > c->cap - idx) {
        return LFT_ERR_ARG;
    }
    uint32_t st = lft_port_lock();
    uint8_t flags = p[3];
    lft_port_unlock(st);
    if ((p[2] >> 4) == LFT_REC_PAD || lft_record_parse(p, pos, flags, rec) != 0) {
        return LFT_ERR_ARG;
    }
    return LFT_OK;
}

/* The header of rec's record in reader's (open) snapshot, which stays in
 * the ring, unmoved, while the reader is open; NULL unless the record at
 * rec->pos, inside the snapshot, is the one rec describes: its length,
 * type, kind and serial. So a record this reader did not return, or one the
 * caller altered, changes nothing in the ring (at most its flags byte,
 * inside the buffer, is written). */
static uint8_t *lft_reader_header(const lft_reader_t *reader, const lft_record_t *rec)
{
    lft_client_t *c = reader->client;
    if (c == NULL || rec->pos - reader->begin >= reader->end - reader->begin) {
        return NULL;
    }
    const uint32_t idx = lft_ring_index(c, rec->pos);
    uint8_t *const p = c->buf + idx;
    if (c->cap - idx < LFT_REC_HDR + 4u || lft_u16_get(p) != rec->len ||
        p[2] != (uint8_t)(((uint32_t)rec->type << 4) | ((uint32_t)rec->kind & 0x0Fu)) ||
        lft_record_serial(p) != rec->serial) {
        return NULL;
    }
    return p;
}

lft_err_t lft_reader_release(lft_reader_t *reader, const lft_record_t *rec)
{
    uint8_t *p;
    if (reader == NULL || rec == NULL || (p = lft_reader_header(reader, rec)) == NULL) {
        return LFT_ERR_ARG;
    }
    lft_client_t *c = reader->client;
    uint32_t st = lft_port_lock();
    if ((p[3] & LFT_RECF_DONE) == 0) {
        p[3] |= LFT_RECF_DONE;
        c->stats.pending_records--;
        reader->released++;
    }
    lft_port_unlock(st);
    return LFT_OK;
}

lft_err_t lft_reader_mark_sent(lft_reader_t *reader, const lft_record_t *rec)
{
    uint8_t *p;
    if (reader == NULL || rec == NULL || (p = lft_reader_header(reader, rec)) == NULL) {
        return LFT_ERR_ARG;
    }
    lft_err_t err = LFT_ERR_ARG;
    uint32_t st = lft_port_lock();
    if ((p[2] >> 4) == LFT_REC_START) {
        p[3] |= LFT_RECF_SENT;
        err = LFT_OK;
    }
    lft_port_unlock(st);
    return err;
}

int lft_reader_is_ended(lft_reader_t *reader, const lft_record_t *rec)
{
    if (reader == NULL || rec == NULL || reader->client == NULL) {
        return 0;
    }
    /* only read: the bounds suffice (every record type is at least 16
     * bytes, an UPDATE's prefix included; its hint may be anything) */
    lft_client_t *c = reader->client;
    if (rec->pos - reader->begin >= reader->end - reader->begin ||
        c->cap - lft_ring_index(c, rec->pos) < LFT_REC_HDR + 12u) {
        return 0;
    }
    const uint8_t *p = c->buf + lft_ring_index(c, rec->pos);
    int ended = 1; /* END, EVENT, SCORE: nothing more will come */
    uint32_t st = lft_port_lock();
    if ((p[2] >> 4) == LFT_REC_START) {
        ended = (p[3] & LFT_RECF_ENDED) != 0;
    } else if ((p[2] >> 4) == LFT_REC_UPDATE) {
        /* the update's START, wherever moves put it; an UPDATE whose START
         * is no longer in the ring (released) counts as ended: the ring
         * would never move it */
        const uint8_t *s = lft_ring_update_start(c, p);
        ended = s == NULL || (s[3] & LFT_RECF_ENDED) != 0;
    }
    lft_port_unlock(st);
    return ended;
}

uint32_t lft_reader_end(lft_reader_t *reader)
{
    if (reader == NULL || reader->client == NULL) {
        return 0;
    }
    lft_client_t *c = reader->client;
    uint32_t freed = 0;
    /* Reclaim with the snapshot closed (LFT_DROP_OLDEST may free again) but
     * no new reader yet: a snapshot taken now would include records this
     * loop frees or moves. */
    uint32_t st = lft_port_lock();
    c->reading = LFT_READING_RECLAIM;
    const uint32_t stop = c->head_abs;
    uint32_t run_end = c->tail_abs;
    lft_port_unlock(st);
    /* One record per critical section keeps interrupt latency short. Up to
     * stop: every record that was in the ring when the pass ended (moved
     * records land after it, so none is visited twice); after it, only
     * pads and gaps (a move can leave one at the tail). A move that has to
     * pad the end of the buffer uses bytes: they count against the freed
     * ones, so the result is the drop in pending_bytes this call caused. */
    int64_t net = 0;
    for (;;) {
        st = lft_port_lock();
        const uint32_t before = c->used;
        int more;
        if ((int32_t)(c->tail_abs - stop) < 0) {
            lft_ring_step_t step = lft_ring_reclaim_released(c, &run_end);
            more = step == LFT_STEP_FREED || step == LFT_STEP_MOVED;
        } else {
            more = lft_ring_free_idle(c);
        }
        net += (int64_t)before - (int64_t)c->used;
        lft_port_unlock(st);
        if (!more) {
            break;
        }
    }
    freed = net > 0 ? (uint32_t)net : 0u;
    st = lft_port_lock();
    c->reading = LFT_READING_NONE;
    lft_port_unlock(st);
    reader->client = NULL;
    return freed;
}
