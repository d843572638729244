#!/usr/bin/env python3
"""Fuzzed and damaged logs for scripts/trial-fuzz.sh, and the line count an ingest must account for.

  trial-fuzz.py make BASE OUTDIR --lines N --files F --seed S [--big-line-mb M]
      Writes OUTDIR/fuzz/fuzz-NN.jsonl (N lines in all, F files) made by mutating the valid lines of BASE
      (scripts/gen-responses.py output) and a few other shapes, and OUTDIR/damaged/* (damaged files). Prints
      one line per damaged file: NAME ACCOUNTED (1 when its lines must add up, 0 when only "no crash" applies).
  trial-fuzz.py count FILE...
      Prints, per file, "N N": the outcomes an ingest must account for, one per JSON value (see count()).

Standard library only.
"""

import os
import random
import sys

HOSTILE_NUMBERS = [
    b"1" * 40, b"99999999999999999999999", b"1000000000001", b"-5", b"-0", b"-1", b"1.5", b"1.0", b"1e3",
    b"1e400", b"1e-400", b"0.99999999999999999999", b"12.000000000000000001", b"120000e-4", b"NaN",
    b"Infinity", b"-Infinity", b"0x10", b"007", b"1_000", b"+1", b".5", b"5.", b"1e", b"--1", b"9" * 400,
    b"18446744073709551616", b"9223372036854775808", b"-9223372036854775809", b"0e0", b"1E+2",
]
ODD_ESCAPES = [
    b"\\q", b"\\u00", b"\\uD800", b"\\uDC00\\uD800", b"\\u0000", b"\\x41", b"\\", b"\\/", b"\\'", b"\\U0001F600",
    b"\\u12G4", b"\\uDBFF\\uDFFF", b"\\\\\\", b"\\a", b"\\0", b"\\\n",
]
BAD_UTF8 = [
    b"\xff", b"\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf", b"\xe2\x82",
    b"\xf0\x9f\x98", b"\x80", b"\xbf\xbf", b"\xf4\x90\x80\x80",
]
TYPE_SWAPS = [b'"12"', b"null", b"true", b"false", b"[]", b"{}", b"[1]", b'""', b'{"a":1}']
OTHER_SHAPES = [
    b"123", b'"just a string"', b"null", b"true", b"[]", b"[1,2,3]", b"{}", b'{"type":"error","error":'
    b'{"type":"overloaded_error","message":"Overloaded"}}', b'{"level":"info","msg":"request done"}',
    b'{"model":"claude-haiku-4-5"}', b'{"usage":{"input_tokens":1,"output_tokens":2}}',
    b"   ", b"\t", b"\r", b" \t \t", b"\xef\xbb\xbf", b"\x00", b"\x00\x00\x00\x00",
]


