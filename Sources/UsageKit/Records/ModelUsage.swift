/// An advisor model the responses consulted, with what its calls used and cost.
public struct AdvisorUsage: Sendable, Equatable {
    /// The advisor model as priced (else as logged).
    public var model: String
    /// Requests that consulted it.
    public var requests: Int64
    public var calls: Int64
    public var tokens: TokenCounts
    /// Nil when none of its calls could be priced.
    public var cost: USD?
}

/// A model the price table does not know, with the volume it left unpriced.
public struct UnpricedModel: Sendable, Equatable {
    public var model: String
    public var requests: Int64
    public var tokens: TokenCounts
}
