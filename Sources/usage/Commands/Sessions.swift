import ArgumentParser
import UsageKit

extension Usage {
    struct Sessions: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json, .csv]

        static let configuration = CommandConfiguration(
            commandName: "sessions",
            abstract: "Sessions by cost: requests, total and cached tokens, hit rate, cost and what caching saved.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @Option(help: ArgumentHelp("At most N sessions, the most expensive ones.", valueName: "n"))
        var limit: Int?

        @OptionGroup var output: FormatOption<Sessions>

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        }

        func run() throws {
            try Diagnostics.run {
                let db = try database.openForReading()
                let filter = try period.filter()
                let stats = try db.cacheStats(filter, waste: false)
                var sessions = stats.bySession.filter { $0.key != "(none)" }
                if let limit { sessions = Array(sessions.prefix(limit)) }
                emit(try output.render(.sessions(sessions)))
            }
        }
    }
}
