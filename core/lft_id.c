/*
 * lft_id.c - W3C trace and span ids.
 *
 * Ids come from a counter-based PRNG: the SplitMix64 output function applied
 * to key + serial * golden-gamma, with keys seeded once from the port's
 * entropy. Records therefore store a small serial instead of 8 or 16 id
 * bytes, and the id is recomputed at export. The output function is a
 * bijection, so span ids never repeat within one client instance (2^32
 * serials). It maps only 0 to 0, so an id is zero exactly when key +
 * serial * gamma is: lft_client_seed_ids changes (one bit of) a key for
 * which that happens at a serial below 2^32, and serials need no check.
 */
#include "lft_client_priv.h"
#include "lft_record.h"

#define LFT_GOLDEN_GAMMA 0x9E3779B97F4A7C15ull
#define LFT_GOLDEN_GAMMA_INV 0xF1DE83E19937733Dull /* its inverse mod 2^64 */

static uint64_t lft_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t lft_span_id_u64(const lft_client_t *c, uint32_t serial)
{
    return lft_mix64(c->key_span + (uint64_t)serial * LFT_GOLDEN_GAMMA);
}

static uint64_t lft_trace_hi_u64(const lft_client_t *c, uint32_t serial)
{
    return lft_mix64(c->key_trace_hi + (uint64_t)serial * LFT_GOLDEN_GAMMA);
}

static uint64_t lft_trace_lo_u64(const lft_client_t *c, uint32_t serial)
{
    return lft_mix64(c->key_trace_lo + (uint64_t)serial * LFT_GOLDEN_GAMMA);
}

static void lft_put_be64(uint8_t *out, uint64_t v)
{
    for (unsigned i = 0; i < 8u; i++) {
        out[i] = (uint8_t)(v >> (56u - 8u * i));
    }
}

static uint64_t lft_load_u64(const uint8_t *b)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8u; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

void lft_client_seed_ids(lft_client_t *c, const uint8_t seed[24])
{
    c->key_span = lft_load_u64(seed);
    c->key_trace_hi = lft_load_u64(seed + 8);
    c->key_trace_lo = lft_load_u64(seed + 16);
    /* The serial whose span id is zero: key + s * gamma == 0. Flipping the
     * key's low bit moves it by gamma^-1, far above 2^32. */
    if ((0u - c->key_span) * LFT_GOLDEN_GAMMA_INV <= UINT32_MAX) {
        c->key_span ^= 1u;
    }
    /* Both trace halves are zero at one serial only when the keys are equal. */
    if (c->key_trace_hi == c->key_trace_lo) {
        c->key_trace_hi ^= 1u;
    }
}

int lft_client_sample(const lft_client_t *c, uint32_t trace_serial)
{
    return c->sample_threshold == UINT64_MAX || lft_trace_lo_u64(c, trace_serial) < c->sample_threshold;
}

lft_err_t lft_client_span_id(const lft_client_t *client, uint32_t serial, uint8_t out[8])
{
    if (!lft_client_ok(client) || out == NULL || serial == 0) {
        return LFT_ERR_ARG;
    }
    lft_put_be64(out, lft_span_id_u64(client, serial));
    return LFT_OK;
}

lft_err_t lft_client_trace_id(const lft_client_t *client, uint32_t trace_serial, uint8_t out[16])
{
    if (!lft_client_ok(client) || out == NULL || trace_serial == 0) {
        return LFT_ERR_ARG;
    }
    lft_put_be64(out, lft_trace_hi_u64(client, trace_serial));
    lft_put_be64(out + 8, lft_trace_lo_u64(client, trace_serial));
    return LFT_OK;
}

lft_err_t lft_obs_trace_id(const lft_obs_t *obs, uint8_t out[16])
{
    lft_err_t err = lft_obs_check(obs);
    if (err != LFT_OK) {
        return err;
    }
    return lft_client_trace_id(obs->client, obs->trace_serial, out);
}

lft_err_t lft_obs_span_id(const lft_obs_t *obs, uint8_t out[8])
{
    lft_err_t err = lft_obs_check(obs);
    if (err != LFT_OK) {
        return err;
    }
    return lft_client_span_id(obs->client, obs->serial, out);
}

static void lft_hex(char *out, const uint8_t *b, unsigned n)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2u * i] = digits[b[i] >> 4];
        out[2u * i + 1u] = digits[b[i] & 0x0Fu];
    }
}

lft_err_t lft_obs_traceparent(const lft_obs_t *obs, char *out, size_t cap)
{
    uint8_t tid[16], sid[8];
    if (out == NULL || cap < 56u) {
        return LFT_ERR_ARG;
    }
    lft_err_t err = lft_obs_trace_id(obs, tid);
    if (err == LFT_OK) {
        err = lft_obs_span_id(obs, sid);
    }
    if (err != LFT_OK) {
        return err;
    }
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    lft_hex(out + 3, tid, 16u);
    out[35] = '-';
    lft_hex(out + 36, sid, 8u);
    out[52] = '-';
    out[53] = '0';
    out[54] = (obs->flags & LFT_OBSF_SAMPLED_OUT) ? '0' : '1';
    out[55] = '\0';
    return LFT_OK;
}
