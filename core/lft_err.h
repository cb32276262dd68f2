/*
 * lft_err.h - the error codes every lftrace function returns.
 */
#ifndef LFT_ERR_H
#define LFT_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/* 0 is success; every failure is a distinct negative code. */
typedef enum {
    LFT_OK = 0,
    LFT_ERR_ARG = -1,           /* NULL pointer, out-of-range value or malformed argument */
    LFT_ERR_HANDLE = -2,        /* handle or client never initialised, or garbage */
    LFT_ERR_FOREIGN = -3,       /* handle belongs to another client or to an earlier init of this one */
    LFT_ERR_ENDED = -4,         /* the trace or observation has already ended */
    LFT_ERR_KIND = -5,          /* field or call not valid for this kind of observation */
    LFT_ERR_JSON = -6,          /* a value declared as JSON is not valid JSON */
    LFT_ERR_PROMPT = -7,        /* prompt version without prompt name, or name without version */
    LFT_ERR_TOO_LONG = -8,      /* id, key or model name longer than its fixed limit (never truncated) */
    LFT_ERR_RING_FULL = -9,     /* no room in the ring under the drop policy; nothing recorded */
    LFT_ERR_TOO_LARGE = -10,    /* the record could never fit (larger than the ring or 64 KiB) */
    LFT_ERR_NO_CONTEXT = -11,   /* no parent given and no current observation in this thread */
    LFT_ERR_CONTEXT = -12,      /* context pop of a handle that is not the current one */
    LFT_ERR_BUSY = -13,         /* a record reader is already open on this client */
    LFT_ERR_NO_WALL_CLOCK = -14,/* the wall-clock time is not known yet */
    LFT_ERR_CONFIG = -15,       /* invalid lft_config_t (ring too small, bad environment, ...) */
    LFT_ERR_ENTROPY = -16,      /* the port could not provide entropy to seed ids */
    /* transport (network, TLS, HTTP, delivery) */
    LFT_ERR_NET = -17,          /* network error: name not resolved, connection refused or reset */
    LFT_ERR_TIMEOUT = -18,      /* a connect, handshake, send or receive took longer than its timeout */
    LFT_ERR_WOULD_BLOCK = -19,  /* non-blocking call (timeout 0): nothing could be done yet */
    LFT_ERR_CLOSED = -20,       /* the peer closed the connection */
    LFT_ERR_TLS = -21,          /* TLS failure other than verification (handshake alert, bad record) */
    LFT_ERR_TLS_VERIFY = -22,   /* the server certificate was refused (untrusted CA, wrong host name, expired) */
    LFT_ERR_NO_MEMORY = -23,    /* a caller-provided arena or buffer is exhausted */
    LFT_ERR_HTTP = -24,         /* the server's reply is not valid HTTP/1.1 (or over a bound) */
    LFT_ERR_REJECTED = -25,     /* the server refused the data for good (4xx other than 408/413/429) */
    LFT_ERR_PENDING = -26,      /* a flush deadline passed while records were still unacknowledged */
    /* Not a code: keeps lft_err_t as wide as int under -fshort-enums (the
     * arm-none-eabi default), so module codes below -128 (lft_reply.h) keep
     * their values. */
    LFT_ERR_INT_WIDTH_ = -2147483647 - 1
} lft_err_t;

/* Short constant name of an error code ("LFT_ERR_JSON"); never NULL. */
const char *lft_err_str(lft_err_t err);

#ifdef __cplusplus
}
#endif
#endif /* LFT_ERR_H */
