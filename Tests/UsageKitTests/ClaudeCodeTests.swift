import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Claude Code 2.x: `agent_progress` copies of subagent responses, sidechain copies, and headless runs. Every figure
/// is the hand computation in fixtures/EXPECTED.md, section `claude-code-2x/`.
@Suite struct ClaudeCodeTests {
    static let api = "claude-code-2x/projects/-home-dev-api/5a0c3e11-2b7d-4e8f-9a1c-6d2e3f4a5b6c"
    static let checkpoint = "claude-code-2x/checkpoints/2e/91d04b7c3a/0"
    static let streamJSON = "claude-code-2x/headless/stream-json/review.jsonl"
    static let jsonOutput = "claude-code-2x/headless/json/nightly-audit.json"
    static let headlessSession = "c1e7b3d9-5f2a-4b8c-9d0e-1a2b3c4d5e6f"

    func ingest(_ paths: [String], into database: AppDatabase) throws -> IngestSummary {
        try Ingestor(database: database) { _ in }.ingest(paths: paths)
    }

    /// Count and cost of the stored rows matching `condition`.
    func stored(_ database: AppDatabase, _ condition: String = "1") throws -> (count: Int, cost: USD) {
        try database.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), COALESCE(SUM(cost_nanos), 0) FROM requests WHERE \(condition)")!
            return (row[0], USD(nanos: row[1]))
        }
    }

    func value<T: DatabaseValueConvertible>(_ database: AppDatabase, _ sql: String) throws -> T? {
        try database.read { db in try T.fetchOne(db, sql: sql) }
    }

    func report(_ database: AppDatabase, source: UsageReport.Source = .automatic, by: [ReportDimension] = [.model])
        throws -> UsageReport
    {
        try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), by: by, zone: .utc, priceTableVersion: "t", source: source)
        }
    }

    /// The rollup and a scan of the requests agree, by model and by hour's day.
    func expectConsistentRollup(_ database: AppDatabase, _ comment: Comment? = nil) throws {
        #expect(try report(database) == report(database, source: .requests), comment)
        #expect(try report(database, by: [.day]) == report(database, source: .requests, by: [.day]), comment)
        #expect(try attributeRollup(database) == attributeRollupRecomputed(database), comment)
        #expect(try cacheRollup(database) == cacheRollupRecomputed(database), comment)
    }

    // MARK: agent_progress copies

    @Test func aSubagentWithoutItsOwnFileIsCountedFromItsProgressCopies() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("claude-code-2x/projects")], into: database)
        #expect(summary.newRequests == 6 && summary.rejectedLines == 0)
        // The parent's copies of S1 and S2 meet the subagent file's own.
        #expect(summary.duplicates == 2)
        #expect(try stored(database) == (6, USD("0.173484")!))
        // S3 and S4 (agent b7d2e94) exist only as copies: the parent's session, project and branch, the copy's own
        // time and request id, the largest output of the copied lines.
        #expect(try stored(database, "model = 'claude-haiku-4-5-20251001'") == (2, USD("0.011518")!))
        let s3 = "dedupe_key = 'm:msg_01MlCaE00KKuKp1CC6CLGS9c'"
        #expect(try value(database, "SELECT output_tokens FROM requests WHERE \(s3)") == 147)
        #expect(try value(database, "SELECT request_id FROM requests WHERE \(s3)") == "req_011CCZa4CZ9biFg3Vu09lyn1BG")
        #expect(
            try value(database, "SELECT ts FROM requests WHERE \(s3)")
                == Timestamp.parse("2026-11-04T09:12:11.233Z", defaultOffset: 0))
        #expect(
            try value(
                database,
                "SELECT COUNT(*) FROM requests WHERE session = '5a0c3e11-2b7d-4e8f-9a1c-6d2e3f4a5b6c' "
                    + "AND project = '/home/dev/api' AND git_branch = 'feature/invoices'"
            )
                == 6)
    }

    @Test(arguments: [
        ["\(api).jsonl", "\(api)/subagents/agent-a1f3c5e.jsonl"],
        ["\(api)/subagents/agent-a1f3c5e.jsonl", "\(api).jsonl"],
        // A transcript copied alone, as session-checkpoint tools do: its copies are the subagents' only record.
        ["\(api).jsonl"],
    ])
    func progressCopiesAndSubagentFilesCountOnceInAnyOrder(files: [String]) throws {
        let database = try AppDatabase.inMemory()
        for file in files { _ = try ingest([fixture(file)], into: database) }
        #expect(try stored(database) == (6, USD("0.173484")!))
        #expect(
            try value(
                database, "SELECT output_tokens FROM requests WHERE dedupe_key = 'm:msg_01R8lvkYu0snGdwN4A5riuNw'")
                == 61)
        #expect(try value(database, "SELECT COUNT(*) FROM requests WHERE project = '/home/dev/api'") == 6)
        try expectConsistentRollup(database)
    }

    @Test func progressLinesAloneAreATranscript() throws {
        let scratch = try ScratchDirectory()
        let lines = try String(contentsOfFile: fixture("\(Self.api).jsonl"), encoding: .utf8).split(separator: "\n")
        // Lines 6 to 13: nothing but progress lines.
        let path = try scratch.write("progress.jsonl", lines[5..<13].joined(separator: "\n") + "\n")
        let sink = try parse(path)
        #expect(sink.format == .claudeCode && sink.rejects.isEmpty)
        #expect(
            sink.records.map(\.messageID) == [
                "msg_01MlCaE00KKuKp1CC6CLGS9c", "msg_01R8lvkYu0snGdwN4A5riuNw", "msg_013AFBTf3dLvPm04EUFIgnTw",
            ])
        #expect(sink.records.map(\.tokens.output) == [147, 61, 402])
        #expect(sink.records.allSatisfy { $0.session == "5a0c3e11-2b7d-4e8f-9a1c-6d2e3f4a5b6c" && !$0.sidechain })
    }

    // MARK: sidechain and parent copies

    @Test(arguments: [false, true])
    func theParentsCopyWinsOverASidechainCopyOfEqualOutput(sidechainFirst: Bool) throws {
        let database = try AppDatabase.inMemory()
        let files = ["\(Self.checkpoint)/agent-c4e8a20.jsonl", "\(Self.checkpoint)/full.jsonl"].map(fixture)
        for file in sidechainFirst ? files : files.reversed() { _ = try ingest([file], into: database) }
        #expect(try stored(database) == (3, USD("0.11246")!))
        let t1 = "r.dedupe_key = 'm:msg_01SxOD60lS9ClkxrMhKtpabx'"
        let row = try #require(
            try database.read { db in
                try Row.fetchOne(
                    db,
                    sql:
                        "SELECT r.project, r.sidechain, f.path, r.line FROM requests r "
                        + "JOIN files f ON f.id = r.file_id WHERE \(t1)"
                )
            })
        #expect(row[0] as String == "/home/dev/web")
        #expect(row[1] as Int64 == 0)
        #expect((row[2] as String).hasSuffix("/full.jsonl") && row[3] as Int64 == 4)
        try expectConsistentRollup(database)
    }

    @Test func aLongerSidechainCopyStillWins() throws {
        let scratch = try ScratchDirectory()
        let parent = try String(contentsOfFile: fixture("\(Self.checkpoint)/full.jsonl"), encoding: .utf8)
        let side = try String(contentsOfFile: fixture("\(Self.checkpoint)/agent-c4e8a20.jsonl"), encoding: .utf8)
        // The parent's copy written before the response finished: the sidechain's final output is the truer one.
        let partial = try scratch.write(
            "full.jsonl", parent.replacingOccurrences(of: #""output_tokens":233"#, with: #""output_tokens":12"#))
        let database = try AppDatabase.inMemory()
        _ = try ingest([partial, try scratch.write("agent-c4e8a20.jsonl", side)], into: database)
        #expect(
            try value(database, "SELECT project FROM requests WHERE dedupe_key = 'm:msg_01SxOD60lS9ClkxrMhKtpabx'")
                == "/home/dev/web/packages/ui")
        #expect(try stored(database) == (3, USD("0.11246")!))
    }

    // MARK: headless runs

    @Test func aStreamJsonRunCountsItsResponsesAndOnlyWhatItsResultAdds() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture(Self.streamJSON)], into: database)
        // H1 and H2, and the result's Haiku usage, which no assistant message carries; its Sonnet usage is theirs.
        #expect(summary.newRequests == 3 && summary.duplicates == 1 && summary.rejectedLines == 0)
        #expect(try stored(database) == (3, USD("0.0508525")!))
        #expect(try stored(database, "aggregated = 0") == (2, USD("0.0500325")!))
        #expect(try stored(database, "aggregated = 1") == (1, USD("0.00082")!))
        #expect(try value(database, "SELECT logged_cost_nanos FROM requests WHERE aggregated = 1") == Int64(820_000))
        #expect(
            try value(
                database,
                "SELECT COUNT(*) FROM requests WHERE session = '\(Self.headlessSession)' AND project = '/home/dev/cli'")
                == 3)
        #expect(
            try value(
                database,
                "SELECT COUNT(*) FROM headless_results WHERE request_row IS NULL AND model_key = 'claude-sonnet-4-5'")
                == 1)
        #expect(try value(database, "SELECT format FROM files") == "claude-code")
        let r = try report(database)
        #expect(r.totals.requests == 2 && r.totals.aggregatedRows == 1 && r.headlessRows == 1)
        #expect(Wording.reportNotes(r).contains { $0.hasPrefix("1 headless Claude Code run total") })
        #expect(!Wording.reportNotes(r).contains { $0.contains("Admin API") })
        try expectConsistentRollup(database)
    }

    @Test func aJsonOutputDocumentIsItsRunsOnlyRecord() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture(Self.jsonOutput)], into: database)
        #expect(summary.newRequests == 1 && summary.undatedRequests == 1 && summary.rejectedLines == 0)
        #expect(try value(database, "SELECT format FROM files") == "claude-code")
        // Its cache writes are 1-hour ones (from `usage`, which matches its one model); Claude Code's own cost is
        // kept beside the computed one.
        #expect(try stored(database, "aggregated = 1 AND cache_write_1h_tokens = 31200") == (1, USD("0.45744")!))
        let r = try report(database)
        #expect(r.totals.loggedCost == USD("0.34044") && r.totals.loggedComputedCost == USD("0.45744"))
        #expect(r.totals.requests == 0 && r.totals.aggregatedRows == 1)
        #expect(try value(database, "SELECT session FROM requests") == "0f6a2d84-3c9e-4b1a-8e7d-5c4b3a291807")
    }

    /// The stream-json run split as `claude -p` writes it both ways: its messages, and its result alone (what
    /// `--output-format json` prints).
    func splitRun(_ scratch: ScratchDirectory) throws -> (messages: String, result: String) {
        let lines = try String(contentsOfFile: fixture(Self.streamJSON), encoding: .utf8).split(separator: "\n")
        return (
            try scratch.write("stream/messages.jsonl", lines.dropLast().joined(separator: "\n") + "\n"),
            try scratch.write("json/result.json", String(lines.last!) + "\n")
        )
    }

    @Test(arguments: 0..<4)
    func aResultCountsOnlyWhatItsSessionsResponsesDoNotWhateverTheOrder(order: Int) throws {
        let scratch = try ScratchDirectory()
        let (messages, result) = try splitRun(scratch)
        let whole = fixture(Self.streamJSON)
        let database = try AppDatabase.inMemory()
        let runs: [[String]] = [
            [[result], [messages]],  // the result first, its responses in a later run: it is taken back
            [[messages], [result]],
            [[result, messages]],  // one run
            [[result], [whole], [messages]],  // the same run saved twice, and its messages again
        ][order]
        for paths in runs { _ = try ingest(paths, into: database) }
        #expect(try stored(database) == (3, USD("0.0508525")!))
        #expect(try stored(database, "aggregated = 1") == (1, USD("0.00082")!))
        #expect(try value(database, "SELECT COUNT(*) FROM headless_results") == 2)
        try expectConsistentRollup(database, "order \(order)")
    }

    @Test func aResultCountsAgainWhenItsSessionLosesItsResponses() throws {
        let scratch = try ScratchDirectory()
        func line(session: String, sidechain: Bool) -> String {
            #"{"parentUuid":null,"isSidechain":\#(sidechain),"userType":"external","cwd":"/home/dev/x","#
                + #""sessionId":"\#(session)","version":"2.1.44","type":"assistant","#
                + #""message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01MovedResponsexxxxxxxx","#
                + #""type":"message","role":"assistant","content":[],"usage":{"input_tokens":10,"output_tokens":50}},"#
                + #""requestId":"req_011CMovedRequestxxxxxxxx","uuid":"2d6a1c0e-7b7f-4c55-9f3e-0a1b2c3d4e5f","#
                + #""timestamp":"2026-11-05T10:00:00.000Z"}"#
                + "\n"
        }
        let result = try scratch.write(
            "result.json",
            #"{"type":"result","subtype":"success","is_error":false,"duration_ms":900,"duration_api_ms":800,"#
                + #""num_turns":1,"result":"[placeholder]","session_id":"S-x","total_cost_usd":0.00093,"#
                + #""usage":{"input_tokens":10,"output_tokens":50},"#
                + #""modelUsage":{"claude-sonnet-4-5-20250929":{"inputTokens":10,"outputTokens":50,"#
                + #""cacheReadInputTokens":0,"cacheCreationInputTokens":0,"costUSD":0.00078}}}"#
        )
        let database = try AppDatabase.inMemory()
        // A sidechain copy of a response, stored under the result's session: the session carries its model.
        _ = try ingest(
            [result, try scratch.write("side.jsonl", line(session: "S-x", sidechain: true))], into: database)
        #expect(try stored(database, "aggregated = 1").count == 0)
        // The parent's copy belongs to another session and wins: S-x no longer carries it, so the result counts.
        _ = try ingest([try scratch.write("parent.jsonl", line(session: "S-y", sidechain: false))], into: database)
        #expect(try value(database, "SELECT session FROM requests WHERE aggregated = 0") == "S-y")
        #expect(try stored(database, "aggregated = 1 AND session = 'S-x'") == (1, USD("0.00078")!))
        try expectConsistentRollup(database)
    }

    @Test func headlessOutputIsToldByContent() throws {
        let scratch = try ScratchDirectory()
        // Older stream-json lines carry no uuid.
        let bare = try String(contentsOfFile: fixture(Self.streamJSON), encoding: .utf8)
            .replacingOccurrences(of: #","uuid":"[0-9a-f-]{36}""#, with: "", options: .regularExpression)
        let stream = try parse(try scratch.write("bare.jsonl", bare))
        #expect(stream.format == .claudeCode)
        #expect(stream.records.map(\.session) == [Self.headlessSession, Self.headlessSession])
        #expect(stream.records.map(\.project) == ["/home/dev/cli", "/home/dev/cli"])
        guard case .headlessResult(let run)? = stream.facts.first else {
            Issue.record("no result in \(stream.facts)")
            return
        }
        #expect(run.session == Self.headlessSession && run.models.count == 2 && run.runCost == USD("0.0508525"))
        // `--output-format json --verbose` prints every message as one array.
        let array = try scratch.write(
            "verbose.json", "[\n" + bare.split(separator: "\n").joined(separator: ",\n") + "\n]\n")
        let verbose = try parse(array)
        #expect(verbose.format == .claudeCode && verbose.records.count == 2 && verbose.facts.count == 1)
        // Pretty-printed, as `jq .` saves it.
        let pretty = try JSONSerialization.data(
            withJSONObject: JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: fixture(Self.jsonOutput)))),
            options: [.prettyPrinted])
        let document = try parse(try scratch.write("pretty.json", String(decoding: pretty, as: UTF8.self)))
        #expect(document.format == .claudeCode && document.facts.count == 1)
    }

    @Test func aResultWithUsageButNoModelIsRejected() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "r.json",
            #"{"type":"result","subtype":"success","session_id":"S-z","total_cost_usd":0.01,"#
                + #""usage":{"input_tokens":10,"output_tokens":50}}"#
                + "\n")
        let sink = try parse(path)
        #expect(
            sink.facts.isEmpty
                && sink.rejects.map(\.reason) == ["result usage without modelUsage: no model to price it"])
    }

    // MARK: the store

    @Test func upgradingTheSchemaCountsTheRequestsAlreadyStoredBySessionAndModel() throws {
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: "v2: imported prices")
        try queue.write { db in
            for (i, model) in ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "claude-haiku-4-5"].enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO requests (ts, model, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                          cache_read_tokens, output_tokens, session, dedupe_key, key_hash, source_format, line)
                        VALUES (0, ?, 1, 0, 0, 0, 1, 's', ?, ?, 'claude-code', 1)
                        """,
                    arguments: [model, "m:\(i)", i])
            }
            for (path, format, layout, requests) in [
                ("/t.jsonl", "claude-code", "lines", 3), ("/r.json", "messages", "whole", 0),
                ("/m.jsonl", "messages", "lines", 0),
                ("/b.json", "batch", "whole", 0),
            ] {
                try db.execute(
                    sql: """
                        INSERT INTO files (path, format, layout, size, modified_at, consumed, requests, ingested_at)
                        VALUES (?, ?, ?, 100, 1, 100, ?, 1)
                        """,
                    arguments: [path, format, layout, requests])
            }
        }
        let database = try AppDatabase(writer: queue, path: ":memory:")
        let counts = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT model_key, requests FROM session_models ORDER BY 1").map {
                "\($0[0] as String)=\($0[1] as Int64)"
            }
        }
        #expect(counts == ["claude-haiku-4-5=1", "claude-sonnet-4-5=2"])
        // Transcripts, and documents that gave nothing, are read again in whole by the next ingest.
        let reread: [String] = try database.read { db in
            try String.fetchAll(db, sql: "SELECT path FROM files WHERE size = -1 AND consumed = 0 ORDER BY path")
        }
        #expect(reread == ["/r.json", "/t.jsonl"])
    }

    @Test func aTranscriptReadBeforeTheUpgradeIsReadAgainForItsProgressCopies() throws {
        let scratch = try ScratchDirectory()
        let parent = scratch.url.appendingPathComponent("t.jsonl").path
        try FileManager.default.copyItem(atPath: fixture("\(Self.api).jsonl"), toPath: parent)
        let database = try AppDatabase.inMemory()
        _ = try ingest([parent], into: database)
        // As an earlier version left it: the assistant lines only, and the file known unchanged.
        try database.write { db in
            try db.execute(sql: "DELETE FROM requests WHERE model LIKE 'claude-haiku%' OR model LIKE 'claude-sonnet%'")
            try HourlyRollup.rebuild(db)
            try db.execute(sql: "UPDATE files SET size = -1, consumed = 0")
        }
        let again = try ingest([parent], into: database)
        #expect(again.files == 1 && again.newRequests == 4 && again.duplicates == 2)
        #expect(try stored(database) == (6, USD("0.173484")!))
        try expectConsistentRollup(database)
    }
}
