/*
 * startup_cortexm.c - reset and exception vectors for the QEMU Cortex-M boards
 * (with cortexm.ld and newlib's rdimon crt0).
 *
 * Reset enables the FPU (M4F), copies .data to RAM and enters rdimon's _start
 * (zeroes .bss, fetches argv over semihosting, calls main, then exit with
 * SYS_EXIT_EXTENDED: main's return value becomes QEMU's exit status).
 * A fault exits with status 139, so a crash fails the test instead of
 * hanging it. SysTick calls SysTick_Handler, weak and empty unless
 * a test defines it.
 */
#include <stdint.h>

extern uint32_t __stack_top, __data_load, __data_start, __data_end;
extern void _start(void);
extern void _exit(int status);

void Reset_Handler(void);
void SysTick_Handler(void);

void Reset_Handler(void)
{
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10/CP11 full access */
    __asm__ volatile("dsb\n\tisb");
#endif
    const uint32_t *s = &__data_load;
    uint32_t *d = &__data_start;
    while (d < &__data_end) {
        *d++ = *s++;
    }
    _start();
    _exit(1); /* not reached: _start calls exit */
}

static void lft_emb_fault(void)
{
    _exit(128 + 11);
}

__attribute__((weak)) void SysTick_Handler(void)
{
}

__attribute__((section(".vectors"), used)) static void (*const lft_emb_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top,
    Reset_Handler,
    lft_emb_fault, /* NMI */
    lft_emb_fault, /* HardFault */
    lft_emb_fault, /* MemManage */
    lft_emb_fault, /* BusFault */
    lft_emb_fault, /* UsageFault */
    0, 0, 0, 0,
    lft_emb_fault, /* SVCall */
    lft_emb_fault, /* DebugMonitor */
    0,
    lft_emb_fault, /* PendSV */
    SysTick_Handler,
};
