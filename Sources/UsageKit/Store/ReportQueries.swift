import GRDB

extension SQLiteStorage {
    func requestSums(_ filter: RequestFilter, bucket: Int64?, by attributes: [RequestAttribute], rollup: Bool) throws
        -> [GroupSums]
    {
        let hour: Int64 = 3_600_000
        let selection = rollup ? RollupSelection(filter, by: attributes) : nil
        precondition(!rollup || (bucket ?? hour) == hour && selection != nil)
        // The sums first, at the positions their columns give; the group's keys after them.
        var keys: [String] = []
        if let bucket {
            keys.append(rollup ? "hour" : "(ts - (ts < 0 AND ts % \(bucket) != 0) * \(bucket)) / \(bucket)")
        }
        for a in attributes { keys.append(selection?.key(a) ?? wholeText(a.column)) }
        let first = RequestSums.Column.allCases.count
        var terms = keys.indices.map { String(first + $0 + 1) }
        if let selection {
            // The attributes' own columns in the rollup, which determine their keys.
            let offset = bucket == nil ? 0 : 1
            for (i, a) in attributes.enumerated() { terms[offset + i] = selection.grouping(a) }
        }
        let groupBy = keys.isEmpty ? "" : " GROUP BY " + terms.joined(separator: ", ")
        let columns = ([rollup ? RequestSums.Column.rollupSelection : RequestSums.Column.selection] + keys)
            .joined(separator: ", ")
        let sql: SQL
        if let selection {
            let condition = selection.condition(filter)
            sql = "SELECT \(sql: columns) FROM \(sql: selection.table) WHERE \(condition)\(sql: groupBy)"
        } else {
            sql = "SELECT \(sql: columns) FROM requests WHERE \(filter.sql)\(sql: groupBy)"
        }
        var groups: [GroupSums] = []
        let cursor = try Row.fetchCursor(db, SQLRequest(literal: sql))
        while let r = try cursor.next() {
            var column = first
            var start: Int64?
            if let bucket {
                start = (r[column] as Int64) * bucket
                column += 1
            }
            groups.append(
                GroupSums(
                    bucketStart: start, attributes: attributes.indices.map { r.wholeString(column + $0) },
                    sums: RequestSums(row: r)))
        }
        return groups
    }

    func rollupCanSum(_ filter: RequestFilter, by attributes: [RequestAttribute]) -> Bool {
        RollupSelection(filter, by: attributes) != nil
    }

    func unpricedModels(_ filter: RequestFilter) throws -> [UnpricedModel] {
        // A request whose own model is priced but whose cost is unknown consulted an advisor the table lacks.
        // Through the index of the unpriced requests, which are few: the planner would otherwise take the one on
        // time and read every request of the period.
        try SQLRequest<UnpricedRow>(
            literal: """
                SELECT COALESCE(CASE WHEN priced_as IS NOT NULL THEN advisor_model || ' (advisor)' END, model) AS model,
                  COUNT(*) AS requests, \(sql: TokenColumns.sums())
                FROM requests INDEXED BY requests_unpriced WHERE cost_nanos IS NULL AND \(filter.sql)
                GROUP BY 1 ORDER BY COUNT(*) DESC, 1
                """
        ).fetchAll(db).map(\.model)
    }

    func advisorUsage(_ filter: RequestFilter) throws -> [AdvisorUsage] {
        try SQLRequest<AdvisorRow>(
            literal: """
                SELECT advisor_model AS model, COUNT(*) AS requests, SUM(advisor_calls) AS calls,
                  \(sql: TokenColumns.sums(prefix: "advisor_")), SUM(advisor_cost_nanos) AS cost
                FROM requests WHERE advisor_calls > 0 AND \(filter.sql) GROUP BY 1
                """
        ).fetchAll(db).map(\.usage)
    }

    func billedAmounts(since: Int64?, until: Int64?) throws -> [BilledAmount] {
        try SQLRequest<BilledAmount>(
            literal: """
                SELECT starting_at, COALESCE(priced_as, model, '(' || COALESCE(cost_type, 'other') || ')') AS model,
                  SUM(amount_nanos) AS amount
                FROM billed_costs WHERE \(RequestFilter.billedPeriod(since: since, until: until)) GROUP BY 1, 2
                """
        ).fetchAll(db)
    }

