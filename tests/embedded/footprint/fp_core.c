/*
 * fp_core.c - the record-core footprint application: references every
 * function of lftrace.h and the record reader (lft_record.h) an exporter
 * uses, so nothing of the core is garbage-collected. FP_MINIMAL keeps only
 * what a firmware recording traces, spans, generations and events needs.
 */
#include "lft_record.h"
#include "lftrace.h"

typedef void (*fp_fn)(void);
#define FP(f) (fp_fn)(uintptr_t)(f)

volatile fp_fn fp_keep[] = {
    FP(lft_client_init), FP(lft_trace_start), FP(lft_trace_end), FP(lft_span_start),
    FP(lft_generation_start), FP(lft_obs_end), FP(lft_event), FP(lft_obs_update),
    FP(lft_generation_first_token),
#ifndef FP_MINIMAL
    FP(lft_client_deinit), FP(lft_client_stats), FP(lft_time_set_unix_us), FP(lft_time_set_unix_s),
    FP(lft_time_to_unix_us), FP(lft_obs_trace_id), FP(lft_obs_span_id), FP(lft_obs_traceparent),
    FP(lft_trace_update), FP(lft_obs_start), FP(lft_score), FP(lft_context_current),
    FP(lft_context_trace), FP(lft_context_push), FP(lft_context_pop), FP(lft_observe_begin),
    FP(lft_observe_end), FP(lft_observe_cleanup), FP(lft_obs_is_open), FP(lft_kind_name),
    FP(lft_level_name), FP(lft_err_str), FP(lft_reader_begin), FP(lft_reader_next),
    FP(lft_reader_at), FP(lft_reader_release), FP(lft_reader_mark_sent), FP(lft_reader_is_ended),
    FP(lft_reader_end), FP(lft_field_iter_init), FP(lft_field_next), FP(lft_client_span_id),
    FP(lft_client_trace_id),
#endif
};

int main(void)
{
    return fp_keep[0] != 0;
}
