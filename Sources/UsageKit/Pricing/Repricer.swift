/// What re-pricing changed.
public struct RepriceSummary: Sendable, Equatable {
    public var requests = 0
    public var changed = 0
    /// Requests of models that were unpriced and now have a price.
    public var newlyPriced = 0
    /// Requests that had a price and now have none (a model the table no longer knows).
    public var nowUnpriced = 0
    public var before = USD.zero
    public var after = USD.zero
    /// Per model (as priced after, else as logged): cost before and after.
    public var byModel: [String: (before: USD, after: USD)] = [:]

    public static func == (a: RepriceSummary, b: RepriceSummary) -> Bool {
        a.requests == b.requests && a.changed == b.changed && a.newlyPriced == b.newlyPriced && a.before == b.before
            && a.after == b.after
    }
}

/// A stored request's price: what a re-pricing compares and, where it changed, writes.
struct StoredPrice: Equatable {
    var pricedAs: String?
    /// Nanodollars; nil when unpriced.
    var cost: Int64?
    var advisorCost: Int64?
    var compactionCost: Int64?
}

/// Prices stored requests again with a price table, one at a time, and sums up what moved.
struct Repricer {
    private var pricer: Pricer
    private(set) var summary = RepriceSummary()

    init(table: PriceTable) {
        pricer = Pricer(table: table)
    }

    /// The new price of `record`, stored at `old`; nil when it has not changed.
    mutating func reprice(_ record: UsageRecord, was old: StoredPrice) -> StoredPrice? {
        // Advisor calls and compactions are priced again too, each at its own model.
        let price = pricer.price(record)
        summary.requests += 1
        summary.before += USD(nanos: old.cost ?? 0)
        summary.after += price.cost ?? .zero
        let key = price.pricedAs ?? record.model
        let current = summary.byModel[key] ?? (.zero, .zero)
        summary.byModel[key] = (current.before + USD(nanos: old.cost ?? 0), current.after + (price.cost ?? .zero))
        let new = StoredPrice(
            pricedAs: price.pricedAs, cost: price.cost?.nanos, advisorCost: price.advisorCost?.nanos,
            compactionCost: price.compactionCost?.nanos)
        guard new != old else { return nil }
        summary.changed += 1
        if old.cost == nil && new.cost != nil { summary.newlyPriced += 1 }
        if old.cost != nil && new.cost == nil { summary.nowUnpriced += 1 }
        return new
    }
}
