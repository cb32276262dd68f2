/*
 * firmware.c - a minimal bare-metal firmware recording one LLM trace with
 * lftrace and port/baremetal, then encoding it as the OTLP/protobuf request
 * an exporter would send (here only counted: the network is the lwIP
 * example's part).
 *
 * Build: tests/embedded/CMakeLists.txt (target emb_example_baremetal), run
 * under QEMU by tests/embedded/run.sh. Cortex-M: a 1 kHz SysTick interrupt
 * is the port's tick source (SysTick_Handler from the vector table);
 * RISC-V virt: the CLINT's 10 MHz mtime counter. Exits 0 when every call
 * succeeded. (Named firmware.c, not main.c, so the host build's
 * examples/<name>/main.c glob leaves it alone.)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lft_otlp.h"
#include "lft_port_baremetal.h"
#include "lft_sink.h"
#include "lftrace.h"

#if defined(__arm__)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#ifndef CPU_HZ
#define CPU_HZ 25000000u /* mps2; the microbit runs at 16 MHz (the tick rate then differs, harmlessly) */
#endif
static volatile uint32_t ms_ticks;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    ms_ticks++;
}

static uint32_t tick_read(void)
{
    return ms_ticks;
}

static void tick_start(lft_baremetal_config_t *cfg)
{
    SYST_RVR = CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* enable, interrupt, processor clock */
    cfg->ticks = tick_read;
    cfg->tick_hz = 1000u;
}
#else
#define CLINT_MTIME_LO (*(volatile uint32_t *)0x0200BFF8u)

static uint32_t tick_read(void)
{
    return CLINT_MTIME_LO;
}

static void tick_start(lft_baremetal_config_t *cfg)
{
    cfg->ticks = tick_read;
    cfg->tick_hz = 10000000u; /* QEMU virt: mtime runs at 10 MHz */
}
#endif

/* Entropy: a real device reads its TRNG; this one mixes a per-device
 * constant with the timer (good enough for ids, not for keys). */
static int device_entropy(void *buf, size_t len)
{
    uint8_t *p = buf;
    uint32_t x = 0x9E3779B9u ^ tick_read();
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return 0;
}

static uint8_t ring[4096];
static lft_client_t client;

static int count_write(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    return 0;
}

int main(void)
{
    lft_baremetal_config_t port;
    memset(&port, 0, sizeof port);
    port.entropy = device_entropy;
    tick_start(&port);
    if (lft_baremetal_init(&port) != 0) {
        return 1;
    }

    lft_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.ring = ring;
    cfg.ring_size = sizeof ring;
    cfg.environment = "firmware";
    cfg.release = "1.0.0";
    cfg.device_id = "sensor-node-7";
    lft_err_t err = lft_client_init(&client, &cfg);

    /* The device learned the date (SNTP, or the server's Date header). */
    err |= lft_time_set_unix_s(&client, 1767225600u); /* 2026-01-01 */

    lft_trace_t trace = LFT_OBS_INIT;
    lft_trace_opts_t topts;
    memset(&topts, 0, sizeof topts);
    topts.user_id = "operator-3";
    topts.input = LFT_TEXT("Is the pump vibrating abnormally?");
    err |= lft_trace_start(&client, &trace, "anomaly-check", &topts);

    lft_obs_t features = LFT_OBS_INIT;
    /* a literal name is recorded by reference: the fastest start */
    err |= LFT_SPAN_START(&features, &trace, "feature-extraction");
    lft_obs_opts_t fend;
    memset(&fend, 0, sizeof fend);
    fend.output = LFT_JSON("{\"rms\":0.82,\"peak_hz\":117}");
    err |= lft_obs_end(&features, &fend);

    static const lft_usage_t usage[] = { { "input", 48u }, { "output", 12u } };
    lft_obs_t gen = LFT_OBS_INIT;
    lft_obs_opts_t gopts;
    memset(&gopts, 0, sizeof gopts);
    gopts.model = "tinyllm-q4";
    err |= lft_generation_start(&gen, &trace, "classify", &gopts);
    err |= lft_generation_first_token(&gen);
    lft_obs_opts_t gend;
    memset(&gend, 0, sizeof gend);
    gend.output = LFT_TEXT("abnormal: bearing wear likely");
    gend.usage = usage;
    gend.usage_count = 2;
    err |= lft_obs_end(&gen, &gend);

    lft_obs_opts_t eopts;
    memset(&eopts, 0, sizeof eopts);
    eopts.level = LFT_LEVEL_WARNING;
    err |= lft_event(&trace, "maintenance-ticket", &eopts);
    err |= lft_trace_end(&trace, NULL);

    /* What an exporter would send: the spans as one OTLP/protobuf request. */
    lft_reader_t rd;
    lft_otlp_item_t items[8];
    lft_otlp_batch_t batch;
    static lft_otlp_scratch_t enc; /* the encoder's record scratch (a few KB: not on the stack) */
    uint8_t scratch[64];
    lft_sink_t sink;
    err |= lft_reader_begin(&client, &rd);
    const size_t n = lft_otlp_collect(&client, &rd, items, 8, &batch);
    lft_sink_init(&sink, scratch, sizeof scratch, count_write, NULL);
    err |= lft_otlp_encode_proto(&batch, &enc, &sink);
    err |= (lft_err_t)lft_sink_flush(&sink);
    lft_record_t rec;
    while (lft_reader_next(&rd, &rec)) {
        err |= lft_reader_release(&rd, &rec); /* "acknowledged" */
    }
    (void)lft_reader_end(&rd);

    lft_stats_t st;
    err |= lft_client_stats(&client, &st);
    printf("recorded %lu records, %u spans in a %lu-byte OTLP request, ring high water %lu of %lu bytes\n",
           (unsigned long)st.recorded, (unsigned)n, (unsigned long)sink.total,
           (unsigned long)st.ring_high_water, (unsigned long)st.ring_size);
    if (err != LFT_OK || n != 4 || st.pending_records != 0) {
        printf("firmware: a recording call failed\n");
        return 1;
    }
    return 0;
}
