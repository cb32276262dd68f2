/*
 * lft_port_posix.c - lftrace port for POSIX systems (Linux, macOS, BSD):
 * pthread mutex, clock_gettime, getrandom (or /dev/urandom), C11 thread-local context.
 */
#define _GNU_SOURCE
#include "lft_port.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

static pthread_mutex_t lft_posix_mutex = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local void *lft_posix_current;

uint64_t lft_port_time_mono_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t lft_port_time_unix_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return 0;
    }
    /* A clock before 2020 is an unset RTC, not a date. */
    if (ts.tv_sec < 1577836800) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int lft_posix_urandom(unsigned char *p, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int lft_port_entropy(void *buf, size_t len)
{
    unsigned char *p = buf;
#if defined(__linux__)
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return lft_posix_urandom(p, len);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
#else
    return lft_posix_urandom(p, len);
#endif
}

uint32_t lft_port_lock(void)
{
    (void)pthread_mutex_lock(&lft_posix_mutex);
    return 0;
}

void lft_port_unlock(uint32_t state)
{
    (void)state;
    (void)pthread_mutex_unlock(&lft_posix_mutex);
}

void lft_port_sleep_ms(uint32_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void *lft_port_context_get(void)
{
    return lft_posix_current;
}

void lft_port_context_set(void *current)
{
    lft_posix_current = current;
}
