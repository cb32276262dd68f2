/*
 * test_concurrency.c - four producer threads record spans, generations,
 * events and scores into one client at once, with or without consumer
 * threads that read, release and reclaim while they record.
 *
 * Every record identifies itself by its content (names, the END's output,
 * the UPDATE's usage count and the score's value all encode the producer
 * and its step), so whatever the interleaving, each record a consumer
 * exports is checked byte for byte and counted per (producer, step). The
 * checks hold for every scheduling: each call that returned LFT_OK is found
 * exactly once (unless LFT_DROP_OLDEST overwrote it, and then it is
 * counted), each refused call is counted in dropped_ring_full.
 *
 * Threads never call LFT_CHECK (its counters are not thread-safe): they
 * record facts, and the main thread checks them after joining.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"

#define PRODUCERS 4
#define STEPS 2000
#define CONSUMERS_MAX 2
#define ROUNDS_MAX 20000000u

static uint8_t big_ring[1u << 20];
static lft_client_t client;
static lft_trace_t shared_trace;

/* One step of producer p, by i % 4:
 *   0  span "s<p>-<i>", ended with output "o<p>-<i>"          START, END
 *   1  event "e<p>-<i>"                                        EVENT
 *   2  score "c<p>-<i>" on the shared trace, value p*1e5 + i  SCORE
 *   3  generation "g<p>-<i>" (model "m<p>"), usage update
 *      "tok" = p*1e5 + i, ended with output "o<p>-<i>"        START, UPDATE, END */
enum { R_START, R_UPDATE, R_END, R_EVENT, R_SCORE, R_KINDS };

typedef struct {
    lft_err_t err[R_KINDS]; /* per record kind: the call's result (LFT_OK when not made) */
    uint8_t made[R_KINDS];  /* the call was made */
    uint32_t serial;        /* the handle's serial (spans, generations) */
} step_t;

static step_t steps[PRODUCERS][STEPS];
static int yield_between; /* producers yield after each step (consumer runs) */

static void *producer(void *arg)
{
    const unsigned p = (unsigned)(uintptr_t)arg;
    char name[32], out[32], model[8];
    snprintf(model, sizeof model, "m%u", p);
    for (unsigned i = 0; i < STEPS; i++) {
        step_t *st = &steps[p][i];
        memset(st, 0, sizeof *st);
        snprintf(out, sizeof out, "o%u-%u", p, i);
        lft_obs_opts_t end;
        memset(&end, 0, sizeof end);
        end.output = LFT_TEXT(out);
        switch (i % 4u) {
        case 0: {
            lft_obs_t s = LFT_OBS_INIT;
            snprintf(name, sizeof name, "s%u-%u", p, i);
            st->made[R_START] = 1;
            st->err[R_START] = lft_span_start(&s, &shared_trace, name, NULL);
            if (st->err[R_START] == LFT_OK) {
                st->serial = s.serial;
                st->made[R_END] = 1;
                st->err[R_END] = lft_obs_end(&s, &end);
            }
            break;
        }
        case 1:
            snprintf(name, sizeof name, "e%u-%u", p, i);
            st->made[R_EVENT] = 1;
            st->err[R_EVENT] = lft_event(&shared_trace, name, NULL);
            break;
        case 2: {
            lft_score_t sc;
            memset(&sc, 0, sizeof sc);
            snprintf(name, sizeof name, "c%u-%u", p, i);
            sc.name = name;
            sc.value = (double)(p * 100000u + i);
            sc.target = &shared_trace;
            st->made[R_SCORE] = 1;
            st->err[R_SCORE] = lft_score(&client, &sc);
            break;
        }
        default: {
            lft_obs_t g = LFT_OBS_INIT;
            lft_obs_opts_t go;
            memset(&go, 0, sizeof go);
            go.model = model;
            snprintf(name, sizeof name, "g%u-%u", p, i);
            st->made[R_START] = 1;
            st->err[R_START] = lft_generation_start(&g, &shared_trace, name, &go);
            if (st->err[R_START] == LFT_OK) {
                st->serial = g.serial;
                lft_usage_t u = { "tok", p * 100000u + i };
                lft_obs_opts_t uo;
                memset(&uo, 0, sizeof uo);
                uo.usage = &u;
                uo.usage_count = 1;
                st->made[R_UPDATE] = 1;
                st->err[R_UPDATE] = lft_obs_update(&g, &uo);
                st->made[R_END] = 1;
                st->err[R_END] = lft_obs_end(&g, &end);
            }
            break;
        }
        }
        if (yield_between) {
            sched_yield();
        }
    }
    return NULL;
}

