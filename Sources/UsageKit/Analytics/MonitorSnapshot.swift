import Foundation

/// What `usage watch` shows at one moment: today's and this month's spend, the active 5-hour block, the last
/// hour's pace, today's caching, the costliest sessions and models of the day, and the budgets.
public struct MonitorSnapshot: Sendable, Equatable {
    public var at: Int64
    public var zone: TimeZoneRule
    /// From local midnight (of `zone`) to `at`.
    public var today: UsageTotals
    /// From the first of the month (of `zone`) to `at`: cost, requests (and aggregated rows), unpriced requests.
    public var monthCost: USD
    public var monthRequests: Int64
    public var monthUnpriced: Int64
    /// The block `at` falls in, with its burn rate and projection; nil when none is active.
    public var block: UsageBlocks.Block?
    /// Its share of the limits asked for, now and at its end.
    public var blockShares: (tokens: Double?, cost: Double?, projectedTokens: Double?, projectedCost: Double?)
    public var tokenLimit: Int64?
    public var costLimit: USD?
    /// The 60 minutes up to `at`: their cost is the burn rate per hour.
    public var lastHour: UsageTotals
    /// Today's hit rate and net saving.
    public var cacheToday: CacheFigures
    /// Today's costliest sessions (keys: session, project) and models, most expensive first.
    public var sessions: [UsageReport.Row]
    public var models: [UsageReport.Row]
    /// Spend against each budget, when a budgets file is given.
    public var budgets: BudgetCheck?

    public static func == (a: MonitorSnapshot, b: MonitorSnapshot) -> Bool {
        a.at == b.at && a.zone == b.zone && a.today == b.today && a.monthCost == b.monthCost
            && a.monthRequests == b.monthRequests && a.monthUnpriced == b.monthUnpriced && a.block == b.block
            && a.lastHour == b.lastHour && a.cacheToday == b.cacheToday && a.sessions == b.sessions
            && a.models == b.models && a.budgets == b.budgets
    }
}

extension UsageStore {
    /// The monitor's figures as of `at`, days and months in `zone`; `top` sessions and models at most. All of it
    /// is read in one transaction, so a refresh never mixes two states of a store being written.
    public func monitor(
        at: Date = Date(), zone: TimeZoneRule, budgets: BudgetConfig? = nil, top: Int = 10,
        tokenLimit: Int64? = nil, costLimit: USD? = nil
    ) throws -> MonitorSnapshot {
        let now = Int64(at.timeIntervalSince1970 * 1000)
        let hour: Int64 = 3_600_000
        let day = zone.localDay(utcMillis: now)
        let (year, month, _) = Timestamp.civil(fromDays: day)
        let monthStart = zone.startOfDay(Timestamp.daysFromCivil(year: year, month: month, day: 1))
        // Up to `at` itself: a monitor looking back (`--at`) sees what was known then.
        let upTo = now + 1
        let today = RequestFilter(since: zone.startOfDay(day), until: upTo)
        return try database.reading { storage in
            let table = try PriceTable.effective(storage)
            func report(_ filter: RequestFilter, _ dimensions: [ReportDimension]) throws -> UsageReport {
                try UsageReport.fetch(
                    storage, filter: filter, by: dimensions, zone: zone, priceTableVersion: table.version)
            }
            let models = try report(today, [.model])
            let sessions = try report(today, [.session, .project])
            let lastHour = try report(RequestFilter(since: now - hour, until: upTo), [.model]).totals
            // The month's whole hours from the rollup: a month of requests is too many to sum every few seconds.
            let month = try storage.spending(RequestFilter(since: monthStart, until: upTo))
            let blocks = try UsageBlocks.current(
                storage, at: now, zone: zone, tokenLimit: tokenLimit, costLimit: costLimit)
            let active = blocks.blocks.first(where: \.isActive)
            let cache = try CacheStats.compute(
                storage, filter: today, table: table, now: at, waste: false)
            return MonitorSnapshot(
                at: now, zone: zone, today: models.totals, monthCost: month.cost,
                monthRequests: month.requests, monthUnpriced: month.unpriced, block: active,
                blockShares: active.map(blocks.shares) ?? (nil, nil, nil, nil), tokenLimit: tokenLimit,
                costLimit: costLimit, lastHour: lastHour, cacheToday: cache.totals,
                sessions: Array(sessions.rows.prefix(top)), models: Array(models.rows.prefix(top)),
                budgets: try budgets.map { try BudgetCheck.evaluate(storage, config: $0, zone: zone, now: at) })
        }
    }
}
