import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Every expected figure is the hand computation written out in fixtures/EXPECTED.md.
@Suite struct SourceFormatTests: StoreQueries {
    func report(_ database: AppDatabase, source: UsageReport.Source = .automatic) throws -> UsageReport {
        try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t", source: source)
        }
    }

    @Test func batchResultsArePricedAtBatchRatesAndDatedByTheBatch() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("batches")], into: database)
        #expect(summary.newRequests == 5)
        #expect(summary.unbilledBatchRequests == 4)  // errored, expired, canceled, and a failed summary task
        #expect(try stored(database, "source_format = 'batch-results'") == (3, USD("0.0802033")!))
        #expect(try stored(database, "source_format = 'batch-summary'") == (2, USD("0.0065997")!))
        // Its usage says standard; it came from a batch, so batch rates apply.
        #expect(try stored(database, "custom_id = 'doc-0003'").cost == USD("0.0113313"))
        let ended = Timestamp.parse("2026-11-06T09:30:00Z", defaultOffset: 0)!
        #expect(
            try value(
                database,
                "SELECT COUNT(*) FROM requests WHERE source_format = 'batch-results' "
                    + "AND ts = \(ended) AND ts_from_file = 0"
            ) == 3)
        #expect(
            try value(
                database,
                "SELECT errored + expired + canceled FROM batch_outcomes WHERE batch_id = 'msgbatch_01HkcTjaV5Uq'") == 3
        )
    }

    @Test func resultsReadBeforeTheirBatchObjectAreRedated() throws {
        let scratch = try ScratchDirectory()
        let results = scratch.url.appendingPathComponent("msgbatch_01HkcTjaV5Uq_results.jsonl").path
        try FileManager.default.copyItem(
            atPath: fixture("batches/msgbatch_01HkcTjaV5Uq_results.jsonl"), toPath: results)
        let database = try AppDatabase.inMemory()
        _ = try ingest([results], into: database)
        #expect(try value(database, "SELECT COUNT(*) FROM requests WHERE ts_from_file = 1") == 3)
        _ = try ingest([fixture("batches/msgbatch_01HkcTjaV5Uq.json")], into: database)
        let ended = Timestamp.parse("2026-11-06T09:30:00Z", defaultOffset: 0)!
        #expect(try value(database, "SELECT COUNT(*) FROM requests WHERE ts = \(ended) AND ts_from_file = 0") == 3)
        #expect(try report(database) == report(database, source: .requests))
    }

    @Test func sessionTrackersCountEachHistoryEntryWithCachedTokensAsReads() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("trackers")], into: database)
        #expect(summary.newRequests == 7 && summary.rejectedLines == 0)
        #expect(try stored(database, "session = 'a3f9c2'") == (3, USD("0.062025")!))
        #expect(try stored(database, "session = 'b71e04'") == (2, USD("0.0074772")!))
        #expect(try stored(database, "session = 'e52d18'") == (2, USD("0.11375")!))
        // Second request of a3f9c2: 6,100 input including 2,400 cached.
        let row = try database.read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT input_tokens, cache_read_tokens FROM requests WHERE session = 'a3f9c2' "
                    + "ORDER BY ts LIMIT 1 OFFSET 1"
            )!
        }
        #expect(row[0] == 3700 && row[1] == 2400)
    }

    @Test func telemetryKeepsWorkflowsAndTheLoggedCostBesideTheComputedOne() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("telemetry")], into: database)
        #expect(summary.newRequests == 5)
        // Record 3 runs on Bedrock's us. profile of Sonnet 4.5: 8,325 µ$ × 1.1 = 9,157.5 µ$ (regional premium).
        #expect(try stored(database) == (5, USD("0.1060591")!))
        #expect(try stored(database, "workflow = 'code-review'") == (2, USD("0.0840696")!))
        #expect(try value(database, "SELECT COUNT(DISTINCT task_type) FROM requests") == 4)
        let totals = try report(database).totals
        #expect(totals.loggedRequests == 5)
        #expect(totals.loggedCost == USD("0.1043"))
        #expect(totals.loggedComputedCost == USD("0.1060591"))
    }

    @Test func claudeCodeCountsEachResponseOnceWithItsFinalOutput() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("claude-code")], into: database)
        #expect(summary.newRequests == 6 && summary.rejectedLines == 0)
        #expect(try stored(database) == (6, USD("0.3082455")!))
        #expect(
            try value(
                database, "SELECT output_tokens FROM requests WHERE dedupe_key = 'm:msg_01Xfln9nN5bpGEognEyghk0k'")
                == 377)
        #expect(try value(database, "SELECT COUNT(*) FROM requests WHERE model = '<synthetic>'") == 0)
        #expect(try value(database, "SELECT COUNT(*) FROM requests WHERE request_id IS NULL") == 1)
        #expect(try value(database, "SELECT COUNT(DISTINCT project || git_branch || session) FROM requests") == 1)
        #expect(try value(database, "SELECT project FROM requests LIMIT 1") == "/home/dev/shop")
        #expect(try value(database, "SELECT git_branch FROM requests LIMIT 1") == "main")
    }

    @Test func aPartialTranscriptLineIsReplacedByTheFinalOne() throws {
        let scratch = try ScratchDirectory()
        let lines = try String(
            contentsOfFile: fixture("claude-code/-home-dev-shop/8d0c2f4e-1111-4a2b-9c3d-5e6f7a8b9c0d.jsonl"),
            encoding: .utf8
        )
        .split(separator: "\n", omittingEmptySubsequences: false)
        // Lines 4 and 5 hold response A with a partial output of 12; line 6 has its final 377.
        let path = scratch.url.appendingPathComponent("s.jsonl").path
        try (lines[0..<5].joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let database = try AppDatabase.inMemory()
        _ = try ingest([path], into: database)
        #expect(try value(database, "SELECT output_tokens FROM requests") == 12)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines[5] + "\n").utf8))
        try handle.close()
        let second = try ingest([path], into: database)
        #expect(second.resumedFiles == 1 && second.newRequests == 0 && second.duplicates == 1)
        #expect(try stored(database) == (1, USD("0.081084")!))
        #expect(try report(database) == report(database, source: .requests))
    }

    @Test func adminUsageRowsAreAggregatesWithTheirContextWindow() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture("admin/usage-report.json")], into: database)
        #expect(try stored(database, "aggregated = 1") == (4, USD("27.84525")!))
        #expect(try stored(database, "context_window = '200k-1M'").cost == USD("6.266"))
        let totals = try report(database).totals
        #expect(totals.requests == 0 && totals.aggregatedRows == 4)
        // The same page again adds nothing.
        let scratch = try ScratchDirectory()
        let copy = scratch.url.appendingPathComponent("page.json").path
        try FileManager.default.copyItem(atPath: fixture("admin/usage-report.json"), toPath: copy)
        #expect(try ingest([copy], into: database).duplicates == 4)
    }

    @Test func adminCostReportsAreBilledAmountsBesideTheComputedCost() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("admin")], into: database)
        #expect(summary.billedAmounts == 20)
        let r = try report(database)
        #expect(r.billed == USD("27.85709625"))
        #expect(r.totals.cost == USD("27.84525"))
        #expect(r.rows.first { $0.key == "claude-sonnet-4-5" }?.billed == USD("8.62709625"))
        #expect(r.rows.first { $0.key == "(web_search)" }?.billed == USD("0.12"))
    }

    @Test(arguments: [
        ("batches/msgbatch_01HkcTjaV5Uq_results.jsonl", SourceFormat.batchResults),
        ("batches/msgbatch_01HkcTjaV5Uq.json", .batchObject),
        ("batches/batch-summary.json", .batchSummary),
        ("trackers/token-tracker.json", .sessionTracker),
        ("trackers/token-tracker-list.json", .sessionTracker),
        ("telemetry/usage-telemetry.jsonl", .telemetry),
        ("claude-code/-home-dev-shop/agent-sidechain.jsonl", .claudeCode),
        ("admin/usage-report.json", .adminUsage),
        ("admin/cost-report.json", .adminCost),
        ("messages/responses.jsonl", .messages),
        ("streams/stream.sse", .sse),
    ])
    func formatIsToldByContent(file: String, format: SourceFormat) throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture(file)], into: database)
        #expect(try value(database, "SELECT format FROM files") == format.rawValue)
    }

    @Test func aForcedFormatWins() throws {
        let scratch = try ScratchDirectory()
        // Flat counts beside a null `usage`: told by content, a telemetry record (a null usage is no response);
        // forced as messages, not a response, and rejected as such.
        let path = try scratch.write(
            "odd.log",
            #"{"timestamp":"2026-11-04T14:02:11Z","model":"claude-haiku-4-5","input_tokens":1000,"output_tokens":100,"#
                + #""usage":null}"#
                + "\n")
        let database = try AppDatabase.inMemory()
        #expect(try ingest([path], into: database).newRequests == 1)
        #expect(try stored(database).cost == USD("0.0015"))
        #expect(try value(database, "SELECT format FROM files") == "telemetry")
        let forced = try ingest([path], into: database, format: .messages)
        #expect(forced.newRequests == 0 && forced.rejectedLines == 1)
    }

    @Test func claudeCodeDirectories() {
        #expect(
            ClaudeCode.searchedPlaces(environment: ["CLAUDE_CONFIG_DIR": "/a, /b", "HOME": "/h"]) == [
                "/a/projects", "/b/projects",
            ])
        #expect(
            ClaudeCode.searchedPlaces(environment: ["HOME": "/h"]) == [
                "/h/.config/claude/projects", "/h/.claude/projects",
            ])
    }
}

