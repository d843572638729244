import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    struct Budget: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json, .csv]

        static let configuration = CommandConfiguration(
            commandName: "budget",
            abstract: "Check spend against budgets; the exit status tells monitoring what to do.",
            discussion: """
                Limits come from --daily/--weekly/--monthly (USD) or from a budgets file (--config, by default \
                $XDG_CONFIG_HOME/usage/budgets.toml or .json). The first line of output is a one-line status, e.g. \
                "BUDGET CRITICAL - monthly: $412.30 of $400.00 (103%)".

                Exit status (monitoring-plugin convention): 0 OK; 1 WARNING (a warning threshold crossed, a forecast \
                over its limit, an anomaly, or unpriced usage in scope); 2 CRITICAL (a limit exceeded); 3 UNKNOWN (no \
                usage recorded in a budget's period, no budget configured, an unreadable budgets file, a database \
                error, an option value that cannot be read).
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("Budgets file, TOML or JSON.", valueName: "path"))
        var config: String?

        @Option(help: ArgumentHelp("Daily limit in USD.", valueName: "usd"))
        var daily: String?

        @Option(help: ArgumentHelp("Weekly limit in USD (weeks start on Monday).", valueName: "usd"))
        var weekly: String?

        @Option(help: ArgumentHelp("Monthly limit in USD.", valueName: "usd"))
        var monthly: String?

        @Option(
            name: .customLong("warn-at"),
            help: ArgumentHelp("Warn from this percentage of a limit (default 80).", valueName: "percent"))
        var warnAt: Int?

        @Option(
            help: ArgumentHelp(
                "Time zone of days, weeks and months (default: the file's, else this machine's).", valueName: "zone"))
        var tz: String?

        @Option(
            help: ArgumentHelp(
                "Check as of this time (ISO 8601; default now): to replay a past day's check.", valueName: "time"))
        var at: String?

        @OptionGroup var output: FormatOption<Budget>

        /// An option value that cannot be read is UNKNOWN with its status line, as monitoring plugins report
        /// invalid arguments, not the usual exit status 64.
        func validate() throws {
            for (name, value) in [("daily", daily), ("weekly", weekly), ("monthly", monthly)] {
                if let value, Self.limit(value) == nil {
                    try unknown(.invalidArgument("--\(name) '\(value)' is not a positive amount of USD"))
                }
            }
            if let warnAt, !(1...1000).contains(warnAt) {
                try unknown(.invalidArgument("--warn-at must be a percentage, e.g. 80"))
            }
            if let tz, TimeZoneRule(identifier: tz) == nil {
                try unknown(.invalidArgument("unknown time zone '\(tz)'"))
            }
            if let at, Timestamp.parse(at, defaultOffset: 0) == nil {
                try unknown(.invalidArgument("--at '\(at)' is not an ISO 8601 time (2026-11-22T12:00:00Z)"))
            }
        }

        func run() throws {
            let check: BudgetCheck
            do {
                check = try evaluate()
            } catch {
                // The store maps every failure to a UsageError; anything else is reported as it would be.
                try unknown(error as? UsageError ?? UsageError.database(path: database.path, reason: "\(error)"))
            }
            emit(try output.render(.budgetCheck(check)))
            throw ExitCode(Int32(check.status.rawValue))
        }

        /// Whatever went wrong, monitoring gets its status line and UNKNOWN.
        private func unknown(_ problem: UsageError) throws -> Never {
            let check = BudgetCheck(results: [], zone: .utc, checkedAt: Date(), problem: problem)
            emit(try output.render(.budgetCheck(check)))
            Diagnostics.print("usage: error: \(problem.description)")
            throw ExitCode(3)
        }

        private func evaluate() throws -> BudgetCheck {
            var budgetConfig: BudgetConfig
            if daily != nil || weekly != nil || monthly != nil {
                var budgets: [UsageKit.Budget] = []
                let limits: [(String, String?, UsageKit.Budget.Period)] = [
                    ("daily", daily, .day), ("weekly", weekly, .week), ("monthly", monthly, .month),
                ]
                for (name, value, period) in limits {
                    // validate() has read every limit given.
                    guard let value, let limit = Self.limit(value) else { continue }
                    budgets.append(UsageKit.Budget(name: name, period: period, limit: limit, warnAt: warnAt ?? 80))
                }
                budgetConfig = BudgetConfig(budgets: budgets)
            } else {
                let path = config ?? BudgetConfig.defaultPath()
                guard FileManager.default.fileExists(atPath: path) else {
                    throw UsageError.invalidArgument(
                        "no budget configured: give --daily, --weekly or --monthly, or write a budgets file at \(path)")
                }
                budgetConfig = try BudgetConfig.load(path: path)
                if let warnAt {
                    for i in budgetConfig.budgets.indices { budgetConfig.budgets[i].warnAt = warnAt }
                }
            }
            // --tz was validated, and a budgets file's zone when the file was read.
            let zone = (tz ?? budgetConfig.timeZone).flatMap(TimeZoneRule.init(identifier:)) ?? .local
            return try check(budgetConfig, zone: zone)
        }

        /// A limit given on the command line: a positive amount of USD.
        static func limit(_ text: String) -> USD? {
            USD(text).flatMap { $0.nanos > 0 ? $0 : nil }
        }

        private func check(_ budgetConfig: BudgetConfig, zone: TimeZoneRule) throws -> BudgetCheck {
            // validate() has read --at.
            let now =
                at.flatMap { Timestamp.parse($0, defaultOffset: 0) }
                .map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? Date()
            return try database.openForReading().checkBudgets(budgetConfig, zone: zone, now: now)
        }
    }
}
