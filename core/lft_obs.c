/*
 * lft_obs.c - recording traces, observations, events and scores.
 *
 * Every call: validate (outside the lock), measure the record, then under the
 * port lock allocate a serial and ring space and copy the fields in. The
 * fields are written by the same function twice (measure, then write), so
 * the two passes cannot disagree.
 */
#include <string.h>

#include "lft_client_priv.h"
#include "lft_codec_priv.h"
#include "lft_fast_priv.h"
#include "lft_json.h"
#include "lft_port.h"
#include "lft_record.h"
#include "lft_ring_priv.h"
#include "lft_text.h"

#define LFT_MARKER_LEN ((uint32_t)(sizeof(LFT_TRUNCATION_MARKER) - 1u))

/* ------------------------------------------------------------ writer */

/*
 * Writes a record in one pass into the contiguous free bytes [q, end) at the
 * ring's head, counting what did not fit in extra: when extra is 0 at the
 * end, the record is complete; otherwise its length is known exactly, room
 * is made for it and it is written again (rare: at the end of the buffer or
 * when the ring is full).
 */
typedef struct {
    uint8_t *q;         /* next byte */
    uint8_t *end;       /* end of the writable bytes */
    uint32_t extra;     /* bytes that did not fit */
    uint32_t max_text;  /* text longer than this is truncated */
    uint32_t truncated; /* values cut */
} lft_wr_t;

static void lft_wr_bytes(lft_wr_t *w, const void *src, uint32_t len)
{
    if (len <= (size_t)(w->end - w->q)) {
        memcpy(w->q, src, len);
        w->q += len;
    } else {
        w->extra += len;
    }
}

static void lft_wr_u8(lft_wr_t *w, uint32_t v)
{
    if (w->q < w->end) {
        *w->q++ = (uint8_t)v;
    } else {
        w->extra++;
    }
}

static void lft_wr_v(lft_wr_t *w, uint64_t v)
{
    if (w->end - w->q >= 10) {
        w->q = lft_varint_put(w->q, v);
        return;
    }
    while (v >= 0x80u) {
        lft_wr_u8(w, ((uint32_t)v & 0x7Fu) | 0x80u);
        v >>= 7;
    }
    lft_wr_u8(w, (uint32_t)v);
}

/* IEEE-754 little-endian, byte by byte (no scratch in the frame). */
static void lft_wr_f64(lft_wr_t *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (unsigned i = 0; i < 8u; i++) {
        lft_wr_u8(w, (uint32_t)(u >> (8u * i)) & 0xFFu);
    }
}

/* A length-prefixed string; len was bounded by the caller (<= 64 KiB). */
LFT_ALWAYS_INLINE void lft_wr_str(lft_wr_t *w, const char *s, size_t len)
{
    lft_wr_v(w, len);
    lft_wr_bytes(w, s, (uint32_t)len);
}

/* A tagged id-like string: exact (validated beforehand). */
static void lft_wr_id(lft_wr_t *w, lft_field_tag_t tag, const char *s)
{
    if (s != NULL) {
        lft_wr_u8(w, tag);
        lft_wr_str(w, s, strlen(s));
    }
}

/* A text value, cut at max_text with the visible marker. */
static void lft_wr_text_val(lft_wr_t *w, const char *s, size_t len)
{
    if (len <= w->max_text) {
        lft_wr_str(w, s, len);
        return;
    }
    size_t keep = lft_utf8_boundary(s, len, w->max_text - LFT_MARKER_LEN);
    lft_wr_v(w, keep + LFT_MARKER_LEN);
    lft_wr_bytes(w, s, (uint32_t)keep);
    lft_wr_bytes(w, LFT_TRUNCATION_MARKER, LFT_MARKER_LEN);
    w->truncated++;
}

static void lft_wr_text_n(lft_wr_t *w, lft_field_tag_t tag, const char *s, size_t len)
{
    lft_wr_u8(w, tag);
    lft_wr_text_val(w, s, len);
}

static void lft_wr_text(lft_wr_t *w, lft_field_tag_t tag, const char *s)
{
    if (s != NULL) {
        lft_wr_text_n(w, tag, s, strlen(s));
    }
}

/* Input/output content: JSON that would be cut is kept as (cut) text. */
static void lft_wr_content(lft_wr_t *w, const lft_content_t *c, lft_field_tag_t text_tag,
                           lft_field_tag_t json_tag)
{
    if (c->type == LFT_CONTENT_NONE) {
        return;
    }
    size_t len = lft_text_len(c->ptr, c->len);
    int json = c->type == LFT_CONTENT_JSON && len <= w->max_text;
    lft_wr_text_n(w, json ? json_tag : text_tag, c->ptr, len);
}

/* More than a record can hold already: lists stop early (the record is
 * refused as too large), so the count never overflows. */
static int lft_wr_over(const lft_wr_t *w)
{
    return w->extra > LFT_RECORD_MAX;
}

/* A tagged key (keys are validated: at most LFT_KEY_MAX bytes). */
LFT_ALWAYS_INLINE void lft_wr_key(lft_wr_t *w, uint32_t tag, const char *key)
{
    lft_wr_u8(w, tag);
    lft_wr_str(w, key, strlen(key));
}

