#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The layout of a usage log, told from its first bytes rather than its name.
enum FileLayout: Equatable {
    /// One JSON value per line (and, read the same way, any mix of values spread over lines or back to back).
    case jsonLines
    /// JSON values back to back, spread over lines: pretty-printed objects one after another.
    case jsonValues
    /// One JSON document (an object or an array), possibly spread over many lines.
    case jsonDocument
    /// Server-sent events (`event:` / `data:` lines).
    case serverSentEvents
    /// Nothing but whitespace.
    case empty
    /// Not a format the tool reads.
    case unknown

}

enum FormatDetector {
    static let headLength = 64 << 10

    /// The file's layout and, for files of JSON values, the label its first telling record gives it (each record
    /// is read as the shape it has; the label names the file in the ledger); a document's format is told once it
    /// is parsed.
    static func detect(path: String) throws -> (layout: FileLayout, format: SourceFormat?) {
        try detect(head: readHead(path: path, length: headLength))
    }

    /// The layout and label of a file from its first `headLength` bytes (all of them when it is shorter).
    static func detect(head: [UInt8]) -> (layout: FileLayout, format: SourceFormat?) {
        let layout = detect(head: head, complete: head.count < headLength)
        if layout == .jsonDocument || layout == .jsonLines || layout == .jsonValues, isPriceList(head: head) {
            return (.unknown, nil)
        }
        switch layout {
        case .serverSentEvents: return (layout, .sse)
        case .jsonLines:
            // The first line, parsed once for both questions below when it starts the head and ends within it
            // (every file's head is read, and its first line may be long).
            let first = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            if first < head.count, ![0x20, 0x09, 0x0A, 0x0D].contains(head[first]),
                let newline = head[first...].firstIndex(of: 0x0A)
            {
                let tape = JSONTape()
                let parsed = head[first..<newline].withUnsafeBufferPointer { (try? tape.parse($0)) != nil }
                if parsed && documentFormat(tape) != MessagesParser.format { return (.jsonDocument, nil) }
                if parsed && tape.kind(tape.root) == .object, let told = lineFormat(tape) { return (layout, told) }
                return (layout, lineFormat(head: head, from: newline + 1))
            }
            // A document saved on one line (curl output, compact json.dump) reads as a JSON line: tell it apart.
            if isOneLineDocument(head: head) { return (.jsonDocument, nil) }
            return (layout, lineFormat(head: head))
        case .jsonValues: return (layout, lineFormat(head: head))
        case .jsonDocument, .empty, .unknown: return (layout, nil)
        }
    }

    static func readHead(path: String, length: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        // Read straight into the array's storage, neither zeroed first nor copied after: every file's head is read.
        var failure: Int32?
        let head = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            var filled = 0
            while filled < length {
                let n = read(fd, buffer.baseAddress! + filled, length - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                filled += n
            }
            count = filled
        }
        if let failure { throw UsageError.unreadable(path: path, reason: String(cString: strerror(failure))) }
        return head
    }

    /// The label of a file of JSON values, from the first of its head's lines that tells, else the first of its
    /// values spread over lines (or, when no value is whole within the head, from the keys the head shows).
    static func lineFormat(head: [UInt8], from lineStart: Int? = nil) -> SourceFormat {
        let tape = JSONTape()
        let first = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var start = lineStart ?? first
        while start < head.count {
            guard let end = head[start...].firstIndex(of: 0x0A) else { break }
            let told: SourceFormat? = head[start..<end].withUnsafeBufferPointer { line in
                guard (try? tape.parse(line)) != nil, tape.kind(tape.root) == .object else { return nil }
                return lineFormat(tape)
            }
            if let told { return told }
            start = end + 1
        }
        // Values spread over lines: one after the other, as far as the head holds them whole.
        let told: SourceFormat? = head.withUnsafeBufferPointer { bytes in
            var rest = UnsafeBufferPointer(rebasing: bytes[first...])
            while !rest.isEmpty {
                let next: Int?
                do { next = try tape.parseFirst(rest) } catch { return nil }
                if tape.kind(tape.root) == .object, let told = lineFormat(tape) { return told }
                guard let next else { return nil }
                rest = UnsafeBufferPointer(rebasing: rest[next...])
            }
            return nil
        }
        if let told { return told }
        return head.withUnsafeBufferPointer { LogFormats.recognizing(.valuesHead($0)) } ?? MessagesParser.format
    }

