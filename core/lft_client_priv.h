/*
 * lft_client_priv.h - client and handle internals shared by the core modules.
 */
#ifndef LFT_CLIENT_PRIV_H
#define LFT_CLIENT_PRIV_H

#include "lft_port.h"
#include "lftrace.h"

#define LFT_CLIENT_MAGIC 0x4C465443u /* "LFTC" */
#define LFT_OBS_MAGIC 0x4C46544Fu    /* "LFTO" */

/* lft_obs_t.state */
#define LFT_STATE_NONE 0u
#define LFT_STATE_OPEN 1u
#define LFT_STATE_ENDED 2u

/* lft_obs_t.flags */
#define LFT_OBSF_SAMPLED_OUT 0x01u
#define LFT_OBSF_IN_CONTEXT 0x02u

/* Unix microseconds of 2020-01-01: anything earlier is not a real date. */
#define LFT_UNIX_US_2020 1577836800000000ull

/* 1 when client is initialised. */
static inline int lft_client_ok(const lft_client_t *c)
{
    return c != NULL && c->magic == LFT_CLIENT_MAGIC;
}

/* Validate a started handle: LFT_OK, LFT_ERR_ARG, LFT_ERR_HANDLE (never
 * started, or its client was deinitialised) or LFT_ERR_FOREIGN (its client
 * was initialised again since). */
lft_err_t lft_obs_check(const lft_obs_t *obs);

/* The initialised client a started handle points to (even when the handle is
 * foreign to its current instance), or NULL: where a refused call on the
 * handle is counted. */
lft_client_t *lft_obs_live_client(const lft_obs_t *obs);

/* Fill a handle for a started observation (its START record at absolute
 * position pos). Inlined: the fast path's is a handful of stores. */
static inline void lft_obs_fill(lft_obs_t *obs, lft_client_t *c, uint32_t kind, uint32_t serial,
                                uint32_t trace, uint32_t parent, uint32_t pos, int sampled_out)
{
    obs->client = c;
    obs->ctx_prev = NULL;
    obs->magic = LFT_OBS_MAGIC;
    obs->instance = c->instance;
    obs->serial = serial;
    obs->trace_serial = trace;
    obs->parent_serial = parent;
    obs->start_abs = pos;
    obs->kind = (uint8_t)kind;
    obs->state = LFT_STATE_OPEN;
    obs->flags = sampled_out ? LFT_OBSF_SAMPLED_OUT : 0u;
}

/* Microseconds since the client's monotonic epoch. */
static inline int64_t lft_client_now(const lft_client_t *c)
{
    return (int64_t)(lft_port_time_mono_us() - c->epoch_mono_us);
}

/* Set the id keys from 24 bytes of entropy so that no serial has a zero
 * span id or trace id (lft_id.c). */
void lft_client_seed_ids(lft_client_t *c, const uint8_t seed[24]);

/* Allocate a serial (never 0; its ids are never zero). Lock held. */
static inline uint32_t lft_client_next_serial(lft_client_t *c)
{
    uint32_t s = c->next_serial++;
    if (s == 0) {
        s = c->next_serial++;
    }
    return s;
}

/* The IEEE-754 bits of 1.0. */
#define LFT_F64_ONE 0x3FF0000000000000ull

/* The sampling threshold of rate: trunc(rate * 2^64), UINT64_MAX for 0 (the
 * default) and 1, computed from the double's bits so that no soft-float
 * code is linked. Returns 0, or -1 when rate is outside [0, 1] or NaN. */
int lft_client_sample_threshold(double rate, uint64_t *threshold);

/* Keep-or-drop decision for a new trace (1 = keep). */
int lft_client_sample(const lft_client_t *c, uint32_t trace_serial);

/* Count a refused recording call by its error code (takes the lock). Does
 * nothing when c is NULL or not initialised. */
void lft_client_count_error(lft_client_t *c, lft_err_t err);

/* 1 when env follows Langfuse's rule: [a-z0-9_-]{1,40}, not "langfuse...". */
int lft_environment_valid(const char *env);

#endif /* LFT_CLIENT_PRIV_H */
