#!/usr/bin/env bash
# Installs what a fresh Debian or Ubuntu machine lacks to build `usage`: the SQLite headers GRDB links against.
# The Swift 6 toolchain itself must already be on PATH.
set -euo pipefail

command -v swift >/dev/null || { echo "setup: swift is not on PATH; install a Swift 6 toolchain first" >&2; exit 1; }

if ! dpkg -s libsqlite3-dev >/dev/null 2>&1 && [ ! -f /usr/include/sqlite3.h ]; then
    echo "setup: installing libsqlite3-dev" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libsqlite3-dev >/dev/null
fi
