import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Every row of `usage_attributes`, in key order.
func attributeRollup(_ database: AppDatabase) throws -> [Row] {
    try database.read { db in
        try Row.fetchAll(
            db, sql: "SELECT * FROM usage_attributes ORDER BY attribute, present, value, hour, model_key, model")
    }
}

/// The table recomputed from the requests, each kind by a GROUP BY of its column, without the ingest's code.
func attributeRollupRecomputed(_ database: AppDatabase) throws -> [Row] {
    let columns = [
        ("session", "session"), ("workflow", "workflow"), ("project", "project"),
        ("service_tier", "service_tier"), ("source", "source_format"), ("api_key", "api_key_id"),
        ("workspace", "workspace_id"),
    ]
    let selects = columns.map { kind, column in
        """
        SELECT '\(kind)' AS attribute, \(column) IS NOT NULL AS present, COALESCE(\(column), '') AS value,
          (ts - (ts < 0 AND ts % 3600000 != 0) * 3600000) / 3600000 AS hour,
          COALESCE(priced_as, model) AS model_key, model,
          COUNT(*) - SUM(aggregated) AS requests, SUM(aggregated) AS aggregated_rows,
          SUM(input_tokens) AS input_tokens, SUM(cache_write_5m_tokens) AS cache_write_5m_tokens,
          SUM(cache_write_1h_tokens) AS cache_write_1h_tokens, SUM(cache_read_tokens) AS cache_read_tokens,
          SUM(output_tokens) AS output_tokens, SUM(web_search_requests) AS web_search_requests,
          COALESCE(SUM(cost_nanos), 0) AS cost_nanos, COUNT(*) - COUNT(cost_nanos) AS unpriced_requests,
          COUNT(CASE WHEN service_tier = 'priority' THEN 1 END) AS priority_requests,
          COUNT(logged_cost_nanos) AS logged_requests,
          COALESCE(SUM(logged_cost_nanos), 0) AS logged_cost_nanos,
          COALESCE(SUM(CASE WHEN logged_cost_nanos IS NOT NULL THEN cost_nanos END), 0) AS logged_computed_nanos,
          MIN(ts) AS first_ts, MAX(ts) AS last_ts,
          SUM(advisor_calls) AS advisor_calls,
          SUM(advisor_input_tokens + advisor_cache_write_5m_tokens + advisor_cache_write_1h_tokens
            + advisor_cache_read_tokens) AS advisor_prompt_tokens,
          SUM(advisor_output_tokens) AS advisor_output_tokens,
          COALESCE(SUM(advisor_cost_nanos), 0) AS advisor_cost_nanos, SUM(compactions) AS compactions,
          SUM(compaction_input_tokens + compaction_cache_write_5m_tokens + compaction_cache_write_1h_tokens
            + compaction_cache_read_tokens) AS compaction_prompt_tokens,
          SUM(compaction_output_tokens) AS compaction_output_tokens,
          COALESCE(SUM(compaction_cost_nanos), 0) AS compaction_cost_nanos
        FROM requests GROUP BY 1, 2, 3, 4, 5, 6
        """
    }
    return try database.read { db in
        try Row.fetchAll(
            db,
            sql: "SELECT * FROM (\(selects.joined(separator: " UNION ALL ")))"
                + " ORDER BY attribute, present, value, hour, model_key, model")
    }
}

/// Every row of `cache_daily`, in key order.
func cacheRollup(_ database: AppDatabase) throws -> [Row] {
    try database.read { db in
        try Row.fetchAll(db, sql: "SELECT * FROM cache_daily ORDER BY \(cacheKey)")
    }
}

private let cacheKey =
    "attribute, present, value, model_key, model, service_tier, inference_geo, speed, context_window, day, aggregated,"
    + " priced, prompt_class"

