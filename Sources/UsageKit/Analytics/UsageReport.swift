import GRDB

/// Token, request and cost sums over a set of requests.
public struct UsageTotals: Sendable, Equatable {
    /// Requests known one by one; Admin API report rows are sums and count in `aggregatedRows` instead.
    public var requests: Int64 = 0
    /// Admin API usage report rows (each the sum of a bucket's requests).
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
        loggedCost = loggedCost + other.loggedCost
        loggedComputedCost = loggedComputedCost + other.loggedComputedCost
        tokens.input += other.tokens.input
        tokens.cacheWrite5m += other.tokens.cacheWrite5m
        tokens.cacheWrite1h += other.tokens.cacheWrite1h
        tokens.cacheRead += other.tokens.cacheRead
        tokens.output += other.tokens.output
        webSearchRequests += other.webSearchRequests
        cost = cost + other.cost
        unpricedRequests += other.unpricedRequests
        priorityRequests += other.priorityRequests
    }
}

/// A model the price table does not know, with the volume it left unpriced.
public struct UnpricedModel: Sendable, Equatable {
    public var model: String
    public var requests: Int64
    public var tokens: TokenCounts
}

/// How `usage report` splits its rows.
public enum ReportGrouping: String, Sendable, CaseIterable {
    case model
    case day
}

/// The answer to "what did we spend": totals, one row per group, and what could not be priced.
public struct UsageReport: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// The model id (as priced, else as logged) or the UTC day `YYYY-MM-DD`.
        public var key: String
        public var totals: UsageTotals
        /// What Admin API cost reports say was billed for this group; nil when they say nothing of it.
        public var billed: USD? = nil
    }

    public var grouping: ReportGrouping
    public var filter: RequestFilter
    public var totals: UsageTotals
    public var rows: [Row]
    public var unpriced: [UnpricedModel]
    /// First and last request timestamps in the set.
    public var first: Int64?
    public var last: Int64?
    public var priceTableVersion: String
    /// What Admin API cost reports say was billed in the period; nil when none were ingested for it.
    public var billed: USD? = nil

    /// Where the sums come from: the hourly rollup when the filter allows it, else the requests themselves.
    public enum Source: Sendable {
        case automatic
        case requests
    }

    /// Runs the report query.
    public static func fetch(
        _ db: Database, filter: RequestFilter, grouping: ReportGrouping, priceTableVersion: String,
        source: Source = .automatic
    ) throws -> UsageReport {
        let sql: SQL
        let hour: Int64 = 3_600_000
        let aligned = filter.since.map { $0 % hour == 0 } ?? true && filter.until.map { $0 % hour == 0 } ?? true
        if source == .automatic && !filter.selectsByAttribute && aligned {
            // Hour-aligned bounds select whole rollup rows: the same sums, thousands of rows instead of millions.
            let key: SQL = grouping == .model ? "model_key" : "(hour - (hour < 0 AND hour % 24 != 0) * 24) / 24"
            var condition: SQL = "1"
            if let since = filter.since { condition.append(literal: " AND hour >= \(since / hour)") }
            if let until = filter.until { condition.append(literal: " AND hour < \(until / hour)") }
            sql = """
                SELECT \(key) AS k, \(sql: RequestSums.rollupColumns), MIN(first_ts), MAX(last_ts)
                FROM usage_hourly WHERE \(condition) GROUP BY k
                """
        } else {
            let key: SQL = grouping == .model ? "COALESCE(priced_as, model)" : "(ts - (ts < 0 AND ts % 86400000 != 0) * 86400000) / 86400000"
            sql = """
                SELECT \(key) AS k, \(sql: RequestSums.columns), MIN(ts), MAX(ts)
                FROM requests WHERE \(filter.sql) GROUP BY k
                """
        }
        var rows: [Row] = []
        var totals = UsageTotals()
        var first: Int64?
        var last: Int64?
        let (text, arguments) = try sql.build(db)
        let rowCursor = try GRDB.Row.fetchCursor(db, sql: text, arguments: arguments)
        while let r = try rowCursor.next() {
            let t = RequestSums.totals(r, offset: 1)
            let k: String = grouping == .model ? r[0] : Timestamp.dayString(days: r[0])
            rows.append(Row(key: k, totals: t))
            totals.add(t)
            let lo: Int64 = r[15]
            let hi: Int64 = r[16]
            first = min(first ?? lo, lo)
            last = max(last ?? hi, hi)
        }
        if grouping == .model {
            rows.sort { ($0.totals.cost, $0.totals.requests, $1.key) > ($1.totals.cost, $1.totals.requests, $0.key) }
        } else {
            rows.sort { $0.key < $1.key }
        }
        let unpriced = try fetchUnpriced(db, filter: filter)
        var report = UsageReport(
            grouping: grouping, filter: filter, totals: totals, rows: rows, unpriced: unpriced, first: first, last: last,
            priceTableVersion: priceTableVersion)
        try report.addBilled(db)
        return report
    }

    /// Sets what cost reports billed beside each row; groups billed without usage (web search) get rows of their own.
    private mutating func addBilled(_ db: Database) throws {
        guard !filter.selectsByAttribute else { return }
        let key: SQL =
            grouping == .model
            ? "COALESCE(priced_as, model, '(' || COALESCE(cost_type, 'other') || ')')"
            : "(starting_at - (starting_at < 0 AND starting_at % 86400000 != 0) * 86400000) / 86400000"
        var condition: SQL = "1"
        if let since = filter.since { condition.append(literal: " AND starting_at >= \(since)") }
        if let until = filter.until { condition.append(literal: " AND starting_at < \(until)") }
        let (text, arguments) = try SQL("SELECT \(key), SUM(amount_nanos) FROM billed_costs WHERE \(condition) GROUP BY 1").build(db)
        for r in try GRDB.Row.fetchAll(db, sql: text, arguments: arguments) {
            let k: String = grouping == .model ? r[0] : Timestamp.dayString(days: r[0])
            let amount = USD(nanos: r[1])
            billed = (billed ?? .zero) + amount
            if let i = rows.firstIndex(where: { $0.key == k }) {
                rows[i].billed = amount
            } else {
                rows.append(Row(key: k, totals: UsageTotals(), billed: amount))
            }
        }
        if grouping == .day { rows.sort { $0.key < $1.key } }
    }

    static func fetchUnpriced(_ db: Database, filter: RequestFilter) throws -> [UnpricedModel] {
        let sql: SQL = """
            SELECT model, COUNT(*), SUM(input_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens),
              SUM(cache_read_tokens), SUM(output_tokens)
            FROM requests WHERE cost_nanos IS NULL AND \(filter.sql) GROUP BY model ORDER BY COUNT(*) DESC, model
            """
        let (text, arguments) = try sql.build(db)
        return try GRDB.Row.fetchAll(db, sql: text, arguments: arguments).map { r in
            UnpricedModel(
                model: r[0], requests: r[1],
                tokens: TokenCounts(input: r[2], cacheWrite5m: r[3], cacheWrite1h: r[4], cacheRead: r[5], output: r[6]))
        }
    }
}
