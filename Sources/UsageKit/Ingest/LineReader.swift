import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streams the lines of a file through one reusable buffer, so memory stays flat whatever the file's size.
final class LineReader {
    /// Lines longer than this are skipped and reported rather than held in memory.
    static let defaultMaxLineLength = 64 << 20

    let path: String
    private let fd: Int32
    private let maxLineLength: Int

    init(path: String, maxLineLength: Int = LineReader.defaultMaxLineLength) throws {
        self.path = path
        self.maxLineLength = maxLineLength
        fd = open(path, O_RDONLY)
        if fd < 0 { throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    enum Line {
        /// A line's bytes without its terminator (and without a trailing carriage return).
        case text(UnsafeBufferPointer<UInt8>)
        /// A line over the length limit, skipped unread; the value is its length so far.
        case tooLong(Int)
    }

    /// Calls `body` with each line and its 1-based number. A last line without a newline is delivered too.
    func forEachLine(_ body: (Line, Int) throws -> Void) throws {
        var capacity = min(1 << 20, maxLineLength)
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var skipping = false
        var skipped = 0
        var atEOF = false
        while !atEOF {
            if filled == capacity {
                if capacity < maxLineLength {
                    // A line longer than the buffer: grow it, up to the limit.
                    let bigger = min(capacity * 2, maxLineLength)
                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
                    grown.update(from: buffer, count: filled)
                    buffer.deallocate()
                    buffer = grown
                    capacity = bigger
                } else {
                    skipping = true
                    skipped += filled
                    filled = 0
                }
            }
            let n = read(fd, buffer + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEOF = true }
            let end = filled + n
            var start = 0
            var scan = filled
            while scan < end, let nl = memchr(buffer + scan, 0x0A, end - scan) {
                let newline = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                if skipping {
                    try body(.tooLong(skipped + newline - start), lineNumber)
                    skipping = false
                    skipped = 0
                } else {
                    var length = newline - start
                    if length > 0 && buffer[start + length - 1] == 0x0D { length -= 1 }
                    try body(.text(UnsafeBufferPointer(start: buffer + start, count: length)), lineNumber)
                }
                start = newline + 1
                scan = start
            }
            if atEOF {
                if skipping {
                    try body(.tooLong(skipped + end - start), lineNumber + 1)
                } else if end > start {
                    var length = end - start
                    if buffer[start + length - 1] == 0x0D { length -= 1 }
                    try body(.text(UnsafeBufferPointer(start: buffer + start, count: length)), lineNumber + 1)
                }
                break
            }
            // Keep the unfinished line at the front of the buffer.
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
            }
            filled = end - start
        }
    }

    /// Reads the whole file, refusing files over `limit` bytes.
    static func readAll(path: String, limit: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw UsageError.unreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        let data = try handle.readToEnd() ?? Data()
        if data.count > limit {
            throw UsageError.unreadable(
                path: path, reason: "a single JSON document of \(data.count >> 20) MiB is over the \(limit >> 20) MiB limit; write it as JSON Lines")
        }
        return [UInt8](data)
    }
}
