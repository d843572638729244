/// Parses telemetry records written by a workflow framework's usage tracker: one flat JSON object per line with
/// the model, token counts (input excluding cache), workflow, task type and the framework's own `cost`.
///
/// That cost is kept beside the tool's, not trusted: reports show where the two differ.
struct TelemetryParser {
    let context: ParseContext

    func parse(_ reader: LineReader, into sink: ParseSink) throws {
        let extractor = MessageExtractor(context: context)
        try JSONLines().forEach(reader, sink: sink) { tape, line in
            let root = tape.root
            guard tape.kind(root) == .object, let model = tape.member(root, "model").flatMap(tape.string), !model.isEmpty
            else {
                sink.ignore(line: line)
                return
            }
            var record: UsageRecord
            do throws(ParseFailure) {
                record = try extractor.attribution(tape, envelope: root)
            } catch {
                sink.reject(line: line, reason: error.reason)
                return
            }
            record.model = model
            record.line = line
            do throws(ParseFailure) {
                record.tokens = TokenCounts(
                    input: try readCount(tape, root, "input_tokens"),
                    cacheWrite5m: try readCount(tape, root, "cache_creation_tokens", required: false),
                    cacheRead: try readCount(tape, root, "cache_read_tokens", required: false),
                    output: try readCount(tape, root, "output_tokens"))
            } catch {
                sink.reject(line: line, reason: error.reason)
                return
            }
            if let cost = tape.member(root, "cost"), let dollars = tape.double(cost) { record.loggedCost = USD(dollars: dollars) }
            if let tier = tape.member(root, "service_tier").flatMap(tape.string) { record.serviceTier = tier }
            try sink.accept(record)
        }
    }
}

/// A reason a value is rejected.
struct ParseFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
