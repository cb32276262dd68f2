#!/usr/bin/env bash
# Installs the build to a temporary prefix and builds a tiny consumer three
# ways: find_package, pkg-config and add_subdirectory. Each must print LFT_OK.
# Usage: run.sh <source dir> <build dir>
set -euo pipefail
src=$1
build=$2
work="$build/install-check"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
here="$src/tests/install"

timeout 120 cmake --install "$build" --prefix "$work/prefix" >/dev/null

# 1. find_package
timeout 120 cmake -S "$here/find_package" -B "$work/fp" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
timeout 120 cmake --build "$work/fp" >/dev/null
out=$("$work/fp/consumer")
[ "$out" = LFT_OK ] || { echo "find_package consumer printed '$out'"; exit 1; }
echo "find_package: ok"

# 2. pkg-config
libdir=$(ls -d "$work/prefix"/lib* | head -n1)
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs lftrace)
# shellcheck disable=SC2086
${CC:-cc} "$here/main.c" $flags -o "$work/pc_consumer"
out=$("$work/pc_consumer")
[ "$out" = LFT_OK ] || { echo "pkg-config consumer printed '$out'"; exit 1; }
echo "pkg-config: ok"

# 3. add_subdirectory
timeout 120 cmake -S "$here/add_subdirectory" -B "$work/as" -DLFTRACE_SOURCE_DIR="$src" >/dev/null
timeout 300 cmake --build "$work/as" >/dev/null
out=$("$work/as/consumer")
[ "$out" = LFT_OK ] || { echo "add_subdirectory consumer printed '$out'"; exit 1; }
echo "add_subdirectory: ok"
