/*
 * lft_record.h - the binary record format in the ring, and the reader that
 * exporters and tests use to decode it.
 *
 * Record layout (multi-byte integers are little-endian). The body starts
 * with fixed-width integers, u32 and i64 (times): one store each on the
 * record path where unaligned access is allowed. Field values use "v", an
 * unsigned LEB128 varint, and "z", a zigzag varint.
 *
 *   u16 len       whole record, header included
 *   u8  type      record type (high nibble) | observation kind (low nibble)
 *   u8  flags     LFT_RECF_*
 *   body          depends on the type:
 *     START   u32 serial, u32 parent, u32 trace, i64 time, fields
 *             (a trace: parent 0, trace = serial)
 *     UPDATE  u32 serial, u32 seq, u32 start, fields
 *             (start: the absolute position of its START when it was
 *             written, a hint for finding it; LFT_RECF_ORPHAN when the
 *             START was no longer in the ring)
 *     END     u32 serial, i64 time, [u32 parent, u32 trace if LFT_RECF_ORPHAN], fields
 *     EVENT   u32 serial, u32 parent, u32 trace, i64 time, fields
 *     SCORE   u32 serial, u32 trace, u32 observation (0 = the trace), i64 time, fields
 *   fields    a sequence of (u8 tag, value) until the end of the record; the
 *             value encoding is fixed by the tag (see lft_field_tag_t).
 *
 * "time" is microseconds since the client's monotonic epoch; convert with
 * lft_time_to_unix_us. Serials name observations within one client; their
 * wire ids come from lft_client_span_id / lft_client_trace_id.
 *
 * Records never straddle the end of the ring: a PAD record (or, when fewer
 * than 4 bytes remain, nothing) fills the gap and the next record starts at 0.
 *
 * Lifecycle. A record is pending until an exporter releases it. Releasing
 * marks it done; lft_reader_end then frees done records from the tail. A
 * start or update record of an observation that is still open is moved to
 * the head (flagged LFT_RECF_MOVED, at a new position) instead of blocking
 * the tail, so a long-open trace neither pins the ring nor loses its start
 * data; lft_reader_end moves such records only when a released record (or
 * pad) behind them can then be freed. LFT_DROP_OLDEST moves them too, and
 * frees the oldest pending records of ended observations instead, never
 * the records of open ones. Updates carry a client-wide sequence number
 * because moves can change their order in the ring: apply them in seq order
 * (serial-number arithmetic), start fields first, end fields last.
 */
#ifndef LFT_RECORD_H
#define LFT_RECORD_H

#include <stdint.h>

#include "lftrace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Record types (high nibble of the type byte). */
typedef enum {
    LFT_REC_PAD = 0,
    LFT_REC_START = 1,
    LFT_REC_UPDATE = 2,
    LFT_REC_END = 3,
    LFT_REC_EVENT = 4,
    LFT_REC_SCORE = 5
} lft_rec_type_t;

/* Record flags. */
#define LFT_RECF_DONE 0x01u   /* released by the reader; free to reclaim */
#define LFT_RECF_ENDED 0x02u  /* START only: the observation has ended */
#define LFT_RECF_MOVED 0x04u  /* this copy was moved forward from the tail */
#define LFT_RECF_ORPHAN 0x08u /* END, UPDATE: its START was no longer in the ring */
#define LFT_RECF_END_LOST 0x10u /* START only: ended, but the END record was refused
                                   (ring full): export it without end fields */
#define LFT_RECF_SENT 0x20u   /* START only: its create event was acknowledged (ingestion
                                 exporter, lft_reader_mark_sent); the START stays while the
                                 observation is open and keeps the flag when it is moved */

#define LFT_REC_HDR 4u

/* Field tags and their value encodings:
 *   str   v length, bytes
 *   kv    str key, then the value (str | z int | f64 | u8 bool) per tag
 *   f64   8 bytes, IEEE-754 little-endian
 */
