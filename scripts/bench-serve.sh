#!/usr/bin/env bash
# Load test of `usage serve` on loopback (not a timed test): SENDERS concurrent senders each send BATCHES OTLP/HTTP
# protobuf exports of EVENTS Claude Code api_request events (scripts/load-serve.py, with the OpenTelemetry
# protobuf classes of .venv-test), 5% of the exports sent twice as a retrying exporter does. Afterwards the
# database must hold every accepted event exactly once.
#
# Target on a 2-core machine: at least 20,000 events per second accepted, none lost, peak server memory under
# 200 MB. Prints the load's figures, the server's peak RSS (VmHWM), the check of the database, and the verdict.
#
# Usage: scripts/bench-serve.sh
# Env:   BIN=PATH      the usage binary (default: .build/release/usage; nothing is built)
#        SENDERS=N     concurrent senders (default 8)
#        BATCHES=N     exports per sender (default 250)
#        EVENTS=N      events per export (default 100)
#        RUNS=N        runs, each on a new database (default 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:-.build/release/usage}"
SENDERS="${SENDERS:-8}" BATCHES="${BATCHES:-250}" EVENTS="${EVENTS:-100}" RUNS="${RUNS:-3}"
[ -x "$BIN" ] || { echo "bench-serve: build first: swift build -c release --static-swift-stdlib (or set BIN)" >&2; exit 1; }
scripts/setup.sh --tests
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for run in $(seq "$RUNS"); do
    rm -f "$work"/db.sqlite*
    "$BIN" serve --db "$work/db.sqlite" --listen 127.0.0.1:0 2>"$work/serve.log" &
    pid=$!
    for _ in $(seq 200); do grep -q "listening on" "$work/serve.log" && break; sleep 0.05; done
    port="$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.log" | grep -o '[0-9]*$')"
    load="$(.venv-test/bin/python scripts/load-serve.py "http://127.0.0.1:$port" "$SENDERS" "$BATCHES" "$EVENTS")"
    peak_kb="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")"
    kill -TERM "$pid"
    wait "$pid" || { echo "bench-serve: usage serve exited with status $?" >&2; status=1; }
    stored="$(sqlite3 "$work/db.sqlite" "SELECT COUNT(*), COUNT(DISTINCT request_id) FROM requests")"
    accepted="$(echo "$load" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events_accepted"])')"
    rate="$(echo "$load" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events_per_second"])')"
    verdict=ok
    [ "$stored" = "$accepted|$accepted" ] || verdict="LOST OR DOUBLED (stored|distinct $stored, accepted $accepted)"
    [ "$rate" -ge 20000 ] || verdict="$verdict; BELOW 20,000 events/s"
    [ "$peak_kb" -lt 204800 ] || verdict="$verdict; OVER 200 MB"
    [ "$verdict" = ok ] || status=1
    echo "run $run: $load"
    echo "run $run: server peak RSS $((peak_kb / 1024)) MB; stored $stored (rows|distinct) of $accepted accepted: $verdict"
done
exit $status
