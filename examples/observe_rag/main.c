/*
 * observe_rag - the Langfuse tutorial's @observe RAG pipeline, its error
 * handling and its events, in C with LFT_OBSERVE scopes.
 *
 * Python:
 *     @observe()
 *     def retrieve_documents(query): ...
 *     @observe()
 *     def generate_answer(question, context):
 *         ...
 *         langfuse_context.update_current_observation(usage={...})
 *         langfuse_context.score_current_trace(name="completeness", value=0.85)
 *     @observe()
 *     def answer_support_question(question, user_id):
 *         langfuse_context.update_current_trace(user_id=user_id, session_id="session_abc",
 *                                               tags=["support", "production"])
 *         docs = retrieve_documents(question)
 *         return generate_answer(question, docs)
 *
 * Each LFT_OBSERVE starts a child of the thread's current observation (the
 * outermost one starts the trace) and ends it when the function returns.
 */
#include <inttypes.h>
#include <stdio.h>

#include "lft_record.h"
#include "lftrace.h"

static uint8_t ring[8192];
static lft_client_t client;

static const char *retrieve_documents(const char *query)
{
    LFT_OBSERVE(&client, span, LFT_KIND_RETRIEVER, "retrieve_documents");
    lft_obs_opts_t in = { 0 };
    in.input = LFT_TEXT(query);
    (void)lft_obs_update(&span, &in);
    /* events: lightweight logs under the current observation */
    lft_obs_opts_t hit = { 0 };
    hit.input = LFT_JSON("{\"cache\":\"hit\",\"key\":\"reset-password\"}");
    (void)lft_event(NULL, "cache-hit", &hit);
    lft_obs_opts_t out = { 0 };
    out.output = LFT_JSON("[\"Reset via Settings > Security\",\"Send a reset email\"]");
    (void)lft_obs_update(&span, &out);
    return "Reset via Settings > Security";
}

static const char *generate_answer(const char *question, const char *context)
{
    LFT_OBSERVE(&client, gen, LFT_KIND_GENERATION, "generate_answer");
    (void)question;
    (void)context;
    lft_obs_opts_t model = { 0 };
    model.model = "gpt-4o-mini";
    (void)lft_obs_update(&gen, &model);
    lft_obs_opts_t warn = { 0 };
    warn.level = LFT_LEVEL_WARNING;
    warn.input = LFT_JSON("{\"retry_after_ms\":200}");
    (void)lft_event(NULL, "rate-limit", &warn);
    (void)lft_generation_first_token(&gen);
    static const lft_usage_t usage[] = { { "input", 57 }, { "output", 21 } };
    lft_obs_opts_t done = { 0 };
    done.usage = usage;
    done.usage_count = 2;
    done.output = LFT_TEXT("Open Settings > Security > Change Password.");
    (void)lft_obs_update(&gen, &done);
    lft_score_t completeness = { 0 };
    completeness.name = "completeness";
    completeness.value = 0.85;
    completeness.target = lft_context_trace();
    (void)lft_score(&client, &completeness);
    return "Open Settings > Security > Change Password.";
}

/* The error-handling flow: a failing step ends with level ERROR and an error score. */
static void db_call(void)
{
    LFT_OBSERVE(&client, risky, LFT_KIND_TOOL, "db-call");
    lft_obs_opts_t failed = { 0 };
    failed.level = LFT_LEVEL_ERROR;
    failed.status_message = "timeout";
    failed.output = LFT_JSON("{\"error\":\"timeout\"}");
    (void)lft_observe_end(&risky, &failed);
    lft_score_t error = { 0 };
    error.name = "error";
    error.data_type = LFT_SCORE_BOOLEAN;
    error.value = 1;
    error.comment = "timeout";
    error.target = lft_context_trace();
    (void)lft_score(&client, &error);
}

static const char *answer_support_question(const char *question, const char *user_id)
{
    LFT_OBSERVE(&client, root, LFT_KIND_SPAN, "answer_support_question");
    static const char *const tags[] = { "support", "production" };
    lft_trace_opts_t t = { 0 };
    t.user_id = user_id;
    t.session_id = "session_abc";
    t.tags = tags;
    t.tags_count = 2;
    t.input = LFT_TEXT(question);
    (void)lft_trace_update(lft_context_trace(), &t);
    const char *docs = retrieve_documents(question);
    db_call();
    return generate_answer(question, docs);
}

int main(void)
{
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    if (lft_client_init(&client, &cfg) != LFT_OK) {
        return 1;
    }
    const char *answer = answer_support_question("How do I reset my password?", "user_123");
    printf("answer: %s\n", answer);

    /* Print the tree that was recorded: one line per record. */
    static const char *const types[] = { "PAD", "START", "UPDATE", "END", "EVENT", "SCORE" };
    lft_reader_t reader;
    lft_record_t rec;
    lft_stats_t st;
    (void)lft_reader_begin(&client, &reader);
    while (lft_reader_next(&reader, &rec) == 1) {
        lft_field_iter_t it;
        lft_field_t f;
        const char *name = "";
        int name_len = 0;
        lft_field_iter_init(&it, &rec);
        while (lft_field_next(&it, &f) == 1) {
            if (f.tag == LFT_F_NAME) {
                name = f.str;
                name_len = (int)f.str_len;
            }
        }
        printf("  %-6s %-10s serial %2" PRIu32 " parent %2" PRIu32 "  %.*s\n", types[rec.type],
               lft_kind_name(rec.kind), rec.serial, rec.parent, name_len, name);
        (void)lft_reader_release(&reader, &rec);
    }
    (void)lft_reader_end(&reader);
    (void)lft_client_stats(&client, &st);
    printf("%" PRIu32 " records, dropped %" PRIu32 "\n", st.recorded,
           st.dropped_invalid + st.dropped_ring_full + st.dropped_too_large);
    return lft_context_current() == NULL && st.dropped_invalid == 0 ? 0 : 1;
}
