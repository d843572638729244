/// The output formats of the tool's commands.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table
    case json
    case csv

    /// The renderer for this format.
    public var renderer: any Renderer {
        switch self {
        case .table: return TableRenderer()
        case .json: return JSONRenderer()
        case .csv: return CSVRenderer()
        }
    }
}

/// Turns report values into text. One type per output format; none knows about SQL or arguments.
public protocol Renderer {
    func render(_ report: UsageReport) -> String
    func render(_ events: [RequestEvent]) -> String
}

/// The cache hit rate as a percentage with one decimal, or `-` when there were no prompt tokens.
func percent(_ rate: Double?) -> String {
    guard let rate else { return "-" }
    let tenths = Int((rate * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
}

/// The notes every report carries about what its cost leaves out or assumes.
func reportNotes(_ report: UsageReport) -> [String] {
    var notes: [String] = []
    for model in report.unpriced {
        notes.append(
            "\(model.model): \(model.requests) \(model.requests == 1 ? "request" : "requests") UNPRICED "
                + "(\(groupThousands(String(model.tokens.prompt))) prompt and \(groupThousands(String(model.tokens.output))) "
                + "output tokens); cost unknown and not in the totals. The built-in price table does not know this model.")
    }
    if report.totals.priorityRequests > 0 {
        notes.append(
            "\(report.totals.priorityRequests) priority-tier \(report.totals.priorityRequests == 1 ? "request" : "requests") "
                + "priced at standard rates (priority has no public per-token price).")
    }
    return notes
}

/// A ratio with six decimals, e.g. `0.871234`; nil stays nil.
func ratioText(_ value: Double?) -> String? {
    guard let value else { return nil }
    let micros = Int64((value * 1_000_000).rounded())
    let fraction = String(micros % 1_000_000)
    return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
}
