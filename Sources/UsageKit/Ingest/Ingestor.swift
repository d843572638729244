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
        let sink = StoringSink(path: path, pricer: pricer, maxReported: options.maxReportedRejectsPerFile, diagnostic: diagnostic)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        do {
            try database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO files (path, format, size, modified_at, ingested_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(path) DO UPDATE SET format = excluded.format, size = excluded.size,
                          modified_at = excluded.modified_at, ingested_at = excluded.ingested_at
                        """,
                    arguments: [absolute, layout.format.rawValue, size, context.fileTimestamp, Int64(Date().timeIntervalSince1970 * 1000)])
                let fileID = try Int64.fetchOne(db, sql: "SELECT id FROM files WHERE path = ?", arguments: [absolute])!
                sink.inserter = try RequestInserter(db: db, fileID: fileID, format: layout.format.rawValue)
                switch layout {
                case .serverSentEvents:
                    try StreamParser(context: context).parse(LineReader(path: path), into: sink)
                case .jsonDocument:
                    let bytes = try LineReader.readAll(path: path, limit: MessagesParser.documentLimit)
                    try MessagesParser(context: context).parseDocument(bytes, into: sink)
                default:
                    try MessagesParser(context: context).parseLines(LineReader(path: path), into: sink)
                }
                sink.inserter = nil
                try db.execute(
                    sql: "UPDATE files SET requests = requests + ?, rejected = ? WHERE id = ?",
                    arguments: [sink.summary.newRequests, sink.summary.rejectedLines, fileID])
            }
        } catch let error as UsageError {
            diagnostic(error.description)
            summary.failedPaths += 1
            return
        } catch let error as DatabaseError {
            throw UsageError.database(path: database.path, reason: error.message ?? "\(error.resultCode)")
        }
        sink.reportSuppressed()
        pricer = sink.pricer
        summary.files += 1
        summary.newRequests += sink.summary.newRequests
        summary.duplicates += sink.summary.duplicates
        summary.rejectedLines += sink.summary.rejectedLines
        summary.ignoredLines += sink.summary.ignoredLines
        summary.unpricedRequests += sink.summary.unpricedRequests
        summary.undatedRequests += sink.summary.undatedRequests
    }
}

/// Prices each parsed record and stores it; counts and reports rejects.
private final class StoringSink: ParseSink {
    let path: String
    var pricer: Pricer
    var inserter: RequestInserter?
    var summary = IngestSummary()
    private let maxReported: Int
    private let diagnostic: (String) -> Void

    init(path: String, pricer: Pricer, maxReported: Int, diagnostic: @escaping (String) -> Void) {
        self.path = path
        self.pricer = pricer
        self.maxReported = maxReported
        self.diagnostic = diagnostic
    }

    func accept(_ record: UsageRecord) throws {
        let price = pricer.price(record)
        if try inserter!.insert(record, price: price) {
            summary.newRequests += 1
            if price.cost == nil { summary.unpricedRequests += 1 }
            if record.timestampFromFile { summary.undatedRequests += 1 }
        } else {
            summary.duplicates += 1
        }
    }

    func reject(line: Int, reason: String) {
        summary.rejectedLines += 1
        if summary.rejectedLines <= maxReported { diagnostic("\(path):\(line): \(reason)") }
    }

    func ignore(line: Int) {
        summary.ignoredLines += 1
    }

    func reportSuppressed() {
        let extra = summary.rejectedLines - maxReported
        if extra > 0 { diagnostic("\(path): \(extra) more rejected lines not shown") }
    }
}
