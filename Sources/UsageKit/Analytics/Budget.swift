import Foundation
import TOMLKit

/// A spending limit over a period, optionally for part of the usage.
public struct Budget: Sendable, Equatable {
    public enum Period: Sendable, Equatable {
        case day, week, month
        /// The last N days, up to now.
        case rolling(days: Int)

        public var description: String {
            switch self {
            case .day: return "day"
            case .week: return "week"
            case .month: return "month"
            case .rolling(let days): return "rolling \(days) days"
            }
        }

        /// Reads `day`, `week`, `month`, `7 days` or `rolling 7 days`.
        public init?(_ text: String) {
            let words = text.lowercased().split(separator: " ").filter { $0 != "rolling" }
            switch words.count == 1 ? words.first : nil {
            case "day", "daily": self = .day
            case "week", "weekly": self = .week
            case "month", "monthly": self = .month
            default:
                guard words.count == 2, let n = Int(words[0]), n > 0, words[1] == "days" || words[1] == "day" else {
                    return nil
                }
                self = .rolling(days: n)
            }
        }
    }

    /// Which usage a budget counts; nil fields do not narrow it.
    public struct Scope: Sendable, Equatable {
        public var model: String?
        public var workflow: String?
        public var project: String?
        public var session: String?
        public var apiKey: String?
        public var workspace: String?

        public init(
            model: String? = nil, workflow: String? = nil, project: String? = nil, session: String? = nil,
            apiKey: String? = nil, workspace: String? = nil
        ) {
            self.model = model
            self.workflow = workflow
            self.project = project
            self.session = session
            self.apiKey = apiKey
            self.workspace = workspace
        }

        public var description: String {
            let parts = [
                ("model", model), ("workflow", workflow), ("project", project), ("session", session),
                ("api key", apiKey), ("workspace", workspace),
            ].compactMap { name, value in value.map { "\(name) \($0)" } }
            return parts.isEmpty ? "all usage" : parts.joined(separator: ", ")
        }
    }

    public var name: String
    public var period: Period
    public var limit: USD
    /// Percent of the limit from which the budget warns.
    public var warnAt: Int
    public var scope: Scope

    public init(name: String, period: Period, limit: USD, warnAt: Int = 80, scope: Scope = Scope()) {
        self.name = name
        self.period = period
        self.limit = limit
        self.warnAt = warnAt
        self.scope = scope
    }
}

/// Budgets as a file states them.
public struct BudgetConfig: Sendable, Equatable {
    public var budgets: [Budget]
    /// Where days, weeks and months begin; nil: this machine's zone.
    public var timeZone: String?
    /// Today's spend is an anomaly above 3x the trailing daily average only past this floor.
    public var anomalyFloor: USD

    public init(budgets: [Budget], timeZone: String? = nil, anomalyFloor: USD = USD(nanos: 1_000_000_000)) {
        self.budgets = budgets
        self.timeZone = timeZone
        self.anomalyFloor = anomalyFloor
    }

