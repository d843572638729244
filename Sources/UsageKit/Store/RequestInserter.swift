import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A parsed request, priced and keyed, ready to store.
struct PricedRecord: Sendable {
    var record: UsageRecord
    var price: PriceResult
    var hash: Int64
}

/// Priced requests on their way from the parsing thread to the writing thread.
///
/// Every text value is packed into one byte buffer as the parser goes, so the writer binds it to SQLite in place:
/// no allocation or copy per value on the thread that bounds the ingest's speed.
struct RecordBatch: Sendable {
    /// The text columns, in binding order.
    enum Field: Int, CaseIterable {
        case pricedAs, model, serviceTier, inferenceGeo, speed, stopReason, session, workflow, taskType, project
        case requestID, dedupeKey
    }

    var items: [PricedRecord] = []
    private(set) var text: [UInt8] = []
    /// Start and length of each item's fields in `text`; a length of -1 is NULL.
    private(set) var spans: [(start: Int32, length: Int32)] = []

    init(capacity: Int) {
        items.reserveCapacity(capacity)
        spans.reserveCapacity(capacity * Field.allCases.count)
        text.reserveCapacity(capacity * 256)
    }

    var count: Int { items.count }

    mutating func append(_ record: UsageRecord, _ price: PriceResult) {
        pack(price.pricedAs)
        pack(record.model)
        pack(record.serviceTier)
        pack(record.inferenceGeo)
        pack(record.speed)
        pack(record.stopReason)
        pack(record.session)
        pack(record.workflow)
        pack(record.taskType)
        pack(record.project)
        pack(record.requestID)
        let keyStart = text.count
        record.appendDedupeKey(to: &text)
        spans.append((Int32(keyStart), Int32(text.count - keyStart)))
        let hash = text.withUnsafeBufferPointer { RequestInserter.hash(UnsafeBufferPointer(rebasing: $0[keyStart...])) }
        items.append(PricedRecord(record: record, price: price, hash: hash))
    }

    private mutating func pack(_ value: String?) {
        guard let value else {
            spans.append((0, -1))
            return
        }
        let start = text.count
        text.append(contentsOf: value.utf8)
        spans.append((Int32(start), Int32(text.count - start)))
    }

    func span(_ item: Int, _ field: Field) -> (start: Int32, length: Int32) {
        spans[item * Field.allCases.count + field.rawValue]
    }

    /// The dedupe key of item `index`.
    func key(_ index: Int) -> String {
        let (start, length) = span(index, .dedupeKey)
        return String(decoding: text[Int(start)..<Int(start + length)], as: UTF8.self)
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
    private var formatValue: String

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
        formatValue = format
    }

    /// Inserts item `index` of `batch`, whose text buffer starts at `text`; returns false when it was already
    /// stored.
    func insert(_ batch: RecordBatch, _ index: Int, text: UnsafePointer<UInt8>) throws -> Bool {
        let item = batch.items[index]
        let r = item.record
        let price = item.price
        let s = handle
        func bind(_ position: Int32, _ field: RecordBatch.Field) {
            let (start, length) = batch.span(index, field)
            if length < 0 {
                sqlite3_bind_null(s, position)
            } else {
                // SQLITE_STATIC: the batch outlives the statement's step, so SQLite reads the bytes in place.
                sqlite3_bind_text(
                    s, position, UnsafeRawPointer(text + Int(start)).assumingMemoryBound(to: CChar.self), length, nil)
            }
        }
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, r.timestamp)
        bind(2, .pricedAs)
        bind(3, .model)
        sqlite3_bind_int64(s, 4, r.tokens.input)
        sqlite3_bind_int64(s, 5, r.tokens.cacheWrite5m)
        sqlite3_bind_int64(s, 6, r.tokens.cacheWrite1h)
        sqlite3_bind_int64(s, 7, r.tokens.cacheRead)
        sqlite3_bind_int64(s, 8, r.tokens.output)
        if let cost = price.cost { sqlite3_bind_int64(s, 9, cost.nanos) } else { sqlite3_bind_null(s, 9) }
        bind(10, .serviceTier)
        bind(11, .inferenceGeo)
        bind(12, .speed)
        bind(13, .stopReason)
        if let t = r.thinkingTokens { sqlite3_bind_int64(s, 14, t) } else { sqlite3_bind_null(s, 14) }
        sqlite3_bind_int64(s, 15, r.webSearchRequests)
        sqlite3_bind_int64(s, 16, r.webFetchRequests)
        bind(17, .session)
        bind(18, .workflow)
        bind(19, .taskType)
        bind(20, .project)
        bind(21, .requestID)
        bind(22, .dedupeKey)
        formatValue.withUTF8 { _ = sqlite3_bind_text(s, 24, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count), Self.transient) }
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
            if try storedKey(at: hash, equals: batch.span(index, .dedupeKey), in: text) { return false }
            hash &+= 1
        }
    }

    /// Whether the request stored under `hash` has the key at `span` of `text`.
    private func storedKey(at hash: Int64, equals span: (start: Int32, length: Int32), in text: UnsafePointer<UInt8>)
        throws -> Bool
    {
        let l = lookup.sqliteStatement
        sqlite3_reset(l)
        sqlite3_bind_int64(l, 1, hash)
        defer { sqlite3_reset(l) }
        let code = sqlite3_step(l)
        guard code == SQLITE_ROW else {
            if code == SQLITE_DONE { return false }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(l))))
        }
        guard let stored = sqlite3_column_text(l, 0), sqlite3_column_bytes(l, 0) == span.length else { return false }
        return memcmp(stored, text + Int(span.start), Int(span.length)) == 0
    }

    /// FNV-1a, 64 bits: stable across runs and platforms, unlike Swift's seeded `Hasher`.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: h)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
