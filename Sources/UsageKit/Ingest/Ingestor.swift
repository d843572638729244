import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Settings of one ingest run.
public struct IngestOptions: Sendable {
    /// How timestamps without a zone are read.
    public var zone: TimeZoneRule
    /// At most this many rejected lines are reported per file; the rest are counted.
    public var maxReportedRejectsPerFile: Int
    /// Called now and then from the reading thread while files are read, for a progress display.
    public var progress: (@Sendable (IngestProgress) -> Void)?

    public init(
        zone: TimeZoneRule = .utc, maxReportedRejectsPerFile: Int = 20,
        progress: (@Sendable (IngestProgress) -> Void)? = nil
    ) {
        self.zone = zone
        self.maxReportedRejectsPerFile = maxReportedRejectsPerFile
        self.progress = progress
    }
}

/// A path to ingest, with the format it must be read as (nil: told from its content).
public struct IngestSource: Sendable {
    public var path: String
    public var format: SourceFormat?

    public init(path: String, format: SourceFormat? = nil) {
        self.path = path
        self.format = format
    }
}

/// How far an ingest run is.
public struct IngestProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var seconds: Double
}

/// The counts an ingest run ends with.
public struct IngestSummary: Sendable, Equatable {
    /// Files read (in whole or from where the last run stopped).
    public var files = 0
    /// Files known to the ledger and unchanged since: skipped without being read.
    public var unchangedFiles = 0
    /// Files read from where the last run stopped.
    public var resumedFiles = 0
    /// Bytes read.
    public var bytes: Int64 = 0
    /// Requests stored by this run.
    public var newRequests = 0
    /// Requests that were already stored (the same file again, or the same response in another file).
    public var duplicates = 0
    /// Malformed lines or objects, skipped.
    public var rejectedLines = 0
    /// Well-formed lines that carry no usage.
    public var ignoredLines = 0
    /// Paths that could not be read, and named files in no known format.
    public var failedPaths = 0
    /// Files in a directory that are not usage logs, passed over.
    public var skippedFiles = 0
    /// New requests whose model the price table does not know.
    public var unpricedRequests = 0
    /// New requests without a logged timestamp, dated by their file's modification time (those of batch results
    /// re-dated by their batch object in the same run not counted).
    public var undatedRequests = 0
    /// Batch results stored dated by their file, moved to their batch's `ended_at` (and priced again at it) when
    /// the batch object was read.
    public var redatedRequests = 0
    /// Batch requests that errored, expired or were canceled: counted, not billed.
    public var unbilledBatchRequests = 0
    /// Billed amounts read from Admin API cost reports.
    public var billedAmounts = 0

    public init() {}

    /// Whether some input was rejected or unreadable.
    public var hasRejections: Bool { rejectedLines > 0 || failedPaths > 0 }

    /// The run's one-line summary.
    public var line: String {
        func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String { "\(n) \(n == 1 ? one : many ?? one + "s")" }
        var parts = [plural(files, "file")]
        if unchangedFiles > 0 { parts[0] += " (\(unchangedFiles) unchanged skipped)" }
        parts += [plural(newRequests, "new request"), plural(duplicates, "duplicate"), plural(rejectedLines, "rejected line")]
        if failedPaths > 0 { parts.append("\(failedPaths) unreadable") }
        if ignoredLines > 0 { parts.append("\(ignoredLines) without usage") }
        if skippedFiles > 0 { parts.append("\(skippedFiles) non-log files skipped") }
        if unpricedRequests > 0 { parts.append("\(unpricedRequests) unpriced") }
        if undatedRequests > 0 { parts.append("\(undatedRequests) dated by file time") }
        if redatedRequests > 0 {
            parts.append(plural(redatedRequests, "request re-dated and re-priced by its batch", "requests re-dated and re-priced by their batch"))
        }
        if unbilledBatchRequests > 0 { parts.append("\(unbilledBatchRequests) batch requests not billed") }
        if billedAmounts > 0 { parts.append(plural(billedAmounts, "billed amount")) }
        return "ingested: " + parts.joined(separator: ", ")
    }

    mutating func add(_ other: IngestSummary) {
        newRequests += other.newRequests
        duplicates += other.duplicates
        unpricedRequests += other.unpricedRequests
        undatedRequests += other.undatedRequests
        redatedRequests += other.redatedRequests
        unbilledBatchRequests += other.unbilledBatchRequests
        billedAmounts += other.billedAmounts
    }
}

