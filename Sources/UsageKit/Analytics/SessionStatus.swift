import Foundation

/// What Claude Code's status line shows of one session: its exact cost and cache hit rate, today's cost, the
/// active 5-hour block, and the budget closest to its limit.
public struct SessionStatus: Sendable, Equatable {
    public var session: String
    public var sessionCost: USD
    public var sessionHitRate: Double?
    public var todayCost: USD
    /// The block `at` falls in; nil when none is active.
    public var block: UsageBlocks.Block?
    /// The budget with the highest share of its limit, when a budgets file is given.
    public var budget: BudgetResult?
    public var at: Int64
}

extension UsageStore {
    /// The status of `session` as of `at`: days in `zone`, budgets from `budgets`.
    public func status(session: String, at: Date = Date(), zone: TimeZoneRule, budgets: BudgetConfig? = nil)
        throws -> SessionStatus
    {
        let now = Int64(at.timeIntervalSince1970 * 1000)
        let today = zone.startOfDay(zone.localDay(utcMillis: now))
        // One read, one price table: Claude Code runs this every few seconds.
        return try database.reading { storage in
            let version = try PriceTable.effective(storage).version
            func totals(_ filter: RequestFilter) throws -> UsageTotals {
                try UsageReport.fetch(storage, filter: filter, by: [.model], zone: zone, priceTableVersion: version)
                    .totals
            }
            // Up to `at` itself, as the monitor: a status replayed at a past time shows what was known then.
            let own = try totals(RequestFilter(until: now + 1, session: session))
            let todayCost = try totals(RequestFilter(since: today, until: now + 1)).cost
            let blocks = try UsageBlocks.current(storage, at: now, zone: zone, tokenLimit: nil, costLimit: nil)
            let check = try budgets.map { try BudgetCheck.evaluate(storage, config: $0, zone: zone, now: at) }
            return SessionStatus(
                session: session, sessionCost: own.cost, sessionHitRate: own.cacheHitRate, todayCost: todayCost,
                block: blocks.blocks.first(where: \.isActive), budget: check?.results.max { $0.share < $1.share },
                at: now)
        }
    }
}
