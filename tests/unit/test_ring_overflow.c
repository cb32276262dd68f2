/*
 * test_ring_overflow.c - a full ring under both drop policies, with exact
 * counts computed from the record sizes.
 *
 * The body's leading integers are fixed-width (u32 serial, parent, trace,
 * seq; i64 time), so a record's size follows from its type and fields alone:
 *   EVENT / START   4 + 4 + 4 + 4 + 8 + fields   (header, serial, parent, trace, time)
 *   END             4 + 4 + 8 + fields           (header, serial, time)
 *   UPDATE          4 + 4 + 4 + 4 + fields       (header, serial, seq, start)
 *   NAME field, a text field   1 + v(len) + len
 */
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"

static uint8_t ring[2048];
static lft_client_t client;
/* Records released since init() by ring_pass(), and whether check_ring()
 * holds the counters to them (tests that release only through ring_pass()
 * set it after init()). */
static uint32_t released_total;
static int counting;

static uint32_t vlen(uint64_t v)
{
    uint32_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

/* A string field (the name, an input or output text): tag, length, bytes. */
static uint32_t str_field(uint32_t len)
{
    return 1u + vlen(len) + len;
}

/* START or EVENT record with only a name. */
static uint32_t named_size(uint32_t name_len)
{
    return 4u + 4u + 4u + 4u + 8u + str_field(name_len);
}

/* END record with fields_len bytes of fields (0: no options). */
static uint32_t end_size(uint32_t fields_len)
{
    return 4u + 4u + 8u + fields_len;
}

static void init(void *buf, size_t size, lft_drop_policy_t policy, uint32_t max_field)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = buf;
    cfg.ring_size = size;
    cfg.drop_policy = policy;
    cfg.max_field_bytes = max_field;
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    released_total = 0;
    counting = 0;
}

static lft_stats_t stats(void)
{
    lft_stats_t st;
    memset(&st, 0, sizeof st);
    LFT_CHECK_EQ(lft_client_stats(&client, &st), LFT_OK);
    return st;
}

/* First field of rec when it is the name; "" otherwise. */
static void rec_name(const lft_record_t *rec, char *out, size_t cap)
{
    lft_field_iter_t it;
    lft_field_t f;
    out[0] = '\0';
    lft_field_iter_init(&it, rec);
    if (lft_field_next(&it, &f) == 1 && f.tag == LFT_F_NAME && f.str_len < cap) {
        memcpy(out, f.str, f.str_len);
        out[f.str_len] = '\0';
    }
}

/* A copy of every pending record (nothing released). */
#define SNAP_MAX 256
static lft_record_t snap[SNAP_MAX];
static char snap_name[SNAP_MAX][64];
static unsigned snap_n;

static void snapshot(void)
{
    lft_reader_t r;
    lft_record_t rec;
    lft_stats_t before = stats();
    snap_n = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK(snap_n < SNAP_MAX);
        if (snap_n < SNAP_MAX) {
            snap[snap_n] = rec;
            rec_name(&rec, snap_name[snap_n], sizeof snap_name[0]);
            snap_n++;
        }
    }
    /* nothing released: at most a pad or gap left at the tail is freed,
     * no longer than an event "ev000" (31 bytes) */
    uint32_t freed = lft_reader_end(&r);
    lft_stats_t after = stats();
    LFT_CHECK_EQ(freed, before.pending_bytes - after.pending_bytes);
    LFT_CHECK(freed <= named_size(5));
    LFT_CHECK_EQ(after.pending_records, before.pending_records);
    LFT_CHECK_EQ(snap_n, before.pending_records);
}

/* Release every pending record; returns the bytes lft_reader_end freed. */
static uint32_t release_all(void)
{
    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
    }
    return lft_reader_end(&r);
}

/* ------------------------------------------------------- ring invariants */

/* The ring walked from the tail to the head through the client's fields
 * (independently of the reader): every pending record (neither PAD nor
 * released), and the bytes of pads, short gaps and released records. */
typedef struct {
    uint32_t pos;
    uint32_t len;
    uint32_t serial;
    uint8_t type;
    uint8_t flags;
} walk_rec_t;

#define WALK_MAX 256
static walk_rec_t walk[WALK_MAX];
static unsigned walk_n;
static uint32_t walk_idle;  /* pad and gap bytes */
static uint32_t walk_done;  /* bytes of released records not yet freed */
static unsigned walk_moved; /* pending records flagged MOVED */

static uint32_t u16_at(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t u32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/*
 * The documented layout, checked byte for byte: used is head_abs - tail_abs
 * and the walk from the tail through records, pads and gaps lands exactly
 * on the head; no record straddles the end of the buffer; a PAD or a short
 * gap (fewer than LFT_REC_HDR bytes) only fills the end of the buffer and is
 * followed by a record at index 0 that did not fit there; pending_bytes is
 * used; pending_records is the number of pending records walked; each
 * record written is pending, released or overwritten. Returns 1 when
 * everything held.
 */
static int check_ring(void)
{
    const unsigned long failed = lft_test_failures;
    const lft_client_t *c = &client;
    walk_n = 0;
    walk_idle = 0;
    walk_done = 0;
    walk_moved = 0;
    LFT_CHECK(c->used <= c->cap);
    LFT_CHECK(c->head < c->cap);
    LFT_CHECK(c->tail < c->cap);
    LFT_CHECK_EQ(c->head_abs - c->tail_abs, c->used);
    LFT_CHECK_EQ((c->tail + c->used) % c->cap, c->head);
    uint32_t pos = c->tail_abs;
    uint32_t idle_before = 0; /* size of the pad or gap just walked */
    unsigned steps = 0;
    while (pos != c->head_abs && steps++ < c->cap) { /* each step >= 1 byte */
        const uint32_t off = pos - c->tail_abs;
        const uint32_t idx = (c->tail + off) % c->cap;
        if (c->cap - idx < LFT_REC_HDR) {
            LFT_CHECK_EQ(idle_before, 0);
            LFT_CHECK(c->cap - idx <= c->used - off);
            idle_before = c->cap - idx;
            walk_idle += idle_before;
            pos += idle_before;
            continue;
        }
        const uint8_t *p = c->buf + idx;
        const uint32_t len = u16_at(p);
        const uint8_t type = (uint8_t)(p[2] >> 4);
        if (len < LFT_REC_HDR || len > c->cap - idx || len > c->used - off) {
            LFT_CHECK(0 && "walk: a length that does not fit");
            return 0;
        }
        if (idle_before != 0) {
            LFT_CHECK_EQ(idx, 0);
            LFT_CHECK(type != LFT_REC_PAD);
            LFT_CHECK(len > idle_before);
            idle_before = 0;
        }
        if (type == LFT_REC_PAD) {
            LFT_CHECK_EQ(idx + len, c->cap);
            idle_before = len;
            walk_idle += len;
        } else if ((p[3] & LFT_RECF_DONE) != 0) {
            walk_done += len;
        } else {
            LFT_CHECK(walk_n < WALK_MAX);
            if (walk_n < WALK_MAX) {
                walk_rec_t *w = &walk[walk_n++];
                w->pos = pos;
                w->len = len;
                w->type = type;
                w->flags = p[3];
                w->serial = len >= LFT_REC_HDR + 4u ? u32_at(p + LFT_REC_HDR) : 0u;
                walk_moved += (p[3] & LFT_RECF_MOVED) != 0;
            }
        }
        pos += len;
    }
    LFT_CHECK_EQ(pos, c->head_abs);
    LFT_CHECK_EQ(idle_before, 0); /* a pad or gap is never the newest */
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.pending_bytes, c->used);
    LFT_CHECK_EQ(st.pending_records, walk_n);
    if (counting) {
        LFT_CHECK_EQ(st.recorded, st.pending_records + st.dropped_overwritten + released_total);
    }
    LFT_CHECK(walk_moved <= st.moved);
    LFT_CHECK(st.ring_high_water >= c->used);
    LFT_CHECK(st.ring_high_water <= c->cap);
    return lft_test_failures == failed;
}

