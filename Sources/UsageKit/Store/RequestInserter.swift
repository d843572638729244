import Foundation
import GRDB
import GRDBSQLite

/// A parsed request, priced and keyed, ready to store: its numbers and its rollup contribution. Its text lives in
/// the batch's buffer, so the writing thread copies and counts no string references.
struct PricedRecord: Sendable {
    /// Its figures; its texts are its group's (`RecordBatch.entry(_:)` has both).
    var entry: RollupEntry
    /// Its rollup group, in `RecordBatch.groups`.
    var group: Int32
    var timestampFromFile: Bool
    var thinkingTokens: Int64?
    var webFetchRequests: Int64
    var line: Int
    var hash: Int64
    var sidechain: Bool
    /// The record's own format where its file mixes shapes; nil: the batch's.
    var format: SourceFormat?
    /// Advisor and compaction tokens and costs, for the few responses with `usage.iterations` (out of line).
    var iterations: Boxed<IterationRow>?

    var tokens: TokenCounts { entry.tokens }
}

/// Priced requests on their way from the parsing thread to the writing thread.
///
/// Every text value is packed into one byte buffer as the parser goes, so the writer binds it to SQLite in place:
/// no allocation or copy per value on the thread that bounds the ingest's speed.
struct RecordBatch: Sendable {
    /// The text columns, in binding order.
    enum Field: Int, CaseIterable {
        case pricedAs, model, serviceTier, inferenceGeo, speed, stopReason, session, workflow, taskType, project
        case requestID, customID, gitBranch, workspaceID, apiKeyID, contextWindow, advisorModel
        /// Last: it is written straight into the buffer.
        case dedupeKey
    }

    var items: [PricedRecord] = []
    private(set) var text: [UInt8] = []
    /// The format of the file the requests come from (a request may name its own).
    var format: SourceFormat
    /// Start and length of each item's fields in `text`; a length of -1 is NULL.
    private(set) var spans: [(start: Int32, length: Int32)] = []
    /// The rollup groups of the items, each once: the parsing thread sorts the items into them, so the writer sums
    /// figures by index and hashes no text per request.
    private(set) var groups: [RollupGroup] = []
    private var groupNumbers: [RollupGroup: Int32] = [:]

    init(capacity: Int, format: SourceFormat) {
        self.format = format
        items.reserveCapacity(capacity)
        spans.reserveCapacity(capacity * Field.allCases.count)
        text.reserveCapacity(capacity * 256)
        // Sized once: growing would hash every group again.
        groupNumbers.reserveCapacity(capacity)
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
        pack(record.customID)
        pack(record.gitBranch)
        pack(record.workspaceID)
        pack(record.apiKeyID)
        pack(record.contextWindow)
        pack(record.hasIterations ? record.iterations?.advisorModel : nil)
        let keyStart = text.count
        record.appendDedupeKey(to: &text)
        spans.append((Int32(keyStart), Int32(text.count - keyStart)))
        let hash = text.withUnsafeBufferPointer { FNV1a.hash(UnsafeBufferPointer(rebasing: $0[keyStart...])) }
        var entry = RollupEntry(record, price)
        let group = RollupGroup(entry, format: record.format)
        let number: Int32
        // Requests in a row are mostly of one group (a transcript's turns): comparing with the last is cheaper
        // than hashing a dozen texts.
        if let last = items.last?.group, groups[Int(last)] == group {
            number = last
        } else if let known = groupNumbers[group] {
            number = known
        } else {
            number = Int32(groups.count)
            groups.append(group)
            groupNumbers[group] = number
        }
        // The texts are kept once, in the group: freed on the writing thread, one per item would cost it.
        entry.modelKey = ""
        entry.attributes = RollupAttributes(model: "")
        items.append(
            PricedRecord(
                entry: entry, group: number, timestampFromFile: record.timestampFromFile,
                thinkingTokens: record.thinkingTokens, webFetchRequests: record.webFetchRequests, line: record.line,
                hash: hash, sidechain: record.sidechain, format: record.format,
                iterations: record.hasIterations
                    ? record.iterations.flatMap { $0.isEmpty ? nil : Boxed(IterationRow($0, price)) } : nil))
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

    /// Drops what sorting items into groups needed, before the batch goes to the writer: the groups stay, and
    /// the writing thread frees no index it never reads.
    mutating func finishGrouping() {
        groupNumbers = [:]
    }

    /// Item `index`'s rollup entry, with its texts.
    func entry(_ index: Int) -> RollupEntry {
        var e = items[index].entry
        let group = groups[Int(items[index].group)]
        e.modelKey = group.modelKey
        e.attributes = group.attributes
        return e
    }

    /// The dedupe key of item `index`.
    func key(_ index: Int) -> String {
        let (start, length) = span(index, .dedupeKey)
        return String(decoding: text[Int(start)..<Int(start + length)], as: UTF8.self)
    }
}

/// What storing one request did.
enum InsertOutcome {
    case inserted
    /// Already stored, with at least as much output: nothing changed.
    case duplicate
    /// Already stored from an earlier, partial copy (a transcript line written before the response finished), or
    /// an aggregated row whose bucket changed since, or a Claude Code sidechain copy met by the parent
    /// transcript's copy: the row now holds the new figures and attribution (and keeps its first time); `previous`
    /// is what it held before, with the session and model it was stored under.
    case upgraded(previous: RollupEntry, session: String?, model: String)
}

/// Inserts priced requests through prepared statements, binding values straight to SQLite: the ingest's hot path.
///
/// Requests are unique on a 64-bit hash of their dedupe key, a much smaller and faster index than the key text.
/// When a hash is taken by a different key (a collision), the next free hash is used, so no request is ever lost
/// and a duplicate is only declared when the stored key text is equal. A duplicate with more output than the
/// stored copy replaces it: each response counts once, with its final output.
final class RequestInserter {
    private let insert: Statement
    private let update: Statement
    private let lookup: Statement
    private let fileID: Int64?
    /// The source format stored with the requests; bound once per statement, not per request.
    var format: String {
        didSet { if format != oldValue { formatBound = false } }
    }
    private var formatBound = false
    /// The insert statement holds the figures of a request without iterations.
    private var iterationsZeroBound = false