@Suite struct IncrementalTests {
    func line(_ id: String, output: Int = 5) -> String {
        #"{"timestamp":"2026-11-02T09:00:00Z","id":"\#(id)","model":"claude-haiku-4-5","usage":{"input_tokens":10,"#
            + #""output_tokens":\#(output)}}"#
    }

    func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func aGrownFileIsReadFromWhereTheLastRunStopped() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("log.jsonl", line("m1") + "\n" + line("m2") + "\n")
        let database = try AppDatabase.inMemory()
        let messages = Messages()
        let ingestor = Ingestor(database: database) { messages.append($0) }
        #expect(try ingestor.ingest(paths: [path]).newRequests == 2)

        // Nothing changed: not even opened.
        let unchanged = try ingestor.ingest(paths: [path])
        #expect(unchanged.unchangedFiles == 1 && unchanged.files == 0 && unchanged.bytes == 0)

        // One more line and half of another, still being written.
        let third = line("m3")
        let fourth = line("m4")
        try append(third + "\n" + fourth.prefix(30), to: path)
        let grown = try ingestor.ingest(paths: [path])
        #expect(grown.resumedFiles == 1 && grown.newRequests == 1 && grown.rejectedLines == 0)
        #expect(grown.bytes == Int64(third.utf8.count + 1))