/* Typed key/values: base is the STR tag; INT, DOUBLE, BOOL follow it. */
static void lft_wr_kvs(lft_wr_t *w, const lft_kv_t *kv, size_t count, lft_field_tag_t base)
{
    for (size_t i = 0; i < count && !lft_wr_over(w); i++) {
        lft_wr_key(w, (uint32_t)base + (uint32_t)kv[i].type - LFT_VAL_STRING, kv[i].key);
        switch (kv[i].type) {
        case LFT_VAL_STRING:
            lft_wr_text_val(w, kv[i].v.s, strlen(kv[i].v.s));
            break;
        case LFT_VAL_INT:
            lft_wr_v(w, lft_zigzag_enc(kv[i].v.i));
            break;
        case LFT_VAL_DOUBLE:
            lft_wr_f64(w, kv[i].v.d);
            break;
        case LFT_VAL_BOOL:
            lft_wr_u8(w, kv[i].v.b ? 1u : 0u);
            break;
        }
    }
}

/* ------------------------------------------------------------ checks */

/* Doubles are checked through their IEEE-754 bits: no soft-float calls on
 * targets without a double FPU. */
static uint64_t lft_f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static int lft_finite(double d)
{
    return (lft_f64_bits(d) & 0x7FF0000000000000ull) != 0x7FF0000000000000ull;
}

/* d < 0.0 for a finite d (-0.0 is not below zero). */
static int lft_negative(double d)
{
    const uint64_t u = lft_f64_bits(d);
    return (u >> 63) != 0 && (u << 1) != 0;
}

/* Optional id-like string: NULL is fine, empty is not, long is refused. */
static lft_err_t lft_check_id(const char *s)
{
    if (s == NULL) {
        return LFT_OK;
    }
    size_t n = strlen(s);
    if (n == 0) {
        return LFT_ERR_ARG;
    }
    return n > LFT_ID_MAX ? LFT_ERR_TOO_LONG : LFT_OK;
}

static lft_err_t lft_check_key(const char *k)
{
    if (k == NULL || k[0] == '\0') {
        return LFT_ERR_ARG;
    }
    return strlen(k) > LFT_KEY_MAX ? LFT_ERR_TOO_LONG : LFT_OK;
}

static lft_err_t lft_check_content(const lft_content_t *c)
{
    if (c->type == LFT_CONTENT_NONE) {
        return LFT_OK;
    }
    if ((c->type != LFT_CONTENT_TEXT && c->type != LFT_CONTENT_JSON) || c->ptr == NULL) {
        return LFT_ERR_ARG;
    }
    if (c->type == LFT_CONTENT_JSON) {
        return lft_json_validate(c->ptr, lft_text_len(c->ptr, c->len));
    }
    return LFT_OK;
}

static lft_err_t lft_check_kvs(const lft_kv_t *kv, size_t count)
{
    if (count > 0 && kv == NULL) {
        return LFT_ERR_ARG;
    }
    for (size_t i = 0; i < count; i++) {
        lft_err_t err = lft_check_key(kv[i].key);
        if (err != LFT_OK) {
            return err;
        }
        switch (kv[i].type) {
        case LFT_VAL_STRING:
            if (kv[i].v.s == NULL) {
                return LFT_ERR_ARG;
            }
            break;
        case LFT_VAL_DOUBLE:
            if (!lft_finite(kv[i].v.d)) {
                return LFT_ERR_ARG;
            }
            break;
        case LFT_VAL_INT:
        case LFT_VAL_BOOL:
            break;
        default:
            return LFT_ERR_ARG;
        }
    }
    return LFT_OK;
}

static lft_err_t lft_check_time(uint64_t unix_us)
{
    return (unix_us != 0 && unix_us < LFT_UNIX_US_2020) ? LFT_ERR_ARG : LFT_OK;
}

/* Does this kind take generation fields (model, usage, cost, ...)? */
static int lft_kind_is_generation_like(uint8_t kind)
{
    return kind != LFT_KIND_TRACE && kind != LFT_KIND_SPAN && kind != LFT_KIND_EVENT;
}

static lft_err_t lft_check_obs_opts(const lft_obs_opts_t *o, uint8_t kind)
{
    lft_err_t err;
    if (o == NULL) {
        return LFT_OK;
    }
    int gen_fields = o->model != NULL || o->model_parameters_count > 0 || o->usage_count > 0 ||
                     o->cost_count > 0 || o->completion_start_unix_us != 0 ||
                     o->prompt_name != NULL || o->prompt_version != 0;
    if (gen_fields && !lft_kind_is_generation_like(kind)) {
        return LFT_ERR_KIND;
    }
    if ((o->prompt_name != NULL || o->prompt_version != 0) && kind != LFT_KIND_GENERATION) {
        return LFT_ERR_KIND;
    }
    if ((o->prompt_name == NULL) != (o->prompt_version == 0)) {
        return LFT_ERR_PROMPT;
    }
    if ((unsigned)o->level > LFT_LEVEL_ERROR) {
        return LFT_ERR_ARG;
    }
    if ((err = lft_check_content(&o->input)) != LFT_OK ||
        (err = lft_check_content(&o->output)) != LFT_OK ||
        (err = lft_check_kvs(o->metadata, o->metadata_count)) != LFT_OK ||
        (err = lft_check_kvs(o->model_parameters, o->model_parameters_count)) != LFT_OK ||
        (err = lft_check_id(o->model)) != LFT_OK || (err = lft_check_id(o->prompt_name)) != LFT_OK ||
        (err = lft_check_time(o->time_unix_us)) != LFT_OK ||
        (err = lft_check_time(o->completion_start_unix_us)) != LFT_OK) {
        return err;
    }
    if ((o->usage_count > 0 && o->usage == NULL) || (o->cost_count > 0 && o->cost == NULL)) {
        return LFT_ERR_ARG;
    }
    for (size_t i = 0; i < o->usage_count; i++) {
        if ((err = lft_check_key(o->usage[i].key)) != LFT_OK) {
            return err;
        }
        if (o->usage[i].count > (uint64_t)INT64_MAX) {
            return LFT_ERR_ARG;
        }
    }
    for (size_t i = 0; i < o->cost_count; i++) {
        if ((err = lft_check_key(o->cost[i].key)) != LFT_OK) {
            return err;
        }
        if (!lft_finite(o->cost[i].usd) || lft_negative(o->cost[i].usd)) {
            return LFT_ERR_ARG;
        }
    }
    return LFT_OK;
}

