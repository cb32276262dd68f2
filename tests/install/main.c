/* A consumer of the installed lftrace: initialises a client, prints LFT_OK. */
#include <stdio.h>

#include "lftrace.h"

int main(void)
{
    static unsigned char ring[1024];
    static lft_client_t client;
    lft_config_t cfg = { 0 };
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    puts(lft_err_str(lft_client_init(&client, &cfg)));
    return 0;
}
