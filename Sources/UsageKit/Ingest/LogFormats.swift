/// Reads one log format: recognizes its files and records, and parses them into a `ParseSink`.
///
/// Every parser stands in `LogFormats.parsers`, the one table detection, dispatch and resumability are derived
/// from. A new format is a new parser file (and its `SourceFormat` case) plus one line in that table.
protocol LogParser: Sendable {
    /// The format this parser reads.
    static var format: SourceFormat { get }
    /// How files of the format are read.
    static var reading: LogReading { get }
    /// Whether `sample` is of this format. Detection asks the parsers in the table's order; the first that
    /// recognizes a sample names its format.
    static func recognizes(_ sample: DetectionSample) -> Bool
    /// Reads one JSON document of this format (or, for formats of records, a document of records).
    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    /// Reads a file of this format value by value, or line by line.
    static func parse(values reader: LineReader, context: ParseContext, into sink: ParseSink) throws
    /// Whether the name of a file of this format carries the id of the batch its requests belong to.
    static var namesItsBatch: Bool { get }
    /// One record of this format, as a diagnostic names it.
    static var recordName: String { get }
}

extension LogParser {
    static func recognizes(_ sample: DetectionSample) -> Bool { false }
    static var namesItsBatch: Bool { false }
    static var recordName: String { "a \(format.rawValue) record" }

    /// A document read as records, each as the shape it has (or, forced, as records of the forced format).
    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        try RecordParser(context: context, forced: context.forced).parseDocument(tape, lines: &lines, into: sink)
    }

    /// JSON values read as records, each as the shape it has (or, forced, as records of the forced format).
    static func parse(values reader: LineReader, context: ParseContext, into sink: ParseSink) throws {
        try RecordParser(context: context, forced: context.forced, readBefore: context.readBefore)
            .parseValues(reader, into: sink)
    }
}

/// A format whose files are one JSON document, told by the document or, for one too long to sample whole, by the
/// keys its head shows; never by a line or a value among others.
protocol DocumentLogParser: LogParser {
    /// Whether the document at `index` of `tape` is of this format.
    static func recognizes(document tape: JSONTape, at index: Int) -> Bool
    /// Whether the head of a document too long to sample shows this format's keys.
    static func recognizes(head: UnsafeBufferPointer<UInt8>) -> Bool
}

extension DocumentLogParser {
    static var reading: LogReading { .document }

    static func recognizes(_ sample: DetectionSample) -> Bool {
        switch sample {
        case .document(let tape, let index, _): return recognizes(document: tape, at: index)
        case .documentHead(let bytes): return recognizes(head: bytes)
        case .line, .valuesHead: return false
        }
    }
}

/// How a format's files are read: what layout a forced format is read with, and whether a later run can resume a
/// file where the last one stopped.
enum LogReading: Sendable {
    /// JSON values, one per line or spread over lines, each read as the shape of record it has
    /// (`RecordParser`). Resumable.
    case records
    /// JSON lines read by the format's own parser. Resumable.
    case lines
    /// Server-sent events.
    case events
    /// One JSON document, read whole.
    case document

    /// Whether a file read this way can be read on from where the last run stopped.
    var isResumable: Bool {
        switch self {
        case .records, .lines: return true
        case .events, .document: return false
        }
    }
}

/// What detection shows the parsers.
enum DetectionSample {
    /// A whole JSON document at `index`: the file's (`isRoot`), or one value among others in a file of values.
    case document(JSONTape, index: Int, isRoot: Bool)
    /// A line of a file of JSON values (its root an object), before its record's own shape is looked at.
    case line(JSONTape)
    /// The head of a file of JSON values in which no value is whole: the keys it shows.
    case valuesHead(UnsafeBufferPointer<UInt8>)
    /// The head of a one-line document longer than the head: its opening keys.
    case documentHead(UnsafeBufferPointer<UInt8>)
}

/// The formats the tool reads.
enum LogFormats {
    /// Every format's parser, once, in the order detection asks them: Claude Code first (its headless results
    /// and progress lines hold what looks like other formats' records), the document formats by how specific
    /// their marks are, and last the formats of records, which their records' shapes tell.
    static let parsers: [any LogParser.Type] = [
        ClaudeCodeParser.self,
        OTLPParser.self,
        ClaudeCodeAnalyticsParser.self,
        BatchObjectParser.self,
        SessionTrackerParser.self,
        AdminCostParser.self,
        AdminUsageParser.self,
        BatchSummaryParser.self,
        BatchResultsParser.self,
        TelemetryParser.self,
        StreamParser.self,
        MessagesParser.self,
    ]

    /// The first format whose parser recognizes `sample`.
    static func recognizing(_ sample: DetectionSample) -> SourceFormat? {
        for parser in parsers where parser.recognizes(sample) { return parser.format }
        return nil
    }
}

extension SourceFormat {
    /// The parser of this format, from `LogFormats.parsers` (a test checks that it holds every format once).
    var parser: any LogParser.Type {
        for parser in LogFormats.parsers where parser.format == self { return parser }
        preconditionFailure("\(rawValue) has no parser in LogFormats.parsers")
    }

    /// Whether files of this format can be read on from where the last run stopped.
    var isLineFormat: Bool { parser.reading.isResumable }
}
