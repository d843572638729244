import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Every figure is the hand computation in fixtures/cache/EXPECTED.md.
@Suite struct CacheStatsTests {
    static let day = Timestamp.parse("2026-11-10", defaultOffset: 0)!

    func stats(_ filter: RequestFilter = RequestFilter(since: day, until: day + 86_400_000)) throws -> CacheStats {
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [fixture("cache")])
        return try database.read { db in try CacheStats.compute(SQLiteStorage(db), filter: filter) }
    }

    func usd(_ text: String) -> USD { USD(text)! }

    @Test func periodFiguresReconcileExactly() throws {
        let t = try stats().totals
        #expect(t.requests == 10 && t.requestsWithHits == 3 && t.unpricedRequests == 1)
        #expect(
            t.tokens
                == TokenCounts(
                    input: 12_050, cacheWrite5m: 25_000, cacheWrite1h: 2_000, cacheRead: 32_000, output: 1_620))
        #expect(t.hitRate == 32_000.0 / 71_050.0)
        #expect(t.hitRequestShare == 0.3)
        #expect(t.costUSD == usd("0.12525"))
        #expect(t.grossSavingsUSD == usd("0.0864"))
        #expect(t.writePremiumUSD == usd("0.02225"))
        #expect(t.netSavingsUSD == usd("0.06415"))
        #expect(t.grossSavingsUSD - t.writePremiumUSD == t.netSavingsUSD)
        #expect(t.costWithoutCacheUSD == usd("0.1894"))
        #expect(t.promptCostUSD == usd("0.1149"))
        #expect(t.promptCostWithoutCacheUSD == usd("0.17905"))
        #expect(t.batchSavingsUSD == usd("0.003"))
        #expect(t.wasteUSD == usd("0.00575"))
    }

    @Test func wasteIsFoundRequestByRequest() throws {
        let s = try stats()
        #expect(s.unreadWrites == (1, 5_000))
        #expect(s.oneHourWritesFiveMinutesWouldServe == (1, 2_000))
        #expect(s.expiredCacheGaps == (1, 10_000))
    }

    @Test func recommendationsCarryTheirEvidenceAndMonthlySaving() throws {
        let s = try stats()
        #expect(s.days == 1)
        let byKind = Dictionary(uniqueKeysWithValues: s.recommendations.map { ($0.kind, $0.monthlySavings) })
        #expect(
            byKind == [
                .oneHourWhereFiveMinutesWould: usd("0.135"), .fiveMinutesWhereGapsSuggestOneHour: usd("0.36"),
                .repeatedPromptsUncached: usd("0.0975"), .promptsBelowMinimum: .zero,
            ])
        let gaps = try #require(s.recommendations.first { $0.kind == .fiveMinutesWhereGapsSuggestOneHour })
        #expect(gaps.evidence == .fiveMinutesWhereGapsSuggestOneHour(rewrites: 1, tokens: 10_000))
        #expect(Wording.evidence(gaps) == "1 rewrite after a pause of 5 to 60 minutes (10,000 tokens)")
    }

    @Test func breakdownsPerModelSessionWorkflowAndDay() throws {
        let s = try stats()
        let sonnet = try #require(s.byModel.first { $0.key == "claude-sonnet-4-5" }?.figures)
        #expect(sonnet.requests == 5 && sonnet.costUSD == usd("0.1056") && sonnet.netSavingsUSD == usd("0.0654"))
        #expect(sonnet.wasteUSD == usd("0.0045"))
        let haiku = try #require(s.byModel.first { $0.key == "claude-haiku-4-5" }?.figures)
        #expect(
            haiku.costUSD == usd("0.01965") && haiku.netSavingsUSD == usd("-0.00125")
                && haiku.batchSavingsUSD == usd("0.003"))
        #expect(CacheStats.topBySavings(s.bySession, 1).map(\.key) == ["s1"])
        #expect(CacheStats.topByWaste(s.bySession, 5).map(\.key) == ["s1", "s2"])
        #expect(s.byWorkflow.map(\.key).sorted() == ["w1", "w2"])
        #expect(s.byProject.map(\.key) == ["cache-lab"])
        #expect(s.daily.map(\.day) == ["2026-11-10"])
        #expect(s.daily[0].figures.hitRate == 32_000.0 / 71_050.0)
    }

    @Test func filtersNarrowTheSet() throws {
        let s1 = try stats(RequestFilter(session: "s1")).totals
        #expect(s1.requests == 5 && s1.netSavingsUSD == usd("0.0654"))
        let haiku = try stats(RequestFilter(models: ["claude-haiku-4-5-20251001"], workflow: "w2")).totals
        #expect(haiku.requests == 4 && haiku.costUSD == usd("0.01965"))
    }

    @Test func anEmptyPeriodSaysSoWithoutDividingByZero() throws {
        let s = try stats(RequestFilter(since: Self.day + 10 * 86_400_000, until: Self.day + 11 * 86_400_000))
        #expect(s.totals.requests == 0 && s.totals.hitRate == nil && s.totals.hitRequestShare == nil)
        #expect(s.recommendations.isEmpty)
        #expect(TableRenderer().render(s, top: 5).hasPrefix("No requests in this period"))
        let json = JSONRenderer().render(s, top: 5)
        #expect(json.contains("\"hit_rate\": null") && !json.contains("nan"))
    }

    @Test func lowHitRateAndWritesExceedingReads() throws {
        let scratch = try ScratchDirectory()
        // One 5m write of 20,000 tokens never read, and a request without caching: hit rate 0.
        let path = try scratch.write(
            "w.jsonl",
            [
                #"{"timestamp":"2026-11-10T10:00:00Z","session_id":"x","response":{"id":"m1","#
                    + #""model":"claude-sonnet-4-5","usage":{"input_tokens":1000,"cache_creation_input_tokens":20000,"#
                    + #""output_tokens":10}}}"#,
                #"{"timestamp":"2026-11-10T10:30:00Z","session_id":"x","response":{"id":"m2","#
                    + #""model":"claude-sonnet-4-5","usage":{"input_tokens":1000,"output_tokens":10}}}"#,
            ].joined(separator: "\n"))
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        let s = try database.read { db in
            try CacheStats.compute(
                SQLiteStorage(db), filter: RequestFilter(since: Self.day, until: Self.day + 86_400_000))
        }
        let kinds = s.recommendations.map(\.kind)
        #expect(kinds.contains(.lowHitRate) && kinds.contains(.writesExceedReads))
        // The unread write's premium, 20,000 × (3.75 − 3) = 15,000 µ$, over 30 days.
        #expect(s.recommendations.first { $0.kind == .writesExceedReads }?.monthlySavings == usd("0.45"))
        // Reaching 30% of 22,000 prompt tokens = 6,600 reads at 90% of the average 3 µ$ input rate, for 30 days.
        #expect(s.recommendations.first { $0.kind == .lowHitRate }?.monthlySavings == usd("0.5346"))
    }

    @Test func sessionsRenderSortedByCost() throws {
        let s = try stats()
        let sessions = s.bySession.filter { $0.key != "(none)" }
        #expect(sessions.map(\.key) == ["s1", "s2", "s3"])
        let json = JSONRenderer().render(sessions: sessions)
        #expect(json.contains("\"session\": \"s1\"") && json.contains("\"cached_tokens\": 32000"))
    }
}

