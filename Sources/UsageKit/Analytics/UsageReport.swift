import GRDB

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

    mutating func add(_ other: UsageTotals) {
        requests += other.requests
        aggregatedRows += other.aggregatedRows
        loggedRequests += other.loggedRequests
        loggedCost += other.loggedCost
        loggedComputedCost += other.loggedComputedCost
        tokens += other.tokens
        webSearchRequests += other.webSearchRequests
        cost += other.cost
        unpricedRequests += other.unpricedRequests
        priorityRequests += other.priorityRequests
        iterations.add(other.iterations)
    }
}

/// An advisor model the responses consulted, with what its calls used and cost.
public struct AdvisorUsage: Sendable, Equatable {
    /// The advisor model as priced (else as logged).
    public var model: String
    /// Requests that consulted it.
    public var requests: Int64
    public var calls: Int64
    public var tokens: TokenCounts
    /// Nil when none of its calls could be priced.
    public var cost: USD?
}

/// A model the price table does not know, with the volume it left unpriced.
public struct UnpricedModel: Sendable, Equatable {
    public var model: String
    public var requests: Int64
    public var tokens: TokenCounts
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

    /// The `requests` column an attribute dimension reads.
    var column: String {
        switch self {
        case .model: return "COALESCE(priced_as, model)"
        case .session: return "session"
        case .workflow: return "workflow"
        case .project: return "project"
        case .serviceTier: return "service_tier"
        case .source: return "source_format"
        default: return "NULL"
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
    /// Of the aggregated rows, those that are headless Claude Code runs' results (the rest are Admin API rows).
    public var headlessRows: Int64 = 0

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
        _ db: Database, filter: RequestFilter, grouping: ReportGrouping, priceTableVersion: String,
        source: Source = .automatic
    ) throws -> UsageReport {
        try fetch(db, filter: filter, by: [grouping.dimension], zone: .utc, priceTableVersion: priceTableVersion, source: source)
    }

    /// Runs the report query, grouped by one or two dimensions, days in `zone`.
    static func fetch(
        _ db: Database, filter: RequestFilter, by dimensions: [ReportDimension], zone: TimeZoneRule,
        priceTableVersion: String, source: Source = .automatic
    ) throws -> UsageReport {
        precondition((1...2).contains(dimensions.count), "a report has one or two dimensions")
        let hour: Int64 = 3_600_000
        let aligned = filter.since.map { $0 % hour == 0 } ?? true && filter.until.map { $0 % hour == 0 } ?? true
        let attributes = dimensions.filter { !$0.isTime }
        let hasTime = dimensions.contains { $0.isTime }
        // The rollup holds hours and models: it answers when nothing else is asked for and local days are made of
        // whole UTC hours.
        let rollup =
            source == .automatic && !filter.selectsByAttribute && aligned && attributes.allSatisfy { $0 == .model }
            && (!hasTime || zone.hasWholeHourOffsets)
        // Time is fetched in buckets (hours from the rollup, quarter hours otherwise: every zone's offset is a
        // multiple of 15 minutes) and folded into local days, weeks or months here.
        let bucket: Int64 = rollup ? hour : 900_000
        var select: [String] = []
        if hasTime { select.append(rollup ? "hour" : "(ts - (ts < 0 AND ts % \(bucket) != 0) * \(bucket)) / \(bucket)") }
        for a in attributes { select.append(wholeText(rollup ? "model_key" : a.column)) }
        let groupBy = select.isEmpty ? "" : " GROUP BY " + (1...select.count).map(String.init).joined(separator: ", ")
        let sql: SQL
        if rollup {
            var condition: SQL = "1"
            if let since = filter.since { condition.append(literal: " AND hour >= \(since / hour)") }
            if let until = filter.until { condition.append(literal: " AND hour < \(until / hour)") }
            sql = """
                SELECT \(sql: (select + [RequestSums.rollupColumns, "MIN(first_ts)", "MAX(last_ts)", RequestSums.iterationRollupColumns]).joined(separator: ", "))
                FROM usage_hourly WHERE \(condition)\(sql: groupBy)
                """
        } else {
            sql = """
                SELECT \(sql: (select + [RequestSums.columns, "MIN(ts)", "MAX(ts)", RequestSums.iterationColumns]).joined(separator: ", "))
                FROM requests WHERE \(filter.sql)\(sql: groupBy)
                """
        }
        var groups: [[String]: UsageTotals] = [:]
        var totals = UsageTotals()
        var first: Int64?
        var last: Int64?
        var labels: [Int64: [ReportDimension: String]] = [:]
        let (text, arguments) = try sql.build(db)
        let cursor = try GRDB.Row.fetchCursor(db, sql: text, arguments: arguments)
        while let r = try cursor.next() {
            let offset = select.count
            var t = RequestSums.totals(r, offset: offset)
            t.iterations = RequestSums.iterations(r, offset: offset + 16)
            var keys: [String] = []
            var column = 0
            var bucketStart: Int64?
            if hasTime {
                bucketStart = (r[0] as Int64) * bucket
                column = 1
            }
            for d in dimensions {
                if d.isTime {
                    let start = bucketStart!
                    if labels[start] == nil { labels[start] = zone.labels(forBucketStartingAt: start) }
                    keys.append(labels[start]![d]!)
                } else {
                    keys.append(r.wholeString(column) ?? "(none)")
                    column += 1
                }
            }
            groups[keys, default: UsageTotals()].add(t)
            totals.add(t)
            let lo: Int64 = r[offset + 14]
            let hi: Int64 = r[offset + 15]
            first = min(first ?? lo, lo)
            last = max(last ?? hi, hi)
        }
        var rows = groups.map { Row(keys: $0.key, totals: $0.value) }
        sortRows(&rows, dimensions)
        let unpriced = try fetchUnpriced(db, filter: filter)
        var report = UsageReport(
            dimensions: dimensions, zone: zone, filter: filter, totals: totals, rows: rows, unpriced: unpriced,
            first: first, last: last, priceTableVersion: priceTableVersion)
        if totals.iterations.advisorCalls > 0 { report.advisors = try fetchAdvisors(db, filter: filter) }
        try report.addBilled(db)
        if totals.aggregatedRows > 0 {
            let headless: SQL = """
                SELECT COUNT(*) FROM requests
                WHERE id IN (SELECT request_row FROM headless_results WHERE request_row IS NOT NULL) AND \(filter.sql)
                """
            let (text, arguments) = try headless.build(db)
            report.headlessRows = try Int64.fetchOne(db, sql: text, arguments: arguments) ?? 0
        }
        return report
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

    /// Sets what cost reports billed beside each row; groups billed without usage (web search) get rows of their
    /// own. Only for reports by model and time, the dimensions a cost report has.
    private mutating func addBilled(_ db: Database) throws {
        guard !filter.selectsByAttribute, dimensions.allSatisfy({ $0.isTime || $0 == .model }) else { return }
        var condition: SQL = "1"
        if let since = filter.since { condition.append(literal: " AND starting_at >= \(since)") }
        if let until = filter.until { condition.append(literal: " AND starting_at < \(until)") }
        let (text, arguments) = try SQL(
            """
            SELECT starting_at, COALESCE(priced_as, model, '(' || COALESCE(cost_type, 'other') || ')'), SUM(amount_nanos)
            FROM billed_costs WHERE \(condition) GROUP BY 1, 2
            """
        ).build(db)
        var amounts: [[String]: USD] = [:]
        for r in try GRDB.Row.fetchAll(db, sql: text, arguments: arguments) {
            let labels = zone.labels(forBucketStartingAt: r[0])
            let keys = dimensions.map { $0 == .model ? (r[1] as String) : labels[$0]! }
            let amount = USD(nanos: r[2])
            amounts[keys, default: .zero] += amount
            billed = (billed ?? .zero) + amount
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

    static func fetchUnpriced(_ db: Database, filter: RequestFilter) throws -> [UnpricedModel] {
        // A request whose own model is priced but whose cost is unknown consulted an advisor the table lacks.
        let sql: SQL = """
            SELECT COALESCE(CASE WHEN priced_as IS NOT NULL THEN advisor_model || ' (advisor)' END, model), COUNT(*),
              SUM(input_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens),
              SUM(cache_read_tokens), SUM(output_tokens)
            FROM requests WHERE cost_nanos IS NULL AND \(filter.sql) GROUP BY 1 ORDER BY COUNT(*) DESC, 1
            """
        let (text, arguments) = try sql.build(db)
        return try GRDB.Row.fetchAll(db, sql: text, arguments: arguments).map { r in
            UnpricedModel(
                model: r[0], requests: r[1],
                tokens: TokenCounts(input: r[2], cacheWrite5m: r[3], cacheWrite1h: r[4], cacheRead: r[5], output: r[6]))
        }
    }

    /// The advisor models of the requests `filter` selects, with their calls, tokens and cost.
    static func fetchAdvisors(_ db: Database, filter: RequestFilter) throws -> [AdvisorUsage] {
        let sql: SQL = """
            SELECT advisor_model, COUNT(*), SUM(advisor_calls), SUM(advisor_input_tokens), SUM(advisor_cache_write_5m_tokens),
              SUM(advisor_cache_write_1h_tokens), SUM(advisor_cache_read_tokens), SUM(advisor_output_tokens),
              SUM(advisor_cost_nanos)
            FROM requests WHERE advisor_calls > 0 AND \(filter.sql) GROUP BY 1
            """
        let (text, arguments) = try sql.build(db)
        var byModel: [String: AdvisorUsage] = [:]
        for r in try GRDB.Row.fetchAll(db, sql: text, arguments: arguments) {
            let logged: String = r[0]
            // One entry per advisor as priced: `claude-opus-4-8` and a dated spelling of it are one model.
            let model = PriceTable.builtIn.lookup(logged)?.id ?? logged
            let cost = (r[8] as Int64?).map(USD.init(nanos:))
            var entry = byModel[model] ?? AdvisorUsage(model: model, requests: 0, calls: 0, tokens: TokenCounts(), cost: nil)
            entry.requests += r[1]
            entry.calls += r[2]
            entry.tokens += TokenCounts(input: r[3], cacheWrite5m: r[4], cacheWrite1h: r[5], cacheRead: r[6], output: r[7])
            if let cost { entry.cost = (entry.cost ?? .zero) + cost }
            byModel[model] = entry
        }
        return byModel.values.sorted { ($0.cost ?? .zero, $1.model) > ($1.cost ?? .zero, $0.model) }
    }
}
