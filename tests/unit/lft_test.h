/*
 * lft_test.h - a tiny assertion harness for lftrace's tests.
 *
 * LFT_CHECK(cond) and LFT_CHECK_EQ(a, b) record a failure (with file, line
 * and the values) and continue; LFT_TEST_MAIN() runs the listed test
 * functions and exits non-zero when any check failed, printing
 * "N checks, M failed".
 */
#ifndef LFT_TEST_H
#define LFT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long lft_test_checks;
static unsigned long lft_test_failures;

#define LFT_CHECK(cond)                                                         \
    do {                                                                        \
        lft_test_checks++;                                                      \
        if (!(cond)) {                                                          \
            lft_test_failures++;                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                       \
    } while (0)

#define LFT_CHECK_EQ(a, b)                                                      \
    do {                                                                        \
        long long lft_a_ = (long long)(a), lft_b_ = (long long)(b);             \
        lft_test_checks++;                                                      \
        if (lft_a_ != lft_b_) {                                                 \
            lft_test_failures++;                                                \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, \
                    __LINE__, #a, #b, lft_a_, lft_b_);                          \
        }                                                                       \
    } while (0)

/* Compare a (pointer, length) string with a NUL-terminated expectation. */
#define LFT_CHECK_STRN(p, n, expect)                                            \
    do {                                                                        \
        const char *lft_e_ = (expect);                                          \
        size_t lft_n_ = (size_t)(n);                                            \
        lft_test_checks++;                                                      \
        if (lft_n_ != strlen(lft_e_) || memcmp((p), lft_e_, lft_n_) != 0) {     \
            lft_test_failures++;                                                \
            fprintf(stderr, "%s:%d: string mismatch: got \"%.*s\", want \"%s\"\n", \
                    __FILE__, __LINE__, (int)lft_n_, (const char *)(p), lft_e_); \
        }                                                                       \
    } while (0)

#define LFT_RUN(fn)                                                             \
    do {                                                                        \
        unsigned long lft_before_ = lft_test_failures;                          \
        fn();                                                                   \
        printf("%s %s\n", lft_test_failures == lft_before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

#define LFT_TEST_REPORT()                                                       \
    (printf("%lu checks, %lu failed\n", lft_test_checks, lft_test_failures),    \
     lft_test_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE)

#endif /* LFT_TEST_H */
