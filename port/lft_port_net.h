/*
 * lft_port_net.h - the network byte stream an integrator provides to the
 * transports, and the shape every stream layer (plain TCP, TLS over it)
 * shares.
 *
 * A stream is an ops table plus a context pointer. The exporter talks to the
 * top stream only; each layer talks to the one below it (TLS reads and writes
 * the TCP stream through the same ops). Implementations: port/posix
 * (lft_net_posix.h, BSD sockets), port/lwip (lwIP sockets), transports/lft_tls.h
 * (mbedTLS over any stream), and the tests' fault-injecting streams.
 *
 * Non-blocking friendly: every call takes a timeout in milliseconds; 0 means
 * "do what can be done now" and gives LFT_ERR_WOULD_BLOCK when nothing could
 * be done. No call ever blocks longer than its timeout (plus scheduling).
 * Calls are made from one thread at a time per stream (the flusher's).
 */
#ifndef LFT_PORT_NET_H
#define LFT_PORT_NET_H

#include <stddef.h>
#include <stdint.h>

#include "lft_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lft_net_ops {
    /*
     * Open a connection to host (a DNS name or an IP literal) on port, within
     * timeout_ms. A stream that is already open is closed first.
     * Returns LFT_OK, LFT_ERR_NET (unresolved, refused, unreachable),
     * LFT_ERR_TIMEOUT, LFT_ERR_ARG; a TLS stream also LFT_ERR_TLS,
     * LFT_ERR_TLS_VERIFY, LFT_ERR_NO_MEMORY.
     */
    lft_err_t (*connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);

    /*
     * Write up to len (> 0) bytes. Returns the number written (1..len: a
     * short write is normal), LFT_ERR_WOULD_BLOCK (timeout_ms 0, nothing
     * written), LFT_ERR_TIMEOUT, LFT_ERR_CLOSED (the peer reset or closed),
     * LFT_ERR_NET, or a layer's own error (LFT_ERR_TLS).
     */
    int (*send)(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms);

    /*
     * Read up to len (> 0) bytes. Returns the number read (1..len), 0 when
     * the peer closed the connection in order, LFT_ERR_WOULD_BLOCK,
     * LFT_ERR_TIMEOUT, LFT_ERR_CLOSED (reset), LFT_ERR_NET, or a layer's own
     * error.
     */
    int (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);

    /* Close the connection (idempotent; the stream can connect again). */
    void (*close)(void *ctx);
} lft_net_ops_t;

/* A stream: ops bound to one context. */
typedef struct {
    const lft_net_ops_t *ops;
    void *ctx;
} lft_stream_t;

#ifdef __cplusplus
}
#endif
#endif /* LFT_PORT_NET_H */
