#!/usr/bin/env python3
"""Generate a synthetic Claude Code transcript corpus for the ingest benchmark.

Layout: OUT/projects/<project-dir>/<session-uuid>.jsonl for ~40 project
directories (named like Claude Code does: the cwd with "/" replaced by "-"),
plus one agent-<id>.jsonl sidechain file per project. Lines have the shapes
of real transcripts: "user" lines (prompts and tool results, often with a
large file or command output, duplicated in "toolUseResult" as Claude Code
does), "system" hook lines, "file-history-snapshot" and "summary" lines, and
"assistant" lines that carry the usage.

- File sizes are lognormal (median about 100 KB) plus 5 to 8 files of 50 to
  90 MB; the total is about --total-gb (10^9 bytes). With --no-big-files
  there are no such files: every size is drawn from a lognormal of spread
  --sigma around the mean size, at most --max-file-mb, and --min-responses
  makes every session file hold at least that many API responses (the shape
  of a tree of many mid-sized sessions).
- About 80% of the bytes are lines without usage, about 20% assistant lines.
- Each API response is written as 1 to 3 lines (thinking / text / tool_use)
  sharing message.id and requestId, the earlier lines with a partial
  output_tokens and the last one with the final count.
- About 2% of the responses are copied into the project's sidechain file
  (isSidechain: true, same message.id, requestId and usage): duplicates that
  must be counted once.
- A few responses are "<synthetic>" (usage all zero, not billed) and about 1%
  of the responses are written without requestId (as some gateways do).
- Message ids, request ids and tool ids are unique per response and
  deterministic (derived from a counter); the whole corpus is deterministic
  for a given --seed, --files and --total-gb.

At the end the script prints to stderr: files, total bytes, the byte share of
usage lines, the number of distinct API responses (message ids) written and
how many of them carry billing (not "<synthetic>"). An ingest of the corpus
should count exactly that last number of requests.

Usage: gen-claude-code.py --out DIR [--total-gb 1.2] [--files 3000] [--seed 7]
                         [--no-big-files [--sigma 0.25]] [--max-file-mb 30] [--min-responses 1]
"""

import argparse
import bisect
import datetime
import json
import math
import os
import random
import sys
import time

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TRIPLES = [a + b + c for a in BASE62 for b in BASE62 for c in BASE62]
ID22 = 62 ** 22
ID20 = 62 ** 20
MSG_MUL = 0x9E3779B97F4A7C15F39CC0605CEDC835
REQ_MUL = 0xD1B54A32D192ED03A0761D6478BD642F
TOOL_MUL = 0xC2B2AE3D27D4EB4F165667B19E3779F9

USAGE_SHARE = 0.20          # target byte share of assistant (usage) lines
SIDECHAIN_COPY = 0.02       # share of responses copied into a sidechain file
SYNTHETIC = 0.002           # share of responses that are "<synthetic>"
NO_REQUEST_ID = 0.01        # share of responses written without requestId
N_PROJECTS = 40
BIG_MIN, BIG_MAX = 50_000_000, 90_000_000
SMALL_CAP = 30_000_000
MEDIAN = 100_000
OVERSHOOT = 10_000          # mean bytes a file ends past its target (its last turn)
SIDECHAIN_BYTES = 0.005     # share of the total that ends up in sidechain files

VERSIONS = ["2.1.40", "2.1.40", "2.1.41", "2.1.38", "2.1.29", "2.0.76"]
BRANCHES = ["main", "main", "main", "develop", "feature/checkout-v2", "fix/rounding",
            "chore/deps", "feat/usage-report"]
MODELS = [("claude-opus-4-6", 50), ("claude-sonnet-4-5-20250929", 25),
          ("claude-opus-4-5-20251101", 10), ("claude-sonnet-4-6", 15)]
SUB_MODEL = "claude-haiku-4-5-20251001"
USERS = ["dev", "alice", "sam", "priya", "jonas", "mei", "omar", "lena"]
ROOTS = ["/home/%s", "/home/%s/src", "/home/%s/work", "/Users/%s/code", "/home/%s/projects"]
REPOS = ["shop", "billing-api", "ml-pipeline", "infra", "docs-site", "mobile-app", "search",
         "payments-gw", "auth-service", "data-lake", "etl-jobs", "web-frontend", "cli-tools",
         "usage-dashboard", "inventory", "notifications", "analytics", "k8s-config",
         "design-system", "support-bot", "warehouse", "recsys", "ledger", "edge-proxy"]

