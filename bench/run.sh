#!/usr/bin/env bash
# Roster against the physical limit of its stack on this machine. Builds release, seeds USERS
# users (default 100,000), starts Roster on a free port and, beside it, bench/bare: a bare axum
# server answering each URL with the very bytes Roster sent for it, from memory. Each scenario
# runs DURATION (default 10s) with wrk (CONNECTIONS connections, default 16, 2 threads) against
# both; the report gives requests/s, p50, p99, the ratio to bare, and Roster's peak RSS.
#   1 GET /login anonymous          2 GET /profile signed in      3 GET /admin/users?q=...
#   4 GET /api/v1/me with a token   5 POST profile update         6 GET the hashed .wasm, br
#   7 (2) again while a login storm (POST /fn/log_in at full speed) runs: (2)'s p99
# and, as real traffic comes from many people (PEOPLE, default 1,000, seed-1..seed-PEOPLE):
#   2b (2) round robin over PEOPLE signed-in sessions   4b (4) over PEOPLE tokens
#   8  correct-password sign-ins a second against the Argon2 limit of this machine: hashes a
#      second at Roster's parameters with every CPU hashing at once (bench/bare's argon2_limit,
#      run before the server starts; about CPUs / the time of one hash)
#   9  a mixed load: 80% page views by PEOPLE people, 15% API calls, 5% profile writes;
#      p50, p99 and every non-2xx answer counted
# Writes bench/results/bench.json and prints a table (bench/README.md keeps the last real run).
# PERF=1 also samples Roster with perf during 2b, 9 and 8 (bench/results/profile-<scenario>.txt:
# the hottest functions, self time, and the same by shared object).
#   bench/run.sh                 # full run, about 5 minutes after the build
#   bench/run.sh --smoke         # a few seconds a scenario, 500 users: checks it still works
#   bench/run.sh --postgres      # the same on a throw-away PostgreSQL cluster on this machine
#                                # (scripts/postgres, durable: fsync on, synchronous_commit off
#                                # like SQLite's synchronous=NORMAL); with --smoke too
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
smoke=""; postgres=""
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    --postgres) postgres=1 ;;
    *) echo "unknown argument $arg (--smoke, --postgres)" >&2; exit 2 ;;
  esac
done
suffix=""; [ -n "$postgres" ] && suffix="-postgres"
if [ -n "$smoke" ]; then
  USERS=${USERS:-500}; DURATION=${DURATION:-2s}; out=${OUT:-$(mktemp -d)/bench.json}
  PEOPLE=${PEOPLE:-20}; HASHES=${HASHES:-3}
  # Every answer outside 200-299 counts as an error (bench/summary.lua).
  export COUNT_STATUS=1
else
  USERS=${USERS:-100000}; DURATION=${DURATION:-10s}; out=${OUT:-bench/results/bench$suffix.json}
  PEOPLE=${PEOPLE:-1000}; HASHES=${HASHES:-20}
fi
CONNECTIONS=${CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo leptos build --release --precompress --split >/dev/null 2>&1 || cargo leptos build --release --precompress --split
cargo build --release --quiet --manifest-path bench/bare/Cargo.toml --target-dir target/bench-bare
bin=target/release/roster
bare=target/bench-bare/release/bare
argon2_line=$(target/bench-bare/release/argon2_limit "$HASHES")
tmp=$(mktemp -d)
db="sqlite://$tmp/roster.db"
pg_dir=""
if [ -n "$postgres" ]; then
  pg_dir=$(mktemp -d /tmp/roster-bench-pg.XXXXXX)
  pg_url=$(scripts/postgres start "$pg_dir" --durable)
  psql "$pg_url" -qc "CREATE DATABASE roster_bench"
  db="${pg_url%/*}/roster_bench"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port); bare_port=$(free_port)
base="http://127.0.0.1:$port"

"$bin" --database-url "$db" seed --users "$USERS" >/dev/null
echo "bench admin password" | "$bin" --database-url "$db" admin create \
  --email bench-admin@example.org --display-name "Bench Admin" --password-stdin >/dev/null
token=$("$bin" --database-url "$db" token create --email bench-admin@example.org \
  --name bench --scope profile:read --expires 7)
# One token each for PEOPLE seeded people (4b, 9), four processes at a time.
seq 1 "$PEOPLE" | xargs -P 4 -I{} "$bin" --database-url "$db" token create \
  --email "seed-{}@example.test" --name bench --scope profile:read --expires 7 |
  sed 's/^/Authorization: Bearer /' >"$tmp/tokens.txt"
