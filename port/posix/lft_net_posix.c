/*
 * lft_net_posix.c - TCP stream over BSD sockets (see lft_net_posix.h).
 */
#include "lft_net_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#if defined(MSG_NOSIGNAL)
#define LFT_NET_SEND_FLAGS MSG_NOSIGNAL
#else
#define LFT_NET_SEND_FLAGS 0
#endif

/* Monotonic milliseconds; the deadline arithmetic of this file. */
static uint64_t lft_net_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds left until deadline, as a poll() timeout. */
static int lft_net_left_ms(uint64_t deadline)
{
    uint64_t now = lft_net_now_ms();
    if (now >= deadline) {
        return 0;
    }
    return deadline - now > (uint64_t)INT_MAX ? INT_MAX : (int)(deadline - now);
}

/*
 * Wait until fd is ready for events or the deadline passes.
 * Returns 1 ready (also on POLLERR/POLLHUP: the next call reports it),
 * 0 deadline passed, -1 poll failed.
 */
static int lft_net_wait(int fd, short events, uint64_t deadline)
{
    for (;;) {
        struct pollfd p;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        int r = poll(&p, 1, lft_net_left_ms(deadline));
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

void lft_net_posix_init(lft_net_posix_t *n)
{
    n->fd = -1;
}

static void lft_net_posix_close(void *ctx)
{
    lft_net_posix_t *n = ctx;
    if (n->fd >= 0) {
        (void)close(n->fd);
        n->fd = -1;
    }
}

/* Set up one socket for ai; returns the fd or -1. */
static int lft_net_socket(const struct addrinfo *ai)
{
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        return -1;
    }
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, (socklen_t)sizeof one) != 0) {
        (void)close(fd);
        return -1;
    }
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, (socklen_t)sizeof one) != 0) {
        (void)close(fd);
        return -1;
    }
#endif
    return fd;
}

/*
 * Connect fd to ai within the deadline.
 * Returns LFT_OK, LFT_ERR_TIMEOUT or LFT_ERR_NET.
 */
static lft_err_t lft_net_connect_one(int fd, const struct addrinfo *ai, uint64_t deadline)
{
    int err = 0;
    socklen_t elen = (socklen_t)sizeof err;

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return LFT_OK;
    }
    if (errno != EINPROGRESS && errno != EINTR) {
        return LFT_ERR_NET;
    }
    int w = lft_net_wait(fd, POLLOUT, deadline);
    if (w == 0) {
        return LFT_ERR_TIMEOUT;
    }
    if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
        return LFT_ERR_NET;
    }
    return LFT_OK;
}

static lft_err_t lft_net_posix_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    lft_net_posix_t *n = ctx;
    struct addrinfo hints;
    struct addrinfo *list = NULL;
    const struct addrinfo *ai;
    char service[8];
    lft_err_t result = LFT_ERR_NET;

    lft_net_posix_close(n);
    if (host == NULL || host[0] == '\0' || port == 0) {
        return LFT_ERR_ARG;
    }
    uint64_t deadline = lft_net_now_ms() + timeout_ms;
    (void)snprintf(service, sizeof service, "%u", (unsigned)port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(host, service, &hints, &list) != 0 || list == NULL) {
        return LFT_ERR_NET;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        int fd = lft_net_socket(ai);
        if (fd < 0) {
            continue;
        }
        lft_err_t r = lft_net_connect_one(fd, ai, deadline);
        if (r == LFT_OK) {
            n->fd = fd;
            result = LFT_OK;
            break;
        }
        (void)close(fd);
        if (r == LFT_ERR_TIMEOUT) {
            /* the whole budget is spent: later addresses would get none */
            result = LFT_ERR_TIMEOUT;
            break;
        }
    }
    freeaddrinfo(list);
    return result;
}

/* Map errno after a failed send/recv. */
static int lft_net_errno(void)
{
    if (errno == ECONNRESET || errno == EPIPE) {
        return LFT_ERR_CLOSED;
    }
    return LFT_ERR_NET;
}

/* One send (out != NULL) or recv (into in) with the lft_port_net.h timeout
 * rules: EINTR retried, poll() until the deadline, 0 = do not wait. */
static int lft_net_posix_io(lft_net_posix_t *n, const uint8_t *out, uint8_t *in, size_t len, uint32_t timeout_ms)
{
    if ((out == NULL && in == NULL) || len == 0) {
        return LFT_ERR_ARG;
    }
    if (n->fd < 0) {
        return LFT_ERR_CLOSED;
    }
    if (len > (size_t)INT_MAX) {
        len = (size_t)INT_MAX;
    }
    uint64_t deadline = lft_net_now_ms() + timeout_ms;
    for (;;) {
        ssize_t r = out != NULL ? send(n->fd, out, len, LFT_NET_SEND_FLAGS) : recv(n->fd, in, len, 0);
        if (r >= 0) {
            return (int)r;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return lft_net_errno();
        }
        if (timeout_ms == 0) {
            return LFT_ERR_WOULD_BLOCK;
        }
        int w = lft_net_wait(n->fd, out != NULL ? POLLOUT : POLLIN, deadline);
        if (w == 0) {
            return LFT_ERR_TIMEOUT;
        }
        if (w < 0) {
            return LFT_ERR_NET;
        }
    }
}

static int lft_net_posix_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    if (buf == NULL) {
        return LFT_ERR_ARG;
    }
    return lft_net_posix_io(ctx, buf, NULL, len, timeout_ms);
}

static int lft_net_posix_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    if (buf == NULL) {
        return LFT_ERR_ARG;
    }
    return lft_net_posix_io(ctx, NULL, buf, len, timeout_ms);
}

const lft_net_ops_t lft_net_posix_ops = {
    lft_net_posix_connect,
    lft_net_posix_send,
    lft_net_posix_recv,
    lft_net_posix_close,
};
