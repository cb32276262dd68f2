/*
 * test_tls.c - lft_tls over lft_net_posix against the repository's HTTPS
 * collector (tests/collector/lft_collector.py) on 127.0.0.1, with every
 * mbedTLS allocation in an lft_arena (lft_tls_wrap).
 *
 * Covers: a verified handshake and an HTTP POST answered 200; session
 * resumption (1 full + N resumed, confirmed by the server's tls.resumed);
 * wrong CA (NOT_TRUSTED, nothing reached the server); wrong host name
 * (CN_MISMATCH); handshake timeout and stall bound against a listener that
 * never answers; recv timeout and non-blocking recv with the collector's
 * `slow` fault; arenas too small (LFT_ERR_NO_MEMORY, no leak); CA and
 * config errors; in_use back to 0 after deinit; arena high-water marks.
 *
 * Needs python3 and openssl (exit 77 = skipped otherwise). Every wait is
 * bounded; under valgrind (LFT_UNDER_VALGRIND=1) fewer reconnects are made,
 * with the same assertions.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/x509.h>

#include "lft_arena.h"
#include "lft_net_posix.h"
#include "lft_port_test.h"
#include "lft_test.h"
#include "lft_tls.h"
#include "lft_tls_wrap.h"

#define AUTH "Authorization: Basic cGstbGYtdGVzdDpzay1sZi10ZXN0\r\n" /* pk-lf-test:sk-lf-test */

static int under_valgrind;
static uint32_t io_ms = 10000; /* recv/send bound of one exchange */

static char tmpdir[512];
static pid_t collector_pid = -1;
static uint16_t collector_port;

static _Alignas(16) unsigned char main_buf[64 * 1024];
static _Alignas(16) unsigned char admin_buf[64 * 1024];
static _Alignas(16) unsigned char small_buf[64 * 1024];
static lft_arena_t main_arena, admin_arena, small_arena;

static uint8_t ca_pem[8192], wrong_ca_pem[8192], ca_der[4096];
static size_t ca_pem_len, wrong_ca_pem_len, ca_der_len;

static char reply[256 * 1024];

/* ------------------------------------------------------------------ clock */

/* The test port's clock stands still unless set: drive it from the real one. */
static atomic_int ticker_stop;
static uint64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
static void *ticker(void *arg)
{
    (void)arg;
    while (!atomic_load(&ticker_stop)) {
        struct timespec d = { 0, 1000000 };
        lft_test_clock_set(real_us());
        nanosleep(&d, NULL);
    }
    return NULL;
}

/* ------------------------------------------------------------------ helpers */

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f != NULL) {
        n = fread(buf, 1, cap, f);
        fclose(f);
    }
    return n;
}

static int send_all(lft_stream_t s, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        int r = s.ops->send(s.ctx, (const uint8_t *)data + off, len - off, io_ms);
        if (r <= 0) {
            return r == 0 ? LFT_ERR_NET : r;
        }
        off += (size_t)r;
    }
    return 0;
}

/* Content-Length of a header block, -1 if absent. */
static long content_length(const char *hdr, size_t hlen)
{
    static const char key[] = "content-length:";
    for (size_t i = 0; i + sizeof key - 1 < hlen; i++) {
        size_t k = 0;
        while (k < sizeof key - 1 && (hdr[i + k] | 0x20) == key[k]) {
            k++;
        }
        if (k == sizeof key - 1) {
            return strtol(hdr + i + k, NULL, 10);
        }
    }
    return -1;
}

/*
 * Read one HTTP reply: until the headers and Content-Length bytes of body
 * arrived, or until EOF when there is no Content-Length. Returns its length
 * (NUL-terminated in reply) or a negative lft_err_t.
 */
