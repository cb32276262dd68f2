/*
 * lft_jsonw.h - small JSON writing helpers for encoders that stream through
 * an lft_sink_t (see lft_sink.h).
 *
 * Every function appends to the sink and never fails on its own: write
 * errors are kept in sink->err and later writes are ignored (lft_sink_put).
 * The output never depends on the sink's scratch size, so a counting pass
 * and a streaming pass of the same calls produce the same bytes. No heap, no
 * locale dependence, callable from any thread on distinct sinks.
 */
#ifndef LFT_JSONW_H
#define LFT_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "lft_sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Append p[0..n) as the inside of a JSON string literal (no quotes): '"' and
 * '\\' are escaped, \n \r \t get their short escapes, other bytes below 0x20
 * become \u00XX (lowercase hex), and each maximal ill-formed UTF-8
 * subsequence is replaced by U+FFFD (lft_utf8_sanitize). Everything else,
 * DEL and valid multi-byte characters included, is copied as is. p may be
 * NULL when n is 0.
 */
void lft_jsonw_chars(lft_sink_t *s, const char *p, size_t n);

/* lft_jsonw_chars between double quotes: a complete JSON string. */
void lft_jsonw_string(lft_sink_t *s, const char *p, size_t n);

/* Append the NUL-terminated str verbatim (punctuation, keys known to need no
 * escaping). str must not be NULL. */
void lft_jsonw_raw(lft_sink_t *s, const char *str);

/* Append v in decimal (a JSON number, no quotes). */
void lft_jsonw_u64(lft_sink_t *s, uint64_t v);

/* Append v in decimal with a leading '-' when negative (INT64_MIN included). */
void lft_jsonw_i64(lft_sink_t *s, int64_t v);

/*
 * Append d as a JSON number that reads back (strtod, JSON.parse) as exactly
 * d: at most 17 significant digits, the shortest such digits for nearly
 * every double (Grisu2: for about 1 double in 1000 a digit or two more),
 * laid out as printf's %g would with that many digits (but at least 15):
 * e.g. "0.9", "1", "-0", "0.0125", "1e-05", "1e+15", "1e+300", "5e-324",
 * "0.30000000000000004". Integer arithmetic only: no libc, no floating
 * point, no locale. A non-finite d (NaN, +-Inf), which JSON cannot
 * represent, is written as null.
 */
void lft_jsonw_double(lft_sink_t *s, double d);

/* Append the n bytes of b as 2n lowercase hex digits (no quotes). */
void lft_jsonw_hex(lft_sink_t *s, const uint8_t *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* LFT_JSONW_H */
