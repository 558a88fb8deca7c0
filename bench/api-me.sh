#!/usr/bin/env bash
# Throughput of the JSON API: GET /api/v1/me with a personal access token, from wrk with
# CONNECTIONS connections (default 16) on THREADS threads (default 2) for DURATION (default 15s),
# against the release server on a free port (token rate limit lifted). USERS seeded users
# (default 1,000) make the tables non-trivial. Prints requests/s and p50/p99 and writes
# bench/results/api-me.json. Not a test: run it by hand (scripts/setup first).
#   bench/api-me.sh                    # full run
#   DURATION=3s bench/api-me.sh        # smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
USERS=${USERS:-1000}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo leptos build --release --precompress >/dev/null 2>&1 || cargo leptos build --release --precompress
bin=target/release/roster
tmp=$(mktemp -d)
db="sqlite://$tmp/roster.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --database-url "$db" seed --users "$USERS" >/dev/null
echo "bench admin password" | "$bin" --database-url "$db" admin create \
  --email bench-admin@example.org --display-name "Bench Admin" --password-stdin >/dev/null
token=$("$bin" --database-url "$db" token create --email bench-admin@example.org \
  --name bench --scope profile:read --expires 7)
LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD \
  ROSTER_DATABASE_URL="$db" ROSTER_LOG=warn ROSTER_API_CALLS_PER_MINUTE=1000000000 \
  "$bin" serve >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/api/v1/me")
[ "$status" = 200 ] || { echo "GET /api/v1/me answered $status"; cat "$tmp/server.log"; exit 1; }

out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
  -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me")
echo "$out"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
python3 - "$out" "$rss_kb" "$USERS" "$DURATION" "$CONNECTIONS" <<'PY' > bench/results/api-me.json
import json, re, sys, os
out, rss_kb, users, duration, conns = sys.argv[1:]
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 3)
pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(json.dumps({
    "scenario": "GET /api/v1/me with a personal access token",
    "machine": f"{os.cpu_count()} CPUs",
    "users": int(users), "duration": duration, "connections": int(conns),
    "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
    "p50_ms": ms(pct["50"]), "p99_ms": ms(pct["99"]),
    "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    "server_peak_rss_mb": round(int(rss_kb) / 1024, 1),
}, indent=2))
PY
cat bench/results/api-me.json
