#!/usr/bin/env bash
# Builds lftrace with its tests and runs them all with ctest.
#
# Usage: ./tests/run_all.sh
# Environment (all optional):
#   BUILD_DIR    build directory (default: build)
#   CC           C compiler for a new build directory (gcc, clang, ...)
#   BUILD_TYPE   CMake build type (default: RelWithDebInfo, i.e. -O2 -g)
#   CMAKE_ARGS   extra configure arguments, e.g. "-DLFT_SANITIZE=ON"
#   JOBS         parallel compile jobs (default: number of CPUs)
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
