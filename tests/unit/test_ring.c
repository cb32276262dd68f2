/*
 * test_ring.c - the ring's wrap-around and the reader.
 *
 * The ring is checked against a reference model of its documented layout:
 * records are contiguous, a record that does not fit before the end of the
 * buffer starts at index 0 and the rest of the buffer becomes a PAD record
 * (or, under 4 bytes, a bare gap); an empty ring starts again at index 0;
 * lft_reader_end frees released records (and pads) from the tail. The model
 * predicts, for every call, whether it fits (LFT_OK / LFT_ERR_RING_FULL),
 * the absolute position and length of every record, pending_records,
 * pending_bytes, ring_high_water and the bytes each lft_reader_end frees.
 *
 * Records are events under an ended trace, so no record of an open
 * observation is in the ring (nothing moves). Record sizes follow from the
 * name length alone (the body's integers are fixed-width).
 */
#include <stdio.h>
#include <string.h>

#include "lft_port_test.h"
#include "lft_record.h"
#include "lft_test.h"

#define RING_MAX 1024u
/* The ended trace every test starts with: START "t" and END (see
 * init_with_ended_trace). */
#define TRACE_BYTES 43u
static uint8_t ring[RING_MAX];
static lft_client_t client;

static uint32_t vlen(uint64_t v)
{
    uint32_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Bytes of an EVENT record: header, u32 serial, parent and trace, i64 time,
 * then the NAME field (tag, length, bytes). */
static uint32_t event_size(uint32_t name_len)
{
    return 4u + 4u + 4u + 4u + 8u + 1u + vlen(name_len) + name_len;
}

/* The name of record k with length n: every byte depends on k and its index. */
static void make_name(uint32_t k, uint32_t n, char *out)
{
    for (uint32_t j = 0; j < n; j++) {
        out[j] = (char)('a' + (k * 31u + j * 7u) % 26u);
    }
    out[n] = '\0';
}

/* The name field of rec (must be the first field, as lft_event writes it). */
static int rec_name(const lft_record_t *rec, const char **s, uint32_t *n)
{
    lft_field_iter_t it;
    lft_field_t f;
    lft_field_iter_init(&it, rec);
    if (lft_field_next(&it, &f) != 1 || f.tag != LFT_F_NAME) {
        return 0;
    }
    *s = f.str;
    *n = f.str_len;
    return lft_field_next(&it, &f) == 0; /* and nothing else */
}

static lft_stats_t stats(void)
{
    lft_stats_t st;
    memset(&st, 0, sizeof st);
    LFT_CHECK_EQ(lft_client_stats(&client, &st), LFT_OK);
    return st;
}

/* Init a client on cap bytes and return an ended trace (serial 1) whose
 * records were read and freed: the ring is empty, nothing is open. */
static lft_trace_t init_with_ended_trace(uint32_t cap)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = cap;
    cfg.drop_policy = LFT_DROP_NEWEST;
    memset(ring, 0xEE, sizeof ring);
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    lft_trace_t t = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);
    LFT_CHECK_EQ(t.serial, 1);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    lft_reader_t r;
    lft_record_t rec;
    unsigned n = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK(rec.type == (n == 0 ? LFT_REC_START : LFT_REC_END));
        LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        n++;
    }
    LFT_CHECK_EQ(n, 2);
    /* START "t": 4 + 20 + tag + len + 't' = 27; END: 4 + serial + time = 16 */
    LFT_CHECK_EQ(lft_reader_end(&r), TRACE_BYTES);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.ring_high_water, TRACE_BYTES);
    return t;
}

/* ------------------------------------------------------------ the model */

#define MQ 512u

typedef struct {
    uint32_t pos, len;
    uint32_t k;   /* record number (names) */
    uint32_t serial, name_len;
    int pad;      /* a PAD record or a short gap */
    int done;     /* released */
} mrec_t;

static struct {
    uint32_t cap, head, tail, used, head_abs, high;
    mrec_t q[MQ];
    uint32_t first, count; /* queue of records and pads, oldest first */
    uint32_t gaps[4];      /* wraps that left 0..3 bytes */
    uint32_t pads;         /* wraps that left a PAD (>= 4 bytes) */
    uint32_t full;         /* refused calls */
} m;

static mrec_t *m_at(uint32_t i)
{
    return &m.q[(m.first + i) % MQ];
}

