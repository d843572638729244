import Foundation

/// The cost of a planned request, line by line.
public struct Estimate: Sendable {
    public struct Line: Sendable, Equatable {
        public var label: String
        public var tokens: Int64
        /// USD per million tokens after the long-context tier or fast mode, before batch and residency.
        public var ratePerMTok: USD
        public var amount: USD
    }

    public var model: ModelPrice
    public var terms: PricingTerms
    public var lines: [Line]
    public var imageTokens: Int64
    public var webSearch: USD
    public var modifiers: [String]
    public var total: USD

    /// Tokens an image of `width` × `height` pixels costs: scaled down until its long edge is at most 1568 px
    /// and its area at most 1.15 megapixels, then width × height / 750, rounded up.
    public static func imageTokens(width: Int, height: Int) -> Int64 {
        var w = Double(width)
        var h = Double(height)
        let edge = 1568.0 / max(w, h)
        if edge < 1 {
            w *= edge
            h *= edge
        }
        let area = (1_150_000.0 / (w * h)).squareRoot()
        if area < 1 {
            w *= area
            h *= area
        }
        return Int64((w.rounded(.down) * h.rounded(.down) / 750).rounded(.up))
    }

    /// `id` is the model id as given (a Bedrock id names its endpoint); the model's own id without it.
    public static func compute(
        model: ModelPrice, id: String? = nil, tokens: TokenCounts, images: [(width: Int, height: Int)], batch: Bool,
        geo: String?, speed: String?, webSearches: Int64, at timestamp: Int64
    ) -> Estimate? {
        let imageTokens = images.reduce(Int64(0)) { $0 + Estimate.imageTokens(width: $1.width, height: $1.height) }
        var all = tokens
        all.input += imageTokens
        var record = UsageRecord(
            timestamp: timestamp, model: id ?? model.id, serviceTier: batch ? "batch" : nil, inferenceGeo: geo,
            speed: speed,
            tokens: all, webSearchRequests: webSearches)
        record.aggregated = false
        guard let terms = PricingTerms(record, model: model) else { return nil }
        let r = terms.rates
        var lines: [Line] = []
        for (label, count, rate) in [
            ("input", all.input, r.input), ("cache write 5m", all.cacheWrite5m, r.cacheWrite5m),
            ("cache write 1h", all.cacheWrite1h, r.cacheWrite1h), ("cache read", all.cacheRead, r.cacheRead),
            ("output", all.output, r.output),
        ] where count > 0 {
            lines.append(
                Line(
                    label: label, tokens: count, ratePerMTok: USD(nanos: rate),
                    amount: terms.amount(count, at: rate).usd))
        }
        var modifiers: [String] = []
        if terms.longContext && terms.fast {
            modifiers.append("fast mode over the long-context threshold: every token at the fast long-context rates")
        } else if terms.longContext {
            modifiers.append("long context: the prompt is over the model's threshold, every token at the tier's rates")
        } else if terms.fast {
            modifiers.append("fast mode rates")
        }
        if terms.batch { modifiers.append("batch: 50% of every token rate") }
        if batch && !terms.batch { modifiers.append("batch: the price list's own batch rates") }
        if let residency = terms.residency {
            modifiers.append(
                "US data residency: x\(Double(residency.numerator) / Double(residency.denominator)) on every token")
        }
        if let note = Estimate.endpointNote(terms.endpoint, model: model) { modifiers.append(note) }
        let webSearch = ExactAmount(units: Int128(webSearches) * Int128(r.webSearch) * ExactAmount.unitsPerFemto).usd
        var pricer = Pricer(table: PriceTable(version: "", models: [model]))
        let total = pricer.price(record).cost ?? .zero
        return Estimate(
            model: model, terms: terms, lines: lines, imageTokens: imageTokens, webSearch: webSearch,
            modifiers: modifiers,
            total: total)
    }
}