[ "$(wc -l <"$tmp/tokens.txt")" -eq "$PEOPLE" ] || { echo "token creation failed"; exit 1; }

LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD \
  ROSTER_DATABASE_URL="$db" ROSTER_SECRET_KEY_FILE="$tmp/secret.key" ROSTER_LOG=warn ROSTER_API_CALLS_PER_MINUTE=1000000000 \
  "$bin" serve >"$tmp/server.log" 2>&1 &
server=$!
bare_pid=
trap 'kill $server $bare_pid 2>/dev/null; wait $server $bare_pid 2>/dev/null || true; [ -z "$pg_dir" ] || scripts/postgres stop "$pg_dir"; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.1; done
rss_mb() { awk -v f="$2" '$1 == f":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# The server answers before its start-up work ends: the dummy Argon2 hash of unknown-email
# sign-ins (19 MiB while it runs) made one run's idle figure 19 MiB higher than the next.
sleep 2
idle_rss=$(rss_mb "$server" VmRSS)
# Of it: the process's own memory, and file pages mapped in (the binary, SQLite's mmap of the
# database), which the kernel shares with its page cache and may drop.
idle_anon=$(rss_mb "$server" RssAnon); idle_file=$(rss_mb "$server" RssFile)

sign_in() {
  curl -s -D - -o /dev/null "$base/fn/log_in" --data-urlencode "email=$1" --data-urlencode "password=$2" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}
person=$(sign_in seed-1@example.test "seeded user password")
admin=$(sign_in bench-admin@example.org "bench admin password")
[ -n "$person" ] && [ -n "$admin" ] || { echo "sign-in failed"; cat "$tmp/server.log"; exit 1; }
# PEOPLE signed-in sessions (2b, 9), two sign-ins at a time (each one is an Argon2 hash).
export -f sign_in; export base
seq 1 "$PEOPLE" | xargs -P 2 -I{} bash -c 'sign_in seed-{}@example.test "seeded user password"' |
  sed 's/^/Cookie: /' >"$tmp/sessions.txt"
[ "$(grep -c '^Cookie: .' "$tmp/sessions.txt")" -eq "$PEOPLE" ] || { echo "sign-ins failed"; exit 1; }
wasm=$(cd target/site/pkg && ls roster.*.wasm | head -1)
profile_body="display_name=Bench+Person&bio=Written+by+the+benchmark&location=Lisbon&website="
login_body="email=seed-2%40example.test&password=seeded+user+password"
# The storm of (7) signs in as someone else: (8)'s wrk stops with sign-ins in flight, which the
# server drops and counts as failures (an aborted attempt must count, or aborting would dodge
# the throttle), and those with the storm's own could pass the account's five free failures.
storm_body="email=seed-3%40example.test&password=seeded+user+password"

# name | method | path | header | body
scenarios=(
  "login|GET|/login||"
  "profile|GET|/profile|Cookie: $person|"
  "admin_search|GET|/admin/users?q=seed-99|Cookie: $admin|"
  "api_me|GET|/api/v1/me|Authorization: Bearer $token|"
  "profile_write|POST|/fn/update_profile|Cookie: $person|$profile_body"
  "wasm_br|GET|/pkg/$wasm|Accept-Encoding: br|"
)

# Record Roster's answer to each scenario for the bare server.
mkdir -p "$tmp/bare"
: >"$tmp/bare/manifest.jsonl"
for s in "${scenarios[@]}"; do
  IFS='|' read -r name method path header body <<<"$s"
  args=(-s -o "$tmp/bare/$name.body" -D "$tmp/bare/$name.head" -X "$method" -H "$header")
  [ -n "$body" ] && args+=(--data "$body")
  curl "${args[@]}" "$base$path"
  python3 - "$tmp/bare" "$name" "$method" "$path" >>"$tmp/bare/manifest.jsonl" <<'PY'
import json, sys
d, name, method, path = sys.argv[1:]
lines = open(f"{d}/{name}.head").read().split("\r\n")
status = int(lines[0].split()[1])
h = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if ":" in l)}
# A scenario that does not answer 2xx measures something else (a redirect to /login, an error).
if not 200 <= status <= 299:
    sys.exit(f"scenario {name}: {method} {path} answered {status}, not 2xx")
