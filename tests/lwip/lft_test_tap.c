/*
 * lft_test_tap.c - lwIP Ethernet driver over a Linux TAP device (see
 * lft_test_tap.h).
 */
#define _DEFAULT_SOURCE
#include "lft_test_tap.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"

static err_t tap_linkoutput(struct netif *netif, struct pbuf *p)
{
    lft_test_tap_t *tap = netif->state;
    unsigned char frame[1518];
    if (p->tot_len > sizeof frame) {
        return ERR_IF;
    }
    u16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    return write(tap->fd, frame, len) == (ssize_t)len ? ERR_OK : ERR_IF;
}

err_t lft_test_tap_netif_init(struct netif *netif)
{
    lft_test_tap_t *tap = netif->state;
    struct ifreq ifr;
    static const u8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x02 };

    tap->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (tap->fd < 0) {
        return ERR_IF;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, tap->name, sizeof ifr.ifr_name - 1);
    if (ioctl(tap->fd, TUNSETIFF, &ifr) != 0) {
        close(tap->fd);
        tap->fd = -1;
        return ERR_IF;
    }
    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->output = etharp_output;
    netif->linkoutput = tap_linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, mac, sizeof mac);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

int lft_test_tap_poll(struct netif *netif, int wait_ms)
{
    lft_test_tap_t *tap = netif->state;
    unsigned char frame[1518];
    int frames = 0;
    for (;;) {
        struct pollfd p = { tap->fd, POLLIN, 0 };
        int r = poll(&p, 1, frames == 0 ? wait_ms : 0);
        if (r <= 0) {
            return r < 0 ? -1 : frames;
        }
        ssize_t len = read(tap->fd, frame, sizeof frame);
        if (len <= 0) {
            return len < 0 ? -1 : frames;
        }
        struct pbuf *pb = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM); /* never PBUF_POOL: Debian bug */
        if (pb == NULL) {
            continue; /* out of memory: the frame is dropped, TCP retransmits */
        }
        (void)pbuf_take(pb, frame, (u16_t)len);
        if (netif->input(pb, netif) != ERR_OK) {
            (void)pbuf_free(pb);
        }
        frames++;
    }
}
