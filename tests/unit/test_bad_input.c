/*
 * test_bad_input - every refusal: a table of bad calls, each with the error
 * it must return. For every row the test checks the code, that nothing was
 * recorded (stats.recorded unchanged, no new record readable on any client)
 * and that exactly the right counter moved on exactly the right client.
 * Also: sampled-out traces record nothing, return LFT_OK and are counted.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"
#include "lft_test_records.h"
#include "lftrace.h"

/* ------------------------------------------------------------- fixture */

static uint8_t ring_cl[1u << 16], ring_other[4096], ring_reinit[4096], ring_dead[4096];
static uint8_t ring_small[LFT_RING_MIN], ring_big[200000], ring_scratch[4096];

static lft_client_t cl;      /* the client most rows use */
static lft_client_t other;   /* another live client */
static lft_client_t reinit;  /* deinit + init: handles of its first life are foreign */
static lft_client_t dead;    /* deinit, never re-initialised */
static lft_client_t small;   /* ring of LFT_RING_MIN bytes, default max_field_bytes */
static lft_client_t big;     /* max_field_bytes 65535: records can exceed 64 KiB */
static lft_client_t scratch; /* target of the failing lft_client_init rows */

static lft_trace_t tr, ended_tr, other_tr, stale_tr, dead_tr, small_tr, big_tr;
static lft_obs_t sp, gen, ag, ended_sp, ended_gen, stale_sp, zero;
static lft_obs_t fresh; /* zeroed before every row */

static char id201[LFT_ID_MAX + 2];   /* one byte over LFT_ID_MAX */
static char key65[LFT_KEY_MAX + 2];  /* one byte over LFT_KEY_MAX */
static char env41[42];
static char text600[601];
static char huge[40001];

static lft_client_t *const watched[] = { &cl, &other, &reinit, &small, &big };
#define NWATCHED (sizeof watched / sizeof watched[0])

#define OK(call) LFT_CHECK_EQ((call), LFT_OK)

static void init_client(lft_client_t *c, void *ring, size_t size, uint32_t max_field)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = size;
    cfg.max_field_bytes = max_field;
    OK(lft_client_init(c, &cfg));
}

static void fixture(void)
{
    memset(id201, 'i', LFT_ID_MAX + 1);
    memset(key65, 'k', LFT_KEY_MAX + 1);
    memset(env41, 'e', 41);
    memset(text600, 't', 600);
    memset(huge, 'h', 40000);

    init_client(&cl, ring_cl, sizeof ring_cl, 0);
    init_client(&other, ring_other, sizeof ring_other, 0);
    init_client(&small, ring_small, sizeof ring_small, 0);
    init_client(&big, ring_big, sizeof ring_big, 65535);

    OK(lft_trace_start(&cl, &tr, "tr", NULL));
    OK(lft_span_start(&sp, &tr, "sp", NULL));
    OK(lft_generation_start(&gen, &tr, "gen", NULL));
    OK(lft_obs_start(&ag, &tr, LFT_KIND_AGENT, "ag", NULL));
    OK(lft_span_start(&ended_sp, &tr, "ended_sp", NULL));
    OK(lft_obs_end(&ended_sp, NULL));
    OK(lft_generation_start(&ended_gen, &tr, "ended_gen", NULL));
    OK(lft_obs_end(&ended_gen, NULL));
    OK(lft_trace_start(&cl, &ended_tr, "ended_tr", NULL));
    OK(lft_trace_end(&ended_tr, NULL));
    OK(lft_trace_start(&other, &other_tr, "other_tr", NULL));
    OK(lft_trace_start(&small, &small_tr, "s", NULL));
    OK(lft_trace_start(&big, &big_tr, "b", NULL));

    init_client(&reinit, ring_reinit, sizeof ring_reinit, 0);
    OK(lft_trace_start(&reinit, &stale_tr, "stale_tr", NULL));
    OK(lft_span_start(&stale_sp, &stale_tr, "stale_sp", NULL));
    OK(lft_client_deinit(&reinit));
    init_client(&reinit, ring_reinit, sizeof ring_reinit, 0);

    init_client(&dead, ring_dead, sizeof ring_dead, 0);
    OK(lft_trace_start(&dead, &dead_tr, "dead_tr", NULL));
    OK(lft_client_deinit(&dead));
}

/* ----------------------------------------------------------- the calls */

#define OBS(o) ((const lft_obs_opts_t *)(o))
#define TRO(o) ((const lft_trace_opts_t *)(o))
#define H(h) ((lft_obs_t *)(uintptr_t)(h))

static const lft_obs_opts_t some_output = { .output = { "x", LFT_NUL, LFT_CONTENT_TEXT } };
static const lft_trace_opts_t some_trace_output = { .output = { "x", LFT_NUL, LFT_CONTENT_TEXT } };

/* with options */
static lft_err_t trace_start_cl(const void *o) { return lft_trace_start(&cl, &fresh, "t", TRO(o)); }
static lft_err_t trace_update_tr(const void *o) { return lft_trace_update(&tr, TRO(o)); }
static lft_err_t trace_end_tr(const void *o) { return lft_trace_end(&tr, TRO(o)); }
static lft_err_t span_start_tr(const void *o) { return lft_span_start(&fresh, &tr, "s", OBS(o)); }
static lft_err_t gen_start_tr(const void *o) { return lft_generation_start(&fresh, &tr, "g", OBS(o)); }
static lft_err_t agent_start_tr(const void *o) { return lft_obs_start(&fresh, &tr, LFT_KIND_AGENT, "a", OBS(o)); }
static lft_err_t span_update(const void *o) { return lft_obs_update(&sp, OBS(o)); }
static lft_err_t span_end(const void *o) { return lft_obs_end(&sp, OBS(o)); }
static lft_err_t gen_update(const void *o) { return lft_obs_update(&gen, OBS(o)); }
static lft_err_t gen_end(const void *o) { return lft_obs_end(&gen, OBS(o)); }
static lft_err_t agent_update(const void *o) { return lft_obs_update(&ag, OBS(o)); }
static lft_err_t event_sp(const void *o) { return lft_event(&sp, "e", OBS(o)); }
static lft_err_t observe_root(const void *o) { return lft_observe_begin(&cl, &fresh, LFT_KIND_SPAN, "r", OBS(o)); }
static lft_err_t score_cl(const void *s) { return lft_score(&cl, (const lft_score_t *)s); }
static lft_err_t init_scratch(const void *cfg) { return lft_client_init(&scratch, (const lft_config_t *)cfg); }
static lft_err_t small_span(const void *o) { return lft_span_start(&fresh, &small_tr, "s", OBS(o)); }
static lft_err_t small_event(const void *o) { return lft_event(&small_tr, "e", OBS(o)); }
static lft_err_t big_update(const void *o) { return lft_trace_update(&big_tr, TRO(o)); }

