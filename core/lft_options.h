/*
 * lft_options.h - compile-time options that shape lftrace's memory.
 *
 * Override any of them with -D on the compiler command line, or put your
 * overrides in a header and build with -DLFT_OPTIONS_FILE='"my_opts.h"'.
 * Everything that does not shape memory is a runtime option in lft_config_t.
 */
#ifndef LFT_OPTIONS_H
#define LFT_OPTIONS_H

#ifdef LFT_OPTIONS_FILE
#include LFT_OPTIONS_FILE
#endif

/* Longest id-like string accepted (user id, session id, score id, model name,
 * prompt name). These are never truncated: a longer value is refused with
 * LFT_ERR_TOO_LONG. Langfuse accepts ids up to 800 characters. */
#ifndef LFT_ID_MAX
#define LFT_ID_MAX 200u
#endif

/* Longest key of a metadata, model-parameter, usage or cost entry. Longer
 * keys are refused with LFT_ERR_TOO_LONG (keys are never truncated). */
#ifndef LFT_KEY_MAX
#define LFT_KEY_MAX 64u
#endif

/* Deepest JSON nesting accepted for JSON input, output and metadata values.
 * The validator uses one bit of stack per level. */
#ifndef LFT_JSON_DEPTH_MAX
#define LFT_JSON_DEPTH_MAX 64u
#endif

/* Defaults for the runtime options in lft_config_t (used when a field is 0). */
#ifndef LFT_DEFAULT_FLUSH_AT
#define LFT_DEFAULT_FLUSH_AT 64u
#endif
#ifndef LFT_DEFAULT_FLUSH_INTERVAL_MS
#define LFT_DEFAULT_FLUSH_INTERVAL_MS 5000u
#endif
#ifndef LFT_DEFAULT_MAX_FIELD_BYTES
#define LFT_DEFAULT_MAX_FIELD_BYTES 1024u
#endif

/* Smallest ring accepted by lft_client_init. */
#define LFT_RING_MIN 256u
/* Smallest max_field_bytes accepted (room for the truncation marker). */
#define LFT_FIELD_MIN 32u
/* Largest single record (the record header stores a 16-bit length). */
#define LFT_RECORD_MAX 65535u

/* Appended to a truncated text value (it counts toward max_field_bytes). */
#define LFT_TRUNCATION_MARKER "...[truncated]"

#endif /* LFT_OPTIONS_H */
