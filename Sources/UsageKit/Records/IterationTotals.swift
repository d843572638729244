/// What `usage.iterations` added to a set of requests: advisor calls (at the advisor model's rates) and
/// compactions (at the request's model's rates), billed beside the responses' own tokens.
public struct IterationTotals: Sendable, Equatable, Hashable {
    public var advisorCalls: Int64 = 0
    /// Uncached input, cache writes and cache reads of the advisor calls.
    public var advisorPromptTokens: Int64 = 0
    public var advisorOutputTokens: Int64 = 0
    /// The advisor calls' part of the cost.
    public var advisorCost: USD = .zero
    public var compactions: Int64 = 0
    public var compactionPromptTokens: Int64 = 0
    public var compactionOutputTokens: Int64 = 0
    /// The compactions' part of the cost.
    public var compactionCost: USD = .zero

    public init() {}

    /// Neither advisor calls nor compactions.
    public var isEmpty: Bool { advisorCalls == 0 && compactions == 0 }

    mutating func add(_ o: IterationTotals, sign: Int64 = 1) {
        advisorCalls += sign * o.advisorCalls
        advisorPromptTokens += sign * o.advisorPromptTokens
        advisorOutputTokens += sign * o.advisorOutputTokens
        advisorCost.nanos += sign * o.advisorCost.nanos
        compactions += sign * o.compactions
        compactionPromptTokens += sign * o.compactionPromptTokens
        compactionOutputTokens += sign * o.compactionOutputTokens
        compactionCost.nanos += sign * o.compactionCost.nanos
    }
}