    /// `$XDG_CONFIG_HOME/usage/budgets.toml` (or `.json`), else `~/.config/usage/budgets.toml` (or `.json`):
    /// the first that exists, else the TOML path.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        let toml = base + "/usage/budgets.toml"
        let json = base + "/usage/budgets.json"
        return !FileManager.default.fileExists(atPath: toml) && FileManager.default.fileExists(atPath: json)
            ? json : toml
    }

    /// Reads a TOML or JSON budgets file (told by its first character).
    public static func load(path: String) throws -> BudgetConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UsageError.unreadable(path: path, reason: "cannot read the budgets file")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = "budgets") throws -> BudgetConfig {
        let root: [String: Any]
        if text.drop(while: \.isWhitespace).first == "{" {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw UsageError.invalidArgument("\(path): not valid JSON")
            }
            root = object
        } else {
            do {
                root = plain(try TOMLTable(string: text)) as? [String: Any] ?? [:]
            } catch let error as TOMLParseError {
                throw UsageError.invalidArgument(
                    "\(path):\(error.source.begin.line): not valid TOML: \(error.description)")
            } catch {
                throw UsageError.invalidArgument("\(path): not valid TOML: \(error)")
            }
        }
        func fail(_ message: String) -> UsageError { UsageError.invalidArgument("\(path): \(message)") }
        func usd(_ value: Any?, _ what: String) throws -> USD {
            if let text = value as? String, let amount = USD(text), amount.nanos > 0 { return amount }
            if let number = value as? Double, number > 0, let amount = USD(dollars: number) { return amount }
            if let number = value as? Int, number > 0 { return USD(nanos: Int64(number) * 1_000_000_000) }
            throw fail("\(what) must be a positive amount of USD")
        }
        func percent(_ value: Any?, _ what: String, default fallback: Int) throws -> Int {
            guard let value else { return fallback }
            if value is Bool { throw fail("\(what) must be a percentage, e.g. 80") }
            if let n = value as? Int, (1...1000).contains(n) { return n }
            if let d = value as? Double, d >= 1, d <= 1000 { return Int(d.rounded()) }
            throw fail("\(what) must be a percentage, e.g. 80")
        }
        let topKeys: Set = ["time_zone", "warn_at", "anomaly_floor", "budgets", "budget"]
        if let unknown = root.keys.sorted().first(where: { !topKeys.contains($0) }) {
            throw fail("unknown setting '\(unknown)' (use \(topKeys.sorted().joined(separator: ", ")))")
        }
        if root["time_zone"] != nil && !(root["time_zone"] is String) { throw fail("time_zone must be a string") }
        let warnAt = try percent(root["warn_at"], "warn_at", default: 80)
        var config = BudgetConfig(budgets: [], timeZone: root["time_zone"] as? String)
        if let floor = root["anomaly_floor"] { config.anomalyFloor = try usd(floor, "anomaly_floor") }
        if let zone = config.timeZone, TimeZoneRule(identifier: zone) == nil {
            throw fail("unknown time_zone '\(zone)'")
        }
        let listed = root["budgets"] ?? root["budget"]
        if listed != nil && !(listed is [[String: Any]]) {
            throw fail("budgets must be a list of tables: write each budget under its own [[budgets]] header")
        }
        guard let entries = listed as? [[String: Any]], !entries.isEmpty else { throw fail("no [[budgets]] defined") }
        for (i, entry) in entries.enumerated() {
            let name = entry["name"] as? String ?? "budget \(i + 1)"
            guard let periodText = entry["period"] as? String, let period = Budget.Period(periodText) else {
                throw fail("budget '\(name)': period must be day, week, month or 'N days'")
            }
            let entryKeys: Set = ["name", "period", "limit", "warn_at", "scope"]
            if let unknown = entry.keys.sorted().first(where: { !entryKeys.contains($0) }) {
                throw fail(
                    "budget '\(name)': unknown setting '\(unknown)' (use \(entryKeys.sorted().joined(separator: ", "));"
                        + " a scope goes under scope)")
            }
            if entry["scope"] != nil && !(entry["scope"] is [String: Any]) {
                throw fail("budget '\(name)': scope must be a table, e.g. scope = { workflow = \"code-review\" }")
            }
            let scope = entry["scope"] as? [String: Any] ?? [:]
            let known: Set = ["model", "workflow", "project", "session", "api_key", "workspace"]
            if let unknown = scope.keys.sorted().first(where: { !known.contains($0) }) {
                throw fail(
                    "budget '\(name)': unknown scope '\(unknown)' (use \(known.sorted().joined(separator: ", ")))")
            }
            if let bad = scope.keys.sorted().first(where: { !(scope[$0] is String) }) {
                throw fail("budget '\(name)': scope \(bad) must be one string")
            }
            config.budgets.append(
                Budget(
                    name: name, period: period, limit: try usd(entry["limit"], "budget '\(name)': limit"),
                    warnAt: try percent(entry["warn_at"], "budget '\(name)': warn_at", default: warnAt),
                    scope: Budget.Scope(
                        model: scope["model"] as? String, workflow: scope["workflow"] as? String,
                        project: scope["project"] as? String, session: scope["session"] as? String,
                        apiKey: scope["api_key"] as? String, workspace: scope["workspace"] as? String)))
        }
        return config
    }

    /// TOML values as plain Swift values, the same shapes JSONSerialization gives.
    private static func plain(_ value: any TOMLValueConvertible) -> Any? {
        if let table = value.table {
            var out: [String: Any] = [:]
            for (key, v) in table { out[key] = plain(v) }
            return out
        }
        if let array = value.array { return array.map { plain($0) as Any } }
        if let string = value.string { return string }
        if let int = value.int { return int }
        if let double = value.double { return double }
        if let bool = value.bool { return bool }
        return nil
    }
}

/// The monitoring-plugin statuses, in the order they combine.
public enum BudgetStatus: Int, Sendable, Comparable {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    public var name: String {
        switch self {
        case .ok: return "OK"
        case .warning: return "WARNING"
        case .critical: return "CRITICAL"
        case .unknown: return "UNKNOWN"
        }
    }

