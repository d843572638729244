import Foundation
import Testing

/// Several processes on one database, databases from other versions, read-only databases.
@Suite struct SharedDatabaseTests {
    /// Requests in fixtures/messages and fixtures/streams, as `ingestFixturesAndReportTotals` counts them.
    static func fixtureRequests(in sandbox: Sandbox) throws -> Int {
        #expect(try sandbox.ingestFixtures().status == 0)
        let report = try jsonObject(try sandbox.report().stdout)
        return try #require((report["totals"] as? [String: Any])?["requests"] as? Int)
    }

    @Test func ingestsStartedTogetherOnANewDatabaseAllLand() throws {
        let reference = try Sandbox()
        let expected = try Self.fixtureRequests(in: reference)
        // Each round starts four ingests and a report on a database that does not exist yet; before creation was
        // serialised, about half of such rounds had one process fail with "database is locked" or "table files
        // already exists".
        for round in 0..<15 {
            let sandbox = try Sandbox()
            let database = sandbox.url("new-\(round).sqlite").path
            let paths = [CLI.fixture("messages").path, CLI.fixture("streams").path]
            var running = try (0..<4).map { _ in
                try CLI.launch(["ingest"] + paths + ["--db", database, "--no-progress"], in: sandbox)
            }
            running.append(try CLI.launch(["sources", "--db", database, "--format", "json"], in: sandbox))
            let results = try running.map { try $0.wait() }
            for result in results.prefix(4) {
                #expect(result.status == 0, "round \(round): \(result.stderr)")
                #expect(!result.stderr.contains("database is locked"))
                #expect(!result.stderr.contains("already exists"))
            }
            // The report may start before the file exists (an error naming the missing database) but never fails
            // on a half-made schema.
            #expect(results[4].status == 0 || results[4].stderr.contains("no database at"), "\(results[4].stderr)")
            let report = try jsonObject(try sandbox.run("report", "--db", database, "--format", "json").stdout)
            #expect((report["totals"] as? [String: Any])?["requests"] as? Int == expected)
        }
    }

    @Test func aDatabaseFromANewerVersionIsReadButNotWritten() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.ingestFixtures().status == 0)
        let before = try sandbox.report().stdout
        // What a newer version's migration leaves behind.
        try sqlite(sandbox.database.path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99: a later schema')")

        let ingest = try sandbox.ingest([CLI.fixture("telemetry").path])
        #expect(ingest.status == 2)
        #expect(ingest.stderr.contains("newer version of usage"))
        #expect(ingest.stderr.contains("schema v99"))
        #expect(ingest.stderr.contains("knows up to v"))
        let reprice = try sandbox.run("reprice", "--db", sandbox.database.path)
        #expect(reprice.status == 2)
        #expect(reprice.stderr.contains("schema v99"))

        let report = try sandbox.report()
        #expect(report.status == 0)
        #expect(report.stderr.contains("warning"))
        #expect(report.stderr.contains("schema v99"))
        #expect(report.stdout == before)
    }

    @Test func readOnlyCommandsWorkOnADatabaseTheyCannotWrite() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.ingestFixtures().status == 0)
        let expected = try sandbox.report().stdout
        let folder = sandbox.url("readonly")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("usage.sqlite")
        // A copy without its -wal and -shm files, as a backup or a read-only mount holds it.
        try sqlite(sandbox.database.path, "VACUUM INTO '\(database.path)'")
        try sqlite(database.path, "PRAGMA journal_mode = WAL")

        // Root writes wherever it likes: read as an unprivileged user, with the binary and its price table copied
        // where that user can run them.
        var wrapper: [String] = []
        var binary: URL?
        if getuid() == 0 {
            let setpriv = try #require(
                ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) })
            wrapper = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
            let bin = sandbox.url("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let built = try CLI.executable()
            for item in try FileManager.default.contentsOfDirectory(atPath: built.deletingLastPathComponent().path)
            where item == "usage" || item.hasSuffix(".resources") {
                try FileManager.default.copyItem(
                    at: built.deletingLastPathComponent().appendingPathComponent(item),
                    to: bin.appendingPathComponent(item))
            }
            binary = bin.appendingPathComponent("usage")
            try chmodTree(sandbox.root, 0o755)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path) }

        for command in [
            ["report", "--format", "json"], ["events"], ["sources"], ["cache-stats"], ["pricing", "list"],
        ] {
            let result = try CLI.launch(
                command + ["--db", database.path], in: sandbox, executable: binary, wrapper: wrapper
            ).wait()
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("readonly"))
            if command[0] == "report" { #expect(result.stdout == expected) }
        }
        let contents = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(contents == ["usage.sqlite"])
        // Writing still needs write access, and says so.
        let ingest = try CLI.launch(
            ["ingest", CLI.fixture("telemetry").path, "--db", database.path], in: sandbox, executable: binary,
            wrapper: wrapper
        ).wait()
        #expect(ingest.status == 2)
    }
}

