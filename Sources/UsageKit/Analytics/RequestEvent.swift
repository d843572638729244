import GRDB

/// One stored request, as `usage events` lists it.
public struct RequestEvent: Sendable, Equatable {
    public var id: Int64
    public var requestID: String?
    /// The response's `id` (`msg_...`), when logged: what finds the row in the log it came from.
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
    public var project: String?
    /// A Message Batches request's `custom_id` (a batch summary's `task_id`).
    public var customID: String?
    /// The git branch a Claude Code session was on.
    public var gitBranch: String?
    /// Nil when the model is unpriced. It includes the advisor calls and compactions below.
    public var cost: USD?
    /// The advisor calls the response made (`usage.iterations`), nil when none.
    public var advisor: IterationPart?
    /// The compactions the response ran (`usage.iterations`), nil when none.
    public var compaction: IterationPart?
    /// `path:line` of the log it came from.
    public var source: String

    /// What one kind of iteration added to a request: how many, their tokens, and their part of its cost.
    public struct IterationPart: Sendable, Equatable {
        /// The advisor model as logged; for compactions, the request's own model.
        public var model: String
        public var count: Int64
        public var tokens: TokenCounts
        /// Nil when unpriced.
        public var cost: USD?
    }

    public var priced: Bool { cost != nil }

    /// Requests matching `filter`, oldest first, at most `limit` of them (the newest ones when limited).
    static func fetch(_ db: Database, filter: RequestFilter, limit: Int?) throws -> [RequestEvent] {
        var sql: SQL = """
            SELECT r.id, \(sql: wholeText("r.request_id")), r.ts, \(sql: wholeText("r.model")), r.priced_as,
              \(sql: wholeText("r.service_tier")), \(sql: wholeText("r.inference_geo")),
              r.input_tokens, r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens, r.output_tokens,
              r.thinking_tokens, r.web_search_requests, \(sql: wholeText("r.stop_reason")), \(sql: wholeText("r.session")),
              \(sql: wholeText("r.workflow")), r.cost_nanos, \(sql: wholeText("f.path")), r.line,
              \(sql: wholeText(StoredRequest.messageID("r"))), \(sql: wholeText("r.project")),
              \(sql: wholeText("r.custom_id")), \(sql: wholeText("r.git_branch")), \(sql: wholeText("r.advisor_model")), r.advisor_calls, r.advisor_input_tokens, r.advisor_cache_write_5m_tokens,
              r.advisor_cache_write_1h_tokens, r.advisor_cache_read_tokens, r.advisor_output_tokens, r.advisor_cost_nanos,
              r.compactions, r.compaction_input_tokens, r.compaction_cache_write_5m_tokens,
              r.compaction_cache_write_1h_tokens, r.compaction_cache_read_tokens, r.compaction_output_tokens,
              r.compaction_cost_nanos
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
            // Text read as its bytes (`wholeText`): whole past a NUL, and a leading byte order mark kept.
            let path = r.wholeString(18)
            let line: Int64 = r[19]
            let cost: Int64? = r[17]
            let model = r.wholeString(3) ?? ""
            func part(_ i: Int, model name: String?) -> IterationPart? {
                let count: Int64 = r[i]
                guard count > 0 else { return nil }
                return IterationPart(
                    model: name ?? model, count: count,
                    tokens: TokenCounts(input: r[i + 1], cacheWrite5m: r[i + 2], cacheWrite1h: r[i + 3], cacheRead: r[i + 4], output: r[i + 5]),
                    cost: (r[i + 6] as Int64?).map(USD.init(nanos:)))
            }
            return RequestEvent(
                id: r[0], requestID: r.wholeString(1), messageID: r.wholeString(20), timestamp: r[2], model: model,
                pricedAs: r[4], serviceTier: r.wholeString(5), inferenceGeo: r.wholeString(6),
                tokens: TokenCounts(input: r[7], cacheWrite5m: r[8], cacheWrite1h: r[9], cacheRead: r[10], output: r[11]),
                thinkingTokens: r[12], webSearchRequests: r[13], stopReason: r.wholeString(14),
                session: r.wholeString(15), workflow: r.wholeString(16), project: r.wholeString(21),
                customID: r.wholeString(22), gitBranch: r.wholeString(23), cost: cost.map(USD.init(nanos:)),
                advisor: part(25, model: r.wholeString(24)), compaction: part(32, model: nil), source: "\(path ?? "?"):\(line)")
        }
    }
}
