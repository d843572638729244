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
        let period = model.period(at: record.timestamp)
        let t = record.tokens
        var rates = period.standard
        var result = PriceResult(pricedAs: model.id, cost: nil)
        if record.speed == "fast", let fast = period.fast {
            rates = fast
            result.fast = true
        } else if let tier = period.longContext, Self.isLongContext(record, threshold: tier.threshold) {
            rates = tier.rates
            result.longContext = true
        }
        // Exact sum in femtodollars; Int128 keeps aggregated report rows (billions of tokens) from overflowing.
        var tokens = Int128(t.input) * Int128(rates.input)
        tokens += Int128(t.cacheWrite5m) * Int128(rates.cacheWrite5m)
        tokens += Int128(t.cacheWrite1h) * Int128(rates.cacheWrite1h)
        tokens += Int128(t.cacheRead) * Int128(rates.cacheRead)
        tokens += Int128(t.output) * Int128(rates.output)
        var numerator: Int128 = 1
        var denominator: Int128 = 1
        if record.isBatch { denominator *= 2 }
        if record.inferenceGeo?.lowercased() == "us", let residency = model.usResidency {
            numerator *= Int128(residency.numerator)
            denominator *= Int128(residency.denominator)
        }
        let search = Int128(record.webSearchRequests) * Int128(rates.webSearch)
        // femtodollars × numerator / denominator + search, to nanodollars: one division, rounded half to even.
        let dividend = tokens * numerator + search * denominator
        let divisor = denominator * 1_000_000
        result.cost = USD(nanos: Int64(roundHalfEven(dividend, divisor)))
        return result
    }

    /// The Admin API says which tier applied (`200k-1M`); otherwise the request's own prompt decides.
    static func isLongContext(_ record: UsageRecord, threshold: Int64) -> Bool {
        if let window = record.contextWindow?.lowercased() { return !window.hasPrefix("0-") }
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
