#!/usr/bin/env bash
# Storage choices, measured on the two shapes an ingest meets: a tree of thousands of small transcripts and one
# large file of logged API responses.
#
# For each shape and each database page size (4 KiB, 16 KiB, 64 KiB: the database is created empty with that page
# size before `usage ingest` opens it, so the tool's own choice does not apply), a first ingest into a fresh
# database is timed; the sizes take turns, RUNS turns in all, and the median wall time, the median CPU time (user +
# system, less disturbed by other load than the wall time) and the database's size are printed.
#
# Then the floor under any ingest of the log: the time SQLite alone takes to insert its rows. The requests of the
# database the last ingest made are copied, by one `INSERT ... SELECT` inside SQLite, into a fresh database with
# the same schema (every index, the rollup tables empty), RUNS times; no parsing, pricing or binding is left.
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
[ -x "$BIN" ] || { echo "no binary at $BIN: swift build -c release --static-swift-stdlib" >&2; exit 2; }

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

def floor(source):
    """Seconds SQLite takes to insert the requests of `source` into an empty copy of its schema."""
    target = "bench/floor.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    src = sqlite3.connect(source)
    page = src.execute("PRAGMA page_size").fetchone()[0]
    schema = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC")]
    rows = src.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    # Stored columns only: a generated column is computed, not inserted.
    columns = ", ".join(r[1] for r in src.execute("PRAGMA table_xinfo(requests)") if r[6] in (0, 1))
    src.close()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA page_size = %d" % page)
    db.execute("PRAGMA cache_size = -65536")  # as `usage` sets it
    db.execute("PRAGMA journal_mode = WAL")
    for sql in sorted(schema, key=lambda s: not s.upper().startswith("CREATE TABLE")):
        db.execute(sql)
    db.execute("ATTACH ? AS src", (source,))
    t0 = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO main.requests (%s) SELECT %s FROM src.requests ORDER BY id" % (columns, columns))
    db.execute("COMMIT")
    return time.perf_counter() - t0, rows

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
    times = []
    for _ in range(runs):
        seconds, rows = floor(db)
        times.append(seconds)
    print("  SQLite alone, inserting its %d requests into an empty database: %.2f s (median)"
          % (rows, statistics.median(times)))
EOF
