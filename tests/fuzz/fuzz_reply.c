/*
 * fuzz_reply.c - libFuzzer target for the reply parsers (transports/lft_reply.c).
 *
 * data[0] picks the token count (0..255) and the message buffer size
 * (0..31); data[1..] is the body, copied to a buffer of exactly its size and
 * parsed as a 207 ingestion reply and as an OTLP response (JSON and
 * protobuf). The token array is malloc'ed at its exact size so
 * AddressSanitizer sees any overflow. Invariants: only documented results;
 * on success the callback ran once per reported entry with pointers inside
 * the body and a status in 100..599; on failure it never ran and the counts
 * are zero; the token count can only turn a result into LFT_ERR_NO_MEMORY
 * (a parse with 4096 tokens agrees otherwise); the message copy is
 * NUL-terminated, valid UTF-8, within its buffer.
 *
 * Build:
 *   clang -g -fsanitize=fuzzer,address,undefined -Icore -Itransports \
 *         tests/fuzz/fuzz_reply.c transports/lft_reply.c core/lft_json.c core/lft_text.c \
 *         -o fuzz_reply
 *   ./fuzz_reply -max_total_time=60 tests/fuzz/seeds_reply/
 * Without libFuzzer (replays the files and directories given):
 *   cc -DLFT_FUZZ_STANDALONE -Icore -Itransports tests/fuzz/fuzz_reply.c \
 *      transports/lft_reply.c core/lft_json.c core/lft_text.c -o fuzz_reply_replay
 *   ./fuzz_reply_replay tests/fuzz/seeds_reply/
 */
#include "lft_fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_reply.h"
#include "lft_text.h"

#define FUZZ_BIG_TOKENS 4096u

typedef struct {
    const char *body;
    size_t len;
    size_t calls;
    uint32_t hash;
} fuzz_items_t;

static void fuzz_on_item(void *ctx, const char *id, size_t id_len, int status, const char *message,
                         size_t message_len)
{
    fuzz_items_t *it = (fuzz_items_t *)ctx;
    size_t i;
    FUZZ_CHECK(id >= it->body && id_len <= it->len && (size_t)(id - it->body) <= it->len - id_len);
    FUZZ_CHECK(message == NULL ? message_len == 0u
                               : (message >= it->body && message_len <= it->len &&
                                  (size_t)(message - it->body) <= it->len - message_len));
    FUZZ_CHECK(status >= 100 && status <= 599);
    it->calls++;
    it->hash = (it->hash ^ (uint32_t)status) * 16777619u;
    for (i = 0; i < id_len; i++) {
        it->hash = (it->hash ^ (uint8_t)id[i]) * 16777619u;
    }
}

static int fuzz_known(lft_err_t rc)
{
    return rc == LFT_OK || rc == LFT_REPLY_ERR_SYNTAX || rc == LFT_REPLY_ERR_TRUNCATED ||
           rc == LFT_REPLY_ERR_SHAPE || rc == LFT_ERR_NO_MEMORY;
}

static lft_err_t fuzz_207(const char *body, size_t len, size_t ntok, fuzz_items_t *it, lft_reply_207_t *out)
{
    lft_reply_token_t *tok = (lft_reply_token_t *)malloc((ntok != 0u ? ntok : 1u) * LFT_REPLY_TOKEN_SIZE);
    lft_err_t rc;
    FUZZ_CHECK(tok != NULL);
    memset(it, 0, sizeof *it);
    it->body = body;
    it->len = len;
    it->hash = 2166136261u;
    rc = lft_reply_parse_207(body, len, tok, ntok, fuzz_on_item, it, out);
    FUZZ_CHECK(fuzz_known(rc));
    if (rc == LFT_OK) {
        FUZZ_CHECK(it->calls == out->successes + out->errors);
        FUZZ_CHECK(out->successes + out->errors + out->malformed <= ntok);
    } else {
        FUZZ_CHECK(it->calls == 0u);
        FUZZ_CHECK(out->successes == 0u && out->errors == 0u && out->malformed == 0u);
    }
    free(tok);
    return rc;
}

static lft_err_t fuzz_otlp(const char *ctype, const char *body, size_t len, size_t ntok, size_t cap,
                           lft_reply_otlp_t *out, char **msg_out)
{
    lft_reply_token_t *tok = (lft_reply_token_t *)malloc((ntok != 0u ? ntok : 1u) * LFT_REPLY_TOKEN_SIZE);
    char *msg = cap != 0u ? (char *)malloc(cap) : NULL;
    lft_err_t rc;
    FUZZ_CHECK(tok != NULL && (cap == 0u || msg != NULL));
    rc = lft_reply_parse_otlp(ctype, body, len, tok, ntok, msg, cap, out);
    FUZZ_CHECK(fuzz_known(rc));
    FUZZ_CHECK(out->rejected <= (uint64_t)INT64_MAX);
    if (cap != 0u) {
        FUZZ_CHECK(out->message_len < cap && msg[out->message_len] == '\0');
        FUZZ_CHECK(lft_utf8_valid(msg, out->message_len));
    } else {
        FUZZ_CHECK(out->message_len == 0u);
    }
    if (rc != LFT_OK) {
        FUZZ_CHECK(out->rejected == 0u && out->partial == 0u && out->message_len == 0u);
    }
    free(tok);
    *msg_out = msg;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ctypes[2] = { "application/json", "application/x-protobuf" };
    size_t ntok, cap, len;
    char *body;
    lft_reply_207_t small, big;
    fuzz_items_t it_small, it_big;
    lft_err_t rc_small, rc_big;
    int mode;
    if (size == 0u) {
        return 0;
    }
    ntok = data[0];
    cap = data[0] & 0x1Fu;
    len = size - 1u;
    body = (char *)malloc(len != 0u ? len : 1u); /* exact size: reads past it are ASan reports */
    FUZZ_CHECK(body != NULL);
    if (len != 0u) {
        memcpy(body, data + 1, len);
    }

    rc_small = fuzz_207(body, len, ntok, &it_small, &small);
    rc_big = fuzz_207(body, len, FUZZ_BIG_TOKENS, &it_big, &big);
    if (rc_small != LFT_ERR_NO_MEMORY) {
        FUZZ_CHECK(rc_small == rc_big);
        FUZZ_CHECK(small.successes == big.successes && small.errors == big.errors &&
                   small.malformed == big.malformed && it_small.hash == it_big.hash);
    }

    for (mode = 0; mode < 2; mode++) {
        lft_reply_otlp_t a, b;
        char *ma, *mb;
        lft_err_t ra = fuzz_otlp(ctypes[mode], body, len, ntok, cap, &a, &ma);
        lft_err_t rb = fuzz_otlp(ctypes[mode], body, len, FUZZ_BIG_TOKENS, 32u, &b, &mb);
        if (ra != LFT_ERR_NO_MEMORY) {
            FUZZ_CHECK(ra == rb && a.rejected == b.rejected && a.partial == b.partial);
            /* a smaller buffer holds a prefix of the larger copy */
            FUZZ_CHECK(a.message_len <= b.message_len);
            FUZZ_CHECK(cap == 0u || memcmp(ma, mb, a.message_len) == 0);
        }
        free(ma);
        free(mb);
    }
    free(body);
    return 0;
}

#ifdef LFT_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return lft_fuzz_replay_main(argc, argv, "fuzz_reply");
}
#endif
