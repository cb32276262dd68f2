/*
 * lft_ingest.h - Langfuse batch-ingestion encoding (POST /api/public/ingestion,
 * the classic trace-create / span-update API that self-hosted Langfuse v2
 * and v3 servers take; PROTOCOL.md section 1).
 *
 * Flow. The exporter opens a reader, collects items (lft_ingest_collect),
 * encodes the first count of them once on a counting sink (Content-Length,
 * and halving count until the request fits its byte bound) and once on a
 * streaming sink (lft_ingest_encode: both passes give identical bytes for
 * the same snapshot), sends the request and matches the 207 reply's
 * per-event ids with lft_ingest_envelope_id. Then, per item:
 *   - acknowledged (per-event 2xx): release every record
 *     lft_ingest_item_records lists, and when it gives a mark_sent position
 *     (the create of a still-open observation), lft_reader_mark_sent on that
 *     START (decode it with lft_reader_at). Its end then goes out later as
 *     an update.
 *   - dropped for good (per-event 4xx): exactly the same as acknowledged
 *     (release the listed records, mark the START sent): the event is not
 *     sent again, and an open observation's remaining fields still go out
 *     as an update when it ends.
 *   - retryable (per-event 5xx, or the request failed): touch nothing; the
 *     next collect yields the same event with the same envelope id.
 * Then lft_reader_end. Records no item lists are either open (the ring
 * moves them) or belong to an observation whose END came after the
 * snapshot (the next collect takes them).
 *
 * Request headers are the exporter's job. The official SDKs send
 * Content-Type: application/json, Authorization: Basic
 * base64(public_key:secret_key), x-langfuse-sdk-name, x-langfuse-sdk-version
 * and x-langfuse-public-key (hyphens: nginx drops underscore headers); send
 * x-langfuse-sdk-name: lftrace, x-langfuse-sdk-version: LFTRACE_VERSION.
 *
 * Events. Per item, by observation and state (collect decides):
 *   trace (LFT_KIND_TRACE)   trace-create, an upsert: once when first seen
 *                            (open or ended) and, if it was open then, once
 *                            more at its end with the fields that changed.
 *   span, generation         span-create / generation-create (with endTime
 *                            when it has ended); span-update /
 *                            generation-update for the end of one whose
 *                            create was delivered (START flagged
 *                            LFT_RECF_SENT) or whose START is gone (orphan
 *                            END).
 *   agent, tool, chain, retriever, evaluator, embedding, guardrail
 *                            this API has no event types for them (the
 *                            server's agent-create etc. are internal, with
 *                            no updates): span-create / span-update, with
 *                            the kind in metadata as "lftrace.kind" (e.g.
 *                            "tool"). Their generation fields, which a span
 *                            body cannot carry, go into metadata too:
 *                            "lftrace.model", "lftrace.model_parameters",
 *                            "lftrace.usage_details", "lftrace.cost_details"
 *                            (objects) and "lftrace.completion_start_time"
 *                            (ISO-8601).
 *   event                    event-create.
 *   score                    score-create (lft_scores_encode_event).
 *
 * Envelope: {"id","type","timestamp","body"}. id is the 16 lowercase hex
 * digits of lft_client_span_id(serial) plus a suffix: "-t" trace-create
 * (first), "-tu" trace-create (the end of a trace whose first was
 * delivered), "-c" observation create and event-create, "-u" observation
 * update, "-e" score-create (lft_scores_envelope_id). So it is unique per
 * event and the same on every retry of the same records. timestamp is
 * "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC, microseconds): the start time for
 * creates, the end time for updates (the server merges an entity's events
 * in timestamp order), the event's or score's time.
 *
 * Bodies (keys in this order, each only when it has a value):
 *   trace-create  id (32 hex, lft_client_trace_id), timestamp (start; not on
 *                 the "-tu" event), name, userId, sessionId, release,
 *                 version, input, output, metadata (object), tags (array),
 *                 environment, public. On the first event release, version
 *                 and environment default to lft_config_t's.
 *   observation   id (16 hex, lft_client_span_id), traceId (32 hex),
 *                 parentObservationId (16 hex; left out when the parent is
 *                 the trace itself), name, startTime, endTime (ended spans
 *                 and generations), input, output, metadata (object), level,
 *                 statusMessage, version, environment (the trace's, else
 *                 lft_config_t's); generations also model, modelParameters,
 *                 usageDetails (map of integers; never the deprecated
 *                 "usage"), costDetails (map of numbers),
 *                 completionStartTime, promptName and promptVersion (both
 *                 or neither).
 *   updates       id, traceId, parentObservationId, endTime and the fields
 *                 of the UPDATE and END records not yet delivered (a
 *                 create's UPDATEs are released with it), environment.
 * Text input/output is a JSON string, JSON input/output is written as
 * recorded; strings are escaped and ill-formed UTF-8 becomes U+FFFD.
 * Environment values are normalised as the server does (see
 * lft_ingest_environment).
 *
 * Limits: an observation's first LFT_OBSVIEW_MAX_UPDATES UPDATE records (in
 * snapshot order) are applied; further ones of an ended observation are
 * listed for release all the same (like lft_otlp_item_records), those of an
 * open one stay for its update.
 *
 * Encoding keeps no state of its own: its working memory is an
 * lft_ingest_scratch_t the caller provides, so lft_ingest_encode is
 * reentrant (calls with distinct scratches may run at once; each from the
 * thread that owns its reader).
 */
