/*
 * lftrace.h - record LLM observability data (the Langfuse data model) with no heap.
 *
 * Model: a client owns a ring buffer that the caller provides. Every call
 * below validates its arguments, then copies one compact binary record into
 * the ring under the port lock (port/lft_port.h). Nothing is formatted on the
 * caller's path; exporters (transports/) read the records back through the
 * reader in lft_record.h and encode them at flush time.
 *
 * Handles. A trace or observation is an lft_obs_t that the caller allocates
 * (static, stack or inside its own structs). Start functions fill it; it must
 * stay valid and must not be moved until the matching end call. After the
 * end call the handle still names its ids (it can be scored, or used as the
 * parent of late children) but every setter returns LFT_ERR_ENDED.
 *
 * Threads. Any number of threads may record at once. One handle must not be
 * updated or ended by two threads at the same time; using a handle as the
 * parent of children in other threads is fine.
 *
 * Errors. Every function returns LFT_OK or a negative lft_err_t and records
 * nothing when it fails. Strings are UTF-8 and NUL-terminated unless a length
 * is given; invalid UTF-8 is kept and replaced at export. Text values longer
 * than max_field_bytes are cut (at a UTF-8 boundary) and end with
 * LFT_TRUNCATION_MARKER; ids, keys and model names are never cut.
 */
#ifndef LFTRACE_H
#define LFTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "lft_err.h"
#include "lft_options.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LFTRACE_VERSION "0.1.0"

/* ------------------------------------------------------------------ kinds */

/* What an observation is. LFT_KIND_TRACE is the trace itself (its root). */
typedef enum {
    LFT_KIND_TRACE = 0,
    LFT_KIND_SPAN = 1,
    LFT_KIND_GENERATION = 2,
    LFT_KIND_EVENT = 3,
    LFT_KIND_AGENT = 4,
    LFT_KIND_TOOL = 5,
    LFT_KIND_CHAIN = 6,
    LFT_KIND_RETRIEVER = 7,
    LFT_KIND_EVALUATOR = 8,
    LFT_KIND_EMBEDDING = 9,
    LFT_KIND_GUARDRAIL = 10
} lft_kind_t;
#define LFT_KIND_COUNT 11

/* Lowercase Langfuse name of a kind ("generation"); "trace" for the trace;
 * "span" for a value outside lft_kind_t (Langfuse's fallback type). */
const char *lft_kind_name(lft_kind_t kind);

/* Observation level. 0 means "not set" (Langfuse shows DEFAULT). */
typedef enum {
    LFT_LEVEL_UNSET = 0,
    LFT_LEVEL_DEBUG = 1,
    LFT_LEVEL_DEFAULT = 2,
    LFT_LEVEL_WARNING = 3,
    LFT_LEVEL_ERROR = 4
} lft_level_t;

/* Upper-case Langfuse name of a level ("WARNING"), NULL for UNSET. */
const char *lft_level_name(lft_level_t level);

/* A boolean that can also be "not given" (zero). */
typedef enum { LFT_UNSET = 0, LFT_FALSE = 1, LFT_TRUE = 2 } lft_bool_t;

/* ----------------------------------------------------------------- values */

/* Length meaning "NUL-terminated" in lft_content_t and lft_value_t. */
#define LFT_NUL ((size_t)-1)

/* How input/output content is interpreted. */
typedef enum {
    LFT_CONTENT_NONE = 0, /* absent */
    LFT_CONTENT_TEXT = 1, /* plain text, JSON-escaped at export */
    LFT_CONTENT_JSON = 2  /* a JSON document, validated when recorded */
} lft_content_type_t;

/* Input or output content. Build it with the macros below. */
typedef struct {
    const char *ptr;
    size_t len;              /* bytes, or LFT_NUL */
    lft_content_type_t type;
} lft_content_t;

