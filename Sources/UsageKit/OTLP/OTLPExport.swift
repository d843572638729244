import Foundation
import SwiftProtobuf

/// An OTLP signal: each has its own path and export request.
public enum OTLPSignal: String, Sendable, CaseIterable {
    case logs, traces, metrics

    /// The OTLP/HTTP path its export requests are sent to.
    public var path: String { "/v1/\(rawValue)" }

    /// The top-level key of its export request in JSON.
    var key: StaticString {
        switch self {
        case .logs: return "resourceLogs"
        case .traces: return "resourceSpans"
        case .metrics: return "resourceMetrics"
        }
    }

    /// What its partial success counts.
    public var items: String {
        switch self {
        case .logs: return "log records"
        case .traces: return "spans"
        case .metrics: return "data points"
        }
    }

    /// The signal of the export request at `index`, told by its top-level key.
    init?(_ tape: JSONTape, _ index: Int) {
        guard tape.kind(index) == .object else { return nil }
        guard let signal = Self.allCases.first(where: { tape.member(index, $0.key) != nil }) else { return nil }
        self = signal
    }
}

/// How an OTLP/HTTP body is encoded, as its `Content-Type` says.
public enum OTLPEncoding: String, Sendable {
    case protobuf = "application/x-protobuf"
    case json = "application/json"

    /// The encoding a `Content-Type` names (parameters such as `charset` aside); nil for any other media type.
    public init?(contentType: String) {
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let encoding = Self(rawValue: media.lowercased()) else { return nil }
        self = encoding
    }

    /// The `Content-Type` of a response in this encoding.
    public var contentType: String { rawValue }
}

/// Why an OTLP body could not be read: malformed, so rejected whole.
public struct OTLPDecodingError: Error, Sendable {
    public var reason: String
}

/// One decoded OTLP export request: what `usage serve` receives on `/v1/logs`, `/v1/traces` or `/v1/metrics`,
/// and what each line of a Collector's file export holds.
public struct OTLPExport: Sendable {
    public let signal: OTLPSignal
    private var request: Request
    /// What the export came to once read ahead of storing (`readAhead`); the request is dropped then.
    private var readUsage: ReadUsage?

    /// An export's usage, read: what a sink received, to hand on to the store's sink.
    private struct ReadUsage: Sendable {
        var records: [UsageRecord] = []
        var facts: [SourceFact] = []
        var rejects: [(line: Int, reason: String)] = []
        var ignored = 0
        var outcome = OTLPReader.Outcome()
    }

    private enum Request: Sendable {
        case logs(Otlp_ExportLogsServiceRequest)
        case traces(Otlp_ExportTraceServiceRequest)
        case metrics(Otlp_ExportMetricsServiceRequest)
    }

    /// OTLP JSON: lowerCamelCase keys (the proto's own names too), 64-bit integers as strings or numbers, enums as
    /// integers; unknown fields ignored, as OTLP asks of receivers.
    private static let jsonOptions: JSONDecodingOptions = {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        return options
    }()

    /// Decodes a body received for `signal`.
    public init(_ body: [UInt8], signal: OTLPSignal, encoding: OTLPEncoding) throws(OTLPDecodingError) {
        self.signal = signal
        do {
            switch (signal, encoding) {
            case (.logs, .protobuf): request = .logs(try Otlp_ExportLogsServiceRequest(serializedBytes: body))
            case (.traces, .protobuf): request = .traces(try Otlp_ExportTraceServiceRequest(serializedBytes: body))
            case (.metrics, .protobuf):
                request = .metrics(try Otlp_ExportMetricsServiceRequest(serializedBytes: body))
            case (.logs, .json):
                request = .logs(try Otlp_ExportLogsServiceRequest(jsonUTF8Bytes: body, options: Self.jsonOptions))
            case (.traces, .json):
                request = .traces(try Otlp_ExportTraceServiceRequest(jsonUTF8Bytes: body, options: Self.jsonOptions))
            case (.metrics, .json):
                request = .metrics(
                    try Otlp_ExportMetricsServiceRequest(jsonUTF8Bytes: body, options: Self.jsonOptions))
            }
        } catch {
            throw OTLPDecodingError(reason: Self.describe(error, encoding: encoding, signal: signal))
        }
    }

    /// Decodes one JSON export request whose signal its top-level key tells.
    init(json bytes: UnsafeBufferPointer<UInt8>) throws(OTLPDecodingError) {
        let signal: OTLPSignal
        if contains(bytes, "\"resourceLogs\"") || contains(bytes, "\"resource_logs\"") {
            signal = .logs
        } else if contains(bytes, "\"resourceSpans\"") || contains(bytes, "\"resource_spans\"") {
            signal = .traces
        } else if contains(bytes, "\"resourceMetrics\"") || contains(bytes, "\"resource_metrics\"") {
            signal = .metrics
        } else {
            throw OTLPDecodingError(
                reason: "not an OTLP export request (no resourceLogs, resourceSpans or resourceMetrics)")
        }
        try self.init(Array(bytes), signal: signal, encoding: .json)
    }

