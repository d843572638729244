import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Prometheus metrics usage serve exposes, or write them for node_exporter.",
            discussion: """
                The same metrics as usage serve's /metrics, from the database as it is. With --textfile the file is \
                written whole or not at all (a temporary file beside it, then renamed): point node_exporter's \
                --collector.textfile.directory at its folder and run usage ingest and usage metrics from cron.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(
            help: ArgumentHelp(
                "Write to this file (name it *.prom) atomically instead of standard output.", valueName: "path"))
        var textfile: String?

        @Option(
            help: ArgumentHelp(
                "Budgets file to report on (default: the budgets file, when it exists).", valueName: "path"))
        var budgets: String?

        @Option(
            name: .customLong("label-cap"),
            help: ArgumentHelp(
                "Most label sets of the totals; the rest are summed under the label value other.", valueName: "n"))
        var labelCap = 200

        @Option(
            help: ArgumentHelp(
                "Time zone of budget periods (IANA name; default: this machine's).", valueName: "zone"))
        var tz: String?

        func validate() throws {
            guard labelCap > 0 else { throw ValidationError("--label-cap takes a number above 0.") }
            try Usage.validateTimeZone(tz)
        }

        func run() throws {
            try Diagnostics.run {
                let store = try database.openForReading()
                let zone = tz.flatMap(TimeZoneRule.init(identifier:)) ?? .local
                let text = PrometheusRenderer.render(
                    try store.metrics(budgets: try BudgetConfig.named(budgets), zone: zone, labelCap: labelCap))
                guard let textfile else { return emit(text) }
                try Self.replace(textfile, with: text)
            }
        }

        /// Writes `text` to a temporary file in the folder of `path` and renames it over `path`: a reader sees the
        /// old file or the new one, never half of one.
        static func replace(_ path: String, with text: String) throws {
            let url = URL(fileURLWithPath: path)
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            do {
                try Data(text.utf8).write(to: temporary)
                guard rename(temporary.path, url.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    try? FileManager.default.removeItem(at: temporary)
                    throw UsageError.invalidArgument("\(path): cannot replace the file: \(reason)")
                }
            } catch let error as UsageError {
                throw error
            } catch {
                throw UsageError.invalidArgument("\(path): cannot write the metrics: \(error.localizedDescription)")
            }
        }
    }
}

extension BudgetConfig {
    /// The budgets file `path` names, else the default one when it exists; nil without either.
    static func named(_ path: String?) throws -> BudgetConfig? {
        let chosen = path ?? defaultPath()
        guard path != nil || FileManager.default.fileExists(atPath: chosen) else { return nil }
        return try load(path: chosen)
    }
}
