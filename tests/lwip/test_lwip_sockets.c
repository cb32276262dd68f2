/*
 * test_lwip_sockets.c - the exporter over TLS over lft_net_lwip (lwIP
 * sockets, NO_SYS 0, Debian's liblwip) through the tests' own TAP driver to
 * the collector in the network namespace netns_run.sh creates.
 *
 * Checks the stream contract on the way (refused connect, connect timeout
 * towards an address nobody answers, bad arguments, I/O on a closed stream),
 * then records the support-query flow and flushes it; netns_run.sh checks
 * what the collector stored. Prints one JSON line with the counters.
 * Every wait is bounded (connect and I/O timeouts, flush deadline).
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/tcpip.h"

#include "lft_export.h"
#include "lft_net_lwip.h"
#include "lft_test_lwip.h"
#include "lft_test_tap.h"
#include "lft_tls_wrap.h"
#include "lftrace.h"

static uint8_t ring[65536];
static uint8_t arena_storage[64u * 1024u];
static uint8_t ca[8192];
static lft_arena_t arena;
static lft_client_t client;
static lft_exporter_t exporter;
static lft_net_lwip_t net;
static struct netif nif;
static lft_test_tap_t tap = { "tap0", -1 };
static volatile int rx_stop;

static void *rx_thread(void *arg)
{
    (void)arg;
    while (!rx_stop) {
        if (lft_test_tap_poll(&nif, 100) < 0) {
            lft_test_lwip_say("tap read failed");
            _exit(1);
        }
    }
    return NULL;
}

static void tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static uint32_t now_ms(void)
{
    return (uint32_t)sys_now();
}

/* The stream contract against real peers, before the exporter uses it. */
static void check_stream(const lft_test_lwip_args_t *a)
{
    uint8_t b[16];
    lft_net_lwip_init(&net);
    const lft_net_ops_t *ops = &lft_net_lwip_ops;
    LFT_TEST_CHECK(ops->send(&net, b, sizeof b, 0) == LFT_ERR_CLOSED);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_CLOSED);
    LFT_TEST_CHECK(ops->connect(&net, "localhost", a->port, 1000) == LFT_ERR_ARG);
    LFT_TEST_CHECK(ops->connect(&net, a->connect, 0, 1000) == LFT_ERR_ARG);
    /* a closed port: the peer's RST (lwIP says ECONNRESET) */
    uint32_t t0 = now_ms();
    LFT_TEST_CHECK(ops->connect(&net, a->connect, a->closed_port, 3000) == LFT_ERR_NET);
    LFT_TEST_CHECK(now_ms() - t0 < 1000);
    /* nobody answers ARP: the timeout decides, and on time */
    t0 = now_ms();
    LFT_TEST_CHECK(ops->connect(&net, a->absent, a->port, 300) == LFT_ERR_TIMEOUT);
    uint32_t spent = now_ms() - t0;
    LFT_TEST_CHECK(spent >= 290 && spent < 1500);
    /* the collector: connect, nothing to read yet, close twice */
    LFT_TEST_CHECK(ops->connect(&net, a->connect, a->port, 3000) == LFT_OK);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_WOULD_BLOCK);
    t0 = now_ms();
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 200) == LFT_ERR_TIMEOUT);
    spent = now_ms() - t0;
    LFT_TEST_CHECK(spent >= 190 && spent < 1500);
    ops->close(&net);
    ops->close(&net);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_CLOSED);
}

