import Foundation

/// Turns OTLP export requests into usage: Claude Code's `api_request` events and OpenTelemetry GenAI spans into
/// requests, Claude Code's cost and token counters into aggregated rows. It reads usage metadata only: prompt,
/// response and body attributes a sender includes are never looked at, so they are never stored.
///
/// Names, from Claude Code's monitoring documentation (https://code.claude.com/docs/en/monitoring-usage) and the
/// OpenTelemetry GenAI semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/):
/// - the event's body is `claude_code.api_request` and its `event.name` attribute `api_request`; its numbers
///   (`input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_creation_tokens`, `cost_usd`) arrive as
///   integers, doubles or strings by exporter;
/// - the counters are `claude_code.cost.usage` (USD) and `claude_code.token.usage` (tokens, by `type`: `input`,
///   `output`, `cacheRead`, `cacheCreation`), delta by default, cumulative when the user prefers;
/// - a GenAI span's `gen_ai.usage.input_tokens` INCLUDES cached tokens, unlike the Messages API's `input_tokens`.
///
/// Neither the event, the counters nor the spans split cache writes into 5-minute and 1-hour ones: they are
/// priced as 5-minute writes, and reports say so (`UsageReport.telemetry`).
struct OTLPReader {
    /// The line of the file the request was read from (every record of a request shares it); 0 for a request
    /// received over HTTP.
    var line: Int
    /// The time for a record that states none: when it was received, or the file's modification time.
    var fallbackTimestamp: Int64
    var zone: TimeZoneRule

    /// What reading one export request came to: OTLP's partial success counts what was rejected.
    struct Outcome: Sendable, Equatable {
        var rejected = 0
        /// The first rejection's reason, for the sender.
        var firstRejection: String?
    }

    // MARK: Logs

    func read(_ request: Otlp_ExportLogsServiceRequest, into sink: ParseSink) throws -> Outcome {
        var outcome = Outcome()
        var ordinal = 0
        for resourceLogs in request.resourceLogs {
            let resource = resourceLogs.resource.attributes
            for scope in resourceLogs.scopeLogs {
                for log in scope.logRecords {
                    ordinal += 1
                    let attributes = OTLPAttributes(log.attributes, resource: resource)
                    guard Self.isAPIRequest(log, attributes) else {
                        sink.ignore(line: line)
                        continue
                    }
                    let record: UsageRecord
                    do throws(ParseFailure) {
                        record = try apiRequest(log, attributes)
                    } catch {
                        reject("log record \(ordinal): \(error.reason)", into: sink, outcome: &outcome)
                        continue
                    }
                    try sink.accept(record)
                }
            }
        }
        return outcome
    }

    /// Whether a log record is Claude Code's `api_request` event, told by its event name, its body or its
    /// `event.name` attribute.
    static func isAPIRequest(_ log: Otlp_LogRecord, _ attributes: OTLPAttributes) -> Bool {
        let full = "claude_code.api_request"
        if log.eventName == full || log.body.text == full { return true }
        return attributes.string("event.name") == "api_request" && (log.eventName.isEmpty || log.eventName == full)
    }

    /// One `api_request` event as a request.
    func apiRequest(_ log: Otlp_LogRecord, _ a: OTLPAttributes) throws(ParseFailure) -> UsageRecord {
        guard let model = a.string("model") else { throw ParseFailure("api_request event without a model") }
        guard let input = try a.count("input_tokens"), let output = try a.count("output_tokens") else {
            throw ParseFailure("api_request event without input_tokens and output_tokens")
        }
        var record = UsageRecord(
            timestamp: try timestamp(a, log.timeUnixNano, log.observedTimeUnixNano), model: model,
            tokens: TokenCounts(
                input: input, cacheWrite5m: try a.count("cache_creation_tokens") ?? 0,
                cacheRead: try a.count("cache_read_tokens") ?? 0, output: output),
            line: line)
        if let micros = try a.count("cost_usd_micros") {
            record.loggedCost = USD(nanos: micros * 1000)
        } else if let dollars = try a.number("cost_usd") {
            record.loggedCost = USD(dollars: dollars)
        }
        record.speed = a.string("speed") == "fast" ? "fast" : nil
        record.session = a.string("session.id")
        record.workflow = a.string("workflow.name")
        record.taskType = a.string("query_source")
        record.project = a.string("workspace.host_paths") ?? a.string("project")
        // An exporter's retry sends the same event again: its session, prompt and place in the session's sequence
        // name it. Without a sequence, the usage itself does (`UsageRecord.dedupeKey`).
        if let session = record.session, let sequence = a.string("event.sequence") {
            record.requestID = "otel-event:\(session):\(a.string("prompt.id") ?? ""):\(sequence)"
        }
        return record
    }

