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
 *   s.ops->connect(s.ctx, "cloud.langfuse.com", 443, 5000);  (or "192.0.2.1")
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
 * timeout. Host names need LWIP_DNS 1 and LWIP_UDP 1 (lwIP's DNS client:
 * static tables, DNS_TABLE_SIZE names, a UDP PCB per outstanding query up
 * to DNS_MAX_SOURCE_PORTS - count them in MEMP_NUM_UDP_PCB) and a DNS
 * server: the application sets it with dns_setserver(0, &addr), or DHCP
 * does (LWIP_DHCP 1: the lease's servers, LWIP_DHCP_MAX_DNS_SERVERS).
 * Without LWIP_DNS (or LWIP_UDP), host must be an IPv4 literal and a name
 * is LFT_ERR_ARG.
 *
 * connect: host is an IPv4 literal or, with LWIP_DNS, a name, resolved to
 *   an IPv4 address with dns_gethostbyname_addrtype (an answer lwIP has
 *   cached comes at once; otherwise it drives the stack until the answer).
 *   Then opens a PCB (tcp_new), disables Nagle (TLS records must not wait
 *   for delayed ACKs) and drives the stack until the handshake completes,
 *   fails or the time runs out: timeout_ms covers resolution and handshake
 *   together. Returns LFT_OK; LFT_ERR_NET: the name does not exist (the
 *   server answered NXDOMAIN, or lwIP gave up after its own retries,
 *   DNS_MAX_RETRIES), no DNS server set, lwIP's DNS request table full,
 *   refused (the peer answered with RST), no PCB free, routing error;
 *   LFT_ERR_TIMEOUT: no answer or no handshake within timeout_ms;
 *   LFT_ERR_ARG: host NULL, empty, an IPv6 literal (LWIP_IPV6 builds;
 *   without IPv6 it is no literal, so a name), a name of
 *   DNS_MAX_NAME_LENGTH bytes or more, or any name without LWIP_DNS; port
 *   0, no rx buffer or no poll hook. A query lwIP is still asking when
 *   connect gives up goes on inside lwIP (it cannot be cancelled); its late
 *   answer only fills lwIP's cache and touches no stream, so the stream may
 *   be closed, reused or freed at once.
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
 * lft_net_lwip_raw_t; several can share one stack. The waiting resolution
 * is module state (a few bytes, static): one connect at a time, which the
 * single context guarantees.
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
