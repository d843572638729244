/// The shape of one logged record (one JSON value), told by the record itself rather than by its file.
///
/// A file of JSON values may mix shapes line by line: logged responses, log envelopes, flat telemetry records,
/// streaming events and batch results. Each is read as what it is.
enum RecordShape: Equatable {
    /// A Messages API response at `message`, with the attribution of `envelope` (the same object when bare).
    /// Flat fields beside it (headline token counts, a model) are attribution at most, never the usage.
    case response(message: Int, envelope: Int)
    /// A response logged as a JSON string at `text` (`"body": "{\"id\":...}"`).
    case responseText(text: Int, envelope: Int)
    /// A streaming event (`message_start`, `message_delta`, ...) at `event`: bare, or in an envelope's `event`.
    case streamEvent(event: Int, type: String, envelope: Int)
    /// A Message Batches result (`custom_id` + `result`) at `entry`: bare, or inside an envelope.
    case batchResult(entry: Int, envelope: Int)
    /// A flat telemetry record: a model and token counts at the top level, and no response.
    case telemetry
    /// A whole document of a document format (a batch object, an Admin API page, a tracker file) among values.
    case document(SourceFormat)
    /// Looks like usage (a `usage`, or a model with token counts) but is none of the above: rejected, never
    /// passed over in silence.
    case unreadable(String)
    /// Nothing usage-like: a log line of another kind, an error response, `[]`.
    case nothing

    /// The format a record of this shape is stored as.
    var format: SourceFormat? {
        switch self {
        case .response, .responseText, .streamEvent: return .messages
        case .batchResult: return .batchResults
        case .telemetry: return .telemetry
        case .document(let format): return format
        case .unreadable, .nothing: return nil
        }
    }

    /// The shape of the object at `index`. With `forced`, only records of that format are read: a record whose
    /// own shape is another format is rejected when it carries usage (naming its shape), and passed over when it
    /// carries none. The record's own shape wins over the forced format: a line that holds a whole response beside
    /// flat headline fields is a response, so `--format telemetry` rejects it rather than read it as flat counts.
    static func classify(_ tape: JSONTape, _ index: Int, forced: SourceFormat? = nil) -> RecordShape {
        guard tape.kind(index) == .object else { return .nothing }
        guard let forced else { return classify(tape, index) }
        let parser = forced.parser
        switch parser.reading {
        case .records:
            let shape = classify(tape, index)
            if shape.format == forced { return shape }
            switch shape {
            case .unreadable:
                return shape
            case .nothing:
                // As the telemetry format always read: an object with a top-level model is a record, whose
                // missing counts are then reported.
                return forced == .telemetry && tape.member(index, "model") != nil ? .telemetry : .nothing
            case .response, .responseText, .streamEvent, .batchResult, .telemetry, .document:
                guard shape.carriesUsage(tape) else { return .nothing }
                return .unreadable("\(shape.name), not \(parser.recordName) (--format \(forced.rawValue))")
            }
        case .document, .lines, .events:
            return .document(forced)
        }
    }

    /// Whether a record of this shape holds usage of its own: a stream's `content_block_*`, `message_stop` and
    /// `ping` events, an errored, expired or canceled batch result and a batch object do not.
    private func carriesUsage(_ tape: JSONTape) -> Bool {
        switch self {
        case .response, .responseText, .telemetry: return true
        case .streamEvent(let event, let type, _): return type == "message_start" || tape.member(event, "usage") != nil
        case .batchResult(let entry, _):
            // Only a result that says it was not billed holds none: a malformed one is reported, as it always is.
            let type = tape.member(entry, "result").flatMap { tape.member($0, "type") }.flatMap(tape.string)
            return type != "errored" && type != "expired" && type != "canceled"
        case .document(let kind): return kind != .batchObject
        case .unreadable: return true
        case .nothing: return false
        }
    }

    /// The shape as a diagnostic names it.
    private var name: String {
        switch self {
        case .response, .responseText: return "a Messages response"
        case .streamEvent(_, let type, _): return "a streaming event (\(type))"
        case .batchResult: return "a batch result"
        case .telemetry: return "a flat telemetry record"
        case .document(let kind): return "a \(kind.rawValue) document"
        case .unreadable, .nothing: return "a record"
        }
    }

