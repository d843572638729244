import Foundation
import Synchronization

/// Walks paths, tells each file's format, and stores what it holds: files parsed on every core, stored in order by
/// one writer, many files to a transaction and each file atomic.
///
/// A ledger (`files`) remembers every file read: size, modification time, identity, how many bytes were consumed
/// and a fingerprint of the head. An unchanged file is skipped without being opened; a JSON Lines file that grew
/// is read from where the last run stopped; a truncated or replaced file is read again in whole, and dedupe keeps
/// its requests from counting twice.
///
/// Each run starts from the prices then in force, so a long-lived ingestor sees a later price import.
struct Ingestor: Sendable {
    private let database: AppDatabase
    private let options: IngestOptions
    private let onIssue: @Sendable (IngestIssue) -> Void
    private let groupLimits: FileGroups.Limits
    private let threads: Int

    /// `onIssue` receives each problem, in the order of the files: a path that cannot be read, a rejected line.
    /// `groupLimits` say when the writer commits and `threads` how many files are parsed at once (tests vary both).
    init(
        database: AppDatabase, options: IngestOptions = IngestOptions(), groupLimits: FileGroups.Limits = .init(),
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, onIssue: @escaping @Sendable (IngestIssue) -> Void
    ) {
        self.database = database
        self.options = options
        self.groupLimits = groupLimits
        self.threads = threads
        self.onIssue = onIssue
    }

    /// Ingests files and directories (recursively), each told by content. Problems with one path never stop the
    /// others.
    func ingest(paths: [String]) throws -> IngestSummary {
        try ingest(sources: paths.map { IngestSource(path: $0) })
    }

    /// Ingests sources, some perhaps with a forced format.
    func ingest(sources: [IngestSource]) throws -> IngestSummary {
        var summary = IngestSummary()
        let files = Scanner.files(of: sources) { issue in
            summary.failedPaths += 1
            onIssue(issue)
        }
        let workingDirectory = FileManager.default.currentDirectoryPath
        // A few files look up their own entries; a tree loads the whole ledger in one read.
        let ledger = try database.read { db in
            files.count > 64
                ? try Ledger.load(db)
                : try Ledger.load(db, paths: files.map { absolutePath($0.path, workingDirectory: workingDirectory) })
        }
        var plans: [FilePlan] = []
        for file in files {
            do {
                let plan = try FilePlan.survey(
                    path: file.path, forced: file.format, named: file.named, ledger: ledger,
                    workingDirectory: workingDirectory)
                if let plan {
                    plans.append(plan)
                } else {
                    summary.unchangedFiles += 1
                }
            } catch UsageError.unreadable(let path, let reason) {
                onIssue(IngestIssue(path: path, problem: .unreadable(reason: reason)))
                summary.failedPaths += 1
            } catch let error as UsageError {
                throw error
            } catch {
                onIssue(IngestIssue(path: file.path, problem: .unreadable(reason: error.localizedDescription)))
                summary.failedPaths += 1
            }
        }
        try store(plans, summary: &summary)
        return summary
    }

    /// Stores `bytes` held in memory, named `name`, as a new file holding them would be stored: told by content,
    /// read by the same parsers, priced and deduplicated alike, in one transaction, with no ledger entry.
    /// `receivedAt` dates what states no time of its own.
    func record(_ bytes: [UInt8], name: String, receivedAt: Int64) throws -> IngestSummary {
        var summary = IngestSummary()
        try store([FilePlan.inMemory(bytes, name: name, receivedAt: receivedAt)], summary: &summary)
        return summary
    }

