import GRDB

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

    /// The model key reports group by: the price table's id, else the id as logged.
    static func modelKey(_ record: UsageRecord, _ price: PriceResult) -> String { price.pricedAs ?? record.model }

    mutating func add(_ record: UsageRecord, _ price: PriceResult) {
        let key = Key(hour: Self.floorDiv(record.timestamp, 3_600_000), model: Self.modelKey(record, price))
        var s = sums[key] ?? Sums()
        s.totals.requests += 1
        s.totals.tokens.input += record.tokens.input
        s.totals.tokens.cacheWrite5m += record.tokens.cacheWrite5m
        s.totals.tokens.cacheWrite1h += record.tokens.cacheWrite1h
        s.totals.tokens.cacheRead += record.tokens.cacheRead
        s.totals.tokens.output += record.tokens.output
        s.totals.webSearchRequests += record.webSearchRequests
        if let cost = price.cost { s.totals.cost = s.totals.cost + cost } else { s.totals.unpricedRequests += 1 }
        if record.serviceTier == "priority" { s.totals.priorityRequests += 1 }
        s.first = min(s.first, record.timestamp)
        s.last = max(s.last, record.timestamp)
        sums[key] = s
    }

    /// Adds these sums to the stored rollup.
    func merge(into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO usage_hourly (hour, model_key, requests, input_tokens, cache_write_5m_tokens,
                  cache_write_1h_tokens, cache_read_tokens, output_tokens, web_search_requests, cost_nanos,
                  unpriced_requests, priority_requests, first_ts, last_ts)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(hour, model_key) DO UPDATE SET
                  requests = requests + excluded.requests,
                  input_tokens = input_tokens + excluded.input_tokens,
                  cache_write_5m_tokens = cache_write_5m_tokens + excluded.cache_write_5m_tokens,
                  cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
                  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
                  output_tokens = output_tokens + excluded.output_tokens,
                  web_search_requests = web_search_requests + excluded.web_search_requests,
                  cost_nanos = cost_nanos + excluded.cost_nanos,
                  unpriced_requests = unpriced_requests + excluded.unpriced_requests,
                  priority_requests = priority_requests + excluded.priority_requests,
                  first_ts = MIN(first_ts, excluded.first_ts),
                  last_ts = MAX(last_ts, excluded.last_ts)
                """)
        for (key, s) in sums {
            let t = s.totals
            try statement.execute(arguments: [
                key.hour, key.model, t.requests, t.tokens.input, t.tokens.cacheWrite5m, t.tokens.cacheWrite1h,
                t.tokens.cacheRead, t.tokens.output, t.webSearchRequests, t.cost.nanos, t.unpricedRequests,
                t.priorityRequests, s.first, s.last,
            ])
        }
    }

    /// Recomputes the whole rollup from the stored requests (after re-pricing, for instance).
    static func rebuild(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM usage_hourly;
                INSERT INTO usage_hourly
                SELECT ts / 3600000 - (ts < 0 AND ts % 3600000 != 0), COALESCE(priced_as, model), COUNT(*),
                  SUM(input_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(cache_read_tokens),
                  SUM(output_tokens), SUM(web_search_requests), COALESCE(SUM(cost_nanos), 0),
                  COUNT(*) - COUNT(cost_nanos), COUNT(CASE WHEN service_tier = 'priority' THEN 1 END), MIN(ts), MAX(ts)
                FROM requests GROUP BY 1, 2;
                """)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
