import Foundation
import GRDB
import GRDBSQLite

/// One stored request's contribution to the hourly rollup.
struct RollupEntry {
    var timestamp: Int64
    var modelKey: String
    var aggregated: Bool
    var tokens: TokenCounts
    var webSearchRequests: Int64
    /// Nanodollars; nil when unpriced.
    var cost: Int64?
    var priority: Bool
    var loggedCost: Int64?
    /// Advisor calls and compactions; nil for the many requests without them (out of line, so the entries of
    /// those stay small).
    var iterations: Boxed<IterationTotals>?

    /// The `requests` columns `init(statement:offset:)` reads, in order.
    static let columns = """
        ts, COALESCE(priced_as, model), aggregated, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, \
        cache_read_tokens, output_tokens, web_search_requests, cost_nanos, service_tier = 'priority', logged_cost_nanos, \
        \(RequestSums.iterationExpressions.joined(separator: ", "))
        """

    init(_ record: UsageRecord, _ price: PriceResult) {
        timestamp = record.timestamp
        // Reports group by the price table's id, else the id as logged.
        modelKey = price.pricedAs ?? record.model
        aggregated = record.aggregated
        tokens = record.tokens
        webSearchRequests = record.webSearchRequests
        cost = price.cost?.nanos
        priority = record.serviceTier == "priority"
        loggedCost = record.loggedCost?.nanos
        if record.hasIterations, let it = record.iterations, !it.isEmpty {
            var sums = IterationTotals()
            sums.advisorCalls = it.advisorCalls
            sums.advisorPromptTokens = it.advisorTokens.prompt
            sums.advisorOutputTokens = it.advisorTokens.output
            sums.advisorCost = price.advisorCost ?? .zero
            sums.compactions = it.compactions
            sums.compactionPromptTokens = it.compactionTokens.prompt
            sums.compactionOutputTokens = it.compactionTokens.output
            sums.compactionCost = price.compactionCost ?? .zero
            iterations = Boxed(sums)
        }
    }

    init(statement s: OpaquePointer, offset i: Int32) {
        func optional(_ column: Int32) -> Int64? {
            sqlite3_column_type(s, column) == SQLITE_NULL ? nil : sqlite3_column_int64(s, column)
        }
        timestamp = sqlite3_column_int64(s, i)
        // By length, not as a C string: a model name may hold a NUL.
        modelKey = String(
            decoding: UnsafeBufferPointer(start: sqlite3_column_text(s, i + 1), count: Int(sqlite3_column_bytes(s, i + 1))),
            as: UTF8.self)
        aggregated = sqlite3_column_int64(s, i + 2) != 0
        tokens = TokenCounts(
            input: sqlite3_column_int64(s, i + 3), cacheWrite5m: sqlite3_column_int64(s, i + 4),
            cacheWrite1h: sqlite3_column_int64(s, i + 5), cacheRead: sqlite3_column_int64(s, i + 6),
            output: sqlite3_column_int64(s, i + 7))
        webSearchRequests = sqlite3_column_int64(s, i + 8)
        cost = optional(i + 9)
        priority = sqlite3_column_int64(s, i + 10) != 0
        loggedCost = optional(i + 11)
        var sums = IterationTotals()
        sums.advisorCalls = sqlite3_column_int64(s, i + 12)
        sums.advisorPromptTokens = sqlite3_column_int64(s, i + 13)
        sums.advisorOutputTokens = sqlite3_column_int64(s, i + 14)
        sums.advisorCost = USD(nanos: sqlite3_column_int64(s, i + 15))
        sums.compactions = sqlite3_column_int64(s, i + 16)
        sums.compactionPromptTokens = sqlite3_column_int64(s, i + 17)
        sums.compactionOutputTokens = sqlite3_column_int64(s, i + 18)
        sums.compactionCost = USD(nanos: sqlite3_column_int64(s, i + 19))
        iterations = sums.isEmpty ? nil : Boxed(sums)
    }
}

/// Per-hour, per-model sums of the stored requests, kept beside them so that reports over millions of requests
/// read thousands of rows instead.
///
/// An ingest adds each new request to an in-memory rollup and merges it into `usage_hourly` in the same
/// transaction as the requests, so the two never disagree. `rebuild` recomputes the table from `requests`.
struct HourlyRollup {
    struct Key: Hashable {
        var hour: Int64
        var model: String
    }

    struct Sums {
        var totals = UsageTotals()
        var first = Int64.max
        var last = Int64.min
    }

