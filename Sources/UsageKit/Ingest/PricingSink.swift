/// Prices each parsed record and passes it on in batches; counts and reports rejects.
final class PricingSink: ParseSink, @unchecked Sendable {
    let path: String
    var pricer: Pricer
    var format: SourceFormat
    var channel: BatchChannel?
    /// How far the file was read, set by the reading thread when it is done.
    var outcome: ReadOutcome?
    private(set) var rejected = 0
    private(set) var ignored = 0
    private var batch: RecordBatch
    private let maxReported: Int
    private let diagnostic: @Sendable (String) -> Void
    static let batchSize = 2048

    init(path: String, pricer: Pricer, format: SourceFormat, maxReported: Int, diagnostic: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.pricer = pricer
        self.format = format
        self.maxReported = maxReported
        self.diagnostic = diagnostic
        batch = RecordBatch(capacity: Self.batchSize, format: format)
    }

    func accept(_ record: UsageRecord) throws {
        // Messages a client generated itself were never sent to the API: not billed, not requests.
        if record.model == ModelID.synthetic {
            ignored += 1
            return
        }
        batch.append(record, pricer.price(record))
        if batch.count == Self.batchSize { try flush() }
    }

    func note(_ fact: SourceFact) throws {
        batch.facts.append(fact)
    }

    func flush() throws {
        guard batch.count > 0 || !batch.facts.isEmpty else { return }
        batch.format = format
        try channel!.send(batch)
        batch = RecordBatch(capacity: Self.batchSize, format: format)
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
