#!/usr/bin/env bash
# The demo: build lftrace, start the local TLS collector (a stand-in Langfuse on
# 127.0.0.1 with a test CA made now), run examples/support_query against it over
# TLS, print the trace tree that arrived, and stop the collector.
#
# Usage: ./examples/run_demo.sh          (BUILD_DIR and CC may be set)
# To send the same trace to a real Langfuse instead, run the example yourself:
#   LANGFUSE_HOST=https://cloud.langfuse.com LANGFUSE_PUBLIC_KEY=pk-lf-... \
#   LANGFUSE_SECRET_KEY=sk-lf-... LANGFUSE_CA_FILE=/path/to/root-ca.pem \
#   build/lft_example_support_query
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
echo "== build ($build)"
timeout 300 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
timeout 900 cmake --build "$build" --target lft_example_support_query -j2 >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/lft-demo.XXXXXX")
collector=tests/collector/lft_collector.py
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== collector: test CA and a certificate for localhost, HTTPS on 127.0.0.1"
timeout 60 python3 "$collector" certs --dir "$work/certs" >/dev/null
python3 "$collector" serve --dir "$work/certs" --port 0 --portfile "$work/port" \
  --store "$work/store.jsonl" --public-key pk-lf-demo --secret-key sk-lf-demo \
  --max-seconds 120 2>"$work/collector.log" &
pid=$!
for _ in $(seq 1 200); do
  [ -s "$work/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/collector.log"; exit 1; }
  sleep 0.05
done
[ -s "$work/port" ] || { echo "collector did not start"; cat "$work/collector.log"; exit 1; }
port=$(cat "$work/port")
echo "   listening on https://localhost:$port"

echo "== examples/support_query -> https://localhost:$port (TLS, CA verified)"
LANGFUSE_HOST="https://localhost:$port" LANGFUSE_PUBLIC_KEY=pk-lf-demo LANGFUSE_SECRET_KEY=sk-lf-demo \
LANGFUSE_CA_FILE="$work/certs/ca.pem" LFT_CONNECT_HOST=127.0.0.1 \
  timeout 60 "$build/lft_example_support_query"

echo "== what arrived"
timeout 30 python3 "$collector" tree --store "$work/store.jsonl"
timeout 30 python3 "$collector" summary --store "$work/store.jsonl"
