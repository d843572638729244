import Foundation

/// Per-token rates of one model at one time, in femtodollars (1e-15 USD) per token.
///
/// A rate of r USD per million tokens is r × 1e9 femtodollars per token, an exact integer for any published price.
public struct Rates: Sendable, Equatable {
    public var input: Int64
    public var cacheWrite5m: Int64
    public var cacheWrite1h: Int64
    public var cacheRead: Int64
    public var output: Int64
    /// Femtodollars per web search.
    public var webSearch: Int64

    public init(
        input: Int64, cacheWrite5m: Int64, cacheWrite1h: Int64, cacheRead: Int64, output: Int64, webSearch: Int64
    ) {
        self.input = input
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
        self.webSearch = webSearch
    }

    /// Femtodollars per token for a price in USD per million tokens.
    static let perMTok: Int64 = 1_000_000_000
}

/// The rates of a model from one date until the next period's date.
public struct PricePeriod: Sendable, Equatable {
    /// Start of the period, in milliseconds since 1970 UTC; nil for "since the beginning".
    public var from: Int64?
    public var standard: Rates
    /// Rates for every token of a request whose prompt exceeds `threshold`.
    public var longContext: (threshold: Int64, rates: Rates)?
    /// Rates that replace the standard ones in fast mode.
    public var fast: Rates?
    /// Batch rates stated outright (an imported price list); without them batch halves the standard rates.
    public var batch: Rates? = nil
    /// Rates that replace both the fast and the long-context ones for a fast request whose prompt is over the
    /// long-context threshold (Opus 4.6 before 2026-03-13: $60 / $225, "12x the standard Opus rates for prompts >
    /// 200K tokens", https://platform.claude.com/docs/en/build-with-claude/fast-mode). Without them a fast request
    /// is charged the fast rates whatever its size.
    public var fastLongContext: Rates? = nil

    public static func == (a: PricePeriod, b: PricePeriod) -> Bool {
        a.from == b.from && a.standard == b.standard && a.fast == b.fast && a.batch == b.batch
            && a.longContext?.threshold == b.longContext?.threshold && a.longContext?.rates == b.longContext?.rates
            && a.fastLongContext == b.fastLongContext
    }
}

/// Everything the price table knows about one model.
public struct ModelPrice: Sendable, Equatable {
    public var id: String
    public var name: String
    public var aliases: [String]
    /// Periods sorted by start date.
    public var periods: [PricePeriod]
    /// Multiplier for US-only inference as a fraction, e.g. (11, 10); nil where the model has none.
    public var usResidency: (numerator: Int64, denominator: Int64)?
    public var minCacheableTokens: Int?
    /// Multiplier for Amazon Bedrock's regional endpoints (geographic cross-Region profiles such as `us.` and
    /// in-Region `anthropic.` ids) over the `global.` profile, which costs the listed rates; nil where the model
    /// keeps one price on every endpoint (Bedrock models before Sonnet 4.5).
    public var bedrockRegional: (numerator: Int64, denominator: Int64)? = nil

    public static func == (a: ModelPrice, b: ModelPrice) -> Bool {
        a.id == b.id && a.periods == b.periods && a.usResidency?.numerator == b.usResidency?.numerator
            && a.usResidency?.denominator == b.usResidency?.denominator
            && a.bedrockRegional?.numerator == b.bedrockRegional?.numerator
            && a.bedrockRegional?.denominator == b.bedrockRegional?.denominator
    }

    /// The period in force at `timestamp` (milliseconds since 1970 UTC); nil before the first one starts (a
    /// model whose imported prices apply only from a date).
    public func period(at timestamp: Int64) -> PricePeriod? {
        var chosen: PricePeriod?
        for period in periods where (period.from ?? Int64.min) <= timestamp { chosen = period }
        return chosen
    }
}

/// The effective-dated table of Anthropic prices the tool ships with.
public struct PriceTable: Sendable {
    public var version: String
    public var models: [ModelPrice]
    private var byID: [String: Int]

    public init(version: String, models: [ModelPrice]) {
        self.version = version
        self.models = models
        var index: [String: Int] = [:]
        for (i, model) in models.enumerated() {
            index[model.id] = i
            for alias in model.aliases { index[ModelID.normalize(alias)] = i }
        }
        byID = index
    }

    /// The table bundled with the tool.
    public static let builtIn: PriceTable = {
        do {
            guard let url = Bundle.module.url(forResource: "prices", withExtension: "json") else {
                throw UsageError.priceTable("prices.json is missing from the package resources")
            }
            return try PriceTable(json: Data(contentsOf: url))
        } catch {
            fatalError("The built-in price table is unreadable: \(error)")
        }
    }()