/// `cache_daily` recomputed from the requests by a GROUP BY per attribute, without the ingest's code.
func cacheRollupRecomputed(_ database: AppDatabase) throws -> [Row] {
    let selects = ["session", "workflow", "project"].map { column in
        """
        SELECT '\(column)' AS attribute,
          (\(column) IS NOT NULL) + 2 * (service_tier IS NOT NULL) + 4 * (inference_geo IS NOT NULL)
            + 8 * (speed IS NOT NULL) + 16 * (context_window IS NOT NULL) AS present,
          COALESCE(\(column), '') AS value, COALESCE(priced_as, model) AS model_key, model,
          COALESCE(service_tier, '') AS service_tier, COALESCE(inference_geo, '') AS inference_geo,
          COALESCE(speed, '') AS speed, COALESCE(context_window, '') AS context_window,
          (ts - (ts < 0 AND ts % 86400000 != 0) * 86400000) / 86400000 AS day, aggregated,
          cost_nanos IS NOT NULL AS priced,
          CASE WHEN input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens > 200000 THEN 2
            WHEN input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens > 100000 THEN 1
            ELSE 0 END AS prompt_class,
          COUNT(*) AS rows, SUM(cache_read_tokens > 0) AS rows_with_hits, SUM(input_tokens) AS input_tokens,
          SUM(cache_write_5m_tokens) AS cache_write_5m_tokens, SUM(cache_write_1h_tokens) AS cache_write_1h_tokens,
          SUM(cache_read_tokens) AS cache_read_tokens, SUM(output_tokens) AS output_tokens,
          COALESCE(SUM(cost_nanos), 0) AS cost_nanos, MIN(ts) AS first_ts
        FROM requests GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
        """
    }
    return try database.read { db in
        try Row.fetchAll(
            db, sql: "SELECT * FROM (\(selects.joined(separator: " UNION ALL "))) ORDER BY \(cacheKey)")
    }
}

/// The sums by attribute kept at ingest: after every way the requests change, they are what the requests sum to,
/// and reports and budgets read from them answer as the requests do.
@Suite struct AttributeRollupTests {
    func ingest(_ paths: [String], into database: AppDatabase) throws -> IngestSummary {
        try Ingestor(database: database) { _ in }.ingest(paths: paths)
    }

    /// The rollup is what the requests sum to, and reports by each attribute read from it agree with the requests.
    func expectConsistent(_ database: AppDatabase, _ comment: Comment? = nil) throws {
        let kept = try attributeRollup(database)
        #expect(!kept.isEmpty, comment)
        #expect(kept == (try attributeRollupRecomputed(database)), comment)
        #expect(try cacheRollup(database) == cacheRollupRecomputed(database), comment)
        try expectSumsPriceAsTheRequests(database, comment)
        try database.read { db in
            let storage = SQLiteStorage(db)
            for dimensions: [ReportDimension] in [
                [.workflow], [.session], [.project], [.serviceTier], [.source], [.workflow, .model], [.day, .project],
            ] {
                let fast = try UsageReport.fetch(
                    storage, filter: RequestFilter(), by: dimensions, zone: .utc, priceTableVersion: "t")
                let raw = try UsageReport.fetch(
                    storage, filter: RequestFilter(), by: dimensions, zone: .utc, priceTableVersion: "t",
                    source: .requests)
                #expect(fast == raw, "\(dimensions) \(comment?.description ?? "")")
            }
        }
    }