        // The rest of the line arrives.
        try append(String(fourth.dropFirst(30)) + "\n", to: path)
        let completed = try ingestor.ingest(paths: [path])
        #expect(completed.newRequests == 1 && completed.duplicates == 0 && completed.rejectedLines == 0)
        #expect(messages.all.isEmpty)
        #expect(try database.read { db in try Int.fetchOne(db, sql: "SELECT lines FROM files") } == 4)
    }

    @Test func aReplacedOrTruncatedFileIsReadAgainWithoutDoubleCounting() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("log.jsonl", line("m1") + "\n" + line("m2") + "\n")
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        _ = try ingestor.ingest(paths: [path])
        // Rotated: a new file under the same name, holding one old and one new request.
        try FileManager.default.removeItem(atPath: path)
        _ = try scratch.write("log.jsonl", line("m2") + "\n" + line("m9") + "\n")
        let replaced = try ingestor.ingest(paths: [path])
        #expect(replaced.resumedFiles == 0 && replaced.newRequests == 1 && replaced.duplicates == 1)
        // Truncated in place to one line.
        try (line("m2") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let truncated = try ingestor.ingest(paths: [path])
        #expect(truncated.newRequests == 0 && truncated.duplicates == 1)
        #expect(try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests") } == 3)
    }

    @Test func theSameFileWrittenOverWithTheSameHeadIsNotMistakenForGrowth() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("log.jsonl", line("m1") + "\n")
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        _ = try ingestor.ingest(paths: [path])
        // Same first line, then different content: the head matches, the file grew; only the new part is read.
        try append(line("m5", output: 7) + "\n", to: path)
        let grown = try ingestor.ingest(paths: [path])
        #expect(grown.resumedFiles == 1 && grown.newRequests == 1)
    }
}

