#!/usr/bin/env bash
# Sets up a fresh machine, builds `usage`, ingests the bundled fixtures into a scratch database and prints the report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
swift build -c release
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
.build/release/usage ingest fixtures --db "$scratch/usage.sqlite"
.build/release/usage report --db "$scratch/usage.sqlite"
