#!/usr/bin/env bash
# Reliability trial: fuzzed lines and damaged files never crash an ingest, and every line is accounted for.
#
# scripts/trial-fuzz.py mutates the valid lines of a generated log (bit flips, truncations, inserted and
# deleted bytes, huge, negative, fractional and malformed numbers, odd escapes, deep nesting, invalid UTF-8, NUL
# bytes and raw controls, swapped types, duplicate keys, removed fields, bare and string-wrapped responses, very
# long strings, other JSON values, blank lines) into LINES lines over FILES files, and writes about 20 damaged
# files (empty, only a byte order mark, truncated first or last line, binary garbage, all NUL, a NUL tail, only
# newlines, CRLF and CR-only line ends, UTF-16, a truncated document, a line of a million `[`, a price key in a
# tool call, a line of BIG_LINE_MB MB, ...). Checks:
#   - every ingest exits 0 or 1: never 2, never a signal, never past INGEST_TIMEOUT;
#   - the summary adds up, per file: new + duplicates + rejected + without usage = the records the file holds (one per JSON value, an array's elements each; counted by trial-fuzz.py count)
#     (damaged files that are not JSON Lines at all are only held to "no crash");
#   - ingesting everything again changes nothing (no new request, the same totals), and neither does ingesting
#     copies of the fuzzed files under other names.
#
# Usage: scripts/trial-fuzz.sh
# Env:   LINES=N           fuzzed lines in all (default 1000000: 630 MB, and 1 to 3 minutes
#                          on a 2-core machine, most of it ingesting the files and then copies of them;
#                          about 1.4 GB of scratch data in all)
#        FILES=N           files they are spread over (default 10)
#        BIG_LINE_MB=N     size of the over-long line's file in MB, 0 for none (default 100)
#        INGEST_TIMEOUT=S  longest one ingest may take (default 600)
#        SEED=N            seed (default 1)
# Exit status: 0 when every invariant held, 1 when one failed, 2 when the trial could not run.
source "$(dirname "${BASH_SOURCE[0]}")/trial-lib.sh"

LINES="${LINES:-1000000}"
FILES="${FILES:-10}"
BIG_LINE_MB="${BIG_LINE_MB:-100}"
INGEST_TIMEOUT="${INGEST_TIMEOUT:-600}"
SEED="${SEED:-1}"
FUZZ="$ROOT/scripts/trial-fuzz.py"

start_trial fuzz
cd "$SCRATCH"

say "==> generating $LINES fuzzed lines in $FILES files, and damaged files"
t=$(now)
gen base.jsonl 20000 "$SEED"
python3 "$FUZZ" make base.jsonl "$SCRATCH" --lines "$LINES" --files "$FILES" --seed "$SEED" --big-line-mb "$BIG_LINE_MB" > damaged.list
say "    $(du -sh fuzz | cut -f1) fuzzed, $(du -sh damaged | cut -f1) damaged, in $(elapsed "$t") s"

SUMMARY_PY='
import re, sys
line = ""
for l in open(sys.argv[1], errors="replace"):
    if l.startswith("ingested: "):
        line = l.strip()
def n(pat):
    m = re.search(r"(\d+) " + pat, line)
    return int(m.group(1)) if m else 0
new, dup, rej, wo = n("new request"), n("duplicate"), n("rejected line"), n("without usage")
print(new, dup, rej, wo, n("non-log file"), new + dup + rej + wo)
'

FAILED=0
first_diffs=()
note_diff() { [ "${#first_diffs[@]}" -lt 3 ] && first_diffs+=("$1"); return 0; }

# run_ingest DB ERRFILE PATH...: an ingest under a time limit; sets RC and CRASHED (1 unless RC is 0 or 1).
run_ingest() {
    local db="$1" err="$2"; shift 2
    RC=0; timeout -s KILL "$INGEST_TIMEOUT" "$BIN" ingest --db "$db" --no-progress "$@" </dev/null >/dev/null 2>"$err" || RC=$?
    CRASHED=0
    case "$RC" in 0|1) ;; *) CRASHED=1 ;; esac
}