    private static func describe(_ error: Error, encoding: OTLPEncoding, signal: OTLPSignal) -> String {
        let what = "not an OTLP \(signal.rawValue) export request in \(encoding == .json ? "JSON" : "protobuf")"
        switch error {
        case let error as JSONDecodingError: return "\(what): \(error)"
        case let error as BinaryDecodingError: return "\(what): \(error)"
        default: return what
        }
    }

    /// The log records, spans or data points it holds.
    public var items: Int {
        if let read = readUsage { return read.records.count + read.facts.count + read.rejects.count + read.ignored }
        switch request {
        case .logs(let r): return r.resourceLogs.reduce(0) { $0 + $1.scopeLogs.reduce(0) { $0 + $1.logRecords.count } }
        case .traces(let r): return r.resourceSpans.reduce(0) { $0 + $1.scopeSpans.reduce(0) { $0 + $1.spans.count } }
        case .metrics(let r):
            return r.resourceMetrics.reduce(0) { sum, resource in
                sum
                    + resource.scopeMetrics.reduce(0) { sum, scope in
                        sum
                            + scope.metrics.reduce(0) { sum, metric in
                                switch metric.data {
                                case .sum(let s): return sum + s.dataPoints.count
                                case .gauge(let g): return sum + g.dataPoints.count
                                case nil: return sum
                                }
                            }
                    }
            }
        }
    }

    /// Reads the usage now, on the calling thread, so that storing it later only prices and writes it: a server
    /// reads each export where it arrived, in parallel, and its one writer only writes. `receivedAt` dates what
    /// states no time; `zone` is that of a time written without one.
    public mutating func readAhead(receivedAt: Date = Date(), zone: TimeZoneRule = IngestOptions().zone) {
        guard readUsage == nil else { return }
        let sink = CollectingSink()
        let reader = OTLPReader(
            line: 0, fallbackTimestamp: Int64(receivedAt.timeIntervalSince1970 * 1000), zone: zone)
        // A collecting sink takes everything: reading cannot fail.
        let outcome = (try? read(with: reader, into: sink)) ?? OTLPReader.Outcome()
        readUsage = ReadUsage(
            records: sink.records, facts: sink.facts, rejects: sink.rejects, ignored: sink.ignored, outcome: outcome)
        request = .logs(Otlp_ExportLogsServiceRequest())
    }

    /// Reads its usage into `sink` (or hands on what `readAhead` read).
    func read(with reader: OTLPReader, into sink: ParseSink) throws -> OTLPReader.Outcome {
        if let read = readUsage {
            for record in read.records { try sink.accept(record) }
            for fact in read.facts { try sink.note(fact) }
            for reject in read.rejects { sink.reject(line: reject.line, reason: reject.reason) }
            for _ in 0..<read.ignored { sink.ignore(line: 0) }
            return read.outcome
        }
        switch request {
        case .logs(let r): return try reader.read(r, into: sink)
        case .traces(let r): return try reader.read(r, into: sink)
        case .metrics(let r): return try reader.read(r, into: sink)
        }
    }

    /// The body of a 200 answer: success, or a partial success that counts the `rejected` items and says why.
    public static func response(to signal: OTLPSignal, rejected: Int, message: String?, encoding: OTLPEncoding)
        -> [UInt8]
    {
        func encode(_ message: some SwiftProtobuf.Message) -> [UInt8] {
            switch encoding {
            case .protobuf: return (try? message.serializedBytes()) ?? []
            case .json: return Array(((try? message.jsonString()) ?? "{}").utf8)
            }
        }
        let partial = rejected > 0 || message != nil
        switch signal {
        case .logs:
            var response = Otlp_ExportLogsServiceResponse()
            if partial {
                response.partialSuccess.rejectedLogRecords = Int64(rejected)
                response.partialSuccess.errorMessage = message ?? ""
            }
            return encode(response)
        case .traces:
            var response = Otlp_ExportTraceServiceResponse()
            if partial {
                response.partialSuccess.rejectedSpans = Int64(rejected)
                response.partialSuccess.errorMessage = message ?? ""
            }
            return encode(response)
        case .metrics:
            var response = Otlp_ExportMetricsServiceResponse()
            if partial {
                response.partialSuccess.rejectedDataPoints = Int64(rejected)
                response.partialSuccess.errorMessage = message ?? ""
            }
            return encode(response)
        }
    }

    /// The body of a failed request: a `google.rpc.Status` holding `message`, as OTLP/HTTP asks.
    public static func failure(_ message: String, encoding: OTLPEncoding) -> [UInt8] {
        var status = Otlp_Status()
        status.message = message
        switch encoding {
        case .protobuf: return (try? status.serializedBytes()) ?? []
        case .json: return Array(((try? status.jsonString()) ?? "{}").utf8)
        }
    }
}

/// Keeps what a parser finds, to hand on later.
private final class CollectingSink: ParseSink {
    var format = SourceFormat.otlp
    var records: [UsageRecord] = []
    var facts: [SourceFact] = []
    var rejects: [(line: Int, reason: String)] = []
    var ignored = 0

    func accept(_ record: UsageRecord) throws { records.append(record) }
    func note(_ fact: SourceFact) throws { facts.append(fact) }
    func reject(line: Int, reason: String) { rejects.append((line, reason)) }
    func ignore(line: Int) { ignored += 1 }
}
