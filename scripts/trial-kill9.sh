#!/usr/bin/env bash
# Reliability trial: `kill -9` during ingest and during reprice loses nothing and forges nothing.
#
# A generated log is ingested once into a fresh database: its report totals (requests, exact cost, every token
# column) are the reference, read twice: from the hourly rollup (`usage report`) and from the requests
# themselves (`usage report --group-by workflow`). Then, per trial:
#   - ingest: a fresh database, an ingest killed with SIGKILL after a random delay within the reference ingest's
#     duration; the database must then hold nothing or the whole file (one transaction per file) and pass
#     SQLite's integrity check; a second ingest must exit 0 and give the reference totals exactly;
#   - resume: the same, on an ingest resuming a file that grew (the log read once, then a second log appended);
#   - reprice: after a price import that doubles every rate, `usage reprice` killed at a random moment: the
#     database must hold the old or the new figures, never a mix, and a completed reprice the reference ones;
#   - tree: an ingest of a tree of many Claude Code transcripts (parsed on every core, many files committed per
#     transaction) killed at a random moment: every request stored must have come with its file's ledger entry
#     (the requests the ledger counts equal the requests stored), the database must pass the integrity check, and
#     a second ingest must give the reference totals exactly.
#
# Usage: scripts/trial-kill9.sh
# Env:   LINES=N           lines of the generated log (default 200000; the appended log has half as many)
#        TRIALS=N          kill -9 trials during a fresh ingest (default 40)
#        RESUME_TRIALS=N   kill -9 trials during a resuming ingest of the grown file (default 3)
#        REPRICE_TRIALS=N  kill -9 trials during reprice (default 5)
#        TREE_TRIALS=N     kill -9 trials during an ingest of a tree of transcripts (default 8)
#        TREE_FILES=N      transcripts in that tree (default 600; files over 5 MB are left out)
#        TIME_LIMIT=S      stop starting trials after S seconds (default 280): the ingest trials may use the
#                          first 55% of it, the resume trials up to 65%, the reprice trials up to 80%, the tree
#                          trials the rest
#        SEED=N            seed of the generated logs and of the delays (default 9)
# Exit status: 0 when every invariant held, 1 when one failed, 2 when the trial could not run.
source "$(dirname "${BASH_SOURCE[0]}")/trial-lib.sh"

LINES="${LINES:-200000}"
TRIALS="${TRIALS:-40}"
RESUME_TRIALS="${RESUME_TRIALS:-3}"
REPRICE_TRIALS="${REPRICE_TRIALS:-5}"
TREE_TRIALS="${TREE_TRIALS:-8}"
TREE_FILES="${TREE_FILES:-600}"
TIME_LIMIT="${TIME_LIMIT:-280}"
SEED="${SEED:-9}"
RANDOM=$SEED

start_trial kill9
cd "$SCRATCH"

say "==> generating $LINES + $((LINES / 2)) lines"
gen a.jsonl "$LINES" "$SEED"
gen b.jsonl "$((LINES / 2))" "$((SEED + 1))" 02
cat a.jsonl b.jsonl > ab.jsonl

# both DB: rollup totals and request-scan totals, on one line.
both() { echo "$(totals "$1") | scan: $(totals "$1" --group-by workflow)"; }

ingest() { "$BIN" ingest --db "$1" --no-progress "${@:2}" 2>>"$SCRATCH/ingest.err"; }

# ms_delay MAX: a random delay in [0, MAX) seconds, from bash's seeded RANDOM (reproducible with SEED).
ms_delay() { awk -v r="$(( (RANDOM << 15 | RANDOM) % 1000000 ))" -v m="$1" 'BEGIN { printf "%.3f", m * r / 1000000 }'; }

