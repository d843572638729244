#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The layout of a usage log, told from its first bytes rather than its name.
enum FileLayout: Equatable {
    /// One JSON value per line.
    case jsonLines
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

    /// The file's layout and, for line formats, its format; a document's format is told once it is parsed.
    static func detect(path: String) throws -> (layout: FileLayout, format: SourceFormat?) {
        let head = try readHead(path: path, length: headLength)
        let layout = detect(head: head, complete: head.count < headLength)
        switch layout {
        case .serverSentEvents: return (layout, .sse)
        case .jsonLines: return (layout, lineFormat(head: head))
        default: return (layout, nil)
        }
    }

    static func readHead(path: String, length: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: length)
        var filled = 0
        while filled < length {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, length - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        return Array(head[0..<filled])
    }

    /// Which line format a JSON Lines file is in, from its first line (or, when that line is longer than the head,
    /// from the keys the head shows).
    static func lineFormat(head: [UInt8]) -> SourceFormat {
        let tape = JSONTape()
        var start = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < head.count {
            let end = head[start...].firstIndex(of: 0x0A) ?? head.count
            let parsed: Bool = head[start..<end].withUnsafeBufferPointer { line in
                (try? tape.parse(line)) != nil
            }
            if parsed, tape.kind(tape.root) == .object { return lineFormat(tape) }
            if end == head.count { break }
            start = end + 1
        }
        return head.withUnsafeBufferPointer { bytes in
            if contains(bytes, "\"sessionId\"") && contains(bytes, "\"parentUuid\"") { return .claudeCode }
            if contains(bytes, "\"custom_id\"") && contains(bytes, "\"result\"") { return .batchResults }
            return .messages
        }
    }

    static func lineFormat(_ tape: JSONTape) -> SourceFormat {
        let root = tape.root
        if tape.member(root, "custom_id") != nil && tape.member(root, "result") != nil { return .batchResults }
        if tape.member(root, "sessionId") != nil || tape.member(root, "leafUuid") != nil
            || tape.member(root, "parentUuid") != nil
        {
            return .claudeCode
        }
        if tape.member(root, "model") != nil && tape.member(root, "input_tokens") != nil
            && tape.member(root, "usage") == nil
        {
            return .telemetry
        }
        return .messages
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
        switch head[start] {
        case UInt8(ascii: "["):
            return .jsonDocument
        case UInt8(ascii: "{"):
            guard let newline = rest.firstIndex(of: 0x0A) else {
                // One line in the head: a whole file is a document; a longer one is a JSON Lines file with a long line.
                return complete ? .jsonDocument : .jsonLines
            }
            let tape = JSONTape()
            let firstLine = Array(head[start..<newline])
            let parsed: Bool = firstLine.withUnsafeBufferPointer { buffer in
                do throws(JSONSyntaxError) {
                    try tape.parse(buffer)
                    return true
                } catch {
                    // A value cut at the line's end continues on the next line: a pretty-printed document.
                    return error.offset < buffer.count
                }
            }
            return parsed ? .jsonLines : .jsonDocument
        default:
            return .unknown
        }
    }
}
