/*
 * lft_net_posix.h - a TCP stream over BSD sockets (Linux, macOS, BSD)
 * implementing the lft_net_ops_t contract of lft_port_net.h.
 *
 *   static lft_net_posix_t tcp;
 *   lft_net_posix_init(&tcp);
 *   lft_stream_t s = { &lft_net_posix_ops, &tcp };
 *   s.ops->connect(s.ctx, "127.0.0.1", 4318, 5000);
 *
 * connect: resolves host with getaddrinfo (IPv4 and IPv6, every address in
 *   turn until one answers; name resolution itself is blocking and not
 *   bounded by the timeout), then a non-blocking connect polled for at most
 *   timeout_ms in total. The socket stays non-blocking, close-on-exec, with
 *   TCP_NODELAY (TLS records must not wait for Nagle). A timeout_ms of 0
 *   succeeds only when the connection completes at once (loopback).
 *   Returns LFT_OK, LFT_ERR_NET (not resolved, refused, unreachable, socket
 *   errors), LFT_ERR_TIMEOUT (no address answered in time), LFT_ERR_ARG
 *   (host NULL or empty, port 0).
 * send / recv: poll() waits at most timeout_ms (0: no wait, LFT_ERR_WOULD_BLOCK
 *   when nothing could be done); short transfers are normal; a request
 *   larger than INT_MAX is cut to INT_MAX. SIGPIPE is never raised
 *   (MSG_NOSIGNAL, or SO_NOSIGPIPE where that is missing). ECONNRESET and
 *   EPIPE give LFT_ERR_CLOSED, other socket errors LFT_ERR_NET; recv returns
 *   0 on an orderly shutdown by the peer. Both return LFT_ERR_CLOSED on a
 *   stream that is not connected and LFT_ERR_ARG for a NULL buffer or len 0.
 *   EINTR is retried within the same deadline.
 * close: idempotent; the stream can connect again.
 *
 * Thread context: one thread at a time per stream; distinct streams are
 * independent. Nothing here allocates except getaddrinfo (the C library's).
 */
#ifndef LFT_NET_POSIX_H
#define LFT_NET_POSIX_H

#include "lft_port_net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One TCP connection. fd is the socket, -1 while closed. */
typedef struct {
    int fd;
} lft_net_posix_t;

/* Make n a closed stream (fd = -1). Call once before first use; n must stay
 * at the same address while it is in use. */
void lft_net_posix_init(lft_net_posix_t *n);

/* The ops; ctx is an lft_net_posix_t * set up by lft_net_posix_init. */
extern const lft_net_ops_t lft_net_posix_ops;

#ifdef __cplusplus
}
#endif
#endif /* LFT_NET_POSIX_H */
