#!/usr/bin/env bash
# The demo: build lftrace and run the support-query example, which records the
# Langfuse tutorial's support-query flow and prints every decoded record.
# Usage: ./examples/run_demo.sh   (BUILD_DIR and CC may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target lft_example_support_query -j2 >/dev/null
"$build/lft_example_support_query"
