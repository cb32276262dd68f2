/*
 * test_context - the per-thread current observation: push/pop, automatic
 * parenting, lft_observe_begin/end, LFT_OBSERVE scopes (every way out of a
 * scope), and four threads building their own trees on one client at once.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t, sched_yield */
#endif
#ifndef LFT_TEST_NO_THREADS /* tests/embedded: bare metal has no threads */
#include <pthread.h>
#include <sched.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"
#include "lft_test_records.h"
#include "lftrace.h"

#define OK(call)                                                                \
    do {                                                                        \
        LFT_CHECK_EQ((call), LFT_OK);                                           \
        LFT_CHECK_EQ(lft_test_lock_depth(), 0);                                 \
    } while (0)

static uint8_t ring[1u << 16];
static lft_client_t client;

static void setup(void)
{
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring };
    OK(lft_client_init(&client, &cfg));
}

static void teardown(void)
{
    LFT_CHECK(lft_context_current() == NULL);
    OK(lft_client_deinit(&client));
}

/* Serial of the START (or EVENT) record named name in the last read (0 if absent). */
static uint32_t start_of(const char *name)
{
    uint32_t s = lft_tr_serial_of(LFT_REC_START, name);
    return s != 0 ? s : lft_tr_serial_of(LFT_REC_EVENT, name);
}

/* The parent serial recorded for name. */
static uint32_t parent_of(const char *name)
{
    const lft_record_t *r = lft_tr_find_named(LFT_REC_START, name);
    if (r == NULL) {
        r = lft_tr_find_named(LFT_REC_EVENT, name);
    }
    return r != NULL ? r->parent : UINT32_MAX;
}

/* ------------------------------------------------------------ push / pop */

