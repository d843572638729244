import GRDB

/// One stored request, as `usage events` lists it.
public struct RequestEvent: Sendable, Equatable {
    public var id: Int64
    public var requestID: String?
    public var messageID: String?
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
            SELECT r.id, r.request_id, r.message_id, r.ts, r.model, r.priced_as, r.service_tier, r.inference_geo,
              r.input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens, r.output_tokens,
              r.thinking_tokens, r.web_search_requests, r.stop_reason, r.session, r.workflow, r.cost_nanos,
              f.path, r.line
            FROM requests r LEFT JOIN files f ON f.id = r.file_id
            WHERE \(filter.sql)
            """
        if let limit {
            sql = "SELECT * FROM (\(sql) ORDER BY r.ts DESC, r.id DESC LIMIT \(limit)) ORDER BY 4, 1"
        } else {
            sql.append(literal: " ORDER BY r.ts, r.id")
        }
        let (text, arguments) = try sql.build(db)
        return try Row.fetchAll(db, sql: text, arguments: arguments).map { r in
            let path: String? = r[19]
            let line: Int64 = r[20]
            let cost: Int64? = r[18]
            return RequestEvent(
                id: r[0], requestID: r[1], messageID: r[2], timestamp: r[3], model: r[4], pricedAs: r[5],
                serviceTier: r[6], inferenceGeo: r[7],
                tokens: TokenCounts(input: r[8], cacheWrite5m: r[9], cacheWrite1h: r[10], cacheRead: r[11], output: r[12]),
                thinkingTokens: r[13], webSearchRequests: r[14], stopReason: r[15], session: r[16], workflow: r[17],
                cost: cost.map(USD.init(nanos:)), source: "\(path ?? "?"):\(line)")
        }
    }
}
