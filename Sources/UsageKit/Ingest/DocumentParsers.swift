/// Session tracker persistence files: `{"sessions": {...} or [...], "saved_at": ...}`.
///
/// Every `request_history` entry is one request of its session's model. Their `input_tokens` INCLUDE the cached
/// tokens (which are cache reads); `total_usage` is their sum and is not counted again.
enum SessionTrackerParser {
    static func parse(_ tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink) throws {
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
                    guard cached <= input else { throw ParseFailure("cached_tokens exceeds input_tokens, which include them") }
                    record.tokens = TokenCounts(input: input - cached, cacheRead: cached, output: try readCount(tape, entry, "output_tokens"))
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

/// Admin API report pages: `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`.
enum AdminReportParser {
    /// Usage report rows: one per bucket and group, stored as aggregated rows (sums, not requests).
    static func parseUsage(_ tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink) throws {
        try forEachResult(tape, lines: &lines, context: context, sink: sink) { result, start, end, line in
            func text(_ key: StaticString) -> String? { tape.member(result, key).flatMap(tape.string) }
            var record = UsageRecord(timestamp: start, model: text("model") ?? "(no model grouping)", tokens: TokenCounts(), line: line)
            record.aggregated = true
            record.serviceTier = text("service_tier")
            record.contextWindow = text("context_window")
            record.inferenceGeo = text("inference_geo")
            record.workspaceID = text("workspace_id")
            record.apiKeyID = text("api_key_id")
            do throws(ParseFailure) {
                let c = readCount
                var w5: Int64 = 0
                var w1: Int64 = 0
                if let split = tape.member(result, "cache_creation"), tape.kind(split) == .object {
                    w5 = try c(tape, split, "ephemeral_5m_input_tokens", false)
                    w1 = try c(tape, split, "ephemeral_1h_input_tokens", false)
                }
                record.tokens = TokenCounts(
                    input: try c(tape, result, "uncached_input_tokens", true), cacheWrite5m: w5, cacheWrite1h: w1,
                    cacheRead: try c(tape, result, "cache_read_input_tokens", false),
                    output: try c(tape, result, "output_tokens", true))
                if let tools = tape.member(result, "server_tool_use"), tape.kind(tools) == .object {
                    record.webSearchRequests = try c(tape, tools, "web_search_requests", false)
                }
            } catch {
                sink.reject(line: line, reason: error.reason)
                return
            }
            // A bucket's identity: its time and every grouping dimension, so overlapping pages count once.
            let dimensions = [
                "model", "service_tier", "context_window", "inference_geo", "workspace_id", "api_key_id", "account_id",
                "service_account_id",
            ].map { key in tape.members(result).first { $0.key == key }.flatMap { tape.string($0.value) } ?? "" }
            record.requestID = "admin:\(start):\(end):" + dimensions.joined(separator: "|")
            try sink.accept(record)
        }
    }

    /// Cost report rows: billed amounts (decimal strings in cents), not requests.
    static func parseCost(_ tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink) throws {
        try forEachResult(tape, lines: &lines, context: context, sink: sink) { result, start, end, line in
            func text(_ key: StaticString) -> String? { tape.member(result, key).flatMap(tape.string) }
            guard let amountIndex = tape.member(result, "amount") else {
                sink.reject(line: line, reason: "cost result without amount")
                return
            }
            let amountText = tape.kind(amountIndex) == .string ? tape.string(amountIndex)! : tape.rawText(amountIndex)
            guard let amount = USD(cents: amountText) else {
                sink.reject(line: line, reason: "amount '\(amountText)' is not a decimal number of cents")
                return
            }
            if let currency = text("currency"), currency != "USD" {
                sink.reject(line: line, reason: "currency \(currency) is not USD")
                return
            }
            try sink.note(
                .billed(
                    BilledCost(
                        startingAt: start, endingAt: end, model: text("model"), costType: text("cost_type"),
                        tokenType: text("token_type"), serviceTier: text("service_tier"),
                        contextWindow: text("context_window"), inferenceGeo: text("inference_geo"),
                        workspaceID: text("workspace_id"), description: text("description"),
                        amount: amount,
                        line: line)))
        }
    }

    private static func forEachResult(
        _ tape: JSONTape, lines: inout LineCounter, context: ParseContext, sink: ParseSink,
        _ body: (_ result: Int, _ start: Int64, _ end: Int64, _ line: Int) throws -> Void
    ) throws {
        guard let data = tape.member(tape.root, "data"), tape.kind(data) == .array else { return }
        for bucket in tape.elements(data) {
            let bucketLine = lines.line(at: tape.offset(bucket))
            guard let start = tape.member(bucket, "starting_at").flatMap({ context.parseTimestamp(tape, $0) }),
                let end = tape.member(bucket, "ending_at").flatMap({ context.parseTimestamp(tape, $0) }),
                let results = tape.member(bucket, "results"), tape.kind(results) == .array
            else {
                sink.reject(line: bucketLine, reason: "bucket without starting_at, ending_at and results")
                continue
            }
            for result in tape.elements(results) {
                try body(result, start, end, lines.line(at: tape.offset(result)))
            }
        }
    }
}

/// Tells which format a JSON document is in, from its shape.
enum DocumentKind {
    /// The format of the document at `index` (its root unless said): a document-only format, batch results (an
    /// array of them), or `messages` for anything else, whose records tell their own shapes.
    static func classify(_ tape: JSONTape, _ index: Int? = nil) -> SourceFormat {
        let root = index ?? tape.root
        // A headless Claude Code run's `--output-format json` is a document of its own.
        if index == nil, ClaudeCodeParser.isHeadlessDocument(tape) { return .claudeCode }
        switch tape.kind(root) {
        case .object:
            if tape.member(root, "type").flatMap(tape.string) == "message_batch" { return .batchObject }
            if let sessions = tape.member(root, "sessions"), tape.kind(sessions) == .object || tape.kind(sessions) == .array {
                return .sessionTracker
            }
            if let data = tape.member(root, "data"), tape.kind(data) == .array {
                for bucket in tape.elements(data) {
                    guard let results = tape.member(bucket, "results") else { continue }
                    for result in tape.elements(results) {
                        if tape.member(result, "amount") != nil { return .adminCost }
                        if tape.member(result, "uncached_input_tokens") != nil { return .adminUsage }
                    }
                }
            }
            return .messages
        case .array:
            if let first = tape.elements(root).first {
                if tape.member(first, "task_id") != nil { return .batchSummary }
                if RecordShape.isBatchEntry(tape, first) { return .batchResults }
            }
            return .messages
        default:
            return .messages
        }
    }
}
