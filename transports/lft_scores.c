/*
 * lft_scores.c - Langfuse score-create events and /api/public/scores bodies
 * (see lft_scores.h).
 */
#include "lft_scores.h"

#include <string.h>

#include "lft_jsonw.h"
#include "lft_otlp.h"

/* The fields of one SCORE record. */
typedef struct {
    const lft_record_t *rec;
    const char *name, *str, *comment, *id, *session;
    uint32_t name_len, str_len, comment_len, id_len, session_len;
    double value;
    int type;       /* lft_score_type_t */
    int has_value;
} lft_score_view_t;

/* LFT_OK when client is initialised, else LFT_ERR_ARG or LFT_ERR_HANDLE (via the time API,
 * which answers NO_WALL_CLOCK or OK only for initialised clients). */
static lft_err_t lft_scores_client_check(const lft_client_t *client)
{
    uint64_t unused;
    lft_err_t err = lft_time_to_unix_us(client, 0, &unused);
    return err == LFT_ERR_NO_WALL_CLOCK ? LFT_OK : err;
}

/* Decode rec into v. LFT_ERR_ARG when it is not a well-formed SCORE record
 * (never for records written by lft_score). */
static lft_err_t lft_scores_view(const lft_record_t *rec, lft_score_view_t *v)
{
    lft_field_iter_t it;
    lft_field_t f;
    int rc;
    memset(v, 0, sizeof *v);
    v->rec = rec;
    if (rec->type != LFT_REC_SCORE || rec->serial == 0) {
        return LFT_ERR_ARG;
    }
    lft_field_iter_init(&it, rec);
    while ((rc = lft_field_next(&it, &f)) == 1) {
        switch (f.tag) {
        case LFT_F_NAME:
            v->name = f.str;
            v->name_len = f.str_len;
            break;
        case LFT_F_SCORE_TYPE:
            v->type = (int)f.i;
            break;
        case LFT_F_SCORE_VALUE:
            v->value = f.d;
            v->has_value = 1;
            break;
        case LFT_F_SCORE_STRING:
            v->str = f.str;
            v->str_len = f.str_len;
            break;
        case LFT_F_COMMENT:
            v->comment = f.str;
            v->comment_len = f.str_len;
            break;
        case LFT_F_SCORE_ID:
            v->id = f.str;
            v->id_len = f.str_len;
            break;
        case LFT_F_SESSION_ID:
            v->session = f.str;
            v->session_len = f.str_len;
            break;
        default:
            break; /* fields of other record types: not part of a score */
        }
    }
    if (rc != 0 || v->name == NULL) {
        return LFT_ERR_ARG;
    }
    /* exactly one target: a trace (observation optional) or a session */
    if ((rec->trace != 0) == (v->session != NULL) || (rec->trace == 0 && rec->observation != 0)) {
        return LFT_ERR_ARG;
    }
    switch (v->type) {
    case LFT_SCORE_NUMERIC:
    case LFT_SCORE_BOOLEAN:
        return v->has_value ? LFT_OK : LFT_ERR_ARG;
    case LFT_SCORE_CATEGORICAL:
        return v->str != NULL ? LFT_OK : LFT_ERR_ARG;
    default:
        return LFT_ERR_ARG;
    }
}

static void lft_scores_key(lft_sink_t *s, const char *key)
{
    lft_sink_byte(s, ',');
    lft_jsonw_string(s, key, strlen(key));
    lft_sink_byte(s, ':');
}

/* A quoted hex id. */
static void lft_scores_hex_id(lft_sink_t *s, const uint8_t *b, size_t n)
{
    lft_sink_byte(s, '"');
    lft_jsonw_hex(s, b, n);
    lft_sink_byte(s, '"');
}

/* The score body object of a view that lft_scores_view accepted. */
static void lft_scores_body(lft_sink_t *s, const lft_client_t *client, const lft_score_view_t *v)
{
    static const char *const type_names[4] = { "", "NUMERIC", "BOOLEAN", "CATEGORICAL" };
    const lft_record_t *rec = v->rec;
    uint8_t id[16];
    lft_jsonw_raw(s, "{\"id\":");
    if (v->id != NULL) {
        lft_jsonw_string(s, v->id, v->id_len);
    } else {
        (void)lft_client_span_id(client, rec->serial, id); /* serial != 0: checked */
        lft_scores_hex_id(s, id, 8u);
    }
    if (rec->trace != 0) {
        (void)lft_client_trace_id(client, rec->trace, id);
        lft_scores_key(s, "traceId");
        lft_scores_hex_id(s, id, 16u);
        if (rec->observation != 0) {
            (void)lft_client_span_id(client, rec->observation, id);
            lft_scores_key(s, "observationId");
            lft_scores_hex_id(s, id, 8u);
        }
    } else {
        lft_scores_key(s, "sessionId");
        lft_jsonw_string(s, v->session, v->session_len);
    }
    lft_scores_key(s, "name");
    lft_jsonw_string(s, v->name, v->name_len);
    lft_scores_key(s, "value");
    if (v->type == LFT_SCORE_CATEGORICAL) {
        lft_jsonw_string(s, v->str, v->str_len);
    } else {
        lft_jsonw_double(s, v->value);
    }
    lft_scores_key(s, "dataType");
    lft_jsonw_string(s, type_names[v->type], strlen(type_names[v->type]));
    if (v->comment != NULL) {
        lft_scores_key(s, "comment");
        lft_jsonw_string(s, v->comment, v->comment_len);
    }
    if (client->cfg.environment != NULL) {
        lft_scores_key(s, "environment");
        lft_jsonw_string(s, client->cfg.environment, strlen(client->cfg.environment));
    }
    lft_sink_byte(s, '}');
}