#define LFT_TEXT(s) lft_content_make((s), LFT_NUL, LFT_CONTENT_TEXT)
#define LFT_TEXT_N(p, n) lft_content_make((p), (n), LFT_CONTENT_TEXT)
#define LFT_JSON(s) lft_content_make((s), LFT_NUL, LFT_CONTENT_JSON)
#define LFT_JSON_N(p, n) lft_content_make((p), (n), LFT_CONTENT_JSON)

static inline lft_content_t lft_content_make(const char *p, size_t n, lft_content_type_t t)
{
    lft_content_t c;
    c.ptr = p;
    c.len = n;
    c.type = t;
    return c;
}

/* Type of a typed value in metadata and model parameters. */
typedef enum {
    LFT_VAL_STRING = 1,
    LFT_VAL_INT = 2,
    LFT_VAL_DOUBLE = 3,
    LFT_VAL_BOOL = 4
} lft_val_type_t;

/* One key/value pair of metadata or model parameters. Keys are at most
 * LFT_KEY_MAX bytes and never truncated; string values are truncated like
 * other text. Build entries with the LFT_KV_* macros. */
typedef struct {
    const char *key;
    lft_val_type_t type;
    union {
        const char *s;
        int64_t i;
        double d;
        int b;
    } v;
} lft_kv_t;

/* Initializers for lft_kv_t array elements (static or automatic):
 *     static const lft_kv_t meta[] = { LFT_KV_STR("plan", "pro"), LFT_KV_INT("n", 3) }; */
#define LFT_KV_STR(k, val) { (k), LFT_VAL_STRING, { .s = (val) } }
#define LFT_KV_INT(k, val) { (k), LFT_VAL_INT, { .i = (val) } }
#define LFT_KV_DOUBLE(k, val) { (k), LFT_VAL_DOUBLE, { .d = (val) } }
#define LFT_KV_BOOL(k, val) { (k), LFT_VAL_BOOL, { .b = (val) } }

/* Token usage entry: name ("input", "output", "total" or any custom key) to a
 * non-negative count. Never truncated. */
typedef struct {
    const char *key;
    uint64_t count;
} lft_usage_t;

/* Cost entry: name to a non-negative amount in USD. */
typedef struct {
    const char *key;
    double usd;
} lft_cost_t;

/* ----------------------------------------------------------------- client */

/* What happens when a record does not fit in the ring. */
typedef enum {
    LFT_DROP_NEWEST = 0, /* refuse the new record (LFT_ERR_RING_FULL) */
    LFT_DROP_OLDEST = 1  /* free the oldest unsent records to make room; records of
                            observations still open are moved, never dropped */
} lft_drop_policy_t;

/* Client configuration. Zero every field you do not set (a designated
 * initializer does that): zero always means "the default". Strings are
 * borrowed, not copied: they must outlive the client (literals are fine). */
typedef struct {
    void *ring;                  /* required: caller-owned ring storage */
    size_t ring_size;            /* required: bytes, >= LFT_RING_MIN, < 2^31 */
    uint32_t flush_at;           /* flush when this many observations are pending (64) */
    uint32_t flush_interval_ms;  /* flush when the oldest pending one is this old (5000) */
    uint32_t max_field_bytes;    /* longest text value before truncation (1024, >= 32) */
    lft_drop_policy_t drop_policy;
    double sample_rate;          /* fraction of traces kept, (0, 1]; 0 means 1 */
    const char *environment;     /* default trace environment, [a-z0-9_-]{1,40}, not "langfuse..." */
    const char *release;         /* default trace release */
    const char *version;         /* default trace version */
    const char *service_name;    /* resource service.name ("lftrace" if NULL) */
    const char *service_version; /* resource service.version */
    const char *device_id;       /* resource device id */
} lft_config_t;

/* Counters. Record-side counters are maintained by the core; the transport
 * fields are filled by the exporter (zero until one is attached). */
