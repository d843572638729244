import Foundation
import GRDB
import GRDBSQLite

/// Per-session (and per-workflow and per-project), per-day sums of the stored requests' tokens and costs, split by
/// everything a request's prices depend on (its models, tier, residency, speed, context window, whether it is an
/// aggregated row, whether it is priced, and how its prompt compares with the long-context thresholds): the cache
/// figures of a group are linear in its tokens at one set of prices, so `usage sessions` prices these rows instead
/// of every request.
///
/// Kept with the hourly rollup, by the same calls, and recomputed by `rebuild`.
struct CacheRollup {
    /// The long-context thresholds a prompt is compared with; a price table with others is answered from the
    /// requests.
    static let promptThresholds: [Int64] = [100_000, 200_000]

    /// The attributes the table keeps sums by.
    static let kinds: [AttributeKind] = [.session, .workflow, .project]

    /// A row of `cache_daily`, its texts by their numbers in `texts`.
    private struct Key: Hashable {
        var kind: Int8
        var value: Int32
        var modelKey: Int32
        var model: Int32
        var serviceTier: Int32
        var inferenceGeo: Int32
        var speed: Int32
        var contextWindow: Int32
        var day: Int64
        var aggregated: Bool
        var priced: Bool
        var promptClass: Int8
    }

    /// A row's figures.
    struct Sums: Equatable {
        var rows: Int64 = 0
        var rowsWithHits: Int64 = 0
        var tokens = TokenCounts()
        var cost: Int64 = 0
        var first = Int64.max
    }

    private var texts = TextNumbers()
    private var sums: [Key: Sums] = [:]
    private var takenBack: Set<Key> = []

    /// How many rows the sums hold.
    var count: Int { sums.count }

    /// Adds the sums of a group's requests to the row of each attribute kind.
    mutating func add(_ r: RequestSums, of group: RollupGroup, takenBack: Bool) {
        let a = group.attributes
        var key = Key(
            kind: 0, value: -1, modelKey: texts.number(group.modelKey), model: texts.number(a.model),
            serviceTier: texts.number(a.serviceTier), inferenceGeo: texts.number(a.inferenceGeo),
            speed: texts.number(a.speed), contextWindow: texts.number(a.contextWindow),
            day: HourlyRollup.floorDiv(group.hour, 24), aggregated: group.aggregated, priced: group.priced,
            promptClass: group.promptClass)
        let rows = r.requests + r.aggregatedRows
        for (i, kind) in Self.kinds.enumerated() {
            key.kind = Int8(i)
            key.value = texts.number(a.value(of: kind))
            var s = sums[key] ?? Sums()
            s.rows += rows
            if group.hasHits { s.rowsWithHits += rows }
            s.tokens += r.tokens
            s.cost += r.cost.nanos
            s.first = min(s.first, r.first)
            sums[key] = s
            if takenBack { self.takenBack.insert(key) }
        }
    }

