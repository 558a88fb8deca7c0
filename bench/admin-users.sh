#!/usr/bin/env bash
# The admin user list on a big database: seeds USERS users (default 100,000), starts the release
# server on a free port, signs an administrator in, and times REQUESTS sequential requests
# (default 200; wrk, one connection) of /admin/users for a few queries. Prints p50/p99 in ms
# and writes bench/results/admin-users.json; a query slower than DURATION (30 s) / REQUESTS is cut
# short and says how many it made. Not a test: run it by hand (scripts/setup first).
#   bench/admin-users.sh                 # full run
#   USERS=2000 REQUESTS=20 bench/admin-users.sh   # smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
USERS=${USERS:-100000}
REQUESTS=${REQUESTS:-200}
cargo leptos build --release --precompress --split >/dev/null 2>&1 || cargo leptos build --release --precompress --split
bin=target/release/roster
tmp=$(mktemp -d)
db="sqlite://$tmp/roster.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --database-url "$db" seed --users "$USERS" >/dev/null
echo "bench admin password" | "$bin" --database-url "$db" admin create \
  --email bench-admin@example.org --display-name "Bench Admin" --password-stdin >/dev/null
LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD \
  ROSTER_DATABASE_URL="$db" ROSTER_SECRET_KEY_FILE="$tmp/secret.key" ROSTER_LOG=warn "$bin" serve >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/fn/log_in" \
  --data-urlencode "email=bench-admin@example.org" --data-urlencode "password=bench admin password" \
  | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
[ -n "$cookie" ] || { echo "sign-in failed"; cat "$tmp/server.log"; exit 1; }

results="{\"users\": $USERS, \"requests_each\": $REQUESTS, \"machine\": \"$(nproc) CPUs, $(uname -m)\", \"scenarios\": {"
first=1
printf '%-44s %8s %8s %8s\n' "GET (users: $USERS)" p50_ms p99_ms max_ms
for query in "" "?q=chen%207" "?q=seed-9999" "?q=ada&role=user&status=active" "?sort=name&dir=asc&page=1000" "?q=example"; do
  line=$(REQUESTS=$REQUESTS wrk -t1 -c1 -d"${DURATION:-30}s" --timeout 10s -s bench/latency.lua \
    -H "Cookie: $cookie" "http://127.0.0.1:$port/admin/users$query" | tail -1)
  printf '%-44s %8s %8s %8s\n' "/admin/users$query" \
    "$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["p50_ms"])')" \
    "$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["p99_ms"])')" \
    "$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_ms"])')"
  [ $first -eq 1 ] || results+=", "
  first=0
  results+="\"/admin/users$query\": $line"
done
results+="}}"
echo "$results" | python3 -m json.tool > bench/results/admin-users.json
echo "written: bench/results/admin-users.json"
