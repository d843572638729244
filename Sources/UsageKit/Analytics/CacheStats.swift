import Foundation

/// Prompt-caching figures over a set of requests. Money is exact (see `ExactAmount`) until it is shown.
public struct CacheFigures: Sendable, Equatable {
    /// Requests known one by one (Admin API report rows are sums and are left out of request counts).
    public var requests: Int64 = 0
    public var requestsWithHits: Int64 = 0
    /// Requests whose model is unpriced: their tokens count, their money cannot.
    public var unpricedRequests: Int64 = 0
    /// Rows whose money is known (requests and aggregated rows of priced models).
    public var pricedRows: Int64 = 0
    /// Admin API usage report rows: sums over a time bucket, in tokens and money but not in request counts.
    public var aggregatedRows: Int64 = 0
    public var tokens = TokenCounts()
    /// What the priced requests cost, every category included: the sum of their stored costs.
    public var cost = ExactAmount.zero
    /// What their prompts (input, cache writes, cache reads) cost.
    public var promptCost = ExactAmount.zero
    /// What their prompts would have cost with no caching: every written or read token at the base input rate of
    /// its request's model, tier and modifiers.
    public var promptCostWithoutCache = ExactAmount.zero
    /// Saved by reading from cache: reads × (input rate − read rate).
    public var grossSavings = ExactAmount.zero
    /// Paid for writing to cache: writes × (write rate − input rate).
    public var writePremium = ExactAmount.zero
    /// What the batch requests cost, and would have cost at standard rates.
    public var batchCost = ExactAmount.zero
    public var batchCostAtStandardRates = ExactAmount.zero
    /// Premium paid for writes never read within their lifetime, and the extra paid for 1-hour writes that a
    /// 5-minute write would have served.
    public var waste = ExactAmount.zero

    public init() {}

    /// Cache reads / (input + cache writes + cache reads); nil without prompt tokens.
    public var hitRate: Double? {
        tokens.prompt > 0 ? Double(tokens.cacheRead) / Double(tokens.prompt) : nil
    }

    /// Requests with any cache hit / requests; nil without requests.
    public var hitRequestShare: Double? { requests > 0 ? Double(requestsWithHits) / Double(requests) : nil }

    // Shown figures: each rounded once, and net defined from the rounded parts so that they reconcile exactly.
    public var costUSD: USD { cost.usd }
    public var grossSavingsUSD: USD { grossSavings.usd }
    public var writePremiumUSD: USD { writePremium.usd }
    public var netSavingsUSD: USD { grossSavingsUSD - writePremiumUSD }
    public var costWithoutCacheUSD: USD { costUSD + netSavingsUSD }
    public var promptCostUSD: USD { promptCost.usd }
    public var promptCostWithoutCacheUSD: USD { promptCostUSD + netSavingsUSD }
    public var batchSavingsUSD: USD { (batchCostAtStandardRates - batchCost).usd }

    /// Whether no row of the set has a known price: its money is unknown, not zero.
    public var nothingPriced: Bool { pricedRows == 0 && (requests + aggregatedRows + unpricedRequests) > 0 }
    public var wasteUSD: USD { waste.usd }

    /// Field by field, not over key paths: the analysis adds every request's figures six times (totals, model,
    /// workflow, session, project, day).
    mutating func add(_ o: CacheFigures) {
        requests += o.requests
        requestsWithHits += o.requestsWithHits
        unpricedRequests += o.unpricedRequests
        pricedRows += o.pricedRows
        aggregatedRows += o.aggregatedRows
        tokens += o.tokens
        cost += o.cost
        promptCost += o.promptCost
        promptCostWithoutCache += o.promptCostWithoutCache
        grossSavings += o.grossSavings
        writePremium += o.writePremium
        batchCost += o.batchCost
        batchCostAtStandardRates += o.batchCostAtStandardRates
        waste += o.waste
    }
}