/* After lft_reader_end the tail is a pending record (everything idle in
 * front of it was freed) unless the ring is empty; with no released record
 * left behind, pending_bytes is then exactly the distance from the oldest
 * pending record to the end of the newest, pads and gaps included. Uses
 * the last check_ring(). */
static void check_tail_pending(void)
{
    const lft_client_t *c = &client;
    if (walk_n == 0) {
        LFT_CHECK_EQ(c->used, walk_idle + walk_done);
        return;
    }
    LFT_CHECK_EQ(walk[0].pos, c->tail_abs);
    if (walk_done == 0) {
        const walk_rec_t *last = &walk[walk_n - 1u];
        LFT_CHECK_EQ(c->used, last->pos + last->len - walk[0].pos);
    }
}

/* (type, serial) of the pending records, sorted: what moves must keep. */
static uint64_t keys_a[WALK_MAX], keys_b[WALK_MAX];

static unsigned walk_keys(uint64_t *keys)
{
    for (unsigned i = 0; i < walk_n; i++) {
        uint64_t k = ((uint64_t)walk[i].serial << 4) | walk[i].type;
        unsigned j = i;
        while (j > 0 && keys[j - 1u] > k) { /* insertion sort, at most WALK_MAX^2 */
            keys[j] = keys[j - 1u];
            j--;
        }
        keys[j] = k;
    }
    return walk_n;
}

/*
 * One reader pass: the reader must return exactly the pending records of
 * the walk, in order and at their positions. release_ended: release those
 * lft_reader_is_ended says are ended (what an exporter does), else release
 * nothing. Checks lft_reader_end's result against pending_bytes, that the
 * pending records are the same minus those released (moves only relocate
 * them), and the layout after. Returns the bytes freed.
 */
static uint32_t ring_pass(int release_ended)
{
    check_ring();
    const uint32_t done_before = walk_done;
    const unsigned n_before = walk_keys(keys_a);
    static walk_rec_t expect[WALK_MAX];
    memcpy(expect, walk, walk_n * sizeof walk[0]);
    const lft_stats_t before = stats();
    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(r.begin, client.tail_abs);
    LFT_CHECK_EQ(r.end, client.head_abs);
    unsigned n = 0, released = 0;
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK(n < n_before);
        if (n < n_before) {
            LFT_CHECK_EQ(rec.pos, expect[n].pos);
            LFT_CHECK_EQ(rec.len, expect[n].len);
            LFT_CHECK_EQ(rec.type, expect[n].type);
            LFT_CHECK_EQ(rec.serial, expect[n].serial);
        }
        n++;
        if (release_ended && lft_reader_is_ended(&r, &rec)) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
            released++;
        }
    }
    LFT_CHECK_EQ(n, n_before);
    LFT_CHECK_EQ(r.released, released);
    released_total += released;
    const uint32_t freed = lft_reader_end(&r);
    const lft_stats_t after = stats();
    if (released == 0 && done_before == 0) {
        /* nothing released, now or before: what a pass can free is the
         * pad or gap at the end of the buffer (one at most: tail to head
         * crosses the end once), and the moves toward it go into the free
         * bytes in front of the tail: no new pad */
        LFT_CHECK(after.pending_bytes <= before.pending_bytes);
    }
    /* the drop in pending_bytes, net of the pads moves added (a move of a
     * pass that released records may pad the end of the buffer); 0 if
     * none */
    LFT_CHECK_EQ(freed, after.pending_bytes <= before.pending_bytes
                            ? before.pending_bytes - after.pending_bytes : 0u);
    LFT_CHECK_EQ(after.pending_records, before.pending_records - released);
    LFT_CHECK_EQ(after.dropped_overwritten, before.dropped_overwritten);
    LFT_CHECK_EQ(after.recorded, before.recorded);
    check_ring();
    check_tail_pending();
    /* the same records, less the released ones */
    const unsigned n_after = walk_keys(keys_b);
    LFT_CHECK_EQ(n_after + released, n_before);
    unsigned i = 0, j = 0, matched = 0;
    while (i < n_before && j < n_after) {
        if (keys_a[i] == keys_b[j]) {
            i++;
            j++;
            matched++;
        } else {
            i++;
        }
    }
    LFT_CHECK_EQ(matched, n_after);
    return freed;
}

/* pending_bytes is exactly the span from the oldest pending record to the
 * end of the newest one (no byte unaccounted for), and every hole in it is
 * a wrap remainder, shorter than the record after it: checked on the ring
 * as it is now, after the snapshot() it follows. Not on the positions that
 * snapshot() read: its lft_reader_end may have moved records since (the
 * open ones in front of a pad, to free the pad; see
 * test_drop_oldest_start_behind_pad). */
static void check_accounting(void)
{
    LFT_CHECK(check_ring());
    LFT_CHECK_EQ(walk_n, snap_n);
    if (walk_n == 0) {
        LFT_CHECK_EQ(client.used, 0);
        return;
    }
    const walk_rec_t *last = &walk[walk_n - 1u];
    LFT_CHECK_EQ(walk[0].pos, client.tail_abs);
    LFT_CHECK_EQ(client.used, last->pos + last->len - walk[0].pos);
    LFT_CHECK_EQ(walk_done, 0);
}

/* ------------------------------------------------------------ drop newest */

