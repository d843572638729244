import Foundation
import GRDB

/// The ingest ledger: what the database knows of each file it has read.
enum Ledger {
    struct Entry: Sendable {
        var id: Int64
        var format: SourceFormat
        /// Only files read line by line can be resumed at an offset.
        var resumable: Bool
        var size: Int64
        var modifiedAt: Int64
        var identity: String?
        var consumed: Int64
        var lines: Int
        var headHash: Int64?
    }

    /// The bytes of a file's head that fingerprint it: a replaced file shows a different head.
    static let headLength: Int64 = 4096

    static func load(_ db: Database) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT path, id, format, size, modified_at, identity, consumed, lines, head_hash, layout FROM files")
        while let r = try rows.next() {
            let format: String = r[2]
            entries[r[0]] = Entry(
                id: r[1], format: SourceFormat(rawValue: format) ?? .messages, resumable: (r[9] as String) == "lines",
                size: r[3], modifiedAt: r[4],
                identity: r[5], consumed: r[6], lines: r[7], headHash: r[8])
        }
        return entries
    }

    /// FNV-1a of the first `min(length, headLength)` bytes of the file.
    static func headHash(path: String, length: Int64) throws -> Int64 {
        let head = try FormatDetector.readHead(path: path, length: Int(min(length, headLength)))
        return head.withUnsafeBufferPointer { FNV1a.hash($0) }
    }

    /// FNV-1a of the first `min(length, headLength)` bytes of `bytes`.
    static func headHash(_ bytes: UnsafeBufferPointer<UInt8>, length: Int64) -> Int64 {
        FNV1a.hash(UnsafeBufferPointer(rebasing: bytes.prefix(Int(min(length, headLength)))))
    }

    /// Records that `plan`'s file is being read; returns its id. A whole re-read of a known file forgets the
    /// batch outcomes it counted before, since they are counted again.
    static func begin(_ db: Database, _ plan: FilePlan) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO files (path, format, size, modified_at, identity, ingested_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET size = excluded.size, modified_at = excluded.modified_at,
                  identity = excluded.identity, ingested_at = excluded.ingested_at
                """,
            arguments: [
                plan.absolutePath, (plan.format ?? .messages).rawValue, plan.size, plan.modifiedAt, plan.identity,
                Int64(Date().timeIntervalSince1970 * 1000),
            ])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM files WHERE path = ?", arguments: [plan.absolutePath])!
        if plan.resumeAt == nil {
            try db.execute(sql: "DELETE FROM batch_outcomes WHERE file_id = ?", arguments: [id])
            try db.execute(sql: "UPDATE files SET rejected = 0 WHERE id = ?", arguments: [id])
        }
        return id
    }

    /// Records how far the file was read, the fingerprint of the bytes read, and what it gave. Only a file read
    /// line by line is recorded as resumable.
    static func end(
        _ db: Database, fileID: Int64, format: SourceFormat, lineByLine: Bool, consumed: Int64, lines: Int,
        headHash: Int64?, newRequests: Int, rejected: Int
    ) throws {
        try db.execute(
            sql: """
                UPDATE files SET format = ?, layout = ?, consumed = ?, lines = ?, head_hash = ?, requests = requests + ?,
                  rejected = rejected + ? WHERE id = ?
                """,
            arguments: [
                format.rawValue, lineByLine ? "lines" : "whole", consumed, lines, consumed > 0 ? headHash : nil, newRequests,
                rejected, fileID,
            ])
    }
}

/// Writes one file's batches in its transaction: requests, the rollup, and the facts logs state besides requests.
final class FileStore {
    private let db: Database
    private let fileID: Int64
    private let inserter: RequestInserter
    private var pricer: Pricer
    /// The first request id of this ingest run: rows from it on were stored, and counted, by this run.
    private let runFirstID: Int64
    private var rollup = HourlyRollup()
    private var redated = false
    private var headless = HeadlessResults()

    init(db: Database, fileID: Int64, pricer: Pricer, runFirstID: Int64 = Int64.max) throws {
        self.db = db
        self.fileID = fileID
        self.pricer = pricer
        self.runFirstID = runFirstID
        inserter = try RequestInserter(db: db, fileID: fileID, format: SourceFormat.messages.rawValue)
    }

    func write(_ batch: RecordBatch, summary: inout IngestSummary) throws {
        inserter.format = batch.format.rawValue
        var format = batch.format
        try batch.text.withUnsafeBufferPointer { text in
            try batch.items.withUnsafeBufferPointer { items in
              for index in items.indices {
                // A file of mixed shapes stores each request under its own format.
                let own = items[index].format ?? batch.format
                if own != format {
                    format = own
                    inserter.format = own.rawValue
                }
                switch try inserter.store(batch, index, text: text.baseAddress!) {
                case .inserted:
                    summary.newRequests += 1
                    if items[index].entry.cost == nil { summary.unpricedRequests += 1 }
                    if items[index].timestampFromFile { summary.undatedRequests += 1 }
                    rollup.add(items[index].entry)
                    if !items[index].entry.aggregated { countSession(batch, index, text) }
                case .duplicate:
                    summary.duplicates += 1
                case .upgraded(let previous, let session, let model):
                    summary.duplicates += 1
                    rollup.add(previous, sign: -1)
                    var entry = items[index].entry
                    entry.timestamp = previous.timestamp
                    rollup.add(entry)
                    if !entry.aggregated {
                        // The request may now be another session's.
                        if let session {
                            headless.sessions.add(SessionModel(session: session, modelKey: ClaudeCodeParser.modelKey(model)), -1)
                        }
                        countSession(batch, index, text)
                    }
                }
              }
            }
        }
        for fact in batch.facts { try note(fact, summary: &summary) }
    }

    /// Counts item `index` for its session and model, when it has a session.
    private func countSession(_ batch: RecordBatch, _ index: Int, _ text: UnsafeBufferPointer<UInt8>) {
        let session = batch.span(index, .session)
        guard session.length >= 0 else { return }
        let model = batch.span(index, .model)
        headless.sessions.add(
            session: UnsafeBufferPointer(rebasing: text[Int(session.start)..<Int(session.start + session.length)]),
            model: UnsafeBufferPointer(rebasing: text[Int(model.start)..<Int(model.start + model.length)]))
    }

    private func note(_ fact: SourceFact, summary: inout IngestSummary) throws {
        switch fact {
        case .billed(let b):
            try db.execute(
                sql: """
                    INSERT INTO billed_costs (dedupe_key, starting_at, ending_at, model, priced_as, cost_type,
                      token_type, service_tier, context_window, inference_geo, workspace_id, description, amount_nanos,
                      file_id, line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(dedupe_key) DO UPDATE SET amount_nanos = excluded.amount_nanos,
                      file_id = excluded.file_id, line = excluded.line
                    WHERE amount_nanos != excluded.amount_nanos
                    """,
                arguments: [
                    b.dedupeKey, b.startingAt, b.endingAt, b.model, b.model.flatMap { pricer.table.lookup($0)?.id },
                    b.costType, b.tokenType, b.serviceTier, b.contextWindow, b.inferenceGeo, b.workspaceID,
                    b.description, b.amount.nanos, fileID, b.line,
                ])
            summary.billedAmounts += db.changesCount
        case .batch(let batch):
            try db.execute(
                sql: """
                    INSERT INTO batches (id, status, processing, succeeded, errored, canceled, expired, created_at,
                      ended_at, file_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET status = excluded.status, processing = excluded.processing,
                      succeeded = excluded.succeeded, errored = excluded.errored, canceled = excluded.canceled,
                      expired = excluded.expired, created_at = excluded.created_at, ended_at = excluded.ended_at,
                      file_id = excluded.file_id
                    """,
                arguments: [
                    batch.id, batch.status, batch.processing, batch.succeeded, batch.errored, batch.canceled,
                    batch.expired, batch.createdAt, batch.endedAt, fileID,
                ])
            if let ended = batch.endedAt {
                // Results read before their batch object were dated, and priced, by their file's time: the
                // batch's end is truer, and the price in force then is the one that applies.
                try redate(batch: batch.id, to: ended, summary: &summary)
            }
        case .batchOutcomes(let o):
            try db.execute(
                sql: """
                    INSERT INTO batch_outcomes (file_id, batch_id, succeeded, errored, expired, canceled)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(file_id) DO UPDATE SET batch_id = excluded.batch_id,
                      succeeded = succeeded + excluded.succeeded, errored = errored + excluded.errored,
                      expired = expired + excluded.expired, canceled = canceled + excluded.canceled
                    """,
                arguments: [fileID, o.batchID, o.succeeded, o.errored, o.expired, o.canceled])
            summary.unbilledBatchRequests += o.unbilled
        case .headlessResult(let run):
            try headless.store(run, db: db, fileID: fileID, summary: &summary)
        }
    }

    /// Moves the requests of `batch` that were dated by their file to `ended`, prices them again at that date,
    /// and corrects the run's counts for those this run stored.
    private func redate(batch: String, to ended: Int64, summary: inout IngestSummary) throws {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, \(StoredRequest.columns), cost_nanos FROM requests
                WHERE ts_from_file = 1 AND file_id IN (SELECT file_id FROM batch_outcomes WHERE batch_id = ?)
                """,
            arguments: [batch])
        guard !rows.isEmpty else { return }
        let update = try db.makeStatement(
            sql: """
                UPDATE requests SET ts = ?, ts_from_file = 0, priced_as = ?, cost_nanos = ?, advisor_cost_nanos = ?,
                compaction_cost_nanos = ? WHERE id = ?
                """)
        for row in rows {
            let id: Int64 = row[0]
            let oldCost: Int64? = row[1 + StoredRequest.count]
            var record = StoredRequest.record(row, at: 1)
            record.timestamp = ended
            // Advisor calls and compactions are priced again at the new date too, as `usage reprice` does.
            let price = pricer.price(record)
            try update.execute(
                arguments: [ended, price.pricedAs, price.cost?.nanos, price.advisorCost?.nanos, price.compactionCost?.nanos, id])
            summary.redatedRequests += 1
            if id >= runFirstID {
                // Counted by this run as dated by file time, and perhaps as unpriced at that time.
                summary.undatedRequests -= 1
                if oldCost == nil && price.cost != nil { summary.unpricedRequests -= 1 }
                if oldCost != nil && price.cost == nil { summary.unpricedRequests += 1 }
            }
        }
        redated = true
    }

    /// Settles headless results and merges the rollup; rebuilds it whole when requests were re-dated or a
    /// headless result's row was taken back.
    func finish(summary: inout IngestSummary) throws {
        let tookBack = try headless.finish(db: db, pricer: &pricer, rollup: &rollup, summary: &summary)
        try rollup.merge(into: db)
        if redated || tookBack { try HourlyRollup.rebuild(db) }
    }
}
