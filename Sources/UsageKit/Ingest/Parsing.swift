import Foundation

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
}

/// What a parser needs to know about the file it reads.
struct ParseContext: Sendable {
    var path: String
    /// The file's modification time, standing in for records that log no timestamp.
    var fileTimestamp: Int64
    /// Offset in seconds east of UTC for a zoneless local time (given as milliseconds read as if UTC).
    var zone: TimeZoneRule
    /// For batch results: the batch's `ended_at`, standing in for lines without a timestamp of their own.
    var batchEndedAt: Int64? = nil
    /// For batch results: the batch id told by the file's name.
    var batchID: String? = nil

    /// The time for a record that logs none: the batch's end, else the file's modification time.
    var fallbackTimestamp: Int64 { batchEndedAt ?? fileTimestamp }

    func parseTimestamp(_ tape: JSONTape, _ index: Int) -> Int64? {
        switch tape.kind(index) {
        case .number:
            return tape.double(index).flatMap(Timestamp.fromEpoch)
        case .string:
            guard var text = tape.string(index) else { return nil }
            if let ms = text.withUTF8({ Timestamp.parse($0, defaultOffset: zone.offset) }) { return ms }
            // Epoch seconds written as a string.
            return Double(text).flatMap(Timestamp.fromEpoch)
        default:
            return nil
        }
    }

    /// The time the first of `keys` present in `object` gives; nil when none is (or all are null). A timestamp
    /// that is present but unreadable is an error: a wrong date would price the request at the wrong rates.
    func timestamp(
        _ tape: JSONTape, _ object: Int, _ a: StaticString, _ b: StaticString? = nil, _ c: StaticString? = nil,
        _ d: StaticString? = nil
    ) throws(ParseFailure) -> Int64? {
        func read(_ key: StaticString?) throws(ParseFailure) -> Int64?? {
            guard let key, let value = tape.member(object, key), !tape.isNull(value) else { return nil }
            guard let ms = parseTimestamp(tape, value) else {
                let shown = tape.kind(value) == .string ? tape.string(value)! : tape.rawText(value)
                throw ParseFailure("\(key) '\(shown.prefix(40))' is not an ISO 8601 time or epoch seconds")
            }
            return .some(ms)
        }
        // Four calls, not a loop over an array: this runs for every request.
        if let ms = try read(a) { return ms }
        if let ms = try read(b) { return ms }
        if let ms = try read(c) { return ms }
        if let ms = try read(d) { return ms }
        return nil
    }
}

/// What one JSON value holds, seen as a logged Messages API response.
enum Extraction {
    case record(UsageRecord)
    /// Valid JSON, but not a response with usage.
    case noUsage
    /// A response whose usage is malformed; the reason names the field.
    case invalid(String)
}

/// Reads the usage of a Messages API response out of a parsed JSON value, with the attribution of the log envelope
/// it sits in (`RecordShape` tells where the response is).
struct MessageExtractor {
    let context: ParseContext
    /// No token count of one request (or one day of an organization's) comes near this; larger values are
    /// damaged input, and refusing them keeps every sum far from overflow.
    static let maxTokens: Int64 = 1_000_000_000_000
    /// A second tape for envelopes that hold the response as a JSON string.
    private let inner = JSONTape()

    init(context: ParseContext) {
        self.context = context
    }

    /// A response logged as a JSON string (at `text`): parsed apart, keeping the outer envelope's attribution.
    func extract(_ tape: JSONTape, text: Int, envelope: Int, line: Int) -> Extraction {
        var base: UsageRecord
        do throws(ParseFailure) {
            base = try attribution(tape, envelope: envelope)
        } catch {
            return .invalid(error.reason)
        }
        guard var string = tape.string(text) else { return .noUsage }
        let result: Extraction? = string.withUTF8 { bytes in
            guard (try? inner.parse(bytes)) != nil, isMessage(inner, inner.root) else { return nil }
            return fill(&base, from: inner, message: inner.root, line: line)
        }
        return result ?? .invalid("a JSON string that mentions usage but is not a response with a model and usage")
    }

