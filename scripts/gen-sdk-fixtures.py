#!/usr/bin/env python3
"""Writes fixtures/sdk/: usage logs serialized the ways apps serialize the official `anthropic` SDK's own types.

Every response is an `anthropic.types.Message` built with `model_validate`, every batch result an
`anthropic.types.messages.MessageBatchIndividualResponse`, every stream event the SDK's event type; the files are
then written with the SDK's own serializers (`to_json()`, `model_dump()`) and the standard library's `json`, as an
application would. fixtures/EXPECTED.md (section "sdk/") computes every cost by hand.

Usage: /tmp/sdkvenv/bin/python scripts/gen-sdk-fixtures.py [--out fixtures/sdk]
(any Python with the `anthropic` package installed; the output does not depend on the machine or the time).
"""

import argparse
import json
import os

from anthropic.types import (
    Message,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
)
from anthropic.types.messages import MessageBatchIndividualResponse


def message(id, model, input, output, write_5m=0, write_1h=0, read=0, tier="standard", geo="global",
            stop="end_turn", web_search=None, text="Done."):
    usage = {
        "input_tokens": input,
        "output_tokens": output,
        "cache_creation_input_tokens": write_5m + write_1h,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
        "service_tier": tier,
        "inference_geo": geo,
    }
    if web_search is not None:
        usage["server_tool_use"] = {"web_search_requests": web_search, "web_fetch_requests": 0}
    return Message.model_validate({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    })


def succeeded(custom_id, msg):
    return MessageBatchIndividualResponse.model_validate(
        {"custom_id": custom_id, "result": {"type": "succeeded", "message": msg.model_dump()}})


def errored(custom_id):
    return MessageBatchIndividualResponse.model_validate({
        "custom_id": custom_id,
        "result": {"type": "errored", "error": {
            "type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: field required"}}},
    })


def ended(custom_id, kind):
    return MessageBatchIndividualResponse.model_validate({"custom_id": custom_id, "result": {"type": kind}})


def compact(value):
    return json.dumps(value, separators=(",", ":"))


# The response item 1 of issue 10 is about: logged beside a few headline fields. Also logged bare in another file
# (responses-to-json.json), where it is the same request.
A1 = message("msg_sdk_A1", "claude-opus-4-6", 1230, 405, write_1h=4096, read=38400, geo="us", stop="max_tokens")


