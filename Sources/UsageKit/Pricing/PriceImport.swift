import Foundation
import GRDB

/// Prices a user imported, in force from a date, preferred over the built-in table from then on.
public struct PriceImport: Sendable {
    public var table: PriceTable
    /// Milliseconds since 1970 UTC; nil: from the beginning.
    public var effectiveFrom: Int64?
    public var source: String

    public init(table: PriceTable, effectiveFrom: Int64?, source: String) {
        self.table = table
        self.effectiveFrom = effectiveFrom
        self.source = source
    }

    /// Reads LiteLLM's `model_prices_and_context_window.json` (its Anthropic entries) or the tool's own format
    /// (the shape of the built-in `prices.json`), told by content.
    public static func parse(_ data: Data, source: String, effectiveFrom: Int64?) throws -> PriceImport {
        let bytes = [UInt8](data)
        let tape = JSONTape()
        do {
            try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try tape.parse(buffer) }
        } catch {
            throw UsageError.invalidArgument("\(source): not valid JSON (\(error.message) at byte \(error.offset))")
        }
        let table: PriceTable
        if tape.member(tape.root, "models") != nil {
            table = try PriceTable(json: data)
        } else {
            table = try bytes.withUnsafeBufferPointer { _ in try liteLLM(tape, source: source) }
        }
        guard !table.models.isEmpty else { throw UsageError.invalidArgument("\(source): no Anthropic model prices in it") }
        return PriceImport(table: table, effectiveFrom: effectiveFrom, source: source)
    }

    /// LiteLLM's per-token costs (floats such as `3e-06`), read exactly from their text as rates per token.
    static func liteLLM(_ tape: JSONTape, source: String) throws -> PriceTable {
        var models: [ModelPrice] = []
        var firstParty: Set<String> = []
        // Anthropic's own entries first; a cloud's entry (Bedrock, Vertex) only for a model with none.
        let entries = tape.members(tape.root).filter { tape.kind($0.value) == .object && $0.key.contains("claude") && !$0.key.contains("/") }
            .sorted { a, b in
                let pa = tape.member(a.value, "litellm_provider").flatMap(tape.string) == "anthropic"
                let pb = tape.member(b.value, "litellm_provider").flatMap(tape.string) == "anthropic"
                return pa && !pb
            }
        for (key, entry) in entries {
            let provider = tape.member(entry, "litellm_provider").flatMap(tape.string) ?? ""
            let id = ModelID.normalize(key)
            if models.contains(where: { $0.id == id }) { continue }
            if provider != "anthropic" && firstParty.contains(id) { continue }
            func rate(_ name: StaticString) throws -> Int64? {
                guard let value = tape.member(entry, name), !tape.isNull(value) else { return nil }
                guard tape.kind(value) == .number, let femto = femtodollars(perToken: tape.rawText(value)) else {
                    throw UsageError.invalidArgument("\(source): \(key).\(name) is not a non-negative cost per token")
                }
                return femto
            }
            guard let input = try rate("input_cost_per_token"), let output = try rate("output_cost_per_token") else { continue }
            let write5m = try rate("cache_creation_input_token_cost") ?? input * 5 / 4
            let write1h = try rate("cache_creation_input_token_cost_above_1hr") ?? input * 2
            let read = try rate("cache_read_input_token_cost") ?? input / 10
            let standard = Rates(input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output, webSearch: 10_000_000_000_000)
            var period = PricePeriod(from: nil, standard: standard, longContext: nil, fast: nil)
            if let tierInput = try rate("input_cost_per_token_above_200k_tokens") {
                // Categories the file leaves out scale with the input rate.
                func scaled(_ base: Int64) -> Int64 { Int64((Int128(base) * Int128(tierInput) / Int128(max(1, input)))) }
                let tier = Rates(
                    input: tierInput,
                    cacheWrite5m: try rate("cache_creation_input_token_cost_above_200k_tokens") ?? scaled(write5m),
                    cacheWrite1h: try rate("cache_creation_input_token_cost_above_1hr_above_200k_tokens") ?? scaled(write1h),
                    cacheRead: try rate("cache_read_input_token_cost_above_200k_tokens") ?? scaled(read),
                    output: try rate("output_cost_per_token_above_200k_tokens") ?? scaled(output), webSearch: standard.webSearch)
                period.longContext = (200_000, tier)
            }
            if let batchInput = try rate("input_cost_per_token_batches"), let batchOutput = try rate("output_cost_per_token_batches") {
                // Batch rates the file states outright; cache rates are halved as the Batch API does.
                period.batch = Rates(
                    input: batchInput, cacheWrite5m: write5m / 2, cacheWrite1h: write1h / 2, cacheRead: read / 2,
                    output: batchOutput, webSearch: standard.webSearch)
            }
            if provider == "anthropic" { firstParty.insert(id) }
            models.append(ModelPrice(id: id, name: key, aliases: [key], periods: [period], usResidency: nil, minCacheableTokens: nil))
        }
        return PriceTable(version: "litellm", models: models)
    }

    /// `3e-06` dollars per token is 3,000,000,000 femtodollars per token; nil when not a non-negative decimal
    /// number. Read from the number's text in 128-bit integers, rounded half to even past the femtodollar.
    static func femtodollars(perToken text: String) -> Int64? {
        var mantissa = Substring(text.lowercased())
        var exponent = 0
        if let e = mantissa.firstIndex(of: "e") {
            guard let x = Int(mantissa[mantissa.index(after: e)...]), abs(x) < 40 else { return nil }
            exponent = x
            mantissa = mantissa[..<e]
        }
        if mantissa.hasPrefix("+") { mantissa = mantissa.dropFirst() }
        guard !mantissa.hasPrefix("-") else { return nil }
        var digits: Int128 = 0
        var decimals = 0
        var seenDot = false
        var any = false
        for c in mantissa.utf8 {
            if c == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
                continue
            }
            guard c >= 48 && c <= 57 else { return nil }
            any = true
            guard digits < Int128(1) << 100 else { return nil }
            digits = digits * 10 + Int128(c - 48)
            if seenDot { decimals += 1 }
        }
        guard any else { return nil }
        // value = digits × 10^(exponent − decimals) dollars = digits × 10^(15 + exponent − decimals) femtodollars.
        let shift = 15 + exponent - decimals
        var value = digits
        if shift >= 0 {
            for _ in 0..<shift {
                guard value < Int128(1) << 100 else { return nil }
                value *= 10
            }
        } else {
            var divisor: Int128 = 1
            for _ in 0..<min(-shift, 36) { divisor *= 10 }
            value = Pricer.roundHalfEven(value, divisor)
        }
        return Int64(exactly: value)
    }
}