    /// Stores decoded OTLP export requests, in one transaction (each request atomic), and tells for each what was
    /// rejected. Nothing is added to the ledger.
    func receive(_ exports: [OTLPExport], name: String, receivedAt: Int64) throws -> (
        IngestSummary, [OTLPReader.Outcome]
    ) {
        let outcomes = Mutex([OTLPReader.Outcome](repeating: .init(), count: exports.count))
        let plans = exports.enumerated().map { number, export in
            FilePlan.prepared(name: name, format: .otlp, receivedAt: receivedAt) { context, sink in
                let reader = OTLPReader(line: 0, fallbackTimestamp: receivedAt, zone: context.zone)
                let outcome = try export.read(with: reader, into: sink)
                outcomes.withLock { $0[number] = outcome }
            }
        }
        var summary = IngestSummary()
        try store(plans, summary: &summary)
        return (summary, outcomes.withLock { $0 })
    }

    /// Parses the files of `plans` on every core and stores them, in their order, through one writer that commits
    /// many files per transaction (`FileGroups`), each file atomic.
    private func store(_ plans: [FilePlan], summary: inout IngestSummary) throws {
        // Nothing new (a status line's unchanged transcript): no prices to load, no write to open.
        guard !plans.isEmpty else { return }
        // The prices in force: the built-in table with the user's imports, as they are now.
        let pricer = Pricer(table: try database.read { db in try PriceTable.effective(db) })
        // Requests stored from here on are this run's own: re-dating one of them corrects this run's counts.
        let runFirstID = try database.read { db in try FileStore.nextRequestID(db) }
        let meter = ProgressMeter(
            filesTotal: plans.count, bytesTotal: plans.reduce(0) { $0 + $1.bytesToRead }, report: options.progress)
        let jobs = plans.filter(\.needsParsing)
        let workers = ParseWorkers(jobs: jobs, threads: threads)
        let (limit, zone) = (options.maxReportedRejectsPerFile, options.zone)
        workers.start(pricer: pricer) { plan, channel, pricer in
            channel.finish(
                Result {
                    var plan = plan
                    try plan.detect()
                    guard plan.needsParsing else { return .notParsed(plan.layout) }
                    var context = ParseContext(path: plan.path, fileTimestamp: plan.modifiedAt, zone: zone)
                    if let format = plan.format, format.parser.namesItsBatch {
                        context.batchID = BatchResultsParser.batchID(
                            fromFileName: (plan.path as NSString).lastPathComponent)
                        // Dated by the batch, which an earlier file of this run may have stored.
                        if let id = context.batchID { context.batchEndedAt = try channel.batchEnd(of: id) }
                    }
                    let sink = PricingSink(
                        path: plan.path, pricer: pricer, format: plan.format ?? MessagesParser.format,
                        maxReported: limit, channel: channel)
                    let outcome = try sink.finish(Self.parse(plan, context: context, into: sink, meter: meter))
                    pricer = outcome.pricer
                    return .parsed(outcome)
                })
        }
        var next = 0
        do {
            try database.writeInSteps { db in
                var groups = FileGroups(db: db, limits: groupLimits)
                do {
                    for plan in plans {
                        if plan.needsParsing {
                            try store(
                                plan, from: workers.channels[next], groups: &groups, pricer: pricer,
                                runFirstID: runFirstID, summary: &summary)
                            next += 1
                            workers.fileStored()
                        } else {
                            count(plan, layout: plan.layout, summary: &summary)
                        }
                        meter.fileDone()
                    }
                    try groups.finish()
                } catch {
                    groups.abandon()
                    throw error
                }
            }
        } catch {
            workers.cancel()
            throw error
        }
        workers.wait()
    }

    /// Counts a file there is nothing to parse in: empty, or in no known format.
    private func count(_ plan: FilePlan, layout: FileLayout, summary: inout IngestSummary) {
        switch layout {
        case .empty:
            summary.files += 1
        case .unknown:
            if plan.named {
                onIssue(IngestIssue(path: plan.path, problem: .notAUsageLog))
                summary.failedPaths += 1
            } else {
                summary.skippedFiles += 1
            }
        case .jsonLines, .jsonValues, .jsonDocument, .serverSentEvents:
            preconditionFailure("a file to parse counted as one without anything to parse")
        }
    }