/* with a handle (or NULL) */
static lft_err_t trace_update_h(const void *h) { return lft_trace_update(H(h), &some_trace_output); }
static lft_err_t trace_end_h(const void *h) { return lft_trace_end(H(h), NULL); }
static lft_err_t obs_update_h(const void *h) { return lft_obs_update(H(h), &some_output); }
static lft_err_t obs_end_h(const void *h) { return lft_obs_end(H(h), NULL); }
static lft_err_t first_token_h(const void *h) { return lft_generation_first_token(H(h)); }
static lft_err_t event_h(const void *h) { return lft_event(H(h), "e", NULL); }
static lft_err_t span_under_h(const void *h) { return lft_span_start(&fresh, H(h), "s", NULL); }
static lft_err_t gen_under_h(const void *h) { return lft_generation_start(&fresh, H(h), "g", NULL); }
static lft_err_t score_target_h(const void *h)
{
    lft_score_t s = { .name = "s", .value = 1.0, .target = H(h) };
    return lft_score(&cl, &s);
}
static lft_err_t push_h(const void *h) { return lft_context_push(H(h)); }
static lft_err_t pop_h(const void *h) { return lft_context_pop(H(h)); }
static lft_err_t observe_end_h(const void *h) { return lft_observe_end(H(h), NULL); }
static lft_err_t trace_id_h(const void *h)
{
    uint8_t id[16];
    return lft_obs_trace_id(H(h), id);
}
static lft_err_t span_id_h(const void *h)
{
    uint8_t id[8];
    return lft_obs_span_id(H(h), id);
}

/* one-offs */
static lft_err_t trace_start_null_client(const void *a) { (void)a; return lft_trace_start(NULL, &fresh, "t", NULL); }
static lft_err_t trace_start_null_handle(const void *a) { (void)a; return lft_trace_start(&cl, NULL, "t", NULL); }
static lft_err_t trace_start_null_name(const void *a) { (void)a; return lft_trace_start(&cl, &fresh, NULL, NULL); }
static lft_err_t trace_start_dead(const void *a) { (void)a; return lft_trace_start(&dead, &fresh, "t", NULL); }
static lft_err_t trace_restart(const void *a) { (void)a; return lft_trace_start(&cl, &tr, "again", NULL); }
static lft_err_t span_restart(const void *a) { (void)a; return lft_span_start(&sp, &tr, "again", NULL); }
static lft_err_t observe_restart(const void *a) { (void)a; return lft_observe_begin(&cl, &sp, LFT_KIND_SPAN, "again", NULL); }
static lft_err_t obs_start_null_handle(const void *a) { (void)a; return lft_obs_start(NULL, &tr, LFT_KIND_SPAN, "s", NULL); }
static lft_err_t obs_start_null_name(const void *a) { (void)a; return lft_obs_start(&fresh, &tr, LFT_KIND_TOOL, NULL, NULL); }
static lft_err_t span_start_null_name(const void *a) { (void)a; return lft_span_start(&fresh, &tr, NULL, NULL); }
static lft_err_t gen_start_null_name(const void *a) { (void)a; return lft_generation_start(&fresh, &tr, NULL, NULL); }
static lft_err_t obs_start_kind(const void *k) { return lft_obs_start(&fresh, &tr, *(const lft_kind_t *)k, "k", NULL); }
static lft_err_t event_null_name(const void *a) { (void)a; return lft_event(&sp, NULL, NULL); }
static lft_err_t score_null_client(const void *a)
{
    lft_score_t s = { .name = "s", .value = 1.0, .target = &tr };
    (void)a;
    return lft_score(NULL, &s);
}
static lft_err_t score_dead_client(const void *a)
{
    lft_score_t s = { .name = "s", .value = 1.0, .session_id = "x" };
    (void)a;
    return lft_score(&dead, &s);
}
static lft_err_t score_null(const void *a) { (void)a; return lft_score(&cl, NULL); }
static lft_err_t observe_null_client(const void *a) { (void)a; return lft_observe_begin(NULL, &fresh, LFT_KIND_SPAN, "o", NULL); }
static lft_err_t observe_null_handle(const void *a) { (void)a; return lft_observe_begin(&cl, NULL, LFT_KIND_SPAN, "o", NULL); }
static lft_err_t observe_null_name(const void *a) { (void)a; return lft_observe_begin(&cl, &fresh, LFT_KIND_SPAN, NULL, NULL); }
static lft_err_t span_no_context(const void *a) { (void)a; return lft_span_start(&fresh, NULL, "s", NULL); }
static lft_err_t gen_no_context(const void *a) { (void)a; return lft_generation_start(&fresh, NULL, "g", NULL); }
static lft_err_t event_no_context(const void *a) { (void)a; return lft_event(NULL, "e", NULL); }
static lft_err_t stats_null_client(const void *a)
{
    lft_stats_t s;
    (void)a;
    return lft_client_stats(NULL, &s);
}
static lft_err_t stats_null_out(const void *a) { (void)a; return lft_client_stats(&cl, NULL); }
static lft_err_t stats_dead(const void *a)
{
    lft_stats_t s;
    (void)a;
    return lft_client_stats(&dead, &s);
}
static lft_err_t deinit_null(const void *a) { (void)a; return lft_client_deinit(NULL); }
static lft_err_t deinit_dead(const void *a) { (void)a; return lft_client_deinit(&dead); }
static lft_err_t init_null_client(const void *cfg) { return lft_client_init(NULL, (const lft_config_t *)cfg); }
static lft_err_t init_null_cfg(const void *a) { (void)a; return lft_client_init(&scratch, NULL); }
static lft_err_t init_no_entropy(const void *cfg)
{
    lft_test_entropy_fail(1);
    lft_err_t err = lft_client_init(&scratch, (const lft_config_t *)cfg);
    lft_test_entropy_fail(0);
    return err;
}
static lft_err_t traceparent_small(const void *a)
{
    char out[55];
    (void)a;
    return lft_obs_traceparent(&tr, out, sizeof out);
}
static lft_err_t traceparent_null(const void *a) { (void)a; return lft_obs_traceparent(&tr, NULL, 56); }
static lft_err_t trace_id_null_out(const void *a) { (void)a; return lft_obs_trace_id(&tr, NULL); }
static lft_err_t client_span_id_zero(const void *a)
{
    uint8_t id[8];
    (void)a;
    return lft_client_span_id(&cl, 0, id);
}
static lft_err_t client_trace_id_null(const void *a)
{
    uint8_t id[16];
    (void)a;
    return lft_client_trace_id(NULL, 1, id);
}
static lft_err_t client_span_id_dead(const void *a)
{
    uint8_t id[8];
    (void)a;
    return lft_client_span_id(&dead, 1, id);
}
static lft_err_t reader_null(const void *a)
{
    lft_reader_t rd;
    (void)a;
    return lft_reader_begin(NULL, &rd);
}
static lft_err_t reader_dead(const void *a)
{
    lft_reader_t rd;
    (void)a;
    return lft_reader_begin(&dead, &rd);
}
static lft_err_t time_set_null(const void *a) { (void)a; return lft_time_set_unix_us(NULL, 1700000000000000ull); }
static lft_err_t time_set_dead(const void *a) { (void)a; return lft_time_set_unix_us(&dead, 1700000000000000ull); }
static lft_err_t time_set_1970(const void *a) { (void)a; return lft_time_set_unix_us(&cl, 1000000u); }
static lft_err_t time_set_s_2019(const void *a) { (void)a; return lft_time_set_unix_s(&cl, 1577836799u); }
static lft_err_t time_set_s_huge(const void *a) { (void)a; return lft_time_set_unix_s(&cl, UINT64_MAX); }
static lft_err_t time_to_null_out(const void *a) { (void)a; return lft_time_to_unix_us(&cl, 0, NULL); }
static lft_err_t time_to_dead(const void *a)
{
    uint64_t u;
    (void)a;
    return lft_time_to_unix_us(&dead, 0, &u);
}

