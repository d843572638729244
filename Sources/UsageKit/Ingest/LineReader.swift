import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streams the lines of a file through one reusable buffer, so memory stays flat whatever the file's size. (It
/// reads bytes held in memory the same way, as a file that holds them.)
///
/// Reading can start at a byte offset (where an earlier run stopped); `consumed` then tells how far the lines the
/// caller accepted reach, so the next run resumes exactly there.
final class LineReader {
    /// Lines longer than this are skipped and reported rather than held in memory.
    static let defaultMaxLineLength = 64 << 20

    let path: String
    /// The open file; -1 when the bytes are `content`.
    private let fd: Int32
    /// Bytes held in memory, read instead of a file, and how far they are read.
    private let content: [UInt8]?
    private var contentRead = 0
    private let maxLineLength: Int
    /// The bytes the file held past the start when it was opened; the buffer is no larger than needs be for them.
    private var expectedLength: Int?
    private let startOffset: Int64
    private let firstLineNumber: Int
    /// Called with the number of bytes of each chunk read, for progress.
    var onRead: ((Int) -> Void)?

    /// The byte offset just past the last line the caller accepted.
    private(set) var consumed: Int64
    /// The number of whole lines before `consumed`'s line: the last line the caller accepted, or the one before
    /// it when `consumed` stops inside a line (an accepted last line still without its newline, a rewind to a
    /// value that starts mid-line). A resumed read numbers its first line one more.
    private(set) var consumedLines: Int

    /// Whether the file is settled (unchanged for long): its last line is then final even without a newline, so
    /// a damaged one is reported instead of waiting for a writer that has gone.
    let lastLineIsFinal: Bool

    init(
        path: String, from offset: Int64 = 0, firstLine: Int = 1, maxLineLength: Int = LineReader.defaultMaxLineLength,
        lastLineIsFinal: Bool = false
    ) throws {
        self.path = path
        self.lastLineIsFinal = lastLineIsFinal
        self.maxLineLength = maxLineLength
        startOffset = offset
        firstLineNumber = firstLine
        consumed = offset
        consumedLines = firstLine - 1
        content = nil
        fd = open(path, O_RDONLY)
        if fd < 0 { throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) < 0 {
            close(fd)
            throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        if fstat(fd, &info) == 0 { expectedLength = max(0, Int(info.st_size) - Int(offset)) }
    }

    /// Reads `bytes`, named `name` in what is reported, as the whole of a file that holds them.
    init(bytes: [UInt8], name: String, lastLineIsFinal: Bool) {
        path = name
        self.lastLineIsFinal = lastLineIsFinal
        maxLineLength = Self.defaultMaxLineLength
        startOffset = 0
        firstLineNumber = 1
        consumed = 0
        consumedLines = 0
        content = bytes
        fd = -1
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Reads up to `count` bytes into `buffer`, as `read(2)` does: 0 at the end, -1 (with `errno`) on failure.
    private func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        guard let content else { return Foundation.read(fd, buffer, count) }
        let n = min(count, content.count - contentRead)
        guard n > 0 else { return 0 }
        content.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + contentRead, count: n) }
        contentRead += n
        return n
    }

    /// The open file's identity (`device:inode`) and size, as it is now.
    func status() throws -> (identity: String, size: Int64) {
        if let content { return ("", Int64(content.count)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        return ("\(info.st_dev):\(info.st_ino)", Int64(info.st_size))
    }

    /// The fingerprint of the open file's first `length` bytes (at most `Ledger.headLength`).
    func headHash(length: Int64) throws -> Int64 {
        let count = Int(min(length, Ledger.headLength))
        if let content { return content.withUnsafeBufferPointer { Ledger.headHash($0, length: Int64(count)) } }
        var head = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, count - filled, off_t(filled)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        return head[0..<filled].withUnsafeBufferPointer { FNV1a.hash($0) }
    }

    /// Moves the resume point back, to a line a later run must read again (a stream still open at the end).
    func rewind(to offset: Int64, lines: Int) {
        consumed = offset
        consumedLines = lines
    }

    enum Line {
        /// A line's bytes without its terminator (and without a trailing carriage return). `terminated` is false
        /// for a last line without a newline: possibly a line still being written.
        case text(UnsafeBufferPointer<UInt8>, terminated: Bool)
        /// A line over the length limit, skipped unread; the value is its length so far.
        case tooLong(Int)
    }

    /// Calls `body` with each line and its number. `body` returns whether it accepted the line; a last,
    /// unterminated line it does not accept is left for the next run (`consumed` stops before it).
    func forEachLine(_ body: (Line, Int) throws -> Bool) throws {
        // A file of a few hundred kilobytes gets a buffer its size (and a byte for the end), not a megabyte: a
        // tree of thousands of them spent more in the allocator than in reading. One that grows meanwhile is read
        // in more turns.
        var capacity = min(1 << 20, maxLineLength)
        if let expected = expectedLength { capacity = min(capacity, max(64 << 10, expected + 1)) }
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = firstLineNumber - 1
        var skipping = false
        var skipped = 0
        var atEOF = false
        // File offset of buffer[0].
        var bufferOffset = startOffset
        func accept(_ end: Int64, _ number: Int) {
            consumed = end
            consumedLines = number
        }
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
                    bufferOffset += Int64(filled)
                    filled = 0
                }
            }
            let n = read(into: buffer + filled, count: capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEOF = true }
            if n > 0 { onRead?(n) }
            let end = filled + n
            var start = 0
            var scan = filled
            while scan < end, let nl = memchr(buffer + scan, 0x0A, end - scan) {
                let newline = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                if skipping {
                    _ = try body(.tooLong(skipped + newline - start), lineNumber)
                    skipping = false
                    skipped = 0
                } else {
                    var length = newline - start
                    if length > 0 && buffer[start + length - 1] == 0x0D { length -= 1 }
                    _ = try body(
                        .text(UnsafeBufferPointer(start: buffer + start, count: length), terminated: true), lineNumber)
                }
                // A complete line is consumed whatever the caller made of it: rejected lines are not read again.
                accept(bufferOffset + Int64(newline + 1), lineNumber)
                start = newline + 1
                scan = start
            }
            if atEOF {
                // An over-long last line may still be being written: it is left for the next run, like any
                // unterminated line, and reported once it is complete.
                if !skipping && end > start {
                    var length = end - start
                    if buffer[start + length - 1] == 0x0D { length -= 1 }
                    let line = UnsafeBufferPointer(start: buffer + start, count: length)
                    if try body(.text(line, terminated: lastLineIsFinal), lineNumber + 1) {
                        // Read, but its newline is still to come: the next run resumes inside this line, so it
                        // counts the lines before it (as for a resume mid-line), and the newline, when it comes,
                        // ends this line instead of counting as one of its own.
                        accept(bufferOffset + Int64(end), lineNumber)
                    }
                }
                break
            }
            // Keep the unfinished line at the front of the buffer.
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                bufferOffset += Int64(start)
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
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0
        if size > limit {
            throw UsageError.unreadable(
                path: path,
                reason: "a single JSON document of \(size >> 20) MiB is over the \(limit >> 20) MiB limit;"
                    + " write it as JSON Lines")
        }
        return [UInt8](try handle.readToEnd() ?? Data())
    }
}
