/// Parses Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`).
///
/// Only `assistant` lines carry usage, and they are a small share of the bytes: every other line is passed over
/// after a byte search, unparsed. One response is written as several lines (one per content block) sharing its
/// message id, the earlier ones with a partial output count: consecutive lines of one response are merged and the
/// largest output kept; copies elsewhere (sidechains, resumed sessions, a later run) meet the store's dedupe,
/// which also keeps the largest output.
struct ClaudeCodeParser {
    let context: ParseContext

    func parse(_ reader: LineReader, into sink: ParseSink) throws {
        let extractor = MessageExtractor(context: context)
        var pending: UsageRecord?
        try JSONLines().forEach(reader, sink: sink, wanted: { contains($0, "\"usage\"") && contains($0, "\"assistant\"") }) {
            tape, line in
            let root = tape.root
            guard tape.kind(root) == .object, let type = tape.member(root, "type"), tape.string(type) == "assistant",
                let message = tape.member(root, "message"), extractor.isMessage(tape, message)
            else {
                sink.ignore(line: line)
                return
            }
            var record = UsageRecord(timestamp: context.fileTimestamp, timestampFromFile: true, model: "", tokens: TokenCounts())
            do throws(ParseFailure) {
                if let ms = try context.timestamp(tape, root, "timestamp") {
                    record.timestamp = ms
                    record.timestampFromFile = false
                }
            } catch {
                sink.reject(line: line, reason: error.reason)
                return
            }
            func text(_ key: StaticString) -> String? {
                guard let value = tape.member(root, key), let s = tape.string(value), !s.isEmpty else { return nil }
                return s
            }
            record.requestID = text("requestId")
            record.session = text("sessionId")
            record.project = text("cwd")
            record.gitBranch = text("gitBranch")
            if let cost = tape.member(root, "costUSD"), let dollars = tape.double(cost) { record.loggedCost = USD(dollars: dollars) }
            switch extractor.fill(&record, from: tape, message: message, line: line) {
            case .invalid(let reason):
                sink.reject(line: line, reason: reason)
                return
            case .noUsage:
                sink.ignore(line: line)
                return
            case .record(let filled):
                record = filled
            }
            if let previous = pending, previous.messageID != nil, previous.messageID == record.messageID {
                if record.tokens.output >= previous.tokens.output {
                    // The response's time is when its first block was written.
                    record.timestamp = previous.timestamp
                    record.timestampFromFile = previous.timestampFromFile
                    pending = record
                }
                return
            }
            if let previous = pending { try sink.accept(previous) }
            pending = record
        }
        if let previous = pending { try sink.accept(previous) }
    }
}
