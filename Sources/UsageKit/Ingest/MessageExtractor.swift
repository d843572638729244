/// What one JSON value holds, seen as a logged Messages API response.
enum Extraction {
    case record(UsageRecord)
    /// Valid JSON, but not a response with usage.
    case noUsage
    /// A response whose usage is malformed; the reason names the field.
    case invalid(String)
}

/// Reads the usage of a Messages API response out of a parsed JSON value, with the attribution of the log envelope
/// it sits in (`RecordShape` tells where the response is).
struct MessageExtractor {
    let context: ParseContext
    /// No token count of one request (or one day of an organization's) comes near this; larger values are
    /// damaged input, and refusing them keeps every sum far from overflow.
    static let maxTokens: Int64 = 1_000_000_000_000
    /// A second tape for envelopes that hold the response as a JSON string.
    private let inner = JSONTape()

    init(context: ParseContext) {
        self.context = context
    }

    /// A response logged as a JSON string (at `text`): parsed apart, keeping the outer envelope's attribution.
    func extract(_ tape: JSONTape, text: Int, envelope: Int, line: Int) -> Extraction {
        var base: UsageRecord
        do throws(ParseFailure) {
            base = try attribution(tape, envelope: envelope)
        } catch {
            return .invalid(error.reason)
        }
        guard var string = tape.string(text) else { return .noUsage }
        let result: Extraction? = string.withUTF8 { bytes in
            guard (try? inner.parse(bytes)) != nil, isMessage(inner, inner.root) else { return nil }
            return fill(&base, from: inner, message: inner.root, line: line)
        }
        return result ?? .invalid("a JSON string that mentions usage but is not a response with a model and usage")
    }

    /// An object with a `model` and a `usage` object.
    func isMessage(_ tape: JSONTape, _ index: Int) -> Bool {
        guard tape.kind(index) == .object, let usage = tape.member(index, "usage"), tape.kind(usage) == .object else {
            return false
        }
        return tape.member(index, "model") != nil
    }

    /// The response at `message`, with the attribution `envelope` carries (often the same object).
    func extract(_ tape: JSONTape, message: Int, envelope: Int, line: Int) -> Extraction {
        do throws(ParseFailure) {
            var base = try attribution(tape, envelope: envelope)
            return fill(&base, from: tape, message: message, line: line)
        } catch {
            return .invalid(error.reason)
        }
    }

    /// Attribution an envelope carries beside the response: time, request id, session, workflow, project.
    func attribution(_ tape: JSONTape, envelope: Int) throws(ParseFailure) -> UsageRecord {
        var record = UsageRecord(
            timestamp: context.fallbackTimestamp, timestampFromFile: context.batchEndedAt == nil, model: "",
            tokens: TokenCounts())
        if let ms = try context.timestamp(tape, envelope, "timestamp", "created_at", "ts", "time") {
            record.timestamp = ms
            record.timestampFromFile = false
        }
        func text(_ object: Int, _ key: StaticString, _ alternative: StaticString? = nil) -> String? {
            if let value = tape.member(object, key), let s = tape.string(value), !s.isEmpty { return s }
            if let alternative, let value = tape.member(object, alternative), let s = tape.string(value), !s.isEmpty {
                return s
            }
            return nil
        }
        record.requestID = requestID(tape, envelope: envelope)
        record.session = text(envelope, "session_id", "sessionId") ?? text(envelope, "session")
        record.workflow = text(envelope, "workflow")
        record.taskType = text(envelope, "task_type", "taskType")
        record.project = text(envelope, "project")
        if let metadata = tape.member(envelope, "metadata"), tape.kind(metadata) == .object {
            record.session = record.session ?? text(metadata, "session_id", "sessionId") ?? text(metadata, "session")
            record.workflow = record.workflow ?? text(metadata, "workflow")
            record.taskType = record.taskType ?? text(metadata, "task_type", "taskType")
            record.project = record.project ?? text(metadata, "project")
            record.requestID = record.requestID ?? text(metadata, "request_id")
        }
        return record
    }

    /// The request id an envelope names at its top level (`request_id`, `requestId`): what keeps interleaved
    /// streams apart.
    func requestID(_ tape: JSONTape, envelope: Int) -> String? {
        if let value = tape.member(envelope, "request_id"), let s = tape.string(value), !s.isEmpty { return s }
        if let value = tape.member(envelope, "requestId"), let s = tape.string(value), !s.isEmpty { return s }
        return nil
    }

