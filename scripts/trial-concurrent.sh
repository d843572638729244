#!/usr/bin/env bash
# Reliability trial: concurrent ingests and reports, on a new and on an existing database.
#
# (a) New database: each round starts 4 ingests and 1 report together on a database path that does not exist
#     yet. Odd rounds give the 4 ingests 4 different logs, even rounds all the same log. Every ingest must exit
#     0, the report must succeed or say "no database at", and the final totals must equal the sum of each log's
#     reference (each log ingested alone into a fresh database).
# (b) Existing database: rounds of 2 and of 4 concurrent ingests of different logs into a database that already
#     holds one, while a report loop reads it. Every ingest must exit 0, the final totals must be the sum of the
#     references, and every report must succeed and show whole files only: its totals equal those of the first
#     log plus some subset of the others (each file is stored in one transaction).
# The logs come from scripts/gen-responses.py with different seeds and distinct message and request ids.
#
# Usage: scripts/trial-concurrent.sh
# Env:   NEW_ROUNDS=N       rounds on a new database (default 20)
#        EXISTING_ROUNDS=N  rounds of 2 and rounds of 4 ingests on an existing database (default 5 each)
#        NEW_LINES=N        lines per log in (a) (default 10000)
#        EXISTING_LINES=N   lines per log in (b) (default 50000)
#        TIME_LIMIT=S       stop starting rounds after S seconds (default 240)
#        SEED=N             seed of the generated logs (default 5)
# Exit status: 0 when every invariant held, 1 when one failed, 2 when the trial could not run.
source "$(dirname "${BASH_SOURCE[0]}")/trial-lib.sh"

NEW_ROUNDS="${NEW_ROUNDS:-20}"
EXISTING_ROUNDS="${EXISTING_ROUNDS:-5}"
NEW_LINES="${NEW_LINES:-10000}"
EXISTING_LINES="${EXISTING_LINES:-50000}"
TIME_LIMIT="${TIME_LIMIT:-240}"
SEED="${SEED:-5}"

start_trial concurrent
cd "$SCRATCH"

say "==> generating logs"
for k in 1 2 3 4; do gen "new$k.jsonl" "$NEW_LINES" "$((SEED + k))" "1$k"; done
gen base.jsonl 20000 "$((SEED + 10))" 20
for k in 1 2 3 4; do gen "old$k.jsonl" "$EXISTING_LINES" "$((SEED + 20 + k))" "2$k"; done

say "==> references"
declare -A REF
for f in new1 new2 new3 new4 base old1 old2 old3 old4; do
    "$BIN" ingest --db "ref-$f.sqlite" --no-progress "$f.jsonl" 2>/dev/null || die "reference ingest of $f failed"
    REF[$f]="$(totals "ref-$f.sqlite")"
done

FAILED=0
first_diffs=()
note_diff() { [ "${#first_diffs[@]}" -lt 3 ] && first_diffs+=("$1"); return 0; }

# --- (a) new database ---------------------------------------------------------------------------------------
say "==> $NEW_ROUNDS rounds of 4 ingests + 1 report on a new database"
n=0; exact=0; ingests=0; ingests_ok=0; rep_ok=0; rep_nodb=0; rep_bad=0
while [ "$n" -lt "$NEW_ROUNDS" ] && time_left; do
    n=$((n + 1))
    db="$SCRATCH/round-$n/usage.sqlite"   # its folder does not exist either
    if [ $((n % 2)) = 1 ]; then files=(new1 new2 new3 new4); want="$(add_totals "${REF[new1]}" "${REF[new2]}" "${REF[new3]}" "${REF[new4]}")"
    else files=(new1 new1 new1 new1); want="$(add_totals "${REF[new1]}")"; fi
    mkdir -p "round-$n"
    pids=()
    for k in 0 1 2 3; do
        bg "$BIN" ingest --db "$db" --no-progress "${files[$k]}.jsonl" 2>"round-$n/ingest-$k.err"; pids+=("$BG_PID")
    done
    bg "$BIN" report --db "$db" >/dev/null 2>"round-$n/report.err"; rpid=$BG_PID
    for k in 0 1 2 3; do
        ingests=$((ingests + 1)); rc=0; wait "${pids[$k]}" || rc=$?
        if [ "$rc" = 0 ]; then ingests_ok=$((ingests_ok + 1)); else
            note_diff "new db round $n: ingest exit $rc: $(head -c 200 "round-$n/ingest-$k.err" | tr '\n' ' ')"; fi
    done
    rc=0; wait "$rpid" || rc=$?
    if [ "$rc" = 0 ]; then rep_ok=$((rep_ok + 1))
    elif grep -q "no database at" "round-$n/report.err"; then rep_nodb=$((rep_nodb + 1))
    else rep_bad=$((rep_bad + 1)); note_diff "new db round $n: report exit $rc: $(head -c 200 "round-$n/report.err" | tr '\n' ' ')"; fi
    got="$(totals "$db")"
    if same_totals "$want" "$got"; then exact=$((exact + 1)); else note_diff "new db round $n: $(diff_totals "$want" "$got")"; fi
    rm -rf "round-$n"