    /// The entry pricing `model` (any spelling: dated, aliased, Bedrock, Vertex), or nil when unknown.
    public func lookup(_ model: String) -> ModelPrice? {
        byID[ModelID.normalize(model)].map { models[$0] }
    }

    /// Reads a table in the format of the bundled `prices.json`.
    public init(json: Data) throws {
        struct RatesFile: Decodable {
            var input: String
            var cache_write_5m: String
            var cache_write_1h: String
            var cache_read: String
            var output: String
            var web_search_per_1k: String?
        }
        struct LongContextFile: Decodable {
            var threshold: Int64
            var rates: RatesFile
            /// Fast-mode rates over the threshold.
            var fast: RatesFile?
        }
        struct PeriodFile: Decodable {
            var from: String?
            var rates: RatesFile
            var long_context: LongContextFile?
            var fast: RatesFile?
            var batch: RatesFile?
        }
        struct ModelFile: Decodable {
            var id: String
            var name: String
            var aliases: [String]?
            var us_data_residency_multiplier: String?
            var bedrock_regional_multiplier: String?
            var min_cacheable_tokens: Int?
            var periods: [PeriodFile]
        }
        struct TableFile: Decodable {
            var version: String
            var models: [ModelFile]
        }
        let file: TableFile
        do {
            file = try JSONDecoder().decode(TableFile.self, from: json)
        } catch {
            throw UsageError.priceTable("not a price table: \(error)")
        }
        func amount(_ text: String, _ what: String, _ model: String) throws -> Int64 {
            guard let value = Decimal9.parse(text, scale: 9), value >= 0 else {
                throw UsageError.priceTable(
                    "\(model): \(what) '\(text)' is not a decimal price with at most 9 decimals")
            }
            return value
        }
        func rates(_ r: RatesFile, _ model: String) throws -> Rates {
            // USD per 1,000 searches, read as 1e-9 units, to femtodollars per search: × 1e6 / 1e3.
            let search = try amount(r.web_search_per_1k ?? "10", "web_search_per_1k", model) * 1_000
            return Rates(
                input: try amount(r.input, "input", model),
                cacheWrite5m: try amount(r.cache_write_5m, "cache_write_5m", model),
                cacheWrite1h: try amount(r.cache_write_1h, "cache_write_1h", model),
                cacheRead: try amount(r.cache_read, "cache_read", model), output: try amount(r.output, "output", model),
                webSearch: search)
        }
        var models: [ModelPrice] = []
        for m in file.models {
            guard !m.periods.isEmpty else { throw UsageError.priceTable("\(m.id): no price periods") }
            var periods: [PricePeriod] = []
            for p in m.periods {
                var from: Int64?
                if let text = p.from {
                    guard let ms = Timestamp.parse(text, defaultOffset: 0) else {
                        throw UsageError.priceTable("\(m.id): bad period date '\(text)'")
                    }
                    from = ms
                }
                periods.append(
                    PricePeriod(
                        from: from, standard: try rates(p.rates, m.id),
                        longContext: try p.long_context.map { ($0.threshold, try rates($0.rates, m.id)) },
                        fast: try p.fast.map { try rates($0, m.id) }, batch: try p.batch.map { try rates($0, m.id) },
                        fastLongContext: try p.long_context?.fast.map { try rates($0, m.id) }))
            }
            periods.sort { ($0.from ?? Int64.min) < ($1.from ?? Int64.min) }
            func multiplier(_ text: String?, _ key: String) throws -> (Int64, Int64)? {
                guard let text else { return nil }
                // Six decimals at most: the exact-amount units divide by 10⁶ for a multiplier.
                guard let scaled = Decimal9.parse(text, scale: 6) else {
                    throw UsageError.priceTable("\(m.id): bad \(key) '\(text)'")
                }
                return (scaled, 1_000_000)
            }
            models.append(
                ModelPrice(
                    id: ModelID.normalize(m.id), name: m.name, aliases: m.aliases ?? [], periods: periods,
                    usResidency: try multiplier(m.us_data_residency_multiplier, "us_data_residency_multiplier"),
                    minCacheableTokens: m.min_cacheable_tokens,
                    bedrockRegional: try multiplier(m.bedrock_regional_multiplier, "bedrock_regional_multiplier")))
        }
        self.init(version: file.version, models: models)
    }
}
