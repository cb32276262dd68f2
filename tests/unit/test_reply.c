/*
 * test_reply.c - the 207 ingestion reply parser and the OTLP export response
 * parser, as table tests over Langfuse-shaped and hostile bodies: every
 * prefix of valid bodies, too few tokens, deep nesting, huge and
 * non-integer numbers, HTML and plain-text bodies, protobuf with unknown
 * fields of every wire type and truncated varints, and a bounded
 * random-mutation run with a fixed seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_reply.h"
#include "lft_test.h"
#include "lft_text.h"

#define NTOK 512
static lft_reply_token_t tokens[NTOK];

/* ------------------------------------------------------------ callback */

typedef struct {
    char id[64];
    int status;
    char msg[128];
    int has_msg;
} item_t;

typedef struct {
    item_t items[64];
    size_t n;
    const char *body;
    size_t len;
} items_t;

static void on_item(void *ctx, const char *id, size_t id_len, int status, const char *message,
                    size_t message_len)
{
    items_t *it = ctx;
    /* pointers lie inside the body */
    LFT_CHECK(id >= it->body && id + id_len <= it->body + it->len);
    LFT_CHECK(message == NULL ? message_len == 0 : (message >= it->body && message + message_len <= it->body + it->len));
    LFT_CHECK(status >= 100 && status <= 599);
    if (it->n < 64) {
        item_t *x = &it->items[it->n];
        snprintf(x->id, sizeof x->id, "%.*s", (int)id_len, id);
        x->status = status;
        x->has_msg = message != NULL;
        snprintf(x->msg, sizeof x->msg, "%.*s", (int)message_len, message != NULL ? message : "");
    }
    it->n++;
}

static lft_err_t parse(const char *body, size_t len, size_t ntok, items_t *it, lft_reply_207_t *out)
{
    memset(it, 0, sizeof *it);
    it->body = body;
    it->len = len;
    lft_err_t rc = lft_reply_parse_207(body, len, tokens, ntok, on_item, it, out);
    if (rc == LFT_OK) {
        LFT_CHECK_EQ(it->n, out->successes + out->errors);
    } else {
        LFT_CHECK_EQ(it->n, 0); /* no callback unless accepted */
        LFT_CHECK(out->successes == 0 && out->errors == 0 && out->malformed == 0);
    }
    return rc;
}

/* ------------------------------------------------------------ 207 */

static const char langfuse_207[] =
    "{\"successes\":[{\"id\":\"8b52d122fe48695c-e\",\"status\":201},{\"id\":\"ac56bab5db6b2da5-e\",\"status\":201}],"
    "\"errors\":[{\"id\":\"386003e7760c43dd-e\",\"status\":400,\"message\":\"Invalid request data\","
    "\"error\":\"[{\\\"code\\\":\\\"invalid_type\\\"}]\"},"
    "{\"id\":\"b07301ebeabfd967-e\",\"status\":400,\"message\":\"Event type not accepted\"},"
    "{\"id\":\"unknown\",\"status\":400,\"error\":{\"issues\":[{\"code\":\"invalid_union\",\"path\":[\"body\"]}],"
    "\"name\":\"ZodError\"}},"
    "{\"id\":\"3cb70fe77e6a612a-e\",\"status\":500,\"error\":\"Internal Server Error\",\"extra\":[1,2,{}]},"
    "{\"id\":\"x-e\",\"status\":401,\"message\":null,\"error\":\"Authentication error\"}],"
    "\"_deprecation\":{\"message\":\"The /api/public/ingestion endpoint is deprecated\",\"sunset\":\"2026-11-16\","
    "\"docs\":\"https://langfuse.com/docs\"},\"requestId\":12345678901234567890}";