    /// The money figures priced from the cache sums are those of the scan of the requests, group by group.
    func expectSumsPriceAsTheRequests(_ database: AppDatabase, _ comment: Comment? = nil) throws {
        let table = try database.read { db in try PriceTable.effective(db) }
        #expect(table.pricesSums)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let day: Int64 = 86_400_000
        for filter in [RequestFilter(), RequestFilter(since: 1_793_491_200_000, until: 1_793_491_200_000 + 30 * day)] {
            let (sums, scan, summedWaste) = try database.read { db in
                (
                    try CacheStats.fromSums(SQLiteStorage(db), filter: filter, table: table, now: now),
                    try CacheStats.compute(SQLiteStorage(db), filter: filter, table: table, now: now, sums: false),
                    try CacheStats.compute(SQLiteStorage(db), filter: filter, table: table, now: now)
                )
            }
            // With waste, the figures from the sums and the judgements from the requests: all as the scan.
            #expect(summedWaste == scan, comment)
            #expect(summedWaste.bySession == scan.bySession && summedWaste.byWorkflow == scan.byWorkflow, comment)
            #expect(summedWaste.byProject == scan.byProject && summedWaste.days == scan.days, comment)
            #expect(summedWaste.unreadWrites == scan.unreadWrites, comment)
            #expect(summedWaste.expiredCacheGaps == scan.expiredCacheGaps, comment)
            let fromSums = try #require(sums, comment)
            func withoutWaste(_ groups: [CacheStats.Group]) -> [CacheStats.Group] {
                groups.map { g in
                    var g = g
                    g.figures.waste = .zero
                    return g
                }
            }
            var totals = scan.totals
            totals.waste = .zero
            #expect(fromSums.totals == totals, comment)
            #expect(fromSums.bySession == withoutWaste(scan.bySession), comment)
            #expect(fromSums.byWorkflow == withoutWaste(scan.byWorkflow), comment)
            #expect(fromSums.byProject == withoutWaste(scan.byProject), comment)
            #expect(fromSums.byModel == withoutWaste(scan.byModel), comment)
            #expect(
                fromSums.daily.map(\.day) == scan.daily.map(\.day)
                    && zip(fromSums.daily, scan.daily).allSatisfy { a, b in
                        var f = b.figures
                        f.waste = .zero
                        return a.figures == f
                    }, comment)
            #expect(fromSums.days == scan.days, comment)
        }
    }

    @Test func everyFixtureIngestedKeepsTheSumsOfItsRequests() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([repositoryRoot.appendingPathComponent("fixtures").path], into: database)
        try expectConsistent(database)
        // Each kind counts every request once.
        let perKind = try database.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT SUM(requests + aggregated_rows) FROM usage_attributes GROUP BY attribute")
        }
        let requests: Int64? = try database.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM requests") }
        #expect(perKind.count == AttributeKind.allCases.count && perKind.allSatisfy { $0 == requests })
    }

    @Test func aFileOfManySessionsSpillsItsSumsAndKeepsThemWhole() throws {
        // 4,000 requests, each of its own session and hour: more rows than the ingest holds before it merges them
        // into the tables, so one file's sums are merged several times, some rows twice.
        let scratch = try ScratchDirectory()
        let models = ["claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001"]
        let lines = (0..<4_000).map { i in
            let hour = 1_793_491_200 + (i / 2) * 3_600
            let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(hour)))
            return #"{"timestamp":"\#(time)","request_id":"req_011Spill\#(i)","session_id":"s-\#(i % 2_500)","#
                + #""workflow":"w-\#(i % 7)","response":{"id":"msg_01Spill\#(i)","type":"message","role":"assistant","#
                + #""model":"\#(models[i % 3])","content":[],"stop_reason":"end_turn","stop_sequence":null,"#
                + #""usage":{"input_tokens":\#(100 + i),"cache_creation_input_tokens":0,"#
                + #""cache_read_input_tokens":\#(i % 2 * 5_000),"output_tokens":\#(10 + i % 50),"#
                + #""service_tier":"\#(i % 5 == 0 ? "batch" : "standard")"}}}"#
        }
        let file = try scratch.write("many.jsonl", lines.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let summary = try ingest([file], into: database)
        #expect(summary.newRequests == 4_000)
        try expectConsistent(database)
    }

    @Test func anUpgradedDuplicateMovesItsFiguresToItsNewAttributes() throws {
        // The parent's copy written before the response finished, then the sidechain's final copy, of another
        // project: the request moves from one project to the other.
        let checkpoint = "claude-code-2x/checkpoints/2e/91d04b7c3a/0"
        let scratch = try ScratchDirectory()
        let parent = try String(contentsOfFile: fixture("\(checkpoint)/full.jsonl"), encoding: .utf8)
        let side = try String(contentsOfFile: fixture("\(checkpoint)/agent-c4e8a20.jsonl"), encoding: .utf8)
        let partial = try scratch.write(
            "full.jsonl", parent.replacingOccurrences(of: #""output_tokens":233"#, with: #""output_tokens":12"#))
        let database = try AppDatabase.inMemory()
        _ = try ingest([partial], into: database)
        let before = try attributeRollup(database)
        let summary = try ingest([try scratch.write("agent-c4e8a20.jsonl", side)], into: database)
        #expect(summary.duplicates > 0)
        #expect(try attributeRollup(database) != before)
        try expectConsistent(database)
    }

    @Test func aBatchReDatedByItsObjectMovesItsHour() throws {
        let scratch = try ScratchDirectory()
        let results = try scratch.write(
            "results/msgbatch_01RedatedLongReview.jsonl",
            try String(
                contentsOfFile: fixture("batches-redated/results/msgbatch_01RedatedLongReview.jsonl"), encoding: .utf8))
        let object = try scratch.write(
            "msgbatch_01RedatedLongReview.json",
            try String(contentsOfFile: fixture("batches-redated/msgbatch_01RedatedLongReview.json"), encoding: .utf8))
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_795_168_800)], ofItemAtPath: results)
        let database = try AppDatabase.inMemory()
        _ = try ingest([results], into: database)
        let dated: Int64? = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(hour) FROM usage_attributes")
        }
        _ = try ingest([object], into: database)
        let redated: Int64? = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(hour) FROM usage_attributes")
        }
        // 2026-11-20T10:00:00Z (the file's time), then 2026-03-10T06:00:00Z (the batch's end).
        #expect(dated == 1_795_168_800 / 3600 && redated == 1_773_122_400 / 3600)
        try expectConsistent(database)
    }

    @Test func repricingChangesTheSums() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture("messages")], into: database)
        let before = try attributeRollup(database)
        let litellm = try PriceImport.parse(
            Data(contentsOf: URL(fileURLWithPath: fixture("pricing/litellm-prices.json"))),
            source: "litellm-prices.json", effectiveFrom: nil)
        try database.write { db in try SQLiteStorage(db).addPriceImport(litellm, at: 0) }
        let summary = try database.write { db in
            try Repricer.reprice(SQLiteStorage(db), table: try PriceTable.effective(db))
        }
        #expect(summary.changed > 0)
        #expect(try attributeRollup(database) != before)
        try expectConsistent(database)
    }

    @Test func aDatabaseFromBeforeTheRollupGetsItFilledWhenOpened() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.url.appendingPathComponent("u.sqlite").path
        do {
            let database = try AppDatabase.open(path: path)
            _ = try ingest([repositoryRoot.appendingPathComponent("fixtures").path], into: database)
        }
        // The schema of the version before: no index on time, no sums by attribute.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    DROP TABLE usage_attributes;
                    DROP TABLE cache_daily;
                    DROP INDEX requests_by_time;
                    DELETE FROM grdb_migrations WHERE identifier IN ('v5: requests by time', 'v6: sums by attribute',
                      'v7: cache sums by session, workflow and project');
                    """)
        }
        try queue.close()
        let database = try AppDatabase.open(path: path)
        try expectConsistent(database)
    }

    @Test func scopedSpendingWithPartialHoursIsWhatItsRequestsCost() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([repositoryRoot.appendingPathComponent("fixtures").path], into: database)
        let (first, last): (Int64, Int64) = try database.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT MIN(ts), MAX(ts) FROM requests"))
            return (row[0], row[1])
        }
        let bounds: [(Int64?, Int64?)] = [
            (nil, nil), (first, last + 1), (first + 1_234_567, last - 7_654_321), (nil, last - 100_000),
            (first + 17 * 60_000, nil), (first - first % 3_600_000, last - last % 3_600_000),
        ]
        let scopes: [(RequestFilter) -> RequestFilter] = [
            { $0 },
            { f in
                var f = f
                f.workflow = "code-review"
                return f
            },
            { f in
                var f = f
                f.models = ["claude-opus-4-6"]
                return f
            },
            { f in
                var f = f
                f.project = "/home/dev/api"
                f.models = ["claude-sonnet-4-5"]
                return f
            },
            { f in
                var f = f
                f.apiKey = "apikey_01"
                return f
            },
            { f in
                var f = f
                f.workflow = "code-review"
                f.project = "shop"
                return f
            },
        ]
        for (since, until) in bounds {
            for scope in scopes {
                let filter = scope(RequestFilter(since: since, until: until))
                let (spending, expected) = try database.read { db in
                    let row = try #require(
                        try Row.fetchOne(
                            db,
                            SQLRequest<Row>(
                                literal: """
                                    SELECT COALESCE(SUM(cost_nanos), 0), COUNT(*) - COUNT(cost_nanos), COUNT(*)
                                    FROM requests WHERE \(filter.sql)
                                    """)))
                    return (
                        try SQLiteStorage(db).spending(filter),
                        Spending(cost: USD(nanos: row[0]), unpriced: row[1], requests: row[2])
                    )
                }
                #expect(spending == expected, "\(filter)")
            }
        }
    }
}
