#!/usr/bin/env bash
# Builds lftrace with its tests and runs them all with ctest.
# Usage: ./tests/run_all.sh   (BUILD_DIR, CC and extra CMAKE_ARGS may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 600