static void test_207_langfuse(void)
{
    items_t it;
    lft_reply_207_t out;
    size_t len = strlen(langfuse_207);
    LFT_CHECK_EQ(parse(langfuse_207, len, NTOK, &it, &out), LFT_OK);
    LFT_CHECK_EQ(out.successes, 2);
    LFT_CHECK_EQ(out.errors, 5);
    LFT_CHECK_EQ(out.malformed, 0);
    LFT_CHECK_EQ(it.n, 7);
    static const struct {
        const char *id;
        int status;
        const char *msg; /* NULL: none */
    } want[] = {
        { "8b52d122fe48695c-e", 201, NULL },
        { "ac56bab5db6b2da5-e", 201, NULL },
        { "386003e7760c43dd-e", 400, "Invalid request data" },
        { "b07301ebeabfd967-e", 400, "Event type not accepted" },
        { "unknown", 400, NULL },
        { "3cb70fe77e6a612a-e", 500, "Internal Server Error" },
        { "x-e", 401, "Authentication error" },
    };
    for (size_t i = 0; i < 7 && i < it.n; i++) {
        LFT_CHECK(strcmp(it.items[i].id, want[i].id) == 0);
        LFT_CHECK_EQ(it.items[i].status, want[i].status);
        LFT_CHECK_EQ(it.items[i].has_msg, want[i].msg != NULL);
        LFT_CHECK(want[i].msg == NULL || strcmp(it.items[i].msg, want[i].msg) == 0);
    }

    /* a NULL callback only counts */
    LFT_CHECK_EQ(lft_reply_parse_207(langfuse_207, len, tokens, NTOK, NULL, NULL, &out), LFT_OK);
    LFT_CHECK(out.successes == 2 && out.errors == 5 && out.malformed == 0);

    /* tokens: below the document's count it is NO_MEMORY, never a wrong answer */
    size_t need = 0;
    for (size_t k = 0; k <= NTOK; k++) {
        lft_err_t rc = parse(langfuse_207, len, k, &it, &out);
        if (rc == LFT_OK) {
            need = k;
            break;
        }
        LFT_CHECK_EQ(rc, LFT_ERR_NO_MEMORY);
    }
    LFT_CHECK(need > 40 && need <= LFT_REPLY_TOKENS_207(7));
    LFT_CHECK_EQ(parse(langfuse_207, len, need, &it, &out), LFT_OK);
    LFT_CHECK_EQ(it.n, 7);
    LFT_CHECK_EQ(LFT_REPLY_TOKEN_SIZE, sizeof tokens[0]);
}

static void test_207_every_prefix(void)
{
    size_t len = strlen(langfuse_207);
    items_t it;
    lft_reply_207_t out;
    for (size_t k = 0; k < len; k++) {
        char *copy = malloc(k + 1); /* exact size: ASan sees overreads */
        LFT_CHECK(copy != NULL);
        if (copy == NULL) {
            return;
        }
        memcpy(copy, langfuse_207, k);
        lft_err_t rc = parse(copy, k, NTOK, &it, &out);
        LFT_CHECK_EQ(rc, k == 0 ? LFT_REPLY_ERR_SYNTAX : LFT_REPLY_ERR_TRUNCATED);
        free(copy);
    }
}

typedef struct {
    const char *body;
    lft_err_t rc;
    size_t successes, errors, malformed;
} case_207_t;

