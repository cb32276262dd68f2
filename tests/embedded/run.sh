#!/bin/sh
# run.sh - build and test lftrace on every embedded target under QEMU, then
# print the footprint report and the instruction budgets.
#
#   tests/embedded/run.sh [target...]     (default: cortex-m0 cortex-m4 rv32imac)
#
# For each target: configure tests/embedded with cmake/toolchain-<target>.cmake
# in $LFT_EMBEDDED_BUILD/<target> (default build-embedded/<target>), build
# (core, encoders, ports, unit tests, ISR test, examples/baremetal), run ctest
# (each test under `timeout`, its exit status decides), run the instruction
# and stack benchmark, and on Cortex-M tests/embedded/masked.py, how long
# each call masks interrupts (figures only). Then tests/embedded/footprint.sh.
# Exits non-zero when any configure, build, test or footprint step fails;
# missed size or instruction goals are reported, not failures.
#
# Needs (Debian): cmake ninja-build gcc-arm-none-eabi libnewlib-arm-none-eabi
# qemu-system-arm gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
# qemu-system-misc libjsmn-dev libmbedtls-dev python3
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LFT_EMBEDDED_BUILD:-$ROOT/build-embedded}
JOBS=${LFT_JOBS:-2}
TARGETS=${*:-cortex-m0 cortex-m4 rv32imac}
GEN=
command -v ninja >/dev/null 2>&1 && GEN="-G Ninja"
failed=""

step() { # description, command...
    desc=$1
    shift
    echo "+ $*"
    if ! "$@"; then
        echo "FAILED: $desc"
        failed="$failed\n  $desc"
        return 1
    fi
}

for t in $TARGETS; do
    dir=$BUILD/$t
    echo
    echo "======== $t ($dir)"
    step "$t: configure" cmake -S "$ROOT/tests/embedded" -B "$dir" $GEN \
        -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-$t.cmake" >/dev/null || continue
    step "$t: build" cmake --build "$dir" -j "$JOBS" || continue
    step "$t: ctest" ctest --test-dir "$dir" -j "$JOBS" --output-on-failure
    if [ -f "$dir/bench_instr.cmd" ]; then
        echo "+ $(cat "$dir/bench_instr.cmd")"
        sh "$dir/bench_instr.cmd" || { echo "FAILED: $t: instruction bench"; failed="$failed\n  $t: instruction bench"; }
        case $t in
        cortex-m*)
            echo "+ tests/embedded/masked.py $dir/bench_instr.cmd"
            python3 "$ROOT/tests/embedded/masked.py" "$dir/bench_instr.cmd" ||
                { echo "FAILED: $t: masked-interrupt figures"; failed="$failed\n  $t: masked-interrupt figures"; }
            ;;
        esac
    fi
done

echo
echo "======== footprint (cortex-m4)"
step "footprint" "$ROOT/tests/embedded/footprint.sh" "$BUILD/footprint"

echo
if [ -n "$failed" ]; then
    printf "embedded: FAILED:%b\n" "$failed"
    exit 1
fi
echo "embedded: all targets passed ($TARGETS)"