/// A caching recommendation, with the figures that support it and what it would save in a month.
public struct CacheRecommendation: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case lowHitRate = "low-hit-rate"
        case writesExceedReads = "writes-exceed-reads"
        case oneHourWhereFiveMinutesWould = "use-5m-ttl"
        case fiveMinutesWhereGapsSuggestOneHour = "use-1h-ttl"
        case repeatedPromptsUncached = "cache-repeated-prompts"
        case promptsBelowMinimum = "prompts-below-minimum"
    }

    /// What the figures show, one case per kind, with the numbers that show it.
    public enum Evidence: Sendable, Equatable {
        /// The hit rate is under 30% of the prompt tokens.
        case lowHitRate(hitRate: Double, promptTokens: Int64)
        /// More tokens written to the cache than read from it; some writes never read.
        case writesExceedReads(written: Int64, read: Int64, unreadWrites: Int64, unreadTokens: Int64)
        /// 1-hour writes always used again within 5 minutes.
        case oneHourWhereFiveMinutesWould(writes: Int64, tokens: Int64)
        /// Caches written again after a pause of 5 to 60 minutes.
        case fiveMinutesWhereGapsSuggestOneHour(rewrites: Int64, tokens: Int64)
        /// Large uncached prompts, each within 5 minutes of the last in their session or workflow.
        case repeatedPromptsUncached(requests: Int64)
        /// `requests` of `of` requests below their model's minimum cacheable length (e.g. `minimum` for `model`).
        case promptsBelowMinimum(requests: Int, of: Int64, minimum: Int, model: String)
    }

    /// What the figures show.
    public var evidence: Evidence
    /// Estimated saving over 30 days at the period's pace.
    public var monthlySavings: USD

    /// The kind of recommendation, as its evidence tells.
    public var kind: Kind {
        switch evidence {
        case .lowHitRate: return .lowHitRate
        case .writesExceedReads: return .writesExceedReads
        case .oneHourWhereFiveMinutesWould: return .oneHourWhereFiveMinutesWould
        case .fiveMinutesWhereGapsSuggestOneHour: return .fiveMinutesWhereGapsSuggestOneHour
        case .repeatedPromptsUncached: return .repeatedPromptsUncached
        case .promptsBelowMinimum: return .promptsBelowMinimum
        }
    }
}

