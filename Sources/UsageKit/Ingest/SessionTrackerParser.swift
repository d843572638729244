/// Session tracker persistence files: `{"sessions": {...} or [...], "saved_at": ...}`.
///
/// Every `request_history` entry is one request of its session's model. Their `input_tokens` INCLUDE the cached
/// tokens (which are cache reads); `total_usage` is their sum and is not counted again.
enum SessionTrackerParser: DocumentLogParser {
    static let format = SourceFormat.sessionTracker

    static func recognizes(document tape: JSONTape, at index: Int) -> Bool {
        guard tape.kind(index) == .object, let sessions = tape.member(index, "sessions") else { return false }
        return tape.kind(sessions) == .object || tape.kind(sessions) == .array
    }

    static func recognizes(head: UnsafeBufferPointer<UInt8>) -> Bool { contains(head, "\"request_history\"") }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        guard let sessions = tape.member(tape.root, "sessions") else { return }
        let entries: [(key: String?, value: Int)] =
            tape.kind(sessions) == .object
            ? tape.members(sessions).map { ($0.key, $0.value) } : tape.elements(sessions).map { (nil, $0) }
        for (key, session) in entries {
            let line = lines.line(at: tape.offset(session))
            guard let model = (tape.member(session, "model_name") ?? tape.member(session, "model")).flatMap(tape.string)
            else {
                sink.reject(line: line, reason: "session without model_name")
                continue
            }
            let id = tape.member(session, "session_id").flatMap(tape.string) ?? key
            guard let history = tape.member(session, "request_history"), tape.kind(history) == .array else {
                sink.reject(line: line, reason: "session without request_history")
                continue
            }
            for entry in tape.elements(history) {
                let entryLine = lines.line(at: tape.offset(entry))
                var record = UsageRecord(
                    timestamp: context.fileTimestamp, timestampFromFile: true, model: model, tokens: TokenCounts(),
                    session: id, line: entryLine)
                do throws(ParseFailure) {
                    let input = try readCount(tape, entry, "input_tokens")
                    let cached = try readCount(tape, entry, "cached_tokens", required: false)
                    guard cached <= input else {
                        throw ParseFailure("cached_tokens exceeds input_tokens, which include them")
                    }
                    record.tokens = TokenCounts(
                        input: input - cached, cacheRead: cached, output: try readCount(tape, entry, "output_tokens"))
                } catch {
                    sink.reject(line: entryLine, reason: error.reason)
                    continue
                }
                do throws(ParseFailure) {
                    if let ms = try context.timestamp(tape, entry, "timestamp") {
                        record.timestamp = ms
                        record.timestampFromFile = false
                    }
                } catch {
                    sink.reject(line: entryLine, reason: error.reason)
                    continue
                }
                try sink.accept(record)
            }
        }
    }
}
