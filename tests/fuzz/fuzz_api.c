/*
 * fuzz_api - libFuzzer target for sequences of recording calls: the input
 * is a program over one client and a pool of handles. Its first bytes pick
 * the ring's size and drop policy; then each operation is an opcode and
 * argument bytes: start, update and end traces and observations (any kind,
 * names copied or by reference, valid and invalid options, any parent of
 * the pool, NULL or a handle never started), events, scores, first tokens,
 * the context stack (push, pop, lft_observe_begin / _end), the wall clock,
 * copies of handles over others (misuse the library must survive), reader
 * passes that release or mark records sent (also a reader held open across
 * operations, as an exporter holds one), and re-initialising the client
 * (every handle then belongs to a dead instance), with or without
 * sampling.
 *
 * Checked after every operation, besides "no crash, no sanitizer report":
 *   - records are conserved: recorded == released + overwritten + pending;
 *   - a reader pass sees exactly the pending records, each well formed
 *     (its fields decode to the end), of a known type and kind;
 *   - the ring never holds more than its size.
 *
 * Build it with clang's -fsanitize=fuzzer,address,undefined, linked with
 * the core and the POSIX port (the command is in README.md, Fuzzing).
 *
 * With -DLFT_FUZZ_STANDALONE it is a plain program that replays the files
 * named on its command line (used by ctest on a small seed set).
 */
#include "lft_fuzz.h"

#include <string.h>

#include "lft_port.h"
#include "lft_record.h"
#include "lftrace.h"

#define POOL 8u     /* observation handles; 0 and 1 are used as traces too */
#define RING_MAX 4096u

static uint8_t ring[RING_MAX];
static lft_client_t client;
static lft_obs_t pool[POOL];
static lft_obs_t never_started = LFT_OBS_INIT;
static uint32_t released;  /* by this client instance's readers */
static uint32_t ring_size; /* this client instance's */

/* The input, consumed a byte at a time (0 once it is used up). */
typedef struct {
    const uint8_t *p, *end;
} input_t;

static unsigned next_byte(input_t *in)
{
    return in->p < in->end ? *in->p++ : 0u;
}

static const char *const names[] = { "work", "", "a-much-longer-name-than-the-others-with-more-bytes",
                                     "\xC3\x28invalid", NULL };

static const char *pick_name(input_t *in)
{
    return names[next_byte(in) % (sizeof names / sizeof names[0])];
}

/* NULL (the context's current), a pool handle, or one never started. */
static lft_obs_t *pick_parent(input_t *in)
{
    const unsigned b = next_byte(in) % (POOL + 2u);
    return b == 0 ? NULL : b <= POOL ? &pool[b - 1u] : &never_started;
}

static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_INT("n", 3),
                                 LFT_KV_DOUBLE("t", 0.5), LFT_KV_BOOL("ok", 1) };
static const lft_kv_t bad_meta[] = { LFT_KV_STR("", "empty key") };
static const lft_usage_t usage[] = { { "input", 120u }, { "output", 36u } };
static const lft_cost_t cost[] = { { "total", 0.25 } };
static const lft_cost_t bad_cost[] = { { "total", -1.0 } };

/* NULL or one of a few option sets, some invalid for some calls. */
static const lft_obs_opts_t *pick_obs_opts(input_t *in, lft_obs_opts_t *o)
{
    const unsigned b = next_byte(in);
    if (b % 8u == 0) {
        return NULL;
    }
    memset(o, 0, sizeof *o);
    if (b & 1u) {
        o->input = LFT_TEXT("what is the refund policy?");
    }
    if (b & 2u) {
        o->output = (b & 64u) ? LFT_JSON("{\"answer\": [1, 2, 3]}") : LFT_JSON("{bad json");
    }
    if (b & 4u) {
        o->metadata = (b & 128u) ? bad_meta : meta;
        o->metadata_count = (b & 128u) ? 1u : 4u;
    }
    if (b & 8u) {
        o->model = "llama-3.2-1b";
        o->usage = usage;
        o->usage_count = 2;
    }
    if (b & 16u) {
        o->cost = (b & 64u) ? bad_cost : cost;
        o->cost_count = 1;
        o->level = (lft_level_t)(b % 5u);
    }
    if (b & 32u) {
        o->status_message = "timeout";
        o->prompt_name = (b & 128u) ? "support" : NULL;
        o->prompt_version = (b & 64u) ? 2u : 0u;
    }
    return o;
}