/* ------------------------------------------------------------- consumer */

typedef struct {
    uint16_t count[PRODUCERS][STEPS][R_KINDS]; /* records exported */
    uint32_t serial[PRODUCERS][STEPS][R_KINDS];
    uint8_t flags[PRODUCERS][STEPS];           /* START flags when exported */
    unsigned bad;                              /* records that did not decode as written */
    unsigned trace_starts, trace_ends;         /* the shared trace's (exported once, at the end) */
    unsigned released, busy, rounds;
} seen_t;

static seen_t seen[CONSUMERS_MAX + 1]; /* + the main thread's final drain */

static int parse2(const char *s, uint32_t n, char tag, unsigned *p, unsigned *i)
{
    char buf[32];
    char extra;
    if (n == 0 || n >= sizeof buf || s[0] != tag) {
        return 0;
    }
    memcpy(buf, s + 1, n - 1u);
    buf[n - 1u] = '\0';
    return sscanf(buf, "%u-%u%c", p, i, &extra) == 2 && *p < PRODUCERS && *i < STEPS;
}

/* Check rec against what producer p wrote at step i; returns the record
 * kind, or -1 when it does not decode as written. */
static int identify(const lft_record_t *rec, uint32_t trace_serial, unsigned *pp, unsigned *ip)
{
    lft_field_iter_t it;
    lft_field_t f[4], more;
    unsigned nf = 0;
    int rc;
    unsigned p = 0, i = 0;
    lft_field_iter_init(&it, rec);
    while ((rc = lft_field_next(&it, nf < 4 ? &f[nf] : &more)) == 1) {
        if (nf == 4) {
            return -1; /* more fields than any record here has */
        }
        nf++;
    }
    if (rc != 0) {
        return -1;
    }
    switch (rec->type) {
    case LFT_REC_START:
        if (nf >= 1 && f[0].tag == LFT_F_NAME && rec->parent == trace_serial &&
            rec->trace == trace_serial) {
            if (rec->kind == LFT_KIND_SPAN && nf == 1 &&
                parse2(f[0].str, f[0].str_len, 's', &p, &i) && i % 4u == 0) {
                break;
            }
            if (rec->kind == LFT_KIND_GENERATION && nf == 2 &&
                parse2(f[0].str, f[0].str_len, 'g', &p, &i) && i % 4u == 3 &&
                f[1].tag == LFT_F_MODEL && f[1].str_len == 2 && f[1].str[0] == 'm' &&
                f[1].str[1] == (char)('0' + p)) {
                break;
            }
        }
        return -1;
    case LFT_REC_END:
        if (nf == 1 && f[0].tag == LFT_F_OUTPUT_TEXT && (rec->flags & LFT_RECF_ORPHAN) == 0 &&
            parse2(f[0].str, f[0].str_len, 'o', &p, &i) && (i % 4u == 0 || i % 4u == 3)) {
            break;
        }
        return -1;
    case LFT_REC_UPDATE:
        if (nf == 1 && f[0].tag == LFT_F_USAGE && f[0].key_len == 3 &&
            memcmp(f[0].key, "tok", 3) == 0 && f[0].u % 100000u < STEPS &&
            f[0].u / 100000u < PRODUCERS) {
            p = (unsigned)(f[0].u / 100000u);
            i = (unsigned)(f[0].u % 100000u);
            if (i % 4u == 3) {
                break;
            }
        }
        return -1;
    case LFT_REC_EVENT:
        if (nf == 1 && f[0].tag == LFT_F_NAME && rec->parent == trace_serial &&
            rec->trace == trace_serial && parse2(f[0].str, f[0].str_len, 'e', &p, &i) &&
            i % 4u == 1) {
            break;
        }
        return -1;
    case LFT_REC_SCORE:
        if (nf == 3 && f[0].tag == LFT_F_NAME && f[1].tag == LFT_F_SCORE_TYPE &&
            f[1].i == LFT_SCORE_NUMERIC && f[2].tag == LFT_F_SCORE_VALUE &&
            rec->trace == trace_serial && rec->observation == 0 &&
            parse2(f[0].str, f[0].str_len, 'c', &p, &i) && i % 4u == 2 &&
            f[2].d == (double)(p * 100000u + i)) {
            break;
        }
        return -1;
    default:
        return -1;
    }
    *pp = p;
    *ip = i;
    switch (rec->type) {
    case LFT_REC_START:
        return R_START;
    case LFT_REC_UPDATE:
        return R_UPDATE;
    case LFT_REC_END:
        return R_END;
    case LFT_REC_EVENT:
        return R_EVENT;
    default:
        return R_SCORE;
    }
}