extension PriceTable {
    /// The built-in table with every import laid over it: an imported model's prices replace the table's from
    /// the import's date on; models the table does not know are added.
    public func merging(_ imports: [PriceImport]) -> PriceTable {
        var models = self.models
        for imported in imports {
            for model in imported.table.models {
                // Without a date of its own, an import whose periods are all dated starts at the first of them.
                let dated = model.periods.allSatisfy { $0.from != nil }
                let from = imported.effectiveFrom ?? (dated ? model.periods.compactMap(\.from).min() : nil)
                var periods = model.periods
                if let from {
                    // The import's own dated periods keep their dates past its effective date.
                    periods = periods.map { var p = $0; p.from = max(p.from ?? Int64.min, from); return p }
                }
                // One period per date: the last stated wins.
                var byDate: [Int64: PricePeriod] = [:]
                for p in periods { byDate[p.from ?? Int64.min] = p }
                periods = byDate.sorted { $0.key < $1.key }.map(\.value)
                if let i = models.firstIndex(where: { $0.id == model.id }) {
                    var merged = models[i]
                    // What the price list does not state (fast rates, a long-context tier) carries over from the
                    // built-in period in force when the import starts.
                    if let inForce = merged.period(at: from ?? Int64.min) ?? merged.periods.first {
                        periods = periods.map { p in
                            var p = p
                            if p.fast == nil { p.fast = inForce.fast }
                            if p.longContext == nil { p.longContext = inForce.longContext }
                            if p.fastLongContext == nil { p.fastLongContext = inForce.fastLongContext }
                            return p
                        }
                    }
                    merged.periods = merged.periods.filter { from != nil && ($0.from ?? Int64.min) < from! } + periods
                    if merged.periods.isEmpty { merged.periods = periods }
                    merged.periods.sort { ($0.from ?? Int64.min) < ($1.from ?? Int64.min) }
                    if model.usResidency != nil { merged.usResidency = model.usResidency }
                    if model.bedrockRegional != nil { merged.bedrockRegional = model.bedrockRegional }
                    models[i] = merged
                } else {
                    var added = model
                    added.periods = periods
                    models.append(added)
                }
            }
        }
        let names = imports.map(\.source)
        return PriceTable(version: names.isEmpty ? version : version + " + " + names.joined(separator: " + "), models: models)
    }

