/*
 * literal_names.c - what LFT_SPAN_START, LFT_GENERATION_START and LFT_EVENT
 * accept at compile time (tests/compile/check_literal_names.sh builds it once
 * per LFT_CASE and expects the cases marked "refused" not to compile).
 */
#include "lftrace.h"

#define LFT_127 \
    "0123456789012345678901234567890123456789012345678901234567890123" \
    "012345678901234567890123456789012345678901234567890123456789012"

lft_err_t literal_names(lft_obs_t *obs, lft_obs_t *parent, const char *runtime_name);

lft_err_t literal_names(lft_obs_t *obs, lft_obs_t *parent, const char *runtime_name)
{
    (void)runtime_name;
#if LFT_CASE == 0 /* accepted: literals, also concatenated */
    lft_err_t err = LFT_SPAN_START(obs, parent, "retrieval");
    err |= LFT_GENERATION_START(obs, parent, "llm-" "answer");
    err |= LFT_EVENT(parent, "");
    return err;
#elif LFT_CASE == 1 /* accepted: LFT_NAME_REF_MAX (127) bytes */
    return LFT_SPAN_START(obs, parent, LFT_127);
#elif LFT_CASE == 2 /* refused: a pointer, not a literal */
    return LFT_SPAN_START(obs, parent, runtime_name);
#elif LFT_CASE == 3 /* refused: 128 bytes */
    return LFT_EVENT(parent, LFT_127 "x");
#else
#error "unknown LFT_CASE"
#endif
}
