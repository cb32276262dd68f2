/*
 * lft_flush_thread.h - a ready-made POSIX flush thread for an exporter.
 *
 * The thread calls lft_poll() every period_ms, so the flush policy
 * (flush_at, flush_interval_ms, ring high-water) runs without the
 * application's help. lft_flush_thread_flush() lets any other thread block
 * until everything recorded so far is delivered; the exporter is only ever
 * driven by one thread at a time (a mutex serialises the two).
 */
#ifndef LFT_FLUSH_THREAD_H
#define LFT_FLUSH_THREAD_H

#include <pthread.h>
#include <stdint.h>

#include "lft_export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    lft_exporter_t *ex;
    pthread_t thread;
    pthread_mutex_t run_mutex;   /* held while the exporter is driven */
    pthread_mutex_t state_mutex; /* guards stop, with wake */
    pthread_cond_t wake;
    uint32_t period_ms;
    int stop;
    int running;
} lft_flush_thread_t;

/*
 * Start a thread polling ex (initialised with lft_export_init) every
 * period_ms (0: 50 ms). t must stay valid until lft_flush_thread_stop.
 * Errors: LFT_ERR_ARG (NULL), LFT_ERR_BUSY (t is running), LFT_ERR_NO_MEMORY
 * (the thread could not be created).
 */
lft_err_t lft_flush_thread_start(lft_flush_thread_t *t, lft_exporter_t *ex, uint32_t period_ms);

/*
 * lft_flush(ex, timeout_ms) from any thread, serialised with the flush
 * thread's polls. Returns what lft_flush returns; LFT_ERR_ARG when t is not
 * running.
 */
lft_err_t lft_flush_thread_flush(lft_flush_thread_t *t, uint32_t timeout_ms);

/*
 * Stop the thread (it finishes the step it is in), then shut the exporter
 * down with lft_export_shutdown(ex, timeout_ms): a final flush with that
 * deadline. Returns what lft_export_shutdown returns; LFT_ERR_ARG when t is
 * not running.
 */
lft_err_t lft_flush_thread_stop(lft_flush_thread_t *t, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* LFT_FLUSH_THREAD_H */
