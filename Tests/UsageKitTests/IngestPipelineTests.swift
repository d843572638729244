import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Files parsed on several threads and stored by one writer, many files to a transaction: the result is that of
/// reading the files one at a time, each file is all or nothing, and problems are reported in file order.
@Suite struct IngestPipelineTests {
    /// One transcript line of an assistant response.
    static func response(
        _ id: String, session: String, output: Int, sidechain: Bool = false, minute: Int
    ) -> String {
        #"{"parentUuid":null,"isSidechain":\#(sidechain),"userType":"external","cwd":"/home/dev/shop","#
            + #""sessionId":"\#(session)","version":"2.1.44","type":"assistant","#
            + #""message":{"model":"claude-sonnet-4-5-20250929","id":"\#(id)","type":"message","role":"assistant","#
            + #""content":[],"usage":{"input_tokens":12,"cache_creation_input_tokens":3000,"#
            + #""cache_read_input_tokens":40000,"output_tokens":\#(output)}},"requestId":"req_\#(id)","#
            + #""uuid":"u-\#(id)-\#(output)","#
            + #""timestamp":"2026-11-05T\#(10 + minute / 60):\#(two(minute % 60)):00.000Z"}"#
            + "\n"
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// 36 sessions of 6 responses, with a user line between responses. Every fourth file repeats two responses of
    /// the file before it: one with a larger output count (the copy that counts, wherever it is read), one as a
    /// sidechain copy with the same count (the parent's copy counts).
    static func tree(in scratch: ScratchDirectory) throws -> [String] {
        var paths: [String] = []
        for file in 0..<36 {
            let session = "S-\(two(file))"
            var text = ""
            for n in 0..<6 {
                text +=
                    #"{"type":"user","sessionId":"\#(session)","message":{"role":"user","content":"step \#(n)"}}"#
                    + "\n"
                text += response("msg_\(two(file))_\(n)", session: session, output: 100 + n, minute: file + n)
            }
            if file % 4 == 3 {
                let earlier = "msg_\(two(file - 1))_"
                text += response(earlier + "2", session: session, output: 900, minute: file)
                text += response(earlier + "4", session: session, output: 104, sidechain: true, minute: file)
            }
            paths.append(try scratch.write("projects/-home-dev-shop/\(session).jsonl", text))
        }
        return paths
    }

    /// What the database holds, without the ids that depend on the order files were stored in.
    static func contents(_ database: AppDatabase) throws -> [String] {
        try database.read { db in
            let requests = try Row.fetchAll(
                db,
                sql: """
                    SELECT dedupe_key, ts, model, session, input_tokens, cache_write_5m_tokens, cache_read_tokens,
                      output_tokens, cost_nanos, sidechain FROM requests ORDER BY dedupe_key
                    """
            ).map { "request \($0)" }
            let hourly = try Row.fetchAll(db, sql: "SELECT * FROM usage_hourly ORDER BY hour, model_key")
                .map { "hourly \($0)" }
            let sessions = try Row.fetchAll(
                db, sql: "SELECT session, model_key, requests FROM session_models ORDER BY 1, 2"
            ).map { "session \($0)" }
            let attributes = try Row.fetchAll(db, sql: "SELECT * FROM usage_attributes ORDER BY 1, 2, 3, 4, 5, 6")
                .map { "attribute \($0)" }
            let cache = try Row.fetchAll(
                db, sql: "SELECT * FROM cache_daily ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"
            )
            .map { "cache \($0)" }
            return requests + hourly + sessions + attributes + cache
        }
    }

    func ingest(
        _ paths: [String], into database: AppDatabase, limits: FileGroups.Limits = .init(), threads: Int = 2
    ) throws -> (IngestSummary, [IngestIssue]) {
        let messages = Messages()
        let summary = try Ingestor(database: database, groupLimits: limits, threads: threads) {
            messages.append($0)
        }.ingest(paths: paths)
        return (summary, messages.issues)
    }

    @Test(arguments: [1, 4]) func manyFilesInOneRunStoreWhatEachFileInARunOfItsOwnStores(threads: Int) throws {
        let scratch = try ScratchDirectory()
        let paths = try Self.tree(in: scratch)
        let together = try AppDatabase.open(path: scratch.url.appendingPathComponent("together.sqlite").path)
        let (summary, issues) = try ingest(
            [scratch.url.appendingPathComponent("projects").path], into: together, threads: threads)
        #expect(issues.isEmpty)
        #expect(summary.files == 36 && summary.newRequests == 36 * 6 && summary.duplicates == 18)
        // The same files one run each, in the same order: however many threads parse, and whichever file's parse
        // ends first, they are stored in their order.
        let apart = try AppDatabase.open(path: scratch.url.appendingPathComponent("apart.sqlite").path)
        for path in paths { _ = try ingest([path], into: apart, threads: 1) }
        let stored = try Self.contents(together)
        #expect(stored.count > 36 * 6)
        #expect(stored == (try Self.contents(apart)))
        // The rollups the writer kept for its groups are those recomputed from the requests.
        try together.write { db in try HourlyRollup.rebuild(db) }
        #expect(stored == (try Self.contents(together)))
        // The larger output count, from the later file; the sidechain copy left the parent's row as it was.
        #expect(
            try Int.fetchOne(together, "SELECT output_tokens FROM requests WHERE dedupe_key LIKE '%msg_02_2%'") == 900)
        #expect(try Int.fetchOne(together, "SELECT sidechain FROM requests WHERE dedupe_key LIKE '%msg_02_4%'") == 0)
        #expect(try Int.fetchOne(together, "SELECT COUNT(*) FROM files") == 36)
    }

