import GRDB

/// What re-pricing changed.
public struct RepriceSummary: Sendable, Equatable {
    public var requests = 0
    public var changed = 0
    /// Requests of models that were unpriced and now have a price.
    public var newlyPriced = 0
    /// Requests that had a price and now have none (a model the table no longer knows).
    public var nowUnpriced = 0
    public var before = USD.zero
    public var after = USD.zero
    /// Per model (as priced after, else as logged): cost before and after.
    public var byModel: [String: (before: USD, after: USD)] = [:]

    public static func == (a: RepriceSummary, b: RepriceSummary) -> Bool {
        a.requests == b.requests && a.changed == b.changed && a.newlyPriced == b.newlyPriced && a.before == b.before
            && a.after == b.after
    }
}

/// Recomputes every stored cost with a price table, and the rollup with it, in one transaction.
enum Repricer {
    static func reprice(_ db: Database, table: PriceTable) throws -> RepriceSummary {
        var pricer = Pricer(table: table)
        var summary = RepriceSummary()
        let update = try db.makeStatement(
            sql: "UPDATE requests SET priced_as = ?, cost_nanos = ?, advisor_cost_nanos = ?, compaction_cost_nanos = ? WHERE id = ?")
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, \(StoredRequest.columns), priced_as, cost_nanos, advisor_cost_nanos, compaction_cost_nanos FROM requests")
        var changes: [(Int64, String?, Int64?, Int64?, Int64?)] = []
        let after = 1 + StoredRequest.count
        while let r = try rows.next() {
            let record = StoredRequest.record(r, at: 1)
            let oldPricedAs: String? = r[after]
            let oldCost: Int64? = r[after + 1]
            let oldParts: (Int64?, Int64?) = (r[after + 2], r[after + 3])
            // Advisor calls and compactions are priced again too, each at its own model.
            let price = pricer.price(record)
            summary.requests += 1
            summary.before = summary.before + USD(nanos: oldCost ?? 0)
            summary.after = summary.after + (price.cost ?? .zero)
            let key = price.pricedAs ?? record.model
            let current = summary.byModel[key] ?? (.zero, .zero)
            summary.byModel[key] = (current.before + USD(nanos: oldCost ?? 0), current.after + (price.cost ?? .zero))
            let parts = (price.advisorCost?.nanos, price.compactionCost?.nanos)
            guard price.pricedAs != oldPricedAs || price.cost?.nanos != oldCost || parts != oldParts else { continue }
            summary.changed += 1
            if oldCost == nil && price.cost != nil { summary.newlyPriced += 1 }
            if oldCost != nil && price.cost == nil { summary.nowUnpriced += 1 }
            changes.append((r[0], price.pricedAs, price.cost?.nanos, parts.0, parts.1))
        }
        for (id, pricedAs, cost, advisor, compaction) in changes {
            try update.execute(arguments: [pricedAs, cost, advisor, compaction, id])
        }
        if !changes.isEmpty { try HourlyRollup.rebuild(db) }
        // Billed amounts group by the model they are priced as, too.
        for row in try Row.fetchAll(db, sql: "SELECT DISTINCT model FROM billed_costs WHERE model IS NOT NULL") {
            let model: String = row[0]
            try db.execute(
                sql: "UPDATE billed_costs SET priced_as = ? WHERE model = ?", arguments: [table.lookup(model)?.id, model])
        }
        return summary
    }
}