    /// CRITICAL over WARNING over UNKNOWN over OK: an alert is never hidden by missing data elsewhere.
    var severity: Int { [0, 2, 3, 1][rawValue] }

    public static func < (a: BudgetStatus, b: BudgetStatus) -> Bool { a.severity < b.severity }
}

/// Where one budget stands now.
public struct BudgetResult: Sendable, Equatable {
    public var budget: Budget
    /// The period in force: [start, end), milliseconds since 1970 UTC.
    public var start: Int64
    public var end: Int64
    public var spent: USD
    public var remaining: USD { budget.limit - spent }
    /// spent / limit.
    public var share: Double { Double(spent.nanos) / Double(budget.limit.nanos) }
    /// Spent so far plus the average daily spend of the last 7 days times the days left (week and month budgets).
    public var forecast: USD?
    public var todaySpend: USD
    public var trailingDailyAverage: USD
    public var anomaly: Bool
    public var unpricedRequests: Int64
    /// Requests of any scope in the period: none means no data, not no spending.
    public var requestsInPeriod: Int64
    public var status: BudgetStatus
    /// Why the status is not OK, in the order the rules found them.
    public var reasons: [BudgetReason]
}

/// Why a budget is not OK, with the figures that show it.
public enum BudgetReason: Sendable, Equatable {
    /// No request at all in the budget's period: no data, not no spending.
    case noUsage
    /// Spent over the limit, by `excess`.
    case limitExceeded(excess: USD)
    /// Spent at least `percent`% of the limit.
    case warningThreshold(percent: Int)
    /// The forecast for the end of `period` is over the limit.
    case forecastOverLimit(forecast: USD, period: Budget.Period)
    /// Today's spend is over 3x the average day of the 7 before.
    case anomaly(today: USD, trailingDailyAverage: USD)
    /// Requests in scope whose model is unpriced: spend may be higher.
    case unpricedRequests(Int64)
}

/// Every budget checked at one moment, with the overall status and its exit code.
public struct BudgetCheck: Sendable, Equatable {
    public var results: [BudgetResult]
    public var zone: TimeZoneRule
    public var checkedAt: Date
    /// Why the budgets could not be checked (no budget, an unreadable file, a database error): status UNKNOWN.
    public var problem: UsageError?

    public init(results: [BudgetResult], zone: TimeZoneRule, checkedAt: Date, problem: UsageError?) {
        self.results = results
        self.zone = zone
        self.checkedAt = checkedAt
        self.problem = problem
    }

    public var status: BudgetStatus { problem != nil ? .unknown : results.map(\.status).max() ?? .unknown }

    public static let forecastMethod =
        "spent so far + (spend of the last 7 days / 7) x days left in the period"

    /// Checks `config` against the store at `now`: the sums from `storage`, the rules here.
    static func evaluate(_ storage: some UsageStorage, config: BudgetConfig, zone: TimeZoneRule, now: Date = Date())
        throws -> BudgetCheck
    {
        let sums = try config.budgets.map { budget in
            try Spans(budget, zone: zone, now: now).map { try storage.spending($0) }
        }
        return evaluate(config: config, zone: zone, now: now, sums: sums)
    }

    /// The periods a budget's check sums, as of a moment: each as the filter that selects it
    /// (`Spans<RequestFilter>`), then as what it sums to (`Sums`).
    struct Spans<Span> {
        /// The period in force: [start, end).
        var start: Int64
        var end: Int64
        /// The budget's scope up to now, in each of: the period in force, the last 7 days, the 7 days before
        /// today, and today. Days are those of the zone.
        var spent: Span
        var lastWeek: Span
        var beforeToday: Span
        var today: Span
        /// The period in force up to now, any scope: no usage at all means no data, not no spending.
        var anyUsage: Span

        /// Each span by `transform`: the filters by what they sum to, for one.
        func map<T>(_ transform: (Span) throws -> T) rethrows -> Spans<T> {
            Spans<T>(
                start: start, end: end, spent: try transform(spent), lastWeek: try transform(lastWeek),
                beforeToday: try transform(beforeToday), today: try transform(today),
                anyUsage: try transform(anyUsage))
        }
    }

    /// What one budget's spans sum to.
    typealias Sums = Spans<Spending>

