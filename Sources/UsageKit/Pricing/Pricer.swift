/// The outcome of pricing one request.
public struct PriceResult: Sendable, Equatable {
    /// The price table's id for the model, or nil when the model is unknown.
    public var pricedAs: String?
    /// Exact cost, rounded once to the nanodollar; nil when unpriced (never zero for an unknown model).
    public var cost: USD?
    /// The request's prompt was over the model's long-context threshold.
    public var longContext: Bool = false
    /// Fast-mode rates were applied.
    public var fast: Bool = false
}

/// Prices requests from a price table, applying every modifier exactly.
///
/// Rules: the period in force at the request's timestamp; fast rates replace standard ones; otherwise long-context
/// rates replace them for the whole request when the prompt is over the threshold; the batch discount halves every
/// token rate (web search excepted); US data residency multiplies every token rate where the model has it.
public struct Pricer: Sendable {
    public let table: PriceTable
    private var cache: [String: ModelPrice?] = [:]

    public init(table: PriceTable = .builtIn) {
        self.table = table
    }

    /// Prices `record`. Memoizes model lookups, so one pricer should live for a whole ingest.
    public mutating func price(_ record: UsageRecord) -> PriceResult {
        if record.model == ModelID.synthetic { return PriceResult(pricedAs: ModelID.synthetic, cost: .zero) }
        let model: ModelPrice?
        if let cached = cache[record.model] {
            model = cached
        } else {
            model = table.lookup(record.model)
            cache[record.model] = model
        }
        guard let model else { return PriceResult(pricedAs: nil, cost: nil) }
        return Pricer.price(record, model: model)
    }

    /// Prices `record` with a known model's entry.
    public static func price(_ record: UsageRecord, model: ModelPrice) -> PriceResult {
        guard let terms = PricingTerms(record, model: model) else { return PriceResult(pricedAs: nil, cost: nil) }
        var result = PriceResult(pricedAs: model.id, cost: nil)
        result.fast = terms.fast
        result.longContext = terms.longContext
        let t = record.tokens
        let r = terms.rates
        let tokens =
            Int128(t.input) * Int128(r.input) + Int128(t.cacheWrite5m) * Int128(r.cacheWrite5m)
            + Int128(t.cacheWrite1h) * Int128(r.cacheWrite1h) + Int128(t.cacheRead) * Int128(r.cacheRead)
            + Int128(t.output) * Int128(r.output)
        let search = Int128(record.webSearchRequests) * Int128(r.webSearch)
        // femtodollars × modifiers + search, to nanodollars: one division, rounded half to even.
        let units = terms.modified(tokens) + search * ExactAmount.unitsPerFemto
        result.cost = ExactAmount(units: units).usd
        return result
    }

    /// The Admin API says which tier applied (`200k-1M`); otherwise the request's own prompt decides, and an
    /// aggregated row without a context window is priced at standard rates.
    static func isLongContext(_ record: UsageRecord, threshold: Int64) -> Bool {
        if let window = record.contextWindow?.lowercased() { return !window.hasPrefix("0-") }
        // An aggregated row sums many requests: its total says nothing of any one prompt's size.
        if record.aggregated { return false }
        return record.tokens.prompt > threshold
    }

    static func roundHalfEven(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        let r = a % b
        let twice = 2 * r
        if twice > b || (twice == b && q % 2 != 0) { return q + 1 }
        return q
    }
}

/// An exact amount of money in units of 5 × 10⁻²² USD: a femtodollar divided by every denominator a modifier can
/// bring (2 for batch, 10⁶ for a multiplier such as 1.1), so sums of modified costs stay exact integers.
public struct ExactAmount: Sendable, Equatable, AdditiveArithmetic {
    public var units: Int128

    static let unitsPerFemto: Int128 = 2_000_000
    static let unitsPerNano = unitsPerFemto * 1_000_000

    public init(units: Int128) { self.units = units }
    public static var zero: ExactAmount { ExactAmount(units: 0) }
    public static func + (a: ExactAmount, b: ExactAmount) -> ExactAmount { ExactAmount(units: a.units + b.units) }
    public static func - (a: ExactAmount, b: ExactAmount) -> ExactAmount { ExactAmount(units: a.units - b.units) }

    /// Rounded half to even to the nanodollar.
    public var usd: USD { USD(nanos: Int64(Pricer.roundHalfEven(units, Self.unitsPerNano))) }
}

/// The rates and modifiers that apply to one request: what its cost, and what-if costs, are computed from.
public struct PricingTerms: Sendable {
    /// Per-token rates after fast mode or the long-context tier replaced the standard ones.
    public var rates: Rates
    public var batch: Bool
    /// Data residency multiplier as a fraction, when it applies.
    public var residency: (numerator: Int64, denominator: Int64)?
    public var fast = false
    public var longContext = false

    /// Nil when the model has no price at the request's time.
    public init?(_ record: UsageRecord, model: ModelPrice) {
        guard let period = model.period(at: record.timestamp) else { return nil }
        rates = period.standard
        if record.speed == "fast", let fast = period.fast {
            rates = fast
            self.fast = true
        } else if let tier = period.longContext, Pricer.isLongContext(record, threshold: tier.threshold) {
            rates = tier.rates
            longContext = true
        }
        batch = record.isBatch
        if batch && !fast && !longContext, let stated = period.batch {
            // Batch rates the price list states outright are not halved again.
            rates = stated
            batch = false
        }
        if record.inferenceGeo?.lowercased() == "us" { residency = model.usResidency }
    }

    /// A token cost in femtodollars with every modifier applied, in exact units.
    func modified(_ femto: Int128, batch: Bool? = nil) -> Int128 {
        var units = femto * ExactAmount.unitsPerFemto
        if batch ?? self.batch { units /= 2 }
        if let residency { units = units * Int128(residency.numerator) / Int128(residency.denominator) }
        return units
    }

    /// `tokens` at a per-token rate, with the request's modifiers (or without the batch discount).
    public func amount(_ tokens: Int64, at rate: Int64, batch: Bool? = nil) -> ExactAmount {
        ExactAmount(units: modified(Int128(tokens) * Int128(rate), batch: batch))
    }
}
