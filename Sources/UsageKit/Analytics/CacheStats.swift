import Foundation
import GRDB

/// Prompt-caching figures over a set of requests. Money is exact (see `ExactAmount`) until it is shown.
public struct CacheFigures: Sendable, Equatable {
    /// Requests known one by one (Admin API report rows are sums and are left out of request counts).
    public var requests: Int64 = 0
    public var requestsWithHits: Int64 = 0
    /// Requests whose model is unpriced: their tokens count, their money cannot.
    public var unpricedRequests: Int64 = 0
    public var tokens = TokenCounts()
    /// What the priced requests cost, every category included.
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
    public var batchSavingsUSD: USD { batchCostAtStandardRates.usd - batchCost.usd }
    public var wasteUSD: USD { waste.usd }

    mutating func add(_ o: CacheFigures) {
        requests += o.requests
        requestsWithHits += o.requestsWithHits
        unpricedRequests += o.unpricedRequests
        tokens.input += o.tokens.input
        tokens.cacheWrite5m += o.tokens.cacheWrite5m
        tokens.cacheWrite1h += o.tokens.cacheWrite1h
        tokens.cacheRead += o.tokens.cacheRead
        tokens.output += o.tokens.output
        cost = cost + o.cost
        promptCost = promptCost + o.promptCost
        promptCostWithoutCache = promptCostWithoutCache + o.promptCostWithoutCache
        grossSavings = grossSavings + o.grossSavings
        writePremium = writePremium + o.writePremium
        batchCost = batchCost + o.batchCost
        batchCostAtStandardRates = batchCostAtStandardRates + o.batchCostAtStandardRates
        waste = waste + o.waste
    }
}

