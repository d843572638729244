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

}
