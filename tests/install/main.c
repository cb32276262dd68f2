/* A consumer of lftrace: initialises a client on a static ring with the POSIX
 * port and prints the result's name, which must be LFT_OK. */
#include <stdio.h>

#include "lftrace.h"

int main(void)
{
    static unsigned char ring[1024];
    static lft_client_t client;
    lft_config_t cfg = { 0 };
    lft_err_t err;

    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    err = lft_client_init(&client, &cfg);
    puts(lft_err_str(err));
    return err == LFT_OK ? 0 : 1;
}
