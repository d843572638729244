/// The outcome of pricing one request.
public struct PriceResult: Sendable, Equatable {
    /// The price table's id for the model, or nil when the model is unknown.
    public var pricedAs: String?
    /// Exact cost, rounded once to the nanodollar; nil when unpriced (never zero for an unknown model). It includes
    /// the compaction and advisor iterations of the response.
    public var cost: USD?
    /// The request's prompt was over the model's long-context threshold.
    public var longContext: Bool = false
    /// Fast-mode rates were applied.
    public var fast: Bool = false
    /// The advisor calls' part of `cost`; nil when the response consulted no advisor (or `cost` is nil).
    public var advisorCost: USD? = nil
    /// The compaction iterations' part of `cost`; nil when the response had none (or `cost` is nil).
    public var compactionCost: USD? = nil
}

/// Prices requests from a price table, applying every modifier exactly.
///
/// Rules: the period in force at the request's timestamp; fast rates replace standard ones, and a fast request over
/// the long-context threshold takes the period's fast long-context rates where it has them; otherwise long-context
/// rates replace them for the whole request when the prompt is over the threshold; the batch discount halves every
/// token rate (web search excepted); US data residency (first-party ids) or an Amazon Bedrock regional endpoint
/// multiplies every token rate where the model has that multiplier. Compaction and advisor iterations are added at
/// their own model's rates.
public struct Pricer: Sendable {
    public let table: PriceTable
    private var cache: [String: (model: ModelPrice?, endpoint: ModelID.Endpoint)] = [:]

    public init(table: PriceTable = .builtIn) {
        self.table = table
    }

    /// The entry and endpoint of a logged model id, memoized.
    private mutating func resolve(_ id: String) -> (model: ModelPrice?, endpoint: ModelID.Endpoint) {
        if let cached = cache[id] { return cached }
        let resolved = (table.lookup(id), ModelID.endpoint(id))
        cache[id] = resolved
        return resolved
    }

    /// Prices `record`. Memoizes model lookups, so one pricer should live for a whole ingest.
    public mutating func price(_ record: UsageRecord) -> PriceResult {
        if record.model == ModelID.synthetic { return PriceResult(pricedAs: ModelID.synthetic, cost: .zero) }
        let (model, endpoint) = resolve(record.model)
        guard let model else { return PriceResult(pricedAs: nil, cost: nil) }
        let advisor = record.hasIterations ? record.iterations?.advisorModel.flatMap { resolve($0).model } : nil
        return Pricer.price(record, model: model, endpoint: endpoint, advisor: advisor)
    }

    /// Prices `record` with a known model's entry; `advisor` prices the advisor calls it made, if any (without it
    /// such a request is unpriced: part of its cost is unknown).
    public static func price(_ record: UsageRecord, model: ModelPrice, advisor: ModelPrice? = nil) -> PriceResult {
        price(record, model: model, endpoint: ModelID.endpoint(record.model), advisor: advisor)
    }

    static func price(
        _ record: UsageRecord, model: ModelPrice, endpoint: ModelID.Endpoint, advisor: ModelPrice?
    ) -> PriceResult {
        guard let terms = PricingTerms(record, model: model, endpoint: endpoint) else {
            return PriceResult(pricedAs: nil, cost: nil)
        }
        var result = PriceResult(pricedAs: model.id, cost: nil)
        result.fast = terms.fast
        result.longContext = terms.longContext
        let search = Int128(record.webSearchRequests) * Int128(terms.rates.webSearch)
        // femtodollars × modifiers + search, to nanodollars: one division, rounded half to even.
        var units = terms.units(record.tokens) + search * ExactAmount.unitsPerFemto
        guard record.hasIterations else {
            result.cost = ExactAmount(units: units).usd
            return result
        }
        let steps = Pricer.steps(of: record)
        if let step = steps.compaction {
            guard let part = PricingTerms(step, model: model, endpoint: endpoint)?.units(step.tokens) else {
                return PriceResult(pricedAs: model.id, cost: nil)
            }
            units += part
            result.compactionCost = ExactAmount(units: part).usd
        }
        if let step = steps.advisor {
            guard let advisor, let part = PricingTerms(step, model: advisor)?.units(step.tokens) else {
                return PriceResult(pricedAs: model.id, cost: nil)
            }
            units += part
            result.advisorCost = ExactAmount(units: part).usd
        }
        result.cost = ExactAmount(units: units).usd
        return result
    }

    /// The sampling steps of `record` billed beside its top-level usage, each as a request of its own:
    /// - its compactions: the summary is written by the request's own model inside the same request (same date,
    ///   endpoint, batch, residency and speed);
    /// - its advisor calls: a sub-inference "billed at the advisor model's rates" (advisor-tool page, Usage and
    ///   billing), with the request's date, batch discount and data residency but not the executor's fast mode.
    /// Each step's own prompt decides its long-context tier. `message` iterations are the top-level usage itself.
    static func steps(of record: UsageRecord) -> (compaction: UsageRecord?, advisor: UsageRecord?) {
        guard let it = record.iterations else { return (nil, nil) }
        func step(_ model: String, _ tokens: TokenCounts, speed: String?) -> UsageRecord {
            var step = UsageRecord(
                timestamp: record.timestamp, model: model, serviceTier: record.serviceTier,
                inferenceGeo: record.inferenceGeo, speed: speed, tokens: tokens)
            step.aggregated = false
            return step
        }
        return (
            it.compactions > 0 ? step(record.model, it.compactionTokens, speed: record.speed) : nil,
            it.advisorCalls > 0 ? step(it.advisorModel ?? "", it.advisorTokens, speed: nil) : nil
        )
    }