    private(set) var sums: [Key: Sums] = [:]

    /// Adds (`sign` 1) or takes back (`sign` -1) one request.
    mutating func add(_ e: RollupEntry, sign: Int64 = 1) {
        let key = Key(hour: Self.floorDiv(e.timestamp, 3_600_000), model: e.modelKey)
        var s = sums[key] ?? Sums()
        if e.aggregated { s.totals.aggregatedRows += sign } else { s.totals.requests += sign }
        s.totals.tokens += e.tokens * sign
        s.totals.webSearchRequests += sign * e.webSearchRequests
        if let cost = e.cost {
            s.totals.cost.nanos += sign * cost
        } else {
            s.totals.unpricedRequests += sign
        }
        if e.priority { s.totals.priorityRequests += sign }
        if let logged = e.loggedCost {
            s.totals.loggedRequests += sign
            s.totals.loggedCost.nanos += sign * logged
            s.totals.loggedComputedCost.nanos += sign * (e.cost ?? 0)
        }
        if let iterations = e.iterations { s.totals.iterations.add(iterations.value, sign: sign) }
        s.first = min(s.first, e.timestamp)
        s.last = max(s.last, e.timestamp)
        sums[key] = s
    }

    /// Adds these sums to the stored rollup.
    func merge(into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO usage_hourly (\(Self.tableColumns.joined(separator: ", ")))
                VALUES (\(Self.tableColumns.map { $0 == "model_key" ? "CAST(? AS TEXT)" : "?" }.joined(separator: ",")))
                ON CONFLICT(hour, model_key) DO UPDATE SET
                  requests = requests + excluded.requests,
                  aggregated_rows = aggregated_rows + excluded.aggregated_rows,
                  input_tokens = input_tokens + excluded.input_tokens,
                  cache_write_5m_tokens = cache_write_5m_tokens + excluded.cache_write_5m_tokens,
                  cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
                  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
                  output_tokens = output_tokens + excluded.output_tokens,
                  web_search_requests = web_search_requests + excluded.web_search_requests,
                  cost_nanos = cost_nanos + excluded.cost_nanos,
                  unpriced_requests = unpriced_requests + excluded.unpriced_requests,
                  priority_requests = priority_requests + excluded.priority_requests,
                  logged_requests = logged_requests + excluded.logged_requests,
                  logged_cost_nanos = logged_cost_nanos + excluded.logged_cost_nanos,
                  logged_computed_nanos = logged_computed_nanos + excluded.logged_computed_nanos,
                  first_ts = MIN(first_ts, excluded.first_ts),
                  last_ts = MAX(last_ts, excluded.last_ts),
                  \(RequestSums.iterationTableColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ",\n  "))
                """)
        for (key, s) in sums {
            let t = s.totals
            let i = t.iterations
            try statement.execute(arguments: [
                // The model as bytes, made TEXT by SQLite: GRDB binds a String as a C string, which a NUL in a
                // model name would cut.
                key.hour, Data(key.model.utf8), t.requests, t.aggregatedRows, t.tokens.input, t.tokens.cacheWrite5m,
                t.tokens.cacheWrite1h, t.tokens.cacheRead, t.tokens.output, t.webSearchRequests, t.cost.nanos,
                t.unpricedRequests, t.priorityRequests, t.loggedRequests, t.loggedCost.nanos,
                t.loggedComputedCost.nanos, s.first, s.last, i.advisorCalls, i.advisorPromptTokens,
                i.advisorOutputTokens, i.advisorCost.nanos, i.compactions, i.compactionPromptTokens,
                i.compactionOutputTokens, i.compactionCost.nanos,
            ])
        }
    }

    /// Every column of `usage_hourly`, in the order `merge` and `rebuild` fill them.
    static let tableColumns = [
        "hour", "model_key", "requests", "aggregated_rows", "input_tokens", "cache_write_5m_tokens",
        "cache_write_1h_tokens", "cache_read_tokens", "output_tokens", "web_search_requests", "cost_nanos",
        "unpriced_requests", "priority_requests", "logged_requests", "logged_cost_nanos", "logged_computed_nanos",
        "first_ts", "last_ts",
    ] + RequestSums.iterationTableColumns

    /// Recomputes the whole rollup from the stored requests (after re-pricing, for instance).
    static func rebuild(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM usage_hourly;
                INSERT INTO usage_hourly (\(tableColumns.joined(separator: ", ")))
                SELECT ts / 3600000 - (ts < 0 AND ts % 3600000 != 0), COALESCE(priced_as, model), \(RequestSums.columns),
                  MIN(ts), MAX(ts), \(RequestSums.iterationColumns)
                FROM requests GROUP BY 1, 2;
                """)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// The sums of `requests` columns that make a `UsageTotals`, shared by the rollup and the raw report query.
