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
