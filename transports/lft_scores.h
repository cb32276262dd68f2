/*
 * lft_scores.h - Langfuse encodings of SCORE records (lft_score).
 *
 * Two request bodies, both application/json and both streamed through an
 * lft_sink_t (run the encoder once on a counting sink for Content-Length,
 * then again on a writing sink: the two passes produce identical bytes for
 * the same reader snapshot):
 *
 *   lft_scores_encode_batch  POST /api/public/ingestion: score-create events,
 *                            the only event type Langfuse Cloud still takes
 *                            there. Carries the device's timestamp of each
 *                            score and answers 207 with per-event statuses
 *                            (parse with lft_reply_parse_207).
 *   lft_scores_encode_one    POST /api/public/scores: one score; the server
 *                            stamps it with its own receipt time.
 *
 * Score body (PROTOCOL.md 1.4 ScoreBody), keys in this order, each present
 * only when it applies:
 *   "id"             the LFT_F_SCORE_ID given when recorded, else the 16
 *                    lowercase hex digits of lft_client_span_id(score serial)
 *   "traceId"        32 hex digits, lft_client_trace_id(trace serial), when
 *                    the score targets a trace or an observation
 *   "observationId"  16 hex digits, lft_client_span_id(observation serial)
 *   "sessionId"      when the score targets a session
 *   "name"
 *   "value"          a JSON number (NUMERIC, BOOLEAN: 0 or 1), or a string
 *                    (CATEGORICAL)
 *   "dataType"       "NUMERIC" | "BOOLEAN" | "CATEGORICAL"
 *   "comment"
 *   "environment"    lft_config_t.environment of the client, when set
 * Strings are JSON-escaped and ill-formed UTF-8 is replaced by U+FFFD.
 *
 * Ids are deterministic functions of the record and the client's id keys,
 * so re-encoding the same record (a retry) yields the same body id and the
 * same envelope id: Langfuse then overwrites instead of duplicating.
 *
 * Thread safety: the encoders only read the snapshot of the open reader;
 * call them from the thread that owns that reader.
 */
#ifndef LFT_SCORES_H
#define LFT_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "lft_record.h"
#include "lft_sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of an envelope id (lft_scores_envelope_id), without its NUL. */
#define LFT_SCORES_ENVELOPE_ID_LEN 18u

/*
 * Write the envelope ("event") id of score record rec into out as a
 * NUL-terminated string: the 16 lowercase hex digits of the score serial's
 * span id followed by "-e" (always LFT_SCORES_ENVELOPE_ID_LEN characters,
 * never needing JSON escapes). Unique per score of a client and stable
 * across encodings of the same record; this is the "id" a 207 reply reports
 * per event, so compare it byte for byte with lft_reply_parse_207's ids.
 * Errors: LFT_ERR_ARG (NULL, client not initialised, rec not a SCORE record
 * or with serial 0); out is then set to "" when not NULL.
 */
lft_err_t lft_scores_envelope_id(const lft_client_t *client, const lft_record_t *rec,
                                 char out[LFT_SCORES_ENVELOPE_ID_LEN + 1u]);

/*
 * Encode the ingestion request body for the SCORE records at positions
 * pos[0..count) of reader's open snapshot (positions from lft_reader_next,
 * lft_record_t.pos), in that order:
 *
 *   {"batch":[{"id":<envelope id>,"type":"score-create",
 *              "timestamp":"YYYY-MM-DDTHH:MM:SS.uuuuuuZ","body":{<score body>}},...],
 *    "metadata":{"sdk_name":"lftrace","sdk_version":LFTRACE_VERSION}}
 *
 * The timestamp is the score's recording time in UTC (lft_time_to_unix_us).
 * count may be 0 (an empty batch; pos may then be NULL). Records are not
 * released. Everything is checked before the first byte is written, so on
 * any error the sink is untouched. The sink is not flushed: call
 * lft_sink_flush afterwards; write errors are left in sink->err.
 * Returns LFT_OK; LFT_ERR_NO_WALL_CLOCK while the client does not know the
 * date (nothing written; keep the records); LFT_ERR_ARG (NULL client,
 * reader or sink, pos NULL with count > 0, reader not open on client, a
 * position that is not a SCORE record of the snapshot, or a corrupt record);
 * LFT_ERR_HANDLE (client not initialised).
 */
lft_err_t lft_scores_encode_batch(lft_client_t *client, lft_reader_t *reader, const uint32_t *pos,
                                  size_t count, lft_sink_t *sink);

/*
 * Append the score-create event of SCORE record rec (from an open reader of
 * client) to an ingestion batch another encoder is writing: exactly the
 * bytes of one element of lft_scores_encode_batch's "batch" array,
 *   {"id":<envelope id>,"type":"score-create","timestamp":"...Z","body":{...}}
 * with no separator before or after it (the caller writes the commas).
 * The sink is not flushed; write errors are left in sink->err.
 * Returns LFT_OK; LFT_ERR_NO_WALL_CLOCK while the client does not know the
 * date; LFT_ERR_ARG (NULL, rec not a well-formed SCORE record);
 * LFT_ERR_HANDLE (client not initialised). On error nothing is written.
 */
lft_err_t lft_scores_encode_event(lft_client_t *client, const lft_record_t *rec, lft_sink_t *sink);

/*
 * Encode the body of POST /api/public/scores (CreateScoreRequest) for the
 * SCORE record rec (from an open reader of client): the score body alone,
 * the same bytes as its "body" in lft_scores_encode_batch. No wall clock is
 * needed. The sink is not flushed (see above).
 * Returns LFT_OK; LFT_ERR_ARG (NULL, rec not a SCORE record, corrupt record);
 * LFT_ERR_HANDLE (client not initialised). On error nothing is written.
 */
lft_err_t lft_scores_encode_one(lft_client_t *client, const lft_record_t *rec, lft_sink_t *sink);

#ifdef __cplusplus
}
#endif
#endif /* LFT_SCORES_H */