/* ------------------------------------------------------------ the table */

typedef enum { CNT_NONE, CNT_INVALID, CNT_TOO_LARGE } counter_t;

typedef struct {
    const char *what;
    lft_err_t (*call)(const void *arg);
    const void *arg;
    lft_err_t want;
    lft_client_t *counted; /* the client whose counter moves by one (NULL: none) */
    counter_t counter;
} bad_t;

#define TEXT_C(s) { (s), LFT_NUL, LFT_CONTENT_TEXT }
#define JSON_C(s) { (s), LFT_NUL, LFT_CONTENT_JSON }
#define OO(...) (&(const lft_obs_opts_t){ __VA_ARGS__ })
#define TO(...) (&(const lft_trace_opts_t){ __VA_ARGS__ })
#define SC(...) (&(const lft_score_t){ __VA_ARGS__ })
#define CFG(...) (&(const lft_config_t){ __VA_ARGS__ })
#define RS .ring = ring_scratch, .ring_size = sizeof ring_scratch
#define KV(...) ((const lft_kv_t[]){ __VA_ARGS__ })
#define PRE2020 1577836799999999ull
#define INV(what, fn, arg, err) { what, fn, arg, err, &cl, CNT_INVALID }
#define NONE(what, fn, arg, err) { what, fn, arg, err, NULL, CNT_NONE }

static const lft_kind_t kind_trace = LFT_KIND_TRACE, kind_event = LFT_KIND_EVENT;
static const lft_kind_t kind_11 = (lft_kind_t)LFT_KIND_COUNT, kind_neg = (lft_kind_t)-1;
static const char *const tags_with_null[] = { "ok", NULL };
static const char *const tags_too_long[] = { key65 };
static const char *const tags_empty[] = { "" };

