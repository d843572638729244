#!/usr/bin/env bash
# Two builds of `usage` side by side: ingest and report timings, taking turns so that both see the same machine.
#
# Usage: scripts/bench-compare.sh BEFORE_BIN AFTER_BIN
#   e.g. build an older commit with `swift build -c release --static-swift-stdlib --build-path /tmp/before` and
#   compare it with the current `.build/release/usage`.
# Env:   LINES=N       generated response lines (default 1000000; bench/responses.jsonl is reused when it matches)
#        RUNS=N        rounds (default 5); each keeps its best time
#        TRANSCRIPTS=D a folder of Claude Code transcripts to ingest as well (optional)
#
# Prints, for each measurement, both best times and after/before (below 1.00: the after build is faster).
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,11p' "$0" >&2; exit 64; }
BEFORE="$1"
AFTER="$2"
for bin in "$BEFORE" "$AFTER"; do [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 64; }; done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LINES="${LINES:-1000000}"
RUNS="${RUNS:-5}"
BENCH=bench
DATA="$BENCH/responses.jsonl"
mkdir -p "$BENCH"

if [ ! -f "$DATA" ] || [ "$(wc -l <"$DATA" | tr -d ' ')" != "$LINES" ]; then
    echo "==> generating $DATA ($LINES lines)"
    python3 scripts/gen-responses.py --lines "$LINES" --out "$DATA.tmp"
    mv "$DATA.tmp" "$DATA"
fi

# seconds CMD...: wall time of one run, output discarded.
seconds() {
    python3 -c '
import subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
if rc not in (0, 1):
    sys.exit("command failed (exit %d): %s" % (rc, " ".join(sys.argv[1:])))
print("%.3f" % (time.perf_counter() - t0))' "$@"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }

# compare NAME SETUP CMD...: CMD with {bin} and {db} filled in, RUNS turns each; SETUP runs before each
# (with {db}), untimed.
compare() {
    local name="$1" setup="$2"
    shift 2
    local best_before="" best_after=""
    for _ in $(seq "$RUNS"); do
        for side in before after; do
            local bin="$BEFORE" db="$BENCH/compare-$side.sqlite"
            [ "$side" = after ] && bin="$AFTER"
            [ -n "$setup" ] && eval "${setup//\{db\}/$db}"
            local args=()
            for a in "$@"; do a="${a//\{bin\}/$bin}"; args+=("${a//\{db\}/$db}"); done
            local t
            t=$(seconds "${args[@]}")
            if [ "$side" = before ]; then best_before=$(min "$best_before" "$t"); else best_after=$(min "$best_after" "$t"); fi
        done
    done
    printf '%-44s before %7.3f s   after %7.3f s   after/before %s\n' "$name" "$best_before" "$best_after" \
        "$(ratio "$best_before" "$best_after")"
}

fresh='rm -f {db} {db}-wal {db}-shm'
echo "==> $LINES lines, best of $RUNS turns each"
compare "ingest, fresh database" "$fresh" "{bin}" ingest "$DATA" --db "{db}" --no-progress
compare "report (hourly rollup)" "" "{bin}" report --db "{db}" --tz UTC
compare "report --by day" "" "{bin}" report --db "{db}" --tz UTC --by day
compare "report --since mid-hour (full scan)" "" "{bin}" report --db "{db}" --tz UTC --since 2026-09-01T00:30:00Z
compare "cache-stats" "" "{bin}" cache-stats --db "{db}"
if [ -n "${TRANSCRIPTS:-}" ]; then
    compare "ingest Claude Code transcripts" "$fresh" "{bin}" ingest "$TRANSCRIPTS" --db "{db}" --no-progress
fi
