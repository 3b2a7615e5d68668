#!/usr/bin/env bash
# Benchmark of the Activity screen's reads (release build): one organization holding EVENTS
# audit events (1,000,000 by default, seeded straight into its chain), then a page of
# POST /api/list_activity with no filter and with each single filter (person, kind, outcome,
# a day range, an old cursor) — throughput, p50 and p99 — and POST /api/export_activity of every
# event: rows per second and the server's RSS before and at its peak during the export.
# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (a database of its own, dropped
# after). Traffic goes to 127.0.0.1 only; every wrk run is bounded (DURATION seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-8}
EVENTS=${EVENTS:-1000000}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }

# Twelve digits of a number, as each database writes it.
pad_sqlite() { echo "printf('%012d', $1)"; }
pad_postgres() { echo "lpad(($1)::text, 12, '0')"; }

# The seeded events: 1,000 actors, every kind, one in ten refused, spread over 100 days up to
# now, numbered after the chain's existing head. Plain SQL that SQLite and PostgreSQL share.
seed_sql() { # org count now_ms first_seq pad_function
  local org=$1 count=$2 now=$3 first=$4 pad=$5
  id() { $pad "$1"; }
  cat <<SQL
INSERT INTO audit_events (id, org_id, chain, seq, actor_id, actor_type, subject_id, action, kind,
    outcome, target, ip, user_agent, created_at)
SELECT 'bench-' || n, '$org', '$org', $first + n,
    'a0000000-0000-4000-8000-' || $(id "n % 1000"), 'user',
    'a0000000-0000-4000-8000-' || $(id "(n * 7) % 1000"),
    CASE n % 6 WHEN 0 THEN 'session.signed_in' WHEN 1 THEN 'member.role_changed'
        WHEN 2 THEN 'project.created' WHEN 3 THEN 'team.member_added'
        WHEN 4 THEN 'api_key.created' ELSE 'mfa.enabled' END,
    CASE n % 6 WHEN 0 THEN 'sign_in' WHEN 1 THEN 'members' WHEN 2 THEN 'projects'
        WHEN 3 THEN 'teams' WHEN 4 THEN 'keys' ELSE 'security' END,
    CASE WHEN n % 10 = 0 THEN 'refused' ELSE 'succeeded' END,
    'user:a0000000-0000-4000-8000-' || $(id "(n * 7) % 1000"),
    '198.51.100.' || (n % 250), 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    $now - ($count - n) * (8640000000 / $count)
FROM generated;
-- The chain so far (the sign-up) happened before every seeded event, as in a real log where a
-- later place in the chain is never an earlier time (day ranges rely on it).
UPDATE audit_events SET created_at = $now - 8640000000 - 60000 WHERE chain = '$org' AND seq <= $first;
UPDATE audit_chain_heads SET seq = (SELECT MAX(seq) FROM audit_events WHERE chain = '$org')
WHERE chain = '$org';
SQL
}