extension Estimate {
    /// What a Bedrock endpoint does to a model's price, for people; nil off Bedrock.
    public static func endpointNote(_ endpoint: ModelID.Endpoint, model: ModelPrice) -> String? {
        guard endpoint.isBedrock else { return nil }
        guard endpoint.isBedrockRegional else { return "\(endpoint.description): the Anthropic API's rates" }
        guard let m = model.bedrockRegional else {
            return
                "\(endpoint.description): the Anthropic API's rates (\(model.name) predates Bedrock's regional premium)"
        }
        return "\(endpoint.description): x\(Double(m.numerator) / Double(m.denominator)) on every token,"
            + " the regional premium over the global. profile"
    }
}

/// What the period's usage would have cost on other models, with the same token counts and modifiers.
public struct Comparison: Sendable {
    public struct Target: Sendable {
        public var model: String
        public var cost: USD
        /// Per model actually used: what its requests would have cost on the target.
        public var bySource: [String: USD]
        /// Requests the target has no price for at their date (left out of both sides).
        public var unavailable: Int64 = 0
        /// The actual cost of the requests the target could price: what `cost` compares with.
        public var actualCompared: USD = .zero
    }

    /// What the priced requests cost.
    public var actual: USD
    /// Per model actually used.
    public var actualBySource: [String: USD]
    public var requests: Int64
    /// Requests of unpriced models: left out of every figure, since their actual cost is unknown.
    public var unpricedRequests: Int64
    public var targets: [Target]

    /// Adds up, request by request, what the targets would have cost.
    struct Builder {
        private(set) var comparison: Comparison
        let targets: [ModelPrice]
        let table: PriceTable
        private var advisors: [String: ModelPrice?] = [:]

        init(targets: [ModelPrice], table: PriceTable) {
            self.targets = targets
            self.table = table
            comparison = Comparison(
                actual: .zero, actualBySource: [:], requests: 0, unpricedRequests: 0,
                targets: targets.map { Target(model: $0.id, cost: .zero, bySource: [:]) })
        }

        /// Adds one stored request: `source` its model as priced (else as logged), `actual` its stored cost.
        mutating func add(_ record: UsageRecord, source: String, actual: USD?) {
            comparison.requests += 1
            guard let actual else {
                comparison.unpricedRequests += 1
                return
            }
            comparison.actual += actual
            comparison.actualBySource[source, default: .zero] += actual
            // On the target, compactions are the target's own; advisor calls stay on their advisor model.
            let advisor = record.iterations?.advisorModel.flatMap { name in
                if let known = advisors[name] { return known }
                let found = table.lookup(name)
                advisors[name] = found
                return found
            }
            for (i, target) in targets.enumerated() {
                guard let cost = Pricer.price(record, model: target, advisor: advisor).cost else {
                    comparison.targets[i].unavailable += 1
                    continue
                }
                comparison.targets[i].cost += cost
                comparison.targets[i].actualCompared += actual
                comparison.targets[i].bySource[source, default: .zero] += cost
            }
        }
    }
}

/// Computed cost beside what Admin API cost reports billed, per day and model, and where the gap comes from.
public struct Reconciliation: Sendable {
    public struct Row: Sendable {
        public var day: String
        public var model: String
        /// What the computed cost comes from: `usage report rows` (Admin API, preferred) or `request logs`.
        public var basis: String
        public var computed: USD
        public var billed: USD
        public var difference: USD { computed - billed }
        public var share: Double? { billed.nanos != 0 ? Double(difference.nanos) / Double(billed.nanos) : nil }
        /// Per token type (`uncached_input_tokens`, ... , `web_search`): computed and billed.
        public var byType: [String: (computed: USD, billed: USD)]

        /// The token type whose difference is largest; nil when nothing differs.
        public var largestGap: (type: String, difference: USD)? {
            byType.map { ($0.key, $0.value.computed - $0.value.billed) }.filter { $0.1.nanos != 0 }
                .max { (abs($0.1.nanos), $1.0) < (abs($1.1.nanos), $0.0) }
        }
    }

