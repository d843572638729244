import ArgumentParser
import UsageKit

extension Usage {
    struct Sources: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json, .csv]

        static let configuration = CommandConfiguration(
            abstract: "List the ingest ledger: every file read, its format, requests, rejected lines and last ingest.",
            discussion: """
                The ledger is what makes a re-run cheap: unchanged files are skipped without being read, and JSON \
                Lines \
                files that grew are read from where the last run stopped. "Read" shows how much of a file was \
                consumed; \
                a last line still being written is left for the next run.
                """)

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var output: FormatOption<Sources>

        func run() throws {
            try output.write(from: database) { db in .sources(try db.sources()) }
        }
    }
}