static void m_init(uint32_t cap, uint32_t head_abs, uint32_t high)
{
    memset(&m, 0, sizeof m);
    m.cap = cap;
    m.head_abs = head_abs;
    m.high = high;
}

static void m_push(uint32_t len, int pad)
{
    mrec_t *e = &m.q[(m.first + m.count) % MQ];
    memset(e, 0, sizeof *e);
    e->pos = m.head_abs;
    e->len = len;
    e->pad = pad;
    m.count++;
    m.head += len;
    if (m.head == m.cap) {
        m.head = 0;
    }
    m.head_abs += len;
    m.used += len;
    if (m.used > m.high) {
        m.high = m.used;
    }
}

/* The allocation rule; returns the new record or NULL (ring full). */
static mrec_t *m_alloc(uint32_t n)
{
    if (m.used == 0) {
        m.head = m.tail = 0;
    }
    if (m.used == m.cap) {
        return NULL;
    }
    if (m.head >= m.tail) {
        uint32_t room = m.cap - m.head;
        if (n > room) {
            if (n > m.tail) {
                return NULL;
            }
            if (room < 4u) {
                m.gaps[room]++;
            } else {
                m.pads++;
            }
            m_push(room, 1);
        } else if (n == room) {
            m.gaps[0]++; /* ends exactly at the end of the buffer */
        }
    } else if (n > m.tail - m.head) {
        return NULL;
    }
    m_push(n, 0);
    return m_at(m.count - 1u);
}

/* Free released records and pads from the tail; returns the bytes freed. */
static uint32_t m_reclaim(void)
{
    uint32_t freed = 0;
    while (m.count > 0 && (m.q[m.first].pad || m.q[m.first].done)) {
        uint32_t len = m.q[m.first].len;
        m.tail += len;
        if (m.tail == m.cap) {
            m.tail = 0;
        }
        m.used -= len;
        freed += len;
        m.first = (m.first + 1u) % MQ;
        m.count--;
        if (m.used == 0) {
            m.head = m.tail = 0;
        }
    }
    return freed;
}

static uint32_t m_pending(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m.count; i++) {
        n += !m_at(i)->pad && !m_at(i)->done;
    }
    return n;
}

/* The ring's counters agree with the model. */
#define CHECK_MODEL()                                                      \
    do {                                                                   \
        lft_stats_t st_ = stats();                                         \
        LFT_CHECK_EQ(st_.pending_bytes, m.used);                           \
        LFT_CHECK_EQ(st_.pending_records, m_pending());                    \
        LFT_CHECK_EQ(st_.ring_high_water, m.high);                         \
        LFT_CHECK_EQ(st_.dropped_ring_full, m.full);                       \
        LFT_CHECK(st_.pending_bytes <= m.cap);                             \
    } while (0)

static uint32_t next_serial; /* the serial the next recording call takes */
static uint32_t next_k;

/* Record event k (name length n) under trace t; the model predicts the result. */
static void record(lft_trace_t *t, uint32_t n)
{
    char name[256];
    uint32_t k = next_k++;
    uint32_t serial = next_serial++; /* taken even when the record is refused */
    uint32_t size = event_size(n);
    make_name(k, n, name);
    mrec_t *e = m_alloc(size);
    lft_err_t err = lft_event(t, name, NULL);
    if (e == NULL) {
        LFT_CHECK_EQ(err, LFT_ERR_RING_FULL);
        m.full++;
        return;
    }
    LFT_CHECK_EQ(err, LFT_OK);
    e->k = k;
    e->serial = serial;
    e->name_len = n;
}

/* Read the snapshot; every record must be the model's next pending record,
 * byte for byte. Releases all but the newest keep records of the snapshot.
 * Records written while the reader is open (extra) must not be returned. */
