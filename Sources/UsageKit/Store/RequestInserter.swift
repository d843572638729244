import GRDB
import GRDBSQLite

/// A parsed request, priced and keyed, ready to store.
struct PricedRecord: Sendable {
    var record: UsageRecord
    var price: PriceResult
    var key: String
    var hash: Int64

    init(_ record: UsageRecord, _ price: PriceResult) {
        self.record = record
        self.price = price
        key = record.dedupeKey
        hash = RequestInserter.hash(key)
    }
}

/// Inserts priced requests through one prepared statement, binding values straight to SQLite: the ingest's hot
/// path. Duplicates (same dedupe key) are ignored and reported as such.
///
/// Requests are unique on a 64-bit hash of their dedupe key, a much smaller and faster index than the key text.
/// When a hash is taken by a different key (a collision), the next free hash is used, so no request is ever lost
/// and a duplicate is only declared when the stored key text is equal.
final class RequestInserter {
    private let db: Database
    private let statement: Statement
    private let handle: OpaquePointer
    private let lookup: Statement
    private let fileID: Int64
    private let format: String

    static let sql = """
        INSERT OR IGNORE INTO requests (ts, priced_as, model, input_tokens, cache_write_5m_tokens,
          cache_write_1h_tokens, cache_read_tokens, output_tokens, cost_nanos, service_tier, inference_geo, speed,
          stop_reason, thinking_tokens, web_search_requests, web_fetch_requests, session, workflow, task_type, project,
          request_id, dedupe_key, key_hash, source_format, file_id, line, ts_from_file)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        """

    init(db: Database, fileID: Int64, format: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: Self.sql)
        handle = statement.sqliteStatement
        lookup = try db.cachedStatement(sql: "SELECT dedupe_key FROM requests WHERE key_hash = ?")
        self.fileID = fileID
        self.format = format
    }

    /// Inserts one request; returns false when it was already stored.
    func insert(_ item: PricedRecord) throws -> Bool {
        let r = item.record
        let price = item.price
        let s = handle
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, r.timestamp)
        bind(2, price.pricedAs)
        bind(3, r.model)
        sqlite3_bind_int64(s, 4, r.tokens.input)
        sqlite3_bind_int64(s, 5, r.tokens.cacheWrite5m)
        sqlite3_bind_int64(s, 6, r.tokens.cacheWrite1h)
        sqlite3_bind_int64(s, 7, r.tokens.cacheRead)
        sqlite3_bind_int64(s, 8, r.tokens.output)
        if let cost = price.cost { sqlite3_bind_int64(s, 9, cost.nanos) } else { sqlite3_bind_null(s, 9) }
        bind(10, r.serviceTier)
        bind(11, r.inferenceGeo)
        bind(12, r.speed)
        bind(13, r.stopReason)
        if let t = r.thinkingTokens { sqlite3_bind_int64(s, 14, t) } else { sqlite3_bind_null(s, 14) }
        sqlite3_bind_int64(s, 15, r.webSearchRequests)
        sqlite3_bind_int64(s, 16, r.webFetchRequests)
        bind(17, r.session)
        bind(18, r.workflow)
        bind(19, r.taskType)
        bind(20, r.project)
        bind(21, r.requestID)
        let key = item.key
        bind(22, key)
        bind(24, format)
        sqlite3_bind_int64(s, 25, fileID)
        sqlite3_bind_int64(s, 26, Int64(r.line))
        sqlite3_bind_int64(s, 27, r.timestampFromFile ? 1 : 0)
        var hash = item.hash
        while true {
            sqlite3_bind_int64(s, 23, hash)
            let code = sqlite3_step(s)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(s)))
                sqlite3_reset(s)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
            }
            if sqlite3_changes(sqlite3_db_handle(s)) > 0 { return true }
            sqlite3_reset(s)
            let stored = try String.fetchOne(lookup, arguments: [hash])
            if stored == key { return false }
            hash &+= 1
        }
    }

    /// FNV-1a, 64 bits: stable across runs and platforms, unlike Swift's seeded `Hasher`.
    static func hash(_ key: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: h)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bytes in
            guard bytes.count > 0 else {
                _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                return
            }
            _ = sqlite3_bind_text(
                handle, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(bytes.count), Self.transient)
        }
    }
}
