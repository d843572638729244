// What logs state besides requests: billed amounts and batches. Stored beside the requests, never counted as
// requests.

/// An amount the Admin API cost report says was billed: money, not a request.
public struct BilledCost: Sendable, Equatable {
    public var startingAt: Int64
    public var endingAt: Int64
    public var model: String?
    public var costType: String?
    public var tokenType: String?
    public var serviceTier: String?
    public var contextWindow: String?
    public var inferenceGeo: String?
    public var workspaceID: String?
    public var description: String?
    public var amount: USD
    public var line: Int
    /// The price table's id for `model`, told when the amount is priced (nil: not priced, or unknown to the table).
    public var pricedAs: String? = nil

    /// One billed amount per bucket and grouping, whichever page states it.
    var dedupeKey: String {
        [
            "c", String(startingAt), String(endingAt), model ?? "", costType ?? "", tokenType ?? "", serviceTier ?? "",
            contextWindow ?? "", inferenceGeo ?? "", workspaceID ?? "", description ?? "",
        ].joined(separator: "|")
    }
}

/// A Message Batches batch object.
public struct BatchObject: Sendable, Equatable {
    public var id: String
    public var status: String?
    public var processing, succeeded, errored, canceled, expired: Int64
    public var createdAt: Int64?
    public var endedAt: Int64?
}

/// How the requests of a batch results file or batch summary ended.
public struct BatchOutcomes: Sendable, Equatable {
    public var batchID: String?
    public var succeeded = 0
    public var errored = 0
    public var expired = 0
    public var canceled = 0

    /// Requests that were not billed.
    public var unbilled: Int { errored + expired + canceled }
}

/// A headless Claude Code run's `result`: the run's usage, one aggregated record per model (`modelUsage`), and the
/// cost Claude Code computed for the run (`total_cost_usd`), kept as logged costs beside the computed ones.
struct HeadlessResult: Sendable, Equatable {
    var session: String
    /// The run's identity: session, durations, turns and cost, the same wherever the result is saved.
    var key: String
    var timestamp: Int64
    var timestampFromFile: Bool
    var project: String?
    /// `total_cost_usd`.
    var runCost: USD?
    var line: Int
    /// Per model: its tokens, and `costUSD` as the logged cost.
    var models: [UsageRecord]
}
