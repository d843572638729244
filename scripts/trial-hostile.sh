#!/usr/bin/env bash
# Reliability trial: hostile strings from logs through every output.
#
# 49 hostile strings (ESC sequences, BEL, BS, CR, DEL, C1 controls with CSI U+009B and OSC U+009D, bidi controls
# U+202A-U+202E and U+2066-U+2069, zero-width U+200B-U+200D, U+2060, U+FEFF, NUL, =HYPERLINK(...), leading + - @
# TAB CR, quotes, commas, line breaks, </script>, <img onerror>, Markdown pipes, a 5,000-character string, ...)
# go into 7 places of logged responses: model, session, workflow, project, request id, stop reason, and the name
# of a log file that also holds a bad line. They are ingested and run through every output: `report` (table,
# json, csv, markdown, html; by model, session, workflow, project and source), `events` (table, json, csv),
# `sessions`, `cache-stats`, `sources`, `budget` (a budgets file whose names and scopes are the strings, and
# --daily/--monthly limits) and the ingest's diagnostics. scripts/trial-hostile.py does the work and the checks:
#   - table, Markdown and stderr carry no raw C0 control but the newline, no DEL, C1, bidi or zero-width
#     character, and Markdown rows keep their table's number of cells;
#   - JSON parses with Python's json and gives every hostile value back exactly (events: record by record,
#     source path:line included);
#   - CSV parses with Python's csv module, no cell starts with = + - @ TAB or CR unless it is a number, and every
#     value comes back exactly (text cells that start like a formula behind a leading ');
#   - HTML holds no raw <script or <img.
#
# Usage: scripts/trial-hostile.sh   (a few seconds; no knobs: the strings and outputs are fixed)
# Exit status: 0 when every output held, 1 when one did not, 2 when the trial could not run.
source "$(dirname "${BASH_SOURCE[0]}")/trial-lib.sh"
TIME_LIMIT="${TIME_LIMIT:-120}"

start_trial hostile
timeout -s KILL "$TIME_LIMIT" python3 "$ROOT/scripts/trial-hostile.py" "$BIN" "$SCRATCH"