/* One exporter pass: export (check, count, release) every record of an
 * ended observation; returns how many. */
static unsigned consume_pass(seen_t *sn, int release_open_trace)
{
    lft_reader_t r;
    lft_record_t rec;
    unsigned n = 0;
    lft_err_t err = lft_reader_begin(&client, &r);
    if (err != LFT_OK) {
        sn->busy += err == LFT_ERR_BUSY;
        sn->bad += err != LFT_ERR_BUSY;
        return 0;
    }
    const uint32_t trace_serial = shared_trace.serial;
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.serial == trace_serial && (rec.type == LFT_REC_START || rec.type == LFT_REC_END)) {
            if (release_open_trace) {
                sn->trace_starts += rec.type == LFT_REC_START;
                sn->trace_ends += rec.type == LFT_REC_END;
                sn->bad += rec.type == LFT_REC_START && rec.flags != (LFT_RECF_ENDED | (rec.flags & LFT_RECF_MOVED));
                lft_reader_release(&r, &rec);
            }
            continue;
        }
        if (!lft_reader_is_ended(&r, &rec)) {
            continue;
        }
        unsigned p, i;
        int kind = identify(&rec, trace_serial, &p, &i);
        if (kind < 0) {
            sn->bad++;
        } else {
            sn->count[p][i][kind]++;
            sn->serial[p][i][kind] = rec.serial;
            if (kind == R_START) {
                /* rec.flags is from lft_reader_next; the observation may
                 * have ended since (is_ended said so): read them again */
                lft_record_t again;
                sn->bad += lft_reader_at(&r, rec.pos, &again) != LFT_OK;
                sn->flags[p][i] = again.flags;
            }
        }
        if (lft_reader_release(&r, &rec) != LFT_OK) {
            sn->bad++;
        }
        n++;
    }
    lft_reader_end(&r);
    sn->released += n;
    return n;
}

static atomic_int producers_done;

static void *consumer(void *arg)
{
    seen_t *sn = arg;
    for (sn->rounds = 0; sn->rounds < ROUNDS_MAX; sn->rounds++) {
        const int done = atomic_load(&producers_done);
        const unsigned n = consume_pass(sn, 0);
        if (done && n == 0) {
            break;
        }
        if (n == 0) {
            sched_yield();
        }
    }
    return NULL;
}

/* ----------------------------------------------------------------- runs */