static const lft_trace_opts_t *pick_trace_opts(input_t *in, lft_trace_opts_t *o)
{
    const unsigned b = next_byte(in);
    if (b % 4u == 0) {
        return NULL;
    }
    memset(o, 0, sizeof *o);
    if (b & 1u) {
        o->user_id = "user-42";
    }
    if (b & 2u) {
        o->session_id = (b & 8u) ? "" : "session-7";
    }
    if (b & 4u) {
        o->input = LFT_JSON("{\"q\": \"refund\"}");
    }
    if (b & 16u) {
        o->name = "renamed"; /* refused on start, allowed on update and end */
    }
    return o;
}

static void client_start(unsigned size_byte, unsigned policy_byte)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    ring_size = 256u + (size_byte % 16u) * 240u; /* 256 .. 3856 */
    cfg.ring_size = ring_size;
    cfg.drop_policy = (policy_byte & 1u) ? LFT_DROP_OLDEST : LFT_DROP_NEWEST;
    cfg.max_field_bytes = (policy_byte & 2u) ? 32u : 0u;
    cfg.sample_rate = (policy_byte & 4u) ? 0.5 : 0.0;
    FUZZ_CHECK(lft_client_init(&client, &cfg) == LFT_OK);
    released = 0;
}

/* A reader held open across operations, as an exporter holds one while its
 * request is out (recording goes on; LFT_DROP_OLDEST cannot free). */
static lft_reader_t held;
static int held_open;

/* Check one record of rd's snapshot, well formed; release it when it is
 * ended and how says so, or mark a START sent. */
static void reader_take(lft_reader_t *rd, const lft_record_t *rec, unsigned how)
{
    FUZZ_CHECK(rec->type >= LFT_REC_START && rec->type <= LFT_REC_SCORE);
    FUZZ_CHECK((unsigned)rec->kind < LFT_KIND_COUNT);
    lft_field_iter_t it;
    lft_field_t f;
    int r;
    lft_field_iter_init(&it, rec);
    while ((r = lft_field_next(&it, &f)) == 1) {
    }
    FUZZ_CHECK(r == 0); /* the library writes only well-formed records */
    const int ended = lft_reader_is_ended(rd, rec);
    if (ended && (how & 1u)) {
        FUZZ_CHECK(lft_reader_release(rd, rec) == LFT_OK);
        released++;
    } else if ((how & 2u) && rec->type == LFT_REC_START) {
        FUZZ_CHECK(lft_reader_mark_sent(rd, rec) == LFT_OK);
    }
}

static void held_end(void)
{
    if (held_open) {
        (void)lft_reader_end(&held);
        held_open = 0;
    }
}

/* A reader pass: every pending record, well formed (reader_take). With
 * a reader held, a few more of its records instead (ending it when it has
 * none left); or the input opens one and holds it. */
static void reader_pass(input_t *in)
{
    lft_record_t rec;
    const unsigned how = next_byte(in);
    if (held_open) {
        for (unsigned k = 0; k <= (how >> 4); k++) {
            if (lft_reader_next(&held, &rec) != 1) {
                held_end();
                return;
            }
            reader_take(&held, &rec, how);
        }
        return;
    }
    if (how & 4u) {
        held_open = lft_reader_begin(&client, &held) == LFT_OK;
        return;
    }
    lft_reader_t rd;
    lft_stats_t st;
    FUZZ_CHECK(lft_client_stats(&client, &st) == LFT_OK);
    FUZZ_CHECK(lft_reader_begin(&client, &rd) == LFT_OK);
    uint32_t seen = 0;
    while (lft_reader_next(&rd, &rec) == 1) {
        seen++;
        reader_take(&rd, &rec, how);
    }
    FUZZ_CHECK(seen == st.pending_records);
    (void)lft_reader_end(&rd);
}

static void check_conserved(void)
{
    lft_stats_t st;
    FUZZ_CHECK(lft_client_stats(&client, &st) == LFT_OK);
    FUZZ_CHECK(st.recorded == released + st.dropped_overwritten + st.pending_records);
    FUZZ_CHECK(st.pending_bytes <= ring_size && st.ring_high_water <= ring_size);
}

