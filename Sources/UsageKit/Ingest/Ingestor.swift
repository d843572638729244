import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        case .jsonLines, .jsonValues, .jsonDocument, .serverSentEvents:
            break
        }
        var context = ParseContext(path: path, fileTimestamp: plan.modifiedAt, zone: options.zone)
        if let format = plan.format, format.parser.namesItsBatch {
            context.batchID = BatchResultsParser.batchID(fromFileName: (path as NSString).lastPathComponent)
            if let id = context.batchID {
                context.batchEndedAt = try database.read { db in
                    try Int64.fetchOne(db, sql: "SELECT ended_at FROM batches WHERE id = ?", arguments: [id])
                }
            }
        }
        let parsing = PricingSink(
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
        var context = context
        context.forced = plan.forced
        context.readBefore = plan.resumeAt == nil ? 0 : plan.readBefore
        let format = plan.forced ?? plan.format ?? MessagesParser.format
        try format.parser.parse(values: reader, context: context, into: sink)
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
