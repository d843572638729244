import Foundation
import GRDB
import Synchronization
import Testing

@testable import UsageKit

/// Diagnostics collected from the ingest's threads.
final class Messages: Sendable {
    private let items = Mutex<[IngestIssue]>([])
    func append(_ issue: IngestIssue) { items.withLock { $0.append(issue) } }
    /// The issues reported, in order.
    var issues: [IngestIssue] { items.withLock { $0 } }
    /// The issues as the command prints them.
    var all: [String] { issues.map(\.description) }
}

/// The Messages API fixtures: logged responses and saved streams, 12 requests in all.
let responseFixtures = [fixture("messages"), fixture("streams")]

@Suite struct StoreTests {
    func ingest(_ paths: [String], into database: AppDatabase, zone: TimeZoneRule = .utc) throws -> (
        IngestSummary, [String]
    ) {
        let messages = Messages()
        let ingestor = Ingestor(database: database, options: IngestOptions(zone: zone)) { messages.append($0) }
        return (try ingestor.ingest(paths: paths), messages.all)
    }

    func report(
        _ database: AppDatabase, _ grouping: ReportGrouping = .model, filter: RequestFilter = RequestFilter(),
        source: UsageReport.Source = .automatic
    ) throws -> UsageReport {
        try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: filter, grouping: grouping, priceTableVersion: "test", source: source)
        }
    }

    @Test func fixturesTotalTheHandComputedCost() throws {
        let scratch = try ScratchDirectory()
        let database = try AppDatabase.open(path: scratch.url.appendingPathComponent("u.sqlite").path)
        let (summary, messages) = try ingest(responseFixtures, into: database)
        #expect(messages.isEmpty)
        #expect(summary.files == 4 && summary.newRequests == 12 && summary.rejectedLines == 0)
        #expect(summary.unpricedRequests == 1 && summary.ignoredLines == 1)
        let r = try report(database)
        // Sum of the per-request hand computations in PricingTests and the fixture notes in the README; the
        // Bedrock us. request of 2026-11-03 is 981,000 µ$ × 1.1 = 1,079,100 µ$ (Bedrock's regional premium).
        #expect(r.totals.cost == USD("1.6924576"))
        #expect(r.totals.requests == 12 && r.totals.unpricedRequests == 1)
        #expect(r.unpriced.map(\.model) == ["claude-nova-7"])
        #expect(r.rows.first(where: { $0.key == "claude-opus-4-6" })?.totals.cost == USD("0.45377"))
    }

    @Test func ingestingTwiceChangesNothing() throws {
        let scratch = try ScratchDirectory()
        let database = try AppDatabase.open(path: scratch.url.appendingPathComponent("u.sqlite").path)
        _ = try ingest(responseFixtures, into: database)
        let before = try report(database)
        let (again, _) = try ingest(responseFixtures, into: database)
        #expect(again.newRequests == 0 && again.unchangedFiles == 4 && again.files == 0)
        #expect(try report(database) == before)
    }

    @Test func rollupAndRawScanAgree() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest(responseFixtures, into: database)
        let day = Timestamp.parse("2026-11-03", defaultOffset: 0)!
        for grouping in ReportGrouping.allCases {
            for filter in [
                RequestFilter(), RequestFilter(since: day, until: day + 86_400_000), RequestFilter(since: day),
            ] {
                let fast = try report(database, grouping, filter: filter)
                let raw = try report(database, grouping, filter: filter, source: .requests)
                #expect(fast == raw, "\(grouping) \(filter)")
            }
        }
        let nov3 = try report(database, .day, filter: RequestFilter(since: day, until: day + 86_400_000))
        #expect(nov3.rows.map(\.key) == ["2026-11-03"])
        #expect(nov3.totals.requests == 3)
    }

    @Test func rebuildingTheRollupGivesWhatIngestKept() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest(responseFixtures, into: database)
        let read = {
            try database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM usage_hourly ORDER BY hour, model_key") }
        }
        let incremental = try read()
        #expect(incremental.count > 5)
        try database.write { db in try HourlyRollup.rebuild(db) }
        #expect(try read() == incremental)
    }

    @Test func aFileThatFailsHalfwayLeavesNothingBehind() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture("messages/response.json")], into: database)
        // The database fails on the third request of the next file, as a full disk would.
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER fail BEFORE INSERT ON requests WHEN (SELECT COUNT(*) FROM requests) >= 3
                    BEGIN SELECT RAISE(ABORT, 'disk full'); END
                    """)
        }
        #expect(throws: UsageError.self) { try ingest([fixture("messages/responses.jsonl")], into: database) }
        let counts = try database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files")!,
                try Int.fetchOne(db, sql: "SELECT SUM(requests) FROM usage_hourly")!
            )
        }
        #expect(counts == (1, 1, 1))
    }

    @Test func hashCollisionsNeverLoseARequest() throws {
        let database = try AppDatabase.inMemory()
        try database.write { db in
            try db.execute(
                sql:
                    "INSERT INTO files (path, format, size, modified_at, ingested_at) VALUES ('x', 'messages', 0, 0, 0)"
            )
            let inserter = try RequestInserter(db: db, fileID: 1, format: "messages")
            func insert(_ id: String) throws -> Bool {
                var inserted = false
                var batch = RecordBatch(capacity: 1, format: .messages)
                batch.append(
                    UsageRecord(messageID: id, timestamp: 0, model: "m", tokens: TokenCounts(input: 1)),
                    PriceResult(pricedAs: nil, cost: nil))
                batch.items[0].hash = 42  // force every key onto the same hash
                try batch.text.withUnsafeBufferPointer {
                    if case .inserted = try inserter.store(batch, 0, text: $0.baseAddress!) { inserted = true }
                }
                return inserted
            }
            #expect(try insert("a"))
            #expect(try insert("b"))
            #expect(try !insert("a"))
            #expect(try !insert("b"))
            #expect(try insert("c"))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests") == 3)
        }
    }

    @Test func defaultDatabaseLocation() {
        #expect(DatabaseLocation.defaultPath(environment: ["USAGE_DB": "/x/u.db", "HOME": "/h"]) == "/x/u.db")
        #expect(
            DatabaseLocation.defaultPath(environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"]) == "/d/usage/usage.sqlite")
        #expect(DatabaseLocation.defaultPath(environment: ["HOME": "/h"]) == "/h/.local/share/usage/usage.sqlite")
    }

    @Test func periodBounds() throws {
        let (since, until) = try Period.bounds(since: "2026-11-02", until: "2026-11-03", days: nil)
        #expect(since == Timestamp.parse("2026-11-02", defaultOffset: 0))
        #expect(until == Timestamp.parse("2026-11-04", defaultOffset: 0))
        let now = Date(timeIntervalSince1970: 1_793_610_843)  // 2026-11-02T09:14:03Z
        let (last7, _) = try Period.bounds(since: nil, until: nil, days: 7, now: now)
        #expect(last7 == Timestamp.parse("2026-10-27", defaultOffset: 0))
        #expect(throws: UsageError.self) { try Period.bounds(since: "soon", until: nil, days: nil) }
        #expect(throws: UsageError.self) { try Period.bounds(since: "2026-11-05", until: "2026-11-01", days: nil) }
    }
}

/// Batch results read before their batch object (`fixtures/batches-redated`): dated by their file at first, then
/// re-dated to the batch's `ended_at` and priced again at that date.
@Suite struct BatchRedatingTests {
    /// A copy of the fixture pair whose results file is dated 2026-11-20, after Opus 4.6's long-context tier
    /// ended on 2026-03-13; the batch ended on 2026-03-10, while the tier was in force.
    func pair() throws -> (ScratchDirectory, results: String, object: String) {
        let scratch = try ScratchDirectory()
        let results = try scratch.write(
            "results/msgbatch_01RedatedLongReview.jsonl",
            try String(
                contentsOfFile: fixture("batches-redated/results/msgbatch_01RedatedLongReview.jsonl"), encoding: .utf8))
        let object = try scratch.write(
            "msgbatch_01RedatedLongReview.json",
            try String(contentsOfFile: fixture("batches-redated/msgbatch_01RedatedLongReview.json"), encoding: .utf8))
        // 2026-11-20T10:00:00Z
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_795_168_800)], ofItemAtPath: results)
        return (scratch, results, object)
    }

    func ingest(_ paths: [String], into database: AppDatabase) throws -> IngestSummary {
        try Ingestor(database: database) { _ in }.ingest(paths: paths)
    }

    /// The stored request: its time, whether it is dated by its file, and its cost.
    func stored(_ database: AppDatabase) throws -> (ts: Int64, fromFile: Bool, cost: USD?) {
        try database.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT ts, ts_from_file, cost_nanos FROM requests"))
            return (row[0], (row[1] as Int64) != 0, (row[2] as Int64?).map { USD(nanos: $0) })
        }
    }

    /// The rollup-based total must equal the sum over the requests.
    func total(_ database: AppDatabase) throws -> USD {
        try database.read { db in
            let rollup = try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), grouping: .day, priceTableVersion: "t")
            let raw = try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), grouping: .day, priceTableVersion: "t", source: .requests)
            #expect(rollup == raw)
            #expect(rollup.rows.map(\.key) == ["2026-03-10"])
            return rollup.totals.cost
        }
    }

    static let ended = Timestamp.parse("2026-03-10T06:00:00Z", defaultOffset: 0)!
    /// 180,000 × $10 + 15,000 × $12.5 + 20,000 × $1 + 5,000 × $37.5 = $2.195, halved for batch (long context).
    static let right = USD("1.0975")!

    @Test func resultsBeforeTheirBatchInOneRun() throws {
        let (scratch, results, object) = try pair()
        let database = try AppDatabase.open(path: scratch.url.appendingPathComponent("u.sqlite").path)
        let summary = try ingest([results, object], into: database)
        #expect(try stored(database) == (Self.ended, false, Self.right))
        #expect(try total(database) == Self.right)
        // The count of requests dated by file time is the final one: none is left.
        #expect(summary.newRequests == 1 && summary.undatedRequests == 0 && summary.redatedRequests == 1)
        #expect(
            !summary.line.contains("dated by file time")
                && summary.line.contains("1 request re-dated and re-priced by its batch"))
    }

    @Test func resultsBeforeTheirBatchInTwoRuns() throws {
        let (scratch, results, object) = try pair()
        let database = try AppDatabase.open(path: scratch.url.appendingPathComponent("u.sqlite").path)
        let first = try ingest([results], into: database)
        // Dated by the file, 2026-11-20, with no tier then:
        // (180,000 × 5 + 15,000 × 6.25 + 20,000 × 0.5 + 5,000 × 25) / 2.
        #expect(first.undatedRequests == 1)
        #expect(try stored(database).cost == USD("0.564375"))
        let second = try ingest([object], into: database)
        #expect(try stored(database) == (Self.ended, false, Self.right))
        #expect(try total(database) == Self.right)
        #expect(second.newRequests == 0 && second.undatedRequests == 0 && second.redatedRequests == 1)
        // Read again, nothing moves.
        let third = try ingest([results, object], into: database)
        #expect(third.files == 0 && third.redatedRequests == 0)
        #expect(try stored(database).cost == Self.right)
    }

    @Test func batchObjectFirstDatesTheResultsAtOnce() throws {
        let (scratch, results, object) = try pair()
        let database = try AppDatabase.open(path: scratch.url.appendingPathComponent("u.sqlite").path)
        let summary = try ingest([object, results], into: database)
        #expect(try stored(database) == (Self.ended, false, Self.right))
        #expect(try total(database) == Self.right)
        #expect(summary.undatedRequests == 0 && summary.redatedRequests == 0)
        // And in two runs.
        let (scratch2, results2, object2) = try pair()
        let other = try AppDatabase.open(path: scratch2.url.appendingPathComponent("u.sqlite").path)
        _ = try ingest([object2], into: other)
        let later = try ingest([results2], into: other)
        #expect(try stored(other) == (Self.ended, false, Self.right))
        #expect(later.undatedRequests == 0)
        #expect(try total(other) == Self.right)
    }
}
