#!/usr/bin/env bash
# Scale benchmark of one `usage` binary: ingest of a tree of many transcript files, ingest of logged responses,
# and the analytics commands over 1 and 10 million requests. Each section prints its figures, the verdict against
# its target, and a table.
#
# Sections (PARTS, run in this order):
#   tree       first ingest of a Claude Code tree of 3,900 files (about 1.1 GB, mean file near 300 KB, at least 40
#              API responses per session file, none over 5 MB) into a new database, in turns with claude-code-cost
#              1.3.1 (a single-threaded Python tool, installed once into bench/venv) on the same tree.
#              Targets: usage >= 5x faster than claude-code-cost (ratio of medians), >= 500 MB/s, peak RSS < 150 MB;
#              a re-run with nothing new < 0.1 s. Both tools must count the same requests and the same input and
#              cache tokens. Their costs differ: claude-code-cost prices Opus 4.5 and 4.6 at Opus 4 rates (its key
#              "opus-4.5" never matches an id "claude-opus-4-5"), leaves Haiku unpriced, writes 1-hour cache at the
#              5-minute rate, and bills a response split over several lines with the output of its first line.
#   big-files  the same first ingest on today's corpus shape (gen-claude-code.py defaults: 3,000 files, 1.2 GB,
#              5 to 8 files of 50 to 90 MB). No target but "no slower than before": with BASE_BIN set, that
#              binary takes turns with BIN and the verdict is the ratio of medians (<= 1.05).
#   responses  ingest of 1,000,000 logged API responses (gen-responses.py, about 0.6 GB) into a new database, in
#              turns with a Python `for line in f: json.loads(line)` loop. Target: usage >= 3x faster.
#   analytics  over a 1M-request and a 10M-request database (TEN_M=0 skips the latter): cache-stats (default
#              period and --days 36500), sessions, report --group-by each dimension the report accepts (and day,model),
#              budget with a scoped budgets file as of 2026-10-31, events --limit 100. Targets over 1M:
#              cache-stats < 1 s, sessions < 0.5 s, each report < 0.3 s, events < 50 ms; over 10M: every
#              command within 100 MB peak RSS. Each command's first line (or request count) is printed to show
#              that it covered the generated data.
#
# Times are medians of RUNS runs; peak RSS is the largest of those runs (getrusage of each child, via wait4).
# Commands run one at a time, for a 2-core machine. With the defaults, the whole script took 28 minutes there on a
# build whose analytics load every request (12 minutes without the 10M part), the first time included.
#
# Usage: scripts/bench-scale.sh
# Env:   BIN=PATH          the usage binary (default: .build/release/usage of this repository; nothing is built)
#        PARTS="..."       sections to run (default: "tree big-files responses analytics")
#        RUNS=N            runs (or turns) per measurement (default 5)
#        TEN_M=0           analytics without the 10M-request database (default 1). Its first run generates 6.1 GB
#                          of JSON Lines (about 3 minutes) and every new binary ingests it once (about 3 minutes
#                          on the build this was written against), kept under bench/.
#        RUNS_10M=N        runs per command over 10M requests (default 3: some commands take 40 s there)
#        BASE_BIN=PATH     big-files: a previous build to take turns with BIN
#        MEM_CAP_MB=N      address-space cap of every measured command (default 8000; 0: none). A command that
#                          reaches it is stopped and shown as "aborted", peak ">N" MB (in analytics; elsewhere the
#                          script stops): its address space, not its RSS, reached N MB.
#
# Everything is written under bench/ (git-ignored) and reused when present: the corpora, the JSON Lines files, the
# claude-code-cost virtual environment (the only network use, once: pip install), and the analytics databases,
# one per binary (named by a hash of it), since a database written by one build is what that build reads.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/.build/release/usage}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ -n "${BASE_BIN:-}" ]; then case "$BASE_BIN" in /*) ;; *) BASE_BIN="$PWD/$BASE_BIN" ;; esac; fi
cd "$ROOT"

