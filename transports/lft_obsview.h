/*
 * lft_obsview.h - the merged view of one observation's records in a reader
 * snapshot: its START, its UPDATEs in sequence order and its END, with
 * "later value wins" lookups. For encoders that turn records into one
 * event or span (lft_ingest.c).
 *
 * Merge rule (the one lft_record.h prescribes): start fields first, then
 * the updates by sequence number (serial-number arithmetic: moves can change
 * their order in the ring), end fields last. A field is overridden by a
 * later field of the same class (same tag up to its value type: INPUT_TEXT
 * and INPUT_JSON are one class, META_STR/INT/DOUBLE/BOOL are one, and so
 * are PARAM_*, COMPLETION_START*) with the same key (kv tags); tags
 * (LFT_F_TAG) accumulate, a tag being overridden only by a later equal tag
 * (so each distinct tag is seen once).
 *
 * A view holds decoded records, whose pointers point into the ring: it is
 * valid while the reader it was built from is open. Views are large (about
 * 2 KB): keep them static or in a caller's long-lived state, not on small
 * stacks. No heap; thread-safe on distinct views (the reader's rules apply).
 */
#ifndef LFT_OBSVIEW_H
#define LFT_OBSVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "lft_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most UPDATE records of one observation a view applies. */
#define LFT_OBSVIEW_MAX_UPDATES 32u

typedef struct {
    lft_record_t rec[LFT_OBSVIEW_MAX_UPDATES + 2u]; /* oldest first */
    size_t n;
    uint8_t has_start; /* rec[0] is the START */
    uint8_t has_end;   /* rec[n - 1] is the END */
} lft_obsview_t;

/*
 * Fill v with the records of observation serial in reader's open snapshot:
 * when with_start, the START at absolute position start_pos (skipped when
 * that is not a record of the snapshot); its UPDATEs, the first
 * LFT_OBSVIEW_MAX_UPDATES of them in snapshot order, sorted by sequence
 * number; when with_end, its END. Records of an ended observation are never
 * moved, so with_end stops the scan at the END; without it the whole
 * snapshot is scanned. Returns 1 when the START was loaded. O(records).
 * v and reader must not be NULL.
 */
int lft_obsview_build(lft_obsview_t *v, lft_reader_t *reader, uint32_t serial, int with_start,
                      uint32_t start_pos, int with_end);

/* Class of a tag for "later value wins" (see above): the tag itself, or the
 * first tag of its class (LFT_F_INPUT_TEXT, LFT_F_OUTPUT_TEXT,
 * LFT_F_META_STR, LFT_F_PARAM_STR, LFT_F_COMPLETION_START). */
lft_field_tag_t lft_obsview_class(lft_field_tag_t tag);

/* Is field f, decoded from v->rec[i], overridden by a field of a later
 * record of v? */
int lft_obsview_overridden(const lft_obsview_t *v, size_t i, const lft_field_t *f);

/* The winning (last) field of tag's class into *out. Returns 1 when there is
 * one, 0 when no record of v has that class (out untouched). */
int lft_obsview_get(const lft_obsview_t *v, lft_field_tag_t tag, lft_field_t *out);

/* Iterates the winning fields of a view, oldest record first. */
typedef struct {
    const lft_obsview_t *v;
    size_t i;
    lft_field_iter_t it;
} lft_obsview_iter_t;

/* Start iterating v's winning fields. */
void lft_obsview_iter_init(lft_obsview_iter_t *it, const lft_obsview_t *v);

/* The next field that no later record overrides, of class cls (a value of
 * lft_obsview_class), or of any class when cls is 0. Returns 1, or 0 at the
 * end. Malformed fields end a record's fields (never for records written by
 * this library). */
int lft_obsview_next(lft_obsview_iter_t *it, lft_field_tag_t cls, lft_field_t *f);

/* Unix microseconds of rec's time: its LFT_F_TIME_UNIX field (a time the
 * caller gave), else its monotonic time converted with lft_time_to_unix_us;
 * 0 while the client does not know the date. */
uint64_t lft_obsview_time_unix(const lft_client_t *client, const lft_record_t *rec);

#ifdef __cplusplus
}
#endif
#endif /* LFT_OBSVIEW_H */