    /// An object with a `model` and a `usage` object.
    func isMessage(_ tape: JSONTape, _ index: Int) -> Bool {
        guard tape.kind(index) == .object, let usage = tape.member(index, "usage"), tape.kind(usage) == .object else {
            return false
        }
        return tape.member(index, "model") != nil
    }

    /// The response at `message`, with the attribution `envelope` carries (often the same object).
    func extract(_ tape: JSONTape, message: Int, envelope: Int, line: Int) -> Extraction {
        do throws(ParseFailure) {
            var base = try attribution(tape, envelope: envelope)
            return fill(&base, from: tape, message: message, line: line)
        } catch {
            return .invalid(error.reason)
        }
    }

    /// Attribution an envelope carries beside the response: time, request id, session, workflow, project.
    func attribution(_ tape: JSONTape, envelope: Int) throws(ParseFailure) -> UsageRecord {
        var record = UsageRecord(
            timestamp: context.fallbackTimestamp, timestampFromFile: context.batchEndedAt == nil, model: "",
            tokens: TokenCounts())
        if let ms = try context.timestamp(tape, envelope, "timestamp", "created_at", "ts", "time") {
            record.timestamp = ms
            record.timestampFromFile = false
        }
        func text(_ object: Int, _ key: StaticString, _ alternative: StaticString? = nil) -> String? {
            if let value = tape.member(object, key), let s = tape.string(value), !s.isEmpty { return s }
            if let alternative, let value = tape.member(object, alternative), let s = tape.string(value), !s.isEmpty {
                return s
            }
            return nil
        }
        record.requestID = requestID(tape, envelope: envelope)
        record.session = text(envelope, "session_id", "sessionId") ?? text(envelope, "session")
        record.workflow = text(envelope, "workflow")
        record.taskType = text(envelope, "task_type", "taskType")
        record.project = text(envelope, "project")
        if let metadata = tape.member(envelope, "metadata"), tape.kind(metadata) == .object {
            record.session = record.session ?? text(metadata, "session_id", "sessionId") ?? text(metadata, "session")
            record.workflow = record.workflow ?? text(metadata, "workflow")
            record.taskType = record.taskType ?? text(metadata, "task_type", "taskType")
            record.project = record.project ?? text(metadata, "project")
            record.requestID = record.requestID ?? text(metadata, "request_id")
        }
        return record
    }

    /// The request id an envelope names at its top level (`request_id`, `requestId`): what keeps interleaved
    /// streams apart.
    func requestID(_ tape: JSONTape, envelope: Int) -> String? {
        if let value = tape.member(envelope, "request_id"), let s = tape.string(value), !s.isEmpty { return s }
        if let value = tape.member(envelope, "requestId"), let s = tape.string(value), !s.isEmpty { return s }
        return nil
    }

    /// Completes `record` with the model, ids and usage of the response at `message`.
    func fill(_ record: inout UsageRecord, from tape: JSONTape, message: Int, line: Int) -> Extraction {
        guard let modelIndex = tape.member(message, "model"), let model = tape.string(modelIndex), !model.isEmpty else {
            return .invalid("model is not a string")
        }
        record.model = model
        record.line = line
        if let id = tape.member(message, "id") { record.messageID = tape.string(id) }
        if let stop = tape.member(message, "stop_reason") { record.stopReason = tape.string(stop) }
        guard let usage = tape.member(message, "usage") else { return .invalid("usage is missing") }
        if let failure = readUsage(tape, usage, into: &record, requireCounts: true) { return .invalid(failure) }
        return .record(record)
    }

