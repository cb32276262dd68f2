/*
 * lft_ingest.c - Langfuse batch-ingestion events from records (see lft_ingest.h).
 */
#include "lft_ingest.h"

#include <string.h>

#include "lft_jsonw.h"
#include "lft_obsview.h"
#include "lft_otlp.h"
#include "lft_scores.h"

/* ------------------------------------------------------------ collect */

/* Fill item from rec (a record of the snapshot); 0 when rec makes no item. */
static int lft_ingest_classify(lft_reader_t *reader, const lft_record_t *rec,
                               lft_ingest_item_t *item)
{
    lft_record_t start;
    memset(item, 0, sizeof *item);
    item->pos = rec->pos;
    item->serial = rec->serial;
    item->kind = (uint8_t)rec->kind;
    item->parent = rec->parent;
    item->trace = rec->trace;
    switch (rec->type) {
    case LFT_REC_START:
        if ((rec->flags & LFT_RECF_END_LOST) != 0) {
            item->action = (rec->flags & LFT_RECF_SENT) ? LFT_INGEST_UPDATE : LFT_INGEST_CREATE;
        } else if ((rec->flags & (LFT_RECF_ENDED | LFT_RECF_SENT)) == 0) {
            item->action = LFT_INGEST_CREATE_OPEN;
        } else {
            return 0; /* open and delivered, or ended: its END's item */
        }
        item->has_start = 1;
        item->start_pos = rec->pos;
        return 1;
    case LFT_REC_END:
        item->action = LFT_INGEST_UPDATE;
        if ((rec->flags & LFT_RECF_ORPHAN) == 0 && lft_reader_find_start(reader, rec->serial, &start)) {
            item->has_start = 1;
            item->start_pos = start.pos;
            item->parent = start.parent;
            item->trace = start.trace;
            if ((start.flags & LFT_RECF_SENT) == 0) {
                item->action = LFT_INGEST_CREATE;
            }
        }
        return 1;
    case LFT_REC_EVENT:
        item->action = LFT_INGEST_EVENT;
        return 1;
    case LFT_REC_SCORE:
        item->action = LFT_INGEST_SCORE;
        item->parent = 0;
        return 1;
    default:
        return 0; /* UPDATEs belong to their observation's item */
    }
}

size_t lft_ingest_collect(lft_client_t *client, lft_reader_t *reader, lft_ingest_item_t *items,
                          size_t cap, lft_ingest_batch_t *batch)
{
    lft_reader_t it;
    lft_record_t rec, start;
    uint32_t last_trace = 0, last_trace_pos = 0; /* the last trace looked up */
    uint8_t last_has_trace = 0;
    size_t n = 0;
    if (batch != NULL) {
        memset(batch, 0, sizeof *batch);
    }
    if (client == NULL || reader == NULL || items == NULL || batch == NULL || cap == 0) {
        return 0;
    }
    lft_reader_rewind(reader, &it);
    while (n < cap && lft_reader_next(&it, &rec) == 1) {
        lft_ingest_item_t *item = &items[n];
        if (!lft_ingest_classify(reader, &rec, item)) {
            continue;
        }
        if (item->kind != LFT_KIND_TRACE && item->action != LFT_INGEST_SCORE && item->trace != 0) {
            if (item->trace != last_trace) {
                last_trace = item->trace;
                last_has_trace = (uint8_t)(lft_reader_find_start(reader, item->trace, &start) &&
                                           start.kind == LFT_KIND_TRACE);
                last_trace_pos = last_has_trace ? start.pos : 0u;
            }
            item->has_trace = last_has_trace;
            item->trace_pos = last_trace_pos;
        }
        n++;
    }
    batch->client = client;
    batch->reader = reader;
    batch->items = items;
    batch->count = n;
    return n;
}

