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
            typealias CodingKeys = RatesFileKeys.CodingKeys
            var input: String
            var cacheWrite5m: String
            var cacheWrite1h: String
            var cacheRead: String
            var output: String
            var webSearchPer1k: String?
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
            var longContext: LongContextFile?
            var fast: RatesFile?
            var batch: RatesFile?

            enum CodingKeys: String, CodingKey {
                case from, rates, fast, batch
                case longContext = "long_context"
            }
        }
        struct ModelFile: Decodable {
            var id: String
            var name: String
            var aliases: [String]?
            var usDataResidencyMultiplier: String?
            var bedrockRegionalMultiplier: String?
            var minCacheableTokens: Int?
            var periods: [PeriodFile]

            enum CodingKeys: String, CodingKey {
                case id, name, aliases, periods
                case usDataResidencyMultiplier = "us_data_residency_multiplier"
                case bedrockRegionalMultiplier = "bedrock_regional_multiplier"
                case minCacheableTokens = "min_cacheable_tokens"
            }
        }
        struct TableFile: Decodable {
            var version: String
            var models: [ModelFile]
        }
        let file = try PriceFile.decode(TableFile.self, from: json, notA: "a price table")
        func amount(_ text: String, _ what: String, _ model: String) throws -> Int64 {
            try PriceFile.price(text, "\(model): \(what)")
        }
        func rates(_ r: RatesFile, _ model: String) throws -> Rates {
            // USD per 1,000 searches, read as 1e-9 units, to femtodollars per search: × 1e6 / 1e3.
            typealias Key = RatesFileKeys.CodingKeys
            let search = try amount(r.webSearchPer1k ?? "10", Key.webSearchPer1k.rawValue, model) * 1_000
            return Rates(
                input: try amount(r.input, Key.input.rawValue, model),
                cacheWrite5m: try amount(r.cacheWrite5m, Key.cacheWrite5m.rawValue, model),
                cacheWrite1h: try amount(r.cacheWrite1h, Key.cacheWrite1h.rawValue, model),
                cacheRead: try amount(r.cacheRead, Key.cacheRead.rawValue, model),
                output: try amount(r.output, Key.output.rawValue, model), webSearch: search)
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
                        longContext: try p.longContext.map { ($0.threshold, try rates($0.rates, m.id)) },
                        fast: try p.fast.map { try rates($0, m.id) }, batch: try p.batch.map { try rates($0, m.id) },
                        fastLongContext: try p.longContext?.fast.map { try rates($0, m.id) }))
            }
            periods.sort { ($0.from ?? Int64.min) < ($1.from ?? Int64.min) }
            func multiplier(_ text: String?, _ key: ModelFile.CodingKeys) throws -> (Int64, Int64)? {
                guard let text else { return nil }
                // Six decimals at most: the exact-amount units divide by 10⁶ for a multiplier.
                guard let scaled = Decimal9.parse(text, scale: 6) else {
                    throw UsageError.priceTable("\(m.id): bad \(key.rawValue) '\(text)'")
                }
                return (scaled, 1_000_000)
            }
            models.append(
                ModelPrice(
                    id: ModelID.normalize(m.id), name: m.name, aliases: m.aliases ?? [], periods: periods,
                    usResidency: try multiplier(m.usDataResidencyMultiplier, .usDataResidencyMultiplier),
                    minCacheableTokens: m.minCacheableTokens,
                    bedrockRegional: try multiplier(m.bedrockRegionalMultiplier, .bedrockRegionalMultiplier)))
        }
        self.init(version: file.version, models: models)
    }
}

/// The keys of a rates object, as the bundled table and a stored import both write it.
enum RatesFileKeys {
    enum CodingKeys: String, CodingKey {
        case input, output
        case cacheWrite5m = "cache_write_5m"
        case cacheWrite1h = "cache_write_1h"
        case cacheRead = "cache_read"
        case webSearchPer1k = "web_search_per_1k"
    }
}

/// How the price files (the bundled table, a stored import) are read alike.
enum PriceFile {
    /// `json` decoded as `type`; a document that is not one is a price-table error saying what it is not.
    static func decode<Document: Decodable>(_ type: Document.Type, from json: Data, notA what: String) throws
        -> Document
    {
        do {
            return try JSONDecoder().decode(type, from: json)
        } catch {
            throw UsageError.priceTable("not \(what): \(error)")
        }
    }

    /// A price in USD per million tokens (a decimal string) as femtodollars per token; `subject` names it in the
    /// error a price that is not one throws.
    static func price(_ text: String, _ subject: String) throws -> Int64 {
        guard let value = Decimal9.parse(text, scale: 9), value >= 0 else {
            throw UsageError.priceTable("\(subject) '\(text)' is not a decimal price with at most 9 decimals")
        }
        return value
    }
}
