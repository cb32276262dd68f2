/*
 * lft_obsview.c - merged view of one observation's records (see lft_obsview.h).
 */
#include "lft_obsview.h"

#include <string.h>

/* Serial-number order for update sequence numbers. */
static int lft_obsview_seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

int lft_obsview_build(lft_obsview_t *v, lft_reader_t *reader, uint32_t serial, int with_start,
                      uint32_t start_pos, int with_end)
{
    lft_reader_t it;
    lft_record_t rec;
    size_t updates = 0;
    v->n = 0;
    v->has_start = 0;
    v->has_end = 0;
    if (with_start && lft_reader_at(reader, start_pos, &v->rec[0]) == LFT_OK &&
        v->rec[0].type == LFT_REC_START && v->rec[0].serial == serial) {
        v->n = 1;
        v->has_start = 1;
    }
    const size_t first_update = v->n;
    lft_reader_rewind(reader, &it);
    while (lft_reader_next(&it, &rec) == 1) {
        if (rec.serial != serial) {
            continue;
        }
        if (rec.type == LFT_REC_UPDATE && updates < LFT_OBSVIEW_MAX_UPDATES) {
            /* insertion sort by seq */
            size_t i = v->n++;
            updates++;
            while (i > first_update && lft_obsview_seq_before(rec.seq, v->rec[i - 1u].seq)) {
                v->rec[i] = v->rec[i - 1u];
                i--;
            }
            v->rec[i] = rec;
        } else if (rec.type == LFT_REC_END && with_end) {
            v->rec[v->n++] = rec;
            v->has_end = 1;
            break;
        }
    }
    return v->has_start;
}

lft_field_tag_t lft_obsview_class(lft_field_tag_t tag)
{
    switch (tag) {
    case LFT_F_INPUT_JSON:
        return LFT_F_INPUT_TEXT;
    case LFT_F_OUTPUT_JSON:
        return LFT_F_OUTPUT_TEXT;
    case LFT_F_META_INT:
    case LFT_F_META_DOUBLE:
    case LFT_F_META_BOOL:
        return LFT_F_META_STR;
    case LFT_F_PARAM_INT:
    case LFT_F_PARAM_DOUBLE:
    case LFT_F_PARAM_BOOL:
        return LFT_F_PARAM_STR;
    case LFT_F_COMPLETION_START_UNIX:
        return LFT_F_COMPLETION_START;
    default:
        return tag;
    }
}

/* Does g override f: same class and key, or (tags) the same tag text? */
static int lft_obsview_same(const lft_field_t *f, const lft_field_t *g)
{
    if (lft_obsview_class(f->tag) != lft_obsview_class(g->tag)) {
        return 0;
    }
    if (f->tag == LFT_F_TAG) {
        return f->str_len == g->str_len && memcmp(f->str, g->str, f->str_len) == 0;
    }
    if (f->key == NULL) {
        return 1;
    }
    return f->key_len == g->key_len && memcmp(f->key, g->key, f->key_len) == 0;
}

int lft_obsview_overridden(const lft_obsview_t *v, size_t i, const lft_field_t *f)
{
    for (size_t j = i + 1u; j < v->n; j++) {
        lft_field_iter_t it;
        lft_field_t g;
        lft_field_iter_init(&it, &v->rec[j]);
        while (lft_field_next(&it, &g) == 1) {
            if (lft_obsview_same(f, &g)) {
                return 1;
            }
        }
    }
    return 0;
}

int lft_obsview_get(const lft_obsview_t *v, lft_field_tag_t tag, lft_field_t *out)
{
    const lft_field_tag_t cls = lft_obsview_class(tag);
    for (size_t i = v->n; i > 0; i--) {
        lft_field_iter_t it;
        lft_field_t f;
        int found = 0;
        lft_field_iter_init(&it, &v->rec[i - 1u]);
        while (lft_field_next(&it, &f) == 1) {
            if (lft_obsview_class(f.tag) == cls) {
                *out = f; /* the last one of the newest record that has the class */
                found = 1;
            }
        }
        if (found) {
            return 1;
        }
    }
    return 0;
}

void lft_obsview_iter_init(lft_obsview_iter_t *it, const lft_obsview_t *v)
{
    it->v = v;
    it->i = 0;
    if (v->n > 0) {
        lft_field_iter_init(&it->it, &v->rec[0]);
    }
}

int lft_obsview_next(lft_obsview_iter_t *it, lft_field_tag_t cls, lft_field_t *f)
{
    while (it->i < it->v->n) {
        while (lft_field_next(&it->it, f) == 1) {
            if (((int)cls == 0 || lft_obsview_class(f->tag) == cls) &&
                !lft_obsview_overridden(it->v, it->i, f)) {
                return 1;
            }
        }
        if (++it->i < it->v->n) {
            lft_field_iter_init(&it->it, &it->v->rec[it->i]);
        }
    }
    return 0;
}

uint64_t lft_obsview_time_unix(const lft_client_t *client, const lft_record_t *rec)
{
    lft_field_iter_t it;
    lft_field_t f;
    uint64_t us = 0;
    lft_field_iter_init(&it, rec);
    while (lft_field_next(&it, &f) == 1) {
        if (f.tag == LFT_F_TIME_UNIX) {
            return f.u;
        }
    }
    if (lft_time_to_unix_us(client, rec->time_us, &us) != LFT_OK) {
        return 0;
    }
    return us;
}