static void test_push_pop(void)
{
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t s = LFT_OBS_INIT, g = LFT_OBS_INIT, zero = LFT_OBS_INIT;

    setup();
    LFT_CHECK(lft_context_current() == NULL);
    LFT_CHECK(lft_context_trace() == NULL);
    OK(lft_trace_start(&client, &t, "pp-trace", NULL));
    OK(lft_span_start(&s, &t, "pp-span", NULL));

    OK(lft_context_push(&t));
    LFT_CHECK(lft_context_current() == &t);
    LFT_CHECK(lft_context_trace() == &t);
    OK(lft_context_push(&s));
    LFT_CHECK(lft_context_current() == &s);
    LFT_CHECK(lft_context_trace() == &t);

    LFT_CHECK_EQ(lft_context_push(&s), LFT_ERR_CONTEXT); /* already current */
    LFT_CHECK_EQ(lft_context_push(&t), LFT_ERR_CONTEXT); /* already in the stack */
    LFT_CHECK_EQ(lft_context_pop(&t), LFT_ERR_CONTEXT);  /* not the current one */
    LFT_CHECK(lft_context_current() == &s);

    /* parent NULL means the current observation */
    OK(lft_generation_start(&g, NULL, "pp-gen", NULL));
    OK(lft_event(NULL, "pp-event", NULL));
    OK(lft_context_pop(&s));
    LFT_CHECK(lft_context_current() == &t);
    OK(lft_event(NULL, "pp-event-on-trace", NULL));
    LFT_CHECK_EQ(lft_context_pop(&s), LFT_ERR_CONTEXT); /* popped already */
    OK(lft_context_pop(&t));
    LFT_CHECK(lft_context_current() == NULL);
    LFT_CHECK(lft_context_trace() == NULL);
    LFT_CHECK_EQ(lft_event(NULL, "nowhere", NULL), LFT_ERR_NO_CONTEXT);

    /* a span pushed without its trace: no trace in the context stack */
    OK(lft_context_push(&s));
    LFT_CHECK(lft_context_trace() == NULL);
    OK(lft_context_pop(&s));

    /* errors */
    OK(lft_obs_end(&g, NULL));
    LFT_CHECK_EQ(lft_context_push(&g), LFT_ERR_ENDED);
    LFT_CHECK_EQ(lft_context_push(NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_context_push(&zero), LFT_ERR_HANDLE);
    LFT_CHECK_EQ(lft_context_pop(NULL), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_context_pop(&zero), LFT_ERR_CONTEXT);
    LFT_CHECK(lft_context_current() == NULL);

    /* an observation ended while current can still be popped */
    OK(lft_context_push(&s));
    OK(lft_obs_end(&s, NULL));
    LFT_CHECK(lft_context_current() == &s);
    LFT_CHECK_EQ(lft_span_start(&s, &t, "restart", NULL), LFT_ERR_ARG); /* still in the stack */
    OK(lft_context_pop(&s));
    OK(lft_trace_end(&t, NULL));

    lft_tr_read(&client);
    LFT_CHECK_EQ(lft_tr_n, 8);
    LFT_CHECK_EQ(parent_of("pp-gen"), start_of("pp-span"));
    LFT_CHECK_EQ(parent_of("pp-event"), start_of("pp-span"));
    LFT_CHECK_EQ(parent_of("pp-event-on-trace"), start_of("pp-trace"));
    LFT_CHECK(lft_tr_find_named(-1, "nowhere") == NULL && lft_tr_find_named(-1, "restart") == NULL);
    teardown();
}

/* -------------------------------------------------- observe begin / end */

static void test_observe_begin_end(void)
{
    static const lft_kv_t meta[] = { LFT_KV_STR("who", "root") };
    lft_obs_t root = LFT_OBS_INIT, tool = LFT_OBS_INIT, gen = LFT_OBS_INIT, child = LFT_OBS_INIT;

    setup();
    /* no current observation: a TRACE named after the call; kind is ignored */
    lft_obs_opts_t ro = { .input = LFT_TEXT("q"), .metadata = meta, .metadata_count = 1,
                          .version = "3", .time_unix_us = 1700000000000000ull };
    OK(lft_observe_begin(&client, &root, LFT_KIND_GENERATION, "ob-root", &ro));
    LFT_CHECK(lft_context_current() == &root);
    LFT_CHECK(lft_context_trace() == &root);
    OK(lft_observe_begin(&client, &tool, LFT_KIND_TOOL, "ob-tool", NULL));
    LFT_CHECK(lft_context_current() == &tool);
    lft_obs_opts_t go = { .model = "gpt-4o-mini" };
    OK(lft_observe_begin(&client, &gen, LFT_KIND_GENERATION, "ob-gen", &go));
    LFT_CHECK(lft_context_current() == &gen);
    LFT_CHECK(lft_context_trace() == &root);
    /* a child started with parent NULL inside: parented to the current one */
    OK(lft_span_start(&child, NULL, "ob-child", NULL));
    OK(lft_obs_end(&child, NULL));
    LFT_CHECK(lft_context_current() == &gen);

    LFT_CHECK_EQ(lft_observe_end(&tool, NULL), LFT_ERR_CONTEXT); /* not current */
    LFT_CHECK(lft_obs_is_open(&tool));
    lft_obs_opts_t ge = { .output = LFT_TEXT("answer") };
    OK(lft_observe_end(&gen, &ge));
    LFT_CHECK(lft_context_current() == &tool);
    OK(lft_observe_end(&tool, NULL));
    LFT_CHECK(lft_context_current() == &root);
    lft_obs_opts_t re = { .output = LFT_JSON("{\"done\":true}") };
    OK(lft_observe_end(&root, &re));
    LFT_CHECK(lft_context_current() == NULL);

    lft_tr_read(&client);
    LFT_CHECK_EQ(lft_tr_n, 8);
    const lft_record_t *r = lft_tr_find_named(LFT_REC_START, "ob-root");
    LFT_CHECK(r != NULL && r->kind == LFT_KIND_TRACE && r->parent == 0 && r->trace == r->serial);
    LFT_CHECK_FSTR(r, LFT_F_INPUT_TEXT, 0, "q");
    LFT_CHECK_KVSTR(r, LFT_F_META_STR, "who", "root");
    LFT_CHECK_FSTR(r, LFT_F_VERSION, 0, "3");
    LFT_CHECK_FU(r, LFT_F_TIME_UNIX, 1700000000000000ull);
    const lft_record_t *t = lft_tr_find_named(LFT_REC_START, "ob-tool");
    LFT_CHECK(t != NULL && r != NULL && t->kind == LFT_KIND_TOOL && t->parent == r->serial && t->trace == r->serial);
    const lft_record_t *g = lft_tr_find_named(LFT_REC_START, "ob-gen");
    LFT_CHECK(g != NULL && t != NULL && g->kind == LFT_KIND_GENERATION && g->parent == t->serial);
    LFT_CHECK_FSTR(g, LFT_F_MODEL, 0, "gpt-4o-mini");
    LFT_CHECK_EQ(parent_of("ob-child"), start_of("ob-gen"));
    LFT_CHECK_FSTR(g != NULL ? lft_tr_find(LFT_REC_END, g->serial) : NULL, LFT_F_OUTPUT_TEXT, 0, "answer");
    LFT_CHECK_FSTR(r != NULL ? lft_tr_find(LFT_REC_END, r->serial) : NULL, LFT_F_OUTPUT_JSON, 0, "{\"done\":true}");
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_END, 0), 4);
    teardown();
}