print(json.dumps({"method": method, "path": path, "status": status,
                  "content_type": h.get("content-type", "application/octet-stream"),
                  "content_encoding": h.get("content-encoding"), "body_file": f"{name}.body"}))
PY
done
"$bare" "$tmp/bare/manifest.jsonl" "$bare_port" &
bare_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$bare_port/login" && break; sleep 0.1; done

measure() { # url header method body -> one JSON line
  METHOD="$3" BODY="$4" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s \
    -s bench/summary.lua ${2:+-H "$2"} "$1" | tail -1
}

measure_many() { # url, then VAR=value settings for bench/rotate.lua -> one JSON line
  local url=$1; shift
  env "$@" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/rotate.lua "$url" | tail -1
}

profile_during() { # scenario name: samples Roster while the next wrk of Roster runs (PERF=1)
  [ -n "${PERF:-}" ] || return 0
  perf record -F 499 -g -p "$server" -o "$tmp/perf-$1.data" -- sleep "${DURATION%s}" \
    >/dev/null 2>&1 &
  perf_pid=$!
}

profile_report() { # scenario name
  [ -n "${PERF:-}" ] || return 0
  wait "$perf_pid" || true
  local report="$tmp/perf-$1.txt"
  { echo "# perf, Roster during $1 ($DURATION, $CONNECTIONS connections): self time by function"
    perf report -i "$tmp/perf-$1.data" --no-children -g none --sort symbol --stdio \
      >"$report" 2>/dev/null || true
    grep -v '^#' "$report" | grep '%' | sed -E 's/[[:space:]]+$//; s/[[:space:]]+-[[:space:]]+-$//' | head -40 || true
    echo; echo "# by shared object"
    perf report -i "$tmp/perf-$1.data" --no-children -g none --sort dso --stdio \
      >"$report" 2>/dev/null || true
    grep -v '^#' "$report" | grep '%' | sed -E 's/[[:space:]]+$//; s/[[:space:]]+-[[:space:]]+-$//' | head -15 || true
  } >"bench/results/profile-$1$suffix.txt"
}

results="$tmp/results.jsonl"
: >"$results"
for s in "${scenarios[@]}"; do
  IFS='|' read -r name method path header body <<<"$s"
  m=""; [ "$method" = POST ] && m=POST
  roster_line=$(measure "$base$path" "$header" "$m" "$body")
  bare_line=$(measure "http://127.0.0.1:$bare_port$path" "$header" "$m" "$body")
  echo "{\"scenario\": \"$name\", \"roster\": $roster_line, \"bare\": $bare_line, \"roster_peak_rss_mb\": $(rss_mb "$server" VmHWM)}" >>"$results"
done

# 2b, 4b, 9: many people.
for s in "profile_many_sessions|/profile|SESSIONS_FILE=$tmp/sessions.txt" \
  "api_me_many_tokens|/api/v1/me|TOKENS_FILE=$tmp/tokens.txt" \
  "mixed|/profile|MIX=1 COUNT_STATUS=1 SESSIONS_FILE=$tmp/sessions.txt TOKENS_FILE=$tmp/tokens.txt"; do
  IFS='|' read -r name path settings <<<"$s"
  [ "$name" = api_me_many_tokens ] || profile_during "$name"
  # shellcheck disable=SC2086 # the settings are words on purpose
  roster_line=$(measure_many "$base$path" $settings "WRITE_BODY=$profile_body")
  [ "$name" = api_me_many_tokens ] || profile_report "$name"
  # shellcheck disable=SC2086
  bare_line=$(measure_many "http://127.0.0.1:$bare_port$path" $settings "WRITE_BODY=$profile_body")
  echo "{\"scenario\": \"$name\", \"people\": $PEOPLE, \"roster\": $roster_line, \"bare\": $bare_line, \"roster_peak_rss_mb\": $(rss_mb "$server" VmHWM)}" >>"$results"
done

# 8: correct-password sign-ins at full speed (two connections a CPU keep every core hashing).
profile_during logins
logins_line=$(METHOD=POST BODY="$login_body" wrk -t2 -c"$(( $(nproc) * 2 ))" -d"$DURATION" --timeout 10s \
  -s bench/summary.lua "$base/fn/log_in" | tail -1)
profile_report logins
echo "{\"scenario\": \"logins\", \"roster\": $logins_line, \"argon2\": $argon2_line, \"roster_peak_rss_mb\": $(rss_mb "$server" VmHWM)}" >>"$results"

