/*
 * lft_reply.h - parsers for the bodies of Langfuse's replies: the 207 of
 * POST /api/public/ingestion and the OTLP ExportTraceServiceResponse of
 * POST /api/public/otel/v1/traces (JSON or protobuf).
 *
 * SECURITY. Reply bodies are untrusted. For any input the parsers never read
 * outside body[0..len), never write outside the caller's token array and
 * output buffers, never recurse, never allocate, and run in time linear in
 * len (times a small constant). Anything that is not exactly the expected
 * document gets a distinct error code; no callback runs unless the whole
 * body was accepted.
 *
 * JSON is parsed with jsmn (Debian libjsmn-dev, strict mode, parent links)
 * into a token array the caller provides, and validated by lft_json_validate
 * (RFC 8259 strict, at most LFT_JSON_DEPTH_MAX levels of nesting). Object
 * keys are compared byte for byte with the expected names: a key spelled
 * with escape sequences is an unknown key, and unknown keys are ignored.
 */
#ifndef LFT_REPLY_H
#define LFT_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "lft_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- results */

#define LFT_REPLY_ERR_SYNTAX (-300)    /* not JSON (HTML, plain text, empty, NUL bytes, trailing
                                          data, nesting over LFT_JSON_DEPTH_MAX) or not protobuf
                                          (bad tag, wire type 6/7, overlong varint) */
#define LFT_REPLY_ERR_TRUNCATED (-301) /* the body ends inside the document: a prefix of one */
#define LFT_REPLY_ERR_SHAPE (-302)     /* well-formed, but not the document expected (top level
                                          not an object, "successes"/"errors" not arrays or both
                                          missing, a known field of the wrong type) */

/* Constant name of a result of this module ("LFT_REPLY_ERR_SHAPE", "LFT_OK",
 * "LFT_ERR_ARG", "LFT_ERR_NO_MEMORY"); "?" for any other value. */
const char *lft_reply_result_str(int rc);

/* ----------------------------------------------------------------- tokens */

/* Storage for one JSON token (a jsmntok_t with parent links), so that
 * callers need not include jsmn.h. Declare an array of these (static, stack
 * or inside your own structs) and pass it with its element count. */
typedef struct {
    int opaque_[5];
} lft_reply_token_t;

/* Bytes of one token. */
#define LFT_REPLY_TOKEN_SIZE sizeof(lft_reply_token_t)

/* Tokens a document needs: one per object, array, key, string and number.
 * A Langfuse 207 entry {"id","status","message","error":"..."} takes 9; an
 * "error" object (a zod issue list) or an unknown top-level key
 * ("_deprecation") takes more. LFT_REPLY_TOKENS_207(n) leaves room for those
 * for a reply to n events; too few tokens is LFT_ERR_NO_MEMORY, never a
 * wrong answer. An OTLP JSON response takes at most a few dozen. */
#define LFT_REPLY_TOKENS_207(n) (64u + 16u * (size_t)(n))
#define LFT_REPLY_TOKENS_OTLP 64u

/* -------------------------------------------------------------------- 207 */

/*
 * One entry of a 207 reply. id[0..id_len) is the event's envelope id and
 * message[0..message_len) its "message" (or, when that is absent or not a
 * string, its "error" when that is a string; else NULL and 0). Both point
 * into the body and are the JSON string contents as received: escape
 * sequences are not decoded and UTF-8 is not checked (decode with
 * lft_reply_unescape). status is the entry's "status", 100..599.
 */
typedef void (*lft_reply_item_fn)(void *ctx, const char *id, size_t id_len, int status,
                                  const char *message, size_t message_len);

/* Counts of one parsed 207 reply. */
typedef struct {
    size_t successes; /* entries of "successes" reported */
    size_t errors;    /* entries of "errors" reported */
    size_t malformed; /* entries of either array not reported: not an object, "id"
                         missing, not a string or given twice, "status" missing, not an
                         integer in 100..599 or given twice */
} lft_reply_207_t;

