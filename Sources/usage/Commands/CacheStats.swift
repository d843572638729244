import ArgumentParser
import UsageKit

extension Usage {
    struct CacheStats: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json, .csv]
        static let formatRemark: String? = "csv gives the per-model table"

        static let configuration = CommandConfiguration(
            commandName: "cache-stats",
            abstract: "Is prompt caching paying off? Hit rate, savings, waste and recommendations.",
            discussion: """
                Hit rate = cache read tokens / prompt tokens (uncached input + cache writes + cache reads). Cost \
                without \
                cache prices every written or read token at its request's base input rate. Net saving = gross saving \
                from reads - premium paid for writes. Waste = premium of writes never read within their lifetime, plus \
                the extra of 1-hour writes a 5-minute write would have served. Recommendations come with their \
                evidence \
                and an estimated saving over 30 days at the period's pace.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @OptionGroup var scope: ScopeOptions

        @Option(help: ArgumentHelp("How many workflows, sessions and projects the top lists show.", valueName: "n"))
        var top = 5

        @OptionGroup var output: FormatOption<CacheStats>

        func validate() throws {
            if top < 1 { throw ValidationError("--top must be at least 1.") }
        }

        func run() throws {
            try output.write(from: database) { db in
                .cacheStats(try db.cacheStats(try scope.filter(period)), top: top)
            }
        }
    }
}
