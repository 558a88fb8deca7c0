#!/usr/bin/env bash
# Mail delivery throughput: N mails (default 2000) written straight into the outbox of a
# release server (SQLite), timed until maildev (end2end's SMTP server with an HTTP API) has
# them all. The wait includes up to one worker poll (5 s). Needs a release build
# (`cargo leptos build --release`) and end2end's packages (`scripts/setup --test`).
#
#   bench/mail.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
tmp=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
smtp_port=$(free_port)
maildev_port=$(free_port)
setsid end2end/node_modules/.bin/maildev -s "$smtp_port" -w "$maildev_port" \
  --ip 127.0.0.1 --web-ip 127.0.0.1 >"$tmp/maildev.log" 2>&1 &
maildev=$!
LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=roster \
  LEPTOS_ENV=PROD ROSTER_DATABASE_URL="sqlite://$tmp/roster.db" ROSTER_SECRET_KEY_FILE="$tmp/secret.key" ROSTER_LOG=warn \
  ROSTER_SMTP_URL="smtp://127.0.0.1:$smtp_port" ROSTER_PUBLIC_URL="http://127.0.0.1:$port" \
  target/release/roster serve >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; kill -- "-$maildev" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$maildev_port/api/email" && break; sleep 0.1; done
python3 - "$tmp/roster.db" "$n" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time())
db.executemany(
    "INSERT INTO outbox (kind, to_address, subject, body_text, body_html, created_at, "
    "next_attempt_at) VALUES ('test', ?, 'Test mail', 'Hello,\n\nA test.\n', '<p>A test.</p>', ?, ?)",
    [(f"bench{i}@example.org", now, now) for i in range(int(sys.argv[2]))],
)
db.commit()
PY
start=$(date +%s.%N)
until [ "$(curl -s "http://127.0.0.1:$maildev_port/api/email" |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" -ge "$n" ]; do
  sleep 0.2
done
end=$(date +%s.%N)
python3 -c "d = $end - $start; print(f'$n mails delivered in {d:.1f} s: {$n / d:.0f} mails/s')"
