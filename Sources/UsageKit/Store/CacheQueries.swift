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
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            try body(CacheRequestRow(statement: s, texts: &texts))
        }
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
        if let known = strings[hash], known.utf8.elementsEqual(bytes) { return known }
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
