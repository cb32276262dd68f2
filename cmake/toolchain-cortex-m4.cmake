# Cross toolchain: Cortex-M4F (ARMv7E-M, FPv4-SP), Debian's gcc-arm-none-eabi
# with newlib (libnewlib-arm-none-eabi) and rdimon semihosting.
#   cmake -S tests/embedded -B build-embedded/cortex-m4 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-cortex-m4.cmake
# The LFT_EMB_* variables describe the QEMU board the tests run on
# (tests/embedded/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(LFT_EMB_TARGET cortex-m4)
set(LFT_EMB_ARCH_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
set(LFT_EMB_LIBC newlib)
set(LFT_EMB_QEMU qemu-system-arm)
set(LFT_EMB_MACHINE mps2-an386)
set(LFT_EMB_CPU cortex-m4)
set(LFT_EMB_FLASH_SIZE 4M)
set(LFT_EMB_RAM_SIZE 4M)
set(LFT_EMB_SYSTICK_HZ 25000000)   # mps2: SysTick with CLKSOURCE=1 runs at 25 MHz

string(REPLACE ";" " " _lft_flags "${LFT_EMB_ARCH_FLAGS}")
set(CMAKE_C_FLAGS_INIT "${_lft_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_lft_flags}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
