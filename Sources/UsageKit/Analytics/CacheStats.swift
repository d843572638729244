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
        /// Premium of writes that were never read, and of 1-hour writes a 5-minute one would have served.
        var waste = ExactAmount.zero
    }

    /// Computes every figure for the requests `filter` selects. `now` bounds an open period for monthly estimates.
    /// Without `waste`, only the money figures (what `usage sessions` needs).
    static func compute(
        _ storage: some UsageStorage, filter: RequestFilter, table: PriceTable = .builtIn, now: Date = Date(),
        waste: Bool = true
    ) throws -> CacheStats {
        // An hour past the period is read too: a write near its end may be read just after it.
        var lookahead = filter
        if let until = filter.until, waste { lookahead.until = until + oneHour }
        var requests: [Request] = []
        var models: [String: ModelPrice?] = [:]
        try storage.cacheRequests(lookahead) { row in
            if models[row.modelKey] == nil { models[row.modelKey] = table.lookup(row.modelKey) }
            requests.append(request(row, model: row.cost != nil ? models[row.modelKey]! : nil, filter: filter))
        }
        return compute(&requests, filter: filter, now: now, waste: waste)
    }

    /// One stored request as the analysis sees it; `model` is its price, nil when it is unpriced.
    static func request(_ row: CacheRequestRow, model: ModelPrice?, filter: RequestFilter) -> Request {
        let record = row.record
        let terms = model.flatMap { PricingTerms(record, model: $0) }
        var request = Request(
            timestamp: record.timestamp, model: row.modelKey, tokens: record.tokens, terms: terms,
            minCacheable: model?.minCacheableTokens, session: record.session, workflow: record.workflow,
            project: record.project, aggregated: record.aggregated,
            inPeriod: filter.until.map { record.timestamp < $0 } ?? true, figures: CacheFigures())
        request.figures = figures(of: record, terms: terms, storedCost: row.cost)
        return request
    }

    /// Every figure of `requests` (in time order, with those of the hour past the period), by group and day.
    /// `requests` is taken in place (and left marked and cut to the period): it holds every request of the period,
    /// too many to copy.
    static func compute(_ requests: inout [Request], filter: RequestFilter, now: Date, waste: Bool) -> CacheStats {
        var stats = CacheStats(filter: filter)
        if waste { markWaste(&requests, stats: &stats) }
        requests.removeAll { !$0.inPeriod }
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
            byDay[Int64(TimeZoneRule.utc.localDay(utcMillis: request.timestamp)), default: CacheFigures()].add(f)
        }
        func groups(_ d: [String: CacheFigures]) -> [Group] {
            d.map { Group(key: $0.key, figures: $0.value) }.sorted {
                ($0.figures.costUSD, $1.key) > ($1.figures.costUSD, $0.key)
            }
        }
        stats.byModel = groups(byModel)
        stats.byWorkflow = groups(byWorkflow)
        stats.bySession = groups(bySession)
        stats.byProject = groups(byProject)
        stats.daily = byDay.sorted { $0.key < $1.key }.map {
            Day(day: Timestamp.dayString(days: Int($0.key)), figures: $0.value)
        }
        // The period's length for monthly estimates: from its start (or the first request) to its end, never
        // past now.
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        if let start = filter.since ?? requests.first?.timestamp {
            let end = min(filter.until ?? nowMs, nowMs)
            stats.days = max(1, Double(end - start) / 86_400_000)
        }
        if waste { stats.recommendations = recommend(stats, requests: requests) }
        return stats
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

    /// Follows each session and each workflow, per model, through time: writes never read within their
    /// lifetime (in the session or in the workflow), 1-hour writes a 5-minute one would have served, and sessions
    /// that found their cache gone after a pause. Requests with neither session nor workflow cannot be followed
    /// and are left out of these judgements. Linear in the number of requests.
    static func markWaste(_ requests: inout [Request], stats: inout CacheStats) {
        struct Stream {
            var members: [Int] = []
            /// For each position, the position of the next request that read from cache.
            var nextRead: [Int?] = []
        }
        var streams: [String: Stream] = [:]
        var memberships: [[(key: String, position: Int)]] = Array(repeating: [], count: requests.count)
        for (i, r) in requests.enumerated() where !r.aggregated {
            for key in [r.session.map { "s:\($0)\u{1}\(r.model)" }, r.workflow.map { "w:\($0)\u{1}\(r.model)" }]
                .compactMap({ $0 })
            {
                memberships[i].append((key, streams[key, default: Stream()].members.count))
                streams[key, default: Stream()].members.append(i)
            }
        }
        for key in streams.keys {
            var stream = streams[key]!
            stream.nextRead = Array(repeating: nil, count: stream.members.count)
            var next: Int?
            for p in stream.members.indices.reversed() {
                stream.nextRead[p] = next
                if requests[stream.members[p]].tokens.cacheRead > 0 { next = p }
            }
            streams[key] = stream
        }
        // Sessions that paused and found their cache gone: they read nothing and wrote it again.
        for (key, stream) in streams where key.hasPrefix("s:") {
            for p in stream.members.indices.dropFirst() {
                let r = requests[stream.members[p]]
                let previous = requests[stream.members[p - 1]]
                let wrote = r.tokens.cacheWrite5m + r.tokens.cacheWrite1h
                let hadCache =
                    previous.tokens.cacheRead + previous.tokens.cacheWrite5m + previous.tokens.cacheWrite1h > 0
                let gap = r.timestamp - previous.timestamp
                guard r.inPeriod, gap > fiveMinutes, wrote > 0, r.tokens.cacheRead == 0, hadCache else { continue }
                stats.expiredCacheGaps.requests += 1
                stats.expiredCacheGaps.tokens += wrote
                if gap <= oneHour, let terms = r.terms, r.tokens.cacheWrite5m > 0 {
                    stats.expiredCacheGapsWithinHour.requests += 1
                    stats.expiredCacheGapsWithinHour.tokens += r.tokens.cacheWrite5m
                    // With a 1-hour lifetime this rewrite would have been a read, for the 1-hour write's extra.
                    let rates = terms.rates
                    stats.gapSavings =
                        stats.gapSavings
                        + terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite5m - rates.cacheRead)
                        - terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite1h - rates.cacheWrite5m)
                }
            }
        }
        for i in requests.indices where requests[i].inPeriod && !memberships[i].isEmpty {
            let r = requests[i]
            guard let terms = r.terms, r.tokens.cacheWrite5m + r.tokens.cacheWrite1h > 0 else { continue }
            let rates = terms.rates
            /// The stream and position of the first read within `ttl` after the write, if any.
            func firstRead(within ttl: Int64) -> (Stream, Int)? {
                for m in memberships[i] {
                    let stream = streams[m.key]!
                    if let q = stream.nextRead[m.position], requests[stream.members[q]].timestamp - r.timestamp <= ttl {
                        return (stream, q)
                    }
                }
                return nil
            }
            var unread = ExactAmount.zero
            var extra = ExactAmount.zero
            if r.tokens.cacheWrite5m > 0 && firstRead(within: fiveMinutes) == nil {
                unread = unread + terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite5m - rates.input)
                stats.unreadWrites.tokens += r.tokens.cacheWrite5m
            }
            if r.tokens.cacheWrite1h > 0 {
                if let (stream, q) = firstRead(within: oneHour) {
                    // Follow the reads, each refreshing the entry: a 5-minute write would have served them all if
                    // none came more than 5 minutes after the previous use.
                    var last = r.timestamp
                    var position: Int? = q
                    var fiveMinutesWould = true
                    while let p = position, requests[stream.members[p]].timestamp - last <= oneHour {
                        let t = requests[stream.members[p]].timestamp
                        if t - last > fiveMinutes {
                            fiveMinutesWould = false
                            break
                        }
                        last = t
                        position = stream.nextRead[p]
                    }
                    if fiveMinutesWould {
                        extra = terms.amount(r.tokens.cacheWrite1h, at: rates.cacheWrite1h - rates.cacheWrite5m)
                        stats.oneHourWritesFiveMinutesWouldServe.requests += 1
                        stats.oneHourWritesFiveMinutesWouldServe.tokens += r.tokens.cacheWrite1h
                    }
                } else {
                    unread = unread + terms.amount(r.tokens.cacheWrite1h, at: rates.cacheWrite1h - rates.input)
                    stats.unreadWrites.tokens += r.tokens.cacheWrite1h
                }
            }
            if unread.units > 0 { stats.unreadWrites.requests += 1 }
            stats.unreadWaste = stats.unreadWaste + unread
            stats.oneHourExtra = stats.oneHourExtra + extra
            requests[i].waste = unread + extra
        }
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
        let writes = t.tokens.cacheWrite5m + t.tokens.cacheWrite1h
        let pricedPrompt = requests.filter { $0.terms != nil }.reduce(Int64(0)) { $0 + $1.tokens.prompt }

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
        // Large prompts sent again within minutes in one session (or workflow) and model, without any caching.
        var streams: [String: [Request]] = [:]
        for r in requests
        where !r.aggregated && r.terms != nil && r.tokens.cacheRead == 0
            && r.tokens.cacheWrite5m + r.tokens.cacheWrite1h == 0
            && r.tokens.input >= max(Int64(r.minCacheable ?? 1024), 1024)
        {
            guard let owner = r.session.map({ "s:" + $0 }) ?? r.workflow.map({ "w:" + $0 }) else { continue }
            streams["\(owner)\u{1}\(r.model)", default: []].append(r)
        }
        var uncachedSaving = ExactAmount.zero
        var uncachedRequests: Int64 = 0
        for (_, stream) in streams {
            // Runs of requests each within 5 minutes of the one before: what a cache could have served.
            var runs: [[Request]] = []
            for r in stream {
                if let last = runs.last?.last, r.timestamp - last.timestamp <= fiveMinutes {
                    runs[runs.count - 1].append(r)
                } else {
                    runs.append([r])
                }
            }
            for run in runs where run.count >= 2 {
                // The smallest prompt of the run stands for the shared prefix: written once, read by the others.
                let prefix = run.map(\.tokens.input).min()!
                let first = run[0].terms!
                var saving = ExactAmount.zero - first.amount(prefix, at: first.rates.cacheWrite5m - first.rates.input)
                for r in run.dropFirst() {
                    let terms = r.terms!
                    saving = saving + terms.amount(prefix, at: terms.rates.input - terms.rates.cacheRead)
                }
                if saving.units > 0 {
                    uncachedSaving = uncachedSaving + saving
                    uncachedRequests += Int64(run.count)
                }
            }
        }
        if uncachedRequests > 0 {
            result.append(
                CacheRecommendation(
                    evidence: .repeatedPromptsUncached(requests: uncachedRequests),
                    monthlySavings: monthly(uncachedSaving)))
        }
        let below = requests.filter { r in
            guard let minimum = r.minCacheable, !r.aggregated else { return false }
            return r.tokens.prompt < Int64(minimum) && r.tokens.cacheRead == 0
                && r.tokens.cacheWrite5m + r.tokens.cacheWrite1h == 0
        }
        if !below.isEmpty && t.requests > 0 && below.count * 10 >= Int(t.requests) {
            result.append(
                CacheRecommendation(
                    evidence: .promptsBelowMinimum(
                        requests: below.count, of: t.requests, minimum: below[0].minCacheable ?? 0,
                        model: below[0].model),
                    monthlySavings: .zero))
        }
        return result
    }
}
