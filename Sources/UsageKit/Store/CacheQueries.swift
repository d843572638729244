import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStorage {
    func cacheRequests(_ filter: RequestFilter, _ body: (CacheRequestRow) throws -> Void) throws {
        // In time order through the index on it: the rows come one by one, and nothing is sorted or held.
        let statement = try db.makeStatement(
            literal: "SELECT \(sql: CacheColumn.selection) FROM requests WHERE \(filter.sql) ORDER BY ts, id")
        let s = statement.sqliteStatement
        var texts = InternedTexts()
        while try RawStatement.nextRow(s) {
            try body(CacheRequestRow(statement: s, texts: &texts))
        }
    }
}

extension SQLiteStorage {
    func cacheSums(_ filter: RequestFilter, by attribute: RequestAttribute) throws -> [CacheSumsRow]? {
        let day: Int64 = 86_400_000
        guard !filter.selectsByAttribute, let kind = attribute.kind, CacheRollup.kinds.contains(kind),
            filter.since.map({ $0 % day == 0 }) ?? true, filter.until.map({ $0 % day == 0 }) ?? true
        else { return nil }
        var condition: SQL = "attribute = \(kind.rawValue)"
        if let since = filter.since { condition.append(literal: " AND day >= \(since / day)") }
        if let until = filter.until { condition.append(literal: " AND day < \(until / day)") }
        let p = CacheRollup.Presence.self
        // The tier, residency, speed and context window as the scan of the requests reads them (GRDB's text).
        let statement = try db.makeStatement(
            literal: """
                SELECT CASE WHEN present & \(p.value) THEN \(sql: wholeText("value")) END,
                  \(sql: wholeText("model_key")), \(sql: wholeText("model")),
                  CASE WHEN present & \(p.serviceTier) THEN service_tier END,
                  CASE WHEN present & \(p.inferenceGeo) THEN inference_geo END,
                  CASE WHEN present & \(p.speed) THEN speed END,
                  CASE WHEN present & \(p.contextWindow) THEN context_window END,
                  day, aggregated, priced, prompt_class, rows, rows_with_hits, input_tokens, cache_write_5m_tokens,
                  cache_write_1h_tokens, cache_read_tokens, output_tokens, cost_nanos, first_ts
                FROM cache_daily WHERE \(condition)
                """)
        // Stepped through SQLite itself, texts made once each: decoding tens of thousands of GRDB rows took half
        // of `usage sessions`.
        let s = statement.sqliteStatement
        var texts = InternedTexts()
        var rows: [CacheSumsRow] = []
        while try RawStatement.nextRow(s) {
            func int(_ i: Int32) -> Int64 { sqlite3_column_int64(s, i) }
            let promptClass = Int(int(10))
            var record = UsageRecord(
                timestamp: int(7) * day, model: texts.text(s, 2) ?? "", serviceTier: texts.text(s, 3, whole: false),
                inferenceGeo: texts.text(s, 4, whole: false), speed: texts.text(s, 5, whole: false),
                tokens: TokenCounts(
                    input: int(13), cacheWrite5m: int(14), cacheWrite1h: int(15), cacheRead: int(16), output: int(17)))
            record.contextWindow = texts.text(s, 6, whole: false)
            record.aggregated = int(8) != 0
            rows.append(
                CacheSumsRow(
                    value: texts.text(s, 0), modelKey: texts.text(s, 1) ?? "", record: record,
                    prompt: promptClass == 0 ? 0 : CacheRollup.promptThresholds[promptClass - 1] + 1,
                    priced: int(9) != 0, rows: int(11), rowsWithHits: int(12), cost: int(18), first: int(19)))
        }
        return rows
    }
}

/// The text values of a scan, made once each: its requests share few models, sessions and workflows, and a
/// string made per row costs more than the rest of the row.
private struct InternedTexts {
    private var strings: [Int64: String] = [:]

    /// The text of column `i`: selected with `wholeText`, read by length (whole past a NUL); else up to a NUL, as
    /// GRDB reads text.
    mutating func text(_ s: OpaquePointer, _ i: Int32, whole: Bool = true) -> String? {
        guard sqlite3_column_type(s, i) != SQLITE_NULL else { return nil }
        let start: UnsafePointer<UInt8>
        let count: Int
        if whole {
            count = Int(sqlite3_column_bytes(s, i))
            guard count > 0, let blob = sqlite3_column_blob(s, i) else { return "" }
            start = blob.assumingMemoryBound(to: UInt8.self)
        } else {
            guard let text = sqlite3_column_text(s, i) else { return "" }
            start = text
            count = strlen(UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self))
        }
        let bytes = UnsafeBufferPointer(start: start, count: count)
        let hash = FNV1a.hash(bytes) ^ Int64(i)
        if var known = strings[hash] {
            let same = known.withUTF8 { $0.count == count && memcmp($0.baseAddress!, start, count) == 0 }
            if same { return known }
        }
        let string = String(decoding: bytes, as: UTF8.self)
        // Bounded: a period of many sessions keeps the latest ones.
        if strings.count >= 4096 { strings.removeAll(keepingCapacity: true) }
        strings[hash] = string
        return string
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
    fileprivate init(statement s: OpaquePointer, texts: inout InternedTexts) {
        func int(_ column: CacheColumn) -> Int64 { sqlite3_column_int64(s, Int32(column.rawValue)) }
        func text(_ column: CacheColumn) -> String? { texts.text(s, Int32(column.rawValue)) }
        func optionalInt(_ column: CacheColumn) -> Int64? {
            sqlite3_column_type(s, Int32(column.rawValue)) == SQLITE_NULL ? nil : int(column)
        }
        /// Read as GRDB reads a String, as these always were.
        func cText(_ column: CacheColumn) -> String? { texts.text(s, Int32(column.rawValue), whole: false) }
        record = UsageRecord(
            timestamp: int(.ts), model: text(.model) ?? "", serviceTier: cText(.serviceTier),
            inferenceGeo: cText(.inferenceGeo), speed: cText(.speed),
            tokens: TokenCounts(
                input: int(.input), cacheWrite5m: int(.cacheWrite5m), cacheWrite1h: int(.cacheWrite1h),
                cacheRead: int(.cacheRead), output: int(.output)),
            webSearchRequests: int(.webSearch), session: text(.session), workflow: text(.workflow),
            project: text(.project))
        record.contextWindow = cText(.contextWindow)
        record.aggregated = int(.aggregated) != 0
        modelKey = text(.modelKey) ?? ""
        cost = optionalInt(.cost)
    }
}