static long read_reply(lft_stream_t s, uint32_t timeout_ms)
{
    size_t n = 0;
    for (;;) {
        if (n + 1 >= sizeof reply) {
            return LFT_ERR_TOO_LARGE;
        }
        int r = s.ops->recv(s.ctx, (uint8_t *)reply + n, sizeof reply - 1 - n, timeout_ms);
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            reply[n] = '\0';
            return n > 0 ? (long)n : LFT_ERR_CLOSED;
        }
        n += (size_t)r;
        reply[n] = '\0';
        char *end = strstr(reply, "\r\n\r\n");
        if (end != NULL) {
            long cl = content_length(reply, (size_t)(end - reply));
            if (cl >= 0 && n >= (size_t)(end - reply) + 4u + (size_t)cl) {
                return (long)n;
            }
        }
    }
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t c = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        c++;
    }
    return c;
}

static const char otlp_post[] =
    "POST /api/public/otel/v1/traces HTTP/1.1\r\n"
    "Host: localhost\r\n" AUTH
    "Content-Type: application/json\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";

static lft_tls_config_t good_config(void)
{
    lft_tls_config_t c;
    memset(&c, 0, sizeof c);
    c.ca = ca_pem;
    c.ca_len = ca_pem_len + 1; /* with the NUL */
    c.server_name = "localhost";
    c.arena = &main_arena;
    return c;
}

/* ------------------------------------------------------------------ admin */

/* The admin client: its own arena, one connection per request (resumed). */
static lft_net_posix_t admin_tcp;
static lft_tls_t admin_tls;
static int admin_ready;

