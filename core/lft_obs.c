/*
 * lft_obs.c - recording traces, observations, events and scores.
 *
 * Every call: validate (outside the lock), then under the port lock
 * allocate a serial and ring space and write the record. The option structs
 * are written through tables of their fields (lft_optf_t). The record is
 * written by the same function that measures it, so a record that does not
 * fit is measured exactly and written again where room was made.
 *
 * The record path runs in interrupt handlers: frames are kept small, and
 * so is the deepest sum of them. The descriptor of a call (lft_emit_t) is in
 * the frame of the function that holds it (lft_new_general, lft_write_of,
 * lft_trace_start, lft_score), which calls the call's check (kept out of
 * its frame), then lft_check_opts, then lft_emit: side by side below the
 * descriptor, not one below another. The writer's state (lft_wr_t) is the
 * client's (lft_client_t.wr, used only under the port lock), not a frame's;
 * every string is written by one leaf (lft_wr_string), and lft_emit keeps
 * few values live across its calls (the room and the record's place are
 * the writer's).
 */
#include <stddef.h>
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
 * Writes a record at buf, room bytes writable. len counts every byte of the
 * record, written or not: once a value does not fit, nothing more is
 * written and the rest is only measured. A record is complete when len <=
 * room at the end; otherwise len is its exact length, room is made for it
 * and it is written again (rare: at the end of the buffer or when the ring
 * is full).
 */
typedef struct lft_wr lft_wr_t;
/* lft_client_t.wr:
 *   buf        the record's first byte (its header)
 *   len        bytes of the record so far
 *   room       bytes writable at buf
 *   max_text   text longer than this is cut
 *   truncated  values cut
 * It is the client's, not a local of lft_write_record: the record path
 * runs in interrupt handlers, and its frames are kept small. It is used
 * only under the port lock, which is one lock for the whole library and is
 * never nested (lft_port.h): no two calls can write with it at once. */

/* Count the next n bytes of the record: 1 when they fit (the caller writes
 * them at lft_wr_at(w, n)), 0 when they are only measured. Lengths stay far
 * below 2^32 (each value is bounded). */
LFT_ALWAYS_INLINE int lft_wr_take(lft_wr_t *w, uint32_t n)
{
    w->len += n;
    return w->len <= w->room;
}

/* Where the n bytes just taken (and fitting) go. */
LFT_ALWAYS_INLINE uint8_t *lft_wr_at(const lft_wr_t *w, uint32_t n)
{
    return w->buf + (w->len - n);
}

/* src, n bytes (inlined in lft_wr_string, whose memcpy is then a tail call). */
LFT_ALWAYS_INLINE void lft_wr_bytes(lft_wr_t *w, const void *src, uint32_t n)
{
    if (lft_wr_take(w, n)) {
        memcpy(lft_wr_at(w, n), src, n);
    }
}

/* A byte. Inlined where a frame would be added to the record path's
 * deepest leaf (lft_wr_string); called elsewhere. */
LFT_ALWAYS_INLINE void lft_wr_put8(lft_wr_t *w, uint32_t v)
{
    if (lft_wr_take(w, 1)) {
        *lft_wr_at(w, 1) = (uint8_t)v;
    }
}

static void lft_wr_u8(lft_wr_t *w, uint32_t v)
{
    lft_wr_put8(w, v);
}

/* A varint of 32 bits (lengths, serials): measured, then written. Inlined
 * like lft_wr_put8. */
LFT_ALWAYS_INLINE void lft_wr_put_v32(lft_wr_t *w, uint32_t v)
{
    uint32_t n = 1;
    for (uint32_t x = v >> 7; x != 0; x >>= 7) {
        n++;
    }
    if (lft_wr_take(w, n)) {
        (void)lft_varint_put32(lft_wr_at(w, n), v);
    }
}

static void lft_wr_v32(lft_wr_t *w, uint32_t v)
{
    lft_wr_put_v32(w, v);
}

/* A varint of 64 bits: the bytes above 32 bits first, then the 32-bit loop. */
static void lft_wr_v(lft_wr_t *w, uint64_t v)
{
    while (v > 0xFFFFFFFFu) {
        lft_wr_u8(w, ((uint32_t)v & 0x7Fu) | 0x80u);
        v >>= 7;
    }
    lft_wr_v32(w, (uint32_t)v);
}

/* The fixed-width integers of the body prefix (lft_record.h). */
static void lft_wr_u32(lft_wr_t *w, uint32_t v)
{
    if (lft_wr_take(w, 4)) {
        lft_u32_put(lft_wr_at(w, 4), v);
    }
}

static void lft_wr_i64(lft_wr_t *w, int64_t v)
{
    if (lft_wr_take(w, 8)) {
        lft_i64_put(lft_wr_at(w, 8), v);
    }
}

/* IEEE-754 little-endian. */
static void lft_wr_f64(lft_wr_t *w, double d)
{
    if (lft_wr_take(w, 8)) {
        lft_f64_put(lft_wr_at(w, 8), d);
    }
}

/* Exact strings (ids, keys; validated beforehand) are never cut. */
#define LFT_EXACT UINT32_MAX

/* lft_wr_string's how: the tag byte, or with these flags. */
#define LFT_WR_UNTAGGED 0x100u /* no tag byte (a list element's value) */
#define LFT_WR_CUT 0x200u      /* text: cut at max_text with the visible marker when
                                  longer; else exact (ids, keys; validated beforehand),
                                  never cut */

/* The string s, len bytes (LFT_NUL: NUL-terminated), after its tag byte
 * (how: LFT_WR_*), length-prefixed; nothing when s is NULL (an absent
 * field). One frame for every string: the record path's deepest leaf. */
