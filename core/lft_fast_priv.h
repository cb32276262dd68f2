/*
 * lft_fast_priv.h - the fast record path (lft_fast.c). Internal.
 *
 * The commonest calls (an observation start or an event with a name and no
 * options, an end without options) are written straight into the
 * contiguous free bytes at the head under one lock, without a descriptor.
 * They take
 * over only when the general path (lft_obs.c) would do exactly the same:
 * every check passes, nothing is sampled out, and the record fits the room
 * at the head (no wrap, no reclaim, no END search beyond the hint).
 * Otherwise they change nothing and return LFT_FAST_NO, and the caller runs
 * the general path, which also counts the errors. Their records are the
 * general path's, byte for byte.
 */
#ifndef LFT_FAST_PRIV_H
#define LFT_FAST_PRIV_H

#include <stdint.h>

#include "lftrace.h"

#define LFT_FAST_NO 1

/* A START (of obs) or EVENT (obs NULL) record of type_kind (record type <<
 * 4 | kind) under parent (NULL: the current observation) named name:
 * LFT_OK or LFT_FAST_NO. */
int lft_fast_new(lft_obs_t *obs, const lft_obs_t *parent, uint32_t type_kind, const char *name);

/* The END record of the open observation obs (not a trace), its START found
 * at its hint: LFT_OK or LFT_FAST_NO. */
int lft_fast_end(lft_obs_t *obs);

#endif /* LFT_FAST_PRIV_H */
