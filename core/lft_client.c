/*
 * lft_client.c - client lifecycle, configuration checks, counters and names.
 */
#include <string.h>

#include "lft_client_priv.h"
#include "lft_port.h"
#include "lft_ring_priv.h"

const char *lft_err_str(lft_err_t err)
{
    static const char *const names[] = {
        "LFT_OK", "LFT_ERR_ARG", "LFT_ERR_HANDLE", "LFT_ERR_FOREIGN", "LFT_ERR_ENDED",
        "LFT_ERR_KIND", "LFT_ERR_JSON", "LFT_ERR_PROMPT", "LFT_ERR_TOO_LONG",
        "LFT_ERR_RING_FULL", "LFT_ERR_TOO_LARGE", "LFT_ERR_NO_CONTEXT", "LFT_ERR_CONTEXT",
        "LFT_ERR_BUSY", "LFT_ERR_NO_WALL_CLOCK", "LFT_ERR_CONFIG", "LFT_ERR_ENTROPY",
        "LFT_ERR_NET", "LFT_ERR_TIMEOUT", "LFT_ERR_WOULD_BLOCK", "LFT_ERR_CLOSED", "LFT_ERR_TLS",
        "LFT_ERR_TLS_VERIFY", "LFT_ERR_NO_MEMORY", "LFT_ERR_HTTP", "LFT_ERR_REJECTED",
        "LFT_ERR_PENDING",
    };
    int i = -(int)err;
    if (i < 0 || i >= (int)(sizeof names / sizeof names[0])) {
        return "LFT_ERR_UNKNOWN";
    }
    return names[i];
}

const char *lft_kind_name(lft_kind_t kind)
{
    static const char *const names[LFT_KIND_COUNT] = {
        "trace", "span", "generation", "event", "agent", "tool",
        "chain", "retriever", "evaluator", "embedding", "guardrail",
    };
    return (unsigned)kind < LFT_KIND_COUNT ? names[kind] : "span";
}

const char *lft_level_name(lft_level_t level)
{
    switch (level) {
    case LFT_LEVEL_DEBUG:
        return "DEBUG";
    case LFT_LEVEL_DEFAULT:
        return "DEFAULT";
    case LFT_LEVEL_WARNING:
        return "WARNING";
    case LFT_LEVEL_ERROR:
        return "ERROR";
    default:
        return NULL;
    }
}

/* Langfuse's environment rule: [a-z0-9_-]{1,40}, not starting with "langfuse". */
int lft_environment_valid(const char *env)
{
    size_t n = strlen(env);
    if (n == 0 || n > 40u || strncmp(env, "langfuse", 8) == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = env[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
            return 0;
        }
    }
    return 1;
}

int lft_client_sample_threshold(double rate, uint64_t *threshold)
{
    uint64_t bits;
    memcpy(&bits, &rate, sizeof bits);
    if ((bits << 1) == 0 || bits == LFT_F64_ONE) { /* +-0 and 1 keep everything */
        *threshold = UINT64_MAX;
        return 0;
    }
    if ((bits >> 63) != 0 || bits > LFT_F64_ONE) { /* negative, above 1, infinite, NaN */
        return -1;
    }
    /* rate = sig * 2^(e - 1075), so rate * 2^64 = sig * 2^(e - 1011), truncated */
    const uint32_t e = (uint32_t)(bits >> 52);
    const uint64_t sig = (bits & 0xFFFFFFFFFFFFFull) | (1ull << 52);
    if (e >= 1011u) {
        *threshold = sig << (e - 1011u); /* e <= 1022: below 2^64 */
    } else {
        *threshold = e != 0u && 1011u - e < 64u ? sig >> (1011u - e) : 0u;
    }
    return 0;
}

lft_err_t lft_client_init(lft_client_t *client, const lft_config_t *cfg)
{
    uint64_t threshold = 0;
    if (client == NULL || cfg == NULL) {
        return LFT_ERR_ARG;
    }
    if (cfg->ring == NULL || cfg->ring_size < LFT_RING_MIN || cfg->ring_size >= 0x80000000u ||
        (cfg->max_field_bytes != 0 && cfg->max_field_bytes < LFT_FIELD_MIN) ||
        lft_client_sample_threshold(cfg->sample_rate, &threshold) != 0 ||
        (cfg->drop_policy != LFT_DROP_NEWEST && cfg->drop_policy != LFT_DROP_OLDEST) ||
        (cfg->environment != NULL && !lft_environment_valid(cfg->environment))) {
        return LFT_ERR_CONFIG;
    }
    uint8_t seed[32];
    if (lft_port_entropy(seed, sizeof seed) != 0) {
        return LFT_ERR_ENTROPY;
    }
    memset(client, 0, sizeof *client);
    client->cfg = *cfg;
    if (client->cfg.flush_at == 0) {
        client->cfg.flush_at = LFT_DEFAULT_FLUSH_AT;
    }
    if (client->cfg.flush_interval_ms == 0) {
        client->cfg.flush_interval_ms = LFT_DEFAULT_FLUSH_INTERVAL_MS;
    }
    if (client->cfg.max_field_bytes == 0) {
        client->cfg.max_field_bytes = LFT_DEFAULT_MAX_FIELD_BYTES;
    }
    if (client->cfg.max_field_bytes > LFT_RECORD_MAX) {
        client->cfg.max_field_bytes = LFT_RECORD_MAX;
    }
    client->sample_threshold = threshold;
    if (threshold == UINT64_MAX) {
        client->cfg.sample_rate = 1.0;
    }
    if (client->cfg.service_name == NULL) {
        client->cfg.service_name = "lftrace";
    }
    lft_client_seed_ids(client, seed);
    client->instance = ((uint32_t)seed[28] << 24 | (uint32_t)seed[29] << 16 |
                        (uint32_t)seed[30] << 8 | seed[31]) | 1u;
    client->next_serial = 1;
    client->next_seq = 1;
    client->epoch_mono_us = lft_port_time_mono_us();
    uint64_t wall = lft_port_time_unix_us();
    if (wall >= LFT_UNIX_US_2020) {
        client->wall_at_epoch_us = wall;
    }
    lft_ring_init(client, (uint8_t *)cfg->ring, (uint32_t)cfg->ring_size);
    client->stats.ring_size = (uint32_t)cfg->ring_size;
    client->magic = LFT_CLIENT_MAGIC;
    return LFT_OK;
}

lft_err_t lft_client_deinit(lft_client_t *client)
{
    if (client == NULL) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    uint32_t st = lft_port_lock();
    client->magic = 0;
    client->buf = NULL;
    lft_port_unlock(st);
    return LFT_OK;
}

lft_err_t lft_client_stats(lft_client_t *client, lft_stats_t *out)
{
    if (client == NULL || out == NULL) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    uint32_t st = lft_port_lock();
    lft_ring_note_high_water(client);
    *out = client->stats;
    out->pending_bytes = client->used;
    lft_port_unlock(st);
    return LFT_OK;
}

void lft_client_count_error(lft_client_t *c, lft_err_t err)
{
    if (!lft_client_ok(c)) {
        return;
    }
    uint32_t st = lft_port_lock();
    if (err == LFT_ERR_RING_FULL) {
        c->stats.dropped_ring_full++;
    } else if (err == LFT_ERR_TOO_LARGE) {
        c->stats.dropped_too_large++;
    } else {
        c->stats.dropped_invalid++;
    }
    lft_port_unlock(st);
}
