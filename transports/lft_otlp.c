/*
 * lft_otlp.c - OTLP protobuf and JSON encoding of recorded observations
 * (see lft_otlp.h).
 *
 * Nested protobuf messages need their length before their bytes. Each
 * message is produced by one function that writes to a sink; its length is
 * found by running the same function on a counting sink first (on a counting
 * sink a nested message is only counted once). Nothing is buffered beyond
 * the sink's scratch.
 */
#include "lft_otlp.h"

#include <stddef.h>
#include <string.h>

#include "lft_jsonw.h"

/* ------------------------------------------------------------ sources */

/* The records whose fields describe one observation are an lft_obsview_t
 * (START, UPDATEs by sequence number, END; later fields win). */

/* ------------------------------------------------------- protobuf output */

static void lft_pb_varint(lft_sink_t *s, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80u) {
        b[n++] = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    lft_sink_put(s, b, n);
}

static void lft_pb_tag(lft_sink_t *s, unsigned field, unsigned wire)
{
    lft_pb_varint(s, ((uint64_t)field << 3) | wire);
}

static void lft_pb_fixed64(lft_sink_t *s, unsigned field, uint64_t v)
{
    uint8_t b[8];
    for (unsigned i = 0; i < 8u; i++) {
        b[i] = (uint8_t)(v >> (8u * i));
    }
    lft_pb_tag(s, field, 1u);
    lft_sink_put(s, b, 8u);
}

static void lft_pb_bytes(lft_sink_t *s, unsigned field, const void *p, size_t n)
{
    lft_pb_tag(s, field, 2u);
    lft_pb_varint(s, n);
    lft_sink_put(s, p, n);
}

typedef void (*lft_pb_fn)(lft_sink_t *s, const void *ctx);

/* Account for n bytes on a counting sink without producing them (same limit
 * rule as lft_sink_put). */
static void lft_sink_count_only(lft_sink_t *s, uint64_t n)
{
    if (s->err != 0) {
        return;
    }
    if (s->limit != 0 && s->total + n > s->limit) {
        s->err = LFT_SINK_ERR_LIMIT;
        return;
    }
    s->total += n;
}

/* A length-delimited submessage produced by fn. Its length comes from running
 * fn on a counting sink; a counting sink then only adds that length, so a
 * counting pass visits every nested message once (not once per level). */
static void lft_pb_message(lft_sink_t *s, unsigned field, lft_pb_fn fn, const void *ctx)
{
    lft_sink_t count;
    lft_sink_init_count(&count);
    fn(&count, ctx);
    lft_pb_tag(s, field, 2u);
    lft_pb_varint(s, count.total);
    if (s->buf == NULL) {
        lft_sink_count_only(s, count.total);
    } else {
        fn(s, ctx);
    }
}

/* --------------------------------------------------------- attributes */

/* One attribute: key = prefix + key, value per type. */
typedef enum {
    LFT_AV_STRING,      /* s, n: UTF-8 text */
    LFT_AV_JSON_TEXT,   /* s, n: text exported as a JSON string literal */
    LFT_AV_RAW,         /* s, n: already JSON (validated when recorded) */
    LFT_AV_INT,
    LFT_AV_DOUBLE,
    LFT_AV_BOOL,
    LFT_AV_JSON_MAP,    /* JSON object of the winning fields of class map_tag */
    LFT_AV_TAGS,        /* array of the trace's tags */
    LFT_AV_ISO_TIME     /* u: Unix microseconds */
} lft_av_type_t;

typedef struct {
    const char *prefix;
    const char *key;
    size_t key_len;
    lft_av_type_t type;
    const char *s;
    size_t n;
    int64_t i;
    uint64_t u;
    double d;
    const lft_obsview_t *src;
    lft_field_tag_t map_tag;
} lft_attr_t;

static void lft_json_map(lft_sink_t *s, const lft_obsview_t *src, lft_field_tag_t tag)
{
    int first = 1;
    lft_sink_byte(s, '{');
    lft_obsview_iter_t it;
    lft_field_t f;
    lft_obsview_iter_init(&it, src);
    while (lft_obsview_next(&it, lft_obsview_class(tag), &f) == 1) {
        if (!first) {
            lft_sink_byte(s, ',');
        }
        first = 0;
        lft_jsonw_string(s, f.key, f.key_len);
        lft_sink_byte(s, ':');
        switch (f.tag) {
        case LFT_F_USAGE:
            lft_jsonw_u64(s, f.u);
            break;
        case LFT_F_COST:
        case LFT_F_PARAM_DOUBLE:
            lft_jsonw_double(s, f.d);
            break;
        case LFT_F_PARAM_INT:
            lft_jsonw_i64(s, f.i);
            break;
        case LFT_F_PARAM_BOOL:
            lft_jsonw_raw(s, f.i ? "true" : "false");
            break;
        default:
            lft_jsonw_string(s, f.str, f.str_len);
            break;
        }
    }
    lft_sink_byte(s, '}');
}

static void lft_anyvalue(lft_sink_t *s, const void *ctx);

static void lft_tags_array(lft_sink_t *s, const void *ctx)
{
    const lft_obsview_t *src = ((const lft_attr_t *)ctx)->src;
    for (size_t i = 0; i < src->n; i++) {
        lft_field_iter_t it;
        lft_field_t f;
        lft_field_iter_init(&it, &src->rec[i]);
        while (lft_field_next(&it, &f) == 1) {
            if (f.tag == LFT_F_TAG) {
                lft_attr_t one;
                memset(&one, 0, sizeof one);
                one.type = LFT_AV_STRING;
                one.s = f.str;
                one.n = f.str_len;
                lft_pb_message(s, 1u, lft_anyvalue, &one); /* ArrayValue.values */
            }
        }
    }
}