    /// Stores one file as its worker parses it, in a savepoint of the open group: its requests, what it states
    /// besides them and its ledger entry, all or nothing.
    private func store(
        _ plan: FilePlan, from channel: BatchChannel<FileOutcome>, groups: inout FileGroups, pricer: Pricer,
        runFirstID: Int64, summary: inout IngestSummary
    ) throws {
        var stored = StoreCounts()
        var file: (id: Int64?, store: FileStore)?
        let parsed: ParseOutcome
        do {
            receiving: while true {
                let delivery = try channel.receive()
                if case .end(.notParsed(let layout)) = delivery {
                    return count(plan, layout: layout, summary: &summary)
                }
                if file == nil {
                    // The savepoint opens with the first thing to store, so a file with nothing to parse leaves none.
                    try groups.beginFile()
                    // Bytes held in memory are stored without a ledger entry: there is no file to skip or resume.
                    let id =
                        try plan.content == nil
                        ? Ledger.begin(
                            groups.db, path: plan.absolutePath, format: plan.format ?? MessagesParser.format,
                            size: plan.size, modifiedAt: plan.modifiedAt, identity: plan.identity,
                            resuming: plan.resumeAt != nil)
                        : nil
                    file = (
                        id,
                        try FileStore(
                            db: groups.db, fileID: id, pricer: pricer, runFirstID: runFirstID, rollup: groups.rollup)
                    )
                    // The file's store holds the group's rollup now, and gives it back when the file is done.
                    groups.rollup = HourlyRollup()
                }
                let store = file!.store
                switch delivery {
                case .batch(let batch):
                    for issue in batch.issues { onIssue(issue) }
                    try Self.write(batch, to: store, counts: &stored)
                case .batchEndWanted(let id):
                    channel.answer(try FileStore.batchEndedAt(groups.db, id: id))
                case .end(.parsed(let outcome)):
                    parsed = outcome
                    break receiving
                case .end(.notParsed):
                    preconditionFailure("handled above")
                }
            }
            groups.rollup = try file!.store.finish(counts: &stored)
            if let fileID = file!.id {
                let read = parsed.read
                try Ledger.end(
                    groups.db, fileID: fileID, format: parsed.format, lineByLine: read.lineByLine,
                    consumed: read.consumed, lines: read.lines, headHash: read.headHash,
                    newRequests: stored.newRequests, rejected: parsed.rejected)
            }
        } catch UsageError.unreadable(let path, let reason) {
            if file != nil { try groups.dropFile() }
            onIssue(IngestIssue(path: path, problem: .unreadable(reason: reason)))
            summary.failedPaths += 1
            return
        }
        // Database errors go up: the database failed, not the file, and every later file would fail too.
        let read = parsed.read
        try groups.endFile(rows: stored.newRequests + stored.duplicates, bytes: read.consumed - (read.resumedFrom ?? 0))
        if parsed.unreported > 0 {
            onIssue(IngestIssue(path: plan.path, problem: .moreRejected(count: parsed.unreported)))
        }
        summary.files += 1
        if read.resumedFrom != nil { summary.resumedFiles += 1 }
        summary.bytes += max(0, read.consumed - (read.resumedFrom ?? 0))
        summary.add(stored)
        summary.rejectedLines += parsed.rejected
        summary.ignoredLines += parsed.ignored
    }

    /// Stores one batch: its requests, then what the file stated besides them.
    private static func write(_ batch: ParsedBatch, to store: FileStore, counts: inout StoreCounts) throws {
        try store.write(batch.records, counts: &counts)
        for fact in batch.facts {
            switch fact {
            case .billed(let billed): try store.store(billed, counts: &counts)
            case .batch(let object): try store.store(object, counts: &counts)
            case .batchOutcomes(let outcomes): try store.store(outcomes, counts: &counts)
            case .headlessResult(let run): try store.store(run, counts: &counts)
            case .metrics(let bundle): try store.store(bundle, counts: &counts)
            }
        }
    }

