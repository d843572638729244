/// Parses Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`) and the output of headless runs
/// (`claude -p --output-format stream-json`, one message per line; `--output-format json`, one `result` document).
///
/// Only `assistant` lines, `agent_progress` copies and `result` messages carry usage, and they are a small share of
/// the bytes: every other line is passed over after a byte search, unparsed. One response is written as several
/// lines (one per content block) sharing its message id, the earlier ones with a partial output count: consecutive
/// lines of one response are merged and the largest output kept; copies elsewhere (sidechains, `agent_progress`
/// copies, resumed sessions, a later run) meet the store's dedupe, which also keeps the largest output and, at equal
/// output, the parent transcript's copy over a sidechain's.
///
/// Claude Code 2.x copies each response of a subagent into the parent transcript as a `progress` line
/// (`data.type` `agent_progress`, the response under `data.message.message`): where the subagent's own file is
/// missing (a transcript copied alone), that copy is the only record of the request.
///
/// A headless run ends with a `result` message: the run's per-model usage (`modelUsage`) and the cost Claude Code
/// computed (`total_cost_usd`). It is passed on as a `HeadlessResult`, which the store counts only for the models no
/// assistant message of its session carries, so the same tokens never count twice.
struct ClaudeCodeParser: LogParser {
    static let format = SourceFormat.claudeCode
    /// Transcripts come as JSON Lines; a headless run's `--output-format json` as one document.
    static let reading = LogReading.lines

    let context: ParseContext