static lft_err_t lft_check_trace_opts(const lft_trace_opts_t *o)
{
    lft_err_t err;
    if (o == NULL) {
        return LFT_OK;
    }
    if ((err = lft_check_id(o->user_id)) != LFT_OK || (err = lft_check_id(o->session_id)) != LFT_OK ||
        (err = lft_check_content(&o->input)) != LFT_OK ||
        (err = lft_check_content(&o->output)) != LFT_OK ||
        (err = lft_check_kvs(o->metadata, o->metadata_count)) != LFT_OK ||
        (err = lft_check_time(o->timestamp_unix_us)) != LFT_OK) {
        return err;
    }
    if (o->tags_count > 0 && o->tags == NULL) {
        return LFT_ERR_ARG;
    }
    for (size_t i = 0; i < o->tags_count; i++) {
        if ((err = lft_check_key(o->tags[i])) != LFT_OK) { /* at most LFT_KEY_MAX (lftrace.h) */
            return err;
        }
    }
    if (o->environment != NULL && !lft_environment_valid(o->environment)) {
        return LFT_ERR_ARG;
    }
    if ((unsigned)o->is_public > LFT_TRUE) {
        return LFT_ERR_ARG;
    }
    return LFT_OK;
}

/* ------------------------------------------------------- field writers */

static void lft_fields_obs(lft_wr_t *w, const lft_obs_opts_t *o)
{
    lft_wr_content(w, &o->input, LFT_F_INPUT_TEXT, LFT_F_INPUT_JSON);
    lft_wr_content(w, &o->output, LFT_F_OUTPUT_TEXT, LFT_F_OUTPUT_JSON);
    lft_wr_kvs(w, o->metadata, o->metadata_count, LFT_F_META_STR);
    if (o->level != LFT_LEVEL_UNSET) {
        lft_wr_u8(w, LFT_F_LEVEL);
        lft_wr_u8(w, (uint32_t)o->level);
    }
    lft_wr_text(w, LFT_F_STATUS, o->status_message);
    lft_wr_text(w, LFT_F_VERSION, o->version);
    if (o->time_unix_us != 0) {
        lft_wr_u8(w, LFT_F_TIME_UNIX);
        lft_wr_v(w, o->time_unix_us);
    }
    lft_wr_id(w, LFT_F_MODEL, o->model);
    lft_wr_kvs(w, o->model_parameters, o->model_parameters_count, LFT_F_PARAM_STR);
    for (size_t i = 0; i < o->usage_count && !lft_wr_over(w); i++) {
        lft_wr_key(w, LFT_F_USAGE, o->usage[i].key);
        lft_wr_v(w, o->usage[i].count);
    }
    for (size_t i = 0; i < o->cost_count && !lft_wr_over(w); i++) {
        lft_wr_key(w, LFT_F_COST, o->cost[i].key);
        lft_wr_f64(w, o->cost[i].usd);
    }
    if (o->completion_start_unix_us != 0) {
        lft_wr_u8(w, LFT_F_COMPLETION_START_UNIX);
        lft_wr_v(w, o->completion_start_unix_us);
    }
    if (o->prompt_name != NULL) {
        lft_wr_id(w, LFT_F_PROMPT_NAME, o->prompt_name);
        lft_wr_u8(w, LFT_F_PROMPT_VERSION);
        lft_wr_v(w, o->prompt_version);
    }
}

static void lft_fields_trace(lft_wr_t *w, const lft_trace_opts_t *o)
{
    lft_wr_text(w, LFT_F_NAME, o->name);
    lft_wr_id(w, LFT_F_USER_ID, o->user_id);
    lft_wr_id(w, LFT_F_SESSION_ID, o->session_id);
    lft_wr_kvs(w, o->metadata, o->metadata_count, LFT_F_META_STR);
    for (size_t i = 0; i < o->tags_count && !lft_wr_over(w); i++) {
        lft_wr_id(w, LFT_F_TAG, o->tags[i]);
    }
    lft_wr_content(w, &o->input, LFT_F_INPUT_TEXT, LFT_F_INPUT_JSON);
    lft_wr_content(w, &o->output, LFT_F_OUTPUT_TEXT, LFT_F_OUTPUT_JSON);
    lft_wr_text(w, LFT_F_RELEASE, o->release);
    lft_wr_text(w, LFT_F_VERSION, o->version);
    lft_wr_id(w, LFT_F_ENVIRONMENT, o->environment);
    if (o->is_public != LFT_UNSET) {
        lft_wr_u8(w, LFT_F_PUBLIC);
        lft_wr_u8(w, o->is_public == LFT_TRUE ? 1u : 0u);
    }
    if (o->timestamp_unix_us != 0) {
        lft_wr_u8(w, LFT_F_TIME_UNIX);
        lft_wr_v(w, o->timestamp_unix_us);
    }
}