static lft_stats_t stats(void)
{
    lft_stats_t st;
    memset(&st, 0, sizeof st);
    LFT_CHECK_EQ(lft_client_stats(&client, &st), LFT_OK);
    return st;
}

/* Record with 4 producers and `consumers` consumer threads on a ring of
 * ring_size bytes; then end the trace, drain, and check everything. */
static void run(size_t ring_size, lft_drop_policy_t policy, unsigned consumers)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = big_ring;
    cfg.ring_size = ring_size;
    cfg.drop_policy = policy;
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    lft_trace_t fresh = LFT_OBS_INIT;
    shared_trace = fresh;
    LFT_CHECK_EQ(lft_trace_start(&client, &shared_trace, "shared", NULL), LFT_OK);
    memset(seen, 0, sizeof seen);
    memset(steps, 0, sizeof steps);
    atomic_store(&producers_done, 0);
    yield_between = consumers > 0;

    pthread_t prod[PRODUCERS], cons[CONSUMERS_MAX];
    for (unsigned c = 0; c < consumers; c++) {
        LFT_CHECK_EQ(pthread_create(&cons[c], NULL, consumer, &seen[c]), 0);
    }
    for (unsigned p = 0; p < PRODUCERS; p++) {
        LFT_CHECK_EQ(pthread_create(&prod[p], NULL, producer, (void *)(uintptr_t)p), 0);
    }
    for (unsigned p = 0; p < PRODUCERS; p++) {
        pthread_join(prod[p], NULL);
    }
    atomic_store(&producers_done, 1);
    for (unsigned c = 0; c < consumers; c++) {
        pthread_join(cons[c], NULL);
        LFT_CHECK(seen[c].rounds < ROUNDS_MAX);
    }
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);

    /* end the trace, then the main thread exports what is left */
    LFT_CHECK_EQ(lft_trace_end(&shared_trace, NULL), LFT_OK);
    seen_t *last = &seen[CONSUMERS_MAX];
    unsigned drained = consume_pass(last, 1);
    LFT_CHECK_EQ(consume_pass(last, 1), 0); /* all gone */

    /* what the producers were told, against what was exported */
    unsigned ok = 2, refused = 0, other = 0, exported = 0, dup = 0, lost = 0, bad = 0;
    unsigned serial_mismatch = 0, flag_mismatch = 0, starts = 0, ends = 0;
    for (unsigned c = 0; c <= CONSUMERS_MAX; c++) {
        bad += seen[c].bad;
        starts += seen[c].trace_starts;
        ends += seen[c].trace_ends;
    }
    for (unsigned p = 0; p < PRODUCERS; p++) {
        for (unsigned i = 0; i < STEPS; i++) {
            const step_t *st = &steps[p][i];
            for (unsigned k = 0; k < R_KINDS; k++) {
                unsigned cnt = 0;
                uint32_t serial = 0;
                for (unsigned c = 0; c <= CONSUMERS_MAX; c++) {
                    cnt += seen[c].count[p][i][k];
                    if (seen[c].count[p][i][k] != 0) {
                        serial = seen[c].serial[p][i][k];
                    }
                }
                exported += cnt;
                if (!st->made[k]) {
                    dup += cnt; /* never recorded: must not appear */
                    continue;
                }
                if (st->err[k] == LFT_OK) {
                    ok++;
                    dup += cnt > 1u;
                    lost += cnt == 0 && policy == LFT_DROP_NEWEST;
                } else {
                    refused += st->err[k] == LFT_ERR_RING_FULL;
                    other += st->err[k] != LFT_ERR_RING_FULL;
                    dup += cnt; /* refused: must not appear */
                }
                if (cnt == 1 && (k == R_START || k == R_UPDATE || k == R_END)) {
                    serial_mismatch += serial != st->serial;
                }
            }
            /* the START says whether (and how) its observation ended */
            unsigned sc = 0;
            uint8_t flags = 0;
            for (unsigned c = 0; c <= CONSUMERS_MAX; c++) {
                sc += seen[c].count[p][i][R_START];
                flags |= seen[c].flags[p][i];
            }
            if (sc == 1) {
                const uint8_t want = (uint8_t)(LFT_RECF_ENDED |
                                               (st->err[R_END] == LFT_OK ? 0u : LFT_RECF_END_LOST));
                flag_mismatch += (flags & (LFT_RECF_ENDED | LFT_RECF_END_LOST)) != want;
            }
        }
    }
    lft_stats_t st = stats();
    LFT_CHECK_EQ(bad, 0);
    LFT_CHECK_EQ(dup, 0);
    LFT_CHECK_EQ(lost, 0);
    LFT_CHECK_EQ(other, 0);
    LFT_CHECK_EQ(serial_mismatch, 0);
    LFT_CHECK_EQ(flag_mismatch, 0);
    LFT_CHECK_EQ(starts, 1); /* the shared trace's START: never lost, never duplicated */
    LFT_CHECK_EQ(ends, 1);
    LFT_CHECK_EQ(st.recorded, ok); /* + the trace's START and END, counted in ok */
    LFT_CHECK_EQ(st.dropped_ring_full, refused);
    LFT_CHECK_EQ(st.dropped_too_large, 0);
    LFT_CHECK_EQ(st.dropped_invalid, 0);
    /* every record recorded was exported exactly once or overwritten */
    LFT_CHECK_EQ((long)st.recorded - (long)st.dropped_overwritten - (long)exported - 2L, 0);
    if (policy == LFT_DROP_NEWEST) {
        LFT_CHECK_EQ(st.dropped_overwritten, 0);
    }
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK(st.ring_high_water <= ring_size);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    /* the ring starts empty: whatever the scheduling, the first records fit */
    LFT_CHECK(ok - 2u >= ring_size / 64u || ok - 2u >= 14000u);
    unsigned busy = 0;
    for (unsigned c = 0; c < CONSUMERS_MAX; c++) {
        busy += seen[c].busy;
    }
    printf("  ring %zu, %s, %u consumer(s): %u records ok, %u refused, %u overwritten, "
           "%u moved, %u exported at the end, %u busy\n",
           ring_size, policy == LFT_DROP_NEWEST ? "drop-newest" : "drop-oldest", consumers,
           ok, refused, st.dropped_overwritten, st.moved, drained, busy);
}

