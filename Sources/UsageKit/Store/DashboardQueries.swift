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