/* observe_begin on another client while this one is current starts a trace there */
static void test_observe_two_clients(void)
{
    static uint8_t ring2[4096];
    lft_client_t c2;
    lft_config_t cfg = { .ring = ring2, .ring_size = sizeof ring2 };
    lft_obs_t a = LFT_OBS_INIT, b = LFT_OBS_INIT;

    setup();
    OK(lft_client_init(&c2, &cfg));
    OK(lft_observe_begin(&client, &a, LFT_KIND_SPAN, "on-one", NULL));
    OK(lft_observe_begin(&c2, &b, LFT_KIND_SPAN, "on-two", NULL));
    LFT_CHECK(lft_context_current() == &b);
    LFT_CHECK(lft_context_trace() == &b);
    OK(lft_observe_end(&b, NULL));
    OK(lft_observe_end(&a, NULL));
    lft_tr_read(&c2);
    const lft_record_t *r = lft_tr_find_named(LFT_REC_START, "on-two");
    LFT_CHECK(lft_tr_n == 2 && r != NULL && r->kind == LFT_KIND_TRACE);
    lft_tr_read(&client);
    LFT_CHECK(lft_tr_n == 2 && lft_tr_find_named(LFT_REC_START, "on-one") != NULL);
    OK(lft_client_deinit(&c2));
    teardown();
}

/* ------------------------------------------------------ LFT_OBSERVE scopes */

static lft_obs_t *seen_root;

static int scoped(int bail)
{
    LFT_OBSERVE(&client, root, LFT_KIND_SPAN, bail ? "bail-root" : "full-root");
    seen_root = lft_context_current();
    {
        LFT_OBSERVE(&client, inner, LFT_KIND_TOOL, bail ? "bail-inner" : "full-inner");
        if (lft_context_current() != &inner) {
            return -1;
        }
        if (bail) {
            return 1; /* early return: both scopes end */
        }
        (void)lft_event(NULL, bail ? "bail-event" : "full-event", NULL);
    }
    if (lft_context_current() != &root) {
        return -1;
    }
    return 0;
}

static void loop_with_break(void)
{
    LFT_OBSERVE(&client, root, LFT_KIND_SPAN, "loop-root");
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "iter-%d", i);
        LFT_OBSERVE(&client, it, LFT_KIND_CHAIN, name);
        LFT_CHECK(lft_context_current() == &it);
        if (i == 3) {
            break;
        }
    }
    LFT_CHECK(lft_context_current() == &root);
}

static void explicit_end_then_cleanup(void)
{
    LFT_OBSERVE(&client, root, LFT_KIND_SPAN, "expl-root");
    {
        LFT_OBSERVE(&client, a, LFT_KIND_SPAN, "expl-observe-end");
        lft_obs_opts_t o = { .output = LFT_TEXT("final") };
        LFT_CHECK_EQ(lft_observe_end(&a, &o), LFT_OK);
        LFT_CHECK(lft_context_current() == &root);
    }
    {
        LFT_OBSERVE(&client, b, LFT_KIND_SPAN, "expl-obs-end");
        LFT_CHECK_EQ(lft_obs_end(&b, NULL), LFT_OK); /* ended but still current */
        LFT_CHECK(lft_context_current() == &b);
    }
    LFT_CHECK(lft_context_current() == &root);
}

/* One START and one END for name; returns the START's serial. */
static uint32_t once(const char *name)
{
    const lft_record_t *s = lft_tr_find_named(LFT_REC_START, name);
    LFT_CHECK(s != NULL);
    if (s == NULL) {
        fprintf(stderr, "  no START for %s\n", name);
        return 0;
    }
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_START, s->serial), 1);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_END, s->serial), 1);
    return s->serial;
}