/* A ring large enough for everything, no consumer: nothing refused. */
static void test_producers_big_ring(void)
{
    run(sizeof big_ring, LFT_DROP_NEWEST, 0);
    lft_stats_t st = stats();
    /* per producer: 500 spans (2), 500 events, 500 scores, 500 generations (3) */
    LFT_CHECK_EQ(st.recorded, 2u + PRODUCERS * (STEPS / 4u) * 7u);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
    LFT_CHECK_EQ(st.moved, 0);
}

/* A small ring with a consumer thread reading, releasing and reclaiming
 * (moving the open trace's START) while the producers record. */
static void test_producers_consumer_small_ring(void)
{
    run(2048, LFT_DROP_NEWEST, 1);
}

/* Two consumers competing for the reader (LFT_ERR_BUSY): a reader must
 * never start while the other's lft_reader_end is still freeing. */
static void test_two_consumers(void)
{
    run(2048, LFT_DROP_NEWEST, 2);
}

/* LFT_DROP_OLDEST: producers overwrite what the consumer has not exported
 * yet; the open trace's START survives, counts add up. */
static void test_producers_consumer_drop_oldest(void)
{
    run(1024, LFT_DROP_OLDEST, 1);
    run(1024, LFT_DROP_OLDEST, 2);
}

int main(void)
{
    LFT_RUN(test_producers_big_ring);
    LFT_RUN(test_producers_consumer_small_ring);
    LFT_RUN(test_two_consumers);
    LFT_RUN(test_producers_consumer_drop_oldest);
    return LFT_TEST_REPORT();
}