typedef struct {
    uint32_t recorded;            /* records written to the ring */
    uint32_t dropped_ring_full;   /* refused: no room under the drop policy */
    uint32_t dropped_too_large;   /* refused: larger than the ring or 64 KiB */
    uint32_t dropped_invalid;     /* refused: invalid input (any LFT_ERR_* from a recording call
                                     other than RING_FULL / TOO_LARGE), counted on the client
                                     the call names directly or through a handle; a call that
                                     names no initialised client is not counted anywhere */
    uint32_t dropped_sampled;     /* not recorded because the trace was sampled out */
    uint32_t dropped_overwritten; /* unsent records freed by LFT_DROP_OLDEST */
    uint32_t truncated;           /* text values cut to max_field_bytes */
    uint32_t moved;               /* records of open observations moved forward in the ring */
    uint32_t pending_records;     /* records in the ring not yet released */
    uint32_t pending_bytes;       /* bytes of the ring in use */
    uint32_t ring_size;           /* capacity in bytes */
    uint32_t ring_high_water;     /* most bytes ever in use */
    uint32_t completed;           /* observations that became ready to export (END, EVENT and
                                     SCORE records written, and STARTs whose END was lost);
                                     wraps at 2^32: exporters compare differences */
    /* transport (filled by the exporter, lft_export.h) */
    uint32_t sent;                /* observations sent (each attempt counts) */
    uint32_t acknowledged;        /* observations acknowledged by the server (released); with
                                     LFT_FORMAT_INGESTION an observation still open at a flush
                                     goes out as a create first, and only the event that
                                     completes it counts, here or in dropped_rejected /
                                     dropped_oversize / dropped_retries */
    uint32_t retries;             /* requests repeated after a retryable failure */
    uint32_t requests;            /* HTTP requests whose body was sent completely */
    uint32_t dropped_rejected;    /* observations the server refused for good (4xx, or the one
                                     span that made an OTLP export fail with 400) */
    uint32_t dropped_oversize;    /* observations larger than max_request_bytes alone */
    uint32_t dropped_retries;     /* observations given up after max_attempts failures */
    uint32_t partial_rejected;    /* spans an OTLP partial_success reported as rejected */
    uint32_t maybe_duplicated;    /* observations sent again after a reply was lost (the server
                                     may have stored the first copy) */
    uint32_t handshakes_full;
    uint32_t handshakes_resumed;
    uint32_t handshakes_failed;   /* TLS connections that failed before or during the handshake
                                     (TCP errors and certificate refusals included) */
    uint64_t bytes_sent;          /* HTTP request bytes (head and body) handed to the stream */
    int32_t last_error;           /* last transport error (lft_err_t), 0 if none */
    uint16_t last_status;         /* HTTP status of the last reply, 0 if none */
} lft_stats_t;

/* Moved STARTs the client remembers, so that finding one is a lookup
 * (lft_client_t.moved_*; internal). */
#define LFT_CLIENT_MOVED_SLOTS 4u

/* The client. Allocate it statically or on the heap of your choice; its
 * fields are private. */
typedef struct lft_client {
    uint32_t magic;
    uint32_t instance;
    lft_config_t cfg;
    /* ring */
    uint8_t *buf;
    uint32_t cap, head, tail, used;
    uint32_t head_abs, tail_abs;
    uint8_t reading;
    /* ids */
    uint64_t key_span, key_trace_hi, key_trace_lo;
    uint32_t next_serial;
    uint32_t next_seq;
    uint64_t sample_threshold;
    /* time */
    uint64_t epoch_mono_us;      /* monotonic time at init: records store offsets from it */
    uint64_t wall_at_epoch_us;   /* Unix time at epoch_mono_us; 0 = unknown */
    lft_stats_t stats;
    /* the STARTs the ring moved last (lft_ring.c): serial and absolute
     * position, slot moved_next % LFT_CLIENT_MOVED_SLOTS next */
    uint32_t moved_serial[LFT_CLIENT_MOVED_SLOTS];
    uint32_t moved_pos[LFT_CLIENT_MOVED_SLOTS];
    uint32_t moved_next;
    /* scratch of the record writer (lft_obs.c): used only while the port
     * lock is held, never across calls */
    struct lft_wr {
        uint8_t *buf;
        uint32_t len, room, max_text, truncated;
    } wr;
} lft_client_t;

