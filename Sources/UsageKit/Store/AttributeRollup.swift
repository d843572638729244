import Foundation
import GRDB
import GRDBSQLite

/// What a stored request is grouped and selected by, besides its hour and its model as priced.
struct RollupAttributes: Hashable, Sendable {
    /// As logged.
    var model: String
    var session: String? = nil
    var workflow: String? = nil
    var project: String? = nil
    var serviceTier: String? = nil
    /// The format it is stored under.
    var source: String? = nil
    var apiKey: String? = nil
    var workspace: String? = nil
    /// What its prices depend on besides its model and tier.
    var inferenceGeo: String? = nil
    var speed: String? = nil
    var contextWindow: String? = nil

    func value(of kind: AttributeKind) -> String? {
        switch kind {
        case .session: return session
        case .workflow: return workflow
        case .project: return project
        case .serviceTier: return serviceTier
        case .source: return source
        case .apiKey: return apiKey
        case .workspace: return workspace
        }
    }
}

/// Binding and stepping a prepared statement through SQLite itself, for the rollups' merges.
enum RawStatement {
    /// Binds `text` by length, so a NUL inside it is kept.
    static func bind(_ s: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                s, index,
                UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                    .assumingMemoryBound(to: CChar.self), Int32(bytes.count), RequestInserter.transient)
        }
    }

    static func step(_ s: OpaquePointer) throws {
        let code = sqlite3_step(s)
        guard code == SQLITE_DONE else { throw failure(s, code) }
    }

    /// Steps a query: true with its next row, false at its end.
    static func nextRow(_ s: OpaquePointer) throws -> Bool {
        let code = sqlite3_step(s)
        if code == SQLITE_ROW { return true }
        guard code == SQLITE_DONE else { throw failure(s, code) }
        return false
    }

    private static func failure(_ s: OpaquePointer, _ code: Int32) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(s)))
        sqlite3_reset(s)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}

/// Texts by number, so that the rollups' keys hash numbers: a request's texts are hashed once, not once per row
/// they count in.
struct TextNumbers {
    private var numbers: [String: Int32] = [:]
    private var texts: [String] = []

    /// The number of `text`; -1 for none.
    mutating func number(_ text: String?) -> Int32 {
        guard let text else { return -1 }
        if let known = numbers[text] { return known }
        let n = Int32(texts.count)
        numbers[text] = n
        texts.append(text)
        return n
    }

    func text(_ number: Int32) -> String? { number < 0 ? nil : texts[Int(number)] }
}

/// An attribute `usage_attributes` keeps sums by: each request counts once under each.
enum AttributeKind: String, CaseIterable {
    case session, workflow, project
    case serviceTier = "service_tier"
    case source
    case apiKey = "api_key"
    case workspace

    /// The `requests` column that holds it.
    var column: String {
        switch self {
        case .session, .workflow, .project: return rawValue
        case .serviceTier: return "service_tier"
        case .source: return "source_format"
        case .apiKey: return "api_key_id"
        case .workspace: return "workspace_id"
        }
    }
}

/// Per-attribute, per-hour, per-model sums of the stored requests: what reports grouped by a workflow, session,
/// project, service tier or source, and budgets scoped to one of those (or to an API key or workspace), read
/// instead of the requests.
///
/// It is kept with the hourly rollup, by the same calls: an ingest adds each new request (and takes back the
/// previous figures of one it upgrades) and merges the sums in the requests' transaction; `rebuild` recomputes the
/// table from `requests`. The model is kept as priced and as logged, so a model selection reads as on requests.
struct AttributeRollup {
    /// A row of `usage_attributes`, its texts by their numbers in `texts`.
    private struct Key: Hashable {
        var kind: Int8
        var value: Int32
        var hour: Int64
        var modelKey: Int32
        var model: Int32
    }

    private var texts = TextNumbers()
    private var sums: [Key: RequestSums] = [:]
    /// Keys some request was taken back from: their rows may be left empty, and go.
    private var takenBack: Set<Key> = []

