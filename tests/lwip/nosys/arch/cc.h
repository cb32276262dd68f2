/*
 * arch/cc.h - compiler/platform glue for the NO_SYS 1 lwIP build of the
 * tests and examples/lwip (host: gcc or clang, Linux). lwIP's arch.h
 * supplies the rest (stdint types, byte order from the compiler).
 */
#ifndef LFT_TEST_ARCH_CC_H
#define LFT_TEST_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

/* The integrator's random source (lft_test_nosys_rand in the test glue):
 * initial local ports, DNS query ids and DNS source ports. */
unsigned int lft_test_nosys_rand(void);
#define LWIP_RAND() ((u32_t)lft_test_nosys_rand())

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", \
                                             x, __FILE__, __LINE__); abort(); } while (0)

#endif /* LFT_TEST_ARCH_CC_H */
