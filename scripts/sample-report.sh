#!/usr/bin/env bash
# Builds `usage`, ingests the bundled fixtures into a scratch database and writes the sample HTML report to
# reports/sample.html. The fixtures are copied with a fixed modification time (the saved streams are dated by
# it), so the sample changes only when the tool or the fixtures do.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
swift build -c release --static-swift-stdlib
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -R fixtures "$scratch/fixtures"
find "$scratch/fixtures" -type f -exec touch -d "2026-11-06T12:00:00Z" {} +
# Exit status 1: fixtures/sdk/not-records.jsonl holds a line that looks like usage and cannot be read, on purpose.
.build/release/usage ingest "$scratch/fixtures" --db "$scratch/usage.sqlite" || [ $? -eq 1 ]
.build/release/usage report --db "$scratch/usage.sqlite" --tz UTC --html --output reports/sample.html
