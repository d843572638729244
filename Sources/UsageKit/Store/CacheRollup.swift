import Foundation
import GRDB

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

    private struct Key: Hashable {
        var day: Int64
        var modelKey: String
        var attributes: RollupAttributes
        var aggregated: Bool
        var priced: Bool
        var promptClass: Int
    }

    /// A row's figures.
    struct Sums: Equatable {
        var rows: Int64 = 0
        var rowsWithHits: Int64 = 0
        var tokens = TokenCounts()
        var cost: Int64 = 0
        var first = Int64.max

        mutating func add(_ o: Sums) {
            rows += o.rows
            rowsWithHits += o.rowsWithHits
            tokens += o.tokens
            cost += o.cost
            first = min(first, o.first)
        }
    }

    private var sums: [Key: Sums] = [:]
    private var takenBack: Set<Key> = []

    /// Adds (`sign` 1) or takes back (`sign` -1) one request.
    mutating func add(_ e: RollupEntry, sign: Int64) {
        let key = Key(
            day: HourlyRollup.floorDiv(e.timestamp, 86_400_000), modelKey: e.modelKey, attributes: e.attributes,
            aggregated: e.aggregated, priced: e.cost != nil,
            promptClass: Self.promptThresholds.filter { e.tokens.prompt > $0 }.count)
        var s = sums[key] ?? Sums()
        s.rows += sign
        if e.tokens.cacheRead > 0 { s.rowsWithHits += sign }
        s.tokens += e.tokens * sign
        s.cost += sign * (e.cost ?? 0)
        s.first = min(s.first, e.timestamp)
        sums[key] = s
        if sign < 0 { takenBack.insert(key) }
    }

    /// A row of `cache_daily`: its texts (`keyColumns`), then the rest of its key.
    private struct RowKey: Hashable {
        var texts: [Data?]
        var day: Int64
        var aggregated: Bool
        var priced: Bool
        var promptClass: Int

        /// The key's columns in the table's order.
        var arguments: [any DatabaseValueConvertible] {
            var values: [any DatabaseValueConvertible] = [texts[0]!, CacheRollup.presence(texts)]
            values += texts[1...].map { $0 ?? Data() }
            values += [day, aggregated ? 1 : 0, priced ? 1 : 0, promptClass]
            return values
        }
    }

    /// Adds these sums to the stored table.
    func merge(into db: Database) throws {
        guard !sums.isEmpty else { return }
        var rows: [RowKey: Sums] = [:]
        var emptied: Set<RowKey> = []
        for (key, s) in sums {
            for kind in Self.kinds {
                let row = RowKey(
                    texts: Self.keyColumns(kind, key), day: key.day, aggregated: key.aggregated, priced: key.priced,
                    promptClass: key.promptClass)
                rows[row, default: Sums()].add(s)
                if takenBack.contains(key) { emptied.insert(row) }
            }
        }
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
        for (row, s) in rows {
            let t = s.tokens
            let figures: [any DatabaseValueConvertible] = [
                s.rows, s.rowsWithHits, t.input, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, t.output, s.cost, s.first,
            ]
            try upsert.execute(arguments: StatementArguments(row.arguments + figures))
        }
        guard !emptied.isEmpty else { return }
        let delete = try db.cachedStatement(
            sql: """
                DELETE FROM cache_daily WHERE attribute = CAST(? AS TEXT) AND present = ? AND value = CAST(? AS TEXT)
                  AND model_key = CAST(? AS TEXT) AND model = CAST(? AS TEXT) AND service_tier = CAST(? AS TEXT)
                  AND inference_geo = CAST(? AS TEXT) AND speed = CAST(? AS TEXT)
                  AND context_window = CAST(? AS TEXT) AND day = ? AND aggregated = ? AND priced = ?
                  AND prompt_class = ? AND rows = 0
                """)
        for row in emptied { try delete.execute(arguments: StatementArguments(row.arguments)) }
    }

    /// The text columns of a row's key: the attribute's name, then its value, the models, tier, residency, speed
    /// and context window, as bytes (nil where absent). GRDB binds a String as a C string, which a NUL would cut.
    private static func keyColumns(_ kind: AttributeKind, _ key: Key) -> [Data?] {
        let a = key.attributes
        return [
            Data(kind.rawValue.utf8), a.value(of: kind).map { Data($0.utf8) }, Data(key.modelKey.utf8),
            Data(a.model.utf8), a.serviceTier.map { Data($0.utf8) }, a.inferenceGeo.map { Data($0.utf8) },
            a.speed.map { Data($0.utf8) }, a.contextWindow.map { Data($0.utf8) },
        ]
    }

    /// Which optional texts a key has, one bit each from the attribute's value on (`Presence`).
    fileprivate static func presence(_ row: [Data?]) -> Int {
        var bits = 0
        for (i, optional) in [1, 4, 5, 6, 7].enumerated() where row[optional] != nil { bits |= 1 << i }
        return bits
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
