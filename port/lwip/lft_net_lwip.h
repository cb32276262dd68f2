/*
 * lft_net_lwip.h - a TCP stream over the lwIP sockets API (NO_SYS 0, an
 * RTOS or the POSIX sys_arch) implementing the lft_net_ops_t contract of
 * lft_port_net.h. For NO_SYS 1 super-loops see lft_net_lwip_raw.h.
 *
 *   static lft_net_lwip_t tcp;
 *   lft_net_lwip_init(&tcp);
 *   lft_stream_t s = { &lft_net_lwip_ops, &tcp };
 *   s.ops->connect(s.ctx, "192.0.2.1", 443, 5000);
 *
 * lwIP requirements: LWIP_SOCKET 1, LWIP_TCP 1, LWIP_IPV4 1, and
 * LWIP_SO_RCVTIMEO/LWIP_SO_SNDTIMEO are not needed (waits use lwip_poll,
 * which needs LWIP_SOCKET_POLL, the default). Only the lwip_* names are used,
 * so LWIP_COMPAT_SOCKETS may be 0. The stack must be running (tcpip_init
 * done, a netif up) before connect.
 *
 * connect: host must be an IPv4 literal ("192.0.2.1"); there is no name
 *   resolution (many lwIP builds, Debian's among them, have no DNS: give the
 *   exporter's connect_host an address). Non-blocking connect (O_NONBLOCK,
 *   then lwip_poll for POLLOUT and SO_ERROR) bounded by timeout_ms; the
 *   socket stays non-blocking with TCP_NODELAY (TLS records must not wait
 *   for Nagle and delayed ACKs: with Nagle a 100 KB exchange takes seconds).
 *   A timeout_ms of 0 succeeds only when the connection completes at once.
 *   Returns LFT_OK, LFT_ERR_NET (refused - lwIP reports a refused connect as
 *   ECONNRESET -, unreachable, no socket left), LFT_ERR_TIMEOUT, LFT_ERR_ARG
 *   (host NULL, empty or not an IPv4 literal, port 0).
 * send / recv: lwip_poll waits at most timeout_ms (0: no wait,
 *   LFT_ERR_WOULD_BLOCK when nothing could be done); short transfers are
 *   normal; a request larger than INT_MAX is cut to INT_MAX. ECONNRESET,
 *   ECONNABORTED, ENOTCONN and EPIPE give LFT_ERR_CLOSED, other errors
 *   LFT_ERR_NET; recv returns 0 on an orderly shutdown by the peer. Both
 *   return LFT_ERR_CLOSED on a stream that is not connected and LFT_ERR_ARG
 *   for a NULL buffer or len 0. EINTR is retried within the same deadline.
 *   lwIP never raises SIGPIPE.
 * close: idempotent; the stream can connect again.
 *
 * Time: deadlines are measured with lwIP's sys_now() (milliseconds,
 * wrap-safe).
 * Thread context: any thread except lwIP's tcpip thread, one thread at a
 * time per stream; distinct streams are independent. Nothing here
 * allocates (lwIP's own sockets and pbufs come from its pools or heap,
 * as configured).
 */
#ifndef LFT_NET_LWIP_H
#define LFT_NET_LWIP_H

#include "lft_port_net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One TCP connection. fd is the lwIP socket, -1 while closed. */
typedef struct {
    int fd;
} lft_net_lwip_t;

/* Make n a closed stream (fd = -1). Call once before first use; n must stay
 * at the same address while it is in use. */
void lft_net_lwip_init(lft_net_lwip_t *n);

/* The ops; ctx is an lft_net_lwip_t * set up by lft_net_lwip_init. */
extern const lft_net_ops_t lft_net_lwip_ops;

#ifdef __cplusplus
}
#endif
#endif /* LFT_NET_LWIP_H */