static void test_drop_newest(void)
{
    const uint32_t start = named_size(1);
    const uint32_t ev = named_size(5); /* "ev000" */
    const uint32_t end = end_size(0);
    LFT_CHECK_EQ(start, 27);
    LFT_CHECK_EQ(ev, 31);
    LFT_CHECK_EQ(end, 16);
    /* the START, 33 events and the trace's END fill it exactly */
    const uint32_t cap = start + 33u * ev + end; /* 1066 */
    LFT_CHECK(cap <= sizeof ring);
    init(ring, cap, LFT_DROP_NEWEST, 0);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    const uint32_t fit = (cap - start) / ev; /* 33 */
    unsigned ok = 0, refused = 0;
    char name[16];
    for (unsigned i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "ev%03u", i);
        lft_err_t err = lft_event(&t, name, NULL);
        if (i < fit) {
            LFT_CHECK_EQ(err, LFT_OK);
            ok += err == LFT_OK;
        } else {
            LFT_CHECK_EQ(err, LFT_ERR_RING_FULL); /* once full, stays full */
            refused += err == LFT_ERR_RING_FULL;
        }
    }
    LFT_CHECK_EQ(ok, 33);
    LFT_CHECK_EQ(refused, 17);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.recorded, 1u + ok);
    LFT_CHECK_EQ(st.dropped_ring_full, refused);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.pending_records, 1u + ok);
    LFT_CHECK_EQ(st.pending_bytes, start + ok * ev); /* 1050 */
    LFT_CHECK_EQ(st.ring_high_water, start + ok * ev);
    LFT_CHECK_EQ(st.moved, 0);
    /* the oldest records are present, in order, at their exact positions */
    snapshot();
    LFT_CHECK_EQ(snap_n, 1u + ok);
    LFT_CHECK_EQ(snap[0].type, LFT_REC_START);
    LFT_CHECK(strcmp(snap_name[0], "t") == 0);
    for (unsigned i = 1; i < snap_n; i++) {
        snprintf(name, sizeof name, "ev%03u", i - 1u);
        LFT_CHECK(strcmp(snap_name[i], name) == 0);
        LFT_CHECK_EQ(snap[i].pos, start + (i - 1u) * ev);
        LFT_CHECK_EQ(snap[i].len, ev);
    }
    check_accounting();
    /* the trace's END (16 bytes) fits exactly in the 16 bytes left */
    LFT_CHECK_EQ(cap - stats().pending_bytes, end);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    st = stats();
    LFT_CHECK_EQ(st.pending_bytes, cap);
    LFT_CHECK_EQ(st.ring_high_water, cap);
    LFT_CHECK_EQ(lft_event(&t, "x", NULL), LFT_ERR_RING_FULL);
    LFT_CHECK_EQ(stats().dropped_ring_full, refused + 1u);
    /* everything ended: the exporter releases all, the ring is empty */
    LFT_CHECK_EQ(release_all(), cap);
    st = stats();
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.ring_high_water, cap); /* the most ever used */
    LFT_CHECK_EQ(st.moved, 0);
}

/* A full DROP_NEWEST ring whose open trace START sits at index 0 with the
 * head at the end: closing the reader must still free the released records
 * (the START moves) so recording continues. */
static void test_drop_newest_open_start_at_index0(void)
{
    static const char tname[] = "a-trace-name-of-forty-eight-bytes-..............";
    const uint32_t start = named_size((uint32_t)strlen(tname)); /* 74 */
    const uint32_t ev = named_size(1);                          /* 27: "e" */
    /* the START and 18 events "e" fill it exactly */
    const uint32_t cap = start + 18u * ev; /* 560 */
    init(ring, cap, LFT_DROP_NEWEST, 0);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, tname, NULL), LFT_OK);
    unsigned ok = 0;
    while (lft_event(&t, "e", NULL) == LFT_OK) {
        ok++;
    }
    LFT_CHECK_EQ(ok, (cap - start) / ev); /* 18 events of 27 bytes: exactly full */
    LFT_CHECK_EQ(ok, 18);
    LFT_CHECK_EQ(stats().pending_bytes, cap);
    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_EVENT) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    LFT_CHECK_EQ(lft_reader_end(&r), ok * ev);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.pending_bytes, start);
    LFT_CHECK_EQ(st.pending_records, 1);
    LFT_CHECK_EQ(st.moved, 1);
    LFT_CHECK_EQ(lft_event(&t, "e", NULL), LFT_OK);
    snapshot();
    LFT_CHECK_EQ(snap_n, 2);
    LFT_CHECK_EQ(snap[0].type, LFT_REC_START);
    LFT_CHECK_EQ(snap[0].flags, LFT_RECF_MOVED);
    LFT_CHECK(strcmp(snap_name[0], tname) == 0);
    LFT_CHECK(strcmp(snap_name[1], "e") == 0);
    check_accounting();
}

/* Records larger than the ring, or than a record can be. */
static void test_too_large(void)
{
    static uint8_t big_ring[128 * 1024];
    static char text[70000];
    memset(text, 'x', sizeof text - 1u);
    init(ring, 512, LFT_DROP_NEWEST, 0);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.input = LFT_TEXT_N(text, 600); /* kept whole (max_field_bytes 1024): > 512 */
    LFT_CHECK_EQ(lft_event(&t, "e", &o), LFT_ERR_TOO_LARGE);
    /* event "e" (27) + input tag and 2-byte length (3) + 455: the 485 bytes
     * the START "t" (27) left */
    const uint32_t left = 512u - named_size(1);
    const uint32_t in_len = left - named_size(1) - 3u;
    LFT_CHECK_EQ(in_len, 455);
    LFT_CHECK_EQ(named_size(1) + str_field(in_len), left);
    o.input = LFT_TEXT_N(text, in_len);
    LFT_CHECK_EQ(lft_event(&t, "e", &o), LFT_OK);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.dropped_too_large, 1);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
    LFT_CHECK_EQ(st.recorded, 2);
    LFT_CHECK_EQ(st.pending_bytes, 512);
    /* a record that would fit an empty ring but not the free bytes: ring full */
    o.input = LFT_TEXT_N(text, 100);
    LFT_CHECK_EQ(lft_event(&t, "e", &o), LFT_ERR_RING_FULL);
    LFT_CHECK_EQ(stats().dropped_ring_full, 1);
    LFT_CHECK_EQ(stats().dropped_too_large, 1);

    /* the 16-bit length: at most 65535 bytes whatever the ring */
    init(big_ring, sizeof big_ring, LFT_DROP_NEWEST, 65535);
    lft_trace_t t2 = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t2, "t", NULL), LFT_OK);
    /* event "e" (27) + input tag + 3-byte v(len) + len */
    const uint32_t fixed = named_size(1) + 1u + 3u;
    o.input = LFT_TEXT_N(text, 65535u - fixed);
    LFT_CHECK_EQ(lft_event(&t2, "e", &o), LFT_OK); /* exactly 65535 bytes */
    o.input = LFT_TEXT_N(text, 65535u - fixed + 1u);
    LFT_CHECK_EQ(lft_event(&t2, "e", &o), LFT_ERR_TOO_LARGE);
    o.input = LFT_TEXT_N(text, 65535u); /* the most max_field_bytes allows: too large */
    LFT_CHECK_EQ(lft_event(&t2, "e", &o), LFT_ERR_TOO_LARGE);
    st = stats();
    LFT_CHECK_EQ(st.dropped_too_large, 2);
    LFT_CHECK_EQ(st.recorded, 2);
    LFT_CHECK_EQ(st.pending_bytes, named_size(1) + 65535u);
    snapshot();
    LFT_CHECK_EQ(snap_n, 2);
    LFT_CHECK_EQ(snap[1].len, 65535);
    /* too large when ending: the handle is ended, the START says END_LOST */
    lft_obs_t s = LFT_OBS_INIT;
    init(ring, 512, LFT_DROP_NEWEST, 0);
    lft_trace_t t3 = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t3, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&s, &t3, "s", NULL), LFT_OK);
    o.input = LFT_TEXT_N(text, 600);
    LFT_CHECK_EQ(lft_obs_end(&s, &o), LFT_ERR_TOO_LARGE);
    LFT_CHECK_EQ(lft_obs_is_open(&s), 0);
    snapshot();
    LFT_CHECK_EQ(snap_n, 2);
    LFT_CHECK_EQ(snap[1].flags, LFT_RECF_ENDED | LFT_RECF_END_LOST);
}

