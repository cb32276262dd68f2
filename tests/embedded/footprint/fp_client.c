/*
 * fp_client.c - the whole-client footprint application: the record core
 * (every function, as fp_core.c) plus the exporter (transports/lft_export.c:
 * flush policy and delivery) with everything it pulls in: the OTLP protobuf
 * and JSON encoders, HTTP/1.1, reply parsers, score encoders. TLS, base64
 * and the network stream are stubs (fp_stubs.c).
 */
#include "lft_export.h"
#include "lft_record.h"
#include "lftrace.h"

typedef void (*fp_fn)(void);
#define FP(f) (fp_fn)(uintptr_t)(f)

volatile fp_fn fp_keep[] = {
    FP(lft_client_init), FP(lft_trace_start), FP(lft_trace_end), FP(lft_span_start),
    FP(lft_generation_start), FP(lft_obs_end), FP(lft_event), FP(lft_obs_update),
    FP(lft_generation_first_token), FP(lft_client_deinit), FP(lft_client_stats),
    FP(lft_time_set_unix_us), FP(lft_time_set_unix_s), FP(lft_time_to_unix_us),
    FP(lft_obs_trace_id), FP(lft_obs_span_id), FP(lft_obs_traceparent), FP(lft_trace_update),
    FP(lft_obs_start), FP(lft_score), FP(lft_context_current), FP(lft_context_trace),
    FP(lft_context_push), FP(lft_context_pop), FP(lft_observe_begin), FP(lft_observe_end),
    FP(lft_observe_cleanup), FP(lft_obs_is_open), FP(lft_kind_name), FP(lft_level_name),
    FP(lft_err_str), FP(lft_export_init), FP(lft_poll), FP(lft_flush), FP(lft_export_shutdown),
};

int main(void)
{
    return fp_keep[0] != 0;
}