/* String contents of a value that is sent as an AnyValue string_value. */
static void lft_string_payload(lft_sink_t *s, const void *ctx)
{
    const lft_attr_t *a = ctx;
    char iso[28];
    switch (a->type) {
    case LFT_AV_JSON_TEXT:
        lft_jsonw_string(s, a->s, a->n);
        break;
    case LFT_AV_JSON_MAP:
        lft_json_map(s, a->src, a->map_tag);
        break;
    case LFT_AV_ISO_TIME:
        lft_otlp_iso8601(a->u, iso);
        lft_sink_put(s, iso, 27u);
        break;
    default:
        lft_sink_put_utf8(s, a->s, a->n);
        break;
    }
}

static void lft_anyvalue(lft_sink_t *s, const void *ctx)
{
    const lft_attr_t *a = ctx;
    switch (a->type) {
    case LFT_AV_INT:
        lft_pb_tag(s, 3u, 0u);
        lft_pb_varint(s, (uint64_t)a->i);
        break;
    case LFT_AV_DOUBLE: {
        uint64_t u;
        memcpy(&u, &a->d, sizeof u);
        lft_pb_fixed64(s, 4u, u);
        break;
    }
    case LFT_AV_BOOL:
        lft_pb_tag(s, 2u, 0u);
        lft_pb_varint(s, a->i ? 1u : 0u);
        break;
    case LFT_AV_TAGS:
        lft_pb_message(s, 5u, lft_tags_array, a);
        break;
    default:
        lft_pb_message(s, 1u, lft_string_payload, a); /* string_value */
        break;
    }
}