/// Runs SQL on a database file through Python's sqlite3 module, as another program would.
func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.isolation_level=None; c.execute(sys.argv[2]); c.close()",
        path, sql,
    ]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "sqlite: \(sql)")
}

private func chmodTree(_ url: URL, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    for item in FileManager.default.enumerator(atPath: url.path)?.compactMap({ $0 as? String }) ?? [] {
        try FileManager.default.setAttributes(
            [.posixPermissions: mode], ofItemAtPath: url.appendingPathComponent(item).path)
    }
}

@Suite struct HostileTextTests {
    /// Characters that drive or disguise a terminal line: ESC, BEL, BS, CR, DEL, C1 CSI and OSC, bidi overrides and
    /// isolates, zero-width space and joiner.
    static let hostile: [Unicode.Scalar] = [
        "\u{1B}", "\u{07}", "\u{08}", "\r", "\u{7F}", "\u{9B}", "\u{9D}", "\u{202E}", "\u{2066}", "\u{200B}",
        "\u{200D}",
    ]

    @Test func logTextAndFileNamesCannotDriveTheTerminal() throws {
        let sandbox = try Sandbox()
        let evil = "x\u{1B}[2J\u{07}\u{08}\r\u{7F}\u{9B}31m\u{9D}0;title\u{202E}\u{2066}\u{200B}\u{200D}y"
        func quoted(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [])
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        let line = """
            {"timestamp":"2026-11-03T09:00:00Z","session_id":\(quoted(evil)),"workflow":\(quoted(evil)),\
            "response":{"id":"msg_h1","model":\(quoted("claude-haiku-4-5" + evil)),"stop_reason":\(quoted(evil)),\
            "usage":{"input_tokens":10,"output_tokens":5}}}
            """
        try sandbox.write(
            "logs/evil\u{1B}]0;pwned\u{07}.jsonl",
            line + "\n{\"broken\n" + line.replacingOccurrences(of: "msg_h1", with: "msg_h2") + "\n")
        let ingest = try sandbox.ingest([sandbox.url("logs").path])
        #expect(ingest.status == 1, "the broken line is rejected: \(ingest.stderr)")
        #expect(ingest.stderr.contains("\\x1B]0;pwned\\x07.jsonl:2"))
        var outputs = [("ingest", ingest.stderr)]
        for command in [
            ["report"], ["report", "--group-by", "session"],
            ["report", "--group-by", "workflow", "--format", "markdown"],
            ["events"], ["sessions"], ["cache-stats"], ["sources"],
        ] {
            let result = try sandbox.run(arguments: command + ["--db", sandbox.database.path])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            outputs.append((command.joined(separator: " "), result.stdout + result.stderr))
        }
        for (name, text) in outputs {
            for scalar in Self.hostile {
                #expect(
                    !text.unicodeScalars.contains(scalar), "\(name) passes U+\(String(scalar.value, radix: 16)) through"
                )
            }
        }
        #expect(
            outputs.contains {
                $0.1.contains("\\x1B[2J\\x07\\x08\\x0D\\x7F\\x9B31m\\x9D0;title\\u202E\\u2066\\u200B\\u200Dy")
            })
    }

    @Test func aNULInsideAStringIsKeptAndShownWhole() throws {
        let sandbox = try Sandbox()
        // Two sessions that differ only after a NUL: shown cut, they looked like one.
        let lines = [#"nul\u0000one"#, #"nul\u0000two"#].enumerated().map { i, session in
            #"{"timestamp":"2026-11-03T09:00:00Z","session_id":"\#(session)","workflow":"w\u0000x","#
                + #""response":{"id":"msg_nul\#(i)","model":"claude-haiku-4-5","usage":{"input_tokens":10,"#
                + #""output_tokens":5}}}"#
        }
        try sandbox.write("nul.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(try sandbox.ingest([sandbox.url("nul.jsonl").path]).status == 0)

        let report = try jsonObject(try sandbox.report(["--group-by", "session"]).stdout)
        let sessions = (report["rows"] as? [[String: Any]])?.compactMap { $0["session"] as? String }.sorted()
        #expect(sessions == ["nul\u{0}one", "nul\u{0}two"])
        let events = try sandbox.events().stdout
        #expect(
            events.contains(#""session": "nul\u0000one""#) && events.contains(#""workflow": "w\u0000x""#), "\(events)")
        let csv = try sandbox.run(arguments: ["events", "--db", sandbox.database.path, "--format", "csv"]).stdout
        #expect(csv.contains("nul\u{0}two"))
        let table = try sandbox.run(arguments: ["report", "--db", sandbox.database.path, "--group-by", "session"])
            .stdout
        #expect(table.contains("nul\\x00one") && table.contains("nul\\x00two"), "\(table)")
        // Model names too, through the hourly rollup that answers a report by model, and a leading byte order mark.
        try sandbox.write(
            "models.jsonl",
            #"{"timestamp":"2026-11-03T10:00:00Z","response":{"id":"msg_nulm","model":"nova\u0000one","#
                + #""usage":{"input_tokens":1,"output_tokens":1}}}"#
                + "\n"
                + #"{"timestamp":"2026-11-03T10:00:00Z","response":{"id":"msg_bom","model":"\ufeffbom-first","#
                + #""usage":{"input_tokens":1,"output_tokens":1}}}"#
                + "\n")
        #expect(try sandbox.ingest([sandbox.url("models.jsonl").path]).status == 0)
        let reportText = try sandbox.report().stdout
        let byModel = try jsonObject(reportText)
        let models = (byModel["rows"] as? [[String: Any]])?.compactMap { $0["model"] as? String } ?? []
        #expect(models.contains("nova\u{0}one"), "\(models)")
        let eventsText = try sandbox.events().stdout
        let eventModels =
            (try JSONSerialization.jsonObject(with: Data(eventsText.utf8)) as? [[String: Any]])?
            .compactMap { $0["model"] as? String } ?? []
        #expect(eventModels.contains("nova\u{0}one"), "\(eventModels)")
        // By bytes: Foundation's JSON reader drops a leading byte order mark from a string, so it cannot tell.
        let bom = Data("\"\u{FEFF}bom-first\"".utf8)
        #expect(Data(reportText.utf8).range(of: bom) != nil && Data(eventsText.utf8).range(of: bom) != nil)
        let sessionsJSON = try sandbox.run(arguments: ["sessions", "--db", sandbox.database.path, "--format", "json"])
            .stdout
        let listed = try JSONSerialization.jsonObject(with: Data(sessionsJSON.utf8)) as? [[String: Any]]
        #expect(
            listed?.compactMap { $0["session"] as? String }.sorted() == ["nul\u{0}one", "nul\u{0}two"],
            "\(sessionsJSON)")
    }
}