/// Documents saved on one line, and files that change between runs or during one.
@Suite struct FilesChangingBetweenRunsTests {
    func compact(_ file: String, into scratch: ScratchDirectory) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture(file))))
        let data = try JSONSerialization.data(withJSONObject: object)
        let path = scratch.url.appendingPathComponent((file as NSString).lastPathComponent).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func formatOf(_ path: String, in database: AppDatabase) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT format FROM files WHERE path = ?", arguments: [absolutePath(path)])
        }
    }

    @Test(arguments: [
        ("admin/usage-report.json", "admin-usage"), ("admin/cost-report.json", "admin-cost"),
        ("trackers/token-tracker.json", "session-tracker"), ("batches/msgbatch_01HkcTjaV5Uq.json", "batch"),
        ("batches/batch-summary.json", "batch-summary"),
    ])
    func documentsSavedOnOneLineAreDocuments(file: String, format: String) throws {
        let scratch = try ScratchDirectory()
        let path = try compact(file, into: scratch)
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        #expect(try formatOf(path, in: database) == format)
    }

    @Test func aDocumentRewrittenLargerIsReadWhole() throws {
        let scratch = try ScratchDirectory()
        func element(_ i: Int) -> String {
            #"{"id":"m\#(i)","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5},"#
                + #""content":[{"type":"text","text":"\#(String(repeating: "x", count: 300))"}]}"#
        }
        let path = scratch.url.appendingPathComponent("log.json").path
        try ("[\n" + (0..<20).map(element).joined(separator: ",\n") + "\n]\n").write(
            toFile: path, atomically: false, encoding: .utf8)
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        #expect(try ingestor.ingest(paths: [path]).newRequests == 20)
        try ("[\n" + (0..<30).map(element).joined(separator: ",\n") + "\n]\n").write(
            toFile: path, atomically: false, encoding: .utf8)
        let again = try ingestor.ingest(paths: [path])
        #expect(
            again.resumedFiles == 0 && again.newRequests == 10 && again.duplicates == 20 && again.rejectedLines == 0)
    }

    @Test func aDocumentCaughtHalfWrittenIsReadOnceComplete() throws {
        let scratch = try ScratchDirectory()
        let full = try String(contentsOfFile: fixture("trackers/token-tracker.json"), encoding: .utf8)
        let path = scratch.url.appendingPathComponent("tracker.json").path
        try String(full.prefix(full.count / 2)).write(toFile: path, atomically: false, encoding: .utf8)
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        let half = try ingestor.ingest(paths: [path])
        #expect(half.newRequests == 0 && half.rejectedLines == 0)
        try full.write(toFile: path, atomically: false, encoding: .utf8)
        let complete = try ingestor.ingest(paths: [path])
        #expect(complete.newRequests == 5 && complete.rejectedLines == 0)
    }

    @Test func aFileRewrittenAfterThePlanIsReadWhole() throws {
        let scratch = try ScratchDirectory()
        let line = { (id: String) in
            #"{"id":"\#(id)","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#
        }
        let path = try scratch.write("log.jsonl", line("a1") + "\n" + line("a2") + "\n")
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        try (line("a1") + "\n" + line("a2") + "\n" + line("a3") + "\n").write(
            toFile: path, atomically: false, encoding: .utf8)
        let ledger = try database.read { db in try Ledger.load(db) }
        let plan = try #require(try FilePlan.make(path: path, forced: nil, named: true, ledger: ledger))
        #expect(plan.resumeAt != nil)
        // Between the plan and the read, the file is truncated and written anew in place.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data((line("b1") + "\n" + line("b2") + "\n" + line("b3") + "\n").utf8))
        try handle.close()
        let sink = CollectingSink()
        let outcome = try Ingestor.parse(
            plan, context: ParseContext(path: path, fileTimestamp: 0, zone: .utc), into: sink,
            meter: ProgressMeter(filesTotal: 1, bytesTotal: 0, report: nil))
        #expect(outcome.resumedFrom == nil)
        #expect(sink.records.map(\.messageID) == ["b1", "b2", "b3"])
    }

    @Test func anAggregatedRowWithoutContextWindowIsAtStandardRates() throws {
        var record = UsageRecord(
            timestamp: 0, model: "claude-sonnet-4-5", tokens: TokenCounts(input: 150_000, cacheRead: 60_000))
        record.aggregated = true
        var pricer = Pricer()
        #expect(pricer.price(record).cost == USD("0.468"))  // 450,000 + 18,000 µ$, not the tier's 936,000
        record.contextWindow = "200k-1M"
        #expect(pricer.price(record).cost == USD("0.936"))
    }

    @Test func anEnvelopeCarryingSessionIdIsStillAMessagesLog() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "proxy.jsonl",
            #"{"timestamp":"2026-11-02T09:00:00Z","sessionId":"s9","response":{"id":"mp1","model":"claude-haiku-4-5","#
                + #""usage":{"input_tokens":10,"output_tokens":5}}}"#
                + "\n")
        let sink = try parse(path)
        #expect(sink.records.first?.session == "s9")
    }

    @Test func aStreamCutBetweenRunsEndsWithItsFinalUsage() throws {
        let scratch = try ScratchDirectory()
        let start =
            #"{"type":"message_start","message":{"id":"msg_live","model":"claude-opus-4-6","usage":{"input_tokens":3,"#
            + #""output_tokens":1}}}"#
        let delta = { (n: Int) in #"{"type":"message_delta","delta":{},"usage":{"output_tokens":\#(n)}}"# }
        let path = try scratch.write("events.jsonl", start + "\n" + delta(30) + "\n")
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        _ = try ingestor.ingest(paths: [path])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((delta(5000) + "\n" + #"{"type":"message_stop"}"# + "\n").utf8))
        try handle.close()
        let second = try ingestor.ingest(paths: [path])
        #expect(second.rejectedLines == 0)
        #expect(try database.read { db in try Int.fetchOne(db, sql: "SELECT output_tokens FROM requests") } == 5000)
    }

    @Test func adminPagesReadAgainKeepTheLatestFigures() throws {
        let scratch = try ScratchDirectory()
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        for file in ["admin/usage-report.json", "admin/cost-report.json"] {
            let path = scratch.url.appendingPathComponent((file as NSString).lastPathComponent).path
            try FileManager.default.copyItem(atPath: fixture(file), toPath: path)
        }
        _ = try ingestor.ingest(paths: [scratch.url.path])
        let usage = scratch.url.appendingPathComponent("usage-report.json").path
        let cost = scratch.url.appendingPathComponent("cost-report.json").path
        try (try String(contentsOfFile: usage, encoding: .utf8)).replacingOccurrences(
            of: "\"uncached_input_tokens\": 120000", with: "\"uncached_input_tokens\": 500000"
        )
        .write(toFile: usage, atomically: false, encoding: .utf8)
        try (try String(contentsOfFile: cost, encoding: .utf8)).replacingOccurrences(
            of: "\"amount\": \"60.00\"", with: "\"amount\": \"90.00\""
        )
        .write(toFile: cost, atomically: false, encoding: .utf8)
        _ = try ingestor.ingest(paths: [scratch.url.path])
        let (input, billed) = try database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT SUM(input_tokens) FROM requests")!,
                try Int.fetchOne(db, sql: "SELECT SUM(amount_nanos) FROM billed_costs")!
            )
        }
        #expect(input == 120_000 + 84_000 + 95_500 + 46_000 + 380_000)
        #expect(billed == 27_857_096_250 + 300_000_000)
        let report = try database.read { db in
            try UsageReport.fetch(SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t")
        }
        let raw = try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t", source: .requests)
        }
        #expect(report == raw)
    }
}