static void pass(lft_trace_t *t, uint32_t keep, uint32_t extra, uint32_t extra_len)
{
    lft_reader_t r, r2;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &r2), LFT_ERR_BUSY);
    const uint32_t snap_end = m.head_abs;
    /* the pending records of the snapshot, in order */
    uint32_t want[MQ], nwant = 0;
    for (uint32_t i = 0; i < m.count; i++) {
        if (!m_at(i)->pad && !m_at(i)->done) {
            want[nwant++] = i;
        }
    }
    for (uint32_t i = 0; i < extra; i++) {
        record(t, extra_len + i);
    }
    uint32_t got = 0;
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK(got < nwant);
        if (got >= nwant) {
            break;
        }
        mrec_t *e = m_at(want[got]);
        LFT_CHECK((int32_t)(rec.pos - snap_end) < 0); /* inside the snapshot */
        LFT_CHECK_EQ(rec.pos, e->pos);
        LFT_CHECK_EQ(rec.len, e->len);
        LFT_CHECK_EQ(rec.type, LFT_REC_EVENT);
        LFT_CHECK_EQ(rec.kind, LFT_KIND_EVENT);
        LFT_CHECK_EQ(rec.flags, 0);
        LFT_CHECK_EQ(rec.serial, e->serial);
        LFT_CHECK_EQ(rec.parent, 1);
        LFT_CHECK_EQ(rec.trace, 1);
        LFT_CHECK_EQ(rec.time_us, 0);
        const char *s = NULL;
        uint32_t n = 0;
        char name[256];
        make_name(e->k, e->name_len, name);
        LFT_CHECK(rec_name(&rec, &s, &n));
        if (s != NULL) {
            LFT_CHECK_STRN(s, n, name);
        }
        if (got + keep < nwant) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
            e->done = 1;
        }
        got++;
    }
    LFT_CHECK_EQ(got, nwant);
    LFT_CHECK_EQ(lft_reader_next(&r, &rec), 0); /* stays exhausted */
    uint32_t freed = lft_reader_end(&r);
    LFT_CHECK_EQ(freed, m_reclaim());
    CHECK_MODEL();
}

static uint32_t lcg_state = 12345u;
static uint32_t lcg(uint32_t mod)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (lcg_state >> 16) % mod;
}

/* Records of varied sizes through a 512-byte ring with a lagging reader,
 * the first at absolute position start_abs, until `records` were made. */
static void wrap_model_run(uint32_t start_abs, uint32_t records)
{
    const uint32_t cap = 512;
    lft_trace_t t = init_with_ended_trace(cap);
    if (start_abs != TRACE_BYTES) {
        /* white box: move the (empty) ring's absolute positions, as if
         * start_abs bytes had passed through it */
        client.head_abs = start_abs;
        client.tail_abs = start_abs;
    }
    m_init(cap, start_abs, TRACE_BYTES);
    next_serial = 2;
    next_k = 0;
    uint32_t passes = 0;
    while (next_k < records) {
        uint32_t burst = 1u + lcg(7);
        for (uint32_t i = 0; i < burst; i++) {
            /* mostly short names, sometimes long ones (records of 27..189 bytes) */
            uint32_t n = lcg(4) == 0 ? 40u + lcg(120) : 1u + lcg(40);
            record(&t, n);
        }
        CHECK_MODEL();
        /* one draw per statement: argument evaluation order is unspecified */
        const uint32_t keep = lcg(3);
        const uint32_t extra = lcg(3);
        const uint32_t extra_len = 1u + lcg(30);
        pass(&t, keep, extra, extra_len);
        passes++;
    }
    /* release everything: the ring is empty */
    pass(&t, 0, 0, 0);
    pass(&t, 0, 0, 0);
    CHECK_MODEL();
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.moved, 0);
    LFT_CHECK_EQ(st.dropped_overwritten, 0);
    LFT_CHECK_EQ(st.recorded, 2u + (next_k - m.full)); /* + the trace's START and END */
    LFT_CHECK(m.full > 0);                               /* the ring did fill up */
    LFT_CHECK((m.head_abs - start_abs) / cap >= records / 20u); /* laps: dozens for 4000 */
    LFT_CHECK_EQ(client.head_abs, m.head_abs);
    /* every end remainder happened: exact fits, 1-, 2- and 3-byte gaps, pads */
    for (uint32_t g = 0; g < 4u; g++) {
        LFT_CHECK(m.gaps[g] > 0);
    }
    LFT_CHECK(m.pads > 0);
    printf("wrap model from %u: %u records (%u refused), %u passes, %u laps, gaps %u/%u/%u/%u, "
           "pads %u\n",
           start_abs, next_k, m.full, passes, (m.head_abs - start_abs) / cap, m.gaps[0], m.gaps[1],
           m.gaps[2], m.gaps[3], m.pads);
}

