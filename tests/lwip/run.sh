#!/usr/bin/env bash
# run.sh [BUILD_DIR] - build and run the lwIP tests and examples/lwip.
#
#   1. fetch_lwip_source.sh: Debian's lwIP source package, unpacked into
#      $LFT_LWIP_SRC_ROOT (default BUILD_DIR/lwip-src, outside the repository
#      unless BUILD_DIR is inside it - use a build directory .gitignore'd or
#      outside), for the NO_SYS 1 build
#   2. cmake -S tests/lwip -B BUILD_DIR (standalone: it adds the main build)
#   3. build test_lwip_sockets, test_lwip_raw, lft_example_lwip
#   4. ctest -L lwip (each test creates and deletes its own network
#      namespace; skipped, exit 77, when not root or without /dev/net/tun)
#
# Environment: CC (compiler), LFT_LWIP_SRC_ROOT, LFT_LWIP_CMAKE_ARGS (extra
# cmake arguments, e.g. -DLFT_SANITIZE=ON). Default BUILD_DIR: build-lwip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-lwip}
mkdir -p "$build"
build=$(cd "$build" && pwd)
src_root=${LFT_LWIP_SRC_ROOT:-$build/lwip-src}

t0=$SECONDS
lwip_src=$("$here/fetch_lwip_source.sh" "$src_root")
echo "=== lwIP source: $lwip_src ($((SECONDS - t0)) s)"
# shellcheck disable=SC2086
timeout 300 cmake -S "$here" -B "$build" -DLFT_LWIP_SOURCE_DIR="$lwip_src" ${LFT_LWIP_CMAKE_ARGS:-}
timeout 1200 cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
  --target test_lwip_sockets test_lwip_raw lft_example_lwip
echo "=== built ($((SECONDS - t0)) s)"
timeout 900 ctest --test-dir "$build" -L lwip --output-on-failure --no-tests=error
echo "=== lwIP tests done ($((SECONDS - t0)) s)"
