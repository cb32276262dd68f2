/*
 * lft_test_lwip.c - shared parts of the lwIP tests (see lft_test_lwip.h).
 */
#define _DEFAULT_SOURCE
#include "lft_test_lwip.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void lft_test_lwip_say(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1u, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    size_t len = (size_t)n < sizeof line - 1u ? (size_t)n : sizeof line - 2u;
    line[len++] = '\n';
    (void)!write(1, line, len);
}

void lft_test_lwip_args(int argc, char **argv, lft_test_lwip_args_t *a)
{
    memset(a, 0, sizeof *a);
    a->host = "localhost";
    a->connect = "192.0.2.1";
    a->local = "192.0.2.2";
    a->closed_port = 1;
    a->absent = "192.0.2.77";
    a->dns = "192.0.2.1";
    a->name = "collector.lft.test";
    a->nxdomain = "missing.lft.test";
    a->silent = "silent.lft.test";
    a->late = "late.lft.test";
    /* the options taking a string, and where it goes */
    const struct {
        const char *name;
        const char **to;
    } strs[] = {
        { "--ca", &a->ca },         { "--host", &a->host },         { "--connect", &a->connect },
        { "--local", &a->local },   { "--absent", &a->absent },     { "--dns", &a->dns },
        { "--name", &a->name },     { "--nxdomain", &a->nxdomain }, { "--silent", &a->silent },
        { "--late", &a->late },
    };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        size_t n = 0;
        while (n < sizeof strs / sizeof strs[0] && strcmp(k, strs[n].name) != 0) {
            n++;
        }
        if (n < sizeof strs / sizeof strs[0]) {
            *strs[n].to = v;
        } else if (strcmp(k, "--port") == 0) {
            a->port = (uint16_t)atoi(v);
        } else if (strcmp(k, "--closed-port") == 0) {
            a->closed_port = (uint16_t)atoi(v);
        } else {
            lft_test_lwip_say("unknown argument %s", k);
            _exit(2);
        }
    }
    if (a->ca == NULL || a->port == 0 || argc % 2 == 0) {
        lft_test_lwip_say("usage: %s --ca FILE --port P [--host NAME] [--connect IP] [--local IP]"
                          " [--closed-port P] [--absent IP] [--dns IP] [--name NAME] [--nxdomain NAME]"
                          " [--silent NAME] [--late NAME]", argv[0]);
        _exit(2);
    }
}

size_t lft_test_lwip_read_file(const char *path, uint8_t *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    if (fd < 0) {
        lft_test_lwip_say("cannot open %s", path);
        _exit(2);
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, size - 1u - len);
        if (r <= 0) {
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    buf[len++] = '\0';
    return len;
}

static void check(lft_err_t err, const char *what)
{
    if (err != LFT_OK) {
        lft_test_lwip_say("recording %s failed: %s", what, lft_err_str(err));
        _exit(3);
    }
}

void lft_test_lwip_flow_support(lft_client_t *client)
{
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_STR("source", "web-chat") };
    static const char *const tags[] = { "support", "production" };
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    static const lft_kv_t params[] = { LFT_KV_DOUBLE("temperature", 0.2), LFT_KV_INT("max_tokens", 256) };
    lft_trace_t trace = LFT_OBS_INIT;
    lft_trace_opts_t to = { .user_id = "user_123", .session_id = "session_abc", .metadata = meta,
                            .metadata_count = 2, .tags = tags, .tags_count = 2,
                            .input = LFT_TEXT("How do I reset my password?") };
    check(lft_trace_start(client, &trace, "support-query", &to), "trace");
    lft_obs_t retrieval = LFT_OBS_INIT;
    lft_obs_opts_t ro = { .input = LFT_JSON("{\"query\":\"How do I reset my password?\"}") };
    check(lft_span_start(&retrieval, &trace, "retrieval", &ro), "retrieval");
    lft_obs_opts_t eo = { .input = LFT_JSON("{\"before\":10,\"after\":5}") };
    check(lft_event(&retrieval, "rerank", &eo), "rerank");
    lft_obs_opts_t rend = { .output = LFT_JSON("[\"Reset via Settings > Security\"]") };
    check(lft_obs_end(&retrieval, &rend), "retrieval end");
    lft_obs_t llm = LFT_OBS_INIT;
    lft_obs_opts_t lo = { .model = "gpt-4o-mini", .model_parameters = params, .model_parameters_count = 2,
                          .input = LFT_JSON("[{\"role\":\"user\",\"content\":\"How do I reset my password?\"}]") };
    check(lft_generation_start(&llm, &trace, "llm-answer", &lo), "llm");
    check(lft_generation_first_token(&llm), "first token");
    lft_obs_opts_t lend = { .output = LFT_TEXT("Go to Settings > Security and choose Reset password."),
                            .usage = usage, .usage_count = 3 };
    check(lft_obs_end(&llm, &lend), "llm end");
    lft_score_t sc = { .name = "helpfulness", .value = 0.92, .comment = "Answered correctly with context.",
                       .target = &trace };
    check(lft_score(client, &sc), "score");
    lft_trace_opts_t tend = { .output = LFT_TEXT("Go to Settings > Security and choose Reset password.") };
    check(lft_trace_end(&trace, &tend), "trace end");
}

/* The exporter's log, to stderr without stdio. */
static void log_line(void *ctx, int level, const char *msg)
{
    char line[512];
    (void)ctx;
    int n = snprintf(line, sizeof line, "lftrace[%d]: %s\n", level, msg);
    if (n > 0) {
        (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1u);
    }
}

void lft_test_lwip_export_config(lft_export_config_t *ec, const lft_test_lwip_args_t *a, const uint8_t *ca,
                                 size_t ca_len)
{
    memset(ec, 0, sizeof *ec);
    ec->host = a->host;
    ec->connect_host = a->connect;
    ec->port = a->port;
    ec->public_key = "pk-lf-test";
    ec->secret_key = "sk-lf-test";
    ec->ca = ca;
    ec->ca_len = ca_len;
    ec->connect_timeout_ms = 5000;
    ec->io_timeout_ms = 5000;
    ec->retry_base_ms = 200;
    ec->retry_cap_ms = 1000;
    ec->log = log_line;
}
