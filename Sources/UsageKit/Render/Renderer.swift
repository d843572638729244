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

/// The formats of `usage report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, csv, markdown, html
}

/// Turns report values into text. One type per output format; none knows about SQL or arguments.
public protocol Renderer {
    func render(_ report: UsageReport) -> String
    func render(_ events: [RequestEvent]) -> String
    func render(_ sources: [SourceFile]) -> String
    /// Prompt-caching analytics; `top` bounds the per-workflow, session and project lists.
    func render(_ stats: CacheStats, top: Int) -> String
    /// Sessions, as session trackers list them.
    func render(sessions: [CacheStats.Group]) -> String
    /// Budgets: the status line first, for alerting tools.
    func render(_ check: BudgetCheck) -> String
}

/// The window of a budget's period, for people: `2026-11-16 to 2026-11-22`.
func window(_ r: BudgetResult, zone: TimeZoneRule) -> String {
    func day(_ ms: Int64) -> String {
        Timestamp.dayString(days: zone.localDay(utcMillis: ms))
    }
    return day(r.start) + " to " + day(r.end - 1)
}

/// What each cache figure means, for every output that shows them.
public let cacheLegend = [
    "hit rate = cache read tokens / prompt tokens, where prompt tokens = uncached input + cache writes + cache reads",
    "cost without cache = the same requests with every cache-written or cache-read token at the base input rate of its model, tier and modifiers",
    "gross saving = cache reads x (input rate - read rate); write premium = cache writes x (write rate - input rate); net saving = gross saving - write premium",
    "batch saving = what the batch requests would have cost at standard rates, minus what they cost",
    "waste = the premium of writes never read within their lifetime (same session or workflow and model), plus the extra of 1-hour writes whose every use came within 5 minutes",
]

/// A ratio as a percentage with one decimal, or `-` when there is none.
public func percent(_ rate: Double?) -> String {
    guard let rate else { return "-" }
    let tenths = Int((rate * 1000).rounded())
    let sign = tenths < 0 ? "-" : ""
    return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)%"
}

/// A set's cost in the readable formats: `-` when empty, `unpriced` when nothing in it is priced, and a mark when
/// part of it is.
func costText(_ t: UsageTotals) -> String {
    if t.rows == 0 { return "-" }
    if t.nothingPriced { return "unpriced" }
    return t.cost.display + (t.unpricedRequests > 0 ? " + unpriced" : "")
}

/// The notes every report carries about what its cost leaves out or assumes.
func reportNotes(_ report: UsageReport) -> [String] {
    var notes: [String] = []
    for model in report.unpriced {
        notes.append(
            "\(model.model): \(model.requests) \(model.requests == 1 ? "request" : "requests") UNPRICED "
                + "(\(groupThousands(String(model.tokens.prompt))) prompt and \(groupThousands(String(model.tokens.output))) "
                + "output tokens); cost unknown and not in the totals. Price it with `usage pricing import FILE`, then "
                + "`usage reprice`.")
    }
    let t = report.totals
    let adminRows = t.aggregatedRows - report.headlessRows
    if report.headlessRows > 0 {
        let n = report.headlessRows
        notes.append(
            "\(n) headless Claude Code run \(n == 1 ? "total" : "totals") (a `result`'s usage of a model its session's "
                + "responses do not carry) counted in tokens and cost but not in requests.")
    }
    if adminRows > 0 {
        notes.append(
            "\(adminRows) Admin API usage report \(adminRows == 1 ? "row" : "rows") (sums over a time bucket) "
                + "counted in tokens and cost but not in requests.")
        if t.requests > 0 {
            notes.append(
                "This period holds both Admin API usage report rows and request logs: where they cover the same traffic, "
                    + "its tokens and cost are counted twice.")
        }
    }
    if t.loggedRequests > 0 {
        let difference = t.loggedCost - t.loggedComputedCost
        let share = t.loggedComputedCost.nanos == 0 ? "" : " (\(percent(Double(difference.nanos) / Double(t.loggedComputedCost.nanos))))"
        notes.append(
            "\(t.loggedRequests) \(t.loggedRequests == 1 ? "request carries its" : "requests carry their") own logged cost: "
                + "\(t.loggedCost.exact) USD logged against "
                + "\(t.loggedComputedCost.exact) USD computed, a difference of \(difference.exact) USD\(share).")
    }
    if let billed = report.billed {
        let difference = t.cost - billed
        notes.append(
            "Admin API cost reports billed \(billed.exact) USD in this period; the computed cost differs by "
                + "\(difference.exact) USD (usage and cost reports only agree where both cover the same traffic).")
    }
    let it = report.totals.iterations
    for advisor in report.advisors {
        notes.append(
            "Advisor calls (usage.iterations): \(advisor.model) consulted \(advisor.calls) \(advisor.calls == 1 ? "time" : "times") "
                + "in \(advisor.requests) \(advisor.requests == 1 ? "request" : "requests"), \(groupThousands(String(advisor.tokens.prompt))) "
                + "prompt and \(groupThousands(String(advisor.tokens.output))) output tokens, "
                + (advisor.cost.map { "\($0.exact) USD at its own rates" } ?? "cost unknown (its model is unpriced)")
                + "; in the cost, not in the token columns.")
    }
    if it.compactions > 0 {
        notes.append(
            "Compactions (usage.iterations): \(it.compactions), \(groupThousands(String(it.compactionPromptTokens))) prompt and "
                + "\(groupThousands(String(it.compactionOutputTokens))) output tokens, \(it.compactionCost.exact) USD at the "
                + "requests' own models' rates; in the cost, not in the token columns.")
    }
    if report.totals.priorityRequests > 0 {
        notes.append(
            "\(report.totals.priorityRequests) priority-tier \(report.totals.priorityRequests == 1 ? "request" : "requests") "
                + "priced at standard rates (priority has no public per-token price).")
    }
    return notes
}

/// A group's advisor or compaction cost in the readable formats: `-` when it has none.
///
/// An advisor call or compaction of an unpriced request (an advisor model the table does not know) has no known
/// cost: unknown is not zero, so a group with nothing priced says "unpriced"; where only some requests are, the
/// known part is shown and the group's cost says "+ unpriced".
func iterationCostText(_ cost: USD, count: Int64, of t: UsageTotals, money show: (USD) -> String = { $0.display }) -> String {
    guard count > 0 else { return "-" }
    return t.nothingPriced ? "unpriced" : show(cost)
}

/// A ratio with six decimals, e.g. `0.871234`; nil stays nil.
func ratioText(_ value: Double?) -> String? {
    guard let value else { return nil }
    let micros = Int64((value * 1_000_000).rounded())
    let fraction = String(micros % 1_000_000)
    return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
}

/// Money for people when amounts are often small: cents from a dollar up, four decimals below.
func money(_ amount: USD) -> String {
    if amount.nanos.magnitude >= 1_000_000_000 { return amount.display }
    let tenThousandths = (Double(amount.nanos) / 100_000).rounded()
    let sign = tenThousandths < 0 ? "-" : ""
    let v = Int64(abs(tenThousandths))
    let fraction = String(v % 10_000)
    return sign + "$0." + String(repeating: "0", count: 4 - fraction.count) + fraction
}

/// The report's first and last days, in its time zone: `2026-11-01 to 2026-11-22`.
func periodText(_ r: UsageReport) -> String? {
    guard let first = r.first, let last = r.last else { return nil }
    return r.zone.labels(forBucketStartingAt: first)[.day]! + " to " + r.zone.labels(forBucketStartingAt: last)[.day]!
}
