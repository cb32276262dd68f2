/*
 * fp_stubs.c - stand-ins for what the whole-client footprint leaves out:
 * the TLS layer (transports/lft_tls.c, which is mbedTLS), mbedTLS's base64
 * encoder and a network stream (lwIP's job). Measured separately from the
 * figures: footprint.sh lists them as "stubs".
 */
#include <stddef.h>
#include <stdint.h>

#include "lft_tls.h"

static lft_err_t fp_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx; (void)host; (void)port; (void)timeout_ms;
    return LFT_ERR_NET;
}
static int fp_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx; (void)buf; (void)timeout_ms;
    return (int)len;
}
static int fp_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)ctx; (void)buf; (void)len; (void)timeout_ms;
    return 0;
}
static void fp_close(void *ctx)
{
    (void)ctx;
}

const lft_net_ops_t lft_tls_ops = { fp_connect, fp_send, fp_recv, fp_close };
const lft_net_ops_t fp_net_ops = { fp_connect, fp_send, fp_recv, fp_close };

lft_err_t lft_tls_init(lft_tls_t *t, const lft_tls_config_t *cfg, lft_stream_t lower)
{
    (void)t; (void)cfg; (void)lower;
    return LFT_OK;
}
void lft_tls_deinit(lft_tls_t *t)
{
    (void)t;
}
void lft_tls_stats(const lft_tls_t *t, lft_tls_stats_t *out)
{
    (void)t; (void)out;
}
int mbedtls_base64_encode(unsigned char *dst, size_t dlen, size_t *olen, const unsigned char *src,
                          size_t slen)
{
    (void)dst; (void)dlen; (void)src;
    *olen = (slen + 2u) / 3u * 4u;
    return 0;
}