    // MARK: Traces

    func read(_ request: Otlp_ExportTraceServiceRequest, into sink: ParseSink) throws -> Outcome {
        var outcome = Outcome()
        var ordinal = 0
        for resourceSpans in request.resourceSpans {
            let resource = resourceSpans.resource.attributes
            for scope in resourceSpans.scopeSpans {
                for span in scope.spans {
                    ordinal += 1
                    let attributes = OTLPAttributes(span.attributes, resource: resource)
                    guard Self.isAnthropicUsage(attributes) else {
                        sink.ignore(line: line)
                        continue
                    }
                    let record: UsageRecord
                    do throws(ParseFailure) {
                        record = try genAISpan(span, attributes)
                    } catch {
                        reject("span \(ordinal): \(error.reason)", into: sink, outcome: &outcome)
                        continue
                    }
                    try sink.accept(record)
                }
            }
        }
        return outcome
    }

    /// Whether a span is a GenAI call to an Anthropic model that reports usage. Claude Code's own spans are
    /// not: its `api_request` events count the same calls.
    static func isAnthropicUsage(_ a: OTLPAttributes) -> Bool {
        if a.string("service.name") == "claude-code" { return false }
        guard a.value("gen_ai.usage.input_tokens") != nil || a.value("gen_ai.usage.output_tokens") != nil else {
            return false
        }
        // `gen_ai.system` is the conventions' earlier name of `gen_ai.provider.name`.
        let provider = a.string("gen_ai.provider.name") ?? a.string("gen_ai.system")
        return provider == "anthropic"
    }

    /// One GenAI span as a request.
    func genAISpan(_ span: Otlp_Span, _ a: OTLPAttributes) throws(ParseFailure) -> UsageRecord {
        guard let model = a.string("gen_ai.response.model") ?? a.string("gen_ai.request.model") else {
            throw ParseFailure("GenAI span without gen_ai.response.model or gen_ai.request.model")
        }
        let read = try a.count("gen_ai.usage.cache_read.input_tokens") ?? 0
        let written = try a.count("gen_ai.usage.cache_creation.input_tokens") ?? 0
        let prompt = try a.count("gen_ai.usage.input_tokens") ?? 0
        // The conventions count cached tokens in the input; the Messages API does not. Less input than cache
        // means an instrumentation that passed the API's figure on unchanged.
        let uncached = prompt >= read + written ? prompt - read - written : prompt
        var record = UsageRecord(
            timestamp: try timestamp(a, span.endTimeUnixNano, span.startTimeUnixNano), model: model,
            tokens: TokenCounts(
                input: uncached, cacheWrite5m: written, cacheRead: read,
                output: try a.count("gen_ai.usage.output_tokens") ?? 0),
            line: line)
        // The response's own id: the same response logged elsewhere (a Messages API log) is the same request.
        record.messageID = a.string("gen_ai.response.id")
        record.session = a.string("gen_ai.conversation.id") ?? a.string("session.id")
        record.workflow = a.string("workflow.name") ?? a.string("service.name")
        record.project = a.string("project") ?? a.string("service.namespace")
        if let tier = a.string("gen_ai.anthropic.service_tier") ?? a.string("anthropic.service_tier") {
            record.serviceTier = tier
        }
        if record.messageID == nil {
            // A span is sent once per trace export; its trace and span ids name it across retries.
            let ids = (span.traceID + span.spanID).map { String(format: "%02x", $0) }.joined()
            if !ids.isEmpty { record.requestID = "otel-span:" + ids }
        }
        return record
    }

    // MARK: Metrics

