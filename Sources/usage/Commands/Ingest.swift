import ArgumentParser
import Foundation
import SQLiteTuning
import Synchronization
import UsageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SourceFormat: ExpressibleByArgument {}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest usage logs (files, or directories recursively) into the database.",
        discussion: """
            Reads, told by content: Messages API responses (JSON, JSON Lines, log envelopes), streamed responses \
            (server-sent events), Message Batches results, batch objects and batch summaries, session tracker \
            files, telemetry records, Claude Code transcripts, and Admin API usage and cost report pages. \
            Unchanged files are skipped; JSON Lines files that grew are read from where the last run stopped. Each \
            file is stored in one transaction; a request already stored is not stored again. Malformed lines are \
            reported as path:line: reason and skipped.

            Exit status: 0 all input ingested; 1 some lines or paths were rejected (the rest was stored); \
            2 failed (database error); 64 bad arguments.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "Time zone for timestamps logged without one (IANA name, e.g. Europe/Paris).", valueName: "zone"))
    var tz = "UTC"

    @Option(
        help: ArgumentHelp(
            "Read every file as this format instead of telling it from its content.", valueName: "name"))
    var format: SourceFormat?

    @Flag(help: "Also ingest Claude Code transcripts from $CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude.")
    var claudeCode = false

    @Flag(inversion: .prefixedNo, help: "Show progress on stderr when it is a terminal.")
    var progress = true

    @Argument(help: ArgumentHelp("Log files or directories.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty && !claudeCode {
            throw ValidationError("Give at least one file or directory to ingest, or --claude-code.")
        }
        if TimeZoneRule(identifier: tz) == nil {
            throw ValidationError("Unknown time zone '\(tz)'; use an IANA name such as Europe/Paris.")
        }
    }

    func run() throws {
        var sources = paths.map { IngestSource(path: $0, format: format) }
        if claudeCode {
            let directories = ClaudeCode.dataDirectories()
            if directories.isEmpty {
                Diagnostics.print(
                    "usage: no Claude Code data directory found"
                        + " (looked in \(ClaudeCode.searchedPlaces().joined(separator: ", ")))")
            }
            sources += directories.map { IngestSource(path: $0, format: .claudeCode) }
        }
        let display: ProgressLine? = progress && isatty(STDERR_FILENO) != 0 ? ProgressLine() : nil
        var options = IngestOptions(zone: TimeZoneRule(identifier: tz)!)
        if let display {
            options.progress = { @Sendable (p: IngestProgress) in display.show(p) }
        }
        let report: @Sendable (IngestIssue) -> Void = { issue in
            display?.clear()
            Diagnostics.print(issue.description)
        }
        var summary = IngestSummary()
        // Before the database opens, while SQLite can still be configured: an ingest allocates for every row it
        // writes, and the statistics' lock on each allocation cost it about 4% (measured on 300,000 responses).
        _ = usage_sqlite_disable_memory_statistics()
        try Diagnostics.run {
            let db = try database.open()
            summary = try db.ingest(sources, options: options, onIssue: report)
        }
        display?.clear()
        Diagnostics.print(summary.line)
        if summary.hasRejections { throw ExitCode(1) }
    }
}

/// One line of progress on a terminal's stderr, rewritten in place.
final class ProgressLine: Sendable {
    /// Whether a progress line stands on the terminal now.
    private let shown = Mutex(false)

    func show(_ p: IngestProgress) {
        let mb = Double(p.bytesDone) / 1_000_000
        let total = Double(p.bytesTotal) / 1_000_000
        let rate = p.seconds > 0 ? mb / p.seconds : 0
        let text = String(
            format: "\r\u{1B}[Kingesting: %d/%d files, %.1f of %.1f MB, %.0f MB/s", p.filesDone, p.filesTotal, mb,
            total, rate)
        shown.withLock { shown in
            FileHandle.standardError.write(Data(text.utf8))
            shown = true
        }
    }

    func clear() {
        shown.withLock { shown in
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            shown = false
        }
    }
}