def mutate(rng, line):
    """One mutated form of a valid line (bytes, without its newline)."""
    r = rng.random()
    b = bytearray(line)
    n = len(b)
    if r < 0.10:  # bit flips
        for _ in range(rng.randint(1, 5)):
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b)
    if r < 0.18:  # truncation
        return bytes(b[:rng.randrange(n)])
    if r < 0.26:  # inserted random bytes
        i = rng.randrange(n)
        return bytes(b[:i]) + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + bytes(b[i:])
    if r < 0.32:  # deleted range
        i = rng.randrange(n)
        return bytes(b[:i]) + bytes(b[i + rng.randint(1, 40):])
    if r < 0.46:  # a token count (or other number) replaced
        keys = [b'"input_tokens":', b'"output_tokens":', b'"cache_read_input_tokens":',
                b'"cache_creation_input_tokens":', b'"ephemeral_1h_input_tokens":', b'"thinking_tokens":']
        k = rng.choice(keys)
        i = line.find(k)
        if i < 0:
            k = b'"input_tokens":'
            i = line.find(k)
        i += len(k)
        j = i
        while j < n and line[j:j + 1].isdigit():
            j += 1
        return line[:i] + rng.choice(HOSTILE_NUMBERS) + line[j:]
    if r < 0.54:  # an odd escape inside a string (the model, the session or the text)
        k = rng.choice([b'"model":"', b'"session_id":"', b'"text":"', b'"workflow":"'])
        i = line.find(k) + len(k)
        return line[:i] + rng.choice(ODD_ESCAPES) + line[i:]
    if r < 0.61:  # invalid UTF-8 inside a string or outside one
        k = rng.choice([b'"model":"', b'"session_id":"', b'"text":"', b'"stop_reason":"'])
        i = line.find(k) + len(k) if rng.random() < 0.8 else rng.randrange(n)
        return line[:i] + rng.choice(BAD_UTF8) + line[i:]
    if r < 0.66:  # NUL bytes, raw controls and raw line breaks in strings
        k = rng.choice([b'"model":"', b'"session_id":"', b'"workflow":"', b'"text":"'])
        i = line.find(k) + len(k) + rng.randint(0, 4)
        return line[:i] + rng.choice([b"\x00", b"\x00\x00", b"\x1b[31m", b"\x07", b"\r", b"\x7f", b"\x0b"]) + line[i:]
    if r < 0.70:  # a type swapped
        k = rng.choice([b'"input_tokens":', b'"output_tokens":', b'"usage":', b'"response":', b'"model":',
                        b'"timestamp":', b'"id":'])
        i = line.find(k)
        if i < 0:
            return line
        i += len(k)
        # Replace the value up to the next comma (rough: may well break the JSON, which is fine).
        j = line.find(b",", i)
        return line[:i] + rng.choice(TYPE_SWAPS) + line[j if j > 0 else n:]
    if r < 0.73:  # deep nesting in the content
        depth = rng.choice([64, 500, 5000]) if rng.random() < 0.15 else rng.choice([20, 64, 128])
        k = b'"content":'
        i = line.find(k) + len(k)
        j = line.find(b',"stop_reason"')
        if rng.random() < 0.5:
            nest = b"[" * depth + b"]" * depth
        else:
            nest = b'{"a":' * depth + b"1" + b"}" * depth
        if rng.random() < 0.2:
            nest = nest[:-1]  # unbalanced
        return line[:i] + nest + line[j:]
    if r < 0.75:  # a duplicate key: the last value counts
        i = line.find(b'"usage":{') + len(b'"usage":{')
        return line[:i] + b'"input_tokens":%d,"output_tokens":%d,' % (rng.randint(0, 10 ** 6), rng.randint(0, 9)) + line[i:]
    if r < 0.77:  # a required field removed
        k = rng.choice([b'"input_tokens":', b'"output_tokens":', b'"model":', b'"usage":'])
        i = line.find(k)
        j = line.find(b",", i)
        return line[:i] + line[j + 1:] if i > 0 and j > 0 else line
    if r < 0.80:  # the response bare, or as a JSON string in "body"
        i = line.find(b'"response":') + len(b'"response":')
        resp = line[i:-1]
        if rng.random() < 0.5:
            return resp
        esc = resp.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        return line[:line.find(b'"response":')] + b'"body":"' + esc + b'"}'
    if r < 0.80005:  # a very long string (up to 2 MB)
        k = rng.choice([b'"session_id":"', b'"text":"', b'"workflow":"'])
        i = line.find(k) + len(k)
        return line[:i] + b"x" * rng.choice([70000, 500000, 2000000]) + line[i:]
    if r < 0.83:  # another shape
        return rng.choice(OTHER_SHAPES)
    if r < 0.86:  # a timestamp mangled
        i = line.find(b'"timestamp":"') + len(b'"timestamp":"')
        return line[:i] + rng.choice([b"2026-13-01T", b"", b"yesterday", b"2026-02-30T00:00:00Z", b"9999999999999",
                                      b"1970-01-01T00:00:00Z", b"\x00"]) + line[i + 20:]
    # valid, unchanged (a duplicate when it was seen before)
    return line


