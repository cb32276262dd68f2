/*
 * lft_json.h - strict JSON validation for values recorded as JSON.
 *
 * Why not jsmn: Debian's jsmn 1.1.0 (even with JSMN_STRICT) does not match
 * brackets in counting mode (tokens == NULL), so it accepts "{]" and
 * unclosed "[[[["; real validation with jsmn needs a token array sized to
 * the document, and even then it accepts a trailing comma ("[1,]"). This
 * validator is RFC 8259 strict, O(n), iterative (no recursion) and uses
 * constant memory: one bit of stack per nesting level (object or array).
 */
#ifndef LFT_JSON_H
#define LFT_JSON_H

#include <stddef.h>

#include "lftrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * LFT_OK when p[0..len) is exactly one JSON value (RFC 8259), optionally
 * surrounded by whitespace (space, tab, CR, LF), nested at most
 * LFT_JSON_DEPTH_MAX deep (each object or array is one level); else
 * LFT_ERR_JSON. Empty or whitespace-only input, and p == NULL (whatever
 * len), are LFT_ERR_JSON. Strings: raw bytes below 0x20 (NUL included) are
 * refused; \uXXXX escapes are checked for 4 hex digits only (a lone
 * surrogate such as \uD800 is accepted, as the RFC grammar allows); bytes
 * >= 0x80 are not checked as UTF-8 (they are replaced at export). Reads
 * nothing outside p[0..len).
 */
lft_err_t lft_json_validate(const char *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* LFT_JSON_H */
