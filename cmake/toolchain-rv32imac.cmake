# Cross toolchain: RV32IMAC (ilp32), Debian's gcc-riscv64-unknown-elf with
# picolibc (picolibc-riscv64-unknown-elf; Debian has no newlib for it) and its
# semihosting crt0. Runs on qemu-system-riscv32 -M virt.
#   cmake -S tests/embedded -B build-embedded/rv32imac \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-rv32imac.cmake
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(LFT_EMB_TARGET rv32imac)
set(LFT_EMB_ARCH_FLAGS -march=rv32imac -mabi=ilp32 -mcmodel=medany)
set(LFT_EMB_LIBC picolibc)
set(LFT_EMB_QEMU qemu-system-riscv32)
set(LFT_EMB_MACHINE virt)
set(LFT_EMB_CPU rv32)
set(LFT_EMB_FLASH_ORIGIN 0x80000000)
set(LFT_EMB_FLASH_SIZE 2M)
set(LFT_EMB_RAM_ORIGIN 0x80200000)
set(LFT_EMB_RAM_SIZE 6M)

string(REPLACE ";" " " _lft_flags "${LFT_EMB_ARCH_FLAGS}")
# picolibc.specs also selects picolibc's headers, so it is a compile flag too.
set(CMAKE_C_FLAGS_INIT "${_lft_flags} --specs=picolibc.specs")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_lft_flags}")  # C_FLAGS reach the link line too
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