/* Thousands of records: the head wraps dozens of times with every kind of
 * end remainder, and the ring agrees with the model after every pass. */
static void test_wrap_around_model(void)
{
    wrap_model_run(TRACE_BYTES, 4000);
    LFT_CHECK(m.head_abs / 512u >= 50u);
}

/* Absolute positions are counted mod 2^32: the same across the wrap (as
 * after 4 GiB of traffic). */
static void test_position_wrap(void)
{
    wrap_model_run(0xFFFFF000u, 1000);
    LFT_CHECK(m.head_abs < 0xFFFFF000u); /* crossed 2^32 */
}

/* A handle's start hint is stale once its START moved. After 4 GiB of
 * traffic the stale position is back inside the ring, in the middle of
 * another record: ending the span must still find its START. */
static void test_stale_hint_after_position_wrap(void)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = 1024;
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    char tname[61];
    memset(tname, 'A', 60);
    tname[60] = '\0';
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t s = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, tname, NULL), LFT_OK); /* at 0, 86 bytes */
    LFT_CHECK_EQ(lft_span_start(&s, &t, "span", NULL), LFT_OK);      /* at 86 */
    LFT_CHECK_EQ(lft_event(&t, "e", NULL), LFT_OK);
    const uint32_t hint = s.start_abs;
    LFT_CHECK_EQ(hint, 86);
    /* release the event: both STARTs move behind it, the hint goes stale */
    lft_reader_t r;
    lft_record_t rec;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.type == LFT_REC_EVENT) {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
    }
    LFT_CHECK_EQ(lft_reader_end(&r), 27); /* the event */
    LFT_CHECK_EQ(stats().moved, 2);
    LFT_CHECK_EQ(client.tail_abs, 143); /* the trace START's new place */
    /* white box: 2^32 - 87 more bytes "pass" so that the stale hint lands
     * 30 bytes into the trace START: inside its name ('A' 'A' reads as a
     * length of 16705) */
    const uint32_t delta = hint - 30u - client.tail_abs;
    client.tail_abs += delta;
    client.head_abs += delta;
    LFT_CHECK_EQ(hint - client.tail_abs, 30);
    LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_OK);
    unsigned ended = 0, ends = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        if (rec.serial == s.serial && rec.type == LFT_REC_START) {
            ended += (rec.flags & LFT_RECF_ENDED) != 0;
        }
        if (rec.serial == s.serial && rec.type == LFT_REC_END) {
            ends++;
            LFT_CHECK_EQ(rec.flags & LFT_RECF_ORPHAN, 0);
        }
    }
    lft_reader_end(&r);
    LFT_CHECK_EQ(ended, 1);
    LFT_CHECK_EQ(ends, 1);
}

/* Reads one record (at index i of the snapshot) and checks its position,
 * length and name length. */
static void expect_records(const uint32_t *pos, const uint32_t *len, uint32_t n)
{
    lft_reader_t r;
    lft_record_t rec;
    uint32_t i = 0;
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK(i < n);
        if (i < n) {
            LFT_CHECK_EQ(rec.pos, pos[i]);
            LFT_CHECK_EQ(rec.len, len[i]);
        }
        i++;
    }
    LFT_CHECK_EQ(i, n);
    lft_reader_end(&r);
}

/* Release every pending record; returns lft_reader_end's result. */
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

/* An event of exactly size bytes (serial taken from next_serial). */
static void event_of_size(lft_trace_t *t, uint32_t size)
{
    char name[256];
    uint32_t serial = next_serial++;
    uint32_t n = 0;
    while (event_size(n) < size) {
        n++;
    }
    LFT_CHECK_EQ(event_size(n), size); /* sizes used here are reachable */
    make_name(serial, n, name);
    LFT_CHECK_EQ(lft_event(t, name, NULL), LFT_OK);
}

/* Deliberate end remainders: the buffer is filled up to cap - rem, the
 * oldest record is freed, and the next record (larger than rem) must start
 * at index 0, i.e. at absolute position base + cap, with rem bytes of gap
 * (rem < 4) or a PAD record of rem bytes (rem >= 4) in between. */