    /// Completes `record` with the model, ids and usage of the response at `message`.
    func fill(_ record: inout UsageRecord, from tape: JSONTape, message: Int, line: Int) -> Extraction {
        guard let modelIndex = tape.member(message, "model"), let model = tape.string(modelIndex), !model.isEmpty else {
            return .invalid("model is not a string")
        }
        record.model = model
        record.line = line
        if let id = tape.member(message, "id") { record.messageID = tape.string(id) }
        if let stop = tape.member(message, "stop_reason") { record.stopReason = tape.string(stop) }
        guard let usage = tape.member(message, "usage") else { return .invalid("usage is missing") }
        if let failure = readUsage(tape, usage, into: &record, requireCounts: true) { return .invalid(failure) }
        return .record(record)
    }

    /// Reads the fields of a `usage` object. Fields absent from it leave `record` unchanged unless required.
    /// Returns a reason when a field is malformed.
    func readUsage(_ tape: JSONTape, _ usage: Int, into record: inout UsageRecord, requireCounts: Bool) -> String? {
        func count(_ index: Int?, _ name: String) -> (value: Int64?, error: String?) {
            guard let index, !tape.isNull(index) else { return (nil, nil) }
            switch tape.integer(index) {
            case .value(let v) where v >= 0 && v <= MessageExtractor.maxTokens: return (v, nil)
            case .value(let v) where v > MessageExtractor.maxTokens:
                return (nil, "usage.\(name) \(v) is beyond any real count")
            case .value, .notInteger: return (nil, "usage.\(name) is not a non-negative whole number")
            }
        }
        let input = count(tape.member(usage, "input_tokens"), "input_tokens")
        let output = count(tape.member(usage, "output_tokens"), "output_tokens")
        if let e = input.error ?? output.error { return e }
        if requireCounts {
            guard let i = input.value else { return "usage.input_tokens is missing" }
            guard let o = output.value else { return "usage.output_tokens is missing" }
            record.tokens.input = i
            record.tokens.output = o
        } else {
            if let i = input.value { record.tokens.input = i }
            if let o = output.value { record.tokens.output = o }
        }
        let creation = count(tape.member(usage, "cache_creation_input_tokens"), "cache_creation_input_tokens")
        let read = count(tape.member(usage, "cache_read_input_tokens"), "cache_read_input_tokens")
        if let e = creation.error ?? read.error { return e }
        if let r = read.value { record.tokens.cacheRead = r }
        var w5: Int64?
        var w1: Int64?
        if let split = tape.member(usage, "cache_creation"), tape.kind(split) == .object {
            let a = count(tape.member(split, "ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens")
            let b = count(tape.member(split, "ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens")
            if let e = a.error ?? b.error { return e }
            w5 = a.value
            w1 = b.value
        }
        if w5 != nil || w1 != nil {
            record.tokens.cacheWrite1h = w1 ?? 0
            // Whatever the total has beyond the split is written with the default 5-minute lifetime.
            let total = creation.value ?? 0
            record.tokens.cacheWrite5m = max(w5 ?? 0, total - (w1 ?? 0))
        } else if let total = creation.value {
            // A total without its split: the 1-hour part already known (from a stream's message_start) stands,
            // and the rest is 5-minute writes.
            record.tokens.cacheWrite1h = min(record.tokens.cacheWrite1h, total)
            record.tokens.cacheWrite5m = total - record.tokens.cacheWrite1h
        }
        if let tools = tape.member(usage, "server_tool_use"), tape.kind(tools) == .object {
            let search = count(tape.member(tools, "web_search_requests"), "server_tool_use.web_search_requests")
            let fetch = count(tape.member(tools, "web_fetch_requests"), "server_tool_use.web_fetch_requests")
            if let e = search.error ?? fetch.error { return e }
            if let s = search.value { record.webSearchRequests = s }
            if let f = fetch.value { record.webFetchRequests = f }
        }
        if let details = tape.member(usage, "output_tokens_details"), tape.kind(details) == .object {
            let thinking = count(tape.member(details, "thinking_tokens"), "output_tokens_details.thinking_tokens")
            if let e = thinking.error { return e }
            if let t = thinking.value { record.thinkingTokens = t }
        }
        if let tier = tape.member(usage, "service_tier"), let s = tape.string(tier) { record.serviceTier = s }
        if let geo = tape.member(usage, "inference_geo"), let s = tape.string(geo) { record.inferenceGeo = s }
        if let speed = tape.member(usage, "speed"), let s = tape.string(speed) { record.speed = s }
        if let list = tape.member(usage, "iterations"), tape.kind(list) == .array {
            // A stream's message_delta repeats the whole list as it grows: the latest one stands.
            switch readIterations(tape, list, count: count) {
            case .success(let iterations): record.iterations = iterations.isEmpty ? nil : iterations
            case .failure(let failure): return failure.reason
            }
        }
        return nil
    }

    /// The `compaction` and `advisor_message` entries of `usage.iterations`, summed; `message` entries (the
    /// response's own sampling steps, already in the top-level usage) and kinds not known yet are passed over.
    ///
    /// Each entry has `type`, `input_tokens`, `output_tokens`, `cache_creation_input_tokens`,
    /// `cache_read_input_tokens` and the 5m/1h `cache_creation` split; an `advisor_message` also names its `model`
    /// (the Messages API's `BetaCompactionIterationUsage`, `BetaAdvisorMessageIterationUsage`).
    private func readIterations(
        _ tape: JSONTape, _ list: Int, count: (Int?, String) -> (value: Int64?, error: String?)
    ) -> Result<IterationUsage, ParseFailure> {
        var iterations = IterationUsage()
        for (i, entry) in tape.elements(list).enumerated() {
            let name = "iterations[\(i)]"
            guard tape.kind(entry) == .object, let type = tape.member(entry, "type").flatMap(tape.string) else {
                return .failure(ParseFailure("usage.\(name) is not an object with a type"))
            }
            guard type == "compaction" || type == "advisor_message" else { continue }
            let input = count(tape.member(entry, "input_tokens"), "\(name).input_tokens")
            let output = count(tape.member(entry, "output_tokens"), "\(name).output_tokens")
            let creation = count(
                tape.member(entry, "cache_creation_input_tokens"), "\(name).cache_creation_input_tokens")
            let read = count(tape.member(entry, "cache_read_input_tokens"), "\(name).cache_read_input_tokens")
            var w5: (value: Int64?, error: String?) = (nil, nil)
            var w1: (value: Int64?, error: String?) = (nil, nil)
            if let split = tape.member(entry, "cache_creation"), tape.kind(split) == .object {
                w5 = count(
                    tape.member(split, "ephemeral_5m_input_tokens"), "\(name).cache_creation.ephemeral_5m_input_tokens")
                w1 = count(
                    tape.member(split, "ephemeral_1h_input_tokens"), "\(name).cache_creation.ephemeral_1h_input_tokens")
            }
            if let e = input.error ?? output.error ?? creation.error ?? read.error ?? w5.error ?? w1.error {
                return .failure(ParseFailure(e))
            }
            var tokens = TokenCounts(input: input.value ?? 0, cacheRead: read.value ?? 0, output: output.value ?? 0)
            // As at the top level: whatever the total has beyond the split is written with the 5-minute lifetime.
            tokens.cacheWrite1h = w1.value ?? 0
            tokens.cacheWrite5m = max(w5.value ?? 0, (creation.value ?? 0) - tokens.cacheWrite1h)
            if type == "compaction" {
                iterations.compactions += 1
                iterations.compactionTokens.add(tokens)
            } else {
                guard let model = tape.member(entry, "model").flatMap(tape.string), !model.isEmpty else {
                    return .failure(
                        ParseFailure("usage.\(name).model is missing: an advisor call is priced at its own model"))
                }
                if let known = iterations.advisorModel, known != model {
                    return .failure(ParseFailure("usage.iterations name two advisor models, \(known) and \(model)"))
                }
                iterations.advisorModel = model
                iterations.advisorCalls += 1
                iterations.advisorTokens.add(tokens)
            }
        }
        return .success(iterations)
    }
}

/// Reads a token count: a whole number from 0 to `MessageExtractor.maxTokens`; absent or null is 0 unless
/// required.
func readCount(_ tape: JSONTape, _ object: Int, _ key: StaticString, required: Bool = true) throws(ParseFailure)
    -> Int64
{
    guard let index = tape.member(object, key), !tape.isNull(index) else {
        if required { throw ParseFailure("\(key) is missing") }
        return 0
    }
    guard case .value(let v) = tape.integer(index), v >= 0 else {
        throw ParseFailure("\(key) is not a non-negative whole number")
    }
    guard v <= MessageExtractor.maxTokens else { throw ParseFailure("\(key) \(v) is beyond any real count") }
    return v
}
