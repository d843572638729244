import GRDB

extension SQLiteStorage {
    func sourceFiles() throws -> [SourceFile] {
        try SourceFileRow.fetchAll(
            db,
            sql: """
                SELECT \(wholeText("f.path")) AS path, f.format, f.requests, f.rejected, f.size, f.consumed,
                  f.ingested_at, b.errored + b.expired + b.canceled AS unbilled
                FROM files f LEFT JOIN batch_outcomes b ON b.file_id = f.id ORDER BY f.path
                """
        ).map(\.file)
    }

    func events(_ filter: RequestFilter, limit: Int?) throws -> [RequestEvent] {
        typealias C = EventColumn
        var sql: SQL =
            "SELECT \(sql: C.selection) FROM requests r LEFT JOIN files f ON f.id = r.file_id WHERE \(filter.sql)"
        if let limit {
            // The newest, then put back in time order by their positions in the SELECT list.
            let order = "\(C.ts.rawValue + 1), \(C.id.rawValue + 1)"
            sql = "SELECT * FROM (\(sql) ORDER BY r.ts DESC, r.id DESC LIMIT \(limit)) ORDER BY \(sql: order)"
        } else {
            sql.append(literal: " ORDER BY r.ts, r.id")
        }
        return try SQLRequest<EventRow>(literal: sql).fetchAll(db).map(\.event)
    }
}

/// A ledger row as `usage sources` lists it.
private struct SourceFileRow: FetchableRecord {
    var file: SourceFile

    init(row: Row) {
        // The path read as its bytes (`wholeText`): whole past a NUL.
        file = SourceFile(
            path: row.wholeString(0) ?? "", format: row["format"], requests: row["requests"], rejected: row["rejected"],
            size: row["size"], consumed: row["consumed"], lastIngest: row["ingested_at"],
            unbilledBatchRequests: row["unbilled"])
    }
}

/// The columns of `events`, read by position: a listing may hold every request.
private enum EventColumn: Int, SelectedColumn {
    case id, requestID, ts, model, pricedAs, serviceTier, inferenceGeo
    case input, cacheWrite5m, cacheWrite1h, cacheRead, output, thinking, webSearch
    case stopReason, session, workflow, cost, path, line, messageID, project, customID, gitBranch
    case advisorModel, advisorCalls, advisorInput, advisorCacheWrite5m, advisorCacheWrite1h, advisorCacheRead
    case advisorOutput, advisorCost
    case compactions, compactionInput, compactionCacheWrite5m, compactionCacheWrite1h, compactionCacheRead
    case compactionOutput, compactionCost

    var expression: String {
        switch self {
        case .id: return "r.id"
        case .requestID: return wholeText("r.request_id")
        case .ts: return "r.ts"
        case .model: return wholeText("r.model")
        case .pricedAs: return "r.priced_as"
        case .serviceTier: return wholeText("r.service_tier")
        case .inferenceGeo: return wholeText("r.inference_geo")
        case .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output: return "r." + tokenColumn(from: .input)
        case .thinking: return "r.thinking_tokens"
        case .webSearch: return "r.web_search_requests"
        case .stopReason: return wholeText("r.stop_reason")
        case .session: return wholeText("r.session")
        case .workflow: return wholeText("r.workflow")
        case .cost: return "r.cost_nanos"
        case .path: return wholeText("f.path")
        case .line: return "r.line"
        case .messageID: return wholeText(StoredRequest.messageID("r"))
        case .project: return wholeText("r.project")
        case .customID: return wholeText("r.custom_id")
        case .gitBranch: return wholeText("r.git_branch")
        case .advisorModel: return wholeText("r.advisor_model")
        case .advisorCalls: return "r.advisor_calls"
        case .advisorInput, .advisorCacheWrite5m, .advisorCacheWrite1h, .advisorCacheRead, .advisorOutput:
            return "r.advisor_" + tokenColumn(from: .advisorInput)
        case .advisorCost: return "r.advisor_cost_nanos"
        case .compactions: return "r.compactions"
        case .compactionInput, .compactionCacheWrite5m, .compactionCacheWrite1h, .compactionCacheRead,
            .compactionOutput:
            return "r.compaction_" + tokenColumn(from: .compactionInput)
        case .compactionCost: return "r.compaction_cost_nanos"
        }
    }
}

/// A stored request as `usage events` lists it.
private struct EventRow: FetchableRecord {
    var event: RequestEvent

    init(row: Row) {
        typealias C = EventColumn
        let r = ColumnReader<C>(row)
        // Text read as its bytes (`wholeText`): whole past a NUL, and a leading byte order mark kept.
        let model = r.wholeString(.model) ?? ""
        func part(_ count: C, _ tokens: TokenCounts, _ cost: C, model name: String?) -> RequestEvent.IterationPart? {
            let n: Int64 = r[count]
            guard n > 0 else { return nil }
            return RequestEvent.IterationPart(
                model: name ?? model, count: n, tokens: tokens, cost: (r[cost] as Int64?).map(USD.init(nanos:)))
        }
        let line: Int64 = r[.line]
        event = RequestEvent(
            id: r[.id], requestID: r.wholeString(.requestID), messageID: r.wholeString(.messageID), timestamp: r[.ts],
            model: model, pricedAs: r[.pricedAs], serviceTier: r.wholeString(.serviceTier),
            inferenceGeo: r.wholeString(.inferenceGeo),
            tokens: r.tokens(from: .input), thinkingTokens: r[.thinking],
            webSearchRequests: r[.webSearch], stopReason: r.wholeString(.stopReason), session: r.wholeString(.session),
            workflow: r.wholeString(.workflow), project: r.wholeString(.project), customID: r.wholeString(.customID),
            gitBranch: r.wholeString(.gitBranch), cost: (r[.cost] as Int64?).map(USD.init(nanos:)),
            advisor: part(
                .advisorCalls, r.tokens(from: .advisorInput), .advisorCost, model: r.wholeString(.advisorModel)),
            compaction: part(.compactions, r.tokens(from: .compactionInput), .compactionCost, model: nil),
            source: "\(r.wholeString(.path) ?? "?"):\(line)")
    }
}
