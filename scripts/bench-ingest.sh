#!/usr/bin/env bash
# Ingest/report benchmark for `usage`.
#
# Targets:
#   - ingest 1,000,000 logged response lines faster than a plain Python
#     `for line in f: json.loads(line)` loop over the same file;
#   - `usage report` over 1M requests in under 0.5 s.
#
# Usage: scripts/bench-ingest.sh
# Env:   LINES=N      number of generated lines (default 1000000)
#        INGEST_RUNS=N rounds of (Python baseline, fresh-database ingest), best of each kept (default 5)
#        REPORT_RUNS=N runs of each report, best is kept (default 5)
#
# Work files go to bench/ at the repository root (git-ignored). An existing
# bench/responses.jsonl with the requested line count is reused.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LINES="${LINES:-1000000}"
INGEST_RUNS="${INGEST_RUNS:-5}"
REPORT_RUNS="${REPORT_RUNS:-5}"
BENCH=bench
DATA="$BENCH/responses.jsonl"
DB="$BENCH/bench.sqlite"
BIN=.build/release/usage

mkdir -p "$BENCH"

# --- helpers ----------------------------------------------------------------

# fdiv A B [FMT]: print A/B with printf format FMT (default %.1f).
fdiv() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }
# flt A B: succeeds if A < B (floats).
flt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
verdict() { if "$@"; then echo "met"; else echo "NOT met"; fi; }

# timed RUNS OUTFILE CMD...: run CMD RUNS times with stdout to OUTFILE; print
# "best_seconds peak_rss_kb". Peak RSS comes from getrusage(RUSAGE_CHILDREN),
# i.e. the largest of the runs; "-" if unavailable.
TIMER_PY='
import subprocess, sys, time
runs, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
best = None
for _ in range(runs):
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdout=f).returncode
        dt = time.perf_counter() - t0
    if rc != 0:
        sys.exit("command failed (exit %d): %s" % (rc, " ".join(cmd)))
    best = dt if best is None else min(best, dt)
try:
    import resource
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":
        rss //= 1024  # bytes there, KiB on Linux
    rss = str(rss)
except Exception:
    rss = "-"
print("%.3f %s" % (best, rss))
'
timed() { python3 -c "$TIMER_PY" "$@"; }

rss_mb() { if [ "$1" = "-" ]; then echo "n/a"; else fdiv "$1" 1024 "%.0f MB"; fi; }

# --- build ------------------------------------------------------------------

echo "==> swift build -c release --static-swift-stdlib"
if ! swift build -c release --static-swift-stdlib >"$BENCH/build.log" 2>&1; then
    tail -n 40 "$BENCH/build.log" >&2
    echo "build failed (full log: $BENCH/build.log)" >&2
    exit 1
fi
[ -x "$BIN" ] || { echo "missing $BIN after build" >&2; exit 1; }

# --- data -------------------------------------------------------------------

have=0
if [ -f "$DATA" ]; then
    have=$(wc -l <"$DATA" | tr -d ' ')
fi
if [ "$have" = "$LINES" ]; then
    echo "==> reusing $DATA ($have lines)"
else
    echo "==> generating $DATA ($LINES lines)"
    python3 scripts/gen-responses.py --lines "$LINES" --out "$DATA.tmp"
    mv "$DATA.tmp" "$DATA"
fi

bytes=$(python3 -c 'import os, sys; print(os.path.getsize(sys.argv[1]))' "$DATA")
nlines=$(wc -l <"$DATA" | tr -d ' ')
mb=$(fdiv "$bytes" 1000000)
echo "    $DATA: $mb MB, $nlines lines"

# --- Python baseline --------------------------------------------------------

# The machine is shared and its speed drifts from minute to minute: the Python baseline and the ingest take
# turns, so that both see the same conditions, and each keeps its best run.
echo "==> Python json.loads loop and usage ingest (fresh database), taking turns, best of $INGEST_RUNS each"
py_s=""
ing1_s=""
for _ in $(seq "$INGEST_RUNS"); do
    run_py=$(python3 - "$DATA" <<'EOF'
import json, sys, time
t0 = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    for line in f:
        json.loads(line)
print("%.3f" % (time.perf_counter() - t0))
EOF
)
    if [ -z "$py_s" ] || flt "$run_py" "$py_s"; then py_s=$run_py; fi
    rm -f "$DB" "$DB"-*
    res=$(timed 1 "$BENCH/ingest1.log" "$BIN" ingest "$DATA" --db "$DB")
    read -r run_s ing1_rss <<<"$res"
    if [ -z "$ing1_s" ] || flt "$run_s" "$ing1_s"; then ing1_s=$run_s; fi
    echo "    python ${run_py} s, usage ${run_s} s"