static void test_end_remainders(void)
{
    static const uint32_t rems[] = { 0, 1, 2, 3, 4, 5, 17 };
    const uint32_t cap = 256;
    lft_trace_t t = init_with_ended_trace(cap);
    next_serial = 2;
    for (unsigned i = 0; i < sizeof rems / sizeof rems[0]; i++) {
        const uint32_t rem = rems[i];
        lft_stats_t st0 = stats();
        LFT_CHECK_EQ(st0.pending_bytes, 0);
        const uint32_t base = client.head_abs; /* the empty ring restarts at index 0 */
        /* A (40 bytes) at 0, B at 40 .. 120, C up to cap - rem */
        const uint32_t a = 40, b = 80, c = cap - rem - a - b;
        event_of_size(&t, a);
        event_of_size(&t, b);
        event_of_size(&t, c);
        LFT_CHECK_EQ(stats().pending_bytes, cap - rem); /* rem 0: exactly full */
        /* 56 bytes: more than the rem bytes at the end, and index 0 is taken */
        LFT_CHECK_EQ(lft_event(&t, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL), LFT_ERR_RING_FULL);
        next_serial++;
        /* free A only */
        lft_reader_t r;
        lft_record_t rec;
        LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
        LFT_CHECK_EQ(lft_reader_next(&r, &rec), 1);
        LFT_CHECK_EQ(rec.pos, base);
        LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        LFT_CHECK_EQ(lft_reader_end(&r), a);
        /* D (30 bytes) does not fit in the rem bytes left: it wraps */
        event_of_size(&t, 30);
        lft_stats_t st = stats();
        LFT_CHECK_EQ(st.pending_bytes, b + c + rem + 30u);
        LFT_CHECK_EQ(st.pending_records, 3);
        const uint32_t pos[] = { base + a, base + a + b, base + cap };
        const uint32_t len[] = { b, c, 30 };
        expect_records(pos, len, 3);
        if (rem >= 4u) {
            /* a PAD record of rem bytes fills the end of the buffer */
            const uint8_t *pad = ring + cap - rem;
            LFT_CHECK_EQ(pad[0] | (pad[1] << 8), rem);
            LFT_CHECK_EQ(pad[2], LFT_REC_PAD << 4);
        }
        /* freeing B, C and the gap/pad: reader_end reports all of it */
        LFT_CHECK_EQ(release_all(), b + c + rem + 30u);
        LFT_CHECK_EQ(stats().pending_bytes, 0);
    }
    LFT_CHECK_EQ(stats().ring_high_water, cap);
    LFT_CHECK_EQ(stats().dropped_ring_full, sizeof rems / sizeof rems[0]);
}

/* The reader: snapshot, BUSY, release rules, lft_reader_at, is_ended, the
 * value of lft_reader_end. */