    /// How many rows the sums hold.
    var count: Int { sums.count }

    /// Adds the sums of a group's requests to the row of each attribute kind.
    mutating func add(_ s: RequestSums, of group: RollupGroup, takenBack: Bool) {
        let modelKey = texts.number(group.modelKey)
        let model = texts.number(group.attributes.model)
        for (i, kind) in AttributeKind.allCases.enumerated() {
            let key = Key(
                kind: Int8(i), value: texts.number(group.attributes.value(of: kind)), hour: group.hour,
                modelKey: modelKey, model: model)
            sums[key, default: RequestSums()].add(s)
            if takenBack { self.takenBack.insert(key) }
        }
    }

    /// Adds these sums to the stored rollup, and starts again from none.
    mutating func merge(into db: Database) throws {
        guard !sums.isEmpty else { return }
        let figures = RequestSums.Column.allCases
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO usage_attributes (\(Self.tableColumns.joined(separator: ", ")))
                VALUES (?, ?, CAST(? AS TEXT), ?, CAST(? AS TEXT), CAST(? AS TEXT)\
                \(String(repeating: ", ?", count: figures.count)))
                ON CONFLICT(attribute, present, value, hour, model_key, model) DO UPDATE SET
                  \(figures.map(\.merge).joined(separator: ",\n  "))
                """)
        // Bound straight to SQLite: a file's sums come to hundreds of thousands of rows.
        let u = upsert.sqliteStatement
        for (key, s) in sums {
            sqlite3_reset(u)
            bind(key, to: u)
            for (i, figure) in figures.enumerated() { sqlite3_bind_int64(u, Int32(7 + i), s.value(of: figure)) }
            try RawStatement.step(u)
        }
        let delete = try db.cachedStatement(
            sql: """
                DELETE FROM usage_attributes
                WHERE attribute = ? AND present = ? AND value = CAST(? AS TEXT) AND hour = ?
                  AND model_key = CAST(? AS TEXT) AND model = CAST(? AS TEXT) AND requests = 0 AND aggregated_rows = 0
                """)
        let d = delete.sqliteStatement
        for key in takenBack {
            sqlite3_reset(d)
            bind(key, to: d)
            try RawStatement.step(d)
        }
        sums = [:]
        takenBack = []
        texts = TextNumbers()
    }

    /// Binds the key's six columns, in the order of the table's, to parameters 1 to 6 of `s`.
    private func bind(_ key: Key, to s: OpaquePointer) {
        let value = texts.text(key.value)
        RawStatement.bind(s, 1, AttributeKind.allCases[Int(key.kind)].rawValue)
        sqlite3_bind_int64(s, 2, value == nil ? 0 : 1)
        RawStatement.bind(s, 3, value ?? "")
        sqlite3_bind_int64(s, 4, key.hour)
        RawStatement.bind(s, 5, texts.text(key.modelKey) ?? "")
        RawStatement.bind(s, 6, texts.text(key.model) ?? "")
    }

    /// Every column of `usage_attributes`, in the order `merge` and `rebuild` fill them.
    static let tableColumns =
        ["attribute", "present", "value", "hour", "model_key", "model"] + RequestSums.Column.allCases.map(\.tableColumn)

    /// Recomputes the whole table from the stored requests.
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM usage_attributes")
        for kind in AttributeKind.allCases {
            try db.execute(
                sql: """
                    INSERT INTO usage_attributes (\(tableColumns.joined(separator: ", ")))
                    SELECT '\(kind.rawValue)', \(kind.column) IS NOT NULL, COALESCE(\(kind.column), ''),
                      \(HourlyRollup.hourOfRequest), COALESCE(priced_as, model), model, \(RequestSums.Column.selection)
                    FROM requests GROUP BY 2, 3, 4, 5, 6
                    """)
        }
    }
}
