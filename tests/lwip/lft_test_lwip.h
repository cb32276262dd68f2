/*
 * lft_test_lwip.h - what the two lwIP tests share: arguments, the CA file,
 * the seeds' support-query flow and a heap-free result line.
 */
#ifndef LFT_TEST_LWIP_H
#define LFT_TEST_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "lft_export.h"
#include "lftrace.h"

typedef struct {
    const char *ca;      /* --ca FILE (PEM) */
    const char *host;    /* --host NAME: TLS name (localhost) */
    const char *connect; /* --connect IPv4: the collector (192.0.2.1) */
    const char *local;   /* --local IPv4: lwIP's own address (192.0.2.2) */
    uint16_t port;       /* --port P */
    uint16_t closed_port;/* --closed-port P: nothing listens there (1) */
    const char *absent;  /* --absent IPv4: no host answers ARP there (192.0.2.77) */
    /* the namespace's DNS server (dns_responder.py); only test_lwip_raw
     * resolves names, the sockets test ignores these */
    const char *dns;      /* --dns IPv4: the DNS server (192.0.2.1) */
    const char *name;     /* --name NAME: resolves to the collector, in its certificate */
    const char *nxdomain; /* --nxdomain NAME: answered NXDOMAIN */
    const char *silent;   /* --silent NAME: never answered */
    const char *late;     /* --late NAME: answered after the asker gave up */
} lft_test_lwip_args_t;

/* Parse argv; exits 2 on a bad command line. */
void lft_test_lwip_args(int argc, char **argv, lft_test_lwip_args_t *a);

/* Read path into buf with open/read (no stdio, no heap) and NUL-terminate
 * it; returns the length including the NUL. Exits 2 on failure. */
size_t lft_test_lwip_read_file(const char *path, uint8_t *buf, size_t size);

/* Record the seeds' support-query flow (trace, retrieval span with a rerank
 * event, llm-answer generation with usage 42/18/60, helpfulness score).
 * Exits 3 when a recording call fails. */
void lft_test_lwip_flow_support(lft_client_t *client);

/* Exporter settings of both tests: keys pk-lf-test / sk-lf-test, OTLP
 * protobuf, short timeouts, log lines on stderr; the caller sets net and
 * tls_arena. */
void lft_test_lwip_export_config(lft_export_config_t *ec, const lft_test_lwip_args_t *a, const uint8_t *ca,
                                 size_t ca_len);

/* Print a printf-style line to stdout with write(2) only. */
void lft_test_lwip_say(const char *fmt, ...);

/* Report a failed check and exit 1. */
#define LFT_TEST_CHECK(cond)                                                                    \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            lft_test_lwip_say("FAIL %s:%d: %s", __FILE__, __LINE__, #cond);                      \
            _exit(1);                                                                           \
        }                                                                                       \
    } while (0)

#endif /* LFT_TEST_LWIP_H */
