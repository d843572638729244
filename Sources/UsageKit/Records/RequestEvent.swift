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

}