    /// Reads the file of `plan` on the calling (reading) thread.
    static func parse(_ plan: FilePlan, context: ParseContext, into sink: ParseSink, meter: ProgressMeter) throws
        -> ReadOutcome
    {
        let path = plan.path
        var plan = plan
        if let emit = plan.emit {
            sink.format = plan.format ?? MessagesParser.format
            try emit(context, sink)
            return ReadOutcome(consumed: 0, lines: 0, headHash: nil, lineByLine: false, resumedFrom: nil)
        }
        if plan.layout == .jsonDocument {
            let bytes = try plan.content ?? LineReader.readAll(path: path, limit: MessagesParser.documentLimit)
            meter.read(bytes.count)
            var complete = true
            let isDocument = try bytes.withUnsafeBufferPointer { whole -> Bool in
                let buffer = MessagesParser.droppingByteOrderMark(whole)
                let tape = JSONTape()
                do throws(JSONSyntaxError) {
                    try tape.parse(buffer)
                } catch {
                    // One JSON value followed by more: JSON Lines after all.
                    if error.message == JSONSyntaxError.trailingData { return false }
                    if error.offset >= buffer.count && !plan.isSettled {
                        // Cut short: most likely still being written. Read again once it changes. (A settled file
                        // is read value by value below, and its unfinished end rejected.)
                        complete = false
                        return true
                    }
                    // Not one document: JSON values (or lines) of which one is damaged, such as a JSON Lines file
                    // whose first line was cut. Read value by value, so the damage is one rejected line and every
                    // whole record after it still lands.
                    return false
                }
                let format = plan.forced ?? FormatDetector.documentFormat(tape)
                sink.format = format
                var lines = LineCounter(buffer)
                var context = context
                context.forced = plan.forced
                try format.parser.parse(document: tape, lines: &lines, context: context, into: sink)
                return true
            }
            if isDocument {
                let consumed = complete ? Int64(bytes.count) : 0
                return ReadOutcome(
                    consumed: consumed, lines: 0,
                    headHash: bytes.withUnsafeBufferPointer { Ledger.headHash($0, length: consumed) },
                    lineByLine: false,
                    resumedFrom: nil)
            }
            // Values back to back: read one after the other, resumably.
            plan.layout = .jsonValues
            plan.resumeAt = nil
            plan.format = plan.forced ?? FormatDetector.lineFormat(head: Array(bytes.prefix(FormatDetector.headLength)))
            sink.format = plan.format!
        }
        var reader =
            try plan.content.map { LineReader(bytes: $0, name: path, lastLineIsFinal: true) }
            ?? LineReader(
                path: path, from: plan.resumeAt ?? 0, firstLine: plan.resumeLine, lastLineIsFinal: plan.isSettled)
        if let offset = plan.resumeAt {
            // Check, on the file now open, that it is still the one planned and only grew: it may have been
            // rotated or rewritten since the plan was made.
            let status = try reader.status()
            let head = try reader.headHash(length: offset)
            if status.identity != plan.identity || status.size < offset || head != plan.expectedHeadHash {
                reader = try LineReader(path: path, lastLineIsFinal: plan.isSettled)
                plan.resumeAt = nil
            }
        }
        reader.onRead = { meter.read($0) }
        var context = context
        context.forced = plan.forced
        context.readBefore = plan.resumeAt == nil ? 0 : plan.readBefore
        let format = plan.forced ?? plan.format ?? MessagesParser.format
        try format.parser.parse(values: reader, context: context, into: sink)
        return ReadOutcome(
            consumed: reader.consumed, lines: reader.consumedLines,
            headHash: try reader.headHash(length: reader.consumed),
            lineByLine: plan.layout == .jsonLines || plan.layout == .jsonValues, resumedFrom: plan.resumeAt)
    }
}

/// How far a file was read, and what the next run needs to resume it.
struct ReadOutcome: Sendable {
    var consumed: Int64
    var lines: Int
    /// Fingerprint of the first bytes of what was read, taken from the same open file.
    var headHash: Int64?
    /// Read line by line, so a later run may resume at `consumed`.
    var lineByLine: Bool
    /// The offset the read started at, when it resumed.
    var resumedFrom: Int64?
}