/* Send an admin request (Connection: close) and read the reply into reply. */
static long admin(const char *method, const char *path, const char *body)
{
    char req[1024];
    long n = LFT_ERR_NET;
    lft_stream_t s = { &lft_tls_ops, &admin_tls };

    lft_tls_wrap_install(&admin_arena);
    if (!admin_ready) {
        lft_tls_config_t c = good_config();
        c.arena = &admin_arena;
        lft_net_posix_init(&admin_tcp);
        admin_ready = lft_tls_init(&admin_tls, &c, (lft_stream_t){ &lft_net_posix_ops, &admin_tcp }) == LFT_OK;
    }
    if (admin_ready && s.ops->connect(s.ctx, "127.0.0.1", collector_port, io_ms) == LFT_OK) {
        snprintf(req, sizeof req,
                 "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                 method, path, strlen(body), body);
        n = send_all(s, req, strlen(req));
        if (n == 0) {
            n = read_reply(s, io_ms);
        }
        s.ops->close(s.ctx);
    }
    lft_tls_wrap_install(&main_arena);
    return n;
}

static int admin_ok(const char *method, const char *path, const char *body)
{
    long n = admin(method, path, body);
    return n > 0 && strncmp(reply, "HTTP/1.1 200", 12) == 0;
}

/* Number of request lines the collector stored (and the body in reply). */
static long stored_requests(void)
{
    if (!admin_ok("GET", "/__admin/store?kind=request", "")) {
        return -1;
    }
    return (long)count_of(reply, "\"kind\": \"request\"");
}

/* ------------------------------------------------------------------ collector */

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int start_collector(void)
{
    char certs_cmd[2048], portfile[600], store[600], script[512];
    int n;

    snprintf(script, sizeof script, "%s/tests/collector/lft_collector.py", LFT_SOURCE_DIR);
    snprintf(certs_cmd, sizeof certs_cmd, "timeout 60 python3 %s certs --dir %s >/dev/null 2>&1",
             script, tmpdir);
    if (run(certs_cmd) != 0) {
        fprintf(stderr, "collector certs failed\n");
        return -1;
    }
    snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
    snprintf(store, sizeof store, "%s/store.jsonl", tmpdir);
    collector_pid = fork();
    if (collector_pid == 0) {
        char logfile[600];
        snprintf(logfile, sizeof logfile, "%s/collector.log", tmpdir);
        FILE *log = freopen(logfile, "w", stderr);
        (void)log;
        execlp("python3", "python3", script, "serve", "--dir", tmpdir, "--port", "0",
               "--portfile", portfile, "--public-key", "pk-lf-test", "--secret-key", "sk-lf-test",
               "--store", store, "--max-seconds", under_valgrind ? "800" : "100", (char *)NULL);
        _exit(127);
    }
    if (collector_pid < 0) {
        return -1;
    }
    for (n = 0; n < 300; n++) { /* 30 s at most */
        char text[32] = { 0 };
        if (read_file(portfile, (uint8_t *)text, sizeof text - 1) > 0) {
            collector_port = (uint16_t)atoi(text);
            return collector_port != 0 ? 0 : -1;
        }
        if (waitpid(collector_pid, NULL, WNOHANG) == collector_pid) {
            collector_pid = -1;
            return -1;
        }
        struct timespec d = { 0, 100000000 };
        nanosleep(&d, NULL);
    }
    return -1;
}

static void stop_collector(void)
{
    if (collector_pid <= 0) {
        return;
    }
    kill(collector_pid, SIGTERM);
    for (int i = 0; i < 50; i++) { /* 5 s, then SIGKILL */
        if (waitpid(collector_pid, NULL, WNOHANG) == collector_pid) {
            collector_pid = -1;
            return;
        }
        struct timespec d = { 0, 100000000 };
        nanosleep(&d, NULL);
    }
    kill(collector_pid, SIGKILL);
    waitpid(collector_pid, NULL, 0);
    collector_pid = -1;
}

/* ------------------------------------------------------------------ tests */

static size_t arena_in_use(const lft_arena_t *a)
{
    lft_arena_stats_t st;
    lft_arena_stats(a, &st);
    return st.in_use;
}

static size_t arena_high(const lft_arena_t *a)
{
    lft_arena_stats_t st;
    lft_arena_stats(a, &st);
    return st.high_water;
}

static size_t after_init_in_use; /* main arena bytes held by one initialised lft_tls_t */

/* (a), (b), (h): POST, resumption, counts on both sides, no leak. */
static void test_post_and_resumption(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();
    lft_tls_stats_t st;
    lft_stream_t s = { &lft_tls_ops, &tls };
    int reconnects = under_valgrind ? 3 : 20;

    LFT_CHECK(admin_ok("POST", "/__admin/reset", "{}"));
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
    lft_net_posix_init(&tcp);
    lft_arena_reset_high_water(&main_arena);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    after_init_in_use = arena_in_use(&main_arena);
    printf("tls arena after lft_tls_init: %zu bytes\n", after_init_in_use);
    LFT_CHECK(after_init_in_use > 32 * 1024); /* the two record buffers live in the arena */

    /* (a) full handshake, POST, 200 */
    uint64_t t0 = real_us();
    LFT_CHECK_EQ(s.ops->connect(s.ctx, "127.0.0.1", collector_port, io_ms), LFT_OK);
    uint64_t full_us = real_us() - t0;
    LFT_CHECK_EQ(lft_tls_verify_flags(&tls), 0);
    LFT_CHECK_EQ(send_all(s, otlp_post, strlen(otlp_post)), 0);
    LFT_CHECK(read_reply(s, io_ms) > 0);
    LFT_CHECK(strncmp(reply, "HTTP/1.1 200", 12) == 0);
    s.ops->close(s.ctx);
    s.ops->close(s.ctx); /* idempotent */
    lft_tls_stats(&tls, &st);
    LFT_CHECK_EQ(st.handshakes_full, 1);
    LFT_CHECK_EQ(st.handshakes_resumed, 0);
    printf("tls arena high water: %zu bytes (init + full handshake + POST)\n", arena_high(&main_arena));
    printf("full handshake: %llu us (connect included)\n", (unsigned long long)full_us);
    LFT_CHECK(st.last_handshake_us > 0); /* the port clock ticks in 1 ms steps here */
    LFT_CHECK(arena_high(&main_arena) <= sizeof main_buf);

    /* (b) reconnect: every one resumes */
    for (int i = 0; i < reconnects; i++) {
        if (i == 1) {
            lft_arena_reset_high_water(&main_arena);
        }
        t0 = real_us();
        LFT_CHECK_EQ(s.ops->connect(s.ctx, "127.0.0.1", collector_port, io_ms), LFT_OK);
        if (i == 1) {
            printf("resumed handshake: %llu us (connect included)\n",
                   (unsigned long long)(real_us() - t0));
        }
        LFT_CHECK_EQ(send_all(s, otlp_post, strlen(otlp_post)), 0);
        LFT_CHECK(read_reply(s, io_ms) > 0);
        LFT_CHECK(strncmp(reply, "HTTP/1.1 200", 12) == 0);
        if (i == 1) {
            printf("tls arena high water: %zu bytes (resumed handshake + POST)\n",
                   arena_high(&main_arena));
        }
    }
    /* connect on an open stream closes it first and still resumes */
    LFT_CHECK_EQ(s.ops->connect(s.ctx, "127.0.0.1", collector_port, io_ms), LFT_OK);
    s.ops->close(s.ctx);
    lft_tls_stats(&tls, &st);
    LFT_CHECK_EQ(st.handshakes_full, 1);
    LFT_CHECK_EQ(st.handshakes_resumed, (uint32_t)reconnects + 1u);
    LFT_CHECK_EQ(st.handshakes_failed, 0);

    /* the server saw the same */
    LFT_CHECK_EQ(stored_requests(), reconnects + 1);
    LFT_CHECK_EQ(count_of(reply, "\"resumed\": true"), (size_t)reconnects);
    LFT_CHECK_EQ(count_of(reply, "\"resumed\": false"), 1);

    /* send/recv on a closed stream */
    uint8_t b[4];
    LFT_CHECK_EQ(s.ops->send(s.ctx, b, sizeof b, 0), LFT_ERR_CLOSED);
    LFT_CHECK_EQ(s.ops->recv(s.ctx, b, sizeof b, 0), LFT_ERR_CLOSED);

    /* (h) everything back */
    lft_tls_deinit(&tls);
    lft_tls_deinit(&tls); /* idempotent */
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
}

/* (c) wrong trust anchor; the CA given as PEM without the NUL */
static void test_wrong_ca(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();
    lft_tls_stats_t st;

    LFT_CHECK(admin_ok("POST", "/__admin/reset", "{}"));
    c.ca = wrong_ca_pem;
    c.ca_len = wrong_ca_pem_len;
    lft_net_posix_init(&tcp);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    LFT_CHECK_EQ(lft_tls_ops.connect(&tls, "127.0.0.1", collector_port, io_ms), LFT_ERR_TLS_VERIFY);
    LFT_CHECK((lft_tls_verify_flags(&tls) & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0);
    LFT_CHECK_EQ(tcp.fd, -1); /* lower stream closed */
    lft_tls_stats(&tls, &st);
    LFT_CHECK_EQ(st.handshakes_failed, 1);
    LFT_CHECK_EQ(st.handshakes_full + st.handshakes_resumed, 0);
    lft_tls_deinit(&tls);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
    LFT_CHECK_EQ(stored_requests(), 0);
    LFT_CHECK(strstr(reply, "[]") != NULL);
}

/* (d) wrong host name */
static void test_wrong_host(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();

    c.server_name = "wrong.example";
    lft_net_posix_init(&tcp);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    LFT_CHECK_EQ(lft_tls_ops.connect(&tls, "127.0.0.1", collector_port, io_ms), LFT_ERR_TLS_VERIFY);
    LFT_CHECK((lft_tls_verify_flags(&tls) & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0);
    LFT_CHECK((lft_tls_verify_flags(&tls) & MBEDTLS_X509_BADCERT_NOT_TRUSTED) == 0);
    lft_tls_deinit(&tls);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
}

/* (e) a listener that completes TCP and never says a word */
static void test_handshake_timeout(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    LFT_CHECK(lfd >= 0);
    LFT_CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0);
    LFT_CHECK(listen(lfd, 4) == 0);
    LFT_CHECK(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
    uint16_t port = ntohs(sa.sin_port);

    /* the whole-handshake bound */
    c.handshake_timeout_ms = 700;
    lft_net_posix_init(&tcp);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    uint64_t t0 = real_us();
    LFT_CHECK_EQ(lft_tls_ops.connect(&tls, "127.0.0.1", port, 2000), LFT_ERR_TIMEOUT);
    uint64_t took = real_us() - t0;
    printf("handshake timeout after %llu ms\n", (unsigned long long)(took / 1000u));
    LFT_CHECK(took >= 650000u && took < 5000000u);
    lft_tls_deinit(&tls);

    /* the single-wait bound (read_timeout_ms) under a long handshake bound */
    c.handshake_timeout_ms = 20000;
    c.read_timeout_ms = 300;
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    t0 = real_us();
    LFT_CHECK_EQ(lft_tls_ops.connect(&tls, "127.0.0.1", port, 2000), LFT_ERR_TIMEOUT);
    took = real_us() - t0;
    LFT_CHECK(took >= 250000u && took < 5000000u);
    lft_tls_deinit(&tls);
    close(lfd);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);

    /* nothing listens on a port just closed: refused */
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    LFT_CHECK_EQ(lft_tls_ops.connect(&tls, "127.0.0.1", port, 2000), LFT_ERR_NET);
    lft_tls_deinit(&tls);
}

/* (f) the server holds its reply: recv times out, then gets it */
static void test_read_timeout(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();
    lft_stream_t s = { &lft_tls_ops, &tls };
    uint8_t b[64];

    LFT_CHECK(admin_ok("POST", "/__admin/fault", "{\"mode\": \"slow\", \"delay_s\": 2}"));
    lft_net_posix_init(&tcp);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
    LFT_CHECK_EQ(s.ops->connect(s.ctx, "127.0.0.1", collector_port, io_ms), LFT_OK);
    LFT_CHECK_EQ(send_all(s, otlp_post, strlen(otlp_post)), 0);
    LFT_CHECK_EQ(s.ops->recv(s.ctx, b, sizeof b, 0), LFT_ERR_WOULD_BLOCK);
    uint64_t t0 = real_us();
    LFT_CHECK_EQ(s.ops->recv(s.ctx, b, sizeof b, 300), LFT_ERR_TIMEOUT);
    uint64_t took = real_us() - t0;
    LFT_CHECK(took >= 250000u && took < 1800000u);
    /* the stream is still good: the reply arrives */
    LFT_CHECK(read_reply(s, io_ms) > 0);
    LFT_CHECK(strncmp(reply, "HTTP/1.1 200", 12) == 0);
    lft_tls_deinit(&tls);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
}

/* A lower stream over TCP that takes at most 7 bytes per send and, while
 * stalled, takes none at all in a non-blocking call. */
typedef struct {
    lft_net_posix_t tcp;
    int stalled;
    unsigned sends;
} choke_t;
static lft_err_t choke_connect(void *ctx, const char *host, uint16_t port, uint32_t ms)
{
    return lft_net_posix_ops.connect(&((choke_t *)ctx)->tcp, host, port, ms);
}
static int choke_send(void *ctx, const uint8_t *buf, size_t len, uint32_t ms)
{
    choke_t *c = ctx;
    c->sends++;
    if (c->stalled && ms == 0) {
        return LFT_ERR_WOULD_BLOCK;
    }
    return lft_net_posix_ops.send(&c->tcp, buf, len < 7 ? len : 7, ms);
}
static int choke_recv(void *ctx, uint8_t *buf, size_t len, uint32_t ms)
{
    return lft_net_posix_ops.recv(&((choke_t *)ctx)->tcp, buf, len, ms);
}
static void choke_close(void *ctx)
{
    lft_net_posix_ops.close(&((choke_t *)ctx)->tcp);
}
static const lft_net_ops_t choke_ops = { choke_connect, choke_send, choke_recv, choke_close };

/* Short and refused lower writes: a send is accepted once its record is
 * built, the rest is flushed by the next call. */
static void test_partial_writes(void)
{
    static choke_t lower;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();
    lft_stream_t s = { &lft_tls_ops, &tls };
    uint8_t b[8];

    memset(&lower, 0, sizeof lower);
    lft_net_posix_init(&lower.tcp);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &choke_ops, &lower }), LFT_OK);
    LFT_CHECK_EQ(s.ops->connect(s.ctx, "127.0.0.1", collector_port, io_ms), LFT_OK); /* 7-byte writes */
    LFT_CHECK(lower.sends > 20);

    lower.stalled = 1;
    unsigned before = lower.sends;
    LFT_CHECK_EQ(s.ops->send(s.ctx, (const uint8_t *)otlp_post, strlen(otlp_post), 0),
                 (int)strlen(otlp_post));                       /* accepted, not yet sent */
    LFT_CHECK_EQ(s.ops->send(s.ctx, b, sizeof b, 0), LFT_ERR_WOULD_BLOCK); /* nothing more fits */
    LFT_CHECK_EQ(s.ops->recv(s.ctx, b, sizeof b, 0), LFT_ERR_WOULD_BLOCK); /* flush still pending */
    LFT_CHECK(lower.sends > before);

    lower.stalled = 0;
    LFT_CHECK(read_reply(s, io_ms) > 0);   /* recv flushes the record first */
    LFT_CHECK(strncmp(reply, "HTTP/1.1 200", 12) == 0);
    lft_tls_deinit(&tls);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
}

