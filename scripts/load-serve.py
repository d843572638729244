"""Load for `usage serve`: SENDERS threads, each sending BATCHES OTLP/HTTP protobuf log exports of EVENTS Claude
Code api_request events (each event once, with a session per sender and a sequence per event), on kept-alive
connections. A share of the exports is sent twice, as an exporter retries one whose answer it lost; a 503 is
retried after its Retry-After. Bodies are encoded before the clock starts, so the senders measure the server.

Prints one JSON object: events accepted, seconds, events per second, latency percentiles (ms), retries, 503s.

Usage: load-serve.py ENDPOINT [SENDERS] [BATCHES] [EVENTS] [RETRY_SHARE]
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

endpoint = urllib.parse.urlparse(sys.argv[1])
senders = int(sys.argv[2]) if len(sys.argv) > 2 else 8
batches = int(sys.argv[3]) if len(sys.argv) > 3 else 250
events = int(sys.argv[4]) if len(sys.argv) > 4 else 100
retry_share = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5"]


def text(key, value):
    return KeyValue(key=key, value=AnyValue(string_value=value))


def number(key, value):
    return KeyValue(key=key, value=AnyValue(int_value=value))


def body(sender, batch):
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    resource_logs.resource.attributes.append(text("service.name", "claude-code"))
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.name = "com.anthropic.claude_code.events"
    for n in range(events):
        sequence = batch * events + n + 1
        record = scope_logs.log_records.add()
        record.time_unix_nano = 1_796_126_400_000_000_000 + sequence * 1_000_000
        record.body.string_value = "claude_code.api_request"
        record.attributes.extend([
            text("event.name", "api_request"), text("session.id", f"load-{sender}"),
            text("prompt.id", f"p-{batch}"), number("event.sequence", sequence),
            text("model", models[sequence % 3]), number("input_tokens", 100 + sequence % 900),
            number("output_tokens", 50 + sequence % 400), number("cache_read_tokens", 10_000 + sequence % 5000),
            number("cache_creation_tokens", sequence % 2000), KeyValue(key="cost_usd", value=AnyValue(double_value=0.01)),
            number("duration_ms", 1500), text("user.id", "load"), text("organization.id", "org"),
        ])
    return request.SerializeToString()


prepared = [[body(s, b) for b in range(batches)] for s in range(senders)]
lock = threading.Lock()
latencies, accepted, retried, busy, failed = [], [0], [0], [0], [0]


def post(connection, payload):
    """Sends one export until it is answered 200; returns the latency of the answered try."""
    while True:
        start = time.perf_counter()
        connection.request("POST", "/v1/logs", payload, {"Content-Type": "application/x-protobuf"})
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        if response.status == 200:
            return elapsed
        if response.status in (429, 503):
            with lock:
                busy[0] += 1
            time.sleep(float(response.getheader("Retry-After") or 1))
            continue
        with lock:
            failed[0] += 1
        return None


def send(sender):
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=60)
    every = int(1 / retry_share) if retry_share > 0 else 0
    for number_, payload in enumerate(prepared[sender]):
        elapsed = post(connection, payload)
        if elapsed is None:
            continue
        with lock:
            latencies.append(elapsed)
            accepted[0] += events
        if every and number_ % every == every - 1:
            post(connection, payload)
            with lock:
                retried[0] += 1


threads = [threading.Thread(target=send, args=(s,)) for s in range(senders)]
start = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.perf_counter() - start
latencies.sort()


def percentile(p):
    return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else None


print(json.dumps({
    "senders": senders, "exports": senders * batches, "events_per_export": events, "events_accepted": accepted[0],
    "seconds": round(seconds, 3), "events_per_second": round(accepted[0] / seconds),
    "latency_ms": {"p50": percentile(0.50), "p99": percentile(0.99), "max": percentile(1.0)},
    "retried_exports": retried[0], "answered_503": busy[0], "failed": failed[0],
}))
