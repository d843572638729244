/// Assembles streamed responses from their events: usage from `message_start`, then the last value of each field
/// the `message_delta` events carry (their usage is cumulative, never summed).
///
/// Streams logged by a concurrent app interleave, each event in an envelope with its request id: one stream is kept
/// open per request id. Events without one belong to the stream in progress, as in a saved stream.
///
/// A stream that ends without `message_stop` (an `error` event, a cut connection) still counts what was used.
final class StreamAssembler {
    private let extractor: MessageExtractor
    private let sink: ParseSink
    /// The streams in progress, in the order they started: at most one, unless streams interleave.
    private var open: [OpenStream] = []
    /// The format stamped on the records assembled (nil: the file's).
    var format: SourceFormat?
    /// Where the value being fed starts in its file: a stream it starts is read again from there if still open
    /// when the file ends.
    var position: ValueStart?
    /// Offsets below this were read by an earlier run, which rewound to the start of a stream still open then:
    /// events there of streams that began before the rewind were counted by that run.
    var readBefore: Int64 = 0

    private struct OpenStream {
        var key: String?
        var record: UsageRecord
        var start: ValueStart?
        /// A `message_delta` gave the stop reason: the usage is final, whether or not a `message_stop` follows.
        var settled = false
    }

    /// More streams in flight at once than any one log interleaves: past it, the oldest is taken as cut off, so
    /// that a log whose streams never close holds no more than this in memory.
    static let maxOpen = 64

    /// Where the earliest stream still open starts.
    var earliestOpenStart: ValueStart? {
        open.lazy.compactMap(\.start).min { $0.offset < $1.offset }
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
            let key = envelope.flatMap { extractor.requestID(tape, envelope: $0) }
            // A new stream ends an earlier one of the same request id (without one: the earlier unnamed one), and
            // those whose usage is final.
            if !open.isEmpty {
                var i = 0
                while i < open.count {
                    if open[i].key == key || open[i].settled {
                        try sink.accept(open.remove(at: i).record)
                    } else {
                        i += 1
                    }
                }
                if open.count >= Self.maxOpen { try sink.accept(open.removeFirst().record) }
            }
            guard let message = tape.member(event, "message"), extractor.isMessage(tape, message) else {
                sink.reject(line: line, reason: "message_start without a message carrying model and usage")
                return
            }
            switch extractor.extract(tape, message: message, envelope: envelope ?? event, line: line) {
            case .record(var r):
                r.format = format
                open.append(OpenStream(key: key, record: r, start: position))
            case .invalid(let reason): sink.reject(line: line, reason: reason)
            case .noUsage: sink.ignore(line: line)
            }
        case "message_delta":
            guard let i = stream(tape, envelope) else {
                if !isReadAgain(tape, envelope) {
                    sink.reject(line: line, reason: "message_delta before any message_start")
                }
                return
            }
            var record = open[i].record
            if let delta = tape.member(event, "delta"), let stop = tape.member(delta, "stop_reason"),
                let reason = tape.string(stop)
            {
                record.stopReason = reason
                open[i].settled = true
            }
            if let usage = tape.member(event, "usage"), tape.kind(usage) == .object {
                if let failure = extractor.readUsage(tape, usage, into: &record, requireCounts: false) {
                    sink.reject(line: line, reason: failure)
                    return
                }
            }
            open[i].record = record
        case "message_stop", "error":
            if let i = stream(tape, envelope) {
                try sink.accept(open.remove(at: i).record)
            } else if type == "error" && !isReadAgain(tape, envelope) {
                // An error outside any stream is an error response: valid, but it carries no usage.
                sink.ignore(line: line)
            }
        default:
            break
        }
    }

    /// The open stream an event belongs to: the one of its envelope's request id, else (an event without one, or
    /// a stream begun without one) the stream in progress.
    private func stream(_ tape: JSONTape, _ envelope: Int?) -> Int? {
        guard let last = open.indices.last else { return nil }
        // One unnamed stream at a time, as a saved stream is: no envelope to look into.
        if last == 0 && open[0].key == nil { return 0 }
        guard let envelope, let key = extractor.requestID(tape, envelope: envelope) else { return last }
        if open[last].key == key { return last }
        if let i = open.lastIndex(where: { $0.key == key }) { return i }
        return open[last].key == nil ? last : nil
    }

    /// Whether an event of no open stream was read by the run before, as part of a stream that began before the
    /// point this read resumed at (and was counted then).
    private func isReadAgain(_ tape: JSONTape, _ envelope: Int?) -> Bool {
        guard let position, position.offset < readBefore, let envelope else { return false }
        return extractor.requestID(tape, envelope: envelope) != nil
    }

    /// Emits the streams in progress, if any.
    func finish() throws {
        while !open.isEmpty { try sink.accept(open.removeFirst().record) }
    }
}

/// Parses server-sent event streams (`event:` / `data:` lines) of the Messages API.
struct StreamParser: LogParser {
    static let format = SourceFormat.sse
    static let reading = LogReading.events

    let context: ParseContext

    static func parse(values reader: LineReader, context: ParseContext, into sink: ParseSink) throws {
        try StreamParser(context: context).parse(reader, into: sink)
    }

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
