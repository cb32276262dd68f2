/*
 * lft_context.c - the per-thread current observation (automatic parenting)
 * and the @observe-style scope helpers. The pointer lives in the port's
 * thread-local slot; handles form a stack through their ctx_prev links.
 */
#include "lft_client_priv.h"
#include "lft_port.h"

lft_obs_t *lft_context_current(void)
{
    return (lft_obs_t *)lft_port_context_get();
}

lft_obs_t *lft_context_trace(void)
{
    lft_obs_t *cur = lft_context_current();
    if (cur == NULL) {
        return NULL;
    }
    uint32_t trace = cur->trace_serial;
    for (lft_obs_t *o = cur; o != NULL; o = o->ctx_prev) {
        if (o->kind == LFT_KIND_TRACE && o->serial == trace && o->client == cur->client) {
            return o;
        }
    }
    return NULL;
}

lft_err_t lft_context_push(lft_obs_t *obs)
{
    lft_err_t err = lft_obs_check(obs);
    if (err != LFT_OK) {
        return err;
    }
    if (obs->state != LFT_STATE_OPEN) {
        return LFT_ERR_ENDED;
    }
    if (obs->flags & LFT_OBSF_IN_CONTEXT) {
        return LFT_ERR_CONTEXT;
    }
    obs->ctx_prev = lft_context_current();
    obs->flags |= LFT_OBSF_IN_CONTEXT;
    lft_port_context_set(obs);
    return LFT_OK;
}

lft_err_t lft_context_pop(lft_obs_t *obs)
{
    if (obs == NULL) {
        return LFT_ERR_ARG;
    }
    if (lft_context_current() != obs || !(obs->flags & LFT_OBSF_IN_CONTEXT)) {
        return LFT_ERR_CONTEXT;
    }
    lft_port_context_set(obs->ctx_prev);
    obs->ctx_prev = NULL;
    obs->flags &= (uint8_t)~LFT_OBSF_IN_CONTEXT;
    return LFT_OK;
}

/* Copy the fields a trace understands out of observation options. */
static lft_err_t lft_trace_opts_from(const lft_obs_opts_t *o, lft_trace_opts_t *t)
{
    lft_trace_opts_t z = { 0 };
    *t = z;
    if (o == NULL) {
        return LFT_OK;
    }
    if (o->level != LFT_LEVEL_UNSET || o->status_message != NULL || o->model != NULL ||
        o->model_parameters_count > 0 || o->usage_count > 0 || o->cost_count > 0 ||
        o->completion_start_unix_us != 0 || o->prompt_name != NULL || o->prompt_version != 0) {
        return LFT_ERR_KIND;
    }
    t->input = o->input;
    t->output = o->output;
    t->metadata = o->metadata;
    t->metadata_count = o->metadata_count;
    t->version = o->version;
    t->timestamp_unix_us = o->time_unix_us;
    return LFT_OK;
}

lft_err_t lft_observe_begin(lft_client_t *client, lft_obs_t *obs, lft_kind_t kind,
                            const char *name, const lft_obs_opts_t *opts)
{
    lft_err_t err;
    if (client == NULL) {
        return LFT_ERR_ARG;
    }
    if (obs == NULL || name == NULL) {
        lft_client_count_error(client, LFT_ERR_ARG);
        return LFT_ERR_ARG;
    }
    lft_obs_t *cur = lft_context_current();
    if (cur != NULL && cur->client == client) {
        err = lft_obs_start(obs, cur, kind, name, opts);
    } else {
        lft_trace_opts_t topts;
        err = lft_trace_opts_from(opts, &topts);
        if (err == LFT_OK) {
            err = lft_trace_start(client, obs, name, &topts);
        } else {
            lft_client_count_error(client, err);
        }
    }
    if (err != LFT_OK) {
        return err;
    }
    return lft_context_push(obs);
}

lft_err_t lft_observe_end(lft_obs_t *obs, const lft_obs_opts_t *opts)
{
    lft_err_t err = lft_context_pop(obs);
    if (err != LFT_OK) {
        if (err == LFT_ERR_CONTEXT) {
            lft_client_count_error(lft_obs_live_client(obs), err);
        }
        return err;
    }
    if (obs->kind == LFT_KIND_TRACE) {
        lft_trace_opts_t topts;
        err = lft_trace_opts_from(opts, &topts);
        if (err != LFT_OK) {
            lft_client_count_error(obs->client, err);
            return err;
        }
        return lft_trace_end(obs, &topts);
    }
    return lft_obs_end(obs, opts);
}

void lft_observe_cleanup(lft_obs_t *obs)
{
    if (obs == NULL || obs->magic != LFT_OBS_MAGIC) {
        return;
    }
    if ((obs->flags & LFT_OBSF_IN_CONTEXT) && lft_context_current() == obs) {
        if (obs->state == LFT_STATE_OPEN) {
            (void)lft_observe_end(obs, NULL);
        } else {
            (void)lft_context_pop(obs); /* ended with lft_obs_end: only pop it */
        }
    } else if (obs->state == LFT_STATE_OPEN) {
        if (obs->kind == LFT_KIND_TRACE) {
            (void)lft_trace_end(obs, NULL);
        } else {
            (void)lft_obs_end(obs, NULL);
        }
    }
}
