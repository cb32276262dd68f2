#!/usr/bin/env bash
# Builds lftrace with its tests and runs them all: the host suite with ctest
# (unit, end-to-end export against the local TLS collector, tools), then the
# embedded suite (cross builds for cortex-m0, cortex-m4 and rv32imac, their
# unit tests under QEMU, footprint and instruction figures:
# tests/embedded/run.sh), then the lwIP suite (the exporter over TLS over
# lwIP sockets and over the raw API with no heap, each against the collector
# in a network namespace it creates: tests/lwip/run.sh; its tests report
# "skipped" when not run as root or without /dev/net/tun).
#
# Usage: ./tests/run_all.sh
# Environment (all optional):
#   BUILD_DIR    build directory (default: build)
#   CC           C compiler for a new build directory (gcc, clang, ...)
#   BUILD_TYPE   CMake build type (default: RelWithDebInfo, i.e. -O2 -g)
#   CMAKE_ARGS   extra configure arguments, e.g. "-DLFT_SANITIZE=ON"
#   JOBS         parallel compile jobs (default: number of CPUs)
#   LFT_SKIP_EMBEDDED=1  skip the embedded and lwIP suites (they need the cross
#                compilers, QEMU and Debian's lwIP source package from the
#                README's apt-get line); without it a missing toolchain is an
#                error, never a silent pass
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

echo "== configure $build (CC=${CC:-default}, ${BUILD_TYPE:-RelWithDebInfo}${CMAKE_ARGS:+, $CMAKE_ARGS})"
# shellcheck disable=SC2086  # CMAKE_ARGS is split on purpose
timeout 300 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  ${CMAKE_ARGS:-} >/dev/null
echo "== build"
timeout 1200 cmake --build "$build" -j "$jobs"
echo "== test"
ctest --test-dir "$build" --output-on-failure -j2 --no-tests=error --timeout 600

if [ "${LFT_SKIP_EMBEDDED:-0}" = 1 ]; then
  echo "== embedded and lwIP suites SKIPPED (LFT_SKIP_EMBEDDED=1)"
  exit 0
fi
for tool in arm-none-eabi-gcc qemu-system-arm riscv64-unknown-elf-gcc qemu-system-riscv32; do
  command -v "$tool" >/dev/null || {
    echo "== embedded suite: $tool is missing (install the README's packages, or set LFT_SKIP_EMBEDDED=1)" >&2
    exit 1
  }
done
echo "== embedded suite (tests/embedded/run.sh)"
build_abs=$(cd "$build" && pwd)
LFT_EMBEDDED_BUILD="$build_abs/embedded" LFT_JOBS="$jobs" timeout 1800 ./tests/embedded/run.sh
echo "== lwIP suite (tests/lwip/run.sh)"
timeout 1800 ./tests/lwip/run.sh "$build_abs/lwip"