PARTS="${PARTS:-tree big-files responses analytics}"
RUNS="${RUNS:-5}"
TEN_M="${TEN_M:-1}"
RUNS_10M="${RUNS_10M:-3}"
MEM_CAP_MB="${MEM_CAP_MB:-8000}"
BENCH=bench
CCC_VERSION=1.3.1

[ -x "$BIN" ] || { echo "not an executable: $BIN (build with swift build -c release --static-swift-stdlib, or set BIN)" >&2; exit 64; }
[ -z "${BASE_BIN:-}" ] || [ -x "$BASE_BIN" ] || { echo "not an executable: $BASE_BIN" >&2; exit 64; }
for part in $PARTS; do
    case "$part" in tree | big-files | responses | analytics) ;; *) echo "unknown part: $part" >&2; exit 64 ;; esac
done
mkdir -p "$BENCH"

# --- helpers ----------------------------------------------------------------

fdiv() { awk -v a="$1" -v b="$2" -v f="${3:-%.1f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }
# Comparisons of figures; a value that is not a number ("aborted", ">8000") meets no target.
flt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 < b + 0) }'; }
fge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 >= b + 0) }'; }
verdict() { if "$@"; then echo "met"; else echo "NOT met"; fi; }
median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ a[NR] = $1 } END {
            if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# "1.234 s" for a number of seconds; anything else ("aborted") as it is.
secs() { if [[ "$1" =~ ^[0-9.]+$ ]]; then echo "$1 s"; else echo "$1"; fi; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
mb_of_kb() { fdiv "$1" 1024 "%.0f"; }
bytes_of() { python3 -c 'import os, sys; print(sum(os.path.getsize(p) for p in sys.argv[1:]))' "$@"; }
tree_bytes() { find "$1" -type f -name '*.jsonl' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
section() { echo; echo "######## $1 (load average $(load), $(date -u +%H:%M:%S) UTC)"; }
elapsed_since() { echo "$(($(date +%s) - $1)) s"; }

# measure OUT CMD...: one run of CMD, stdout to OUT and stderr to OUT.err; prints "seconds peak_rss_kb exit_code"
# (a negative code is the signal that ended it). wait4 gives the rusage of that child alone. The child's address
# space is capped at MEM_CAP_MB, so that a command needing gigabytes fails alone instead of starving the machine.
MEASURE_PY='
import os, resource, subprocess, sys, time
cap, out, cmd = int(sys.argv[1]) << 20, sys.argv[2], sys.argv[3:]
def limit():
    if cap > 0:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
with open(out, "wb") as o, open(out + ".err", "wb") as e:
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=o, stderr=e, preexec_fn=limit)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - t0
child.returncode = os.waitstatus_to_exitcode(status)
print("%.4f %d %d" % (seconds, usage.ru_maxrss, child.returncode))
'
measure() { python3 -c "$MEASURE_PY" "$MEM_CAP_MB" "$@"; }

# run_once OK_CODES OUT CMD...: measure, fail loudly on an exit code outside OK_CODES ("0 1"); sets T and KB.
# Within runs (ALLOW_CAP=1), a command killed by a signal (an abort when the memory cap is reached) sets CAPPED=1
# instead of failing.
run_once() {
    local ok="$1" out="$2"
    shift 2
    local rc
    read -r T KB rc <<<"$(measure "$out" "$@")"
    CAPPED=0
    case " $ok " in *" $rc "*) return ;; esac
    if [ "${ALLOW_CAP:-0}" = 1 ] && [ "$MEM_CAP_MB" -gt 0 ] && { [ "$rc" -lt 0 ] || [ "$rc" -gt 128 ]; }; then
        CAPPED=1
        return
    fi
    echo "command failed (exit $rc): $*" >&2
    tail -n 20 "$out.err" >&2
    exit 1
}

# runs N OK_CODES OUT CMD...: N runs; sets MED (median seconds), PEAK (largest peak RSS, MB) and TIMES. A command
# stopped by the memory cap is not run again: MED is "aborted" and PEAK ">MEM_CAP_MB".
runs() {
    local n="$1" ok="$2" out="$3"
    shift 3
    local times=() kbs=() ALLOW_CAP=1
    for _ in $(seq "$n"); do
        run_once "$ok" "$out" "$@"
        if [ "$CAPPED" = 1 ]; then
            MED=aborted
            PEAK=">$MEM_CAP_MB"
            TIMES="stopped by the memory cap after $T s"
            return
        fi
        times+=("$T")
        kbs+=("$KB")
    done
    MED=$(median "${times[@]}")
    PEAK=$(mb_of_kb "$(maxof "${kbs[@]}")")
    TIMES="${times[*]}"
}

# The line of the ingest's summary ("ingested: ...").
ingest_summary() { grep -h '^ingested' "$1" "$1.err" 2>/dev/null | tail -n 1 || true; }

fresh_db() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

# The first informative line of a command's output (the first table row when it opens with a header and a rule),
# cut to 110 columns, and how many lines it has.
first_line() {
    awk 'NR == 1 { first = $0 } NR == 2 && /^-+ / { ruled = 1 } NR == 3 && ruled { first = $0 } END {
        if (length(first) > 110) first = substr(first, 1, 107) "..."
        printf "%s  [%d lines]", first, NR }' "$1"
}