lft_err_t lft_scores_envelope_id(const lft_client_t *client, const lft_record_t *rec,
                                 char out[LFT_SCORES_ENVELOPE_ID_LEN + 1u])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t id[8];
    if (out == NULL) {
        return LFT_ERR_ARG;
    }
    out[0] = '\0';
    if (rec == NULL || rec->type != LFT_REC_SCORE || lft_client_span_id(client, rec->serial, id) != LFT_OK) {
        return LFT_ERR_ARG;
    }
    for (unsigned i = 0; i < 8u; i++) {
        out[2u * i] = digits[id[i] >> 4];
        out[2u * i + 1u] = digits[id[i] & 0x0Fu];
    }
    out[16] = '-';
    out[17] = 'e';
    out[18] = '\0';
    return LFT_OK;
}

/* One score-create event of a view that lft_scores_view accepted, stamped
 * with unix_us (the score's wall time). */
static void lft_scores_event(lft_sink_t *s, const lft_client_t *client, const lft_score_view_t *v,
                             uint64_t unix_us)
{
    char iso[28];
    char eid[LFT_SCORES_ENVELOPE_ID_LEN + 1u];
    (void)lft_scores_envelope_id(client, v->rec, eid); /* a SCORE with serial != 0: checked */
    lft_otlp_iso8601(unix_us, iso);
    lft_jsonw_raw(s, "{\"id\":\"");
    lft_jsonw_raw(s, eid);
    lft_jsonw_raw(s, "\",\"type\":\"score-create\",\"timestamp\":\"");
    lft_jsonw_raw(s, iso);
    lft_jsonw_raw(s, "\",\"body\":");
    lft_scores_body(s, client, v);
    lft_sink_byte(s, '}');
}

/* Decode and check the record at pos; *unix_us its wall time. */
static lft_err_t lft_scores_at(lft_client_t *client, lft_reader_t *reader, uint32_t pos,
                               lft_record_t *rec, lft_score_view_t *v, uint64_t *unix_us)
{
    lft_err_t err = lft_reader_at(reader, pos, rec);
    if (err == LFT_OK) {
        err = lft_scores_view(rec, v);
    }
    if (err == LFT_OK) {
        err = lft_time_to_unix_us(client, rec->time_us, unix_us);
    }
    return err;
}

lft_err_t lft_scores_encode_batch(lft_client_t *client, lft_reader_t *reader, const uint32_t *pos,
                                  size_t count, lft_sink_t *sink)
{
    lft_record_t rec;
    lft_score_view_t v;
    uint64_t us;
    lft_err_t err;
    if (client == NULL || reader == NULL || sink == NULL || (pos == NULL && count > 0)) {
        return LFT_ERR_ARG;
    }
    if ((err = lft_scores_client_check(client)) != LFT_OK) {
        return err;
    }
    if (reader->client != client) {
        return LFT_ERR_ARG;
    }
    /* Check everything first: on error the sink stays untouched. A missing
     * wall clock wins over a bad position so that the caller keeps records. */
    if (count > 0 && lft_time_to_unix_us(client, 0, &us) == LFT_ERR_NO_WALL_CLOCK) {
        return LFT_ERR_NO_WALL_CLOCK;
    }
    for (size_t i = 0; i < count; i++) {
        if ((err = lft_scores_at(client, reader, pos[i], &rec, &v, &us)) != LFT_OK) {
            return err;
        }
    }
    lft_jsonw_raw(sink, "{\"batch\":[");
    for (size_t i = 0; i < count; i++) {
        (void)lft_scores_at(client, reader, pos[i], &rec, &v, &us); /* checked above */
        if (i > 0) {
            lft_sink_byte(sink, ',');
        }
        lft_scores_event(sink, client, &v, us);
    }
    lft_jsonw_raw(sink, "],\"metadata\":{\"sdk_name\":\"lftrace\",\"sdk_version\":");
    lft_jsonw_string(sink, LFTRACE_VERSION, strlen(LFTRACE_VERSION));
    lft_jsonw_raw(sink, "}}");
    return LFT_OK;
}

lft_err_t lft_scores_encode_one(lft_client_t *client, const lft_record_t *rec, lft_sink_t *sink)
{
    lft_score_view_t v;
    lft_err_t err;
    if (client == NULL || rec == NULL || sink == NULL) {
        return LFT_ERR_ARG;
    }
    if ((err = lft_scores_client_check(client)) != LFT_OK) {
        return err;
    }
    if ((err = lft_scores_view(rec, &v)) != LFT_OK) {
        return err;
    }
    lft_scores_body(sink, client, &v);
    return LFT_OK;
}

lft_err_t lft_scores_encode_event(lft_client_t *client, const lft_record_t *rec, lft_sink_t *sink)
{
    lft_score_view_t v;
    uint64_t us;
    lft_err_t err;
    if (client == NULL || rec == NULL || sink == NULL) {
        return LFT_ERR_ARG;
    }
    if ((err = lft_scores_client_check(client)) != LFT_OK) {
        return err;
    }
    if ((err = lft_scores_view(rec, &v)) != LFT_OK) {
        return err;
    }
    if ((err = lft_time_to_unix_us(client, rec->time_us, &us)) != LFT_OK) {
        return err;
    }
    lft_scores_event(sink, client, &v, us);
    return LFT_OK;
}
