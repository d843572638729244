import Foundation
import GRDB

/// Settings of one ingest run.
public struct IngestOptions: Sendable {
    /// How timestamps without a zone are read.
    public var zone: TimeZoneRule
    /// At most this many rejected lines are reported per file; the rest are counted.
    public var maxReportedRejectsPerFile: Int

    public init(zone: TimeZoneRule = .utc, maxReportedRejectsPerFile: Int = 20) {
        self.zone = zone
        self.maxReportedRejectsPerFile = maxReportedRejectsPerFile
    }
}

/// The counts an ingest run ends with.
public struct IngestSummary: Sendable, Equatable {
    /// Files read.
    public var files = 0
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
    /// New requests without a logged timestamp, dated by their file's modification time.
    public var undatedRequests = 0

    public init() {}

    /// Whether some input was rejected or unreadable.
    public var hasRejections: Bool { rejectedLines > 0 || failedPaths > 0 }

    /// The run's one-line summary.
    public var line: String {
        var parts = [
            "\(files) \(files == 1 ? "file" : "files")",
            "\(newRequests) new \(newRequests == 1 ? "request" : "requests")",
            "\(duplicates) \(duplicates == 1 ? "duplicate" : "duplicates")",
            "\(rejectedLines) rejected \(rejectedLines == 1 ? "line" : "lines")",
        ]
        if failedPaths > 0 { parts.append("\(failedPaths) unreadable") }
        if ignoredLines > 0 { parts.append("\(ignoredLines) without usage") }
        if skippedFiles > 0 { parts.append("\(skippedFiles) non-log files skipped") }
        if unpricedRequests > 0 { parts.append("\(unpricedRequests) unpriced") }
        if undatedRequests > 0 { parts.append("\(undatedRequests) dated by file time") }
        return "ingested: " + parts.joined(separator: ", ")
    }
}

/// Walks paths, detects each file's format, parses it and stores its requests: one transaction per file.
public final class Ingestor {
    private let database: AppDatabase
    private var pricer: Pricer
    private let options: IngestOptions
    private let diagnostic: (String) -> Void

    /// `diagnostic` receives one message per problem (`path:line: reason`), meant for stderr.
    public init(database: AppDatabase, pricer: Pricer = Pricer(), options: IngestOptions = IngestOptions(),
        diagnostic: @escaping (String) -> Void)
    {
        self.database = database
        self.pricer = pricer
        self.options = options
        self.diagnostic = diagnostic
    }