typedef enum {
    LFT_F_NAME = 1,            /* str */
    LFT_F_INPUT_TEXT = 2,      /* str */
    LFT_F_INPUT_JSON = 3,      /* str, valid JSON */
    LFT_F_OUTPUT_TEXT = 4,     /* str */
    LFT_F_OUTPUT_JSON = 5,     /* str, valid JSON */
    LFT_F_META_STR = 6,        /* kv str */
    LFT_F_META_INT = 7,        /* kv z */
    LFT_F_META_DOUBLE = 8,     /* kv f64 */
    LFT_F_META_BOOL = 9,       /* kv u8 */
    LFT_F_LEVEL = 10,          /* u8 lft_level_t */
    LFT_F_STATUS = 11,         /* str */
    LFT_F_VERSION = 12,        /* str */
    LFT_F_TIME_UNIX = 13,      /* v: Unix microseconds given by the caller (start or end) */
    LFT_F_MODEL = 14,          /* str */
    LFT_F_PARAM_STR = 15,      /* kv str */
    LFT_F_PARAM_INT = 16,      /* kv z */
    LFT_F_PARAM_DOUBLE = 17,   /* kv f64 */
    LFT_F_PARAM_BOOL = 18,     /* kv u8 */
    LFT_F_USAGE = 19,          /* kv v */
    LFT_F_COST = 20,           /* kv f64 */
    LFT_F_COMPLETION_START = 21,      /* z: monotonic offset, like record times */
    LFT_F_COMPLETION_START_UNIX = 22, /* v: Unix microseconds given by the caller */
    LFT_F_PROMPT_NAME = 23,    /* str */
    LFT_F_PROMPT_VERSION = 24, /* v */
    LFT_F_USER_ID = 25,        /* str */
    LFT_F_SESSION_ID = 26,     /* str */
    LFT_F_TAG = 27,            /* str */
    LFT_F_RELEASE = 28,        /* str */
    LFT_F_ENVIRONMENT = 29,    /* str */
    LFT_F_PUBLIC = 30,         /* u8 0/1 */
    LFT_F_SCORE_TYPE = 31,     /* u8 lft_score_type_t (never UNSET: inferred when recorded) */
    LFT_F_SCORE_VALUE = 32,    /* f64 */
    LFT_F_SCORE_STRING = 33,   /* str */
    LFT_F_COMMENT = 34,        /* str */
    LFT_F_SCORE_ID = 35,       /* str */
    LFT_F_NAME_REF = 36        /* u8 length, a const char * (native): the name by reference
                                  (lft_span_start_ref); lft_field_next returns it as
                                  LFT_F_NAME */
} lft_field_tag_t;

/* A decoded record. Pointers point into the ring and stay valid until
 * lft_reader_end. */
typedef struct {
    lft_rec_type_t type;
    lft_kind_t kind;
    uint8_t flags;
    uint16_t len;           /* bytes in the ring */
    uint32_t pos;           /* absolute ring position (identifies the record) */
    uint32_t serial;        /* observation (or score) serial */
    uint32_t parent;        /* START, EVENT, orphan END: parent serial (0: none) */
    uint32_t trace;         /* START, EVENT, SCORE, orphan END: trace serial */
    uint32_t observation;   /* SCORE: observation serial, 0 when scoring the trace */
    uint32_t seq;           /* UPDATE: sequence number */
    uint32_t start;         /* UPDATE: its START's position when written (a hint) */
    int64_t time_us;        /* START, END, EVENT, SCORE: monotonic offset */
    const uint8_t *fields;
    uint32_t fields_len;
} lft_record_t;

/* A decoded field. */
typedef struct {
    lft_field_tag_t tag;
    const char *key;        /* kv tags */
    uint32_t key_len;
    const char *str;        /* str values */
    uint32_t str_len;
    int64_t i;              /* z / u8 values, and v values that fit */
    uint64_t u;             /* v values */
    double d;               /* f64 values */
} lft_field_t;

/* Iterates the fields of one record. */
typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} lft_field_iter_t;

/* Start iterating rec's fields. */
void lft_field_iter_init(lft_field_iter_t *it, const lft_record_t *rec);

/* Decode the next field into f. Returns 1 when a field was decoded, 0 at the
 * end, LFT_ERR_ARG when the bytes are malformed (never for records written
 * by this library; the check guards readers against corruption, except for
 * the pointer of a LFT_F_NAME_REF, which cannot be checked). */
int lft_field_next(lft_field_iter_t *it, lft_field_t *f);

/* A record reader: one per client at a time. */
typedef struct {
    lft_client_t *client;
    uint32_t begin;     /* tail position when the snapshot was taken */
    uint32_t pos;       /* next absolute position to read */
    uint32_t end;       /* head position when the snapshot was taken */
    uint32_t released;  /* records released during this pass */
} lft_reader_t;