/* What one recording call writes. Callers set every field up to opts
 * (lft_emit_new, lft_emit_of); lft_emit fills the rest. */
typedef struct {
    uint8_t type;         /* lft_rec_type_t */
    uint8_t kind;
    uint8_t first_token;  /* UPDATE: completion start = time */
    uint8_t sampled_out;  /* allocate ids, count, write nothing */
    uint8_t orphan;       /* END: its START is not in the ring (set by lft_emit) */
    uint32_t serial;      /* 0: allocate one (lft_emit sets it) */
    uint32_t parent;
    uint32_t trace;       /* set to the new serial by a trace's START */
    union {               /* by record type (a smaller descriptor in the frames) */
        uint32_t observation; /* SCORE */
        uint32_t start_hint;  /* END: where the START record was */
        uint32_t seq;         /* UPDATE: set by lft_emit */
    } by;
    int64_t time;
    const char *name;     /* written first as LFT_F_NAME (text), may be NULL */
    const void *opts;     /* lft_score_t (SCORE), lft_trace_opts_t (kind TRACE) or
                             lft_obs_opts_t; may be NULL */
    /* set by lft_emit */
    uint32_t pos;         /* absolute position of the record written (0: none) */
    uint32_t truncated;   /* values cut */
} lft_emit_t;

static void lft_fields_score(lft_wr_t *w, const lft_score_t *s)
{
    lft_score_type_t type = s->data_type;
    if (type == LFT_SCORE_UNSET) {
        type = s->string_value != NULL ? LFT_SCORE_CATEGORICAL : LFT_SCORE_NUMERIC;
    }
    lft_wr_id(w, LFT_F_NAME, s->name);
    lft_wr_u8(w, LFT_F_SCORE_TYPE);
    lft_wr_u8(w, (uint32_t)type);
    if (type == LFT_SCORE_CATEGORICAL) {
        lft_wr_text(w, LFT_F_SCORE_STRING, s->string_value);
    } else {
        lft_wr_u8(w, LFT_F_SCORE_VALUE);
        lft_wr_f64(w, s->value);
    }
    lft_wr_text(w, LFT_F_COMMENT, s->comment);
    lft_wr_id(w, LFT_F_SCORE_ID, s->id);
    lft_wr_id(w, LFT_F_SESSION_ID, s->session_id);
}

/* Write the body prefix before the fields (see lft_record.h, at most 20
 * bytes) at q; returns its end. */
#define LFT_PREFIX_MAX 20u
static uint8_t *lft_prefix(uint8_t *q, const lft_emit_t *e)
{
    lft_u32_put(q, e->serial);
    switch (e->type) {
    case LFT_REC_START:
    case LFT_REC_EVENT:
        lft_u32_put(q + 4, e->parent);
        lft_u32_put(q + 8, e->trace);
        lft_i64_put(q + 12, e->time);
        return q + 20;
    case LFT_REC_UPDATE:
        lft_u32_put(q + 4, e->by.seq);
        return q + 8;
    case LFT_REC_END:
        lft_i64_put(q + 4, e->time);
        if (e->orphan) {
            lft_u32_put(q + 12, e->parent);
            lft_u32_put(q + 16, e->trace);
            return q + 20;
        }
        return q + 12;
    default: /* LFT_REC_SCORE */
        lft_u32_put(q + 4, e->trace);
        lft_u32_put(q + 8, e->by.observation);
        lft_i64_put(q + 12, e->time);
        return q + 20;
    }
}

/* The header and prefix when fewer bytes than they may take are left: room
 * bytes at buf (kept out of lft_write_record's frame). */
LFT_NOINLINE static void lft_wr_prefix_short(lft_wr_t *w, uint8_t *buf, uint32_t room,
                                             const lft_emit_t *e)
{
    uint8_t tmp[LFT_PREFIX_MAX];
    const uint32_t hdr = room < LFT_REC_HDR ? room : LFT_REC_HDR;
    w->q = buf + hdr;
    w->extra = LFT_REC_HDR - hdr;
    lft_wr_bytes(w, tmp, (uint32_t)(lft_prefix(tmp, e) - tmp));
}

/* The record's name: the common short one is copied while it is measured
 * (one pass); anything else (long, cut, or near the end of the room) goes
 * through lft_wr_text. */
