/*
 * test_lwip_raw.c - super-loop firmware on the host: lwIP NO_SYS 1 built
 * from Debian's source package with static pools (nosys/lwipopts.h), the
 * raw-API stream lft_net_lwip_raw, mbedTLS on an lft_arena and lftrace, all
 * driven from one loop, flushing the support-query flow over TLS through
 * the tests' TAP driver to the collector in the namespace netns_run.sh
 * creates. The exporter reaches the collector by name: lwIP's DNS client
 * asks the namespace's dns_responder.py, and TLS verifies the same name
 * (the collector's certificate carries it next to localhost), as firmware
 * configured with host "cloud.langfuse.com" would.
 *
 * No heap at all: the program is linked with malloc/calloc/realloc/free
 * wrapped (lft_test_heap_guard.c) - malloc and realloc abort, calloc/free
 * serve only the TLS arena - and the C library's own heap must not grow
 * either (mallinfo2 before and after; only glibc's one-time time zone load,
 * done before the first snapshot, is allowed). Prints one JSON line with the
 * allocation counts and the exporter's counters.
 */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <string.h>

#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "lft_export.h"
#include "lft_net_lwip_raw.h"
#include "lft_test_heap_guard.h"
#include "lft_test_lwip.h"
#include "lft_test_tap.h"
#include "lftrace.h"

static uint8_t ring[16384];
static uint8_t arena_storage[64u * 1024u];
static uint8_t ca[8192];
static uint8_t rx_buf[2048];
static lft_arena_t arena;
static lft_client_t client;
static lft_exporter_t exporter;
static lft_net_lwip_raw_t net;
static struct netif nif;
static lft_test_tap_t tap = { "tap0", -1 };
static uint32_t stack_polls;
static int late_answer; /* the test's own callback for the late name: 1 address, 2 none */

/* The hook lft_net_lwip_raw calls while it waits: run the stack once. */
static void poll_stack(void *ctx)
{
    struct netif *n = ctx;
    if (lft_test_tap_poll(n, 1) < 0) {
        lft_test_lwip_say("tap read failed");
        _exit(1);
    }
    sys_check_timeouts();
    stack_polls++;
}

static void check_stream(const lft_test_lwip_args_t *a)
{
    uint8_t b[16];
    const lft_net_ops_t *ops = &lft_net_lwip_raw_ops;
    lft_net_lwip_raw_t bad;
    lft_net_lwip_raw_init(&bad, rx_buf, sizeof rx_buf, NULL, NULL);
    LFT_TEST_CHECK(ops->connect(&bad, a->connect, a->port, 100) == LFT_ERR_ARG); /* no poll hook */
    LFT_TEST_CHECK(ops->send(&net, b, sizeof b, 0) == LFT_ERR_CLOSED);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_CLOSED);
    LFT_TEST_CHECK(ops->connect(&net, NULL, a->port, 100) == LFT_ERR_ARG);
    LFT_TEST_CHECK(ops->connect(&net, "", a->port, 100) == LFT_ERR_ARG);
    LFT_TEST_CHECK(ops->connect(&net, a->connect, 0, 100) == LFT_ERR_ARG);
    u32_t t0 = sys_now();
    LFT_TEST_CHECK(ops->connect(&net, a->connect, a->closed_port, 3000) == LFT_ERR_NET); /* RST */
    LFT_TEST_CHECK(sys_now() - t0 < 1000);
    t0 = sys_now();
    LFT_TEST_CHECK(ops->connect(&net, a->absent, a->port, 300) == LFT_ERR_TIMEOUT); /* no ARP reply */
    u32_t spent = sys_now() - t0;
    LFT_TEST_CHECK(spent >= 300 && spent < 1500);
    LFT_TEST_CHECK(ops->connect(&net, a->connect, a->port, 3000) == LFT_OK);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_WOULD_BLOCK);
    t0 = sys_now();
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 200) == LFT_ERR_TIMEOUT);
    spent = sys_now() - t0;
    LFT_TEST_CHECK(spent >= 200 && spent < 1500);
    ops->close(&net);
    ops->close(&net);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_CLOSED);
}

static void on_late_answer(const char *name, const ip_addr_t *ipaddr, void *arg)
{
    (void)name;
    (void)arg;
    late_answer = ipaddr != NULL ? 1 : 2;
}

/*
 * Names through lwIP's DNS client and dns_responder.py: errors before any
 * query, NXDOMAIN, no answer, an answer that comes after connect gave up
 * (it must touch neither the stream that asked - its storage is reused at
 * once - nor the connect waiting when it arrives), and a name that works.
 */
