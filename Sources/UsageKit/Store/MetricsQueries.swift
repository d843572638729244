import Foundation
import GRDB
import GRDBSQLite

/// A label set of the metrics' totals: the model as priced (else as logged), workflow, project and service tier,
/// each as the number of its text in `LabelTexts`.
struct LabelSet: Hashable {
    var model: Int32
    var workflow: Int32
    var project: Int32
    var serviceTier: Int32
}

/// The running totals of one label set.
struct LabelledTotals {
    var requests: Int64 = 0
    var rows: Int64 = 0
    var tokens = TokenCounts()
    var costNanos: Int64 = 0
}

/// The metrics' running totals by label set, and up to which stored row they count.
struct LabelledTotalsTable {
    var totals: [LabelSet: LabelledTotals] = [:]
    var texts = LabelTexts()
    /// The last row counted.
    var lastID: Int64 = 0
}

/// Texts by number, told by their bytes' hash and checked against the bytes, so that a million rows hash four
/// numbers each and make each text once.
struct LabelTexts {
    private var numbers: [Int64: Int32] = [:]
    private(set) var texts: [String?] = [nil]

    /// The number of a text given as its bytes; 0 for none.
    mutating func number(_ bytes: UnsafeBufferPointer<UInt8>?) -> Int32 {
        guard let bytes else { return 0 }
        var hash = FNV1a.hash(bytes)
        while let known = numbers[hash] {
            let same = texts[Int(known)]!.utf8.elementsEqual(bytes)
            if same { return known }
            hash &+= 1  // another text with the same hash: the next slot
        }
        let n = Int32(texts.count)
        numbers[hash] = n
        texts.append(String(decoding: bytes, as: UTF8.self))
        return n
    }
}

extension SQLiteStorage {
    /// Adds the requests stored after `table.lastID` to the table, stepped through SQLite itself (a million GRDB
    /// rows, or a GROUP BY of four texts, cost seconds and hundreds of megabytes).
    func addLabelledTotals(to table: inout LabelledTotalsTable) throws {
        let statement = try db.makeStatement(
            sql: """
                SELECT id, CAST(COALESCE(priced_as, model) AS BLOB), CAST(workflow AS BLOB), CAST(project AS BLOB),
                  CAST(service_tier AS BLOB), aggregated, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                  cache_read_tokens, output_tokens, COALESCE(cost_nanos, 0)
                FROM requests WHERE id > ? ORDER BY id
                """)
        let s = statement.sqliteStatement
        sqlite3_bind_int64(s, 1, table.lastID)
        func text(_ i: Int32) -> UnsafeBufferPointer<UInt8>? {
            guard sqlite3_column_type(s, i) != SQLITE_NULL else { return nil }
            let count = Int(sqlite3_column_bytes(s, i))
            let start = sqlite3_column_blob(s, i).map { $0.assumingMemoryBound(to: UInt8.self) }
            return UnsafeBufferPointer(start: count > 0 ? start : nil, count: count)
        }
        while try RawStatement.nextRow(s) {
            func int(_ i: Int32) -> Int64 { sqlite3_column_int64(s, i) }
            table.lastID = int(0)
            let key = LabelSet(
                model: table.texts.number(text(1)), workflow: table.texts.number(text(2)),
                project: table.texts.number(text(3)), serviceTier: table.texts.number(text(4)))
            table.totals[key, default: LabelledTotals()].add(
                aggregated: int(5) != 0,
                tokens: TokenCounts(
                    input: int(6), cacheWrite5m: int(7), cacheWrite1h: int(8), cacheRead: int(9), output: int(10)),
                costNanos: int(11))
        }
    }

    /// Every stored row and their cost, from the hourly rollup: whether rows counted before have changed since.
    func storedTotals() throws -> (rows: Int64, costNanos: Int64) {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(requests + aggregated_rows), 0), COALESCE(SUM(cost_nanos), 0) FROM usage_hourly
                """)
        return (row?[0] ?? 0, row?[1] ?? 0)
    }
}

extension LabelledTotals {
    mutating func add(aggregated: Bool, tokens: TokenCounts, costNanos: Int64) {
        if !aggregated { requests += 1 }
        rows += 1
        self.tokens += tokens
        self.costNanos += costNanos
    }
}
