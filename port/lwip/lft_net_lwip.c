/*
 * lft_net_lwip.c - TCP stream over lwIP sockets (see lft_net_lwip.h).
 */
#include "lft_net_lwip.h"

#include <limits.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/errno.h" /* the C library's errno, or lwIP's with LWIP_PROVIDE_ERRNO */
#include "lwip/inet.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"

/* Milliseconds left of a wait of total_ms that started at start (sys_now). */
static int lft_net_lwip_left_ms(u32_t start, uint32_t total_ms)
{
    u32_t spent = sys_now() - start;
    if (spent >= total_ms) {
        return 0;
    }
    return total_ms - spent > (uint32_t)INT_MAX ? INT_MAX : (int)(total_ms - spent);
}

/*
 * Wait until fd is ready for events or total_ms since start have passed.
 * Returns 1 ready (also on POLLERR/POLLHUP: the next call reports it),
 * 0 time is up, -1 lwip_poll failed.
 */
static int lft_net_lwip_wait(int fd, short events, u32_t start, uint32_t total_ms)
{
    for (;;) {
        struct pollfd p;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        int r = lwip_poll(&p, 1, lft_net_lwip_left_ms(start, total_ms));
        if (r > 0) {
            return 1;
        }
        if (r == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

void lft_net_lwip_init(lft_net_lwip_t *n)
{
    n->fd = -1;
}

static void lft_net_lwip_close(void *ctx)
{
    lft_net_lwip_t *n = ctx;
    if (n->fd >= 0) {
        (void)lwip_close(n->fd);
        n->fd = -1;
    }
}

/* A non-blocking TCP socket with TCP_NODELAY; returns the fd or -1. */
static int lft_net_lwip_socket(void)
{
    int one = 1;
    int fd = lwip_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (fd < 0) {
        return -1;
    }
    int fl = lwip_fcntl(fd, F_GETFL, 0);
    if (fl < 0 || lwip_fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
        lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, (socklen_t)sizeof one) != 0) {
        (void)lwip_close(fd);
        return -1;
    }
    return fd;
}

static lft_err_t lft_net_lwip_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    lft_net_lwip_t *n = ctx;
    struct sockaddr_in sa;
    int err = 0;
    socklen_t elen = (socklen_t)sizeof err;

    lft_net_lwip_close(n);
    memset(&sa, 0, sizeof sa);
    if (host == NULL || port == 0 || lwip_inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        return LFT_ERR_ARG;
    }
    sa.sin_family = AF_INET;
    sa.sin_port = lwip_htons(port);
    u32_t start = sys_now();
    int fd = lft_net_lwip_socket();
    if (fd < 0) {
        return LFT_ERR_NET;
    }
    lft_err_t result = LFT_OK;
    if (lwip_connect(fd, (const struct sockaddr *)&sa, (socklen_t)sizeof sa) != 0) {
        if (errno != EINPROGRESS) {
            result = LFT_ERR_NET;
        } else {
            int w = lft_net_lwip_wait(fd, POLLOUT, start, timeout_ms);
            if (w == 0) {
                result = LFT_ERR_TIMEOUT;
            } else if (w < 0 || lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
                result = LFT_ERR_NET;
            }
        }
    }
    if (result != LFT_OK) {
        (void)lwip_close(fd);
        return result;
    }
    n->fd = fd;
    return LFT_OK;
}

/* Map errno after a failed send/recv. */
static int lft_net_lwip_errno(void)
{
    if (errno == ECONNRESET || errno == ECONNABORTED || errno == ENOTCONN || errno == EPIPE) {
        return LFT_ERR_CLOSED;
    }
    return LFT_ERR_NET;
}

/* One send (events POLLOUT) or recv (POLLIN) with the waiting rules of the
 * header. */
static int lft_net_lwip_io(lft_net_lwip_t *n, uint8_t *buf, size_t len, uint32_t timeout_ms, short events)
{
    if (buf == NULL || len == 0) {
        return LFT_ERR_ARG;
    }
    if (n->fd < 0) {
        return LFT_ERR_CLOSED;
    }
    if (len > (size_t)INT_MAX) {
        len = (size_t)INT_MAX;
    }
    u32_t start = sys_now();
    for (;;) {
        ssize_t r = events == POLLOUT ? lwip_send(n->fd, buf, len, 0) : lwip_recv(n->fd, buf, len, 0);
        if (r >= 0) {
            return (int)r;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return lft_net_lwip_errno();
        }
        if (timeout_ms == 0) {
            return LFT_ERR_WOULD_BLOCK;
        }
        int w = lft_net_lwip_wait(n->fd, events, start, timeout_ms);
        if (w == 0) {
            return LFT_ERR_TIMEOUT;
        }
        if (w < 0) {
            return LFT_ERR_NET;
        }
    }
}

static int lft_net_lwip_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    /* lwip_send only reads buf; the cast lets send and recv share one loop */
    return lft_net_lwip_io(ctx, (uint8_t *)(uintptr_t)buf, len, timeout_ms, POLLOUT);
}

static int lft_net_lwip_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    return lft_net_lwip_io(ctx, buf, len, timeout_ms, POLLIN);
}

const lft_net_ops_t lft_net_lwip_ops = {
    lft_net_lwip_connect,
    lft_net_lwip_send,
    lft_net_lwip_recv,
    lft_net_lwip_close,
};