    @Test func rejectsAreReportedInTheOrderOfTheFiles() throws {
        let scratch = try ScratchDirectory()
        var paths: [String] = []
        for file in 0..<24 {
            let lines = (0..<(file % 3 + 1)).map { _ in "{broken\n" }.joined()
            // A logged API response, then lines that are no JSON at all.
            let response =
                #"{"timestamp":"2026-11-05T10:00:00Z","response":{"id":"msg_r\#(file)","type":"message","#
                + #""role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"#
                + #""usage":{"input_tokens":10,"output_tokens":5}}}"# + "\n"
            paths.append(try scratch.write("logs/f\(Self.two(file)).jsonl", response + lines))
        }
        let database = try AppDatabase.inMemory()
        let (summary, issues) = try ingest([scratch.url.appendingPathComponent("logs").path], into: database)
        #expect(summary.newRequests == 24 && summary.rejectedLines == 48)
        let expected = paths.flatMap { path in
            let file = Int(path.suffix(8).prefix(2))!
            return (0..<(file % 3 + 1)).map { path + ":\($0 + 2)" }
        }
        #expect(issues.map { "\($0.path):\($0.line ?? 0)" } == expected)
    }

    @Test func aRunThatFailsKeepsTheGroupsItCommittedAndTheNextRunReadsTheRest() throws {
        let scratch = try ScratchDirectory()
        let paths = try Self.tree(in: scratch)
        let reference = try AppDatabase.open(path: scratch.url.appendingPathComponent("ref.sqlite").path)
        _ = try ingest(paths, into: reference)
        let database = try AppDatabase.open(path: scratch.url.appendingPathComponent("u.sqlite").path)
        // The disk fills on the 100th request; groups commit after every two files.
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER fail BEFORE INSERT ON requests WHEN (SELECT COUNT(*) FROM requests) >= 99
                    BEGIN SELECT RAISE(ABORT, 'disk full'); END
                    """)
        }
        let small = FileGroups.Limits(rows: 12, bytes: 1 << 30, duration: .seconds(3600))
        #expect(throws: UsageError.self) { try ingest(paths, into: database, limits: small) }
        let (requests, ledgered, files) = try database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests")!,
                try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(requests), 0) FROM files")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM files")!
            )
        }
        // Whole groups of whole files: each stored request came with its file's ledger entry.
        #expect(requests == ledgered && files % 2 == 0 && files > 0 && requests < 99)
        try database.write { db in try db.execute(sql: "DROP TRIGGER fail") }
        let (summary, _) = try ingest(paths, into: database)
        #expect(summary.unchangedFiles == files && summary.files == 36 - files)
        #expect(try Self.contents(database) == Self.contents(reference))
    }

    @Test func aFileRolledBackToItsSavepointLeavesTheOthersOfItsGroup() throws {
        let database = try AppDatabase.inMemory()
        try database.writeInSteps { db in
            var groups = FileGroups(db: db)
            for file in 0..<3 {
                try groups.beginFile()
                try db.execute(
                    sql: "INSERT INTO files (path, format, size, modified_at, ingested_at) VALUES (?, 'x', 0, 0, 0)",
                    arguments: ["f\(file)"])
                if file == 1 { try groups.dropFile() } else { try groups.endFile(rows: 1, bytes: 1) }
                #expect(db.isInsideTransaction)
            }
            try groups.finish()
            #expect(!db.isInsideTransaction)
        }
        #expect(try String.fetchAll(database, "SELECT path FROM files ORDER BY path") == ["f0", "f2"])
    }

    @Test func aGroupCommitsOnceItHoldsEnoughRows() throws {
        let database = try AppDatabase.inMemory()
        try database.writeInSteps { db in
            var groups = FileGroups(db: db, limits: FileGroups.Limits(rows: 3, bytes: 1 << 30, duration: .seconds(60)))
            var open: [Bool] = []
            for _ in 0..<4 {
                try groups.beginFile()
                try groups.endFile(rows: 2, bytes: 10)
                open.append(db.isInsideTransaction)
            }
            // 2 rows: still open; 4: committed; a new group of 2; 4 again: committed.
            #expect(open == [true, false, true, false])
        }
    }

    @Test(.timeLimit(.minutes(1))) func aWriterThatStopsReleasesEveryWorker() throws {
        let plans = (0..<12).map { FilePlan.inMemory(Array("{}\n".utf8), name: "m\($0)", receivedAt: 0) }
        let workers = ParseWorkers(jobs: plans, threads: 3)
        workers.start(pricer: Pricer()) { plan, channel, _ in
            // Far more batches than a channel holds: a parse blocks until the writer takes them or stops.
            channel.finish(
                Result {
                    for _ in 0..<100 {
                        try channel.send(ParsedBatch(records: RecordBatch(capacity: 1, format: .messages)))
                    }
                    throw UsageError.unreadable(path: plan.path, reason: "not reached")
                })
        }
        if case .batch = try workers.channels[0].receive() {} else { Issue.record("a batch first") }
        workers.cancel()
    }
}

extension Int {
    fileprivate static func fetchOne(_ database: AppDatabase, _ sql: String) throws -> Int? {
        try database.read { db in try Int.fetchOne(db, sql: sql) }
    }
}

extension String {
    fileprivate static func fetchAll(_ database: AppDatabase, _ sql: String) throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: sql) }
    }
}

/// The ledger's key for a path: one spelling per file.
@Suite struct LedgerPathTests {
    @Test(arguments: [
        ("/a/b/c.jsonl", "/a/b/c.jsonl"), ("/a//b/./c.jsonl", "/a/b/c.jsonl"), ("/a/b/../c.jsonl", "/a/c.jsonl"),
        ("/a/b/", "/a/b"), ("/a/.hidden/...", "/a/.hidden/..."), ("/a/b/.", "/a/b"), ("/a/b/..", "/a"), ("/", "/"),
        ("/..", "/"), ("/a/..b/c.", "/a/..b/c."),
    ])
    func absolutePathsResolveDotsAndRepeatedSlashes(path: String, key: String) {
        #expect(absolutePath(path) == key)
    }

    @Test func relativePathsStartAtTheWorkingDirectory() {
        #expect(absolutePath("logs/../x/y.jsonl", workingDirectory: "/home/dev") == "/home/dev/x/y.jsonl")
        #expect(absolutePath("x.jsonl", workingDirectory: "/home/dev") == "/home/dev/x.jsonl")
        #expect(absolutePath("x.jsonl") == FileManager.default.currentDirectoryPath + "/x.jsonl")
    }
}