say "==> reference ingests"
t=$(now); ingest ref-a.sqlite a.jsonl || die "reference ingest failed"; D_INGEST=$(elapsed "$t")
REF_A="$(both ref-a.sqlite)"
ingest ref-ab.sqlite ab.jsonl || die "reference ingest of the grown file failed"
REF_AB="$(both ref-ab.sqlite)"
# The resume's duration: a.jsonl read, b.jsonl appended, the grown file read again from where it stopped.
cp a.jsonl grow.jsonl; ingest ref-resume.sqlite grow.jsonl || die "reference ingest failed"; cat b.jsonl >> grow.jsonl
t=$(now); ingest ref-resume.sqlite grow.jsonl || die "reference resume failed"; D_RESUME=$(elapsed "$t")
[ "$(both ref-resume.sqlite)" = "$REF_AB" ] || die "a resumed ingest differs from a whole one before any kill: $(diff_totals "$REF_AB" "$(both ref-resume.sqlite)")"
say "    ingest of $LINES lines: ${D_INGEST}s; resume of $((LINES / 2)) appended lines: ${D_RESUME}s"
say "    reference: $REF_A"

# phase_left PERCENT: succeeds while less than PERCENT of the time limit has gone.
phase_left() { (( (SECONDS - T0) * 100 < TIME_LIMIT * $1 )); }

# integrity DB: SQLite's own check of the database as any client sees it after the crash.
integrity() {
    [ -f "$1" ] || { echo ok; return; }
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' "$1" 2>&1 | head -c 200
}

# requests_of "TOTALS": the request count of a totals line ("none" when there is no database).
requests_of() { case "$1" in none*) echo 0 ;; *) sed -n 's/^requests=\([0-9]*\) .*/\1/p' <<<"$1" ;; esac; }

FAILED=0
first_diffs=()
note_diff() { [ "${#first_diffs[@]}" -lt 3 ] && first_diffs+=("$1"); return 0; }

# kill_trial DB DELAY_MAX WANT CMD...: run CMD, kill -9 it after a random delay, check the state it left, run it
# again to completion and compare with WANT. Sets KILLED (1 when the kill landed), AON (all or nothing held),
# INTEG (integrity ok), EXACT.
kill_trial() {
    local db="$1" max="$2" want="$3" before="$4"; shift 4
    local delay rc state
    delay="$(ms_delay "$max")"
    bg "$@" >/dev/null 2>>"$SCRATCH/ingest.err"
    sleep "$delay"
    kill -9 "$BG_PID" 2>/dev/null || true
    rc=0; wait "$BG_PID" 2>/dev/null || rc=$?
    KILLED=0; [ "$rc" -eq 137 ] && KILLED=1
    state="$(both "$db")"
    AON=0
    if [ "$state" = "$want" ] || [ "$state" = "$before" ]; then AON=1; fi
    if [ "$before" = "none" ] && [ "$(requests_of "$state")" = 0 ] && [[ "$state" != *report-failed* ]]; then AON=1; fi
    [ "$AON" = 1 ] || note_diff "after kill at ${delay}s: neither before nor after: $(diff_totals "$want" "$state")"
    INTEG=0; [ "$(integrity "$db")" = ok ] && INTEG=1
    [ "$INTEG" = 1 ] || note_diff "after kill at ${delay}s: integrity_check: $(integrity "$db")"
    rc=0; "$@" >/dev/null 2>>"$SCRATCH/ingest.err" || rc=$?
    state="$(both "$db")"
    EXACT=0
    if [ "$rc" -eq 0 ] && [ "$state" = "$want" ]; then EXACT=1; else
        note_diff "kill at ${delay}s, re-run exit $rc: $(diff_totals "$want" "$state")"
    fi
}

# --- kill -9 during a fresh ingest --------------------------------------------------------------------------
say "==> $TRIALS kill -9 trials during ingest"
n=0; exact=0; killed=0; aon=0; integ=0
while [ "$n" -lt "$TRIALS" ] && phase_left 55; do
    n=$((n + 1)); rmdb t.sqlite
    kill_trial t.sqlite "$D_INGEST" "$REF_A" none "$BIN" ingest --db t.sqlite --no-progress a.jsonl
    exact=$((exact + EXACT)); killed=$((killed + KILLED)); aon=$((aon + AON)); integ=$((integ + INTEG))