/* (g) arenas too small: at init, and in the handshake */
static void test_small_arena(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    lft_tls_config_t c = good_config();
    lft_arena_stats_t st;

    c.arena = &small_arena;
    lft_net_posix_init(&tcp);
    lft_arena_init(&small_arena, small_buf, 8 * 1024);
    lft_tls_wrap_install(&small_arena);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_ERR_NO_MEMORY);
    lft_arena_stats(&small_arena, &st);
    LFT_CHECK(st.failures > 0);
    LFT_CHECK_EQ(st.in_use, 0);
    lft_tls_deinit(&tls); /* harmless after a failed init */

    /* room for init but not for a full handshake: mbedTLS runs out at
     * different points (certificate parsing, signature check, ECDHE) */
    static const size_t headroom[] = { 512, 1536, 3072, 4608, 6144 };
    for (size_t i = 0; i < sizeof headroom / sizeof headroom[0]; i++) {
        if (under_valgrind && i % 2 == 1) {
            continue;
        }
        lft_arena_init(&small_arena, small_buf, after_init_in_use + headroom[i]);
        LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ &lft_net_posix_ops, &tcp }), LFT_OK);
        LFT_CHECK_EQ(lft_tls_ops.connect(&tls, "127.0.0.1", collector_port, io_ms), LFT_ERR_NO_MEMORY);
        LFT_CHECK_EQ(tcp.fd, -1);
        lft_tls_deinit(&tls);
        lft_arena_stats(&small_arena, &st);
        LFT_CHECK(st.failures > 0);
        LFT_CHECK_EQ(st.in_use, 0);
        LFT_CHECK_EQ(st.bad_frees, 0);
    }
    lft_tls_wrap_install(&main_arena);
}

