import GRDB

/// What storing one file's requests and facts did, for the ingest's summary.
struct StoreCounts: Sendable, Equatable {
    /// Requests stored.
    var newRequests = 0
    /// Requests (and headless results) already stored.
    var duplicates = 0
    /// New requests whose model the price table does not know.
    var unpricedRequests = 0
    /// New requests dated by their file's modification time.
    var undatedRequests = 0
    /// Batch results moved to their batch's `ended_at`.
    var redatedRequests = 0
    /// Batch requests that errored, expired or were canceled.
    var unbilledBatchRequests = 0
    /// Billed amounts stored or changed.
    var billedAmounts = 0
}

/// Writes one file's batches in its transaction: requests, the rollup, and the facts logs state besides requests.
final class FileStore {
    private let db: Database
    /// The ledger's id of the file; nil for bytes held in memory, which the ledger does not keep.
    private let fileID: Int64?
    private let inserter: RequestInserter
    private var pricer: Pricer
    /// The first request id of this ingest run: rows from it on were stored, and counted, by this run.
    private let runFirstID: Int64
    /// The rollup of the file's group, which this file adds to (`FileGroups` merges it when the group commits).
    private var rollup: HourlyRollup
    private var redated = false
    private var headless = HeadlessResults()

    init(
        db: Database, fileID: Int64?, pricer: Pricer, runFirstID: Int64 = Int64.max, rollup: HourlyRollup = .init()
    ) throws {
        self.db = db
        self.rollup = rollup
        self.fileID = fileID
        self.pricer = pricer
        self.runFirstID = runFirstID
        inserter = try RequestInserter(db: db, fileID: fileID, format: SourceFormat.messages.rawValue)
    }

