import ArgumentParser
import Foundation
import UsageKit

@main
struct Usage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Telemetry and cost analytics for Anthropic API usage logs.",
        discussion: """
            Ingest usage logs into a local SQLite database, price every request exactly, and report spend.
            Database: --db PATH, else $USAGE_DB, else $XDG_DATA_HOME/usage/usage.sqlite, \
            else ~/.local/share/usage/usage.sqlite.
            """,
        version: "0.1.0",
        subcommands: [
            Ingest.self, Report.self, Events.self, CacheStats.self, Sessions.self, Budget.self, Pricing.self,
            Reprice.self, Estimate.self, Compare.self, Reconcile.self, Sources.self, Blocks.self, Statusline.self,
            Watch.self, Serve.self, Metrics.self,
        ]
    )
}

extension Usage {
    /// Runs the command line. `usage statusline`, which Claude Code runs every few seconds and waits for, is parsed
    /// on its own: building the whole command tree costs it a tenth of its time in first-use type look-ups.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "statusline", !arguments.contains(where: { ["-h", "--help", "--version"].contains($0) }) {
            do {
                let command = try Statusline.parse(Array(arguments.dropFirst()))
                try command.run()
            } catch {
                // An argument it cannot take still gets the fallback line: a status line never fails loudly.
                emit(Statusline.fallback + "\n")
            }
            return
        }
        main(nil)
    }

    /// Refuses a `--tz` that is not an IANA time zone name, as an argument error.
    static func validateTimeZone(_ tz: String?) throws {
        if let tz, TimeZoneRule(identifier: tz) == nil {
            throw ValidationError("Unknown time zone '\(tz)'; use an IANA name such as Europe/Paris.")
        }
    }
}

/// The `--db` option every subcommand takes.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite database file.", valueName: "path"))
    var db: String?

    var path: String { db ?? DatabaseLocation.defaultPath() }

    /// Opens the database for writing, creating it if needed.
    func open() throws -> UsageStore {
        try UsageStore.open(path: path)
    }

    /// Opens an existing database for writing (`usage reprice`): it must exist, as for reading.
    func openExisting() throws -> UsageStore {
        try requireExisting()
        return try UsageStore.open(path: path)
    }

    /// Opens the database for reading only, so a read-only file, folder or mount serves; it must exist.
    func openForReading() throws -> UsageStore {
        try requireExisting()
        let database = try UsageStore.openForReading(path: path)
        if let newer = database.newerSchema {
            Diagnostics.print(
                "usage: warning: \(path) was written by a newer version of usage (schema \(newer)); reading it may "
                    + "miss what this version does not know")
        }
        return database
    }

    /// The price table in force: the built-in one with the database's imports (the built-in one alone without a
    /// database).
    func prices() throws -> PriceTable {
        guard FileManager.default.fileExists(atPath: path) else { return .builtIn }
        return try openForReading().priceTable()
    }

    private func requireExisting() throws {
        if !FileManager.default.fileExists(atPath: path) {
            throw UsageError.invalidArgument("no database at \(path); run `usage ingest PATH...` first, or pass --db")
        }
    }
}

/// `--since`, `--until` and `--days`.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start: a date (2026-11-02) or an ISO 8601 timestamp.", valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("End, inclusive: a date (its whole day) or an ISO 8601 timestamp.", valueName: "date"))
    var until: String?

    @Option(
        help: ArgumentHelp(
            "Only the last N days, today included (days of --tz where a command has it, else UTC).", valueName: "n"))
    var days: Int?

    func validate() throws {
        do {
            _ = try Period.bounds(since: since, until: until, days: days)
        } catch let error as UsageError {
            throw ValidationError(error.description)
        }
    }

    func filter(models: [String] = [], zone: TimeZoneRule = .utc) throws -> RequestFilter {
        let (lower, upper) = try Period.bounds(since: since, until: until, days: days, zone: zone)
        return RequestFilter(since: lower, until: upper, models: models)
    }
}

/// `--model`, `--workflow`, `--session` and `--project`: which requests of the period count.
struct ScopeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only this model (any spelling); repeatable.", valueName: "id"))
    var model: [String] = []

    @Option(help: ArgumentHelp("Only this workflow.", valueName: "name"))
    var workflow: String?

    @Option(help: ArgumentHelp("Only this session.", valueName: "id"))
    var session: String?

    @Option(help: ArgumentHelp("Only this project.", valueName: "name"))
    var project: String?

    /// The period's requests within this scope.
    func filter(_ period: PeriodOptions, zone: TimeZoneRule = .utc) throws -> RequestFilter {
        var filter = try period.filter(models: model, zone: zone)
        filter.workflow = workflow
        filter.session = session
        filter.project = project
        return filter
    }
}

extension ReportGrouping: ExpressibleByArgument {}

/// Standard error, for diagnostics; data goes to standard output.
enum Diagnostics {
    /// Prints a diagnostic. Diagnostics quote file names and log text (`path:line: reason`): they are escaped
    /// so that nothing in them can drive the terminal.
    static func print(_ message: String) {
        FileHandle.standardError.write(Data((TerminalText.escaped(message) + "\n").utf8))
    }

    /// Runs `body`, turning library errors into a message on stderr and exit status 2.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as UsageError {
            print("usage: error: \(error.description)")
            throw ExitCode(2)
        } catch {
            print("usage: error: \(error.localizedDescription)")
            throw ExitCode(2)
        }
    }
}

/// Writes data to stdout.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// A command with `--limit N`: at most N of what it lists, N at least 1.
protocol Limiting: ParsableCommand {
    var limit: Int? { get }
}

extension Limiting {
    /// The command's validation: `--limit` of at least 1.
    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }
}
