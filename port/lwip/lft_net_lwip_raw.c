/*
 * lft_net_lwip_raw.c - TCP stream over the lwIP raw API, NO_SYS 1 (see
 * lft_net_lwip_raw.h).
 */
#include "lft_net_lwip_raw.h"

#include <limits.h>
#include <string.h>

#include "lwip/opt.h"

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#if LWIP_DNS && LWIP_UDP
#include "lwip/dns.h"
#endif

/* What try_fn returns when there is nothing to report yet: no byte count
 * and no lft_err_t. */
#define LFT_RAW_AGAIN INT_MIN

/* Move pending pbuf data into the free end of rx (compacting it first). */
static void lft_raw_fill(lft_net_lwip_raw_t *n)
{
    if (n->pending == NULL) {
        return;
    }
    if (n->rx_off > 0) {
        memmove(n->rx, n->rx + n->rx_off, n->rx_len);
        n->rx_off = 0;
    }
    size_t room = n->rx_size - n->rx_len;
    if (room > 0xFFFFu) {
        room = 0xFFFFu;
    }
    u16_t got = pbuf_copy_partial(n->pending, n->rx + n->rx_len, (u16_t)room, n->pending_off);
    n->rx_len += got;
    u16_t used = (u16_t)(n->pending_off + got);
    if (used >= n->pending->tot_len) {
        (void)pbuf_free(n->pending);
        n->pending = NULL;
        n->pending_off = 0;
    } else {
        /* drop the pbufs copied completely; keep the offset into the first one left */
        u16_t whole = 0;
        for (const struct pbuf *q = n->pending; q != NULL && (u16_t)(whole + q->len) <= used; q = q->next) {
            whole = (u16_t)(whole + q->len);
        }
        n->pending = pbuf_free_header(n->pending, whole);
        n->pending_off = (u16_t)(used - whole);
    }
}

static err_t lft_raw_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    lft_net_lwip_raw_t *n = arg;
    (void)pcb;
    (void)err; /* always ERR_OK in lwIP 2.x */
    if (p == NULL) {
        n->peer_closed = 1;
        return ERR_OK;
    }
    if (n->pending == NULL) {
        n->pending = p;
    } else {
        pbuf_cat(n->pending, p);
    }
    lft_raw_fill(n);
    return ERR_OK;
}

/* lwIP freed the PCB (RST received, abort, retransmissions exhausted). */
static void lft_raw_on_err(void *arg, err_t err)
{
    lft_net_lwip_raw_t *n = arg;
    (void)err; /* every cause means the same here: the connection is gone */
    n->pcb = NULL;
}

static err_t lft_raw_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    lft_net_lwip_raw_t *n = arg;
    (void)pcb;
    (void)err; /* always ERR_OK in lwIP 2.x */
    n->connected = 1;
    return ERR_OK;
}

void lft_net_lwip_raw_init(lft_net_lwip_raw_t *n, uint8_t *rx, size_t rx_size, lft_net_lwip_raw_poll_fn poll,
                           void *poll_ctx)
{
    memset(n, 0, sizeof *n);
    n->rx = rx;
    n->rx_size = rx == NULL ? 0 : rx_size;
    n->poll = poll;
    n->poll_ctx = poll_ctx;
}

static void lft_raw_close(void *ctx)
{
    lft_net_lwip_raw_t *n = ctx;
    if (n->pcb != NULL) {
        struct tcp_pcb *pcb = n->pcb;
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_err(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
        }
        n->pcb = NULL;
    }
    if (n->pending != NULL) {
        (void)pbuf_free(n->pending);
        n->pending = NULL;
    }
    n->pending_off = 0;
    n->rx_off = 0;
    n->rx_len = 0;
    n->connected = 0;
    n->peer_closed = 0;
}

/*
 * Call try_fn until it reports something other than LFT_RAW_AGAIN, driving
 * the stack between attempts; at least one poll, then until timeout_ms
 * since the call passed. Returns try_fn's result, or LFT_ERR_WOULD_BLOCK
 * (timeout_ms 0) / LFT_ERR_TIMEOUT.
 */
