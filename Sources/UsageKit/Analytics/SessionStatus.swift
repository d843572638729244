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
        let own = try report(RequestFilter(session: session), by: [.model], zone: zone)
        let today = zone.startOfDay(zone.localDay(utcMillis: now))
        let todayCost = try report(RequestFilter(since: today), by: [.model], zone: zone).totals.cost
        let blocks = try database.reading { storage in
            try UsageBlocks.current(storage, at: now, zone: zone, tokenLimit: nil, costLimit: nil)
        }
        let check = try budgets.map { try checkBudgets($0, zone: zone, now: at) }
        return SessionStatus(
            session: session, sessionCost: own.totals.cost, sessionHitRate: own.totals.cacheHitRate,
            todayCost: todayCost, block: blocks.blocks.first(where: \.isActive),
            budget: check?.results.max { $0.share < $1.share }, at: now)
    }
}