    /// The columns an insert writes, in parameter order: a case's raw value is its parameter's position in the
    /// INSERT and the UPDATE alike.
    enum Column: Int32, CaseIterable {
        case ts = 1
        case pricedAs, model, inputTokens, cacheWrite5mTokens, cacheWrite1hTokens, cacheReadTokens, outputTokens
        case costNanos, serviceTier, inferenceGeo, speed, stopReason, thinkingTokens, webSearchRequests
        case webFetchRequests, session, workflow, taskType, project, requestID, dedupeKey, keyHash, sourceFormat
        case fileID, line, tsFromFile, customID, gitBranch, workspaceID, apiKeyID, contextWindow, aggregated
        case loggedCostNanos, advisorModel, advisorCalls, advisorInputTokens, advisorCacheWrite5mTokens
        case advisorCacheWrite1hTokens, advisorCacheReadTokens, advisorOutputTokens, advisorCostNanos, compactions
        case compactionInputTokens, compactionCacheWrite5mTokens, compactionCacheWrite1hTokens
        case compactionCacheReadTokens, compactionOutputTokens, compactionCostNanos, sidechain

        /// The column's name in `requests`.
        var name: String {
            switch self {
            case .ts: "ts"
            case .pricedAs: "priced_as"
            case .model: "model"
            case .inputTokens: "input_tokens"
            case .cacheWrite5mTokens: "cache_write_5m_tokens"
            case .cacheWrite1hTokens: "cache_write_1h_tokens"
            case .cacheReadTokens: "cache_read_tokens"
            case .outputTokens: "output_tokens"
            case .costNanos: "cost_nanos"
            case .serviceTier: "service_tier"
            case .inferenceGeo: "inference_geo"
            case .speed: "speed"
            case .stopReason: "stop_reason"
            case .thinkingTokens: "thinking_tokens"
            case .webSearchRequests: "web_search_requests"
            case .webFetchRequests: "web_fetch_requests"
            case .session: "session"
            case .workflow: "workflow"
            case .taskType: "task_type"
            case .project: "project"
            case .requestID: "request_id"
            case .dedupeKey: "dedupe_key"
            case .keyHash: "key_hash"
            case .sourceFormat: "source_format"
            case .fileID: "file_id"
            case .line: "line"
            case .tsFromFile: "ts_from_file"
            case .customID: "custom_id"
            case .gitBranch: "git_branch"
            case .workspaceID: "workspace_id"
            case .apiKeyID: "api_key_id"
            case .contextWindow: "context_window"
            case .aggregated: "aggregated"
            case .loggedCostNanos: "logged_cost_nanos"
            case .advisorModel: "advisor_model"
            case .advisorCalls: "advisor_calls"
            case .advisorInputTokens: "advisor_input_tokens"
            case .advisorCacheWrite5mTokens: "advisor_cache_write_5m_tokens"
            case .advisorCacheWrite1hTokens: "advisor_cache_write_1h_tokens"
            case .advisorCacheReadTokens: "advisor_cache_read_tokens"
            case .advisorOutputTokens: "advisor_output_tokens"
            case .advisorCostNanos: "advisor_cost_nanos"
            case .compactions: "compactions"
            case .compactionInputTokens: "compaction_input_tokens"
            case .compactionCacheWrite5mTokens: "compaction_cache_write_5m_tokens"
            case .compactionCacheWrite1hTokens: "compaction_cache_write_1h_tokens"
            case .compactionCacheReadTokens: "compaction_cache_read_tokens"
            case .compactionOutputTokens: "compaction_output_tokens"
            case .compactionCostNanos: "compaction_cost_nanos"
            case .sidechain: "sidechain"
            }
        }
    }