static const bad_t table[] = {
    /* NULL and uninitialised arguments */
    NONE("trace start: NULL client", trace_start_null_client, NULL, LFT_ERR_ARG),
    INV("trace start: NULL handle", trace_start_null_handle, NULL, LFT_ERR_ARG),
    INV("trace start: NULL name", trace_start_null_name, NULL, LFT_ERR_ARG),
    NONE("trace start: client deinitialised", trace_start_dead, NULL, LFT_ERR_HANDLE),
    NONE("trace update: NULL handle", trace_update_h, NULL, LFT_ERR_ARG),
    NONE("trace end: NULL handle", trace_end_h, NULL, LFT_ERR_ARG),
    INV("obs start: NULL handle", obs_start_null_handle, NULL, LFT_ERR_ARG),
    INV("obs start: NULL name", obs_start_null_name, NULL, LFT_ERR_ARG),
    INV("span start: NULL name", span_start_null_name, NULL, LFT_ERR_ARG),
    INV("generation start: NULL name", gen_start_null_name, NULL, LFT_ERR_ARG),
    NONE("obs update: NULL handle", obs_update_h, NULL, LFT_ERR_ARG),
    NONE("obs end: NULL handle", obs_end_h, NULL, LFT_ERR_ARG),
    NONE("first token: NULL handle", first_token_h, NULL, LFT_ERR_ARG),
    INV("event: NULL name", event_null_name, NULL, LFT_ERR_ARG),
    NONE("score: NULL client", score_null_client, NULL, LFT_ERR_ARG),
    INV("score: NULL score", score_null, NULL, LFT_ERR_ARG),
    NONE("score: client deinitialised", score_dead_client, NULL, LFT_ERR_HANDLE),
    NONE("observe begin: NULL client", observe_null_client, NULL, LFT_ERR_ARG),
    INV("observe begin: NULL handle", observe_null_handle, NULL, LFT_ERR_ARG),
    INV("observe begin: NULL name", observe_null_name, NULL, LFT_ERR_ARG),
    NONE("observe end: NULL handle", observe_end_h, NULL, LFT_ERR_ARG),
    NONE("context push: NULL", push_h, NULL, LFT_ERR_ARG),
    NONE("context pop: NULL", pop_h, NULL, LFT_ERR_ARG),
    NONE("stats: NULL client", stats_null_client, NULL, LFT_ERR_ARG),
    NONE("stats: NULL out", stats_null_out, NULL, LFT_ERR_ARG),
    NONE("stats: client deinitialised", stats_dead, NULL, LFT_ERR_HANDLE),
    NONE("deinit: NULL", deinit_null, NULL, LFT_ERR_ARG),
    NONE("deinit: twice", deinit_dead, NULL, LFT_ERR_HANDLE),
    NONE("trace id: NULL handle", trace_id_h, NULL, LFT_ERR_ARG),
    NONE("trace id: NULL out", trace_id_null_out, NULL, LFT_ERR_ARG),
    NONE("span id: NULL handle", span_id_h, NULL, LFT_ERR_ARG),
    NONE("traceparent: cap 55", traceparent_small, NULL, LFT_ERR_ARG),
    NONE("traceparent: NULL out", traceparent_null, NULL, LFT_ERR_ARG),
    NONE("client span id: serial 0", client_span_id_zero, NULL, LFT_ERR_ARG),
    NONE("client trace id: NULL client", client_trace_id_null, NULL, LFT_ERR_ARG),
    NONE("client span id: client deinitialised", client_span_id_dead, NULL, LFT_ERR_ARG),
    NONE("reader: NULL client", reader_null, NULL, LFT_ERR_ARG),
    NONE("reader: client deinitialised", reader_dead, NULL, LFT_ERR_HANDLE),
    NONE("time set: NULL client", time_set_null, NULL, LFT_ERR_ARG),
    NONE("time set: client deinitialised", time_set_dead, NULL, LFT_ERR_HANDLE),
    NONE("time set: 1970", time_set_1970, NULL, LFT_ERR_ARG),
    NONE("time set s: 2019-12-31T23:59:59", time_set_s_2019, NULL, LFT_ERR_ARG),
    NONE("time set s: overflow", time_set_s_huge, NULL, LFT_ERR_ARG),
    NONE("time to unix: NULL out", time_to_null_out, NULL, LFT_ERR_ARG),
    NONE("time to unix: client deinitialised", time_to_dead, NULL, LFT_ERR_HANDLE),

    /* never-started handle */
    NONE("trace update: zero handle", trace_update_h, &zero, LFT_ERR_HANDLE),
    NONE("trace end: zero handle", trace_end_h, &zero, LFT_ERR_HANDLE),
    NONE("obs update: zero handle", obs_update_h, &zero, LFT_ERR_HANDLE),
    NONE("obs end: zero handle", obs_end_h, &zero, LFT_ERR_HANDLE),
    NONE("first token: zero handle", first_token_h, &zero, LFT_ERR_HANDLE),
    NONE("event: zero parent", event_h, &zero, LFT_ERR_HANDLE),
    NONE("span start: zero parent", span_under_h, &zero, LFT_ERR_HANDLE),
    NONE("generation start: zero parent", gen_under_h, &zero, LFT_ERR_HANDLE),
    INV("score: zero target", score_target_h, &zero, LFT_ERR_HANDLE),
    NONE("context push: zero handle", push_h, &zero, LFT_ERR_HANDLE),
    NONE("trace id: zero handle", trace_id_h, &zero, LFT_ERR_HANDLE),

    /* handles of an earlier life of a client, of a dead client, of another client */
    { "trace update: stale handle", trace_update_h, &stale_tr, LFT_ERR_FOREIGN, &reinit, CNT_INVALID },
    { "obs update: stale handle", obs_update_h, &stale_sp, LFT_ERR_FOREIGN, &reinit, CNT_INVALID },
    { "obs end: stale handle", obs_end_h, &stale_sp, LFT_ERR_FOREIGN, &reinit, CNT_INVALID },
    { "span start: stale parent", span_under_h, &stale_tr, LFT_ERR_FOREIGN, &reinit, CNT_INVALID },
    { "event: stale parent", event_h, &stale_sp, LFT_ERR_FOREIGN, &reinit, CNT_INVALID },
    INV("score: stale target", score_target_h, &stale_sp, LFT_ERR_FOREIGN),
    NONE("trace id: stale handle", trace_id_h, &stale_sp, LFT_ERR_FOREIGN),
    NONE("context push: stale handle", push_h, &stale_sp, LFT_ERR_FOREIGN),
    NONE("trace update: client deinitialised", trace_update_h, &dead_tr, LFT_ERR_HANDLE),
    NONE("span start: parent's client deinitialised", span_under_h, &dead_tr, LFT_ERR_HANDLE),
    INV("score: target's client deinitialised", score_target_h, &dead_tr, LFT_ERR_HANDLE),
    NONE("span id: client deinitialised", span_id_h, &dead_tr, LFT_ERR_HANDLE),
    INV("score: target of another client", score_target_h, &other_tr, LFT_ERR_FOREIGN),

    /* ended */
    INV("obs update: ended", obs_update_h, &ended_sp, LFT_ERR_ENDED),
    INV("obs end: twice", obs_end_h, &ended_sp, LFT_ERR_ENDED),
    INV("first token: ended", first_token_h, &ended_gen, LFT_ERR_ENDED),
    INV("trace update: ended", trace_update_h, &ended_tr, LFT_ERR_ENDED),
    INV("trace end: twice", trace_end_h, &ended_tr, LFT_ERR_ENDED),
    NONE("context push: ended", push_h, &ended_sp, LFT_ERR_ENDED),

    /* wrong kind */
    INV("trace update on a span", trace_update_h, &sp, LFT_ERR_KIND),
    INV("trace end on a span", trace_end_h, &sp, LFT_ERR_KIND),
    INV("obs update on a trace", obs_update_h, &tr, LFT_ERR_KIND),
    INV("obs end on a trace", obs_end_h, &tr, LFT_ERR_KIND),
    INV("first token on a trace", first_token_h, &tr, LFT_ERR_KIND),
    INV("first token on a span", first_token_h, &sp, LFT_ERR_KIND),
    INV("obs start kind TRACE", obs_start_kind, &kind_trace, LFT_ERR_KIND),
    INV("obs start kind EVENT", obs_start_kind, &kind_event, LFT_ERR_KIND),
    INV("obs start kind 11", obs_start_kind, &kind_11, LFT_ERR_KIND),
    INV("obs start kind -1", obs_start_kind, &kind_neg, LFT_ERR_KIND),
    INV("model on a span update", span_update, OO(.model = "gpt-4o"), LFT_ERR_KIND),
    INV("usage on a span start", span_start_tr, OO(.usage = (const lft_usage_t[]){ { "input", 1 } }, .usage_count = 1), LFT_ERR_KIND),
    INV("cost on a span end", span_end, OO(.cost = (const lft_cost_t[]){ { "total", 1.0 } }, .cost_count = 1), LFT_ERR_KIND),
    INV("model parameters on an event", event_sp, OO(.model_parameters = KV(LFT_KV_INT("n", 1)), .model_parameters_count = 1), LFT_ERR_KIND),
    INV("completion start on an event", event_sp, OO(.completion_start_unix_us = 1700000000000000ull), LFT_ERR_KIND),
    INV("model on an event", event_sp, OO(.model = "m"), LFT_ERR_KIND),
    INV("prompt on an agent update", agent_update, OO(.prompt_name = "p", .prompt_version = 1), LFT_ERR_KIND),
    INV("prompt on an agent start", agent_start_tr, OO(.prompt_name = "p", .prompt_version = 1), LFT_ERR_KIND),
    INV("prompt on a span", span_update, OO(.prompt_name = "p", .prompt_version = 1), LFT_ERR_KIND),
    INV("observe begin as a trace with a level", observe_root, OO(.level = LFT_LEVEL_ERROR), LFT_ERR_KIND),
    INV("observe begin as a trace with a model", observe_root, OO(.model = "m"), LFT_ERR_KIND),

    /* prompt pairs */
    INV("prompt version without name", gen_update, OO(.prompt_version = 2), LFT_ERR_PROMPT),
    INV("prompt name without version", gen_update, OO(.prompt_name = "p"), LFT_ERR_PROMPT),
    INV("prompt name without version at start", gen_start_tr, OO(.prompt_name = "p"), LFT_ERR_PROMPT),

    /* limits (never truncated) */
    INV("user id too long", trace_start_cl, TO(.user_id = id201), LFT_ERR_TOO_LONG),
    INV("session id too long", trace_update_tr, TO(.session_id = id201), LFT_ERR_TOO_LONG),
    INV("model too long at start", gen_start_tr, OO(.model = id201), LFT_ERR_TOO_LONG),
    INV("model too long at end", gen_end, OO(.model = id201), LFT_ERR_TOO_LONG),
    INV("prompt name too long", gen_update, OO(.prompt_name = id201, .prompt_version = 1), LFT_ERR_TOO_LONG),
    INV("score id too long", score_cl, SC(.name = "s", .id = id201, .session_id = "x"), LFT_ERR_TOO_LONG),
    INV("score name too long", score_cl, SC(.name = id201, .session_id = "x"), LFT_ERR_TOO_LONG),
    INV("score session id too long", score_cl, SC(.name = "s", .session_id = id201), LFT_ERR_TOO_LONG),
    INV("metadata key too long", span_update, OO(.metadata = KV({ key65, LFT_VAL_INT, { .i = 1 } }), .metadata_count = 1), LFT_ERR_TOO_LONG),
    INV("trace metadata key too long", trace_update_tr, TO(.metadata = KV({ key65, LFT_VAL_BOOL, { .b = 1 } }), .metadata_count = 1), LFT_ERR_TOO_LONG),
    INV("model parameter key too long", gen_update, OO(.model_parameters = KV({ key65, LFT_VAL_DOUBLE, { .d = 1.0 } }), .model_parameters_count = 1), LFT_ERR_TOO_LONG),
    INV("usage key too long", gen_update, OO(.usage = (const lft_usage_t[]){ { key65, 1 } }, .usage_count = 1), LFT_ERR_TOO_LONG),
    INV("cost key too long", gen_end, OO(.cost = (const lft_cost_t[]){ { key65, 1.0 } }, .cost_count = 1), LFT_ERR_TOO_LONG),
    INV("tag too long", trace_update_tr, TO(.tags = tags_too_long, .tags_count = 1), LFT_ERR_TOO_LONG),

    /* malformed arguments */
    INV("empty metadata key", span_update, OO(.metadata = KV(LFT_KV_INT("", 1)), .metadata_count = 1), LFT_ERR_ARG),
    INV("NULL metadata key", span_update, OO(.metadata = KV(LFT_KV_INT(NULL, 1)), .metadata_count = 1), LFT_ERR_ARG),
    INV("NULL metadata array, count 2", span_update, OO(.metadata = NULL, .metadata_count = 2), LFT_ERR_ARG),
    INV("NULL trace metadata array, count 1", trace_update_tr, TO(.metadata = NULL, .metadata_count = 1), LFT_ERR_ARG),
    INV("NaN metadata", span_update, OO(.metadata = KV(LFT_KV_DOUBLE("d", NAN)), .metadata_count = 1), LFT_ERR_ARG),
    INV("+inf metadata", trace_update_tr, TO(.metadata = KV(LFT_KV_DOUBLE("d", INFINITY)), .metadata_count = 1), LFT_ERR_ARG),
    INV("-inf model parameter", gen_update, OO(.model_parameters = KV(LFT_KV_DOUBLE("d", -INFINITY)), .model_parameters_count = 1), LFT_ERR_ARG),
    INV("NULL string metadata", span_update, OO(.metadata = KV(LFT_KV_STR("s", NULL)), .metadata_count = 1), LFT_ERR_ARG),
    INV("metadata value type 99", span_update, OO(.metadata = KV({ "t", (lft_val_type_t)99, { .i = 0 } }), .metadata_count = 1), LFT_ERR_ARG),
    INV("metadata value type 0", span_update, OO(.metadata = KV({ "t", (lft_val_type_t)0, { .i = 0 } }), .metadata_count = 1), LFT_ERR_ARG),
    INV("negative cost", gen_end, OO(.cost = (const lft_cost_t[]){ { "total", -0.01 } }, .cost_count = 1), LFT_ERR_ARG),
    INV("NaN cost", gen_update, OO(.cost = (const lft_cost_t[]){ { "total", NAN } }, .cost_count = 1), LFT_ERR_ARG),
    INV("infinite cost", gen_update, OO(.cost = (const lft_cost_t[]){ { "total", INFINITY } }, .cost_count = 1), LFT_ERR_ARG),
    INV("NULL cost array, count 1", gen_update, OO(.cost = NULL, .cost_count = 1), LFT_ERR_ARG),
    INV("usage above INT64_MAX", gen_update, OO(.usage = (const lft_usage_t[]){ { "input", (uint64_t)INT64_MAX + 1u } }, .usage_count = 1), LFT_ERR_ARG),
    INV("NULL usage array, count 3", gen_end, OO(.usage = NULL, .usage_count = 3), LFT_ERR_ARG),
    INV("NULL usage key", gen_update, OO(.usage = (const lft_usage_t[]){ { NULL, 1 } }, .usage_count = 1), LFT_ERR_ARG),
    INV("start time before 2020", span_start_tr, OO(.time_unix_us = PRE2020), LFT_ERR_ARG),
    INV("end time in 1970", span_end, OO(.time_unix_us = 1), LFT_ERR_ARG),
    INV("event time before 2020", event_sp, OO(.time_unix_us = PRE2020), LFT_ERR_ARG),
    INV("completion start before 2020", gen_update, OO(.completion_start_unix_us = 1000), LFT_ERR_ARG),
    INV("trace timestamp before 2020", trace_start_cl, TO(.timestamp_unix_us = PRE2020), LFT_ERR_ARG),
    INV("trace end timestamp before 2020", trace_end_tr, TO(.timestamp_unix_us = 5), LFT_ERR_ARG),
    INV("time on an update", span_update, OO(.time_unix_us = 1700000000000000ull), LFT_ERR_ARG),
    INV("timestamp on a trace update", trace_update_tr, TO(.timestamp_unix_us = 1700000000000000ull), LFT_ERR_ARG),
    /* the rules of the record type come after the fields' own */
    INV("time on an update with a model on a span", span_update, OO(.time_unix_us = 1700000000000000ull, .model = "m"), LFT_ERR_KIND),
    INV("timestamp on a trace update with a long user id", trace_update_tr, TO(.timestamp_unix_us = 1700000000000000ull, .user_id = id201), LFT_ERR_TOO_LONG),
    INV("level 5", span_update, OO(.level = (lft_level_t)5), LFT_ERR_ARG),
    INV("level -1", event_sp, OO(.level = (lft_level_t)-1), LFT_ERR_ARG),
    INV("environment upper case", trace_update_tr, TO(.environment = "Prod"), LFT_ERR_ARG),
    INV("environment langfuse-", trace_start_cl, TO(.environment = "langfuse-prod"), LFT_ERR_ARG),
    INV("environment 41 chars", trace_update_tr, TO(.environment = env41), LFT_ERR_ARG),
    INV("environment empty", trace_update_tr, TO(.environment = ""), LFT_ERR_ARG),
    INV("environment with a space", trace_end_tr, TO(.environment = "my env"), LFT_ERR_ARG),
    INV("is_public 3", trace_update_tr, TO(.is_public = (lft_bool_t)3), LFT_ERR_ARG),
    INV("content type 3", span_update, OO(.input = { "x", LFT_NUL, (lft_content_type_t)3 }), LFT_ERR_ARG),
    INV("trace content type -1", trace_update_tr, TO(.output = { "x", LFT_NUL, (lft_content_type_t)-1 }), LFT_ERR_ARG),
    INV("NULL text ptr", span_update, OO(.output = { NULL, 3, LFT_CONTENT_TEXT }), LFT_ERR_ARG),
    INV("NULL JSON ptr", trace_start_cl, TO(.input = { NULL, LFT_NUL, LFT_CONTENT_JSON }), LFT_ERR_ARG),
    INV("empty user id", trace_update_tr, TO(.user_id = ""), LFT_ERR_ARG),
    INV("empty session id", trace_start_cl, TO(.session_id = ""), LFT_ERR_ARG),
    INV("empty model", gen_update, OO(.model = ""), LFT_ERR_ARG),
    INV("empty prompt name", gen_update, OO(.prompt_name = "", .prompt_version = 1), LFT_ERR_ARG),
    INV("NULL tag", trace_update_tr, TO(.tags = tags_with_null, .tags_count = 2), LFT_ERR_ARG),
    INV("NULL tags array, count 1", trace_update_tr, TO(.tags = NULL, .tags_count = 1), LFT_ERR_ARG),
    INV("empty tag", trace_start_cl, TO(.tags = tags_empty, .tags_count = 1), LFT_ERR_ARG),
    INV("trace start with opts name", trace_start_cl, TO(.name = "n"), LFT_ERR_ARG),
    INV("trace start with opts name and a long user id", trace_start_cl, TO(.name = "n", .user_id = id201), LFT_ERR_TOO_LONG),

    /* scores */
    INV("score without target", score_cl, SC(.name = "s", .value = 1.0), LFT_ERR_ARG),
    INV("score with two targets", score_cl, SC(.name = "s", .value = 1.0, .target = &tr, .session_id = "x"), LFT_ERR_ARG),
    INV("score without name", score_cl, SC(.value = 1.0, .target = &tr), LFT_ERR_ARG),
    INV("score with empty name", score_cl, SC(.name = "", .value = 1.0, .target = &tr), LFT_ERR_ARG),
    INV("score with empty session", score_cl, SC(.name = "s", .value = 1.0, .session_id = ""), LFT_ERR_ARG),
    INV("boolean score 0.5", score_cl, SC(.name = "s", .data_type = LFT_SCORE_BOOLEAN, .value = 0.5, .target = &tr), LFT_ERR_ARG),
    INV("boolean score 2", score_cl, SC(.name = "s", .data_type = LFT_SCORE_BOOLEAN, .value = 2.0, .target = &sp), LFT_ERR_ARG),
    INV("boolean score with a string", score_cl, SC(.name = "s", .data_type = LFT_SCORE_BOOLEAN, .string_value = "yes", .target = &sp), LFT_ERR_ARG),
    INV("categorical score without string", score_cl, SC(.name = "s", .data_type = LFT_SCORE_CATEGORICAL, .target = &tr), LFT_ERR_ARG),
    INV("categorical score with empty string", score_cl, SC(.name = "s", .data_type = LFT_SCORE_CATEGORICAL, .string_value = "", .target = &tr), LFT_ERR_ARG),
    INV("inferred categorical with empty string", score_cl, SC(.name = "s", .string_value = "", .target = &tr), LFT_ERR_ARG),
    INV("numeric score NaN", score_cl, SC(.name = "s", .data_type = LFT_SCORE_NUMERIC, .value = NAN, .target = &tr), LFT_ERR_ARG),
    INV("numeric score inf", score_cl, SC(.name = "s", .data_type = LFT_SCORE_NUMERIC, .value = INFINITY, .session_id = "x"), LFT_ERR_ARG),
    INV("inferred numeric NaN", score_cl, SC(.name = "s", .value = NAN, .target = &sp), LFT_ERR_ARG),
    INV("numeric score with a string", score_cl, SC(.name = "s", .data_type = LFT_SCORE_NUMERIC, .string_value = "x", .target = &sp), LFT_ERR_ARG),
    INV("score data type 7", score_cl, SC(.name = "s", .data_type = (lft_score_type_t)7, .target = &sp), LFT_ERR_ARG),

    /* handles still open */
    INV("trace start on an open trace", trace_restart, NULL, LFT_ERR_ARG),
    INV("span start on an open span", span_restart, NULL, LFT_ERR_ARG),
    INV("observe begin on an open span", observe_restart, NULL, LFT_ERR_ARG),

    /* context */
    NONE("span start: no parent, no context", span_no_context, NULL, LFT_ERR_NO_CONTEXT),
    NONE("generation start: no parent, no context", gen_no_context, NULL, LFT_ERR_NO_CONTEXT),
    NONE("event: no parent, no context", event_no_context, NULL, LFT_ERR_NO_CONTEXT),
    INV("observe end: not current", observe_end_h, &sp, LFT_ERR_CONTEXT),
    NONE("context pop: not current", pop_h, &sp, LFT_ERR_CONTEXT),

    /* configuration */
    NONE("init: NULL client", init_null_client, CFG(RS), LFT_ERR_ARG),
    NONE("init: NULL config", init_null_cfg, NULL, LFT_ERR_ARG),
    NONE("init: NULL ring", init_scratch, CFG(.ring = NULL, .ring_size = sizeof ring_scratch), LFT_ERR_CONFIG),
    NONE("init: ring of 0 bytes", init_scratch, CFG(.ring = ring_scratch, .ring_size = 0), LFT_ERR_CONFIG),
    NONE("init: ring below LFT_RING_MIN", init_scratch, CFG(.ring = ring_scratch, .ring_size = LFT_RING_MIN - 1), LFT_ERR_CONFIG),
    NONE("init: ring of 2^31 bytes", init_scratch, CFG(.ring = ring_scratch, .ring_size = (size_t)1 << 31), LFT_ERR_CONFIG),
    NONE("init: max_field_bytes 31", init_scratch, CFG(RS, .max_field_bytes = LFT_FIELD_MIN - 1), LFT_ERR_CONFIG),
    NONE("init: max_field_bytes 1", init_scratch, CFG(RS, .max_field_bytes = 1), LFT_ERR_CONFIG),
    NONE("init: sample_rate 1.5", init_scratch, CFG(RS, .sample_rate = 1.5), LFT_ERR_CONFIG),
    NONE("init: sample_rate -0.25", init_scratch, CFG(RS, .sample_rate = -0.25), LFT_ERR_CONFIG),
    NONE("init: sample_rate NaN", init_scratch, CFG(RS, .sample_rate = NAN), LFT_ERR_CONFIG),
    NONE("init: drop policy 2", init_scratch, CFG(RS, .drop_policy = (lft_drop_policy_t)2), LFT_ERR_CONFIG),
    NONE("init: environment langfuse-prod", init_scratch, CFG(RS, .environment = "langfuse-prod"), LFT_ERR_CONFIG),
    NONE("init: environment Prod", init_scratch, CFG(RS, .environment = "Prod"), LFT_ERR_CONFIG),
    NONE("init: environment 41 chars", init_scratch, CFG(RS, .environment = env41), LFT_ERR_CONFIG),
    NONE("init: environment empty", init_scratch, CFG(RS, .environment = ""), LFT_ERR_CONFIG),
    NONE("init: no entropy", init_no_entropy, CFG(RS), LFT_ERR_ENTROPY),

    /* records that can never fit */
    { "span start larger than the ring", small_span, OO(.input = TEXT_C(text600)), LFT_ERR_TOO_LARGE, &small, CNT_TOO_LARGE },
    { "event larger than the ring", small_event, OO(.output = TEXT_C(text600)), LFT_ERR_TOO_LARGE, &small, CNT_TOO_LARGE },
    { "update larger than 64 KiB", big_update, TO(.input = TEXT_C(huge), .output = TEXT_C(huge)), LFT_ERR_TOO_LARGE, &big, CNT_TOO_LARGE },
};