    /// Reads the fields of a `usage` object. Fields absent from it leave `record` unchanged unless required.
    /// Returns a reason when a field is malformed.
    func readUsage(_ tape: JSONTape, _ usage: Int, into record: inout UsageRecord, requireCounts: Bool) -> String? {
        func count(_ index: Int?, _ name: String) -> (value: Int64?, error: String?) {
            guard let index, !tape.isNull(index) else { return (nil, nil) }
            switch tape.integer(index) {
            case .value(let v) where v >= 0 && v <= MessageExtractor.maxTokens: return (v, nil)
            case .value(let v) where v > MessageExtractor.maxTokens:
                return (nil, "usage.\(name) \(v) is beyond any real count")
            default: return (nil, "usage.\(name) is not a non-negative whole number")
            }
        }
        let input = count(tape.member(usage, "input_tokens"), "input_tokens")
        let output = count(tape.member(usage, "output_tokens"), "output_tokens")
        if let e = input.error ?? output.error { return e }
        if requireCounts {
            guard let i = input.value else { return "usage.input_tokens is missing" }
            guard let o = output.value else { return "usage.output_tokens is missing" }
            record.tokens.input = i
            record.tokens.output = o
        } else {
            if let i = input.value { record.tokens.input = i }
            if let o = output.value { record.tokens.output = o }
        }
        let creation = count(tape.member(usage, "cache_creation_input_tokens"), "cache_creation_input_tokens")
        let read = count(tape.member(usage, "cache_read_input_tokens"), "cache_read_input_tokens")
        if let e = creation.error ?? read.error { return e }
        if let r = read.value { record.tokens.cacheRead = r }
        var w5: Int64?
        var w1: Int64?
        if let split = tape.member(usage, "cache_creation"), tape.kind(split) == .object {
            let a = count(tape.member(split, "ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens")
            let b = count(tape.member(split, "ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens")
            if let e = a.error ?? b.error { return e }
            w5 = a.value
            w1 = b.value
        }
        if w5 != nil || w1 != nil {
            record.tokens.cacheWrite1h = w1 ?? 0
            // Whatever the total has beyond the split is written with the default 5-minute lifetime.
            let total = creation.value ?? 0
            record.tokens.cacheWrite5m = max(w5 ?? 0, total - (w1 ?? 0))
        } else if let total = creation.value {
            // A total without its split: the 1-hour part already known (from a stream's message_start) stands,
            // and the rest is 5-minute writes.
            record.tokens.cacheWrite1h = min(record.tokens.cacheWrite1h, total)
            record.tokens.cacheWrite5m = total - record.tokens.cacheWrite1h
        }
        if let tools = tape.member(usage, "server_tool_use"), tape.kind(tools) == .object {
            let search = count(tape.member(tools, "web_search_requests"), "server_tool_use.web_search_requests")
            let fetch = count(tape.member(tools, "web_fetch_requests"), "server_tool_use.web_fetch_requests")
            if let e = search.error ?? fetch.error { return e }
            if let s = search.value { record.webSearchRequests = s }
            if let f = fetch.value { record.webFetchRequests = f }
        }
        if let details = tape.member(usage, "output_tokens_details"), tape.kind(details) == .object {
            let thinking = count(tape.member(details, "thinking_tokens"), "output_tokens_details.thinking_tokens")
            if let e = thinking.error { return e }
            if let t = thinking.value { record.thinkingTokens = t }
        }
        if let tier = tape.member(usage, "service_tier"), let s = tape.string(tier) { record.serviceTier = s }
        if let geo = tape.member(usage, "inference_geo"), let s = tape.string(geo) { record.inferenceGeo = s }
        if let speed = tape.member(usage, "speed"), let s = tape.string(speed) { record.speed = s }
        if let list = tape.member(usage, "iterations"), tape.kind(list) == .array {
            // A stream's message_delta repeats the whole list as it grows: the latest one stands.
            switch readIterations(tape, list, count: count) {
            case .success(let iterations): record.iterations = iterations.isEmpty ? nil : iterations
            case .failure(let failure): return failure.reason
            }
        }
        return nil
    }

    /// The `compaction` and `advisor_message` entries of `usage.iterations`, summed; `message` entries (the
    /// response's own sampling steps, already in the top-level usage) and kinds not known yet are passed over.
    ///
    /// Each entry has `type`, `input_tokens`, `output_tokens`, `cache_creation_input_tokens`,
    /// `cache_read_input_tokens` and the 5m/1h `cache_creation` split; an `advisor_message` also names its `model`
    /// (the Messages API's `BetaCompactionIterationUsage`, `BetaAdvisorMessageIterationUsage`).
    private func readIterations(
        _ tape: JSONTape, _ list: Int, count: (Int?, String) -> (value: Int64?, error: String?)
    ) -> Result<IterationUsage, ParseFailure> {
        var iterations = IterationUsage()
        for (i, entry) in tape.elements(list).enumerated() {
            let name = "iterations[\(i)]"
            guard tape.kind(entry) == .object, let type = tape.member(entry, "type").flatMap(tape.string) else {
                return .failure(ParseFailure("usage.\(name) is not an object with a type"))
            }
            guard type == "compaction" || type == "advisor_message" else { continue }
            let input = count(tape.member(entry, "input_tokens"), "\(name).input_tokens")
            let output = count(tape.member(entry, "output_tokens"), "\(name).output_tokens")
            let creation = count(tape.member(entry, "cache_creation_input_tokens"), "\(name).cache_creation_input_tokens")
            let read = count(tape.member(entry, "cache_read_input_tokens"), "\(name).cache_read_input_tokens")
            var w5: (value: Int64?, error: String?) = (nil, nil)
            var w1: (value: Int64?, error: String?) = (nil, nil)
            if let split = tape.member(entry, "cache_creation"), tape.kind(split) == .object {
                w5 = count(tape.member(split, "ephemeral_5m_input_tokens"), "\(name).cache_creation.ephemeral_5m_input_tokens")
                w1 = count(tape.member(split, "ephemeral_1h_input_tokens"), "\(name).cache_creation.ephemeral_1h_input_tokens")
            }
            if let e = input.error ?? output.error ?? creation.error ?? read.error ?? w5.error ?? w1.error {
                return .failure(ParseFailure(e))
            }
            var tokens = TokenCounts(input: input.value ?? 0, cacheRead: read.value ?? 0, output: output.value ?? 0)
            // As at the top level: whatever the total has beyond the split is written with the 5-minute lifetime.
            tokens.cacheWrite1h = w1.value ?? 0
            tokens.cacheWrite5m = max(w5.value ?? 0, (creation.value ?? 0) - tokens.cacheWrite1h)
            if type == "compaction" {
                iterations.compactions += 1
                iterations.compactionTokens.add(tokens)
            } else {
                guard let model = tape.member(entry, "model").flatMap(tape.string), !model.isEmpty else {
                    return .failure(ParseFailure("usage.\(name).model is missing: an advisor call is priced at its own model"))
                }
                if let known = iterations.advisorModel, known != model {
                    return .failure(ParseFailure("usage.iterations name two advisor models, \(known) and \(model)"))
                }
                iterations.advisorModel = model
                iterations.advisorCalls += 1
                iterations.advisorTokens.add(tokens)
            }
        }
        return .success(iterations)
    }
}

/// Where a JSON value begins in its file.
struct ValueStart: Sendable, Equatable {
    /// The 1-based line of the value's first byte.
    var line: Int
    /// The byte offset of the value's first byte: a boundary a later run can resume at.
    var offset: Int64
}

/// Runs a handler on each JSON value of a file of JSON values, in order: one per line (JSON Lines), several on one
/// line written back to back (`{...}{...}`), or one spread over many lines (pretty-printed objects back to back, as
/// `msg.to_json()` or `json.dumps(x, indent=2)` in a loop write them), in any mix.
///
/// Blank lines and a byte order mark are skipped; malformed and over-long lines are rejected. A value cut short at
/// the end of the file (a last line without its newline that is not yet valid JSON, or a value spread over lines
/// whose end has not been written) is left for the next run: the reader's resume point is put back to its start.
///
/// The common case costs what JSON Lines always did: each line is parsed once as a whole. Only a line that holds
/// more than one value, or the first line of a value that goes on past it, takes the slower paths.
struct JSONLines {
    let tape = JSONTape()

    /// `wanted`, when given, sees each line's raw bytes first: a line it declines is passed over unparsed (counted
    /// as without usage). That keeps files of mostly irrelevant lines cheap.
    func forEach(
        _ reader: LineReader, sink: ParseSink, wanted: ((UnsafeBufferPointer<UInt8>) -> Bool)? = nil,
        _ handle: (JSONTape, Int) throws -> Void
    ) throws {
        try forEachValue(reader, sink: sink, wanted: wanted) { tape, start in try handle(tape, start.line) }
    }

    /// Like `forEach`, telling where each value starts (a value's line numbers count from its first line).
    func forEachValue(
        _ reader: LineReader, sink: ParseSink, wanted: ((UnsafeBufferPointer<UInt8>) -> Bool)? = nil,
        _ handle: (JSONTape, ValueStart) throws -> Void
    ) throws {
        let tape = self.tape
        // A value spread over lines: its bytes so far (lines joined by newlines), where it starts, and the column
        // of its first byte in its first line.
        var pending: [UInt8] = []
        var pendingStart: ValueStart?
        var pendingColumn = 0
        var nesting = NestingScanner()
        // Past the limit a value is not held any more: it is followed to its end, then rejected.
        var pendingTooLong = false
        // A value cut short by the end of the file, on its last line.
        var leftover: ValueStart?

        func dropPending() {
            // A small buffer is kept for the next value; a large one is given back.
            pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
            pendingStart = nil
            pendingTooLong = false
            nesting = NestingScanner()
        }
        func gather(_ bytes: UnsafeBufferPointer<UInt8>, newline: Bool) {
            guard !pendingTooLong else { return }
            if pending.count + bytes.count > MessagesParser.documentLimit {
                pendingTooLong = true
                pending.removeAll(keepingCapacity: false)
                return
            }
            pending.append(contentsOf: bytes)
            if newline { pending.append(0x0A) }
        }
        /// Rejects the value being gathered, which cannot be closed.
        func rejectPending(_ why: String) {
            if let start = pendingStart { sink.reject(line: start.line, reason: "invalid JSON: \(why)") }
            dropPending()
        }
        /// Parses and hands on the value just gathered whole.
        func finishPending() throws {
            guard let start = pendingStart else { return }
            if pendingTooLong {
                sink.reject(line: start.line, reason: "a JSON value over \(MessagesParser.documentLimit >> 20) MiB, skipped")
                return dropPending()
            }
            let column = pendingColumn
            try pending.withUnsafeBufferPointer { buffer in
                do throws(JSONSyntaxError) {
                    try tape.parse(buffer)
                } catch {
                    let (line, col) = MessagesParser.lineAndColumn(buffer, offset: error.offset)
                    let at = line == 1 ? "column \(col + column - 1)" : "line \(start.line + line - 1), column \(col)"
                    sink.reject(line: start.line, reason: "invalid JSON at \(at): \(error.message)")
                    return
                }
                try handle(tape, start)
            }
            dropPending()
        }

        try reader.forEachLine { line, number in
            guard case .text(var bytes, let terminated) = line else {
                if pendingStart != nil { rejectPending("the value is not closed before line \(number), which is too long") }
                // Where most lines carry no usage (transcripts), an over-long line is one of those.
                if wanted != nil {
                    sink.ignore(line: number)
                } else {
                    sink.reject(line: number, reason: "line longer than \(LineReader.defaultMaxLineLength >> 20) MiB, skipped")
                }
                return true
            }
            // While a line is handled, the reader's position is that line's first byte.
            var lineOffset = reader.consumed
            if number == 1 {
                let whole = bytes.count
                bytes = MessagesParser.droppingByteOrderMark(bytes)
                lineOffset += Int64(whole - bytes.count)
            }
            var rest = bytes
            var restOffset = lineOffset
            var handledAny = false
            if pendingStart != nil {
                if let first = rest.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                    // A value that begins at the start of a line is a new one: the one gathered was cut short.
                    rejectPending("the value is not closed before line \(number)")
                } else {
                    // Scanned on a copy: a last line without its newline may be still being written, and is then
                    // read again, with the whole value from its start, next time.
                    var scanner = nesting
                    if let end = scanner.scan(rest) {
                        nesting = scanner
                        gather(UnsafeBufferPointer(rebasing: rest[..<end]), newline: false)
                        try finishPending()
                        handledAny = true
                        rest = UnsafeBufferPointer(rebasing: rest[end...])
                        restOffset += Int64(end)
                    } else if !terminated {
                        return false
                    } else if scanner.inString {
                        rejectPending("a string runs past the end of line \(number)")
                        return true
                    } else {
                        nesting = scanner
                        gather(rest, newline: true)
                        return true
                    }
                }
            } else if let wanted, !Self.isBlank(bytes), !wanted(bytes) {
                if !terminated { return false }
                sink.ignore(line: number)
                return true
            }
            while true {
                var skip = 0
                while skip < rest.count, rest[skip] == 0x20 || rest[skip] == 0x09 || rest[skip] == 0x0D { skip += 1 }
                if skip == rest.count { return terminated || handledAny }
                let start = ValueStart(line: number, offset: restOffset + Int64(skip))
                let value = UnsafeBufferPointer(rebasing: rest[skip...])
                let next: Int?
                do throws(JSONSyntaxError) {
                    next = try tape.parseFirst(value)
                } catch {
                    // A last line without its newline is most likely still being written: the next run reads it.
                    if !terminated {
                        leftover = start
                        return false
                    }
                    if error.offset >= value.count, Self.opensAValue(value) {
                        var scanner = NestingScanner()
                        if scanner.scan(value) == nil && !scanner.inString && scanner.depth > 0 {
                            // The first line of a value spread over lines.
                            pendingStart = start
                            pendingColumn = Int(start.offset - lineOffset) + 1
                            gather(value, newline: true)
                            nesting = scanner
                            return true
                        }
                    }
                    let column = Int(start.offset - lineOffset) + error.offset + 1
                    sink.reject(line: number, reason: "invalid JSON at column \(column): \(error.message)")
                    return true
                }
                try handle(tape, start)
                handledAny = true
                guard let next else { return true }
                rest = UnsafeBufferPointer(rebasing: value[next...])
                restOffset = start.offset + Int64(next)
            }
        }
        // A value the end of the file cut short is read again from its start next time, unless the file is settled:
        // then no writer will finish it.
        if pendingStart != nil && reader.lastLineIsFinal {
            rejectPending("the value is not closed at the end of the file")
        } else if let start = pendingStart ?? leftover {
            reader.rewind(to: start.offset, lines: start.line - 1)
        }
    }

    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b != 0x20 && b != 0x09 && b != 0x0D { return false }
        return true
    }

