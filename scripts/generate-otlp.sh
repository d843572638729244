#!/usr/bin/env bash
# Regenerates the Swift of OTLP's messages from Sources/UsageKit/OTLP/Proto/otlp.proto. Run by hand when the
# .proto changes, never by the build: the generated file is committed. Needs Debian's protobuf-compiler and
# swift-protobuf's plugin, built once from the version Package.swift names:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0 &&
#   swift build -c release --static-swift-stdlib --product protoc-gen-swift
# then PROTOC_GEN_SWIFT=/that/checkout/.build/release/protoc-gen-swift scripts/generate-otlp.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "generate-otlp: set PROTOC_GEN_SWIFT to swift-protobuf's protoc-gen-swift" >&2; exit 1; }
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal \
    --proto_path=Sources/UsageKit/OTLP/Proto --swift_out=Sources/UsageKit/OTLP/Generated otlp.proto
