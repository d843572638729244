#!/usr/bin/env bash
# Time budget of `usage statusline` (not a timed test): a 1 GB Claude Code history (gen-claude-code.py
# --total-gb 1.0, generated once under bench/statusline) is ingested into a database; then Claude Code's status
# JSON for one of its sessions is piped to `usage statusline` RUNS times, warm (one run first reads the session's
# transcript; the others find it unchanged, as Claude Code's frequent runs do, and one run in five follows an append
# of one response to the transcript). Each run is timed from spawn to exit. Target: median under 50 ms.
#
# Usage: scripts/bench-statusline.sh
# Env:   BIN=PATH   the usage binary (default: .build/release/usage; nothing is built)
#        RUNS=N     timed runs (default 40)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:-.build/release/usage}"
RUNS="${RUNS:-40}"
[ -x "$BIN" ] || { echo "bench-statusline: build first: swift build -c release --static-swift-stdlib (or set BIN)" >&2; exit 1; }
corpus=bench/statusline/corpus
if [ ! -d "$corpus/projects" ]; then
    mkdir -p "$corpus"
    python3 scripts/gen-claude-code.py --out "$corpus" --total-gb 1.0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$corpus/projects" "$work/projects"
"$BIN" ingest "$work/projects" --db "$work/usage.sqlite" 2>&1 | tail -1
python3 - "$BIN" "$work" "$RUNS" <<'PY'
import json, os, pathlib, statistics, subprocess, sys, time
binary, work, runs = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
transcripts = sorted(work.glob("projects/*/*.jsonl"), key=lambda p: p.stat().st_size)
transcript = transcripts[len(transcripts) // 2]
lines = transcript.read_text().splitlines()
session = next(json.loads(l)["sessionId"] for l in lines if '"sessionId"' in l)
last = next(l for l in reversed(lines) if '"assistant"' in l and '"usage"' in l)
status = json.dumps({"session_id": session, "transcript_path": str(transcript),
                     "model": {"id": "claude-sonnet-4-5", "display_name": "Sonnet"}})
env = {**os.environ, "NO_COLOR": "1"}
command = [binary, "statusline", "--db", str(work / "usage.sqlite"), "--log", str(work / "statusline.log")]
subprocess.run(command, input=status.encode(), env=env, capture_output=True, check=True)
times, appended = [], []
for n in range(runs):
    grew = n % 5 == 4
    if grew:
        record = json.loads(last)
        record["message"]["id"] = f"msg_bench_{n}"
        record["requestId"] = f"req_bench_{n}"
        with transcript.open("a") as f:
            f.write(json.dumps(record) + "\n")
    start = time.perf_counter()
    out = subprocess.run(command, input=status.encode(), env=env, capture_output=True, check=True).stdout
    elapsed = (time.perf_counter() - start) * 1000
    (appended if grew else times).append(elapsed)
print(f"transcript {transcript.name}: {transcript.stat().st_size / 1e6:.1f} MB; line: {out.decode().strip()}")
print(f"unchanged transcript: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} runs")
print(f"after an append:      median {statistics.median(appended):.1f} ms, max {max(appended):.1f} ms over {len(appended)} runs")
verdict = "ok" if statistics.median(times + appended) < 50 else "OVER 50 ms"
print(f"all runs: median {statistics.median(times + appended):.1f} ms: {verdict}")
if (work / "statusline.log").exists():
    print("fallbacks:", (work / "statusline.log").read_text())
PY