    /// Adds these sums to the stored table, and starts again from none.
    mutating func merge(into db: Database) throws {
        guard !sums.isEmpty else { return }
        let keyNames = Self.keyNames.joined(separator: ", ")
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO cache_daily (\(Self.tableColumns.joined(separator: ", ")))
                VALUES (CAST(? AS TEXT), ?\(String(repeating: ", CAST(? AS TEXT)", count: 7))\
                \(String(repeating: ", ?", count: 13)))
                ON CONFLICT(\(keyNames)) DO UPDATE SET
                  rows = rows + excluded.rows, rows_with_hits = rows_with_hits + excluded.rows_with_hits,
                  input_tokens = input_tokens + excluded.input_tokens,
                  cache_write_5m_tokens = cache_write_5m_tokens + excluded.cache_write_5m_tokens,
                  cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
                  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
                  output_tokens = output_tokens + excluded.output_tokens,
                  cost_nanos = cost_nanos + excluded.cost_nanos, first_ts = MIN(first_ts, excluded.first_ts)
                """)
        // Bound straight to SQLite: a file's sums come to many thousands of rows.
        let u = upsert.sqliteStatement
        for (key, s) in sums {
            sqlite3_reset(u)
            bind(key, to: u)
            let t = s.tokens
            for (i, figure) in [
                s.rows, s.rowsWithHits, t.input, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, t.output, s.cost, s.first,
            ].enumerated() {
                sqlite3_bind_int64(u, Int32(14 + i), figure)
            }
            try RawStatement.step(u)
        }
        let delete = try db.cachedStatement(
            sql: """
                DELETE FROM cache_daily WHERE attribute = CAST(? AS TEXT) AND present = ? AND value = CAST(? AS TEXT)
                  AND model_key = CAST(? AS TEXT) AND model = CAST(? AS TEXT) AND service_tier = CAST(? AS TEXT)
                  AND inference_geo = CAST(? AS TEXT) AND speed = CAST(? AS TEXT)
                  AND context_window = CAST(? AS TEXT) AND day = ? AND aggregated = ? AND priced = ?
                  AND prompt_class = ? AND rows = 0
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

    /// Binds the key's 13 columns, in the table's order, to parameters 1 to 13 of `s`: texts by length (a NUL
    /// inside is kept), '' where absent, with a bit of `present` for each that is there (`Presence`).
    private func bind(_ key: Key, to s: OpaquePointer) {
        let optional = [key.value, key.serviceTier, key.inferenceGeo, key.speed, key.contextWindow].map(texts.text)
        var present: Int64 = 0
        for (i, text) in optional.enumerated() where text != nil { present |= 1 << i }
        RawStatement.bind(s, 1, Self.kinds[Int(key.kind)].rawValue)
        sqlite3_bind_int64(s, 2, present)
        RawStatement.bind(s, 3, optional[0] ?? "")
        RawStatement.bind(s, 4, texts.text(key.modelKey) ?? "")
        RawStatement.bind(s, 5, texts.text(key.model) ?? "")
        for i in 1...4 { RawStatement.bind(s, Int32(5 + i), optional[i] ?? "") }
        sqlite3_bind_int64(s, 10, key.day)
        sqlite3_bind_int64(s, 11, key.aggregated ? 1 : 0)
        sqlite3_bind_int64(s, 12, key.priced ? 1 : 0)
        sqlite3_bind_int64(s, 13, Int64(key.promptClass))
    }

    /// Bits of `present`: which of the optional texts a row has (the others are '').
    enum Presence {
        static let value = 1
        static let serviceTier = 2
        static let inferenceGeo = 4
        static let speed = 8
        static let contextWindow = 16
    }

    static let keyNames = [
        "attribute", "present", "value", "model_key", "model", "service_tier", "inference_geo", "speed",
        "context_window", "day", "aggregated", "priced", "prompt_class",
    ]

    static let tableColumns =
        keyNames + [
            "rows", "rows_with_hits", "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
            "cache_read_tokens", "output_tokens", "cost_nanos", "first_ts",
        ]

    /// Recomputes the whole table from the stored requests.
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM cache_daily")
        let prompt = "input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens"
        let promptClass = promptThresholds.map { "(\(prompt) > \($0))" }.joined(separator: " + ")
        for kind in kinds {
            let optional = [kind.column, "service_tier", "inference_geo", "speed", "context_window"]
            let presence = optional.enumerated().map { "(\($1) IS NOT NULL) * \(1 << $0)" }.joined(separator: " + ")
            let texts = optional.map { "COALESCE(\($0), '')" }
            try db.execute(
                sql: """
                    INSERT INTO cache_daily (\(tableColumns.joined(separator: ", ")))
                    SELECT '\(kind.rawValue)', \(presence), \(texts[0]), COALESCE(priced_as, model), model,
                      \(texts[1...].joined(separator: ", ")),
                      ts / 86400000 - (ts < 0 AND ts % 86400000 != 0), aggregated, cost_nanos IS NOT NULL,
                      \(promptClass), COUNT(*), COUNT(CASE WHEN cache_read_tokens > 0 THEN 1 END),
                      SUM(input_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens),
                      SUM(cache_read_tokens), SUM(output_tokens), COALESCE(SUM(cost_nanos), 0), MIN(ts)
                    FROM requests GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
                    """)
        }
    }
}