/*
 * Initialise client with cfg. Seeds the id generator from the port's
 * entropy, samples the wall clock from the port (if it knows it) and takes
 * ownership of cfg->ring until lft_client_deinit.
 * Errors: LFT_ERR_ARG (NULL), LFT_ERR_CONFIG (ring missing or smaller than
 * LFT_RING_MIN or >= 2^31, max_field_bytes below LFT_FIELD_MIN, sample_rate
 * outside [0,1], unknown drop policy, invalid environment), LFT_ERR_ENTROPY.
 * Not thread-safe with respect to other calls on the same client.
 */
lft_err_t lft_client_init(lft_client_t *client, const lft_config_t *cfg);

/*
 * Forget the ring; later calls with this client or its handles fail with
 * LFT_ERR_HANDLE (or LFT_ERR_FOREIGN after a new init). Unsent records are
 * lost; flush first. No other thread may use the client during the call.
 */
lft_err_t lft_client_deinit(lft_client_t *client);

/* Copy the counters into out. Errors: LFT_ERR_ARG, LFT_ERR_HANDLE. */
lft_err_t lft_client_stats(lft_client_t *client, lft_stats_t *out);

/* ------------------------------------------------------------------- time */

/*
 * Tell the client the current wall-clock time (microseconds since the Unix
 * epoch, e.g. from SNTP). Records made before the call, even those made
 * before the time was known, export with correct wall times, because records
 * carry monotonic offsets. May be called again to correct drift.
 * Errors: LFT_ERR_ARG (NULL, or a time before 2020-01-01), LFT_ERR_HANDLE.
 */
lft_err_t lft_time_set_unix_us(lft_client_t *client, uint64_t unix_us);

/* Same as lft_time_set_unix_us with seconds. */
lft_err_t lft_time_set_unix_s(lft_client_t *client, uint64_t unix_s);

/*
 * Convert a record's monotonic offset (lft_record_t.time_us) to Unix
 * microseconds. Errors: LFT_ERR_NO_WALL_CLOCK while the date is unknown
 * (nothing is ever stamped 1970), LFT_ERR_ARG, LFT_ERR_HANDLE.
 */
lft_err_t lft_time_to_unix_us(const lft_client_t *client, int64_t offset_us, uint64_t *unix_us);

/* ---------------------------------------------------------------- handles */

/* A trace or observation handle. Zero-initialise it (LFT_OBS_INIT) before a
 * start call; its fields are private. */
typedef struct lft_obs {
    lft_client_t *client;
    struct lft_obs *ctx_prev;   /* previous current observation of this thread */
    uint32_t magic;
    uint32_t instance;
    uint32_t serial;
    uint32_t trace_serial;
    uint32_t parent_serial;
    uint32_t start_abs;         /* ring position of the start record (a hint) */
    uint8_t kind;
    uint8_t state;
    uint8_t flags;
} lft_obs_t;

/* A trace is the root observation of its tree: same handle type. */
typedef lft_obs_t lft_trace_t;

#define LFT_OBS_INIT { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/* Length of lowercase hex ids written by lft_obs_trace_id_hex / span_id_hex. */
#define LFT_TRACE_ID_HEX_LEN 32
#define LFT_SPAN_ID_HEX_LEN 16

/*
 * Ids of a started (or ended) handle: the 16-byte W3C trace id and the 8-byte
 * span id (a trace's span id is the id of its root span). Never all zero.
 * Errors: LFT_ERR_ARG, LFT_ERR_HANDLE, LFT_ERR_FOREIGN.
 */
lft_err_t lft_obs_trace_id(const lft_obs_t *obs, uint8_t out[16]);
lft_err_t lft_obs_span_id(const lft_obs_t *obs, uint8_t out[8]);

/* Write "00-<trace>-<span>-01" (55 chars + NUL) for a W3C traceparent header.
 * Errors: as lft_obs_trace_id; LFT_ERR_ARG when cap < 56. */
lft_err_t lft_obs_traceparent(const lft_obs_t *obs, char *out, size_t cap);

