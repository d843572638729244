/// Receives what a parser finds in one file.
protocol ParseSink: AnyObject {
    /// The file's format, once it is told (a document's, after parsing).
    var format: SourceFormat { get set }
    /// A request's usage.
    func accept(_ record: UsageRecord) throws
    /// Something a log states that is not a request: a billed amount, a batch and its outcomes.
    func note(_ fact: SourceFact) throws
    /// A malformed line or object: skipped, counted and reported as `path:line: reason`.
    func reject(line: Int, reason: String)
    /// A well-formed line that carries no usage (an error response, a log line of another kind).
    func ignore(line: Int)
}

/// What a log states besides requests.
enum SourceFact: Sendable {
    case billed(BilledCost)
    case batch(BatchObject)
    case batchOutcomes(BatchOutcomes)
    /// A headless Claude Code run's `result`: counted per model only where its session's responses are not.
    case headlessResult(HeadlessResult)
    /// Claude Code counter points at one time (OTLP metrics): an aggregated row of what they add, which only the
    /// store can tell (a cumulative series' last point is stored).
    case metrics(MetricBundle)
}

/// A reason a value is rejected.
struct ParseFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
