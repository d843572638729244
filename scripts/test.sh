#!/usr/bin/env bash
# Sets up a fresh machine, checks the format (swift-format lint, line width) and runs the whole test suite
# (unit and end-to-end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh --tests
scripts/lint.sh
swift build --build-tests
swift test --skip-build
