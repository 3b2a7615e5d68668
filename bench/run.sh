#!/usr/bin/env bash
# Benchmark of authenticated requests (release build, SQLite): throughput and p50/p99 latency of
# POST /api/list_sessions at 32 concurrent clients, server CPU per request and idle memory;
# POST /api/check_permission at 32 clients with the session and with a service account's API key
# (Authorization: Bearer; both served from memory, no database read per request); cold
# start and RSS idle, at the peak of a sign-in burst and a minute after it (bench/footprint.py);
# then, with TEST_DATABASE_URL set, the cross-instance revocation lag on PostgreSQL.
# Traffic goes to 127.0.0.1 only; every run is bounded (DURATION seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
base="http://127.0.0.1:$port"
GATEHOUSE_ADDR="127.0.0.1:$port" GATEHOUSE_DATA_DIR="$data" RUST_LOG=warn \
  ./target/release/gatehouse &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "$base/login" && break; sleep 0.1; done

jar="$data/cookies"
curl -sf -c "$jar" -o /dev/null -X POST "$base/api/sign_up" \
  --data-urlencode "name=Bench Mark" --data-urlencode "email=bench@example.com" \
  --data-urlencode "password=Bench-Mark-2026!" --data-urlencode "organization=Bench"
cookie="gatehouse_session=$(awk '$6 == "gatehouse_session" {print $7}' "$jar")"
# A few more devices so the list has something to list.
for ua in "Firefox/128.0 (X11; Linux x86_64)" "Safari (Macintosh; Intel Mac OS X 14_5)"; do
  curl -sf -o /dev/null -A "$ua" -X POST "$base/api/sign_in" \
    --data-urlencode "email=bench@example.com" --data-urlencode "password=Bench-Mark-2026!"
done
curl -sf -o /dev/null -X POST -H "Cookie: $cookie" "$base/api/list_sessions"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 1
idle_rss=$(rss_kib)
before=$(cpu_ticks)
out=$(BENCH_COOKIE="$cookie" BENCH_BODY="" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
  -s bench/post_form.lua "$base/api/${ENDPOINT:-list_sessions}")
after=$(cpu_ticks)
echo "$out"
requests=$(echo "$out" | awk '/requests in/ {print $1}')
hz=$(getconf CLK_TCK)
python3 - "$requests" "$before" "$after" "$hz" "$idle_rss" "$(rss_kib)" <<'PY'
import sys
requests, before, after, hz, idle, loaded = map(int, sys.argv[1:])
cpu = (after - before) / hz
print(f"server CPU: {cpu:.2f} s for {requests} requests = {cpu / requests * 1e6:.1f} µs per request")
print(f"RSS: idle {idle / 1024:.1f} MiB, after load {loaded / 1024:.1f} MiB")
PY

# check_permission with the session, then with a service account's key holding Viewer.
form() { # cookie endpoint field=value… -> JSON answer
  local cookie=$1 endpoint=$2; shift 2
  local args=()
  for pair in "$@"; do args+=(--data-urlencode "$pair"); done
  curl -sf -X POST -H "Cookie: $cookie" -H "Accept: application/json" "$base/api/$endpoint" "${args[@]}"
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
project=$(form "$cookie" create_project name=Payments | field id)
account=$(form "$cookie" create_service_account name=CI | field id)
form "$cookie" add_project_service_account "project_id=$project" "service_account_id=$account" \
  role=viewer >/dev/null
key=$(form "$cookie" create_api_key name=bench "service_account_id=$account" | field secret)
check() { # label cookie key
  local out
  out=$(BENCH_COOKIE="$2" BENCH_KEY="$3" BENCH_BODY="project_id=$project&permission=view" \
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/post_form.lua \
    "$base/api/check_permission")
  echo "== $1"
  echo "$out" | grep -E "Requests/sec|^ +(50|99)%|non-200"
}
check "check_permission with the session (32 clients)" "$cookie" ""
check "check_permission with a service account's API key (32 clients)" "" "$key"

echo "== start-up time and memory (SQLite)"
python3 bench/footprint.py ./target/release/gatehouse

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  echo "== cross-instance revocation lag (PostgreSQL)"
  cargo test -q -p gatehouse-server --test it \
    instances::a_revocation_on_one_instance -- --nocapture 2>&1 | grep -E "cross-instance|test result"
fi