def mixed_envelopes():
    """JSON Lines of mixed shapes: a response beside headline fields, ordinary envelopes, a flat telemetry
    record, a stream's events each in an envelope, and two envelopes on one line with no newline between."""
    a2 = message("msg_sdk_A2", "claude-sonnet-4-5-20250929", 2000, 600, write_5m=1024, read=10000)
    a3 = message("msg_sdk_A3", "claude-haiku-4-5-20251001", 500, 120)
    a6 = message("msg_sdk_A6", "claude-sonnet-4-5-20250929", 1500, 200)
    a7 = message("msg_sdk_A7", "claude-haiku-4-5-20251001", 300, 80)
    lines = [
        # What an app writes when it logs `msg.usage.input_tokens` and friends beside `msg.model_dump()`.
        {"timestamp": "2026-11-09T10:00:00Z", "request_id": "req_sdk_A1", "model": A1.model,
         "input_tokens": A1.usage.input_tokens, "output_tokens": A1.usage.output_tokens,
         "response": A1.model_dump(mode="json")},
        {"timestamp": "2026-11-09T10:05:00Z", "request_id": "req_sdk_A2", "session_id": "sdk-s1",
         "response": a2.model_dump(mode="json")},
        {"timestamp": "2026-11-09T10:06:00Z", "request_id": "req_sdk_A3", "session_id": "sdk-s1",
         "response": a3.model_dump(mode="json")},
        # A flat telemetry record: counts, no response.
        {"timestamp": "2026-11-09T10:07:00Z", "workflow": "sdk-demo", "task_type": "classify",
         "model": "claude-haiku-4-5", "input_tokens": 800, "cache_read_tokens": 2000, "output_tokens": 50},
    ]
    start = RawMessageStartEvent.model_validate({"type": "message_start", "message": {
        "id": "msg_sdk_A5", "type": "message", "role": "assistant", "model": "claude-opus-4-6", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1, "cache_creation_input_tokens": 2048,
                  "cache_read_input_tokens": 20000,
                  "cache_creation": {"ephemeral_5m_input_tokens": 2048, "ephemeral_1h_input_tokens": 0},
                  "service_tier": "standard"}}})
    events = [
        start,
        RawContentBlockStartEvent.model_validate(
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        RawContentBlockDeltaEvent.model_validate(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}),
        RawContentBlockStopEvent.model_validate({"type": "content_block_stop", "index": 0}),
        RawMessageDeltaEvent.model_validate({"type": "message_delta",
                                             "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                             "usage": {"output_tokens": 350}}),
        RawMessageStopEvent.model_validate({"type": "message_stop"}),
    ]
    for second, event in enumerate(events):
        lines.append({"timestamp": "2026-11-09T10:08:%02dZ" % second, "request_id": "req_sdk_A5",
                      "event": event.model_dump(mode="json", exclude_unset=True)})
    text = "".join(compact(line) + "\n" for line in lines)
    # Two records on one line, no newline between (as Claude Code once wrote them).
    text += compact({"timestamp": "2026-11-09T10:09:00Z", "request_id": "req_sdk_A6",
                     "response": a6.model_dump(mode="json")})
    text += compact({"timestamp": "2026-11-09T10:10:00Z", "request_id": "req_sdk_A7",
                     "response": a7.model_dump(mode="json")}) + "\n"
    return text


def responses_to_json():
    """`msg.to_json() + "\\n"` per response: pretty-printed objects back to back, no timestamps."""
    b2 = message("msg_sdk_B2", "claude-opus-4-5-20251101", 2500, 700)
    b3 = message("msg_sdk_B3", "claude-sonnet-4-5-20250929", 4000, 1000, write_1h=8000, web_search=2)
    return "".join(m.to_json() + "\n" for m in [A1, b2, b3])


def dumps_indent_loop():
    """`json.dumps(x, indent=2)` in a loop; the second and third written with no newline between them."""
    records = [
        ("2026-11-10T08:00:00Z", "req_sdk_C1", message("msg_sdk_C1", "claude-haiku-4-5-20251001", 1200, 300, read=8192)),
        ("2026-11-10T08:01:00Z", "req_sdk_C2", message("msg_sdk_C2", "claude-opus-4-6", 10, 2000, write_1h=1000, read=50000)),
        ("2026-11-10T08:02:00Z", "req_sdk_C3", message("msg_sdk_C3", "claude-sonnet-4-5-20250929", 700, 90)),
    ]
    texts = [json.dumps({"timestamp": ts, "request_id": rid, "project": "sdk-app", "response": m.model_dump(mode="json")},
                        indent=2) for ts, rid, m in records]
    return texts[0] + "\n" + texts[1] + texts[2] + "\n"


def batch_results():
    d = [
        succeeded("sdk-req-1", message("msg_sdk_D1", "claude-haiku-4-5-20251001", 2000, 400, tier="batch")),
        errored("sdk-req-2"),
        succeeded("sdk-req-3", message("msg_sdk_D3", "claude-sonnet-4-5-20250929", 3000, 500, read=6000, tier="batch")),
    ]
    e = [
        succeeded("sdk-req-4", message("msg_sdk_E1", "claude-opus-4-6", 1000, 800, write_5m=2000, tier="batch")),
        ended("sdk-req-5", "expired"),
        ended("sdk-req-6", "canceled"),
    ]
    f = [
        succeeded("sdk-req-7", message("msg_sdk_F1", "claude-sonnet-4-5-20250929", 5000, 1000, tier="batch")),
        succeeded("sdk-req-8", message("msg_sdk_F2", "claude-haiku-4-5-20251001", 10000, 2000, write_5m=4096, tier="batch")),
        errored("sdk-req-9"),
    ]
    # `json.dump([r.model_dump() for r in results], f)`: one JSON array on one line.
    array = json.dumps([r.model_dump() for r in d]) + "\n"
    # `r.to_json() + "\n"` per result: pretty-printed, back to back.
    pretty = "".join(r.to_json() + "\n" for r in e)
    # Each result logged inside an envelope, one per line.
    envelope = "".join(
        compact({"timestamp": "2026-11-11T09:00:%02dZ" % i, "batch_id": "msgbatch_sdk01", "result": r.model_dump(mode="json")}) + "\n"
        for i, r in enumerate(f))
    return array, pretty, envelope


def not_records():
    """A line that looks like usage but cannot be read (rejected), lines with nothing usage-like (ignored), and a
    good envelope after them."""
    g1 = message("msg_sdk_G1", "claude-haiku-4-5-20251001", 100, 20)
    return "".join(line + "\n" for line in [
        '{"model":"claude-opus-4-5","usage":"lots"}',
        "[]",
        compact({"timestamp": "2026-11-11T10:00:00Z", "level": "info", "message": "batch submitted",
                 "batch_id": "msgbatch_sdk01"}),
        compact({"timestamp": "2026-11-11T10:00:05Z", "request_id": "req_sdk_G1", "response": g1.model_dump(mode="json")}),
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "fixtures", "sdk"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    array, pretty, envelope = batch_results()
    files = {
        "mixed-envelopes.jsonl": mixed_envelopes(),
        "responses-to-json.json": responses_to_json(),
        "dumps-indent-loop.json": dumps_indent_loop(),
        "batch-results-array.json": array,
        "batch-results-pretty.json": pretty,
        "batch-results-envelope.jsonl": envelope,
        "not-records.jsonl": not_records(),
    }
    for name, text in files.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote", os.path.join(args.out, name))


if __name__ == "__main__":
    main()
