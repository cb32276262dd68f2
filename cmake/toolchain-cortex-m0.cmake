# Cross toolchain: Cortex-M0 (ARMv6-M: no LDREX/STREX, no divide), Debian's gcc-arm-none-eabi
# with newlib (libnewlib-arm-none-eabi) and rdimon semihosting.
#   cmake -S tests/embedded -B build-embedded/cortex-m0 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cortex-m0.cmake
# The LFT_EMB_* variables describe the QEMU board the tests run on
# (tests/embedded/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(LFT_EMB_TARGET cortex-m0)
set(LFT_EMB_ARCH_FLAGS -mcpu=cortex-m0 -mthumb)
set(LFT_EMB_LIBC newlib)
set(LFT_EMB_QEMU qemu-system-arm)
set(LFT_EMB_MACHINE microbit)
set(LFT_EMB_CPU cortex-m0)
set(LFT_EMB_FLASH_SIZE 256K)
set(LFT_EMB_RAM_SIZE 16K)
set(LFT_EMB_SYSTICK_HZ 16000000)   # microbit (nRF51): SysTick with CLKSOURCE=1 runs at 16 MHz

string(REPLACE ";" " " _lft_flags "${LFT_EMB_ARCH_FLAGS}")
set(CMAKE_C_FLAGS_INIT "${_lft_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_lft_flags}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# The unit tests need more static RAM than the microbit's 16 KB: they run the same
# ARMv6-M ELF, linked for 4 MB of RAM, on mps2-an385 (a Cortex-M3 executes
# every ARMv6-M instruction).
set(LFT_EMB_BIG_MACHINE mps2-an385)
set(LFT_EMB_BIG_CPU cortex-m3)
