import Foundation
import SwiftProtobuf
import Testing

@testable import UsageKit

/// OTLP export requests read into usage: Claude Code's events and counters, GenAI spans, as `usage serve`
/// receives them (protobuf and JSON) and as a Collector's file export holds them.
@Suite struct OTLPTests {
    // MARK: Building requests

    static func value(_ v: Any) -> Otlp_AnyValue {
        var any = Otlp_AnyValue()
        switch v {
        case let s as String: any.stringValue = s
        case let i as Int: any.intValue = Int64(i)
        case let d as Double: any.doubleValue = d
        case let b as Bool: any.boolValue = b
        default: preconditionFailure("unsupported value")
        }
        return any
    }

    static func attributes(_ pairs: KeyValuePairs<String, Any>) -> [Otlp_KeyValue] {
        pairs.map { key, v in
            var kv = Otlp_KeyValue()
            kv.key = key
            kv.value = value(v)
            return kv
        }
    }

    static let claudeCode: Otlp_Resource = {
        var r = Otlp_Resource()
        r.attributes = attributes(["service.name": "claude-code"])
        return r
    }()

    static func logs(_ records: [Otlp_LogRecord]) -> Otlp_ExportLogsServiceRequest {
        var scope = Otlp_ScopeLogs()
        scope.logRecords = records
        var resource = Otlp_ResourceLogs()
        resource.resource = claudeCode
        resource.scopeLogs = [scope]
        var request = Otlp_ExportLogsServiceRequest()
        request.resourceLogs = [resource]
        return request
    }

    static func apiRequest(_ pairs: KeyValuePairs<String, Any>) -> Otlp_LogRecord {
        var record = Otlp_LogRecord()
        record.body = value("claude_code.api_request")
        record.attributes = attributes(pairs)
        return record
    }

    static func export(_ message: some SwiftProtobuf.Message, _ signal: OTLPSignal) throws -> OTLPExport {
        try OTLPExport(try message.serializedBytes(), signal: signal, encoding: .protobuf)
    }

    static let day = RequestFilter(since: 1_796_083_200_000, until: 1_796_169_600_000)  // 2026-12-01 UTC

    // MARK: Events