/* Bytes of v as a varint. */
static uint64_t lft_pb_varint_len(uint64_t v)
{
    uint64_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

static void lft_keyvalue(lft_sink_t *s, const void *ctx)
{
    const lft_attr_t *a = ctx;
    size_t plen = a->prefix != NULL ? strlen(a->prefix) : 0u;
    lft_pb_tag(s, 1u, 2u);
    lft_pb_varint(s, plen + a->key_len);
    lft_sink_put(s, a->prefix, plen);
    lft_sink_put(s, a->key, a->key_len);
    if (a->type == LFT_AV_INT || a->type == LFT_AV_DOUBLE || a->type == LFT_AV_BOOL ||
        a->type == LFT_AV_TAGS) {
        lft_pb_message(s, 2u, lft_anyvalue, a);
        return;
    }
    /* A string: AnyValue{string_value}, both lengths from one count of the
     * text (the common case, so the text is not counted once per level). */
    lft_sink_t count;
    lft_sink_init_count(&count);
    lft_string_payload(&count, a);
    lft_pb_tag(s, 2u, 2u);
    lft_pb_varint(s, 1u + lft_pb_varint_len(count.total) + count.total);
    lft_pb_tag(s, 1u, 2u);
    lft_pb_varint(s, count.total);
    if (s->buf == NULL) {
        lft_sink_count_only(s, count.total);
    } else {
        lft_string_payload(s, a);
    }
}

/* Where attributes go: a protobuf repeated KeyValue field, or (json_attr
 * set, by lft_otlp_encode_json only, so that a protobuf-only firmware links
 * none of the JSON attribute code) a JSON array. */
typedef struct lft_attrs lft_attrs_t;
typedef void (*lft_json_attr_fn)(lft_attrs_t *out, const lft_attr_t *a);
struct lft_attrs {
    lft_sink_t *s;
    unsigned field; /* protobuf: Span.attributes = 9, Resource.attributes = 1 */
    lft_json_attr_fn json_attr; /* NULL: protobuf */
    unsigned count;
};

static void lft_attr(lft_attrs_t *out, const lft_attr_t *a)
{
    if (out->json_attr != NULL) {
        out->json_attr(out, a);
        return;
    }
    lft_pb_message(out->s, out->field, lft_keyvalue, a);
}

/* Key prefixes of the fixed attribute keys (one copy of each in flash). */
static const char lft_p_obs[] = "langfuse.observation.";
static const char lft_p_trace[] = "langfuse.trace.";

/* lft_attr_str's n for a NUL-terminated v. */
#define LFT_CSTR ((size_t)-1)

/* A string attribute prefix + key (prefix may be NULL) = v[0..n), or the
 * NUL-terminated v when n is LFT_CSTR. */
static void lft_attr_str(lft_attrs_t *out, const char *prefix, const char *key, const char *v,
                         size_t n)
{
    lft_attr_t a;
    memset(&a, 0, sizeof a);
    a.prefix = prefix;
    a.key = key;
    a.key_len = strlen(key);
    a.type = LFT_AV_STRING;
    a.s = v;
    a.n = n != LFT_CSTR ? n : strlen(v);
    lft_attr(out, &a);
}

/* An attribute prefix + key (prefix may be NULL) of type LFT_AV_INT or
 * LFT_AV_BOOL with value i. */
static void lft_attr_num(lft_attrs_t *out, const char *prefix, const char *key, lft_av_type_t type,
                         int64_t i)
{
    lft_attr_t a;
    memset(&a, 0, sizeof a);
    a.prefix = prefix;
    a.key = key;
    a.key_len = strlen(key);
    a.type = type;
    a.i = i;
    lft_attr(out, &a);
}

/* --------------------------------------------------------------- spans */

/* The span being encoded; its records are in the caller's scratch (whose
 * trace cache every encode call clears). */
typedef struct {
    const lft_otlp_batch_t *batch;
    const lft_otlp_item_t *item;
    lft_otlp_scratch_t *s;
    uint64_t start_us;
    uint64_t end_us;
} lft_span_ctx_t;

/* Does text (p, n) equal the C string str (which may be NULL)? */
static int lft_str_eq(const char *p, size_t n, const char *str)
{
    return str != NULL && strlen(str) == n && memcmp(p, str, n) == 0;
}

/* Is the observation's final level ERROR? */
static int lft_is_error(const lft_obsview_t *src)
{
    lft_field_t f;
    return lft_obsview_get(src, LFT_F_LEVEL, &f) && f.i == LFT_LEVEL_ERROR;
}

/* The OTel GenAI attribute of a usage key (Langfuse maps these three back to
 * input / output / total), NULL for any other key. */
static const char *lft_usage_attr(const lft_field_t *f)
{
    static const char *const map[3][2] = {
        { "input", "gen_ai.usage.input_tokens" },
        { "output", "gen_ai.usage.output_tokens" },
        { "total", "gen_ai.usage.total_tokens" },
    };
    for (size_t i = 0; i < 3u; i++) {
        if (lft_str_eq(f->key, f->key_len, map[i][0])) {
            return map[i][1];
        }
    }
    return NULL;
}

/* Is the usage key "total" equal to the sum of the other usage keys? Langfuse
 * fills in exactly that sum when total is missing. */
static int lft_total_is_sum(const lft_obsview_t *src)
{
    uint64_t sum = 0, total = 0;
    int others = 0, have_total = 0;
    lft_obsview_iter_t it;
    lft_field_t f;
    lft_obsview_iter_init(&it, src);
    while (lft_obsview_next(&it, LFT_F_USAGE, &f) == 1) {
        if (lft_str_eq(f.key, f.key_len, "total")) {
            total = f.u;
            have_total = 1;
        } else {
            sum += f.u;
            others = 1;
        }
    }
    return have_total && others && sum == total;
}

/* Observation attributes from its own records (keys per PROTOCOL.md 3.2). */
static void lft_obs_attrs(lft_attrs_t *out, const lft_span_ctx_t *sc, int is_trace_root)
{
    const lft_obsview_t *src = &sc->s->obs;
    const lft_client_t *c = sc->batch->client;
    int other_usage = 0, have_cost = 0, have_params = 0;
    lft_obsview_iter_t it;
    lft_field_t f;
    lft_obsview_iter_init(&it, src);
    while (lft_obsview_next(&it, (lft_field_tag_t)0, &f) == 1) {
        lft_attr_t a;
        memset(&a, 0, sizeof a);
        a.s = f.str;
        a.n = f.str_len;
        a.type = LFT_AV_STRING;
        switch (f.tag) {
        case LFT_F_INPUT_TEXT:
        case LFT_F_INPUT_JSON:
        case LFT_F_OUTPUT_TEXT:
        case LFT_F_OUTPUT_JSON: {
            int input = f.tag == LFT_F_INPUT_TEXT || f.tag == LFT_F_INPUT_JSON;
            a.type = (f.tag == LFT_F_INPUT_JSON || f.tag == LFT_F_OUTPUT_JSON) ? LFT_AV_RAW
                                                                              : LFT_AV_JSON_TEXT;
            a.prefix = lft_p_obs;
            a.key = input ? "input" : "output";
            a.key_len = strlen(a.key);
            lft_attr(out, &a);
            if (is_trace_root) {
                a.prefix = lft_p_trace;
                lft_attr(out, &a);
            }
            break;
        }
        case LFT_F_META_STR:
        case LFT_F_META_INT:
        case LFT_F_META_DOUBLE:
        case LFT_F_META_BOOL:
            if (is_trace_root) {
                break; /* trace metadata goes out as langfuse.trace.metadata.* */
            }
            a.prefix = "langfuse.observation.metadata.";
            a.key = f.key;
            a.key_len = f.key_len;
            a.type = f.tag == LFT_F_META_INT      ? LFT_AV_INT
                     : f.tag == LFT_F_META_DOUBLE ? LFT_AV_DOUBLE
                     : f.tag == LFT_F_META_BOOL   ? LFT_AV_BOOL
                                                  : LFT_AV_STRING;
            a.i = f.i;
            a.d = f.d;
            lft_attr(out, &a);
            break;
        case LFT_F_LEVEL:
            /* compact: DEFAULT is Langfuse's default; ERROR travels as status code 2 */
            if (!LFT_OTLP_COMPACT || f.i == LFT_LEVEL_DEBUG || f.i == LFT_LEVEL_WARNING) {
                lft_attr_str(out, lft_p_obs, "level", lft_level_name((lft_level_t)f.i), LFT_CSTR);
            }
            break;
        case LFT_F_STATUS:
            if (!LFT_OTLP_COMPACT || !lft_is_error(src)) { /* else status.message has it */
                lft_attr_str(out, lft_p_obs, "status_message", f.str, f.str_len);
            }
            break;
        case LFT_F_VERSION:
            if (!is_trace_root) {
                lft_attr_str(out, NULL, "langfuse.version", f.str, f.str_len);
            }
            break;
        case LFT_F_MODEL:
            /* Langfuse also takes the model from gen_ai.request.model, as
             * other OTel backends do (compact: only from there) */
            if (!LFT_OTLP_COMPACT) {
                lft_attr_str(out, lft_p_obs, "model.name", f.str, f.str_len);
            }
            lft_attr_str(out, NULL, "gen_ai.request.model", f.str, f.str_len);
            break;
        case LFT_F_PARAM_STR:
        case LFT_F_PARAM_INT:
        case LFT_F_PARAM_DOUBLE:
        case LFT_F_PARAM_BOOL:
            have_params = 1;
            break;
        case LFT_F_USAGE: {
            const char *key = lft_usage_attr(&f);
            if (key == NULL || !LFT_OTLP_COMPACT) {
                other_usage = 1;
            }
            if (key == NULL) {
            } else if (!lft_str_eq(f.key, f.key_len, "total") || !lft_total_is_sum(src)) {
                lft_attr_num(out, NULL, key, LFT_AV_INT, f.i);
            }
            break;
        }
        case LFT_F_COST:
            have_cost = 1;
            break;
        case LFT_F_COMPLETION_START:
        case LFT_F_COMPLETION_START_UNIX: {
            uint64_t us = f.u;
            if (f.tag == LFT_F_COMPLETION_START &&
                lft_time_to_unix_us(c, f.i, &us) != LFT_OK) {
                break;
            }
            a.prefix = lft_p_obs;
            a.key = "completion_start_time";
            a.key_len = strlen(a.key);
            a.type = LFT_AV_ISO_TIME;
            a.u = us;
            lft_attr(out, &a);
            break;
        }
        case LFT_F_PROMPT_NAME:
            lft_attr_str(out, lft_p_obs, "prompt.name", f.str, f.str_len);
            break;
        case LFT_F_PROMPT_VERSION:
            lft_attr_num(out, lft_p_obs, "prompt.version", LFT_AV_INT, f.i);
            break;
        default:
            break; /* trace fields, names and times are handled elsewhere */
        }
    }
    /* usage_details (every key): always, or (compact) only when gen_ai.usage.*
     * cannot say it all; Langfuse reads it before gen_ai.usage.* */
    static const struct {
        const char *key;
        lft_field_tag_t tag;
    } maps[] = {
        { "model.parameters", LFT_F_PARAM_STR },
        { "usage_details", LFT_F_USAGE },
        { "cost_details", LFT_F_COST },
    };
    int have[3] = { have_params, other_usage, have_cost };
    for (size_t m = 0; m < 3u; m++) {
        if (have[m]) {
            lft_attr_t a;
            memset(&a, 0, sizeof a);
            a.prefix = lft_p_obs;
            a.key = maps[m].key;
            a.key_len = strlen(a.key);
            a.type = LFT_AV_JSON_MAP;
            a.src = src;
            a.map_tag = maps[m].tag;
            lft_attr(out, &a);
        }
    }
}

/* Trace attributes of a span of the trace. */
static void lft_trace_attrs(lft_attrs_t *out, const lft_span_ctx_t *sc, int is_root)
{
    const lft_obsview_t *src = &sc->s->trace;
    const lft_config_t *cfg = &sc->batch->client->cfg;
    lft_field_t f;
    /* Per observation in Langfuse, so on every span. The client's release and
     * environment are on the resource too; compact: only a trace that
     * overrides them says so on its spans. */
    if (lft_obsview_get(src, LFT_F_RELEASE, &f)) {
        if (!LFT_OTLP_COMPACT || !lft_str_eq(f.str, f.str_len, cfg->release)) {
            lft_attr_str(out, NULL, "langfuse.release", f.str, f.str_len);
        }
    } else if (!LFT_OTLP_COMPACT && cfg->release != NULL) {
        lft_attr_str(out, NULL, "langfuse.release", cfg->release, LFT_CSTR);
    }
    const char *env = cfg->environment != NULL ? cfg->environment : "default";
    if (lft_obsview_get(src, LFT_F_ENVIRONMENT, &f)) {
        if (!LFT_OTLP_COMPACT || !lft_str_eq(f.str, f.str_len, env)) {
            lft_attr_str(out, NULL, "langfuse.environment", f.str, f.str_len);
        }
    } else if (!LFT_OTLP_COMPACT) {
        lft_attr_str(out, NULL, "langfuse.environment", env, LFT_CSTR);
    }
    if (is_root || !lft_obsview_get(&sc->s->obs, LFT_F_VERSION, &f)) { /* else the span's own */
        if (lft_obsview_get(src, LFT_F_VERSION, &f)) {
            lft_attr_str(out, NULL, "langfuse.version", f.str, f.str_len);
        } else if (cfg->version != NULL) {
            lft_attr_str(out, NULL, "langfuse.version", cfg->version, LFT_CSTR);
        }
    }
    if (!is_root && LFT_OTLP_COMPACT) {
        return;
    }
    if (lft_obsview_get(src, LFT_F_NAME, &f)) {
        lft_attr_str(out, lft_p_trace, "name", f.str, f.str_len);
    }
    if (lft_obsview_get(src, LFT_F_USER_ID, &f)) {
        lft_attr_str(out, NULL, "user.id", f.str, f.str_len);
    }
    if (lft_obsview_get(src, LFT_F_SESSION_ID, &f)) {
        lft_attr_str(out, NULL, "session.id", f.str, f.str_len);
    }
    if (lft_obsview_get(src, LFT_F_PUBLIC, &f)) {
        lft_attr_num(out, lft_p_trace, "public", LFT_AV_BOOL, f.i);
    }
    lft_obsview_iter_t it;
    lft_obsview_iter_init(&it, src);
    while (lft_obsview_next(&it, LFT_F_META_STR, &f) == 1) {
        lft_attr_t a;
        memset(&a, 0, sizeof a);
        a.prefix = "langfuse.trace.metadata.";
        a.key = f.key;
        a.key_len = f.key_len;
        a.type = f.tag == LFT_F_META_INT      ? LFT_AV_INT
                 : f.tag == LFT_F_META_DOUBLE ? LFT_AV_DOUBLE
                 : f.tag == LFT_F_META_BOOL   ? LFT_AV_BOOL
                                              : LFT_AV_STRING;
        a.s = f.str;
        a.n = f.str_len;
        a.i = f.i;
        a.d = f.d;
        lft_attr(out, &a);
    }
    if (lft_obsview_get(src, LFT_F_TAG, &f)) {
        lft_attr_t a;
        memset(&a, 0, sizeof a);
        a.prefix = lft_p_trace;
        a.key = "tags";
        a.key_len = strlen(a.key);
        a.type = LFT_AV_TAGS;
        a.src = src;
        lft_attr(out, &a);
    }
}

/* Every attribute of the span (protobuf Span.attributes or the JSON array). */
static void lft_span_attrs(lft_attrs_t *out, const lft_span_ctx_t *sc)
{
    int is_root = sc->item->kind == LFT_KIND_TRACE;
    /* the trace's root observation is a span; compact: span is Langfuse's default */
    const char *type = is_root ? "span" : lft_kind_name((lft_kind_t)sc->item->kind);
    if (!LFT_OTLP_COMPACT || !lft_str_eq("span", 4u, type)) {
        lft_attr_str(out, lft_p_obs, "type", type, LFT_CSTR);
    }
    lft_obs_attrs(out, sc, is_root);
    lft_trace_attrs(out, sc, is_root);
}

static void lft_status(lft_sink_t *s, const void *ctx)
{
    const lft_obsview_t *src = ctx;
    lft_field_t f;
    if (lft_obsview_get(src, LFT_F_STATUS, &f)) {
        lft_pb_tag(s, 2u, 2u);
        lft_pb_varint(s, f.str_len);
        lft_sink_put_utf8(s, f.str, f.str_len);
    }
    lft_pb_tag(s, 3u, 0u);
    lft_pb_varint(s, 2u); /* STATUS_CODE_ERROR */
}

static void lft_span(lft_sink_t *s, const void *ctx)
{
    const lft_span_ctx_t *sc = ctx;
    const lft_otlp_item_t *item = sc->item;
    const lft_client_t *c = sc->batch->client;
    uint8_t tid[16], sid[8], pid[8];
    lft_field_t f;
    int is_root = item->kind == LFT_KIND_TRACE;

    (void)lft_client_trace_id(c, item->trace, tid);
    (void)lft_client_span_id(c, item->serial, sid);
    lft_pb_bytes(s, 1u, tid, 16u);
    lft_pb_bytes(s, 2u, sid, 8u);
    if (item->parent != 0 && lft_client_span_id(c, item->parent, pid) == LFT_OK) {
        lft_pb_bytes(s, 4u, pid, 8u);
    }
    const lft_obsview_t *names = is_root ? &sc->s->trace : &sc->s->obs;
    if (lft_obsview_get(names, LFT_F_NAME, &f)) {
        lft_pb_tag(s, 5u, 2u);
        lft_pb_varint(s, f.str_len);
        lft_sink_put_utf8(s, f.str, f.str_len);
    }
    lft_pb_tag(s, 6u, 0u);
    lft_pb_varint(s, 1u); /* SPAN_KIND_INTERNAL */
    lft_pb_fixed64(s, 7u, sc->start_us * 1000u);
    lft_pb_fixed64(s, 8u, sc->end_us * 1000u);
    lft_attrs_t out = { s, 9u, NULL, 0 };
    lft_span_attrs(&out, sc);
    if (lft_is_error(&sc->s->obs)) {
        lft_pb_message(s, 15u, lft_status, &sc->s->obs);
    }
}

/* ------------------------------------------------------ request layout */

typedef struct {
    const lft_otlp_batch_t *batch;
    lft_span_ctx_t *span;     /* the span being encoded (its records in the scratch) */
    uint64_t *scope_spans_len; /* protobuf: found by the counting pass, used when writing */
    lft_json_attr_fn json_attr; /* lft_attrs_t.json_attr */
} lft_req_ctx_t;

/* Records and times of item: its START, UPDATEs and END, or its EVENT. */
static void lft_item_sources(const lft_otlp_batch_t *b, const lft_otlp_item_t *item,
                             lft_obsview_t *src, uint64_t *start_us, uint64_t *end_us)
{
    lft_record_t rec;
    src->n = 0;
    *start_us = 0;
    *end_us = 0;
    if (lft_reader_at(b->reader, item->pos, &rec) != LFT_OK) {
        return;
    }
    if (rec.type == LFT_REC_EVENT) {
        src->rec[0] = rec;
        src->n = 1;
        *start_us = *end_us = lft_obsview_time_unix(b->client, &rec);
        return;
    }
    int ended = rec.type == LFT_REC_END;
    int got_start =
        lft_obsview_build(src, b->reader, item->serial, item->has_start, item->start_pos, ended);
    if (got_start) {
        *start_us = lft_obsview_time_unix(b->client, &src->rec[0]);
    }
    *end_us = ended ? lft_obsview_time_unix(b->client, &rec) : *start_us;
    if (!got_start) {
        *start_us = *end_us;
    }
}

/* The trace's records for a child item: the trace's own item when the batch
 * holds it (START, UPDATEs and END, as on the root span), else its START and
 * UPDATEs. Kept for the next items of the same trace. */
static void lft_trace_sources(const lft_otlp_batch_t *b, const lft_otlp_item_t *item,
                              lft_span_ctx_t *sc)
{
    uint64_t start_us, end_us;
    if (sc->s->trace_valid && sc->s->trace_serial == item->trace) {
        return;
    }
    sc->s->trace_valid = 1;
    sc->s->trace_serial = item->trace;
    for (size_t j = 0; j < b->count; j++) {
        if (b->items[j].kind == LFT_KIND_TRACE && b->items[j].serial == item->trace) {
            lft_item_sources(b, &b->items[j], &sc->s->trace, &start_us, &end_us);
            return;
        }
    }
    (void)lft_obsview_build(&sc->s->trace, b->reader, item->trace, item->has_trace,
                            item->trace_pos, 0);
}

static void lft_prepare_span(const lft_otlp_batch_t *b, const lft_otlp_item_t *item,
                             lft_span_ctx_t *sc)
{
    sc->batch = b;
    sc->item = item;
    lft_item_sources(b, item, &sc->s->obs, &sc->start_us, &sc->end_us);
    if (item->kind == LFT_KIND_TRACE) {
        sc->s->trace = sc->s->obs;
        sc->s->trace_serial = item->serial;
        sc->s->trace_valid = 1;
    } else {
        lft_trace_sources(b, item, sc);
    }
}

static void lft_scope(lft_sink_t *s, const void *ctx)
{
    (void)ctx;
    lft_pb_bytes(s, 1u, "lftrace", 7u);
    lft_pb_bytes(s, 2u, LFTRACE_VERSION, strlen(LFTRACE_VERSION));
}

static void lft_scope_spans(lft_sink_t *s, const void *ctx)
{
    const lft_req_ctx_t *rc = ctx;
    lft_pb_message(s, 1u, lft_scope, NULL);
    for (size_t i = 0; i < rc->batch->count; i++) {
        if (!lft_otlp_item_exportable(&rc->batch->items[i])) {
            continue;
        }
        lft_prepare_span(rc->batch, &rc->batch->items[i], rc->span);
        lft_pb_message(s, 2u, lft_span, rc->span);
    }
}

/* The delivery counters of lft_otlp_diag_t in field order: their offsets,
 * and their keys after "lftrace." (the first LFT_DIAG_DROPPED after
 * "lftrace.dropped."), NUL-separated. */
#define LFT_DIAG_COUNT 10u
#define LFT_DIAG_DROPPED 7u
static const uint8_t lft_diag_offsets[LFT_DIAG_COUNT] = {
    offsetof(lft_otlp_diag_t, dropped_ring_full),   offsetof(lft_otlp_diag_t, dropped_too_large),
    offsetof(lft_otlp_diag_t, dropped_invalid),     offsetof(lft_otlp_diag_t, dropped_sampled),
    offsetof(lft_otlp_diag_t, dropped_overwritten), offsetof(lft_otlp_diag_t, dropped_rejected),
    offsetof(lft_otlp_diag_t, dropped_retries_exhausted), offsetof(lft_otlp_diag_t, partial_rejected),
    offsetof(lft_otlp_diag_t, truncated),           offsetof(lft_otlp_diag_t, retries),
};
/* Every field of lft_otlp_diag_t is a uint32_t in the table. */
typedef char lft_diag_fields_listed[sizeof(lft_otlp_diag_t) == LFT_DIAG_COUNT * sizeof(uint32_t) ? 1 : -1];
static const char lft_diag_keys[] = "ring_full\0too_large\0invalid\0sampled\0overwritten\0rejected\0"
                                    "retries_exhausted\0partial_rejected\0truncated\0retries";

/* Each non-zero delivery counter of d as an int attribute. */
static void lft_diag_attrs(lft_attrs_t *out, const lft_otlp_diag_t *d)
{
    const char *key = lft_diag_keys;
    for (unsigned i = 0; i < LFT_DIAG_COUNT; i++) {
        uint32_t v;
        memcpy(&v, (const uint8_t *)d + lft_diag_offsets[i], sizeof v);
        if (v != 0) {
            lft_attr_num(out, i < LFT_DIAG_DROPPED ? "lftrace.dropped." : "lftrace.", key, LFT_AV_INT,
                         (int64_t)v);
        }
        key += strlen(key) + 1u;
    }
}

static void lft_resource(lft_sink_t *s, const void *ctx)
{
    const lft_req_ctx_t *rc = ctx;
    const lft_config_t *cfg = &rc->batch->client->cfg;
    const lft_otlp_diag_t *d = rc->batch->diag;
    lft_attrs_t attrs = { s, 1u, rc->json_attr, 0 };
    lft_attrs_t *out = &attrs;
    lft_attr_str(out, NULL, "service.name", cfg->service_name, LFT_CSTR);
    if (cfg->service_version != NULL) {
        lft_attr_str(out, NULL, "service.version", cfg->service_version, LFT_CSTR);
    }
    if (cfg->device_id != NULL) {
        lft_attr_str(out, NULL, "device.id", cfg->device_id, LFT_CSTR);
    }
    lft_attr_str(out, NULL, "telemetry.sdk.name", "lftrace", 7u);
    lft_attr_str(out, NULL, "telemetry.sdk.version", LFTRACE_VERSION, LFT_CSTR);
    lft_attr_str(out, NULL, "telemetry.sdk.language", "c", 1u);
    /* Langfuse reads the environment and the release of every span from here
     * unless the span has its own; "default" is its default environment. */
    if (cfg->environment != NULL && !lft_str_eq("default", 7u, cfg->environment)) {
        lft_attr_str(out, NULL, "deployment.environment.name", cfg->environment, LFT_CSTR);
    }
    if (cfg->release != NULL) {
        lft_attr_str(out, NULL, "langfuse.release", cfg->release, LFT_CSTR);
    }
    if (d != NULL) {
        lft_diag_attrs(out, d);
    }
}

/* ResourceSpans. lft_pb_message runs it on a counting sink before it writes
 * it, so the ScopeSpans length (all spans) is counted once, not twice. */
static void lft_resource_spans(lft_sink_t *s, const void *ctx)
{
    const lft_req_ctx_t *rc = ctx;
    lft_pb_message(s, 1u, lft_resource, ctx);
    if (s->buf == NULL) {
        lft_sink_t count;
        lft_sink_init_count(&count);
        lft_scope_spans(&count, ctx);
        *rc->scope_spans_len = count.total;
    }
    lft_pb_tag(s, 2u, 2u);
    lft_pb_varint(s, *rc->scope_spans_len);
    if (s->buf == NULL) {
        lft_sink_count_only(s, *rc->scope_spans_len);
    } else {
        lft_scope_spans(s, ctx);
    }
}

/* Checks shared by both encoders; sets up sc and clears the scratch's trace
 * cache. */
static lft_err_t lft_encode_begin(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                                  const lft_sink_t *sink, lft_span_ctx_t *sc)
{
    uint64_t now;
    if (batch == NULL || sink == NULL || batch->client == NULL) {
        return LFT_ERR_ARG;
    }
    if (batch->count > 0) {
        if (batch->items == NULL || batch->reader == NULL || scratch == NULL) {
            return LFT_ERR_ARG;
        }
        if (lft_time_to_unix_us(batch->client, 0, &now) != LFT_OK) {
            return LFT_ERR_NO_WALL_CLOCK;
        }
        scratch->trace_valid = 0;
    }
    sc->s = scratch;
    return LFT_OK;
}

lft_err_t lft_otlp_encode_proto(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                                lft_sink_t *sink)
{
    lft_span_ctx_t sc;
    lft_err_t err = lft_encode_begin(batch, scratch, sink, &sc);
    if (err != LFT_OK) {
        return err;
    }
    uint64_t scope_spans_len = 0;
    lft_req_ctx_t rc;
    rc.batch = batch;
    rc.span = &sc;
    rc.scope_spans_len = &scope_spans_len;
    rc.json_attr = NULL;
    lft_pb_message(sink, 1u, lft_resource_spans, &rc);
    return LFT_OK;
}

/* Writes JSON text produced by lft_string_payload as an escaped JSON string:
 * the inner sink escapes each chunk into the outer one. */
static int lft_escape_into(void *ctx, const uint8_t *p, size_t n)
{
    lft_sink_t *outer = ctx;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = { '\\', (char)ch };
            lft_sink_put(outer, esc, 2u);
        } else if (ch < 0x20u) {
            char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 0x0Fu] };
            lft_sink_put(outer, esc, 6u);
        } else {
            lft_sink_byte(outer, ch);
        }
    }
    return outer->err;
}