static void lft_wr_name(lft_wr_t *w, const char *s)
{
    const size_t room = (size_t)(w->end - w->q);
    if (s == NULL) {
        return;
    }
    if (room > 2u) {
        size_t lim = room - 2u;
        lim = lim < 0x7Fu ? lim : 0x7Fu; /* a one-byte length */
        lim = lim < w->max_text ? lim : w->max_text;
        uint8_t *d = w->q + 2;
        size_t i = 0;
        while (i < lim && s[i] != '\0') {
            d[i] = (uint8_t)s[i];
            i++;
        }
        if (s[i] == '\0') {
            w->q[0] = LFT_F_NAME;
            w->q[1] = (uint8_t)i;
            w->q = d + i;
            return;
        }
    }
    lft_wr_text(w, LFT_F_NAME, s);
}

/* Write e's record at buf (room bytes writable) and return its length: it
 * is complete when that is at most room. */
static uint32_t lft_write_record(lft_emit_t *e, uint8_t *buf, uint32_t room, uint32_t max_text)
{
    lft_wr_t w;
    w.end = buf + room;
    w.extra = 0;
    w.max_text = max_text;
    w.truncated = 0;
    if (room >= LFT_REC_HDR + LFT_PREFIX_MAX) {
        w.q = lft_prefix(buf + LFT_REC_HDR, e);
    } else {
        lft_wr_prefix_short(&w, buf, room, e);
    }
    lft_wr_name(&w, e->name);
    if (e->first_token) {
        lft_wr_u8(&w, LFT_F_COMPLETION_START);
        lft_wr_v(&w, lft_zigzag_enc(e->time));
    }
    if (e->opts != NULL) {
        if (e->type == LFT_REC_SCORE) {
            lft_fields_score(&w, e->opts);
        } else if (e->kind == LFT_KIND_TRACE) {
            lft_fields_trace(&w, e->opts);
        } else {
            lft_fields_obs(&w, e->opts);
        }
    }
    e->truncated = w.truncated;
    return (uint32_t)(w.q - buf) + w.extra;
}

/*
 * Write one record. On success e->serial and e->pos name it. A trace
 * start may be sampled out here: e->sampled_out is then set and nothing is
 * written. Returns LFT_OK, LFT_ERR_RING_FULL or LFT_ERR_TOO_LARGE (both
 * counted here).
 *
 * The record is written once, straight into the free bytes at the head;
 * only when it does not fit there (the end of the buffer, a full ring) is
 * its exact length allocated under the drop policy and the record written
 * again. Either way it takes the place lft_ring_alloc would give it.
 */
static lft_err_t lft_emit(lft_client_t *c, lft_emit_t *e)
{
    lft_err_t err = LFT_OK;
    uint32_t st = lft_port_lock();
    if (e->serial == 0) {
        e->serial = lft_client_next_serial(c);
        if (e->type == LFT_REC_START && e->kind == LFT_KIND_TRACE) {
            e->trace = e->serial;
            e->sampled_out = !lft_client_sample(c, e->serial);
        }
    }
    e->pos = 0;
    if (e->sampled_out) {
        c->stats.dropped_sampled++;
        lft_port_unlock(st);
        return LFT_OK;
    }
    if (e->type == LFT_REC_UPDATE) {
        e->by.seq = c->next_seq++;
    }
    uint8_t *start = NULL;
    e->orphan = 0;
    if (e->type == LFT_REC_END) {
        start = lft_ring_find_start(c, e->by.start_hint, e->serial);
        e->orphan = start == NULL;
    }
    uint32_t idx = lft_ring_room(c);
    const uint32_t len = lft_write_record(e, c->buf + c->head, idx, c->cfg.max_field_bytes);
    if (len <= idx) {
        idx = c->head;
        e->pos = lft_ring_commit(c, len);
    } else if (len > LFT_RECORD_MAX || len > c->cap) {
        err = LFT_ERR_TOO_LARGE;
    } else {
        const uint32_t tail_before = c->tail_abs;
        const uint32_t moved_before = c->stats.moved;
        err = lft_ring_alloc(c, len, &idx, &e->pos);
        if (err == LFT_OK) {
            (void)lft_write_record(e, c->buf + idx, len, c->cfg.max_field_bytes);
        }
        /* Allocation may have freed or moved records (LFT_DROP_OLDEST):
         * then find the START again. */
        if (start != NULL && (c->tail_abs != tail_before || c->stats.moved != moved_before)) {
            start = lft_ring_find_start(c, e->by.start_hint, e->serial);
        }
    }
    if (err == LFT_OK) {
        uint8_t *p = c->buf + idx;
        lft_u16_put(p, len);
        p[2] = (uint8_t)(((unsigned)e->type << 4) | (e->kind & 0x0Fu));
        p[3] = e->orphan ? LFT_RECF_ORPHAN : 0u;
        c->stats.truncated += e->truncated;
        c->stats.recorded++;
        c->stats.pending_records++;
        if (e->type >= LFT_REC_END) { /* END, EVENT, SCORE */
            c->stats.completed++;
        }
    } else if (err == LFT_ERR_RING_FULL) {
        c->stats.dropped_ring_full++;
    } else {
        c->stats.dropped_too_large++;
    }
    if (start != NULL) {
        start[3] |= LFT_RECF_ENDED;
        if (err != LFT_OK) {
            start[3] |= LFT_RECF_END_LOST;
            c->stats.completed++; /* the START is exported on its own */
        }
    }
    lft_port_unlock(st);
    return err;
}

/* --------------------------------------------------------------- handles */

