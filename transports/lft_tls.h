/*
 * lft_tls.h - TLS client stream (mbedTLS 2.28) over any lft_stream_t.
 *
 * The TLS stream is itself an lft_stream_t: ops lft_tls_ops, ctx an
 * lft_tls_t *. It verifies the server always (there is no "insecure"
 * switch): the certificate must chain to the configured CA and carry
 * server_name (mbedTLS 2.28 does not match IP addresses in the SAN, so
 * connect to an address and verify a DNS name). TLS 1.2 is the minimum;
 * the maximum is the newest version the mbedTLS build offers (1.2 for
 * Debian's 2.28). Sessions are resumed: every successful handshake saves
 * the session (ticket, or session id), the next connect offers it and
 * mbedTLS falls back to a full handshake when the server declines.
 *
 *   static lft_net_posix_t tcp;            static lft_tls_t tls;
 *   lft_net_posix_init(&tcp);
 *   lft_tls_config_t cfg = { ca_pem, sizeof ca_pem, "collector.example", 0, 0, &arena };
 *   lft_tls_init(&tls, &cfg, (lft_stream_t){ &lft_net_posix_ops, &tcp });
 *   lft_stream_t s = { &lft_tls_ops, &tls };
 *   s.ops->connect(s.ctx, "192.0.2.7", 443, 5000);   then s.ops->send / recv
 *
 * Memory. lft_tls_t holds the mbedTLS contexts (caller storage, about
 * 3.5 KB - but 40 KB with Debian's config, whose MBEDTLS_HAVEGE_C puts 38 KB
 * of HAVEGE state into mbedtls_entropy_context). mbedTLS allocates the rest
 * through mbedtls_calloc/mbedtls_free; measured in an lft_arena against a
 * P-256 server (tests/unit/test_tls.c): 37.8 KB from lft_tls_init on (the
 * two 16 KB record buffers, CA, config), a peak of 45.5 KB in a full
 * handshake plus request, 43.6 KB in a resumed one (the saved session, a
 * ticket and a copy of the peer certificate, takes 1.5-2 KB). To keep all
 * of it in a caller-provided lft_arena (lft_arena.h; 64 KB leaves room for
 * longer chains and RSA):
 *   - Debian's prebuilt mbedTLS (no MBEDTLS_PLATFORM_MEMORY): link the
 *     program with lftrace_tls_wrap and call lft_tls_wrap_install(&arena)
 *     (port/posix/lft_tls_wrap.h).
 *   - mbedTLS built with MBEDTLS_PLATFORM_MEMORY (embedded builds, often
 *     with MBEDTLS_MEMORY_BUFFER_ALLOC_C off): hand the arena to mbedTLS
 *     before lft_tls_init:
 *
 *       static lft_arena_t tls_arena;
 *       static void *tls_calloc(size_t n, size_t size)
 *       { return lft_arena_calloc(&tls_arena, n, size); }
 *       static void tls_free(void *p)
 *       { (void)lft_arena_free(&tls_arena, p); }
 *       ...
 *       lft_arena_init(&tls_arena, buf, sizeof buf);
 *       mbedtls_platform_set_calloc_free(tls_calloc, tls_free);
 *       cfg.arena = &tls_arena;
 *
 *     (lock around the two calls when several threads use mbedTLS.)
 * An exhausted arena makes the failing call return LFT_ERR_NO_MEMORY.
 *
 * Entropy: a CTR-DRBG seeded from an mbedtls_entropy context to which
 * lft_port_entropy() is added as a strong source, so the port's entropy is
 * enough on devices without /dev/urandom. lft_tls_init calls
 * lft_port_entropy (never with the lftrace lock held).
 *
 * Timeouts. connect() bounds the lower connect by its timeout_ms and the
 * handshake by handshake_timeout_ms, measured with lft_port_time_mono_us();
 * during the handshake and close_notify no single wait for the peer lasts
 * longer than read_timeout_ms. send/recv honour their own timeout_ms
 * (0: non-blocking). The lower stream gets the remaining time of each call.
 *
 * Thread context: one thread at a time per lft_tls_t (the flusher's); the
 * lft_tls_t must not move after lft_tls_init (mbedTLS keeps pointers into
 * it). Distinct lft_tls_t are independent; when several threads use
 * mbedTLS the arena glue must be locked (lft_tls_wrap is).
 */
#ifndef LFT_TLS_H
#define LFT_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "lft_arena.h"
#include "lft_err.h"
#include "lft_port_net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PEM without a terminating NUL is decoded one certificate at a time in a
 * stack buffer of this size (DER bytes); larger certificates must be given
 * as DER or as NUL-terminated PEM. */
#ifndef LFT_TLS_PEM_DER_MAX
#define LFT_TLS_PEM_DER_MAX 2048
#endif

#define LFT_TLS_HANDSHAKE_TIMEOUT_MS_DEFAULT 10000u
#define LFT_TLS_READ_TIMEOUT_MS_DEFAULT 5000u

