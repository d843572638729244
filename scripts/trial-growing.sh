#!/usr/bin/env bash
# Reliability trial: a log that grows while it is ingested over and over.
#
# Per round, a writer appends the lines of a generated log to a file in bursts of whole lines; between bursts it
# sometimes writes half a line, pauses, then the rest, and sometimes a complete line whose newline comes only
# after a pause. Meanwhile an ingest loop runs `usage ingest FILE` again and again; a last ingest follows the
# writer. Checks, per round:
#   - every ingest exits 0 (a line still being written is left for the next run, never rejected);
#   - the totals (requests, exact cost, every token column) equal those of one ingest of the final file into a
#     fresh database, and the ledger counts no rejected line;
#   - line numbers: each request's `source` in `usage events --format json` (path:line) names the line of the
#     final file that holds its request id.
#
# Usage: scripts/trial-growing.sh
# Env:   ROUNDS=N      rounds, each with its own file and database (default 3)
#        LINES=N       lines written per round (default 10000)
#        TIME_LIMIT=S  seconds for the whole trial; a writer past it writes the rest at once (default 200)
#        SEED=N        seed of the log and of the writer (default 3)
# Exit status: 0 when every invariant held, 1 when one failed, 2 when the trial could not run.
source "$(dirname "${BASH_SOURCE[0]}")/trial-lib.sh"

ROUNDS="${ROUNDS:-3}"
LINES="${LINES:-10000}"
TIME_LIMIT="${TIME_LIMIT:-200}"
SEED="${SEED:-3}"

start_trial growing
cd "$SCRATCH"

