/*
 * mbedtls_user_config.h - MBEDTLS_USER_CONFIG_FILE for compiling lftrace's
 * exporter headers for bare metal against Debian's mbedTLS 2.28 headers:
 * no pthreads, sockets, timing, files or HAVEGE (what a firmware build of
 * mbedTLS leaves out). Only headers are used: the footprint links no mbedTLS.
 */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_HAVEGE_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
