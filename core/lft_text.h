/*
 * lft_text.h - UTF-8 helpers for recording (truncation) and export (replacement).
 */
#ifndef LFT_TEXT_H
#define LFT_TEXT_H

#include <stddef.h>

#include "lftrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of s: len itself, or strlen(s) when len is LFT_NUL. */
size_t lft_text_len(const char *s, size_t len);

/* The largest n <= min(len, max) such that cutting p at n does not split a
 * UTF-8 sequence (backs off at most 3 continuation bytes). */
size_t lft_utf8_boundary(const char *p, size_t len, size_t max);

/* 1 when p[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), else 0. */
int lft_utf8_valid(const char *p, size_t len);

/*
 * Copy p[0..len) to out (cap bytes), replacing each maximal ill-formed
 * subsequence with U+FFFD (EF BF BD). Writes whole characters only and stops
 * when the next one does not fit; returns the bytes written and sets
 * *consumed (if not NULL) to the input bytes used. An incomplete sequence at
 * the very end of p counts as ill-formed: pass whole values. Call again with
 * p + *consumed to continue (results concatenate to the one-call result).
 */
size_t lft_utf8_sanitize(const char *p, size_t len, char *out, size_t cap, size_t *consumed);

#ifdef __cplusplus
}
#endif
#endif /* LFT_TEXT_H */
