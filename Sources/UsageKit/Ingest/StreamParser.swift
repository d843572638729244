/// Assembles streamed responses from their events: usage from `message_start`, then the last value of each field
/// the `message_delta` events carry (their usage is cumulative, never summed).
///
/// A stream that ends without `message_stop` (an `error` event, a cut connection) still counts what was used.
final class StreamAssembler {
    private let extractor: MessageExtractor
    private let sink: ParseSink
    private var current: UsageRecord?
    /// The format stamped on the records assembled (nil: the file's).
    var format: SourceFormat?

    /// Whether a stream has started and not yet ended.
    var isOpen: Bool {
        if case .none = current { return false }
        return true
    }

    init(extractor: MessageExtractor, sink: ParseSink) {
        self.extractor = extractor
        self.sink = sink
    }

    /// Whether the JSON value is a streaming event this assembler understands.
    static func eventType(_ tape: JSONTape, _ index: Int) -> String? {
        guard tape.kind(index) == .object, let type = tape.member(index, "type"), let name = tape.string(type) else {
            return nil
        }
        switch name {
        case "message_start", "message_delta", "message_stop", "error", "ping", "content_block_start",
            "content_block_delta", "content_block_stop":
            return name
        default:
            return nil
        }
    }

    /// Feeds one event; `envelope` is where attribution (timestamp, request id) may sit: the event itself, or the
    /// log envelope the event was written in.
    func feed(_ tape: JSONTape, _ event: Int, type: String, envelope: Int? = nil, line: Int) throws {
        switch type {
        case "message_start":
            try finish()
            guard let message = tape.member(event, "message"), extractor.isMessage(tape, message) else {
                sink.reject(line: line, reason: "message_start without a message carrying model and usage")
                return
            }
            switch extractor.extract(tape, message: message, envelope: envelope ?? event, line: line) {
            case .record(var r):
                r.format = format
                current = r
            case .invalid(let reason): sink.reject(line: line, reason: reason)
            case .noUsage: sink.ignore(line: line)
            }
        case "message_delta":
            guard var record = current else {
                sink.reject(line: line, reason: "message_delta before any message_start")
                return
            }
            if let delta = tape.member(event, "delta"), let stop = tape.member(delta, "stop_reason"),
                let reason = tape.string(stop)
            {
                record.stopReason = reason
            }
            if let usage = tape.member(event, "usage"), tape.kind(usage) == .object {
                if let failure = extractor.readUsage(tape, usage, into: &record, requireCounts: false) {
                    sink.reject(line: line, reason: failure)
                    return
                }
            }
            current = record
        case "message_stop", "error":
            // An error outside any stream is an error response: valid, but it carries no usage.
            if current == nil && type == "error" { sink.ignore(line: line) }
            try finish()
        default:
            break
        }
    }

    /// Emits the stream in progress, if any.
    func finish() throws {
        if let record = current {
            current = nil
            try sink.accept(record)
        }
    }
}

/// Parses server-sent event streams (`event:` / `data:` lines) of the Messages API.
struct StreamParser {
    let context: ParseContext

    func parse(_ reader: LineReader, into sink: ParseSink) throws {
        let tape = JSONTape()
        let extractor = MessageExtractor(context: context)
        let assembler = StreamAssembler(extractor: extractor, sink: sink)
        try reader.forEachLine { line, number in
            guard case .text(var bytes, let terminated) = line else {
                sink.reject(line: number, reason: "line longer than the limit, skipped")
                return true
            }
            if number == 1 { bytes = MessagesParser.droppingByteOrderMark(bytes) }
            // Only `data:` lines carry JSON; `event:`, `id:`, comments and blank lines frame it.
            guard bytes.count >= 5, bytes[0] == UInt8(ascii: "d"), bytes[1] == UInt8(ascii: "a"),
                bytes[2] == UInt8(ascii: "t"), bytes[3] == UInt8(ascii: "a"), bytes[4] == UInt8(ascii: ":")
            else { return true }
            var payload = UnsafeBufferPointer(rebasing: bytes[5...])
            if payload.first == 0x20 { payload = UnsafeBufferPointer(rebasing: payload[1...]) }
            if payload.isEmpty || payload.elementsEqual("[DONE]".utf8) { return true }
            do throws(JSONSyntaxError) {
                try tape.parse(payload)
            } catch {
                if !terminated { return false }
                sink.reject(line: number, reason: "invalid JSON in data: \(error.message)")
                return true
            }
            if let type = StreamAssembler.eventType(tape, tape.root) {
                try assembler.feed(tape, tape.root, type: type, line: number)
            } else {
                sink.ignore(line: number)
            }
            return true
        }
        try assembler.finish()
    }
}