# --- fuzzed files -----------------------------------------------------------------------------------------
say "==> ingesting the fuzzed files"
files=(fuzz/*.jsonl)
runs=0; crashes=0; accounted=0; nonblank=0; s_new=0; s_dup=0; s_rej=0; s_wo=0
t=$(now)
for f in "${files[@]}"; do
    read -r lo hi < <(python3 "$FUZZ" count "$f")
    run_ingest fuzz.sqlite "$f.err" "$f"
    runs=$((runs + 1)); crashes=$((crashes + CRASHED))
    [ "$CRASHED" = 0 ] || note_diff "$f: exit $RC: $(grep -v '^ingested' "$f.err" | tail -n 3 | tr '\n' ' ' | head -c 300)"
    read -r new dup rej wo nonlog sum < <(python3 -c "$SUMMARY_PY" "$f.err")
    s_new=$((s_new + new)); s_dup=$((s_dup + dup)); s_rej=$((s_rej + rej)); s_wo=$((s_wo + wo)); nonblank=$((nonblank + lo))
    if [ "$sum" -ge "$lo" ] && [ "$sum" -le "$hi" ]; then accounted=$((accounted + 1)); else
        note_diff "$f: $new new + $dup duplicates + $rej rejected + $wo without usage = $sum, not the $lo records"; fi
done
D_FUZZ=$(elapsed "$t")
FUZZ_TOTALS="$(totals fuzz.sqlite)"
FUZZ_LINE="fuzz: $LINES lines in $runs files, ingested in ${D_FUZZ}s: $((runs - crashes))/$runs ingests exit 0 or 1; $accounted/$runs files add up ($s_new new + $s_dup duplicates + $s_rej rejected + $s_wo without usage = $((s_new + s_dup + s_rej + s_wo)) of $nonblank records)"
[ "$crashes" = 0 ] && [ "$accounted" = "$runs" ] || FAILED=1

# --- damaged files ----------------------------------------------------------------------------------------
say "==> ingesting the damaged files"
druns=0; dcrashes=0; dacc=0; dacc_want=0; details=(); dnames=()
while read -r name must; do
    f="damaged/$name"; dnames+=("$name")
    read -r lo hi < <(python3 "$FUZZ" count "$f")
    run_ingest "damaged-$druns.sqlite" "$f.err" "$f"   # each in a database of its own
    druns=$((druns + 1)); dcrashes=$((dcrashes + CRASHED))
    [ "$CRASHED" = 0 ] || note_diff "$name: exit $RC: $(grep -v '^ingested' "$f.err" | tail -n 3 | tr '\n' ' ' | head -c 300)"
    read -r new dup rej wo nonlog sum < <(python3 -c "$SUMMARY_PY" "$f.err")
    verdict="exit $RC, $new new, $dup duplicates, $rej rejected, $wo without usage"
    [ "$nonlog" != 0 ] && verdict+=", skipped as non-log"
    grep -q "not a usage log" "$f.err" && verdict+=", refused as not a usage log"
    if [ "$must" = 1 ]; then
        dacc_want=$((dacc_want + 1))
        if [ "$sum" -ge "$lo" ] && [ "$sum" -le "$hi" ]; then dacc=$((dacc + 1)); verdict+=": adds up ($lo..$hi records)"; else
            verdict+=": DOES NOT add up ($sum for $lo..$hi records)"
            note_diff "$name: $new new + $dup duplicates + $rej rejected + $wo without usage = $sum, not $lo..$hi records ($(grep -v '^ingested' "$f.err" | head -n 1 | head -c 120))"
        fi
    else
        verdict+=" ($lo..$hi records; only \"no crash\" applies)"
    fi
    details+=("  $name: $verdict")
done < damaged.list
DAMAGED_LINE="fuzz damaged: $((druns - dcrashes))/$druns files ingested without a crash; $dacc/$dacc_want JSON Lines files add up"
[ "$dcrashes" = 0 ] && [ "$dacc" = "$dacc_want" ] || FAILED=1
declare -a DAMAGED_TOTALS
for ((k = 0; k < druns; k++)); do DAMAGED_TOTALS[$k]="$(totals "damaged-$k.sqlite")"; done

# --- again: nothing changes ---------------------------------------------------------------------------------
say "==> ingesting everything again, then copies of the fuzzed files under other names"
run_ingest fuzz.sqlite again.err "${files[@]}"
read -r new dup rej wo nonlog sum < <(python3 -c "$SUMMARY_PY" again.err)
again_ok=1
[ "$CRASHED" = 0 ] && [ "$new" = 0 ] && [ "$(totals fuzz.sqlite)" = "$FUZZ_TOTALS" ] || { again_ok=0; note_diff "second run: exit $RC, $new new, $(diff_totals "$FUZZ_TOTALS" "$(totals fuzz.sqlite)")"; }
for ((k = 0; k < druns; k++)); do
    run_ingest "damaged-$k.sqlite" again-damaged.err "damaged/${dnames[$k]}"
    read -r dnew _ < <(python3 -c "$SUMMARY_PY" again-damaged.err)
    [ "$CRASHED" = 0 ] && [ "$dnew" = 0 ] && [ "$(totals "damaged-$k.sqlite")" = "${DAMAGED_TOTALS[$k]}" ] || {
        again_ok=0; note_diff "second run on ${dnames[$k]}: exit $RC, $dnew new"; }
done
mkdir copies
for f in "${files[@]}"; do cp "$f" "copies/copy-of-$(basename "$f")"; done
run_ingest fuzz.sqlite copies.err copies/
read -r cnew cdup crej cwo _ csum < <(python3 -c "$SUMMARY_PY" copies.err)
copies_ok=1
[ "$CRASHED" = 0 ] && [ "$cnew" = 0 ] && [ "$(totals fuzz.sqlite)" = "$FUZZ_TOTALS" ] || { copies_ok=0; note_diff "copies: exit $RC, $cnew new, $(diff_totals "$FUZZ_TOTALS" "$(totals fuzz.sqlite)")"; }
AGAIN_LINE="fuzz again: second run $( [ "$again_ok" = 1 ] && echo "changed nothing" || echo "CHANGED something"); copies under other names: $cnew new, $cdup duplicates, $crej rejected, totals $( [ "$copies_ok" = 1 ] && echo unchanged || echo CHANGED)"
[ "$again_ok" = 1 ] && [ "$copies_ok" = 1 ] || FAILED=1

echo "$FUZZ_LINE"
echo "$DAMAGED_LINE"
printf '%s\n' "${details[@]}"
echo "$AGAIN_LINE"
echo "fuzz totals: $FUZZ_TOTALS"
if [ "$FAILED" = 0 ]; then
    echo "fuzz: all held ($LINES lines, $druns damaged files, $((SECONDS - T0)) s)"
else
    echo "fuzz: NOT held: $(firsts)"
    exit 1
fi
