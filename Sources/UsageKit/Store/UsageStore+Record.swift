import Foundation

extension UsageStore {
    /// Stores one Messages API response an app holds (its JSON body, or a stream's server-sent events), read,
    /// priced and deduplicated as `ingest` reads a file that holds it, in one transaction. Recording the same
    /// response again stores nothing: it counts as a duplicate.
    ///
    /// `source` names the response in issues, as a path names a file. `receivedAt` dates a response that states
    /// no time of its own (a response body states none). Nothing is added to the ingest ledger.
    public func record(
        response: Data, source: String, receivedAt: Date = Date(), options: IngestOptions = IngestOptions(),
        onIssue: @escaping @Sendable (IngestIssue) -> Void = { _ in }
    ) throws -> IngestSummary {
        try Ingestor(database: database, options: options, onIssue: onIssue)
            .record([UInt8](response), name: source, receivedAt: Int64(receivedAt.timeIntervalSince1970 * 1000))
    }
}