# 7: the signed-in page while a login storm runs on other connections.
METHOD=POST BODY="$storm_body" wrk -t1 -c4 -d"$DURATION" --timeout 10s -s bench/summary.lua \
  "$base/fn/log_in" >"$tmp/storm.txt" &
storm=$!
sleep 0.5
during=$(measure "$base/profile" "Cookie: $person" "" "")
wait $storm
storm_line=$(tail -1 "$tmp/storm.txt")
echo "{\"scenario\": \"profile_during_login_storm\", \"roster\": $during, \"storm\": $storm_line, \"roster_peak_rss_mb\": $(rss_mb "$server" VmHWM)}" >>"$results"

locked=$(grep -c "database is locked" "$tmp/server.log" || true)
# What a browser downloads to run the pages: the main module and the JS, brotli-compressed
# (each kind of visitor's total, lazy routes' chunks included: bench/wasm-bytes.py, below).
js=$(cd target/site/pkg && ls roster.*.js | head -1)
wasm_br=$(stat -c %s "target/site/pkg/$wasm.br")
js_br=$(stat -c %s "target/site/pkg/$js.br")
keep_log() { # a failed run keeps the server's log, which the exit would delete with $tmp
  cp "$tmp/server.log" "bench/results/server$suffix.log"
  echo "the server's log: bench/results/server$suffix.log" >&2
  exit 1
}
BENCH_DATABASE=$([ -n "$postgres" ] && echo postgres || echo sqlite) \
python3 - "$results" "$out" "$USERS" "$DURATION" "$CONNECTIONS" "$idle_rss" "$locked" "$wasm_br" "$js_br" "$idle_anon" "$idle_file" <<'PY' || keep_log
import json, os, platform, sys
results, out, users, duration, conns, idle_rss, locked, wasm_br, js_br, idle_anon, idle_file = sys.argv[1:]
rows = [json.loads(l) for l in open(results)]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
report = {"machine": f"{os.cpu_count()} CPUs ({cpu}), {platform.machine()}", "users": int(users),
          "database": os.environ.get("BENCH_DATABASE", "sqlite"),
          "duration": duration, "connections": int(conns), "idle_rss_mb": float(idle_rss),
          "idle_rss_anon_mb": float(idle_anon), "idle_rss_file_mb": float(idle_file),
          "database_locked_errors": int(locked), "wasm_brotli_bytes": int(wasm_br),
          "js_brotli_bytes": int(js_br), "scenarios": rows}
for r in rows:
    if "bare" in r:
        r["ratio"] = round(r["roster"]["rps"] / r["bare"]["rps"], 3) if r["bare"]["rps"] else None
    if "argon2" in r:  # (8): to the Argon2 limit, not to the bare server
        limit = r["argon2"]["logins_per_second_limit"]
        r["ratio"] = round(r["roster"]["rps"] / limit, 3) if limit else None
json.dump(report, open(out, "w"), indent=2)
print(f"{'scenario':<28}{'roster rps':>11}{'p50 ms':>9}{'p99 ms':>9}{'bare rps':>11}{'ratio':>7}{'non-2xx':>9}")
for r in rows:
    ro, ba = r["roster"], r.get("bare")
    print(f"{r['scenario']:<28}{ro['rps']:>11.0f}{ro['p50_ms']:>9.2f}{ro['p99_ms']:>9.2f}"
          f"{(ba['rps'] if ba else 0):>11.0f}{(r.get('ratio') or 0):>7.2f}{ro['non_2xx']:>9}")
a2 = next((r["argon2"] for r in rows if "argon2" in r), None)
if a2:
    print(f"Argon2 limit: {a2['logins_per_second_limit']} hashes/s with {a2['cpus']} CPUs hashing "
          f"(median hash {a2['hash_ms']} ms); the 'logins' ratio is to it")
print(f"wasm + JS, brotli: {int(wasm_br) / 1000:.0f} KB + {int(js_br) / 1000:.0f} KB")
print(f"idle RSS {idle_rss} MB ({idle_anon} MB own, {idle_file} MB mapped files); peak RSS {rows[-1]['roster_peak_rss_mb']} MB; "
      f"'database is locked' in the log: {locked}; written: {out}")
bad = [r["scenario"] for r in rows
       if r["roster"]["non_2xx"] or r["roster"]["socket_errors"] or r.get("storm", {}).get("non_2xx")]
if bad or int(locked):
    sys.exit(f"errors in: {bad}, locked: {locked}")
PY
python3 bench/wasm-bytes.py