/* ----------------------------------------------------------------- traces */

/* Trace fields. Zero fields are "not given". On update, a given field
 * replaces the previous value; metadata entries and tags accumulate. */
typedef struct {
    const char *name;           /* on update: rename (truncated like text) */
    const char *user_id;        /* id: at most LFT_ID_MAX bytes */
    const char *session_id;     /* id: at most LFT_ID_MAX bytes */
    const lft_kv_t *metadata;
    size_t metadata_count;
    const char *const *tags;    /* each at most LFT_KEY_MAX bytes */
    size_t tags_count;
    lft_content_t input;
    lft_content_t output;
    const char *release;        /* overrides lft_config_t.release */
    const char *version;        /* overrides lft_config_t.version */
    const char *environment;    /* overrides lft_config_t.environment; same rule */
    lft_bool_t is_public;
    uint64_t timestamp_unix_us; /* start: the trace's start time instead of now;
                                   end: its end time instead of now */
} lft_trace_opts_t;

/*
 * Start a trace named name (not NULL) in trace (zero-initialised). opts may
 * be NULL. The trace's environment, release and version default to the
 * client config. If the client samples and this trace is not kept, the call
 * returns LFT_OK, records nothing and every call on the trace and its
 * children returns LFT_OK while counting dropped_sampled.
 * Errors: LFT_ERR_ARG (NULL client/trace/name, bad opts), LFT_ERR_HANDLE
 * (client not initialised), LFT_ERR_TOO_LONG, LFT_ERR_JSON, LFT_ERR_RING_FULL,
 * LFT_ERR_TOO_LARGE.
 */
lft_err_t lft_trace_start(lft_client_t *client, lft_trace_t *trace, const char *name,
                          const lft_trace_opts_t *opts);

/* Update fields of an open trace. Errors: as lft_trace_start, plus
 * LFT_ERR_HANDLE / LFT_ERR_FOREIGN / LFT_ERR_ENDED / LFT_ERR_KIND (not a trace). */
lft_err_t lft_trace_update(lft_trace_t *trace, const lft_trace_opts_t *opts);

/* End an open trace, optionally setting final fields (opts may be NULL).
 * Errors: as lft_trace_update. */
lft_err_t lft_trace_end(lft_trace_t *trace, const lft_trace_opts_t *opts);

/* ----------------------------------------------------------- observations */

/* Observation fields. Zero fields are "not given". The generation fields
 * (model .. prompt_version) are accepted on every kind except span, event
 * and trace (LFT_ERR_KIND); the prompt fields only on generations. */
typedef struct {
    lft_content_t input;
    lft_content_t output;
    const lft_kv_t *metadata;
    size_t metadata_count;
    lft_level_t level;
    const char *status_message;
    const char *version;
    uint64_t time_unix_us;       /* start call: start time; end call: end time (default: now) */
    /* generation */
    const char *model;           /* at most LFT_ID_MAX bytes, never truncated */
    const lft_kv_t *model_parameters;
    size_t model_parameters_count;
    const lft_usage_t *usage;
    size_t usage_count;
    const lft_cost_t *cost;
    size_t cost_count;
    uint64_t completion_start_unix_us;
    const char *prompt_name;     /* at most LFT_ID_MAX bytes; requires prompt_version */
    uint32_t prompt_version;     /* >= 1; requires prompt_name */
} lft_obs_opts_t;

/*
 * Start an observation of kind (anything but LFT_KIND_TRACE and
 * LFT_KIND_EVENT) named name under parent, a trace or another observation of
 * the same client (open or ended). parent NULL means the calling thread's
 * current observation (lft_context_current); none gives LFT_ERR_NO_CONTEXT.
 * opts may be NULL.
 * Errors: LFT_ERR_ARG, LFT_ERR_HANDLE, LFT_ERR_FOREIGN, LFT_ERR_KIND,
 * LFT_ERR_NO_CONTEXT, LFT_ERR_JSON, LFT_ERR_PROMPT, LFT_ERR_TOO_LONG,
 * LFT_ERR_RING_FULL, LFT_ERR_TOO_LARGE.
 */