/*
 * Parse the body of a 207 ingestion reply:
 *   {"successes":[{"id":"..","status":201},...],
 *    "errors":[{"id":"..","status":400,"message":"..","error":..},...], ...}
 * Other top-level keys (e.g. "_deprecation") and other entry keys are
 * ignored; a missing "successes" or "errors" counts as empty (not both),
 * and a key given twice is read twice. On LFT_OK, on_item (if not NULL) has
 * been called once per well-formed entry, in body order, and *out holds the
 * counts. The status decides an entry's fate, not the array it is in.
 *
 * tokens[0..token_count) is scratch; len must be below INT_MAX.
 * Returns LFT_OK, LFT_REPLY_ERR_SYNTAX, LFT_REPLY_ERR_TRUNCATED,
 * LFT_REPLY_ERR_SHAPE, LFT_ERR_NO_MEMORY (more tokens needed) or
 * LFT_ERR_ARG (NULL body with len > 0, NULL tokens with token_count > 0,
 * NULL out, len too large). On any error *out (when not NULL) is zero and
 * on_item was not called.
 */
lft_err_t lft_reply_parse_207(const char *body, size_t len, lft_reply_token_t *tokens,
                              size_t token_count, lft_reply_item_fn on_item, void *ctx,
                              lft_reply_207_t *out);

/* ------------------------------------------------------------------- OTLP */

/* Result of an OTLP export response. */
typedef struct {
    uint64_t rejected;         /* partial_success.rejected_spans (0 if absent) */
    size_t message_len;        /* bytes of partial_success.error_message copied (NUL excluded) */
    uint8_t partial;           /* 1 when a partial_success was present (it may say 0 rejected) */
    uint8_t message_truncated; /* 1 when the message did not fit in the caller's buffer */
} lft_reply_otlp_t;

/*
 * Parse the body of an OTLP/HTTP ExportTraceServiceResponse.
 *
 * content_type is the reply's Content-Type: when it contains
 * "application/x-protobuf" or "application/protobuf" (ASCII case-insensitive,
 * parameters allowed) the body is protobuf: field 1 partial_success
 * (message: 1 int64 rejected_spans varint, 2 string error_message); unknown
 * fields of every wire type (groups included) are skipped, repeated
 * occurrences merge (the last value wins). Otherwise (NULL included; Langfuse
 * answers JSON even to protobuf requests) the body is JSON:
 * {"partialSuccess":{"rejectedSpans":"2" or 2,"errorMessage":".."}}, also
 * with the proto field names "partial_success", "rejected_spans",
 * "error_message"; null values count as absent, unknown keys are ignored.
 * An empty body, {} and an empty protobuf message mean full success.
 *
 * The message is copied to message[0..message_cap) NUL-terminated (when
 * message_cap > 0; message may be NULL when message_cap is 0), decoded
 * (JSON escapes) and with ill-formed UTF-8 replaced, cut at a character
 * boundary (see lft_reply_unescape).
 *
 * tokens are used for JSON only (may be NULL for protobuf). A negative
 * rejected_spans, or rejectedSpans that is not a non-negative integer below
 * 2^63 (as a number or a decimal string), is LFT_REPLY_ERR_SHAPE.
 * Returns LFT_OK or an error as lft_reply_parse_207; on error *out is zero
 * and message (if any) is "".
 */
lft_err_t lft_reply_parse_otlp(const char *content_type, const char *body, size_t len,
                               lft_reply_token_t *tokens, size_t token_count, char *message,
                               size_t message_cap, lft_reply_otlp_t *out);

/* ------------------------------------------------------------------- text */

/*
 * Copy text to out[0..cap) NUL-terminated, for logs and error reports.
 * p[0..n) is the inside of a JSON string literal when json is 1 (escapes are
 * decoded: \" \\ \/ \b \f \n \r \t and \uXXXX with surrogate pairs; a lone
 * surrogate or \u0000 becomes U+FFFD; a malformed escape is copied as is),
 * raw bytes when json is 0. Ill-formed UTF-8 is replaced by U+FFFD. Only
 * whole characters are written: the copy stops at the first one that does
 * not fit and *truncated (if not NULL) is set to 1 then, else 0. Returns the
 * bytes written, NUL excluded (0 and nothing written when out is NULL or
 * cap is 0).
 */
size_t lft_reply_unescape(char *out, size_t cap, const char *p, size_t n, int json, int *truncated);

#ifdef __cplusplus
}
#endif
#endif /* LFT_REPLY_H */
