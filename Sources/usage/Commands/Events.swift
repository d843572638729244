import ArgumentParser
import UsageKit

extension Usage {
    struct Events: ParsableCommand, FormatDeclaring, Limiting {
        static let formats: [OutputFormat] = [.table, .json, .csv]

        static let configuration = CommandConfiguration(
            abstract: "One row per request: the drill-down behind a report.",
            discussion: """
                JSON is an array of objects with the keys id, request_id, message_id, timestamp, model, priced_as, \
                service_tier, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, \
                output_tokens, thinking_tokens, web_search_requests, stop_reason, session, workflow, project, \
                custom_id, \
                git_branch, cost_usd (null when unpriced; advisor calls and compactions included), priced, advisor and \
                compaction (null, or their count, tokens and cost_usd) and source (path:line).
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @Option(
            help: ArgumentHelp(
                "Only this model (any spelling: dated, alias, Bedrock, Vertex); repeatable.", valueName: "id"))
        var model: [String] = []

        @Option(help: ArgumentHelp("At most N requests, the most recent ones.", valueName: "n"))
        var limit: Int?

        @OptionGroup var output: FormatOption<Events>

        func run() throws {
            try output.write(from: database) { db in
                .events(try db.events(try period.filter(models: model), limit: limit))
            }
        }
    }
}