done
INGEST_LINE="kill-9 ingest: $exact/$n trials exact after a re-run ($killed killed mid-ingest, $((n - killed)) finished first); after the kill: $aon/$n all or nothing, $integ/$n integrity ok"
[ "$exact" = "$n" ] && [ "$aon" = "$n" ] && [ "$integ" = "$n" ] || FAILED=1
[ "$n" -lt "$TRIALS" ] && INGEST_LINE+=" (time limit: $n of $TRIALS trials run)"

# --- kill -9 during a resuming ingest of a grown file ---------------------------------------------------------
say "==> $RESUME_TRIALS kill -9 trials during a resuming ingest"
rn=0; rexact=0; rkilled=0; raon=0; rinteg=0
while [ "$rn" -lt "$RESUME_TRIALS" ] && phase_left 65; do
    rn=$((rn + 1)); rmdb r.sqlite
    cp a.jsonl grow.jsonl
    ingest r.sqlite grow.jsonl || true
    cat b.jsonl >> grow.jsonl
    kill_trial r.sqlite "$D_RESUME" "$REF_AB" "$REF_A" "$BIN" ingest --db r.sqlite --no-progress grow.jsonl
    rexact=$((rexact + EXACT)); rkilled=$((rkilled + KILLED)); raon=$((raon + AON)); rinteg=$((rinteg + INTEG))
done
RESUME_LINE="kill-9 resume: $rexact/$rn trials exact after a re-run ($rkilled killed mid-ingest); after the kill: $raon/$rn old or new, $rinteg/$rn integrity ok"
[ "$rn" -lt "$RESUME_TRIALS" ] && RESUME_LINE+=" (time limit: $rn of $RESUME_TRIALS trials run)"
[ "$rexact" = "$rn" ] && [ "$raon" = "$rn" ] && [ "$rinteg" = "$rn" ] || FAILED=1