lft_err_t lft_obs_check(const lft_obs_t *obs)
{
    if (obs == NULL) {
        return LFT_ERR_ARG;
    }
    if (obs->magic != LFT_OBS_MAGIC || obs->state == LFT_STATE_NONE) {
        return LFT_ERR_HANDLE;
    }
    if (!lft_client_ok(obs->client)) {
        return LFT_ERR_HANDLE; /* client deinitialised (lft_client_deinit) */
    }
    if (obs->client->instance != obs->instance) {
        return LFT_ERR_FOREIGN;
    }
    return LFT_OK;
}

lft_client_t *lft_obs_live_client(const lft_obs_t *obs)
{
    if (obs == NULL || obs->magic != LFT_OBS_MAGIC || obs->state == LFT_STATE_NONE ||
        !lft_client_ok(obs->client)) {
        return NULL;
    }
    return obs->client;
}

/* Count a refused recording call on client c (if it is live) and return err. */
static lft_err_t lft_refuse(lft_client_t *c, lft_err_t err)
{
    lft_client_count_error(c, err);
    return err;
}

/* Check that obs is a started, open handle of the right kind. */
static lft_err_t lft_check_open(const lft_obs_t *obs, int want_trace)
{
    lft_err_t err = lft_obs_check(obs);
    if (err != LFT_OK) {
        return err;
    }
    if (obs->state != LFT_STATE_OPEN) {
        return LFT_ERR_ENDED;
    }
    if ((obs->kind == LFT_KIND_TRACE) != (want_trace != 0)) {
        return LFT_ERR_KIND;
    }
    return LFT_OK;
}

int lft_obs_is_open(const lft_obs_t *obs)
{
    return lft_obs_check(obs) == LFT_OK && obs->state == LFT_STATE_OPEN;
}

/* Refuse to restart a handle that is still open (it would be lost) or still
 * in a thread's context stack (the stack would be corrupted). A handle left
 * open by a client that was deinitialised may be restarted. */
static int lft_obs_busy(const lft_obs_t *obs)
{
    if (obs->magic != LFT_OBS_MAGIC) {
        return 0;
    }
    return (obs->flags & LFT_OBSF_IN_CONTEXT) != 0 ||
           (obs->state == LFT_STATE_OPEN && lft_obs_check(obs) == LFT_OK);
}

void lft_obs_fill(lft_obs_t *obs, lft_client_t *c, uint8_t kind, uint32_t serial,
                         uint32_t trace, uint32_t parent, uint32_t pos, int sampled_out)
{
    obs->client = c;
    obs->ctx_prev = NULL;
    obs->magic = LFT_OBS_MAGIC;
    obs->instance = c->instance;
    obs->serial = serial;
    obs->trace_serial = trace;
    obs->parent_serial = parent;
    obs->start_abs = pos;
    obs->kind = kind;
    obs->state = LFT_STATE_OPEN;
    obs->flags = sampled_out ? LFT_OBSF_SAMPLED_OUT : 0u;
}

/* Resolve the parent (explicit or current) of a new observation. */
static lft_err_t lft_parent_resolve(lft_obs_t **parent)
{
    if (*parent == NULL) {
        *parent = lft_context_current();
        if (*parent == NULL) {
            return LFT_ERR_NO_CONTEXT;
        }
    }
    return lft_obs_check(*parent);
}

/* e for a new record (START, EVENT, SCORE) under parent (NULL: none). */
static void lft_emit_new(lft_emit_t *e, lft_client_t *c, const lft_obs_t *parent,
                         lft_rec_type_t type, uint8_t kind, const char *name, const void *opts)
{
    e->type = (uint8_t)type;
    e->kind = kind;
    e->first_token = 0;
    e->sampled_out = parent != NULL && (parent->flags & LFT_OBSF_SAMPLED_OUT) != 0;
    e->serial = 0;
    e->parent = parent != NULL ? parent->serial : 0u;
    e->trace = parent != NULL ? parent->trace_serial : 0u;
    e->by.observation = 0;
    e->time = lft_client_now(c);
    e->name = name;
    e->opts = opts;
}

/* e for an UPDATE or END record of the open handle h. */
static void lft_emit_of(lft_emit_t *e, const lft_obs_t *h, lft_rec_type_t type, const void *opts)
{
    e->type = (uint8_t)type;
    e->kind = h->kind;
    e->first_token = 0;
    e->sampled_out = (h->flags & LFT_OBSF_SAMPLED_OUT) != 0;
    e->serial = h->serial;
    e->parent = h->parent_serial;
    e->trace = h->trace_serial;
    e->by.start_hint = h->start_abs;
    e->time = lft_client_now(h->client);
    e->name = NULL;
    e->opts = opts;
}

/* ---------------------------------------------------------------- traces */

lft_err_t lft_trace_start(lft_client_t *client, lft_trace_t *trace, const char *name,
                          const lft_trace_opts_t *opts)
{
    if (client == NULL) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    if (trace == NULL || name == NULL || lft_obs_busy(trace)) {
        return lft_refuse(client, LFT_ERR_ARG);
    }
    lft_err_t err = lft_check_trace_opts(opts);
    if (err == LFT_OK && opts != NULL && opts->name != NULL) {
        err = LFT_ERR_ARG; /* the name is the argument; opts->name renames on update */
    }
    if (err != LFT_OK) {
        lft_client_count_error(client, err);
        return err;
    }
    lft_emit_t e;
    lft_emit_new(&e, client, NULL, LFT_REC_START, LFT_KIND_TRACE, name, opts);
    err = lft_emit(client, &e);
    if (err != LFT_OK) {
        return err;
    }
    lft_obs_fill(trace, client, LFT_KIND_TRACE, e.serial, e.serial, 0, e.pos, e.sampled_out);
    return LFT_OK;
}