done
NEW_LINE="concurrent new db: $exact/$n rounds exact; $ingests_ok/$ingests ingests exit 0; reports: $rep_ok ok, $rep_nodb \"no database at\", $rep_bad failed"
[ "$exact" = "$n" ] && [ "$ingests_ok" = "$ingests" ] && [ "$rep_bad" = 0 ] || FAILED=1

# --- (b) existing database ------------------------------------------------------------------------------------
"$BIN" ingest --db base.sqlite --no-progress base.jsonl 2>/dev/null || die "ingest of the base log failed"
SUBSET_PY='
import sys, itertools
from decimal import Decimal
def parse(s):
    return {k: Decimal(v) if v != "None" else Decimal(0) for k, v in (kv.split("=", 1) for kv in s.split())}
base, refs = parse(sys.argv[1]), [parse(s) for s in sys.argv[2:]]
sums = []
for r in range(len(refs) + 1):
    for c in itertools.combinations(refs, r):
        sums.append({k: base[k] + sum(x[k] for x in c) for k in base})
ok = bad = 0
first = None
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        got = parse(line)
    except Exception:
        got = None
    if got is not None and any(got == s for s in sums):
        ok += 1
    else:
        bad += 1
        first = first or line
print(ok, bad, first or "")
'
say "==> $EXISTING_ROUNDS rounds each of 2 and 4 concurrent ingests on an existing database, with a report loop"
declare -A ER_N ER_EXACT ER_ING ER_OK ER_REP ER_REPBAD
for K in 2 4; do
    ER_N[$K]=0; ER_EXACT[$K]=0; ER_ING[$K]=0; ER_OK[$K]=0; ER_REP[$K]=0; ER_REPBAD[$K]=0
    for ((r = 1; r <= EXISTING_ROUNDS; r++)); do
        time_left || break
        ER_N[$K]=$((ER_N[$K] + 1))
        copydb base.sqlite e.sqlite
        rm -f stop reports.txt
        bg bash -c 'while [ ! -f stop ]; do
                        '"$BIN"' report --db e.sqlite --format json 2>>report.err >report.json && python3 -c "$1" <report.json >>reports.txt || echo "report-failed" >>reports.txt
                        '"$BIN"' report --db e.sqlite --format json --group-by workflow 2>>report.err >report2.json && python3 -c "$1" <report2.json >>reports.txt || echo "report-failed" >>reports.txt
                    done' _ "$TOTALS_PY"
        loop=$BG_PID
        pids=(); refs=()
        for ((k = 1; k <= K; k++)); do
            bg "$BIN" ingest --db e.sqlite --no-progress "old$k.jsonl" 2>"ingest-$k.err"; pids+=("$BG_PID")
            refs+=("${REF[old$k]}")
        done
        for ((k = 1; k <= K; k++)); do
            ER_ING[$K]=$((ER_ING[$K] + 1)); rc=0; wait "${pids[$((k - 1))]}" || rc=$?
            if [ "$rc" = 0 ]; then ER_OK[$K]=$((ER_OK[$K] + 1)); else
                note_diff "existing db, $K ingests, round $r: ingest exit $rc: $(head -c 200 "ingest-$k.err" | tr '\n' ' ')"; fi
        done
        touch stop; wait "$loop" || true
        read -r ok bad first < <(python3 -c "$SUBSET_PY" "${REF[base]}" "${refs[@]}" < reports.txt)
        ER_REP[$K]=$((ER_REP[$K] + ok + bad)); ER_REPBAD[$K]=$((ER_REPBAD[$K] + bad))
        [ "$bad" = 0 ] || note_diff "existing db, $K ingests, round $r: a report saw a partial state: $first $(head -c 200 report.err 2>/dev/null | tr '\n' ' ')"
        want="$(add_totals "${REF[base]}" "${refs[@]}")"
        got="$(totals e.sqlite)"
        if same_totals "$want" "$got"; then ER_EXACT[$K]=$((ER_EXACT[$K] + 1)); else
            note_diff "existing db, $K ingests, round $r: $(diff_totals "$want" "$got")"; fi
    done
done
EXISTING_LINES_OUT=()
for K in 2 4; do
    EXISTING_LINES_OUT+=("concurrent existing db, $K ingests: ${ER_EXACT[$K]}/${ER_N[$K]} rounds exact; ${ER_OK[$K]}/${ER_ING[$K]} ingests exit 0; $((ER_REP[$K] - ER_REPBAD[$K]))/${ER_REP[$K]} reports during the ingests ok and whole-file")
    [ "${ER_EXACT[$K]}" = "${ER_N[$K]}" ] && [ "${ER_OK[$K]}" = "${ER_ING[$K]}" ] && [ "${ER_REPBAD[$K]}" = 0 ] || FAILED=1
done

echo "$NEW_LINE"
printf '%s\n' "${EXISTING_LINES_OUT[@]}"
total=$((n + ER_N[2] + ER_N[4]))
if [ "$FAILED" = 0 ]; then
    echo "concurrent: $total/$total rounds exact ($((SECONDS - T0)) s)"
else
    echo "concurrent: NOT exact: $(firsts)"
    exit 1
fi