/* configuration errors and CA formats (no network) */
static void test_config(void)
{
    static lft_net_posix_t tcp;
    static lft_tls_t tls;
    static const uint8_t garbage[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    lft_stream_t lower = { &lft_net_posix_ops, &tcp };
    lft_tls_config_t c = good_config();

    lft_net_posix_init(&tcp);
    LFT_CHECK_EQ(lft_tls_init(NULL, &c, lower), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_tls_init(&tls, NULL, lower), LFT_ERR_ARG);
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, (lft_stream_t){ NULL, NULL }), LFT_ERR_ARG);
    c.ca = NULL;
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_ERR_CONFIG);
    c = good_config();
    c.server_name = "";
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_ERR_CONFIG);
    c.server_name = NULL;
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_ERR_CONFIG);
    c = good_config();
    c.ca = garbage;
    c.ca_len = sizeof garbage;      /* with NUL: mbedTLS's PEM parser */
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_ERR_CONFIG);
    c.ca_len = sizeof garbage - 1;  /* without: ours */
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_ERR_CONFIG);
    c.ca = (const uint8_t *)"\x30\x03\x02\x01\x00";
    c.ca_len = 5;                   /* broken DER */
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_ERR_CONFIG);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);

    /* PEM without the NUL, and DER, parse to the same one certificate */
    c = good_config();
    c.ca_len = ca_pem_len;
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_OK);
    LFT_CHECK(tls.ca.raw.len > 0 && tls.ca.next == NULL);
    size_t raw_len = tls.ca.raw.len;
    lft_tls_deinit(&tls);
    LFT_CHECK(ca_der_len > 0);
    c.ca = ca_der;
    c.ca_len = ca_der_len;
    LFT_CHECK_EQ(lft_tls_init(&tls, &c, lower), LFT_OK);
    LFT_CHECK_EQ(tls.ca.raw.len, raw_len);
    LFT_CHECK_EQ(tls.ca.raw.len, ca_der_len);
    lft_tls_deinit(&tls);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
}

