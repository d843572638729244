import Foundation

/// Prices a user imported, in force from a date, preferred over the built-in table from then on.
///
/// A price list in the tool's own format states whole periods of a model; LiteLLM's states rates, category by
/// category. Either is laid over the prices in force model by model: what the list does not state stands, period by
/// period, so a model keeps its dated periods and each period keeps its own long-context tier and fast rates.
public struct PriceImport: Sendable {
    public enum Content: Sendable {
        /// Whole periods, in the tool's own format.
        case table(PriceTable)
        /// What a LiteLLM price list states, model by model.
        case statements([ModelStatement])
    }

    public var content: Content
    /// Milliseconds since 1970 UTC; nil: from the beginning.
    public var effectiveFrom: Int64?
    public var source: String
    /// How a LiteLLM list's entries were read: which one each model was taken from, which were passed over and why.
    /// Not stored: it describes the reading of the file, not the prices.
    public var notes = ImportNotes()

    public init(table: PriceTable, effectiveFrom: Int64?, source: String) {
        content = .table(table)
        self.effectiveFrom = effectiveFrom
        self.source = source
    }

    public init(statements: [ModelStatement], effectiveFrom: Int64?, source: String, notes: ImportNotes = ImportNotes())
    {
        content = .statements(statements)
        self.effectiveFrom = effectiveFrom
        self.source = source
        self.notes = notes
    }

    /// The models the import prices, each as the price list alone gives it (the categories a LiteLLM entry leaves
    /// out derived from its input rate as Anthropic's prices are).
    public var table: PriceTable {
        switch content {
        case .table(let table): return table
        case .statements(let statements): return PriceTable(version: source, models: statements.map(\.standalone))
        }
    }

    /// Reads LiteLLM's `model_prices_and_context_window.json` (its Claude entries) or the tool's own format (the
    /// shape of the built-in `prices.json`), told by content. `base` is the table the import will be laid over: its
    /// ids and aliases name the models a LiteLLM entry prices.
    public static func parse(_ data: Data, source: String, effectiveFrom: Int64?, over base: PriceTable = .builtIn)
        throws
        -> PriceImport
    {
        let bytes = [UInt8](data)
        let tape = JSONTape()
        let imported: PriceImport = try bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) {
                try tape.parse(buffer)
            } catch {
                throw UsageError.invalidArgument("\(source): not valid JSON (\(error.message) at byte \(error.offset))")
            }
            if tape.member(tape.root, "models") != nil {
                return PriceImport(table: try PriceTable(json: data), effectiveFrom: effectiveFrom, source: source)
            }
            if tape.member(tape.root, "statements") != nil {
                return PriceImport(
                    statements: try ModelStatement.read(json: data), effectiveFrom: effectiveFrom, source: source)
            }
            let (statements, notes) = try LiteLLM.read(tape, source: source, base: base)
            return PriceImport(statements: statements, effectiveFrom: effectiveFrom, source: source, notes: notes)
        }
        guard !imported.table.models.isEmpty else {
            throw UsageError.invalidArgument("\(source): no Anthropic model prices in it")
        }
        return imported
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
            value = Decimal9.roundHalfEven(value, divisor)
        }
        return Int64(exactly: value)
    }
}

/// Rates a price list states, category by category (femtodollars per token; per search for web search). A nil
/// category is not stated: laid over other rates, it leaves theirs.
public struct StatedRates: Sendable, Equatable {
    public var input: Int64?
    public var cacheWrite5m: Int64?
    public var cacheWrite1h: Int64?
    public var cacheRead: Int64?
    public var output: Int64?
    public var webSearch: Int64?

    public init(
        input: Int64? = nil, cacheWrite5m: Int64? = nil, cacheWrite1h: Int64? = nil, cacheRead: Int64? = nil,
        output: Int64? = nil, webSearch: Int64? = nil
    ) {
        self.input = input
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
        self.webSearch = webSearch
    }

    /// The stated categories over `base`'s.
    public func over(_ base: Rates) -> Rates {
        Rates(
            input: input ?? base.input, cacheWrite5m: cacheWrite5m ?? base.cacheWrite5m,
            cacheWrite1h: cacheWrite1h ?? base.cacheWrite1h, cacheRead: cacheRead ?? base.cacheRead,
            output: output ?? base.output, webSearch: webSearch ?? base.webSearch)
    }

    var isEmpty: Bool { self == StatedRates() }
}

