/*
 * examples/lwip/app.c - lftrace in super-loop firmware on lwIP NO_SYS 1:
 * one loop runs the network stack, the application and the tracer; nothing
 * ever blocks longer than a timeout, and there is no heap (lwIP on its
 * static pools, mbedTLS on a static lft_arena, lftrace on a static ring).
 *
 * (Named app.c, not main.c, so that the host build's examples/<name>/main.c
 * glob leaves it alone: it needs lwIP built from source, which
 * tests/lwip/run.sh does.)
 *
 * On the host it runs over the tests' TAP driver (tests/lwip/lft_test_tap.c)
 * and lwIP configuration (tests/lwip/nosys/lwipopts.h); on a board,
 * replace board_net_poll with the Ethernet driver's poll and sys_now with
 * the board's millisecond tick.
 *
 *   lft_example_lwip CA.pem SERVER_IP PORT [SERVER_NAME]
 *     (inside a network namespace with tap0 = SERVER_IP/24; see
 *      tests/lwip/netns_run.sh for the setup)
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "lft_export.h"
#include "lft_net_lwip_raw.h"
#include "lft_test_heap_guard.h"
#include "lft_test_tap.h"
#include "lftrace.h"

static uint8_t ring[8192];                 /* recorded observations */
static uint8_t tls_arena_storage[64u * 1024u]; /* every byte mbedTLS allocates */
static uint8_t tcp_rx[2048];               /* the raw stream's receive buffer */
static uint8_t ca[8192];
static lft_arena_t tls_arena;
static lft_client_t client;
static lft_exporter_t exporter;
static lft_net_lwip_raw_t tcp;
static struct netif eth;
static lft_test_tap_t tap = { "tap0", -1 };

/* Run the stack once: received frames into lwIP, then its timers. The raw
 * stream calls this while it waits; the main loop calls it every turn. */
static void board_net_poll(void *ctx)
{
    (void)lft_test_tap_poll(ctx, 1);
    sys_check_timeouts();
}

static size_t load_ca(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(ca, 1, sizeof ca - 1u, f);
    fclose(f);
    ca[n++] = '\0';
    return n;
}

/* One unit of application work: answer a question, traced. */
static void answer_question(void)
{
    static const lft_usage_t usage[] = { { "input", 42 }, { "output", 18 }, { "total", 60 } };
    lft_trace_t trace = LFT_OBS_INIT;
    if (lft_trace_start(&client, &trace, "support-query", NULL) != LFT_OK) {
        return; /* ring full or bad input: the device carries on */
    }
    lft_obs_t llm = LFT_OBS_INIT;
    lft_obs_opts_t start = { .model = "gpt-4o-mini", .input = LFT_TEXT("How do I reset my password?") };
    if (lft_generation_start(&llm, &trace, "llm-answer", &start) == LFT_OK) {
        lft_obs_opts_t end = { .output = LFT_TEXT("Settings > Security > Reset password."), .usage = usage,
                               .usage_count = 3 };
        (void)lft_obs_end(&llm, &end);
    }
    (void)lft_trace_end(&trace, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s CA.pem SERVER_IP PORT [SERVER_NAME]\n", argv[0]);
        return 2;
    }
    size_t ca_len = load_ca(argv[1]); /* before the heap guard: stdio uses the C library's heap */
    if (ca_len == 0) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }

    lwip_init();
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, 192, 0, 2, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    if (!ip4addr_aton(argv[2], &gw) ||
        netif_add(&eth, &ip, &mask, &gw, &tap, lft_test_tap_netif_init, ethernet_input) == NULL) {
        fprintf(stderr, "no network interface (tap0 in this namespace?)\n");
        return 1;
    }
    netif_set_default(&eth);
    netif_set_up(&eth);
    netif_set_link_up(&eth);
    lft_net_lwip_raw_init(&tcp, tcp_rx, sizeof tcp_rx, board_net_poll, &eth);

    lft_arena_init(&tls_arena, tls_arena_storage, sizeof tls_arena_storage);
    lft_test_heap_guard_install(&tls_arena); /* from here on: no heap but this arena */
    lft_config_t cfg = { .ring = ring, .ring_size = sizeof ring, .service_name = "lwip-example",
                         .flush_interval_ms = 1000 };
    lft_export_config_t ec = { .host = argc > 4 ? argv[4] : "localhost", .connect_host = argv[2],
                               .port = (uint16_t)atoi(argv[3]), .public_key = "pk-lf-test",
                               .secret_key = "sk-lf-test", .net = { &lft_net_lwip_raw_ops, &tcp },
                               .ca = ca, .ca_len = ca_len, .tls_arena = &tls_arena };
    if (lft_client_init(&client, &cfg) != LFT_OK || lft_export_init(&exporter, &client, &ec) != LFT_OK) {
        return 1;
    }

    /* the super-loop: 30 s of work, one question every 2 s */
    uint32_t start = sys_now(), last_question = 0;
    int first = 1;
    while (sys_now() - start < 30000u) {
        board_net_poll(&eth);
        if (first || sys_now() - last_question >= 2000u) {
            answer_question();
            last_question = sys_now();
            first = 0;
        }
        (void)lft_poll(&exporter); /* returns at once unless a flush is due */
    }
    lft_err_t e = lft_export_shutdown(&exporter, 5000);
    lft_stats_t s;
    (void)lft_client_stats(&client, &s);
    printf("shutdown %s: %u observations acknowledged in %u requests\n", lft_err_str(e),
           (unsigned)s.acknowledged, (unsigned)s.requests);
    return e == LFT_OK ? 0 : 1;
}