/* ------------------------------------------------------------ the runner */

typedef struct {
    lft_stats_t s;
    size_t readable;
} snap_t;

static void take(snap_t snaps[NWATCHED])
{
    for (size_t i = 0; i < NWATCHED; i++) {
        memset(&snaps[i].s, 0, sizeof snaps[i].s);
        (void)lft_client_stats(watched[i], &snaps[i].s);
        snaps[i].readable = lft_tr_read(watched[i]);
    }
}

/* Run one row; returns 1 when every check passed. */
static int run_row(const bad_t *row)
{
    snap_t before[NWATCHED], after[NWATCHED];
    unsigned long failures = lft_test_failures;
    memset(&fresh, 0, sizeof fresh);
    take(before);
    lft_err_t err = row->call(row->arg);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    take(after);
    if (err != row->want) {
        fprintf(stderr, "  got %s, want %s\n", lft_err_str(err), lft_err_str(row->want));
    }
    LFT_CHECK_EQ(err, row->want);
    for (size_t i = 0; i < NWATCHED; i++) {
        const lft_stats_t *b = &before[i].s, *a = &after[i].s;
        int here = row->counted == watched[i];
        LFT_CHECK_EQ(a->recorded, b->recorded);
        LFT_CHECK_EQ(after[i].readable, before[i].readable);
        LFT_CHECK_EQ(a->pending_records, b->pending_records);
        LFT_CHECK_EQ(a->dropped_invalid - b->dropped_invalid, here && row->counter == CNT_INVALID);
        LFT_CHECK_EQ(a->dropped_too_large - b->dropped_too_large, here && row->counter == CNT_TOO_LARGE);
        LFT_CHECK_EQ(a->dropped_ring_full, b->dropped_ring_full);
        LFT_CHECK_EQ(a->dropped_sampled, b->dropped_sampled);
        LFT_CHECK_EQ(a->truncated, b->truncated);
    }
    LFT_CHECK(lft_context_current() == NULL);
    if (lft_test_failures != failures) {
        fprintf(stderr, "  ^ in row \"%s\"\n", row->what);
        return 0;
    }
    return 1;
}