WORDS = (
    "const let return if else for while function class import export from async await "
    "value result error request response token cache model usage cost report budget "
    "module review change test build session workflow latency batch query index table "
    "summary parse stream buffer record field schema config handler service client "
    "user order cart price total tax invoice payment refund retry timeout queue worker"
).split()
IDENTS = ["cartTotal", "parseLine", "fetchOrders", "usageReport", "applyCoupon", "retryPolicy",
          "taxRateFor", "roundHalfEven", "sessionStore", "priceTable", "batchWriter",
          "rollupHourly", "ingestFile", "dedupeKey", "validateSchema", "renderInvoice"]
PATHS = ["src/cart.ts", "src/money.ts", "src/api/orders.ts", "src/db/schema.sql", "lib/usage/report.py",
         "Sources/UsageKit/Pricer.swift", "internal/ingest/reader.go", "app/models/invoice.rb",
         "tests/test_pricing.py", "README.md", "package.json", "src/components/Checkout.tsx",
         "cmd/server/main.go", "migrations/0042_add_rollup.sql", "scripts/deploy.sh"]
TOOLS_IN = [
    ("Read", '{"file_path":"%s/%s"}'),
    ("Bash", '{"command":"npm test -- %s","description":"Run the tests"}'),
    ("Grep", '{"pattern":"TODO|FIXME","path":"%s","output_mode":"content","-n":true}'),
    ("Edit", '{"file_path":"%s/%s","old_string":"return total;","new_string":"return roundHalfEven(total);"}'),
    ("Glob", '{"pattern":"**/*.ts","path":"%s"}'),
    ("Bash", '{"command":"git -C %s status --short","description":"Show working tree status"}'),
]
HOOK_MESSAGES = [
    "PostToolUse:Edit [npx prettier --write] completed successfully",
    "PostToolUse:Bash [scripts/notify-ci.sh] completed successfully",
    "PreToolUse:Bash [scripts/guard-rm.sh] completed successfully",
    "Stop [make lint] completed successfully",
]
SUMMARIES = ["Fix cart tax rounding", "Add hourly rollup to usage report", "Refactor ingest reader",
             "Investigate flaky payment test", "Upgrade dependencies and fix build",
             "Write migration for invoice totals", "Speed up JSON parsing"]