@Suite struct UnknownPartsTests {
    @Test func anAdvisorCallOfAnUnknownModelIsUnpricedNotZero() throws {
        let sandbox = try Sandbox()
        let line =
            #"{"timestamp":"2026-11-10T12:00:00Z","response":{"id":"msg_adv_unknown","model":"claude-sonnet-4-6","#
            + #""usage":{"input_tokens":100,"output_tokens":10,"iterations":[{"type":"message","#
            + #""input_tokens":100,"output_tokens":5},{"type":"advisor_message","model":"claude-nova-9","#
            + #""input_tokens":500,"output_tokens":50},{"type":"message","input_tokens":100,"#
            + #""output_tokens":5}]}}}"#
        try sandbox.write("adv.jsonl", line + "\n")
        #expect(try sandbox.ingest([sandbox.url("adv.jsonl").path]).status == 0)
        let report = try jsonObject(try sandbox.report().stdout)
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(totals["advisor_calls"] as? Int == 1)
        #expect(totals["advisor_cost_usd"] is NSNull)
        #expect(totals["cost_usd"] is NSNull)
        let table = try sandbox.run(arguments: ["report", "--db", sandbox.database.path]).stdout
        let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("claude-sonnet-4-6") })
        #expect(row.contains("unpriced") && !row.contains("$0.00"), "\(row)")
    }
}

@Suite struct HeadlessSpacingTests {
    @Test func aHeadlessRunWrittenWithSpacesKeepsItsProject() throws {
        let sandbox = try Sandbox()
        // The same stream-json run, re-serialized the way Python's json.dumps writes it (a space after each colon
        // and comma): its init line still gives every row its project.
        let compact = try String(
            contentsOf: CLI.fixture("claude-code-2x/headless/stream-json/review.jsonl"), encoding: .utf8)
        var spaced: [String] = []
        for line in compact.split(separator: "\n") {
            let text = line.replacingOccurrences(of: "\":", with: "\": ").replacingOccurrences(of: ",\"", with: ", \"")
            // Still the same JSON: only the spacing between tokens changed.
            #expect(
                try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
                    == JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary)
            spaced.append(text)
        }
        try sandbox.write("spaced/review.jsonl", spaced.joined(separator: "\n") + "\n")
        #expect(try sandbox.ingest([sandbox.url("spaced").path]).status == 0)
        let events = try JSONSerialization.jsonObject(with: Data(try sandbox.events().stdout.utf8)) as? [[String: Any]]
        #expect(events?.count == 3)
        #expect(events?.allSatisfy { $0["project"] as? String == "/home/dev/cli" } == true, "\(events ?? [])")
    }
}