static void test_207_table(void)
{
    static const case_207_t cases[] = {
        { "{\"successes\":[],\"errors\":[]}", LFT_OK, 0, 0, 0 },
        { " \r\n\t{\"errors\":[]}\n", LFT_OK, 0, 0, 0 },
        { "{\"successes\":[{\"id\":\"a\",\"status\":201}]}", LFT_OK, 1, 0, 0 },
        { "{\"successes\":[],\"successes\":[{\"id\":\"a\",\"status\":201}]}", LFT_OK, 1, 0, 0 },
        /* shapes */
        { "{}", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "[]", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "\"successes\"", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "201", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "null", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "{\"successes\":{},\"errors\":[]}", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "{\"successes\":[],\"errors\":null}", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "{\"message\":\"Invalid request data\",\"errors\":\"batch\"}", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "{\"error\":\"ForbiddenError\",\"message\":\"suspended\"}", LFT_REPLY_ERR_SHAPE, 0, 0, 0 },
        { "{\"succ\\u0065sses\":[]}", LFT_REPLY_ERR_SHAPE, 0, 0, 0 }, /* escaped key: unknown */
        /* not JSON */
        { "", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "   ", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "Body exceeded 4.5mb limit", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
          "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
          "</body>\r\n</html>\r\n", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "Too Many Requests", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[],}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[1,]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[]} x", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[]}{\"errors\":[]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[tru]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[01]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{'successes':[]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[\"a\tb\"]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[\"\\x\"]}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"successes\":[]]", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        { "{\"a\" \"b\"}", LFT_REPLY_ERR_SYNTAX, 0, 0, 0 },
        /* truncated */
        { "{\"successes\":[{\"id\":\"a\",\"status\":20", LFT_REPLY_ERR_TRUNCATED, 0, 0, 0 },
        { "{\"successes\":[{\"id\":\"a\\", LFT_REPLY_ERR_TRUNCATED, 0, 0, 0 },
        { "{\"successes\":[{\"id\":\"\\u00", LFT_REPLY_ERR_TRUNCATED, 0, 0, 0 },
        /* malformed entries are counted, the others still reported */
        { "{\"successes\":[{\"id\":\"a\",\"status\":\"201\"},{\"id\":\"b\",\"status\":201.0},"
          "{\"id\":\"c\",\"status\":2e2},{\"id\":\"d\",\"status\":-201},{\"id\":\"e\",\"status\":99},"
          "{\"id\":\"f\",\"status\":600},{\"id\":\"g\",\"status\":99999999999999999999999999},"
          "{\"id\":\"h\",\"status\":true},{\"id\":\"i\",\"status\":null},{\"status\":201},"
          "{\"id\":7,\"status\":201},{\"id\":null,\"status\":201},{\"id\":\"j\"},"
          "{\"id\":\"k\",\"id\":\"k2\",\"status\":201},{\"id\":\"l\",\"status\":201,\"status\":201},"
          "5,\"str\",[],null,{\"id\":\"ok\",\"status\":201}],\"errors\":[[{\"id\":\"n\",\"status\":400}]]}",
          LFT_OK, 1, 0, 20 },
        { "{\"errors\":[{\"id\":\"\",\"status\":100},{\"status\":599,\"id\":\"z\",\"unknown\":{\"id\":\"q\"}}]}",
          LFT_OK, 0, 2, 0 },
        /* huge numbers and deep values in unknown keys are fine */
        { "{\"successes\":[],\"n\":1e999999,\"m\":-123456789012345678901234567890.5e-99999}", LFT_OK, 0, 0, 0 },
        /* NUL bytes are not JSON: see test_207_nul */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        items_t it;
        lft_reply_207_t out;
        size_t len = strlen(cases[i].body);
        char *copy = malloc(len + 1);
        LFT_CHECK(copy != NULL);
        if (copy == NULL) {
            return;
        }
        memcpy(copy, cases[i].body, len);
        lft_err_t rc = parse(copy, len, NTOK, &it, &out);
        if (rc != cases[i].rc || out.successes != cases[i].successes || out.errors != cases[i].errors ||
            out.malformed != cases[i].malformed) {
            LFT_CHECK(0);
            fprintf(stderr, "  case %zu: %s (%zu/%zu/%zu), want %s (%zu/%zu/%zu): %s\n", i,
                    lft_reply_result_str(rc), out.successes, out.errors, out.malformed,
                    lft_reply_result_str(cases[i].rc), cases[i].successes, cases[i].errors,
                    cases[i].malformed, cases[i].body);
        }
        free(copy);
    }
}