static void check_dns(const lft_test_lwip_args_t *a)
{
    const lft_net_ops_t *ops = &lft_net_lwip_raw_ops;
    static char long_name[DNS_MAX_NAME_LENGTH + 1];
    memset(long_name, 'a', DNS_MAX_NAME_LENGTH);
    LFT_TEST_CHECK(ops->connect(&net, long_name, a->port, 100) == LFT_ERR_ARG);
    LFT_TEST_CHECK(ops->connect(&net, a->name, a->port, 100) == LFT_ERR_NET); /* no DNS server yet */
    ip_addr_t server;
    LFT_TEST_CHECK(ipaddr_aton(a->dns, &server));
    dns_setserver(0, &server);

    u32_t t0 = sys_now();
    LFT_TEST_CHECK(ops->connect(&net, a->nxdomain, a->port, 3000) == LFT_ERR_NET);
    LFT_TEST_CHECK(sys_now() - t0 < 1000);

    /* the late name: connect gives up, its storage is reused at once */
    static uint8_t gone_rx[64];
    static lft_net_lwip_raw_t gone;
    static const uint8_t reused = 0xA5;
    lft_net_lwip_raw_init(&gone, gone_rx, sizeof gone_rx, poll_stack, &nif);
    t0 = sys_now();
    LFT_TEST_CHECK(ops->connect(&gone, a->late, a->port, 200) == LFT_ERR_TIMEOUT);
    u32_t spent = sys_now() - t0;
    LFT_TEST_CHECK(spent >= 200 && spent < 1400);
    memset(&gone, reused, sizeof gone);

    /* no answer at all; the late answer arrives meanwhile (0.6 s after its
     * query) and must not complete this connect */
    t0 = sys_now();
    LFT_TEST_CHECK(ops->connect(&net, a->silent, a->port, 1000) == LFT_ERR_TIMEOUT);
    spent = sys_now() - t0;
    LFT_TEST_CHECK(spent >= 1000 && spent < 2200);

    /* the late answer reached lwIP (cached now, or our own request on the
     * same query reports it) and left the reused storage alone */
    ip_addr_t addr;
    err_t e = dns_gethostbyname(a->late, &addr, on_late_answer, NULL);
    LFT_TEST_CHECK(e == ERR_OK || e == ERR_INPROGRESS);
    for (t0 = sys_now(); e == ERR_INPROGRESS && late_answer == 0 && sys_now() - t0 < 10000;) {
        poll_stack(&nif);
    }
    LFT_TEST_CHECK(e == ERR_OK || late_answer == 1);
    for (size_t i = 0; i < sizeof gone; i++) {
        LFT_TEST_CHECK(((const uint8_t *)&gone)[i] == reused);
    }
    LFT_TEST_CHECK(ops->connect(&net, a->late, a->port, 3000) == LFT_OK); /* from lwIP's cache */
    ops->close(&net);

    /* by name: resolved, connected, the stream works */
    uint8_t b[16];
    LFT_TEST_CHECK(ops->connect(&net, a->name, a->port, 3000) == LFT_OK);
    LFT_TEST_CHECK(ops->recv(&net, b, sizeof b, 0) == LFT_ERR_WOULD_BLOCK);
    LFT_TEST_CHECK(ops->send(&net, (const uint8_t *)"x", 1, 1000) == 1);
    ops->close(&net);
    lft_test_lwip_say("dns checks passed: %s resolved and connected; %s NXDOMAIN -> LFT_ERR_NET; "
                      "%s unanswered -> LFT_ERR_TIMEOUT in %u ms (budget 1000); %s answered late, "
                      "ignored by the stream", a->name, a->nxdomain, a->silent, (unsigned)spent, a->late);
}

