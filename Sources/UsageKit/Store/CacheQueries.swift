import GRDB

extension SQLiteStorage {
    func cacheRequests(_ filter: RequestFilter, _ body: (CacheRequestRow) throws -> Void) throws {
        let request = SQLRequest<Row>(
            literal: "SELECT \(sql: CacheColumn.selection) FROM requests WHERE \(filter.sql) ORDER BY ts, id")
        let cursor = try Row.fetchCursor(db, request)
        while let row = try cursor.next() { try body(CacheRequestRow(row: row)) }
    }
}

/// The columns of `cacheRequests`, read by position: it reads every request of the period.
private enum CacheColumn: Int, SelectedColumn {
    case ts, modelKey, model, serviceTier, inferenceGeo, speed, contextWindow, input, cacheWrite5m, cacheWrite1h
    case cacheRead, output, webSearch, cost, session, workflow, project, aggregated

    var expression: String {
        switch self {
        case .ts: return "ts"
        case .modelKey: return wholeText("COALESCE(priced_as, model)")
        case .model: return wholeText("model")
        case .serviceTier: return "service_tier"
        case .inferenceGeo: return "inference_geo"
        case .speed: return "speed"
        case .contextWindow: return "context_window"
        case .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output: return tokenColumn(from: .input)
        case .webSearch: return "web_search_requests"
        case .cost: return "cost_nanos"
        case .session: return wholeText("session")
        case .workflow: return wholeText("workflow")
        case .project: return wholeText("project")
        case .aggregated: return "aggregated"
        }
    }
}

extension CacheRequestRow {
    fileprivate init(row: Row) {
        let r = ColumnReader<CacheColumn>(row)
        record = UsageRecord(
            timestamp: r[.ts], model: r.wholeString(.model) ?? "", serviceTier: r[.serviceTier],
            inferenceGeo: r[.inferenceGeo], speed: r[.speed],
            tokens: r.tokens(from: .input),
            webSearchRequests: r[.webSearch], session: r.wholeString(.session), workflow: r.wholeString(.workflow),
            project: r.wholeString(.project))
        record.contextWindow = r[.contextWindow]
        record.aggregated = (r[.aggregated] as Int64) != 0
        modelKey = r.wholeString(.modelKey) ?? ""
        cost = r[.cost]
    }
}
