import Foundation

extension CacheStats {
    /// The money figures (no waste) from the store's sums by session, workflow and project, priced group by group.
    static func fromSums(_ storage: some UsageStorage, filter: RequestFilter, table: PriceTable, now: Date) throws
        -> CacheStats?
    {
        guard var sweep = try sweepOfSums(storage, filter: filter, table: table, waste: false) else { return nil }
        return sweep.finish(now: now)
    }

    /// A sweep holding the money figures of the store's sums by session, workflow and project, priced group by
    /// group, to which requests are then handed for waste only (`waste`): nil when the store has no sums for the
    /// filter or the prices cannot be applied to sums.
    static func sweepOfSums(_ storage: some UsageStorage, filter: RequestFilter, table: PriceTable, waste: Bool)
        throws -> CacheSweep?
    {
        guard table.pricesSums, let sessions = try storage.cacheSums(filter, by: .session),
            let workflows = try storage.cacheSums(filter, by: .workflow),
            let projects = try storage.cacheSums(filter, by: .project)
        else { return nil }
        var models: [String: ModelPrice?] = [:]
        var endpoints: [String: ModelID.Endpoint] = [:]
        // Prompt tokens of the priced requests, from the sums by session (which count each request once).
        var pricedPrompt: Int64 = 0
        var countsPrompt = true
        func figures(_ row: CacheSumsRow) -> CacheFigures {
            if models[row.modelKey] == nil { models[row.modelKey] = table.lookup(row.modelKey) }
            let logged = row.record.model
            let endpoint = endpoints[logged] ?? ModelID.endpoint(logged)
            endpoints[logged] = endpoint
            // The prices of every request of the row: its tokens only tell whether its prompt is a long one.
            var one = row.record
            one.tokens = TokenCounts(input: row.prompt)
            let terms =
                row.priced ? models[row.modelKey]!.flatMap { PricingTerms(one, model: $0, endpoint: endpoint) } : nil
            // Every amount is linear in the tokens at one set of prices: the figures of the sums are the sums of
            // the figures.
            var f = Self.figures(of: row.record, terms: terms, storedCost: row.cost)
            (f.requests, f.aggregatedRows, f.requestsWithHits) =
                row.record.aggregated ? (0, row.rows, 0) : (row.rows, 0, row.rowsWithHits)
            if terms == nil { f.unpricedRequests = row.rows } else { f.pricedRows = row.rows }
            if terms != nil, countsPrompt { pricedPrompt += row.record.tokens.prompt }
            return f
        }
        var sweep = CacheSweep(filter: filter, waste: waste, summed: true)
        for row in sessions {
            sweep.add(
                sums: figures(row), session: row.value, model: row.modelKey,
                day: HourlyRollup.floorDiv(row.record.timestamp, 86_400_000), first: row.first)
        }
        sweep.pricedPrompt = pricedPrompt
        countsPrompt = false
        for row in workflows { sweep.add(sums: figures(row), workflow: row.value) }
        for row in projects { sweep.add(sums: figures(row), project: row.value) }
        return sweep
    }
}

extension PriceTable {
    /// Whether sums of requests can be priced as their requests are: every price starts on a UTC day (the sums
    /// are by day), compares prompts with the thresholds the sums keep, and multiplies exactly (a multiplier's
    /// denominator divides 10⁶, so the amounts of sums are the sums of amounts).
    var pricesSums: Bool {
        let day: Int64 = 86_400_000
        return models.allSatisfy { model in
            [model.usResidency, model.bedrockRegional].allSatisfy { m in
                m.map { 1_000_000 % $0.denominator == 0 } ?? true
            }
                && model.periods.allSatisfy { period in
                    (period.from.map { $0 % day == 0 } ?? true)
                        && (period.longContext.map { CacheSumsRow.thresholds.contains($0.threshold) } ?? true)
                }
        }
    }
}
