/*
 * lft_test_records.h - read a client's records back for assertions.
 *
 * lft_tr_read(client) opens a reader, copies every pending record (nothing is
 * released) into static storage and closes the reader, so the decoded
 * records stay valid however the ring changes afterwards. The copies live in
 * lft_tr_rec[0 .. lft_tr_n); each read replaces the previous one. Fields are
 * decoded on demand with lft_tr_field / lft_tr_kv.
 *
 * The LFT_CHECK_F* macros assert on one field of a record (with the caller's
 * line number on failure).
 */
#ifndef LFT_TEST_RECORDS_H
#define LFT_TEST_RECORDS_H

#include <string.h>

#include "lft_record.h"
#include "lft_test.h"

#ifndef LFT_TR_MAX
#define LFT_TR_MAX 8192u
#endif
#ifndef LFT_TR_ARENA
#define LFT_TR_ARENA (1u << 20)
#endif

static lft_record_t lft_tr_rec[LFT_TR_MAX];
static uint8_t lft_tr_arena[LFT_TR_ARENA];
static size_t lft_tr_n;
static unsigned lft_tr_bad; /* last read: malformed fields, overflow, reader errors */

/* Copy every pending record of c; returns how many (also in lft_tr_n). */
static inline size_t lft_tr_read(lft_client_t *c)
{
    lft_reader_t rd;
    lft_record_t r;
    size_t used = 0;
    lft_tr_n = 0;
    lft_tr_bad = 0;
    if (lft_reader_begin(c, &rd) != LFT_OK) {
        lft_tr_bad++;
        return 0;
    }
    while (lft_reader_next(&rd, &r) == 1) {
        if (lft_tr_n == LFT_TR_MAX || used + r.fields_len > LFT_TR_ARENA) {
            lft_tr_bad++;
            continue;
        }
        if (r.fields_len > 0) {
            memcpy(lft_tr_arena + used, r.fields, r.fields_len);
        }
        r.fields = lft_tr_arena + used;
        used += r.fields_len;
        /* every field must decode */
        lft_field_iter_t it;
        lft_field_t f;
        int rc;
        lft_field_iter_init(&it, &r);
        while ((rc = lft_field_next(&it, &f)) == 1) {
        }
        if (rc != 0) {
            lft_tr_bad++;
        }
        lft_tr_rec[lft_tr_n++] = r;
    }
    (void)lft_reader_end(&rd);
    return lft_tr_n;
}

/* Release every pending record and close the reader: the ring becomes empty. */
static inline void lft_tr_drain(lft_client_t *c)
{
    lft_reader_t rd;
    lft_record_t r;
    if (lft_reader_begin(c, &rd) != LFT_OK) {
        return;
    }
    while (lft_reader_next(&rd, &r) == 1) {
        (void)lft_reader_release(&rd, &r);
    }
    (void)lft_reader_end(&rd);
}

