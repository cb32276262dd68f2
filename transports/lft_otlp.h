/*
 * lft_otlp.h - OTLP/HTTP encoding (protobuf and JSON) of recorded
 * observations for Langfuse's /api/public/otel/v1/traces (and any
 * OpenTelemetry backend).
 *
 * A batch is a list of observations that are ready to export, collected from
 * a reader snapshot: ended observations (END record), events, and starts whose
 * end was lost. Each becomes one span carrying its start and end time, parent
 * span id, and the Langfuse attributes of PROTOCOL.md section 3; the trace
 * itself is the root span. The encoder streams through an lft_sink_t: run it
 * once on a counting sink for Content-Length, then on a sink that writes
 * through a small scratch buffer. Its working memory (the decoded records of
 * the span being encoded and of its trace) is an lft_otlp_scratch_t the
 * caller provides: the encoders keep no state of their own and are
 * reentrant (two encodes may run at once on distinct scratches).
 *
 * What goes on the wire (PROTOCOL.md 3.2):
 *   resource  service.name, service.version, device.id, telemetry.sdk.*,
 *             deployment.environment.name (lft_config_t.environment),
 *             langfuse.release (lft_config_t.release), and the non-zero
 *             delivery counters of lft_otlp_batch_t.diag (see below).
 *   span      name, ids, times, kind INTERNAL; status code ERROR (2) with the
 *             status message when the level is ERROR;
 *             langfuse.observation.type; .level; .status_message; .input /
 *             .output; .metadata.<key>; .model.name and gen_ai.request.model;
 *             .model.parameters; .usage_details (every key) and
 *             gen_ai.usage.input_tokens / output_tokens (total_tokens too
 *             unless it is their sum); .cost_details; .completion_start_time
 *             (ISO-8601); .prompt.name and the integer .prompt.version;
 *             langfuse.version (the observation's, else the trace's, else
 *             lft_config_t.version); langfuse.release and
 *             langfuse.environment (the trace's, else the client's).
 *   trace     langfuse.trace.name, user.id, session.id, langfuse.trace.tags,
 *             langfuse.trace.metadata.<key>, langfuse.trace.public: on every
 *             span of the trace (Langfuse v4 guidance: each observation is
 *             then filterable by them). The root span also carries
 *             langfuse.trace.input / .output.
 *
 * LFT_OTLP_COMPACT (compile-time, default 0) trades that completeness for
 * bytes on the wire, relying on what Langfuse assumes or derives anyway: the
 * trace fields go on the root span only; no langfuse.observation.type for
 * spans (Langfuse's default) and no level DEFAULT; ERROR only as the status
 * code and message; the model only as gen_ai.request.model; usage_details
 * only for keys gen_ai.usage.* cannot carry; release and environment only
 * on the resource unless a trace overrides them. Langfuse builds the same
 * trace, but in its v4 observation views only the root observation can then
 * be filtered by the trace fields, and backends other than Langfuse see less.
 * Define it for the whole build (-DLFT_OTLP_COMPACT=1).
 */
#ifndef LFT_OTLP_H
#define LFT_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include "lft_obsview.h"
#include "lft_record.h"
#include "lft_sink.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LFT_OTLP_COMPACT
#define LFT_OTLP_COMPACT 0
#endif

/* One exportable observation, by the positions of its records in the snapshot. */
typedef struct {
    uint32_t pos;        /* END, EVENT, or (end lost) START record */
    uint32_t start_pos;  /* its START record (valid when has_start) */
    uint32_t trace_pos;  /* its trace's START record (valid when has_trace) */
    uint32_t serial;
    uint32_t trace;
    uint32_t parent;
    uint8_t kind;
    uint8_t has_start;
    uint8_t has_trace;
} lft_otlp_item_t;

/*
 * Delivery diagnostics: cumulative totals since the client was initialised,
 * filled by the exporter. Each non-zero counter goes out as an int resource
 * attribute (Langfuse keeps it in metadata.resourceAttributes of every
 * observation of the request):
 *   dropped_ring_full -> lftrace.dropped.ring_full, dropped_too_large ->
 *   lftrace.dropped.too_large, dropped_invalid -> lftrace.dropped.invalid,
 *   dropped_sampled -> lftrace.dropped.sampled, dropped_overwritten ->
 *   lftrace.dropped.overwritten, dropped_rejected -> lftrace.dropped.rejected,
 *   dropped_retries_exhausted -> lftrace.dropped.retries_exhausted,
 *   partial_rejected -> lftrace.partial_rejected, truncated ->
 *   lftrace.truncated, retries -> lftrace.retries.
 */
