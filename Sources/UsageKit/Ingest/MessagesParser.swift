/// Logged Messages API responses: bare, in log envelopes, as streamed events or in any mix with other records,
/// each read by `RecordParser` as the shape it has. What no other parser recognizes is read this way.
///
/// Also what reading JSON files shares: limits, a byte order mark, positions.
enum MessagesParser: LogParser {
    static let format = SourceFormat.messages
    static let reading = LogReading.records
    static let recordName = "a Messages response"

    /// Largest single JSON document read whole: its parse needs several times its size in memory.
    static let documentLimit = 48 << 20

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

    /// `firstLine`: the number of the line `buffer` starts on (a value in the middle of a file).
    init(_ buffer: UnsafeBufferPointer<UInt8>, firstLine: Int = 1) {
        self.buffer = buffer
        line = firstLine
    }

    mutating func line(at offset: Int) -> Int {
        while position < offset && position < buffer.count {
            if buffer[position] == 0x0A { line += 1 }
            position += 1
        }
        return line
    }
}