/// A fraction such as 11/10, as the price table holds multipliers.
public struct Multiplier: Sendable, Equatable {
    public var numerator: Int64
    public var denominator: Int64

    public init(_ numerator: Int64, _ denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
    }

    var text: String {
        var text = USD(nanos: numerator * 1_000_000_000 / denominator).exact
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

extension Rates {
    /// Every token rate times `m`, rounded half to even to the femtodollar; web search unchanged.
    func scaled(_ m: Multiplier) -> Rates {
        func f(_ r: Int64) -> Int64 {
            Int64(Decimal9.roundHalfEven(Int128(r) * Int128(m.numerator), Int128(max(1, m.denominator))))
        }
        return Rates(
            input: f(input), cacheWrite5m: f(cacheWrite5m), cacheWrite1h: f(cacheWrite1h), cacheRead: f(cacheRead),
            output: f(output), webSearch: webSearch)
    }

    /// The rates Anthropic derives from an input rate: 5-minute writes 1.25x, 1-hour writes 2x, reads 0.1x.
    static func derived(input: Int64, output: Int64, webSearch: Int64 = ModelStatement.defaultWebSearch) -> Rates {
        Rates(
            input: input, cacheWrite5m: input * 5 / 4, cacheWrite1h: input * 2, cacheRead: input / 10, output: output,
            webSearch: webSearch)
    }
}

/// What one imported LiteLLM price list states about one model. Laid over a period of the prices in force, it
/// changes only what it states: the period's other rates, its long-context tier and its fast rates stand.
public struct ModelStatement: Sendable, Equatable {
    /// The price table's id of the model (the built-in one where the table knows it).
    public var id: String
    public var name: String
    /// The price list's entry it was read from.
    public var entry: String
    public var standard: StatedRates
    /// Batch rates as stated (categories left out: 50% of the standard rate).
    public var batch: StatedRates?
    public var longContext: (threshold: Int64, rates: StatedRates)?
    /// Fast mode as a multiple of the standard rates.
    public var fastMultiplier: Multiplier?
    public var usResidency: Multiplier?

    public init(
        id: String, name: String, entry: String, standard: StatedRates, batch: StatedRates? = nil,
        longContext: (threshold: Int64, rates: StatedRates)? = nil, fastMultiplier: Multiplier? = nil,
        usResidency: Multiplier? = nil
    ) {
        self.id = id
        self.name = name
        self.entry = entry
        self.standard = standard
        self.batch = batch
        self.longContext = longContext
        self.fastMultiplier = fastMultiplier
        self.usResidency = usResidency
    }

    public static func == (a: ModelStatement, b: ModelStatement) -> Bool {
        a.id == b.id && a.entry == b.entry && a.standard == b.standard && a.batch == b.batch
            && a.longContext?.threshold == b.longContext?.threshold && a.longContext?.rates == b.longContext?.rates
            && a.fastMultiplier == b.fastMultiplier && a.usResidency == b.usResidency
    }

    /// $10 per 1,000 searches.
    static let defaultWebSearch: Int64 = 10_000_000_000_000

    /// `base` (a period of the prices in force; nil for a model they do not price) with these statements laid
    /// over it. What is not stated is the period's own, or for a new model derived from the stated input rate.
    public func period(over base: PricePeriod?) -> PricePeriod {
        let derived = Rates.derived(input: standard.input ?? 0, output: standard.output ?? 0)
        var period = base ?? PricePeriod(from: nil, standard: derived, longContext: nil, fast: nil)
        let rates = standard.over(base?.standard ?? derived)
        period.standard = rates
        if let tier = longContext {
            // The same tier of the period under it, else the standard rates scaled by the tier's input rate.
            let under =
                base?.longContext.flatMap { $0.threshold == tier.threshold ? $0.rates : nil }
                ?? rates.scaled(Multiplier(tier.rates.input ?? rates.input, max(1, rates.input)))
            period.longContext = (tier.threshold, tier.rates.over(under))
        }
        if let m = fastMultiplier { period.fast = rates.scaled(m) }
        if let batch {
            let half = Rates(
                input: rates.input / 2, cacheWrite5m: rates.cacheWrite5m / 2, cacheWrite1h: rates.cacheWrite1h / 2,
                cacheRead: rates.cacheRead / 2, output: rates.output / 2, webSearch: rates.webSearch)
            period.batch = batch.over(base?.batch ?? half)
        }
        if let search = standard.webSearch {
            // One price per search, in every tier and mode.
            if longContext?.rates.webSearch == nil { period.longContext?.rates.webSearch = search }
            period.fast?.webSearch = search
            if batch?.webSearch == nil { period.batch?.webSearch = search }
        }
        return period
    }

    /// The model as this statement alone prices it.
    var standalone: ModelPrice {
        ModelPrice(
            id: id, name: name, aliases: [entry], periods: [period(over: nil)],
            usResidency: usResidency.map { ($0.numerator, $0.denominator) }, minCacheableTokens: nil)
    }
}

/// How the entries of a LiteLLM price list were read.
public struct ImportNotes: Sendable, Equatable {
    /// Entries passed over for one reason.
    public struct Skip: Sendable, Equatable {
        public var entries: [String]
        public var reason: String
    }

    /// Per model id: the entry its prices were taken from, with its provider.
    public var taken: [String: String] = [:]
    /// Per model id: entries of that model passed over, by reason.
    public var skipped: [String: [Skip]] = [:]
    /// Per model id: what the taken entry states that the table has no place for.
    public var unused: [String: [String]] = [:]
    /// Entries that price no model of the table, by reason.
    public var notRead: [Skip] = []

    public init() {}

    mutating func skip(_ entry: String, of model: String?, _ reason: String) {
        func add(_ list: inout [Skip]) {
            if let i = list.firstIndex(where: { $0.reason == reason }) {
                list[i].entries.append(entry)
            } else {
                list.append(Skip(entries: [entry], reason: reason))
            }
        }
        if let model {
            add(&skipped[model, default: []])
        } else {
            add(&notRead)
        }
    }
}

extension PriceTable {
    /// The built-in table with every import laid over it, oldest first: from an import's date on, what it states
    /// replaces what the table had, period by period; models the table does not know are added.
    public func merging(_ imports: [PriceImport]) -> PriceTable {
        var models = self.models
        for imported in imports {
            // Ids map through the table's aliases, so an import never adds a second entry for a known model.
            func index(of id: String) -> Int? {
                if let i = models.firstIndex(where: { $0.id == id }) { return i }
                guard let known = PriceTable(version: "", models: models).lookup(id) else { return nil }
                return models.firstIndex { $0.id == known.id }
            }
            switch imported.content {
            case .table(let table):
                for model in table.models {
                    // Without a date of its own, an import whose periods are all dated starts at the first of them.
                    let dated = model.periods.allSatisfy { $0.from != nil }
                    let from = imported.effectiveFrom ?? (dated ? model.periods.compactMap(\.from).min() : nil)
                    var periods = model.periods
                    if let from {
                        // The import's own dated periods keep their dates past its effective date.
                        periods = periods.map {
                            var p = $0
                            p.from = max(p.from ?? Int64.min, from)
                            return p
                        }
                    }
                    // One period per date: the last stated wins.
                    var byDate: [Int64: PricePeriod] = [:]
                    for p in periods { byDate[p.from ?? Int64.min] = p }
                    periods = byDate.sorted { $0.key < $1.key }.map(\.value)
                    guard let i = index(of: model.id) else {
                        var added = model
                        added.periods = periods
                        models.append(added)
                        continue
                    }
                    // What a period does not state (fast rates, a long-context tier) stays that of the table's
                    // period in force at each time: a tier never moves from one period to another.
                    models[i].periods = Self.layer(
                        models[i].periods, from: from, boundaries: periods.compactMap(\.from)
                    ) { under, t in
                        var p = periods.last { ($0.from ?? Int64.min) <= t } ?? periods[0]
                        if p.longContext == nil { p.longContext = under?.longContext }
                        if p.fast == nil { p.fast = under?.fast }
                        if p.fastLongContext == nil { p.fastLongContext = under?.fastLongContext }
                        return p
                    }
                    if model.usResidency != nil { models[i].usResidency = model.usResidency }
                    if model.bedrockRegional != nil { models[i].bedrockRegional = model.bedrockRegional }
                    if model.minCacheableTokens != nil { models[i].minCacheableTokens = model.minCacheableTokens }
                }
            case .statements(let statements):
                for statement in statements {
                    guard let i = index(of: statement.id) else {
                        var added = statement.standalone
                        added.periods[0].from = imported.effectiveFrom
                        models.append(added)
                        continue
                    }
                    models[i].periods = Self.layer(models[i].periods, from: imported.effectiveFrom, boundaries: []) {
                        under, _ in
                        statement.period(over: under)
                    }
                    if let r = statement.usResidency { models[i].usResidency = (r.numerator, r.denominator) }
                }
            }
        }
        let names = imports.map(\.source)
        return PriceTable(
            version: names.isEmpty ? version : version + " + " + names.joined(separator: " + "), models: models)
    }

    /// `base`'s periods before `from` as they are; from it on, one period from each date where `base` or the
    /// import (`boundaries`) starts one, made by `overlay` from the period of `base` in force then (nil before
    /// `base` has any). Consecutive periods with equal prices are one.
    static func layer(
        _ base: [PricePeriod], from: Int64?, boundaries: [Int64], _ overlay: (PricePeriod?, Int64) -> PricePeriod
    ) -> [PricePeriod] {
        let start = from ?? Int64.min
        var result = base.filter { ($0.from ?? Int64.min) < start }
        var dates: Set<Int64> = [start]
        for t in boundaries + base.compactMap(\.from) where t > start { dates.insert(t) }
        for t in dates.sorted() {
            let under = base.last { ($0.from ?? Int64.min) <= t }
            var period = overlay(under, t)
            period.from = t == Int64.min ? nil : t
            if let last = result.last {
                var same = period
                same.from = last.from
                if same == last { continue }
            }
            result.append(period)
        }
        return result
    }

    /// The table in the tool's own JSON format (the shape of the built-in `prices.json`).
    public func exportJSON() -> String {
        PriceText.document(version: version, unit: "", "models", models) { w, m in
            w.string("id", m.id)
            w.string("name", m.name)
            if !m.aliases.isEmpty { w.strings("aliases", m.aliases) }
            if let r = m.usResidency {
                w.string("us_data_residency_multiplier", Multiplier(r.numerator, r.denominator).text)
            }
            if let r = m.bedrockRegional {
                w.string("bedrock_regional_multiplier", Multiplier(r.numerator, r.denominator).text)
            }
            if let minimum = m.minCacheableTokens { w.int("min_cacheable_tokens", Int64(minimum)) }
            w.objects("periods", m.periods) { w, p in
                if let from = p.from { w.string("from", Timestamp.iso(from)) }
                PriceText.write(&w, "rates", StatedRates.all(p.standard))
                if let tier = p.longContext {
                    w.object("long_context") { w in
                        w.int("threshold", tier.threshold)
                        PriceText.write(&w, "rates", StatedRates.all(tier.rates))
                        if let fast = p.fastLongContext { PriceText.write(&w, "fast", StatedRates.all(fast)) }
                    }
                }
                if let fast = p.fast { PriceText.write(&w, "fast", StatedRates.all(fast)) }
                if let batch = p.batch { PriceText.write(&w, "batch", StatedRates.all(batch)) }
            }
        }
    }
}

extension StatedRates {
    static func all(_ r: Rates) -> StatedRates {
        StatedRates(
            input: r.input, cacheWrite5m: r.cacheWrite5m, cacheWrite1h: r.cacheWrite1h, cacheRead: r.cacheRead,
            output: r.output, webSearch: r.webSearch)
    }
}

/// Prices as the tool's JSON writes them: USD per million tokens, decimal strings.
enum PriceText {
    /// Femtodollars per token are 10⁻⁹ USD per million tokens: nine decimals, trailing zeros dropped.
    static func amount(_ femto: Int64) -> String {
        var text = USD(nanos: femto).exact
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `$3.75`, with as many decimals as the price has.
    static func dollars(_ femto: Int64) -> String { "$" + amount(femto) }

    static func write(_ w: inout JSONWriter, _ key: String, _ r: StatedRates) {
        w.object(key) { w in
            if let v = r.input { w.string("input", amount(v)) }
            if let v = r.cacheWrite5m { w.string("cache_write_5m", amount(v)) }
            if let v = r.cacheWrite1h { w.string("cache_write_1h", amount(v)) }
            if let v = r.cacheRead { w.string("cache_read", amount(v)) }
            if let v = r.output { w.string("output", amount(v)) }
            if let v = r.webSearch { w.string("web_search_per_1k", amount(v / 1_000)) }
        }
    }

    /// A document of the tool's price formats: its version, the unit of its amounts (the standard one and then
    /// `unitNote`), and one object per item under `key`.
    static func document<Item>(
        version: String, unit unitNote: String, _ key: String, _ items: [Item], _ body: (inout JSONWriter, Item) -> Void
    ) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.string("version", version)
                w.string("unit", "USD per million tokens; web search per 1,000 searches" + unitNote)
                w.objects(key, items, body)
            }
        }
    }
}

