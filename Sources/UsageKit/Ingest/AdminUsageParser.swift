/// Admin API usage report pages: one row per bucket and group, stored as aggregated rows (sums, not requests).
enum AdminUsageParser: AdminReportParser {
    static let format = SourceFormat.adminUsage

    static func parse(_ result: AdminReportResult, into sink: ParseSink) throws {
        let tape = result.tape
        let line = result.line
        let text = result.text
        var record = UsageRecord(
            timestamp: result.start, model: text("model") ?? "(no model grouping)", tokens: TokenCounts(), line: line)
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
            if let split = tape.member(result.index, "cache_creation"), tape.kind(split) == .object {
                w5 = try c(tape, split, "ephemeral_5m_input_tokens", false)
                w1 = try c(tape, split, "ephemeral_1h_input_tokens", false)
            }
            record.tokens = TokenCounts(
                input: try c(tape, result.index, "uncached_input_tokens", true), cacheWrite5m: w5, cacheWrite1h: w1,
                cacheRead: try c(tape, result.index, "cache_read_input_tokens", false),
                output: try c(tape, result.index, "output_tokens", true))
            if let tools = tape.member(result.index, "server_tool_use"), tape.kind(tools) == .object {
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
        ].map { key in tape.members(result.index).first { $0.key == key }.flatMap { tape.string($0.value) } ?? "" }
        record.requestID = "admin:\(result.start):\(result.end):" + dimensions.joined(separator: "|")
        try sink.accept(record)
    }
}