    /// Ingests files and directories (recursively). Problems with one path never stop the others.
    public func ingest(paths: [String]) throws -> IngestSummary {
        var summary = IngestSummary()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostic("\(path): no such file or directory")
                summary.failedPaths += 1
                continue
            }
            if isDirectory.boolValue {
                for file in files(under: path, summary: &summary) {
                    try ingestFile(file, explicitlyNamed: false, summary: &summary)
                }
            } else {
                try ingestFile(path, explicitlyNamed: true, summary: &summary)
            }
        }
        return summary
    }

    /// Regular files under `directory`, sorted, hidden entries left out.
    private func files(under directory: String, summary: inout IngestSummary) -> [String] {
        let root = URL(fileURLWithPath: directory)
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles],
                errorHandler: { [diagnostic] url, error in
                    diagnostic("\(url.path): cannot read: \(error.localizedDescription)")
                    return true
                })
        else {
            diagnostic("\(directory): cannot read directory")
            summary.failedPaths += 1
            return []
        }
        var result: [String] = []
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            // Keep the path as the user spelled its directory, so sources read naturally.
            let relative = url.path.hasPrefix(root.path + "/") ? String(url.path.dropFirst(root.path.count + 1)) : url.lastPathComponent
            result.append(prefix + relative)
        }
        return result.sorted()
    }

    private func ingestFile(_ path: String, explicitlyNamed: Bool, summary: inout IngestSummary) throws {
        let layout: FileLayout
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
            layout = try FormatDetector.detect(path: path)
        } catch {
            diagnostic((error as? UsageError)?.description ?? "\(path): cannot read: \(error.localizedDescription)")
            summary.failedPaths += 1
            return
        }
        switch layout {
        case .empty:
            summary.files += 1
            return
        case .unknown:
            if explicitlyNamed {
                diagnostic("\(path): not a usage log (expected JSON, JSON Lines or server-sent events)")
                summary.failedPaths += 1
            } else {
                summary.skippedFiles += 1
            }
            return
        default:
            break
        }
        let modified = (attributes[.modificationDate] as? Date) ?? Date()
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let context = ParseContext(
            path: path, fileTimestamp: Int64((modified.timeIntervalSince1970 * 1000).rounded()), zone: options.zone)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let parsing = ParsingSink(
            path: path, pricer: pricer, maxReported: options.maxReportedRejectsPerFile, diagnostic: diagnostic)
        var stored = IngestSummary()
        do {
            try database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO files (path, format, size, modified_at, ingested_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(path) DO UPDATE SET format = excluded.format, size = excluded.size,
                          modified_at = excluded.modified_at, ingested_at = excluded.ingested_at
                        """,
                    arguments: [
                        absolute, layout.format.rawValue, size, context.fileTimestamp,
                        Int64(Date().timeIntervalSince1970 * 1000),
                    ])
                let fileID = try Int64.fetchOne(db, sql: "SELECT id FROM files WHERE path = ?", arguments: [absolute])!
                let inserter = try RequestInserter(db: db, fileID: fileID, format: layout.format.rawValue)
                // Parsing runs on its own thread while this one writes: the two halves of an ingest overlap.
                let channel = BatchChannel()
                let producer = Thread { [parsing] in
                    do {
                        parsing.channel = channel
                        switch layout {
                        case .serverSentEvents:
                            try StreamParser(context: context).parse(LineReader(path: path), into: parsing)
                        case .jsonDocument:
                            let bytes = try LineReader.readAll(path: path, limit: MessagesParser.documentLimit)
                            try MessagesParser(context: context).parseDocument(bytes, into: parsing)
                        default:
                            try MessagesParser(context: context).parseLines(LineReader(path: path), into: parsing)
                        }
                        try parsing.flush()
                        channel.finish(failure: nil)
                    } catch {
                        channel.finish(failure: error)
                    }
                }
                producer.stackSize = 8 << 20
                producer.start()
                var rollup = HourlyRollup()
                do {
                    while let batch = try channel.receive() {
                        try batch.text.withUnsafeBufferPointer { text in
                            for (index, item) in batch.items.enumerated() {
                                guard try inserter.insert(batch, index, text: text.baseAddress!) else {
                                    stored.duplicates += 1
                                    continue
                                }
                                stored.newRequests += 1
                                if item.price.cost == nil { stored.unpricedRequests += 1 }
                                if item.record.timestampFromFile { stored.undatedRequests += 1 }
                                rollup.add(item.record, item.price)
                            }
                        }
                    }
                } catch {
                    channel.cancel()
                    throw error
                }
                try rollup.merge(into: db)
                try db.execute(
                    sql: "UPDATE files SET requests = requests + ?, rejected = ? WHERE id = ?",
                    arguments: [stored.newRequests, parsing.rejected, fileID])
            }
        } catch let error as UsageError {
            diagnostic(error.description)
            summary.failedPaths += 1
            return
        } catch let error as DatabaseError {
            throw UsageError.database(path: database.path, reason: error.message ?? "\(error.resultCode)")
        }
        parsing.reportSuppressed()
        pricer = parsing.pricer
        summary.files += 1
        summary.newRequests += stored.newRequests
        summary.duplicates += stored.duplicates
        summary.unpricedRequests += stored.unpricedRequests
        summary.undatedRequests += stored.undatedRequests
        summary.rejectedLines += parsing.rejected
        summary.ignoredLines += parsing.ignored
    }
}

/// Prices each parsed record and passes it on in batches; counts and reports rejects.
private final class ParsingSink: ParseSink, @unchecked Sendable {
    let path: String
    var pricer: Pricer
    var channel: BatchChannel?
    private(set) var rejected = 0
    private(set) var ignored = 0
    private var batch = RecordBatch(capacity: ParsingSink.batchSize)
    private let maxReported: Int
    private let diagnostic: (String) -> Void
    static let batchSize = 2048

    init(path: String, pricer: Pricer, maxReported: Int, diagnostic: @escaping (String) -> Void) {
        self.path = path
        self.pricer = pricer
        self.maxReported = maxReported
        self.diagnostic = diagnostic
    }

    func accept(_ record: UsageRecord) throws {
        batch.append(record, pricer.price(record))
        if batch.count == Self.batchSize { try flush() }
    }

    func flush() throws {
        guard batch.count > 0 else { return }
        try channel!.send(batch)
        batch = RecordBatch(capacity: Self.batchSize)
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