static void test_207_details(void)
{
    items_t it;
    lft_reply_207_t out;
    /* ids and messages are the raw JSON string contents */
    const char *b = "{\"errors\":[{\"id\":\"a\\u002de\",\"status\":400,\"message\":\"bad \\\"x\\\"\\n\",\"error\":\"e\"},"
                    "{\"id\":\"b\",\"status\":400,\"message\":5,\"error\":\"fallback\"},"
                    "{\"id\":\"c\",\"status\":400,\"message\":{},\"error\":[\"no\"]}]}";
    LFT_CHECK_EQ(parse(b, strlen(b), NTOK, &it, &out), LFT_OK);
    LFT_CHECK_EQ(it.n, 3);
    LFT_CHECK(strcmp(it.items[0].id, "a\\u002de") == 0);
    LFT_CHECK(strcmp(it.items[0].msg, "bad \\\"x\\\"\\n") == 0);
    LFT_CHECK(strcmp(it.items[1].msg, "fallback") == 0);
    LFT_CHECK_EQ(it.items[2].has_msg, 0);
    char text[32];
    int cut = -1;
    size_t n = lft_reply_unescape(text, sizeof text, "bad \\\"x\\\"\\n", 11, 1, &cut);
    LFT_CHECK_STRN(text, n, "bad \"x\"\n");
    LFT_CHECK_EQ(cut, 0);

    /* NUL bytes */
    static const char nul[] = "{\"successes\":[]}\0{\"errors\":[]}";
    LFT_CHECK_EQ(parse(nul, sizeof nul - 1, NTOK, &it, &out), LFT_REPLY_ERR_SYNTAX);
    static const char nul2[] = "{\"successes\":[{\"id\":\"a\0\",\"status\":201}]}";
    LFT_CHECK_EQ(parse(nul2, sizeof nul2 - 1, NTOK, &it, &out), LFT_REPLY_ERR_SYNTAX);

    /* deep nesting: within LFT_JSON_DEPTH_MAX accepted, beyond refused in linear time */
    static char deep[300016];
    for (int depth = 60; depth <= 150000; depth = depth < 70 ? depth + 1 : depth * 10) {
        size_t o = 0;
        o += (size_t)sprintf(deep, "{\"successes\":[],\"x\":");
        for (int i = 0; i < depth - 1; i++) {
            deep[o++] = '[';
        }
        for (int i = 0; i < depth - 1; i++) {
            deep[o++] = ']';
        }
        deep[o++] = '}';
        lft_err_t rc = parse(deep, o, NTOK, &it, &out);
        if (depth <= 64) {
            LFT_CHECK_EQ(rc, LFT_OK);
        } else {
            LFT_CHECK_EQ(rc, LFT_REPLY_ERR_SYNTAX);
        }
        /* unclosed: truncated within the bound, refused beyond it */
        rc = parse(deep, o - (size_t)depth, NTOK, &it, &out);
        LFT_CHECK_EQ(rc, depth <= 64 ? LFT_REPLY_ERR_TRUNCATED : LFT_REPLY_ERR_SYNTAX);
    }
    /* a long flat array needs many tokens: NO_MEMORY, not a crash */
    {
        size_t o = (size_t)sprintf(deep, "{\"successes\":[");
        for (int i = 0; i < 5000; i++) { /* about 150 KB */
            o += (size_t)sprintf(deep + o, "%s{\"id\":\"e%d\",\"status\":201}", i ? "," : "", i);
        }
        o += (size_t)sprintf(deep + o, "]}");
        LFT_CHECK_EQ(parse(deep, o, NTOK, &it, &out), LFT_ERR_NO_MEMORY);
    }

    /* arguments */
    LFT_CHECK_EQ(lft_reply_parse_207("{}", 2, tokens, NTOK, NULL, NULL, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_207(NULL, 2, tokens, NTOK, NULL, NULL, &out), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_207("{}", 2, NULL, NTOK, NULL, NULL, &out), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_207(NULL, 0, tokens, NTOK, NULL, NULL, &out), LFT_REPLY_ERR_SYNTAX);
    LFT_CHECK_EQ(lft_reply_parse_207("{\"errors\":[]}", 13, NULL, 0, NULL, NULL, &out), LFT_ERR_NO_MEMORY);
    LFT_CHECK(strcmp(lft_reply_result_str(LFT_REPLY_ERR_TRUNCATED), "LFT_REPLY_ERR_TRUNCATED") == 0);
    LFT_CHECK(strcmp(lft_reply_result_str(12345), "?") == 0);
}

/* ------------------------------------------------------------ OTLP */

typedef struct {
    const char *ctype;
    const char *body;
    size_t len; /* 0: strlen */
    lft_err_t rc;
    uint64_t rejected;
    int partial;
    const char *msg;
} case_otlp_t;

#define PB "application/x-protobuf"
#define JS "application/json"

static void check_otlp(const case_otlp_t *c, size_t i)
{
    char msg[128];
    lft_reply_otlp_t out;
    size_t len = c->len != 0 ? c->len : strlen(c->body);
    char *copy = malloc(len + 1);
    LFT_CHECK(copy != NULL);
    if (copy == NULL) {
        return;
    }
    memcpy(copy, c->body, len);
    memset(msg, 'X', sizeof msg);
    lft_err_t rc = lft_reply_parse_otlp(c->ctype, copy, len, tokens, NTOK, msg, sizeof msg, &out);
    int ok = rc == c->rc && out.rejected == c->rejected && out.partial == c->partial &&
             strlen(msg) == out.message_len && strcmp(msg, c->msg) == 0 && out.message_truncated == 0;
    LFT_CHECK(ok);
    if (!ok) {
        fprintf(stderr, "  otlp case %zu: %s rejected %llu partial %d msg \"%s\"\n", i, lft_reply_result_str(rc),
                (unsigned long long)out.rejected, out.partial, msg);
    }
    free(copy);
}

/* protobuf pieces */
#define B(lit) (lit), sizeof(lit) - 1u
#define PB_PARTIAL "\x0a\x0b\x08\x02\x12\x07" "bad one" /* {1: {1: 2, 2: "bad one"}} */
#define PB_UNKNOWN                                                              \
    "\x10\x96\x01"                         /* 2: varint 150 */                 \
    "\x19\x01\x02\x03\x04\x05\x06\x07\x08" /* 3: fixed64 */                    \
    "\x25\x01\x02\x03\x04"                 /* 4: fixed32 */                    \
    "\x2a\x03xyz"                          /* 5: bytes */                      \
    "\x33\x08\x01\x3b\x3c\x34"             /* 6: group {1: 1, 7: group {}} */  \
    "\x0a\x15"                             /* 1: partial_success (21 bytes) */ \
    "\x18\x05"                             /*   3: varint */                   \
    "\x08\x03"                             /*   1: rejected_spans 3 */         \
    "\x4b\x08\x01\x4c"                     /*   9: group {1: 1} */             \
    "\x12\x02" "ok"                         /*   2: error_message */            \
    "\x21\x01\x02\x03\x04\x05\x06\x07\x08" /*   4: fixed64 */                  \
    "\xf8\xff\xff\xff\x0f\x00"             /* 536870911: varint 0 */

static void test_otlp_table(void)
{
    static const case_otlp_t cases[] = {
        /* JSON */
        { JS, "{}", 0, LFT_OK, 0, 0, "" },
        { JS, "", 0, LFT_OK, 0, 0, "" },
        { JS, " \n", 0, LFT_OK, 0, 0, "" },
        { NULL, "{}", 0, LFT_OK, 0, 0, "" },
        { JS, "{\"partialSuccess\":{}}", 0, LFT_OK, 0, 1, "" },
        { JS, "{\"partialSuccess\":null}", 0, LFT_OK, 0, 0, "" },
        { "application/json; charset=utf-8", "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":"
          "\"span 3: bad \\\"x\\\"\\n \\u00e9 \\ud83d\\ude00 \\ud800 \\/\"}}", 0, LFT_OK, 2, 1,
          "span 3: bad \"x\"\n \xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd /" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":7}}", 0, LFT_OK, 7, 1, "" },
        { JS, "{\"partial_success\":{\"rejected_spans\":\"5\",\"error_message\":\"m\"},\"other\":[1]}", 0,
          LFT_OK, 5, 1, "m" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":\"9223372036854775807\",\"errorMessage\":null,\"x\":{}}}", 0,
          LFT_OK, 9223372036854775807ull, 1, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":null}}", 0, LFT_OK, 0, 1, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":\"9223372036854775808\"}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":-1}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":\"-1\"}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":1.5}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":\"\"}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":true}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"errorMessage\":5}}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":[]}", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "[]", 0, LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":2}", 0, LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },
        { "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", 0, LFT_REPLY_ERR_SYNTAX, 0, 0, "" },
        { "text/plain", "Body exceeded 4.5mb limit", 0, LFT_REPLY_ERR_SYNTAX, 0, 0, "" },
        /* protobuf */
        { PB, B(""), LFT_OK, 0, 0, "" },
        { PB, B(PB_PARTIAL), LFT_OK, 2, 1, "bad one" },
        { "Application/X-Protobuf; charset=binary", B(PB_PARTIAL), LFT_OK, 2, 1, "bad one" },
        { "application/protobuf", B(PB_PARTIAL), LFT_OK, 2, 1, "bad one" },
        { PB, B("\x0a\x00"), LFT_OK, 0, 1, "" },
        /* unknown fields of every wire type, around and inside partial_success */
        { PB, B(PB_UNKNOWN), LFT_OK, 3, 1, "ok" },
        /* repeated partial_success merges, the last value wins */
        { PB, B("\x0a\x02\x08\x03" "\x0a\x03\x12\x01m" "\x0a\x02\x08\x04"), LFT_OK, 4, 1, "m" },
        /* bad protobuf */
        { PB, B("\x0a"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },
        { PB, B("\x0a\x05\x08\x02"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },     /* length past the end */
        { PB, B("\x0a\x02\x08\x80"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },     /* varint cut by length */
        { PB, B("\x10\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },
        { PB, B("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },
        { PB, B("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), LFT_OK, 0, 0, "" }, /* 2^64-1 */
        { PB, B("\x00\x01"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },                  /* field 0 */
        { PB, B("\x16\x01"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },                  /* wire type 6 */
        { PB, B("\x17\x01"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },                  /* wire type 7 */
        { PB, B("\x34"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },                       /* end group alone */
        { PB, B("\x33\x08\x01"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },          /* group never ends */
        { PB, B("\x80\x80\x80\x80\x10\x00"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" }, /* field 2^29 */
        { PB, B("\x19\x01\x02"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },          /* fixed64 */
        { PB, B("\x25\x01"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },               /* fixed32 */
        { PB, B("\x2a\xff\xff\xff\xff\x0f"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },
        { PB, B("\x08\x02"), LFT_REPLY_ERR_SHAPE, 0, 0, "" },                   /* partial_success a varint */
        { PB, B("\x0a\x02\x10\x02"), LFT_REPLY_ERR_SHAPE, 0, 0, "" },         /* error_message a varint */
        { PB, B("\x0a\x02\x0a\x00"), LFT_REPLY_ERR_SHAPE, 0, 0, "" },         /* rejected_spans bytes */
        { PB, B("\x0a\x0b\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), LFT_REPLY_ERR_SHAPE, 0, 0, "" },
        { PB, B("\x0a\x02\x19\x00"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" },     /* fixed64 cut by length */
        { PB, B("\x0a\x03\x33\x08\x01"), LFT_REPLY_ERR_TRUNCATED, 0, 0, "" }, /* group cut by length */
        { PB, B("<html>"), LFT_REPLY_ERR_SYNTAX, 0, 0, "" },
        { JS, "{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":\"span x: invalid\"}}", 0, LFT_OK,
          1, 1, "span x: invalid" }, /* Langfuse answers JSON to protobuf requests */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_otlp(&cases[i], i);
    }
}

static void test_otlp_prefixes(void)
{
    /* every prefix of the protobuf body: OK exactly at top-level field
     * boundaries (a shorter valid message), TRUNCATED everywhere else */
    static const char full[] = PB_UNKNOWN;
    static const size_t boundaries[] = { 0, 3, 12, 17, 22, 28, 51, 57 };
    size_t len = sizeof full - 1u;
    LFT_CHECK_EQ(len, 57);
    for (size_t k = 0; k <= len; k++) {
        char msg[8];
        lft_reply_otlp_t out;
        char *copy = malloc(k + 1);
        LFT_CHECK(copy != NULL);
        if (copy == NULL) {
            return;
        }
        memcpy(copy, full, k);
        lft_err_t rc = lft_reply_parse_otlp(PB, copy, k, NULL, 0, msg, sizeof msg, &out);
        int boundary = 0;
        for (size_t b = 0; b < sizeof boundaries / sizeof boundaries[0]; b++) {
            boundary |= boundaries[b] == k;
        }
        if (boundary) {
            LFT_CHECK_EQ(rc, LFT_OK);
            LFT_CHECK_EQ(out.partial, k >= 51);
            LFT_CHECK_EQ(out.rejected, k >= 51 ? 3 : 0);
            LFT_CHECK(strcmp(msg, k >= 51 ? "ok" : "") == 0);
        } else {
            LFT_CHECK_EQ(rc, LFT_REPLY_ERR_TRUNCATED);
            LFT_CHECK(out.partial == 0 && out.rejected == 0 && msg[0] == '\0');
        }
        free(copy);
    }
    /* every prefix of a JSON body */
    static const char js[] = "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"x \\u00e9\"}}";
    for (size_t k = 0; k < sizeof js - 1u; k++) {
        lft_reply_otlp_t out;
        char *copy = malloc(k + 1);
        LFT_CHECK(copy != NULL);
        if (copy == NULL) {
            return;
        }
        memcpy(copy, js, k);
        lft_err_t rc = lft_reply_parse_otlp(JS, copy, k, tokens, NTOK, NULL, 0, &out);
        LFT_CHECK_EQ(rc, k == 0 ? LFT_OK : LFT_REPLY_ERR_TRUNCATED);
        free(copy);
    }
}

static void test_otlp_message_bounds(void)
{
    /* the copy stops at a whole character and is always NUL-terminated */
    static const char js[] = "{\"partialSuccess\":{\"rejectedSpans\":1,\"errorMessage\":\"h\\u00e9llo w\xc3\xb6rld \xff\"}}";
    static const char *const want[] = { "", "", "h", "h", "h\xc3\xa9" }; /* by cap */
    for (size_t cap = 0; cap <= 24; cap++) {
        char msg[32];
        lft_reply_otlp_t out;
        memset(msg, 'X', sizeof msg);
        LFT_CHECK_EQ(lft_reply_parse_otlp(JS, js, sizeof js - 1u, tokens, NTOK, cap ? msg : NULL, cap, &out), LFT_OK);
        LFT_CHECK_EQ(out.rejected, 1);
        if (cap == 0) {
            LFT_CHECK_EQ(out.message_len, 0);
            LFT_CHECK_EQ(out.message_truncated, 1);
            continue;
        }
        LFT_CHECK_EQ(msg[out.message_len], '\0');
        LFT_CHECK_EQ(msg[cap], 'X'); /* nothing written past cap */
        LFT_CHECK(lft_utf8_valid(msg, out.message_len));
        if (cap < 5) {
            LFT_CHECK(strcmp(msg, want[cap]) == 0);
        }
        LFT_CHECK_EQ(out.message_truncated, cap < 18); /* 17 bytes decoded */
        if (cap >= 18) {
            LFT_CHECK(strcmp(msg, "h\xc3\xa9llo w\xc3\xb6rld \xef\xbf\xbd") == 0);
        }
    }
    /* protobuf messages are raw bytes, made valid UTF-8 */
    static const char pb[] = "\x0a\x08\x12\x06" "a\\n\xe2\x82" "b";
    char msg[16];
    lft_reply_otlp_t out;
    LFT_CHECK_EQ(lft_reply_parse_otlp(PB, pb, sizeof pb - 1u, NULL, 0, msg, sizeof msg, &out), LFT_OK);
    LFT_CHECK(strcmp(msg, "a\\n\xef\xbf\xbd" "b") == 0);

    /* lft_reply_unescape edge cases */
    int cut = -1;
    size_t n = lft_reply_unescape(msg, sizeof msg, "\\u0000\\q\\", 9, 1, &cut);
    LFT_CHECK_STRN(msg, n, "\xef\xbf\xbd\\q\\");
    LFT_CHECK_EQ(cut, 0);
    n = lft_reply_unescape(msg, sizeof msg, "\\uDBFF\\uDFFF\\u12", 16, 1, &cut);
    LFT_CHECK_STRN(msg, n, "\xf4\x8f\xbf\xbf\\u12");
    n = lft_reply_unescape(msg, sizeof msg, "\\udc00\\ud800x", 13, 1, &cut);
    LFT_CHECK_STRN(msg, n, "\xef\xbf\xbd\xef\xbf\xbdx");
    n = lft_reply_unescape(msg, 3, "\\u00e9\\u00e9", 12, 1, &cut);
    LFT_CHECK_STRN(msg, n, "\xc3\xa9");
    LFT_CHECK_EQ(cut, 1);
    n = lft_reply_unescape(NULL, 0, "x", 1, 0, &cut);
    LFT_CHECK_EQ(n, 0);
    LFT_CHECK_EQ(cut, 1);

    /* arguments */
    LFT_CHECK_EQ(lft_reply_parse_otlp(JS, "{}", 2, tokens, NTOK, NULL, 0, NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_otlp(JS, NULL, 2, tokens, NTOK, NULL, 0, &out), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_otlp(JS, "{}", 2, tokens, NTOK, NULL, 4, &out), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_otlp(JS, "{}", 2, NULL, 4, NULL, 0, &out), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reply_parse_otlp(JS, "{}", 2, NULL, 0, NULL, 0, &out), LFT_ERR_NO_MEMORY);
    LFT_CHECK_EQ(lft_reply_parse_otlp(PB, NULL, 0, NULL, 0, NULL, 0, &out), LFT_OK);
}

/* ------------------------------------------------------------ mutation */

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static void test_mutations(void)
{
    static const char pb_partial[] = PB_PARTIAL;
    static const char pb_unknown[] = PB_UNKNOWN;
    static const struct {
        const char *p;
        size_t n;
    } seeds[] = {
        { langfuse_207, sizeof langfuse_207 - 1u },
        { "{\"successes\":[{\"id\":\"a\",\"status\":201}],\"errors\":[{\"id\":\"b\",\"status\":400,\"message\":\"m\"}]}", 0 },
        { "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"x \\u00e9 \\ud83d\\ude00\"}}", 0 },
        { pb_partial, sizeof pb_partial - 1u },
        { pb_unknown, sizeof pb_unknown - 1u },
    };
    static const char alphabet[] = "{}[]\",:\\u0123456789.eE-+ tfnrlsa\x80\xff\x00\x08\x0a\x12\x33\x34";
    enum { MAX = 768 };
    static char buf[MAX];
    unsigned long accepted = 0, iterations = 100000;
    for (unsigned long iter = 0; iter < iterations; iter++) {
        size_t si = next_rand() % (sizeof seeds / sizeof seeds[0]);
        size_t n = seeds[si].n != 0 ? seeds[si].n : strlen(seeds[si].p);
        memcpy(buf, seeds[si].p, n);
        unsigned edits = 1u + next_rand() % 4u;
        for (unsigned e = 0; e < edits; e++) {
            size_t at = n != 0 ? next_rand() % n : 0;
            char c = alphabet[next_rand() % (sizeof alphabet - 1u)];
            switch (next_rand() % 5u) {
            case 0: /* replace */
                if (n != 0) {
                    buf[at] = c;
                }
                break;
            case 1: /* insert */
                if (n < MAX) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = c;
                    n++;
                }
                break;
            case 2: /* delete */
                if (n != 0) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
                break;
            case 3: /* truncate */
                n = at;
                break;
            default: { /* duplicate a slice */
                size_t k = 1u + next_rand() % 16u;
                if (at + k <= n && n + k <= MAX) {
                    memmove(buf + at + k, buf + at, n - at);
                    n += k;
                }
                break;
            }
            }
        }
        char *copy = malloc(n + 1); /* exact size */
        LFT_CHECK(copy != NULL);
        if (copy == NULL) {
            return;
        }
        memcpy(copy, buf, n);
        size_t ntok = 1u + next_rand() % 96u;

        items_t it;
        lft_reply_207_t out;
        lft_err_t rc = parse(copy, n, ntok, &it, &out);
        LFT_CHECK(rc == LFT_OK || rc == LFT_REPLY_ERR_SYNTAX || rc == LFT_REPLY_ERR_TRUNCATED ||
                  rc == LFT_REPLY_ERR_SHAPE || rc == LFT_ERR_NO_MEMORY);
        if (rc == LFT_OK) {
            accepted++;
            LFT_CHECK(out.successes + out.errors + out.malformed <= ntok);
        }

        char msg[24];
        lft_reply_otlp_t o;
        for (int pbmode = 0; pbmode < 2; pbmode++) {
            size_t cap = next_rand() % sizeof msg;
            memset(msg, 'X', sizeof msg);
            rc = lft_reply_parse_otlp(pbmode ? PB : JS, copy, n, tokens, ntok, cap ? msg : NULL, cap, &o);
            LFT_CHECK(rc == LFT_OK || rc == LFT_REPLY_ERR_SYNTAX || rc == LFT_REPLY_ERR_TRUNCATED ||
                      rc == LFT_REPLY_ERR_SHAPE || rc == LFT_ERR_NO_MEMORY);
            if (cap != 0) {
                LFT_CHECK(o.message_len < cap && msg[o.message_len] == '\0');
                LFT_CHECK(lft_utf8_valid(msg, o.message_len));
            }
            LFT_CHECK(cap == sizeof msg || msg[cap] == 'X');
            LFT_CHECK(o.rejected <= (uint64_t)INT64_MAX);
            if (rc != LFT_OK) {
                LFT_CHECK(o.rejected == 0 && o.partial == 0 && o.message_len == 0);
            }
        }
        free(copy);
    }
    printf("mutations: %lu iterations, %lu 207 bodies accepted\n", iterations, accepted);
    LFT_CHECK(accepted > 100); /* the mutator keeps producing valid bodies too */
}

int main(void)
{
    LFT_RUN(test_207_langfuse);
    LFT_RUN(test_207_every_prefix);
    LFT_RUN(test_207_table);
    LFT_RUN(test_207_details);
    LFT_RUN(test_otlp_table);
    LFT_RUN(test_otlp_prefixes);
    LFT_RUN(test_otlp_message_bounds);
    LFT_RUN(test_mutations);
    return LFT_TEST_REPORT();
}
