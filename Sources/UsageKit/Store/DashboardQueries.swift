import GRDB

extension SQLiteStorage {
    func truncatedRequests(_ filter: RequestFilter, by attribute: RequestAttribute) throws
        -> [(key: String, truncated: Int64, requests: Int64)]
    {
        try SQLRequest<KeyedCounts>(
            literal: """
                SELECT COALESCE(\(sql: attribute.column), '(none)') AS key,
                  COUNT(CASE WHEN stop_reason = 'max_tokens' THEN 1 END) AS first, COUNT(*) AS second
                FROM requests WHERE aggregated = 0 AND \(filter.sql) GROUP BY 1
                HAVING COUNT(CASE WHEN stop_reason = 'max_tokens' THEN 1 END) > 0 ORDER BY 2 DESC, 1
                """
        ).fetchAll(db).map { ($0.key, $0.first, $0.second) }
    }

    func thinkingTokens(_ filter: RequestFilter) throws -> [(key: String, thinking: Int64, output: Int64)] {
        try SQLRequest<KeyedCounts>(
            literal: """
                SELECT COALESCE(workflow, '(none)') AS key, SUM(thinking_tokens) AS first, SUM(output_tokens) AS second
                FROM requests WHERE thinking_tokens IS NOT NULL AND \(filter.sql) GROUP BY 1 ORDER BY 2 DESC, 1
                """
        ).fetchAll(db).map { ($0.key, $0.first, $0.second) }
    }

    func spending(_ filter: RequestFilter) throws -> Spending {
        // Whole hours from a rollup; the partial hours at either end (a budget's period runs up to now) from the
        // requests, through the index on their time.
        let hour: Int64 = 3_600_000
        let start = filter.since.map { HourlyRollup.floorDiv($0 + hour - 1, hour) * hour }
        let end = filter.until.map { HourlyRollup.floorDiv($0, hour) * hour }
        guard let selection = RollupSelection(filter, by: []), (start ?? Int64.min) < (end ?? Int64.max) else {
            return try requestSpending(filter)
        }
        var whole = filter
        (whole.since, whole.until) = (start, end)
        var spending =
            try SQLRequest<Spending>(
                literal: """
                    SELECT COALESCE(SUM(cost_nanos), 0) AS cost, COALESCE(SUM(unpriced_requests), 0) AS unpriced,
                      COALESCE(SUM(requests + aggregated_rows), 0) AS requests
                    FROM \(sql: selection.table) WHERE \(selection.condition(whole))
                    """
            ).fetchOne(db) ?? Spending(cost: .zero, unpriced: 0, requests: 0)
        var edges: [RequestFilter] = []
        if let since = filter.since, let start, since < start {
            var head = filter
            head.until = start
            edges.append(head)
        }
        if let until = filter.until, let end, end < until {
            var tail = filter
            tail.since = end
            edges.append(tail)
        }
        for edge in edges {
            let part = try requestSpending(edge)
            spending.cost += part.cost
            spending.unpriced += part.unpriced
            spending.requests += part.requests
        }
        return spending
    }

    private func requestSpending(_ filter: RequestFilter) throws -> Spending {
        try SQLRequest<Spending>(
            literal: """
                SELECT COALESCE(SUM(cost_nanos), 0) AS cost, COUNT(*) - COUNT(cost_nanos) AS unpriced,
                  COUNT(*) AS requests
                FROM requests WHERE \(filter.sql)
                """
        ).fetchOne(db) ?? Spending(cost: .zero, unpriced: 0, requests: 0)
    }
}

/// A group's key and two counts, decoded from the columns of the same names.
private struct KeyedCounts: FetchableRecord, Decodable {
    var key: String
    var first: Int64
    var second: Int64
}

extension Spending: FetchableRecord {
    init(row: Row) {
        self.init(cost: USD(nanos: row["cost"]), unpriced: row["unpriced"], requests: row["requests"])
    }
}