static void lft_json_nested(lft_sink_t *s, const lft_attr_t *a)
{
    uint8_t bounce[32];
    lft_sink_t inner;
    lft_sink_init(&inner, bounce, sizeof bounce, lft_escape_into, s);
    lft_sink_byte(s, '"');
    lft_string_payload(&inner, a);
    (void)lft_sink_flush(&inner);
    lft_sink_byte(s, '"');
}

/* ------------------------------------------------------------ OTLP/JSON */

/* OTLP/JSON: lowerCamelCase keys, lowercase hex ids, 64-bit integers as strings. */

static void lft_json_hex(lft_sink_t *s, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    lft_sink_byte(s, '"');
    for (size_t i = 0; i < n; i++) {
        char h[2] = { digits[b[i] >> 4], digits[b[i] & 0x0Fu] };
        lft_sink_put(s, h, 2u);
    }
    lft_sink_byte(s, '"');
}

static void lft_json_i64(lft_sink_t *s, int64_t v)
{
    lft_sink_byte(s, '"');
    lft_jsonw_i64(s, v);
    lft_sink_byte(s, '"');
}

static void lft_json_anyvalue(lft_sink_t *s, const lft_attr_t *a)
{
    switch (a->type) {
    case LFT_AV_INT:
        lft_jsonw_raw(s, "{\"intValue\":");
        lft_json_i64(s, a->i);
        break;
    case LFT_AV_DOUBLE:
        lft_jsonw_raw(s, "{\"doubleValue\":");
        lft_jsonw_double(s, a->d);
        break;
    case LFT_AV_BOOL:
        lft_jsonw_raw(s, a->i ? "{\"boolValue\":true" : "{\"boolValue\":false");
        break;
    case LFT_AV_TAGS: {
        int first = 1;
        lft_jsonw_raw(s, "{\"arrayValue\":{\"values\":[");
        for (size_t i = 0; i < a->src->n; i++) {
            lft_field_iter_t it;
            lft_field_t f;
            lft_field_iter_init(&it, &a->src->rec[i]);
            while (lft_field_next(&it, &f) == 1) {
                if (f.tag == LFT_F_TAG) {
                    lft_jsonw_raw(s, first ? "{\"stringValue\":" : ",{\"stringValue\":");
                    lft_jsonw_string(s, f.str, f.str_len);
                    lft_sink_byte(s, '}');
                    first = 0;
                }
            }
        }
        lft_jsonw_raw(s, "]}");
        break;
    }
    default: {
        /* The string payload, as a JSON string: count, then escape it. */
        lft_jsonw_raw(s, "{\"stringValue\":");
        if (a->type == LFT_AV_STRING) {
            lft_jsonw_string(s, a->s, a->n);
        } else {
            char iso[28];
            switch (a->type) {
            case LFT_AV_ISO_TIME:
                lft_otlp_iso8601(a->u, iso);
                lft_jsonw_string(s, iso, 27u);
                break;
            case LFT_AV_RAW:
                lft_jsonw_string(s, a->s, a->n);
                break;
            default: {
                /* JSON text made here (maps, quoted text): escape it again as a
                 * string value, through a small bounce buffer. */
                lft_json_nested(s, a);
                break;
            }
            }
        }
        break;
    }
    }
    lft_sink_byte(s, '}');
}