static void test_observe_scopes(void)
{
    setup();
    LFT_CHECK_EQ(scoped(1), 1);
    LFT_CHECK(lft_context_current() == NULL);
    LFT_CHECK_EQ(scoped(0), 0);
    LFT_CHECK(lft_context_current() == NULL);
    LFT_CHECK(seen_root != NULL);
    loop_with_break();
    LFT_CHECK(lft_context_current() == NULL);
    explicit_end_then_cleanup();
    LFT_CHECK(lft_context_current() == NULL);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);

    lft_tr_read(&client);
    /* early return */
    uint32_t br = once("bail-root"), bi = once("bail-inner");
    LFT_CHECK(br != 0 && lft_tr_find(LFT_REC_START, br)->kind == LFT_KIND_TRACE);
    LFT_CHECK_EQ(parent_of("bail-inner"), br);
    LFT_CHECK(bi != 0);
    /* normal exit */
    uint32_t fr = once("full-root"), fi = once("full-inner");
    LFT_CHECK_EQ(parent_of("full-inner"), fr);
    LFT_CHECK_EQ(parent_of("full-event"), fi);
    LFT_CHECK(lft_tr_find_named(-1, "bail-event") == NULL);
    /* inner scopes end before outer ones */
    const lft_record_t *ie = lft_tr_find(LFT_REC_END, bi), *re = lft_tr_find(LFT_REC_END, br);
    LFT_CHECK(ie != NULL && re != NULL && ie < re);
    /* break out of a loop: iterations 0..3 each ended once, no more */
    uint32_t lr = once("loop-root");
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "iter-%d", i);
        if (i <= 3) {
            once(name);
            LFT_CHECK_EQ(parent_of(name), lr);
        } else {
            LFT_CHECK(lft_tr_find_named(-1, name) == NULL);
        }
    }
    /* explicit end, then the cleanup does nothing */
    uint32_t er = once("expl-root");
    uint32_t ea = once("expl-observe-end"), eb = once("expl-obs-end");
    LFT_CHECK_EQ(parent_of("expl-observe-end"), er);
    LFT_CHECK_FSTR(lft_tr_find(LFT_REC_END, ea), LFT_F_OUTPUT_TEXT, 0, "final");
    LFT_CHECK(eb != 0);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_START, 0), 4 + 5 + 3);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_END, 0), 4 + 5 + 3);
    lft_stats_t s;
    OK(lft_client_stats(&client, &s));
    LFT_CHECK_EQ(s.dropped_invalid, 0);
    teardown();
}

#ifndef LFT_TEST_NO_THREADS
/* ----------------------------------------------------------- concurrency */

enum { THREADS = 4, ITERS = 200, LEVELS = 4 };

static uint8_t big_ring[1u << 19];
static lft_client_t shared;
static pthread_barrier_t start_line;

typedef struct {
    int id;
    int errors; /* calls that failed or left the wrong current observation */
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    (void)pthread_barrier_wait(&start_line); /* all threads record at once */
    for (int i = 0; i < ITERS; i++) {
        char n0[32], n1[32], n2[32], n3[32];
        snprintf(n0, sizeof n0, "t%d-i%d-trace", w->id, i);
        snprintf(n1, sizeof n1, "t%d-i%d-span", w->id, i);
        snprintf(n2, sizeof n2, "t%d-i%d-gen", w->id, i);
        snprintf(n3, sizeof n3, "t%d-i%d-event", w->id, i);
        LFT_OBSERVE(&shared, trace, LFT_KIND_SPAN, n0);
        w->errors += lft_context_current() != &trace || lft_context_trace() != &trace;
        {
            LFT_OBSERVE(&shared, span, LFT_KIND_SPAN, n1);
            w->errors += lft_context_current() != &span;
            {
                LFT_OBSERVE(&shared, gen, LFT_KIND_GENERATION, n2);
                w->errors += lft_context_current() != &gen || lft_context_trace() != &trace;
                w->errors += lft_event(NULL, n3, NULL) != LFT_OK;
                (void)sched_yield(); /* let the other threads in mid-tree */
            }
            w->errors += lft_context_current() != &span;
        }
        w->errors += lft_context_current() != &trace;
    }
    w->errors += lft_context_current() != NULL;
    return NULL;
}

static uint32_t tree_serial[THREADS][ITERS][LEVELS];
static uint8_t end_count[1u << 14];