# --- kill -9 during reprice -------------------------------------------------------------------------------------
say "==> $REPRICE_TRIALS kill -9 trials during reprice"
"$BIN" pricing export --db ref-a.sqlite --output prices.json 2>/dev/null || "$BIN" pricing export --db ref-a.sqlite > prices.json
python3 - prices.json doubled.json <<'EOF'
import json, sys
from decimal import Decimal
doc = json.load(open(sys.argv[1]))
def walk(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "rates" and isinstance(v, dict):
                for r in v:
                    if isinstance(v[r], str):
                        v[r] = str(Decimal(v[r]) * 2)
            else:
                walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(doc)
doc["version"] = "doubled"
json.dump(doc, open(sys.argv[2], "w"))
EOF
copydb ref-a.sqlite imp.sqlite
"$BIN" pricing import --db imp.sqlite doubled.json >/dev/null 2>&1 || die "price import failed"
BEFORE_R="$(both imp.sqlite)"
copydb imp.sqlite ref-r.sqlite
t=$(now); "$BIN" reprice --db ref-r.sqlite >/dev/null 2>&1 || die "reference reprice failed"; D_REPRICE=$(elapsed "$t")
REF_R="$(both ref-r.sqlite)"
[ "$REF_R" != "$BEFORE_R" ] || die "the doubled prices changed nothing: no reprice to interrupt"
say "    reprice of $LINES requests: ${D_REPRICE}s"
pn=0; pexact=0; pkilled=0; paon=0; pinteg=0
while [ "$pn" -lt "$REPRICE_TRIALS" ] && phase_left 80; do
    pn=$((pn + 1))
    copydb imp.sqlite p.sqlite
    kill_trial p.sqlite "$D_REPRICE" "$REF_R" "$BEFORE_R" "$BIN" reprice --db p.sqlite
    pexact=$((pexact + EXACT)); pkilled=$((pkilled + KILLED)); paon=$((paon + AON)); pinteg=$((pinteg + INTEG))
done
REPRICE_LINE="kill-9 reprice: $pexact/$pn trials exact after a re-run ($pkilled killed mid-reprice); after the kill: $paon/$pn old or new figures, $pinteg/$pn integrity ok"
[ "$pn" -lt "$REPRICE_TRIALS" ] && REPRICE_LINE+=" (time limit: $pn of $REPRICE_TRIALS trials run)"
[ "$pexact" = "$pn" ] && [ "$paon" = "$pn" ] && [ "$pinteg" = "$pn" ] || FAILED=1

# --- kill -9 during an ingest of a tree of many files ---------------------------------------------------------
say "==> $TREE_TRIALS kill -9 trials during an ingest of $TREE_FILES transcripts"
python3 "$(dirname "$GEN")/gen-claude-code.py" --out tree --files "$TREE_FILES" --total-gb 0.15 --seed "$SEED" \
    2>/dev/null || die "scripts/gen-claude-code.py failed"
find tree -type f -size +5M -delete
t=$(now); ingest ref-tree.sqlite tree || die "reference ingest of the tree failed"; D_TREE=$(elapsed "$t")
REF_T="$(both ref-tree.sqlite)"
say "    ingest of $(find tree -type f | wc -l) files: ${D_TREE}s; reference: $REF_T"
# ledgered DB: "ok" when the requests stored are those the ledger's files account for.
ledgered() {
    [ -f "$1" ] || { echo ok; return; }
    python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
try:
    stored = db.execute("select count(*) from requests").fetchone()[0]
    counted = db.execute("select coalesce(sum(requests), 0) from files").fetchone()[0]
except sqlite3.OperationalError:
    stored = counted = 0  # killed before the schema was made
print("ok" if stored == counted else "%d requests stored, %d counted by the ledger" % (stored, counted))' "$1" 2>&1
}
tn=0; texact=0; tkilled=0; tled=0; tinteg=0
while [ "$tn" -lt "$TREE_TRIALS" ] && time_left; do
    tn=$((tn + 1)); rmdb k.sqlite
    delay="$(ms_delay "$D_TREE")"
    bg "$BIN" ingest --db k.sqlite --no-progress tree >/dev/null 2>>"$SCRATCH/ingest.err"
    sleep "$delay"
    kill -9 "$BG_PID" 2>/dev/null || true
    rc=0; wait "$BG_PID" 2>/dev/null || rc=$?
    [ "$rc" -eq 137 ] && tkilled=$((tkilled + 1))
    state="$(ledgered k.sqlite)"
    if [ "$state" = ok ]; then tled=$((tled + 1)); else note_diff "tree kill at ${delay}s: $state"; fi
    if [ "$(integrity k.sqlite)" = ok ]; then tinteg=$((tinteg + 1)); else
        note_diff "tree kill at ${delay}s: integrity_check: $(integrity k.sqlite)"
    fi
    rc=0; ingest k.sqlite tree || rc=$?
    state="$(both k.sqlite)"
    if [ "$rc" -eq 0 ] && [ "$state" = "$REF_T" ]; then texact=$((texact + 1)); else
        note_diff "tree kill at ${delay}s, re-run exit $rc: $(diff_totals "$REF_T" "$state")"
    fi
done
TREE_LINE="kill-9 tree: $texact/$tn trials exact after a re-run ($tkilled killed mid-ingest); after the kill: $tled/$tn with every stored request in the ledger, $tinteg/$tn integrity ok"
[ "$tn" -lt "$TREE_TRIALS" ] && TREE_LINE+=" (time limit: $tn of $TREE_TRIALS trials run)"
[ "$texact" = "$tn" ] && [ "$tled" = "$tn" ] && [ "$tinteg" = "$tn" ] || FAILED=1

echo "$INGEST_LINE"
echo "$RESUME_LINE"
echo "$REPRICE_LINE"
echo "$TREE_LINE"
if [ "$FAILED" = 0 ]; then
    echo "kill-9: $((n + rn + pn + tn))/$((n + rn + pn + tn)) trials exact (${LINES} lines, $((SECONDS - T0)) s)"
else
    echo "kill-9: NOT exact: $(firsts)"
    exit 1
fi
