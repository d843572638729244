# Shared by the scripts/trial-*.sh reliability trials; sourced, not run.
#
# Gives: ROOT, BIN (the release binary, built when missing), SCRATCH (a mktemp -d folder removed on exit,
# with every background process the trial started), deadline helpers, and `totals DB`, the report totals of a
# database as one comparable line. The trials never use the network and never touch a real database: every
# command gets --db inside SCRATCH, and USAGE_DB, XDG_DATA_HOME and XDG_CONFIG_HOME point into SCRATCH too, so
# no default database or budgets file of this machine is read.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.build/release/usage"
GEN="$ROOT/scripts/gen-responses.py"

say() { printf '%s\n' "$*" >&2; }
die() { say "${TRIAL_NAME:-trial}: $*"; exit 2; }

# The release binary, run in place (its usage_UsageKit.resources folder must sit beside it).
ensure_binary() {
    if [ ! -x "$BIN" ] || [ ! -d "$ROOT/.build/release/usage_UsageKit.resources" ]; then
        say "==> swift build -c release --static-swift-stdlib (the first build takes several minutes)"
        local log
        log="$(mktemp "${TMPDIR:-/tmp}/usage-trial-build.XXXXXX")"
        if ! (cd "$ROOT" && swift build -c release --static-swift-stdlib) >"$log" 2>&1; then
            tail -n 40 "$log" >&2
            rm -f "$log"
            die "build failed"
        fi
        rm -f "$log"
    fi
    [ -x "$BIN" ] || die "missing $BIN after the build"
}

# bg CMD...: start CMD in the background; its pid is in $BG_PID. Whatever is still running on exit is stopped.
bg() { "$@" & BG_PID=$!; }

cleanup() {
    local pid
    # Only this shell's own background jobs that are still running.
    for pid in $(jobs -p); do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"
}

start_trial() {
    TRIAL_NAME="$1"
    ensure_binary
    SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/usage-$TRIAL_NAME.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    export USAGE_DB="$SCRATCH/no-default-database.sqlite"
    export XDG_DATA_HOME="$SCRATCH/xdg-data" XDG_CONFIG_HOME="$SCRATCH/xdg-config"
    export NO_COLOR=1 TZ=UTC
    T0=$SECONDS
}

# time_left: succeeds while the trial's TIME_LIMIT (seconds) has not run out.
time_left() { (( SECONDS - T0 < TIME_LIMIT )); }

# gen OUT LINES SEED [TAG]: a generated log. Message and request ids depend only on the line's index, so logs meant
# to hold different requests get a TAG (two characters) that replaces the ids' fixed prefix.
gen() {
    python3 "$GEN" --out "$1" --lines "$2" --seed "$3" 2>/dev/null || die "scripts/gen-responses.py failed"
    if [ -n "${4:-}" ]; then
        sed -i -e "s/\"id\":\"msg_01/\"id\":\"msg_$4/" -e "s/\"request_id\":\"req_011C/\"request_id\":\"req_$4C/" "$1"
    fi
}

rmdb() { rm -f "$1" "$1-wal" "$1-shm"; }

# copydb SRC DST: a database copied with its write-ahead log (no process may have SRC open).
copydb() {
    rmdb "$2"
    cp "$1" "$2"
    [ -f "$1-wal" ] && cp "$1-wal" "$2-wal"
    return 0
}

# totals DB [REPORT-OPTION...]: the report's totals as one line (exact decimal cost), or "none" when there is no database yet.
TOTALS_PY='
import json, sys
from decimal import Decimal
doc = json.loads(sys.stdin.read(), parse_float=Decimal)
t = doc["totals"]
keys = ["requests", "cost_usd", "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
        "cache_read_tokens", "output_tokens", "web_search_requests", "unpriced_requests"]
print(" ".join("%s=%s" % (k, t.get(k)) for k in keys))
'
totals() {
    local out
    [ -f "$1" ] || { echo "none"; return 0; }
    out="$("$BIN" report --db "$1" --format json "${@:2}" 2>"$SCRATCH/totals.err")" || {
        if grep -q "no database at" "$SCRATCH/totals.err"; then echo "none"; return 0; fi
        echo "report-failed: $(head -c 300 "$SCRATCH/totals.err" | tr '\n' ' ')"
        return 0
    }
    printf '%s' "$out" | python3 -c "$TOTALS_PY"
}

# add_totals LINE...: the field-by-field sum of totals lines.
ADD_PY='
import sys
from decimal import Decimal
acc = {}
order = []
for line in sys.argv[1:]:
    for kv in line.split():
        k, v = kv.split("=", 1)
        if k not in acc:
            order.append(k); acc[k] = Decimal(0)
        acc[k] += Decimal(v) if v != "None" else 0
print(" ".join("%s=%s" % (k, acc[k]) for k in order))
'
add_totals() { python3 -c "$ADD_PY" "$@"; }

# diff_totals WANT GOT: the fields that differ, "want -> got".
diff_totals() {
    python3 - "$1" "$2" <<'EOF'
import sys
from decimal import Decimal, InvalidOperation
def parse(s):
    d = {}
    for kv in s.split():
        if "=" in kv:
            k, v = kv.split("=", 1); d[k] = v
    return d
w, g = parse(sys.argv[1]), parse(sys.argv[2])
if not g:
    print(sys.argv[2]); sys.exit()
out = []
for k in w:
    a, b = w[k], g.get(k)
    try:
        same = b is not None and Decimal(a) == Decimal(b)
    except InvalidOperation:
        same = a == b
    if not same:
        out.append("%s %s -> %s" % (k, a, b))
print(", ".join(out))
EOF
}

# same_totals WANT GOT: succeeds when the two lines hold the same figures.
same_totals() { [ -z "$(diff_totals "$1" "$2")" ]; }

# rand_between LO HI: a random decimal number of seconds in [LO, HI).
rand_between() { python3 -c 'import random, sys; lo, hi = map(float, sys.argv[1:]); print("%.3f" % random.uniform(lo, hi))' "$1" "$2"; }

# now: seconds since the epoch, with nanoseconds; elapsed T: seconds since T, with milliseconds.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

# firsts: the first differences a trial noted (in its first_diffs array), joined with " | ".
firsts() {
    local out="" d
    for d in "${first_diffs[@]:-}"; do out+="${out:+ | }$d"; done
    printf '%s' "${out:-see above}"
}
