import ArgumentParser
import Foundation
import UsageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Usage {
    struct Report: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json, .csv, .markdown, .html]

        static let configuration = CommandConfiguration(
            abstract: "Totals, then one row per group: requests, tokens, cache hit rate, cost.",
            discussion: """
                Group by one or two of day, week, month, model, session, workflow, project, service-tier, source \
                (--group-by day,model). Days, weeks (from Monday) and months are those of --tz, by default this \
                machine's zone. Requests of models the price table does not know are listed as unpriced and left out \
                of the cost. --html writes a self-contained HTML report with charts and prints its path.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @Option(
            name: .customLong("group-by"),
            help: ArgumentHelp(
                "One or two of day, week, month, model, session, workflow, project, service-tier, source.",
                valueName: "dims"))
        var groupBy: String?

        @Option(help: "Rows per model or per day (the same as --group-by model or day).")
        var by: ReportGrouping?

        @Option(
            help: ArgumentHelp(
                "Time zone of days, weeks and months (IANA name; default: this machine's).", valueName: "zone"))
        var tz: String?

        @OptionGroup var scope: ScopeOptions

        @OptionGroup var output: FormatOption<Report>

        @Option(
            help: ArgumentHelp(
                "Budgets file whose status the report shows (default: the budgets file, when it exists).",
                valueName: "path"))
        var budgets: String?

        @Flag(
            help: """
                Write a self-contained HTML report (to reports/usage-YYYYMMDD-HHMMSS.html unless --output says) and \
                print its path.
                """)
        var html = false

        @Option(
            name: .customLong("output"),
            help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "path"))
        var outputFile: String?

        var dimensions: [ReportDimension] {
            guard let groupBy else { return [(by ?? .model) == .model ? .model : .day] }
            return groupBy.split(separator: ",").compactMap {
                ReportDimension(rawValue: $0.trimmingCharacters(in: .whitespaces))
            }
        }

        var zone: TimeZoneRule { tz.flatMap(TimeZoneRule.init(identifier:)) ?? .local }

        func validate() throws {
            if let groupBy {
                let names = groupBy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let known = ReportDimension.allCases.map(\.rawValue)
                guard (1...2).contains(names.count), names.allSatisfy(known.contains), Set(names).count == names.count
                else {
                    throw ValidationError(
                        "--group-by takes one or two of \(known.joined(separator: ", ")), e.g. --group-by day,model.")
                }
                if by != nil { throw ValidationError("Use --group-by or --by, not both.") }
            }
            try Usage.validateTimeZone(tz)
        }

        func run() throws {
            try Diagnostics.run {
                let db = try database.openForReading()
                let filter = try scope.filter(period, zone: zone)
                let budgetCheck = try checkBudgets(db)
                if html || output.selected == .html {
                    var dashboard = try db.dashboard(filter, zone: zone)
                    dashboard.budgets = budgetCheck
                    let page = try OutputFormat.html.render(.dashboard(dashboard))
                    if html {
                        let path = outputFile ?? Self.defaultHTMLPath()
                        try write(page, to: path)
                        emit(path + "\n")
                    } else {
                        try deliver(page)
                    }
                    return
                }
                let report = try db.report(filter, by: dimensions, zone: zone)
                let terminal = outputFile == nil && isatty(STDOUT_FILENO) != 0
                let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
                let options = RenderOptions(width: terminal ? Self.terminalWidth() : nil, color: terminal && !noColor)
                try deliver(try output.render(.report(report, budgets: budgetCheck), options: options))
            }
        }

        /// The status of the budgets file, when there is one: given, or at its default place.
        private func checkBudgets(_ db: UsageStore) throws -> BudgetCheck? {
            let path = budgets ?? BudgetConfig.defaultPath()
            guard budgets != nil || FileManager.default.fileExists(atPath: path) else { return nil }
            do {
                let config = try BudgetConfig.load(path: path)
                let zone = config.timeZone.flatMap(TimeZoneRule.init(identifier:)) ?? self.zone
                return try db.checkBudgets(config, zone: zone)
            } catch let error as UsageError {
                return BudgetCheck(results: [], zone: zone, checkedAt: Date(), problem: error)
            }
        }

        private func deliver(_ text: String) throws {
            if let outputFile {
                try write(text, to: outputFile)
            } else {
                emit(text)
            }
        }

        private func write(_ text: String, to path: String) throws {
            let directory = (path as NSString).deletingLastPathComponent
            do {
                if !directory.isEmpty {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                }
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw UsageError.invalidArgument("\(path): cannot write the report: \(error.localizedDescription)")
            }
        }

        static func defaultHTMLPath(now: Date = Date()) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            return "reports/usage-\(formatter.string(from: now)).html"
        }

        /// The terminal's columns: the window size, else `$COLUMNS`, else 100.
        static func terminalWidth() -> Int {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
            return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 100
        }
    }
}
