/*
 * lft_net_lwip_raw.h - a TCP stream over the lwIP raw (callback) API for
 * NO_SYS 1 super-loop firmware, implementing the lft_net_ops_t contract of
 * lft_port_net.h without threads and without any heap.
 *
 * lwIP delivers data through callbacks while the stack runs, and in a
 * NO_SYS build it only runs when the application drives it. So the
 * blocking-with-timeout calls of the contract drive the stack themselves:
 * while they wait they call a hook the application supplies, which must
 * run the stack once without blocking for long - read the network
 * interface's pending frames into lwIP and call sys_check_timeouts():
 *
 *   static void poll_stack(void *ctx)
 *   { ethernetif_poll((struct netif *)ctx); sys_check_timeouts(); }
 *
 *   static uint8_t rx_buf[2048];
 *   static lft_net_lwip_raw_t tcp;
 *   lft_net_lwip_raw_init(&tcp, rx_buf, sizeof rx_buf, poll_stack, &netif);
 *   lft_stream_t s = { &lft_net_lwip_raw_ops, &tcp };
 *   s.ops->connect(s.ctx, "192.0.2.1", 443, 5000);
 *
 * So lft_flush() works from the super-loop (it keeps the stack running while
 * it waits), and lft_poll() returns at once when nothing is due.
 *
 * Receiving. The receive callback copies what fits into the caller's rx
 * buffer and frees the pbufs, so the driver's pool is never pinned; data that
 * does not fit stays queued in its pbufs (lwIP's receive window, TCP_WND,
 * bounds it) and moves to the buffer as the reader consumes. The window is
 * reopened (tcp_recved) as the reader consumes, so a slow reader slows the
 * sender instead of losing data. Any size works; 1-2 KB is plenty for TLS.
 *
 * lwIP requirements: LWIP_TCP 1, LWIP_IPV4 1, LWIP_CALLBACK_API 1 (the
 * default). The stack must be initialised (lwip_init) and a netif up before
 * connect. sys_now() must advance in milliseconds: it measures every
 * timeout.
 *
 * connect: host must be an IPv4 literal (no name resolution). Opens a PCB
 *   (tcp_new), disables Nagle (TLS records must not wait for delayed ACKs)
 *   and drives the stack until the handshake completes, fails or timeout_ms
 *   pass. Returns LFT_OK, LFT_ERR_NET (refused: the peer answered with RST;
 *   no PCB free; routing error), LFT_ERR_TIMEOUT, LFT_ERR_ARG (host NULL or
 *   not an IPv4 literal, port 0, no rx buffer or no poll hook).
 * send: queues up to min(len, tcp_sndbuf, 65535) bytes (copied: buf may be
 *   reused at once) and starts transmission; when the send buffer or lwIP's
 *   memory is full it drives the stack until ACKs make room. Returns the
 *   number queued, LFT_ERR_WOULD_BLOCK, LFT_ERR_TIMEOUT, LFT_ERR_CLOSED
 *   (reset, or not connected), LFT_ERR_NET (another lwIP error), LFT_ERR_ARG.
 * recv: returns buffered bytes at once (at most 65535 per call); otherwise
 *   drives the stack until data, the peer's FIN (0 once everything before it
 *   was read), a reset (LFT_ERR_CLOSED, after the data before it) or the
 *   timeout. LFT_ERR_CLOSED when not connected, LFT_ERR_ARG for NULL/0.
 * Every wait drives the stack at least once, so with timeout_ms 0 a call
 *   still lets lwIP process what already arrived before it reports
 *   LFT_ERR_WOULD_BLOCK.
 * close: tcp_close (tcp_abort when lwIP has no memory for the FIN), drops
 *   unread data; idempotent; the stream can connect again.
 *
 * Thread context: the one context that runs lwIP (the super-loop); never
 * from an lwIP callback or from inside the poll hook. One stream per
 * lft_net_lwip_raw_t; several can share one stack.
 */
#ifndef LFT_NET_LWIP_RAW_H
#define LFT_NET_LWIP_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "lft_port_net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the lwIP stack once (netif input + sys_check_timeouts); ctx is the
 * poll_ctx given to lft_net_lwip_raw_init. */
typedef void (*lft_net_lwip_raw_poll_fn)(void *ctx);

struct tcp_pcb;
struct pbuf;

/* One TCP connection. Caller storage; the fields are private. */
typedef struct {
    struct tcp_pcb *pcb;       /* NULL while closed or after lwIP freed it (error) */
    struct pbuf *pending;      /* received data that did not fit rx yet */
    uint16_t pending_off;      /* bytes of pending already copied */
    uint8_t connected;         /* the handshake completed */
    uint8_t peer_closed;       /* FIN received */
    uint8_t *rx;               /* caller's receive buffer */
    size_t rx_size;
    size_t rx_off;             /* first unread byte */
    size_t rx_len;             /* unread bytes */
    lft_net_lwip_raw_poll_fn poll;
    void *poll_ctx;
} lft_net_lwip_raw_t;

/*
 * Make n a closed stream that buffers received data in rx[0..rx_size) and
 * calls poll(poll_ctx) whenever it waits for the network. rx and n must
 * stay valid and at the same address while the stream is in use; poll
 * must not be NULL (connect checks). Nothing is allocated.
 */
void lft_net_lwip_raw_init(lft_net_lwip_raw_t *n, uint8_t *rx, size_t rx_size, lft_net_lwip_raw_poll_fn poll,
                           void *poll_ctx);

/* The ops; ctx is an lft_net_lwip_raw_t * set up by lft_net_lwip_raw_init. */
extern const lft_net_ops_t lft_net_lwip_raw_ops;

#ifdef __cplusplus
}
#endif
#endif /* LFT_NET_LWIP_RAW_H */