/* Ending an observation in a full ring: refused, but the handle is ended
 * and the START says so, so it is exported (without end fields) instead of
 * being moved forever. */
static void test_end_when_full(void)
{
    const uint32_t tstart = named_size(1); /* 27 */
    const uint32_t sstart = named_size(4); /* 30 */
    const uint32_t ev = named_size(5);     /* 31 */
    /* the two STARTs and 15 events leave exactly the room of an END
     * without options (16) */
    const uint32_t cap = tstart + sstart + 15u * ev + end_size(0); /* 538 */
    init(ring, cap, LFT_DROP_NEWEST, 0);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t s = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_span_start(&s, &t, "span", NULL), LFT_OK);
    unsigned ok = 0;
    char name[16];
    for (;;) {
        snprintf(name, sizeof name, "ev%03u", ok);
        if (lft_event(&t, name, NULL) != LFT_OK) {
            break;
        }
        ok++;
    }
    LFT_CHECK_EQ(ok, (cap - tstart - sstart) / ev);
    LFT_CHECK_EQ(ok, 15);
    LFT_CHECK_EQ(stats().pending_bytes, tstart + sstart + ok * ev);
    LFT_CHECK_EQ(cap - stats().pending_bytes, end_size(0));
    LFT_CHECK_EQ(stats().dropped_ring_full, 1);
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.output = LFT_TEXT("done"); /* END of 22 bytes; 16 are free */
    LFT_CHECK_EQ(end_size(str_field(4)), 22);
    LFT_CHECK_EQ(lft_obs_end(&s, &o), LFT_ERR_RING_FULL);
    LFT_CHECK_EQ(stats().dropped_ring_full, 2);
    LFT_CHECK_EQ(lft_obs_is_open(&s), 0);
    LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_ERR_ENDED);
    LFT_CHECK_EQ(lft_obs_update(&s, &o), LFT_ERR_ENDED);
    snapshot();
    LFT_CHECK_EQ(snap_n, 2u + ok);
    LFT_CHECK_EQ(snap[1].serial, s.serial);
    LFT_CHECK_EQ(snap[1].flags, LFT_RECF_ENDED | LFT_RECF_END_LOST);
    for (unsigned i = 0; i < snap_n; i++) {
        LFT_CHECK(snap[i].type != LFT_REC_END);
    }
    /* release the events only: the ended span START blocks (it waits for
     * export) and does not move; the open trace START before it does not
     * move either, as that would free nothing */
    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_EVENT) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    LFT_CHECK_EQ(lft_reader_end(&r), 0); /* blocked behind the span START */
    LFT_CHECK_EQ(stats().moved, 0);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.serial == s.serial) {
            LFT_CHECK_EQ(lft_reader_is_ended(&r, &rec), 1);
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    LFT_CHECK_EQ(lft_reader_end(&r), sstart + ok * ev);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.moved, 1); /* the trace START, out of the way */
    LFT_CHECK_EQ(st.pending_records, 1);
    LFT_CHECK_EQ(st.pending_bytes, tstart);
}

/* ------------------------------------------------------------ drop oldest */