run() { # label database_url_or_empty
  local label=$1 url=$2
  local port data base jar cookie org pid
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  data=$(mktemp -d)
  base="http://127.0.0.1:$port"
  if [[ -n $url ]]; then
    # PostgreSQL asks for the key every instance shares.
    head -c 32 /dev/urandom | base64 > "$data/secret.key"
    DATABASE_URL=$url GATEHOUSE_SECRET_KEY_FILE="$data/secret.key" GATEHOUSE_ADDR="127.0.0.1:$port" \
      GATEHOUSE_DATA_DIR="$data" RUST_LOG=warn ./target/release/gatehouse &
  else
    GATEHOUSE_ADDR="127.0.0.1:$port" GATEHOUSE_DATA_DIR="$data" RUST_LOG=warn \
      ./target/release/gatehouse &
  fi
  pid=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.1; done
  jar="$data/cookies"
  curl -sf -c "$jar" -o /dev/null -X POST "$base/api/sign_up" \
    --data-urlencode "name=Bench Mark" --data-urlencode "email=bench@example.com" \
    --data-urlencode "password=Bench-Mark-2026!" --data-urlencode "organization=Bench"
  cookie="gatehouse_session=$(awk '$6 == "gatehouse_session" {print $7}' "$jar")"
  now=$(($(date +%s) * 1000))
  started=$(date +%s.%N)
  if [[ -n $url ]]; then
    org=$(psql -tA "$url" -c "SELECT id FROM organizations LIMIT 1")
    head=$(psql -tA "$url" -c "SELECT seq FROM audit_chain_heads WHERE chain = '$org'")
    { echo "CREATE TEMP TABLE generated AS SELECT generate_series(1, $EVENTS) AS n;"
      seed_sql "$org" "$EVENTS" "$now" "$head" pad_postgres
      echo "ANALYZE audit_events;"; } | psql -q "$url" >/dev/null
  else
    db="$data/gatehouse.db"
    org=$(sqlite3 "$db" "SELECT id FROM organizations LIMIT 1")
    head=$(sqlite3 "$db" "SELECT seq FROM audit_chain_heads WHERE chain = '$org'")
    { echo "PRAGMA busy_timeout = 10000; BEGIN;"
      echo "CREATE TEMP TABLE generated AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $EVENTS) SELECT n FROM c;"
      seed_sql "$org" "$EVENTS" "$now" "$head" pad_sqlite
      echo "COMMIT; ANALYZE;"; } | sqlite3 "$db"
  fi
  echo "== $label: $EVENTS events seeded in $(python3 -c "import time; print(f'{time.time() - $started:.0f}')") s"

  person="a0000000-0000-4000-8000-000000000042"
  today=$(date -u +%F)
  week_ago=$(date -u -d '7 days ago' +%F)
  old=$((head + EVENTS / 2))
  for filter in "" "user_id=$person" "kind=sign_in" "outcome=refused" \
      "from=$week_ago&to=$today" "before=$old"; do
    # Every filter matches seeded events: an empty page would measure nothing.
    shown=$(curl -sf -X POST -H "Cookie: $cookie" "$base/api/list_activity" --data "$filter" |
      python3 -c 'import json, sys; print(len(json.load(sys.stdin)["events"]))')
    ((shown > 0)) || { echo "list_activity $filter answered no events" >&2; exit 1; }
    out=$(BENCH_COOKIE="$cookie" BENCH_BODY="$filter" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
      --latency -s bench/post_form.lua "$base/api/list_activity")
    printf '   list_activity %-32s %3s events %8s req/s  p50 %8s  p99 %8s  %s\n' \
      "${filter:-(no filter)}" "$shown" \
      "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
      "$(echo "$out" | awk '$1 == "50%" {print $2}')" \
      "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
      "$(echo "$out" | grep -o 'non-200 responses: [0-9]*')"
  done

  rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  peak=$rss_before
  started=$(date +%s.%N)
  curl -sf -X POST -H "Cookie: $cookie" "$base/api/export_activity" --data "format=csv" \
    -o "$data/export.csv" &
  curler=$!
  while kill -0 $curler 2>/dev/null; do
    now_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    ((now_rss > peak)) && peak=$now_rss
    sleep 0.05
  done
  wait $curler
  python3 - "$started" "$(date +%s.%N)" "$(($(wc -l < "$data/export.csv") - 1))" "$rss_before" "$peak" <<'PY'
import sys
start, end, rows, before, peak = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"   export_activity csv: {rows} rows in {end - start:.1f} s = {rows / (end - start):,.0f} rows/s; "
      f"RSS {before / 1024:.1f} MiB before, {peak / 1024:.1f} MiB at its peak")
PY
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
}

run "SQLite" ""
if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  name="gatehouse_bench_$$"
  admin=$TEST_DATABASE_URL
  psql -q "$admin" -c "CREATE DATABASE $name" >/dev/null
  trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null' EXIT
  run "PostgreSQL" "${TEST_DATABASE_URL%/*}/$name"
fi
