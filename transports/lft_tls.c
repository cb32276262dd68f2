/*
 * lft_tls.c - mbedTLS 2.28 client stream over an lft_stream_t (see lft_tls.h).
 */
#include "lft_tls.h"

#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/net_sockets.h> /* MBEDTLS_ERR_NET_* codes only */
#include <mbedtls/pem.h>
#include <mbedtls/x509.h>

#include "lft_port.h"

/* ------------------------------------------------------------------ errors */

/* Is ret (possibly a high-level + low-level sum) an allocation failure? */
static int lft_tls_is_alloc(int ret)
{
    int low;
    int high;

    if (ret >= 0) {
        return 0;
    }
    low = -((-ret) & 0x7F);
    high = -((-ret) & 0x7F80);
    return low == MBEDTLS_ERR_MPI_ALLOC_FAILED || low == MBEDTLS_ERR_ASN1_ALLOC_FAILED ||
           high == MBEDTLS_ERR_SSL_ALLOC_FAILED || high == MBEDTLS_ERR_X509_ALLOC_FAILED ||
           high == MBEDTLS_ERR_PK_ALLOC_FAILED || high == MBEDTLS_ERR_ECP_ALLOC_FAILED ||
           high == MBEDTLS_ERR_CIPHER_ALLOC_FAILED || high == MBEDTLS_ERR_MD_ALLOC_FAILED ||
           high == MBEDTLS_ERR_PEM_ALLOC_FAILED || high == MBEDTLS_ERR_DHM_ALLOC_FAILED;
}

/*
 * The lft_err_t of a failed mbedTLS call. A failure of the lower stream
 * (recorded by the BIO callbacks) wins: it is the real cause.
 */
static lft_err_t lft_tls_map(const lft_tls_t *t, int ret)
{
    if (t->bio_err != LFT_OK) {
        return (lft_err_t)t->bio_err;
    }
    if (lft_tls_is_alloc(ret)) {
        return LFT_ERR_NO_MEMORY;
    }
    switch (ret) {
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
        return LFT_ERR_TLS_VERIFY;
    case MBEDTLS_ERR_SSL_WANT_READ:
    case MBEDTLS_ERR_SSL_WANT_WRITE:
        return LFT_ERR_WOULD_BLOCK;
    case MBEDTLS_ERR_SSL_TIMEOUT:
        return LFT_ERR_TIMEOUT;
    case MBEDTLS_ERR_SSL_CONN_EOF:
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    case MBEDTLS_ERR_NET_CONN_RESET:
        return LFT_ERR_CLOSED;
    default:
        return LFT_ERR_TLS;
    }
}

/* Allocation failures the configured arena has counted (0 without one). */
static uint32_t lft_tls_arena_failures(const lft_arena_t *arena)
{
    lft_arena_stats_t st;

    if (arena == NULL) {
        return 0;
    }
    lft_arena_stats(arena, &st);
    return st.failures;
}

/* ------------------------------------------------------------------ deadlines */

/* Start an operation: lower calls may wait until timeout_ms from now. */
static void lft_tls_op_begin(lft_tls_t *t, uint32_t timeout_ms, uint32_t wait_cap_ms)
{
    t->op_deadline_us = lft_port_time_mono_us() + (uint64_t)timeout_ms * 1000u;
    t->op_wait_cap_ms = wait_cap_ms;
    t->op_nonblock = timeout_ms == 0;
    t->bio_err = LFT_OK;
}

static int lft_tls_op_expired(const lft_tls_t *t)
{
    return !t->op_nonblock && lft_port_time_mono_us() >= t->op_deadline_us;
}

/* The timeout for one lower call: the operation's time left, capped.
 * Returns 0 for a non-blocking operation, -1 when the time is up. */
