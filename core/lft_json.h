/*
 * lft_json.h - strict JSON validation for values recorded as JSON.
 *
 * Why not jsmn: Debian's jsmn 1.1.0 in counting mode (tokens == NULL) skips
 * bracket matching, so it accepts "{]", and full validation with jsmn needs
 * a token array sized to the document. This validator is RFC 8259 strict,
 * O(n), iterative, and uses one bit of stack per nesting level. jsmn stays
 * the parser for server replies, where the token array is bounded anyway.
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
 * surrounded by whitespace, nested at most LFT_JSON_DEPTH_MAX deep; else
 * LFT_ERR_JSON. UTF-8 inside strings is not checked (it is replaced at
 * export); control characters and NUL are refused.
 */
lft_err_t lft_json_validate(const char *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* LFT_JSON_H */