    private static func classify(_ tape: JSONTape, _ index: Int) -> RecordShape {
        // Events before responses: a `message_start` holds a response, the first of the stream's usage.
        if let type = StreamAssembler.eventType(tape, index) {
            return .streamEvent(event: index, type: type, envelope: index)
        }
        if isMessage(tape, index) { return .response(message: index, envelope: index) }
        // An envelope: the response (or event, or batch result) under one of its keys, attribution beside it.
        // One key after the other, no array: this runs for every record.
        var unreadable: String?
        func look(_ key: StaticString, text: Bool) -> RecordShape? {
            guard let candidate = tape.member(index, key) else { return nil }
            switch tape.kind(candidate) {
            case .object:
                if isMessage(tape, candidate) { return .response(message: candidate, envelope: index) }
                if let type = StreamAssembler.eventType(tape, candidate) {
                    return .streamEvent(event: candidate, type: type, envelope: index)
                }
                if isBatchEntry(tape, candidate) { return .batchResult(entry: candidate, envelope: index) }
                if unreadable == nil, let why = notAResponse(tape, candidate) { unreadable = "\(key).\(why)" }
            case .string where text:
                if let string = tape.string(candidate), string.contains("\"usage\"") {
                    return .responseText(text: candidate, envelope: index)
                }
            case .string, .array, .number, .bool, .null:
                break
            }
            return nil
        }
        if let shape = look("response", text: true) ?? look("message", text: true) ?? look("body", text: true)
            ?? look("event", text: false) ?? look("data", text: false) ?? look("result", text: false)
        {
            return shape
        }
        // A bare batch result: a succeeded one holds a response, read at batch rates under its custom id. (Its
        // `result` is no response itself, so the envelope keys above passed over it; logged responses, the common
        // case, are told without looking for a custom id.)
        if isBatchEntry(tape, index) { return .batchResult(entry: index, envelope: index) }
        let model = tape.member(index, "model")
        if model != nil && (tape.member(index, "input_tokens") != nil || tape.member(index, "output_tokens") != nil) {
            return .telemetry
        }
        let document = FormatDetector.documentFormat(tape, index)
        if document != .messages && (document != .sessionTracker || isTracker(tape, index)) {
            return .document(document)
        }
        if tape.member(index, "usage") != nil {
            // A Claude Code headless run's `result` message: its usage is the run's, read by the Claude Code parser.
            if tape.member(index, "type").flatMap(tape.string) == "result"
                && (tape.member(index, "total_cost_usd") != nil || tape.member(index, "modelUsage") != nil)
            {
                return .nothing
            }
            return .unreadable(notAResponse(tape, index) ?? "usage cannot be read")
        }
        if let unreadable { return .unreadable(unreadable) }
        return .nothing
    }

    /// An object with a `model` and a `usage` object: a response (its fields are checked when it is read).
    static func isMessage(_ tape: JSONTape, _ index: Int) -> Bool {
        guard tape.kind(index) == .object, let usage = tape.member(index, "usage"), tape.kind(usage) == .object else {
            return false
        }
        return tape.member(index, "model") != nil
    }

    /// A tracker file among other values: its first session has a request history (a log line may well count
    /// `sessions` of its own).
    private static func isTracker(_ tape: JSONTape, _ index: Int) -> Bool {
        guard let sessions = tape.member(index, "sessions") else { return false }
        let first = tape.kind(sessions) == .object ? tape.members(sessions).first?.value : tape.elements(sessions).first
        return first.map { tape.member($0, "request_history") != nil } ?? false
    }

    static func isBatchEntry(_ tape: JSONTape, _ index: Int) -> Bool {
        tape.member(index, "custom_id") != nil && tape.member(index, "result") != nil
    }

    /// Why an object carrying `usage` is not a response; nil when it carries none.
    private static func notAResponse(_ tape: JSONTape, _ index: Int) -> String? {
        guard let usage = tape.member(index, "usage") else { return nil }
        switch tape.kind(usage) {
        case .object: return tape.member(index, "model") == nil ? "usage without a model" : nil
        case .null: return "usage is null"
        case .string: return "usage is a string, not an object"
        case .number: return "usage is a number, not an object"
        case .array: return "usage is an array, not an object"
        case .bool: return "usage is a boolean, not an object"
        }
    }
}