static int lft_raw_wait(lft_net_lwip_raw_t *n, int (*try_fn)(lft_net_lwip_raw_t *, const uint8_t *, size_t),
                        const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    u32_t start = sys_now();
    for (;;) {
        int r = try_fn(n, buf, len);
        if (r != LFT_RAW_AGAIN) {
            return r;
        }
        n->poll(n->poll_ctx);
        r = try_fn(n, buf, len);
        if (r != LFT_RAW_AGAIN) {
            return r;
        }
        if ((uint32_t)(sys_now() - start) >= timeout_ms) {
            return timeout_ms == 0 ? LFT_ERR_WOULD_BLOCK : LFT_ERR_TIMEOUT;
        }
    }
}

static int lft_raw_try_connect(lft_net_lwip_raw_t *n, const uint8_t *buf, size_t len)
{
    (void)buf;
    (void)len;
    if (n->connected) {
        return LFT_OK;
    }
    return n->pcb == NULL ? LFT_ERR_NET : LFT_RAW_AGAIN;
}

#if LWIP_DNS && LWIP_UDP
enum { LFT_RAW_DNS_IDLE, LFT_RAW_DNS_WAITING, LFT_RAW_DNS_FOUND, LFT_RAW_DNS_NONE };

/*
 * The one name resolution a connect waits for. A connect blocks the one
 * lwIP context, so at most one waits at any time. lwIP cannot cancel a
 * query, so its found callback may come after the connect that asked gave
 * up (timeout), even during a later connect: the callback argument
 * is the asking connect's generation number, not a pointer, and only the
 * generation still waiting is written. lwIP never holds a pointer to a
 * stream.
 */
static struct {
    uintptr_t gen;  /* generation of the latest resolution */
    uint8_t state;  /* LFT_RAW_DNS_* */
    ip_addr_t addr; /* the answer (LFT_RAW_DNS_FOUND) */
} lft_raw_dns;

static void lft_raw_on_dns(const char *name, const ip_addr_t *ipaddr, void *arg)
{
    (void)name;
    if (lft_raw_dns.state != LFT_RAW_DNS_WAITING || (uintptr_t)arg != lft_raw_dns.gen) {
        return; /* for a connect that gave up */
    }
    if (ipaddr != NULL && IP_IS_V4(ipaddr)) {
        ip_addr_copy(lft_raw_dns.addr, *ipaddr);
        lft_raw_dns.state = LFT_RAW_DNS_FOUND;
    } else {
        lft_raw_dns.state = LFT_RAW_DNS_NONE; /* no such name, or no answer after lwIP's retries */
    }
}

static int lft_raw_try_resolve(lft_net_lwip_raw_t *n, const uint8_t *buf, size_t len)
{
    (void)n;
    (void)buf;
    (void)len;
    switch (lft_raw_dns.state) {
    case LFT_RAW_DNS_FOUND:
        return LFT_OK;
    case LFT_RAW_DNS_NONE:
        return LFT_ERR_NET;
    default:
        return LFT_RAW_AGAIN;
    }
}
#endif /* LWIP_DNS && LWIP_UDP */

/* host (not NULL, not empty) -> IPv4 address: a literal at once, a name
 * through lwIP's DNS, driving the stack for at most timeout_ms. */
static lft_err_t lft_raw_resolve(lft_net_lwip_raw_t *n, const char *host, ip_addr_t *addr, uint32_t timeout_ms)
{
    if (ipaddr_aton(host, addr)) {
        return IP_IS_V4(addr) ? LFT_OK : LFT_ERR_ARG;
    }
#if LWIP_DNS && LWIP_UDP
    if (strlen(host) >= DNS_MAX_NAME_LENGTH) {
        return LFT_ERR_ARG;
    }
    lft_raw_dns.gen++;
    lft_raw_dns.state = LFT_RAW_DNS_WAITING;
    err_t e = dns_gethostbyname_addrtype(host, addr, lft_raw_on_dns, (void *)lft_raw_dns.gen,
                                         LWIP_DNS_ADDRTYPE_IPV4);
    lft_err_t r = e == ERR_OK ? LFT_OK : LFT_ERR_NET; /* ERR_OK: cached; else no server, table full */
    if (e == ERR_INPROGRESS) {
        int w = lft_raw_wait(n, lft_raw_try_resolve, NULL, 0, timeout_ms);
        r = w == LFT_ERR_WOULD_BLOCK ? LFT_ERR_TIMEOUT : (lft_err_t)w;
        if (r == LFT_OK) {
            ip_addr_copy(*addr, lft_raw_dns.addr);
        }
    }
    lft_raw_dns.state = LFT_RAW_DNS_IDLE; /* a late answer now finds nobody waiting */
    return r;
#else
    (void)n;
    (void)timeout_ms;
    return LFT_ERR_ARG; /* a name, and lwIP has no DNS */
#endif
}