/// The answer to "is prompt caching paying off, and where is money left on the table".
public struct CacheStats: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var key: String
        public var figures: CacheFigures
    }

    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD`, UTC.
        public var day: String
        public var figures: CacheFigures
    }

    public var filter: RequestFilter
    public var totals = CacheFigures()
    /// OpenTelemetry and Claude Code analytics rows, whose cache writes carry no lifetime.
    public var telemetry = TelemetryCounts()
    public var byModel: [Group] = []
    public var byWorkflow: [Group] = []
    public var bySession: [Group] = []
    public var byProject: [Group] = []
    public var daily: [Day] = []
    /// Writes never read within their lifetime: how many requests, and their tokens.
    public var unreadWrites: (requests: Int64, tokens: Int64) = (0, 0)
    /// 1-hour writes that a 5-minute write would have served (every later use came within 5 minutes).
    public var oneHourWritesFiveMinutesWouldServe: (requests: Int64, tokens: Int64) = (0, 0)
    /// Requests more than 5 minutes after the previous one of their session that found the cache gone (they read
    /// nothing) and wrote it again.
    public var expiredCacheGaps: (requests: Int64, tokens: Int64) = (0, 0)
    /// Those of them within an hour of the previous request: a 1-hour lifetime would have kept the cache.
    public var expiredCacheGapsWithinHour: (requests: Int64, tokens: Int64) = (0, 0)
    public var recommendations: [CacheRecommendation] = []
    /// Days the period spans, for monthly estimates.
    public var days: Double = 0
    /// The premium of unread writes, the extra of 1-hour writes a 5-minute one would have served, and what a
    /// 1-hour lifetime would have saved on caches rewritten after a gap of 5 to 60 minutes.
    var unreadWaste = ExactAmount.zero
    var oneHourExtra = ExactAmount.zero
    var gapSavings = ExactAmount.zero

    public static func == (a: CacheStats, b: CacheStats) -> Bool {
        a.totals == b.totals && a.byModel == b.byModel && a.daily == b.daily && a.recommendations == b.recommendations
    }

    /// Groups sorted by net saving, largest first.
    public static func topBySavings(_ groups: [Group], _ n: Int) -> [Group] {
        Array(groups.sorted { ($0.figures.netSavingsUSD, $1.key) > ($1.figures.netSavingsUSD, $0.key) }.prefix(n))
    }

    /// Groups sorted by waste, largest first; groups without waste left out.
    public static func topByWaste(_ groups: [Group], _ n: Int) -> [Group] {
        Array(
            groups.filter { $0.figures.waste.units > 0 }.sorted {
                ($0.figures.wasteUSD, $1.key) > ($1.figures.wasteUSD, $0.key)
            }
            .prefix(n))
    }
}

extension CacheStats {
    /// One request as the analysis sees it.
    struct Request {
        var timestamp: Int64
        var model: String
        var tokens: TokenCounts
        var terms: PricingTerms?
        var minCacheable: Int?
        var session: String?
        var workflow: String?
        var project: String?
        var aggregated: Bool
        /// Inside the period asked for; requests just after it are read only to judge the fate of writes.
        var inPeriod: Bool
        var figures: CacheFigures
    }

    /// Computes every figure for the requests `filter` selects. `now` bounds an open period for monthly estimates.
    /// Without `waste`, only the money figures (what `usage sessions` needs). Without `sums`, every figure from
    /// the requests themselves.
    static func compute(
        _ storage: some UsageStorage, filter: RequestFilter, table: PriceTable = .builtIn, now: Date = Date(),
        waste: Bool = true, sums: Bool = true
    ) throws -> CacheStats {
        // The money figures from the store's sums when it has them; the requests are then read for what only
        // their order tells (waste, pauses, runs of uncached prompts).
        let summed = sums ? try sweepOfSums(storage, filter: filter, table: table, waste: waste) : nil
        if !waste, var summed { return summed.finish(now: now) }
        // An hour past the period is read too: a write near its end may be read just after it.
        var lookahead = filter
        if let until = filter.until, waste { lookahead.until = until + oneHour }
        var sweep = summed ?? CacheSweep(filter: filter, waste: waste)
        let lean = summed != nil
        var models: [String: ModelPrice?] = [:]
        // Told from the id's text: once per model, not per request.
        var endpoints: [String: ModelID.Endpoint] = [:]
        try storage.cacheRequests(lookahead) { row in
            if models[row.modelKey] == nil { models[row.modelKey] = table.lookup(row.modelKey) }
            let logged = row.record.model
            let endpoint = endpoints[logged] ?? ModelID.endpoint(logged)
            if endpoints.count < 4096 { endpoints[logged] = endpoint }
            sweep.add(
                request(
                    row, model: row.cost != nil ? models[row.modelKey]! : nil, endpoint: endpoint, filter: filter,
                    lean: lean))
        }
        return sweep.finish(now: now)
    }

    /// One stored request as the analysis sees it; `model` is its price, nil when it is unpriced. `lean`: without
    /// its figures (summed elsewhere), and with its prices only where the judgements of order need them (writes,
    /// and large prompts without caching).
    static func request(
        _ row: CacheRequestRow, model: ModelPrice?, endpoint: ModelID.Endpoint, filter: RequestFilter,
        lean: Bool = false
    ) -> Request {
        let record = row.record
        let t = record.tokens
        let needsTerms =
            !lean || t.cacheWrite5m + t.cacheWrite1h > 0 || (t.cacheRead == 0 && t.input >= 1024 && !record.aggregated)
        let terms = needsTerms ? model.flatMap { PricingTerms(record, model: $0, endpoint: endpoint) } : nil
        var request = Request(
            timestamp: record.timestamp, model: row.modelKey, tokens: t, terms: terms,
            minCacheable: model?.minCacheableTokens, session: record.session, workflow: record.workflow,
            project: record.project, aggregated: record.aggregated,
            inPeriod: filter.until.map { record.timestamp < $0 } ?? true, figures: CacheFigures())
        if !lean { request.figures = figures(of: record, terms: terms, storedCost: row.cost) }
        return request
    }

    /// The money figures of one request.
    static func figures(of record: UsageRecord, terms: PricingTerms?, storedCost: Int64? = nil) -> CacheFigures {
        var f = CacheFigures()
        let t = record.tokens
        f.tokens = t
        if record.aggregated {
            f.aggregatedRows = 1
        } else {
            f.requests = 1
            if t.cacheRead > 0 { f.requestsWithHits = 1 }
        }
        guard let terms else {
            f.unpricedRequests = 1
            return f
        }
        f.pricedRows = 1
        let r = terms.rates
        let input = terms.amount(t.input, at: r.input)
        let write5m = terms.amount(t.cacheWrite5m, at: r.cacheWrite5m)
        let write1h = terms.amount(t.cacheWrite1h, at: r.cacheWrite1h)
        let read = terms.amount(t.cacheRead, at: r.cacheRead)
        let output = terms.amount(t.output, at: r.output)
        let search = ExactAmount(
            units: Int128(record.webSearchRequests) * Int128(r.webSearch) * ExactAmount.unitsPerFemto)
        f.promptCost = input + write5m + write1h + read
        // The stored cost is what every report sums; it is this exact cost rounded once.
        f.cost =
            storedCost.map { ExactAmount(units: Int128($0) * ExactAmount.unitsPerNano) }
            ?? (f.promptCost + output + search)
        f.promptCostWithoutCache = terms.amount(t.prompt, at: r.input)
        f.grossSavings = terms.amount(t.cacheRead, at: r.input) - read
        f.writePremium = write5m + write1h - terms.amount(t.cacheWrite5m + t.cacheWrite1h, at: r.input)
        if terms.batch {
            f.batchCost = f.promptCost + output
            let standard = [
                (t.input, r.input), (t.cacheWrite5m, r.cacheWrite5m), (t.cacheWrite1h, r.cacheWrite1h),
                (t.cacheRead, r.cacheRead), (t.output, r.output),
            ].reduce(ExactAmount.zero) { $0 + terms.amount($1.0, at: $1.1, batch: false) }
            f.batchCostAtStandardRates = standard
        }
        return f
    }

    static let fiveMinutes: Int64 = 300_000
    static let oneHour: Int64 = 3_600_000

}

extension CacheStats {
    /// What the recommendations read of the period's requests besides the figures.
    struct RecommendationEvidence {
        /// Prompt tokens of the priced requests.
        var pricedPrompt: Int64 = 0
        /// Requests in runs of large uncached prompts that caching would have served, and what it would have saved.
        var uncachedRequests: Int64 = 0
        var uncachedSaving = ExactAmount.zero
        /// Requests below their model's minimum cacheable length, and the first of them.
        var belowMinimum = 0
        var firstBelowMinimum: (minimum: Int, model: String)?
    }

    /// The recommendations the figures support; each with its evidence and a monthly estimate at the period's pace.
    static func recommend(_ stats: CacheStats, evidence: RecommendationEvidence) -> [CacheRecommendation] {
        var result: [CacheRecommendation] = []
        let t = stats.totals
        let month = stats.days > 0 ? 30 / stats.days : 0
        func monthly(_ amount: ExactAmount) -> USD {
            USD(nanos: Int64((Double(max(0, amount.usd.nanos)) * month).rounded()))
        }
        let writes = t.tokens.cacheWrite5m + t.tokens.cacheWrite1h
        let pricedPrompt = evidence.pricedPrompt

        if let rate = t.hitRate, rate < 0.3, pricedPrompt > 0 {
            // Reaching 30%: the missing reads at the average saving of a read (90% of the input rate).
            let missing = Int64(0.3 * Double(t.tokens.prompt)) - t.tokens.cacheRead
            let perToken = Double(t.promptCostWithoutCache.usd.nanos) / Double(pricedPrompt) * 0.9
            result.append(
                CacheRecommendation(
                    evidence: .lowHitRate(hitRate: rate, promptTokens: t.tokens.prompt),
                    monthlySavings: USD(nanos: Int64((Double(max(0, missing)) * perToken * month).rounded()))))
        }
        if writes > t.tokens.cacheRead {
            result.append(
                CacheRecommendation(
                    evidence: .writesExceedReads(
                        written: writes, read: t.tokens.cacheRead, unreadWrites: stats.unreadWrites.requests,
                        unreadTokens: stats.unreadWrites.tokens),
                    monthlySavings: monthly(stats.unreadWaste)))
        }
        let oneHour = stats.oneHourWritesFiveMinutesWouldServe
        if oneHour.requests > 0 {
            result.append(
                CacheRecommendation(
                    evidence: .oneHourWhereFiveMinutesWould(writes: oneHour.requests, tokens: oneHour.tokens),
                    monthlySavings: monthly(stats.oneHourExtra)))
        }
        let gaps = stats.expiredCacheGapsWithinHour
        if stats.gapSavings.units > 0 {
            result.append(
                CacheRecommendation(
                    evidence: .fiveMinutesWhereGapsSuggestOneHour(rewrites: gaps.requests, tokens: gaps.tokens),
                    monthlySavings: monthly(stats.gapSavings)))
        }
        if evidence.uncachedRequests > 0 {
            result.append(
                CacheRecommendation(
                    evidence: .repeatedPromptsUncached(requests: evidence.uncachedRequests),
                    monthlySavings: monthly(evidence.uncachedSaving)))
        }
        let below = evidence.belowMinimum
        if below > 0 && t.requests > 0 && below * 10 >= Int(t.requests), let first = evidence.firstBelowMinimum {
            result.append(
                CacheRecommendation(
                    evidence: .promptsBelowMinimum(
                        requests: below, of: t.requests, minimum: first.minimum, model: first.model),
                    monthlySavings: .zero))
        }
        return result
    }
}
