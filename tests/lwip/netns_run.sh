#!/usr/bin/env bash
# netns_run.sh TEST_BINARY - run one lwIP test against the local collector in
# a network namespace created for it, and check what the collector stored.
#
#   namespace lftlw<pid>: lo up, tap0 = 192.0.2.1/24 (TEST-NET-1, exists only
#   there); the test's lwIP stack attaches to tap0 as 192.0.2.2 with the
#   tests' own TAP driver. The collector (tests/collector/lft_collector.py)
#   listens on 127.0.0.1 inside the namespace; tcp_relay.py makes it
#   reachable at 192.0.2.1:8443. TLS is end to end; the collector's
#   certificate names both "localhost" (the tests that connect to the
#   address) and collector.lft.test. dns_responder.py serves 192.0.2.1:53/udp:
#   collector.lft.test -> 192.0.2.1, missing.lft.test NXDOMAIN, silent.lft.test
#   never answered, late.lft.test answered only after 0.6 s; the tests get
#   these names as arguments (test_lwip_raw resolves them with lwIP's DNS).
#
# Exit 0 pass, 1 fail, 77 skip (not root, no /dev/net/tun, no ip, python3 or
# openssl). Every process runs under timeout; the namespace is deleted on
# exit whatever happens.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
collector=$here/../collector/lft_collector.py
test_bin=${1:?usage: netns_run.sh TEST_BINARY}

skip() { echo "SKIP $(basename "$test_bin"): $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (ip netns, ip tuntap, /dev/net/tun)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
for tool in ip python3 openssl timeout; do
  command -v "$tool" >/dev/null || skip "$tool is missing"
done

ns=lftlw$$
work=$(mktemp -d "${TMPDIR:-/tmp}/lft-lwip.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
inns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
inns ip link set lo up
inns ip tuntap add dev tap0 mode tap
inns ip addr add 192.0.2.1/24 dev tap0
inns ip link set tap0 up

timeout 60 python3 "$collector" certs --dir "$work/certs" --server-name collector.lft.test >/dev/null
ip netns exec "$ns" timeout 120 python3 "$collector" serve --dir "$work/certs" --port 0 --portfile "$work/port" \
  --store "$work/store.jsonl" --max-seconds 110 2>"$work/collector.log" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "collector did not start"; cat "$work/collector.log"; exit 1; }
ip netns exec "$ns" timeout 120 python3 "$here/tcp_relay.py" 192.0.2.1 8443 127.0.0.1 "$(cat "$work/port")" \
  "$work/relay.ready" 2>"$work/relay.log" &
pids+=($!)
for _ in $(seq 200); do [ -e "$work/relay.ready" ] && break; sleep 0.05; done
[ -e "$work/relay.ready" ] || { echo "relay did not start"; cat "$work/relay.log"; exit 1; }
ip netns exec "$ns" timeout 120 python3 "$here/dns_responder.py" --listen 192.0.2.1 \
  --answer collector.lft.test=192.0.2.1 --nxdomain missing.lft.test --silent silent.lft.test \
  --late late.lft.test=192.0.2.1 --late-seconds 0.6 --max-seconds 110 --max-queries 64 \
  --ready "$work/dns.ready" 2>"$work/dns.log" &
pids+=($!)
for _ in $(seq 200); do [ -e "$work/dns.ready" ] && break; sleep 0.05; done
[ -e "$work/dns.ready" ] || { echo "DNS responder did not start"; cat "$work/dns.log"; exit 1; }

rc=0
inns timeout 90 "$test_bin" --ca "$work/certs/ca.pem" --host localhost --connect 192.0.2.1 \
  --port 8443 --local 192.0.2.2 --closed-port 1 --absent 192.0.2.77 \
  --dns 192.0.2.1 --name collector.lft.test --nxdomain missing.lft.test --silent silent.lft.test \
  --late late.lft.test || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL $(basename "$test_bin") exited $rc; collector log:"
  tail -n 20 "$work/collector.log"
  echo "DNS responder log:"
  tail -n 20 "$work/dns.log"
  exit 1
fi
timeout 30 python3 "$collector" tree --store "$work/store.jsonl"
timeout 30 python3 "$here/check_store.py" "$work/store.jsonl"