static void test_table(void)
{
    size_t passed = 0, n = sizeof table / sizeof table[0];
    for (size_t i = 0; i < n; i++) {
        passed += (size_t)run_row(&table[i]);
    }
    printf("     %zu of %zu rows passed\n", passed, n);
    /* the failed inits left the scratch client uninitialised */
    lft_stats_t s;
    LFT_CHECK_EQ(lft_client_stats(&scratch, &s), LFT_ERR_HANDLE);
    /* and the fixture handles are as they were */
    LFT_CHECK(lft_obs_is_open(&tr) && lft_obs_is_open(&sp) && lft_obs_is_open(&gen));
    LFT_CHECK(!lft_obs_is_open(&ended_sp) && !lft_obs_is_open(&ended_tr) && !lft_obs_is_open(&zero));
    LFT_CHECK(!lft_obs_is_open(&stale_sp) && !lft_obs_is_open(&dead_tr));
}

/* Strict JSON: each bad document at several call sites. */
static void test_bad_json(void)
{
    static const char *const docs[] = {
        "{", "{\"a\":}", "[1,]", "{]", "{\"a\":1} x", "[1]]", "", "   ", "nul", "\"abc",
        "[1 2]", "{'a':1}", "01", "1.", ".5", "+1", "[\"\x01\"]", "{\"a\" 1}", "[1,2", "tru",
        "\"\\x\"", "{\"a\":1,}", "[-]", "1e", "\"\\u12\"",
    };
    char deep[2 * LFT_JSON_DEPTH_MAX + 3];
    memset(deep, '[', LFT_JSON_DEPTH_MAX + 1);
    memset(deep + LFT_JSON_DEPTH_MAX + 1, ']', LFT_JSON_DEPTH_MAX + 1);
    deep[2 * LFT_JSON_DEPTH_MAX + 2] = '\0';
    size_t n = sizeof docs / sizeof docs[0];
    for (size_t i = 0; i <= n + 1; i++) {
        lft_content_t c;
        if (i < n) {
            c = LFT_JSON(docs[i]);
        } else if (i == n) {
            c = LFT_JSON(deep); /* one level deeper than LFT_JSON_DEPTH_MAX */
        } else {
            c = LFT_JSON_N("[1,2]", 3); /* valid, but cut by the length */
        }
        lft_obs_opts_t in = { .input = c }, out = { .output = c };
        lft_trace_opts_t tin = { .input = c }, tout = { .output = c };
        const bad_t rows[] = {
            INV("JSON: span update input", span_update, &in, LFT_ERR_JSON),
            INV("JSON: generation start output", gen_start_tr, &out, LFT_ERR_JSON),
            INV("JSON: event input", event_sp, &in, LFT_ERR_JSON),
            INV("JSON: trace start input", trace_start_cl, &tin, LFT_ERR_JSON),
            INV("JSON: trace end output", trace_end_tr, &tout, LFT_ERR_JSON),
        };
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            if (!run_row(&rows[r])) {
                fprintf(stderr, "  document #%zu\n", i);
            }
        }
    }
    /* the deepest accepted document is fine */
    memset(deep, '[', LFT_JSON_DEPTH_MAX);
    memset(deep + LFT_JSON_DEPTH_MAX, ']', LFT_JSON_DEPTH_MAX);
    deep[2 * LFT_JSON_DEPTH_MAX] = '\0';
    lft_obs_opts_t ok = { .input = LFT_JSON(deep) };
    LFT_CHECK_EQ(lft_event(&sp, "deep", &ok), LFT_OK);
}

