#!/usr/bin/env bash
# Soak: does Roster stay unwedged under the bench's mix for minutes, and does it always stop?
# Builds release, seeds USERS users (default 2,000), then runs ROUNDS rounds (default: as many
# as fit in MINUTES, default 30) of ROUND seconds each (default 60). In each round one server
# takes, all at once on separate connections: signed-in /profile, the admin list, the audit
# page, /api/v1/me with a token, anonymous / and /login, a login storm, and ABANDON (default 8)
# loops of signed-in pages abandoned mid-answer (bench/abandon.py). Every PROBE_EVERY
# seconds (default 5), and once more after the load stops, PROBES requests (default 8, more
# than the worker count) to /healthz must each answer within 1 s: every worker stuck fails them;
# after the load /readyz must not say "workers stalled" (the watchdog's word for one stuck
# worker). Then SIGTERM: the process must exit within 5 s (nothing is in flight; a bounded stop
# that waits out its grace for a stuck worker takes 20 s or more). A wedge (probes failing or
# workers stalled after the load, a slow stop, or none) is recorded with a backtrace of every thread (gdb, when installed) in
# bench/results/soak-<time>/.
#   bench/soak.sh                  # 30 minutes
#   bench/soak.sh --smoke          # one 20-second round (scripts/test runs it)
#   MINUTES=10 ROUND=40 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ "${1:-}" = "--smoke" ]; then
  USERS=${USERS:-300}; ROUND=${ROUND:-20}; ROUNDS=1; smoke=true
else
  USERS=${USERS:-2000}; ROUND=${ROUND:-60}; MINUTES=${MINUTES:-30}
  ROUNDS=${ROUNDS:-$(( (MINUTES * 60 + ROUND - 1) / ROUND ))}; smoke=false
fi
PROBE_EVERY=${PROBE_EVERY:-5}
PROBES=${PROBES:-8}
ABANDON=${ABANDON:-8}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

# BIN and SITE_ROOT point at another build (e.g. one from before a fix); SKIP_BUILD=1 uses the
# release build as it is.
if [ -z "${BIN:-}" ] && [ -z "${SKIP_BUILD:-}" ]; then
  cargo leptos build --release --precompress --split >/dev/null 2>&1 || cargo leptos build --release --precompress --split
fi
bin=${BIN:-target/release/roster}
site=${SITE_ROOT:-target/site}
tmp=$(mktemp -d)
out="bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)"
$smoke && out="$tmp/results"
mkdir -p "$out"
db="sqlite://$tmp/roster.db"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$bin" --database-url "$db" seed --users "$USERS" >/dev/null
echo "soak admin password" | "$bin" --database-url "$db" admin create \
  --email soak-admin@example.org --display-name "Soak Admin" --password-stdin >/dev/null
token=$("$bin" --database-url "$db" token create --email soak-admin@example.org \
  --name soak --scope profile:read --expires 7)

server=
loads=()
cleanup() {
  for p in "${loads[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# True when every one of PROBES parallel /healthz requests answers within 1 s.
probe() {
  local base=$1 ok=0 i pids=()
  for i in $(seq 1 "$PROBES"); do
    curl -fs -o /dev/null --max-time 1 "$base/healthz" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
  [ "$ok" -eq "$PROBES" ]
}

sign_in() {
  curl -s -D - -o /dev/null "$1/fn/log_in" --data-urlencode "email=$2" --data-urlencode "password=$3" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}

backtrace() { # pid file
  if command -v gdb >/dev/null; then
    timeout 60 gdb -p "$1" -batch -ex "thread apply all bt" >"$2" 2>&1 || true
  fi
}

wedges=0; slow_probes=0; exits=(); started_at=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  port=$(free_port); base="http://127.0.0.1:$port"
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$site" LEPTOS_ENV=PROD \
    ROSTER_DATABASE_URL="$db" ROSTER_SECRET_KEY_FILE="$tmp/secret.key" ROSTER_LOG=warn ROSTER_API_CALLS_PER_MINUTE=1000000000 ROSTER_WORKER_STALL_AFTER=3s \
    "$bin" serve >"$tmp/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.1; done
  person=$(sign_in "$base" seed-1@example.test "seeded user password")
  admin=$(sign_in "$base" soak-admin@example.org "soak admin password")
  login_body="email=seed-2%40example.test&password=seeded+user+password"
  loads=()
  run() { wrk -t1 -c4 -d"${ROUND}s" --timeout 10s "$@" >/dev/null 2>&1 & loads+=($!); }
  run -H "Cookie: $person" "$base/profile"
  run -H "Cookie: $admin" "$base/admin/users?q=seed-1"
  run -H "Cookie: $admin" "$base/admin/audit"
  run -H "Authorization: Bearer $token" "$base/api/v1/me"
  run "$base/"
  run "$base/login"
  METHOD=POST BODY="$login_body" run -s bench/summary.lua "$base/fn/log_in"
  python3 bench/abandon.py "$base" "$ROUND" "$ABANDON" "$admin" /profile /settings \
    /settings/sessions /admin/users "/admin/users?q=seed-1" /admin/audit / >"$tmp/abandon.txt" 2>&1 &
  loads+=($!)
  round_end=$(( $(date +%s) + ROUND ))
  while [ "$(date +%s)" -lt "$round_end" ]; do
    sleep "$PROBE_EVERY"
    probe "$base" || slow_probes=$((slow_probes + 1))
  done
  for p in "${loads[@]}"; do wait "$p" 2>/dev/null || true; done
  loads=()
  sleep 1
  wedged=false
  if ! probe "$base" && ! { sleep 2; probe "$base"; }; then
    wedged=true
    backtrace "$server" "$out/round-$round-probe.txt"
  fi
  # One stuck worker of several does not fail the probes (the others steal its queue), but the
  # watchdog of a build that has one says so in /readyz within ROSTER_WORKER_STALL_AFTER.
  sleep 4 # > ROSTER_WORKER_STALL_AFTER below
  if ! $wedged && [ "$(curl -s --max-time 2 "$base/readyz")" = "workers stalled" ]; then
    wedged=true
    backtrace "$server" "$out/round-$round-stalled.txt"
  fi
  stop_started=$(date +%s.%N)
  kill -TERM "$server"
  exited=false
  for _ in $(seq 1 350); do
    kill -0 "$server" 2>/dev/null || { exited=true; break; }
    sleep 0.1
  done
  took=$(python3 -c "import time; print(round(time.time() - $stop_started, 1))")
  if ! $exited; then
    wedged=true
    backtrace "$server" "$out/round-$round-shutdown.txt"
    kill -9 "$server" 2>/dev/null || true
    took=">35"
  elif python3 -c "import sys; sys.exit(0 if $took > 5 else 1)"; then
    # Nothing is in flight once the load has stopped, so a healthy server stops at once; a
    # bounded shutdown that had to wait out its grace for a stuck worker stops by 30 s.
    wedged=true
  fi
  wait "$server" 2>/dev/null || true
  server=
  exits+=("$took")
  $wedged && wedges=$((wedges + 1))
  echo "round $round/$ROUNDS: $($wedged && echo WEDGED || echo ok), exit after ${took}s; $(cat "$tmp/abandon.txt")"
done
minutes=$(python3 -c "print(round(($(date +%s) - $started_at) / 60, 1))")
summary="rounds $ROUNDS of ${ROUND}s, ${minutes} min, wedges $wedges, slow probe rounds during load $slow_probes, exit seconds: ${exits[*]}"
echo "$summary" | tee "$out/summary.txt"
[ "$wedges" -eq 0 ] || { echo "wedged; backtraces in $out" >&2; exit 1; }
