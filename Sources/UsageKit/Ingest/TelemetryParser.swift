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
            var record = extractor.attribution(tape, envelope: root)
            record.model = model
            record.line = line
            func count(_ key: StaticString, required: Bool) throws(ParseFailure) -> Int64 {
                guard let index = tape.member(root, key), !tape.isNull(index) else {
                    if required { throw ParseFailure("\(key) is missing") }
                    return 0
                }
                guard case .value(let v) = tape.integer(index), v >= 0 else {
                    throw ParseFailure("\(key) is not a non-negative whole number")
                }
                return v
            }
            do throws(ParseFailure) {
                record.tokens = TokenCounts(
                    input: try count("input_tokens", required: true),
                    cacheWrite5m: try count("cache_creation_tokens", required: false),
                    cacheRead: try count("cache_read_tokens", required: false),
                    output: try count("output_tokens", required: true))
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