static lft_err_t lft_trace_write(lft_trace_t *trace, const lft_trace_opts_t *opts,
                                 lft_rec_type_t type)
{
    lft_err_t err = lft_check_open(trace, 1);
    if (err != LFT_OK) {
        return lft_refuse(lft_obs_live_client(trace), err);
    }
    lft_client_t *c = trace->client;
    err = lft_check_trace_opts(opts);
    if (err != LFT_OK) {
        lft_client_count_error(c, err);
        return err;
    }
    if (type == LFT_REC_UPDATE && (opts == NULL || opts->timestamp_unix_us != 0)) {
        if (opts == NULL) {
            return LFT_OK; /* nothing to update */
        }
        lft_client_count_error(c, LFT_ERR_ARG);
        return LFT_ERR_ARG;
    }
    lft_emit_t e;
    lft_emit_of(&e, trace, type, opts);
    err = lft_emit(c, &e);
    if (type == LFT_REC_END && (err == LFT_OK || err == LFT_ERR_RING_FULL || err == LFT_ERR_TOO_LARGE)) {
        trace->state = LFT_STATE_ENDED;
    }
    return err;
}

lft_err_t lft_trace_update(lft_trace_t *trace, const lft_trace_opts_t *opts)
{
    return lft_trace_write(trace, opts, LFT_REC_UPDATE);
}

lft_err_t lft_trace_end(lft_trace_t *trace, const lft_trace_opts_t *opts)
{
    return lft_trace_write(trace, opts, LFT_REC_END);
}

/* ---------------------------------------------------------- observations */

/* lft_obs_start when the fast path did not take the call. */
LFT_NOINLINE static lft_err_t lft_obs_start_general(lft_obs_t *obs, lft_obs_t *parent,
                                                    lft_kind_t kind, const char *name,
                                                    const lft_obs_opts_t *opts)
{
    if (obs == NULL || name == NULL || lft_obs_busy(obs)) {
        return lft_refuse(lft_obs_live_client(parent != NULL ? parent : lft_context_current()),
                          LFT_ERR_ARG);
    }
    lft_err_t err = lft_parent_resolve(&parent);
    if (err != LFT_OK) {
        return lft_refuse(lft_obs_live_client(parent), err);
    }
    lft_client_t *c = parent->client;
    if ((unsigned)kind >= LFT_KIND_COUNT || kind == LFT_KIND_TRACE || kind == LFT_KIND_EVENT) {
        err = LFT_ERR_KIND;
    } else {
        err = lft_check_obs_opts(opts, (uint8_t)kind);
    }
    if (err != LFT_OK) {
        lft_client_count_error(c, err);
        return err;
    }
    lft_emit_t e;
    lft_emit_new(&e, c, parent, LFT_REC_START, (uint8_t)kind, name, opts);
    err = lft_emit(c, &e);
    if (err != LFT_OK) {
        return err;
    }
    lft_obs_fill(obs, c, (uint8_t)kind, e.serial, parent->trace_serial, parent->serial, e.pos,
                 e.sampled_out);
    return LFT_OK;
}

lft_err_t lft_obs_start(lft_obs_t *obs, lft_obs_t *parent, lft_kind_t kind, const char *name,
                        const lft_obs_opts_t *opts)
{
    if (opts == NULL && (unsigned)kind < LFT_KIND_COUNT && kind != LFT_KIND_TRACE &&
        kind != LFT_KIND_EVENT &&
        lft_fast_new(obs, parent, ((uint32_t)LFT_REC_START << 4) | (uint32_t)kind, name) == LFT_OK) {
        return LFT_OK;
    }
    return lft_obs_start_general(obs, parent, kind, name, opts);
}

lft_err_t lft_span_start(lft_obs_t *obs, lft_obs_t *parent, const char *name,
                         const lft_obs_opts_t *opts)
{
    if (opts == NULL &&
        lft_fast_new(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_SPAN, name) == LFT_OK) {
        return LFT_OK;
    }
    return lft_obs_start_general(obs, parent, LFT_KIND_SPAN, name, opts);
}

lft_err_t lft_generation_start(lft_obs_t *obs, lft_obs_t *parent, const char *name,
                               const lft_obs_opts_t *opts)
{
    if (opts == NULL &&
        lft_fast_new(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_GENERATION, name) ==
            LFT_OK) {
        return LFT_OK;
    }
    return lft_obs_start_general(obs, parent, LFT_KIND_GENERATION, name, opts);
}

