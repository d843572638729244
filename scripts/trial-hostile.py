#!/usr/bin/env python3
"""Hostile strings through every output of `usage`: the body of scripts/trial-hostile.sh.

  trial-hostile.py BIN SCRATCH

Writes logged responses that carry 49 hostile strings (terminal escapes, controls, C1, bidi and zero-width
characters, NUL, spreadsheet formulas, markup, quotes, line breaks, a very long string, ...) in 7 places: the
model, session, workflow, project, request id and stop reason of a response, and the name of a log file (which
also holds a bad line, for the diagnostics). It ingests them into SCRATCH/hostile.sqlite and runs every output,
then checks:
  - table, Markdown and stderr: no raw C0 control but the newline, no DEL, C1, bidi or zero-width character;
    Markdown table rows keep the header's number of cells;
  - JSON: parses with Python's json, and every hostile value comes back exactly (events: record by record);
  - CSV: parses with Python's csv module; no cell starts with = + - @ TAB or CR unless it is a number (text cells
    get a leading '), and every hostile value comes back exactly (after that ');
  - HTML: no <script or <img from the data (the report loads none of its own).
Prints one line per output and a summary line; exits 1 when an output fails a check.
Standard library only.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys

HOSTILE = [
    "\x1b[31mred\x1b[0m",                                   # SGR colour
    "\x1b]0;owned title\x07",                               # OSC: window title
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[2J\x1b[Hcleared",                                 # clear screen, cursor home
    "\x1b[1A\x1b[2Kup-and-erase",                           # cursor up, erase line
    "\x1b",                                                 # a lone ESC
    "bell\x07bell",                                         # BEL
    "back\x08\x08\x08\x08space",                            # BS
    "carriage\rreturn",                                     # CR
    "del\x7fete",                                           # DEL
    "vt\x0bff\x0c",                                         # VT, FF
    "\x80c1-first",                                         # C1 U+0080
    "csi\x9b31mred",                                        # C1 CSI U+009B
    "osc\x9d0;title\x9c",                                   # C1 OSC U+009D, ST U+009C
    "nel\x85line",                                          # C1 NEL U+0085
    "last-c1\x9f",                                          # C1 U+009F
    "lre\u202aembedded",                                    # bidi U+202A
    "rle\u202bembedded",                                    # bidi U+202B
    "pdf\u202cpop",                                         # bidi U+202C
    "lro\u202doverride",                                    # bidi U+202D
    "invoice\u202efdp.exe",                                 # bidi U+202E (RLO)
    "lri\u2066isolate\u2069",                               # bidi U+2066 / U+2069
    "rli\u2067isolate",                                     # bidi U+2067
    "fsi\u2068isolate",                                     # bidi U+2068
    "zw\u200bspace",                                        # U+200B
    "zw\u200cnon-joiner",                                   # U+200C
    "zw\u200djoiner",                                       # U+200D
    "word\u2060joiner",                                     # U+2060
    "\ufeffbom-first",                                      # U+FEFF
    "nul\x00after-nul-tail",                                # NUL
    '=HYPERLINK("http://evil.example/","click me")',       # spreadsheet formula
    "+1+cmd|' /C calc'!A0",                                 # formula, leading +
    "-2+3",                                                 # formula, leading -
    "@SUM(A1:A9)",                                          # formula, leading @
    "\tleading-tab",                                        # leading TAB
    "\rleading-cr",                                         # leading CR
    'double"quote"s',                                       # quotes
    "single'quote",
    "comma,separated,value",                                # commas
    "line\nbreak",                                          # LF
    "crlf\r\nbreak",                                        # CRLF
    "</script><script>alert(1)</script>",                   # HTML script
    '<img src=x onerror="alert(1)">',                       # HTML img
    "md|pipe|cells",                                        # Markdown pipes
    "`code` *bold* _it_ [link](http://evil.example/) <b>b</b>",  # Markdown/HTML markup
    "&lt;entity&amp;&#x3c;",                                # HTML entities
    "backslash\\n\\x1b\\u0000",                             # backslashes that look like escapes
    "unicode caf\u00e9 \u65e5\u672c \U0001F680 e\u0301",   # ordinary Unicode (must pass unchanged)
    "L" * 5000,                                             # very long
]
assert len(HOSTILE) == 49, len(HOSTILE)

FIELDS = ["model", "session", "workflow", "project", "request_id", "stop_reason"]

# Characters no terminal-bound output may carry raw.
def forbidden(ch):
    c = ord(ch)
    return ((c < 0x20 and ch != "\n") or c == 0x7F or 0x80 <= c <= 0x9F or 0x202A <= c <= 0x202E
            or 0x2066 <= c <= 0x2069 or c in (0x061C, 0x200E, 0x200F) or 0x200B <= c <= 0x200D
            or c in (0x2060, 0xFEFF))


NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def csv_form(v):
    """How a CSV cell must hold text v: with a leading ' when it starts like a formula."""
    if v[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.match(v):
        return "'" + v
    return v


def file_name(k, v):
    """A file name carrying hostile string k (no / or NUL; at most ~200 bytes)."""
    s = v.replace("/", "\u2215").replace("\x00", "<NUL>")
    b = s.encode()[:180].decode("utf-8", "ignore")
    return "h%02d-%s.jsonl" % (k, b)


def response(ts, msg_id, model="claude-sonnet-4-5", session="sess-plain", workflow="wf-plain",
             project="proj-plain", request_id=None, stop_reason="end_turn"):
    return {
        "timestamp": ts, "request_id": request_id or "req_" + msg_id, "session_id": session,
        "workflow": workflow, "project": project, "task_type": "hostile",
        "response": {
            "id": msg_id, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "hello"}], "stop_reason": stop_reason,
            "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 200, "cache_read_input_tokens": 3000,
                      "output_tokens": 100, "service_tier": "standard"},
        },
    }


