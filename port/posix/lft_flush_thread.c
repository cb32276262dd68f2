/*
 * lft_flush_thread.c - POSIX flush thread (see lft_flush_thread.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "lft_flush_thread.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static void *lft_flush_thread_main(void *arg)
{
    lft_flush_thread_t *t = arg;
    for (;;) {
        pthread_mutex_lock(&t->state_mutex);
        if (t->stop) {
            pthread_mutex_unlock(&t->state_mutex);
            return NULL;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(t->period_ms / 1000u);
        until.tv_nsec += (long)(t->period_ms % 1000u) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!t->stop && rc != ETIMEDOUT) {
            rc = pthread_cond_timedwait(&t->wake, &t->state_mutex, &until);
        }
        const int stop = t->stop;
        pthread_mutex_unlock(&t->state_mutex);
        if (stop) {
            return NULL;
        }
        pthread_mutex_lock(&t->run_mutex);
        (void)lft_poll(t->ex);
        pthread_mutex_unlock(&t->run_mutex);
    }
}

lft_err_t lft_flush_thread_start(lft_flush_thread_t *t, lft_exporter_t *ex, uint32_t period_ms)
{
    if (t == NULL || ex == NULL) {
        return LFT_ERR_ARG;
    }
    if (t->running) {
        return LFT_ERR_BUSY;
    }
    memset(t, 0, sizeof *t);
    t->ex = ex;
    t->period_ms = period_ms != 0u ? period_ms : 50u;
    if (pthread_mutex_init(&t->run_mutex, NULL) != 0) {
        return LFT_ERR_NO_MEMORY;
    }
    if (pthread_mutex_init(&t->state_mutex, NULL) != 0) {
        pthread_mutex_destroy(&t->run_mutex);
        return LFT_ERR_NO_MEMORY;
    }
    if (pthread_cond_init(&t->wake, NULL) != 0) {
        pthread_mutex_destroy(&t->state_mutex);
        pthread_mutex_destroy(&t->run_mutex);
        return LFT_ERR_NO_MEMORY;
    }
    if (pthread_create(&t->thread, NULL, lft_flush_thread_main, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->state_mutex);
        pthread_mutex_destroy(&t->run_mutex);
        return LFT_ERR_NO_MEMORY;
    }
    t->running = 1;
    return LFT_OK;
}

lft_err_t lft_flush_thread_flush(lft_flush_thread_t *t, uint32_t timeout_ms)
{
    if (t == NULL || !t->running) {
        return LFT_ERR_ARG;
    }
    pthread_mutex_lock(&t->run_mutex);
    lft_err_t err = lft_flush(t->ex, timeout_ms);
    pthread_mutex_unlock(&t->run_mutex);
    return err;
}

lft_err_t lft_flush_thread_stop(lft_flush_thread_t *t, uint32_t timeout_ms)
{
    if (t == NULL || !t->running) {
        return LFT_ERR_ARG;
    }
    pthread_mutex_lock(&t->state_mutex);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->state_mutex);
    pthread_join(t->thread, NULL);
    t->running = 0;
    lft_err_t err = lft_export_shutdown(t->ex, timeout_ms);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->state_mutex);
    pthread_mutex_destroy(&t->run_mutex);
    return err;
}