/*
 * Open a reader on a snapshot of the ring: the records present now. While
 * it is open, LFT_DROP_OLDEST cannot free records (new records that do not
 * fit are refused and counted as ring full), so the snapshot stays valid.
 * Errors: LFT_ERR_ARG, LFT_ERR_HANDLE, LFT_ERR_BUSY (another reader is open,
 * or another thread's lft_reader_end is still reclaiming).
 */
lft_err_t lft_reader_begin(lft_client_t *client, lft_reader_t *reader);

/* Decode the next pending record of the snapshot into rec (skipping pads
 * and released records). Returns 1, or 0 when the snapshot is exhausted. */
int lft_reader_next(lft_reader_t *reader, lft_record_t *rec);

/* A second cursor over reader's snapshot, at its first record: calling
 * lft_reader_next on it walks the snapshot again without moving reader
 * (exporters look records up while they read). Release and mark records
 * through reader itself; the cursor needs no lft_reader_end. */
void lft_reader_rewind(const lft_reader_t *reader, lft_reader_t *cursor);

/* The pending START record of serial in reader's snapshot, read with a
 * cursor (O(records)): 1 with *out filled, or 0. */
int lft_reader_find_start(const lft_reader_t *reader, uint32_t serial, lft_record_t *out);

/* Decode the record at absolute position pos, a position an earlier
 * lft_reader_next of this reader returned (lft_record_t.pos). Lets exporters
 * revisit records of the snapshot without copying them; the flags are read
 * again (a producer may have ended the observation since).
 * Errors: LFT_ERR_ARG (no reader, or pos outside the snapshot or not a
 * record). */
lft_err_t lft_reader_at(lft_reader_t *reader, uint32_t pos, lft_record_t *rec);

/* Mark rec (from this reader) as delivered: it will be freed. Releasing a
 * record of a still-open observation is allowed (it is then gone; its END
 * will be an orphan). Releasing twice is harmless.
 * Errors: LFT_ERR_ARG (NULL, reader closed, or rec not a record of this
 * reader's snapshot as lft_reader_next returned it: its position, length,
 * type, kind and serial are checked against the ring, so nothing else is
 * touched). */
lft_err_t lft_reader_release(lft_reader_t *reader, const lft_record_t *rec);

/*
 * Remember that the create event of rec's observation was delivered: set
 * LFT_RECF_SENT on rec, a START record of this reader's snapshot, under the
 * port lock. The record is not released (it stays pending, and is moved
 * like any record of an open observation, flag included); a later reader
 * sees the flag in lft_record_t.flags. Marking twice, or marking a released
 * record, is harmless. Call it from the thread that owns the reader.
 * Errors: LFT_ERR_ARG (NULL, reader closed, rec not a record of this
 * reader's snapshot as lft_reader_next returned it (as for
 * lft_reader_release), or not a START).
 */
lft_err_t lft_reader_mark_sent(lft_reader_t *reader, const lft_record_t *rec);

/* Is the observation of rec ended, i.e. will no more records of it come?
 * START: its LFT_RECF_ENDED flag, read now (rec.flags is from the time of
 * lft_reader_next). UPDATE: the ENDED flag of its START, wherever moves put
 * it; 1 when its START is no longer in the ring. END, EVENT, SCORE: 1.
 * An exporter that releases exactly the records for which this is 1 lets
 * the ring move the rest. 0 when rec is not in the open reader's snapshot.
 * An UPDATE's START is found at its hint or, once moved, in the client's
 * table of moved STARTs (lft_ring_find_start): O(records) only when more
 * observations were moved since than the table holds. */
int lft_reader_is_ended(lft_reader_t *reader, const lft_record_t *rec);

/*
 * Close the reader and reclaim: free released records (and pads) from the
 * tail and move the records of still-open observations found there to the
 * head, until a pending record of an ended observation (waiting for export)
 * is reached. Runs one record per critical section; another reader cannot
 * begin until it returns. Returns the bytes it freed net of the pads its
 * moves had to add at the end of the buffer: the drop in pending_bytes it
 * caused (0 if none).
 */
uint32_t lft_reader_end(lft_reader_t *reader);

/* Wire ids of a serial (see lft_obs_trace_id). Errors: LFT_ERR_ARG. */
lft_err_t lft_client_span_id(const lft_client_t *client, uint32_t serial, uint8_t out[8]);
lft_err_t lft_client_trace_id(const lft_client_t *client, uint32_t trace_serial, uint8_t out[16]);

#ifdef __cplusplus
}
#endif
#endif /* LFT_RECORD_H */
