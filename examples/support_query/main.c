/*
 * support_query - the Langfuse tutorial's support-query flow, recorded with lftrace.
 *
 * Python (Langfuse tutorial, chapter 2):
 *     trace = langfuse.trace(name="support-query", user_id="user_123",
 *                            session_id="session_abc",
 *                            metadata={"plan": "pro", "source": "web-chat"},
 *                            tags=["support", "production"])
 *     retrieval = trace.span(name="retrieval", input={"query": ...})
 *     retrieval.end(output=[...])
 *     llm = trace.generation(name="llm-answer", model="gpt-4o-mini", input=...)
 *     llm.end(output=..., usage={"input": 42, "output": 18, "total": 60})
 *     trace.score(name="helpfulness", value=0.92, comment="...")
 *     langfuse.flush()
 *
 * Until the network exporter exists, "flush" reads the ring back through the
 * record reader and prints every decoded record.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lft_record.h"
#include "lftrace.h"

static uint8_t ring[8192];
static lft_client_t client;

static void print_field(const lft_field_t *f)
{
    printf("      #%-2d ", (int)f->tag);
    if (f->key != NULL) {
        printf("%.*s = ", (int)f->key_len, f->key);
    }
    switch (f->tag) {
    case LFT_F_META_DOUBLE:
    case LFT_F_PARAM_DOUBLE:
    case LFT_F_COST:
    case LFT_F_SCORE_VALUE:
        printf("%g\n", f->d);
        break;
    case LFT_F_USAGE:
    case LFT_F_TIME_UNIX:
    case LFT_F_COMPLETION_START_UNIX:
    case LFT_F_PROMPT_VERSION:
        printf("%" PRIu64 "\n", f->u);
        break;
    default:
        if (f->str != NULL) {
            printf("\"%.*s\"\n", (int)f->str_len, f->str);
        } else {
            printf("%" PRId64 "\n", f->i);
        }
        break;
    }
}

/* "flush": decode and print every pending record, then release it. */
static void print_records(void)
{
    static const char *const types[] = { "PAD", "START", "UPDATE", "END", "EVENT", "SCORE" };
    lft_reader_t reader;
    lft_record_t rec;
    if (lft_reader_begin(&client, &reader) != LFT_OK) {
        return;
    }
    while (lft_reader_next(&reader, &rec) == 1) {
        uint8_t id[8];
        uint64_t unix_us = 0;
        (void)lft_client_span_id(&client, rec.serial, id);
        (void)lft_time_to_unix_us(&client, rec.time_us, &unix_us);
        printf("  %-6s %-10s span %02x%02x%02x%02x%02x%02x%02x%02x  serial %" PRIu32
               " parent %" PRIu32 " trace %" PRIu32 "  t=%" PRIu64 " us  %u bytes\n",
               types[rec.type], lft_kind_name(rec.kind), id[0], id[1], id[2], id[3], id[4], id[5],
               id[6], id[7], rec.serial, rec.parent, rec.trace, unix_us, (unsigned)rec.len);
        lft_field_iter_t it;
        lft_field_t f;
        lft_field_iter_init(&it, &rec);
        while (lft_field_next(&it, &f) == 1) {
            print_field(&f);
        }
        (void)lft_reader_release(&reader, &rec);
    }
    (void)lft_reader_end(&reader);
}

static int check(lft_err_t err, const char *what)
{
    if (err != LFT_OK) {
        fprintf(stderr, "%s: %s\n", what, lft_err_str(err));
        return 1;
    }
    return 0;
}

