/// The words and figures the readable formats share: how a ratio, a cost or a period reads, and the notes that go
/// with a report.
enum Wording {
    /// The window of a budget's period, for people: `2026-11-16 to 2026-11-22`.
    static func window(_ r: BudgetResult, zone: TimeZoneRule) -> String {
        func day(_ ms: Int64) -> String {
            Timestamp.dayString(days: zone.localDay(utcMillis: ms))
        }
        return day(r.start) + " to " + day(r.end - 1)
    }

    /// What each cache figure means, for every output that shows them.
    static let cacheLegend: [String] = [
        "hit rate = cache read tokens / prompt tokens, "
            + "where prompt tokens = uncached input + cache writes + cache reads",
        "cost without cache = the same requests with every cache-written or cache-read token "
            + "at the base input rate of its model, tier and modifiers",
        "gross saving = cache reads x (input rate - read rate); "
            + "write premium = cache writes x (write rate - input rate); "
            + "net saving = gross saving - write premium",
        "batch saving = what the batch requests would have cost at standard rates, minus what they cost",
        "waste = the premium of writes never read within their lifetime (same session or workflow and model), "
            + "plus the extra of 1-hour writes whose every use came within 5 minutes",
    ]

    /// A ratio as a percentage with one decimal, or `-` when there is none.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        let tenths = Int((rate * 1000).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)%"
    }

    /// A set's cost in the readable formats: `-` when empty, `unpriced` when nothing in it is priced, and a mark when
    /// part of it is.
    static func costText(_ t: UsageTotals) -> String {
        if t.rows == 0 { return "-" }
        if t.nothingPriced { return "unpriced" }
        return t.cost.display + (t.unpricedRequests > 0 ? " + unpriced" : "")
    }

    /// The rows the readable formats show of blocks: start and end in the zone, requests, tokens, cost, the
    /// limits' shares, and what a gap or the active block is.
    static func blockLines(_ blocks: UsageBlocks) -> (header: [String], rows: [[String]]) {
        var header = ["Start", "End", "Requests", "Tokens", "Cost"]
        if blocks.tokenLimit != nil { header.append("Of token limit") }
        if blocks.costLimit != nil { header.append("Of cost limit") }
        header.append("")
        let zone = blocks.zone
        var rows: [[String]] = []
        for entry in blocks.entries {
            switch entry {
            case .gap(let start, let end):
                var row = [zone.clock(utcMillis: start), zone.clock(utcMillis: end), "", "", ""]
                row += Array(repeating: "", count: header.count - 6)
                row.append("gap of " + duration(end - start))
                rows.append(row)
            case .block(let b):
                let shares = blocks.shares(b)
                var row = [
                    zone.clock(utcMillis: b.start), zone.clock(utcMillis: b.end),
                    Decimal9.groupThousands(String(b.totals.requests)), Decimal9.groupThousands(String(b.tokens)),
                    money(b.totals.cost),
                ]
                if blocks.tokenLimit != nil { row.append(percent(shares.tokens)) }
                if blocks.costLimit != nil { row.append(percent(shares.cost)) }
                row.append(b.isActive ? "ACTIVE" : "")
                rows.append(row)
            }
        }
        return (header, rows)
    }

    /// The active block's time left, burn rate and projection; nil when no block is active.
    static func activeBlockText(_ blocks: UsageBlocks) -> String? {
        guard let b = blocks.blocks.first(where: \.isActive), let rate = b.burnRate, let p = b.projection else {
            return nil
        }
        let shares = blocks.shares(b)
        var text =
            "Active block: \(duration(p.minutesLeft * 60_000)) left; burn rate \(money(rate.costPerHour))/h, "
            + "\(Decimal9.groupThousands(String(Int64(rate.tokensPerMinute.rounded())))) tokens/min; "
            + "projected \(money(p.cost)) and \(Decimal9.groupThousands(String(p.tokens))) tokens at its end"
        var limits: [String] = []
        if let share = shares.projectedTokens { limits.append("\(percent(share)) of the token limit") }
        if let share = shares.projectedCost { limits.append("\(percent(share)) of the cost limit") }
        if !limits.isEmpty { text += " (" + limits.joined(separator: ", ") + ")" }
        return text + "."
    }

    /// A span of time as hours and minutes: `3h 20m`, `45m`.
    static func duration(_ ms: Int64) -> String {
        let minutes = ms / 60_000
        return minutes >= 60 ? "\(minutes / 60)h \(minutes % 60)m" : "\(minutes)m"
    }

    /// What OpenTelemetry and Claude Code analytics rows assume, for every report that holds them.
    static func telemetryNotes(_ telemetry: TelemetryCounts) -> [String] {
        var notes: [String] = []
        if telemetry.unsplitCacheWrites > 0 {
            let n = telemetry.unsplitCacheWrites
            notes.append(
                "\(n) OpenTelemetry or Claude Code analytics \(n == 1 ? "row logs its" : "rows log their") "
                    + "cache writes "
                    + "without a 5-minute/1-hour split: priced as 5-minute writes (1-hour writes cost 1.6 times as "
                    + "much); the logged cost stands beside.")
        }
        if telemetry.sessionsInBoth > 0 {
            let n = telemetry.sessionsInBoth
            notes.append(
                "\(n) \(n == 1 ? "session has" : "sessions have") both Claude Code OpenTelemetry events and "
                    + "transcripts in this period: no id links the two, so \(n == 1 ? "its" : "their") spend is "
                    + "counted twice. Ingest one or the other for those sessions.")
        }
        return notes
    }

    /// The notes every report carries about what its cost leaves out or assumes.
    static func reportNotes(_ report: UsageReport) -> [String] {
        var notes: [String] = []
        for model in report.unpriced {
            let prompt = Decimal9.groupThousands(String(model.tokens.prompt))
            let output = Decimal9.groupThousands(String(model.tokens.output))
            notes.append(
                "\(model.model): \(model.requests) \(model.requests == 1 ? "request" : "requests") UNPRICED "
                    + "(\(prompt) prompt and \(output) output tokens); cost unknown and not in the totals. "
                    + "Price it with `usage pricing import FILE`, then `usage reprice`.")
        }
        let t = report.totals
        let telemetry = report.telemetry
        let adminRows = t.aggregatedRows - report.headlessRows - telemetry.counterRows - telemetry.analyticsRows
        if report.headlessRows > 0 {
            let n = report.headlessRows
            notes.append(
                "\(n) headless Claude Code run \(n == 1 ? "total" : "totals") (a `result`'s usage of a model "
                    + "its session's responses do not carry) counted in tokens and cost but not in requests.")
        }
        if adminRows > 0 {
            notes.append(
                "\(adminRows) Admin API usage report \(adminRows == 1 ? "row" : "rows") (sums over a time bucket) "
                    + "counted in tokens and cost but not in requests.")
            if t.requests > 0 {
                notes.append(
                    "This period holds both Admin API usage report rows and request logs: "
                        + "where they cover the same traffic, its tokens and cost are counted twice.")
            }
        }
        if telemetry.counterRows > 0 {
            let n = telemetry.counterRows
            notes.append(
                "\(n) Claude Code counter \(n == 1 ? "row" : "rows") (OpenTelemetry metrics, one per export interval) "
                    + "counted in tokens and cost but not in requests.")
        }
        if telemetry.analyticsRows > 0 {
            let n = telemetry.analyticsRows
            notes.append(
                "\(n) Claude Code analytics report \(n == 1 ? "row" : "rows") (per day, user and model) "
                    + "counted in tokens and cost but not in requests.")
        }
        if (telemetry.counterRows > 0 || telemetry.analyticsRows > 0) && t.requests > 0 {
            notes.append(
                "This period holds both Claude Code counters or analytics rows and request logs: "
                    + "where they cover the same sessions, their tokens and cost are counted twice.")
        }
        notes += telemetryNotes(telemetry)
        if t.loggedRequests > 0 {
            let difference = t.loggedCost - t.loggedComputedCost
            let share =
                t.loggedComputedCost.nanos == 0
                ? "" : " (\(percent(Double(difference.nanos) / Double(t.loggedComputedCost.nanos))))"
            let carries = t.loggedRequests == 1 ? "request carries its" : "requests carry their"
            notes.append(
                "\(t.loggedRequests) \(carries) own logged cost: "
                    + "\(t.loggedCost.exact) USD logged against "
                    + "\(t.loggedComputedCost.exact) USD computed, a difference of \(difference.exact) USD\(share).")
        }
        if let billed = report.billed {
            let difference = t.cost - billed
            notes.append(
                "Admin API cost reports billed \(billed.exact) USD in this period; the computed cost differs by "
                    + "\(difference.exact) USD (usage and cost reports only agree where both cover the same traffic).")
        }
        let it = report.totals.iterations
        for advisor in report.advisors {
            let times = advisor.calls == 1 ? "time" : "times"
            let requests = advisor.requests == 1 ? "request" : "requests"
            let prompt = Decimal9.groupThousands(String(advisor.tokens.prompt))
            let output = Decimal9.groupThousands(String(advisor.tokens.output))
            let cost = advisor.cost.map { "\($0.exact) USD at its own rates" } ?? "cost unknown (its model is unpriced)"
            notes.append(
                "Advisor calls (usage.iterations): \(advisor.model) consulted \(advisor.calls) \(times) "
                    + "in \(advisor.requests) \(requests), \(prompt) prompt and \(output) output tokens, "
                    + cost
                    + "; in the cost, not in the token columns.")
        }
        if it.compactions > 0 {
            let prompt = Decimal9.groupThousands(String(it.compactionPromptTokens))
            let output = Decimal9.groupThousands(String(it.compactionOutputTokens))
            notes.append(
                "Compactions (usage.iterations): \(it.compactions), \(prompt) prompt and \(output) output tokens, "
                    + "\(it.compactionCost.exact) USD at the "
                    + "requests' own models' rates; in the cost, not in the token columns.")
        }
        if report.totals.priorityRequests > 0 {
            let n = report.totals.priorityRequests
            notes.append(
                "\(n) priority-tier \(n == 1 ? "request" : "requests") "
                    + "priced at standard rates (priority has no public per-token price).")
        }
        return notes
    }

    /// A group's advisor or compaction cost in the readable formats: `-` when it has none.
    ///
    /// An advisor call or compaction of an unpriced request (an advisor model the table does not know) has no known
    /// cost: unknown is not zero, so a group with nothing priced says "unpriced"; where only some requests are, the
    /// known part is shown and the group's cost says "+ unpriced".
    static func iterationCostText(
        _ cost: USD, count: Int64, of t: UsageTotals, money show: (USD) -> String = { $0.display }
    ) -> String {
        guard count > 0 else { return "-" }
        return t.nothingPriced ? "unpriced" : show(cost)
    }

    /// Money for people when amounts are often small: cents from a dollar up, four decimals below.
    static func money(_ amount: USD) -> String {
        if amount.nanos.magnitude >= 1_000_000_000 { return amount.display }
        let tenThousandths = (Double(amount.nanos) / 100_000).rounded()
        let sign = tenThousandths < 0 ? "-" : ""
        let v = Int64(abs(tenThousandths))
        let fraction = String(v % 10_000)
        return sign + "$0." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    /// The report's first and last days, in its time zone: `2026-11-01 to 2026-11-22`.
    static func periodText(_ r: UsageReport) -> String? {
        guard let first = r.first, let last = r.last else { return nil }
        return r.zone.labels(forBucketStartingAt: first)[.day]! + " to " + r.zone.labels(forBucketStartingAt: last)[
            .day]!
    }

    // MARK: Cache recommendations

    /// `1,234 tokens`, `1 token`.
    private static func count(_ n: Int64, _ one: String, _ many: String) -> String {
        "\(Decimal9.groupThousands(String(n))) \(n == 1 ? one : many)"
    }

    /// What to do about what a recommendation found.
    static func message(_ r: CacheRecommendation) -> String {
        switch r.kind {
        case .lowHitRate:
            return "The cache hit rate is under 30%: put stable content (system prompt, tools, documents) first and "
                + "mark it with cache_control."
        case .writesExceedReads:
            return "More tokens are written to the cache than read from it: cache only prefixes that repeat within "
                + "their lifetime."
        case .oneHourWhereFiveMinutesWould:
            return "Some 1-hour cache writes were always used again within 5 minutes: the default 5-minute lifetime "
                + "would do, at a lower write price."
        case .fiveMinutesWhereGapsSuggestOneHour:
            return "Sessions pause for 5 to 60 minutes and then write the cache again: a 1-hour lifetime (ttl: 1h) "
                + "would turn those rewrites into reads."
        case .repeatedPromptsUncached:
            return "Large prompts are sent again within minutes in the same session or workflow without prompt "
                + "caching: mark their stable prefix with cache_control."
        case .promptsBelowMinimum:
            return "Many prompts are shorter than their model's minimum cacheable length: cache_control on them does "
                + "nothing, and caching cannot save on them (merge context into longer prompts, or leave them)."
        }
    }

    /// The figures behind a recommendation.
    static func evidence(_ r: CacheRecommendation) -> String {
        switch r.evidence {
        case .lowHitRate(let rate, let prompt):
            return "hit rate \(percent(rate)) of \(count(prompt, "prompt token", "prompt tokens"))"
        case .writesExceedReads(let written, let read, let unreadWrites, let unreadTokens):
            return "\(count(written, "token", "tokens")) written, \(Decimal9.groupThousands(String(read))) read; "
                + "\(count(unreadWrites, "write", "writes")) never read (\(count(unreadTokens, "token", "tokens")))"
        case .oneHourWhereFiveMinutesWould(let writes, let tokens):
            return "\(count(writes, "1-hour write", "1-hour writes")) (\(count(tokens, "token", "tokens")))"
        case .fiveMinutesWhereGapsSuggestOneHour(let rewrites, let tokens):
            return "\(count(rewrites, "rewrite", "rewrites")) after a pause of 5 to 60 minutes "
                + "(\(count(tokens, "token", "tokens")))"
        case .repeatedPromptsUncached(let requests):
            return "\(count(requests, "uncached request", "uncached requests")) over the cacheable minimum, each "
                + "within 5 minutes of the last"
        case .promptsBelowMinimum(let below, let all, let minimum, let model):
            return "\(below) of \(Decimal9.groupThousands(String(all))) requests below the minimum "
                + "(e.g. \(Decimal9.groupThousands(String(minimum))) tokens for \(model))"
        }
    }

    // MARK: Budgets

    /// `monthly: $412.30 of $400.00 (103%)`.
    static func line(_ r: BudgetResult) -> String {
        "\(r.budget.name): \(r.spent.display) of \(r.budget.limit.display) (\(Int((r.share * 100).rounded()))%)"
    }

    /// The one line alerting tools show, e.g. `BUDGET CRITICAL - monthly: $412.30 of $400.00 (103%)`: the budgets
    /// of the worst status first.
    static func summary(_ check: BudgetCheck) -> String {
        if let problem = check.problem { return "BUDGET UNKNOWN - \(problem.description)" }
        let worst = check.results.filter { $0.status == check.status }
        let others = check.results.filter { $0.status != check.status }
        return "BUDGET \(check.status.name) - " + (worst + others).map(line).joined(separator: "; ")
    }

    /// Why a budget is not OK, in words.
    static func reason(_ reason: BudgetReason) -> String {
        switch reason {
        case .noUsage:
            return "no usage recorded in this period: is ingestion running?"
        case .limitExceeded(let excess):
            return "limit exceeded by \(excess.display)"
        case .warningThreshold(let percent):
            return "over the \(percent)% warning threshold"
        case .forecastOverLimit(let forecast, let period):
            return "forecast \(forecast.display) by the end of the \(period.description) is over the limit"
        case .anomaly(let today, let average):
            return "today's \(today.display) is over 3x the trailing 7-day daily average of \(average.display)"
        case .unpricedRequests(let count):
            return "\(count) unpriced requests in scope: spend may be higher than shown"
        }
    }

    /// The first reason in a few words, for a row of the monitor: `over by $5.00`, `3x the 7-day average`.
    static func shortReason(_ r: BudgetResult) -> String? {
        switch r.reasons.first {
        case nil: return nil
        case .noUsage: return "no usage yet"
        case .limitExceeded(let excess): return "over by \(excess.display)"
        case .warningThreshold(let percent): return "past \(percent)%"
        case .forecastOverLimit(let forecast, _): return "forecast \(forecast.display)"
        case .anomaly: return "3x the 7-day average"
        case .unpricedRequests(let count): return "\(count) unpriced"
        }
    }

    /// A budget's reasons on one line: `limit exceeded by $5.00; 2 unpriced requests in scope: ...`.
    static func reasons(_ r: BudgetResult) -> String {
        r.reasons.map(reason).joined(separator: "; ")
    }
}
