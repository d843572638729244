import GRDB

extension SQLiteStorage {
    func pricedRequests(_ filter: RequestFilter, _ body: (UsageRecord, String, USD?) throws -> Void) throws {
        typealias C = ComparedColumn
        let request = SQLRequest<Row>(
            literal: "SELECT \(sql: StoredRequest.columns), \(sql: C.selection) FROM requests WHERE \(filter.sql)")
        let cursor = try Row.fetchCursor(db, request)
        while let row = try cursor.next() {
            let r = ColumnReader<C>(row, from: StoredRequest.count)
            try body(StoredRequest.record(row, at: 0), r[.source], (r[.cost] as Int64?).map(USD.init(nanos:)))
        }
    }

    func billedByType(since: Int64?, until: Int64?) throws -> [(day: Int64, model: String, type: String, amount: USD)] {
        try SQLRequest<BilledType>(
            literal: """
                SELECT starting_at / 86400000 AS day, COALESCE(priced_as, model, '(web search)') AS model,
                  COALESCE(token_type, cost_type, 'other') AS type, SUM(amount_nanos) AS amount
                FROM billed_costs WHERE \(RequestFilter.billedPeriod(since: since, until: until)) GROUP BY 1, 2, 3
                """
        ).fetchAll(db).map { ($0.day, $0.model, $0.type, USD(nanos: $0.amount)) }
    }

    func pricedRecords(day: Int64) throws -> [UsageRecord] {
        try Row.fetchAll(
            db,
            sql: "SELECT \(StoredRequest.columns) FROM requests WHERE ts >= ? AND ts < ? AND cost_nanos IS NOT NULL",
            arguments: [day * 86_400_000, (day + 1) * 86_400_000]
        ).map { StoredRequest.record($0, at: 0) }
    }

    func storedPrices(_ body: (Int64, UsageRecord, StoredPrice) throws -> Void) throws {
        typealias C = StoredPriceColumn
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT \(StoredRequest.columns), \(C.selection) FROM requests")
        while let row = try cursor.next() {
            let r = ColumnReader<C>(row, from: StoredRequest.count)
            try body(
                r[.id], StoredRequest.record(row, at: 0),
                StoredPrice(
                    pricedAs: r[.pricedAs], cost: r[.cost], advisorCost: r[.advisorCost],
                    compactionCost: r[.compactionCost]))
        }
    }

    func updatePrices(_ changes: [(id: Int64, price: StoredPrice)]) throws {
        let update = try db.makeStatement(
            sql: """
                UPDATE requests SET priced_as = ?, cost_nanos = ?, advisor_cost_nanos = ?, compaction_cost_nanos = ?
                WHERE id = ?
                """)
        for (id, p) in changes {
            try update.execute(arguments: [p.pricedAs, p.cost, p.advisorCost, p.compactionCost, id])
        }
        if !changes.isEmpty { try HourlyRollup.rebuild(db) }
    }

    func billedModels() throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT model FROM billed_costs WHERE model IS NOT NULL")
    }

    func setBilledPricedAs(_ pricedAs: String?, forModel model: String) throws {
        try db.execute(sql: "UPDATE billed_costs SET priced_as = ? WHERE model = ?", arguments: [pricedAs, model])
    }
}

/// What `pricedRequests` reads after the stored request's columns.
private enum ComparedColumn: Int, SelectedColumn {
    case source, cost

    var expression: String {
        switch self {
        case .source: return "COALESCE(priced_as, model)"
        case .cost: return "cost_nanos"
        }
    }
}

/// What `storedPrices` reads after the stored request's columns.
private enum StoredPriceColumn: Int, SelectedColumn {
    case id, pricedAs, cost, advisorCost, compactionCost

    var expression: String {
        switch self {
        case .id: return "id"
        case .pricedAs: return "priced_as"
        case .cost: return "cost_nanos"
        case .advisorCost: return "advisor_cost_nanos"
        case .compactionCost: return "compaction_cost_nanos"
        }
    }
}

/// A cost report sum per day, model and token type, decoded from the columns of the same names.
private struct BilledType: FetchableRecord, Decodable {
    var day: Int64
    var model: String
    var type: String
    /// Nanodollars.
    var amount: Int64
}

extension Comparison {
    /// What the requests `filter` selects in `storage` would have cost on each of `targets`.
    static func compute(_ storage: some UsageStorage, filter: RequestFilter, targets: [ModelPrice], table: PriceTable)
        throws -> Comparison
    {
        var builder = Builder(targets: targets, table: table)
        try storage.pricedRequests(filter) { record, source, cost in builder.add(record, source: source, actual: cost) }
        return builder.comparison
    }
}

extension Reconciliation {
    /// The cost of the requests in `storage` beside what its cost reports billed, per UTC day and model.
    static func compute(_ storage: some UsageStorage, filter: RequestFilter, table: PriceTable) throws
        -> Reconciliation
    {
        let billed = billedByDay(try storage.billedByType(since: filter.since, until: filter.until))
        var rows: [Row] = []
        for (day, models) in billed.sorted(by: { $0.key < $1.key }) {
            rows += Self.rows(day: day, billed: models, requests: try storage.pricedRecords(day: day), table: table)
        }
        return Reconciliation(rows: rows)
    }
}

extension Repricer {
    /// Prices every request in `storage` again with `table` and stores what changed, with what derives from it;
    /// cost report rows group by the model they are priced as, so they follow the table too.
    static func reprice(_ storage: some UsageStorage, table: PriceTable) throws -> RepriceSummary {
        var repricer = Repricer(table: table)
        var changes: [(id: Int64, price: StoredPrice)] = []
        try storage.storedPrices { id, record, old in
            if let new = repricer.reprice(record, was: old) { changes.append((id, new)) }
        }
        try storage.updatePrices(changes)
        for model in try storage.billedModels() {
            try storage.setBilledPricedAs(table.lookup(model)?.id, forModel: model)
        }
        return repricer.summary
    }
}