# --- inputs -----------------------------------------------------------------

# Many mid-sized sessions: 3,900 files, about 1.1 GB. The flags settle the shape, the seed the content.
MANY_ARGS=(--files 3900 --total-gb 1.05 --no-big-files --usage-share 0.39 --min-responses 40 --max-file-mb 5 --seed 7)
MANY="$BENCH/cc-many"
# Today's corpus shape (the generator's defaults).
BIG="$BENCH/cc-default"

# corpus DIR STATS ARGS...: generates DIR with gen-claude-code.py unless STATS says it holds exactly these ARGS.
corpus() {
    local dir="$1" stats="$2"
    shift 2
    local want="args: $*"
    if [ -f "$stats" ] && [ -d "$dir/projects" ] && [ "$(tail -n 1 "$stats")" = "$want" ]; then
        echo "==> reusing $dir"
    else
        echo "==> generating $dir (gen-claude-code.py $*)"
        rm -rf "$dir" "$dir.tmp"
        python3 scripts/gen-claude-code.py --out "$dir.tmp" "$@" 2>"$stats.tmp"
        mv "$dir.tmp" "$dir"
        echo "$want" >>"$stats.tmp"
        mv "$stats.tmp" "$stats"
    fi
    sed -e '/^args: /d' -e 's/^/    | /' "$stats"
}

# responses_file PATH LINES: generates PATH with gen-responses.py unless PATH.done says it holds LINES lines.
responses_file() {
    local path="$1" lines="$2"
    if [ -f "$path" ] && [ -f "$path.done" ] && [ "$(cat "$path.done")" = "$lines" ]; then
        echo "==> reusing $path ($lines lines)"
    else
        echo "==> generating $path ($lines lines)"
        rm -f "$path.done"
        python3 scripts/gen-responses.py --lines "$lines" --out "$path.tmp"
        mv "$path.tmp" "$path"
        echo "$lines" >"$path.done"
    fi
}

# bench-ingest.sh and bench-compare.sh keep 1M lines in bench/responses.jsonl without a .done file.
responses_1m() {
    local path="$BENCH/responses.jsonl"
    if [ -f "$path" ] && [ ! -f "$path.done" ] && [ "$(wc -l <"$path" | tr -d ' ')" = 1000000 ]; then
        echo 1000000 >"$path.done"
    fi
    responses_file "$path" 1000000
}

