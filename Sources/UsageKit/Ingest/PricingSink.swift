/// Prices each parsed record and passes it on in batches; counts rejects and passes the first ones on as issues,
/// with the batches, for the writer to report in file order.
///
/// It lives on the parsing thread: what it counted goes back to the writing thread as the `ParseOutcome` the
/// channel ends with.
final class PricingSink: ParseSink {
    let path: String
    var format: SourceFormat
    private var pricer: Pricer
    private let channel: BatchChannel<FileOutcome>
    private var rejected = 0
    private var ignored = 0
    private var batch: ParsedBatch
    private let maxReported: Int
    static let batchSize = 2048
    /// The room the first batch of a file starts with: most transcripts hold a few dozen requests, and thousands
    /// of files each reserving a full batch spent more time in the allocator than in the parser.
    static let firstBatchRoom = 64

    init(path: String, pricer: Pricer, format: SourceFormat, maxReported: Int, channel: BatchChannel<FileOutcome>) {
        self.path = path
        self.pricer = pricer
        self.format = format
        self.maxReported = maxReported
        self.channel = channel
        batch = ParsedBatch(records: RecordBatch(capacity: Self.firstBatchRoom, format: format))
    }

    func accept(_ record: UsageRecord) throws {
        // Messages a client generated itself were never sent to the API: not billed, not requests.
        if record.model == ModelID.synthetic {
            ignored += 1
            return
        }
        batch.records.append(record, pricer.price(record))
        if batch.records.count == Self.batchSize { try flush() }
    }

    func note(_ fact: SourceFact) throws {
        switch fact {
        case .billed(var billed):
            billed.pricedAs = billed.model.flatMap { pricer.table.lookup($0)?.id }
            batch.facts.append(.billed(billed))
        case .batch, .batchOutcomes, .headlessResult, .metrics:
            batch.facts.append(fact)
        }
    }

    func reject(line: Int, reason: String) {
        rejected += 1
        if rejected <= maxReported {
            batch.issues.append(IngestIssue(path: path, line: line, problem: .rejected(reason: reason)))
        }
    }

    func ignore(line: Int) {
        ignored += 1
    }

    /// Passes on what is gathered and not sent yet.
    func flush() throws {
        guard !batch.isEmpty else { return }
        batch.records.format = format
        batch.records.finishGrouping()
        try channel.send(batch)
        batch = ParsedBatch(records: RecordBatch(capacity: Self.batchSize, format: format))
    }

    /// What the file came to once it is read, after sending what is left.
    func finish(_ read: ReadOutcome) throws -> ParseOutcome {
        try flush()
        return ParseOutcome(
            read: read, format: format, rejected: rejected, unreported: max(0, rejected - maxReported),
            ignored: ignored, pricer: pricer)
    }
}

/// What a worker came to with one file, handed to the writing thread at the channel's end.
enum FileOutcome: Sendable {
    case parsed(ParseOutcome)
    /// Nothing to parse: the content told an empty file, or one in no known format.
    case notParsed(FileLayout)
}

/// What parsing one file came to.
struct ParseOutcome: Sendable {
    var read: ReadOutcome
    /// The file's format, as its content told it.
    var format: SourceFormat
    var rejected: Int
    /// Rejects past the number reported one by one.
    var unreported: Int
    var ignored: Int
    /// The pricer, with the models it looked up remembered for the next file.
    var pricer: Pricer
}