    static func recognizes(_ sample: DetectionSample) -> Bool {
        switch sample {
        case .document(let tape, _, let isRoot): return isRoot && isHeadlessDocument(tape)
        case .line(let tape):
            // A batch result is never a transcript line, whatever its type says.
            return tells(tape, tape.root) || (!RecordShape.isBatchEntry(tape, tape.root) && isTranscriptLine(tape))
        case .valuesHead(let bytes):
            return contains(bytes, "\"parentUuid\"") || contains(bytes, "\"file-history-snapshot\"")
        case .documentHead: return false
        }
    }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        try ClaudeCodeParser(context: context).parseDocument(tape, lines: &lines, into: sink)
    }

    static func parse(values reader: LineReader, context: ParseContext, into sink: ParseSink) throws {
        try ClaudeCodeParser(context: context).parse(reader, into: sink)
    }

    /// What a file has told so far.
    private final class State {
        /// The response being merged from consecutive lines.
        var pending: UsageRecord?
        /// A headless run's `system` `init` line: its working directory and model.
        var project: String?
        var model: String?
        /// Models of the responses read, for a `result` that names none.
        var models: Set<String> = []
    }

    func parse(_ reader: LineReader, into sink: ParseSink) throws {
        let extractor = MessageExtractor(context: context)
        let state = State()
        try JSONLines().forEach(reader, sink: sink, wanted: Self.mayCarryUsage) { tape, line in
            try handle(tape, tape.root, line: line, extractor: extractor, state: state, sink: sink)
        }
        if let previous = state.pending { try sink.accept(previous) }
    }

    /// A `--output-format json` document: one `result` object, or (with `--verbose`) the array of every message.
    func parseDocument(_ tape: JSONTape, lines: inout LineCounter, into sink: ParseSink) throws {
        let extractor = MessageExtractor(context: context)
        let state = State()
        let items = tape.kind(tape.root) == .array ? tape.elements(tape.root) : [tape.root]
        for item in items {
            try handle(
                tape, item, line: lines.line(at: tape.offset(item)), extractor: extractor, state: state, sink: sink)
        }
        if let previous = state.pending { try sink.accept(previous) }
    }

    /// The byte search that decides which lines are parsed at all. Most lines have no usage: of those, only a
    /// headless run's `init` line and a `result` (which state their type first) are read, told by their first bytes,
    /// whether written compactly or with spaces after the colons (Python's `json.dumps`).
    private static func mayCarryUsage(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if contains(bytes, "\"usage\"") { return contains(bytes, "\"assistant\"") || contains(bytes, "\"result\"") }
        let head = UnsafeBufferPointer(rebasing: bytes.prefix(96))
        return contains(head, "\"init\"") || contains(head, "\"result\"")
    }

    private func handle(
        _ tape: JSONTape, _ index: Int, line: Int, extractor: MessageExtractor, state: State, sink: ParseSink
    ) throws {
        guard tape.kind(index) == .object, let type = tape.member(index, "type").flatMap(tape.string) else {
            sink.ignore(line: line)
            return
        }
        switch type {
        case "assistant":
            guard let message = tape.member(index, "message"), extractor.isMessage(tape, message) else { break }
            return try response(tape, message: message, line: index, copy: nil, number: line, extractor, state, sink)
        case "progress":
            // A subagent's response copied into the parent transcript.
            guard let data = tape.member(index, "data"),
                tape.member(data, "type").flatMap(tape.string) == "agent_progress",
                let copy = tape.member(data, "message"), tape.member(copy, "type").flatMap(tape.string) == "assistant",
                let message = tape.member(copy, "message"), extractor.isMessage(tape, message)
            else { break }
            return try response(tape, message: message, line: index, copy: copy, number: line, extractor, state, sink)
        case "result":
            return try result(tape, index, line: line, extractor: extractor, state: state, sink: sink)
        case "system":
            if tape.member(index, "subtype").flatMap(tape.string) == "init" {
                state.project = text(tape, index, "cwd") ?? state.project
                state.model = text(tape, index, "model") ?? state.model
            }
        default:
            break
        }
        sink.ignore(line: line)
    }

    /// One response: an `assistant` line, or the `agent_progress` copy of one (`copy`: the copied line, which has
    /// the subagent's own time and request id).
    private func response(
        _ tape: JSONTape, message: Int, line root: Int, copy: Int?, number line: Int, _ extractor: MessageExtractor,
        _ state: State, _ sink: ParseSink
    ) throws {
        var record = UsageRecord(
            timestamp: context.fileTimestamp, timestampFromFile: true, model: "", tokens: TokenCounts())
        do throws(ParseFailure) {
            var time: Int64? = nil
            if let copy { time = try context.timestamp(tape, copy, "timestamp") }
            if time == nil { time = try context.timestamp(tape, root, "timestamp") }
            if let time {
                record.timestamp = time
                record.timestampFromFile = false
            }
        } catch {
            sink.reject(line: line, reason: error.reason)
            return
        }
        record.requestID = copy.flatMap { text(tape, $0, "requestId") } ?? text(tape, root, "requestId")
        record.session = text(tape, root, "sessionId") ?? text(tape, root, "session_id")
        record.project = text(tape, root, "cwd") ?? state.project
        record.gitBranch = text(tape, root, "gitBranch")
        record.sidechain = tape.member(root, "isSidechain").flatMap(tape.bool) == true
        if let cost = tape.member(root, "costUSD"), let dollars = tape.double(cost) {
            record.loggedCost = USD(dollars: dollars)
        }
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
        state.models.insert(record.model)
        if let previous = state.pending, previous.messageID != nil, previous.messageID == record.messageID {
            if record.tokens.output >= previous.tokens.output {
                // The response's time is when its first block was written.
                record.timestamp = previous.timestamp
                record.timestampFromFile = previous.timestampFromFile
                state.pending = record
            }
            return
        }
        if let previous = state.pending { try sink.accept(previous) }
        state.pending = record
    }

    /// A headless run's `result`: its usage per model, passed on for the store to count where no assistant message
    /// of the session carries it.
    private func result(
        _ tape: JSONTape, _ index: Int, line: Int, extractor: MessageExtractor, state: State, sink: ParseSink
    ) throws {
        let byModel = tape.member(index, "modelUsage").flatMap { tape.kind($0) == .object ? $0 : nil }
        let usage = tape.member(index, "usage").flatMap { tape.kind($0) == .object ? $0 : nil }
        guard byModel != nil || usage != nil else {
            sink.ignore(line: line)
            return
        }
        guard let session = text(tape, index, "session_id") ?? text(tape, index, "sessionId") else {
            sink.reject(line: line, reason: "result without session_id")
            return
        }
        var run = HeadlessResult(
            session: session, key: "", timestamp: context.fileTimestamp, timestampFromFile: true,
            project: state.project,
            runCost: nil, line: line, models: [])
        do throws(ParseFailure) {
            if let ms = try context.timestamp(tape, index, "timestamp") {
                run.timestamp = ms
                run.timestampFromFile = false
            }
            if let total = tape.member(index, "total_cost_usd"), !tape.isNull(total) {
                guard let dollars = tape.double(total), dollars >= 0 else {
                    throw ParseFailure("total_cost_usd is not a number")
                }
                run.runCost = USD(dollars: dollars)
            }
            // The run's identity, the same in its stream-json and json outputs.
            func raw(_ key: StaticString) -> String { tape.member(index, key).map { tape.rawText($0) } ?? "" }
            run.key = [
                session, raw("duration_ms"), raw("duration_api_ms"), raw("num_turns"),
                run.runCost.map { String($0.nanos) } ?? "",
            ]
            .joined(separator: "|")
            if let byModel {
                for (name, entry) in tape.members(byModel) {
                    guard tape.kind(entry) == .object else { throw ParseFailure("modelUsage.\(name) is not an object") }
                    var record = try modelUsage(tape, entry, name: name)
                    guard record.tokens != TokenCounts() || record.webSearchRequests > 0 else { continue }
                    record.line = line
                    run.models.append(record)
                }
            }
        } catch {
            sink.reject(line: line, reason: error.reason)
            return
        }
        if let usage {
            // The run's total in the API's own names: its cache-write split and tier, where it is one model's;
            // the usage itself, where `modelUsage` is missing.
            var total = UsageRecord(timestamp: run.timestamp, model: "", tokens: TokenCounts(), line: line)
            if let reason = extractor.readUsage(tape, usage, into: &total, requireCounts: false) {
                sink.reject(line: line, reason: reason)
                return
            }
            if run.models.count == 1 {
                let t = run.models[0].tokens
                if total.tokens.input == t.input && total.tokens.output == t.output
                    && total.tokens.cacheRead == t.cacheRead
                    && total.tokens.cacheWrite5m + total.tokens.cacheWrite1h == t.cacheWrite5m + t.cacheWrite1h
                {
                    run.models[0].tokens = total.tokens
                    run.models[0].serviceTier = total.serviceTier
                    run.models[0].inferenceGeo = total.inferenceGeo
                    run.models[0].speed = total.speed
                }
            } else if byModel == nil || tape.members(byModel!).isEmpty, total.tokens != TokenCounts() {
                guard let model = state.model ?? (state.models.count == 1 ? state.models.first : nil) else {
                    sink.reject(line: line, reason: "result usage without modelUsage: no model to price it")
                    return
                }
                total.model = model
                run.models.append(total)
            }
        }
        guard !run.models.isEmpty else {
            sink.ignore(line: line)
            return
        }
        if run.models.count == 1 && run.models[0].loggedCost == nil { run.models[0].loggedCost = run.runCost }
        for i in run.models.indices {
            run.models[i].session = session
            run.models[i].project = run.project
            run.models[i].timestamp = run.timestamp
            run.models[i].timestampFromFile = run.timestampFromFile
            run.models[i].aggregated = true
        }
        try sink.note(.headlessResult(run))
    }

    /// One `modelUsage` entry (`inputTokens`, `outputTokens`, `cacheReadInputTokens`, `cacheCreationInputTokens`,
    /// `webSearchRequests`, `costUSD`). Its cache writes are not split by lifetime: 5-minute writes.
    private func modelUsage(_ tape: JSONTape, _ entry: Int, name: String) throws(ParseFailure) -> UsageRecord {
        func count(_ key: StaticString) throws(ParseFailure) -> Int64 {
            do throws(ParseFailure) {
                return try readCount(tape, entry, key, required: false)
            } catch {
                throw ParseFailure("modelUsage.\(name).\(error.reason)")
            }
        }
        let model = text(tape, entry, "canonicalModel") ?? Self.withoutVariant(name)
        var record = UsageRecord(
            timestamp: context.fileTimestamp, model: model,
            tokens: TokenCounts(
                input: try count("inputTokens"), cacheWrite5m: try count("cacheCreationInputTokens"),
                cacheRead: try count("cacheReadInputTokens"), output: try count("outputTokens")),
            webSearchRequests: try count("webSearchRequests"))
        if let cost = tape.member(entry, "costUSD"), !tape.isNull(cost) {
            guard let dollars = tape.double(cost), dollars >= 0 else {
                throw ParseFailure("modelUsage.\(name).costUSD is not a number")
            }
            record.loggedCost = USD(dollars: dollars)
        }
        return record
    }

    private func text(_ tape: JSONTape, _ object: Int, _ key: StaticString) -> String? {
        guard let value = tape.member(object, key), let s = tape.string(value), !s.isEmpty else { return nil }
        return s
    }

    /// A model id without Claude Code's context variant (`claude-opus-4-6[1m]`).
    static func withoutVariant(_ model: String) -> String {
        guard model.hasSuffix("]"), let open = model.lastIndex(of: "[") else { return model }
        return String(model[..<open])
    }

    /// The model a headless `result` and the assistant messages of its session are matched on: the id normalized
    /// (no date, platform prefix or context variant), independent of the price table.
    static func modelKey(_ model: String) -> String { ModelID.normalize(withoutVariant(model)) }

    // MARK: Telling the format

    /// Whether a JSON line is one only Claude Code writes that a transcript's uuids do not already tell: a headless
    /// run's `result`, its `system` `init` line or an SDK message (`session_id` beside `parent_tool_use_id`), or a
    /// transcript's `progress` line.
    static func tells(_ tape: JSONTape, _ index: Int) -> Bool {
        guard tape.kind(index) == .object, let type = tape.member(index, "type").flatMap(tape.string) else {
            return false
        }
        switch type {
        case "result":
            return isHeadlessResult(tape, index)
        case "system":
            return tape.member(index, "subtype").flatMap(tape.string) == "init"
                && tape.member(index, "session_id") != nil
                && (tape.member(index, "claude_code_version") != nil || tape.member(index, "tools") != nil)
        case "assistant", "user":
            return tape.member(index, "session_id") != nil && tape.member(index, "parent_tool_use_id") != nil
        case "progress":
            return tape.member(index, "data") != nil
                && (tape.member(index, "uuid") != nil || tape.member(index, "parentUuid") != nil)
        default:
            return false
        }
    }

    /// Whether a line has a transcript's own structure: a line type and uuids. A log envelope that merely carries
    /// a `sessionId` beside a response is not one.
    static func isTranscriptLine(_ tape: JSONTape) -> Bool {
        let root = tape.root
        guard let type = tape.member(root, "type").flatMap(tape.string),
            ["user", "assistant", "system", "summary", "file-history-snapshot"].contains(type)
        else { return false }
        return tape.member(root, "uuid") != nil || tape.member(root, "parentUuid") != nil
            || tape.member(root, "leafUuid") != nil || tape.member(root, "messageId") != nil
    }

    /// A headless run's `result` message: `session_id` with `modelUsage` or `total_cost_usd`.
    static func isHeadlessResult(_ tape: JSONTape, _ index: Int) -> Bool {
        tape.kind(index) == .object && tape.member(index, "type").flatMap(tape.string) == "result"
            && tape.member(index, "session_id") != nil
            && (tape.member(index, "modelUsage") != nil || tape.member(index, "total_cost_usd") != nil)
    }

    /// A `--output-format json` document: a `result` object, or an array of messages ending with one.
    static func isHeadlessDocument(_ tape: JSONTape) -> Bool {
        let root = tape.root
        switch tape.kind(root) {
        case .object: return isHeadlessResult(tape, root)
        case .array: return tape.elements(root).last.map { isHeadlessResult(tape, $0) } ?? false
        case .string, .number, .bool, .null: return false
        }
    }
}