    @Test func apiRequestEventsArePricedWithTheirLoggedCostBesideAndARetryCountsOnce() throws {
        let store = try UsageStore.inMemory()
        let request = Self.logs([
            Self.apiRequest([
                "event.name": "api_request", "event.timestamp": "2026-12-01T09:00:00Z", "event.sequence": 7,
                "session.id": "s1", "prompt.id": "p1", "model": "claude-sonnet-4-5", "input_tokens": 1000,
                "output_tokens": "500", "cache_read_tokens": 20000.0, "cache_creation_tokens": "4000",
                "cost_usd": "0.0285",
            ]),
            // Prompt text Claude Code logs when asked to: not usage, never stored.
            {
                var prompt = Otlp_LogRecord()
                prompt.body = Self.value("claude_code.user_prompt")
                prompt.attributes = Self.attributes(["event.name": "user_prompt", "prompt": "TOP SECRET"])
                return prompt
            }(),
        ])
        let first = try store.receive([try Self.export(request, .logs)], source: "test")
        #expect(first.summary.newRequests == 1)
        #expect(first.receipts == [OTLPReceipt(rejected: 0, message: nil)])
        let again = try store.receive([try Self.export(request, .logs)], source: "test")
        #expect(again.summary.newRequests == 0 && again.summary.duplicates == 1)

        let events = try store.events(Self.day)
        #expect(events.count == 1)
        let e = try #require(events.first)
        #expect(e.tokens == TokenCounts(input: 1000, cacheWrite5m: 4000, cacheRead: 20000, output: 500))
        // claude-sonnet-4-5 at $3 input, $3.75 5-minute writes, $0.30 reads and $15 output per million tokens.
        #expect(e.cost == USD(nanos: 1000 * 3000 + 4000 * 3750 + 20000 * 300 + 500 * 15000))
        #expect(e.session == "s1")
        #expect(e.timestamp == 1_796_115_600_000)

        let report = try store.report(Self.day, by: [.model], zone: .utc)
        #expect(report.totals.loggedCost == USD(nanos: 28_500_000))
        #expect(report.telemetry.unsplitCacheWrites == 1)
        #expect(
            Wording.reportNotes(report).contains { $0.contains("without a 5-minute/1-hour split: priced as 5-minute") })
    }

    @Test func aMalformedEventIsRejectedAndCountedForThePartialSuccess() throws {
        let store = try UsageStore.inMemory()
        let request = Self.logs([
            Self.apiRequest(["event.name": "api_request", "session.id": "s", "input_tokens": 1, "output_tokens": 1]),
            Self.apiRequest([
                "event.name": "api_request", "session.id": "s", "event.sequence": 2, "model": "claude-haiku-4-5",
                "input_tokens": "many", "output_tokens": 1,
            ]),
            Self.apiRequest([
                "event.name": "api_request", "session.id": "s", "event.sequence": 3, "model": "claude-haiku-4-5",
                "input_tokens": 10, "output_tokens": 2,
            ]),
        ])
        let (summary, receipts) = try store.receive([try Self.export(request, .logs)], source: "test")
        #expect(summary.newRequests == 1)
        #expect(receipts.first?.rejected == 2)
        #expect(receipts.first?.message == "log record 1: api_request event without a model")
        let body = OTLPExport.response(to: .logs, rejected: 2, message: "why", encoding: .json)
        #expect(String(decoding: body, as: UTF8.self).contains("\"rejectedLogRecords\":\"2\""))
    }

    @Test func eventsAndTranscriptsOfOneSessionAreNotedAsCountedTwice() throws {
        let store = try UsageStore.inMemory()
        _ = try store.ingest([IngestSource(path: fixture("claude-code"))])
        let transcribed = try #require(try store.events(RequestFilter()).first { $0.session != nil })
        let day = transcribed.timestamp - transcribed.timestamp % 86_400_000
        let request = Self.logs([
            Self.apiRequest([
                "event.name": "api_request", "session.id": transcribed.session!, "event.sequence": 1,
                "event.timestamp": Timestamp.iso(transcribed.timestamp), "model": "claude-sonnet-4-5",
                "input_tokens": 10, "output_tokens": 10,
            ])
        ])
        _ = try store.receive([try Self.export(request, .logs)], source: "test")
        let report = try store.report(RequestFilter(since: day, until: day + 86_400_000), by: [.model], zone: .utc)
        #expect(report.telemetry.sessionsInBoth == 1)
        #expect(Wording.reportNotes(report).contains { $0.contains("1 session has both Claude Code OpenTelemetry") })
    }

    // MARK: Spans

    @Test func aGenAISpanCountsItsCachedTokensOutOfItsInput() throws {
        var span = Otlp_Span()
        span.traceID = Data(repeating: 1, count: 16)
        span.spanID = Data(repeating: 2, count: 8)
        span.endTimeUnixNano = 1_796_115_600_000_000_000
        span.attributes = Self.attributes([
            "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens": 10000, "gen_ai.usage.output_tokens": 700,
            "gen_ai.usage.cache_read.input_tokens": 6000, "gen_ai.usage.cache_creation.input_tokens": 2000,
            "gen_ai.input.messages": "SECRET",
        ])
        var other = span
        other.spanID = Data(repeating: 3, count: 8)
        other.attributes = Self.attributes([
            "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 5,
        ])
        var scope = Otlp_ScopeSpans()
        scope.spans = [span, other]
        var resource = Otlp_ResourceSpans()
        resource.resource.attributes = Self.attributes(["service.name": "support-bot"])
        resource.scopeSpans = [scope]
        var request = Otlp_ExportTraceServiceRequest()
        request.resourceSpans = [resource]
        let store = try UsageStore.inMemory()
        _ = try store.receive([try Self.export(request, .traces), try Self.export(request, .traces)], source: "t")
        let events = try store.events(Self.day)
        #expect(events.count == 1)
        #expect(events.first?.tokens == TokenCounts(input: 2000, cacheWrite5m: 2000, cacheRead: 6000, output: 700))
        #expect(events.first?.workflow == "support-bot")
    }

    // MARK: Counters

    static func counters(
        _ points: [(type: String?, value: Double, start: UInt64, time: UInt64)],
        temporality: Otlp_AggregationTemporality
    ) -> Otlp_ExportMetricsServiceRequest {
        func metric(_ name: String, _ selected: [(type: String?, value: Double, start: UInt64, time: UInt64)])
            -> Otlp_Metric
        {
            var sum = Otlp_Sum()
            sum.aggregationTemporality = temporality
            sum.isMonotonic = true
            sum.dataPoints = selected.map { p in
                var point = Otlp_NumberDataPoint()
                point.startTimeUnixNano = p.start
                point.timeUnixNano = p.time
                if let type = p.type {
                    point.asInt = Int64(p.value)
                    point.attributes = attributes(["model": "claude-sonnet-4-5", "session.id": "m", "type": type])
                } else {
                    point.asDouble = p.value
                    point.attributes = attributes(["model": "claude-sonnet-4-5", "session.id": "m"])
                }
                return point
            }
            var m = Otlp_Metric()
            m.name = name
            m.sum = sum
            return m
        }
        var scope = Otlp_ScopeMetrics()
        scope.metrics = [
            metric("claude_code.cost.usage", points.filter { $0.type == nil }),
            metric("claude_code.token.usage", points.filter { $0.type != nil }),
        ]
        var resource = Otlp_ResourceMetrics()
        resource.resource = claudeCode
        resource.scopeMetrics = [scope]
        var request = Otlp_ExportMetricsServiceRequest()
        request.resourceMetrics = [resource]
        return request
    }

    @Test func cumulativeCountersAddWhatTheyGrewByAndARestartCountsFromZero() throws {
        let store = try UsageStore.inMemory()
        let t0: UInt64 = 1_796_115_600_000_000_000
        let minute: UInt64 = 60_000_000_000
        func send(_ points: [(type: String?, value: Double, start: UInt64, time: UInt64)]) throws {
            _ = try store.receive(
                [try Self.export(Self.counters(points, temporality: .cumulative), .metrics)], source: "t")
        }
        try send([(nil, 0.10, t0, t0 + minute), ("input", 1000, t0, t0 + minute)])
        try send([(nil, 0.25, t0, t0 + 2 * minute), ("input", 1500, t0, t0 + 2 * minute)])
        // The exporter retries the second export: nothing more.
        try send([(nil, 0.25, t0, t0 + 2 * minute), ("input", 1500, t0, t0 + 2 * minute)])
        // Claude Code restarted: a new start time, counting from zero again.
        let t1 = t0 + 3 * minute
        try send([(nil, 0.05, t1, t1 + minute), ("input", 200, t1, t1 + minute)])
        let report = try store.report(Self.day, by: [.model], zone: .utc)
        #expect(report.totals.tokens.input == 1000 + 500 + 200)
        #expect(report.totals.loggedCost == USD(nanos: 300_000_000))
        #expect(report.totals.requests == 0 && report.totals.aggregatedRows == 3)
        #expect(report.telemetry.counterRows == 3)
    }

    @Test func deltaCountersAddEachPointOnceAndJoinCostAndTokensOfOneTime() throws {
        let store = try UsageStore.inMemory()
        let t0: UInt64 = 1_796_115_600_000_000_000
        let minute: UInt64 = 60_000_000_000
        let first = Self.counters(
            [(nil, 0.10, t0, t0 + minute), ("input", 1000, t0, t0 + minute), ("cacheRead", 5000, t0, t0 + minute)],
            temporality: .delta)
        _ = try store.receive([try Self.export(first, .metrics), try Self.export(first, .metrics)], source: "t")
        let second = Self.counters(
            [(nil, 0.05, t0 + minute, t0 + 2 * minute), ("output", 100, t0 + minute, t0 + 2 * minute)],
            temporality: .delta)
        _ = try store.receive([try Self.export(second, .metrics)], source: "t")
        let report = try store.report(Self.day, by: [.model], zone: .utc)
        #expect(report.totals.aggregatedRows == 2)
        #expect(report.totals.tokens == TokenCounts(input: 1000, cacheRead: 5000, output: 100))
        #expect(report.totals.loggedCost == USD(nanos: 150_000_000))
        // Each row holds its cost beside its own tokens: logged and computed compare like for like.
        #expect(report.totals.loggedComputedCost == report.totals.cost)
    }

    // MARK: Files

    @Test func aCollectorFileExportIsReadLineByLineAndResumedWhenItGrows() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otlp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("export.jsonl")
        let lines = try String(
            contentsOf: URL(fileURLWithPath: fixture("otel/claude-code-otel.jsonl")), encoding: .utf8
        )
        .split(separator: "\n")
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let store = try UsageStore.inMemory()
        let first = try store.ingest([IngestSource(path: file.path)])
        // Three events, then the retried third and a fourth.
        #expect(first.newRequests == 4 && first.duplicates == 1)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines.dropFirst(2).joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let second = try store.ingest([IngestSource(path: file.path)])
        #expect(second.resumedFiles == 1)
        // The span and the two delta counter rows.
        #expect(second.newRequests == 3)
    }

    @Test func claudeCodeAnalyticsPagesAreAggregatedRowsWithTheirEstimateBeside() throws {
        let store = try UsageStore.inMemory()
        let summary = try store.ingest([IngestSource(path: fixture("otel/claude-code-analytics.json"))])
        #expect(summary.newRequests == 3)
        let report = try store.report(RequestFilter(), by: [.model], zone: .utc)
        #expect(report.totals.aggregatedRows == 3)
        #expect(report.telemetry.analyticsRows == 3)
        // 41.25 + 1 + 1.75 cents.
        #expect(report.totals.loggedCost == USD(nanos: 440_000_000))
        let sonnet = try #require(report.rows.first { $0.key == "claude-sonnet-4-5" })
        #expect(sonnet.totals.tokens == TokenCounts(input: 20000, cacheWrite5m: 30000, cacheRead: 400000, output: 8000))
    }

    // MARK: Prometheus

    @Test func labelValuesFromLogsAreEscapedAndControlCharactersReplaced() {
        #expect(PrometheusRenderer.escape("a\"b\\c\nd\u{1B}[2J") == "a\\\"b\\\\c\\nd\u{FFFD}[2J")
    }

    @Test func labelSetsPastTheCapAreSummedAsOther() throws {
        let store = try UsageStore.inMemory()
        var records: [Otlp_LogRecord] = []
        for n in 1...5 {
            records.append(
                Self.apiRequest([
                    "event.name": "api_request", "session.id": "s", "event.sequence": n, "model": "claude-haiku-4-5",
                    "workflow.name": "w\(n)", "input_tokens": n * 1000, "output_tokens": 0,
                    "event.timestamp": "2026-12-01T09:00:00Z",
                ]))
        }
        _ = try store.receive([try Self.export(Self.logs(records), .logs)], source: "t")
        let snapshot = try store.metrics(labelCap: 3)
        #expect(snapshot.series.map(\.workflow) == ["w5", "w4", "other"])
        #expect(snapshot.series.last?.tokens.input == 6000)
        #expect(snapshot.series.last?.requests == 3)
    }

    @Test func scrapesAddOnlyNewRowsAndCountAgainWhenCountedRowsChange() throws {
        let store = try UsageStore.inMemory()
        func send(_ sequences: ClosedRange<Int>) throws {
            let records = sequences.map { n in
                Self.apiRequest([
                    "event.name": "api_request", "session.id": "s", "event.sequence": n, "model": "claude-haiku-4-5",
                    "workflow.name": "w\(n % 3)", "input_tokens": n * 100, "output_tokens": n,
                    "event.timestamp": "2026-12-01T09:00:00Z",
                ])
            }
            _ = try store.receive([try Self.export(Self.logs(records), .logs)], source: "t")
        }
        let totals = MetricsTotals()
        try send(1...5)
        #expect(try store.metrics(totals: totals) == store.metrics())
        try send(6...9)
        let kept = try store.metrics(totals: totals)
        #expect(kept == (try store.metrics()))
        #expect(kept.series.reduce(0) { $0 + $1.requests } == 9)
        // A request counted before changes cost, as a re-pricing changes it (with the store's own sums).
        try store.database.write { db in
            try db.execute(sql: "UPDATE requests SET cost_nanos = cost_nanos + 7 WHERE id = 1")
            try HourlyRollup.rebuild(db)
        }
        let recounted = try store.metrics(totals: totals)
        #expect(recounted == (try store.metrics()))
        #expect(
            recounted.series.reduce(USD.zero) { $0 + $1.cost } == kept.series.reduce(USD.zero) { $0 + $1.cost }
                + USD(nanos: 7))
    }
}