    public var rows: [Row]
    public var computed: USD { rows.reduce(.zero) { $0 + $1.computed } }
    public var billed: USD { rows.reduce(.zero) { $0 + $1.billed } }
    /// |computed − billed| / billed over every day and model where both exist.
    public var error: Double? {
        billed.nanos != 0 ? abs(Double((computed - billed).nanos)) / Double(billed.nanos) : nil
    }

    static let tokenTypes = [
        "uncached_input_tokens", "cache_creation.ephemeral_5m_input_tokens", "cache_creation.ephemeral_1h_input_tokens",
        "cache_read_input_tokens", "output_tokens",
    ]

    /// What cost reports billed per UTC day (days since 1970, as the Admin API's buckets are), model and token
    /// type, from the store's amounts.
    static func billedByDay(_ amounts: [(day: Int64, model: String, type: String, amount: USD)])
        -> [Int64: [String: [String: USD]]]
    {
        var billed: [Int64: [String: [String: USD]]] = [:]
        for a in amounts { billed[a.day, default: [:]][a.model, default: [:]][a.type] = a.amount }
        return billed
    }

    /// The rows of one day: `billed` per model and token type, beside the cost of `requests` (the day's priced
    /// requests) split by token type with each request's own rates and modifiers.
    static func rows(day: Int64, billed models: [String: [String: USD]], requests: [UsageRecord], table: PriceTable)
        -> [Row]
    {
        // Admin API usage rows and request logs of the same day can cover the same traffic: where a model has
        // usage rows, they alone are compared (they are what the cost report bills).
        var computed: [String: [String: ExactAmount]] = [:]
        var fromLogs: [String: [String: ExactAmount]] = [:]
        for record in requests {
            guard let model = table.lookup(record.model) else { continue }
            // A compaction is billed as the request's model's tokens, an advisor call as the advisor model's.
            let steps = Pricer.steps(of: record)
            var parts: [(UsageRecord, ModelPrice)] = [(record, model)]
            if let step = steps.compaction { parts.append((step, model)) }
            if let step = steps.advisor, let advisor = table.lookup(step.model) { parts.append((step, advisor)) }
            for (part, partModel) in parts {
                let id = partModel.id
                guard let terms = PricingTerms(part, model: partModel) else { continue }
                let t = part.tokens
                let rates = terms.rates
                let counts = [t.input, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, t.output]
                let perToken = [rates.input, rates.cacheWrite5m, rates.cacheWrite1h, rates.cacheRead, rates.output]
                let search = ExactAmount(
                    units: Int128(part.webSearchRequests) * Int128(rates.webSearch) * ExactAmount.unitsPerFemto)
                func add(_ into: inout [String: [String: ExactAmount]]) {
                    for k in tokenTypes.indices {
                        let amount = terms.amount(counts[k], at: perToken[k])
                        into[id, default: [:]][tokenTypes[k], default: .zero] += amount
                    }
                    into["(web search)", default: [:]]["web_search", default: .zero] += search
                }
                if record.aggregated { add(&computed) } else { add(&fromLogs) }
            }
        }
        var rows: [Row] = []
        for (model, types) in models.sorted(by: { $0.key < $1.key }) {
            let basis = computed[model] != nil ? "usage report rows" : "request logs"
            guard let usage = computed[model] ?? fromLogs[model] else { continue }
            var byType: [String: (computed: USD, billed: USD)] = [:]
            for type in Set(types.keys).union(usage.keys) {
                byType[type] = ((usage[type] ?? .zero).usd, types[type] ?? .zero)
            }
            rows.append(
                Row(
                    day: Timestamp.dayString(days: Int(day)), model: model, basis: basis,
                    computed: byType.values.reduce(.zero) { $0 + $1.computed },
                    billed: byType.values.reduce(.zero) { $0 + $1.billed }, byType: byType))
        }
        return rows
    }
}