int main(void)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.environment = "production";
    cfg.release = "v1.4.2";
    cfg.service_name = "support-bot";
    cfg.device_id = "edge-gw-01";
    if (check(lft_client_init(&client, &cfg), "lft_client_init")) {
        return 1;
    }

    /* trace = langfuse.trace(...) */
    static const lft_kv_t trace_meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_STR("source", "web-chat") };
    static const char *const tags[] = { "support", "production" };
    lft_trace_opts_t topts = { 0 };
    topts.user_id = "user_123";
    topts.session_id = "session_abc";
    topts.metadata = trace_meta;
    topts.metadata_count = 2;
    topts.tags = tags;
    topts.tags_count = 2;
    topts.input = LFT_TEXT("How do I reset my password?");
    lft_trace_t trace = LFT_OBS_INIT;
    int fails = check(lft_trace_start(&client, &trace, "support-query", &topts), "trace");

    /* retrieval = trace.span(...); retrieval.end(output=...) */
    lft_obs_t retrieval = LFT_OBS_INIT;
    lft_obs_opts_t ropts = { 0 };
    ropts.input = LFT_JSON("{\"query\":\"How do I reset my password?\"}");
    fails += check(lft_span_start(&retrieval, &trace, "retrieval", &ropts), "retrieval");
    lft_obs_opts_t rerank = { 0 };
    rerank.input = LFT_JSON("{\"before\":10,\"after\":5}");
    fails += check(lft_event(&retrieval, "rerank", &rerank), "rerank");
    lft_obs_opts_t rend = { 0 };
    rend.output = LFT_JSON("[\"Reset via Settings > Security > Change Password\","
                           "\"Send a password-reset email from the login page\"]");
    fails += check(lft_obs_end(&retrieval, &rend), "retrieval end");

    /* llm = trace.generation(...); first token; llm.end(output=..., usage=...) */
    static const lft_kv_t params[] = { LFT_KV_DOUBLE("temperature", 0.2), LFT_KV_INT("max_tokens", 256) };
    lft_obs_t llm = LFT_OBS_INIT;
    lft_obs_opts_t gopts = { 0 };
    gopts.model = "gpt-4o-mini";
    gopts.model_parameters = params;
    gopts.model_parameters_count = 2;
    gopts.input = LFT_JSON("{\"question\":\"How do I reset my password?\",\"context\":2}");
    fails += check(lft_generation_start(&llm, &trace, "llm-answer", &gopts), "llm-answer");
    fails += check(lft_generation_first_token(&llm), "first token");
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    lft_obs_opts_t gend = { 0 };
    gend.output = LFT_TEXT("Open Settings > Security > Change Password, or use the reset email.");
    gend.usage = usage;
    gend.usage_count = 3;
    fails += check(lft_obs_end(&llm, &gend), "llm-answer end");

    /* trace.score(name="helpfulness", value=0.92, comment=...) */
    lft_score_t score = { 0 };
    score.name = "helpfulness";
    score.value = 0.92;
    score.comment = "Answered correctly with context.";
    score.target = &trace;
    fails += check(lft_score(&client, &score), "score");

    lft_trace_opts_t tend = { 0 };
    tend.output = LFT_TEXT("Open Settings > Security > Change Password, or use the reset email.");
    fails += check(lft_trace_end(&trace, &tend), "trace end");

    /* langfuse.flush() */
    char traceparent[56];
    (void)lft_obs_traceparent(&trace, traceparent, sizeof traceparent);
    printf("trace support-query recorded (traceparent %s)\n", traceparent);
    lft_stats_t st;
    (void)lft_client_stats(&client, &st);
    printf("%" PRIu32 " records, %" PRIu32 " bytes of the %" PRIu32 "-byte ring:\n", st.recorded,
           st.pending_bytes, st.ring_size);
    print_records();
    (void)lft_client_stats(&client, &st);
    printf("after flush: %" PRIu32 " pending records, %" PRIu32 " bytes in use, dropped %" PRIu32 "\n",
           st.pending_records, st.pending_bytes,
           st.dropped_ring_full + st.dropped_too_large + st.dropped_invalid + st.dropped_overwritten);
    (void)lft_client_deinit(&client);
    return fails == 0 ? 0 : 1;
}
