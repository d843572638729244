/// OTLP JSON as an OpenTelemetry Collector's file exporter writes it: JSON Lines, each line one export request
/// (`{"resourceLogs": ...}`, `{"resourceSpans": ...}` or `{"resourceMetrics": ...}`), read by `OTLPReader` as
/// `usage serve` reads what it receives.
enum OTLPParser: LogParser {
    static let format = SourceFormat.otlp
    static let reading = LogReading.lines
    static let recordName = "an OTLP export request"

    static func recognizes(_ sample: DetectionSample) -> Bool {
        switch sample {
        case .line(let tape):
            return OTLPSignal(tape, tape.root) != nil
        case .document(let tape, let index, let isRoot):
            // One export request saved whole (a sender's payload, pretty-printed or not).
            return isRoot && OTLPSignal(tape, index) != nil
        case .valuesHead(let bytes), .documentHead(let bytes):
            return contains(bytes, "{\"resourceLogs\"") || contains(bytes, "{\"resourceSpans\"")
                || contains(bytes, "{\"resourceMetrics\"")
        }
    }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        let export: OTLPExport
        do throws(OTLPDecodingError) {
            export = try OTLPExport(json: tape.bytes)
        } catch {
            sink.reject(line: 1, reason: error.reason)
            return
        }
        let reader = OTLPReader(line: 1, fallbackTimestamp: context.fileTimestamp, zone: context.zone)
        _ = try export.read(with: reader, into: sink)
    }

    static func parse(values reader: LineReader, context: ParseContext, into sink: ParseSink) throws {
        try reader.forEachLine { line, number in
            guard case .text(let bytes, let terminated) = line else {
                sink.reject(line: number, reason: "line over the length limit")
                return true
            }
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
            let export: OTLPExport
            do throws(OTLPDecodingError) {
                export = try OTLPExport(json: bytes)
            } catch {
                // A last line still being written is read again once it is whole.
                if !terminated { return false }
                sink.reject(line: number, reason: error.reason)
                return true
            }
            let reader = OTLPReader(line: number, fallbackTimestamp: context.fileTimestamp, zone: context.zone)
            _ = try export.read(with: reader, into: sink)
            return true
        }
    }
}

/// Admin API Claude Code analytics report pages (`GET /v1/organizations/usage_report/claude_code`): per day and
/// user (or API key), each model's tokens and estimated cost. Stored as aggregated rows, the estimate as the
/// logged cost beside the exact one.
///
/// `estimated_cost.amount` is in minor units (cents for USD), `date` a UTC day (`YYYY-MM-DD`, or an RFC 3339
/// time), and `cache_creation` carries no 5-minute/1-hour split
/// (https://platform.claude.com/docs/en/api/admin-api/claude-code/get-claude-code-usage-report).
enum ClaudeCodeAnalyticsParser: DocumentLogParser {
    static let format = SourceFormat.claudeCodeAnalytics
    static let recordName = "a Claude Code analytics row"

    static func recognizes(document tape: JSONTape, at index: Int) -> Bool {
        guard tape.kind(index) == .object, let data = tape.member(index, "data"), tape.kind(data) == .array else {
            return false
        }
        return tape.elements(data).first.map { tape.member($0, "model_breakdown") != nil } ?? false
    }

    static func recognizes(head: UnsafeBufferPointer<UInt8>) -> Bool {
        contains(head, "\"model_breakdown\"") && contains(head, "\"actor\"")
    }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        guard let data = tape.member(tape.root, "data"), tape.kind(data) == .array else { return }
        for day in tape.elements(data) {
            let line = lines.line(at: tape.offset(day))
            guard let date = tape.member(day, "date").flatMap({ context.parseTimestamp(tape, $0) }) else {
                sink.reject(line: line, reason: "row without a date")
                continue
            }
            let text = { (object: Int, key: StaticString) in tape.member(object, key).flatMap(tape.string) }
            let actor = tape.member(day, "actor")
            let actorName = actor.flatMap { text($0, "email_address") ?? text($0, "api_key_name") } ?? ""
            let dimensions = [
                actor.flatMap { text($0, "type") } ?? "", actorName, text(day, "terminal_type") ?? "",
                text(day, "customer_type") ?? "",
            ].joined(separator: "|")
            guard let models = tape.member(day, "model_breakdown"), tape.kind(models) == .array else {
                sink.ignore(line: line)
                continue
            }
            for entry in tape.elements(models) {
                let entryLine = lines.line(at: tape.offset(entry))
                guard let model = text(entry, "model"), !model.isEmpty else {
                    sink.reject(line: entryLine, reason: "model_breakdown entry without a model")
                    continue
                }
                var record = UsageRecord(timestamp: date, model: model, tokens: TokenCounts(), line: entryLine)
                record.aggregated = true
                if actor.flatMap({ text($0, "type") }) == "api_actor" { record.apiKeyID = actorName }
                do throws(ParseFailure) {
                    guard let tokens = tape.member(entry, "tokens"), tape.kind(tokens) == .object else {
                        throw ParseFailure("model_breakdown entry without tokens")
                    }
                    record.tokens = TokenCounts(
                        input: try readCount(tape, tokens, "input"),
                        cacheWrite5m: try readCount(tape, tokens, "cache_creation", required: false),
                        cacheRead: try readCount(tape, tokens, "cache_read", required: false),
                        output: try readCount(tape, tokens, "output"))
                    if let cost = tape.member(entry, "estimated_cost"), let amount = tape.member(cost, "amount") {
                        guard let cents = tape.double(amount) ?? tape.string(amount).flatMap(Double.init),
                            cents.isFinite, cents >= 0
                        else { throw ParseFailure("estimated_cost.amount is not a non-negative number") }
                        record.loggedCost = USD(dollars: cents / 100)
                    }
                } catch {
                    sink.reject(line: entryLine, reason: error.reason)
                    continue
                }
                // A day's row for one actor and model: pages fetched again count once.
                record.requestID = "claude-code-analytics:\(date):\(dimensions):\(model)"
                try sink.accept(record)
            }
        }
    }
}
