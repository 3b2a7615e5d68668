#!/usr/bin/env bash
# Benchmark of project access at scale (release build, SQLite): an organization of 10,000
# members, 1,000 projects and 100,000 grants, 1,000 teams with people in up to 50 teams each. Measures POST /api/check_permission at 32 concurrent
# clients (served from the organization's access snapshot in memory), then the Projects list
# and a project's Members tab (p50/p99 per page). Traffic goes to 127.0.0.1 only; each run is
# bounded (DURATION seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
# wrk threads: one leaves the server both cores but for what one load-generating thread takes.
THREADS=${THREADS:-1}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
base="http://127.0.0.1:$port"
GATEHOUSE_ADDR="127.0.0.1:$port" GATEHOUSE_DATA_DIR="$data" RUST_LOG=warn \
  ./target/release/gatehouse &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "$base/login" && break; sleep 0.1; done

# The Owner of the bench organization, and a Member who signs up elsewhere and joins it.
sign_up() { # email organization -> cookie
  local jar="$data/jar-$1"
  curl -sf -c "$jar" -o "$data/out-$1" -X POST "$base/api/sign_up" \
    --data-urlencode "name=Bench $1" --data-urlencode "email=$1" \
    --data-urlencode "password=Bench-Mark-2026!" --data-urlencode "organization=$2"
  echo "gatehouse_session=$(awk '$6 == "gatehouse_session" {print $7}' "$jar")"
}
owner=$(sign_up owner@example.com Bench)
org=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["organization"]["id"])' "$data/out-owner@example.com")
member=$(sign_up member@example.com Elsewhere)
member_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["id"])' "$data/out-member@example.com")
db="$data/gatehouse.db"
python3 - "$db" "$org" "$member_id" <<'PY'
import sqlite3, sys, time
db, org, user = sys.argv[1:4]
conn = sqlite3.connect(db, timeout=30)
now = int(time.time() * 1000)
conn.execute("INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) "
             "VALUES (?, ?, 'member', ?, ?, 'bench member@example.com')", (org, user, now, now))
conn.commit()
PY
read -r project granted through_team < <(python3 bench/seed_projects.py "$db" "$org" "$member_id")
curl -sf -o /dev/null -X POST -H "Cookie: $member" "$base/api/switch_organization" \
  --data-urlencode "organization_id=$org"

run() { # label cookie endpoint body
  local out
  out=$(BENCH_COOKIE="$2" BENCH_BODY="$4" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s bench/post_form.lua "$base/api/$3")
  echo "== $1"
  echo "$out" | grep -E "Requests/sec|^ +(50|99)%|non-200"
}
# Warm the snapshot once (the first request reads it), then measure.
curl -sf -o /dev/null -X POST -H "Cookie: $member" "$base/api/check_permission" \
  --data-urlencode "project_id=$project" --data-urlencode "permission=use"
run "check_permission (a Member's own grant, 32 clients)" "$member" check_permission \
  "project_id=$project&permission=use"
run "check_permission (a Member in 50 teams, through a team, 32 clients)" "$member" check_permission \
  "project_id=$through_team&permission=view"
run "check_permission (the Owner asks about another member)" "$owner" check_permission \
  "project_id=$project&permission=edit&user_id=$granted"
CONNECTIONS=4 run "list_projects, first page (Owner: 1,000 projects; 4 clients)" "$owner" \
  list_projects "page=1"
CONNECTIONS=4 run "list_projects, a Member's page (100 projects; 4 clients)" "$member" \
  list_projects "page=2"
CONNECTIONS=4 run "list_project_members, first page (100 grants; 4 clients)" "$owner" \
  list_project_members "project_id=$project&page=1"
CONNECTIONS=4 run "list_teams, first page (Owner: 1,000 teams; 4 clients)" "$owner" \
  list_teams "page=1"
