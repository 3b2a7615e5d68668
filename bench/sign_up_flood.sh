#!/usr/bin/env bash
# Sign-in under a sign-up flood (release build, SQLite): FLOOD clients (64) sign up as fast as
# they can while one client signs in over and over. Prints the sign-in latency (wrk: p50…p99)
# alone and during the flood, and how every request was answered: 200, or 503 `busy` once the
# password-hashing queue is full (GATEHOUSE_HASH_QUEUE). New passwords may hold only half of the
# queue, so sign-ins should see no 503 and a p99 of a few hashes, not of the whole flood.
# Traffic goes to 127.0.0.1 only; every run is bounded (DURATION seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
FLOOD=${FLOOD:-64}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
base="http://127.0.0.1:$port"
# Every sign-up comes from 127.0.0.1: the per-address sign-up limit is off for the benchmark.
GATEHOUSE_ADDR="127.0.0.1:$port" GATEHOUSE_DATA_DIR="$data" GATEHOUSE_SIGNUP_LIMIT_PER_HOUR=0 \
  RUST_LOG=warn "${GATEHOUSE_BIN:-./target/release/gatehouse}" >"$data/server.log" 2>&1 &
pid=$!
flood=
trap 'kill $pid ${flood:-} 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "$base/login" && break; sleep 0.1; done

curl -sf -o /dev/null -X POST -H "Accept: application/json" "$base/api/sign_up" \
  --data-urlencode "name=Bench Mark" --data-urlencode "email=bench@example.com" \
  --data-urlencode "password=Bench-Mark-2026!" --data-urlencode "organization=Bench"

echo "== sign-in alone (1 client, ${DURATION}s)"
wrk -t1 -c1 -d"${DURATION}s" --timeout 10s --latency -s bench/sign_in.lua "$base/api/sign_in"

echo "== sign-in while $FLOOD clients flood sign-up (1 client, ${DURATION}s)"
# The flood starts first and outlasts the measurement by a second on each side.
wrk -t2 -c"$FLOOD" -d"$((DURATION + 2))s" --timeout 10s -s bench/sign_up_flood.lua \
  "$base/api/sign_up" >"$data/flood.txt" &
flood=$!
sleep 1
wrk -t1 -c1 -d"${DURATION}s" --timeout 10s --latency -s bench/sign_in.lua "$base/api/sign_in"
wait "$flood"
flood=
echo "== the flood"
cat "$data/flood.txt"
