import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    /// Claude Code's status line (`{"statusLine": {"type": "command", "command": "usage statusline"}}`): Claude
    /// Code pipes a JSON object on stdin (`session_id`, `transcript_path`, `model.display_name`, ...; see
    /// https://code.claude.com/docs/en/statusline) and shows the first line printed.
    struct Statusline: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "statusline",
            abstract: "One status line for Claude Code: session, today's and the 5-hour block's exact cost.",
            discussion: """
                Reads Claude Code's status JSON on standard input, ingests what is new in the session's transcript \
                and prints one line: the model, the session's exact cost, today's cost, the active 5-hour block's \
                cost and time left, the session's cache hit rate, and the budget nearest its limit when a budgets \
                file exists. It never fails loudly: on any problem it prints a short fallback line, exits 0 and \
                writes the reason to the log file. Colour unless NO_COLOR is set. --format takes a template of \
                {model} {session} {today} {block} {left} {cache} {budget}. Wider than --width (or $COLUMNS), the \
                default line gives up the cache rate, then today's cost, then the block; any line is then cut.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(
            help: ArgumentHelp(
                "A template of {model} {session} {today} {block} {left} {cache} {budget}.", valueName: "template"))
        var format: String?

        @Option(
            help: ArgumentHelp(
                "Columns the line may take (default: $COLUMNS, else no limit); parts are given up to fit.",
                valueName: "n"))
        var width: Int?

        @Option(help: ArgumentHelp("Budgets file (default: the budgets file, when it exists).", valueName: "path"))
        var budgets: String?

        @Option(
            help: ArgumentHelp(
                "Where problems are written (default: usage/statusline.log in $XDG_STATE_HOME, else ~/.local/state).",
                valueName: "path"))
        var log: String?

        @Option(help: ArgumentHelp("The time to show the status at (ISO 8601; default: now).", valueName: "time"))
        var at: String?

        @Option(help: ArgumentHelp("Time zone of \"today\" (IANA name; default: this machine's).", valueName: "zone"))
        var tz: String?

        static let fallback = "usage: status unavailable"

        func run() throws {
            do {
                emit(try line() + "\n")
            } catch {
                emit((columns.map { TerminalText.cut(Self.fallback, to: $0) } ?? Self.fallback) + "\n")
                record(error)
            }
        }

        private func line() throws -> String {
            let input = FileHandle.standardInput.readData(ofLength: 1 << 20)
            guard let object = try? JSONSerialization.jsonObject(with: input) as? [String: Any] else {
                throw UsageError.invalidArgument("standard input is not Claude Code's status JSON")
            }
            guard let session = object["session_id"] as? String, !session.isEmpty else {
                throw UsageError.invalidArgument("the status JSON has no session_id")
            }
            let model = ((object["model"] as? [String: Any])?["display_name"] as? String) ?? "Claude"
            let store = try database.open()
            if let transcript = object["transcript_path"] as? String {
                guard FileManager.default.fileExists(atPath: transcript) else {
                    throw UsageError.unreadable(path: transcript, reason: "the session's transcript does not exist")
                }
                _ = try store.ingest([IngestSource(path: transcript)])
            }
            let zone = tz.flatMap(TimeZoneRule.init(identifier:)) ?? .local
            let time =
                try at.map { text -> Date in
                    guard let ms = Timestamp.parse(text, defaultOffset: 0) else {
                        throw UsageError.invalidArgument("--at \(text) is not an ISO 8601 time")
                    }
                    return Date(timeIntervalSince1970: Double(ms) / 1000)
                } ?? Date()
            let status = try store.status(
                session: session, at: time, zone: zone, budgets: try BudgetConfig.named(budgets))
            let color = ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            return StatusLineText.render(status, model: model, template: format, color: color, width: columns)
        }

        /// The columns the line may take. Claude Code does not say how wide its screen is: --width, else COLUMNS
        /// when the shell exports it; none (or nonsense) means no limit.
        private var columns: Int? {
            (width ?? ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) }).flatMap { $0 > 0 ? $0 : nil }
        }

        /// Appends the reason the status line fell back to the log file; a log that cannot be written is let go.
        private func record(_ error: Error) {
            let environment = ProcessInfo.processInfo.environment
            let path =
                log
                ?? ((environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                    ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state") + "/usage/statusline.log")
            let reason = (error as? UsageError)?.description ?? "\(error)"
            let text = "\(Timestamp.iso(Int64(Date().timeIntervalSince1970 * 1000))) \(reason)\n"
            let url = URL(fileURLWithPath: path)
            try? FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if let handle = try? FileHandle(forWritingTo: url) {
                handle.seekToEndOfFile()
                handle.write(Data(text.utf8))
                try? handle.close()
            } else {
                try? Data(text.utf8).write(to: url)
            }
        }
    }
}
