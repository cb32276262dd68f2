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

/* Length of s: len itself, or strlen(s) when len is LFT_NUL (0 if s is
 * NULL then). */
size_t lft_text_len(const char *s, size_t len);

/*
 * The largest n <= min(len, max) such that cutting p at n does not split a
 * UTF-8 sequence. When len <= max the answer is len (the whole value). Else,
 * if p[max] is a continuation byte, the lead byte is looked for at most 3
 * bytes back and the cut moves before it when the sequence it starts (by its
 * lead byte alone) reaches p[max]; stray continuation bytes (no lead within
 * 3 bytes, or a sequence that ended before p[max]) are not UTF-8 anyway and
 * the cut stays at max. So the result is never below max - 3. Reads p[0..max]
 * only (p may be NULL when len is 0).
 */
size_t lft_utf8_boundary(const char *p, size_t len, size_t max);

/* 1 when p[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates D800-DFFF, nothing above U+10FFFF, no truncated sequence at
 * the end), else 0. An empty string is valid. */
int lft_utf8_valid(const char *p, size_t len);

/*
 * Copy p[0..len) to out (cap bytes), replacing each maximal ill-formed
 * subsequence (Unicode "substitution of maximal subparts") with U+FFFD
 * (EF BF BD). Writes whole characters only and stops at the first one that
 * does not fit; returns the bytes written and sets *consumed (if not NULL)
 * to the input bytes they stand for. Never writes past out[cap).
 *
 * Streaming: call again with p + *consumed and len - *consumed; the pieces
 * concatenate to the result of one call with a large enough out. The end of
 * p is the end of the value: an incomplete sequence there (e.g. "\xE2\x82")
 * is ill-formed and becomes one U+FFFD, so pass whole values, never chunks
 * of input. With cap >= 4 every call on non-empty input makes progress; a
 * smaller cap returns 0 (consuming nothing) when the next output character
 * is longer than cap.
 */
size_t lft_utf8_sanitize(const char *p, size_t len, char *out, size_t cap, size_t *consumed);

#ifdef __cplusplus
}
#endif
#endif /* LFT_TEXT_H */
