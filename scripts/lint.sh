#!/usr/bin/env bash
# Format check: swift-format's lint (the toolchain ships it) over Sources and Tests, and no line longer than the
# configured width (swift-format cannot break a long string literal, so it does not report one). Generated code
# (protoc's, under a Generated folder) is left as its generator wrote it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift format lint --strict --recursive --parallel Sources Tests
python3 - <<'PY'
import json, pathlib, sys
width = json.load(open(".swift-format"))["lineLength"]
long = [
    f"{path}:{number}: line is {len(line)} columns, over {width}"
    for folder in ("Sources", "Tests")
    for path in sorted(pathlib.Path(folder).rglob("*.swift"))
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
    if "Generated" not in path.parts and len(line) > width
]
if long:
    sys.exit("\n".join(long))
PY