/// Walks paths, tells each file's format, and stores what it holds: one transaction per file.
///
/// A ledger (`files`) remembers every file read: size, modification time, identity, how many bytes were consumed
/// and a fingerprint of the head. An unchanged file is skipped without being opened; a JSON Lines file that grew
/// is read from where the last run stopped; a truncated or replaced file is read again in whole, and dedupe keeps
/// its requests from counting twice.
final class Ingestor {
    private let database: AppDatabase
    private var pricer: Pricer?
    private let options: IngestOptions
    private let diagnostic: @Sendable (String) -> Void
    private var runFirstID: Int64 = 1

    /// `diagnostic` receives one message per problem (`path:line: reason`), meant for stderr.
    init(
        database: AppDatabase, pricer: Pricer? = nil, options: IngestOptions = IngestOptions(),
        diagnostic: @escaping @Sendable (String) -> Void
    ) {
        self.database = database
        self.pricer = pricer
        self.options = options
        self.diagnostic = diagnostic
    }

    /// Ingests files and directories (recursively), each told by content. Problems with one path never stop the
    /// others.
    func ingest(paths: [String]) throws -> IngestSummary {
        try ingest(sources: paths.map { IngestSource(path: $0) })
    }

    /// Ingests sources, some perhaps with a forced format.
    func ingest(sources: [IngestSource]) throws -> IngestSummary {
        var summary = IngestSummary()
        if pricer == nil {
            // The prices in force: the built-in table with the user's imports.
            pricer = Pricer(table: try database.read { db in try PriceTable.effective(db) })
        }
        var files: [(path: String, format: SourceFormat?, named: Bool)] = []
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
                diagnostic("\(source.path): no such file or directory")
                summary.failedPaths += 1
                continue
            }
            if isDirectory.boolValue {
                files += self.files(under: source.path, summary: &summary).map { ($0, source.format, false) }
            } else {
                files.append((source.path, source.format, true))
            }
        }
        let ledger = try database.read { db in try Ledger.load(db) }
        var plans: [FilePlan] = []
        for file in files {
            do {
                if let plan = try FilePlan.make(path: file.path, forced: file.format, named: file.named, ledger: ledger) {
                    plans.append(plan)
                } else {
                    summary.unchangedFiles += 1
                }
            } catch {
                diagnostic((error as? UsageError)?.description ?? "\(file.path): cannot read: \(error.localizedDescription)")
                summary.failedPaths += 1
            }
        }
        // Requests stored from here on are this run's own: re-dating one of them corrects this run's counts.
        runFirstID = try database.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) + 1 FROM requests") } ?? 1
        let meter = ProgressMeter(
            filesTotal: plans.count, bytesTotal: plans.reduce(0) { $0 + $1.bytesToRead }, report: options.progress)
        for plan in plans {
            try ingest(plan, summary: &summary, meter: meter)
            meter.fileDone()
        }
        return summary
    }

    /// Regular files under `directory`, sorted, hidden entries left out. Symbolic links to files are followed;
    /// links to directories are not (they could loop). POSIX calls, not Foundation's URLs: a re-run over
    /// thousands of unchanged files is mostly this walk.
    private func files(under directory: String, summary: inout IngestSummary) -> [String] {
        var result: [String] = []
        var pending = [directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory]
        while let current = pending.popLast() {
            guard let dir = opendir(current) else {
                diagnostic("\(current): cannot read: \(String(cString: strerror(errno)))")
                summary.failedPaths += 1
                continue
            }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name.hasPrefix(".") { continue }
                let path = current + "/" + name
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_REG): result.append(path)
                case Int32(DT_DIR): pending.append(path)
                default:
                    // A link or an unknown entry type: ask the file system, following links.
                    var info = stat()
                    guard stat(path, &info) == 0 else { continue }
                    if (info.st_mode & S_IFMT) == S_IFREG {
                        result.append(path)
                    } else if (info.st_mode & S_IFMT) == S_IFDIR && Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
                        pending.append(path)
                    }
                }
            }
            closedir(dir)
        }
        return result.sorted()
    }

    private func ingest(_ plan: FilePlan, summary: inout IngestSummary, meter: ProgressMeter) throws {
        let path = plan.path
        switch plan.layout {
        case .empty:
            summary.files += 1
            return
        case .unknown:
            if plan.named {
                diagnostic("\(path): not a usage log (expected JSON, JSON Lines or server-sent events)")
                summary.failedPaths += 1
            } else {
                summary.skippedFiles += 1
            }
            return
        default:
            break
        }
        var context = ParseContext(path: path, fileTimestamp: plan.modifiedAt, zone: options.zone)
        if plan.format == .batchResults || plan.format == .batchSummary {
            context.batchID = BatchResultsParser.batchID(fromFileName: (path as NSString).lastPathComponent)
            if let id = context.batchID {
                context.batchEndedAt = try database.read { db in
                    try Int64.fetchOne(db, sql: "SELECT ended_at FROM batches WHERE id = ?", arguments: [id])
                }
            }
        }
        let parsing = ParsingSink(
            path: path, pricer: pricer!, format: plan.format ?? .messages, maxReported: options.maxReportedRejectsPerFile,
            diagnostic: diagnostic)
        var stored = IngestSummary()
        var outcome = ReadOutcome(consumed: 0, lines: 0, headHash: nil, lineByLine: false, resumedFrom: nil)
        do {
            try database.write { db in
                let fileID = try Ledger.begin(db, plan)
                let store = try FileStore(db: db, fileID: fileID, pricer: pricer!, runFirstID: runFirstID)
                let channel = BatchChannel()
                parsing.channel = channel
                let producer = Thread { [plan, context, parsing, meter] in
                    do {
                        parsing.outcome = try Self.parse(plan, context: context, into: parsing, meter: meter)
                        try parsing.flush()
                        channel.finish(failure: nil)
                    } catch {
                        channel.finish(failure: error)
                    }
                }
                producer.stackSize = 8 << 20
                producer.start()
                do {
                    while let batch = try channel.receive() { try store.write(batch, summary: &stored) }
                } catch {
                    channel.cancel()
                    throw error
                }
                try store.finish(summary: &stored)
                outcome = parsing.outcome!
                try Ledger.end(
                    db, fileID: fileID, format: parsing.format, lineByLine: outcome.lineByLine, consumed: outcome.consumed,
                    lines: outcome.lines, headHash: outcome.headHash, newRequests: stored.newRequests,
                    rejected: parsing.rejected)
            }
        } catch UsageError.database(let path, let reason) {
            // The database failed, not the file: every later file would fail too.
            throw UsageError.database(path: path, reason: reason)
        } catch let error as UsageError {
            diagnostic(error.description)
            summary.failedPaths += 1
            return
        }
        parsing.reportSuppressed()
        pricer = parsing.pricer
        summary.files += 1
        if outcome.resumedFrom != nil { summary.resumedFiles += 1 }
        summary.bytes += max(0, outcome.consumed - (outcome.resumedFrom ?? 0))
        summary.add(stored)
        summary.rejectedLines += parsing.rejected
        summary.ignoredLines += parsing.ignored
    }

    /// Reads the file of `plan` on the calling (reading) thread.
    static func parse(_ plan: FilePlan, context: ParseContext, into sink: ParseSink, meter: ProgressMeter) throws
        -> ReadOutcome
    {
        let path = plan.path
        var plan = plan
        if plan.layout == .jsonDocument {
            let bytes = try LineReader.readAll(path: path, limit: MessagesParser.documentLimit)
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
                let format = plan.forced ?? DocumentKind.classify(tape)
                sink.format = format
                var lines = LineCounter(buffer)
                switch format {
                case .batchObject: try BatchDocuments.parseBatchObject(tape, context: context, into: sink)
                case .batchSummary: try BatchDocuments.parseSummary(tape, lines: &lines, context: context, into: sink)
                case .sessionTracker: try SessionTrackerParser.parse(tape, lines: &lines, context: context, into: sink)
                case .adminUsage: try AdminReportParser.parseUsage(tape, lines: &lines, context: context, into: sink)
                case .adminCost: try AdminReportParser.parseCost(tape, lines: &lines, context: context, into: sink)
                case .claudeCode: try ClaudeCodeParser(context: context).parseDocument(tape, lines: &lines, into: sink)
                default:
                    // Responses, batch results, events: each element (or the one object) read as the shape it has.
                    try RecordParser(context: context, forced: plan.forced).parseDocument(tape, lines: &lines, into: sink)
                }
                return true
            }
            if isDocument {
                let consumed = complete ? Int64(bytes.count) : 0
                return ReadOutcome(
                    consumed: consumed, lines: 0,
                    headHash: bytes.withUnsafeBufferPointer { Ledger.headHash($0, length: consumed) }, lineByLine: false,
                    resumedFrom: nil)
            }
            // Values back to back: read one after the other, resumably.
            plan.layout = .jsonValues
            plan.resumeAt = nil
            plan.format = plan.forced ?? FormatDetector.lineFormat(head: Array(bytes.prefix(FormatDetector.headLength)))
            sink.format = plan.format!
        }
        var reader = try LineReader(
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
        switch plan.forced ?? plan.format ?? .messages {
        case .sse: try StreamParser(context: context).parse(reader, into: sink)
        case .claudeCode: try ClaudeCodeParser(context: context).parse(reader, into: sink)
        default:
            // Every other file of JSON values: each value read as the shape it has (or as the forced format).
            try RecordParser(context: context, forced: plan.forced, readBefore: plan.resumeAt == nil ? 0 : plan.readBefore)
                .parseValues(reader, into: sink)
        }
        return ReadOutcome(
            consumed: reader.consumed, lines: reader.consumedLines, headHash: try reader.headHash(length: reader.consumed),
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

/// `path` made absolute against the working directory, with `.` and `..` segments and repeated slashes resolved
/// (no link is followed): the ledger's key for a file, however it was spelled.
func absolutePath(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    var parts: [Substring] = []
    for part in full.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            _ = parts.popLast()
            continue
        }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

/// What to do with one file: read it in whole, from an offset, or (when `make` returns nil) not at all.
struct FilePlan: Sendable {
    var path: String
    var absolutePath: String
    var named: Bool
    var layout: FileLayout
    /// The file's label: the format forced, else the one its content tells (for a file of JSON values, its first
    /// telling record's; each record is still read as the shape it has).
    var format: SourceFormat?
    /// The format the user forced (`--format`): every record is read as one of that format.
    var forced: SourceFormat?
    var size: Int64
    var modifiedAt: Int64
    var identity: String
    /// Byte offset and line number to resume at; nil for a whole read.
    var resumeAt: Int64?
    var resumeLine = 1
    /// Whether the ledger already knew the file (a whole re-read then replaces what it recorded).
    var known: Bool
    /// On a resumed read, the size the file had when the run before read it: what lies before was read then.
    var readBefore: Int64 = 0
    /// The head fingerprint the ledger recorded, which a resumed file must still show.
    var expectedHeadHash: Int64? = nil

    var bytesToRead: Int64 { size - (resumeAt ?? 0) }

    /// How long a file must be left unchanged before its unfinished end counts as final: a writer that stopped
    /// mid-line a day ago is not coming back.
    static let settledAfter: Int64 = 86_400_000

    /// Whether the file has not changed for `settledAfter`: a last line without its newline that is not valid
    /// JSON is then rejected (once), not left for a next run that would never see it finished.
    var isSettled: Bool { Int64(Date().timeIntervalSince1970 * 1000) - modifiedAt > Self.settledAfter }

    static func make(path: String, forced: SourceFormat?, named: Bool, ledger: [String: Ledger.Entry]) throws -> FilePlan? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            // A FIFO or device would block or never end.
            throw UsageError.unreadable(path: path, reason: "not a regular file")
        }
        let absolute = UsageKit.absolutePath(path)
        let size = Int64(info.st_size)
        let modified = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
        let identity = "\(info.st_dev):\(info.st_ino)"
        var plan = FilePlan(
            path: path, absolutePath: absolute, named: named, layout: .unknown, format: forced, forced: forced, size: size,
            modifiedAt: modified, identity: identity, known: false)
        if let entry = ledger[absolute] {
            plan.known = true
            let sameFile = entry.identity == identity
            if sameFile && entry.size == size && entry.modifiedAt == modified && (forced == nil || forced == entry.format) {
                return nil
            }
            if sameFile, entry.resumable, entry.format.isLineFormat, forced == nil || forced == entry.format,
                size >= entry.consumed, entry.consumed > 0,
                try Ledger.headHash(path: path, length: entry.consumed) == entry.headHash
            {
                // The same file, grown (or touched): read only what was appended.
                if size == entry.consumed && entry.size == size { return nil }
                plan.layout = .jsonLines
                plan.format = entry.format
                plan.resumeAt = entry.consumed
                plan.readBefore = entry.size
                plan.resumeLine = entry.lines + 1
                plan.expectedHeadHash = entry.headHash
                return plan
            }
        }
        let detected = try FormatDetector.detect(path: path)
        plan.layout = detected.layout
        if let forced {
            plan.format = forced
            if plan.layout != .empty {
                plan.layout = forced.isLineFormat ? .jsonLines : forced == .sse ? .serverSentEvents : .jsonDocument
                if forced == .claudeCode {
                    // Transcripts come as JSON Lines, a headless run's `--output-format json` as one document.
                    plan.layout = [.jsonDocument, .jsonValues, .jsonLines].contains(detected.layout) ? detected.layout : .jsonLines
                } else if forced != .sse && detected.layout != .unknown && detected.layout != .serverSentEvents {
                    // A document stays a document, values stay values: the forced format reads their records.
                    plan.layout = detected.layout
                }
            }
        } else {
            plan.format = detected.format
        }
        return plan
    }
}

