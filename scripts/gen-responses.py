#!/usr/bin/env python3
"""Generate synthetic logged Anthropic Messages API responses as JSON Lines.

Each line is a log envelope (timestamp, request_id, session_id, workflow,
task_type) wrapping a full Messages API response with a realistic `usage`
block. Output is deterministic for a given --seed and --lines; every message
id and request id is unique. 1,000,000 lines come to about 0.55 GB
(~550 bytes per line: the envelope, the usage block and a short text).

Usage: gen-responses.py --out PATH [--lines N] [--seed S]
"""

import argparse
import json
import random
import sys
import time

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Every 3-digit base62 string, so an id takes 8 divmods instead of 22.
TRIPLES = [a + b + c for a in BASE62 for b in BASE62 for c in BASE62]
ID22 = 62 ** 22
ID20 = 62 ** 20

MODELS = [
    ("claude-sonnet-4-5-20250929", 30),
    ("claude-opus-4-6", 10),
    ("claude-haiku-4-5-20251001", 20),
    ("claude-opus-4-1-20250805", 5),
    ("claude-sonnet-4-6", 15),
    ("claude-3-5-haiku-20241022", 8),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 7),
    ("claude-opus-4-5@20251101", 5),
]
WORKFLOWS = ["code-review", "support-triage", "doc-summarize", "data-extract",
             "agent-loop", "translate"]
TASK_TYPES = ["analyze", "summarize", "classify", "generate", "extract",
              "plan", "edit"]
TOOLS = [
    ("bash", {"command": "ls -la src/"}),
    ("read_file", {"path": "Sources/App/main.swift"}),
    ("web_search", {"query": "sqlite wal checkpoint"}),
    ("get_weather", {"location": "Z\u00fcrich, CH", "unit": "celsius"}),
    ("run_tests", {"filter": "IngestTests", "verbose": True}),
]
WORDS = (
    "the a request response token cache model usage cost report budget "
    "function module review change test build error value result session "
    "workflow latency batch query index table summary analysis suggest "
    "refactor we should consider this that here because however also "
    "file line output input parse stream buffer record field schema"
).split()
ODD_PIECES = [
    '"quoted"', "caf\u00e9", "na\u00efve", "r\u00e9sum\u00e9", "\u00fcber",
    "\u2014", "\u2192", "\u201csmart\u201d", "C:\\temp\\logs", "a/b",
    "\t", "<tag>", "\u65e5\u672c\u8a9e", "\U0001F680", "50%", "x == \"y\"",
]

START_EPOCH_DAY = 20698  # 2026-09-02, i.e. 60 days before 2026-11-01
DAYS = 60


def day_strings():
    """ISO dates for the 60-day window (no datetime per line)."""
    import datetime
    d0 = datetime.date(2026, 9, 2)
    assert (d0 - datetime.date(1970, 1, 1)).days == START_EPOCH_DAY
    return [(d0 + datetime.timedelta(days=k)).isoformat() for k in range(DAYS + 1)]