size_t lft_ingest_item_records(const lft_ingest_batch_t *batch, size_t i, uint32_t *release_pos,
                               size_t cap, uint32_t *mark_sent_pos)
{
    lft_reader_t it;
    lft_record_t rec;
    size_t n = 0, updates = 0;
    if (batch == NULL || batch->reader == NULL || batch->items == NULL || i >= batch->count) {
        return 0;
    }
    const lft_ingest_item_t *item = &batch->items[i];
    const int open = item->action == LFT_INGEST_CREATE_OPEN;
    const int single = item->action == LFT_INGEST_EVENT || item->action == LFT_INGEST_SCORE;
    if (open && mark_sent_pos != NULL) {
        *mark_sent_pos = item->start_pos;
    }
    lft_reader_rewind(batch->reader, &it);
    while (lft_reader_next(&it, &rec) == 1) {
        int take;
        if (single) {
            take = rec.pos == item->pos;
        } else if (rec.type == LFT_REC_UPDATE && rec.serial == item->serial) {
            /* an open create carries (and so releases) only the updates a view applies */
            take = !open || updates++ < LFT_OBSVIEW_MAX_UPDATES;
        } else {
            take = !open && (rec.pos == item->pos || (item->has_start && rec.pos == item->start_pos));
        }
        if (!take) {
            continue;
        }
        if (n < cap) {
            release_pos[n] = rec.pos;
        }
        n++;
        if (rec.pos == item->pos && (single || rec.type == LFT_REC_END)) {
            break; /* an END comes after every record of its observation */
        }
    }
    return n;
}

/* ------------------------------------------------------------ envelope id */

lft_err_t lft_ingest_envelope_id(const lft_ingest_batch_t *batch, size_t i,
                                 char out[LFT_INGEST_ENVELOPE_ID_MAX + 1u])
{
    uint8_t id[8];
    const char *suffix;
    if (out == NULL) {
        return LFT_ERR_ARG;
    }
    out[0] = '\0';
    if (batch == NULL || batch->items == NULL || i >= batch->count) {
        return LFT_ERR_ARG;
    }
    const lft_ingest_item_t *item = &batch->items[i];
    const int trace = item->kind == LFT_KIND_TRACE;
    switch (item->action) {
    case LFT_INGEST_CREATE:
    case LFT_INGEST_CREATE_OPEN:
        suffix = trace ? "-t" : "-c";
        break;
    case LFT_INGEST_UPDATE:
        suffix = trace ? "-tu" : "-u";
        break;
    case LFT_INGEST_EVENT:
        suffix = "-c";
        break;
    case LFT_INGEST_SCORE:
        suffix = "-e"; /* = lft_scores_envelope_id */
        break;
    default:
        return LFT_ERR_ARG;
    }
    if (lft_client_span_id(batch->client, item->serial, id) != LFT_OK) {
        return LFT_ERR_ARG;
    }
    static const char digits[] = "0123456789abcdef";
    for (unsigned k = 0; k < 8u; k++) {
        out[2u * k] = digits[id[k] >> 4];
        out[2u * k + 1u] = digits[id[k] & 0x0Fu];
    }
    memcpy(out + 16, suffix, strlen(suffix) + 1u);
    return LFT_OK;
}

/* ------------------------------------------------------------ environment */

