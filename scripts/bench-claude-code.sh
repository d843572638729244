#!/usr/bin/env bash
# Ingest benchmark on a Claude Code-like corpus, and memory checks on very large inputs.
#
# Targets on a 2-core machine:
#   - first ingest of the corpus (about 1.2 GB in about 3,000 files) at 200 MB/s or more;
#   - a re-run with nothing new in under 0.3 s;
#   - peak memory under 200 MB, also for a 2 GB JSON Lines file and for a file holding one 200 MB line.
#
# Usage: scripts/bench-claude-code.sh
# Env:   CORPUS_GB=1.2 CORPUS_FILES=3000   corpus size
#        BIG_GB=2                          size of the large JSON Lines file (0 skips the memory checks)
#        RUNS=3                            fresh ingests of the corpus, best kept
#
# Work files go to bench/ (git-ignored) and are reused when present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CORPUS_GB="${CORPUS_GB:-1.2}"
CORPUS_FILES="${CORPUS_FILES:-3000}"
BIG_GB="${BIG_GB:-2}"
RUNS="${RUNS:-3}"
BENCH=bench
CORPUS="$BENCH/cc-corpus"
DB="$BENCH/cc.sqlite"
BIN=.build/release/usage
mkdir -p "$BENCH"

# run CMD...: prints "seconds peak_rss_kb" for one run of CMD (its stderr kept in $BENCH/last.log).
run() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t0 = time.perf_counter()
with open("bench/last.log", "wb") as log:
    rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=log).returncode
dt = time.perf_counter() - t0
if rc not in (0, 1):
    sys.exit("command failed (exit %d): %s" % (rc, " ".join(sys.argv[1:])))
print("%.3f %d" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

echo "==> swift build -c release --static-swift-stdlib"
swift build -c release --static-swift-stdlib >"$BENCH/build.log" 2>&1 || { tail -n 40 "$BENCH/build.log" >&2; exit 1; }

if [ ! -f "$CORPUS/.complete-$CORPUS_GB-$CORPUS_FILES" ]; then
    echo "==> generating the corpus ($CORPUS_GB GB, $CORPUS_FILES files)"
    rm -rf "$CORPUS"
    python3 scripts/gen-claude-code.py --out "$CORPUS" --total-gb "$CORPUS_GB" --files "$CORPUS_FILES" 2>"$BENCH/corpus.txt"
    touch "$CORPUS/.complete-$CORPUS_GB-$CORPUS_FILES"
fi
cat "$BENCH/corpus.txt"
bytes=$(du -sb "$CORPUS" | cut -f1)
expected=$(awk -F': ' '/billed responses/ { print $2 }' "$BENCH/corpus.txt")

echo "==> first ingest of the corpus (fresh database, best of $RUNS)"
best=""
for _ in $(seq "$RUNS"); do
    rm -f "$DB" "$DB"-*
    read -r secs rss <<<"$(run "$BIN" ingest "$CORPUS" --db "$DB")"
    tail -n 1 bench/last.log
    if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; best_rss=$rss; fi
done
stored=$(sqlite3 "$DB" "SELECT COUNT(*) FROM requests" 2>/dev/null || echo "?")
rate=$(awk -v b="$bytes" -v s="$best" 'BEGIN { printf "%.0f", b / 1e6 / s }')
echo "    $best s, $rate MB/s, peak $((best_rss / 1024)) MB; $stored requests stored, $expected expected"

echo "==> re-run with nothing new (best of 5)"
rerun=""
for _ in 1 2 3 4 5; do
    read -r secs _ <<<"$(run "$BIN" ingest "$CORPUS" --db "$DB")"
    if [ -z "$rerun" ] || awk -v a="$secs" -v b="$rerun" 'BEGIN { exit !(a < b) }'; then rerun=$secs; fi
done
tail -n 1 bench/last.log
echo "    $rerun s"

big_rss="-"
line_rss="-"
if [ "$BIG_GB" != "0" ]; then
    big="$BENCH/big.jsonl"
    lines=$(awk -v g="$BIG_GB" 'BEGIN { printf "%d", g * 1e9 / 612 }')
    if [ ! -f "$big" ] || [ "$(wc -l <"$big" | tr -d ' ')" != "$lines" ]; then
        echo "==> generating $big ($BIG_GB GB)"
        python3 scripts/gen-responses.py --lines "$lines" --out "$big" 2>/dev/null
    fi
    echo "==> ingest of a $(($(stat -c %s "$big") / 1000000)) MB JSON Lines file"
    rm -f "$BENCH/big.sqlite"*
    read -r secs big_rss <<<"$(run "$BIN" ingest "$big" --db "$BENCH/big.sqlite")"
    tail -n 1 bench/last.log
    echo "    $secs s, peak $((big_rss / 1024)) MB"

    oneline="$BENCH/one-line.jsonl"
    if [ ! -f "$oneline" ]; then
        echo "==> generating $oneline (one 200 MB line between two normal ones)"
        python3 - "$oneline" <<'PY'
import sys
line = '{"timestamp":"2026-11-02T09:00:00Z","id":"msg_%s","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}\n'
with open(sys.argv[1], "w") as f:
    f.write(line % "before")
    f.write('{"type":"user","message":{"content":"' + "x" * 200_000_000 + '"}}\n')
    f.write(line % "after")
PY
    fi
    echo "==> ingest of a file with one 200 MB line"
    rm -f "$BENCH/line.sqlite"*
    read -r secs line_rss <<<"$(run "$BIN" ingest "$oneline" --db "$BENCH/line.sqlite")"
    cat bench/last.log
    echo "    $secs s, peak $((line_rss / 1024)) MB"
fi

mb() { if [ "$1" = "-" ]; then echo "n/a"; else echo "$(($1 / 1024)) MB"; fi; }
cat <<TABLE

| metric | value | target |
|---|---|---|
| corpus | $((bytes / 1000000)) MB in $CORPUS_FILES files, $expected billed responses | - |
| first ingest (best of $RUNS) | $best s, **$rate MB/s**, $stored requests | 200 MB/s |
| re-run, nothing new (best of 5) | **$rerun s** | under 0.3 s |
| peak memory: corpus / $BIG_GB GB file / 200 MB line | $(mb "$best_rss") / $(mb "$big_rss") / $(mb "$line_rss") | under 200 MB |
TABLE