lft_err_t lft_obs_start(lft_obs_t *obs, lft_obs_t *parent, lft_kind_t kind, const char *name,
                        const lft_obs_opts_t *opts);

/* lft_obs_start with kind SPAN / GENERATION. */
lft_err_t lft_span_start(lft_obs_t *obs, lft_obs_t *parent, const char *name,
                         const lft_obs_opts_t *opts);
lft_err_t lft_generation_start(lft_obs_t *obs, lft_obs_t *parent, const char *name,
                               const lft_obs_opts_t *opts);

/* Update fields of an open observation. Errors: as lft_obs_start, plus
 * LFT_ERR_ENDED; LFT_ERR_KIND for a trace handle. */
lft_err_t lft_obs_update(lft_obs_t *obs, const lft_obs_opts_t *opts);

/* Record "the first token arrived now" on an open generation (its
 * completion start time). Errors: as lft_obs_update; LFT_ERR_KIND unless
 * the kind takes generation fields. */
lft_err_t lft_generation_first_token(lft_obs_t *obs);

/* End an open observation (now, or at opts->time_unix_us), optionally setting
 * final fields. Errors: as lft_obs_update. */
lft_err_t lft_obs_end(lft_obs_t *obs, const lft_obs_opts_t *opts);

/*
 * Record an event: a point-in-time observation named name under parent
 * (NULL: the current observation). Generation fields give LFT_ERR_KIND.
 * Errors: as lft_obs_start.
 */
lft_err_t lft_event(lft_obs_t *parent, const char *name, const lft_obs_opts_t *opts);

/*
 * Names by reference: the fastest recording calls, for names that are
 * string literals. The record holds a pointer to the name instead of its
 * bytes (fewer instructions, 2 + sizeof(char *) ring bytes whatever the
 * length); exporters read the name through the pointer when they send it.
 * name must be NUL-terminated with len == strlen(name) <= LFT_NAME_REF_MAX
 * and stay unchanged at that address as long as the client is initialised:
 * a literal, or a constant table in flash (on a hosted system, of code that
 * is not unloaded, dlclose, before the client is deinitialised). Use them through LFT_SPAN_START,
 * LFT_GENERATION_START and LFT_EVENT, which only accept a string literal of
 * at most LFT_NAME_REF_MAX bytes (anything else does not compile) and pass
 * its length. Otherwise they behave as lft_span_start, lft_generation_start
 * and lft_event without options (same errors and counters); a name whose
 * len does not match, or a call the fast path cannot take (the ring must
 * wrap or make room), records a copy of the name instead.
 */
#define LFT_NAME_REF_MAX 127u

lft_err_t lft_span_start_ref(lft_obs_t *obs, lft_obs_t *parent, const char *name, size_t len);
lft_err_t lft_generation_start_ref(lft_obs_t *obs, lft_obs_t *parent, const char *name, size_t len);
lft_err_t lft_event_ref(lft_obs_t *parent, const char *name, size_t len);

/* The length of string literal lit, which must be at most LFT_NAME_REF_MAX
 * bytes: a compile-time constant; "" lit "" refuses anything but a literal. */
#define LFT_LITERAL_LEN(lit) \
    (sizeof(char[sizeof("" lit "") <= LFT_NAME_REF_MAX + 1u ? 1 : -1]) * (sizeof(lit) - 1u))

#define LFT_SPAN_START(obs, parent, lit) \
    lft_span_start_ref((obs), (parent), "" lit "", LFT_LITERAL_LEN(lit))
#define LFT_GENERATION_START(obs, parent, lit) \
    lft_generation_start_ref((obs), (parent), "" lit "", LFT_LITERAL_LEN(lit))
#define LFT_EVENT(parent, lit) lft_event_ref((parent), "" lit "", LFT_LITERAL_LEN(lit))

/* ----------------------------------------------------------------- scores */