int main(int argc, char **argv)
{
    lft_test_lwip_args_t a;
    lft_test_lwip_args(argc, argv, &a);
    size_t ca_len = lft_test_lwip_read_file(a.ca, ca, sizeof ca);

    /* Debian's LWIP_RAND is rand(): seed it, or every run reuses the same
     * local ports and meets the previous run's TIME_WAIT on the Linux side */
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    sys_sem_t ready;
    LFT_TEST_CHECK(sys_sem_new(&ready, 0) == ERR_OK);
    tcpip_init(tcpip_ready, &ready);
    (void)sys_arch_sem_wait(&ready, 0);

    ip4_addr_t ip, mask, gw;
    LFT_TEST_CHECK(ip4addr_aton(a.local, &ip) && ip4addr_aton("255.255.255.0", &mask) &&
                   ip4addr_aton(a.connect, &gw));
    LOCK_TCPIP_CORE();
    struct netif *added = netif_add(&nif, &ip, &mask, &gw, &tap, lft_test_tap_netif_init, tcpip_input);
    if (added != NULL) {
        netif_set_default(&nif);
        netif_set_up(&nif);
        netif_set_link_up(&nif);
    }
    UNLOCK_TCPIP_CORE();
    if (added == NULL) {
        lft_test_lwip_say("cannot attach to %s (/dev/net/tun)", tap.name);
        return 1;
    }
    pthread_t rx;
    LFT_TEST_CHECK(pthread_create(&rx, NULL, rx_thread, NULL) == 0);
    /* the first ARP request left while the kernel side was still without
     * carrier; ask again instead of waiting lwIP's 1 s retry */
    usleep(20000);
    LOCK_TCPIP_CORE();
    (void)etharp_request(&nif, &gw);
    UNLOCK_TCPIP_CORE();

    check_stream(&a);

    lft_arena_init(&arena, arena_storage, sizeof arena_storage);
    lft_tls_wrap_install(&arena);
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .environment = "production",
                         .release = "v1.2.3", .service_name = "support-bot", .service_version = "1.0.0",
                         .device_id = "edge-7", .flush_at = 16, .flush_interval_ms = 100 };
    LFT_TEST_CHECK(lft_client_init(&client, &cfg) == LFT_OK);
    lft_export_config_t ec;
    lft_test_lwip_export_config(&ec, &a, ca, ca_len);
    ec.net.ops = &lft_net_lwip_ops;
    ec.net.ctx = &net;
    ec.tls_arena = &arena;
    LFT_TEST_CHECK(lft_export_init(&exporter, &client, &ec) == LFT_OK);

    lft_test_lwip_flow_support(&client);
    lft_err_t first = lft_flush(&exporter, 20000);
    /* a second flow on the same (kept-alive) connection */
    lft_test_lwip_flow_support(&client);
    lft_err_t second = lft_flush(&exporter, 20000);
    lft_err_t shut = lft_export_shutdown(&exporter, 5000);

    lft_stats_t s;
    LFT_TEST_CHECK(lft_client_stats(&client, &s) == LFT_OK);
    lft_arena_stats_t as;
    lft_arena_stats(&arena, &as);
    lft_test_lwip_say("{\"flush\":[\"%s\",\"%s\"],\"shutdown\":\"%s\",\"acknowledged\":%u,\"requests\":%u,"
                      "\"handshakes_full\":%u,\"handshakes_resumed\":%u,\"retries\":%u,"
                      "\"arena_high_water\":%zu,\"arena_in_use\":%zu}",
                      lft_err_str(first), lft_err_str(second), lft_err_str(shut), (unsigned)s.acknowledged,
                      (unsigned)s.requests, (unsigned)s.handshakes_full, (unsigned)s.handshakes_resumed,
                      (unsigned)s.retries, as.high_water, as.in_use);
    LFT_TEST_CHECK(first == LFT_OK && second == LFT_OK && shut == LFT_OK);
    LFT_TEST_CHECK(s.acknowledged == 10u /* 2 x (4 spans + 1 score) */);
    LFT_TEST_CHECK(s.handshakes_full >= 1u);
    LFT_TEST_CHECK(as.in_use == 0u);
    LFT_TEST_CHECK(lft_client_deinit(&client) == LFT_OK);
    lft_tls_wrap_install(NULL);
    rx_stop = 1;
    (void)pthread_join(rx, NULL);
    lft_test_lwip_say("PASS test_lwip_sockets");
    return 0;
}