static void test_drop_oldest(void)
{
    const uint32_t cap = 512;
    init(ring, cap, LFT_DROP_OLDEST, 0);
    static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_INT("seats", -7) };
    lft_trace_opts_t to;
    memset(&to, 0, sizeof to);
    to.user_id = "user_123";
    to.metadata = meta;
    to.metadata_count = 2;
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "long-trace", &to), LFT_OK);
    lft_trace_opts_t up;
    memset(&up, 0, sizeof up);
    up.session_id = "sess-1";
    LFT_CHECK_EQ(lft_trace_update(&t, &up), LFT_OK); /* right behind its START */
    lft_obs_t s = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&s, &t, "open-span", NULL), LFT_OK);
    const unsigned total = 300;
    char name[16];
    for (unsigned i = 0; i < total; i++) {
        snprintf(name, sizeof name, "ev%03u", i);
        LFT_CHECK_EQ(lft_event(&t, name, NULL), LFT_OK);
    }
    lft_stats_t st = stats();
    snapshot();
    unsigned present = 0, first = 0, last = 0, trace_starts = 0, updates = 0, span_starts = 0;
    for (unsigned i = 0; i < snap_n; i++) {
        const lft_record_t *rec = &snap[i];
        if (rec->type == LFT_REC_EVENT) {
            unsigned k = 0;
            LFT_CHECK(sscanf(snap_name[i], "ev%u", &k) == 1);
            if (present == 0) {
                first = k;
            } else {
                LFT_CHECK_EQ(k, last + 1u); /* contiguous: only the oldest went */
            }
            last = k;
            present++;
        } else if (rec->type == LFT_REC_START && rec->serial == t.serial) {
            trace_starts++;
            LFT_CHECK(strcmp(snap_name[i], "long-trace") == 0);
            LFT_CHECK_EQ(rec->flags, LFT_RECF_MOVED);
            lft_field_iter_t it;
            lft_field_t f;
            unsigned fields = 0;
            lft_field_iter_init(&it, rec);
            while (lft_field_next(&it, &f) == 1) {
                fields++;
                if (f.tag == LFT_F_USER_ID) {
                    LFT_CHECK_STRN(f.str, f.str_len, "user_123");
                } else if (f.tag == LFT_F_META_STR) {
                    LFT_CHECK_STRN(f.key, f.key_len, "plan");
                    LFT_CHECK_STRN(f.str, f.str_len, "pro");
                } else if (f.tag == LFT_F_META_INT) {
                    LFT_CHECK_STRN(f.key, f.key_len, "seats");
                    LFT_CHECK_EQ(f.i, -7);
                } else {
                    LFT_CHECK_EQ(f.tag, LFT_F_NAME);
                }
            }
            LFT_CHECK_EQ(fields, 4);
        } else if (rec->type == LFT_REC_UPDATE && rec->serial == t.serial) {
            updates++;
            LFT_CHECK_EQ(rec->seq, 1);
            LFT_CHECK_EQ(rec->flags, LFT_RECF_MOVED);
            lft_field_iter_t it;
            lft_field_t f;
            lft_field_iter_init(&it, rec);
            LFT_CHECK(lft_field_next(&it, &f) == 1 && f.tag == LFT_F_SESSION_ID);
            LFT_CHECK_STRN(f.str, f.str_len, "sess-1");
        } else if (rec->type == LFT_REC_START && rec->serial == s.serial) {
            span_starts++;
            LFT_CHECK(strcmp(snap_name[i], "open-span") == 0);
            LFT_CHECK_EQ(rec->flags, LFT_RECF_MOVED);
        } else {
            LFT_CHECK(0); /* nothing else */
        }
    }
    LFT_CHECK_EQ(trace_starts, 1); /* never dropped, never duplicated */
    LFT_CHECK_EQ(updates, 1);
    LFT_CHECK_EQ(span_starts, 1);
    LFT_CHECK_EQ(last, total - 1u); /* the newest is present */
    LFT_CHECK_EQ(present, total - first);
    LFT_CHECK(first > 200u);
    /* exactly the records freed unsent */
    LFT_CHECK_EQ(st.dropped_overwritten, first);
    LFT_CHECK_EQ(st.recorded, total + 3u);
    LFT_CHECK_EQ((long)st.recorded - (long)st.dropped_overwritten - (long)snap_n, 0);
    LFT_CHECK_EQ(st.pending_records, snap_n);
    LFT_CHECK_EQ(st.dropped_ring_full, 0);
    LFT_CHECK(st.moved >= 3u);
    LFT_CHECK(st.ring_high_water <= cap);
    LFT_CHECK(st.pending_bytes <= cap);
    check_accounting();
    /* room for one more of the newest: less free than an event + a gap
     * (each at most an event "ev000", 31 bytes) */
    LFT_CHECK(cap - st.pending_bytes < 2u * (named_size(5) + 1u));
}

/* A span ended right after DROP_OLDEST made room behind a run of open
 * STARTs: its START must be found (ENDED set, END not an orphan) whatever
 * the layout. */
static void test_drop_oldest_end_after_overwrite(void)
{
    for (unsigned events = 1; events <= 60; events++) {
        init(ring, 256, LFT_DROP_OLDEST, 0);
        lft_trace_t t = LFT_OBS_INIT;
        lft_obs_t s = LFT_OBS_INIT;
        LFT_CHECK_EQ(lft_trace_start(&client, &t, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL), LFT_OK);
        LFT_CHECK_EQ(lft_span_start(&s, &t, "span", NULL), LFT_OK);
        for (unsigned i = 0; i < events; i++) {
            LFT_CHECK_EQ(lft_event(&t, "e", NULL), LFT_OK);
        }
        LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_OK);
        snapshot();
        unsigned starts = 0, ends = 0;
        for (unsigned i = 0; i < snap_n; i++) {
            if (snap[i].serial != s.serial) {
                continue;
            }
            if (snap[i].type == LFT_REC_START) {
                starts++;
                LFT_CHECK(snap[i].flags & LFT_RECF_ENDED);
                LFT_CHECK(strcmp(snap_name[i], "span") == 0);
            } else if (snap[i].type == LFT_REC_END) {
                ends++;
                LFT_CHECK_EQ(snap[i].flags & LFT_RECF_ORPHAN, 0);
            }
        }
        LFT_CHECK_EQ(starts, 1);
        LFT_CHECK_EQ(ends, 1);
        lft_stats_t st = stats();
        LFT_CHECK_EQ((long)st.recorded - (long)st.dropped_overwritten - (long)snap_n, 0);
        check_accounting();
    }
}

/* Only open observations in the ring: a new record is refused, nothing is
 * dropped (or moved in vain). */
static void test_drop_oldest_only_open(void)
{
    const uint32_t tstart = named_size(1); /* 27 */
    const uint32_t sstart = named_size(3); /* 29: "s00" */
    /* the trace START and 18 spans leave exactly the room of the trace
     * START (27 bytes, less than a span) at the end, where it moves when
     * a span is dropped */
    const uint32_t cap = tstart + 18u * sstart + tstart; /* 576 */
    init(ring, cap, LFT_DROP_OLDEST, 0);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    lft_obs_t spans[32];
    unsigned started = 0;
    char name[16];
    for (unsigned i = 0; i < 32; i++) {
        lft_obs_t fresh = LFT_OBS_INIT;
        spans[i] = fresh;
        snprintf(name, sizeof name, "s%02u", i);
        lft_err_t err = lft_span_start(&spans[i], &t, name, NULL);
        if (err != LFT_OK) {
            LFT_CHECK_EQ(err, LFT_ERR_RING_FULL);
            break;
        }
        started++;
    }
    LFT_CHECK_EQ(started, (cap - tstart) / sstart);
    LFT_CHECK_EQ(started, 18);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.dropped_ring_full, 1);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.moved, 0);
    LFT_CHECK_EQ(st.pending_records, started + 1u);
    LFT_CHECK_EQ(st.pending_bytes, tstart + started * sstart);
    LFT_CHECK_EQ(cap - st.pending_bytes, tstart);
    /* an END too large for the 27 free bytes: refused, START marked */
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.output = LFT_TEXT("twenty-bytes-output!"); /* END of 38 bytes */
    LFT_CHECK_EQ(end_size(str_field(20)), 38);
    LFT_CHECK_EQ(lft_obs_end(&spans[0], &o), LFT_ERR_RING_FULL);
    LFT_CHECK_EQ(lft_obs_is_open(&spans[0]), 0);
    st = stats();
    LFT_CHECK_EQ(st.dropped_ring_full, 2);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.moved, 0);
    snapshot();
    LFT_CHECK_EQ(snap_n, started + 1u);
    for (unsigned i = 1; i < snap_n; i++) {
        snprintf(name, sizeof name, "s%02u", i - 1u);
        LFT_CHECK(strcmp(snap_name[i], name) == 0);
        LFT_CHECK_EQ(snap[i].pos, tstart + (i - 1u) * sstart);
        LFT_CHECK_EQ(snap[i].flags, i == 1 ? (LFT_RECF_ENDED | LFT_RECF_END_LOST) : 0);
    }
    /* now one record is not open (the ended s00): a new span takes its
     * place; the trace START moves out of the way, nothing else is lost */
    lft_obs_t extra = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&extra, &t, "s99", NULL), LFT_OK);
    st = stats();
    LFT_CHECK_EQ(st.dropped_overwritten, 1);
    LFT_CHECK_EQ(st.moved, 1);
    snapshot();
    LFT_CHECK_EQ(snap_n, started + 1u);
    unsigned trace_start = 0;
    for (unsigned i = 0; i < snap_n; i++) {
        LFT_CHECK_EQ(snap[i].type, LFT_REC_START);
        LFT_CHECK(snap[i].serial != spans[0].serial);
        trace_start += snap[i].serial == t.serial;
    }
    LFT_CHECK_EQ(trace_start, 1);
    LFT_CHECK(strcmp(snap_name[snap_n - 1u], "s99") == 0);
    check_accounting();
    /* and full of open ones again: refused, nothing dropped */
    lft_obs_t more = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&more, &t, "s98", NULL), LFT_ERR_RING_FULL);
    st = stats();
    LFT_CHECK_EQ(st.dropped_overwritten, 1);
    LFT_CHECK_EQ(st.dropped_ring_full, 3);
}