    /// The statements' text, built once: an inserter is made for every file.
    private static let insertSQL: String = {
        let columns = Column.allCases
        let names = columns.map(\.name).joined(separator: ",")
        let placeholders = columns.map { "?\($0.rawValue)" }.joined(separator: ",")
        return "INSERT OR IGNORE INTO requests (\(names)) VALUES (\(placeholders))"
    }()
    private static let updateSQL: String = {
        // A request keeps the time it was first seen, so its hour in the rollup never moves.
        let kept: Set<Column> = [.keyHash, .ts, .tsFromFile]
        let assignments = Column.allCases.filter { !kept.contains($0) }.map { "\($0.name) = ?\($0.rawValue)" }
        return "UPDATE requests SET \(assignments.joined(separator: ", ")) WHERE key_hash = ?\(Column.keyHash.rawValue)"
    }()
    private static let lookupSQL =
        "SELECT dedupe_key, output_tokens, sidechain, session, model, \(RollupEntry.columns) FROM requests"
        + " WHERE key_hash = ?"

    init(db: Database, fileID: Int64?, format: String) throws {
        insert = try db.cachedStatement(sql: Self.insertSQL)
        update = try db.cachedStatement(sql: Self.updateSQL)
        lookup = try db.cachedStatement(sql: Self.lookupSQL)
        self.fileID = fileID
        self.format = format
    }

    /// Stores item `index` of `batch`, whose text buffer starts at `text`.
    func store(_ batch: RecordBatch, _ index: Int, text: UnsafePointer<UInt8>) throws -> InsertOutcome {
        let s = insert.sqliteStatement
        sqlite3_reset(s)
        bind(s, batch, index, text: text)
        var hash = batch.items[index].hash
        while true {
            sqlite3_bind_int64(s, Column.keyHash.rawValue, hash)
            try step(s)
            if sqlite3_changes(sqlite3_db_handle(s)) > 0 { return .inserted }
            sqlite3_reset(s)
            guard let stored = try storedRow(at: hash, key: batch.span(index, .dedupeKey), in: text) else {
                hash &+= 1
                continue
            }
            // A larger output is a later copy of the same response; at equal output, the parent transcript's copy
            // of a subagent's response wins over the sidechain's, whichever was read first. An aggregated row read
            // again holds the latest figures of its bucket.
            let item = batch.items[index].entry
            let newer =
                item.aggregated
                ? item.tokens != stored.entry.tokens || item.webSearchRequests != stored.entry.webSearchRequests
                : item.tokens.output > stored.output
                    || (item.tokens.output == stored.output && stored.sidechain && !batch.items[index].sidechain)
            guard newer else { return .duplicate }
            let u = update.sqliteStatement
            sqlite3_reset(u)
            bind(u, batch, index, text: text)
            sqlite3_bind_int64(u, Column.keyHash.rawValue, hash)
            try step(u)
            return .upgraded(previous: stored.entry, session: stored.session, model: stored.model)
        }
    }