size_t lft_ingest_environment(const char *env, size_t len, char out[LFT_INGEST_ENV_MAX + 1u])
{
    size_t skip = 0, n = 0;
    int ok = 1;
    if (len >= 9u) {
        char head[9];
        for (size_t k = 0; k < 9u; k++) {
            char ch = env[k];
            head[k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        if (memcmp(head, "langfuse", 8u) == 0 && (head[8] == '-' || head[8] == '_')) {
            skip = 9u;
        }
    }
    for (size_t k = skip; k < len && n < LFT_INGEST_ENV_MAX; k++) {
        char ch = env[k];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        ok &= (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        out[n++] = ch;
    }
    if (!ok || n == 0) {
        memcpy(out, "default", 8u);
        return 7u;
    }
    out[n] = '\0';
    return n;
}

/* ------------------------------------------------------------ JSON pieces */

/* ,"key": */
static void lft_ingest_key(lft_sink_t *s, const char *key)
{
    lft_sink_byte(s, ',');
    lft_sink_byte(s, '"');
    lft_jsonw_raw(s, key);
    lft_jsonw_raw(s, "\":");
}

static void lft_ingest_hex(lft_sink_t *s, const uint8_t *b, size_t n)
{
    lft_sink_byte(s, '"');
    lft_jsonw_hex(s, b, n);
    lft_sink_byte(s, '"');
}

static void lft_ingest_time(lft_sink_t *s, uint64_t unix_us)
{
    char iso[28];
    lft_otlp_iso8601(unix_us, iso);
    lft_sink_byte(s, '"');
    lft_sink_put(s, iso, 27u);
    lft_sink_byte(s, '"');
}

/* ,"key":<value> for a string field of the view, when present. */
static void lft_ingest_str_field(lft_sink_t *s, const lft_obsview_t *v, lft_field_tag_t tag,
                                 const char *key)
{
    lft_field_t f;
    if (lft_obsview_get(v, tag, &f)) {
        lft_ingest_key(s, key);
        lft_jsonw_string(s, f.str, f.str_len);
    }
}

/* ,"input": / ,"output": */
static void lft_ingest_content(lft_sink_t *s, const lft_obsview_t *v, lft_field_tag_t text_tag,
                               lft_field_tag_t json_tag, const char *key)
{
    lft_field_t f;
    if (lft_obsview_get(v, text_tag, &f)) {
        lft_ingest_key(s, key);
        if (f.tag == json_tag) {
            /* recorded as JSON (validated then); its structure is ASCII, so
             * it stays valid JSON with ill-formed UTF-8 replaced */
            lft_sink_put_utf8(s, f.str, f.str_len);
        } else {
            lft_jsonw_string(s, f.str, f.str_len);
        }
    }
}

/* The JSON value of a key/value field (metadata, parameters, usage, cost). */
static void lft_ingest_kv_value(lft_sink_t *s, const lft_field_t *f)
{
    switch (f->tag) {
    case LFT_F_META_INT:
    case LFT_F_PARAM_INT:
        lft_jsonw_i64(s, f->i);
        break;
    case LFT_F_META_DOUBLE:
    case LFT_F_PARAM_DOUBLE:
    case LFT_F_COST:
        lft_jsonw_double(s, f->d);
        break;
    case LFT_F_META_BOOL:
    case LFT_F_PARAM_BOOL:
        lft_jsonw_raw(s, f->i ? "true" : "false");
        break;
    case LFT_F_USAGE:
        lft_jsonw_u64(s, f->u);
        break;
    default:
        lft_jsonw_string(s, f->str, f->str_len);
        break;
    }
}

/* Members (no braces) of the winning key/value fields of class cls; *first
 * tracks the comma. Keys in skip[0..nskip) are left out. */
static void lft_ingest_members(lft_sink_t *s, const lft_obsview_t *v, lft_field_tag_t cls,
                               const char *const *skip, size_t nskip, int *first)
{
    lft_obsview_iter_t it;
    lft_field_t f;
    lft_obsview_iter_init(&it, v);
    while (lft_obsview_next(&it, cls, &f) == 1) {
        int skipped = 0;
        for (size_t k = 0; k < nskip; k++) {
            skipped |= f.key_len == strlen(skip[k]) && memcmp(f.key, skip[k], f.key_len) == 0;
        }
        if (skipped) {
            continue;
        }
        if (!*first) {
            lft_sink_byte(s, ',');
        }
        *first = 0;
        lft_jsonw_string(s, f.key, f.key_len);
        lft_sink_byte(s, ':');
        lft_ingest_kv_value(s, &f);
    }
}

/* {"k":v,...} of class cls. */
static void lft_ingest_map(lft_sink_t *s, const lft_obsview_t *v, lft_field_tag_t cls)
{
    int first = 1;
    lft_sink_byte(s, '{');
    lft_ingest_members(s, v, cls, NULL, 0, &first);
    lft_sink_byte(s, '}');
}

/* ,"key":{...} when the view has a field of class cls. */
static void lft_ingest_map_field(lft_sink_t *s, const lft_obsview_t *v, lft_field_tag_t cls,
                                 const char *key)
{
    lft_field_t f;
    if (lft_obsview_get(v, cls, &f)) {
        lft_ingest_key(s, key);
        lft_ingest_map(s, v, cls);
    }
}

/* The completion start time of the view in Unix microseconds, 0 if none. */
static uint64_t lft_ingest_completion_start(const lft_client_t *c, const lft_obsview_t *v)
{
    lft_field_t f;
    uint64_t us = 0;
    if (!lft_obsview_get(v, LFT_F_COMPLETION_START, &f)) {
        return 0;
    }
    if (f.tag == LFT_F_COMPLETION_START_UNIX) {
        return f.u;
    }
    return lft_time_to_unix_us(c, f.i, &us) == LFT_OK ? us : 0u;
}

/* ,"metadata":{...}: the winning metadata entries and, for kinds sent as
 * spans (kind >= LFT_KIND_AGENT), "lftrace.kind" and their generation
 * fields as "lftrace.*" keys (which then win over user entries with the
 * same keys). */
static void lft_ingest_metadata(lft_sink_t *s, const lft_client_t *c, const lft_obsview_t *v,
                                uint8_t kind)
{
    static const lft_field_tag_t maps[3] = { LFT_F_PARAM_STR, LFT_F_USAGE, LFT_F_COST };
    static const char *const map_keys[3] = { "lftrace.model_parameters", "lftrace.usage_details",
                                             "lftrace.cost_details" };
    const char *written[6] = { NULL, NULL, NULL, NULL, NULL, NULL }; /* lftrace.* keys written */
    size_t nwritten = 0;
    lft_field_t f, model;
    int have_model = 0, have_map[3] = { 0, 0, 0 };
    uint64_t cs = 0;
    const int extra = kind >= LFT_KIND_AGENT && kind < LFT_KIND_COUNT;
    if (extra) {
        written[nwritten++] = "lftrace.kind";
        if ((have_model = lft_obsview_get(v, LFT_F_MODEL, &model)) != 0) {
            written[nwritten++] = "lftrace.model";
        }
        for (size_t m = 0; m < 3u; m++) {
            if ((have_map[m] = lft_obsview_get(v, maps[m], &f)) != 0) {
                written[nwritten++] = map_keys[m];
            }
        }
        if ((cs = lft_ingest_completion_start(c, v)) != 0) {
            written[nwritten++] = "lftrace.completion_start_time";
        }
    } else if (!lft_obsview_get(v, LFT_F_META_STR, &f)) {
        return;
    }
    int first = 1;
    lft_ingest_key(s, "metadata");
    lft_sink_byte(s, '{');
    lft_ingest_members(s, v, LFT_F_META_STR, written, nwritten, &first);
    if (extra) {
        const char *name = lft_kind_name((lft_kind_t)kind);
        lft_jsonw_raw(s, first ? "\"lftrace.kind\":" : ",\"lftrace.kind\":");
        lft_jsonw_string(s, name, strlen(name));
        if (have_model) {
            lft_jsonw_raw(s, ",\"lftrace.model\":");
            lft_jsonw_string(s, model.str, model.str_len);
        }
        for (size_t m = 0; m < 3u; m++) {
            if (have_map[m]) {
                lft_sink_byte(s, ',');
                lft_jsonw_string(s, map_keys[m], strlen(map_keys[m]));
                lft_sink_byte(s, ':');
                lft_ingest_map(s, v, maps[m]);
            }
        }
        if (cs != 0) {
            lft_jsonw_raw(s, ",\"lftrace.completion_start_time\":");
            lft_ingest_time(s, cs);
        }
    }
    lft_sink_byte(s, '}');
}

/* ,"environment":"..." normalised. */
static void lft_ingest_env(lft_sink_t *s, const char *p, size_t n)
{
    char env[LFT_INGEST_ENV_MAX + 1u];
    size_t len = lft_ingest_environment(p, n, env);
    lft_ingest_key(s, "environment");
    lft_jsonw_string(s, env, len);
}

/* ,"key":"..." from the view, else from the client's default (when given). */
static void lft_ingest_str_default(lft_sink_t *s, const lft_obsview_t *v, lft_field_tag_t tag,
                                   const char *key, const char *dflt)
{
    lft_field_t f;
    if (lft_obsview_get(v, tag, &f)) {
        lft_ingest_key(s, key);
        lft_jsonw_string(s, f.str, f.str_len);
    } else if (dflt != NULL) {
        lft_ingest_key(s, key);
        lft_jsonw_string(s, dflt, strlen(dflt));
    }
}

/* ------------------------------------------------------------ events */


/* Times of an item: start (creates) and end (when its END is in the view). */
typedef struct {
    uint64_t start_us;
    uint64_t end_us;
    int has_end;
} lft_ingest_times_t;

/* Load item's records into v (its record rec is readable). */
static void lft_ingest_load(const lft_ingest_batch_t *b, const lft_ingest_item_t *item,
                            const lft_record_t *rec, lft_obsview_t *v, lft_ingest_times_t *t)
{
    const int with_start = item->has_start && item->action != LFT_INGEST_UPDATE;
    memset(t, 0, sizeof *t);
    if (item->action == LFT_INGEST_EVENT) {
        v->rec[0] = *rec;
        v->n = 1;
        v->has_start = 1;
        v->has_end = 0;
        t->start_us = lft_obsview_time_unix(b->client, rec);
        return;
    }
    const int ended = rec->type == LFT_REC_END;
    (void)lft_obsview_build(v, b->reader, item->serial, with_start, item->start_pos, ended);
    if (item->has_start) {
        lft_record_t start;
        if (lft_reader_at(b->reader, item->start_pos, &start) == LFT_OK) {
            t->start_us = lft_obsview_time_unix(b->client, &start);
        }
    }
    if (ended) {
        t->end_us = lft_obsview_time_unix(b->client, rec);
        t->has_end = 1;
    }
}

/* The envelope up to the body's opening brace. */
static void lft_ingest_envelope(lft_sink_t *s, const lft_ingest_batch_t *b, size_t i,
                                const char *type, uint64_t unix_us)
{
    char eid[LFT_INGEST_ENVELOPE_ID_MAX + 1u];
    (void)lft_ingest_envelope_id(b, i, eid); /* checked by the caller */
    lft_jsonw_raw(s, "{\"id\":\"");
    lft_jsonw_raw(s, eid);
    lft_jsonw_raw(s, "\",\"type\":\"");
    lft_jsonw_raw(s, type);
    lft_jsonw_raw(s, "\",\"timestamp\":");
    lft_ingest_time(s, unix_us);
    lft_jsonw_raw(s, ",\"body\":{\"id\":");
}

/* trace-create (first, or at the end: "-tu"). */
static void lft_ingest_trace_event(lft_sink_t *s, const lft_ingest_batch_t *b, size_t i,
                                   const lft_obsview_t *v, const lft_ingest_times_t *t)
{
    const lft_ingest_item_t *item = &b->items[i];
    const lft_config_t *cfg = &b->client->cfg;
    /* The first trace-create carries the defaults (and the start time);
     * the final one of a delivered trace only what changed. An orphan END
     * counts as first: the server may never have seen the trace. */
    const int first = item->action != LFT_INGEST_UPDATE || !item->has_start;
    const int update = item->action == LFT_INGEST_UPDATE;
    uint64_t ts = t->start_us;
    uint8_t id[16];
    lft_field_t f;
    if (update) {
        ts = t->has_end ? t->end_us : t->start_us + 1u; /* after the create */
    }
    lft_ingest_envelope(s, b, i, "trace-create", ts);
    (void)lft_client_trace_id(b->client, item->serial, id);
    lft_ingest_hex(s, id, 16u);
    if (!update && v->has_start) {
        lft_ingest_key(s, "timestamp");
        lft_ingest_time(s, t->start_us);
    }
    lft_ingest_str_field(s, v, LFT_F_NAME, "name");
    lft_ingest_str_field(s, v, LFT_F_USER_ID, "userId");
    lft_ingest_str_field(s, v, LFT_F_SESSION_ID, "sessionId");
    lft_ingest_str_default(s, v, LFT_F_RELEASE, "release", first ? cfg->release : NULL);
    lft_ingest_str_default(s, v, LFT_F_VERSION, "version", first ? cfg->version : NULL);
    lft_ingest_content(s, v, LFT_F_INPUT_TEXT, LFT_F_INPUT_JSON, "input");
    lft_ingest_content(s, v, LFT_F_OUTPUT_TEXT, LFT_F_OUTPUT_JSON, "output");
    lft_ingest_metadata(s, b->client, v, LFT_KIND_TRACE);
    if (lft_obsview_get(v, LFT_F_TAG, &f)) {
        lft_obsview_iter_t it;
        int first_tag = 1;
        lft_ingest_key(s, "tags");
        lft_sink_byte(s, '[');
        lft_obsview_iter_init(&it, v);
        while (lft_obsview_next(&it, LFT_F_TAG, &f) == 1) {
            if (!first_tag) {
                lft_sink_byte(s, ',');
            }
            first_tag = 0;
            lft_jsonw_string(s, f.str, f.str_len);
        }
        lft_sink_byte(s, ']');
    }
    if (lft_obsview_get(v, LFT_F_ENVIRONMENT, &f)) {
        lft_ingest_env(s, f.str, f.str_len);
    } else if (first && cfg->environment != NULL) {
        lft_ingest_env(s, cfg->environment, strlen(cfg->environment));
    }
    if (lft_obsview_get(v, LFT_F_PUBLIC, &f)) {
        lft_ingest_key(s, "public");
        lft_jsonw_raw(s, f.i ? "true" : "false");
    }
    lft_jsonw_raw(s, "}}");
}

/* The environment of item's trace: its START and UPDATEs (cached in
 * scratch->trace), else the client's. */
static void lft_ingest_obs_env(lft_sink_t *s, const lft_ingest_batch_t *b,
                               const lft_ingest_item_t *item, lft_ingest_scratch_t *scratch)
{
    lft_field_t f;
    const char *dflt = b->client->cfg.environment;
    if (item->has_trace) {
        if (scratch->trace_serial != item->trace) {
            (void)lft_obsview_build(&scratch->trace, b->reader, item->trace, 1, item->trace_pos, 0);
            scratch->trace_serial = item->trace;
        }
        if (lft_obsview_get(&scratch->trace, LFT_F_ENVIRONMENT, &f)) {
            lft_ingest_env(s, f.str, f.str_len);
            return;
        }
    }
    if (dflt != NULL) {
        lft_ingest_env(s, dflt, strlen(dflt));
    }
}

/* span-, generation- or event- create / update. */
static void lft_ingest_obs_event(lft_sink_t *s, const lft_ingest_batch_t *b, size_t i,
                                 lft_ingest_scratch_t *scratch, const lft_ingest_times_t *t)
{
    const lft_ingest_item_t *item = &b->items[i];
    const lft_client_t *c = b->client;
    const lft_obsview_t *v = &scratch->obs;
    const int update = item->action == LFT_INGEST_UPDATE;
    const int generation = item->kind == LFT_KIND_GENERATION;
    const char *type;
    uint8_t id[16];
    lft_field_t f, g;
    if (item->action == LFT_INGEST_EVENT) {
        type = "event-create";
    } else if (generation) {
        type = update ? "generation-update" : "generation-create";
    } else {
        type = update ? "span-update" : "span-create";
    }
    uint64_t ts = t->start_us;
    if (update) {
        ts = t->has_end ? t->end_us : t->start_us + 1u; /* after the create */
    }
    lft_ingest_envelope(s, b, i, type, ts);
    (void)lft_client_span_id(c, item->serial, id);
    lft_ingest_hex(s, id, 8u);
    if (lft_client_trace_id(c, item->trace, id) == LFT_OK) {
        lft_ingest_key(s, "traceId");
        lft_ingest_hex(s, id, 16u);
    }
    if (item->parent != item->trace && lft_client_span_id(c, item->parent, id) == LFT_OK) {
        lft_ingest_key(s, "parentObservationId");
        lft_ingest_hex(s, id, 8u);
    }
    lft_ingest_str_field(s, v, LFT_F_NAME, "name");
    if (!update) {
        lft_ingest_key(s, "startTime");
        lft_ingest_time(s, t->start_us);
    }
    if (t->has_end) {
        lft_ingest_key(s, "endTime");
        lft_ingest_time(s, t->end_us);
    }
    lft_ingest_content(s, v, LFT_F_INPUT_TEXT, LFT_F_INPUT_JSON, "input");
    lft_ingest_content(s, v, LFT_F_OUTPUT_TEXT, LFT_F_OUTPUT_JSON, "output");
    lft_ingest_metadata(s, c, v, item->kind);
    if (lft_obsview_get(v, LFT_F_LEVEL, &f) && lft_level_name((lft_level_t)f.i) != NULL) {
        const char *lvl = lft_level_name((lft_level_t)f.i);
        lft_ingest_key(s, "level");
        lft_jsonw_string(s, lvl, strlen(lvl));
    }
    lft_ingest_str_field(s, v, LFT_F_STATUS, "statusMessage");
    lft_ingest_str_field(s, v, LFT_F_VERSION, "version");
    lft_ingest_obs_env(s, b, item, scratch);
    if (generation) {
        lft_ingest_str_field(s, v, LFT_F_MODEL, "model");
        lft_ingest_map_field(s, v, LFT_F_PARAM_STR, "modelParameters");
        lft_ingest_map_field(s, v, LFT_F_USAGE, "usageDetails");
        lft_ingest_map_field(s, v, LFT_F_COST, "costDetails");
        uint64_t cs = lft_ingest_completion_start(c, v);
        if (cs != 0) {
            lft_ingest_key(s, "completionStartTime");
            lft_ingest_time(s, cs);
        }
        if (lft_obsview_get(v, LFT_F_PROMPT_NAME, &f) && lft_obsview_get(v, LFT_F_PROMPT_VERSION, &g)) {
            lft_ingest_key(s, "promptName");
            lft_jsonw_string(s, f.str, f.str_len);
            lft_ingest_key(s, "promptVersion");
            lft_jsonw_u64(s, g.u);
        }
    }
    lft_jsonw_raw(s, "}}");
}

/* Is item i encodable: its record readable and, for a score, well-formed? */
static lft_err_t lft_ingest_check(const lft_ingest_batch_t *b, size_t i, lft_record_t *rec)
{
    const lft_ingest_item_t *item = &b->items[i];
    char eid[LFT_INGEST_ENVELOPE_ID_MAX + 1u];
    lft_err_t err = lft_reader_at(b->reader, item->pos, rec);
    if (err == LFT_OK) {
        err = lft_ingest_envelope_id(b, i, eid);
    }
    if (err == LFT_OK && item->action == LFT_INGEST_SCORE) {
        lft_sink_t count;
        lft_sink_init_count(&count);
        err = lft_scores_encode_event(b->client, rec, &count);
    }
    return err;
}

lft_err_t lft_ingest_encode(const lft_ingest_batch_t *batch, size_t count,
                            lft_ingest_scratch_t *scratch, lft_sink_t *sink)
{
    lft_record_t rec;
    uint64_t us;
    lft_err_t err;
    if (batch == NULL || sink == NULL || count > batch->count ||
        (count > 0 && (batch->items == NULL || batch->reader == NULL || scratch == NULL))) {
        return LFT_ERR_ARG;
    }
    err = lft_time_to_unix_us(batch->client, 0, &us);
    if (err == LFT_ERR_NO_WALL_CLOCK && count == 0) {
        err = LFT_OK;
    }
    if (err != LFT_OK) {
        return err;
    }
    if (count > 0 && batch->reader->client != batch->client) {
        return LFT_ERR_ARG;
    }
    for (size_t i = 0; i < count; i++) {
        if ((err = lft_ingest_check(batch, i, &rec)) != LFT_OK) {
            return err;
        }
    }
    if (count > 0) {
        scratch->trace_serial = 0;
    }
    lft_jsonw_raw(sink, "{\"batch\":[");
    for (size_t i = 0; i < count; i++) {
        const lft_ingest_item_t *item = &batch->items[i];
        (void)lft_reader_at(batch->reader, item->pos, &rec); /* checked above */
        if (i > 0) {
            lft_sink_byte(sink, ',');
        }
        if (item->action == LFT_INGEST_SCORE) {
            (void)lft_scores_encode_event(batch->client, &rec, sink);
            continue;
        }
        lft_ingest_times_t t;
        lft_ingest_load(batch, item, &rec, &scratch->obs, &t);
        if (item->kind == LFT_KIND_TRACE) {
            lft_ingest_trace_event(sink, batch, i, &scratch->obs, &t);
        } else {
            lft_ingest_obs_event(sink, batch, i, scratch, &t);
        }
    }
    lft_jsonw_raw(sink, "],\"metadata\":{\"sdk_name\":\"lftrace\",\"sdk_version\":\"" LFTRACE_VERSION
                        "\",\"batch_size\":");
    lft_jsonw_u64(sink, count);
    lft_jsonw_raw(sink, "}}");
    return LFT_OK;
}