/// Reads the records of a file of JSON values, or of one JSON document, each value as the shape it has.
///
/// A stream's events are assembled in order wherever they sit; batch results are counted for their batch; a
/// record that looks like usage but cannot be read is rejected with its reason.
struct RecordParser {
    let context: ParseContext
    /// The format the user forced (`--format`), if any: only records of that format are read.
    var forced: SourceFormat? = nil
    /// On a read resumed at the start of a stream left open, where the run before stopped reading.
    var readBefore: Int64 = 0

    /// Reads a file of JSON values (JSON Lines, pretty-printed values back to back, or any mix).
    func parseValues(_ reader: LineReader, into sink: ParseSink) throws {
        let records = RecordReader(context: context, forced: forced, sink: sink)
        records.assembler.readBefore = readBefore
        try JSONLines().forEachValue(reader, sink: sink) { tape, start in
            var lines = LineCounter(tape.bytes, firstLine: start.line)
            records.assembler.position = start
            if tape.kind(tape.root) == .array {
                try records.readArray(tape, tape.root, lines: &lines)
            } else {
                try records.read(tape, tape.root, line: start.line, lines: &lines)
            }
        }
        // Streams still open at the end are counted with what they used so far, and read again next time from
        // the start of the earliest, so their final usage replaces the partial one. The streams that ended after
        // it are read again too, and count once: a response is stored once, with its largest output.
        let openStream = records.assembler.earliestOpenStart
        try records.finish()
        if let openStream, openStream.offset < reader.consumed {
            reader.rewind(to: openStream.offset, lines: openStream.line - 1)
        }
    }

    /// Reads one JSON document: an object, or an array whose every element is a record.
    func parseDocument(_ tape: JSONTape, lines: inout LineCounter, into sink: ParseSink) throws {
        let records = RecordReader(context: context, forced: forced, sink: sink)
        if tape.kind(tape.root) == .array {
            try records.readArray(tape, tape.root, lines: &lines)
        } else {
            try records.read(tape, tape.root, line: lines.line(at: tape.offset(tape.root)), lines: &lines)
        }
        try records.finish()
    }
}

/// The state of one file's read: the stream being assembled and the batch outcomes counted.
final class RecordReader {
    let context: ParseContext
    let forced: SourceFormat?
    let sink: ParseSink
    let extractor: MessageExtractor
    let assembler: StreamAssembler
    private var outcomes: BatchOutcomes
    private var sawBatchResult = false

    init(context: ParseContext, forced: SourceFormat?, sink: ParseSink) {
        self.context = context
        self.forced = forced
        self.sink = sink
        extractor = MessageExtractor(context: context)
        assembler = StreamAssembler(extractor: extractor, sink: sink)
        outcomes = BatchOutcomes(batchID: context.batchID)
        sawBatchResult = forced == .batchResults
        // Where a file mixes shapes, each record carries its own; under a forced format, the file's.
        if forced == nil { assembler.format = .messages }
    }

    /// Each element of an array, as a record of its own. An empty array holds nothing usage-like.
    func readArray(_ tape: JSONTape, _ array: Int, lines: inout LineCounter) throws {
        if array == tape.root, forced == nil, FormatDetector.documentFormat(tape, array) == .batchSummary {
            return try readDocument(.batchSummary, tape, lines: &lines)
        }
        let elements = tape.elements(array)
        if elements.isEmpty { sink.ignore(line: lines.line(at: tape.offset(array))) }
        for element in elements {
            try read(tape, element, line: lines.line(at: tape.offset(element)), lines: &lines)
        }
    }