def base62_id(x, width):
    out = []
    for _ in range((width + 2) // 3):
        x, r = divmod(x, 238328)
        out.append(TRIPLES[r])
    out.reverse()
    return "".join(out)[-width:]


def esc(s):
    """JSON string body (ASCII, no surrounding quotes)."""
    return json.dumps(s)[1:-1]


class Corpus:
    """One large pre-escaped text body cut at line boundaries, so any slice
    between two offsets is a valid JSON string body."""

    def __init__(self, rng, target_chars):
        lines = []
        total = 0
        n = 0
        while total < target_chars:
            kind = rng.random()
            if kind < 0.45:      # source code with Read-style line numbers
                n += 1
                ind = "  " * rng.randint(0, 4)
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))
                line = "%6d\u2192%s%s %s(%s);" % (n % 900 + 1, ind, rng.choice(WORDS),
                                                 rng.choice(IDENTS), words)
            elif kind < 0.7:     # command output / logs
                line = "%s %s:%d: %s %s" % (
                    rng.choice(["PASS", "FAIL", "ok", "INFO", "WARN", " \u2713", " \u00d7"]),
                    rng.choice(PATHS), rng.randint(1, 400), rng.choice(IDENTS),
                    " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12))))
            elif kind < 0.85:    # grep-like
                line = "%s:%d:    %s = %s(%s)" % (rng.choice(PATHS), rng.randint(1, 900),
                                                rng.choice(IDENTS), rng.choice(IDENTS),
                                                ", ".join(rng.choice(WORDS) for _ in range(3)))
            elif kind < 0.95:
                line = ""
            else:                # odd characters: quotes, backslashes, tabs, non-ASCII
                line = '\t"%s" \\ caf\u00e9 \u2014 \u65e5\u672c %s \U0001F680' % (
                    rng.choice(IDENTS), rng.choice(WORDS))
            e = esc(line)
            lines.append(e)
            total += len(e) + 2
        # offsets[k] = start of line k in the joined text; lines joined by "\n" escaped.
        self.text = "\\n".join(lines)
        offs = [0] * (len(lines) + 1)
        pos = 0
        for k, e in enumerate(lines):
            offs[k] = pos
            pos += len(e) + 2
        offs[len(lines)] = len(self.text) + 2
        self.offsets = offs
        self.nlines = len(lines)

    def piece(self, rng, size):
        """About `size` characters of escaped text (whole lines); returns (text, nlines)."""
        offs = self.offsets
        parts = []
        got = 0
        nl = 0
        while got < size:
            i = int(rng.random() * (self.nlines - 1))
            start = offs[i]
            j = bisect.bisect_left(offs, start + (size - got), i + 1, self.nlines)
            if j <= i:
                j = i + 1
            s = self.text[start:offs[j] - 2]
            parts.append(s)
            got += len(s) + 2
            nl += j - i
        return "\\n".join(parts), nl


def make_pool(rng, count, lo, hi, gen):
    return [esc(gen(rng, rng.randint(lo, hi))) for _ in range(count)]


def prose(rng, n):
    out = []
    length = 0
    while length < n:
        w = rng.choice(WORDS if rng.random() < 0.85 else IDENTS)
        if rng.random() < 0.05:
            w = "`%s`" % w
        out.append(w)
        length += len(w) + 1
        if rng.random() < 0.06:
            out[-1] += "."
    return " ".join(out)


def file_sizes(rng, n_main, total, big_files=True, sigma=None, cap=SMALL_CAP):
    """Target sizes: lognormal small files around MEDIAN plus 5-8 big ones; without big files, lognormal
    sizes of spread `sigma` whose mean is the total over the files."""
    if not big_files:
        n_big = 0
        big = []
    elif n_main >= 100 and total >= 0.9e9:
        n_big = rng.randint(5, 8)
        big = [rng.randint(BIG_MIN, BIG_MAX) for _ in range(n_big)]
    else:  # small test runs: a couple of files that are large for the run
        n_big = max(1, n_main // 40)
        big = [int(total * rng.uniform(0.04, 0.08)) for _ in range(n_big)]
    n_small = n_main - n_big
    rest = max(total - sum(big), n_small * 2000)
    mean = rest / max(n_small, 1)
    if big_files:
        median = MEDIAN
        sigma = math.sqrt(2 * math.log(mean / MEDIAN)) if mean > MEDIAN * 1.1 else 0.6
        cap = min(cap, max(BIG_MIN // 2, 1), int(total * 0.03) or 1)
    else:
        median = mean / math.exp(sigma * sigma / 2)
    small = [min(cap, max(2000, median * rng.lognormvariate(0, sigma))) for _ in range(n_small)]
    for _ in range(8):  # rescale toward the total; capped files stay at the cap
        scale = rest / sum(small) if small else 1
        small = [min(cap, max(2000, s * scale)) for s in small]
    small = [int(s) for s in small]
    sizes = small + big
    rng.shuffle(sizes)
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory (projects/ is created in it)")
    ap.add_argument("--total-gb", type=float, default=1.2, help="approximate total size, 10^9 bytes (1.2)")
    ap.add_argument("--files", type=int, default=3000, help="number of .jsonl files (3000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-big-files", action="store_true",
                    help="no 50-90 MB files: every size is drawn around the mean size")
    ap.add_argument("--sigma", type=float, default=0.25,
                    help="with --no-big-files, the spread of the lognormal file sizes (0.25)")
    ap.add_argument("--max-file-mb", type=float, default=SMALL_CAP / 1e6,
                    help="largest target size of a file that is not one of the big ones, 10^6 bytes (30)")
    ap.add_argument("--usage-share", type=float, default=USAGE_SHARE,
                    help="target byte share of the assistant lines that carry usage (0.20)")
    ap.add_argument("--min-responses", type=int, default=None,
                    help="billed API responses every session file holds at least (default: no minimum)")
    args = ap.parse_args()
    if args.files < 2 or args.total_gb <= 0:
        ap.error("--files must be >= 2 and --total-gb > 0")
    if args.sigma <= 0 or args.max_file_mb <= 0 or (args.min_responses or 1) < 1:
        ap.error("--sigma and --max-file-mb must be > 0 and --min-responses >= 1")
    if not 0 < args.usage_share < 1:
        ap.error("--usage-share must be between 0 and 1")

    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    rand = rng.random
    randint = rng.randint
    total_target = int(args.total_gb * 1e9 * (1 - SIDECHAIN_BYTES))

    # ---- projects and files ------------------------------------------------------
    n_proj = max(1, min(N_PROJECTS, args.files // 10))
    projects = []
    seen = set()
    while len(projects) < n_proj:
        cwd = (rng.choice(ROOTS) % rng.choice(USERS)) + "/" + rng.choice(REPOS)
        if cwd in seen:
            continue
        seen.add(cwd)
        projects.append(cwd)
    n_main = args.files - n_proj
    sizes = file_sizes(rng, n_main, total_target, big_files=not args.no_big_files, sigma=args.sigma,
                       cap=int(args.max_file_mb * 1e6))
    weights = [1.0 / (k + 1) ** 0.8 for k in range(n_proj)]
    owner = list(range(n_proj)) + rng.choices(range(n_proj), weights, k=max(0, n_main - n_proj))
    owner = owner[:n_main]
    rng.shuffle(owner)
    by_proj = [[] for _ in range(n_proj)]
    for k, p in enumerate(owner):
        by_proj[p].append(sizes[k])

    # ---- pools -------------------------------------------------------------------
    corpus = Corpus(rng, 12_000_000)
    thinking = make_pool(rng, 512, 80, 1500, prose)
    texts = make_pool(rng, 512, 20, 900, prose)
    prompts = make_pool(rng, 256, 30, 1200, prose)
    signatures = ["Eq" + "".join(rng.choice(BASE62) for _ in range(randint(200, 900))) + "==" for _ in range(64)]
    d0 = datetime.date(2026, 10, 1)
    days = [(d0 + datetime.timedelta(days=k)).isoformat() for k in range(120)]

    def backups(n):
        items = []
        for _ in range(n):
            items.append('"%s":{"backupFileName":"%016x@v%d","version":%d,"backupTime":"%sT%02d:%02d:%02d.%03dZ"}' % (
                rng.choice(PATHS).replace("src/", "src/%s/" % rng.choice(IDENTS)), rng.getrandbits(64),
                randint(1, 9), randint(1, 9), days[randint(30, 50)], randint(0, 23), randint(0, 59),
                randint(0, 59), randint(0, 999)))
        return ",".join(items)
    backup_pool = [backups(randint(0, 60)) for _ in range(128)]

    getbits = rng.getrandbits

    def new_uuid():
        h = "%032x" % getbits(128)
        return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:])

    def iso(ms):
        day, rem = divmod(ms, 86_400_000)
        s, milli = divmod(rem, 1000)
        hh, s = divmod(s, 3600)
        mm, ss = divmod(s, 60)
        return "%sT%02d:%02d:%02d.%03dZ" % (days[day], hh, mm, ss, milli)

    # ---- line templates ------------------------------------------------------------
    ASSIST = ('"message":{"id":"%s","type":"message","role":"assistant","model":"%s","content":[%s],'
              '"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":%d,'
              '"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"cache_creation":'
              '{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":%d},"output_tokens":%d%s,'
              '"service_tier":"standard"}},%s"type":"assistant","uuid":"%s","timestamp":"%s"}\n')
    SYNTH = ('"message":{"id":"%s","container":null,"model":"<synthetic>","role":"assistant",'
             '"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"input_tokens":0,'
             '"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,'
             '"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":null,'
             '"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0}},'
             '"content":[{"type":"text","text":"%s"}]},"type":"assistant","uuid":"%s","timestamp":"%s",'
             '"isApiErrorMessage":%s}\n')
    TOOL_RESULT = ('"type":"user","message":{"role":"user","content":[{"tool_use_id":"%s","type":"tool_result",'
                   '"content":"%s"}]},"uuid":"%s","timestamp":"%s"%s}\n')
    PROMPT = '"type":"user","message":{"role":"user","content":"%s"},"uuid":"%s","timestamp":"%s"}\n'
    SYSTEM = ('"type":"system","subtype":"informational","content":"%s","isMeta":false,"timestamp":"%s",'
              '"uuid":"%s","level":"info","toolUseID":"%s"}\n')
    COMPACT = ('"type":"system","subtype":"compact_boundary","content":"Conversation compacted","isMeta":false,'
               '"timestamp":"%s","uuid":"%s","level":"info","compactMetadata":{"trigger":"auto","preTokens":%d}}\n')
    SNAPSHOT = ('{"type":"file-history-snapshot","messageId":"%s","snapshot":{"messageId":"%s",'
                '"trackedFileBackups":{%s},"timestamp":"%s"},"isSnapshotUpdate":%s}\n')
    SUMMARY = '{"type":"summary","summary":"%s","leafUuid":"%s"}\n'

    model_pool = [m for m, w in MODELS for _ in range(w)]
    ratio = (1 - args.usage_share) / args.usage_share

    stats = {"files": 0, "bytes": 0, "usage_bytes": 0, "lines": 0, "responses": 0, "billed": 0,
             "synthetic": 0, "no_request_id": 0, "copied": 0, "assistant_lines": 0}
    counter = 0
    min_responses = args.min_responses or 0
    file_bytes = []       # size of every file written
    session_billed = []   # billed responses of every session (not sidechain) file
    out_root = os.path.join(args.out, "projects")
    os.makedirs(out_root, exist_ok=True)

    for p, cwd in enumerate(projects):
        pdir = os.path.join(out_root, cwd.replace("/", "-"))
        os.makedirs(pdir, exist_ok=True)
        side_lines = []      # copies for this project's sidechain file
        agent_id = "%08x" % getbits(32)

        for target in by_proj[p]:
            sid = new_uuid()
            version = rng.choice(VERSIONS)
            branch = rng.choice(BRANCHES)
            main_model = rng.choice(model_pool)
            head_tail = '"%s","sessionId":"%s","version":"%s","gitBranch":"%s",' % (cwd, sid, version, branch)
            ms = randint(0, 50 * 86_400_000)   # 2026-10-01 .. 2026-11-20
            buf = []
            buf_bytes = 0
            fbytes = 0
            ubytes = 0
            debt = 0.0
            ctx = 0
            parent = "null"
            path = os.path.join(pdir, sid + ".jsonl")
            f = open(path, "w", encoding="ascii", newline="\n", buffering=1 << 22)

            def head(parent_json):
                return '{"parentUuid":%s,"isSidechain":false,"userType":"external","cwd":%s' % (
                    parent_json, head_tail)

            # opening lines
            if rand() < 0.3:
                for _ in range(randint(1, 3)):
                    s = SUMMARY % (rng.choice(SUMMARIES), new_uuid())
                    buf.append(s)
                    fbytes += len(s)
            u = new_uuid()
            s = SNAPSHOT % (u, u, rng.choice(backup_pool), iso(ms), "false")
            buf.append(s)
            fbytes += len(s)
            s = head(parent) + PROMPT % (rng.choice(prompts), u, iso(ms))
            buf.append(s)
            fbytes += len(s)
            parent = '"%s"' % u

            # The last turn overshoots the target by about OVERSHOOT bytes on average; every file gets one turn.
            stop = target - OVERSHOOT
            first = True
            file_billed = 0
            while first or fbytes < stop or file_billed < min_responses:
                first = False
                counter += 1
                ms += randint(1500, 40_000)
                r = rand()
                if r < SYNTHETIC:
                    # locally generated message: zero usage, not billed, no requestId
                    u = new_uuid()
                    s = head(parent) + SYNTH % (new_uuid(), "No response requested." if rand() < 0.5
                                                else "API Error: Request was aborted.", u, iso(ms),
                                                "false" if rand() < 0.5 else "true")
                    parent = '"%s"' % u
                    buf.append(s)
                    fbytes += len(s)
                    ubytes += len(s)
                    stats["assistant_lines"] += 1
                    stats["synthetic"] += 1
                    stats["responses"] += 1
                    debt += len(s) * ratio
                    s = head(parent) + PROMPT % (rng.choice(prompts), new_uuid(), iso(ms + 900))
                    buf.append(s)
                    fbytes += len(s)
                    debt -= len(s)
                    continue

                model = SUB_MODEL if rand() < 0.12 else main_model
                mid = "msg_01" + base62_id((counter * MSG_MUL) % ID22, 22)
                if rand() < NO_REQUEST_ID:
                    rq = ""
                    stats["no_request_id"] += 1
                else:
                    rq = '"requestId":"req_011C%s",' % base62_id((counter * REQ_MUL) % ID20, 20)
                tool_id = "toolu_01" + base62_id((counter * TOOL_MUL) % ID22, 22)

                # usage: the context grows and is read from cache, new turns are written to cache
                if ctx == 0:
                    c1 = randint(8000, 24000)
                    cr = randint(0, 1) * randint(10_000, 16_000)
                else:
                    c1 = randint(200, 9000)
                    cr = ctx
                c5 = 0
                if rand() < 0.15:
                    c5, c1 = c1, 0
                inp = randint(1, 12) if rand() < 0.9 else randint(100, 6000)
                final_out = min(32000, 1 + int(rng.expovariate(1 / 450.0)))
                ctx = cr + c1 + c5 + inp + final_out
                ws = ""
                if rand() < 0.005:
                    ws = ',"server_tool_use":{"web_search_requests":%d,"web_fetch_requests":0}' % randint(1, 3)

                # content blocks: [thinking] [text] tool_use|text
                uses_tool = rand() < 0.85
                blocks = []
                if rand() < 0.35:
                    blocks.append('{"type":"thinking","thinking":"%s","signature":"%s"}' % (
                        thinking[int(rand() * 512)], signatures[int(rand() * 64)]))
                if not uses_tool or rand() < 0.5:
                    blocks.append('{"type":"text","text":"%s"}' % texts[int(rand() * 512)])
                if uses_tool:
                    name, tmpl = TOOLS_IN[int(rand() * len(TOOLS_IN))]
                    inp_json = tmpl % ((cwd, rng.choice(PATHS)) if tmpl.count("%s") == 2 else (cwd,))
                    blocks.append('{"type":"tool_use","id":"%s","name":"%s","input":%s}' % (tool_id, name, inp_json))
                nb = len(blocks)
                partial = randint(1, 30)
                resp_lines = []
                for k, blk in enumerate(blocks):
                    u = new_uuid()
                    out = final_out if k == nb - 1 else min(final_out, partial + k)
                    s = head(parent) + ASSIST % (mid, model, blk, inp, c1 + c5, cr, c5, c1, out, ws, rq, u, iso(ms))
                    parent = '"%s"' % u
                    ms += randint(50, 2500)
                    resp_lines.append(s)
                stats["responses"] += 1
                stats["billed"] += 1
                file_billed += 1
                stats["assistant_lines"] += nb
                for s in resp_lines:
                    buf.append(s)
                    fbytes += len(s)
                    ubytes += len(s)
                    debt += len(s) * ratio
                if rand() < SIDECHAIN_COPY:
                    stats["copied"] += 1
                    for s in resp_lines:
                        side_lines.append(s.replace('"isSidechain":false,', '"isSidechain":true,"agentId":"%s",' % agent_id, 1))

                # the lines without usage that follow the response
                ms += randint(200, 20_000)
                if uses_tool:
                    want = max(150.0, debt * rng.lognormvariate(-0.15, 0.55))
                    u = new_uuid()
                    if name == "Read" and rand() < 0.8:
                        body, nl = corpus.piece(rng, int(want / 2))
                        extra = (',"toolUseResult":{"type":"text","file":{"filePath":"%s/%s","content":"%s",'
                                 '"numLines":%d,"startLine":1,"totalLines":%d}}' % (cwd, rng.choice(PATHS), body, nl, nl))
                    elif name == "Bash" and rand() < 0.8:
                        body, nl = corpus.piece(rng, int(want / 2))
                        extra = ',"toolUseResult":{"stdout":"%s","stderr":"","interrupted":false,"isImage":false}' % body
                    else:
                        body, nl = corpus.piece(rng, int(want))
                        extra = ""
                    s = head(parent) + TOOL_RESULT % (tool_id, body, u, iso(ms), extra)
                    parent = '"%s"' % u
                    buf.append(s)
                    fbytes += len(s)
                    debt -= len(s)
                    if rand() < 0.08:
                        s = head(parent) + SYSTEM % (rng.choice(HOOK_MESSAGES), iso(ms + 150), new_uuid(), tool_id)
                        buf.append(s)
                        fbytes += len(s)
                        debt -= len(s)
                else:
                    if rand() < 0.3:
                        u = new_uuid()
                        s = SNAPSHOT % (u, u, rng.choice(backup_pool), iso(ms), "false" if rand() < 0.7 else "true")
                        buf.append(s)
                        fbytes += len(s)
                        debt -= len(s)
                    u = new_uuid()
                    s = head(parent) + PROMPT % (rng.choice(prompts), u, iso(ms))
                    parent = '"%s"' % u
                    buf.append(s)
                    fbytes += len(s)
                    debt -= len(s)
                if ctx > 170_000:
                    u = new_uuid()
                    s = head(parent) + COMPACT % (iso(ms + 500), u, ctx)
                    parent = '"%s"' % u
                    buf.append(s)
                    fbytes += len(s)
                    debt -= len(s)
                    ctx = 0

                if len(buf) >= 2048 or fbytes - buf_bytes >= (4 << 20):
                    f.write("".join(buf))
                    buf = []
                    buf_bytes = fbytes
            f.write("".join(buf))
            f.close()
            stats["files"] += 1
            stats["bytes"] += fbytes
            stats["usage_bytes"] += ubytes
            file_bytes.append(fbytes)
            session_billed.append(file_billed)

        # sidechain file: a subagent prompt, then the copied responses each followed by a short tool result
        path = os.path.join(pdir, "agent-%s.jsonl" % agent_id)
        sid = new_uuid()
        ms = randint(0, 50 * 86_400_000)
        side_head = ('{"parentUuid":%s,"isSidechain":true,"agentId":"%s","userType":"external","cwd":"%s",'
                     '"sessionId":"%s","version":"2.1.40","gitBranch":"main",')
        out = [side_head % ("null", agent_id, cwd, sid) + PROMPT % (rng.choice(prompts), new_uuid(), iso(ms))]
        fbytes = len(out[0])
        ubytes = 0
        for s in side_lines:
            out.append(s)
            fbytes += len(s)
            ubytes += len(s)
            stats["assistant_lines"] += 1
            if rand() < 0.5:
                body, _ = corpus.piece(rng, randint(200, 3000))
                ms += randint(1000, 30_000)
                t = side_head % ('"%s"' % new_uuid(), agent_id, cwd, sid) + TOOL_RESULT % (
                    "toolu_01" + base62_id(getbits(128) % ID22, 22), body, new_uuid(), iso(ms), "")
                out.append(t)
                fbytes += len(t)
        with open(path, "w", encoding="ascii", newline="\n", buffering=1 << 22) as f:
            f.write("".join(out))
        stats["files"] += 1
        stats["bytes"] += fbytes
        stats["usage_bytes"] += ubytes
        file_bytes.append(fbytes)

    elapsed = time.perf_counter() - t0
    b = stats["bytes"]
    print("files: %d (%d projects, %d sidechain files)" % (stats["files"], n_proj, n_proj), file=sys.stderr)
    print("total bytes: %d (%.3f GB)" % (b, b / 1e9), file=sys.stderr)
    print("file size: mean %d, max %d, min %d bytes" % (
        b // max(len(file_bytes), 1), max(file_bytes), min(file_bytes)), file=sys.stderr)
    print("billed responses per session file: mean %.1f, min %d, max %d (%d session files)" % (
        sum(session_billed) / max(len(session_billed), 1), min(session_billed), max(session_billed),
        len(session_billed)), file=sys.stderr)
    print("usage-line bytes share: %.1f%% (%d assistant lines)" % (
        100.0 * stats["usage_bytes"] / max(b, 1), stats["assistant_lines"]), file=sys.stderr)
    print("distinct API responses (message ids): %d" % stats["responses"], file=sys.stderr)
    print("billed responses (non-synthetic): %d" % stats["billed"], file=sys.stderr)
    print("  synthetic: %d, without requestId: %d, copied into sidechain files: %d" % (
        stats["synthetic"], stats["no_request_id"], stats["copied"]), file=sys.stderr)
    print("elapsed: %.1f s" % elapsed, file=sys.stderr)


if __name__ == "__main__":
    main()
