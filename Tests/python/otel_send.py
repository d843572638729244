"""Sends usage to `usage serve` with the OpenTelemetry Python SDK and its OTLP/HTTP exporters (protobuf, gzip),
shaped as Claude Code sends it (api_request events, cost and token counters) or as an instrumented Anthropic app
sends it (GenAI client spans). Prints one JSON line: what each export came to (True when the exporter succeeded).

Usage: otel_send.py ENDPOINT MODE [TOKEN]
  MODE: claude-code-logs | app-spans | metrics-delta | metrics-cumulative
"""

import json
import sys

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.sdk.resources import Resource

endpoint, mode = sys.argv[1], sys.argv[2]
headers = {"Authorization": f"Bearer {sys.argv[3]}"} if len(sys.argv) > 3 else None
results = {}

CLAUDE_CODE = Resource.create({"service.name": "claude-code", "service.version": "2.1.250", "os.type": "linux"})


def claude_code_logs():
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry._logs import LogRecord

    exporter = OTLPLogExporter(endpoint=f"{endpoint}/v1/logs", compression=Compression.Gzip, headers=headers)
    provider = LoggerProvider(resource=CLAUDE_CODE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("com.anthropic.claude_code.events", "2.1.250")

    def emit(body, attributes):
        logger.emit(LogRecord(body=body, attributes=attributes))

    common = {"session.id": "sdk-session-1", "user.id": "u-sdk", "organization.id": "org-sdk"}
    emit("claude_code.user_prompt", {**common, "event.name": "user_prompt", "prompt.id": "sdk-p1",
                                     "prompt": "SDK SECRET PROMPT", "prompt_length": 17})
    # Numbers as Claude Code's exporter has sent them: integers, doubles, strings.
    emit("claude_code.api_request", {**common, "event.name": "api_request", "prompt.id": "sdk-p1",
                                     "event.sequence": 1, "event.timestamp": "2026-12-01T09:00:00.000Z",
                                     "model": "claude-sonnet-4-5", "input_tokens": 1000, "output_tokens": 500,
                                     "cache_read_tokens": 20000, "cache_creation_tokens": 4000,
                                     "cost_usd": 0.0285, "duration_ms": 1800, "speed": "normal"})
    emit("claude_code.api_request", {**common, "event.name": "api_request", "prompt.id": "sdk-p1",
                                     "event.sequence": "2", "event.timestamp": "2026-12-01T09:01:00.000Z",
                                     "model": "claude-haiku-4-5", "input_tokens": "3000", "output_tokens": "200",
                                     "cache_read_tokens": "0", "cache_creation_tokens": "0",
                                     "cost_usd": "0.004", "duration_ms": "600"})
    # The raw request body Claude Code sends with OTEL_LOG_RAW_API_BODIES: content, never stored.
    emit("claude_code.api_request_body", {**common, "event.name": "api_request_body",
                                          "body": '{"messages":[{"role":"user","content":"SDK SECRET BODY"}]}'})
    provider.shutdown()


def app_spans():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import SpanKind

    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", compression=Compression.Gzip, headers=headers)
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("anthropic-instrumentation")
    with tracer.start_as_current_span("handle ticket"):
        with tracer.start_as_current_span("chat claude-sonnet-4-5", kind=SpanKind.CLIENT) as span:
            span.set_attributes({
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
                "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.response.model": "claude-sonnet-4-5",
                "gen_ai.response.id": "msg_sdk_span_1", "gen_ai.conversation.id": "ticket-7",
                # The conventions count cached tokens in the input: 2000 uncached + 6000 read + 2000 written.
                "gen_ai.usage.input_tokens": 10000, "gen_ai.usage.output_tokens": 700,
                "gen_ai.usage.cache_read.input_tokens": 6000, "gen_ai.usage.cache_creation.input_tokens": 2000,
                "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"SDK SECRET SPAN"}]}]',
            })
    provider.shutdown()


def metrics(temporality):
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import Counter, MeterProvider
    from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader

    chosen = AggregationTemporality.DELTA if temporality == "delta" else AggregationTemporality.CUMULATIVE
    exporter = OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", compression=Compression.Gzip,
                                  headers=headers, preferred_temporality={Counter: chosen})
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(resource=CLAUDE_CODE, metric_readers=[reader])
    meter = provider.get_meter("com.anthropic.claude_code")
    cost = meter.create_counter("claude_code.cost.usage", unit="USD")
    tokens = meter.create_counter("claude_code.token.usage", unit="tokens")
    attributes = {"session.id": f"sdk-metrics-{temporality}", "model": "claude-sonnet-4-5", "user.id": "u-sdk"}

    def add(cost_usd, counts):
        cost.add(cost_usd, attributes)
        for kind, value in counts.items():
            tokens.add(value, {**attributes, "type": kind})

    # Two export intervals: a cumulative exporter sends running totals, a delta one what each interval added.
    add(0.10, {"input": 1000, "output": 2000, "cacheRead": 100000, "cacheCreation": 0})
    results["first"] = reader.force_flush()
    add(0.05, {"input": 500, "output": 1000, "cacheRead": 0, "cacheCreation": 0})
    results["second"] = reader.force_flush()
    provider.shutdown()


{"claude-code-logs": claude_code_logs, "app-spans": app_spans,
 "metrics-delta": lambda: metrics("delta"), "metrics-cumulative": lambda: metrics("cumulative")}[mode]()
print(json.dumps(results))