/* The nth (0-based) field of r with tag (0: any tag). Returns 1 when found. */
static inline int lft_tr_field(const lft_record_t *r, int tag, unsigned nth, lft_field_t *out)
{
    lft_field_iter_t it;
    lft_field_iter_init(&it, r);
    while (lft_field_next(&it, out) == 1) {
        if (tag == 0 || (int)out->tag == tag) {
            if (nth-- == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* Number of fields of r with tag (0: all fields). */
static inline unsigned lft_tr_nfields(const lft_record_t *r, int tag)
{
    lft_field_iter_t it;
    lft_field_t f;
    unsigned n = 0;
    lft_field_iter_init(&it, r);
    while (lft_field_next(&it, &f) == 1) {
        n += (tag == 0 || (int)f.tag == tag) ? 1u : 0u;
    }
    return n;
}

static inline int lft_tr_eq(const char *p, uint32_t n, const char *s)
{
    return p != NULL && n == strlen(s) && memcmp(p, s, n) == 0;
}

/* The key/value field of r with tag and key. Returns 1 when found. */
static inline int lft_tr_kv(const lft_record_t *r, int tag, const char *key, lft_field_t *out)
{
    lft_field_iter_t it;
    lft_field_iter_init(&it, r);
    while (lft_field_next(&it, out) == 1) {
        if ((int)out->tag == tag && lft_tr_eq(out->key, out->key_len, key)) {
            return 1;
        }
    }
    return 0;
}

/* 1 when r's NAME field is name. */
static inline int lft_tr_named(const lft_record_t *r, const char *name)
{
    lft_field_t f;
    return lft_tr_field(r, LFT_F_NAME, 0, &f) && lft_tr_eq(f.str, f.str_len, name);
}

/* First record of type (any type when < 0) with serial (any when 0), or NULL. */
static inline const lft_record_t *lft_tr_find(int type, uint32_t serial)
{
    for (size_t i = 0; i < lft_tr_n; i++) {
        if ((type < 0 || (int)lft_tr_rec[i].type == type) &&
            (serial == 0 || lft_tr_rec[i].serial == serial)) {
            return &lft_tr_rec[i];
        }
    }
    return NULL;
}

/* Number of records of type (any when < 0) with serial (any when 0). */
static inline size_t lft_tr_count(int type, uint32_t serial)
{
    size_t n = 0;
    for (size_t i = 0; i < lft_tr_n; i++) {
        if ((type < 0 || (int)lft_tr_rec[i].type == type) &&
            (serial == 0 || lft_tr_rec[i].serial == serial)) {
            n++;
        }
    }
    return n;
}

/* First record of type whose NAME field is name, or NULL. */
static inline const lft_record_t *lft_tr_find_named(int type, const char *name)
{
    for (size_t i = 0; i < lft_tr_n; i++) {
        if ((type < 0 || (int)lft_tr_rec[i].type == type) && lft_tr_named(&lft_tr_rec[i], name)) {
            return &lft_tr_rec[i];
        }
    }
    return NULL;
}

/* Serial of the record of type named name (0 when absent). */
static inline uint32_t lft_tr_serial_of(int type, const char *name)
{
    const lft_record_t *r = lft_tr_find_named(type, name);
    return r != NULL ? r->serial : 0u;
}

/* ---- field assertions (r may be NULL: the check then fails) */

#define LFT_TR_FOUND(found, what)                                              \
    do {                                                                        \
        if (!(found)) {                                                         \
            fprintf(stderr, "%s:%d: missing field %s\n", __FILE__, __LINE__, (what)); \
        }                                                                       \
        LFT_CHECK(found);                                                       \
    } while (0)

/* The nth field with tag is the string want. */
#define LFT_CHECK_FSTR(r, tag, nth, want)                                       \
    do {                                                                        \
        lft_field_t f_;                                                         \
        int found_ = (r) != NULL && lft_tr_field((r), (tag), (nth), &f_);       \
        LFT_TR_FOUND(found_, #tag);                                      \
        if (found_) {                                                           \
            LFT_CHECK_STRN(f_.str, f_.str_len, (want));                         \
        }                                                                       \
    } while (0)

/* The first field with tag has integer value want (f.i). */
#define LFT_CHECK_FINT(r, tag, want)                                            \
    do {                                                                        \
        lft_field_t f_;                                                         \
        int found_ = (r) != NULL && lft_tr_field((r), (tag), 0, &f_);           \
        LFT_TR_FOUND(found_, #tag);                                      \
        if (found_) {                                                           \
            LFT_CHECK_EQ(f_.i, (want));                                         \
        }                                                                       \
    } while (0)

/* The first field with tag has unsigned value want (f.u). */
#define LFT_CHECK_FU(r, tag, want)                                              \
    do {                                                                        \
        lft_field_t f_;                                                         \
        int found_ = (r) != NULL && lft_tr_field((r), (tag), 0, &f_);           \
        LFT_TR_FOUND(found_, #tag);                                      \
        if (found_) {                                                           \
            LFT_CHECK(f_.u == (uint64_t)(want));                                \
        }                                                                       \
    } while (0)

/* The first field with tag is the double want, bit for bit. */
#define LFT_CHECK_FDBL(r, tag, want)                                            \
    do {                                                                        \
        lft_field_t f_;                                                         \
        double w_ = (want);                                                     \
        int found_ = (r) != NULL && lft_tr_field((r), (tag), 0, &f_);           \
        LFT_TR_FOUND(found_, #tag);                                      \
        if (found_) {                                                           \
            LFT_CHECK(memcmp(&f_.d, &w_, sizeof w_) == 0);                      \
        }                                                                       \
    } while (0)

/* Key/value fields: string, integer (f.i), unsigned (f.u), double. */
#define LFT_CHECK_KVSTR(r, tag, key, want)                                      \
    do {                                                                        \
        lft_field_t f_;                                                         \
        int found_ = (r) != NULL && lft_tr_kv((r), (tag), (key), &f_);          \
        LFT_TR_FOUND(found_, (key));                                       \
        if (found_) {                                                           \
            LFT_CHECK_STRN(f_.str, f_.str_len, (want));                         \
        }                                                                       \
    } while (0)

#define LFT_CHECK_KVINT(r, tag, key, want)                                      \
    do {                                                                        \
        lft_field_t f_;                                                         \
        int found_ = (r) != NULL && lft_tr_kv((r), (tag), (key), &f_);          \
        LFT_TR_FOUND(found_, (key));                                       \
        if (found_) {                                                           \
            LFT_CHECK(f_.i == (int64_t)(want));                                 \
        }                                                                       \
    } while (0)

#define LFT_CHECK_KVU(r, tag, key, want)                                        \
    do {                                                                        \
        lft_field_t f_;                                                         \
        int found_ = (r) != NULL && lft_tr_kv((r), (tag), (key), &f_);          \
        LFT_TR_FOUND(found_, (key));                                       \
        if (found_) {                                                           \
            LFT_CHECK(f_.u == (uint64_t)(want));                                \
        }                                                                       \
    } while (0)

#define LFT_CHECK_KVDBL(r, tag, key, want)                                      \
    do {                                                                        \
        lft_field_t f_;                                                         \
        double w_ = (want);                                                     \
        int found_ = (r) != NULL && lft_tr_kv((r), (tag), (key), &f_);          \
        LFT_TR_FOUND(found_, (key));                                       \
        if (found_) {                                                           \
            LFT_CHECK(memcmp(&f_.d, &w_, sizeof w_) == 0);                      \
        }                                                                       \
    } while (0)

#endif /* LFT_TEST_RECORDS_H */