static int64_t lft_tls_op_wait_ms(const lft_tls_t *t)
{
    uint64_t now;
    uint64_t left_ms;

    if (t->op_nonblock) {
        return 0;
    }
    now = lft_port_time_mono_us();
    if (now >= t->op_deadline_us) {
        return -1;
    }
    left_ms = (t->op_deadline_us - now + 999u) / 1000u;
    return (int64_t)(left_ms < t->op_wait_cap_ms ? left_ms : t->op_wait_cap_ms);
}

/* ------------------------------------------------------------------ BIO */

static int lft_tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    lft_tls_t *t = ctx;
    int64_t ms = lft_tls_op_wait_ms(t);
    int r;

    if (ms < 0) {
        t->bio_err = LFT_ERR_TIMEOUT;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    r = t->lower.ops->send(t->lower.ctx, buf, len, (uint32_t)ms);
    if (r > 0) {
        return r;
    }
    t->bio_err = r == 0 ? LFT_ERR_NET : r;
    switch (r) {
    case LFT_ERR_WOULD_BLOCK:
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    case LFT_ERR_TIMEOUT:
        return MBEDTLS_ERR_SSL_TIMEOUT;
    case LFT_ERR_CLOSED:
        return MBEDTLS_ERR_NET_CONN_RESET;
    default:
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

/* mbedTLS's own timeout argument (conf read_timeout) is 0 = unused: the
 * wait is the current operation's (lft_tls_op_wait_ms). */
static int lft_tls_bio_recv(void *ctx, unsigned char *buf, size_t len, uint32_t mbedtls_timeout)
{
    lft_tls_t *t = ctx;
    int64_t ms = lft_tls_op_wait_ms(t);
    int r;

    (void)mbedtls_timeout;
    if (ms < 0) {
        t->bio_err = LFT_ERR_TIMEOUT;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    r = t->lower.ops->recv(t->lower.ctx, buf, len, (uint32_t)ms);
    if (r >= 0) {
        return r; /* 0: orderly close, mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
    }
    t->bio_err = r;
    switch (r) {
    case LFT_ERR_WOULD_BLOCK:
        return MBEDTLS_ERR_SSL_WANT_READ;
    case LFT_ERR_TIMEOUT:
        return MBEDTLS_ERR_SSL_TIMEOUT;
    case LFT_ERR_CLOSED:
        return MBEDTLS_ERR_NET_CONN_RESET;
    default:
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

/* ------------------------------------------------------------------ setup */

static int lft_tls_entropy_source(void *data, unsigned char *out, size_t len, size_t *olen)
{
    (void)data;
    if (lft_port_entropy(out, len) != 0) {
        *olen = 0;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

/* Called for every certificate of the chain the server sends: so only in a
 * full handshake. Verification itself is mbedTLS's (flags untouched). */
static int lft_tls_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    lft_tls_t *t = ctx;
    (void)crt;
    (void)depth;
    (void)flags;
    t->verify_called = 1;
    return 0;
}

/* Find needle in hay[0..n) (no NUL needed); NULL if absent. */
static const uint8_t *lft_tls_find(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

/*
 * PEM without the terminating NUL mbedtls_x509_crt_parse wants: decode
 * each certificate block in a stack buffer and parse it as DER.
 * Returns 0 when at least one certificate was parsed and none failed.
 */
static int lft_tls_parse_pem_nonul(mbedtls_x509_crt *crt, const uint8_t *pem, size_t len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    unsigned char der[LFT_TLS_PEM_DER_MAX];
    const uint8_t *p = pem;
    const uint8_t *stop = pem + len;
    int parsed = 0;

    for (;;) {
        const uint8_t *b = lft_tls_find(p, (size_t)(stop - p), begin);
        if (b == NULL) {
            break;
        }
        b += sizeof begin - 1u;
        const uint8_t *e = lft_tls_find(b, (size_t)(stop - b), end);
        if (e == NULL) {
            return MBEDTLS_ERR_X509_INVALID_FORMAT;
        }
        size_t olen = 0;
        int ret = mbedtls_base64_decode(der, sizeof der, &olen, b, (size_t)(e - b));
        if (ret == 0) {
            ret = mbedtls_x509_crt_parse_der(crt, der, olen);
        }
        if (ret != 0) {
            return ret;
        }
        parsed++;
        p = e + sizeof end - 1u;
    }
    return parsed > 0 ? 0 : MBEDTLS_ERR_X509_INVALID_FORMAT;
}

static int lft_tls_parse_ca(mbedtls_x509_crt *crt, const uint8_t *ca, size_t len)
{
    if (ca[len - 1u] != '\0' && lft_tls_find(ca, len, "-----BEGIN") != NULL) {
        return lft_tls_parse_pem_nonul(crt, ca, len);
    }
    /* PEM with NUL, or DER; > 0 means some PEM certificates did not parse */
    int ret = mbedtls_x509_crt_parse(crt, ca, len);
    return ret > 0 ? MBEDTLS_ERR_X509_INVALID_FORMAT : ret;
}

static void lft_tls_free_all(lft_tls_t *t)
{
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    mbedtls_ssl_session_free(&t->saved);
    t->have_saved = 0;
    t->open = 0;
    t->ready = 0;
}

lft_err_t lft_tls_init(lft_tls_t *t, const lft_tls_config_t *cfg, lft_stream_t lower)
{
    static const unsigned char pers[] = "lftrace-tls";
    int ret;

    if (t == NULL || cfg == NULL || lower.ops == NULL) {
        return LFT_ERR_ARG;
    }
    memset(t, 0, sizeof *t);
    uint32_t fails = lft_tls_arena_failures(cfg->arena);
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ssl_session_init(&t->saved);

    if (cfg->ca == NULL || cfg->ca_len == 0 || cfg->server_name == NULL ||
        cfg->server_name[0] == '\0') {
        lft_tls_free_all(t);
        return LFT_ERR_CONFIG;
    }
    t->lower = lower;
    t->server_name = cfg->server_name;
    t->arena = cfg->arena;
    t->handshake_timeout_ms = cfg->handshake_timeout_ms != 0 ? cfg->handshake_timeout_ms
                                                             : LFT_TLS_HANDSHAKE_TIMEOUT_MS_DEFAULT;
    t->read_timeout_ms = cfg->read_timeout_ms != 0 ? cfg->read_timeout_ms
                                                   : LFT_TLS_READ_TIMEOUT_MS_DEFAULT;

    ret = lft_tls_parse_ca(&t->ca, cfg->ca, cfg->ca_len);
    if (ret != 0) {
        lft_tls_free_all(t);
        return lft_tls_is_alloc(ret) || lft_tls_arena_failures(t->arena) != fails
                   ? LFT_ERR_NO_MEMORY : LFT_ERR_CONFIG;
    }

    ret = mbedtls_entropy_add_source(&t->entropy, lft_tls_entropy_source, NULL, 32,
                                     MBEDTLS_ENTROPY_SOURCE_STRONG);
    if (ret == 0) {
        ret = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, pers,
                                    sizeof pers - 1u);
    }
    if (ret != 0) {
        lft_tls_free_all(t);
        return LFT_ERR_ENTROPY;
    }

    ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret == 0) {
        mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                     MBEDTLS_SSL_MINOR_VERSION_3);
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
        mbedtls_ssl_conf_verify(&t->conf, lft_tls_verify_cb, t);
        mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
        mbedtls_ssl_conf_session_tickets(&t->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#endif
        ret = mbedtls_ssl_setup(&t->ssl, &t->conf);
    }
    if (ret != 0) {
        lft_tls_free_all(t);
        return lft_tls_is_alloc(ret) || lft_tls_arena_failures(t->arena) != fails
                   ? LFT_ERR_NO_MEMORY : LFT_ERR_TLS;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, lft_tls_bio_send, NULL, lft_tls_bio_recv);
    t->ready = 1;
    return LFT_OK;
}

/* ------------------------------------------------------------------ stream ops */

/*
 * Push out a record mbedTLS still holds (out_left: a send accepted bytes
 * the lower stream did not take yet). With out_left set, mbedtls_ssl_write
 * only flushes and ignores the data. Returns 0 or an lft_err_t.
 */
static int lft_tls_flush(lft_tls_t *t)
{
    static const unsigned char none[1] = { 0 };

    while (t->ssl.out_left != 0) {
        t->bio_err = LFT_OK;
        int ret = mbedtls_ssl_write(&t->ssl, none, sizeof none);
        if (ret >= 0) {
            break;
        }
        lft_err_t e = lft_tls_map(t, ret);
        if (e != LFT_ERR_WOULD_BLOCK || t->op_nonblock || lft_tls_op_expired(t)) {
            return e == LFT_ERR_WOULD_BLOCK && !t->op_nonblock ? LFT_ERR_TIMEOUT : e;
        }
    }
    return 0;
}

static void lft_tls_close(void *ctx)
{
    lft_tls_t *t = ctx;

    if (t == NULL || !t->ready) {
        return;
    }
    if (t->open) {
        /* best effort, bounded: a pending record first, then the alert */
        lft_tls_op_begin(t, t->read_timeout_ms, t->read_timeout_ms);
        if (lft_tls_flush(t) == 0) {
            for (;;) {
                t->bio_err = LFT_OK;
                int ret = mbedtls_ssl_close_notify(&t->ssl);
                if ((ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) ||
                    lft_tls_op_expired(t)) {
                    break;
                }
            }
        }
        t->open = 0;
    }
    t->lower.ops->close(t->lower.ctx);
}

static lft_err_t lft_tls_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    lft_tls_t *t = ctx;
    lft_err_t err;
    int ret;

    if (t == NULL || !t->ready) {
        return LFT_ERR_ARG;
    }
    lft_tls_close(t);
    err = t->lower.ops->connect(t->lower.ctx, host, port, timeout_ms);
    if (err != LFT_OK) {
        t->stats.handshakes_failed++;
        return err;
    }

    uint32_t fails = lft_tls_arena_failures(t->arena);
    t->bio_err = LFT_OK;
    ret = mbedtls_ssl_session_reset(&t->ssl);
    if (ret == 0) {
        ret = mbedtls_ssl_set_hostname(&t->ssl, t->server_name);
    }
    if (ret == 0 && t->have_saved) {
        ret = mbedtls_ssl_set_session(&t->ssl, &t->saved);
    }
    uint64_t start = lft_port_time_mono_us();
    lft_tls_op_begin(t, t->handshake_timeout_ms, t->read_timeout_ms);
    t->verify_called = 0;
    t->verify_flags = 0;
    while (ret == 0) {
        t->bio_err = LFT_OK;
        ret = mbedtls_ssl_handshake(&t->ssl);
        if (ret == 0) {
            break;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            break;
        }
        if (lft_tls_op_expired(t)) {
            t->bio_err = LFT_ERR_TIMEOUT;
            break;
        }
        ret = 0; /* want read/write with time left: go on */
    }
    if (ret != 0) {
        err = lft_tls_map(t, ret);
        if (err == LFT_ERR_WOULD_BLOCK) {
            err = LFT_ERR_TIMEOUT;
        }
        if (lft_tls_arena_failures(t->arena) != fails) {
            err = LFT_ERR_NO_MEMORY;
        }
        if (err == LFT_ERR_TLS_VERIFY) {
            t->verify_flags = mbedtls_ssl_get_verify_result(&t->ssl);
        }
        if (err == LFT_ERR_TLS || err == LFT_ERR_TLS_VERIFY) {
            mbedtls_ssl_session_free(&t->saved);
            mbedtls_ssl_session_init(&t->saved);
            t->have_saved = 0;
        }
        t->stats.handshakes_failed++;
        t->lower.ops->close(t->lower.ctx);
        return err;
    }

    uint64_t took = lft_port_time_mono_us() - start;
    t->stats.last_handshake_us = took > UINT32_MAX ? UINT32_MAX : (uint32_t)took;
    if (t->verify_called) {
        t->stats.handshakes_full++;
    } else {
        t->stats.handshakes_resumed++;
    }
    /* Keep this session for the next connect (a failed copy only costs resumption). */
    mbedtls_ssl_session_free(&t->saved);
    mbedtls_ssl_session_init(&t->saved);
    t->have_saved = mbedtls_ssl_get_session(&t->ssl, &t->saved) == 0;
    if (!t->have_saved) {
        mbedtls_ssl_session_free(&t->saved);
        mbedtls_ssl_session_init(&t->saved);
    }
    t->open = 1;
    return LFT_OK;
}

static int lft_tls_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    lft_tls_t *t = ctx;
    int ret;

    if (buf == NULL || len == 0) {
        return LFT_ERR_ARG;
    }
    if (!t->open) {
        return LFT_ERR_CLOSED;
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    lft_tls_op_begin(t, timeout_ms, UINT32_MAX);
    ret = lft_tls_flush(t);
    if (ret != 0) {
        return ret;
    }
    for (;;) {
        t->bio_err = LFT_OK;
        ret = mbedtls_ssl_write(&t->ssl, buf, len);
        if (ret > 0) {
            return ret;
        }
        if (t->ssl.out_left != 0) {
            /* The record is built and owned by mbedTLS; only its flush is
             * pending. Report it accepted unless the connection broke. */
            lft_err_t e = lft_tls_map(t, ret);
            if (e == LFT_ERR_WOULD_BLOCK || e == LFT_ERR_TIMEOUT) {
                int max = mbedtls_ssl_get_max_out_record_payload(&t->ssl);
                return max > 0 && (size_t)max < len ? max : (int)len;
            }
            return e;
        }
        lft_err_t e = lft_tls_map(t, ret);
        if (e != LFT_ERR_WOULD_BLOCK || t->op_nonblock) {
            return e;
        }
        if (lft_tls_op_expired(t)) {
            return LFT_ERR_TIMEOUT;
        }
    }
}

static int lft_tls_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    lft_tls_t *t = ctx;
    int ret;

    if (buf == NULL || len == 0) {
        return LFT_ERR_ARG;
    }
    if (!t->open) {
        return LFT_ERR_CLOSED;
    }
    lft_tls_op_begin(t, timeout_ms, UINT32_MAX);
    ret = lft_tls_flush(t);
    if (ret != 0) {
        return ret;
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    for (;;) {
        t->bio_err = LFT_OK;
        ret = mbedtls_ssl_read(&t->ssl, buf, len);
        if (ret >= 0) {
            return ret; /* 0: EOF */
        }
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
            return 0;
        }
        lft_err_t e = lft_tls_map(t, ret);
        /* WANT_* without a lower failure: a non-data record was consumed */
        if (e != LFT_ERR_WOULD_BLOCK || t->op_nonblock) {
            return e;
        }
        if (lft_tls_op_expired(t)) {
            return LFT_ERR_TIMEOUT;
        }
    }
}

const lft_net_ops_t lft_tls_ops = {
    lft_tls_connect,
    lft_tls_send,
    lft_tls_recv,
    lft_tls_close,
};

void lft_tls_deinit(lft_tls_t *t)
{
    if (t == NULL || !t->ready) {
        return;
    }
    lft_tls_close(t);
    lft_tls_free_all(t);
}

uint32_t lft_tls_verify_flags(const lft_tls_t *t)
{
    return t->verify_flags;
}

void lft_tls_stats(const lft_tls_t *t, lft_tls_stats_t *out)
{
    *out = t->stats;
}