/* Score data type. UNSET infers: string_value given -> CATEGORICAL, else NUMERIC. */
typedef enum {
    LFT_SCORE_UNSET = 0,
    LFT_SCORE_NUMERIC = 1,
    LFT_SCORE_BOOLEAN = 2,     /* value must be 0 or 1 */
    LFT_SCORE_CATEGORICAL = 3  /* string_value required */
} lft_score_type_t;

/* A score. Exactly one target: an observation or trace handle (target,
 * open or ended) or a session id. */
typedef struct {
    const char *name;           /* required, at most LFT_ID_MAX bytes */
    lft_score_type_t data_type;
    double value;               /* NUMERIC / BOOLEAN; must be finite */
    const char *string_value;   /* CATEGORICAL; truncated like text */
    const char *comment;
    const char *id;             /* optional idempotency key, at most LFT_ID_MAX bytes */
    const lft_obs_t *target;    /* a trace (score the trace) or an observation */
    const char *session_id;     /* or a session */
} lft_score_t;

/* Record a score. Errors: LFT_ERR_ARG (missing name, no or two targets, type
 * mismatch, non-finite value, boolean not 0/1), LFT_ERR_HANDLE,
 * LFT_ERR_FOREIGN, LFT_ERR_TOO_LONG, LFT_ERR_RING_FULL, LFT_ERR_TOO_LARGE. */
lft_err_t lft_score(lft_client_t *client, const lft_score_t *score);

/* --------------------------------------------------------------- context */

/* The calling thread's current observation, or NULL. */
lft_obs_t *lft_context_current(void);

/* The trace at the root of the calling thread's context stack, or NULL. */
lft_obs_t *lft_context_trace(void);

/* Make obs (started, open) the calling thread's current observation.
 * Errors: LFT_ERR_ARG, LFT_ERR_HANDLE, LFT_ERR_ENDED, LFT_ERR_CONTEXT (already current). */
lft_err_t lft_context_push(lft_obs_t *obs);

/* Restore the observation that was current before obs was pushed.
 * Errors: LFT_ERR_ARG, LFT_ERR_CONTEXT (obs is not the current observation). */
lft_err_t lft_context_pop(lft_obs_t *obs);

/*
 * The C counterpart of Langfuse's @observe: start an observation of kind as
 * a child of the current observation and make it current. With no current
 * observation it starts a trace named name instead (kind is then ignored),
 * as @observe does for the outermost function. Pair with lft_observe_end, or
 * use LFT_OBSERVE, which ends it when the scope exits.
 * Errors: as lft_obs_start / lft_trace_start.
 */
lft_err_t lft_observe_begin(lft_client_t *client, lft_obs_t *obs, lft_kind_t kind,
                            const char *name, const lft_obs_opts_t *opts);

/* End obs (trace or observation) and pop it from the context. opts may be
 * NULL. Errors: LFT_ERR_CONTEXT if obs is not current, else as lft_obs_end. */
lft_err_t lft_observe_end(lft_obs_t *obs, const lft_obs_opts_t *opts);

/* Scope cleanup used by LFT_OBSERVE: ends obs if it is still open. */
void lft_observe_cleanup(lft_obs_t *obs);

#if defined(__GNUC__) || defined(__clang__)
/*
 * LFT_OBSERVE(client, var, kind, name): declare handle var, begin it with
 * lft_observe_begin, and end it automatically when the enclosing scope exits
 * (return, break, goto). End it earlier with lft_observe_end to pass final
 * fields; the cleanup then does nothing. gcc and clang only; other compilers
 * call lft_observe_begin / lft_observe_end.
 */
#define LFT_OBSERVE(client, var, kind, name)                                   \
    lft_obs_t var __attribute__((cleanup(lft_observe_cleanup))) = LFT_OBS_INIT; \
    (void)lft_observe_begin((client), &var, (kind), (name), NULL)
#endif

/* True when obs was started and has not ended. */
int lft_obs_is_open(const lft_obs_t *obs);

#ifdef __cplusplus
}
#endif
#endif /* LFTRACE_H */