    func read(_ request: Otlp_ExportMetricsServiceRequest, into sink: ParseSink) throws -> Outcome {
        var outcome = Outcome()
        var bundles: [String: MetricBundle] = [:]
        var order: [String] = []
        var ordinal = 0
        for resourceMetrics in request.resourceMetrics {
            let resource = resourceMetrics.resource.attributes
            for scope in resourceMetrics.scopeMetrics {
                for metric in scope.metrics {
                    let points: [Otlp_NumberDataPoint]
                    var temporality = MetricBundle.Temporality.delta
                    switch metric.data {
                    case .sum(let sum):
                        points = sum.dataPoints
                        switch sum.aggregationTemporality {
                        case .delta: temporality = .delta
                        case .cumulative: temporality = .cumulative
                        default: temporality = .unspecified
                        }
                    case .gauge(let gauge): points = gauge.dataPoints
                    case nil: points = []
                    }
                    guard metric.name == MetricBundle.costMetric || metric.name == MetricBundle.tokenMetric else {
                        for _ in points { sink.ignore(line: line) }
                        continue
                    }
                    for point in points {
                        ordinal += 1
                        do throws(ParseFailure) {
                            guard case .sum = metric.data else {
                                throw ParseFailure("\(metric.name) is not a sum (a counter)")
                            }
                            guard temporality != .unspecified else {
                                throw ParseFailure("\(metric.name) has no aggregation temporality")
                            }
                            let a = OTLPAttributes(point.attributes, resource: resource)
                            let part = try Self.part(metric.name, point, a)
                            let key = MetricBundle.key(point.attributes, resource: resource, metric: metric.name)
                            let bundleKey =
                                "\(key.bundle)|\(temporality)|\(point.timeUnixNano)"
                            if bundles[bundleKey] == nil {
                                order.append(bundleKey)
                                bundles[bundleKey] = try bundle(point, a, temporality: temporality, key: key.bundle)
                            }
                            bundles[bundleKey]!.parts.append(
                                MetricBundle.Part(
                                    series: key.series, kind: part.kind, value: part.value,
                                    start: point.startTimeUnixNano))
                        } catch {
                            reject("data point \(ordinal): \(error.reason)", into: sink, outcome: &outcome)
                        }
                    }
                }
            }
        }
        for key in order { try sink.note(.metrics(bundles[key]!)) }
        return outcome
    }

    /// What one counter point measures, and how much.
    private static func part(_ metric: String, _ point: Otlp_NumberDataPoint, _ a: OTLPAttributes)
        throws(ParseFailure) -> (kind: MetricBundle.Kind, value: Double)
    {
        let value: Double
        switch point.value {
        case .asInt(let number): value = Double(number)
        case .asDouble(let number): value = number
        case nil: throw ParseFailure("\(metric) point without a value")
        }
        guard value.isFinite, value >= 0 else { throw ParseFailure("\(metric) point is negative or not finite") }
        if metric == MetricBundle.costMetric { return (.cost, value) }
        guard value == value.rounded() else { throw ParseFailure("\(metric) point is not a whole number") }
        switch a.string("type") {
        case "input": return (.input, value)
        case "output": return (.output, value)
        case "cacheRead": return (.cacheRead, value)
        case "cacheCreation": return (.cacheCreation, value)
        case let other: throw ParseFailure("\(metric) point of unknown type \(OTLPAttributes.quoted(other ?? ""))")
        }
    }

    /// The row a set of counter points at one time adds to: model, session and attribution, tokens to come.
    private func bundle(
        _ point: Otlp_NumberDataPoint, _ a: OTLPAttributes, temporality: MetricBundle.Temporality, key: String
    )
        throws(ParseFailure) -> MetricBundle
    {
        guard let model = a.string("model") else { throw ParseFailure("counter point without a model") }
        guard point.timeUnixNano > 0 else { throw ParseFailure("counter point without a time") }
        var record = UsageRecord(
            timestamp: Int64(point.timeUnixNano / 1_000_000), model: model, tokens: TokenCounts(), line: line)
        record.aggregated = true
        record.session = a.string("session.id")
        record.speed = a.string("speed") == "fast" ? "fast" : nil
        record.taskType = a.string("query_source")
        return MetricBundle(
            record: record, temporality: temporality, time: point.timeUnixNano,
            key: key)
    }

    // MARK: Shared

    /// The time a record states: its `event.timestamp`, else the first of `times` set, else the fallback.
    private func timestamp(_ a: OTLPAttributes, _ times: UInt64...) throws(ParseFailure) -> Int64 {
        if var text = a.string("event.timestamp") {
            guard let ms = text.withUTF8({ Timestamp.parse($0, defaultOffset: zone.offset) }) else {
                throw ParseFailure("event.timestamp is not a date: \(OTLPAttributes.quoted(text))")
            }
            return ms
        }
        for time in times where time > 0 { return Int64(time / 1_000_000) }
        return fallbackTimestamp
    }

    private func reject(_ reason: String, into sink: ParseSink, outcome: inout Outcome) {
        outcome.rejected += 1
        if outcome.firstRejection == nil { outcome.firstRejection = reason }
        sink.reject(line: line, reason: reason)
    }
}