int main(int argc, char **argv)
{
    lft_test_lwip_args_t a;
    lft_test_lwip_args(argc, argv, &a);
    size_t ca_len = lft_test_lwip_read_file(a.ca, ca, sizeof ca);
    /* glibc's gmtime_r (mbedTLS checks certificate dates with it) loads the
     * time zone once, on libc's own heap: do that one-time setup first, so
     * that the libc heap must stay exactly as it is from here on */
    tzset();
    struct mallinfo2 heap_before = mallinfo2();

    lwip_init();
    ip4_addr_t ip, mask, gw;
    LFT_TEST_CHECK(ip4addr_aton(a.local, &ip) && ip4addr_aton("255.255.255.0", &mask) &&
                   ip4addr_aton(a.connect, &gw));
    if (netif_add(&nif, &ip, &mask, &gw, &tap, lft_test_tap_netif_init, ethernet_input) == NULL) {
        lft_test_lwip_say("cannot attach to %s (/dev/net/tun)", tap.name);
        return 1;
    }
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    lft_net_lwip_raw_init(&net, rx_buf, sizeof rx_buf, poll_stack, &nif);
    /* let the kernel side get carrier, then ARP for the peer again (lwIP's
     * first request was lost and it would only retry after 1 s) */
    for (u32_t t0 = sys_now(); sys_now() - t0 < 20;) {
        poll_stack(&nif);
    }
    (void)etharp_request(&nif, &gw);

    check_stream(&a);
    check_dns(&a);

    lft_arena_init(&arena, arena_storage, sizeof arena_storage);
    lft_test_heap_guard_install(&arena);
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .environment = "production",
                         .release = "v1.2.3", .service_name = "support-bot", .service_version = "1.0.0",
                         .device_id = "edge-7", .flush_at = 4, .flush_interval_ms = 100 };
    LFT_TEST_CHECK(lft_client_init(&client, &cfg) == LFT_OK);
    lft_export_config_t ec;
    lft_test_lwip_export_config(&ec, &a, ca, ca_len);
    ec.host = a.name; /* connect to it (resolved by lwIP) and verify it */
    ec.connect_host = NULL;
    ec.net.ops = &lft_net_lwip_raw_ops;
    ec.net.ctx = &net;
    ec.tls_arena = &arena;
    LFT_TEST_CHECK(lft_export_init(&exporter, &client, &ec) == LFT_OK);

    /* the super-loop: the stack, the tracer's poll step, and the
     * application recording; bounded by 30 s and 100000 turns */
    lft_test_lwip_flow_support(&client);
    lft_stats_t s;
    uint32_t turns = 0;
    u32_t t0 = sys_now();
    do {
        poll_stack(&nif);
        (void)lft_poll(&exporter);
        LFT_TEST_CHECK(lft_client_stats(&client, &s) == LFT_OK);
        turns++;
    } while (s.acknowledged < 5u && sys_now() - t0 < 30000u && turns < 100000u);
    lft_err_t shut = lft_export_shutdown(&exporter, 5000);
    LFT_TEST_CHECK(lft_client_stats(&client, &s) == LFT_OK);

    lft_arena_stats_t as;
    lft_arena_stats(&arena, &as);
    lft_test_heap_counts_t hc;
    lft_test_heap_guard_counts(&hc);
    struct mallinfo2 heap_after = mallinfo2();
    lft_test_lwip_say("{\"shutdown\":\"%s\",\"acknowledged\":%u,\"requests\":%u,\"handshakes_full\":%u,"
                      "\"retries\":%u,\"loop_turns\":%u,\"stack_polls\":%u,\"malloc\":%u,\"realloc\":%u,"
                      "\"foreign\":%u,\"arena_callocs\":%u,\"arena_frees\":%u,\"arena_failures\":%u,"
                      "\"arena_high_water\":%zu,\"arena_in_use\":%zu,\"libc_heap_before\":%zu,"
                      "\"libc_heap_after\":%zu}",
                      lft_err_str(shut), (unsigned)s.acknowledged, (unsigned)s.requests,
                      (unsigned)s.handshakes_full, (unsigned)s.retries, (unsigned)turns, (unsigned)stack_polls,
                      (unsigned)hc.malloc_calls, (unsigned)hc.realloc_calls, (unsigned)hc.foreign_calls,
                      (unsigned)hc.arena_callocs, (unsigned)hc.arena_frees, (unsigned)hc.arena_failures,
                      as.high_water, as.in_use, heap_before.uordblks + heap_before.hblkhd,
                      heap_after.uordblks + heap_after.hblkhd);
    LFT_TEST_CHECK(shut == LFT_OK);
    LFT_TEST_CHECK(s.acknowledged == 5u /* 4 spans + 1 score */ && s.handshakes_full == 1u);
    LFT_TEST_CHECK(hc.malloc_calls == 0u && hc.realloc_calls == 0u && hc.foreign_calls == 0u);
    LFT_TEST_CHECK(hc.arena_callocs > 0u && hc.arena_failures == 0u);
    LFT_TEST_CHECK(hc.arena_frees == hc.arena_callocs && as.in_use == 0u); /* TLS state all freed */
    LFT_TEST_CHECK(heap_after.uordblks == heap_before.uordblks && heap_after.hblkhd == heap_before.hblkhd);
    LFT_TEST_CHECK(lft_client_deinit(&client) == LFT_OK);
    lft_test_lwip_say("PASS test_lwip_raw");
    return 0;
}