static void lft_wr_string(lft_wr_t *w, uint32_t how, const char *s, size_t len)
{
    if (s == NULL) {
        return;
    }
    if (len == LFT_NUL) {
        len = strlen(s);
    }
    if ((how & LFT_WR_UNTAGGED) == 0) {
        lft_wr_put8(w, how & 0xFFu);
    }
    const uint32_t max = (how & LFT_WR_CUT) != 0 ? w->max_text : LFT_EXACT;
    if (len <= max) {
        lft_wr_put_v32(w, (uint32_t)len);
        lft_wr_bytes(w, s, (uint32_t)len);
        return;
    }
    const uint32_t keep = (uint32_t)lft_utf8_boundary(s, len, max - LFT_MARKER_LEN);
    lft_wr_put_v32(w, keep + LFT_MARKER_LEN);
    lft_wr_bytes(w, s, keep);
    lft_wr_bytes(w, LFT_TRUNCATION_MARKER, LFT_MARKER_LEN);
    w->truncated++;
}

/* ------------------------------------------------------- option tables */

/* How a field of an option struct is written (the checks are lft_check_fields'). */
enum {
    LFT_OP_TEXT = 1, /* const char *: text, cut at max_text; NULL: none */
    LFT_OP_ID,       /* const char *: exact (an id, an environment); NULL: none */
    LFT_OP_CONTENT,  /* lft_content_t: tag (text) or tag + 1 (valid JSON, not cut) */
    LFT_OP_TIME,     /* uint64_t Unix microseconds; 0: none */
    LFT_OP_U32,      /* uint32_t, written as a varint; 0: none */
    LFT_OP_LEVEL,    /* lft_level_t, a byte; UNSET: none */
    LFT_OP_PUBLIC,   /* lft_bool_t, a byte 0/1; UNSET: none */
    /* lists: a pointer (NULL only when the count is 0) and a size_t count;
     * every element starts with its key, written exact after the tag */
    LFT_OP_KVS,      /* lft_kv_t: tag + type - LFT_VAL_STRING, key, value */
    LFT_OP_USAGE,    /* lft_usage_t: tag, key, v count */
    LFT_OP_COST,     /* lft_cost_t: tag, key, f64 usd */
    LFT_OP_TAGS      /* const char *: tag, the string (a key) */
};

typedef struct {
    uint8_t op;    /* LFT_OP_* */
    uint8_t tag;   /* lft_field_tag_t (the first one for content and kvs) */
    uint8_t off;   /* offsetof the field */
    uint8_t count; /* lists: offsetof their count */
} lft_optf_t;

/* The offsets fit the table's bytes. */
typedef char lft_optf_offsets_fit[(sizeof(lft_obs_opts_t) <= 256u && sizeof(lft_trace_opts_t) <= 256u) ? 1 : -1];

#define LFT_F(op, tag, type, field) { (uint8_t)(op), (uint8_t)(tag), (uint8_t)offsetof(type, field), 0 }
#define LFT_L(op, tag, type, field, n) \
    { (uint8_t)(op), (uint8_t)(tag), (uint8_t)offsetof(type, field), (uint8_t)offsetof(type, n) }

/* The fields of lft_obs_opts_t in the order they are written in: their
 * entries in lft_obs_fields and their bits in the fields given (1u << i). */
enum {
    LFT_OI_INPUT, LFT_OI_OUTPUT, LFT_OI_META, LFT_OI_LEVEL, LFT_OI_STATUS, LFT_OI_VERSION,
    LFT_OI_TIME, LFT_OI_MODEL, LFT_OI_PARAMS, LFT_OI_USAGE, LFT_OI_COST, LFT_OI_CSTART,
    LFT_OI_PROMPT, LFT_OI_PVERSION
};

static const lft_optf_t lft_obs_fields[] = {
    [LFT_OI_INPUT] = LFT_F(LFT_OP_CONTENT, LFT_F_INPUT_TEXT, lft_obs_opts_t, input),
    [LFT_OI_OUTPUT] = LFT_F(LFT_OP_CONTENT, LFT_F_OUTPUT_TEXT, lft_obs_opts_t, output),
    [LFT_OI_META] = LFT_L(LFT_OP_KVS, LFT_F_META_STR, lft_obs_opts_t, metadata, metadata_count),
    [LFT_OI_LEVEL] = LFT_F(LFT_OP_LEVEL, LFT_F_LEVEL, lft_obs_opts_t, level),
    [LFT_OI_STATUS] = LFT_F(LFT_OP_TEXT, LFT_F_STATUS, lft_obs_opts_t, status_message),
    [LFT_OI_VERSION] = LFT_F(LFT_OP_TEXT, LFT_F_VERSION, lft_obs_opts_t, version),
    [LFT_OI_TIME] = LFT_F(LFT_OP_TIME, LFT_F_TIME_UNIX, lft_obs_opts_t, time_unix_us),
    [LFT_OI_MODEL] = LFT_F(LFT_OP_ID, LFT_F_MODEL, lft_obs_opts_t, model),
    [LFT_OI_PARAMS] = LFT_L(LFT_OP_KVS, LFT_F_PARAM_STR, lft_obs_opts_t, model_parameters,
                            model_parameters_count),
    [LFT_OI_USAGE] = LFT_L(LFT_OP_USAGE, LFT_F_USAGE, lft_obs_opts_t, usage, usage_count),
    [LFT_OI_COST] = LFT_L(LFT_OP_COST, LFT_F_COST, lft_obs_opts_t, cost, cost_count),
    [LFT_OI_CSTART] = LFT_F(LFT_OP_TIME, LFT_F_COMPLETION_START_UNIX, lft_obs_opts_t,
                            completion_start_unix_us),
    [LFT_OI_PROMPT] = LFT_F(LFT_OP_ID, LFT_F_PROMPT_NAME, lft_obs_opts_t, prompt_name),
    /* given exactly when prompt_name is (checked) */
    [LFT_OI_PVERSION] = LFT_F(LFT_OP_U32, LFT_F_PROMPT_VERSION, lft_obs_opts_t, prompt_version)
};

/* lft_trace_opts_t, likewise. */
enum {
    LFT_TI_NAME, LFT_TI_USER, LFT_TI_SESSION, LFT_TI_META, LFT_TI_TAGS, LFT_TI_INPUT,
    LFT_TI_OUTPUT, LFT_TI_RELEASE, LFT_TI_VERSION, LFT_TI_ENV, LFT_TI_PUBLIC, LFT_TI_TIME,
    LFT_TI_COUNT
};