/* While a reader is open, DROP_OLDEST frees nothing: new records are
 * refused (ring full) and the snapshot stays intact. */
static void test_drop_oldest_reader_open(void)
{
    const uint32_t ev = named_size(5); /* 31: "ev000" */
    /* 17 events and a 1-byte gap (too short for a pad) fill it */
    const uint32_t cap = 17u * ev + 1u; /* 528 */
    init(ring, cap, LFT_DROP_OLDEST, 0);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    const uint32_t trace_bytes = named_size(1) + end_size(0); /* 27 + 16 */
    LFT_CHECK_EQ(release_all(), trace_bytes);
    char name[16];
    unsigned k = 0;
    for (; k < 17; k++) { /* 17 x 31 = 527 bytes */
        snprintf(name, sizeof name, "ev%03u", k);
        LFT_CHECK_EQ(lft_event(&t, name, NULL), LFT_OK);
    }
    LFT_CHECK_EQ(stats().pending_bytes, 17u * ev);
    LFT_CHECK_EQ(stats().pending_bytes, cap - 1u);
    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    for (unsigned i = 0; i < 5; i++, k++) {
        snprintf(name, sizeof name, "ev%03u", k);
        LFT_CHECK_EQ(lft_event(&t, name, NULL), LFT_ERR_RING_FULL);
    }
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.dropped_ring_full, 5);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.pending_records, 17);
    unsigned n = 0;
    char got[16];
    while (lft_reader_next(&r, &rec) == 1) {
        snprintf(name, sizeof name, "ev%03u", n);
        rec_name(&rec, got, sizeof got);
        LFT_CHECK(strcmp(got, name) == 0);
        LFT_CHECK_EQ(rec.pos, trace_bytes + n * ev);
        n++;
    }
    LFT_CHECK_EQ(n, 17);
    LFT_CHECK_EQ(lft_reader_end(&r), 0);
    /* reader closed: each new event overwrites exactly one old one */
    for (unsigned i = 0; i < 5; i++, k++) {
        snprintf(name, sizeof name, "ev%03u", k);
        LFT_CHECK_EQ(lft_event(&t, name, NULL), LFT_OK);
        LFT_CHECK_EQ(stats().dropped_overwritten, i + 1u);
    }
    st = stats();
    LFT_CHECK_EQ(st.dropped_ring_full, 5);
    LFT_CHECK_EQ(st.recorded, 2u + 22u);
    LFT_CHECK_EQ(st.ring_high_water, cap); /* 527 + the 1-byte gap at the wrap */
    snapshot();
    LFT_CHECK_EQ(snap_n, 17);
    LFT_CHECK_EQ((long)st.recorded - 2 - (long)st.dropped_overwritten - (long)snap_n, 0);
    static const unsigned expect[] = { 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 22, 23, 24, 25, 26 };
    for (unsigned i = 0; i < snap_n; i++) {
        snprintf(name, sizeof name, "ev%03u", expect[i]);
        LFT_CHECK(strcmp(snap_name[i], name) == 0);
    }
    check_accounting();
}

/* The open observations of a sweep: their START is pending exactly once
 * (DROP_OLDEST never drops it, moves never duplicate it), not ENDED, and so
 * is every UPDATE recorded for them (the ring tells their openness from the
 * START an UPDATE names); an ended span's START is there at most once,
 * ENDED. */
#define SWEEP_SPANS 24
typedef struct {
    lft_obs_t h;
    int used;         /* started and not yet ended */
    unsigned updates; /* UPDATE records written while open */
} sweep_span_t;

static unsigned sweep_trace_updates; /* the open trace's UPDATE records */

/* Records of walk of type and serial. */
static unsigned walk_count(lft_rec_type_t type, uint32_t serial)
{
    unsigned n = 0;
    for (unsigned i = 0; i < walk_n; i++) {
        n += walk[i].type == type && walk[i].serial == serial;
    }
    return n;
}

static void check_starts(uint32_t trace_serial, const sweep_span_t *sp, unsigned n)
{
    for (unsigned i = 0; i < walk_n; i++) {
        if (walk[i].type == LFT_REC_START && walk[i].serial == trace_serial) {
            LFT_CHECK_EQ(walk[i].flags & LFT_RECF_ENDED, 0);
        }
    }
    LFT_CHECK_EQ(walk_count(LFT_REC_START, trace_serial), 1);
    LFT_CHECK_EQ(walk_count(LFT_REC_UPDATE, trace_serial), sweep_trace_updates);
    for (unsigned k = 0; k < n; k++) {
        if (!sp[k].used) {
            continue;
        }
        for (unsigned i = 0; i < walk_n; i++) {
            if (walk[i].type == LFT_REC_START && walk[i].serial == sp[k].h.serial) {
                LFT_CHECK_EQ(walk[i].flags & LFT_RECF_ENDED, 0);
            }
        }
        LFT_CHECK_EQ(walk_count(LFT_REC_START, sp[k].h.serial), 1);
        LFT_CHECK_EQ(walk_count(LFT_REC_UPDATE, sp[k].h.serial), sp[k].updates);
    }
}

