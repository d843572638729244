#!/usr/bin/env bash
# Storage choices, measured on the two shapes an ingest meets: a tree of thousands of small transcripts and one
# large file of logged API responses.
#
# For each shape and each database page size (4 KiB, 16 KiB, 64 KiB: the database is created empty with that page
# size before `usage ingest` opens it, so the tool's own choice does not apply), a first ingest into a fresh
# database is timed; the sizes take turns, RUNS turns in all, and the median wall time, the median CPU time (user +
# system, less disturbed by other load than the wall time) and the database's size are printed.
#
# Usage: scripts/bench-storage.sh
# Env:   BIN=PATH     the binary (default .build/release/usage)
#        TREE=DIR     the tree of transcripts (default bench/cc-many, made by scripts/bench-scale.sh)
#        LOG=FILE     the large log (default bench/responses.jsonl, made by scripts/bench-ingest.sh)
#        RUNS=N       turns (default 3)
#        SIZES="..."  page sizes (default "4096 16384 65536")
# Work files go to bench/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${BIN:-.build/release/usage}"
TREE="${TREE:-bench/cc-many}"
LOG="${LOG:-bench/responses.jsonl}"
RUNS="${RUNS:-3}"
SIZES="${SIZES:-4096 16384 65536}"
mkdir -p bench
[ -x "$BIN" ] || { echo "no binary at $BIN: swift build -c release" >&2; exit 2; }

python3 - "$BIN" "$RUNS" "$SIZES" "$TREE" "$LOG" <<'EOF'
import os, resource, sqlite3, statistics, subprocess, sys, time

binary, runs, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3].split()]
shapes = [(name, path) for name, path in (("tree", sys.argv[4]), ("log", sys.argv[5])) if os.path.exists(path)]
db = "bench/storage.sqlite"

def fresh(page_size):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    c = sqlite3.connect(db)
    c.execute("PRAGMA page_size = %d" % page_size)
    c.execute("PRAGMA journal_mode = WAL")
    c.close()

def ingest(path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([binary, "ingest", "--db", db, "--no-progress", path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    page = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    assert page == sizes_now, "the database has page size %d, not %d" % (page, sizes_now)
    size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    return wall, cpu, size

for name, path in shapes:
    results = {s: [] for s in sizes}
    for turn in range(runs):
        for sizes_now in sizes:
            fresh(sizes_now)
            results[sizes_now].append(ingest(path))
    print("%s (%s): first ingest, median of %d turns" % (name, path, runs))
    print("  page size   wall s   cpu s   database MB")
    for s in sizes:
        r = results[s]
        print("  %9d  %7.2f  %6.2f  %12.0f" % (s, statistics.median(x[0] for x in r),
                                              statistics.median(x[1] for x in r), r[-1][2] / 1e6))
EOF