static const lft_optf_t lft_trace_fields[] = {
    [LFT_TI_NAME] = LFT_F(LFT_OP_TEXT, LFT_F_NAME, lft_trace_opts_t, name),
    [LFT_TI_USER] = LFT_F(LFT_OP_ID, LFT_F_USER_ID, lft_trace_opts_t, user_id),
    [LFT_TI_SESSION] = LFT_F(LFT_OP_ID, LFT_F_SESSION_ID, lft_trace_opts_t, session_id),
    [LFT_TI_META] = LFT_L(LFT_OP_KVS, LFT_F_META_STR, lft_trace_opts_t, metadata, metadata_count),
    [LFT_TI_TAGS] = LFT_L(LFT_OP_TAGS, LFT_F_TAG, lft_trace_opts_t, tags, tags_count),
    [LFT_TI_INPUT] = LFT_F(LFT_OP_CONTENT, LFT_F_INPUT_TEXT, lft_trace_opts_t, input),
    [LFT_TI_OUTPUT] = LFT_F(LFT_OP_CONTENT, LFT_F_OUTPUT_TEXT, lft_trace_opts_t, output),
    [LFT_TI_RELEASE] = LFT_F(LFT_OP_TEXT, LFT_F_RELEASE, lft_trace_opts_t, release),
    [LFT_TI_VERSION] = LFT_F(LFT_OP_TEXT, LFT_F_VERSION, lft_trace_opts_t, version),
    [LFT_TI_ENV] = LFT_F(LFT_OP_ID, LFT_F_ENVIRONMENT, lft_trace_opts_t, environment),
    [LFT_TI_PUBLIC] = LFT_F(LFT_OP_PUBLIC, LFT_F_PUBLIC, lft_trace_opts_t, is_public),
    [LFT_TI_TIME] = LFT_F(LFT_OP_TIME, LFT_F_TIME_UNIX, lft_trace_opts_t, timestamp_unix_us)
};

/* The list of a list field at p (read with its own type). */
static const void *lft_list_ptr(const uint8_t *p, uint32_t op)
{
    switch (op) {
    case LFT_OP_KVS:
        return *(const lft_kv_t *const *)(const void *)p;
    case LFT_OP_USAGE:
        return *(const lft_usage_t *const *)(const void *)p;
    case LFT_OP_COST:
        return *(const lft_cost_t *const *)(const void *)p;
    default: /* LFT_OP_TAGS */
        return *(const char *const *const *)(const void *)p;
    }
}

/* The key of element i of a list. */
static const char *lft_list_key(const void *list, uint32_t op, size_t i)
{
    switch (op) {
    case LFT_OP_KVS:
        return ((const lft_kv_t *)list)[i].key;
    case LFT_OP_USAGE:
        return ((const lft_usage_t *)list)[i].key;
    case LFT_OP_COST:
        return ((const lft_cost_t *)list)[i].key;
    default: /* LFT_OP_TAGS */
        return ((const char *const *)list)[i];
    }
}

/* The const char * field at p. */
static const char *lft_opt_str(const uint8_t *p)
{
    return *(const char *const *)(const void *)p;
}

/* ------------------------------------------------------- field writers */

/* lft_wr_list reads each element's key as its first member. */
typedef char lft_list_keys_first[(offsetof(lft_kv_t, key) == 0 && offsetof(lft_usage_t, key) == 0 &&
                                  offsetof(lft_cost_t, key) == 0) ? 1 : -1];

/* The size of an element of a list (op LFT_OP_KVS, ...). */
static size_t lft_list_size(uint32_t op)
{
    switch (op) {
    case LFT_OP_KVS:
        return sizeof(lft_kv_t);
    case LFT_OP_USAGE:
        return sizeof(lft_usage_t);
    case LFT_OP_COST:
        return sizeof(lft_cost_t);
    default: /* LFT_OP_TAGS */
        return sizeof(const char *);
    }
}

/* The n elements of list field f. A record that is already larger than any
 * can be stops early (it is refused as too large), so len never overflows.
 * The elements are walked by address (fewer registers live across the
 * calls); each starts with its key (a const char *, or the element itself
 * for tags). */
static void lft_wr_list(lft_wr_t *w, const void *list, size_t n, const lft_optf_t *f)
{
    const uint8_t *el = list;
    const uint8_t *const end = el + n * lft_list_size(f->op);
    for (; el != end && w->len <= LFT_RECORD_MAX; el += lft_list_size(f->op)) {
        const uint32_t op = f->op;
        const lft_kv_t *const kv = (const lft_kv_t *)(const void *)el; /* when op is KVS */
        lft_wr_string(w, op == LFT_OP_KVS ? f->tag + (uint32_t)kv->type - LFT_VAL_STRING : f->tag,
                      *(const char *const *)(const void *)el, LFT_NUL);
        switch (op) {
        case LFT_OP_USAGE:
            lft_wr_v(w, ((const lft_usage_t *)(const void *)el)->count);
            break;
        case LFT_OP_COST:
            lft_wr_f64(w, ((const lft_cost_t *)(const void *)el)->usd);
            break;
        case LFT_OP_KVS:
            switch (kv->type) {
            case LFT_VAL_STRING:
                lft_wr_string(w, LFT_WR_UNTAGGED | LFT_WR_CUT, kv->v.s, LFT_NUL);
                break;
            case LFT_VAL_INT:
                lft_wr_v(w, lft_zigzag_enc(kv->v.i));
                break;
            case LFT_VAL_DOUBLE:
                lft_wr_f64(w, kv->v.d);
                break;
            case LFT_VAL_BOOL:
                lft_wr_u8(w, kv->v.b ? 1u : 0u);
                break;
            }
            break;
        default: /* LFT_OP_TAGS: the key only */
            break;
        }
    }
}

/* The fields of the (checked) option struct opts that table f describes,
 * of the entries visit has (bit i: f[i]; at least those given). */