def stamp(i):
    d, rem = divmod(i, 24 * 60)
    return "2026-11-%02dT%02d:%02d:00.000Z" % (10 + d, rem // 60, rem % 60)


def make(scratch):
    lines, expected = [], {}
    i = 0
    for k, v in enumerate(HOSTILE):
        for field in FIELDS:
            ts = stamp(i)
            kw = {field: v}
            rec = response(ts, "msg_h%03d" % i, **kw)
            lines.append(json.dumps(rec))  # \u escapes for every control: valid JSON
            exp = {"model": "claude-sonnet-4-5", "session": "sess-plain", "workflow": "wf-plain",
                   "request_id": rec["request_id"], "stop_reason": "end_turn"}
            if field in exp:
                exp[field] = v
            exp["source"] = (os.path.join(scratch, "logs", "hostile.jsonl"), len(lines))
            expected[ts] = exp
            i += 1
    os.makedirs(os.path.join(scratch, "logs", "files"), exist_ok=True)
    with open(os.path.join(scratch, "logs", "hostile.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    paths = []
    for k, v in enumerate(HOSTILE):
        path = os.path.join(scratch, "logs", "files", file_name(k, v))
        ts = stamp(i)
        rec = response(ts, "msg_f%03d" % k)
        with open(path, "w") as f:
            # A good line, then a bad one: its diagnostic names the file.
            f.write(json.dumps(rec) + "\n" + '{"model": "oops ' + json.dumps(v)[1:-1] + '\n')
        expected[ts] = {"model": "claude-sonnet-4-5", "session": "sess-plain", "workflow": "wf-plain",
                        "request_id": rec["request_id"], "stop_reason": "end_turn", "source": (path, 1)}
        paths.append(path)
        i += 1
    budgets = {"time_zone": "UTC", "budgets": [
        {"name": v, "period": "month", "limit": 1, "scope": {"workflow": v}} for v in HOSTILE[:20]]
        + [{"name": "all", "period": "30 days", "limit": "0.5"}]}
    with open(os.path.join(scratch, "budgets.json"), "w") as f:
        json.dump(budgets, f)
    return expected, paths


def strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield k
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)


def show(s, n=60):
    r = repr(s)
    return r if len(r) <= n else r[:n] + "..."


def check_terminal(text, markdown=False):
    problems = []
    bad = [(n, ch) for n, ch in enumerate(text) if forbidden(ch)]
    if bad:
        kinds = sorted({"U+%04X" % ord(ch) for _, ch in bad})
        n, ch = bad[0]
        line = text.count("\n", 0, n) + 1
        problems.append("%d raw control/bidi/zero-width characters (%s), first U+%04X on line %d"
                        % (len(bad), " ".join(kinds[:8]) + (" ..." if len(kinds) > 8 else ""), ord(ch), line))
    if markdown:
        rows = [l for l in text.split("\n") if l.startswith("|")]
        if rows:
            cells = lambda l: len(re.findall(r"(?<!\\)\|", l))
            want = cells(rows[0])
            broken = [l for l in rows if cells(l) != want]
            # a new table (another header) may have another width: compare within blocks
            blocks, cur = [], []
            for l in text.split("\n"):
                if l.startswith("|"):
                    cur.append(l)
                elif cur:
                    blocks.append(cur); cur = []
            if cur:
                blocks.append(cur)
            broken = [l for b in blocks for l in b if cells(l) != cells(b[0])]
            if broken:
                problems.append("%d Markdown rows with a wrong number of cells, first: %s" % (len(broken), show(broken[0])))
    return problems


def check_json(text, want_values, events=None):
    problems = []
    try:
        doc = json.loads(text)
    except ValueError as e:
        return ["does not parse: %s" % e]
    if json.loads(json.dumps(doc)) != doc:
        problems.append("does not round-trip through json.dumps")
    got = set(strings(doc))
    missing = [v for v in want_values if v not in got]
    if missing:
        problems.append("%d of %d hostile values not found exactly, first %s" % (len(missing), len(want_values), show(missing[0])))
    if events is not None:
        wrong, first = 0, None
        seen = 0
        for e in doc:
            exp = events.get(e.get("timestamp"))
            if exp is None:
                continue
            seen += 1
            for f in ("model", "session", "workflow", "request_id", "stop_reason"):
                if e.get(f) != exp[f]:
                    wrong += 1
                    first = first or "%s: %s, not %s" % (f, show(e.get(f)), show(exp[f]))
                    break
            else:
                path, line = exp["source"]
                if e.get("source") != "%s:%d" % (path, line):
                    wrong += 1
                    first = first or "source %s, not %s:%d" % (show(e.get("source"), 90), show(path, 70), line)
        if seen != len(events):
            problems.append("%d of %d requests found" % (seen, len(events)))
        if wrong:
            problems.append("%d of %d records differ, first %s" % (wrong, seen, first))
    return problems


def check_csv(text, want_values):
    problems = []
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        return ["does not parse: %s" % e]
    if not rows:
        return ["empty"]
    width = len(rows[0])
    ragged = [r for r in rows if len(r) != width]
    if ragged:
        problems.append("%d rows of another width than the header's %d" % (len(ragged), width))
    cells = {c for r in rows for c in r}
    formulas = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.match(c)]
    if formulas:
        problems.append("%d cells open as formulas, first %s" % (len(formulas), show(sorted(formulas)[0])))
    missing = [v for v in want_values if csv_form(v) not in cells]
    if missing:
        problems.append("%d of %d hostile values not found exactly, first %s" % (len(missing), len(want_values), show(missing[0])))
    return problems


def check_html(text):
    low = text.lower()
    problems = []
    for tag in ("<script", "<img"):
        n = low.count(tag)
        if n:
            problems.append("%d raw %s" % (n, tag))
    if "&lt;script&gt;" not in low and "&lt;/script&gt;" not in low:
        problems.append("the script text is not shown escaped (missing?)")
    return problems


def main():
    binary, scratch = sys.argv[1], sys.argv[2]
    db = os.path.join(scratch, "hostile.sqlite")
    expected, paths = make(scratch)
    env = dict(os.environ)

    def run(args):
        p = subprocess.run([binary] + args + ["--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    results = []  # (name, problems)

    def record(name, problems):
        results.append((name, problems))
        print("  %-34s %s" % (name + ":", "ok" if not problems else "NOT ok: " + "; ".join(problems)))

    def decode(b):
        try:
            return b.decode("utf-8"), []
        except UnicodeDecodeError as e:
            return b.decode("utf-8", "replace"), ["invalid UTF-8 (%s)" % e.reason]

    # Ingest: the diagnostics (bad lines in hostile-named files) go through the terminal check.
    rc, out, err = run(["ingest", "--no-progress", os.path.join(scratch, "logs")])
    text, p = decode(err)
    p += check_terminal(text)
    if rc not in (0, 1):
        p.append("exit %d" % rc)
    named = text.count(".jsonl:2:")
    if named < len(HOSTILE):
        p.append("diagnostics for %d of the %d hostile-named files" % (named, len(HOSTILE)))
    record("ingest diagnostics (stderr)", p)

    def output(name, args, kind, want=(), events=None, ok_codes=(0,)):
        rc, out, err = run(args)
        text, p = decode(out)
        etext, ep = decode(err)
        p += ep
        if rc not in ok_codes:
            p.append("exit %d: %s" % (rc, show(etext, 120)))
        if kind in ("table", "markdown"):
            p += check_terminal(text, markdown=(kind == "markdown"))
        elif kind == "json":
            p += check_json(text, want, events)
        elif kind == "csv":
            p += check_csv(text, want)
        elif kind == "html":
            p += check_html(text)
        p += ["stderr: " + x for x in check_terminal(etext)]
        record(name, p)

    groups = [("model", []), ("session", ["--group-by", "session"]), ("workflow", ["--group-by", "workflow"]),
              ("project", ["--group-by", "project"]), ("source", ["--group-by", "source"]),
              ("day,model", ["--group-by", "day,model"])]
    for g, extra in groups:
        want = HOSTILE if g != "source" else []  # source is the source format: no log text
        for fmt in ("table", "json", "csv", "markdown", "html"):
            output("report %s %s" % (g, fmt), ["report", "--format", fmt] + extra, fmt, want)

    ev_want = HOSTILE  # every hostile string is in one of the fields events show (model, session, workflow, request id, stop reason)
    output("events table", ["events"], "table")
    output("events json", ["events", "--format", "json"], "json", ev_want, events=expected)
    output("events csv", ["events", "--format", "csv"], "csv",
           HOSTILE + ["%s:1" % p for p in paths])
    output("sessions table", ["sessions", "--limit", "1000"], "table")
    output("sessions json", ["sessions", "--limit", "1000", "--format", "json"], "json", HOSTILE)
    output("cache-stats table", ["cache-stats", "--top", "1000"], "table")
    output("cache-stats json", ["cache-stats", "--top", "1000", "--format", "json"], "json", HOSTILE)
    output("sources table", ["sources"], "table")
    output("sources json", ["sources", "--format", "json"], "json", paths)
    output("sources csv", ["sources", "--format", "csv"], "csv", paths)
    budget = ["budget", "--config", os.path.join(scratch, "budgets.json"), "--at", "2026-11-20T12:00:00Z"]
    output("budget table (hostile budgets)", budget, "table", ok_codes=(0, 1, 2))
    output("budget json (hostile budgets)", budget + ["--format", "json"], "json", HOSTILE[:20], ok_codes=(0, 1, 2))
    output("budget --daily 1 table", ["budget", "--daily", "1", "--monthly", "1", "--at", "2026-11-20T12:00:00Z"],
           "table", ok_codes=(0, 1, 2))

    bad = [n for n, p in results if p]
    print("hostile: %d/%d outputs clean (49 strings in 7 fields)%s"
          % (len(results) - len(bad), len(results), "" if not bad else "; NOT clean: " + ", ".join(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException as e:  # the trial could not run: not a finding
        print("hostile: could not run: %r" % e, file=sys.stderr)
        sys.exit(2)