/// Waste judgements on small streams written for each case.
@Suite struct CacheWasteTests {
    /// A request on Claude Sonnet 4.5 at 10:mm on 2026-11-10.
    func line(
        _ id: String, _ minute: Int, session: String? = nil, workflow: String? = nil, w5: Int = 0, w1: Int = 0,
        read: Int = 0, model: String = "claude-sonnet-4-5"
    ) -> String {
        let time = String(format: "2026-11-10T%02d:%02d:00Z", 10 + minute / 60, minute % 60)
        var envelope = #"{"timestamp":"\#(time)","#
        if let session { envelope += #""session_id":"\#(session)","# }
        if let workflow { envelope += #""workflow":"\#(workflow)","# }
        return envelope
            + #""response":{"id":"\#(id)","model":"\#(model)","usage":{"input_tokens":10,"#
            + #""cache_creation_input_tokens":\#(w5 + w1),"cache_creation":{"ephemeral_5m_input_tokens":\#(w5),"#
            + #""ephemeral_1h_input_tokens":\#(w1)},"cache_read_input_tokens":\#(read),"output_tokens":10}}}"#
    }

    func stats(_ lines: [String], until: String? = nil) throws -> CacheStats {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("w.jsonl", lines.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        let filter = RequestFilter(
            since: Timestamp.parse("2026-11-10", defaultOffset: 0),
            until: until.flatMap { Timestamp.parse($0, defaultOffset: 0) })
        return try database.read { db in
            // 2026-11-11
            try CacheStats.compute(SQLiteStorage(db), filter: filter, now: Date(timeIntervalSince1970: 1_794_355_200))
        }
    }

    @Test func aReadInAnotherSessionOfTheWorkflowCounts() throws {
        let s = try stats([
            line("a", 0, session: "A", workflow: "W", w5: 10_000),
            line("b", 1, session: "B", workflow: "W", read: 10_000),
        ])
        #expect(s.unreadWrites.requests == 0 && s.totals.wasteUSD == .zero)
    }

    @Test func requestsWithoutSessionOrWorkflowAreNotJudged() throws {
        let s = try stats([line("a", 0, w5: 10_000), line("b", 30, w5: 10_000), line("c", 31, read: 10_000)])
        #expect(s.unreadWrites.requests == 0 && s.expiredCacheGaps.requests == 0)
    }

    @Test func aLiveCacheIsNoExpiredGap() throws {
        // A 1-hour write, then 20 minutes later a request that reads it and writes a little more.
        let s = try stats([line("a", 0, session: "S", w1: 10_000), line("b", 20, session: "S", w5: 500, read: 10_000)])
        #expect(s.expiredCacheGaps.requests == 0)
        #expect(!s.recommendations.contains { $0.kind == .fiveMinutesWhereGapsSuggestOneHour })
    }

    @Test func oneHourWritesAreJudgedByTheReadsThatFollow() throws {
        // A request at 10:04 that does not read does not refresh the cache: the read at 10:08 needed the hour.
        let gap = try stats([
            line("a", 0, session: "S", w1: 5_000), line("b", 4, session: "S"), line("c", 8, session: "S", read: 5_000),
        ])
        #expect(gap.oneHourWritesFiveMinutesWouldServe.requests == 0)
        // Reads at 10:02 and 10:04 only: five minutes would have done.
        let close = try stats([
            line("a", 0, session: "S", w1: 5_000), line("b", 2, session: "S", read: 5_000),
            line("c", 4, session: "S", read: 5_000),
        ])
        #expect(close.oneHourWritesFiveMinutesWouldServe == (1, 5_000))
        // Reads at 10:02 and 11:02 (refreshed at 10:02): the hour was needed.
        let late = try stats([
            line("a", 0, session: "S", w1: 5_000), line("b", 2, session: "S", read: 5_000),
            line("c", 62, session: "S", read: 5_000),
        ])
        #expect(late.oneHourWritesFiveMinutesWouldServe.requests == 0)
    }

    @Test func aWriteReadJustAfterThePeriodIsNotWaste() throws {
        let s = try stats(
            [line("a", 0, session: "S", w5: 10_000), line("b", 2, session: "S", read: 10_000)],
            until: "2026-11-10T10:01:00Z")
        #expect(s.totals.requests == 1 && s.unreadWrites.requests == 0)
    }

    @Test func unpricedModelsHaveNoMoney() throws {
        let s = try stats([
            line("a", 0, session: "S", model: "claude-nova-7"), line("b", 1, session: "S", model: "claude-nova-7"),
        ])
        #expect(s.totals.nothingPriced && s.totals.unpricedRequests == 2)
        let json = JSONRenderer().render(s, top: 5)
        #expect(json.contains("\"cost_usd\": null") && json.contains("\"net_savings_usd\": null"))
        #expect(TableRenderer().render(s, top: 5).contains("unpriced"))
    }
}
