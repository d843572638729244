import ArgumentParser
import UsageKit

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest usage logs (files, or directories recursively) into the database.",
        discussion: """
            Reads Messages API responses as JSON or JSON Lines (bare or inside a log envelope) and streamed \
            responses saved as server-sent events. Each file is stored in one transaction; a request already \
            stored is not stored again. Malformed lines are reported as path:line: reason and skipped.

            Exit status: 0 all input ingested; 1 some lines or paths were rejected (the rest was stored); \
            2 failed (database error, bad arguments).
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Time zone for timestamps logged without one (IANA name, e.g. Europe/Paris).", valueName: "zone"))
    var tz = "UTC"

    @Argument(help: ArgumentHelp("Log files or directories.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Give at least one file or directory to ingest.") }
        if TimeZoneRule(identifier: tz) == nil { throw ValidationError("Unknown time zone '\(tz)'; use an IANA name such as Europe/Paris.") }
    }

    func run() throws {
        var summary = IngestSummary()
        try Diagnostics.run {
            let db = try database.open(mustExist: false)
            let ingestor = Ingestor(
                database: db, options: IngestOptions(zone: TimeZoneRule(identifier: tz)!), diagnostic: Diagnostics.print)
            summary = try ingestor.ingest(paths: paths)
        }
        Diagnostics.print(summary.line)
        if summary.hasRejections { throw ExitCode(1) }
    }
}