typedef struct {
    /* Trust anchors: PEM (one or more certificates; the length may include
     * the terminating NUL or not) or one DER certificate. Required. Parsed
     * by lft_tls_init; the bytes need not outlive it. */
    const uint8_t *ca;
    size_t ca_len;
    /* Host name sent as SNI and matched against the certificate. Required;
     * copied at every connect, must stay valid while the stream is used. */
    const char *server_name;
    uint32_t handshake_timeout_ms; /* whole handshake; 0: 10000 */
    uint32_t read_timeout_ms;      /* one wait for the peer in handshake/close; 0: 5000 */
    /* Optional: the arena mbedTLS allocates from (installed with
     * lft_tls_wrap_install or mbedtls_platform_set_calloc_free). mbedTLS
     * reports some allocation failures as something else - a certificate
     * whose signature could not be checked for lack of memory fails
     * verification - so when the arena counted a failed allocation during
     * lft_tls_init or connect, the result is LFT_ERR_NO_MEMORY. For an
     * exact answer no other thread may allocate from this arena meanwhile.
     * NULL: mbedTLS's own error codes decide. Must outlive t. */
    const lft_arena_t *arena;
} lft_tls_config_t;

typedef struct {
    uint32_t handshakes_full;    /* handshakes that verified a certificate chain */
    uint32_t handshakes_resumed; /* handshakes that resumed the saved session */
    uint32_t handshakes_failed;  /* connects that failed in or before the handshake */
    uint32_t last_handshake_us;  /* duration of the last successful handshake */
} lft_tls_stats_t;

/* A TLS stream. Caller storage; the fields are private. */
typedef struct {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_session saved;   /* session of the last handshake, for resumption */
    lft_stream_t lower;
    const char *server_name;
    const lft_arena_t *arena;
    uint32_t handshake_timeout_ms;
    uint32_t read_timeout_ms;
    /* the operation in progress, read by the BIO callbacks */
    uint64_t op_deadline_us;     /* absolute, lft_port_time_mono_us() */
    uint32_t op_wait_cap_ms;     /* longest single lower wait */
    int op_nonblock;             /* timeout 0: lower calls get 0 */
    int bio_err;                 /* lft_err_t of the last failing lower call, 0 if none */
    int verify_called;           /* the verify callback ran in this handshake */
    int have_saved;
    int open;
    int ready;                   /* lft_tls_init succeeded, not yet deinit */
    uint32_t verify_flags;
    lft_tls_stats_t stats;
} lft_tls_t;

/*
 * Set t up as a TLS client over lower (which must already be initialised
 * and stays owned by the caller; t uses it until lft_tls_deinit). Parses
 * the CA, seeds the DRBG, configures verification and allocates the record
 * buffers (mbedtls_ssl_setup). The connection is opened by
 * lft_tls_ops.connect.
 * Returns LFT_OK; LFT_ERR_ARG (t, cfg or lower.ops NULL); LFT_ERR_CONFIG
 * (CA missing or not parseable, server_name missing or empty);
 * LFT_ERR_ENTROPY (the DRBG could not be seeded); LFT_ERR_NO_MEMORY
 * (mbedTLS allocation failed); LFT_ERR_TLS (other mbedTLS setup failure).
 * On failure everything allocated is freed and t must not be used (no
 * lft_tls_deinit needed, though calling it is harmless).
 */
lft_err_t lft_tls_init(lft_tls_t *t, const lft_tls_config_t *cfg, lft_stream_t lower);

/*
 * Close the connection if open (as lft_tls_ops.close) and free everything
 * mbedTLS allocated for t, including the saved session. Idempotent; t can
 * then be initialised again. NULL is ignored.
 */
void lft_tls_deinit(lft_tls_t *t);

/*
 * The ops, ctx = lft_tls_t *. In addition to lft_port_net.h:
 * connect: lower connect (timeout_ms), then the handshake
 *   (handshake_timeout_ms) offering the saved session. Returns LFT_OK, the
 *   lower connect's error, LFT_ERR_TIMEOUT (handshake too slow),
 *   LFT_ERR_TLS_VERIFY (certificate refused; flags in
 *   lft_tls_verify_flags), LFT_ERR_TLS (alert, protocol error),
 *   LFT_ERR_NO_MEMORY, LFT_ERR_CLOSED (peer closed during the handshake),
 *   LFT_ERR_NET. On failure the lower stream is closed; after a TLS or
 *   verification failure the saved session is discarded. host is what the
 *   lower stream connects to; the name verified is cfg->server_name.
 * send: returns the number of bytes accepted: they are encrypted into one
 *   record (at most 16 KB) and owned by TLS from then on, even when the
 *   lower stream could not take all of it yet - the rest is flushed first
 *   by the next send, recv or close. LFT_ERR_WOULD_BLOCK / LFT_ERR_TIMEOUT
 *   mean nothing of buf was accepted.
 * recv: application data; 0 after the peer's close_notify or an orderly
 *   close of the lower stream.
 * send and recv on a stream that is not open give LFT_ERR_CLOSED; after
 *   any error other than WOULD_BLOCK / TIMEOUT the connection is unusable:
 *   close it (and connect again).
 * close: sends close_notify (best effort, at most read_timeout_ms), closes
 *   the lower stream. Idempotent. The saved session is kept.
 */
extern const lft_net_ops_t lft_tls_ops;

/* The mbedTLS verification flags (MBEDTLS_X509_BADCERT_*) of the last
 * handshake that failed verification; 0 after a successful handshake. */
uint32_t lft_tls_verify_flags(const lft_tls_t *t);

/* Copy the counters into *out. */
void lft_tls_stats(const lft_tls_t *t, lft_tls_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* LFT_TLS_H */