extension ModelStatement {
    /// The statements in the form they are stored in: only what the price list stated, as decimal strings.
    static func document(_ statements: [ModelStatement], version: String) -> String {
        PriceText.document(version: version, unit: "; only what the price list states", "statements", statements) {
            w, s in
            w.string("id", s.id)
            w.string("name", s.name)
            w.string("entry", s.entry)
            PriceText.write(&w, "rates", s.standard)
            if let batch = s.batch { PriceText.write(&w, "batch", batch) }
            if let tier = s.longContext {
                w.object("long_context") { w in
                    w.int("threshold", tier.threshold)
                    PriceText.write(&w, "rates", tier.rates)
                }
            }
            if let m = s.fastMultiplier { w.string("fast_multiplier", m.text) }
            if let m = s.usResidency { w.string("us_data_residency_multiplier", m.text) }
        }
    }

    /// Reads statements stored by `document`.
    static func read(json: Data) throws -> [ModelStatement] {
        struct RatesFile: Decodable {
            typealias CodingKeys = RatesFileKeys.CodingKeys
            var input: String?
            var cacheWrite5m: String?
            var cacheWrite1h: String?
            var cacheRead: String?
            var output: String?
            var webSearchPer1k: String?
        }
        struct TierFile: Decodable {
            var threshold: Int64
            var rates: RatesFile
        }
        struct StatementFile: Decodable {
            var id: String
            var name: String
            var entry: String
            var rates: RatesFile
            var batch: RatesFile?
            var longContext: TierFile?
            var fastMultiplier: String?
            var usDataResidencyMultiplier: String?

            enum CodingKeys: String, CodingKey {
                case id, name, entry, rates, batch
                case longContext = "long_context"
                case fastMultiplier = "fast_multiplier"
                case usDataResidencyMultiplier = "us_data_residency_multiplier"
            }
        }
        struct DocumentFile: Decodable {
            var statements: [StatementFile]
        }
        let file = try PriceFile.decode(DocumentFile.self, from: json, notA: "a list of price statements")
        func amount(_ text: String?, _ id: String) throws -> Int64? {
            try text.map { try PriceFile.price($0, "\(id):") }
        }
        func rates(_ r: RatesFile, _ id: String) throws -> StatedRates {
            StatedRates(
                input: try amount(r.input, id), cacheWrite5m: try amount(r.cacheWrite5m, id),
                cacheWrite1h: try amount(r.cacheWrite1h, id), cacheRead: try amount(r.cacheRead, id),
                output: try amount(r.output, id), webSearch: try amount(r.webSearchPer1k, id).map { $0 * 1_000 })
        }
        func multiplier(_ text: String?, _ id: String) throws -> Multiplier? {
            guard let text else { return nil }
            guard let scaled = Decimal9.parse(text, scale: 6), scaled >= 0 else {
                throw UsageError.priceTable("\(id): bad multiplier '\(text)'")
            }
            return Multiplier(scaled, 1_000_000)
        }
        return try file.statements.map { s in
            ModelStatement(
                id: s.id, name: s.name, entry: s.entry, standard: try rates(s.rates, s.id),
                batch: try s.batch.map { try rates($0, s.id) },
                longContext: try s.longContext.map { ($0.threshold, try rates($0.rates, s.id)) },
                fastMultiplier: try multiplier(s.fastMultiplier, s.id),
                usResidency: try multiplier(s.usDataResidencyMultiplier, s.id))
        }
    }
}

extension PriceImport {
    /// The import as stored: a table in the tool's own format (so an export reads the same), or the statements
    /// of a LiteLLM list, only what it states.
    var document: String {
        switch content {
        case .table(let table): return table.exportJSON()
        case .statements(let statements): return ModelStatement.document(statements, version: source)
        }
    }

    /// The document to store: only what reads back is stored, so a price the table would refuse cannot make the
    /// database unusable.
    func checkedDocument() throws -> String {
        let text = document
        _ = try PriceImport.parse(Data(text.utf8), source: source, effectiveFrom: effectiveFrom)
        return text
    }
}