static void test_reader(void)
{
    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = 512;
    LFT_CHECK_EQ(lft_client_init(&client, &cfg), LFT_OK);
    lft_trace_t t = LFT_OBS_INIT;
    lft_obs_t s = LFT_OBS_INIT;
    LFT_CHECK_EQ(lft_trace_start(&client, &t, "t", NULL), LFT_OK);          /* 27 bytes */
    LFT_CHECK_EQ(lft_span_start(&s, &t, "span", NULL), LFT_OK);             /* 30 bytes */
    LFT_CHECK_EQ(lft_event(&s, "ev1", NULL), LFT_OK);                       /* 29 bytes */
    lft_score_t sc;
    memset(&sc, 0, sizeof sc);
    sc.name = "q";
    sc.value = 0.5;
    sc.target = &t;
    LFT_CHECK_EQ(lft_score(&client, &sc), LFT_OK);                          /* 38 bytes */
    lft_obs_opts_t o;
    memset(&o, 0, sizeof o);
    o.level = LFT_LEVEL_WARNING;
    LFT_CHECK_EQ(lft_obs_update(&s, &o), LFT_OK);                           /* 18 bytes */
    LFT_CHECK_EQ(lft_obs_end(&s, NULL), LFT_OK);                            /* 16 bytes */
    LFT_CHECK_EQ(stats().pending_bytes, 27u + 30u + 29u + 38u + 18u + 16u);
    LFT_CHECK_EQ(stats().pending_records, 6);

    lft_reader_t r, busy;
    lft_record_t rec, recs[8];
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_reader_begin(&client, &busy), LFT_ERR_BUSY);
    /* appended after begin: not in this snapshot */
    LFT_CHECK_EQ(lft_event(&t, "late", NULL), LFT_OK);
    unsigned n = 0;
    while (n < 8 && lft_reader_next(&r, &recs[n]) == 1) {
        n++;
    }
    LFT_CHECK_EQ(n, 6);
    static const lft_rec_type_t types[] = { LFT_REC_START, LFT_REC_START, LFT_REC_EVENT,
                                            LFT_REC_SCORE, LFT_REC_UPDATE, LFT_REC_END };
    static const uint16_t lens[] = { 27, 30, 29, 38, 18, 16 };
    uint32_t pos = 0;
    for (unsigned i = 0; i < n; i++) {
        LFT_CHECK_EQ(recs[i].type, types[i]);
        LFT_CHECK_EQ(recs[i].len, lens[i]);
        LFT_CHECK_EQ(recs[i].pos, pos);
        pos += lens[i];
    }
    LFT_CHECK_EQ(recs[4].seq, 1); /* the first update of this client */
    /* a cursor walks the snapshot again without moving the reader; a START
     * is found by serial in it */
    lft_reader_t cursor;
    const uint32_t reader_pos = r.pos;
    lft_reader_rewind(&r, &cursor);
    for (unsigned i = 0; i < n; i++) {
        LFT_CHECK_EQ(lft_reader_next(&cursor, &rec), 1);
        LFT_CHECK_EQ(rec.pos, recs[i].pos);
    }
    LFT_CHECK_EQ(lft_reader_next(&cursor, &rec), 0); /* "late" is not in the snapshot */
    LFT_CHECK_EQ(r.pos, reader_pos);
    LFT_CHECK_EQ(lft_reader_find_start(&r, s.serial, &rec), 1);
    LFT_CHECK_EQ(rec.pos, recs[1].pos);
    LFT_CHECK_EQ(lft_reader_find_start(&r, t.serial, &rec), 1);
    LFT_CHECK_EQ(rec.pos, recs[0].pos);
    LFT_CHECK_EQ(lft_reader_find_start(&r, recs[2].serial, &rec), 0); /* an EVENT, no START */
    LFT_CHECK_EQ(r.pos, reader_pos);
    /* is_ended: the trace is open, the span ended; an UPDATE answers for its
     * observation; END, EVENT and SCORE are complete */
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &recs[0]), 0);
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &recs[1]), 1);
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &recs[2]), 1);
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &recs[3]), 1);
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &recs[4]), 1);
    LFT_CHECK_EQ(lft_reader_is_ended(&r, &recs[5]), 1);
    /* lft_reader_at revisits a record of the snapshot, and nothing else */
    LFT_CHECK_EQ(lft_reader_at(&r, recs[3].pos, &rec), LFT_OK);
    LFT_CHECK_EQ(rec.type, LFT_REC_SCORE);
    LFT_CHECK_EQ(rec.trace, t.serial);
    LFT_CHECK_EQ(rec.observation, 0);
    LFT_CHECK_EQ(lft_reader_at(&r, pos, &rec), LFT_ERR_ARG); /* "late": after the snapshot */
    /* release: twice is harmless, pending counts once */
    LFT_CHECK_EQ(lft_reader_release(&r, &recs[2]), LFT_OK);
    LFT_CHECK_EQ(lft_reader_release(&r, &recs[2]), LFT_OK);
    LFT_CHECK_EQ(stats().pending_records, 6); /* 7 recorded, 1 released */
    /* a record outside the snapshot cannot be released through this reader */
    lft_record_t late = recs[5];
    late.pos = pos;
    LFT_CHECK_EQ(lft_reader_release(&r, &late), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_reader_release(&r, NULL), LFT_ERR_ARG);
    /* nor a record altered by the caller: a position inside the END, or a
     * length, kind or serial that is not the ring's (nothing is touched) */
    lft_record_t altered = recs[5];
    altered.pos += 4u;
    LFT_CHECK_EQ(lft_reader_release(&r, &altered), LFT_ERR_ARG);
    altered = recs[5];
    altered.len++;
    LFT_CHECK_EQ(lft_reader_release(&r, &altered), LFT_ERR_ARG);
    altered = recs[5];
    altered.kind = LFT_KIND_EVENT;
    LFT_CHECK_EQ(lft_reader_release(&r, &altered), LFT_ERR_ARG);
    altered = recs[1];
    altered.serial++;
    LFT_CHECK_EQ(lft_reader_mark_sent(&r, &altered), LFT_ERR_ARG);
    /* releasing a non-tail record frees nothing yet: the tail is the open
     * trace's START, and behind it the span START waits for export, so
     * moving the START would free nothing: it stays */
    LFT_CHECK_EQ(lft_reader_end(&r), 0);
    LFT_CHECK_EQ(lft_reader_end(&r), 0); /* closed: nothing */
    LFT_CHECK_EQ(lft_reader_release(&r, &recs[3]), LFT_ERR_ARG);
    lft_stats_t st = stats();
    LFT_CHECK_EQ(st.moved, 0);
    LFT_CHECK_EQ(st.pending_records, 6);
    LFT_CHECK_EQ(st.pending_bytes, 158u + 30u); /* + "late" */
    LFT_CHECK_EQ(st.ring_high_water, 188);

    /* next pass: the released event is not returned again, "late" is;
     * release everything but the open trace's START */
    static const lft_rec_type_t types2[] = { LFT_REC_START, LFT_REC_START, LFT_REC_SCORE,
                                             LFT_REC_UPDATE, LFT_REC_END, LFT_REC_EVENT };
    static const uint32_t pos2[] = { 0, 27, 86, 124, 142, 158 };
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    n = 0;
    while (lft_reader_next(&r, &rec) == 1) {
        LFT_CHECK(n < 6);
        if (n < 6) {
            LFT_CHECK_EQ(rec.type, types2[n]);
            LFT_CHECK_EQ(rec.pos, pos2[n]);
        }
        if (n == 0) {
            LFT_CHECK_EQ(rec.serial, t.serial);
            LFT_CHECK_EQ(rec.flags, 0);
        } else {
            LFT_CHECK_EQ(lft_reader_release(&r, &rec), LFT_OK);
        }
        n++;
    }
    LFT_CHECK_EQ(n, 6);
    /* now the START moves (to 188, after "late") and everything behind it
     * is freed: the event released last pass and the five released now */
    LFT_CHECK_EQ(lft_reader_end(&r), 158u + 30u - 27u);
    st = stats();
    LFT_CHECK_EQ(st.pending_records, 1);
    LFT_CHECK_EQ(st.pending_bytes, 27);
    LFT_CHECK_EQ(st.moved, 1);
    LFT_CHECK_EQ(st.ring_high_water, 188); /* a move does not raise it */
    LFT_CHECK_EQ(lft_reader_begin(&client, &r), LFT_OK);
    LFT_CHECK_EQ(lft_reader_next(&r, &rec), 1);
    LFT_CHECK_EQ(rec.type, LFT_REC_START);
    LFT_CHECK_EQ(rec.serial, t.serial);
    LFT_CHECK_EQ(rec.flags, LFT_RECF_MOVED);
    LFT_CHECK_EQ(rec.pos, 188);
    LFT_CHECK_EQ(rec.len, 27);
    const char *name = NULL;
    uint32_t nl = 0;
    LFT_CHECK(rec_name(&rec, &name, &nl));
    if (name != NULL) {
        LFT_CHECK_STRN(name, nl, "t");
    }
    LFT_CHECK_EQ(lft_reader_next(&r, &rec), 0);
    /* alone in the ring: nothing to free behind it, so it does not move */
    LFT_CHECK_EQ(lft_reader_end(&r), 0);
    LFT_CHECK_EQ(stats().moved, 1);
    LFT_CHECK_EQ(lft_trace_end(&t, NULL), LFT_OK);
    LFT_CHECK_EQ(release_all(), 27u + 16u);
    st = stats();
    LFT_CHECK_EQ(st.pending_records, 0);
    LFT_CHECK_EQ(st.pending_bytes, 0);
    LFT_CHECK_EQ(st.recorded, 8);
    LFT_CHECK_EQ(lft_test_lock_depth(), 0);
}

int main(void)
{
    LFT_RUN(test_end_remainders);
    LFT_RUN(test_reader);
    LFT_RUN(test_wrap_around_model);
    LFT_RUN(test_position_wrap);
    LFT_RUN(test_stale_hint_after_position_wrap);
    return LFT_TEST_REPORT();
}