static uint32_t sweep_rand(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 16;
}

/* Start a span "sNN" (29 bytes) in a free slot: recorded, or refused
 * because only open observations are left. */
static void sweep_start(lft_trace_t *t, sweep_span_t *sp, unsigned *names)
{
    for (unsigned k = 0; k < SWEEP_SPANS; k++) {
        if (sp[k].used) {
            continue;
        }
        char name[8];
        lft_obs_t fresh = LFT_OBS_INIT;
        sp[k].h = fresh;
        sp[k].updates = 0;
        snprintf(name, sizeof name, "s%02u", *names % 100u);
        (*names)++;
        lft_err_t err = lft_span_start(&sp[k].h, t, name, NULL);
        LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
        sp[k].used = err == LFT_OK;
        return;
    }
}

/* The first open span from slot k on (wrapping), or NULL. */
static sweep_span_t *sweep_first_open(sweep_span_t *sp, unsigned k)
{
    for (unsigned i = 0; i < SWEEP_SPANS; i++) {
        if (sp[(k + i) % SWEEP_SPANS].used) {
            return &sp[(k + i) % SWEEP_SPANS];
        }
    }
    return NULL;
}

/* Update the first open span from slot k on (an UPDATE of 19 bytes: its
 * output "u"), or the trace when none is open (UPDATE records of open
 * observations move like their START). */
static void sweep_update(lft_trace_t *t, sweep_span_t *sp, unsigned k)
{
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.output = LFT_TEXT("u");
    sweep_span_t *const s = sweep_first_open(sp, k);
    if (s != NULL) {
        lft_err_t err = lft_obs_update(&s->h, &o);
        LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
        s->updates += err == LFT_OK;
        return;
    }
    lft_trace_opts_t to;
    memset(&to, 0, sizeof to);
    to.session_id = "u";
    lft_err_t err = lft_trace_update(t, &to);
    LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
    sweep_trace_updates += err == LFT_OK;
}

/* End the first open span from slot k on: with no options (an END of 16
 * bytes) or with an output (38 bytes), refused when the ring is full. */
static void sweep_end(sweep_span_t *sp, unsigned k, int big)
{
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.output = LFT_TEXT("twenty-bytes-output!");
    sweep_span_t *const s = sweep_first_open(sp, k);
    if (s != NULL) {
        lft_err_t err = lft_obs_end(&s->h, big ? &o : NULL);
        LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
        LFT_CHECK_EQ(lft_obs_is_open(&s->h), 0);
        s->used = 0;
    }
}

/* One layout: a DROP_OLDEST ring of cap bytes, an open trace "t" (START 27
 * bytes), spans started up to spans (refused once the ring is full of open
 * ones), then steps pseudo-random operations (spans started, updated and
 * ended, events, reader passes releasing nothing or the ended records), every
 * invariant checked after each; finally everything is ended and released
 * and the ring must be empty. Returns 1 when every check held. */
static int sweep_layout(uint32_t cap, unsigned spans, unsigned steps)
{
    const unsigned long failed = lft_test_failures;
    init(ring, cap, LFT_DROP_OLDEST, 0);
    counting = 1;
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    sweep_span_t sp[SWEEP_SPANS];
    memset(sp, 0, sizeof sp);
    sweep_trace_updates = 0;
    unsigned names = 0;
    for (unsigned i = 0; i < spans && i < SWEEP_SPANS; i++) {
        sweep_start(&t, sp, &names);
    }
    uint32_t x = cap * 7919u + spans;
    uint32_t moved = stats().moved, overwritten = stats().dropped_overwritten;
    for (unsigned step = 0; step < steps && lft_test_failures == failed; step++) {
        const uint32_t op = sweep_rand(&x) % 9u;
        if (op <= 1) {
            sweep_start(&t, sp, &names);
        } else if (op <= 3) {
            sweep_end(sp, sweep_rand(&x) % SWEEP_SPANS, op == 3);
        } else if (op == 4) {
            lft_err_t err = lft_event(&t, "e", NULL);
            LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
        } else if (op <= 6) {
            check_ring();
            const int clean = walk_done == 0;
            (void)ring_pass(0);
            if (clean) {
                /* with no released record anywhere, one pass does all
                 * there is to do: the next one frees and moves nothing */
                const uint32_t moved_then = stats().moved;
                LFT_CHECK_EQ(ring_pass(0), 0);
                LFT_CHECK_EQ(stats().moved, moved_then);
            }
        } else if (op == 7) {
            (void)ring_pass(1);
        } else {
            sweep_update(&t, sp, sweep_rand(&x) % SWEEP_SPANS);
        }
        check_ring();
        check_starts(t.serial, sp, SWEEP_SPANS);
        const lft_stats_t st = stats();
        LFT_CHECK(st.moved >= moved);
        LFT_CHECK(st.dropped_overwritten >= overwritten);
        moved = st.moved;
        overwritten = st.dropped_overwritten;
    }
    for (unsigned k = 0; k < SWEEP_SPANS; k++) {
        sweep_end(sp, k, 0);
    }
    lft_err_t err = lft_trace_end(&t, NULL);
    LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
    /* all ended: one pass releases and frees everything */
    (void)ring_pass(1);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.recorded, st.dropped_overwritten + released_total);
    if (lft_test_failures != failed) {
        fprintf(stderr, "  (layout: cap %u, %u spans)\n", (unsigned)cap, spans);
    }
    return lft_test_failures == failed;
}

static void test_drop_oldest_layout_sweep(void)
{
    for (uint32_t cap = LFT_RING_MIN; cap <= 400u; cap++) {
        for (unsigned spans = 0; spans <= 14; spans++) {
            if (!sweep_layout(cap, spans, 60)) {
                return; /* the first failing layout is enough */
            }
        }
    }
}


/*
 * The layout of the suspected bug: a 256-byte DROP_OLDEST ring, an open
 * trace START (27 bytes) and 7 open spans (29 each) fill 230 bytes, and the
 * 26 left are fewer than the START. When a span is dropped the START, at
 * the tail, cannot be copied to the head (26 bytes there, none free in
 * front of it): the end of the buffer becomes a PAD and the START rotates
 * in place to index 0, behind the pad. The next reader pass, though it
 * releases nothing, moves the open spans in front of the pad to the head
 * (the pad behind them is what lets it) and then frees the pad, at the tail
 * by then: nothing pending is lost and pending_bytes drops by the pad's 26
 * bytes. The positions the reader returned during that pass are stale
 * afterwards: compared with pending_bytes after lft_reader_end (as
 * check_accounting() once did) they put 256 bytes of records in 230 bytes
 * of ring. Measured on the ring as it is, the accounting is exact.
 */
