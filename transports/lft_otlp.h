/*
 * lft_otlp.h - OTLP/HTTP protobuf encoding of recorded observations for
 * Langfuse's /api/public/otel/v1/traces (and any OpenTelemetry backend).
 *
 * A batch is a list of observations that are ready to export, collected from
 * a reader snapshot: ended observations (END record), events, and starts whose
 * end was lost. Each becomes one span carrying its start and end time, parent
 * span id, and the Langfuse attributes of PROTOCOL.md section 3 (including the
 * trace's fields, on every span); the trace itself is the root span. The
 * encoder streams through an lft_sink_t: run it once on a counting sink for
 * Content-Length, then on a sink that writes through a small scratch buffer.
 */
#ifndef LFT_OTLP_H
#define LFT_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include "lft_record.h"
#include "lft_sink.h"

#ifdef __cplusplus
extern "C" {
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

/* A batch: items of one reader snapshot. */
typedef struct {
    lft_client_t *client;
    lft_reader_t *reader;
    lft_otlp_item_t *items;
    size_t count;
} lft_otlp_batch_t;

/*
 * Collect up to cap exportable observations from reader's snapshot into
 * items (caller-owned) and set batch. Returns the number collected. The
 * reader must be open; records are not released.
 */
size_t lft_otlp_collect(lft_client_t *client, lft_reader_t *reader, lft_otlp_item_t *items,
                        size_t cap, lft_otlp_batch_t *batch);

/*
 * Encode batch as an ExportTraceServiceRequest (protobuf) into sink.
 * Returns LFT_OK, LFT_ERR_NO_WALL_CLOCK while the date is unknown (nothing
 * written), or LFT_ERR_ARG. Write errors are left in sink->err.
 */
lft_err_t lft_otlp_encode_proto(const lft_otlp_batch_t *batch, lft_sink_t *sink);

/* The same request as OTLP/JSON (lowercase hex ids, lowerCamelCase keys,
 * 64-bit integers as strings). Returns as lft_otlp_encode_proto. */
lft_err_t lft_otlp_encode_json(const lft_otlp_batch_t *batch, lft_sink_t *sink);

/* Encoding uses one static scratch area: call the encoders from one thread
 * at a time. */

/* Format Unix microseconds as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"
 * (27 chars + NUL). */
void lft_otlp_iso8601(uint64_t unix_us, char out[28]);

#ifdef __cplusplus
}
#endif
#endif /* LFT_OTLP_H */