/* ------------------------------------------------------------- sampling */

static void test_sampled_out(void)
{
    enum { TRACES = 400, PER_TRACE = 9 };
    static uint8_t ring[1u << 17];
    static lft_trace_t traces[TRACES];
    lft_client_t c;
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .sample_rate = 0.25 };
    int kept_flag[TRACES];
    size_t kept = 0;

    lft_test_entropy_seed(99);
    OK(lft_client_init(&c, &cfg));
    for (int i = 0; i < TRACES; i++) {
        lft_obs_t sp1 = LFT_OBS_INIT, g = LFT_OBS_INIT;
        char tp[56];
        lft_trace_t *t = &traces[i];
        memset(t, 0, sizeof *t);
        OK(lft_trace_start(&c, t, "sampled", NULL));
        OK(lft_span_start(&sp1, t, "sp", NULL));
        OK(lft_event(&sp1, "ev", NULL));
        OK(lft_generation_start(&g, &sp1, "gen", &(lft_obs_opts_t){ .model = "m" }));
        OK(lft_generation_first_token(&g)); /* an update */
        OK(lft_obs_end(&g, NULL));
        OK(lft_obs_end(&sp1, NULL));
        lft_score_t sc = { .name = "q", .value = 1.0, .target = &sp1 };
        OK(lft_score(&c, &sc));
        OK(lft_trace_end(t, NULL));
        /* the ids say whether the trace is sampled: traceparent flags */
        OK(lft_obs_traceparent(t, tp, sizeof tp));
        kept_flag[i] = strcmp(tp + 53, "01") == 0;
        LFT_CHECK(kept_flag[i] || strcmp(tp + 53, "00") == 0);
        OK(lft_obs_traceparent(&g, tp, sizeof tp));
        LFT_CHECK_EQ(strcmp(tp + 53, "01") == 0, kept_flag[i]);
        kept += (size_t)kept_flag[i];
    }
    /* a session score belongs to no trace: never sampled */
    lft_score_t ss = { .name = "session", .value = 1.0, .session_id = "s1" };
    OK(lft_score(&c, &ss));
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);

    /* A trace is kept iff its records exist: all PER_TRACE of them, or none. */
    lft_tr_read(&c);
    for (int i = 0; i < TRACES; i++) {
        uint8_t want[16], got[16];
        size_t n = 0;
        OK(lft_obs_trace_id(&traces[i], want));
        for (size_t r = 0; r < lft_tr_n; r++) {
            if (lft_tr_rec[r].trace != 0 && lft_client_trace_id(&c, lft_tr_rec[r].trace, got) == LFT_OK &&
                memcmp(got, want, 16) == 0) {
                n++;
            }
        }
        /* END records carry no trace serial (unless orphaned): count those by serial */
        const lft_record_t *st = NULL;
        for (size_t r = 0; r < lft_tr_n && kept_flag[i]; r++) {
            if (lft_tr_rec[r].type == LFT_REC_START && lft_tr_rec[r].kind == LFT_KIND_TRACE &&
                lft_client_trace_id(&c, lft_tr_rec[r].trace, got) == LFT_OK && memcmp(got, want, 16) == 0) {
                st = &lft_tr_rec[r];
            }
        }
        if (kept_flag[i]) {
            LFT_CHECK_EQ(n, 5); /* START trace, START span, EVENT, START generation, SCORE */
            LFT_CHECK(st != NULL && lft_tr_count(LFT_REC_END, st->serial) == 1);
        } else {
            LFT_CHECK_EQ(n, 0);
        }
    }
    lft_stats_t s;
    OK(lft_client_stats(&c, &s));
    LFT_CHECK_EQ(lft_tr_n, kept * PER_TRACE + 1);
    LFT_CHECK_EQ(s.recorded, kept * PER_TRACE + 1);
    LFT_CHECK_EQ(s.dropped_sampled, (TRACES - kept) * PER_TRACE);
    LFT_CHECK_EQ(s.dropped_invalid, 0);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_START, 0), kept * 3);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_END, 0), kept * 3);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_UPDATE, 0), kept);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_EVENT, 0), kept);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_SCORE, 0), kept + 1);
    /* 0.25 of 400: 100 expected, sd 8.7 */
    LFT_CHECK(kept >= 60 && kept <= 140);
    printf("     kept %zu of %d traces at sample_rate 0.25\n", kept, TRACES);

    /* Validation still applies inside a sampled-out trace. */
    for (int i = 0; i < TRACES; i++) {
        if (!kept_flag[i]) {
            lft_obs_t x = LFT_OBS_INIT;
            lft_obs_opts_t bad = { .input = LFT_JSON("{") };
            LFT_CHECK_EQ(lft_span_start(&x, &traces[i], "x", &bad), LFT_ERR_JSON);
            LFT_CHECK_EQ(lft_trace_end(&traces[i], NULL), LFT_ERR_ENDED);
            OK(lft_client_stats(&c, &s));
            LFT_CHECK_EQ(s.dropped_invalid, 2);
            break;
        }
    }
    OK(lft_client_deinit(&c));
}

int main(void)
{
    fixture();
    LFT_RUN(test_table);
    LFT_RUN(test_bad_json);
    LFT_RUN(test_sampled_out);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    return LFT_TEST_REPORT();
}