/// A caching recommendation, with the figure that supports it and what it would save in a month.
public struct CacheRecommendation: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case lowHitRate = "low-hit-rate"
        case writesExceedReads = "writes-exceed-reads"
        case oneHourWhereFiveMinutesWould = "use-5m-ttl"
        case fiveMinutesWhereGapsSuggestOneHour = "use-1h-ttl"
        case repeatedPromptsUncached = "cache-repeated-prompts"
        case promptsBelowMinimum = "prompts-below-minimum"
    }

    public var kind: Kind
    public var message: String
    public var evidence: String
    /// Estimated saving over 30 days at the period's pace.
    public var monthlySavings: USD
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
    public var byModel: [Group] = []
    public var byWorkflow: [Group] = []
    public var bySession: [Group] = []
    public var byProject: [Group] = []
    public var daily: [Day] = []
    /// Writes never read within their lifetime: how many requests, and their tokens.
    public var unreadWrites: (requests: Int64, tokens: Int64) = (0, 0)
    /// 1-hour writes that a 5-minute write would have served (every later use came within 5 minutes).
    public var oneHourWritesFiveMinutesWouldServe: (requests: Int64, tokens: Int64) = (0, 0)
    /// Requests more than 5 minutes after the previous one of their session that wrote the cache again.
    public var expiredCacheGaps: (requests: Int64, tokens: Int64) = (0, 0)
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
            groups.filter { $0.figures.waste.units > 0 }.sorted { ($0.figures.wasteUSD, $1.key) > ($1.figures.wasteUSD, $0.key) }
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
        var figures: CacheFigures
        /// Premium of writes that were never read, and of 1-hour writes a 5-minute one would have served.
        var waste = ExactAmount.zero
    }

    /// Computes every figure for the requests `filter` selects. `now` bounds an open period for monthly estimates.
    public static func compute(_ db: Database, filter: RequestFilter, table: PriceTable = .builtIn, now: Date = Date())
        throws -> CacheStats
    {
        var stats = CacheStats(filter: filter)
        let (text, arguments) = try SQL(
            """
            SELECT ts, COALESCE(priced_as, model), model, service_tier, inference_geo, speed, context_window,
              input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens,
              web_search_requests, cost_nanos, session, workflow, project, aggregated
            FROM requests WHERE \(filter.sql) ORDER BY ts, id
            """
        ).build(db)
        var requests: [Request] = []
        var models: [String: ModelPrice?] = [:]
        let cursor = try Row.fetchCursor(db, sql: text, arguments: arguments)
        while let r = try cursor.next() {
            var record = UsageRecord(
                timestamp: r[0], model: r[2], serviceTier: r[3], inferenceGeo: r[4], speed: r[5],
                tokens: TokenCounts(input: r[7], cacheWrite5m: r[8], cacheWrite1h: r[9], cacheRead: r[10], output: r[11]),
                webSearchRequests: r[12])
            record.contextWindow = r[6]
            record.aggregated = (r[17] as Int64) != 0
            let priced = (r[13] as Int64?) != nil
            let key: String = r[1]
            if models[key] == nil { models[key] = table.lookup(key) }
            let model = priced ? models[key]! : nil
            let terms = model.map { PricingTerms(record, model: $0) }
            var request = Request(
                timestamp: record.timestamp, model: key, tokens: record.tokens, terms: terms,
                minCacheable: model?.minCacheableTokens, session: r[14], workflow: r[15], project: r[16],
                aggregated: record.aggregated, figures: CacheFigures())
            request.figures = figures(of: record, terms: terms)
            requests.append(request)
        }
        markWaste(&requests, stats: &stats)
        var byModel: [String: CacheFigures] = [:]
        var byWorkflow: [String: CacheFigures] = [:]
        var bySession: [String: CacheFigures] = [:]
        var byProject: [String: CacheFigures] = [:]
        var byDay: [Int64: CacheFigures] = [:]
        for request in requests {
            var f = request.figures
            f.waste = request.waste
            stats.totals.add(f)
            byModel[request.model, default: CacheFigures()].add(f)
            byWorkflow[request.workflow ?? "(none)", default: CacheFigures()].add(f)
            bySession[request.session ?? "(none)", default: CacheFigures()].add(f)
            byProject[request.project ?? "(none)", default: CacheFigures()].add(f)
            byDay[HourlyRollup.floorDiv(request.timestamp, 86_400_000), default: CacheFigures()].add(f)
        }
        func groups(_ d: [String: CacheFigures]) -> [Group] {
            d.map { Group(key: $0.key, figures: $0.value) }.sorted { ($0.figures.costUSD, $1.key) > ($1.figures.costUSD, $0.key) }
        }
        stats.byModel = groups(byModel)
        stats.byWorkflow = groups(byWorkflow)
        stats.bySession = groups(bySession)
        stats.byProject = groups(byProject)
        stats.daily = byDay.sorted { $0.key < $1.key }.map { Day(day: Timestamp.dayString(days: Int($0.key)), figures: $0.value) }
        let start = filter.since ?? requests.first?.timestamp
        let end = filter.until ?? min(Int64(now.timeIntervalSince1970 * 1000), (requests.last?.timestamp ?? 0) + 1)
        if let start { stats.days = max(1, Double(end - start) / 86_400_000) }
        stats.recommendations = recommend(stats, requests: requests)
        return stats
    }

    /// The money figures of one request.
    static func figures(of record: UsageRecord, terms: PricingTerms?) -> CacheFigures {
        var f = CacheFigures()
        let t = record.tokens
        f.tokens = t
        if !record.aggregated {
            f.requests = 1
            if t.cacheRead > 0 { f.requestsWithHits = 1 }
        }
        guard let terms else {
            f.unpricedRequests = 1
            return f
        }
        let r = terms.rates
        let input = terms.amount(t.input, at: r.input)
        let write5m = terms.amount(t.cacheWrite5m, at: r.cacheWrite5m)
        let write1h = terms.amount(t.cacheWrite1h, at: r.cacheWrite1h)
        let read = terms.amount(t.cacheRead, at: r.cacheRead)
        let output = terms.amount(t.output, at: r.output)
        let search = ExactAmount(units: Int128(record.webSearchRequests) * Int128(r.webSearch) * ExactAmount.unitsPerFemto)
        f.promptCost = input + write5m + write1h + read
        f.cost = f.promptCost + output + search
        f.promptCostWithoutCache = terms.amount(t.prompt, at: r.input)
        f.grossSavings = terms.amount(t.cacheRead, at: r.input) - read
        f.writePremium = write5m + write1h - terms.amount(t.cacheWrite5m + t.cacheWrite1h, at: r.input)
        if terms.batch {
            f.batchCost = f.cost - search
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

    /// Follows each session (or workflow) and model through time: writes never read within their lifetime,
    /// 1-hour writes a 5-minute one would have served, and requests that rewrote a cache that had expired.
    static func markWaste(_ requests: inout [Request], stats: inout CacheStats) {
        var streams: [String: [Int]] = [:]
        for (i, r) in requests.enumerated() where !r.aggregated {
            streams["\(r.session ?? r.workflow ?? "")\u{1}\(r.model)", default: []].append(i)
        }
        for (_, indices) in streams {
            for (position, i) in indices.enumerated() {
                let r = requests[i]
                // An expired cache: more than 5 minutes after the previous request, and writing again.
                if position > 0 {
                    let previous = requests[indices[position - 1]]
                    let wrote = r.tokens.cacheWrite5m + r.tokens.cacheWrite1h
                    let hadCache = previous.tokens.cacheRead + previous.tokens.cacheWrite5m + previous.tokens.cacheWrite1h > 0
                    let gap = r.timestamp - previous.timestamp
                    if gap > fiveMinutes && wrote > 0 && hadCache {
                        stats.expiredCacheGaps.requests += 1
                        stats.expiredCacheGaps.tokens += wrote
                        if gap <= oneHour, let terms = r.terms, r.tokens.cacheWrite5m > 0 {
                            // With a 1-hour lifetime this rewrite would have been a read, for the price of the
                            // 1-hour write's extra premium.
                            let rates = terms.rates
                            stats.gapSavings = stats.gapSavings
                                + terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite5m - rates.cacheRead)
                                - terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite1h - rates.cacheWrite5m)
                        }
                    }
                }
                guard let terms = r.terms, r.tokens.cacheWrite5m + r.tokens.cacheWrite1h > 0 else { continue }
                let rates = terms.rates
                // The later requests of the stream, to judge each write's fate.
                var later: [Request] = []
                for j in indices[(position + 1)...] {
                    if requests[j].timestamp - r.timestamp > oneHour { break }
                    later.append(requests[j])
                }
                func read(within ttl: Int64) -> Bool {
                    later.contains { $0.timestamp - r.timestamp <= ttl && $0.tokens.cacheRead > 0 }
                }
                var unread = ExactAmount.zero
                var extra = ExactAmount.zero
                if r.tokens.cacheWrite5m > 0 && !read(within: fiveMinutes) {
                    unread = unread + terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite5m - rates.input)
                    stats.unreadWrites.tokens += r.tokens.cacheWrite5m
                }
                if r.tokens.cacheWrite1h > 0 {
                    if !read(within: oneHour) {
                        unread = unread + terms.amount(r.tokens.cacheWrite1h, at: rates.cacheWrite1h - rates.input)
                        stats.unreadWrites.tokens += r.tokens.cacheWrite1h
                    } else if servedByFiveMinutes(r, later: later) {
                        // Every use came within 5 minutes of the one before: a 5-minute write, refreshed by each
                        // hit, would have lasted as long.
                        extra = terms.amount(r.tokens.cacheWrite1h, at: rates.cacheWrite1h - rates.cacheWrite5m)
                        stats.oneHourWritesFiveMinutesWouldServe.requests += 1
                        stats.oneHourWritesFiveMinutesWouldServe.tokens += r.tokens.cacheWrite1h
                    }
                }
                if unread.units > 0 { stats.unreadWrites.requests += 1 }
                stats.unreadWaste = stats.unreadWaste + unread
                stats.oneHourExtra = stats.oneHourExtra + extra
                requests[i].waste = unread + extra
            }
        }
    }

    /// Whether the reads that followed a 1-hour write within the hour each came within 5 minutes of the
    /// request before them.
    static func servedByFiveMinutes(_ write: Request, later: [Request]) -> Bool {
        var last = write.timestamp
        for next in later where next.timestamp - write.timestamp <= oneHour {
            if next.tokens.cacheRead > 0 && next.timestamp - last > fiveMinutes { return false }
            last = next.timestamp
        }
        return true
    }
}