def make(base, outdir, lines, files, seed, big_mb):
    rng = random.Random(seed)
    with open(base, "rb") as f:
        pool = f.read().splitlines()
    os.makedirs(os.path.join(outdir, "fuzz"), exist_ok=True)
    per_file = [lines // files + (1 if k < lines % files else 0) for k in range(files)]
    for k, count in enumerate(per_file):
        with open(os.path.join(outdir, "fuzz", "fuzz-%02d.jsonl" % k), "wb", buffering=8 << 20) as f:
            out = []
            for i in range(count):
                src = pool[rng.randrange(len(pool))]
                # The first lines stay valid, so that the file is told as JSON Lines of Messages responses.
                out.append(src if i < 5 else mutate(rng, src))
                if len(out) >= 4096:
                    f.write(b"\n".join(out) + b"\n")
                    out = []
            if out:
                f.write(b"\n".join(out) + b"\n")

    d = os.path.join(outdir, "damaged")
    os.makedirs(d, exist_ok=True)
    good = pool[:200]
    body = b"\n".join(good) + b"\n"
    damaged = []

    def put(name, data, accounted):
        with open(os.path.join(d, name), "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
        damaged.append((name, accounted))

    put("empty.jsonl", b"", 1)
    put("bom-only.jsonl", b"\xef\xbb\xbf", 1)
    put("bom-newline.jsonl", b"\xef\xbb\xbf\n", 1)
    put("truncated-last-line.jsonl", body + good[200 % len(good)][:137], 1)
    put("truncated-first-line.jsonl", good[0][:90] + b"\n" + body, 1)
    put("array-open-first-line.jsonl", b"[\n" + body, 1)
    put("brace-open-first-line.jsonl", b"{\n" + body, 1)
    put("binary-garbage.bin", bytes(rng.randrange(256) for _ in range(1 << 20)), 0)
    put("all-nul.jsonl", b"\x00" * 65536, 0)
    put("nul-tail-after-crash.jsonl", body + b"\x00" * 4096, 1)
    put("only-newlines.jsonl", b"\n" * 10000, 1)
    put("crlf.jsonl", b"\r\n".join(good) + b"\r\n", 1)
    put("cr-only.jsonl", b"\r".join(good) + b"\r", 0)
    put("utf16.jsonl", "\n".join(x.decode() for x in good[:20]).encode("utf-16"), 0)
    put("pretty-document-truncated.json",
        b'{\n  "id": "msg_01trunc",\n  "type": "message",\n  "model": "claude-sonnet-4-5",\n  "usage": {\n    "input_to', 0)
    put("deep-nesting-line.jsonl", b"[" * 1000000 + b"\n" + body, 1)
    put("price-key-in-a-tool-call.jsonl",
        good[0].replace(b'"content":[', b'"content":[{"type":"tool_use","id":"toolu_01x","name":"edit",'
                        b'"input":{"input_cost_per_token":3e-06,"output_cost_per_token":1.5e-05}},', 1)
        + b"\n" + body, 1)
    put("whitespace-lines.jsonl", b"  \n\t\n \t \r\n" + body + b"   ", 1)
    if big_mb > 0:
        def big(f):
            f.write(good[0][:100])
            chunk = b"y" * (1 << 20)
            for _ in range(big_mb):
                f.write(chunk)
            f.write(b'"}\n' + body)
        put("huge-line-%dMB.jsonl" % big_mb, big, 1)
    for name, accounted in damaged:
        print(name, accounted)


class _Nesting:
    """Brackets and strings of a JSON value seen so far, as usage's reader follows a value spread over lines."""

    def __init__(self):
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def scan(self, data, start=0):
        """The index just past the value's end in data, or None while it is still open."""
        for i in range(start, len(data)):
            c = data[i]
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif c == 0x5C:
                    self.escaped = True
                elif c == 0x22:
                    self.in_string = False
            elif c == 0x22:
                self.in_string = True
            elif c in (0x7B, 0x5B):
                self.depth += 1
            elif c in (0x7D, 0x5D):
                self.depth -= 1
                if self.depth <= 0:
                    return i + 1
        return None


def _no_constants(name):
    raise ValueError("not JSON: " + name)


_DECODER = __import__("json").JSONDecoder(parse_constant=_no_constants)


def _first_value(data):
    """(end, records): where the first JSON value of data ends and how many records it holds (an array's
    elements are records each, as a JSON array of responses or batch results is read; an empty one counts once);
    records 0 when it does not parse, and end then len(data) when the text ended before the value did."""
    text = data.decode("utf-8", "surrogateescape")
    try:
        value, end = _DECODER.raw_decode(text)
    except __import__("json").JSONDecodeError as error:
        # Where the reader stopped: at the end of the text, the value may go on on the next line.
        return (len(data) if error.pos >= len(text) else 0), 0
    except (ValueError, RecursionError):
        return 0, 0
    number = text[:end].lower()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and end < len(text) and (
        text[end] in "0123456789"
        or (text[end] == "." and "." not in number and "e" not in number)
        or (text[end] in "eE" and "e" not in number)
    ):
        # A number that goes on past where JSON's grammar stops (`-0035`, `1e"`, `1.`): not a number and then
        # something else, one invalid number.
        return 0, 0
    records = len(value) if isinstance(value, list) and value else 1
    return len(text[:end].encode("utf-8", "surrogateescape")), records


def count(path):
    """What an ingest must account for: one outcome (new, duplicate, rejected or without usage) per JSON value,
    the way usage reads a file of values: several on a line back to back, a value that opens a line and runs past
    it continued on the next lines until it closes (or a line opens a new one, or a string runs past a line's
    end), whatever follows a value on its line that is not JSON one rejected line. A value the end of the file
    cuts short is left for the next run and counts nothing. Printed twice (LO HI), for the script's check."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    last = lines.pop()
    entries = [(line, True) for line in lines] + ([(last, False)] if last else [])
    outcomes = 0
    pending = None  # the nesting of a value spread over lines
    gathered = b""  # its bytes so far
    for number, (line, terminated) in enumerate(entries):
        if line.endswith(b"\r"):
            line = line[:-1]
        if number == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        rest = line
        if pending is not None:
            if rest[:1] in (b"{", b"["):
                outcomes += 1  # the value gathered was cut short
                pending = None
            else:
                scanner = _Nesting()
                scanner.__dict__.update(pending.__dict__)
                end = scanner.scan(rest)
                if end is not None:
                    _, records = _first_value(gathered + rest[:end])
                    outcomes += max(records, 1)
                    pending = None
                    rest = rest[end:]
                elif not terminated:
                    break
                elif scanner.in_string:
                    outcomes += 1
                    pending = None
                    continue
                else:
                    pending = scanner
                    gathered += rest + b"\n"
                    continue
        while True:
            value = rest.lstrip(b" \t\r")
            if not value:
                break
            end, records = _first_value(value)
            if records:
                outcomes += records
                rest = value[end:]
                continue
            if not terminated:
                break
            # A value spread over lines, as pretty-printers write them: its line ends where more must follow.
            if end == len(value) and value[:1] in (b"{", b"[") and value.rstrip(b" \t\r")[-1:] in (b"{", b"[", b",", b":"):
                scanner = _Nesting()
                if scanner.scan(value) is None and not scanner.in_string and scanner.depth > 0:
                    pending = scanner
                    gathered = value + b"\n"
                    break
            outcomes += 1
            break
    return outcomes, outcomes


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "make":
        import argparse
        ap = argparse.ArgumentParser()
        ap.add_argument("cmd")
        ap.add_argument("base")
        ap.add_argument("outdir")
        ap.add_argument("--lines", type=int, default=1_000_000)
        ap.add_argument("--files", type=int, default=10)
        ap.add_argument("--seed", type=int, default=1)
        ap.add_argument("--big-line-mb", type=int, default=100)
        a = ap.parse_args()
        make(a.base, a.outdir, a.lines, a.files, a.seed, a.big_line_mb)
    elif len(sys.argv) >= 3 and sys.argv[1] == "count":
        for p in sys.argv[2:]:
            print("%d %d" % count(p))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