extension SourceFormat {
    /// Formats read line by line, which a later run can resume where the last one stopped.
    var isLineFormat: Bool {
        switch self {
        case .messages, .batchResults, .telemetry, .claudeCode: return true
        default: return false
        }
    }
}

/// Prices each parsed record and passes it on in batches; counts and reports rejects.
final class ParsingSink: ParseSink, @unchecked Sendable {
    let path: String
    var pricer: Pricer
    var format: SourceFormat
    var channel: BatchChannel?
    /// How far the file was read, set by the reading thread when it is done.
    var outcome: ReadOutcome?
    private(set) var rejected = 0
    private(set) var ignored = 0
    private var batch: RecordBatch
    private let maxReported: Int
    private let diagnostic: @Sendable (String) -> Void
    static let batchSize = 2048

    init(path: String, pricer: Pricer, format: SourceFormat, maxReported: Int, diagnostic: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.pricer = pricer
        self.format = format
        self.maxReported = maxReported
        self.diagnostic = diagnostic
        batch = RecordBatch(capacity: Self.batchSize, format: format)
    }

    func accept(_ record: UsageRecord) throws {
        // Messages a client generated itself were never sent to the API: not billed, not requests.
        if record.model == ModelID.synthetic {
            ignored += 1
            return
        }
        batch.append(record, pricer.price(record))
        if batch.count == Self.batchSize { try flush() }
    }