cat > writer.py <<'EOF'
import os, random, sys, time
src, dst, seed, deadline, stats = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rng = random.Random(seed)
lines = open(src, "rb").read().splitlines(keepends=True)
fd = os.open(dst, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
counts = {"bursts": 0, "half_lines": 0, "late_newlines": 0, "rushed": 0}
i = 0
pending_newline = False
while i < len(lines):
    if time.time() > deadline:
        os.write(fd, (b"\n" if pending_newline else b"") + b"".join(lines[i:]))
        counts["rushed"] = len(lines) - i
        i = len(lines)
        pending_newline = False
        break
    k = min(rng.randint(1, 100), len(lines) - i)
    chunk = b"".join(lines[i:i + k])
    i += k
    if pending_newline:
        chunk = b"\n" + chunk
        pending_newline = False
    os.write(fd, chunk)
    counts["bursts"] += 1
    if i < len(lines):
        r = rng.random()
        line = lines[i]
        if r < 0.25:
            # Half a line, a pause, the rest.
            cut = rng.randint(1, len(line) - 2)
            os.write(fd, line[:cut])
            time.sleep(rng.uniform(0.02, 0.3))
            os.write(fd, line[cut:])
            counts["half_lines"] += 1
            i += 1
        elif r < 0.45:
            # A complete line without its newline; the newline comes later (with the next burst, or alone).
            os.write(fd, line[:-1])
            time.sleep(rng.uniform(0.1, 0.4))
            i += 1
            if rng.random() < 0.5:
                os.write(fd, b"\n")
            else:
                pending_newline = True
            counts["late_newlines"] += 1
    time.sleep(rng.uniform(0, 0.05))
if pending_newline:
    os.write(fd, b"\n")
os.close(fd)
with open(stats, "w") as f:
    f.write(" ".join("%s=%d" % kv for kv in counts.items()))
EOF

cat > lines.py <<'EOF'
# Compares each request's source (path:line) with the line of the final file that holds its request id.
import json, sys
final, events_json, path = sys.argv[1], sys.argv[2], sys.argv[3]
where = {}
with open(final, "rb") as f:
    for n, line in enumerate(f, 1):
        j = line.find(b'"request_id":"')
        if j >= 0:
            rid = line[j + 14:line.index(b'"', j + 14)].decode()
            where[rid] = n
events = json.load(open(events_json))
right = wrong = 0
first = []
offsets = {}
for e in events:
    src = e.get("source") or ""
    p, _, ln = src.rpartition(":")
    want = where.get(e.get("request_id"))
    if p == path and ln.isdigit() and want == int(ln):
        right += 1
    else:
        wrong += 1
        if ln.isdigit() and want:
            d = int(ln) - want
            offsets[d] = offsets.get(d, 0) + 1
        if len(first) < 2:
            first.append("%s at line %s shown as %s" % (e.get("request_id"), want, src.rpartition("/")[2]))
spread = ""
if offsets:
    top = max(offsets, key=offsets.get)
    spread = " (shown %+d to %+d lines off; most often %+d, %d requests)" % (min(offsets), max(offsets), top, offsets[top])
print(right, wrong, len(where), "; ".join(first) + spread)
EOF

FAILED=0
first_diffs=()
note_diff() { [ "${#first_diffs[@]}" -lt 3 ] && first_diffs+=("$1"); return 0; }
t_exact=0; t_ingests=0; t_ingest_bad=0; t_right=0; t_wrong=0; t_rejected=0; rounds=0; writer_stats=()

for ((r = 1; r <= ROUNDS; r++)); do
    time_left || break
    rounds=$r
    say "==> round $r: writing $LINES lines while ingesting"
    gen "src-$r.jsonl" "$LINES" "$((SEED + r))" "$(printf '%02d' "$r")"
    f="$SCRATCH/grow-$r.jsonl"; db="grow-$r.sqlite"
    : > "$f"
    deadline=$(awk -v t="$(date +%s)" -v left="$((TIME_LIMIT - (SECONDS - T0)))" -v rounds="$((ROUNDS - r + 1))" \
        'BEGIN { printf "%.0f", t + (left - 20) / rounds }')
    bg python3 writer.py "src-$r.jsonl" "$f" "$((SEED + r))" "$deadline" "writer-$r.stats"
    writer=$BG_PID
    ingests=0; bad=0
    while kill -0 "$writer" 2>/dev/null; do
        rc=0; "$BIN" ingest --db "$db" --no-progress "$f" 2>>"ingest-$r.err" || rc=$?
        ingests=$((ingests + 1))
        if [ "$rc" != 0 ]; then
            bad=$((bad + 1)); note_diff "round $r: an ingest during the writes exited $rc: $(tail -n 2 "ingest-$r.err" | tr '\n' ' ' | head -c 200)"
        fi
    done
    wait "$writer" || true
    rc=0; "$BIN" ingest --db "$db" --no-progress "$f" 2>>"ingest-$r.err" || rc=$?
    ingests=$((ingests + 1))
    [ "$rc" = 0 ] || { bad=$((bad + 1)); note_diff "round $r: the final ingest exited $rc"; }
    cmp -s "$f" "src-$r.jsonl" || die "round $r: the writer did not reproduce its source"
    "$BIN" ingest --db "ref-$r.sqlite" --no-progress "$f" 2>/dev/null || die "reference ingest failed"
    want="$(totals "ref-$r.sqlite")"; got="$(totals "$db")"
    if same_totals "$want" "$got"; then t_exact=$((t_exact + 1)); else note_diff "round $r totals: $(diff_totals "$want" "$got")"; fi
    rejected=$("$BIN" sources --db "$db" --format json | python3 -c 'import json, sys; print(sum(s["rejected_lines"] for s in json.load(sys.stdin)))')
    t_rejected=$((t_rejected + rejected))
    [ "$rejected" = 0 ] || note_diff "round $r: the ledger counts $rejected rejected lines"
    "$BIN" events --db "$db" --format json > "events-$r.json"
    read -r right wrong nlines first < <(python3 lines.py "$f" "events-$r.json" "$f")
    t_right=$((t_right + right)); t_wrong=$((t_wrong + wrong))
    [ "$wrong" = 0 ] || note_diff "round $r: $wrong of $((right + wrong)) requests on the wrong line: $first"
    t_ingests=$((t_ingests + ingests)); t_ingest_bad=$((t_ingest_bad + bad))
    writer_stats+=("round $r: $(cat "writer-$r.stats"), $ingests ingests")
    say "    $(cat "writer-$r.stats"); $ingests ingests; totals $( same_totals "$want" "$got" && echo exact || echo DIFFER ); lines $right right, $wrong wrong"
    rmdb "ref-$r.sqlite"
done

printf 'growing: %s\n' "${writer_stats[@]}"
echo "growing totals: $t_exact/$rounds rounds exact; $((t_ingests - t_ingest_bad))/$t_ingests ingests exit 0; $t_rejected rejected lines in the ledger"
echo "growing line numbers: $t_right/$((t_right + t_wrong)) requests on their line, $t_wrong misplaced"
if [ "$t_exact" = "$rounds" ] && [ "$t_ingest_bad" = 0 ] && [ "$t_rejected" = 0 ] && [ "$t_wrong" = 0 ]; then
    echo "growing: $rounds/$rounds rounds exact ($((SECONDS - T0)) s)"
else
    echo "growing: NOT exact: $(firsts)"
    exit 1
fi
