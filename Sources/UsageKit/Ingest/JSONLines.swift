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
                sink.reject(
                    line: start.line, reason: "a JSON value over \(MessagesParser.documentLimit >> 20) MiB, skipped")
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
                if pendingStart != nil {
                    rejectPending("the value is not closed before line \(number), which is too long")
                }
                // Where most lines carry no usage (transcripts), an over-long line is one of those.
                if wanted != nil {
                    sink.ignore(line: number)
                } else {
                    sink.reject(
                        line: number, reason: "line longer than \(LineReader.defaultMaxLineLength >> 20) MiB, skipped")
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