static void test_drop_oldest_start_behind_pad(void)
{
    const uint32_t tstart = named_size(1); /* 27: "t" */
    const uint32_t sstart = named_size(3); /* 29: "s00" */
    const uint32_t cap = 256;
    const uint32_t fill = tstart + 7u * sstart; /* 230 */
    const uint32_t pad = cap - fill;            /* 26 */
    LFT_CHECK(pad < tstart);
    init(ring, cap, LFT_DROP_OLDEST, 0);
    counting = 1;
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    lft_obs_t spans[8];
    char name[8];
    for (unsigned i = 0; i < 8; i++) {
        lft_obs_t fresh = LFT_OBS_INIT;
        spans[i] = fresh;
        snprintf(name, sizeof name, "s%02u", i);
        /* the eighth does not fit, and only open observations are there */
        LFT_CHECK_EQ(lft_span_start(&spans[i], &t, name, NULL), i < 7 ? LFT_OK : LFT_ERR_RING_FULL);
    }
    LFT_CHECK(check_ring());
    LFT_CHECK_EQ(client.used, fill);
    LFT_CHECK_EQ(walk_n, 8);
    /* an END of 38 bytes for s00: refused (its START was still open when
     * the END was sized), the START marked */
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.output = LFT_TEXT("twenty-bytes-output!");
    LFT_CHECK_EQ(lft_obs_end(&spans[0], &o), LFT_ERR_RING_FULL);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.moved, 0);
    LFT_CHECK_EQ(st.dropped_ring_full, 2);
    /* s99: the trace START moves behind a pad, s00 is dropped, s99 takes
     * its place */
    lft_obs_t s99 = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&s99, &t, "s99", NULL), LFT_OK);
    st = stats();
    LFT_CHECK_EQ(st.dropped_overwritten, 1);
    LFT_CHECK_EQ(st.moved, 1);
    LFT_CHECK_EQ(st.recorded, 9); /* the trace, s00..s06, s99 */
    LFT_CHECK_EQ(st.pending_records, 8);
    LFT_CHECK(check_ring());
    LFT_CHECK_EQ(client.used, cap); /* s01..s06, the pad, the START, s99 */
    LFT_CHECK_EQ(client.tail_abs, tstart + sstart);
    LFT_CHECK_EQ(walk_idle, pad);
    LFT_CHECK_EQ(walk_n, 8);
    if (walk_n != 8) {
        return;
    }
    for (unsigned i = 0; i < 6; i++) {
        LFT_CHECK_EQ(walk[i].serial, spans[i + 1u].serial);
        LFT_CHECK_EQ(walk[i].pos, tstart + (i + 1u) * sstart);
        LFT_CHECK_EQ(walk[i].flags, 0);
    }
    LFT_CHECK_EQ(walk[6].serial, t.serial);
    LFT_CHECK_EQ(walk[6].pos, cap); /* index 0, behind the pad */
    LFT_CHECK_EQ(walk[6].flags, LFT_RECF_MOVED);
    LFT_CHECK_EQ(walk[7].serial, s99.serial);
    LFT_CHECK_EQ(walk[7].pos, cap + tstart);
    /* a pass that releases nothing: the reader returns the 8 records where
     * the walk found them; lft_reader_end moves s01..s06 and frees the pad */
    const uint32_t old_first = walk[0].pos;
    const uint32_t old_end = walk[7].pos + walk[7].len;
    LFT_CHECK_EQ(old_end - old_first, cap); /* exact before the pass */
    LFT_CHECK_EQ(ring_pass(0), pad);
    st = stats();
    LFT_CHECK_EQ(st.moved, 1u + 6u);
    LFT_CHECK_EQ(st.pending_records, 8);
    LFT_CHECK_EQ(st.pending_bytes, fill);
    LFT_CHECK_EQ(st.dropped_overwritten, 1);
    /* what was reported: the pass's positions against pending_bytes now */
    LFT_CHECK(st.pending_bytes < old_end - old_first);
    /* the ring now: the START at the tail (index 0), s99, the moved spans,
     * contiguous, no pad */
    LFT_CHECK(check_ring());
    LFT_CHECK_EQ(walk_idle, 0);
    LFT_CHECK_EQ(client.tail, 0);
    LFT_CHECK_EQ(client.tail_abs, cap);
    LFT_CHECK_EQ(client.head_abs, cap + fill);
    check_tail_pending();
    LFT_CHECK_EQ(walk_n, 8);
    if (walk_n == 8) {
        LFT_CHECK_EQ(walk[0].serial, t.serial);
        LFT_CHECK_EQ(walk[1].serial, s99.serial);
        for (unsigned i = 2; i < 8; i++) {
            LFT_CHECK_EQ(walk[i].serial, spans[i - 1u].serial);
            LFT_CHECK_EQ(walk[i].pos, cap + tstart + (i - 1u) * sstart);
            LFT_CHECK_EQ(walk[i].flags, LFT_RECF_MOVED);
        }
    }
    /* the next pass has nothing to do */
    LFT_CHECK_EQ(ring_pass(0), 0);
    LFT_CHECK_EQ(stats().moved, 7);
    /* only open observations: refused, nothing dropped */
    lft_obs_t more = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_span_start(&more, &t, "s98", NULL), LFT_ERR_RING_FULL);
    st = stats();
    LFT_CHECK_EQ(st.dropped_overwritten, 1);
    LFT_CHECK_EQ(st.dropped_ring_full, 3);
    LFT_CHECK(check_ring());
    /* everything ends and is released: empty */
    for (unsigned i = 1; i < 7; i++) {
        lft_err_t err = lft_obs_end(&spans[i], NULL);
        LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
        LFT_CHECK(check_ring());
    }
    lft_err_t err = lft_obs_end(&s99, NULL);
    LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
    err = lft_trace_end(&t, NULL);
    LFT_CHECK(err == LFT_OK || err == LFT_ERR_RING_FULL);
    LFT_CHECK(check_ring());
    (void)ring_pass(1);
    st = stats();
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.recorded, st.dropped_overwritten + released_total);
}

int main(void)
{
    LFT_RUN(test_drop_newest);
    LFT_RUN(test_drop_newest_open_start_at_index0);
    LFT_RUN(test_too_large);
    LFT_RUN(test_end_when_full);
    LFT_RUN(test_drop_oldest);
    LFT_RUN(test_drop_oldest_end_after_overwrite);
    LFT_RUN(test_drop_oldest_only_open);
    LFT_RUN(test_drop_oldest_reader_open);
    LFT_RUN(test_drop_oldest_start_behind_pad);
    LFT_RUN(test_drop_oldest_layout_sweep);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
    return LFT_TEST_REPORT();
}
