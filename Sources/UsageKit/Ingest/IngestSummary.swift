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