CCC="$BENCH/venv/bin/ccc"
ccc_install() {
    # Not grep -q: it would stop reading and, under pipefail, pip's broken pipe would fail the test.
    local pip="$BENCH/venv/bin/pip"
    if [ -x "$CCC" ] && "$pip" show claude-code-cost 2>/dev/null | grep -x "Version: $CCC_VERSION" >/dev/null; then
        return
    fi
    echo "==> installing claude-code-cost $CCC_VERSION into $BENCH/venv"
    python3 -m venv "$BENCH/venv"
    "$BENCH/venv/bin/pip" install --quiet "claude-code-cost==$CCC_VERSION"
}

# --- tree: many files against claude-code-cost --------------------------------

part_tree() {
    local start
    start=$(date +%s)
    section "tree: first ingest of $MANY against claude-code-cost"
    corpus "$MANY" "$BENCH/cc-many.txt" "${MANY_ARGS[@]}"
    ccc_install
    local tree="$MANY/projects" db="$BENCH/tree.sqlite"
    local bytes files
    bytes=$(tree_bytes "$tree")
    files=$(find "$tree" -type f -name '*.jsonl' | wc -l | tr -d ' ')
    local mb
    mb=$(fdiv "$bytes" 1e6 "%.0f")
    echo "    $files files, $bytes bytes ($mb MB)"

    echo "==> $RUNS turns: usage ingest into a new database, then claude-code-cost"
    local u_times=() u_kbs=() c_times=() c_kbs=()
    for i in $(seq "$RUNS"); do
        fresh_db "$db"
        run_once "0 1" "$BENCH/tree-ingest.out" "$BIN" ingest --db "$db" --no-progress "$tree"
        u_times+=("$T")
        u_kbs+=("$KB")
        local ut="$T" ukb="$KB"
        run_once "0" "$BENCH/tree-ccc.out" "$CCC" --data-dir "$tree" --max-days 0 --max-projects 0 \
            --export-json "$BENCH/tree-ccc.json"
        c_times+=("$T")
        c_kbs+=("$KB")
        echo "    turn $i: usage $ut s ($(mb_of_kb "$ukb") MB), claude-code-cost $T s ($(mb_of_kb "$KB") MB)"
    done
    echo "    usage: $(ingest_summary "$BENCH/tree-ingest.out")"
    local u_med c_med u_peak c_peak
    u_med=$(median "${u_times[@]}")
    c_med=$(median "${c_times[@]}")
    u_peak=$(mb_of_kb "$(maxof "${u_kbs[@]}")")
    c_peak=$(mb_of_kb "$(maxof "${c_kbs[@]}")")
    local ratio rate
    ratio=$(fdiv "$c_med" "$u_med" "%.2f")
    rate=$(fdiv "$mb" "$u_med" "%.0f")

    echo "==> re-run with nothing new (same database, $RUNS runs)"
    runs "$RUNS" "0 1" "$BENCH/tree-rerun.out" "$BIN" ingest --db "$db" --no-progress "$tree"
    local rerun="$MED"
    echo "    $TIMES s; $(ingest_summary "$BENCH/tree-rerun.out")"

    echo "==> do both tools count the same? (usage report --format json against claude-code-cost --export-json)"
    "$BIN" report --db "$db" --format json >"$BENCH/tree-report.json"
    local agree
    agree=$(python3 - "$BENCH/tree-report.json" "$BENCH/tree-ccc.json" "$BENCH/cc-many.txt" <<'PY'
import json, re, sys
totals = json.load(open(sys.argv[1]))["totals"]
summary = json.load(open(sys.argv[2]))["summary"]
expected = re.search(r"billed responses \(non-synthetic\): (\d+)", open(sys.argv[3]).read()).group(1)
rows = [
    ("requests", totals["requests"], summary["total_messages"]),
    ("input tokens", totals["input_tokens"], summary["total_input_tokens"]),
    ("cache read tokens", totals["cache_read_tokens"], summary["total_cache_read_tokens"]),
    ("cache write tokens", totals["cache_write_5m_tokens"] + totals["cache_write_1h_tokens"],
     summary["total_cache_creation_tokens"]),
    ("output tokens", totals["output_tokens"], summary["total_output_tokens"]),
    ("cost USD", float(totals["cost_usd"] or 0), summary["total_cost"]),
]
for name, mine, theirs in rows:
    fmt = "{:,.2f}" if isinstance(mine, float) else "{:,}"
    print("    %-19s usage %18s   claude-code-cost %18s   ratio %.3f" % (
        name, fmt.format(mine), fmt.format(theirs), theirs / mine if mine else 0), file=sys.stderr)
print("    the generator wrote %s billed responses" % "{:,}".format(int(expected)), file=sys.stderr)
same = all(mine == theirs for _, mine, theirs in rows[:4]) and totals["requests"] == int(expected)
print("%s %d %d %.2f %.2f" % ("yes" if same else "no", totals["requests"], summary["total_messages"],
                              float(totals["cost_usd"] or 0), summary["total_cost"]))
PY
)
    local same u_req c_req u_cost c_cost
    read -r same u_req c_req u_cost c_cost <<<"$agree"

    local per_file
    per_file=$(awk -F': ' '/^billed responses per session file/ { print $2 }' "$BENCH/cc-many.txt")
    local fsize
    fsize=$(awk -F': ' '/^file size/ { print $2 }' "$BENCH/cc-many.txt")
    cat <<EOF

tree: $files files, $mb MB (file size $fsize; billed responses per session file $per_file)
| metric | value | target |
|---|---|---|
| \`usage ingest\`, new database (median of $RUNS turns) | $u_med s, **$rate MB/s** | >= 500 MB/s: $(verdict fge "$rate" 500) |
| claude-code-cost $CCC_VERSION on the same tree (median of $RUNS turns) | $c_med s, $(fdiv "$mb" "$c_med" "%.0f") MB/s, peak $c_peak MB | baseline |
| claude-code-cost / usage (ratio of medians) | **${ratio}x** | >= 5x: $(verdict fge "$ratio" 5) |
| peak RSS of \`usage ingest\` (largest of $RUNS) | **$u_peak MB** | < 150 MB: $(verdict flt "$u_peak" 150) |
| re-run with nothing new (median of $RUNS) | **$rerun s** | < 0.1 s: $(verdict flt "$rerun" 0.1) |
| requests: usage / claude-code-cost | $u_req / $c_req | the same, with the same input and cache tokens: $same |
| cost USD: usage / claude-code-cost | $u_cost / $c_cost | - (other prices, see the header) |
(tree section: $(elapsed_since "$start"))
EOF
}

# --- big-files: today's corpus shape ------------------------------------------

part_big_files() {
    local start
    start=$(date +%s)
    section "big-files: first ingest of $BIG (the generator's default shape)"
    corpus "$BIG" "$BENCH/cc-default.txt"
    local tree="$BIG/projects" db="$BENCH/big-files.sqlite" base_db="$BENCH/big-files-base.sqlite"
    local bytes mb files
    bytes=$(tree_bytes "$tree")
    files=$(find "$tree" -type f -name '*.jsonl' | wc -l | tr -d ' ')
    mb=$(fdiv "$bytes" 1e6 "%.0f")
    echo "    $files files, $bytes bytes ($mb MB)"

    local a_times=() a_kbs=() b_times=() b_kbs=()
    if [ -n "${BASE_BIN:-}" ]; then
        echo "==> $RUNS turns: BASE_BIN, then BIN, each into a new database"
    else
        echo "==> $RUNS runs into a new database"
    fi
    for i in $(seq "$RUNS"); do
        local line=""
        if [ -n "${BASE_BIN:-}" ]; then
            fresh_db "$base_db"
            run_once "0 1" "$BENCH/big-files-base.out" "$BASE_BIN" ingest --db "$base_db" --no-progress "$tree"
            b_times+=("$T")
            b_kbs+=("$KB")
            line="base $T s ($(mb_of_kb "$KB") MB), "
        fi
        fresh_db "$db"
        run_once "0 1" "$BENCH/big-files.out" "$BIN" ingest --db "$db" --no-progress "$tree"
        a_times+=("$T")
        a_kbs+=("$KB")
        echo "    run $i: ${line}usage $T s ($(mb_of_kb "$KB") MB)"
    done
    echo "    usage: $(ingest_summary "$BENCH/big-files.out")"
    local med peak
    med=$(median "${a_times[@]}")
    peak=$(mb_of_kb "$(maxof "${a_kbs[@]}")")
    local expected
    expected=$(awk -F': ' '/billed responses \(non-synthetic\)/ { print $2 }' "$BENCH/cc-default.txt")
    local fsize
    fsize=$(awk -F': ' '/^file size/ { print $2 }' "$BENCH/cc-default.txt")

    cat <<EOF

big-files: $files files, $mb MB (file size $fsize; $expected billed responses)
| metric | value | target |
|---|---|---|
| \`usage ingest\`, new database (median of $RUNS) | **$med s**, $(fdiv "$mb" "$med" "%.0f") MB/s | no slower than before |
| peak RSS (largest of $RUNS) | **$peak MB** | - |
EOF
    if [ -n "${BASE_BIN:-}" ]; then
        local bmed bpeak ratio
        bmed=$(median "${b_times[@]}")
        bpeak=$(mb_of_kb "$(maxof "${b_kbs[@]}")")
        ratio=$(fdiv "$med" "$bmed" "%.2f")
        cat <<EOF
| BASE_BIN, in turns (median of $RUNS) | $bmed s, $(fdiv "$mb" "$bmed" "%.0f") MB/s, peak $bpeak MB | - |
| BIN / BASE_BIN (ratio of medians) | **$ratio** | <= 1.05: $(verdict fge 1.05 "$ratio") |
EOF
    fi
    echo "(big-files section: $(elapsed_since "$start"))"
}

# --- responses: 1M logged responses against a Python json.loads loop ----------

part_responses() {
    local start
    start=$(date +%s)
    section "responses: ingest of 1,000,000 logged API responses against a Python json.loads loop"
    responses_1m
    local data="$BENCH/responses.jsonl" db="$BENCH/responses.sqlite"
    local bytes mb
    bytes=$(bytes_of "$data")
    mb=$(fdiv "$bytes" 1e6 "%.0f")
    echo "    $data: $mb MB"
    local loop='import json, sys
with open(sys.argv[1], "rb") as f:
    for line in f:
        json.loads(line)'

    echo "==> $RUNS turns: the Python loop, then usage ingest into a new database"
    local p_times=() u_times=() u_kbs=()
    for i in $(seq "$RUNS"); do
        run_once "0" "$BENCH/responses-python.out" python3 -c "$loop" "$data"
        p_times+=("$T")
        local pt="$T"
        fresh_db "$db"
        run_once "0 1" "$BENCH/responses-ingest.out" "$BIN" ingest --db "$db" --no-progress "$data"
        u_times+=("$T")
        u_kbs+=("$KB")
        echo "    turn $i: python $pt s, usage $T s ($(mb_of_kb "$KB") MB)"
    done
    echo "    usage: $(ingest_summary "$BENCH/responses-ingest.out")"
    local p_med u_med ratio peak
    p_med=$(median "${p_times[@]}")
    u_med=$(median "${u_times[@]}")
    ratio=$(fdiv "$p_med" "$u_med" "%.2f")
    peak=$(mb_of_kb "$(maxof "${u_kbs[@]}")")
    cat <<EOF

responses: 1,000,000 lines, $mb MB
| metric | value | target |
|---|---|---|
| Python \`json.loads\` loop (median of $RUNS turns) | $p_med s, $(fdiv "$mb" "$p_med" "%.0f") MB/s | baseline |
| \`usage ingest\`, new database (median of $RUNS turns) | $u_med s, $(fdiv "$mb" "$u_med" "%.0f") MB/s, peak $peak MB | - |
| Python / usage (ratio of medians) | **${ratio}x** | >= 3x: $(verdict fge "$ratio" 3) |
(responses section: $(elapsed_since "$start"))
EOF
}

# --- analytics: the read commands over 1M and 10M requests --------------------

BUDGETS="$BENCH/budgets.toml"
write_budgets() {
    cat >"$BUDGETS" <<'EOF'
# Budgets for scripts/bench-scale.sh: checked with --at 2026-10-31T22:00:00Z, inside gen-responses.py's window
# (2026-09-02 to 2026-11-01), so that every period holds requests.
time_zone = "UTC"
warn_at = 80

[[budgets]]
name = "monthly"
period = "month"
limit = 20000

[[budgets]]
name = "code-review weekly"
period = "week"
limit = "2500"
scope = { workflow = "code-review" }

[[budgets]]
name = "sonnet 7 days"
period = "7 days"
limit = 3000
warn_at = 90
scope = { model = "claude-sonnet-4-5-20250929" }

[[budgets]]
name = "one session daily"
period = "day"
limit = 200
scope = { session = "sess-0040" }
EOF
}

# Every dimension `usage report --group-by` accepts, and one pair.
GROUP_BYS=(day week month model session workflow project service-tier source day,model)

# analytics_db LABEL LINES DATA: the database of LINES requests for this binary (ingested from DATA when missing);
# sets ADB.
analytics_db() {
    local label="$1" lines="$2" data="$3"
    local id
    id=$(sha1sum "$BIN" | cut -c1-12)
    ADB="$BENCH/analytics-$label-$id.sqlite"
    if [ -f "$ADB" ] && [ -f "$ADB.done" ]; then
        echo "==> reusing $ADB"
        return
    fi
    if [ "$lines" = 1000000 ]; then responses_1m; else responses_file "$data" "$lines"; fi
    echo "==> ingesting $data into $ADB"
    fresh_db "$ADB"
    run_once "0 1" "$BENCH/analytics-$label-ingest.out" "$BIN" ingest --db "$ADB" --no-progress "$data"
    local mb
    mb=$(fdiv "$(bytes_of "$data")" 1e6 "%.0f")
    echo "    $T s, $(fdiv "$mb" "$T" "%.0f") MB/s, peak $(mb_of_kb "$KB") MB"
    echo "    $(ingest_summary "$BENCH/analytics-$label-ingest.out")"
    touch "$ADB.done"
}

# analytics_commands LABEL N: times every command over $ADB, N runs each; appends "name|median|peak|first line"
# rows to $BENCH/analytics-LABEL.rows.
analytics_commands() {
    local label="$1" n="$2"
    local rows="$BENCH/analytics-$label.rows" out="$BENCH/analytics-$label.out"
    : >"$rows"
    one() {
        local name="$1" ok="$2"
        shift 2
        runs "$n" "$ok" "$out" "$BIN" "$@"
        local first
        first=$(first_line "$out")
        printf '    %-36s %10s  %6s MB   (%s)\n' "$name" "$(secs "$MED")" "$PEAK" "$TIMES"
        printf '        %s\n' "$first"
        printf '%s|%s|%s\n' "$name" "$MED" "$PEAK" >>"$rows"
    }
    one "cache-stats" "0" cache-stats --db "$ADB"
    one "cache-stats --days 36500" "0" cache-stats --db "$ADB" --days 36500
    one "sessions" "0" sessions --db "$ADB"
    for g in "${GROUP_BYS[@]}"; do
        one "report --group-by $g" "0" report --db "$ADB" --group-by "$g"
    done
    # The budget's exit status is its verdict (0 to 3); 3 would mean a period without usage, so it is not allowed.
    one "budget (4 scoped budgets)" "0 1 2" budget --db "$ADB" --config "$BUDGETS" --at 2026-10-31T22:00:00Z
    one "events --limit 100" "0" events --db "$ADB" --limit 100
}

# The target over 1M requests of a command, as "limit_seconds" ("" for none).
time_target() {
    case "$1" in
        cache-stats*) echo 1 ;;
        sessions*) echo 0.5 ;;
        report*) echo 0.3 ;;
        events*) echo 0.05 ;;
        *) echo "" ;;
    esac
}

part_analytics() {
    local start
    start=$(date +%s)
    section "analytics: read commands over 1M$([ "$TEN_M" = 1 ] && echo " and 10M") requests"
    write_budgets
    analytics_db 1m 1000000 "$BENCH/responses.jsonl"
    echo "==> over 1M requests ($RUNS runs each: median, peak, the runs; then the output's first line)"
    analytics_commands 1m "$RUNS"
    local t1m
    t1m=$(elapsed_since "$start")
    local t10m=""
    if [ "$TEN_M" = 1 ]; then
        local start10
        start10=$(date +%s)
        analytics_db 10m 10000000 "$BENCH/responses-10m.jsonl"
        echo "==> over 10M requests ($RUNS_10M runs each)"
        analytics_commands 10m "$RUNS_10M"
        t10m=$(elapsed_since "$start10")
    fi

    echo
    if [ "$TEN_M" = 1 ]; then
        echo "analytics: 1M and 10M requests (medians of $RUNS and $RUNS_10M runs, largest peak RSS)"
    else
        echo "analytics: 1M requests (medians of $RUNS runs, largest peak RSS)"
    fi
    if [ "$TEN_M" = 1 ]; then
        echo "| command | 1M time | 1M peak | target 1M | 10M time | 10M peak | target 10M: peak < 100 MB |"
        echo "|---|---|---|---|---|---|---|"
    else
        echo "| command | 1M time | 1M peak | target 1M |"
        echo "|---|---|---|---|"
    fi
    local name med peak
    while IFS='|' read -r name med peak; do
        local limit target
        limit=$(time_target "$name")
        if [ -n "$limit" ]; then
            target="< $limit s: $(verdict flt "$med" "$limit")"
        else
            target="-"
        fi
        if [ "$TEN_M" = 1 ]; then
            local m10 p10
            IFS='|' read -r m10 p10 <<<"$(awk -F'|' -v n="$name" '$1 == n { print $2 "|" $3 }' \
                "$BENCH/analytics-10m.rows")"
            echo "| \`$name\` | $(secs "$med") | $peak MB | $target" \
                "| $(secs "$m10") | $p10 MB | $(verdict flt "$p10" 100) |"
        else
            echo "| \`$name\` | $(secs "$med") | $peak MB | $target |"
        fi
    done <"$BENCH/analytics-1m.rows"
    local measured=("$BENCH/analytics-1m.rows")
    [ "$TEN_M" = 1 ] && measured+=("$BENCH/analytics-10m.rows")
    if grep -q '|aborted|' "${measured[@]}"; then
        echo "(aborted: stopped when its address space reached MEM_CAP_MB=$MEM_CAP_MB MB; MEM_CAP_MB=0 lifts the cap)"
    fi
    echo "(analytics section: 1M part $t1m$([ -n "$t10m" ] && echo ", 10M part $t10m"))"
}

# --- run ----------------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || uname -m)
echo "bench-scale: $BIN ($(sha1sum "$BIN" | cut -c1-12)), $cpu, $(getconf _NPROCESSORS_ONLN) cores"
echo "parts: $PARTS; RUNS=$RUNS TEN_M=$TEN_M$([ "$TEN_M" = 1 ] && echo " RUNS_10M=$RUNS_10M")"
for part in $PARTS; do
    case "$part" in
        tree) part_tree ;;
        big-files) part_big_files ;;
        responses) part_responses ;;
        analytics) part_analytics ;;
    esac
done
