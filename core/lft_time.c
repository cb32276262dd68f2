/*
 * lft_time.c - monotonic record times and their conversion to wall-clock time.
 */
#include "lft_client_priv.h"
#include "lft_port.h"

lft_err_t lft_time_set_unix_us(lft_client_t *client, uint64_t unix_us)
{
    if (client == NULL || unix_us < LFT_UNIX_US_2020) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    int64_t now = lft_client_now(client);
    uint32_t st = lft_port_lock();
    client->wall_at_epoch_us = (uint64_t)((int64_t)unix_us - now);
    lft_port_unlock(st);
    return LFT_OK;
}

lft_err_t lft_time_set_unix_s(lft_client_t *client, uint64_t unix_s)
{
    if (unix_s > UINT64_MAX / 1000000u) {
        return LFT_ERR_ARG;
    }
    return lft_time_set_unix_us(client, unix_s * 1000000u);
}

lft_err_t lft_time_to_unix_us(const lft_client_t *client, int64_t offset_us, uint64_t *unix_us)
{
    if (client == NULL || unix_us == NULL) {
        return LFT_ERR_ARG;
    }
    if (!lft_client_ok(client)) {
        return LFT_ERR_HANDLE;
    }
    uint32_t st = lft_port_lock();
    uint64_t wall = client->wall_at_epoch_us;
    lft_port_unlock(st);
    if (wall == 0) {
        return LFT_ERR_NO_WALL_CLOCK;
    }
    *unix_us = (uint64_t)((int64_t)wall + offset_us);
    return LFT_OK;
}