    func note(_ fact: SourceFact) throws {
        batch.facts.append(fact)
    }

    func flush() throws {
        guard batch.count > 0 || !batch.facts.isEmpty else { return }
        batch.format = format
        try channel!.send(batch)
        batch = RecordBatch(capacity: Self.batchSize, format: format)
    }

    func reject(line: Int, reason: String) {
        rejected += 1
        if rejected <= maxReported { diagnostic("\(path):\(line): \(reason)") }
    }

    func ignore(line: Int) {
        ignored += 1
    }

    func reportSuppressed() {
        let extra = rejected - maxReported
        if extra > 0 { diagnostic("\(path): \(extra) more rejected lines not shown") }
    }
}

/// Counts bytes and files done and calls the progress callback at most a few times a second.
final class ProgressMeter: @unchecked Sendable {
    private let report: (@Sendable (IngestProgress) -> Void)?
    private let start = Date()
    private var last = Date.distantPast
    private var progress: IngestProgress
    private let lock = NSLock()

    init(filesTotal: Int, bytesTotal: Int64, report: (@Sendable (IngestProgress) -> Void)?) {
        self.report = report
        progress = IngestProgress(filesDone: 0, filesTotal: filesTotal, bytesDone: 0, bytesTotal: bytesTotal, seconds: 0)
    }

    func read(_ bytes: Int) { update { $0.bytesDone += Int64(bytes) } }

    func fileDone() { update { $0.filesDone += 1 } }

    private func update(_ change: (inout IngestProgress) -> Void) {
        guard let report else { return }
        lock.lock()
        change(&progress)
        let now = Date()
        let due = now.timeIntervalSince(last) >= 0.2 || progress.filesDone == progress.filesTotal
        if due {
            last = now
            progress.seconds = now.timeIntervalSince(start)
        }
        let snapshot = progress
        lock.unlock()
        if due { report(snapshot) }
    }
}

/// A bounded hand-off of batches between one producer and one consumer thread.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [RecordBatch] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity = 8

    struct Cancelled: Error {}

    /// Blocks while the consumer is behind; throws when the consumer gave up.
    func send(_ batch: RecordBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        queue.append(batch)
        condition.broadcast()
    }

    /// Ends the stream, with the producer's error if it failed.
    func finish(failure: (any Error)?) {
        condition.lock()
        finished = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, nil at the end; rethrows the producer's failure.
    func receive() throws -> RecordBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Called by the consumer when it stops early, to release a blocked producer; waits for it to finish.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