    /// Whether a line that ends inside a value ends where pretty-printers break lines: after an opening bracket, a
    /// comma or a colon. A JSON line cut anywhere else is damaged, not spread over lines.
    static func opensAValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = bytes.count - 1
        while i >= 0, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D { i -= 1 }
        guard i >= 0 else { return false }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ","), UInt8(ascii: ":"): return true
        default: return false
        }
    }
}

/// Follows the nesting of brackets through a JSON value's bytes, line after line, to find where a value spread over
/// lines ends without parsing it again at each line. Syntax is checked once the value is whole.
struct NestingScanner {
    private(set) var depth = 0
    private(set) var inString = false
    private var escaped = false

    /// Scans `bytes` on from the state left by earlier calls; returns the index just past the bracket that closes
    /// the value, or nil when it is still open at the end of `bytes`.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let count = bytes.count
        while i < count {
            let c = bytes[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch c {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth <= 0 { return i + 1 }
                default: break
                }
            }
            i += 1
        }
        return nil
    }
}

/// Whether `needle` occurs in `bytes`: memchr finds candidates for its first byte, memcmp checks them.
func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    let n = needle.utf8CodeUnitCount
    let first = Int32(needle.utf8Start[0])
    var i = 0
    while i + n <= bytes.count {
        guard let hit = memchr(base + i, first, bytes.count - n - i + 1) else { return false }
        let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        if memcmp(base + at, needle.utf8Start, n) == 0 { return true }
        i = at + 1
    }
    return false
}

/// Reads a token count: a whole number from 0 to `MessageExtractor.maxTokens`; absent or null is 0 unless
/// required.
func readCount(_ tape: JSONTape, _ object: Int, _ key: StaticString, required: Bool = true) throws(ParseFailure) -> Int64 {
    guard let index = tape.member(object, key), !tape.isNull(index) else {
        if required { throw ParseFailure("\(key) is missing") }
        return 0
    }
    guard case .value(let v) = tape.integer(index), v >= 0 else {
        throw ParseFailure("\(key) is not a non-negative whole number")
    }
    guard v <= MessageExtractor.maxTokens else { throw ParseFailure("\(key) \(v) is beyond any real count") }
    return v
}
