/*
 * support_query - the Langfuse tutorial's support-query flow, recorded with
 * lftrace and sent to Langfuse (or the local collector) over TLS.
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
 * Environment (the official SDKs' names):
 *   LANGFUSE_HOST        https://cloud.langfuse.com, https://host:port[/prefix];
 *                        http:// only for a local collector (plain HTTP)
 *   LANGFUSE_PUBLIC_KEY  pk-lf-...
 *   LANGFUSE_SECRET_KEY  sk-lf-...
 *   LANGFUSE_CA_FILE     PEM file of the CA that signs the server's certificate
 *                        (for Langfuse Cloud: the root your system trusts for it,
 *                        e.g. from /etc/ssl/certs; pin one root, not the bundle)
 *   LFT_CONNECT_HOST     optional: address to connect to (e.g. 127.0.0.1)
 *   LFT_OTLP_JSON        optional: 1 sends OTLP/JSON instead of protobuf
 * Without LANGFUSE_HOST the flow is recorded and nothing is sent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_arena.h"
#include "lft_export.h"
#include "lft_net_posix.h"
#include "lft_tls_wrap.h"
#include "lftrace.h"

static uint8_t ring[8192];
static lft_client_t client;
static lft_exporter_t exporter;
static lft_net_posix_t net;
static lft_arena_t tls_arena;
static uint8_t tls_arena_storage[64u * 1024u]; /* all of mbedTLS's memory (see README) */
static uint8_t ca[8192];

static void log_line(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "lftrace: %s%s\n", level == 0 ? "error: " : level == 1 ? "warning: " : "", msg);
}

static int check(lft_err_t err, const char *what)
{
    if (err != LFT_OK) {
        fprintf(stderr, "%s: %s\n", what, lft_err_str(err));
        return 1;
    }
    return 0;
}

/* Split LANGFUSE_HOST into scheme, host, port and path prefix. */
static int parse_host(const char *url, lft_export_config_t *ec, char *host, size_t cap, char *base, size_t bcap)
{
    const char *p = url;
    if (strncmp(p, "https://", 8) == 0) {
        p += 8;
    } else if (strncmp(p, "http://", 7) == 0) {
        p += 7;
        ec->allow_plain_http = 1;
    } else {
        return -1;
    }
    size_t n = strcspn(p, ":/");
    if (n == 0 || n >= cap) {
        return -1;
    }
    memcpy(host, p, n);
    host[n] = '\0';
    p += n;
    if (*p == ':') {
        ec->port = (uint16_t)strtoul(p + 1, (char **)&p, 10);
    }
    if (strlen(p) >= bcap) {
        return -1;
    }
    strcpy(base, p);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') {
        base[--bl] = '\0';
    }
    return 0;
}

/* langfuse.flush(): send everything to LANGFUSE_HOST. Returns 0 on success. */
static int export_all(void)
{
    static char host[256], base[256];
    const char *url = getenv("LANGFUSE_HOST");
    lft_export_config_t ec = { 0 };
    if (url == NULL || parse_host(url, &ec, host, sizeof host, base, sizeof base) != 0) {
        fprintf(stderr, "LANGFUSE_HOST must look like https://host[:port][/prefix]\n");
        return 1;
    }
    ec.host = host;
    ec.base_path = base;
    ec.connect_host = getenv("LFT_CONNECT_HOST");
    ec.public_key = getenv("LANGFUSE_PUBLIC_KEY");
    ec.secret_key = getenv("LANGFUSE_SECRET_KEY");
    ec.format = getenv("LFT_OTLP_JSON") != NULL && strcmp(getenv("LFT_OTLP_JSON"), "1") == 0
                    ? LFT_FORMAT_OTLP_JSON : LFT_FORMAT_OTLP_PROTOBUF;
    ec.log = log_line;
    ec.tls_arena = &tls_arena;
    if (!ec.allow_plain_http) {
        const char *ca_file = getenv("LANGFUSE_CA_FILE");
        FILE *f = ca_file != NULL ? fopen(ca_file, "rb") : NULL;
        if (f == NULL) {
            fprintf(stderr, "LANGFUSE_CA_FILE must name the CA certificate (PEM) of %s\n", host);
            return 1;
        }
        size_t n = fread(ca, 1, sizeof ca - 1u, f);
        fclose(f);
        ca[n++] = '\0';
        ec.ca = ca;
        ec.ca_len = n;
    }
    lft_arena_init(&tls_arena, tls_arena_storage, sizeof tls_arena_storage);
    lft_tls_wrap_install(&tls_arena);
    lft_net_posix_init(&net);
    ec.net.ops = &lft_net_posix_ops;
    ec.net.ctx = &net;
    if (check(lft_export_init(&exporter, &client, &ec), "lft_export_init")) {
        return 1;
    }
    lft_err_t err = lft_export_shutdown(&exporter, 15000); /* flush, with a deadline */
    lft_stats_t st;
    lft_arena_stats_t as;
    (void)lft_client_stats(&client, &st);
    lft_arena_stats(&tls_arena, &as);
    printf("flush: %s; %" PRIu32 " observations acknowledged in %" PRIu32 " requests, %" PRIu64
           " bytes sent; TLS handshakes %" PRIu32 " full, %" PRIu32 " resumed; arena high water %zu B\n",
           lft_err_str(err), st.acknowledged, st.requests, st.bytes_sent, st.handshakes_full,
           st.handshakes_resumed, as.high_water);
    if (err != LFT_OK) {
        fprintf(stderr, "last error %s, HTTP status %u\n", lft_err_str((lft_err_t)st.last_error),
                (unsigned)st.last_status);
    }
    lft_tls_wrap_install(NULL);
    return err == LFT_OK ? 0 : 1;
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
    if (getenv("LANGFUSE_HOST") == NULL) {
        lft_stats_t st;
        (void)lft_client_stats(&client, &st);
        printf("LANGFUSE_HOST not set: %" PRIu32 " records (%" PRIu32 " bytes) kept in the ring, nothing sent\n",
               st.recorded, st.pending_bytes);
    } else {
        fails += export_all();
    }
    (void)lft_client_deinit(&client);
    return fails == 0 ? 0 : 1;
}
