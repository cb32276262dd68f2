#!/usr/bin/env bash
# install_consumers: installs a build of lftrace to a temporary prefix and
# builds the tiny consumer (tests/install/main.c) three ways:
#   1. find_package(lftrace)  against the installed prefix (CMAKE_PREFIX_PATH)
#   2. pkg-config             cc main.c $(pkg-config --cflags --libs lftrace)
#   3. add_subdirectory()     lftrace built from source inside the consumer
# Each binary must print LFT_OK. Any error fails the test.
#
# Usage: run.sh <source dir> <build dir> [libdir [C compiler [extra flags]]]
#   libdir        CMAKE_INSTALL_LIBDIR of the build (default: lib)
#   C compiler    compiler for the consumers (default: $CC or cc)
#   extra flags   compile+link flags for the consumers (sanitizer builds)
# Environment: CMAKE (cmake to use), CMAKE_GENERATOR (as for cmake), LFT_REQUIRE_PKG_CONFIG=1 (fail instead of
# skipping, exit 77, when pkg-config is not installed).
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
libdir=${3:-lib}
cc=${4:-${CC:-cc}}
extra=${5:-}
cmake=${CMAKE:-cmake}
here="$src/tests/install"

work="$build/install-consumers.tmp"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

log="$work/log"
fail() {
  echo "install_consumers: FAILED: $*"
  exit 1
}
step() {  # step <what> <seconds> <command...>: quiet unless it fails
  local what=$1 secs=$2
  shift 2
  local rc=0
  timeout "$secs" "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "--- output of: $what"
    tail -n 60 "$log"
    fail "$what (exit $rc)"
  fi
}
check_output() {  # check_output <how> <binary>
  local out
  out=$(timeout 30 "$2" 2>&1) || fail "$1 consumer exited with $?: $out"
  [ "$out" = LFT_OK ] || fail "$1 consumer printed '$out', expected LFT_OK"
  echo "$1: ok (printed LFT_OK)"
}

prefix="$work/prefix"
step "cmake --install $build --prefix $prefix" 120 \
  "$cmake" --install "$build" --prefix "$prefix"
for f in "$prefix/include/lftrace/lftrace.h" "$prefix/include/lftrace/lft_port.h" \
         "$prefix/$libdir/liblftrace.a" "$prefix/$libdir/liblftrace_port_posix.a" \
         "$prefix/$libdir/cmake/lftrace/lftraceConfig.cmake" \
         "$prefix/$libdir/cmake/lftrace/lftraceConfigVersion.cmake" \
         "$prefix/$libdir/cmake/lftrace/lftraceTargets.cmake" \
         "$prefix/$libdir/pkgconfig/lftrace.pc"; do
  [ -f "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
if ls "$prefix/include/lftrace/"*_priv.h >/dev/null 2>&1; then
  fail "private headers installed: $(ls "$prefix/include/lftrace/"*_priv.h)"
fi
if [ -e "$prefix/$libdir/liblftrace_port_test.a" ]; then
  fail "the test port was installed"
fi
echo "install: ok ($prefix)"

cmake_consumer_args=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ -n "$extra" ]; then
  cmake_consumer_args+=(-DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra")
fi

# 1. find_package
step "configure the find_package consumer" 120 \
  "$cmake" -S "$here/find_package" -B "$work/find_package" \
  -DCMAKE_PREFIX_PATH="$prefix" "${cmake_consumer_args[@]}"
step "build the find_package consumer" 120 "$cmake" --build "$work/find_package"
check_output find_package "$work/find_package/consumer"

# 2. pkg-config
skipped=
if command -v pkg-config >/dev/null 2>&1; then
  export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
  step "pkg-config --cflags --libs lftrace" 30 pkg-config --cflags --libs lftrace
  flags=$(tr -s ' \n' '  ' <"$log" | sed 's/ *$//')
  # shellcheck disable=SC2086  # word splitting of the flags is intended
  step "cc main.c \$(pkg-config --cflags --libs lftrace)" 120 \
    "$cc" $extra "$here/main.c" -o "$work/pkg_config_consumer" $flags
  check_output "pkg-config ($flags)" "$work/pkg_config_consumer"
elif [ "${LFT_REQUIRE_PKG_CONFIG:-0}" = 1 ]; then
  fail "pkg-config is not installed"
else
  echo "pkg-config: SKIPPED (pkg-config is not installed)"
  skipped=1
fi

# 3. add_subdirectory
step "configure the add_subdirectory consumer" 120 \
  "$cmake" -S "$here/add_subdirectory" -B "$work/add_subdirectory" \
  -DLFTRACE_SOURCE_DIR="$src" "${cmake_consumer_args[@]}"
step "build the add_subdirectory consumer" 300 "$cmake" --build "$work/add_subdirectory" -j 4
check_output add_subdirectory "$work/add_subdirectory/consumer"

if [ -n "$skipped" ]; then
  echo "install_consumers: pkg-config part skipped; install pkg-config to run it"
  exit 77
fi
echo "install_consumers: all consumers print LFT_OK"
