/// Token, request and cost sums over a set of requests.
public struct UsageTotals: Sendable, Equatable {
    /// Requests known one by one; Admin API report rows are sums and count in `aggregatedRows` instead.
    public var requests: Int64 = 0
    /// Aggregated rows: Admin API usage report rows (each the sum of a bucket's requests) and headless Claude Code
    /// run totals (each the sum of a run's requests of one model).
    public var aggregatedRows: Int64 = 0
    public var tokens = TokenCounts()
    public var webSearchRequests: Int64 = 0
    /// Sum of the priced requests' exact costs.
    public var cost: USD = .zero
    /// Requests whose model is unknown to the price table: their cost is not in `cost`.
    public var unpricedRequests: Int64 = 0
    /// Requests on the priority tier, priced at standard rates.
    public var priorityRequests: Int64 = 0
    /// Requests whose log states a cost of its own (telemetry `cost`, Claude Code `costUSD`).
    public var loggedRequests: Int64 = 0
    /// The sum of those logged costs.
    public var loggedCost: USD = .zero
    /// The tool's own cost of the same requests, to set beside `loggedCost`.
    public var loggedComputedCost: USD = .zero
    /// Advisor calls and compactions the responses' `usage.iterations` billed beside their own tokens (which the
    /// token figures above count alone); their cost is part of `cost`.
    public var iterations = IterationTotals()

    public init() {}

    /// The totals of the store's sums.
    init(_ s: RequestSums) {
        requests = s.requests
        aggregatedRows = s.aggregatedRows
        tokens = s.tokens
        webSearchRequests = s.webSearchRequests
        cost = s.cost
        unpricedRequests = s.unpricedRequests
        priorityRequests = s.priorityRequests
        loggedRequests = s.loggedRequests
        loggedCost = s.loggedCost
        loggedComputedCost = s.loggedComputedCost
        iterations = s.iterations
    }

    /// Share of prompt tokens served from cache: cache reads / (input + cache writes + cache reads); nil when the
    /// set has no prompt tokens.
    public var cacheHitRate: Double? {
        let prompt = tokens.prompt
        return prompt > 0 ? Double(tokens.cacheRead) / Double(prompt) : nil
    }

    /// Cache writes of both lifetimes.
    public var cacheWriteTokens: Int64 { tokens.cacheWrite5m + tokens.cacheWrite1h }

    /// Stored rows: requests plus aggregated report rows.
    public var rows: Int64 { requests + aggregatedRows }

    /// True when nothing in the set is priced, so its cost is unknown rather than zero.
    public var nothingPriced: Bool { rows > 0 && unpricedRequests == rows }

    /// Field by field, not over key paths: a report adds one per rollup row it reads, and a key path costs a
    /// dynamic look-up per field.
    mutating func add(_ other: UsageTotals) {
        requests += other.requests
        aggregatedRows += other.aggregatedRows
        webSearchRequests += other.webSearchRequests
        unpricedRequests += other.unpricedRequests
        priorityRequests += other.priorityRequests
        loggedRequests += other.loggedRequests
        cost += other.cost
        loggedCost += other.loggedCost
        loggedComputedCost += other.loggedComputedCost
        tokens += other.tokens
        iterations.add(other.iterations)
    }
}

/// How `usage report --by` splits its rows (the one-dimension form of `ReportDimension`).
public enum ReportGrouping: String, Sendable, CaseIterable {
    case model
    case day

    var dimension: ReportDimension { self == .model ? .model : .day }
}

/// What a report's rows can be grouped by; `--group-by` takes one or two.
public enum ReportDimension: String, Sendable, CaseIterable {
    case day, week, month, model, session, workflow, project
    case serviceTier = "service-tier"
    case source

    /// Time dimensions follow the report's time zone; the others are attributes of requests.
    public var isTime: Bool { self == .day || self == .week || self == .month }

    /// The JSON and CSV key of this dimension.
    public var key: String { self == .serviceTier ? "service_tier" : rawValue }

    /// The request attribute an attribute dimension groups by; nil for time.
    var attribute: RequestAttribute? {
        switch self {
        case .day, .week, .month: return nil
        case .model: return .model
        case .session: return .session
        case .workflow: return .workflow
        case .project: return .project
        case .serviceTier: return .serviceTier
        case .source: return .source
        }
    }
}