static void lft_wr_opts(lft_wr_t *w, const void *opts, const lft_optf_t *f, uint32_t visit)
{
    const uint8_t *const base = opts;
    for (; visit != 0; visit >>= 1, f++) {
        if ((visit & 1u) == 0) {
            continue;
        }
        const uint8_t *p = base + f->off;
        uint64_t v;
        switch (f->op) {
        case LFT_OP_TEXT:
        case LFT_OP_ID:
            lft_wr_string(w, f->tag | (f->op == LFT_OP_TEXT ? LFT_WR_CUT : 0u), lft_opt_str(p), LFT_NUL);
            continue;
        case LFT_OP_CONTENT: { /* JSON that would be cut is kept as (cut) text */
            const lft_content_t *c = (const lft_content_t *)(const void *)p;
            if (c->type != LFT_CONTENT_NONE) {
                const size_t len = lft_text_len(c->ptr, c->len);
                lft_wr_string(w, (f->tag + (c->type == LFT_CONTENT_JSON && len <= w->max_text ? 1u : 0u)) |
                                     LFT_WR_CUT,
                              c->ptr, len);
            }
            continue;
        }
        case LFT_OP_TIME:
        case LFT_OP_U32:
            v = f->op == LFT_OP_TIME ? *(const uint64_t *)(const void *)p
                                     : *(const uint32_t *)(const void *)p;
            if (v != 0) {
                lft_wr_u8(w, f->tag);
                lft_wr_v(w, v);
            }
            continue;
        case LFT_OP_LEVEL:
        case LFT_OP_PUBLIC:
            v = f->op == LFT_OP_LEVEL ? (uint64_t)*(const lft_level_t *)(const void *)p
                                      : (uint64_t)*(const lft_bool_t *)(const void *)p;
            if (v != 0) { /* LFT_LEVEL_UNSET, LFT_UNSET */
                lft_wr_u8(w, f->tag);
                lft_wr_u8(w, f->op == LFT_OP_LEVEL ? (uint32_t)v : (v == LFT_TRUE ? 1u : 0u));
            }
            continue;
        default: /* lists */
            if (*(const size_t *)(const void *)(base + f->count) != 0) {
                lft_wr_list(w, lft_list_ptr(p, f->op), *(const size_t *)(const void *)(base + f->count),
                            f);
            }
            continue;
        }
    }
}

static void lft_wr_score(lft_wr_t *w, const lft_score_t *s)
{
    lft_score_type_t type = s->data_type;
    if (type == LFT_SCORE_UNSET) {
        type = s->string_value != NULL ? LFT_SCORE_CATEGORICAL : LFT_SCORE_NUMERIC;
    }
    lft_wr_string(w, LFT_F_NAME, s->name, LFT_NUL);
    lft_wr_u8(w, LFT_F_SCORE_TYPE);
    lft_wr_u8(w, (uint32_t)type);
    if (type == LFT_SCORE_CATEGORICAL) {
        lft_wr_string(w, LFT_F_SCORE_STRING | LFT_WR_CUT, s->string_value, LFT_NUL);
    } else {
        lft_wr_u8(w, LFT_F_SCORE_VALUE);
        lft_wr_f64(w, s->value);
    }
    lft_wr_string(w, LFT_F_COMMENT | LFT_WR_CUT, s->comment, LFT_NUL);
    lft_wr_string(w, LFT_F_SCORE_ID, s->id, LFT_NUL);
    lft_wr_string(w, LFT_F_SESSION_ID, s->session_id, LFT_NUL);
}

/* ------------------------------------------------------- descriptor */

/* What one recording call writes. The check functions fill it (with
 * lft_emit_new for new records); lft_emit does the rest. */
typedef struct {
    int64_t time;         /* set by lft_emit */
    lft_client_t *c;
    const char *name;     /* written first as LFT_F_NAME (text), may be NULL */
    const void *opts;     /* lft_score_t (SCORE), lft_trace_opts_t (kind TRACE) or
                             lft_obs_opts_t; may be NULL. An UPDATE without options
                             is a first token (its completion start is the time). */
    uint32_t serial;      /* 0: allocate one (lft_emit sets it) */
    union {               /* by record type */
        uint32_t parent;      /* START, EVENT; END: written when orphan */
        uint32_t seq;         /* UPDATE: set by lft_emit */
    } up;
    uint32_t trace;       /* set to the new serial by a trace's START */
    union {               /* by record type */
        uint32_t observation; /* SCORE */
        uint32_t start_hint;  /* END, UPDATE: where the START record was (lft_emit
                                 sets it to where it is when it is in the ring) */
        uint32_t pos;         /* START, after lft_emit: the record's absolute position */
    } by;
    uint8_t type;         /* lft_rec_type_t */
    uint8_t kind;
    /* bits beside type and kind: the descriptor stays 40 bytes */
    unsigned visit : 14;      /* with opts (not a score's): the entries of their table
                                 to write, bit i for entry i, at least those given
                                 (set by lft_check_fields) */
    unsigned sampled_out : 1; /* allocate ids, count, write nothing */
    unsigned orphan : 1;      /* the header's LFT_RECF_ORPHAN: an END whose START is not
                                 in the ring (set by lft_emit) */
} lft_emit_t;

/* Every table's entries have a bit in visit. */
typedef char lft_visit_fits[(LFT_OI_PVERSION < 14 && LFT_TI_COUNT <= 14) ? 1 : -1];

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

/* The n elements of a list (op LFT_OP_KVS, ...): given when n > 0, then
 * each key and its value. */
