/// What a parser needs to know about the file it reads.
struct ParseContext: Sendable {
    var path: String
    /// The file's modification time, standing in for records that log no timestamp.
    var fileTimestamp: Int64
    /// Offset in seconds east of UTC for a zoneless local time (given as milliseconds read as if UTC).
    var zone: TimeZoneRule
    /// For batch results: the batch's `ended_at`, standing in for lines without a timestamp of their own.
    var batchEndedAt: Int64? = nil
    /// For batch results: the batch id told by the file's name.
    var batchID: String? = nil
    /// The format the user forced (`--format`), if any: only records of that format are read.
    var forced: SourceFormat? = nil
    /// On a read resumed at the start of a stream left open, where the run before stopped reading.
    var readBefore: Int64 = 0

    /// The time for a record that logs none: the batch's end, else the file's modification time.
    var fallbackTimestamp: Int64 { batchEndedAt ?? fileTimestamp }

    func parseTimestamp(_ tape: JSONTape, _ index: Int) -> Int64? {
        switch tape.kind(index) {
        case .number:
            return tape.double(index).flatMap(Timestamp.fromEpoch)
        case .string:
            guard var text = tape.string(index) else { return nil }
            if let ms = text.withUTF8({ Timestamp.parse($0, defaultOffset: zone.offset) }) { return ms }
            // Epoch seconds written as a string.
            return Double(text).flatMap(Timestamp.fromEpoch)
        case .object, .array, .bool, .null:
            return nil
        }
    }

    /// The time the first of `keys` present in `object` gives; nil when none is (or all are null). A timestamp
    /// that is present but unreadable is an error: a wrong date would price the request at the wrong rates.
    func timestamp(
        _ tape: JSONTape, _ object: Int, _ a: StaticString, _ b: StaticString? = nil, _ c: StaticString? = nil,
        _ d: StaticString? = nil
    ) throws(ParseFailure) -> Int64? {
        func read(_ key: StaticString?) throws(ParseFailure) -> Int64?? {
            guard let key, let value = tape.member(object, key), !tape.isNull(value) else { return nil }
            guard let ms = parseTimestamp(tape, value) else {
                let shown = tape.kind(value) == .string ? tape.string(value)! : tape.rawText(value)
                throw ParseFailure("\(key) '\(shown.prefix(40))' is not an ISO 8601 time or epoch seconds")
            }
            return .some(ms)
        }
        // Four calls, not a loop over an array: this runs for every request.
        if let ms = try read(a) { return ms }
        if let ms = try read(b) { return ms }
        if let ms = try read(c) { return ms }
        if let ms = try read(d) { return ms }
        return nil
    }
}
