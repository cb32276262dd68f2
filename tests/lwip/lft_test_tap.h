/*
 * lft_test_tap.h - the tests' own lwIP Ethernet driver over a Linux TAP
 * device (Debian's tapif corrupts its heap on frames over about 590 bytes:
 * its PBUF_POOL size does not match its headers; see
 * ../shared/notes/lwip-mbedtls.md). Received frames go into PBUF_RAM pbufs.
 *
 * Use with either lwIP build: NO_SYS 0 (Debian's liblwip, input
 * tcpip_input, lft_test_tap_poll from an RX thread) or NO_SYS 1 (input
 * ethernet_input, lft_test_tap_poll from the super-loop).
 *
 *   static lft_test_tap_t tap = { "tap0", -1 };
 *   netif_add(&nif, &ip, &mask, &gw, &tap, lft_test_tap_netif_init, ethernet_input);
 */
#ifndef LFT_TEST_TAP_H
#define LFT_TEST_TAP_H

#include "lwip/netif.h"

typedef struct {
    const char *name; /* an existing TAP device (ip tuntap add ... mode tap) */
    int fd;           /* set by lft_test_tap_netif_init */
} lft_test_tap_t;

/* netif_add init callback; netif->state is an lft_test_tap_t *. Opens
 * /dev/net/tun, attaches to the device; MAC 02:00:5e:00:53:02, MTU 1500.
 * Returns ERR_IF when the device cannot be opened. */
err_t lft_test_tap_netif_init(struct netif *netif);

/* Wait up to wait_ms for frames and feed every frame that is ready to
 * netif->input. Returns the number of frames, -1 on a device error. */
int lft_test_tap_poll(struct netif *netif, int wait_ms);

#endif /* LFT_TEST_TAP_H */
