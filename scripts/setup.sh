#!/usr/bin/env bash
# Installs what a fresh Debian or Ubuntu machine lacks to build `usage`: the SQLite headers GRDB links against;
# with --tests, also what the tests run (below).
# The Swift 6 toolchain itself must already be on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v swift >/dev/null || { echo "setup: swift is not on PATH; install a Swift 6 toolchain first" >&2; exit 1; }

if ! dpkg -s libsqlite3-dev >/dev/null 2>&1 && [ ! -f /usr/include/sqlite3.h ]; then
    echo "setup: installing libsqlite3-dev" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libsqlite3-dev >/dev/null
fi

# With --tests: the real clients the end-to-end tests speak with: the OpenTelemetry Python SDK and its OTLP/HTTP
# exporter, and prometheus-client's parser, in a virtual environment of their own (.venv-test), made again when
# Tests/python/requirements.txt changes; curl for `usage serve`; tmux, the terminal `usage watch` is tested in.
[ "${1:-}" = "--tests" ] || exit 0
for tool in curl tmux; do
    if ! command -v "$tool" >/dev/null; then
        echo "setup: installing $tool" >&2
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$tool" >/dev/null
    fi
done
requirements=Tests/python/requirements.txt
if ! cmp -s "$requirements" .venv-test/requirements.txt 2>/dev/null; then
    echo "setup: installing the Python test clients into .venv-test" >&2
    rm -rf .venv-test
    python3 -m venv .venv-test
    .venv-test/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" .venv-test/requirements.txt
fi