/* One attribute of a JSON array (lft_attrs_t.json_attr). */
static void lft_json_attr(lft_attrs_t *out, const lft_attr_t *a)
{
    lft_sink_t *s = out->s;
    size_t plen = a->prefix != NULL ? strlen(a->prefix) : 0u;
    lft_jsonw_raw(s, out->count++ ? ",{\"key\":\"" : "{\"key\":\"");
    lft_jsonw_chars(s, a->prefix, plen);
    lft_jsonw_chars(s, a->key, a->key_len);
    lft_jsonw_raw(s, "\",\"value\":");
    lft_json_anyvalue(s, a);
    lft_sink_byte(s, '}');
}

static void lft_json_span(lft_sink_t *s, const lft_span_ctx_t *sc)
{
    const lft_otlp_item_t *item = sc->item;
    const lft_client_t *c = sc->batch->client;
    uint8_t tid[16], sid[8], pid[8];
    lft_field_t f;
    int is_root = item->kind == LFT_KIND_TRACE;

    (void)lft_client_trace_id(c, item->trace, tid);
    (void)lft_client_span_id(c, item->serial, sid);
    lft_jsonw_raw(s, "{\"traceId\":");
    lft_json_hex(s, tid, 16u);
    lft_jsonw_raw(s, ",\"spanId\":");
    lft_json_hex(s, sid, 8u);
    if (item->parent != 0 && lft_client_span_id(c, item->parent, pid) == LFT_OK) {
        lft_jsonw_raw(s, ",\"parentSpanId\":");
        lft_json_hex(s, pid, 8u);
    }
    if (lft_obsview_get(is_root ? &sc->s->trace : &sc->s->obs, LFT_F_NAME, &f)) {
        lft_jsonw_raw(s, ",\"name\":");
        lft_jsonw_string(s, f.str, f.str_len);
    }
    lft_jsonw_raw(s, ",\"kind\":1,\"startTimeUnixNano\":");
    lft_json_i64(s, (int64_t)(sc->start_us * 1000u));
    lft_jsonw_raw(s, ",\"endTimeUnixNano\":");
    lft_json_i64(s, (int64_t)(sc->end_us * 1000u));
    lft_jsonw_raw(s, ",\"attributes\":[");
    lft_attrs_t out = { s, 9u, lft_json_attr, 0 };
    lft_span_attrs(&out, sc);
    lft_sink_byte(s, ']');
    if (lft_is_error(&sc->s->obs)) {
        lft_jsonw_raw(s, ",\"status\":{\"code\":2");
        if (lft_obsview_get(&sc->s->obs, LFT_F_STATUS, &f)) {
            lft_jsonw_raw(s, ",\"message\":");
            lft_jsonw_string(s, f.str, f.str_len);
        }
        lft_sink_byte(s, '}');
    }
    lft_sink_byte(s, '}');
}