    func telemetryCounts(_ filter: RequestFilter, analytics: Bool) throws -> TelemetryCounts {
        var counts = TelemetryCounts()
        // The partial index `requests_from_otlp` answers this for a store without OpenTelemetry rows at no cost.
        let otlp = try Row.fetchOne(
            db,
            SQLRequest(
                literal: """
                    SELECT COUNT(*), COALESCE(SUM(cache_write_5m_tokens > 0), 0), COALESCE(SUM(aggregated), 0)
                    FROM requests WHERE source_format = 'otlp' AND \(filter.sql)
                    """))
        let rows: Int64 = otlp?[0] ?? 0
        counts.unsplitCacheWrites = otlp?[1] ?? 0
        counts.counterRows = otlp?[2] ?? 0
        if analytics {
            let row = try Row.fetchOne(
                db,
                SQLRequest(
                    literal: """
                        SELECT COUNT(*), COALESCE(SUM(cache_write_5m_tokens > 0), 0) FROM requests
                        WHERE source_format = 'claude-code-analytics' AND \(filter.sql)
                        """))
            counts.analyticsRows = row?[0] ?? 0
            counts.unsplitCacheWrites += row?[1] ?? 0
        }
        if rows > counts.counterRows {
            counts.sessionsInBoth =
                try SQLRequest<Int64>(
                    literal: """
                        SELECT COUNT(*) FROM
                          (SELECT DISTINCT session FROM requests
                           WHERE source_format = 'otlp' AND aggregated = 0 AND session IS NOT NULL AND \(filter.sql))
                        JOIN (SELECT DISTINCT session FROM requests
                              WHERE source_format = 'claude-code' AND \(filter.sql))
                        USING (session)
                        """
                ).fetchOne(db) ?? 0
        }
        return counts
    }

    func lastRequestTime() throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MAX(ts) FROM requests")
    }

    func headlessRowCount(_ filter: RequestFilter) throws -> Int64 {
        try SQLRequest<Int64>(
            literal: """
                SELECT COUNT(*) FROM requests
                WHERE id IN (SELECT request_row FROM headless_results WHERE request_row IS NOT NULL) AND \(filter.sql)
                """
        ).fetchOne(db) ?? 0
    }
}

extension RequestAttribute {
    /// The `requests` column it reads.
    var column: String {
        switch self {
        case .model: return "COALESCE(priced_as, model)"
        case .session: return "session"
        case .workflow: return "workflow"
        case .project: return "project"
        case .serviceTier: return "service_tier"
        case .source: return "source_format"
        }
    }
}

/// The columns of the token categories, and their sums under the names `TokenCounts(sums:)` reads.
enum TokenColumns {
    /// The columns of `requests` and `usage_hourly` that hold the categories, in the order of `TokenCounts`.
    static let names = [
        "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens",
    ]

    /// `SUM(<prefix>input_tokens) AS input, ...`.
    static func sums(prefix: String = "") -> String {
        names.map { "SUM(\(prefix)\($0)) AS \($0.dropLast("_tokens".count))" }.joined(separator: ", ")
    }
}

extension TokenCounts {
    /// The sums `TokenColumns.sums` selects.
    init(sums row: Row) {
        self.init(
            input: row["input"], cacheWrite5m: row["cache_write_5m"], cacheWrite1h: row["cache_write_1h"],
            cacheRead: row["cache_read"], output: row["output"])
    }
}

private struct UnpricedRow: FetchableRecord {
    var model: UnpricedModel

    init(row: Row) {
        model = UnpricedModel(model: row["model"], requests: row["requests"], tokens: TokenCounts(sums: row))
    }
}

private struct AdvisorRow: FetchableRecord {
    var usage: AdvisorUsage

    init(row: Row) {
        usage = AdvisorUsage(
            model: row["model"], requests: row["requests"], calls: row["calls"], tokens: TokenCounts(sums: row),
            cost: (row["cost"] as Int64?).map(USD.init(nanos:)))
    }
}

extension BilledAmount: FetchableRecord {
    init(row: Row) {
        self.init(startingAt: row["starting_at"], model: row["model"], amount: USD(nanos: row["amount"]))
    }
}