def base62_id(x, width):
    """Fixed-width big-endian base62 encoding of 0 <= x < 62**width."""
    out = []
    for _ in range((width + 2) // 3):
        x, r = divmod(x, 238328)
        out.append(TRIPLES[r])
    out.reverse()
    return "".join(out)[-width:]


def make_fragments(rng, count, lo, hi):
    """Pre-escaped JSON string bodies (no surrounding quotes)."""
    frags = []
    for _ in range(count):
        parts = []
        size = rng.randint(lo, hi)
        length = 0
        while length < size:
            r = rng.random()
            if r < 0.04:
                w = rng.choice(ODD_PIECES)
            elif r < 0.07 and parts:
                parts[-1] += ".\n"
                continue
            elif r < 0.12 and parts:
                parts[-1] += "."
                continue
            else:
                w = rng.choice(WORDS)
            parts.append(w)
            length += len(w) + 1
        s = " ".join(parts).replace("\n ", "\n")
        # json.dumps guarantees correct escaping (\" \n \u00e9 ...).
        frags.append(json.dumps(s)[1:-1])
    return frags


def mix(i, mul, modulus):
    """Bijection of i onto [0, modulus): multiply by a unit (gcd(mul, 62) == 1)."""
    return ((i + 1) * mul) % modulus


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    n_lines = args.lines
    if n_lines < 0:
        ap.error("--lines must be >= 0")

    rng = random.Random(args.seed)
    rand = rng.random
    randint = rng.randint

    days = day_strings()
    heads = make_fragments(rng, 2048, 5, 25)
    tails = make_fragments(rng, 2048, 0, 15)
    sessions = ["sess-%04d" % k for k in range(1, 41)]
    model_pool = [m for m, w in MODELS for _ in range(w)]
    tool_json = [(name, json.dumps(inp, separators=(",", ":"))) for name, inp in TOOLS]

    # Multipliers coprime to 62: index -> unique, random-looking ids.
    msg_mul = 0x9E3779B97F4A7C15F39CC0605CEDC835
    req_mul = 0xD1B54A32D192ED03A0761D6478BD642F
    tool_mul = 0xC2B2AE3D27D4EB4F165667B19E3779F9

    span_ms = DAYS * 86_400_000
    step = span_ms / max(n_lines, 1)
    jitter = min(120_000.0, 3 * step)  # local disorder, like real log order
    step = (span_ms - jitter) / max(n_lines, 1)
    sess_step = 40.0 / max(n_lines, 1)

    head_fmt = (
        '{"timestamp":"%sT%02d:%02d:%02d.%03dZ","request_id":"req_011C%s",'
        '"session_id":"%s","workflow":"%s","task_type":"%s",'
        '"response":{"id":"msg_01%s","type":"message","role":"assistant",'
        '"model":"%s","content":[{"type":"text","text":"%s %s"}%s],'
        '"stop_reason":"%s","stop_sequence":null,'
        '"usage":{"input_tokens":%d,"cache_creation_input_tokens":%d,'
        '"cache_read_input_tokens":%d%s,'
        '"output_tokens":%d%s%s,'
        '"service_tier":"%s","inference_geo":"%s"}}}\n'
    )

    t0 = time.perf_counter()
    total_bytes = 0
    samples = []
    chunk = []
    with open(args.out, "w", encoding="ascii", buffering=16 << 20, newline="\n") as f:
        for i in range(n_lines):
            # Timestamp: linear over the window plus a little jitter.
            ms = int(i * step + rand() * jitter)
            day, rem = divmod(ms, 86_400_000)
            secs, milli = divmod(rem, 1000)
            hh, secs = divmod(secs, 3600)
            mm, ss = divmod(secs, 60)

            r = rand()
            if r < 0.03:
                stop = "max_tokens"
                output = 4000
            elif r < 0.15:
                stop = "tool_use"
                output = randint(20, 600)
            else:
                stop = "end_turn"
                output = min(4000, 1 + int(rng.expovariate(1 / 600.0)))
            if stop == "tool_use":
                name, inp = tool_json[int(rand() * len(tool_json))]
                tool = (',{"type":"tool_use","id":"toolu_01%s","name":"%s","input":%s}'
                        % (base62_id(mix(i, tool_mul, ID22), 22), name, inp))
            else:
                tool = ""

            inp_tok = min(5000, 1 + int(rng.expovariate(1 / 900.0)))
            r = rand()
            if r < 0.35:
                cache_read = 0
            else:
                cache_read = min(200_000, int(rng.expovariate(1 / 25_000.0)))
            r = rand()
            if r < 0.55:
                c5 = c1 = 0
            elif r < 0.9:
                c5, c1 = randint(256, 12_000), 0
            else:
                c5, c1 = 0, randint(1024, 30_000)

            thinking = ""
            if rand() < 0.06:
                thinking = ',"output_tokens_details":{"thinking_tokens":%d}' % randint(1, output)

            ws = wf = 0
            if rand() < 0.04:
                ws = randint(1, 5)
            if rand() < 0.02:
                wf = randint(1, 3)

            r = rand()
            tier = "batch" if r < 0.05 else ("priority" if r < 0.07 else "standard")
            geo = "us" if rand() < 0.05 else "global"

            sess_k = (int(i * sess_step) + int(rand() * 6)) % 40  # sessions drift over time

            line = head_fmt % (
                days[day], hh, mm, ss, milli,
                base62_id(mix(i, req_mul, ID20), 20),
                sessions[sess_k],
                WORKFLOWS[sess_k % 6 if rand() < 0.8 else int(rand() * 6)],
                TASK_TYPES[int(rand() * 7)],
                base62_id(mix(i, msg_mul, ID22), 22),
                model_pool[int(rand() * 100)],
                heads[int(rand() * 2048)], tails[int(rand() * 2048)], tool,
                stop,
                inp_tok, c5 + c1, cache_read,
                (',"cache_creation":{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":%d}' % (c5, c1))
                if c5 or c1 else "",
                output, thinking,
                (',"server_tool_use":{"web_search_requests":%d,"web_fetch_requests":%d}' % (ws, wf))
                if ws or wf else "",
                tier, geo,
            )
            chunk.append(line)
            if i < 1000 or i % 997 == 0:
                samples.append(line)
            if len(chunk) >= 8192:
                s = "".join(chunk)
                total_bytes += len(s)
                f.write(s)
                chunk = []
        if chunk:
            s = "".join(chunk)
            total_bytes += len(s)
            f.write(s)

    # Sanity check on a sample: valid JSON with the expected shape.
    for line in samples:
        obj = json.loads(line)
        u = obj["response"]["usage"]
        assert obj["response"]["id"].startswith("msg_01") and len(obj["response"]["id"]) == 28
        split = u.get("cache_creation", {})
        assert u["cache_creation_input_tokens"] == (
            split.get("ephemeral_5m_input_tokens", 0) + split.get("ephemeral_1h_input_tokens", 0))

    elapsed = time.perf_counter() - t0
    avg = total_bytes / n_lines if n_lines else 0
    print("wrote %d lines, %.1f MB (avg %.0f B/line) to %s in %.1f s; %d sampled lines parsed OK"
          % (n_lines, total_bytes / 1e6, avg, args.out, elapsed, len(samples)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
