#!/usr/bin/env bash
# Sets up a fresh machine, builds `usage`, ingests the bundled fixtures into a scratch database and prints the report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
swift build -c release --static-swift-stdlib
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Exit status 1: fixtures/sdk/not-records.jsonl holds a line that looks like usage and cannot be read, on purpose.
.build/release/usage ingest fixtures --db "$scratch/usage.sqlite" || [ $? -eq 1 ]
.build/release/usage report --db "$scratch/usage.sqlite"