static void test_threads(void)
{
    static const char *const suffix[LEVELS] = { "trace", "span", "gen", "event" };
    static const lft_kind_t kind[LEVELS] = { LFT_KIND_TRACE, LFT_KIND_SPAN, LFT_KIND_GENERATION, LFT_KIND_EVENT };
    lft_config_t cfg = { .ring = big_ring, .ring_size = sizeof big_ring };
    pthread_t th[THREADS];
    worker_t w[THREADS];
    int bad_names = 0, dup = 0;

    OK(lft_client_init(&shared, &cfg));
    LFT_CHECK_EQ(pthread_barrier_init(&start_line, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) {
        w[i].id = i;
        w[i].errors = 0;
        LFT_CHECK_EQ(pthread_create(&th[i], NULL, worker, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        LFT_CHECK_EQ(pthread_join(th[i], NULL), 0);
        LFT_CHECK_EQ(w[i].errors, 0);
    }
    (void)pthread_barrier_destroy(&start_line);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    LFT_CHECK(lft_context_current() == NULL);

    lft_stats_t s;
    OK(lft_client_stats(&shared, &s));
    LFT_CHECK_EQ(s.recorded, THREADS * ITERS * 7);
    LFT_CHECK_EQ(s.dropped_ring_full + s.dropped_invalid + s.dropped_too_large, 0);
    LFT_CHECK_EQ(lft_tr_read(&shared), THREADS * ITERS * 7);
    LFT_CHECK_EQ(lft_tr_bad, 0);

    /* Map every START / EVENT to (thread, iteration, level) by its name. */
    memset(tree_serial, 0, sizeof tree_serial);
    memset(end_count, 0, sizeof end_count);
    for (size_t r = 0; r < lft_tr_n; r++) {
        const lft_record_t *rec = &lft_tr_rec[r];
        if (rec->type == LFT_REC_END) {
            if (rec->serial < sizeof end_count) {
                end_count[rec->serial]++;
            }
            continue;
        }
        lft_field_t f;
        char name[32], lvl[8];
        int t, i, l = -1;
        if (rec->serial >= sizeof end_count || !lft_tr_field(rec, LFT_F_NAME, 0, &f) || f.str_len >= sizeof name) {
            bad_names++;
            continue;
        }
        memcpy(name, f.str, f.str_len);
        name[f.str_len] = '\0';
        if (sscanf(name, "t%d-i%d-%7s", &t, &i, lvl) != 3 || t < 0 || t >= THREADS || i < 0 || i >= ITERS) {
            bad_names++;
            continue;
        }
        for (int k = 0; k < LEVELS; k++) {
            l = strcmp(lvl, suffix[k]) == 0 ? k : l;
        }
        if (l < 0 || rec->kind != kind[l] || rec->type != (l == 3 ? LFT_REC_EVENT : LFT_REC_START)) {
            bad_names++;
            continue;
        }
        dup += tree_serial[t][i][l] != 0;
        tree_serial[t][i][l] = rec->serial;
    }
    LFT_CHECK_EQ(bad_names, 0);
    LFT_CHECK_EQ(dup, 0);
    int switches = 0, last = -1;
    for (size_t r = 0; r < lft_tr_n; r++) {
        lft_field_t f;
        if (lft_tr_field(&lft_tr_rec[r], LFT_F_NAME, 0, &f) && f.str_len > 1) {
            int th = f.str[1] - '0';
            switches += last >= 0 && th != last;
            last = th;
        }
    }
    printf("     %d thread switches between consecutive named records\n", switches);

    /* Every record's parent is the START of the right observation of the same
     * thread and iteration; each observation ended exactly once. */
    int wrong_parent = 0, missing = 0, wrong_end = 0;
    for (size_t r = 0; r < lft_tr_n; r++) {
        const lft_record_t *rec = &lft_tr_rec[r];
        if (rec->type == LFT_REC_END) {
            continue;
        }
        lft_field_t f;
        int t, i;
        char name[32];
        if (!lft_tr_field(rec, LFT_F_NAME, 0, &f) || f.str_len >= sizeof name) {
            continue;
        }
        memcpy(name, f.str, f.str_len);
        name[f.str_len] = '\0';
        if (sscanf(name, "t%d-i%d-", &t, &i) != 2 || t < 0 || t >= THREADS || i < 0 || i >= ITERS) {
            continue;
        }
        const uint32_t *ts = tree_serial[t][i];
        uint32_t want_parent = 0;
        for (int l = 1; l < LEVELS; l++) {
            want_parent = rec->serial == ts[l] ? ts[l - 1] : want_parent;
        }
        wrong_parent += rec->parent != want_parent || rec->trace != ts[0];
    }
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < ITERS; i++) {
            for (int l = 0; l < LEVELS; l++) {
                uint32_t sn = tree_serial[t][i][l];
                missing += sn == 0;
                wrong_end += sn != 0 && end_count[sn] != (l == 3 ? 0 : 1);
            }
        }
    }
    LFT_CHECK_EQ(wrong_parent, 0);
    LFT_CHECK_EQ(missing, 0);
    LFT_CHECK_EQ(wrong_end, 0);
    LFT_CHECK_EQ(lft_tr_count(LFT_REC_END, 0), THREADS * ITERS * 3);
    OK(lft_client_deinit(&shared));
}
#endif /* LFT_TEST_NO_THREADS */

int main(void)
{
    LFT_RUN(test_push_pop);
    LFT_RUN(test_observe_begin_end);
    LFT_RUN(test_observe_two_clients);
    LFT_RUN(test_observe_scopes);
#ifndef LFT_TEST_NO_THREADS
    LFT_RUN(test_threads);
#else
    printf("SKIP test_threads: no threads on this target\n");
#endif
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    return LFT_TEST_REPORT();
}