static void run_op(input_t *in)
{
    lft_obs_opts_t o;
    lft_trace_opts_t to;
    const unsigned op = next_byte(in) % 21u;
    lft_obs_t *h = &pool[next_byte(in) % POOL];
    switch (op) {
    case 0:
        (void)lft_trace_start(&client, h, pick_name(in), pick_trace_opts(in, &to));
        break;
    case 1:
        (void)lft_trace_update(h, pick_trace_opts(in, &to));
        break;
    case 2:
        (void)lft_trace_end(h, pick_trace_opts(in, &to));
        break;
    case 3: {
        lft_obs_t *parent = pick_parent(in);
        (void)lft_span_start(h, parent, pick_name(in), pick_obs_opts(in, &o));
        break;
    }
    case 4: {
        lft_obs_t *parent = pick_parent(in);
        (void)lft_generation_start(h, parent, pick_name(in), pick_obs_opts(in, &o));
        break;
    }
    case 5: {
        lft_obs_t *parent = pick_parent(in);
        const lft_kind_t kind = (lft_kind_t)(next_byte(in) % (LFT_KIND_COUNT + 2u));
        (void)lft_obs_start(h, parent, kind, pick_name(in), pick_obs_opts(in, &o));
        break;
    }
    case 6: { /* by reference, as LFT_SPAN_START and LFT_GENERATION_START */
        lft_obs_t *parent = pick_parent(in);
        if (next_byte(in) & 1u) {
            (void)lft_span_start_ref(h, parent, "retrieval", 9);
        } else {
            (void)lft_generation_start_ref(h, parent, "llm", 3);
        }
        break;
    }
    case 7: {
        lft_obs_t *parent = pick_parent(in);
        if (next_byte(in) & 1u) {
            (void)lft_event_ref(parent, "tick", 4);
        } else {
            (void)lft_event(parent, pick_name(in), pick_obs_opts(in, &o));
        }
        break;
    }
    case 8:
        (void)lft_obs_update(h, pick_obs_opts(in, &o));
        break;
    case 9:
        (void)lft_generation_first_token(h);
        break;
    case 10:
        (void)lft_obs_end(h, pick_obs_opts(in, &o));
        break;
    case 11: {
        lft_score_t s;
        memset(&s, 0, sizeof s);
        const unsigned b = next_byte(in);
        s.name = (b & 1u) ? "helpfulness" : NULL;
        s.value = (b & 2u) ? 0.75 : 1.0;
        s.data_type = (lft_score_type_t)(b >> 2 & 3u);
        s.string_value = (b & 16u) ? "good" : NULL;
        s.target = (b & 32u) ? h : NULL;
        s.session_id = (b & 64u) ? "session-7" : NULL;
        (void)lft_score(&client, &s);
        break;
    }
    case 12:
        reader_pass(in);
        break;
    case 13: /* misuse: a copy of another handle (both then name one observation) */
        *h = pool[next_byte(in) % POOL];
        break;
    case 14: { /* ids of any handle */
        char tp[56];
        uint8_t id[16];
        (void)lft_obs_traceparent(h, tp, sizeof tp);
        (void)lft_obs_span_id(h, id);
        (void)lft_obs_trace_id(h, id);
        (void)lft_obs_is_open(h);
        break;
    }
    case 15:
        (void)lft_context_push(h);
        break;
    case 16:
        (void)lft_context_pop(h);
        break;
    case 17: {
        const lft_kind_t kind = (lft_kind_t)(next_byte(in) % LFT_KIND_COUNT);
        (void)lft_observe_begin(&client, h, kind, pick_name(in), pick_obs_opts(in, &o));
        break;
    }
    case 18:
        (void)lft_observe_end(h, pick_obs_opts(in, &o));
        break;
    case 19: { /* the wall clock learned (or moved) */
        const unsigned b = next_byte(in);
        (void)lft_time_set_unix_us(&client, b == 0 ? 0u : 1700000000000000ull + b * 1000000ull);
        break;
    }
    default: { /* a new client instance: every handle is stale */
        const unsigned size = next_byte(in);
        const unsigned policy = next_byte(in);
        held_end();
        FUZZ_CHECK(lft_client_deinit(&client) == LFT_OK);
        client_start(size, policy);
        break;
    }
    }
    check_conserved();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in = { data, data + size };
    memset(pool, 0, sizeof pool);
    memset(&client, 0, sizeof client);
    held_open = 0;
    lft_port_context_set(NULL); /* no context left by the previous input */
    const unsigned size_byte = next_byte(&in);
    client_start(size_byte, next_byte(&in));
    for (unsigned ops = 0; ops < 4096u && in.p < in.end; ops++) {
        run_op(&in);
    }
    held_end();
    input_t none = { NULL, NULL };
    reader_pass(&none);
    check_conserved();
    FUZZ_CHECK(lft_client_deinit(&client) == LFT_OK);
    return 0;
}

#ifdef LFT_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    return lft_fuzz_replay_main(argc, argv, "fuzz_api");
}
#endif