    private func step(_ statement: OpaquePointer) throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(statement)))
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    private func bind(_ s: OpaquePointer, _ batch: RecordBatch, _ index: Int, text: UnsafePointer<UInt8>) {
        func bind(_ column: Column, _ field: RecordBatch.Field) {
            let position = column.rawValue
            let (start, length) = batch.span(index, field)
            if length < 0 {
                sqlite3_bind_null(s, position)
            } else {
                // SQLITE_STATIC: the batch outlives the statement's step, so SQLite reads the bytes in place.
                sqlite3_bind_text(
                    s, position, UnsafeRawPointer(text + Int(start)).assumingMemoryBound(to: CChar.self), length, nil)
            }
        }
        func bind(_ column: Column, _ value: Int64?) {
            let position = column.rawValue
            if let value { sqlite3_bind_int64(s, position, value) } else { sqlite3_bind_null(s, position) }
        }
        /// The five token columns from `first` on, which follow each other in the order of `TokenCounts`.
        func bind(_ t: TokenCounts, from first: Column) {
            let position = first.rawValue
            sqlite3_bind_int64(s, position, t.input)
            sqlite3_bind_int64(s, position + 1, t.cacheWrite5m)
            sqlite3_bind_int64(s, position + 2, t.cacheWrite1h)
            sqlite3_bind_int64(s, position + 3, t.cacheRead)
            sqlite3_bind_int64(s, position + 4, t.output)
        }
        batch.items.withUnsafeBufferPointer { items in
            let item = items.baseAddress! + index
            bind(.ts, item.pointee.entry.timestamp)
            bind(item.pointee.entry.tokens, from: .inputTokens)
            bind(.costNanos, item.pointee.entry.cost)
            bind(.thinkingTokens, item.pointee.thinkingTokens)
            bind(.webSearchRequests, item.pointee.entry.webSearchRequests)
            bind(.webFetchRequests, item.pointee.webFetchRequests)
            bind(.line, Int64(item.pointee.line))
            bind(.tsFromFile, item.pointee.timestampFromFile ? 1 : 0)
            bind(.aggregated, item.pointee.entry.aggregated ? 1 : 0)
            bind(.loggedCostNanos, item.pointee.entry.loggedCost)
            // The advisor model is text (below); then the iterations, zeros without them. Bindings outlive
            // sqlite3_reset, so the insert rebinds them only when they change: most requests have none.
            let it = item.pointee.iterations?.value
            if it != nil || s != insert.sqliteStatement || !iterationsZeroBound {
                bind(.advisorCalls, it?.advisorCalls ?? 0)
                bind(it?.advisorTokens ?? TokenCounts(), from: .advisorInputTokens)
                bind(.advisorCostNanos, it?.advisorCost)
                bind(.compactions, it?.compactions ?? 0)
                bind(it?.compactionTokens ?? TokenCounts(), from: .compactionInputTokens)
                bind(.compactionCostNanos, it?.compactionCost)
                if s == insert.sqliteStatement { iterationsZeroBound = it == nil }
            }
            bind(.sidechain, item.pointee.sidechain ? 1 : 0)
        }
        // A call per text field rather than a loop over a table of them: this binds every request stored.
        bind(.pricedAs, .pricedAs)
        bind(.model, .model)
        bind(.serviceTier, .serviceTier)
        bind(.inferenceGeo, .inferenceGeo)
        bind(.speed, .speed)
        bind(.stopReason, .stopReason)
        bind(.session, .session)
        bind(.workflow, .workflow)
        bind(.taskType, .taskType)
        bind(.project, .project)
        bind(.requestID, .requestID)
        bind(.dedupeKey, .dedupeKey)
        if !formatBound || s != insert.sqliteStatement {
            // Bindings outlive sqlite3_reset: the file's format and id stay bound from one request to the next.
            format.withUTF8 {
                _ = sqlite3_bind_text(
                    s, Column.sourceFormat.rawValue,
                    UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count),
                    Self.transient)
            }
            bind(.fileID, fileID)
            if s == insert.sqliteStatement { formatBound = true }
        }
        bind(.customID, .customID)
        bind(.gitBranch, .gitBranch)
        bind(.workspaceID, .workspaceID)
        bind(.apiKeyID, .apiKeyID)
        bind(.contextWindow, .contextWindow)
        bind(.advisorModel, .advisorModel)
    }

    /// The request stored under `hash` when its key is the one at `key` of `text`; nil when the hash is free or
    /// holds another key.
    private func storedRow(at hash: Int64, key: (start: Int32, length: Int32), in text: UnsafePointer<UInt8>)
        throws -> (output: Int64, sidechain: Bool, session: String?, model: String, entry: RollupEntry)?
    {
        let l = lookup.sqliteStatement
        sqlite3_reset(l)
        sqlite3_bind_int64(l, 1, hash)
        defer { sqlite3_reset(l) }
        let code = sqlite3_step(l)
        guard code == SQLITE_ROW else {
            if code == SQLITE_DONE { return nil }
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(l))))
        }
        guard let stored = sqlite3_column_text(l, 0), sqlite3_column_bytes(l, 0) == key.length,
            memcmp(stored, text + Int(key.start), Int(key.length)) == 0
        else { return nil }
        let session = sqlite3_column_text(l, 3).map { String(cString: $0) }
        return (
            sqlite3_column_int64(l, 1), sqlite3_column_int64(l, 2) != 0, session,
            String(cString: sqlite3_column_text(l, 4)),
            RollupEntry(statement: l, offset: 5)
        )
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A request's advisor and compaction figures as stored: tokens by category and each part's cost.
struct IterationRow: Sendable, Equatable {
    var advisorCalls: Int64
    var advisorTokens: TokenCounts
    var advisorCost: Int64?
    var compactions: Int64
    var compactionTokens: TokenCounts
    var compactionCost: Int64?