    /// The id the next request stored will have: rows from it on are stored by what runs from now.
    static func nextRequestID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) + 1 FROM requests") ?? 1
    }

    /// The `ended_at` of a batch whose object is stored.
    static func batchEndedAt(_ db: Database, id: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT ended_at FROM batches WHERE id = ?", arguments: [id])
    }

    /// Stores the requests of `batch`.
    func write(_ batch: RecordBatch, counts: inout StoreCounts) throws {
        inserter.format = batch.format.rawValue
        var format = batch.format
        // The stored requests' figures by their group; a duplicate adds nothing, an upgrade goes one by one.
        var stored = [RequestSums](repeating: RequestSums(), count: batch.groups.count)
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
                        counts.newRequests += 1
                        let entry = items[index].entry
                        if entry.cost == nil { counts.unpricedRequests += 1 }
                        if items[index].timestampFromFile { counts.undatedRequests += 1 }
                        stored[Int(items[index].group)].add(entry)
                        if !entry.aggregated { countSession(batch, index, text) }
                    case .duplicate:
                        counts.duplicates += 1
                    case .upgraded(let previous, let session, let model):
                        counts.duplicates += 1
                        rollup.add(previous, sign: -1)
                        var entry = batch.entry(index)
                        entry.timestamp = previous.timestamp
                        entry.attributes.source = own.rawValue
                        rollup.add(entry)
                        if !entry.aggregated {
                            // The request may now be another session's.
                            if let session {
                                let key = SessionModel(session: session, modelKey: ClaudeCodeParser.modelKey(model))
                                headless.sessions.add(key, -1)
                            }
                            countSession(batch, index, text)
                        }
                    }
                }
            }
        }
        for (number, var group) in batch.groups.enumerated() where stored[number] != RequestSums() {
            group.attributes.source = (group.format ?? batch.format).rawValue
            rollup.add(stored[number], of: group)
        }
        try rollup.spill(into: db)
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

    /// Stores an amount a cost report billed; one already stored for the same bucket and grouping takes the new
    /// amount.
    func store(_ b: BilledCost, counts: inout StoreCounts) throws {
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
                b.dedupeKey, b.startingAt, b.endingAt, b.model, b.pricedAs,
                b.costType, b.tokenType, b.serviceTier, b.contextWindow, b.inferenceGeo, b.workspaceID,
                b.description, b.amount.nanos, fileID, b.line,
            ])
        counts.billedAmounts += db.changesCount
    }

    /// Stores a batch object; results of the batch read before it, dated by their file, move to its end.
    func store(_ batch: BatchObject, counts: inout StoreCounts) throws {
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
            try redate(batch: batch.id, to: ended, counts: &counts)
        }
    }

    /// Adds how the requests of a batch results file or summary ended to the file's counts.
    func store(_ o: BatchOutcomes, counts: inout StoreCounts) throws {
        counts.unbilledBatchRequests += o.unbilled
        // Outcomes are kept per file: bytes held in memory have none to keep them under.
        guard let fileID else { return }
        try db.execute(
            sql: """
                INSERT INTO batch_outcomes (file_id, batch_id, succeeded, errored, expired, canceled)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(file_id) DO UPDATE SET batch_id = excluded.batch_id,
                  succeeded = succeeded + excluded.succeeded, errored = errored + excluded.errored,
                  expired = expired + excluded.expired, canceled = canceled + excluded.canceled
                """,
            arguments: [fileID, o.batchID, o.succeeded, o.errored, o.expired, o.canceled])
    }

    /// Keeps a headless Claude Code run's result, settled when the file is finished.
    func store(_ run: HeadlessResult, counts: inout StoreCounts) throws {
        try headless.store(run, db: db, fileID: fileID, counts: &counts)
    }

    /// Stores the row a bundle of counter points adds: each point's increment over its series' last (see
    /// `MetricBundle`), priced as a request of those tokens. A bundle that adds nothing stores nothing.
    func store(_ bundle: MetricBundle, counts: inout StoreCounts) throws {
        var record = bundle.record
        var cost = 0.0
        var added = false
        for part in bundle.parts {
            let increment: Double
            switch bundle.temporality {
            case .delta, .unspecified:
                increment = part.value
            case .cumulative:
                let last = try Row.fetchOne(
                    db, sql: "SELECT start_ns, time_ns, value FROM metric_series WHERE series = ?",
                    arguments: [part.series])
                let start = Int64(bitPattern: part.start)
                let time = Int64(bitPattern: bundle.time)
                if let last, last[0] as Int64 == start, time <= last[1] as Int64 {
                    continue  // no later than the series' last point: already counted
                }
                if let last, last[0] as Int64 == start, part.value >= last[2] as Double {
                    increment = part.value - (last[2] as Double)
                } else {
                    increment = part.value  // the series' first point, or a restart: it counts from zero
                }
                try db.execute(
                    sql: """
                        INSERT INTO metric_series (series, start_ns, time_ns, value) VALUES (?, ?, ?, ?)
                        ON CONFLICT(series) DO UPDATE SET start_ns = excluded.start_ns, time_ns = excluded.time_ns,
                          value = excluded.value
                        """,
                    arguments: [part.series, start, time, part.value])
            }
            guard increment > 0 else { continue }
            added = true
            let tokens = Int64(increment.rounded())
            switch part.kind {
            case .input: record.tokens.input += tokens
            case .output: record.tokens.output += tokens
            case .cacheRead: record.tokens.cacheRead += tokens
            case .cacheCreation: record.tokens.cacheWrite5m += tokens
            case .cost: cost += increment
            }
        }
        guard added else { return }
        if cost > 0 { record.loggedCost = USD(dollars: cost) }
        // One row per bundle and time: a retried delta export is the same row again.
        let key = UInt64(bitPattern: Array(bundle.key.utf8).withUnsafeBufferPointer { FNV1a.hash($0) })
        record.requestID = "otel-metric:\(bundle.temporality):\(bundle.time):\(String(key, radix: 16))"
        var batch = RecordBatch(capacity: 1, format: .otlp)
        batch.append(record, pricer.price(record))
        batch.finishGrouping()
        try write(batch, counts: &counts)
    }

    /// Moves the requests of `batch` that were dated by their file to `ended`, prices them again at that date,
    /// and corrects the run's counts for those this run stored.
    private func redate(batch: String, to ended: Int64, counts: inout StoreCounts) throws {
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
                arguments: [
                    ended, price.pricedAs, price.cost?.nanos, price.advisorCost?.nanos, price.compactionCost?.nanos, id,
                ])
            counts.redatedRequests += 1
            if id >= runFirstID {
                // Counted by this run as dated by file time, and perhaps as unpriced at that time.
                counts.undatedRequests -= 1
                if oldCost == nil && price.cost != nil { counts.unpricedRequests -= 1 }
                if oldCost != nil && price.cost == nil { counts.unpricedRequests += 1 }
            }
        }
        redated = true
    }

    /// Settles headless results and returns the group's rollup with this file's requests added; rebuilds the
    /// stored rollup whole instead (and returns an empty one) when requests were re-dated or a headless result's
    /// row was taken back: the rebuild counts every request stored, the group's earlier files' too.
    func finish(counts: inout StoreCounts) throws -> HourlyRollup {
        let tookBack = try headless.finish(db: db, pricer: &pricer, rollup: &rollup, counts: &counts)
        guard redated || tookBack else { return rollup }
        try HourlyRollup.rebuild(db)
        return HourlyRollup()
    }
}