    /// A price list (LiteLLM's, or the tool's own export) is not a usage log: `usage pricing import` reads it.
    ///
    /// Told by where its keys stand, not by their mere presence: a log can hold any key deep inside one record (a
    /// tool call's input that edits prices), and a file of records must never be passed over for it. LiteLLM's
    /// file is one object of model entries, so `input_cost_per_token` is a key of a member of the root; the tool's
    /// export is one object with `models` and `unit` at its top. A file of several values is never a price list.
    static func isPriceList(head: [UInt8]) -> Bool {
        var depth = 0
        var values = 0
        var topKeys = Set<String>()
        var liteLLM = false
        var i = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < head.count {
            let c = head[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 { values += 1 }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { return false }
            case UInt8(ascii: "\""):
                var end = i + 1
                while end < head.count, head[end] != UInt8(ascii: "\"") {
                    end += head[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < head.count else { break }
                var after = end + 1
                while after < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[after]) { after += 1 }
                if after < head.count, head[after] == UInt8(ascii: ":"), depth <= 2 {
                    let key = String(decoding: head[(i + 1)..<end], as: UTF8.self)
                    if depth == 1 { topKeys.insert(key) }
                    if depth == 2 && key == "input_cost_per_token" { liteLLM = true }
                }
                i = end
            default:
                if depth == 0 && c > 0x20 { values += 1 }
            }
            if values > 1 { return false }
            i += 1
        }
        return liteLLM || (topKeys.contains("models") && (topKeys.contains("unit") || topKeys.contains("currency")))
    }

    /// Whether the file's first line is a whole document of a document-only format (an Admin API page, a session
    /// tracker file, a batch object or summary) rather than the first of many JSON lines.
    static func isOneLineDocument(head: [UInt8]) -> Bool {
        var start = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[start]) { start += 1 }
        let end = head[start...].firstIndex(of: 0x0A) ?? head.count
        let tape = JSONTape()
        let parsed: Bool = head[start..<end].withUnsafeBufferPointer { (try? tape.parse($0)) != nil }
        if parsed { return documentFormat(tape) != MessagesParser.format }
        guard end == head.count else { return false }
        // A first line longer than the head: its opening keys tell.
        return head.withUnsafeBufferPointer { LogFormats.recognizing(.documentHead($0)) } != nil
    }

    /// The format of the JSON document at `index` (the root unless said): the first format whose parser
    /// recognizes it, else `messages`, whose records tell their own shapes.
    static func documentFormat(_ tape: JSONTape, _ index: Int? = nil) -> SourceFormat {
        let sample = DetectionSample.document(tape, index: index ?? tape.root, isRoot: index == nil)
        return LogFormats.recognizing(sample) ?? MessagesParser.format
    }

    /// The format one JSON line shows, or nil when it could belong to several: the first format whose parser
    /// recognizes the line, else the shape of the record (a response, bare or in an envelope, whatever flat fields
    /// sit beside it; a stream event; a batch result; a flat telemetry record; a document among values).
    static func lineFormat(_ tape: JSONTape) -> SourceFormat? {
        LogFormats.recognizing(.line(tape)) ?? RecordShape.classify(tape, tape.root).format
    }

    /// `complete` says whether `head` is the whole file.
    static func detect(head: [UInt8], complete: Bool) -> FileLayout {
        var start = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[start]) { start += 1 }
        guard start < head.count else { return .empty }
        let rest = head[start...]
        for prefix in ["event:", "data:", "id:", ":"] where rest.starts(with: prefix.utf8) {
            return .serverSentEvents
        }
        // JSON Lines when the first line stands alone as a JSON object, or when most lines of the head do (a
        // file whose first line is damaged is still a JSON Lines file).
        let tape = JSONTape()
        var lines = 0
        var objects = 0
        var lineStart = start
        while let newline = head[lineStart...].firstIndex(of: 0x0A) {
            let isObject: Bool = head[lineStart..<newline].withUnsafeBufferPointer { line in
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return false }
                return (try? tape.parse(line)) != nil && tape.kind(tape.root) == .object
            }
            // A first line that is an object settles it: the other lines need not be parsed (a head is 64 KiB of
            // a file of thousands, and every file's head is read).
            if lines == 0 && isObject { return .jsonLines }
            lines += 1
            if isObject { objects += 1 }
            lineStart = newline + 1
        }
        if complete && lineStart < head.count {
            // The last line of a whole file, without its newline.
            let isObject: Bool = head[lineStart...].withUnsafeBufferPointer { line in
                (try? tape.parse(line)) != nil && tape.kind(tape.root) == .object
            }
            if lines == 0 {
                if isObject { return .jsonLines }
                return head[start] == UInt8(ascii: "{") || head[start] == UInt8(ascii: "[") ? .jsonDocument : .unknown
            }
            lines += 1
            if isObject { objects += 1 }
        }
        if objects >= 2 && objects * 2 >= lines { return .jsonLines }
        if head[start] == UInt8(ascii: "{") || head[start] == UInt8(ascii: "[") {
            // A first value whole within the head and more after it: values back to back.
            let more: Bool = head[start...].withUnsafeBufferPointer { bytes in
                do { return try tape.parseFirst(bytes) != nil } catch { return false }
            }
            if more { return .jsonValues }
            // A document spread over lines, or one line longer than the head.
            return lines == 0 && !complete && head[start] == UInt8(ascii: "{") ? .jsonLines : .jsonDocument
        }
        return .unknown
    }
}
