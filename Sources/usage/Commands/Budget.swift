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
                error).
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

        func validate() throws {
            if let warnAt, !(1...1000).contains(warnAt) {
                throw ValidationError("--warn-at must be a percentage from 1 to 1000, e.g. 80.")
            }
            try Usage.validateTimeZone(tz)
        }

        func run() throws {
            do {
                let check = try evaluate()
                emit(try output.render(.budgetCheck(check)))
                throw ExitCode(Int32(check.status.rawValue))
            } catch let exit as ExitCode {
                throw exit
            } catch {
                // Whatever went wrong, monitoring gets its status line and UNKNOWN.
                // The store maps every failure to a UsageError; anything else is reported as it would be.
                let problem = error as? UsageError ?? UsageError.database(path: database.path, reason: "\(error)")
                let check = BudgetCheck(results: [], zone: .utc, checkedAt: Date(), problem: problem)
                emit(try output.render(.budgetCheck(check)))
                Diagnostics.print("usage: error: \(problem.description)")
                throw ExitCode(3)
            }
        }

        private func evaluate() throws -> BudgetCheck {
            var budgetConfig: BudgetConfig
            if daily != nil || weekly != nil || monthly != nil {
                var budgets: [UsageKit.Budget] = []
                let limits: [(String, String?, UsageKit.Budget.Period)] = [
                    ("daily", daily, .day), ("weekly", weekly, .week), ("monthly", monthly, .month),
                ]
                for (name, value, period) in limits {
                    guard let value else { continue }
                    guard let limit = USD(value), limit.nanos > 0 else {
                        throw UsageError.invalidArgument("--\(name) '\(value)' is not a positive amount of USD")
                    }
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

        private func check(_ budgetConfig: BudgetConfig, zone: TimeZoneRule) throws -> BudgetCheck {
            var now = Date()
            if let at {
                guard let ms = Timestamp.parse(at, defaultOffset: 0) else {
                    throw UsageError.invalidArgument("--at '\(at)' is not an ISO 8601 time (2026-11-22T12:00:00Z)")
                }
                now = Date(timeIntervalSince1970: Double(ms) / 1000)
            }
            return try database.openForReading().checkBudgets(budgetConfig, zone: zone, now: now)
        }
    }
}