static lft_err_t lft_check_list(const void *list, size_t n, uint32_t op)
{
    if (n > 0 && list == NULL) {
        return LFT_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        const lft_err_t err = lft_check_key(lft_list_key(list, op, i));
        if (err != LFT_OK) {
            return err;
        }
        if (op == LFT_OP_USAGE) {
            if (((const lft_usage_t *)list)[i].count > (uint64_t)INT64_MAX) {
                return LFT_ERR_ARG;
            }
        } else if (op == LFT_OP_COST) {
            const double usd = ((const lft_cost_t *)list)[i].usd;
            if (!lft_finite(usd) || lft_negative(usd)) {
                return LFT_ERR_ARG;
            }
        } else if (op == LFT_OP_KVS) {
            const lft_kv_t *kv = (const lft_kv_t *)list + i;
            switch (kv->type) {
            case LFT_VAL_STRING:
                if (kv->v.s == NULL) {
                    return LFT_ERR_ARG;
                }
                break;
            case LFT_VAL_DOUBLE:
                if (!lft_finite(kv->v.d)) {
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

static lft_err_t lft_check_trace_opts(const lft_trace_opts_t *o)
{
    lft_err_t err;
    if ((err = lft_check_id(o->user_id)) != LFT_OK || (err = lft_check_id(o->session_id)) != LFT_OK ||
        (err = lft_check_content(&o->input)) != LFT_OK ||
        (err = lft_check_content(&o->output)) != LFT_OK ||
        (err = lft_check_list(o->metadata, o->metadata_count, LFT_OP_KVS)) != LFT_OK ||
        (err = lft_check_time(o->timestamp_unix_us)) != LFT_OK ||
        (err = lft_check_list(o->tags, o->tags_count, LFT_OP_TAGS)) != LFT_OK) {
        return err;
    }
    if (o->environment != NULL && !lft_environment_valid(o->environment)) {
        return LFT_ERR_ARG;
    }
    return (unsigned)o->is_public > LFT_TRUE ? LFT_ERR_ARG : LFT_OK;
}

/* Bit i when cond (field i given). */
#define LFT_GIVEN(cond, i) ((cond) ? 1u << (i) : 0u)
#define LFT_HAS(g, i) (((g) >> (i)) & 1u)

/* The fields of e's options for a record of kind: lft_trace_opts_t for
 * LFT_KIND_TRACE, else lft_obs_opts_t; NULL is fine. Sets e->visit when they
 * are: all of a trace's fields, an observation's given ones (only those are
 * checked). Inlined in lft_check_opts. */
static lft_err_t lft_check_fields(lft_emit_t *e, uint8_t kind)
{
    lft_err_t err;
    if (e->opts == NULL) {
        return LFT_OK;
    }
    if (kind == LFT_KIND_TRACE) {
        e->visit = (1u << LFT_TI_COUNT) - 1u;
        return lft_check_trace_opts(e->opts);
    }
    const lft_obs_opts_t *o = e->opts;
    /* the generation fields first: they decide the first errors */
    uint32_t g = LFT_GIVEN(o->model != NULL, LFT_OI_MODEL) |
                 LFT_GIVEN(o->model_parameters_count != 0, LFT_OI_PARAMS) |
                 LFT_GIVEN(o->usage_count != 0, LFT_OI_USAGE) |
                 LFT_GIVEN(o->cost_count != 0, LFT_OI_COST) |
                 LFT_GIVEN(o->completion_start_unix_us != 0, LFT_OI_CSTART) |
                 LFT_GIVEN(o->prompt_name != NULL, LFT_OI_PROMPT) |
                 LFT_GIVEN(o->prompt_version != 0, LFT_OI_PVERSION);
    if (g != 0 && !lft_kind_is_generation_like(kind)) {
        return LFT_ERR_KIND;
    }
    if (g >= 1u << LFT_OI_PROMPT && kind != LFT_KIND_GENERATION) { /* PROMPT, PVERSION */
        return LFT_ERR_KIND;
    }
    if (LFT_HAS(g, LFT_OI_PROMPT) != LFT_HAS(g, LFT_OI_PVERSION)) {
        return LFT_ERR_PROMPT;
    }
    if ((unsigned)o->level > LFT_LEVEL_ERROR) {
        return LFT_ERR_ARG;
    }
    g |= LFT_GIVEN(o->level != LFT_LEVEL_UNSET, LFT_OI_LEVEL) |
         LFT_GIVEN(o->status_message != NULL, LFT_OI_STATUS) |
         LFT_GIVEN(o->version != NULL, LFT_OI_VERSION);
    if (o->input.type != LFT_CONTENT_NONE) {
        g |= 1u << LFT_OI_INPUT;
        if ((err = lft_check_content(&o->input)) != LFT_OK) {
            return err;
        }
    }
    if (o->output.type != LFT_CONTENT_NONE) {
        g |= 1u << LFT_OI_OUTPUT;
        if ((err = lft_check_content(&o->output)) != LFT_OK) {
            return err;
        }
    }
    if (o->metadata_count != 0) {
        g |= 1u << LFT_OI_META;
        if ((err = lft_check_list(o->metadata, o->metadata_count, LFT_OP_KVS)) != LFT_OK) {
            return err;
        }
    }
    if ((LFT_HAS(g, LFT_OI_PARAMS) &&
         (err = lft_check_list(o->model_parameters, o->model_parameters_count, LFT_OP_KVS)) !=
             LFT_OK) ||
        (LFT_HAS(g, LFT_OI_MODEL) && (err = lft_check_id(o->model)) != LFT_OK) ||
        (LFT_HAS(g, LFT_OI_PROMPT) && (err = lft_check_id(o->prompt_name)) != LFT_OK)) {
        return err;
    }
    if (o->time_unix_us != 0) {
        g |= 1u << LFT_OI_TIME;
        if ((err = lft_check_time(o->time_unix_us)) != LFT_OK) {
            return err;
        }
    }
    if (LFT_HAS(g, LFT_OI_CSTART) && (err = lft_check_time(o->completion_start_unix_us)) != LFT_OK) {
        return err;
    }
    /* both lists given before either's elements are looked at */
    if ((LFT_HAS(g, LFT_OI_USAGE) && o->usage == NULL) || (LFT_HAS(g, LFT_OI_COST) && o->cost == NULL)) {
        return LFT_ERR_ARG;
    }
    if ((LFT_HAS(g, LFT_OI_USAGE) &&
         (err = lft_check_list(o->usage, o->usage_count, LFT_OP_USAGE)) != LFT_OK) ||
        (LFT_HAS(g, LFT_OI_COST) && (err = lft_check_list(o->cost, o->cost_count, LFT_OP_COST)) != LFT_OK)) {
        return err;
    }
    e->visit = g & 0x3FFFu;
    return LFT_OK;
}

/* ---------------------------------------------------------------- records */

/* Write e's record at buf (room bytes writable) and return its length: it
 * is complete when that is at most room (then its cut values are
 * e->c->wr.truncated). The header is lft_emit's. */
static uint32_t lft_write_record(const lft_emit_t *e, uint8_t *buf, uint32_t room)
{
    lft_wr_t *const w = &e->c->wr;
    w->buf = buf;
    w->len = LFT_REC_HDR;
    w->room = room;
    w->max_text = e->c->cfg.max_field_bytes;
    w->truncated = 0;
    /* the body prefix (lft_record.h) */
    lft_wr_u32(w, e->serial);
    if (e->type == LFT_REC_UPDATE) {
        lft_wr_u32(w, e->up.seq);
        lft_wr_u32(w, e->by.start_hint);
    } else {
        if (e->type != LFT_REC_END) { /* START, EVENT: parent, trace; SCORE: trace, observation */
            lft_wr_u32(w, e->type == LFT_REC_SCORE ? e->trace : e->up.parent);
            lft_wr_u32(w, e->type == LFT_REC_SCORE ? e->by.observation : e->trace);
        }
        lft_wr_i64(w, e->time);
        if (e->orphan) {
            lft_wr_u32(w, e->up.parent);
            lft_wr_u32(w, e->trace);
        }
    }
    lft_wr_string(w, LFT_F_NAME | LFT_WR_CUT, e->name, LFT_NUL);
    if (e->opts == NULL) {
        if (e->type == LFT_REC_UPDATE) {
            lft_wr_u8(w, LFT_F_COMPLETION_START);
            lft_wr_v(w, lft_zigzag_enc(e->time));
        }
    } else if (e->type == LFT_REC_SCORE) {
        lft_wr_score(w, e->opts);
    } else {
        lft_wr_opts(w, e->opts, e->kind == LFT_KIND_TRACE ? lft_trace_fields : lft_obs_fields,
                    e->visit);
    }
    return w->len;
}

/* The START of e's observation (an END's or UPDATE's), found from
 * e->by.start_hint, which is then set to its position; NULL when it is not
 * in the ring. Lock held. */
static uint8_t *lft_emit_find_start(lft_emit_t *e)
{
    uint8_t *const s = lft_ring_find_start(e->c, e->by.start_hint, e->serial);
    if (s != NULL) {
        e->by.start_hint = lft_ring_pos_of(e->c, s);
    }
    return s;
}

/*
 * Write one record. On success e->serial names it, and a START's position
 * is e->by.pos (an END's or UPDATE's START position e->by.start_hint). A trace
 * start may be sampled out here: e->sampled_out is then set and nothing is
 * written. Returns LFT_OK, LFT_ERR_RING_FULL or LFT_ERR_TOO_LARGE (both
 * counted here).
 *
 * The record is written once, straight into the free bytes at the head;
 * only when it does not fit there (the end of the buffer, a full ring) is
 * its exact length allocated under the drop policy and the record written
 * again. Either way it takes the place lft_ring_alloc would give it.
 */
static lft_err_t lft_emit(lft_emit_t *e)
{
    lft_client_t *const c = e->c;
    lft_err_t err = LFT_OK;
    e->time = lft_client_now(c);
    const uint32_t st = lft_port_lock();
    if (e->serial == 0) {
        e->serial = lft_client_next_serial(c);
        if (e->type == LFT_REC_START && e->kind == LFT_KIND_TRACE) {
            e->trace = e->serial;
            e->sampled_out = !lft_client_sample(c, e->serial);
        }
    }
    if (e->sampled_out) {
        c->stats.dropped_sampled++;
        lft_port_unlock(st);
        return LFT_OK;
    }
    if (e->type == LFT_REC_UPDATE) {
        e->up.seq = c->next_seq++;
    }
    uint8_t *start = NULL;
    e->orphan = 0;
    if (e->type == LFT_REC_END || e->type == LFT_REC_UPDATE) {
        start = lft_emit_find_start(e);
        e->orphan = start == NULL;
    }
    /* What stays live across the calls is kept few (the frame small): the
     * room and the record's place are the writer's (c->wr.room, .buf). */
    uint32_t len = lft_write_record(e, c->buf + c->head, lft_ring_room(c));
    if (len <= c->wr.room) {
        (void)lft_ring_commit(c, len);
    } else if (len > LFT_RECORD_MAX || len > c->cap) {
        err = LFT_ERR_TOO_LARGE;
    } else {
        const uint32_t idx = lft_ring_alloc(c, len);
        /* Allocation may have moved records (LFT_DROP_OLDEST): find the
         * START again (if it was found; it is never freed, being open)
         * before an UPDATE names its place. */
        if (start != NULL) {
            start = lft_emit_find_start(e);
        }
        if (idx != LFT_RING_NONE) {
            (void)lft_write_record(e, c->buf + idx, len);
        } else {
            err = LFT_ERR_RING_FULL;
        }
    }
    if (err == LFT_OK) {
        len = c->wr.len;
        lft_rec_hdr_put(c->wr.buf, len, ((uint32_t)e->type << 4) | (e->kind & 0x0Fu),
                        e->orphan ? LFT_RECF_ORPHAN : 0u);
        c->stats.truncated += c->wr.truncated; /* a complete record is always kept */
        c->stats.recorded++;
        c->stats.pending_records++;
        if (e->type >= LFT_REC_END) { /* END, EVENT, SCORE */
            c->stats.completed++;
        }
        if (e->type == LFT_REC_START) {
            e->by.pos = c->head_abs - len; /* the newest bytes */
        }
    } else if (err == LFT_ERR_RING_FULL) {
        c->stats.dropped_ring_full++;
    } else {
        c->stats.dropped_too_large++;
    }
    if (start != NULL && e->type == LFT_REC_END) {
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

/* The options of e's record, once the call's check has filled e (client,
 * type, kind): their fields (lft_check_fields), then the rules of the record
 * type: an UPDATE carries no time (times belong to start and end), a
 * trace's START no name (the name is the argument; opts->name renames on
 * update). An error is counted. Called by the holders of the descriptor
 * after the call's check, not from it: the deepest checks (JSON) are then
 * one frame higher. */
static lft_err_t lft_check_opts(lft_emit_t *e)
{
    lft_err_t err = lft_check_fields(e, e->kind);
    if (err == LFT_OK && e->opts != NULL) {
        if (e->kind == LFT_KIND_TRACE) {
            const lft_trace_opts_t *o = e->opts;
            if ((e->type == LFT_REC_START && o->name != NULL) ||
                (e->type == LFT_REC_UPDATE && o->timestamp_unix_us != 0)) {
                err = LFT_ERR_ARG;
            }
        } else if (e->type == LFT_REC_UPDATE && ((const lft_obs_opts_t *)e->opts)->time_unix_us != 0) {
            err = LFT_ERR_ARG;
        }
    }
    return err == LFT_OK ? LFT_OK : lft_refuse(e->c, err);
}

/* e's options checked (lft_check_opts), then its record written (lft_emit):
 * what every holder of a descriptor does once the call's check passed.
 * Inlined: the two stay side by side below the holder's frame. */
LFT_ALWAYS_INLINE lft_err_t lft_emit_checked(lft_emit_t *e)
{
    const lft_err_t err = lft_check_opts(e);
    return err == LFT_OK ? lft_emit(e) : err;
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

/* The rest of e for a new record (START, EVENT, SCORE) on client c under
 * parent (NULL: none); its type, kind, name and options are the caller's. */
static void lft_emit_new(lft_emit_t *e, lft_client_t *c, const lft_obs_t *parent)
{
    e->c = c;
    e->serial = 0;
    e->up.parent = parent != NULL ? parent->serial : 0u;
    e->trace = parent != NULL ? parent->trace_serial : 0u;
    e->by.observation = 0;
    e->sampled_out = parent != NULL && (parent->flags & LFT_OBSF_SAMPLED_OUT) != 0;
}

/* The callers of lft_emit check the call in a function of its own, kept
 * out of their frame (which holds the descriptor): it returns LFT_OK with
 * the descriptor filled, or the error, counted. The options are then
 * checked by lft_check_opts (also from the holder's frame). */

/* Start h (not NULL) from its START record e, written or sampled out;
 * LFT_OK. Kept out of the callers' frames (its arguments take stack). */
LFT_NOINLINE static lft_err_t lft_obs_started(lft_obs_t *h, const lft_emit_t *e)
{
    lft_obs_fill(h, e->c, e->kind, e->serial, e->trace, e->up.parent, e->by.pos, e->sampled_out);
    return LFT_OK;
}

/* ---------------------------------------------------------------- traces */

/* lft_trace_start's checks but the options' (lft_check_opts); e has its
 * name and options. */
LFT_NOINLINE static lft_err_t lft_trace_start_check(lft_emit_t *e, lft_client_t *client,
                                              const lft_trace_t *trace)
{
    if (client == NULL) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    if (trace == NULL || e->name == NULL || lft_obs_busy(trace)) {
        return lft_refuse(client, LFT_ERR_ARG);
    }
    lft_emit_new(e, client, NULL);
    e->type = LFT_REC_START;
    e->kind = LFT_KIND_TRACE;
    return LFT_OK;
}

lft_err_t lft_trace_start(lft_client_t *client, lft_trace_t *trace, const char *name,
                          const lft_trace_opts_t *opts)
{
    lft_emit_t e;
    e.name = name;
    e.opts = opts;
    lft_err_t err = lft_trace_start_check(&e, client, trace);
    if (err == LFT_OK) {
        err = lft_emit_checked(&e);
    }
    return err == LFT_OK ? lft_obs_started(trace, &e) : err;
}

/* lft_write_of's how: the record type (UPDATE or END), and flags. */
#define LFT_OF_TRACE 0x10u /* h is a trace (else an observation) */
#define LFT_OF_FIRST 0x20u /* the first-token UPDATE (no options) */

/* lft_write_of's checks but the options' (lft_check_opts); e has its
 * options. LFT_NOTHING: an UPDATE without anything to update. */
#define LFT_NOTHING 1
LFT_NOINLINE static int lft_write_of_check(lft_emit_t *e, const lft_obs_t *h, uint32_t how)
{
    const uint32_t type = how & 0x0Fu;
    lft_err_t err = lft_check_open(h, (how & LFT_OF_TRACE) != 0);
    if (err != LFT_OK) {
        return lft_refuse(lft_obs_live_client(h), err);
    }
    lft_client_t *c = h->client;
    /* the first token has no options: nothing is checked before this */
    if ((how & LFT_OF_FIRST) != 0 && !lft_kind_is_generation_like(h->kind)) {
        return lft_refuse(c, LFT_ERR_KIND);
    }
    if (type == LFT_REC_UPDATE && e->opts == NULL && (how & LFT_OF_FIRST) == 0) {
        return LFT_NOTHING;
    }
    e->c = c;
    e->name = NULL;
    e->serial = h->serial;
    e->up.parent = h->parent_serial;
    e->trace = h->trace_serial;
    e->by.start_hint = h->start_abs;
    e->type = (uint8_t)type;
    e->kind = h->kind;
    e->sampled_out = (h->flags & LFT_OBSF_SAMPLED_OUT) != 0;
    return LFT_OK;
}

/* An UPDATE or END record of the open trace or observation h (how:
 * LFT_OF_*). */
static lft_err_t lft_write_of(lft_obs_t *h, const void *opts, uint32_t how)
{
    lft_emit_t e;
    e.opts = opts;
    const int checked = lft_write_of_check(&e, h, how);
    if (checked != LFT_OK) {
        return checked == LFT_NOTHING ? LFT_OK : (lft_err_t)checked;
    }
    const lft_err_t err = lft_emit_checked(&e);
    if (e.type == LFT_REC_UPDATE) {
        h->start_abs = e.by.start_hint; /* where the START is now, if moved */
    }
    /* an END refused by the ring ends the handle too */
    if (e.type == LFT_REC_END &&
        (err == LFT_OK || err == LFT_ERR_RING_FULL || err == LFT_ERR_TOO_LARGE)) {
        h->state = LFT_STATE_ENDED;
    }
    return err;
}

lft_err_t lft_trace_update(lft_trace_t *trace, const lft_trace_opts_t *opts)
{
    return lft_write_of(trace, opts, LFT_REC_UPDATE | LFT_OF_TRACE);
}

lft_err_t lft_trace_end(lft_trace_t *trace, const lft_trace_opts_t *opts)
{
    return lft_write_of(trace, opts, LFT_REC_END | LFT_OF_TRACE);
}

/* ---------------------------------------------------------- observations */

/* lft_new_general's checks but the options' (lft_check_opts); e has its
 * type, kind, name and options. */
LFT_NOINLINE static lft_err_t lft_new_check(lft_emit_t *e, const lft_obs_t *obs, lft_obs_t *parent)
{
    const int start = e->type == LFT_REC_START;
    if (e->name == NULL || (start && (obs == NULL || lft_obs_busy(obs)))) {
        return lft_refuse(lft_obs_live_client(parent != NULL ? parent : lft_context_current()),
                          LFT_ERR_ARG);
    }
    lft_err_t err = lft_parent_resolve(&parent);
    if (err != LFT_OK) {
        return lft_refuse(lft_obs_live_client(parent), err);
    }
    lft_client_t *c = parent->client;
    if (start && (e->kind == LFT_KIND_TRACE || e->kind == LFT_KIND_EVENT)) {
        return lft_refuse(c, LFT_ERR_KIND);
    }
    lft_emit_new(e, c, parent);
    return LFT_OK;
}

/* A START of obs (type_kind: record type << 4 | kind; an invalid kind as
 * LFT_KIND_TRACE) or an EVENT (obs NULL) when the fast path did not take
 * the call. */
LFT_NOINLINE static lft_err_t lft_new_general(lft_obs_t *obs, lft_obs_t *parent, uint32_t type_kind,
                                              const char *name, const lft_obs_opts_t *opts)
{
    lft_emit_t e;
    e.type = (uint8_t)(type_kind >> 4);
    e.kind = (uint8_t)(type_kind & 0x0Fu);
    e.name = name;
    e.opts = opts;
    lft_err_t err = lft_new_check(&e, obs, parent);
    if (err == LFT_OK) {
        err = lft_emit_checked(&e);
    }
    return err == LFT_OK && obs != NULL ? lft_obs_started(obs, &e) : err;
}

lft_err_t lft_obs_start(lft_obs_t *obs, lft_obs_t *parent, lft_kind_t kind, const char *name,
                        const lft_obs_opts_t *opts)
{
    if (opts == NULL && (unsigned)kind < LFT_KIND_COUNT && kind != LFT_KIND_TRACE &&
        kind != LFT_KIND_EVENT &&
        lft_fast_new(obs, parent, ((uint32_t)LFT_REC_START << 4) | (uint32_t)kind, name) == LFT_OK) {
        return LFT_OK;
    }
    const uint32_t k = (unsigned)kind < LFT_KIND_COUNT ? (uint32_t)kind : LFT_KIND_TRACE;
    return lft_new_general(obs, parent, ((uint32_t)LFT_REC_START << 4) | k, name, opts);
}

lft_err_t lft_span_start(lft_obs_t *obs, lft_obs_t *parent, const char *name,
                         const lft_obs_opts_t *opts)
{
    if (opts == NULL &&
        lft_fast_new(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_SPAN, name) == LFT_OK) {
        return LFT_OK;
    }
    return lft_new_general(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_SPAN, name, opts);
}

lft_err_t lft_generation_start(lft_obs_t *obs, lft_obs_t *parent, const char *name,
                               const lft_obs_opts_t *opts)
{
    if (opts == NULL &&
        lft_fast_new(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_GENERATION, name) ==
            LFT_OK) {
        return LFT_OK;
    }
    return lft_new_general(obs, parent, ((uint32_t)LFT_REC_START << 4) | LFT_KIND_GENERATION, name,
                           opts);
}

lft_err_t lft_obs_update(lft_obs_t *obs, const lft_obs_opts_t *opts)
{
    return lft_write_of(obs, opts, LFT_REC_UPDATE);
}

lft_err_t lft_generation_first_token(lft_obs_t *obs)
{
    return lft_write_of(obs, NULL, LFT_REC_UPDATE | LFT_OF_FIRST);
}

lft_err_t lft_obs_end(lft_obs_t *obs, const lft_obs_opts_t *opts)
{
    if (opts == NULL && lft_fast_end(obs) == LFT_OK) {
        return LFT_OK;
    }
    return lft_write_of(obs, opts, LFT_REC_END);
}

lft_err_t lft_event(lft_obs_t *parent, const char *name, const lft_obs_opts_t *opts)
{
    if (opts == NULL &&
        lft_fast_new(NULL, parent, ((uint32_t)LFT_REC_EVENT << 4) | LFT_KIND_EVENT, name) == LFT_OK) {
        return LFT_OK;
    }
    return lft_new_general(NULL, parent, ((uint32_t)LFT_REC_EVENT << 4) | LFT_KIND_EVENT, name, opts);
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

/* lft_score's checks; e has its options (the score). */
LFT_NOINLINE static lft_err_t lft_score_check(lft_emit_t *e, lft_client_t *client)
{
    const lft_score_t *score = e->opts;
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
        return lft_refuse(client, err);
    }
    lft_emit_new(e, client, NULL);
    e->name = NULL;
    e->type = LFT_REC_SCORE;
    e->kind = LFT_KIND_TRACE;
    if (score->target != NULL) {
        e->trace = score->target->trace_serial;
        e->by.observation = score->target->kind == LFT_KIND_TRACE ? 0u : score->target->serial;
        e->sampled_out = (score->target->flags & LFT_OBSF_SAMPLED_OUT) != 0;
    }
    return LFT_OK;
}

lft_err_t lft_score(lft_client_t *client, const lft_score_t *score)
{
    lft_emit_t e;
    e.opts = score;
    const lft_err_t err = lft_score_check(&e, client);
    return err == LFT_OK ? lft_emit(&e) : err;
}
