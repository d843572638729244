/// Parses logged Messages API responses: JSON Lines, or one JSON document holding a response or an array of them.
///
/// JSON Lines that are streaming events (`message_start`, `message_delta`, ...) are assembled like a stream.
struct MessagesParser {
    let context: ParseContext
    /// Largest single JSON document read whole: its parse needs several times its size in memory.
    static let documentLimit = 48 << 20

    func parseLines(_ reader: LineReader, into sink: ParseSink) throws {
        let extractor = MessageExtractor(context: context)
        let assembler = StreamAssembler(extractor: extractor, sink: sink)
        // Where the stream in progress began: while a line is handled, the reader's position is that line's start.
        var openStream: (offset: Int64, lines: Int)?
        try JSONLines().forEach(reader, sink: sink) { tape, line in
            if let type = StreamAssembler.eventType(tape, tape.root) {
                if type == "message_start" { openStream = (reader.consumed, reader.consumedLines) }
                try assembler.feed(tape, tape.root, type: type, line: line)
                if !assembler.isOpen { openStream = nil }
                return
            }
            switch extractor.extract(tape, tape.root, line: line) {
            case .record(let record): try sink.accept(record)
            case .invalid(let reason): sink.reject(line: line, reason: reason)
            case .noUsage: sink.ignore(line: line)
            }
        }
        try assembler.finish()
        // A stream still open at the end is counted with what it used so far, and read again from its start next
        // time, so its final usage replaces the partial one.
        if let openStream { reader.rewind(to: openStream.offset, lines: openStream.lines) }
    }

    /// Parses a whole JSON document; each element of a top-level array is one candidate response.
    func parseDocument(_ tape: JSONTape, lines: inout LineCounter, into sink: ParseSink) throws {
        let extractor = MessageExtractor(context: context)
        let assembler = StreamAssembler(extractor: extractor, sink: sink)
        if tape.kind(tape.root) == .array {
            for element in tape.elements(tape.root) {
                let line = lines.line(at: tape.offset(element))
                try handle(tape, element, line: line, extractor: extractor, assembler: assembler, sink: sink)
            }
        } else {
            try handle(tape, tape.root, line: lines.line(at: tape.offset(tape.root)), extractor: extractor,
                assembler: assembler, sink: sink)
        }
        try assembler.finish()
    }

    private func handle(
        _ tape: JSONTape, _ index: Int, line: Int, extractor: MessageExtractor, assembler: StreamAssembler,
        sink: ParseSink
    ) throws {
        if let type = StreamAssembler.eventType(tape, index) {
            try assembler.feed(tape, index, type: type, line: line)
            return
        }
        switch extractor.extract(tape, index, line: line) {
        case .record(let record): try sink.accept(record)
        case .invalid(let reason): sink.reject(line: line, reason: reason)
        case .noUsage: sink.ignore(line: line)
        }
    }

    /// A UTF-8 byte order mark some editors put at the start of a file is not JSON.
    static func droppingByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF else { return bytes }
        return UnsafeBufferPointer(rebasing: bytes[3...])
    }

    static func lineAndColumn(_ buffer: UnsafeBufferPointer<UInt8>, offset: Int) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, buffer.count) where buffer[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }
}

/// Turns increasing byte offsets into line numbers in one pass.
struct LineCounter {
    let buffer: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var line = 1

    init(_ buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    mutating func line(at offset: Int) -> Int {
        while position < offset && position < buffer.count {
            if buffer[position] == 0x0A { line += 1 }
            position += 1
        }
        return line
    }
}