    /// The Admin API says which tier applied (`200k-1M`); otherwise the request's own prompt decides, and an
    /// aggregated row without a context window is priced at standard rates.
    static func isLongContext(_ record: UsageRecord, threshold: Int64) -> Bool {
        if let window = record.contextWindow?.lowercased() { return !window.hasPrefix("0-") }
        // An aggregated row sums many requests: its total says nothing of any one prompt's size.
        if record.aggregated { return false }
        return record.tokens.prompt > threshold
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
    public var usd: USD { USD(nanos: Int64(Decimal9.roundHalfEven(units, Self.unitsPerNano))) }
}

/// The rates and modifiers that apply to one request: what its cost, and what-if costs, are computed from.
public struct PricingTerms: Sendable {
    /// Per-token rates after fast mode or the long-context tier replaced the standard ones.
    public var rates: Rates
    public var batch: Bool
    /// Data residency multiplier as a fraction, when it applies (`inference_geo: "us"` on a first-party id).
    public var residency: (numerator: Int64, denominator: Int64)?
    /// Amazon Bedrock regional-endpoint multiplier, when the id names a geographic profile or an in-Region model.
    public var regional: (numerator: Int64, denominator: Int64)?
    /// Where the request ran, as its model id tells.
    public var endpoint: ModelID.Endpoint = .anthropic
    public var fast = false
    public var longContext = false

    /// Nil when the model has no price at the request's time.
    public init?(_ record: UsageRecord, model: ModelPrice) {
        self.init(record, model: model, endpoint: ModelID.endpoint(record.model))
    }

    init?(_ record: UsageRecord, model: ModelPrice, endpoint: ModelID.Endpoint) {
        guard let period = model.period(at: record.timestamp) else { return nil }
        rates = period.standard
        let tier = period.longContext.flatMap { Pricer.isLongContext(record, threshold: $0.threshold) ? $0 : nil }
        if record.speed == "fast", let fast = period.fast {
            rates = fast
            self.fast = true
            // Fast mode and long context stack: Opus 4.6 over 200k before 2026-03-13 is $60 / $225, 12x standard
            // (https://platform.claude.com/docs/en/build-with-claude/fast-mode of that period).
            if tier != nil, let both = period.fastLongContext {
                rates = both
                longContext = true
            }
        } else if let tier {
            rates = tier.rates
            longContext = true
        }
        batch = record.isBatch
        if batch && !fast && !longContext, let stated = period.batch {
            // Batch rates the price list states outright are not halved again.
            rates = stated
            batch = false
        }
        self.endpoint = endpoint
        if endpoint.isBedrockRegional {
            // Bedrock's geographic profiles and in-Region ids cost 10% more than `global.` from Sonnet 4.5 on
            // ("Regional endpoints include a 10% pricing premium over global endpoints", Claude on Amazon Bedrock;
            // AWS: global offers "approximately 10% savings ... compared to geographic cross-Region inference").
            regional = model.bedrockRegional
        } else if endpoint == .anthropic, record.inferenceGeo?.lowercased() == "us" {
            // inference_geo exists on the Claude API only; on Bedrock and Vertex the endpoint decides
            // (https://platform.claude.com/docs/en/build-with-claude/data-residency).
            residency = model.usResidency
        }
    }

    /// A token cost in femtodollars with every modifier applied, in exact units.
    func modified(_ femto: Int128, batch: Bool? = nil) -> Int128 {
        var units = femto * ExactAmount.unitsPerFemto
        if batch ?? self.batch { units /= 2 }
        // Residency and a regional endpoint never both apply (one is first-party, the other Bedrock), so one
        // division by 10⁶ stays exact.
        if let multiplier = residency ?? regional {
            units = units * Int128(multiplier.numerator) / Int128(multiplier.denominator)
        }
        return units
    }

    /// The exact cost of `t` at these terms, in exact units (web search not included).
    func units(_ t: TokenCounts) -> Int128 {
        let r = rates
        let femto =
            Int128(t.input) * Int128(r.input) + Int128(t.cacheWrite5m) * Int128(r.cacheWrite5m)
            + Int128(t.cacheWrite1h) * Int128(r.cacheWrite1h) + Int128(t.cacheRead) * Int128(r.cacheRead)
            + Int128(t.output) * Int128(r.output)
        return modified(femto)
    }

    /// `tokens` at a per-token rate, with the request's modifiers (or without the batch discount).
    public func amount(_ tokens: Int64, at rate: Int64, batch: Bool? = nil) -> ExactAmount {
        ExactAmount(units: modified(Int128(tokens) * Int128(rate), batch: batch))
    }
}
