import GRDB

/// One file of the ingest ledger, as `usage sources` lists it.
public struct SourceFile: Sendable, Equatable {
    public var path: String
    public var format: String
    /// Requests this file added to the database (duplicates of other files not included).
    public var requests: Int64
    /// Lines rejected at its last whole read, plus those of later resumed reads.
    public var rejected: Int64
    public var size: Int64
    /// Bytes read so far; less than `size` while a last line is still being written.
    public var consumed: Int64
    /// Milliseconds since 1970 UTC.
    public var lastIngest: Int64
    /// For batch results and summaries: requests that errored, expired or were canceled (not billed).
    public var unbilledBatchRequests: Int64?

    /// Every file of the ledger, by path.
    static func fetchAll(_ db: Database) throws -> [SourceFile] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(wholeText("f.path")), f.format, f.requests, f.rejected, f.size, f.consumed, f.ingested_at,
                  b.errored + b.expired + b.canceled
                FROM files f LEFT JOIN batch_outcomes b ON b.file_id = f.id ORDER BY f.path
                """
        ).map { r in
            SourceFile(
                path: r[0], format: r[1], requests: r[2], rejected: r[3], size: r[4], consumed: r[5], lastIngest: r[6],
                unbilledBatchRequests: r[7])
        }
    }
}