#ifndef LFT_INGEST_H
#define LFT_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "lft_obsview.h"
#include "lft_record.h"
#include "lft_sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an item sends. */
typedef enum {
    LFT_INGEST_CREATE = 1,      /* create of an ended observation (with its end time, unless
                                   the END was lost) or trace */
    LFT_INGEST_CREATE_OPEN = 2, /* create of a still-open one: its START is marked sent */
    LFT_INGEST_UPDATE = 3,      /* update: the end of one whose create was delivered, or an
                                   orphan END (trace: the second trace-create) */
    LFT_INGEST_EVENT = 4,       /* event-create */
    LFT_INGEST_SCORE = 5        /* score-create */
} lft_ingest_action_t;

/* One event to send, by the positions of its records in the snapshot. */
typedef struct {
    uint32_t pos;       /* the record that made the item: END, EVENT, SCORE, or a START
                           (open create, or a START whose END was lost) */
    uint32_t start_pos; /* its START (valid when has_start) */
    uint32_t trace_pos; /* its trace's START (valid when has_trace) */
    uint32_t serial;
    uint32_t trace;     /* trace serial (0: unknown) */
    uint32_t parent;    /* parent serial (0: none or unknown) */
    uint8_t kind;       /* lft_kind_t */
    uint8_t action;     /* lft_ingest_action_t */
    uint8_t has_start;
    uint8_t has_trace;
} lft_ingest_item_t;

/* A batch: items of one reader snapshot. Set by lft_ingest_collect. */
typedef struct {
    lft_client_t *client;
    lft_reader_t *reader;
    lft_ingest_item_t *items;
    size_t count;
} lft_ingest_batch_t;

/*
 * Encode scratch: the merged records of the observation being encoded and
 * of its trace (two lft_obsview_t, about 3.3 KB on 32-bit targets; sizeof
 * gives the figure). Caller-owned (static or in a long-lived state such as
 * lft_exporter_t, not on a small stack); needs no initialisation; used only
 * during one lft_ingest_encode call, which overwrites it; fields private.
 * Encodes that run at the same time need one scratch each.
 */
typedef struct {
    lft_obsview_t obs;     /* the observation being encoded */
    lft_obsview_t trace;   /* the trace it belongs to */
    uint32_t trace_serial; /* the serial trace holds, 0: none */
} lft_ingest_scratch_t;

/* Longest envelope id ("<16 hex>-tu"), without its NUL. */
#define LFT_INGEST_ENVELOPE_ID_MAX 19u

/* Longest normalised environment (the server cuts at 40). */
#define LFT_INGEST_ENV_MAX 40u

/*
 * Collect up to cap events to send from reader's open snapshot into items
 * (caller-owned), in snapshot order, and set every field of batch (also
 * when 0 items are found). Per record of the snapshot:
 *   START not ended, not LFT_RECF_SENT   CREATE_OPEN
 *   START not ended, LFT_RECF_SENT       nothing (its end will be an update)
 *   START ended with LFT_RECF_END_LOST   CREATE (no end time), or UPDATE if SENT
 *   END                                  CREATE (START here, not SENT), UPDATE
 *                                        (START SENT, or START gone)
 *   EVENT, SCORE                         EVENT, SCORE
 *   START ended otherwise, UPDATE        nothing (the END's item covers them)
 * Records are not released or marked. Returns the number of items (0 when
 * client, reader, items or batch is NULL, or cap is 0; batch is then set
 * when not NULL). O(records^2) in the worst case.
 */