    /// The table in force for `db`: the built-in one with the stored imports, oldest first.
    public static func effective(_ db: Database) throws -> PriceTable {
        builtIn.merging(try PriceImport.stored(db))
    }

    /// The table in the tool's own JSON format (the shape of the built-in `prices.json`).
    public func exportJSON() -> String {
        func amount(_ femto: Int64) -> String {
            // Femtodollars per token are 10⁻⁹ USD per million tokens: nine decimals, trailing zeros dropped.
            var text = USD(nanos: femto).exact
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        func rates(_ w: inout JSONWriter, _ key: String, _ r: Rates) {
            w.beginObject(key)
            w.string("input", amount(r.input))
            w.string("cache_write_5m", amount(r.cacheWrite5m))
            w.string("cache_write_1h", amount(r.cacheWrite1h))
            w.string("cache_read", amount(r.cacheRead))
            w.string("output", amount(r.output))
            w.string("web_search_per_1k", amount(r.webSearch / 1_000))
            w.endObject()
        }
        var w = JSONWriter()
        w.beginObject()
        w.string("version", version)
        w.string("unit", "USD per million tokens; web search per 1,000 searches")
        w.beginArray("models")
        for m in models {
            w.beginObject()
            w.string("id", m.id)
            w.string("name", m.name)
            if !m.aliases.isEmpty {
                w.beginArray("aliases")
                for a in m.aliases { w.string(nil, a) }
                w.endArray()
            }
            if let r = m.usResidency {
                w.string("us_data_residency_multiplier", amount(r.numerator * 1_000_000_000 / r.denominator))
            }
            if let r = m.bedrockRegional {
                w.string("bedrock_regional_multiplier", amount(r.numerator * 1_000_000_000 / r.denominator))
            }
            if let minimum = m.minCacheableTokens { w.int("min_cacheable_tokens", Int64(minimum)) }
            w.beginArray("periods")
            for p in m.periods {
                w.beginObject()
                if let from = p.from { w.string("from", Timestamp.iso(from)) }
                rates(&w, "rates", p.standard)
                if let tier = p.longContext {
                    w.beginObject("long_context")
                    w.int("threshold", tier.threshold)
                    rates(&w, "rates", tier.rates)
                    if let fast = p.fastLongContext { rates(&w, "fast", fast) }
                    w.endObject()
                }
                if let fast = p.fast { rates(&w, "fast", fast) }
                if let batch = p.batch { rates(&w, "batch", batch) }
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.text + "\n"
    }
}

extension PriceImport {
    /// Stores the import (in the tool's own format, so an export reads the same).
    public func store(_ db: Database) throws {
        // Only what reads back is stored: a price the table would refuse must not make the database unusable.
        _ = try PriceTable(json: Data(table.exportJSON().utf8))
        try db.execute(
            sql: "INSERT INTO price_imports (effective_from, source, imported_at, document) VALUES (?, ?, ?, ?)",
            arguments: [effectiveFrom, source, Int64(Date().timeIntervalSince1970 * 1000), table.exportJSON()])
    }

    /// Every stored import, oldest first.
    public static func stored(_ db: Database) throws -> [PriceImport] {
        try Row.fetchAll(db, sql: "SELECT effective_from, source, document FROM price_imports ORDER BY id").map { r in
            let document: String = r[2]
            return PriceImport(table: try PriceTable(json: Data(document.utf8)), effectiveFrom: r[0], source: r[1])
        }
    }
}
