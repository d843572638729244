import Foundation
import Testing

@testable import UsageKit

/// The figures `usage watch` shows and the screen it lays them out on, checked on the Claude Code fixture project
/// (fixtures/EXPECTED.md: 6 billed requests on 2026-11-02 between 10:20 and 10:25 UTC, $0.3082455).
@Suite struct MonitorTests {
    func time(_ text: String) -> Date {
        Date(timeIntervalSince1970: Double(Timestamp.parse(text, defaultOffset: 0)!) / 1000)
    }

    func fixtureStore() throws -> UsageStore {
        let store = try UsageStore.inMemory()
        _ = try store.ingest([IngestSource(path: fixture("claude-code"))])
        return store
    }

    @Test func theFiguresOfTheFixtureProject() throws {
        let store = try fixtureStore()
        let s = try store.monitor(at: time("2026-11-02T11:20:30Z"), zone: .utc)
        #expect(s.today.requests == 6)
        #expect(s.today.cost == USD(nanos: 308_245_500))
        #expect(s.monthCost == USD(nanos: 308_245_500) && s.monthRequests == 6 && s.monthUnpriced == 0)
        // The 60 minutes from 10:20:30: all but request A (10:20:25 to 10:20:27), $0.3082455 - $0.081084.
        #expect(s.lastHour.requests == 5)
        #expect(s.lastHour.cost == USD(nanos: 227_161_500))
        // Cache: 93,004 read of 135,610 prompt tokens (34 uncached + 42,572 written + 93,004 read). Net saving by
        // hand: reads 93,004 x ($5 - $0.50) on Opus 4.6 = $0.418518, less the write premiums: Opus 1h 12,582 x $5,
        // Opus 5m 1,204 x $1.25, Sonnet 4.5 5m 24,576 x $0.75, Haiku 4.5 5m 4,210 x $0.25 = $0.0838995.
        #expect(s.cacheToday.tokens.cacheRead == 93_004 && s.cacheToday.tokens.prompt == 135_610)
        #expect(s.cacheToday.netSavingsUSD == USD(nanos: 334_618_500))
        // The block of 10:00 to 15:00 is active, with all six requests.
        let block = try #require(s.block)
        #expect(block.start == Timestamp.parse("2026-11-02T10:00:00Z", defaultOffset: 0))
        #expect(block.end == Timestamp.parse("2026-11-02T15:00:00Z", defaultOffset: 0))
        #expect(block.totals.cost == USD(nanos: 308_245_500) && block.burnRate != nil)
        // Today's models, costliest first; the one session (the sidechain shares its id) with its project.
        #expect(s.models.map(\.key) == ["claude-opus-4-6", "claude-sonnet-4-5", "claude-haiku-4-5"])
        #expect(
            s.models.map(\.totals.cost) == [
                USD(nanos: 201_667_000), USD(nanos: 99_864_000), USD(nanos: 6_714_500),
            ])
        #expect(s.sessions.map(\.keys) == [["8d0c2f4e-1111-4a2b-9c3d-5e6f7a8b9c0d", "/home/dev/shop"]])
        #expect(s.sessions.first?.totals.requests == 6)
    }

    @Test func theDayBeforeAndTheDayAfterSeeWhatWasKnownThen() throws {
        let store = try fixtureStore()
        // Before the first request: nothing; no block.
        let before = try store.monitor(at: time("2026-11-02T10:00:00Z"), zone: .utc)
        #expect(before.today.rows == 0 && before.monthRequests == 0 && before.block == nil)
        #expect(before.sessions.isEmpty && before.models.isEmpty)
        // The next day: a new day, the same month, the block over.
        let after = try store.monitor(at: time("2026-11-03T09:00:00Z"), zone: .utc)
        #expect(after.today.rows == 0 && after.block == nil)
        #expect(after.monthCost == USD(nanos: 308_245_500))
        // In Tokyo (UTC+9) the requests fell on 2026-11-02 19:20 local, which is still "today" at 23:00 there.
        let tokyo = try #require(TimeZoneRule(identifier: "Asia/Tokyo"))
        let late = try store.monitor(at: time("2026-11-02T14:00:00Z"), zone: tokyo)
        #expect(late.today.cost == USD(nanos: 308_245_500))
        #expect(try store.monitor(at: time("2026-11-02T15:00:00Z"), zone: tokyo).today.rows == 0)
    }

    @Test func aBudgetAndTheBlockLimitsOnTheSnapshot() throws {
        let store = try fixtureStore()
        let budgets = BudgetConfig(budgets: [Budget(name: "daily", period: .day, limit: USD(nanos: 250_000_000))])
        let s = try store.monitor(
            at: time("2026-11-02T11:00:00Z"), zone: .utc, budgets: budgets, costLimit: USD(nanos: 1_000_000_000))
        let result = try #require(s.budgets?.results.first)
        #expect(result.spent == USD(nanos: 308_245_500) && result.status == .critical)
        // $0.3082455 of a $1 block limit.
        #expect(s.blockShares.cost == 0.3082455)
    }

    @Test func budgetsAreATableWhenItFitsAndOneRowOtherwise() throws {
        let store = try fixtureStore()
        let budgets = BudgetConfig(budgets: [
            Budget(name: "daily", period: .day, limit: USD(nanos: 500_000_000)),
            Budget(name: "monthly", period: .month, limit: USD(nanos: 5_000_000_000)),
        ])
        let s = try store.monitor(at: time("2026-11-02T11:00:00Z"), zone: .utc, budgets: budgets)
        // $0.3082455 of $0.50 and of $5: the shares line up under each other.
        let tall = screen(s, width: 80, height: 30)
        #expect(tall.contains("Budgets"))
        #expect(tall.contains("  daily    $0.3082 of $0.5000 day  61.6% OK"), "\(tall)")
        #expect(tall.contains("  monthly  $0.3082 of $5.00 month   6.2% OK"), "\(tall)")
        // Too short for the table: one row, never a heading without its rows.
        let short = screen(s, width: 80, height: 14)
        #expect(short.contains("Budgets      daily 61.6% OK · monthly 6.2% OK"), "\(short)")
        #expect(!short.contains("Budgets"))
    }

    // MARK: The screen

    func screen(_ s: MonitorSnapshot?, width: Int, height: Int?, color: Bool = false) -> [String] {
        var status = MonitorScreen.Status(interval: 5, watching: "/logs")
        status.refreshedAt = Timestamp.parse("2026-11-02T11:00:03Z", defaultOffset: 0)
        status.newRequests = 6
        return MonitorScreen.rows(s, status: status, width: width, height: height, color: color, now: s?.at ?? 0)
    }

    @Test func theScreenFillsTheTerminalAndNoMore() throws {
        let s = try fixtureStore().monitor(at: time("2026-11-02T11:00:00Z"), zone: .utc)
        for (width, height) in [(80, 24), (120, 40), (50, 16), (40, 10), (20, 3)] {
            let rows = screen(s, width: width, height: height)
            #expect(rows.count == height, "\(width)x\(height)")
            #expect(rows.allSatisfy { $0.count <= width }, "\(width)x\(height): \(rows)")
            #expect(rows.last!.hasPrefix("every 5 s"), "\(width)x\(height)")
        }
        let rows = screen(s, width: 80, height: 24)
        #expect(rows[0].hasPrefix("usage watch  2026-11-02 11:00 UTC") && rows[0].hasSuffix("q quit · r refresh"))
        #expect(rows.contains("Today        $0.3082  6 requests"))
        #expect(rows.contains("This month   $0.3082  6 requests"))
        // 137,280 tokens in the last hour: 2,288 a minute.
        #expect(rows.contains("Last hour    $0.3082/h  2,288 tokens/min"))
        #expect(rows.contains("Cache today  hit 68.6%  net saving $0.3346"))
        #expect(rows.contains("Block        10:00 to 15:00  4h 0m left"))
        // One hour of five: a fifth of the bar.
        #expect(
            rows.contains(
                "             " + String(repeating: "█", count: 10) + String(repeating: "░", count: 40) + " 20%"))
        #expect(rows.contains { $0.hasPrefix("  claude-sonnet-4-5 ") && $0.hasSuffix("$0.0999         1") })
        #expect(rows.last == "every 5 s · /logs · refreshed 11:00 (+6)")
        // A short screen keeps the summary and the status row; the tables give way first.
        let short = screen(s, width: 80, height: 12)
        #expect(short.contains("Today        $0.3082  6 requests") && !short.contains { $0.contains("models") })
        // Without a height (`--once`): every row, and no blank padding.
        let all = screen(s, width: 80, height: nil)
        #expect(all.contains { $0.hasPrefix("  claude-haiku-4-5 ") })
        #expect(all.dropLast().last == "")
        #expect(all.dropLast(2).last?.isEmpty == false)
    }

    @Test func logTextCannotDriveTheTerminal() throws {
        var s = try fixtureStore().monitor(at: time("2026-11-02T11:00:00Z"), zone: .utc)
        s.sessions[0].keys = ["evil\u{1B}[2J\u{1B}]0;owned\u{07}", "\u{202E}project"]
        s.models[0].keys = ["model\r\u{9B}31m"]
        let plain = screen(s, width: 100, height: 30)
        #expect(!plain.joined().unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) })
        #expect(plain.contains { $0.contains("evil\\x1B[2J\\x1B]0;owned\\x07  \\u202Eproject") })
        #expect(plain.contains { $0.contains("model\\x0D\\x9B31m") })
        // Colour: the codes are the screen's own; the log's text is still escaped.
        let coloured = screen(s, width: 100, height: 30, color: true)
        #expect(coloured.joined().contains("\u{1B}[36m$0.3082\u{1B}[0m"))
        #expect(coloured.contains { $0.contains("evil\\x1B[2J") })
    }

    @Test func wideCharactersTakeTwoColumnsAndTheColumnsStayInLine() throws {
        var s = try fixtureStore().monitor(at: time("2026-11-02T11:00:00Z"), zone: .utc)
        s.sessions[0].keys = [String(repeating: "漢字", count: 40), "/home/dev/プロジェクト"]
        for width in [80, 50, 33] {
            let rows = screen(s, width: width, height: 24)
            #expect(rows.allSatisfy { TerminalText.columns($0) <= width }, "\(width): \(rows)")
            // The name is cut in columns, so that the cost and the count end the row, as in every other row.
            #expect(rows.contains { $0.hasPrefix("  漢字") && $0.hasSuffix("$0.3082         6") }, "\(width): \(rows)")
        }
        #expect(TerminalText.columns("漢字 ok") == 7 && TerminalText.columns("e\u{301}") == 1)
        #expect(TerminalText.cut("漢字漢字", to: 6) == "漢字…" && TerminalText.cut("漢字漢字", to: 4) == "漢…")
    }

    @Test func beforeTheFirstRefresh() {
        let rows = screen(nil, width: 60, height: 10)
        #expect(rows.count == 10 && rows.contains("Reading the logs…"))
    }
}