    /// One record: the object (or other value) at `index`, starting on `line`.
    func read(_ tape: JSONTape, _ index: Int, line: Int, lines: inout LineCounter) throws {
        let shape = RecordShape.classify(tape, index, forced: forced)
        let format = forced == nil ? shape.format : nil
        switch shape {
        case .response(let message, let envelope):
            try emit(extractor.extract(tape, message: message, envelope: envelope, line: line), format, line: line)
        case .responseText(let text, let envelope):
            try emit(extractor.extract(tape, text: text, envelope: envelope, line: line), format, line: line)
        case .streamEvent(let event, let type, let envelope):
            try assembler.feed(tape, event, type: type, envelope: envelope, line: line)
        case .batchResult(let entry, let envelope):
            try readBatchResult(tape, entry: entry, envelope: envelope, line: line, format: format)
        case .telemetry:
            // A forced telemetry read takes any object with a model; one with counts beside it carries usage.
            let requireModel =
                forced == nil || tape.member(index, "input_tokens") != nil || tape.member(index, "output_tokens") != nil
            try emit(
                TelemetryParser.read(tape, index, extractor: extractor, line: line, requireModel: requireModel), format,
                line: line)
        case .document(let kind):
            guard index == tape.root else {
                sink.ignore(line: line)
                return
            }
            try readDocument(kind, tape, lines: &lines)
        case .unreadable(let reason):
            sink.reject(line: line, reason: reason)
        case .nothing:
            sink.ignore(line: line)
        }
    }

    private func readDocument(_ kind: SourceFormat, _ tape: JSONTape, lines: inout LineCounter) throws {
        // Among other values, the document's requests are stored as its format, not the file's.
        let sink: ParseSink = forced == nil ? StampingSink(sink, format: kind) : self.sink
        let parser = kind.parser
        switch parser.reading {
        case .document: try parser.parse(document: tape, lines: &lines, context: context, into: sink)
        case .records, .lines, .events: sink.ignore(line: lines.line(at: tape.offset(tape.root)))
        }
    }

    /// Hands on what a record held. The extraction is consumed, not copied: this runs for every request.
    private func emit(_ extraction: consuming Extraction, _ format: SourceFormat?, line: Int) throws {
        switch consume extraction {
        case .record(var record):
            record.format = format
            try sink.accept(record)
        case .invalid(let reason): sink.reject(line: line, reason: reason)
        case .noUsage: sink.ignore(line: line)
        }
    }

    private func readBatchResult(_ tape: JSONTape, entry: Int, envelope: Int, line: Int, format: SourceFormat?) throws {
        sawBatchResult = true
        guard let id = tape.member(entry, "custom_id").flatMap(tape.string),
            let result = tape.member(entry, "result"), tape.kind(result) == .object,
            let type = tape.member(result, "type").flatMap(tape.string)
        else {
            sink.reject(line: line, reason: "not a batch result: expected custom_id and result.type")
            return
        }
        switch type {
        case "succeeded":
            guard let message = tape.member(result, "message"), extractor.isMessage(tape, message) else {
                sink.reject(line: line, reason: "succeeded result without a message carrying model and usage")
                return
            }
            var extraction = extractor.extract(tape, message: message, envelope: envelope, line: line)
            if case .record(var record) = extraction {
                record.format = format
                extraction = .record(record)
            }
            try outcomes.accept(extraction, customID: id, line: line, sink: sink)
        case "errored": outcomes.errored += 1
        case "expired": outcomes.expired += 1
        case "canceled": outcomes.canceled += 1
        default: sink.reject(line: line, reason: "unknown batch result type '\(type)'")
        }
    }

    /// Emits the stream still open and the batch outcomes counted.
    func finish() throws {
        try assembler.finish()
        if sawBatchResult { try sink.note(.batchOutcomes(outcomes)) }
    }
}

/// Passes everything on to another sink, stamping a format on the records that carry none.
private final class StampingSink: ParseSink {
    let target: ParseSink
    let stamp: SourceFormat

    init(_ target: ParseSink, format: SourceFormat) {
        self.target = target
        stamp = format
    }

    var format: SourceFormat {
        get { target.format }
        set { target.format = newValue }
    }

    func accept(_ record: UsageRecord) throws {
        var record = record
        if record.format == nil { record.format = stamp }
        try target.accept(record)
    }

    func note(_ fact: SourceFact) throws { try target.note(fact) }
    func reject(line: Int, reason: String) { target.reject(line: line, reason: reason) }
    func ignore(line: Int) { target.ignore(line: line) }
}
