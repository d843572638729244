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

    var format: SourceFormat { self == .serverSentEvents ? .sse : .messages }
}

enum FormatDetector {
    static let headLength = 64 << 10

    static func detect(path: String) throws -> FileLayout {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: headLength)
        let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, headLength) }
        if n < 0 { throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        return detect(head: Array(head[0..<n]), complete: n < headLength)
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
