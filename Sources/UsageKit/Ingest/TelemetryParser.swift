/// Parses telemetry records written by a workflow framework's usage tracker: one flat JSON object per line with
/// the model, token counts (input excluding cache), workflow, task type and the framework's own `cost`.
///
/// That cost is kept beside the tool's, not trusted: reports show where the two differ.
enum TelemetryParser: LogParser {
    static let format = SourceFormat.telemetry
    static let reading = LogReading.records
    static let recordName = "a telemetry record"

    /// The flat record at `index`. `requireModel`: a model that is not a string is an error (a record told by its
    /// shape); otherwise (the format forced) a record without one carries no usage.
    static func read(_ tape: JSONTape, _ index: Int, extractor: MessageExtractor, line: Int, requireModel: Bool)
        -> Extraction
    {
        guard let model = tape.member(index, "model").flatMap(tape.string), !model.isEmpty else {
            return requireModel ? .invalid("model is not a string") : .noUsage
        }
        var record: UsageRecord
        do throws(ParseFailure) {
            record = try extractor.attribution(tape, envelope: index)
            record.model = model
            record.line = line
            record.tokens = TokenCounts(
                input: try readCount(tape, index, "input_tokens"),
                cacheWrite5m: try readCount(tape, index, "cache_creation_tokens", required: false),
                cacheRead: try readCount(tape, index, "cache_read_tokens", required: false),
                output: try readCount(tape, index, "output_tokens"))
        } catch {
            return .invalid(error.reason)
        }
        if let cost = tape.member(index, "cost"), let dollars = tape.double(cost) {
            record.loggedCost = USD(dollars: dollars)
        }
        if let tier = tape.member(index, "service_tier").flatMap(tape.string) { record.serviceTier = tier }
        return .record(record)
    }
}