typedef struct {
    uint32_t dropped_ring_full, dropped_too_large, dropped_invalid, dropped_sampled,
        dropped_overwritten, dropped_rejected /* spans the server refused for good */,
        dropped_retries_exhausted, partial_rejected /* OTLP partial_success rejected_spans */,
        truncated, retries;
} lft_otlp_diag_t;

/*
 * Encode scratch: the merged records of the span being encoded and of its
 * trace (two lft_obsview_t, about 3.3 KB on 32-bit targets; sizeof gives
 * the figure). Caller-owned (static or in a long-lived state such as
 * lft_exporter_t, not on a small stack); needs no initialisation; used only
 * during one encode call, which overwrites it; fields private. Encodes that
 * run at the same time need one scratch each.
 */
typedef struct {
    lft_obsview_t obs;     /* the observation's records */
    lft_obsview_t trace;   /* its trace's records */
    uint32_t trace_serial; /* the trace trace holds, when trace_valid */
    uint8_t trace_valid;
} lft_otlp_scratch_t;

/* A batch: items of one reader snapshot. */
typedef struct {
    lft_client_t *client;
    lft_reader_t *reader;       /* may be NULL when count is 0 */
    lft_otlp_item_t *items;     /* may be NULL when count is 0 */
    size_t count;
    const lft_otlp_diag_t *diag; /* NULL: no diagnostics in the request */
} lft_otlp_batch_t;

/*
 * Collect up to cap exportable observations from reader's snapshot into
 * items (caller-owned), in snapshot order, and set every field of batch
 * (diag = NULL). Returns the number collected. The reader must be open;
 * records are not released.
 */
size_t lft_otlp_collect(lft_client_t *client, lft_reader_t *reader, lft_otlp_item_t *items,
                        size_t cap, lft_otlp_batch_t *batch);

/*
 * 1 when item becomes a span, 0 when its trace is unknown: an END whose
 * START (which names the trace) LFT_DROP_OLDEST freed before it could be
 * exported (that loss is counted in dropped_overwritten). The encoders skip
 * such items; release their records (lft_otlp_item_records) like the rest.
 */
int lft_otlp_item_exportable(const lft_otlp_item_t *item);

/*
 * The records item i of b consists of, i.e. the records to release once the
 * server has acknowledged that span: its END, EVENT or (end lost) START record
 * (item.pos); its START record (item.start_pos, when has_start); and every
 * UPDATE record of its serial in the snapshot. The START of the item's trace
 * (and the trace's updates) belong to the trace's own item, never to a
 * child's. Writes at most cap positions (absolute ring positions, in snapshot
 * order, each once) to pos_out and returns how many records the item has;
 * a return value above cap means pos_out was too small (what was written is
 * the first cap of them). Returns 0 when b, its reader or item i is missing.
 * The reader must still be open. O(records in the snapshot).
 * The encoders apply at most 32 UPDATEs of one observation (the first 32 in
 * snapshot order); any further ones are listed here all the same.
 */
size_t lft_otlp_item_records(const lft_otlp_batch_t *b, size_t i, uint32_t *pos_out, size_t cap);

/*
 * Encode batch as an ExportTraceServiceRequest (protobuf) into sink: one
 * ResourceSpans with the resource (and batch->diag counters), one ScopeSpans
 * (scope "lftrace") and one span per item. A batch of zero items is valid (a
 * request that carries only the resource, e.g. the diagnostics); then items,
 * reader and scratch may be NULL and the wall clock is not needed. scratch
 * is the encoder's working memory (see lft_otlp_scratch_t); the same batch
 * gives the same bytes whatever scratch it is encoded with. Reentrant: calls
 * with distinct scratches and sinks may run at once (the reader's rules
 * apply to the batch's reader).
 * Returns LFT_OK, LFT_ERR_NO_WALL_CLOCK while the date is unknown and count
 * > 0 (nothing written), or LFT_ERR_ARG (NULL batch, sink or client, or
 * count > 0 without items, reader or scratch). Write errors are left in
 * sink->err.
 */
lft_err_t lft_otlp_encode_proto(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                                lft_sink_t *sink);

/* The same request as OTLP/JSON (lowercase hex ids, lowerCamelCase keys,
 * 64-bit integers as strings). Arguments and results as
 * lft_otlp_encode_proto. */
lft_err_t lft_otlp_encode_json(const lft_otlp_batch_t *batch, lft_otlp_scratch_t *scratch,
                               lft_sink_t *sink);

/* Format Unix microseconds as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"
 * (27 chars + NUL). */
void lft_otlp_iso8601(uint64_t unix_us, char out[28]);

#ifdef __cplusplus
}
#endif
#endif /* LFT_OTLP_H */