    /// Checks each budget of `config` against the sums of its spans (`sums`, in the same order) at `now`.
    static func evaluate(config: BudgetConfig, zone: TimeZoneRule, now: Date, sums: [Sums]) -> BudgetCheck {
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        let day: Int64 = 86_400_000
        var results: [BudgetResult] = []
        for (budget, sum) in zip(config.budgets, sums) {
            let (start, end) = (sum.start, sum.end)
            let spent = sum.spent
            let anyUsage = sum.anyUsage.requests
            let lastWeek = sum.lastWeek.cost
            let beforeToday = sum.beforeToday.cost
            let todaySpend = sum.today.cost
            var result = BudgetResult(
                budget: budget, start: start, end: end, spent: spent.cost, forecast: nil, todaySpend: todaySpend,
                trailingDailyAverage: USD(nanos: beforeToday.nanos / 7), anomaly: false,
                unpricedRequests: spent.unpriced,
                requestsInPeriod: anyUsage, status: .ok, reasons: [])
            if budget.period == .week || budget.period == .month {
                let daysLeft = Double(max(0, end - nowMs)) / Double(day)
                result.forecast = spent.cost + USD(nanos: Int64((Double(lastWeek.nanos) / 7 * daysLeft).rounded()))
            }
            // Without any spend in the 7 days before, there is no average to be 3x of: a first day of use (or the
            // first after a quiet week) is not an anomaly, and the limits still hold.
            result.anomaly =
                beforeToday.nanos > 0 && todaySpend > config.anomalyFloor
                && todaySpend.nanos > 3 * beforeToday.nanos / 7
            var status = BudgetStatus.ok
            if anyUsage == 0 {
                status = .unknown
                result.reasons.append(.noUsage)
            }
            if result.spent > budget.limit {
                status = max(status, .critical)
                result.reasons.append(.limitExceeded(excess: USD(nanos: -result.remaining.nanos)))
            } else if Int64(budget.warnAt) * budget.limit.nanos <= 100 * result.spent.nanos {
                status = max(status, .warning)
                result.reasons.append(.warningThreshold(percent: budget.warnAt))
            }
            if let forecast = result.forecast, forecast > budget.limit, result.spent <= budget.limit {
                status = max(status, .warning)
                result.reasons.append(.forecastOverLimit(forecast: forecast, period: budget.period))
            }
            if result.anomaly {
                status = max(status, .warning)
                result.reasons.append(.anomaly(today: todaySpend, trailingDailyAverage: result.trailingDailyAverage))
            }
            if spent.unpriced > 0 {
                status = max(status, .warning)
                result.reasons.append(.unpricedRequests(spent.unpriced))
            }
            result.status = status
            results.append(result)
        }
        return BudgetCheck(results: results, zone: zone, checkedAt: now, problem: nil)
    }
}

extension BudgetCheck.Spans<RequestFilter> {
    /// The filters of `budget`'s spans at `now`.
    init(_ budget: Budget, zone: TimeZoneRule, now: Date) {
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        let today = zone.localDay(utcMillis: nowMs)
        let todayStart = zone.startOfDay(today)
        let day: Int64 = 86_400_000
        switch budget.period {
        case .day: (start, end) = (todayStart, zone.startOfDay(today + 1))
        case .week:
            let monday = Timestamp.monday(ofDay: today)
            (start, end) = (zone.startOfDay(monday), zone.startOfDay(monday + 7))
        case .month:
            let (y, m, _) = Timestamp.civil(fromDays: today)
            let first = Timestamp.daysFromCivil(year: y, month: m, day: 1)
            let next =
                m == 12
                ? Timestamp.daysFromCivil(year: y + 1, month: 1, day: 1)
                : Timestamp.daysFromCivil(year: y, month: m + 1, day: 1)
            (start, end) = (zone.startOfDay(first), zone.startOfDay(next))
        case .rolling(let days): (start, end) = (nowMs - Int64(days) * day, nowMs + 1)
        }
        let scope = budget.scope
        func scoped(_ from: Int64, _ to: Int64) -> RequestFilter {
            var filter = RequestFilter(
                since: from, until: to, models: scope.model.map { [$0] } ?? [], workflow: scope.workflow,
                session: scope.session, project: scope.project)
            filter.apiKey = scope.apiKey
            filter.workspace = scope.workspace
            return filter
        }
        spent = scoped(start, min(end, nowMs + 1))
        anyUsage = RequestFilter(since: start, until: min(end, nowMs + 1))
        lastWeek = scoped(nowMs - 7 * day, nowMs + 1)
        beforeToday = scoped(zone.startOfDay(today - 7), todayStart)
        self.today = scoped(todayStart, nowMs + 1)
    }
}
