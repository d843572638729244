import ArgumentParser
import UsageKit

extension Usage {
    struct Sessions: ParsableCommand, FormatDeclaring, Limiting {
        static let formats: [OutputFormat] = [.table, .json, .csv]

        static let configuration = CommandConfiguration(
            commandName: "sessions",
            abstract: "Sessions by cost: requests, total and cached tokens, hit rate, cost and what caching saved.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @Option(help: ArgumentHelp("At most N sessions, the most expensive ones.", valueName: "n"))
        var limit: Int?

        @OptionGroup var output: FormatOption<Sessions>

        func run() throws {
            try output.write(from: database) { db in
                let stats = try db.cacheStats(try period.filter(), waste: false)
                var sessions = stats.bySession.filter { $0.key != "(none)" }
                if let limit { sessions = Array(sessions.prefix(limit)) }
                return .sessions(sessions)
            }
        }
    }
}