enum RequestSums {
    /// In the order of `usage_hourly`'s columns from `requests` to `logged_computed_nanos`.
    static let columns = """
        COUNT(*) - SUM(aggregated), SUM(aggregated), SUM(input_tokens), SUM(cache_write_5m_tokens), \
        SUM(cache_write_1h_tokens), SUM(cache_read_tokens), SUM(output_tokens), SUM(web_search_requests), \
        COALESCE(SUM(cost_nanos), 0), COUNT(*) - COUNT(cost_nanos), \
        COUNT(CASE WHEN service_tier = 'priority' THEN 1 END), COUNT(logged_cost_nanos), \
        COALESCE(SUM(logged_cost_nanos), 0), \
        COALESCE(SUM(CASE WHEN logged_cost_nanos IS NOT NULL THEN cost_nanos END), 0)
        """

    /// The same sums over `usage_hourly` rows.
    static let rollupColumns = """
        SUM(requests), SUM(aggregated_rows), SUM(input_tokens), SUM(cache_write_5m_tokens), \
        SUM(cache_write_1h_tokens), SUM(cache_read_tokens), SUM(output_tokens), SUM(web_search_requests), \
        SUM(cost_nanos), SUM(unpriced_requests), SUM(priority_requests), SUM(logged_requests), \
        SUM(logged_cost_nanos), SUM(logged_computed_nanos)
        """

    /// A request's advisor and compaction figures, in the order of `usage_hourly`'s iteration columns.
    static let iterationExpressions = [
        "advisor_calls",
        "advisor_input_tokens + advisor_cache_write_5m_tokens + advisor_cache_write_1h_tokens + advisor_cache_read_tokens",
        "advisor_output_tokens", "COALESCE(advisor_cost_nanos, 0)", "compactions",
        "compaction_input_tokens + compaction_cache_write_5m_tokens + compaction_cache_write_1h_tokens + compaction_cache_read_tokens",
        "compaction_output_tokens", "COALESCE(compaction_cost_nanos, 0)",
    ]

    /// The `usage_hourly` columns that hold those figures' sums.
    static let iterationTableColumns = [
        "advisor_calls", "advisor_prompt_tokens", "advisor_output_tokens", "advisor_cost_nanos", "compactions",
        "compaction_prompt_tokens", "compaction_output_tokens", "compaction_cost_nanos",
    ]

    /// The sums of the iteration figures over `requests`.
    static let iterationColumns = iterationExpressions.map { "COALESCE(SUM(\($0)), 0)" }.joined(separator: ", ")

    /// The same sums over `usage_hourly` rows.
    static let iterationRollupColumns = iterationTableColumns.map { "COALESCE(SUM(\($0)), 0)" }.joined(separator: ", ")

    /// Reads the 8 iteration sums from `row` starting at `offset`.
    static func iterations(_ r: Row, offset i: Int) -> IterationTotals {
        var t = IterationTotals()
        t.advisorCalls = r[i]
        t.advisorPromptTokens = r[i + 1]
        t.advisorOutputTokens = r[i + 2]
        t.advisorCost = USD(nanos: r[i + 3])
        t.compactions = r[i + 4]
        t.compactionPromptTokens = r[i + 5]
        t.compactionOutputTokens = r[i + 6]
        t.compactionCost = USD(nanos: r[i + 7])
        return t
    }

    /// Reads those 14 columns from `row` starting at `offset`.
    static func totals(_ r: Row, offset i: Int) -> UsageTotals {
        var t = UsageTotals()
        t.requests = r[i]
        t.aggregatedRows = r[i + 1]
        t.tokens = TokenCounts(input: r[i + 2], cacheWrite5m: r[i + 3], cacheWrite1h: r[i + 4], cacheRead: r[i + 5], output: r[i + 6])
        t.webSearchRequests = r[i + 7]
        t.cost = USD(nanos: r[i + 8])
        t.unpricedRequests = r[i + 9]
        t.priorityRequests = r[i + 10]
        t.loggedRequests = r[i + 11]
        t.loggedCost = USD(nanos: r[i + 12])
        t.loggedComputedCost = USD(nanos: r[i + 13])
        return t
    }
}
