import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Budgets checked on crafted spending: each request below costs a whole number of dollars (Claude Haiku 4.5 at
/// $1 per million input tokens).
@Suite struct BudgetTests {
    func spending(_ entries: [(time: String, dollars: Int, workflow: String?, model: String)]) throws -> AppDatabase {
        let scratch = try ScratchDirectory()
        let lines = entries.enumerated().map { i, e in
            let workflow = e.workflow.map { #""workflow":"\#($0)","# } ?? ""
            return
                #"{"timestamp":"\#(e.time)",\#(workflow)"response":{"id":"b\#(i)","model":"\#(e.model)","#
                + #""usage":{"input_tokens":\#(e.dollars * 1_000_000),"output_tokens":0}}}"#
        }
        let path = try scratch.write("spend.jsonl", lines.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        return database
    }

    func spend(_ time: String, _ dollars: Int, workflow: String? = nil, model: String = "claude-haiku-4-5") -> (
        time: String, dollars: Int, workflow: String?, model: String
    ) {
        (time, dollars, workflow, model)
    }

    func check(_ database: AppDatabase, _ budgets: [Budget], zone: TimeZoneRule = .utc, now: String) throws
        -> BudgetCheck
    {
        let date = Date(timeIntervalSince1970: Double(Timestamp.parse(now, defaultOffset: 0)!) / 1000)
        return try database.read { db in
            try BudgetCheck.evaluate(SQLiteStorage(db), config: BudgetConfig(budgets: budgets), zone: zone, now: date)
        }
    }

    func usd(_ n: Int) -> USD { USD(nanos: Int64(n) * 1_000_000_000) }

    @Test func everyExitStatus() throws {
        let database = try spending([spend("2026-11-20T09:00:00Z", 10), spend("2026-11-17T09:00:00Z", 70)])
        let now = "2026-11-20T12:00:00Z"
        // Spent $80 of $1,000 this month; the last 7 days spent $80, so the forecast is 80 + 80/7 x 10.5 = $200.
        // Today's $10 is under 3x the trailing daily average of $10: no anomaly.
        let ok = try check(database, [Budget(name: "monthly", period: .month, limit: usd(1000))], now: now)
        #expect(ok.status == .ok && ok.status.rawValue == 0)
        #expect(ok.results[0].spent == usd(80) && ok.results[0].forecast == usd(200) && !ok.results[0].anomaly)
        #expect(Wording.summary(ok) == "BUDGET OK - monthly: $80.00 of $1,000.00 (8%)")
        // Over 80% of $95.
        let warning = try check(database, [Budget(name: "monthly", period: .month, limit: usd(95))], now: now)
        #expect(warning.status == .warning && warning.status.rawValue == 1)
        // Under 80% of $150, but the forecast of $200 crosses it.
        let forecast = try check(database, [Budget(name: "monthly", period: .month, limit: usd(150))], now: now)
        #expect(forecast.status == .warning)
        #expect(forecast.results[0].reasons == [.forecastOverLimit(forecast: usd(200), period: .month)])
        #expect(Wording.reasons(forecast.results[0]) == "forecast $200.00 by the end of the month is over the limit")
        // Over $75.
        let critical = try check(database, [Budget(name: "monthly", period: .month, limit: usd(75))], now: now)
        #expect(critical.status == .critical && critical.status.rawValue == 2)
        #expect(Wording.summary(critical) == "BUDGET CRITICAL - monthly: $80.00 of $75.00 (107%)")
        // No usage at all in December.
        let unknown = try check(
            database, [Budget(name: "monthly", period: .month, limit: usd(75))], now: "2026-12-05T12:00:00Z")
        #expect(unknown.status == .unknown && unknown.status.rawValue == 3)
        // Several budgets: the worst decides, and leads the line.
        let both = try check(
            database,
            [
                Budget(name: "daily", period: .day, limit: usd(1000)),
                Budget(name: "monthly", period: .month, limit: usd(75)),
            ],
            now: now)
        #expect(both.status == .critical && Wording.summary(both).hasPrefix("BUDGET CRITICAL - monthly:"))
    }

    @Test func anAnomalousDayWarns() throws {
        // $1 a day for the 7 days before, then $10 today: over 3x the trailing average and the $1 floor.
        var entries = (13...19).map { spend("2026-11-\($0)T10:00:00Z", 1) }
        entries.append(spend("2026-11-20T10:00:00Z", 10))
        let database = try spending(entries)
        let result = try check(
            database, [Budget(name: "monthly", period: .month, limit: usd(10_000))], now: "2026-11-20T12:00:00Z")
        #expect(result.results[0].anomaly && result.status == .warning)
        #expect(result.results[0].trailingDailyAverage == usd(1))
        // $2 today is not: under 3x.
        entries[entries.count - 1] = spend("2026-11-20T10:00:00Z", 2)
        let calm = try check(
            try spending(entries), [Budget(name: "monthly", period: .month, limit: usd(10_000))],
            now: "2026-11-20T12:00:00Z")
        #expect(!calm.results[0].anomaly && calm.status == .ok)
        // Nothing spent in the 7 days before: no average to compare with, so $10 on a first day is no anomaly.
        let first = try check(
            try spending([spend("2026-11-20T10:00:00Z", 10)]),
            [Budget(name: "monthly", period: .month, limit: usd(10_000))], now: "2026-11-20T12:00:00Z")
        #expect(!first.results[0].anomaly && first.status == .ok && first.results[0].reasons.isEmpty)
    }

    @Test func unpricedUsageInScopeWarns() throws {
        let database = try spending([
            spend("2026-11-20T09:00:00Z", 1), spend("2026-11-20T09:30:00Z", 1, model: "claude-nova-7"),
        ])
        let result = try check(
            database, [Budget(name: "daily", period: .day, limit: usd(100))], now: "2026-11-20T12:00:00Z")
        #expect(result.status == .warning && result.results[0].unpricedRequests == 1)
    }

    @Test func periodsBeginInTheBudgetsZone() throws {
        // 23:30 UTC on 30 November is 00:30 on 1 December in Paris.
        let database = try spending([spend("2026-11-30T23:30:00Z", 40), spend("2026-11-15T12:00:00Z", 10)])
        let now = "2026-11-30T23:45:00Z"
        let utc = try check(database, [Budget(name: "monthly", period: .month, limit: usd(100))], now: now)
        #expect(utc.results[0].spent == usd(50))
        let paris = try check(
            database, [Budget(name: "monthly", period: .month, limit: usd(100))],
            zone: TimeZoneRule(identifier: "Europe/Paris")!, now: now)
        #expect(paris.results[0].spent == usd(40))
        #expect(paris.results[0].start == Timestamp.parse("2026-11-30T23:00:00Z", defaultOffset: 0))
        // Weeks start on Monday at local midnight: Monday 30 November 2026, 00:00 in Paris.
        let week = try check(
            database, [Budget(name: "weekly", period: .week, limit: usd(100))],
            zone: TimeZoneRule(identifier: "Europe/Paris")!, now: "2026-11-30T12:00:00Z")
        #expect(week.results[0].start == Timestamp.parse("2026-11-29T23:00:00Z", defaultOffset: 0))
        #expect(week.results[0].end == Timestamp.parse("2026-12-06T23:00:00Z", defaultOffset: 0))
    }

    @Test func scopesNarrowTheSpend() throws {
        let database = try spending([
            spend("2026-11-20T09:00:00Z", 5, workflow: "review"), spend("2026-11-20T09:10:00Z", 7, workflow: "triage"),
        ])
        let result = try check(
            database,
            [
                Budget(
                    name: "review", period: .rolling(days: 7), limit: usd(10), scope: Budget.Scope(workflow: "review"))
            ],
            now: "2026-11-20T12:00:00Z")
        #expect(result.results[0].spent == usd(5) && result.results[0].forecast == nil)
    }

    @Test func budgetFilesInTOMLAndJSON() throws {
        let toml = try BudgetConfig.parse(
            """
            time_zone = "Europe/Paris"
            warn_at = 90

            [[budgets]]
            name = "monthly"
            period = "month"
            limit = 400

            [[budgets]]
            name = "review"
            period = "rolling 7 days"
            limit = "12.50"
            warn_at = 75
            scope = { workflow = "code-review", api_key = "apikey_01" }
            """)
        #expect(toml.timeZone == "Europe/Paris")
        #expect(
            toml.budgets == [
                Budget(name: "monthly", period: .month, limit: usd(400), warnAt: 90),
                Budget(
                    name: "review", period: .rolling(days: 7), limit: USD("12.5")!, warnAt: 75,
                    scope: Budget.Scope(workflow: "code-review", apiKey: "apikey_01")),
            ])
        let json = try BudgetConfig.parse(#"{"budgets":[{"name":"daily","period":"day","limit":20.5}]}"#)
        #expect(json.budgets == [Budget(name: "daily", period: .day, limit: USD("20.5")!)])
        #expect(throws: UsageError.self) {
            try BudgetConfig.parse("[[budgets]]\nname = \"x\"\nperiod = \"fortnight\"\nlimit = 1\n")
        }
        #expect(throws: UsageError.self) { try BudgetConfig.parse("[[budgets]\nname = ") }
        #expect(throws: UsageError.self) { try BudgetConfig.parse(#"{"budgets":[{"period":"day","limit":-1}]}"#) }
    }
}

@Suite struct UntrustedInputTests {
    @Test func budgetFilesRejectWhatTheyWouldOtherwiseIgnore() {
        for text in [
            "[[budgets]]\nname = \"x\"\nperiod = \"day\"\nlimit = 1\nworkflow = \"plain\"\n",
            "[[budgets]]\nname = \"x\"\nperiod = \"day\"\nlimit = 1\nscope = { workflow = [\"a\", \"b\"] }\n",
            "[[budgets]]\nname = \"x\"\nperiod = \"day\"\nlimit = 1\nscope = \"workflow\"\n",
            "warn-at = 50\n[[budgets]]\nname = \"x\"\nperiod = \"day\"\nlimit = 1\n",
            "warn_at = true\n[[budgets]]\nname = \"x\"\nperiod = \"day\"\nlimit = 1\n",
            "[[budgets]]\nname = \"x\"\nperiod = \"day 7\"\nlimit = 1\n",
        ] {
            #expect(throws: UsageError.self, "\(text)") { try BudgetConfig.parse(text) }
        }
        // A single [budgets] table instead of a list says how to write it.
        #expect {
            try BudgetConfig.parse("[budgets]\nname = \"x\"\nperiod = \"day\"\nlimit = 1\n")
        } throws: { "\($0)".contains("[[budgets]] header") }
    }

    @Test func csvQuotesLineBreaksOfEveryKind() {
        #expect(CSVRenderer.field("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVRenderer.field("plain") == "plain")
    }

    @Test func logTextCannotDriveTheTerminal() {
        #expect(TableRenderer.printable("\u{1B}[31mred\nx") == "\\x1B[31mred\\x0Ax")
        #expect(HTMLRenderer.escape("a\u{1B}b") == "a\u{FFFD}b")
    }
}

/// The budget rules run over sums alone: any storage that can sum a filter's spend serves them.
@Suite struct BudgetRulesOverSumsTests {
    /// 2026-11-20 12:00 in Paris; the month of November has 10.5 days left.
    let now = Date(timeIntervalSince1970: 1_795_172_400)
    let paris = TimeZoneRule(identifier: "Europe/Paris")!

    func sums(_ budget: Budget, spent: String, lastWeek: String, beforeToday: String, today: String, requests: Int64)
        -> BudgetCheck.Sums
    {
        let spans = BudgetCheck.Spans<RequestFilter>(budget, zone: paris, now: now)
        return BudgetCheck.Sums(
            start: spans.start, end: spans.end, spent: Spending(cost: USD(spent)!, unpriced: 0, requests: requests),
            lastWeek: Spending(cost: USD(lastWeek)!, unpriced: 0, requests: requests),
            beforeToday: Spending(cost: USD(beforeToday)!, unpriced: 0, requests: requests),
            today: Spending(cost: USD(today)!, unpriced: 0, requests: requests),
            anyUsage: Spending(cost: USD(spent)!, unpriced: 0, requests: requests))
    }

    @Test func aMonthIsJudgedFromItsSumsWithoutAStore() throws {
        let budget = Budget(name: "team", period: .month, limit: USD("100")!, warnAt: 80)
        let config = BudgetConfig(budgets: [budget])
        let spans = BudgetCheck.Spans<RequestFilter>(budget, zone: paris, now: now)
        // November in Paris: from 2026-10-31T23:00Z to 2026-11-30T23:00Z.
        #expect(spans.start == 1_793_487_600_000 && spans.end == 1_796_079_600_000)

        // $70 spent, $14 over the last 7 days: forecast 70 + 2/day x 10.5 days = $91, under the limit: OK.
        let calm = BudgetCheck.evaluate(
            config: config, zone: paris, now: now,
            sums: [sums(budget, spent: "70", lastWeek: "14", beforeToday: "14", today: "2", requests: 40)])
        #expect(calm.status == .ok && calm.results[0].forecast == USD("91")!)

        // $85 spent: over the 80% warning; $21 a week would end the month at $116.50: WARNING with both reasons.
        let warm = BudgetCheck.evaluate(
            config: config, zone: paris, now: now,
            sums: [sums(budget, spent: "85", lastWeek: "21", beforeToday: "21", today: "3", requests: 40)])
        #expect(warm.status == .warning)
        #expect(
            warm.results[0].reasons == [
                .warningThreshold(percent: 80), .forecastOverLimit(forecast: USD("116.5")!, period: .month),
            ])

        // No request at all in the period: no data, UNKNOWN, not a month of $0.
        let silent = BudgetCheck.evaluate(
            config: config, zone: paris, now: now,
            sums: [sums(budget, spent: "0", lastWeek: "0", beforeToday: "0", today: "0", requests: 0)])
        #expect(silent.status == .unknown && silent.results[0].reasons == [.noUsage])
    }
}
