import GRDB

/// One stored request, as `usage events` lists it.
public struct RequestEvent: Sendable, Equatable {
    public var id: Int64
    public var requestID: String?
    public var timestamp: Int64
    public var model: String
    public var pricedAs: String?
    public var serviceTier: String?
    public var inferenceGeo: String?
    public var tokens: TokenCounts
    public var thinkingTokens: Int64?
    public var webSearchRequests: Int64
    public var stopReason: String?
    public var session: String?
    public var workflow: String?
    /// Nil when the model is unpriced.
    public var cost: USD?
    /// `path:line` of the log it came from.
    public var source: String

    public var priced: Bool { cost != nil }

    /// Requests matching `filter`, oldest first, at most `limit` of them (the newest ones when limited).
    public static func fetch(_ db: Database, filter: RequestFilter, limit: Int?) throws -> [RequestEvent] {
        var sql: SQL = """
            SELECT r.id, r.request_id, r.ts, r.model, r.priced_as, r.service_tier, r.inference_geo,
              r.input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens, r.output_tokens,
              r.thinking_tokens, r.web_search_requests, r.stop_reason, r.session, r.workflow, r.cost_nanos,
              f.path, r.line
            FROM requests r LEFT JOIN files f ON f.id = r.file_id
            WHERE \(filter.sql)
            """
        if let limit {
            sql = "SELECT * FROM (\(sql) ORDER BY r.ts DESC, r.id DESC LIMIT \(limit)) ORDER BY 3, 1"
        } else {
            sql.append(literal: " ORDER BY r.ts, r.id")
        }
        let (text, arguments) = try sql.build(db)
        return try Row.fetchAll(db, sql: text, arguments: arguments).map { r in
            let path: String? = r[18]
            let line: Int64 = r[19]
            let cost: Int64? = r[17]
            return RequestEvent(
                id: r[0], requestID: r[1], timestamp: r[2], model: r[3], pricedAs: r[4],
                serviceTier: r[5], inferenceGeo: r[6],
                tokens: TokenCounts(input: r[7], cacheWrite5m: r[8], cacheWrite1h: r[9], cacheRead: r[10], output: r[11]),
                thinkingTokens: r[12], webSearchRequests: r[13], stopReason: r[14], session: r[15], workflow: r[16],
                cost: cost.map(USD.init(nanos:)), source: "\(path ?? "?"):\(line)")
        }
    }
}