size_t lft_ingest_collect(lft_client_t *client, lft_reader_t *reader, lft_ingest_item_t *items,
                          size_t cap, lft_ingest_batch_t *batch);

/*
 * Encode the request body for the first count items of batch into sink:
 *   {"batch":[<event>,...],"metadata":{"sdk_name":"lftrace",
 *    "sdk_version":LFTRACE_VERSION,"batch_size":count}}
 * (see the top of this file for the events). count may be 0 (an empty
 * batch; scratch may then be NULL) and must not exceed batch->count. The
 * reader must still be open. scratch is the encoder's working memory (see
 * lft_ingest_scratch_t); the bytes do not depend on it.
 * Everything is checked before the first byte is written: on error the sink
 * is untouched. The sink is not flushed (call lft_sink_flush); write errors
 * are left in sink->err.
 * Returns LFT_OK; LFT_ERR_NO_WALL_CLOCK while the client does not know the
 * date and count > 0 (keep the records); LFT_ERR_ARG (NULL batch or sink,
 * count > batch->count, items, reader or scratch NULL with count > 0, reader not
 * open on the client, an item whose record is no longer readable or a
 * corrupt SCORE record); LFT_ERR_HANDLE (client not initialised).
 */
lft_err_t lft_ingest_encode(const lft_ingest_batch_t *batch, size_t count,
                            lft_ingest_scratch_t *scratch, lft_sink_t *sink);

/*
 * Write the envelope id of item i (see the top of this file) into out,
 * NUL-terminated: the "id" a 207 reply reports for that event (compare byte
 * for byte). Needs no wall clock and no open reader.
 * Errors: LFT_ERR_ARG (NULL, i >= batch->count, serial 0, unknown action,
 * client not initialised); out is then "" when not NULL.
 */
lft_err_t lft_ingest_envelope_id(const lft_ingest_batch_t *batch, size_t i,
                                 char out[LFT_INGEST_ENVELOPE_ID_MAX + 1u]);

/*
 * The records to release once item i's event has been acknowledged (or
 * dropped for good), as absolute ring positions in snapshot order, each
 * once; at most cap are written to release_pos (NULL when cap is 0). The
 * return value is how many there are: above cap, release_pos was too small.
 *   CREATE, UPDATE  the item's END (or end-lost START), its START when in
 *                   the snapshot, and every UPDATE of its serial;
 *   CREATE_OPEN     the UPDATEs the create carried (the first
 *                   LFT_OBSVIEW_MAX_UPDATES of its serial): not the START;
 *   EVENT, SCORE    the record itself.
 * A trace's START and UPDATEs belong to the trace's own item, never to a
 * child's. When item i is CREATE_OPEN and mark_sent_pos is not NULL,
 * *mark_sent_pos is set to its START's position: mark that record with
 * lft_reader_mark_sent; otherwise *mark_sent_pos is left unchanged.
 * Returns 0 (nothing written) when batch, its reader or item i is missing.
 * The reader must still be open. O(records).
 */
size_t lft_ingest_item_records(const lft_ingest_batch_t *batch, size_t i, uint32_t *release_pos,
                               size_t cap, uint32_t *mark_sent_pos);

/*
 * Normalise an environment name as the Langfuse server does for public
 * keys: lowercase ASCII, strip one leading "langfuse-" or "langfuse_", cut
 * to LFT_INGEST_ENV_MAX bytes; when the result is empty or has a byte
 * outside [a-z0-9_-], it is "default". Writes the NUL-terminated result to
 * out and returns its length (1..LFT_INGEST_ENV_MAX). env may be NULL when
 * len is 0.
 */
size_t lft_ingest_environment(const char *env, size_t len, char out[LFT_INGEST_ENV_MAX + 1u]);

#ifdef __cplusplus
}
#endif
#endif /* LFT_INGEST_H */