done
echo "    best: python ${py_s} s ($(fdiv "$mb" "$py_s") MB/s); usage ${ing1_s} s, $(fdiv "$mb" "$ing1_s") MB/s, $(fdiv "$nlines" "$ing1_s" "%.0f") lines/s, peak RSS $(rss_mb "$ing1_rss")"
sed 's/^/    | /' "$BENCH/ingest1.log" | tail -n 5

echo "==> usage ingest (re-run, file unchanged: the ledger skips it)"
res=$(timed 1 "$BENCH/ingest2.log" "$BIN" ingest "$DATA" --db "$DB")
read -r skip_s _ <<<"$res"
echo "    ${skip_s} s"
sed 's/^/    | /' "$BENCH/ingest2.log" | tail -n 5

# The same bytes under another name (a hard link) are read in full: every request is a duplicate.
echo "==> usage ingest (the same data under another name: all duplicates)"
rm -f "$DATA.copy.jsonl"
ln "$DATA" "$DATA.copy.jsonl"
res=$(timed 1 "$BENCH/ingest3.log" "$BIN" ingest "$DATA.copy.jsonl" --db "$DB")
rm -f "$DATA.copy.jsonl"
read -r ing2_s ing2_rss <<<"$res"
echo "    ${ing2_s} s, $(fdiv "$mb" "$ing2_s") MB/s, $(fdiv "$nlines" "$ing2_s" "%.0f") lines/s, peak RSS $(rss_mb "$ing2_rss")"
sed 's/^/    | /' "$BENCH/ingest3.log" | tail -n 5

db_mb=$(python3 -c '
import os, sys
print(sum(os.path.getsize(p) for p in sys.argv[1:] if os.path.exists(p)))' "$DB" "$DB-wal" "$DB-shm")
db_mb=$(fdiv "$db_mb" 1000000)

# --- report -----------------------------------------------------------------

# One untimed run each (warm-up; output kept for inspection), then best of N.
"$BIN" report --db "$DB" >"$BENCH/report.txt" ||
    { echo "usage report failed" >&2; exit 1; }
"$BIN" report --db "$DB" --by day >"$BENCH/report-by-day.txt" ||
    { echo "usage report --by day failed" >&2; exit 1; }

echo "==> usage report (best of $REPORT_RUNS)"
res=$(timed "$REPORT_RUNS" /dev/null "$BIN" report --db "$DB")
read -r rep_s _ <<<"$res"
echo "    ${rep_s} s"

echo "==> usage report --by day (best of $REPORT_RUNS)"
res=$(timed "$REPORT_RUNS" /dev/null "$BIN" report --db "$DB" --by day)
read -r repd_s _ <<<"$res"
echo "    ${repd_s} s"

# A bound inside an hour cannot use the hourly rollup: this is the scan of every request.
echo "==> usage report --since 2026-09-01T00:30:00Z (full scan, best of $REPORT_RUNS)"
res=$(timed "$REPORT_RUNS" /dev/null "$BIN" report --db "$DB" --since 2026-09-01T00:30:00Z)
read -r reps_s _ <<<"$res"
echo "    ${reps_s} s"

# --- summary ----------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[ -n "$cpu" ] || cpu=$(sysctl -n machdep.cpu.brand_string 2>/dev/null || uname -m)
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")

cat <<EOF

Benchmark: $nlines lines, $mb MB ($DATA), $cpu, $cores cores, $(uname -s)

| metric | value | target |
|---|---|---|
| Python \`json.loads\` loop (best of $INGEST_RUNS, taking turns with the ingest) | ${py_s} s ($(fdiv "$mb" "$py_s") MB/s) | baseline |
| \`usage ingest\`, fresh DB (best of $INGEST_RUNS, taking turns) | ${ing1_s} s ($(fdiv "$mb" "$ing1_s") MB/s, $(fdiv "$nlines" "$ing1_s" "%.0f") lines/s) | < ${py_s} s: $(verdict flt "$ing1_s" "$py_s") |
| \`usage ingest\`, the same data under another name (all duplicates) | ${ing2_s} s ($(fdiv "$mb" "$ing2_s") MB/s) | < ${py_s} s: $(verdict flt "$ing2_s" "$py_s") |
| \`usage ingest\`, re-run with the file unchanged (skipped) | ${skip_s} s | - |
| peak RSS, ingest fresh / all duplicates | $(rss_mb "$ing1_rss") / $(rss_mb "$ing2_rss") | - |
| database size after ingest | $db_mb MB | - |
| \`usage report\` (best of $REPORT_RUNS) | ${rep_s} s | < 0.5 s: $(verdict flt "$rep_s" 0.5) |
| \`usage report --by day\` (best of $REPORT_RUNS) | ${repd_s} s | < 0.5 s: $(verdict flt "$repd_s" 0.5) |
| \`usage report --since\` mid-hour (scans every request) | ${reps_s} s | - |
EOF
