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

    /// Adds what storing a file did.
    mutating func add(_ other: StoreCounts) {
        for (count, stored) in Self.storeCounts { self[keyPath: count] += other[keyPath: stored] }
    }

    /// Each count of storing a file, with the count of the run it adds to.
    private static let storeCounts:
        [(WritableKeyPath<IngestSummary, Int> & Sendable, KeyPath<StoreCounts, Int> & Sendable)] = [
            (\.newRequests, \.newRequests), (\.duplicates, \.duplicates), (\.unpricedRequests, \.unpricedRequests),
            (\.undatedRequests, \.undatedRequests), (\.redatedRequests, \.redatedRequests),
            (\.unbilledBatchRequests, \.unbilledBatchRequests), (\.billedAmounts, \.billedAmounts),
        ]
}

/// A problem an ingest met with one path, handed to the caller in the order of the files; the run goes on with the
/// rest.
public struct IngestIssue: Sendable, Equatable {
    /// The kinds of problem.
    public enum Problem: Sendable, Equatable {
        /// The path does not exist.
        case notFound
        /// The path could not be read; the reason is the system's.
        case unreadable(reason: String)
        /// A file named on its own that is in no format the tool reads.
        case notAUsageLog
        /// A malformed line or object, skipped; the rest of its file still lands. The reason names the field.
        case rejected(reason: String)
        /// Rejected lines of the file past the number reported one by one: counted, not shown.
        case moreRejected(count: Int)
    }

    /// The path as it was given (or found in a directory given).
    public var path: String
    /// The 1-based line a rejected record starts on; nil for a problem with the whole path.
    public var line: Int?
    /// What went wrong.
    public var problem: Problem

    /// An issue with `path`, or with the record starting on `line` of it.
    public init(path: String, line: Int? = nil, problem: Problem) {
        self.path = path
        self.line = line
        self.problem = problem
    }
}
