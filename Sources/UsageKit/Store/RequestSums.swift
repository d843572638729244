import GRDB

/// Sums of stored requests' figures: what the hourly rollup keeps per hour and model, and what a report query
/// returns per group. Store-level figures; the analyses turn them into report totals.
struct RequestSums: Equatable {
    /// Requests known one by one.
    var requests: Int64 = 0
    /// Aggregated rows (Admin API report rows, headless run totals).
    var aggregatedRows: Int64 = 0
    var tokens = TokenCounts()
    var webSearchRequests: Int64 = 0
    /// Of the priced requests.
    var cost = USD.zero
    var unpricedRequests: Int64 = 0
    var priorityRequests: Int64 = 0
    /// Requests whose log states a cost, the sum of those costs, and the tool's own cost of them.
    var loggedRequests: Int64 = 0
    var loggedCost = USD.zero
    var loggedComputedCost = USD.zero
    /// First and last request timestamps.
    var first = Int64.max
    var last = Int64.min
    var iterations = IterationTotals()

    /// Adds (`sign` 1) or takes back (`sign` -1) one request.
    mutating func add(_ e: RollupEntry, sign: Int64 = 1) {
        if e.aggregated { aggregatedRows += sign } else { requests += sign }
        tokens += e.tokens * sign
        webSearchRequests += sign * e.webSearchRequests
        if let cost = e.cost {
            self.cost.nanos += sign * cost
        } else {
            unpricedRequests += sign
        }
        if e.priority { priorityRequests += sign }
        if let logged = e.loggedCost {
            loggedRequests += sign
            loggedCost.nanos += sign * logged
            loggedComputedCost.nanos += sign * (e.cost ?? 0)
        }
        if let iterations = e.iterations { self.iterations.add(iterations.value, sign: sign) }
        first = min(first, e.timestamp)
        last = max(last, e.timestamp)
    }

    /// Adds the sums of other requests.
    mutating func add(_ o: RequestSums) {
        requests += o.requests
        aggregatedRows += o.aggregatedRows
        tokens += o.tokens
        webSearchRequests += o.webSearchRequests
        cost.nanos += o.cost.nanos
        unpricedRequests += o.unpricedRequests
        priorityRequests += o.priorityRequests
        loggedRequests += o.loggedRequests
        loggedCost.nanos += o.loggedCost.nanos
        loggedComputedCost.nanos += o.loggedComputedCost.nanos
        iterations.add(o.iterations)
        first = min(first, o.first)
        last = max(last, o.last)
    }

    /// One figure, as `usage_hourly` stores it.
    func value(of column: Column) -> Int64 {
        switch column {
        case .requests: return requests
        case .aggregatedRows: return aggregatedRows
        case .input: return tokens.input
        case .cacheWrite5m: return tokens.cacheWrite5m
        case .cacheWrite1h: return tokens.cacheWrite1h
        case .cacheRead: return tokens.cacheRead
        case .output: return tokens.output
        case .webSearch: return webSearchRequests
        case .cost: return cost.nanos
        case .unpriced: return unpricedRequests
        case .priority: return priorityRequests
        case .logged: return loggedRequests
        case .loggedCost: return loggedCost.nanos
        case .loggedComputed: return loggedComputedCost.nanos
        case .first: return first
        case .last: return last
        case .advisorCalls: return iterations.advisorCalls
        case .advisorPromptTokens: return iterations.advisorPromptTokens
        case .advisorOutputTokens: return iterations.advisorOutputTokens
        case .advisorCost: return iterations.advisorCost.nanos
        case .compactions: return iterations.compactions
        case .compactionPromptTokens: return iterations.compactionPromptTokens
        case .compactionOutputTokens: return iterations.compactionOutputTokens
        case .compactionCost: return iterations.compactionCost.nanos
        }
    }

    /// The sums selected by `Column.selection` (or `Column.rollupSelection`), from the row's first column on.
    init(row: Row) {
        let r = ColumnReader<Column>(row)
        requests = r[.requests]
        aggregatedRows = r[.aggregatedRows]
        tokens = r.tokens(from: .input)
        webSearchRequests = r[.webSearch]
        cost = USD(nanos: r[.cost])
        unpricedRequests = r[.unpriced]
        priorityRequests = r[.priority]
        loggedRequests = r[.logged]
        loggedCost = USD(nanos: r[.loggedCost])
        loggedComputedCost = USD(nanos: r[.loggedComputed])
        first = r[.first]
        last = r[.last]
        iterations.advisorCalls = r[.advisorCalls]
        iterations.advisorPromptTokens = r[.advisorPromptTokens]
        iterations.advisorOutputTokens = r[.advisorOutputTokens]
        iterations.advisorCost = USD(nanos: r[.advisorCost])
        iterations.compactions = r[.compactions]
        iterations.compactionPromptTokens = r[.compactionPromptTokens]
        iterations.compactionOutputTokens = r[.compactionOutputTokens]
        iterations.compactionCost = USD(nanos: r[.compactionCost])
    }