/// The answer to "what did we spend": totals, one row per group, and what could not be priced.
public struct UsageReport: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// One value per dimension: a model id (as priced, else as logged), a day `YYYY-MM-DD`, a week (its
        /// Monday), a month `YYYY-MM`, or an attribute (`(none)` when the log has none).
        public var keys: [String]
        public var totals: UsageTotals
        /// What Admin API cost reports say was billed for this group; nil when they say nothing of it.
        public var billed: USD? = nil

        /// The first dimension's value.
        public var key: String { keys[0] }
    }

    public var dimensions: [ReportDimension]
    public var zone: TimeZoneRule
    public var filter: RequestFilter
    public var totals: UsageTotals
    public var rows: [Row]
    public var unpriced: [UnpricedModel]
    /// The advisor models the responses consulted, costliest first.
    public var advisors: [AdvisorUsage] = []
    /// First and last request timestamps in the set.
    public var first: Int64?
    public var last: Int64?
    public var priceTableVersion: String
    /// What Admin API cost reports say was billed in the period; nil when none were ingested for it.
    public var billed: USD? = nil
    /// Of the aggregated rows, those that are headless Claude Code runs' results (the rest are Admin API rows,
    /// Claude Code counters and analytics rows).
    public var headlessRows: Int64 = 0
    /// OpenTelemetry and Claude Code analytics rows, which the notes speak of.
    public var telemetry = TelemetryCounts()

    public static func == (a: UsageReport, b: UsageReport) -> Bool {
        a.dimensions == b.dimensions && a.filter == b.filter && a.totals == b.totals && a.rows == b.rows
            && a.unpriced == b.unpriced && a.first == b.first && a.last == b.last && a.billed == b.billed
            && a.advisors == b.advisors
    }

    /// The one dimension of a `--by` report.
    public var grouping: ReportGrouping { dimensions == [.model] ? .model : .day }

    /// Where the sums come from: the hourly rollup when the filter allows it, else the requests themselves.
    public enum Source: Sendable {
        case automatic
        case requests
    }

    /// Runs a one-dimension report, days in UTC.
    static func fetch(
        _ storage: some UsageStorage, filter: RequestFilter, grouping: ReportGrouping, priceTableVersion: String,
        source: Source = .automatic
    ) throws -> UsageReport {
        try fetch(
            storage, filter: filter, by: [grouping.dimension], zone: .utc, priceTableVersion: priceTableVersion,
            source: source)
    }

    /// Runs the report, grouped by one or two dimensions, days in `zone`: the sums from the store, folded here.
    static func fetch(
        _ storage: some UsageStorage, filter: RequestFilter, by dimensions: [ReportDimension], zone: TimeZoneRule,
        priceTableVersion: String, source: Source = .automatic
    ) throws -> UsageReport {
        precondition((1...2).contains(dimensions.count), "a report has one or two dimensions")
        let hour: Int64 = 3_600_000
        let aligned = filter.since.map { $0 % hour == 0 } ?? true && filter.until.map { $0 % hour == 0 } ?? true
        let attributes = dimensions.compactMap(\.attribute)
        let hasTime = dimensions.contains { $0.isTime }
        // The rollups hold whole hours: they answer when they hold what is asked for and local days are made of
        // whole UTC hours.
        let rollup =
            source == .automatic && aligned && (!hasTime || zone.hasWholeHourOffsets)
            && storage.rollupCanSum(filter, by: attributes)
        // Time is fetched in buckets (hours from the rollup, quarter hours otherwise: every zone's offset is a
        // multiple of 15 minutes) and folded into local days, weeks or months here.
        let bucket: Int64? = hasTime ? (rollup ? hour : 900_000) : nil
        let groups = try storage.requestSums(filter, bucket: bucket, by: attributes, rollup: rollup)
        var report = fold(groups, dimensions: dimensions, zone: zone, filter: filter)
        report.priceTableVersion = priceTableVersion
        report.unpriced = try storage.unpricedModels(filter)
        if report.totals.iterations.advisorCalls > 0 {
            report.advisors = advisorsAsPriced(try storage.advisorUsage(filter))
        }
        if report.billable { report.addBilled(try storage.billedAmounts(since: filter.since, until: filter.until)) }
        if report.totals.aggregatedRows > 0 { report.headlessRows = try storage.headlessRowCount(filter) }
        report.telemetry = try storage.telemetryCounts(filter, analytics: report.totals.aggregatedRows > 0)
        return report
    }

    /// The report of the store's groups: their sums under the dimensions' keys (local days, weeks and months of
    /// the buckets), and the totals.
    static func fold(_ groups: [GroupSums], dimensions: [ReportDimension], zone: TimeZoneRule, filter: RequestFilter)
        -> UsageReport
    {
        var totals = UsageTotals()
        var byKeys: [[String]: UsageTotals] = [:]
        var first: Int64?
        var last: Int64?
        var labels: [Int64: [ReportDimension: String]] = [:]
        for group in groups {
            let t = UsageTotals(group.sums)
            var keys: [String] = []
            var attribute = group.attributes.makeIterator()
            for d in dimensions {
                if d.isTime, let start = group.bucketStart {
                    if labels[start] == nil { labels[start] = zone.labels(forBucketStartingAt: start) }
                    keys.append(labels[start]![d]!)
                } else {
                    keys.append((attribute.next() ?? nil) ?? "(none)")
                }
            }
            byKeys[keys, default: UsageTotals()].add(t)
            totals.add(t)
            first = min(first ?? group.sums.first, group.sums.first)
            last = max(last ?? group.sums.last, group.sums.last)
        }
        var rows = byKeys.map { Row(keys: $0.key, totals: $0.value) }
        sortRows(&rows, dimensions)
        return UsageReport(
            dimensions: dimensions, zone: zone, filter: filter, totals: totals, rows: rows, unpriced: [], first: first,
            last: last, priceTableVersion: "")
    }

    /// Time in order; other groups by cost, largest first; a second dimension sorted within the first.
    static func sortRows(_ rows: inout [Row], _ dimensions: [ReportDimension]) {
        var groupCost: [String: USD] = [:]
        for row in rows { groupCost[row.keys[0], default: .zero] += row.totals.cost }
        func before(_ a: Row, _ b: Row, _ i: Int) -> Bool? {
            guard a.keys[i] != b.keys[i] else { return nil }
            if dimensions[i].isTime { return a.keys[i] < b.keys[i] }
            let ca = i == 0 ? groupCost[a.keys[0]]! : a.totals.cost
            let cb = i == 0 ? groupCost[b.keys[0]]! : b.totals.cost
            if ca != cb { return ca > cb }
            return a.keys[i] < b.keys[i]
        }
        rows.sort { a, b in
            for i in dimensions.indices { if let order = before(a, b, i) { return order } }
            return false
        }
    }

    /// Whether cost reports can be set beside the rows: only in reports by model and time, the dimensions a cost
    /// report has.
    var billable: Bool { !filter.selectsByAttribute && dimensions.allSatisfy { $0.isTime || $0 == .model } }

    /// Sets what cost reports billed beside each row; groups billed without usage (web search) get rows of their
    /// own.
    mutating func addBilled(_ billedAmounts: [BilledAmount]) {
        var amounts: [[String]: USD] = [:]
        for b in billedAmounts {
            let labels = zone.labels(forBucketStartingAt: b.startingAt)
            let keys = dimensions.map { $0 == .model ? b.model : labels[$0]! }
            amounts[keys, default: .zero] += b.amount
            billed = (billed ?? .zero) + b.amount
        }
        for (keys, amount) in amounts {
            if let i = rows.firstIndex(where: { $0.keys == keys }) {
                rows[i].billed = amount
            } else {
                rows.append(Row(keys: keys, totals: UsageTotals(), billed: amount))
            }
        }
        Self.sortRows(&rows, dimensions)
    }

    /// One entry per advisor as priced: `claude-opus-4-8` and a dated spelling of it are one model. Costliest
    /// first.
    static func advisorsAsPriced(_ logged: [AdvisorUsage]) -> [AdvisorUsage] {
        var byModel: [String: AdvisorUsage] = [:]
        for usage in logged {
            let model = PriceTable.builtIn.lookup(usage.model)?.id ?? usage.model
            var entry =
                byModel[model] ?? AdvisorUsage(model: model, requests: 0, calls: 0, tokens: TokenCounts(), cost: nil)
            entry.requests += usage.requests
            entry.calls += usage.calls
            entry.tokens += usage.tokens
            if let cost = usage.cost { entry.cost = (entry.cost ?? .zero) + cost }
            byModel[model] = entry
        }
        return byModel.values.sorted { ($0.cost ?? .zero, $1.model) > ($1.cost ?? .zero, $0.model) }
    }
}