lft_err_t lft_otlp_encode_json(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                               lft_sink_t *sink)
{
    lft_span_ctx_t sc;
    lft_err_t err = lft_encode_begin(batch, scratch, sink, &sc);
    if (err != LFT_OK) {
        return err;
    }
    lft_req_ctx_t rc;
    rc.batch = batch;
    rc.span = &sc;
    rc.scope_spans_len = NULL;
    rc.json_attr = lft_json_attr;
    lft_jsonw_raw(sink, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    lft_resource(sink, &rc);
    lft_jsonw_raw(sink, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"lftrace\",\"version\":\"" LFTRACE_VERSION
                       "\"},\"spans\":[");
    int first = 1;
    for (size_t i = 0; i < batch->count; i++) {
        if (!lft_otlp_item_exportable(&batch->items[i])) {
            continue;
        }
        if (!first) {
            lft_sink_byte(sink, ',');
        }
        first = 0;
        lft_prepare_span(batch, &batch->items[i], rc.span);
        lft_json_span(sink, rc.span);
    }
    lft_jsonw_raw(sink, "]}]}]}");
    return LFT_OK;
}

/* ------------------------------------------------------------ collect */

int lft_otlp_item_exportable(const lft_otlp_item_t *item)
{
    return item != NULL && item->trace != 0;
}

size_t lft_otlp_collect(lft_client_t *client, lft_reader_t *reader, lft_otlp_item_t *items,
                        size_t cap, lft_otlp_batch_t *batch)
{
    lft_reader_t it;
    lft_record_t rec, start;
    uint32_t last_trace = 0, last_trace_pos = 0; /* the last trace looked up */
    uint8_t last_has_trace = 0;
    size_t n = 0;
    lft_reader_rewind(reader, &it);
    while (n < cap && lft_reader_next(&it, &rec) == 1) {
        lft_otlp_item_t *item = &items[n];
        memset(item, 0, sizeof *item);
        item->pos = rec.pos;
        item->serial = rec.serial;
        item->kind = (uint8_t)rec.kind;
        if (rec.type == LFT_REC_EVENT) {
            item->parent = rec.parent;
            item->trace = rec.trace;
        } else if (rec.type == LFT_REC_END) {
            if (!(rec.flags & LFT_RECF_ORPHAN) && lft_reader_find_start(reader, rec.serial, &start)) {
                item->has_start = 1;
                item->start_pos = start.pos;
                item->parent = start.parent;
                item->trace = start.trace;
            } else {
                item->parent = rec.parent;
                item->trace = rec.trace;
            }
        } else if (rec.type == LFT_REC_START && (rec.flags & LFT_RECF_END_LOST)) {
            item->has_start = 1;
            item->start_pos = rec.pos;
            item->parent = rec.parent;
            item->trace = rec.trace;
        } else {
            continue;
        }
        if (item->trace != 0 && item->trace != last_trace) {
            last_trace = item->trace;
            last_has_trace = (uint8_t)(lft_reader_find_start(reader, item->trace, &start) &&
                                       start.kind == LFT_KIND_TRACE);
            last_trace_pos = last_has_trace ? start.pos : 0u;
        }
        if (item->trace != 0) {
            item->has_trace = last_has_trace;
            item->trace_pos = last_trace_pos;
        }
        n++;
    }
    batch->client = client;
    batch->reader = reader;
    batch->items = items;
    batch->count = n;
    batch->diag = NULL;
    return n;
}

size_t lft_otlp_item_records(const lft_otlp_batch_t *b, size_t i, uint32_t *pos_out, size_t cap)
{
    lft_reader_t it;
    lft_record_t rec;
    size_t n = 0;
    if (b == NULL || b->reader == NULL || b->items == NULL || i >= b->count) {
        return 0;
    }
    const lft_otlp_item_t *item = &b->items[i];
    lft_reader_rewind(b->reader, &it);
    while (lft_reader_next(&it, &rec) == 1) {
        if (rec.pos != item->pos && !(item->has_start && rec.pos == item->start_pos) &&
            !(rec.type == LFT_REC_UPDATE && rec.serial == item->serial)) {
            continue;
        }
        if (n < cap) {
            pos_out[n] = rec.pos;
        }
        n++;
        if (rec.pos == item->pos && rec.type != LFT_REC_START) {
            break; /* an END or EVENT comes after every record of its observation */
        }
    }
    return n;
}

/* ------------------------------------------------------------- time */

void lft_otlp_iso8601(uint64_t unix_us, char out[28])
{
    uint64_t secs = unix_us / 1000000u;
    uint32_t micros = (uint32_t)(unix_us % 1000000u);
    uint32_t sod = (uint32_t)(secs % 86400u);
    /* civil_from_days (H. Hinnant), in 32-bit unsigned arithmetic: days since
     * 0000-03-01 are below 2^28 for any 64-bit microsecond count */
    uint32_t z = (uint32_t)(secs / 86400u) + 719468u;
    uint32_t era = z / 146097u;
    uint32_t doe = z - era * 146097u;
    uint32_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    uint32_t y = yoe + era * 400u;
    uint32_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    uint32_t mp = (5u * doy + 2u) / 153u;
    uint32_t d = doy - (153u * mp + 2u) / 5u + 1u;
    uint32_t m = mp < 10u ? mp + 3u : mp - 9u;
    if (m <= 2u) {
        y++;
    }
    uint32_t v[7] = { y, m, d, sod / 3600u, sod / 60u % 60u, sod % 60u, micros };
    static const uint8_t width[7] = { 4, 2, 2, 2, 2, 2, 6 };
    static const char sep[7] = { '-', '-', 'T', ':', ':', '.', 'Z' };
    size_t o = 0;
    for (unsigned k = 0; k < 7u; k++) {
        uint32_t x = v[k];
        for (unsigned i = width[k]; i > 0; i--) {
            out[o + i - 1u] = (char)('0' + x % 10u);
            x /= 10u;
        }
        o += width[k];
        out[o++] = sep[k];
    }
    out[o] = '\0';
}