    init() {}

    /// The figures, in the order of `usage_hourly`'s columns after `hour` and `model_key`. `expression` sums
    /// each over `requests` rows, `rollupExpression` over `usage_hourly` rows.
    enum Column: Int, SelectedColumn {
        case requests, aggregatedRows, input, cacheWrite5m, cacheWrite1h, cacheRead, output, webSearch, cost
        case unpriced, priority, logged, loggedCost, loggedComputed, first, last
        case advisorCalls, advisorPromptTokens, advisorOutputTokens, advisorCost
        case compactions, compactionPromptTokens, compactionOutputTokens, compactionCost

        /// The `usage_hourly` column that holds the figure.
        var tableColumn: String {
            switch self {
            case .requests: return "requests"
            case .aggregatedRows: return "aggregated_rows"
            case .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output: return tokenColumn(from: .input)
            case .webSearch: return "web_search_requests"
            case .cost: return "cost_nanos"
            case .unpriced: return "unpriced_requests"
            case .priority: return "priority_requests"
            case .logged: return "logged_requests"
            case .loggedCost: return "logged_cost_nanos"
            case .loggedComputed: return "logged_computed_nanos"
            case .first: return "first_ts"
            case .last: return "last_ts"
            case .advisorCalls: return "advisor_calls"
            case .advisorPromptTokens: return "advisor_prompt_tokens"
            case .advisorOutputTokens: return "advisor_output_tokens"
            case .advisorCost: return "advisor_cost_nanos"
            case .compactions: return "compactions"
            case .compactionPromptTokens: return "compaction_prompt_tokens"
            case .compactionOutputTokens: return "compaction_output_tokens"
            case .compactionCost: return "compaction_cost_nanos"
            }
        }

        /// The figure summed over `requests` rows.
        var expression: String {
            switch self {
            case .requests: return "COUNT(*) - SUM(aggregated)"
            case .aggregatedRows: return "SUM(aggregated)"
            case .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output, .webSearch: return "SUM(\(tableColumn))"
            case .cost: return "COALESCE(SUM(cost_nanos), 0)"
            case .unpriced: return "COUNT(*) - COUNT(cost_nanos)"
            case .priority: return "COUNT(CASE WHEN service_tier = 'priority' THEN 1 END)"
            case .logged: return "COUNT(logged_cost_nanos)"
            case .loggedCost: return "COALESCE(SUM(logged_cost_nanos), 0)"
            case .loggedComputed: return "COALESCE(SUM(CASE WHEN logged_cost_nanos IS NOT NULL THEN cost_nanos END), 0)"
            case .first: return "MIN(ts)"
            case .last: return "MAX(ts)"
            case .advisorCalls: return Self.sum(.advisorCalls)
            case .advisorPromptTokens: return Self.sum(.advisorPromptTokens)
            case .advisorOutputTokens: return Self.sum(.advisorOutputTokens)
            case .advisorCost: return Self.sum(.advisorCost)
            case .compactions: return Self.sum(.compactions)
            case .compactionPromptTokens: return Self.sum(.compactionPromptTokens)
            case .compactionOutputTokens: return Self.sum(.compactionOutputTokens)
            case .compactionCost: return Self.sum(.compactionCost)
            }
        }

        /// The sum of a request's own figure, nothing for none.
        private static func sum(_ request: RollupEntry.Column) -> String {
            "COALESCE(SUM(\(request.expression)), 0)"
        }

        /// The figure summed over `usage_hourly` rows.
        var rollupExpression: String {
            switch self {
            case .first: return "MIN(first_ts)"
            case .last: return "MAX(last_ts)"
            case .advisorCalls, .advisorPromptTokens, .advisorOutputTokens, .advisorCost, .compactions,
                .compactionPromptTokens, .compactionOutputTokens, .compactionCost:
                return "COALESCE(SUM(\(tableColumn)), 0)"
            case .requests, .aggregatedRows, .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output, .webSearch,
                .cost, .unpriced, .priority, .logged, .loggedCost, .loggedComputed:
                return "SUM(\(tableColumn))"
            }
        }

        /// How a merge into `usage_hourly` combines the stored figure with the new one (`excluded`).
        var merge: String {
            switch self {
            case .first: return "first_ts = MIN(first_ts, excluded.first_ts)"
            case .last: return "last_ts = MAX(last_ts, excluded.last_ts)"
            case .requests, .aggregatedRows, .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output, .webSearch,
                .cost, .unpriced, .priority, .logged, .loggedCost, .loggedComputed, .advisorCalls,
                .advisorPromptTokens, .advisorOutputTokens, .advisorCost, .compactions, .compactionPromptTokens,
                .compactionOutputTokens, .compactionCost:
                return "\(tableColumn) = \(tableColumn) + excluded.\(tableColumn)"
            }
        }

        /// The SELECT list of the sums over `usage_hourly` rows.
        static var rollupSelection: String { allCases.map(\.rollupExpression).joined(separator: ", ") }
    }
}