extension CacheStats {
    /// The recommendations the figures support; each with its evidence and a monthly estimate at the period's pace.
    static func recommend(_ stats: CacheStats, requests: [Request]) -> [CacheRecommendation] {
        var result: [CacheRecommendation] = []
        let t = stats.totals
        let month = stats.days > 0 ? 30 / stats.days : 0
        func monthly(_ amount: ExactAmount) -> USD {
            USD(nanos: Int64((Double(max(0, amount.usd.nanos)) * month).rounded()))
        }
        func pct(_ x: Double?) -> String { percent(x) }
        let writes = t.tokens.cacheWrite5m + t.tokens.cacheWrite1h
        let pricedPrompt = requests.filter { $0.terms != nil }.reduce(Int64(0)) { $0 + $1.tokens.prompt }

        if let rate = t.hitRate, rate < 0.3, pricedPrompt > 0 {
            // Reaching 30%: the missing reads at the average saving of a read (90% of the input rate).
            let missing = Int64(0.3 * Double(t.tokens.prompt)) - t.tokens.cacheRead
            let perToken = Double(t.promptCostWithoutCache.usd.nanos) / Double(pricedPrompt) * 0.9
            result.append(
                CacheRecommendation(
                    kind: .lowHitRate,
                    message: "The cache hit rate is under 30%: put stable content (system prompt, tools, documents) first and mark it with cache_control.",
                    evidence: "hit rate \(pct(rate)) of \(groupThousands(String(t.tokens.prompt))) prompt tokens",
                    monthlySavings: USD(nanos: Int64((Double(max(0, missing)) * perToken * month).rounded()))))
        }
        if writes > t.tokens.cacheRead {
            result.append(
                CacheRecommendation(
                    kind: .writesExceedReads,
                    message: "More tokens are written to the cache than read from it: cache only prefixes that repeat within their lifetime.",
                    evidence: "\(groupThousands(String(writes))) tokens written, \(groupThousands(String(t.tokens.cacheRead))) read; "
                        + "\(stats.unreadWrites.requests) writes never read (\(groupThousands(String(stats.unreadWrites.tokens))) tokens)",
                    monthlySavings: monthly(stats.unreadWaste)))
        }
        if stats.oneHourWritesFiveMinutesWouldServe.requests > 0 {
            result.append(
                CacheRecommendation(
                    kind: .oneHourWhereFiveMinutesWould,
                    message: "Some 1-hour cache writes were always used again within 5 minutes: the default 5-minute lifetime would do, at a lower write price.",
                    evidence: "\(stats.oneHourWritesFiveMinutesWouldServe.requests) 1-hour writes (\(groupThousands(String(stats.oneHourWritesFiveMinutesWouldServe.tokens))) tokens)",
                    monthlySavings: monthly(stats.oneHourExtra)))
        }
        if stats.gapSavings.units > 0 {
            result.append(
                CacheRecommendation(
                    kind: .fiveMinutesWhereGapsSuggestOneHour,
                    message: "Sessions pause for 5 to 60 minutes and then write the cache again: a 1-hour lifetime (ttl: 1h) would turn those rewrites into reads.",
                    evidence: "\(stats.expiredCacheGaps.requests) rewrites after an expired cache (\(groupThousands(String(stats.expiredCacheGaps.tokens))) tokens)",
                    monthlySavings: monthly(stats.gapSavings)))
        }
        // Large prompts sent again and again in one stream without any caching.
        var streams: [String: [Request]] = [:]
        for r in requests where !r.aggregated && r.terms != nil && r.tokens.cacheRead == 0 && r.tokens.cacheWrite5m + r.tokens.cacheWrite1h == 0
            && r.tokens.input >= max(Int64(r.minCacheable ?? 1024), 1024)
        {
            streams["\(r.session ?? r.workflow ?? "")\u{1}\(r.model)", default: []].append(r)
        }
        var uncachedSaving = ExactAmount.zero
        var uncachedRequests = 0
        for (_, group) in streams where group.count >= 2 {
            // The smallest prompt of the group stands for the shared prefix: written once, read by the others.
            let prefix = group.map(\.tokens.input).min()!
            let terms = group[0].terms!
            let rates = terms.rates
            let saving = terms.amount(prefix * Int64(group.count - 1), at: rates.input - rates.cacheRead)
                - terms.amount(prefix, at: rates.cacheWrite5m - rates.input)
            if saving.units > 0 {
                uncachedSaving = uncachedSaving + saving
                uncachedRequests += group.count
            }
        }
        if uncachedRequests > 0 {
            result.append(
                CacheRecommendation(
                    kind: .repeatedPromptsUncached,
                    message: "Large prompts are sent repeatedly in the same session or workflow without prompt caching.",
                    evidence: "\(uncachedRequests) uncached requests with prompts over the cacheable minimum",
                    monthlySavings: monthly(uncachedSaving)))
        }
        let below = requests.filter { r in
            guard let minimum = r.minCacheable, !r.aggregated else { return false }
            return r.tokens.prompt < Int64(minimum) && r.tokens.cacheRead == 0 && r.tokens.cacheWrite5m + r.tokens.cacheWrite1h == 0
        }
        if !below.isEmpty && t.requests > 0 && below.count * 10 >= Int(t.requests) {
            result.append(
                CacheRecommendation(
                    kind: .promptsBelowMinimum,
                    message: "Many prompts are shorter than their model's minimum cacheable length, so cache_control on them does nothing; caching cannot help these requests.",
                    evidence: "\(below.count) of \(t.requests) requests below the minimum (e.g. \(below[0].minCacheable!) tokens for \(below[0].model))",
                    monthlySavings: .zero))
        }
        return result
    }
}
