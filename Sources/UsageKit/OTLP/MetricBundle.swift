/// Claude Code's cost and token counter points of one time for one set of attributes (one model, one session):
/// one aggregated row once each point is turned into what it adds since the last point of its series.
///
/// A delta point adds its value. A cumulative point adds what it grew by since the series' last point, which the
/// store keeps (`metric_series`): a point no later than the last adds nothing (a retry, or a late copy), and a
/// series that restarted (a new start time, or a value below the last) counts from zero again, so a counter reset
/// never counts twice.
struct MetricBundle: Sendable {
    static let costMetric = "claude_code.cost.usage"
    static let tokenMetric = "claude_code.token.usage"

    enum Temporality: Sendable, CustomStringConvertible {
        case delta, cumulative, unspecified
        var description: String {
            switch self {
            case .delta: return "delta"
            case .cumulative: return "cumulative"
            case .unspecified: return "unspecified"
            }
        }
    }

    enum Kind: Sendable {
        case input, output, cacheRead, cacheCreation, cost
    }

    /// One point of one series.
    struct Part: Sendable {
        /// The series: its resource, metric and attributes, hashed.
        var series: Int64
        var kind: Kind
        var value: Double
        /// When the series started counting: a new start is a restart.
        var start: UInt64
    }

    /// Model, session, time and attribution; tokens and logged cost come from the parts.
    var record: UsageRecord
    var temporality: Temporality
    /// The points' time: series of one row may have started apart (a counter is created when first added to).
    var time: UInt64
    /// The points' attributes but `type`, and their resource: which row the parts make.
    var key: String
    var parts: [Part] = []

    /// The row's identity and each point's series, from the attributes (in key order, so an exporter's order
    /// does not matter) and the resource.
    static func key(_ attributes: [Otlp_KeyValue], resource: [Otlp_KeyValue], metric: String)
        -> (bundle: String, series: Int64)
    {
        func text(_ pairs: [Otlp_KeyValue]) -> String {
            pairs.sorted { $0.key < $1.key }.map { "\($0.key)=\(describe($0.value))" }.joined(separator: ",")
        }
        let resourceText = text(resource)
        let bundle = resourceText + "|" + text(attributes.filter { $0.key != "type" })
        var series = Array((metric + "|" + resourceText + "|" + text(attributes)).utf8)
        let hash = series.withUnsafeMutableBufferPointer { FNV1a.hash(UnsafeBufferPointer($0)) }
        return (bundle, hash)
    }

    private static func describe(_ value: Otlp_AnyValue) -> String {
        switch value.value {
        case .stringValue(let s): return s
        case .intValue(let n): return String(n)
        case .doubleValue(let d): return String(d)
        case .boolValue(let b): return String(b)
        case .arrayValue(let a): return "[" + a.values.map(describe).joined(separator: ",") + "]"
        case .kvlistValue(let l): return "{" + l.values.map { "\($0.key)=\(describe($0.value))" }.joined() + "}"
        case .bytesValue(let b): return b.map { String($0, radix: 16) }.joined()
        case nil: return ""
        }
    }
}
