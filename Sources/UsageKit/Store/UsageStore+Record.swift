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

/// What became of one received OTLP export request: the items rejected (OTLP's partial success) and why.
public struct OTLPReceipt: Sendable, Equatable {
    /// Log records, spans or data points rejected as malformed.
    public var rejected: Int
    /// The first rejection's reason.
    public var message: String?
}

extension UsageStore {
    /// Stores OTLP export requests as they arrive: read, priced and deduplicated as `ingest` reads a Collector's
    /// file export, all in one transaction (each request atomic), committed before this returns. A request sent
    /// again (an exporter's retry) stores nothing new. `source` names them in issues; `receivedAt` dates what
    /// states no time of its own. Nothing is added to the ingest ledger.
    public func receive(
        _ exports: [OTLPExport], source: String, receivedAt: Date = Date(), options: IngestOptions = IngestOptions()
    ) throws -> (summary: IngestSummary, receipts: [OTLPReceipt]) {
        let (summary, outcomes) = try Ingestor(database: database, options: options, onIssue: { _ in })
            .receive(exports, name: source, receivedAt: Int64(receivedAt.timeIntervalSince1970 * 1000))
        return (summary, outcomes.map { OTLPReceipt(rejected: $0.rejected, message: $0.firstRejection) })
    }
}
