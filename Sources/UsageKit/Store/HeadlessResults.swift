import Foundation
import GRDB
import GRDBSQLite

/// A session and a model (its normalized id, `ClaudeCodeParser.modelKey`).
struct SessionModel: Hashable {
    var session: String
    var modelKey: String
}

/// The changes one file makes to `session_models`: one more for each request stored with a session, and a move
/// when a later copy of a request stores it under another session.
///
/// This runs on the writing thread for every request stored, so the pairs are counted by their bytes in a small
/// open-addressing table (keys kept in one buffer): no string is built, and no model id normalized, until `deltas`.
struct SessionModelCounter {
    private var keyBytes: [UInt8] = []
    private var entries: [(start: Int, sessionLength: Int, modelLength: Int, count: Int64)] = []
    private var slots = [Int32](repeating: -1, count: 64)
    private var last = -1
    private var moves: [SessionModel: Int64] = [:]

    /// One more request of the session and model whose UTF-8 bytes these are.
    mutating func add(session: UnsafeBufferPointer<UInt8>, model: UnsafeBufferPointer<UInt8>) {
        if last >= 0, matches(last, session, model) {
            entries[last].count += 1
            return
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in session { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h = (h ^ 0xFF) &* 0x0000_0100_0000_01b3
        for byte in model { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 {
            let index = Int(slots[slot])
            if matches(index, session, model) {
                entries[index].count += 1
                last = index
                return
            }
            slot = (slot + 1) & mask
        }
        entries.append((keyBytes.count, session.count, model.count, 1))
        keyBytes.append(contentsOf: session)
        keyBytes.append(contentsOf: model)
        last = entries.count - 1
        slots[slot] = Int32(last)
        if entries.count * 2 > slots.count { grow() }
    }

    /// A request moved away from (`delta` −1) a session and model.
    mutating func add(_ key: SessionModel, _ delta: Int64) {
        moves[key, default: 0] += delta
    }

    /// The net change per session and model (normalized id).
    var deltas: [SessionModel: Int64] {
        var result = moves
        var keys: [String: String] = [:]
        keyBytes.withUnsafeBufferPointer { all in
            for e in entries {
                let session = String(
                    decoding: UnsafeBufferPointer(rebasing: all[e.start..<e.start + e.sessionLength]), as: UTF8.self)
                let start = e.start + e.sessionLength
                let raw = String(
                    decoding: UnsafeBufferPointer(rebasing: all[start..<start + e.modelLength]), as: UTF8.self)
                let model = keys[raw] ?? ClaudeCodeParser.modelKey(raw)
                keys[raw] = model
                result[SessionModel(session: session, modelKey: model), default: 0] += e.count
            }
        }
        return result
    }

    private func matches(_ index: Int, _ session: UnsafeBufferPointer<UInt8>, _ model: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        let e = entries[index]
        guard e.sessionLength == session.count, e.modelLength == model.count else { return false }
        return keyBytes.withUnsafeBufferPointer { all in
            (session.isEmpty || memcmp(all.baseAddress! + e.start, session.baseAddress!, session.count) == 0)
                && (model.isEmpty
                    || memcmp(all.baseAddress! + e.start + e.sessionLength, model.baseAddress!, model.count) == 0)
        }
    }

    private mutating func grow() {
        let count = slots.count * 4
        slots = [Int32](repeating: -1, count: count)
        keyBytes.withUnsafeBufferPointer { all in
            for (index, e) in entries.enumerated() {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in all[e.start..<e.start + e.sessionLength] { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
                h = (h ^ 0xFF) &* 0x0000_0100_0000_01b3
                let start = e.start + e.sessionLength
                for byte in all[start..<start + e.modelLength] { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
                var slot = Int(truncatingIfNeeded: h) & (count - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (count - 1) }
                slots[slot] = Int32(index)
            }
        }
    }
}

/// What one file does to headless Claude Code results: stores the results it states, keeps `session_models` up to
/// date, and then settles every result of the sessions the file touched.
///
/// A result's usage of one model counts (as an aggregated row in `requests`) only while no request of its session
/// and model is stored: read before the session's responses, it is counted and then taken back when they arrive;
/// read after them, it is kept aside uncounted; and it is counted again if its session ever loses them (a copy of
/// a response moved to another session). The outcome is the same whatever order files are read in, in one run or
/// many.
struct HeadlessResults {
    var sessions = SessionModelCounter()
    private var resultSessions: Set<String> = []
    /// Results this file stored for the first time.
    private var new: Set<Int64> = []

    /// Keeps a result's per-model rows; a result already kept (the same run saved twice) is a duplicate.
    mutating func store(_ run: HeadlessResult, db: Database, fileID: Int64?, counts summary: inout StoreCounts) throws {
        resultSessions.insert(run.session)
        for m in run.models {
            try db.execute(
                sql: """
                    INSERT INTO headless_results (dedupe_key, session, model, model_key, ts, ts_from_file, project,
                      input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens,
                      web_search_requests, service_tier, inference_geo, speed, logged_cost_nanos, run_cost_nanos,
                      file_id, line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(dedupe_key) DO NOTHING
                    """,
                arguments: [
                    run.key + "|" + m.model, run.session, m.model, ClaudeCodeParser.modelKey(m.model), run.timestamp,
                    run.timestampFromFile, run.project, m.tokens.input, m.tokens.cacheWrite5m, m.tokens.cacheWrite1h,
                    m.tokens.cacheRead, m.tokens.output, m.webSearchRequests, m.serviceTier, m.inferenceGeo, m.speed,
                    m.loggedCost?.nanos, run.runCost?.nanos, fileID, run.line,
                ])
            if db.changesCount > 0 {
                new.insert(db.lastInsertedRowID)
            } else {
                summary.duplicates += 1
            }
        }
    }

    /// Writes the session counts and settles the results of every session touched. Returns whether a counted row
    /// was taken back, after which the rollup is rebuilt (its hour may be left empty).
    mutating func finish(
        db: Database, pricer: inout Pricer, rollup: inout HourlyRollup, counts summary: inout StoreCounts
    ) throws -> Bool {
        var touched = resultSessions
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO session_models (session, model_key, requests) VALUES (?, ?, ?)
                ON CONFLICT(session, model_key) DO UPDATE SET requests = requests + excluded.requests
                """)
        for (key, delta) in sessions.deltas where delta != 0 {
            try upsert.execute(arguments: [key.session, key.modelKey, delta])
            touched.insert(key.session)
        }
        guard !touched.isEmpty,
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM headless_results)")) == true
        else {
            return false
        }
        var tookBack = false
        var counted: Set<Int64> = []
        for session in touched.sorted() {
            let carried = Set(
                try String.fetchAll(
                    db, sql: "SELECT model_key FROM session_models WHERE session = ? AND requests > 0",
                    arguments: [session]))
            let rows = try HeadlessResultRow.fetchAll(
                db, sql: "SELECT * FROM headless_results WHERE session = ?", arguments: [session])
            for r in rows {
                let counts = !carried.contains(r.modelKey)
                if counts, r.requestRow == nil {
                    var record = r.record
                    record.session = session
                    let price = pricer.price(record)
                    let (requestRow, inserted) = try insert(
                        record, price, key: "h:" + r.dedupeKey, fileID: r.fileID, db: db)
                    try db.execute(
                        sql: "UPDATE headless_results SET request_row = ? WHERE id = ?", arguments: [requestRow, r.id])
                    if inserted {
                        var entry = RollupEntry(record, price)
                        entry.attributes.source = SourceFormat.claudeCode.rawValue
                        rollup.add(entry)
                        summary.newRequests += 1
                        if price.cost == nil { summary.unpricedRequests += 1 }
                        if record.timestampFromFile { summary.undatedRequests += 1 }
                    }
                    counted.insert(r.id)
                } else if !counts, let row = r.requestRow {
                    if let entry = try Self.rollupEntry(of: row, db: db) {
                        rollup.add(entry, sign: -1)
                        try db.execute(sql: "DELETE FROM requests WHERE id = ?", arguments: [row])
                        tookBack = true
                    }
                    try db.execute(
                        sql: "UPDATE headless_results SET request_row = NULL WHERE id = ?", arguments: [r.id])
                }
            }
        }
        // A new result whose usage its session's responses already carry: a copy of what is counted.
        summary.duplicates += new.subtracting(counted).count
        return tookBack
    }

    /// Inserts a result's row into `requests` under `key` (a colliding hash moves to the next free one); returns
    /// its id and whether it was new.
    private func insert(_ record: UsageRecord, _ price: PriceResult, key: String, fileID: Int64?, db: Database) throws
        -> (Int64, Bool)
    {
        var hash = Array(key.utf8).withUnsafeBufferPointer { FNV1a.hash($0) }
        let t = record.tokens
        while true {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO requests (ts, priced_as, model, input_tokens, cache_write_5m_tokens,
                      cache_write_1h_tokens, cache_read_tokens, output_tokens, cost_nanos, service_tier, inference_geo,
                      speed, web_search_requests, session, project, dedupe_key, key_hash, source_format, file_id, line,
                      ts_from_file, aggregated, logged_cost_nanos)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                    """,
                arguments: [
                    record.timestamp, price.pricedAs, record.model, t.input, t.cacheWrite5m, t.cacheWrite1h,
                    t.cacheRead,
                    t.output, price.cost?.nanos, record.serviceTier, record.inferenceGeo, record.speed,
                    record.webSearchRequests, record.session, record.project, key, hash,
                    SourceFormat.claudeCode.rawValue,
                    fileID, record.line, record.timestampFromFile, record.loggedCost?.nanos,
                ])
            if db.changesCount > 0 { return (db.lastInsertedRowID, true) }
            if let stored = try Row.fetchOne(
                db, sql: "SELECT id, dedupe_key FROM requests WHERE key_hash = ?", arguments: [hash]),
                (stored["dedupe_key"] as String) == key
            {
                return (stored["id"], false)
            }
            hash &+= 1
        }
    }

    private static func rollupEntry(of row: Int64, db: Database) throws -> RollupEntry? {
        let statement = try db.cachedStatement(sql: "SELECT \(RollupEntry.columns) FROM requests WHERE id = ?")
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, row)
        defer { sqlite3_reset(s) }
        guard sqlite3_step(s) == SQLITE_ROW else { return nil }
        return RollupEntry(statement: s, offset: 0)
    }
}

/// A row of `headless_results`: one model's usage in a headless run's result.
private struct HeadlessResultRow: FetchableRecord {
    var id: Int64
    var modelKey: String
    /// The row in `requests` that counts it, while it counts.
    var requestRow: Int64?
    var dedupeKey: String
    var fileID: Int64?
    /// The usage as the aggregated request it counts as; its session is the one the rows are read for.
    var record: UsageRecord

    init(row: Row) {
        id = row["id"]
        modelKey = row["model_key"]
        requestRow = row["request_row"]
        dedupeKey = row["dedupe_key"]
        fileID = row["file_id"]
        record = UsageRecord(
            timestamp: row["ts"], timestampFromFile: row["ts_from_file"], model: row["model"],
            serviceTier: row["service_tier"], inferenceGeo: row["inference_geo"], speed: row["speed"],
            tokens: TokenCounts(
                input: row["input_tokens"], cacheWrite5m: row["cache_write_5m_tokens"],
                cacheWrite1h: row["cache_write_1h_tokens"], cacheRead: row["cache_read_tokens"],
                output: row["output_tokens"]),
            webSearchRequests: row["web_search_requests"], project: row["project"], line: row["line"])
        record.aggregated = true
        record.loggedCost = (row["logged_cost_nanos"] as Int64?).map(USD.init(nanos:))
    }
}