    init(_ it: IterationUsage, _ price: PriceResult) {
        advisorCalls = it.advisorCalls
        advisorTokens = it.advisorTokens
        advisorCost = price.advisorCost?.nanos
        compactions = it.compactions
        compactionTokens = it.compactionTokens
        compactionCost = price.compactionCost?.nanos
    }
}

/// Reading stored requests back as records, for the analyses that price them again.
/// Text read back whole. GRDB decodes a TEXT value as a C string, which ends at the first NUL: a session or model
/// name holding one would be shown cut, and two values would seem one. Read as a BLOB, the value's bytes come back
/// whole (and group and sort as before: both compare byte by byte).
func wholeText(_ column: String) -> String { "CAST(\(column) AS BLOB)" }

extension GRDB.Row {
    /// A column selected with `wholeText`, read as its bytes: whole in a copied row and in a cursor's alike.
    func wholeString(_ index: Int) -> String? {
        (self[index] as Data?).map { String(decoding: $0, as: UTF8.self) }
    }
}

enum StoredRequest {
    /// The `requests` columns `record(_:at:)` reads, in order.
    static let columns = """
        ts, model, service_tier, inference_geo, speed, context_window, aggregated, input_tokens, \
        cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens, web_search_requests, \
        advisor_model, advisor_calls, advisor_input_tokens, advisor_cache_write_5m_tokens, \
        advisor_cache_write_1h_tokens, advisor_cache_read_tokens, \
        advisor_output_tokens, compactions, compaction_input_tokens, compaction_cache_write_5m_tokens, \
        compaction_cache_write_1h_tokens, compaction_cache_read_tokens, compaction_output_tokens
        """

    /// How many columns `columns` names.
    static let count = 26

    /// The message id of a stored request, in SQL: a request with one is stored under the dedupe key `m:<id>`
    /// (`UsageRecord.dedupeKey`), so the key holds it and no column repeats it.
    static func messageID(_ table: String) -> String {
        "CASE WHEN \(table).dedupe_key GLOB 'm:*' THEN substr(\(table).dedupe_key, 3) END"
    }

    /// The record in `row` from column `i` on (the `count` columns), with its iterations.
    static func record(_ r: Row, at i: Int) -> UsageRecord {
        var record = UsageRecord(
            timestamp: r[i], model: r[i + 1], serviceTier: r[i + 2], inferenceGeo: r[i + 3], speed: r[i + 4],
            tokens: TokenCounts(
                input: r[i + 7], cacheWrite5m: r[i + 8], cacheWrite1h: r[i + 9], cacheRead: r[i + 10], output: r[i + 11]
            ),
            webSearchRequests: r[i + 12])
        record.contextWindow = r[i + 5]
        record.aggregated = (r[i + 6] as Int64) != 0
        let advisorCalls: Int64 = r[i + 14]
        let compactions: Int64 = r[i + 20]
        if advisorCalls > 0 || compactions > 0 {
            record.iterations = IterationUsage(
                advisorModel: r[i + 13], advisorCalls: advisorCalls,
                advisorTokens: TokenCounts(
                    input: r[i + 15], cacheWrite5m: r[i + 16], cacheWrite1h: r[i + 17], cacheRead: r[i + 18],
                    output: r[i + 19]),
                compactions: compactions,
                compactionTokens: TokenCounts(
                    input: r[i + 21], cacheWrite5m: r[i + 22], cacheWrite1h: r[i + 23], cacheRead: r[i + 24],
                    output: r[i + 25]))
        }
        return record
    }
}