int main(void)
{
    char cmd[2048], path[600];
    pthread_t tick;
    int rc;

    under_valgrind = getenv("LFT_UNDER_VALGRIND") != NULL;
    if (under_valgrind) {
        io_ms = 60000;
    }
    if (run("command -v python3 >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1") != 0) {
        printf("SKIP: test_tls needs python3 and openssl\n");
        return 77;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/tests/test_tls.%ld.tmp", LFT_BINARY_DIR, (long)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", tmpdir, tmpdir);
    if (run(cmd) != 0) {
        fprintf(stderr, "cannot create %s\n", tmpdir);
        return 1;
    }
    atomic_store(&ticker_stop, 0);
    lft_test_clock_set(real_us());
    pthread_create(&tick, NULL, ticker, NULL);

    if (start_collector() != 0) {
        fprintf(stderr, "collector did not start\n");
        stop_collector();
        atomic_store(&ticker_stop, 1);
        pthread_join(tick, NULL);
        return 1;
    }
    snprintf(path, sizeof path, "%s/ca.pem", tmpdir);
    ca_pem_len = read_file(path, ca_pem, sizeof ca_pem - 1);
    ca_pem[ca_pem_len] = '\0';
    snprintf(path, sizeof path, "%s/wrong-ca.pem", tmpdir);
    wrong_ca_pem_len = read_file(path, wrong_ca_pem, sizeof wrong_ca_pem);
    snprintf(cmd, sizeof cmd, "openssl x509 -in %s/ca.pem -outform DER -out %s/ca.der", tmpdir, tmpdir);
    if (run(cmd) == 0) {
        snprintf(path, sizeof path, "%s/ca.der", tmpdir);
        ca_der_len = read_file(path, ca_der, sizeof ca_der);
    }
    LFT_CHECK(ca_pem_len > 0 && wrong_ca_pem_len > 0);

    lft_arena_init(&main_arena, main_buf, sizeof main_buf);
    lft_arena_init(&admin_arena, admin_buf, sizeof admin_buf);
    lft_tls_wrap_install(&main_arena);

    LFT_RUN(test_config);
    LFT_RUN(test_post_and_resumption);
    LFT_RUN(test_wrong_ca);
    LFT_RUN(test_wrong_host);
    LFT_RUN(test_handshake_timeout);
    LFT_RUN(test_read_timeout);
    LFT_RUN(test_partial_writes);
    LFT_RUN(test_small_arena);

    if (admin_ready) {
        lft_tls_wrap_install(&admin_arena);
        lft_tls_deinit(&admin_tls);
    }
    LFT_CHECK_EQ(arena_in_use(&admin_arena), 0);
    LFT_CHECK_EQ(arena_in_use(&main_arena), 0);
    lft_tls_wrap_install(NULL);
    {
        lft_arena_stats_t st;
        lft_arena_stats(&main_arena, &st);
        LFT_CHECK_EQ(st.bad_frees, 0);
        LFT_CHECK_EQ(st.live, 0);
        printf("main arena: %u allocations, %u failures\n", st.allocs, st.failures);
    }

    stop_collector();
    atomic_store(&ticker_stop, 1);
    pthread_join(tick, NULL);
    rc = LFT_TEST_REPORT();
    if (rc == EXIT_SUCCESS) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        (void)run(cmd);
    } else {
        printf("collector log and store kept in %s\n", tmpdir);
    }
    return rc;
}