static lft_err_t lft_obs_write(lft_obs_t *obs, const lft_obs_opts_t *opts, lft_rec_type_t type,
                               int first_token)
{
    lft_err_t err = lft_check_open(obs, 0);
    if (err != LFT_OK) {
        return lft_refuse(lft_obs_live_client(obs), err);
    }
    lft_client_t *c = obs->client;
    err = lft_check_obs_opts(opts, obs->kind);
    if (err == LFT_OK && first_token && !lft_kind_is_generation_like(obs->kind)) {
        err = LFT_ERR_KIND;
    }
    if (err == LFT_OK && type == LFT_REC_UPDATE && opts != NULL && opts->time_unix_us != 0) {
        err = LFT_ERR_ARG; /* times belong to start and end */
    }
    if (err != LFT_OK) {
        lft_client_count_error(c, err);
        return err;
    }
    if (type == LFT_REC_UPDATE && opts == NULL && !first_token) {
        return LFT_OK; /* nothing to update */
    }
    lft_emit_t e;
    lft_emit_of(&e, obs, type, opts);
    e.first_token = (uint8_t)first_token;
    err = lft_emit(c, &e);
    if (type == LFT_REC_END && (err == LFT_OK || err == LFT_ERR_RING_FULL || err == LFT_ERR_TOO_LARGE)) {
        obs->state = LFT_STATE_ENDED;
    }
    return err;
}

lft_err_t lft_obs_update(lft_obs_t *obs, const lft_obs_opts_t *opts)
{
    return lft_obs_write(obs, opts, LFT_REC_UPDATE, 0);
}

lft_err_t lft_generation_first_token(lft_obs_t *obs)
{
    return lft_obs_write(obs, NULL, LFT_REC_UPDATE, 1);
}

lft_err_t lft_obs_end(lft_obs_t *obs, const lft_obs_opts_t *opts)
{
    if (opts == NULL && lft_fast_end(obs) == LFT_OK) {
        return LFT_OK;
    }
    return lft_obs_write(obs, opts, LFT_REC_END, 0);
}

lft_err_t lft_event(lft_obs_t *parent, const char *name, const lft_obs_opts_t *opts)
{
    if (opts == NULL &&
        lft_fast_new(NULL, parent, ((uint32_t)LFT_REC_EVENT << 4) | LFT_KIND_EVENT, name) == LFT_OK) {
        return LFT_OK;
    }
    if (name == NULL) {
        return lft_refuse(lft_obs_live_client(parent != NULL ? parent : lft_context_current()),
                          LFT_ERR_ARG);
    }
    lft_err_t err = lft_parent_resolve(&parent);
    if (err != LFT_OK) {
        return lft_refuse(lft_obs_live_client(parent), err);
    }
    lft_client_t *c = parent->client;
    err = lft_check_obs_opts(opts, LFT_KIND_EVENT);
    if (err != LFT_OK) {
        lft_client_count_error(c, err);
        return err;
    }
    lft_emit_t e;
    lft_emit_new(&e, c, parent, LFT_REC_EVENT, LFT_KIND_EVENT, name, opts);
    return lft_emit(c, &e);
}

/* ----------------------------------------------------------------- scores */

static lft_err_t lft_check_score(const lft_client_t *client, const lft_score_t *s)
{
    lft_err_t err;
    if (s->name == NULL || (s->target == NULL) == (s->session_id == NULL)) {
        return LFT_ERR_ARG;
    }
    if ((err = lft_check_id(s->name)) != LFT_OK || (err = lft_check_id(s->id)) != LFT_OK ||
        (err = lft_check_id(s->session_id)) != LFT_OK) {
        return err;
    }
    if (s->target != NULL) {
        if ((err = lft_obs_check(s->target)) != LFT_OK) {
            return err;
        }
        if (s->target->client != client) {
            return LFT_ERR_FOREIGN;
        }
    }
    switch (s->data_type) {
    case LFT_SCORE_UNSET: /* inferred: categorical with a string, else numeric */
        if (s->string_value != NULL ? s->string_value[0] == '\0' : !lft_finite(s->value)) {
            return LFT_ERR_ARG;
        }
        break;
    case LFT_SCORE_NUMERIC:
        if (s->string_value != NULL || !lft_finite(s->value)) {
            return LFT_ERR_ARG;
        }
        break;
    case LFT_SCORE_BOOLEAN:
        if (s->string_value != NULL ||
            !((lft_f64_bits(s->value) << 1) == 0 /* +-0.0 */ ||
              lft_f64_bits(s->value) == 0x3FF0000000000000ull /* 1.0 */)) {
            return LFT_ERR_ARG;
        }
        break;
    case LFT_SCORE_CATEGORICAL:
        if (s->string_value == NULL || s->string_value[0] == '\0') {
            return LFT_ERR_ARG;
        }
        break;
    default:
        return LFT_ERR_ARG;
    }
    return LFT_OK;
}

lft_err_t lft_score(lft_client_t *client, const lft_score_t *score)
{
    if (client == NULL) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    if (score == NULL) {
        return lft_refuse(client, LFT_ERR_ARG);
    }
    lft_err_t err = lft_check_score(client, score);
    if (err != LFT_OK) {
        lft_client_count_error(client, err);
        return err;
    }
    lft_emit_t e;
    lft_emit_new(&e, client, NULL, LFT_REC_SCORE, LFT_KIND_TRACE, NULL, score);
    if (score->target != NULL) {
        e.trace = score->target->trace_serial;
        e.by.observation = score->target->kind == LFT_KIND_TRACE ? 0u : score->target->serial;
        e.sampled_out = (score->target->flags & LFT_OBSF_SAMPLED_OUT) != 0;
    }
    return lft_emit(client, &e);
}