static lft_err_t lft_raw_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    lft_net_lwip_raw_t *n = ctx;
    ip_addr_t addr;
    u32_t start = sys_now();

    lft_raw_close(n);
    if (host == NULL || host[0] == '\0' || port == 0 || n->poll == NULL || n->rx_size == 0) {
        return LFT_ERR_ARG;
    }
    lft_err_t err = lft_raw_resolve(n, host, &addr, timeout_ms);
    if (err != LFT_OK) {
        return err;
    }
    uint32_t spent = (uint32_t)(sys_now() - start); /* resolving counts against the budget */
    uint32_t left = spent < timeout_ms ? timeout_ms - spent : 0u;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        return LFT_ERR_NET;
    }
    n->pcb = pcb;
    tcp_arg(pcb, n);
    tcp_recv(pcb, lft_raw_on_recv);
    tcp_err(pcb, lft_raw_on_err);
    tcp_nagle_disable(pcb);
    if (tcp_connect(pcb, &addr, port, lft_raw_on_connected) != ERR_OK) {
        lft_raw_close(n);
        return LFT_ERR_NET;
    }
    int r = lft_raw_wait(n, lft_raw_try_connect, NULL, 0, left);
    if (r != LFT_OK) {
        lft_raw_close(n);
        return r == LFT_ERR_WOULD_BLOCK ? LFT_ERR_TIMEOUT : (lft_err_t)r;
    }
    return LFT_OK;
}

static int lft_raw_try_send(lft_net_lwip_raw_t *n, const uint8_t *buf, size_t len)
{
    if (n->pcb == NULL) {
        return LFT_ERR_CLOSED;
    }
    u16_t room = tcp_sndbuf(n->pcb);
    if (room == 0) {
        return LFT_RAW_AGAIN;
    }
    u16_t k = len < room ? (u16_t)len : room;
    err_t e = tcp_write(n->pcb, buf, k, TCP_WRITE_FLAG_COPY);
    if (e == ERR_MEM) {
        return LFT_RAW_AGAIN; /* segment queue or heap full until ACKs arrive */
    }
    if (e != ERR_OK) {
        return LFT_ERR_NET;
    }
    (void)tcp_output(n->pcb); /* on failure the TCP timers send it */
    return (int)k;
}

static int lft_raw_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    lft_net_lwip_raw_t *n = ctx;
    if (buf == NULL || len == 0) {
        return LFT_ERR_ARG;
    }
    if (n->pcb == NULL) {
        return LFT_ERR_CLOSED;
    }
    return lft_raw_wait(n, lft_raw_try_send, buf, len > 0xFFFFu ? 0xFFFFu : len, timeout_ms);
}

/* buf is the caller's writable buffer (cast back from const for the shared
 * wait loop). */
static int lft_raw_try_recv(lft_net_lwip_raw_t *n, const uint8_t *buf, size_t len)
{
    if (n->rx_len > 0) {
        size_t k = len < n->rx_len ? len : n->rx_len;
        memcpy((uint8_t *)(uintptr_t)buf, n->rx + n->rx_off, k);
        n->rx_off += k;
        n->rx_len -= k;
        if (n->pcb != NULL) {
            tcp_recved(n->pcb, (u16_t)k);
        }
        lft_raw_fill(n);
        return (int)k;
    }
    if (n->peer_closed) {
        return 0;
    }
    return n->pcb == NULL ? LFT_ERR_CLOSED : LFT_RAW_AGAIN;
}

static int lft_raw_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    lft_net_lwip_raw_t *n = ctx;
    if (buf == NULL || len == 0) {
        return LFT_ERR_ARG;
    }
    if (n->pcb == NULL && n->rx_len == 0 && !n->peer_closed) {
        return LFT_ERR_CLOSED;
    }
    return lft_raw_wait(n, lft_raw_try_recv, buf, len > 0xFFFFu ? 0xFFFFu : len, timeout_ms);
}

const lft_net_ops_t lft_net_lwip_raw_ops = {
    lft_raw_connect,
    lft_raw_send,
    lft_raw_recv,
    lft_raw_close,
};
