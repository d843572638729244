import Foundation
import Synchronization

/// The metrics' running totals kept between scrapes: each scrape adds only the rows stored since the last one.
/// They are counted again in whole when rows counted before have changed (a re-priced, re-dated or upgraded
/// request: the store's own sums then disagree with them), and at least every ten minutes, for a change the sums
/// cannot show (a re-read copy that moved a request to another workflow at the same cost).
public final class MetricsTotals: Sendable {
    private let table = Mutex<(LabelledTotalsTable, countedAt: Date?)>((LabelledTotalsTable(), nil))
    static let recount: TimeInterval = 600

    public init() {}

    /// The totals by label set as of the store's transaction.
    func current(_ storage: some UsageStorage, now: Date) throws -> LabelledTotalsTable {
        try table.withLock { state in
            var (table, countedAt) = state
            if countedAt.map({ now.timeIntervalSince($0) > Self.recount }) ?? true {
                (table, countedAt) = (LabelledTotalsTable(), now)
            }
            try storage.addLabelledTotals(to: &table)
            let stored = try storage.storedTotals()
            let counted = table.totals.values.reduce(into: (rows: Int64(0), cost: Int64(0))) {
                $0.rows += $1.rows
                $0.cost += $1.costNanos
            }
            if counted.rows != stored.rows || counted.cost != stored.costNanos {
                (table, countedAt) = (LabelledTotalsTable(), now)
                try storage.addLabelledTotals(to: &table)
            }
            state = (table, countedAt)
            return table
        }
    }
}

/// What `usage serve`'s `/metrics` and `usage metrics --textfile` expose to Prometheus: running totals by model,
/// workflow, project and service tier, the last day's caching, and each budget's state.
public struct MetricsSnapshot: Sendable, Equatable {
    /// One label set's totals since the first request stored.
    public struct Series: Sendable, Equatable {
        public var model: String
        public var workflow: String
        public var project: String
        public var serviceTier: String
        /// Requests known one by one (aggregated rows count in tokens and cost only).
        public var requests: Int64
        public var tokens: TokenCounts
        public var cost: USD
    }

    /// One model's caching over the last 24 hours.
    public struct Caching: Sendable, Equatable {
        public var model: String
        public var hitRatio: Double?
        public var netSaving: USD
    }

    /// Label sets past `labelCap`, by cost, are summed into one whose labels all read `other`: a log cannot
    /// make Prometheus store an unbounded number of series.
    public var series: [Series]
    public var caching: [Caching]
    public var budgets: BudgetCheck?
    /// The newest request's time, milliseconds since 1970 UTC; nil for an empty store.
    public var lastRequest: Int64?

    /// The label value that stands for label sets past the cap, and for a request without the attribute.
    public static let other = "other"
    public static let none = "none"

    /// Sums `storage` as of `now`.
    static func compute(
        _ storage: some UsageStorage, table: PriceTable, now: Date, budgets: BudgetConfig?, zone: TimeZoneRule,
        labelCap: Int, totals: MetricsTotals
    ) throws -> MetricsSnapshot {
        let labelled = try totals.current(storage, now: now)
        let text = { (n: Int32) in Self.label(labelled.texts.texts[Int(n)]) }
        var series = labelled.totals.map { key, t in
            Series(
                model: text(key.model), workflow: text(key.workflow), project: text(key.project),
                serviceTier: text(key.serviceTier), requests: t.requests, tokens: t.tokens,
                cost: USD(nanos: t.costNanos))
        }
        // The costliest keep their labels; ties in a stable order.
        series.sort {
            ($0.cost, $1.model, $1.workflow, $1.project, $1.serviceTier)
                > ($1.cost, $0.model, $0.workflow, $0.project, $0.serviceTier)
        }
        if series.count > labelCap {
            var rest = Series(
                model: other, workflow: other, project: other, serviceTier: other, requests: 0, tokens: TokenCounts(),
                cost: .zero)
            for s in series[max(0, labelCap - 1)...] {
                rest.requests += s.requests
                rest.tokens += s.tokens
                rest.cost = rest.cost + s.cost
            }
            series = Array(series.prefix(max(0, labelCap - 1))) + [rest]
        }
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        let day = RequestFilter(since: nowMs - 86_400_000, until: nowMs)
        let cache = try CacheStats.compute(storage, filter: day, table: table, now: now, waste: false)
        let caching = cache.byModel.prefix(labelCap).map {
            Caching(model: $0.key, hitRatio: $0.figures.hitRate, netSaving: $0.figures.netSavingsUSD)
        }
        let check = try budgets.map { try BudgetCheck.evaluate(storage, config: $0, zone: zone, now: now) }
        return MetricsSnapshot(
            series: series, caching: Array(caching), budgets: check, lastRequest: try storage.lastRequestTime())
    }

    private static func label(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return none }
        return value
    }
}

extension UsageStore {
    /// The running totals, caching and budgets Prometheus scrapes, as of `now`. `labelCap` bounds the label
    /// sets of the totals (the rest are summed as `other`). A long-lived caller passes the same `totals` each
    /// time, so that a scrape reads only what was stored since the last.
    public func metrics(
        now: Date = Date(), budgets: BudgetConfig? = nil, zone: TimeZoneRule = .utc, labelCap: Int = 200,
        totals: MetricsTotals = MetricsTotals()
    ) throws -> MetricsSnapshot {
        try database.reading { storage in
            try MetricsSnapshot.compute(
                storage, table: try PriceTable.effective(storage), now: now, budgets: budgets, zone: zone,
                labelCap: max(1, labelCap), totals: totals)
        }
    }
}
