import Foundation
import Testing

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLIError: Error, CustomStringConvertible {
    case executableNotFound(searched: [String])
    case notJSON(String)

    var description: String {
        switch self {
        case .executableNotFound(let searched):
            return "could not find the built `usage` executable; "
                + "searched upwards from: \(searched.joined(separator: ", "))"
        case .notJSON(let text):
            return "output is not the expected JSON: \(text.prefix(500))"
        }
    }
}

enum CLI {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static var fixtures: URL { repositoryRoot.appendingPathComponent("fixtures", isDirectory: true) }

    static func fixture(_ relativePath: String) -> URL {
        fixtures.appendingPathComponent(relativePath)
    }

    static func executable() throws -> URL {
        var starts: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: exe))
        }
        if let first = CommandLine.arguments.first, !first.isEmpty {
            starts.append(URL(fileURLWithPath: first).standardizedFileURL)
        }
        starts.append(Bundle.main.bundleURL)
        starts.append(Bundle.main.executableURL ?? Bundle.main.bundleURL)

        let fm = FileManager.default
        for start in starts {
            var dir = start.deletingLastPathComponent()
            while true {
                let candidate = dir.appendingPathComponent("usage")
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fm.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path || dir.path == "/" { break }
                dir = parent
            }
        }
        throw CLIError.executableNotFound(searched: starts.map(\.path))
    }

    static func run(
        _ arguments: [String], in sandbox: Sandbox, environment extra: [String: String] = [:], stdin: URL? = nil
    ) throws -> CLIResult {
        try launch(arguments, in: sandbox, environment: extra, stdin: stdin).wait()
    }

    /// Starts the executable (or `executable`, run through `wrapper`, e.g. to drop privileges) without waiting.
    static func launch(
        _ arguments: [String], in sandbox: Sandbox, environment extra: [String: String] = [:], executable: URL? = nil,
        wrapper: [String] = [], stdin: URL? = nil
    ) throws -> Running {
        let process = Process()
        let binary = try executable ?? self.executable()
        if wrapper.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wrapper[0])
            process.arguments = Array(wrapper.dropFirst()) + [binary.path] + arguments
        }
        process.currentDirectoryURL = sandbox.root
        var environment = ProcessInfo.processInfo.environment
        environment["USAGE_DB"] = sandbox.fallbackDatabase.path
        environment["XDG_DATA_HOME"] = sandbox.root.appendingPathComponent("xdg-data", isDirectory: true).path
        environment["HOME"] = sandbox.root.appendingPathComponent("home", isDirectory: true).path
        environment.removeValue(forKey: "CLAUDE_CONFIG_DIR")
        // The width of the terminal the tests were started from is not the tests' business.
        environment.removeValue(forKey: "COLUMNS")
        environment.merge(extra) { _, new in new }
        process.environment = environment

        let token = UUID().uuidString
        let running = Running(
            process: process, stdoutURL: sandbox.root.appendingPathComponent(".stdout-\(token)"),
            stderrURL: sandbox.root.appendingPathComponent(".stderr-\(token)"))
        _ = FileManager.default.createFile(atPath: running.stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: running.stderrURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: running.stdoutURL)
        process.standardError = try FileHandle(forWritingTo: running.stderrURL)
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        try process.run()
        return running
    }

    /// A started process whose streams go to temporary files.
    struct Running {
        let process: Process
        let stdoutURL: URL
        let stderrURL: URL

        func wait() throws -> CLIResult {
            process.waitUntilExit()
            try (process.standardOutput as? FileHandle)?.close()
            try (process.standardError as? FileHandle)?.close()
            let stdout = String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self)
            let stderr = String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
            return CLIResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
        }
    }
}

final class Sandbox {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("usage-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    var database: URL { root.appendingPathComponent("usage.sqlite") }
    var fallbackDatabase: URL { root.appendingPathComponent("env-fallback.sqlite") }

    func url(_ name: String) -> URL { root.appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    func run(_ arguments: String...) throws -> CLIResult {
        try CLI.run(arguments, in: self)
    }

    func run(arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        try CLI.run(arguments, in: self, environment: environment)
    }

    func ingest(_ paths: [String], extra: [String] = []) throws -> CLIResult {
        try run(arguments: ["ingest"] + paths + ["--db", database.path] + extra)
    }

    /// Ingests the Messages API fixtures: responses (fixtures/messages) and streams (fixtures/streams).
    func ingestFixtures() throws -> CLIResult {
        try ingest([CLI.fixture("messages").path, CLI.fixture("streams").path])
    }

    func report(_ extra: [String] = []) throws -> CLIResult {
        try run(arguments: ["report", "--db", database.path, "--format", "json"] + extra)
    }

    func events(_ extra: [String] = []) throws -> CLIResult {
        try run(arguments: ["events", "--db", database.path, "--format", "json"] + extra)
    }
}

func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let object = value as? [String: Any] else { throw CLIError.notJSON(text) }
    return object
}

func jsonArray(_ text: String) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let array = value as? [[String: Any]] else { throw CLIError.notJSON(text) }
    return array
}

func int(_ value: Any?) -> Int? {
    (value as? NSNumber)?.intValue
}

func isNull(_ value: Any?) -> Bool {
    value is NSNull
}

/// The raw text of the innermost flat JSON object `{ ... }` that contains `marker`.
func rawObject(in text: String, containing marker: String) -> Substring? {
    guard let hit = text.range(of: marker) else { return nil }
    guard let open = text[..<hit.lowerBound].lastIndex(of: "{") else { return nil }
    guard let close = text[hit.upperBound...].firstIndex(of: "}") else { return nil }
    return text[open...close]
}

func describe(_ result: CLIResult) -> Comment {
    "status \(result.status)\nstdout:\n\(result.stdout.prefix(2000))\nstderr:\n\(result.stderr.prefix(2000))"
}

@Suite struct CLITests {
    @Test func ingestFixturesAndReportTotals() throws {
        let sandbox = try Sandbox()

        let ingest = try sandbox.ingestFixtures()
        #expect(ingest.status == 0, describe(ingest))
        #expect(ingest.stderr.contains("12 new requests"), describe(ingest))
        #expect(ingest.stderr.contains("0 duplicates"), describe(ingest))
        #expect(ingest.stderr.contains("0 rejected lines"), describe(ingest))
        #expect(ingest.stdout.isEmpty, describe(ingest))

        let report = try sandbox.report()
        #expect(report.status == 0, describe(report))
        #expect(report.stdout.contains("\"cost_usd\": 1.692457600"), describe(report))

        let json = try jsonObject(report.stdout)
        #expect(json["group_by"] as? [String] == ["model"])
        for key in ["period", "price_table", "totals", "rows", "unpriced_models", "notes"] {
            #expect(json[key] != nil, "missing key \(key)")
        }
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 12)
        #expect(int(totals["unpriced_requests"]) == 1)
        let cost = try #require(totals["cost_usd"] as? NSNumber)
        #expect(abs(cost.doubleValue - 1.6924576) < 1e-9)

        let totalsText = try #require(rawObject(in: report.stdout, containing: "\"unpriced_requests\": 1,"))
        #expect(totalsText.contains("\"requests\": 12,"))
        #expect(totalsText.contains("\"cost_usd\": 1.692457600"))

        let unpriced = try #require(json["unpriced_models"] as? [[String: Any]])
        let nova = unpriced.first { $0["model"] as? String == "claude-nova-7" }
        let novaEntry = try #require(nova, "claude-nova-7 is not listed as unpriced: \(unpriced)")
        #expect(int(novaEntry["requests"]) == 1)

        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.reduce(0) { $0 + (int($1["requests"]) ?? 0) } == 12)
        let novaRow = try #require(rows.first { $0["model"] as? String == "claude-nova-7" })
        #expect(isNull(novaRow["cost_usd"]))

        #expect(!FileManager.default.fileExists(atPath: sandbox.fallbackDatabase.path))
    }

    @Test func ingestIsIdempotent() throws {
        let sandbox = try Sandbox()

        let first = try sandbox.ingestFixtures()
        #expect(first.status == 0, describe(first))
        #expect(first.stderr.contains("12 new requests"), describe(first))
        let reportAfterFirst = try sandbox.report()
        #expect(reportAfterFirst.status == 0, describe(reportAfterFirst))

        let second = try sandbox.ingestFixtures()
        #expect(second.status == 0, describe(second))
        #expect(second.stderr.contains("0 new requests"), describe(second))
        #expect(second.stderr.contains("4 unchanged skipped"), describe(second))

        // The same logs under other names are read, and every request in them is a duplicate.
        let copies = sandbox.root.appendingPathComponent("copies", isDirectory: true)
        try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true)
        for name in ["messages", "streams"] {
            try FileManager.default.copyItem(at: CLI.fixture(name), to: copies.appendingPathComponent(name))
        }
        let third = try sandbox.ingest([copies.path])
        #expect(third.status == 0, describe(third))
        #expect(third.stderr.contains("0 new requests"), describe(third))
        #expect(third.stderr.contains("12 duplicates"), describe(third))

        let reportAfterSecond = try sandbox.report()
        #expect(reportAfterSecond.status == 0, describe(reportAfterSecond))
        #expect(reportAfterSecond.stdout == reportAfterFirst.stdout)

        let totals = try #require(try jsonObject(reportAfterSecond.stdout)["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 12)
    }

    @Test func sameResponseInSeveralFilesIsStoredOnce() throws {
        let sandbox = try Sandbox()
        let source = try String(contentsOf: CLI.fixture("messages/responses.jsonl"), encoding: .utf8)
        let firstLine = try #require(source.split(separator: "\n").first.map(String.init))
        let envelope = try jsonObject(firstLine)
        let response = try #require(envelope["response"] as? [String: Any])
        #expect(response["id"] as? String == "msg_01Fx001")
        #expect(response["request_id"] == nil)
        let bareLine = String(decoding: try JSONSerialization.data(withJSONObject: response), as: UTF8.self)

        let bare = try sandbox.write("logs/bare.jsonl", bareLine + "\n")
        let bareRun = try sandbox.ingest([bare.path])
        #expect(bareRun.status == 0, describe(bareRun))
        #expect(bareRun.stderr.contains("1 new request"), describe(bareRun))

        let copyA = try sandbox.write("logs/copy-a.jsonl", source)
        let copyB = try sandbox.write("logs/copy-b.jsonl", source)
        let copies = try sandbox.ingest([copyA.path, copyB.path])
        #expect(copies.status == 0, describe(copies))
        #expect(copies.stderr.contains("6 new requests"), describe(copies))
        #expect(copies.stderr.contains("8 duplicates"), describe(copies))

        let report = try sandbox.report()
        #expect(report.status == 0, describe(report))
        let totals = try #require(try jsonObject(report.stdout)["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 7)

        let events = try jsonArray(try sandbox.events().stdout)
        #expect(events.count == 7)
        let sonnetLine1 = events.filter {
            ($0["input_tokens"] as? NSNumber)?.intValue == 312 && $0["model"] as? String == "claude-sonnet-4-5-20250929"
        }
        #expect(sonnetLine1.count == 1)
    }

    @Test func badLinesAreReportedAndGoodLinesLand() throws {
        let sandbox = try Sandbox()
        let lines = try String(contentsOf: CLI.fixture("messages/responses.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let good1 = lines[0]
        let good3 = lines[2]
        let stringTokens = lines[5].replacingOccurrences(of: "\"input_tokens\":500", with: "\"input_tokens\":\"abc\"")
        #expect(stringTokens != lines[5])
        let text =
            [good1, "{\"timestamp\":\"2026-11-02T09:14:03Z\",{\"oops\"", good3, stringTokens].joined(separator: "\n")
            + "\n"
        let bad = try sandbox.write("bad.jsonl", text)

        let ingest = try sandbox.ingest([bad.path])
        #expect(ingest.status == 1, describe(ingest))
        #expect(ingest.stderr.contains("bad.jsonl:2:"), describe(ingest))
        #expect(ingest.stderr.contains("bad.jsonl:4:"), describe(ingest))
        #expect(ingest.stderr.contains("\(bad.path):2:"), describe(ingest))
        #expect(!ingest.stderr.contains("bad.jsonl:1:"), describe(ingest))
        #expect(!ingest.stderr.contains("bad.jsonl:3:"), describe(ingest))
        #expect(ingest.stderr.contains("2 new requests"), describe(ingest))
        #expect(ingest.stderr.contains("2 rejected lines"), describe(ingest))

        let events = try sandbox.events()
        #expect(events.status == 0, describe(events))
        let array = try jsonArray(events.stdout)
        #expect(array.count == 2)
        let requestIDs = Set(array.compactMap { $0["request_id"] as? String })
        #expect(requestIDs == ["req_011Ex001", "req_011Ex003"])
        let sources = array.compactMap { $0["source"] as? String }
        #expect(Set(sources) == ["\(bad.path):1", "\(bad.path):3"])
    }

    @Test func eventsOutput() throws {
        let sandbox = try Sandbox()
        let ingest = try sandbox.ingestFixtures()
        #expect(ingest.status == 0, describe(ingest))

        let all = try sandbox.events()
        #expect(all.status == 0, describe(all))
        let events = try jsonArray(all.stdout)
        #expect(events.count == 12)
        let expectedKeys: Set<String> = [
            "id", "request_id", "timestamp", "model", "priced_as", "service_tier", "input_tokens",
            "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens",
            "thinking_tokens", "web_search_requests", "stop_reason", "session", "workflow", "cost_usd",
            "priced", "source", "message_id", "project", "custom_id", "git_branch", "advisor", "compaction",
        ]
        for event in events {
            #expect(Set(event.keys) == expectedKeys)
        }

        let opus = try #require(events.first { $0["request_id"] as? String == "req_011Ex002" })
        #expect(opus["model"] as? String == "claude-opus-4-6")
        #expect(int(opus["cache_write_1h_tokens"]) == 6000)
        #expect(opus["priced"] as? Bool == true)
        let responsesPath = CLI.fixture("messages/responses.jsonl").standardizedFileURL.path
        #expect(opus["source"] as? String == "\(responsesPath):2")
        #expect(all.stdout.contains("\"cost_usd\": 0.234740000"))
        let opusText = try #require(rawObject(in: all.stdout, containing: "\"request_id\": \"req_011Ex002\""))
        #expect(opusText.contains("\"cost_usd\": 0.234740000"), "\(opusText)")

        let sonnetText = try #require(rawObject(in: all.stdout, containing: "\"request_id\": \"req_011Ex001\""))
        #expect(sonnetText.contains("\"cost_usd\": 0.036052600"), "\(sonnetText)")
        let bedrockText = try #require(rawObject(in: all.stdout, containing: "\"request_id\": \"req_011Ex004\""))
        #expect(bedrockText.contains("\"model\": \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\""), "\(bedrockText)")
        // Bedrock's us. profile: 981,000 µ$ × 1.1, the regional premium over global.
        #expect(bedrockText.contains("\"cost_usd\": 1.079100000"), "\(bedrockText)")

        let nova = try #require(events.first { $0["model"] as? String == "claude-nova-7" })
        #expect(isNull(nova["cost_usd"]))
        #expect(nova["priced"] as? Bool == false)

        let streamed = events.filter { ($0["source"] as? String)?.contains("stream.sse:") == true }
        #expect(streamed.count == 2)
        let streamedOpus = try #require(streamed.first { $0["model"] as? String == "claude-opus-4-6" })
        #expect(int(streamedOpus["output_tokens"]) == 377)
        let streamedSonnet = try #require(streamed.first { $0["model"] as? String == "claude-sonnet-4-5-20250929" })
        #expect(int(streamedSonnet["output_tokens"]) == 64)
        let streamedOpusText = try #require(rawObject(in: all.stdout, containing: "\"output_tokens\": 377,"))
        #expect(streamedOpusText.contains("\"cost_usd\": 0.030030000"), "\(streamedOpusText)")
        let streamedSonnetText = try #require(rawObject(in: all.stdout, containing: "\"output_tokens\": 64,"))
        #expect(streamedSonnetText.contains("\"cost_usd\": 0.015210000"), "\(streamedSonnetText)")

        let limited = try sandbox.events(["--limit", "3"])
        #expect(limited.status == 0, describe(limited))
        #expect(try jsonArray(limited.stdout).count == 3)

        let sonnet = try sandbox.events(["--model", "claude-sonnet-4-5"])
        #expect(sonnet.status == 0, describe(sonnet))
        let sonnetEvents = try jsonArray(sonnet.stdout)
        #expect(sonnetEvents.count == 3)
        for event in sonnetEvents {
            #expect(event["priced_as"] as? String == "claude-sonnet-4-5")
        }
        let sonnetIDs = Set(sonnetEvents.compactMap { $0["request_id"] as? String })
        #expect(sonnetIDs.isSuperset(of: ["req_011Ex001", "req_011Ex004"]))
        #expect(sonnetEvents.contains { ($0["source"] as? String)?.contains("stream.sse:") == true })
        #expect(sonnetEvents.contains { $0["model"] as? String == "us.anthropic.claude-sonnet-4-5-20250929-v1:0" })

        let csv = try sandbox.run(arguments: ["events", "--db", sandbox.database.path, "--format", "csv"])
        #expect(csv.status == 0, describe(csv))
        let csvLines = csv.stdout.split(whereSeparator: \.isNewline)
        let header = try #require(csvLines.first)
        #expect(header.hasPrefix("id,request_id,message_id,timestamp,model"), "\(header)")
        #expect(csvLines.count == 13)
    }

    @Test func periodFiltersAndDailyRows() throws {
        let sandbox = try Sandbox()
        let ingest = try sandbox.ingestFixtures()
        #expect(ingest.status == 0, describe(ingest))

        let oneDay = try sandbox.report(["--since", "2026-11-03", "--until", "2026-11-03"])
        #expect(oneDay.status == 0, describe(oneDay))
        let totals = try #require(try jsonObject(oneDay.stdout)["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 3)

        let dayEvents = try sandbox.events(["--since", "2026-11-03", "--until", "2026-11-03"])
        #expect(dayEvents.status == 0, describe(dayEvents))
        let events = try jsonArray(dayEvents.stdout)
        #expect(
            Set(events.compactMap { $0["request_id"] as? String }) == ["req_011Ex003", "req_011Ex004", "req_011Ex005"])
        for event in events {
            #expect((event["timestamp"] as? String)?.hasPrefix("2026-11-03T") == true, "\(event)")
        }

        let byDay = try sandbox.report(["--by", "day"])
        #expect(byDay.status == 0, describe(byDay))
        let json = try jsonObject(byDay.stdout)
        #expect(json["group_by"] as? [String] == ["day"])
        let rows = try #require(json["rows"] as? [[String: Any]])
        let days = rows.compactMap { $0["day"] as? String }
        #expect(days.count == rows.count)
        #expect(!days.isEmpty)
        #expect(days == days.sorted())
        #expect(Set(days).count == days.count)
        #expect(days.contains("2026-11-03"))
        #expect(rows.reduce(0) { $0 + (int($1["requests"]) ?? 0) } == 12)
        let nov3 = try #require(rows.first { $0["day"] as? String == "2026-11-03" })
        #expect(int(nov3["requests"]) == 3)
    }

    @Test func everyFormatLandsAndSourcesListsTheLedger() throws {
        let sandbox = try Sandbox()
        let ingest = try sandbox.ingest([CLI.fixtures.path])
        // fixtures/sdk/not-records.jsonl holds one line that looks like usage and cannot be read: rejected, exit 1.
        #expect(ingest.status == 1, describe(ingest))
        #expect(
            ingest.stderr.contains("36 files") && ingest.stderr.contains("4 non-log files skipped"), describe(ingest))
        #expect(ingest.stderr.contains("109 new requests, 7 duplicates, 1 rejected line,"), describe(ingest))
        #expect(ingest.stderr.contains("13 dated by file time"), describe(ingest))
        #expect(ingest.stderr.contains("not-records.jsonl:1: usage is a string, not an object"), describe(ingest))
        #expect(ingest.stderr.contains("8 batch requests not billed"), describe(ingest))
        #expect(ingest.stderr.contains("20 billed amounts"), describe(ingest))
        #expect(!ingest.stderr.contains("\r"), "no progress when stderr is not a terminal")

        let report = try sandbox.report()
        // 30.2483849 before batches-redated/ (+1.0975), claude-code-2x/ (+0.7942365), sdk/ (+0.4227127) and
        // pricing-rules/ (+18.203885), and Bedrock's regional premium on the two us. requests of messages/ and
        // telemetry/ (+0.0981, +0.0008325); otel/: four Claude Code events (+0.121935), a GenAI span (+0.02775),
        // two counter rows (+0.1113) and three Claude Code analytics rows (+0.44).
        #expect(report.stdout.contains("\"cost_usd\": 51.566636600"), describe(report))
        #expect(report.stdout.contains("\"billed_usd\": 27.857096250"), describe(report))
        // 4 Admin API usage report rows, 2 headless Claude Code run totals, 2 counter rows and 3 analytics rows.
        #expect(report.stdout.contains("\"aggregated_rows\": 11"), describe(report))
        // 0.44556 before otel/: its events log 0.1245, its counters 0.30, its analytics rows 0.44.
        #expect(report.stdout.contains("\"logged_cost_usd\": 1.310060000"), describe(report))

        let sources = try sandbox.run(arguments: ["sources", "--db", sandbox.database.path, "--format", "json"])
        #expect(sources.status == 0, describe(sources))
        let files = try #require(try JSONSerialization.jsonObject(with: Data(sources.stdout.utf8)) as? [[String: Any]])
        #expect(files.count == 36)
        let formats = Set(files.compactMap { $0["format"] as? String })
        #expect(
            formats == [
                "messages", "sse", "batch-results", "batch", "batch-summary", "session-tracker", "telemetry",
                "claude-code", "admin-usage", "admin-cost", "otlp", "claude-code-analytics",
            ])
        let results = try #require(files.first { ($0["file"] as? String)?.hasSuffix("_results.jsonl") == true })
        #expect(int(results["requests"]) == 3 && int(results["unbilled_batch_requests"]) == 3)

        let again = try sandbox.ingest([CLI.fixtures.path])
        #expect(again.stderr.contains("0 files (36 unchanged skipped)"), describe(again))
        let table = try sandbox.run(arguments: ["sources", "--db", sandbox.database.path])
        #expect(table.stdout.contains("session-tracker"), describe(table))
    }

    /// fixtures/sdk: logs written the ways apps serialize the SDK's types (fixtures/EXPECTED.md, section "sdk/").
    @Test func sdkSerializationsAreReadRecordByRecord() throws {
        let sandbox = try Sandbox()
        let ingest = try sandbox.ingest([CLI.fixture("sdk").path])
        #expect(ingest.status == 1, describe(ingest))
        #expect(
            ingest.stderr.contains(
                "ingested: 7 files, 18 new requests, 1 duplicate, 1 rejected line, 2 without usage, "
                    + "5 dated by file time, 4 batch requests not billed"), describe(ingest))
        #expect(ingest.stderr.contains("not-records.jsonl:1: usage is a string, not an object"), describe(ingest))
        #expect(
            ingest.stderr.components(separatedBy: "\n").filter { $0.contains(".json") && $0.contains(": ") }.count == 1,
            describe(ingest))
        let report = try sandbox.report()
        #expect(report.stdout.contains("\"cost_usd\": 0.422712700"), describe(report))
        #expect(report.stdout.contains("\"requests\": 18"), describe(report))
        let again = try sandbox.ingest([CLI.fixture("sdk").path])
        #expect(again.status == 0 && again.stderr.contains("0 files (7 unchanged skipped)"), describe(again))
    }

    @Test func cacheStatsAndSessions() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.ingest([CLI.fixture("cache").path]).status == 0)
        let period = ["--since", "2026-11-10", "--until", "2026-11-10"]
        let json = try sandbox.run(
            arguments: ["cache-stats", "--db", sandbox.database.path, "--format", "json"] + period)
        #expect(json.status == 0, describe(json))
        for figure in [
            "\"hit_rate\": 0.450387", "\"requests_with_hits\": 3", "\"cost_usd\": 0.125250000",
            "\"cost_without_cache_usd\": 0.189400000", "\"gross_savings_usd\": 0.086400000",
            "\"write_premium_usd\": 0.022250000", "\"net_savings_usd\": 0.064150000",
            "\"batch_savings_usd\": 0.003000000",
        ] {
            #expect(json.stdout.contains(figure), "\(figure)")
        }
        let object = try jsonObject(json.stdout)
        for key in [
            "by_model", "by_workflow", "daily", "recommendations", "cache_write_5m_tokens", "cache_write_1h_tokens",
            "input_tokens", "cache_read_tokens",
        ] {
            #expect(object[key] != nil, "\(key)")
        }
        let table = try sandbox.run(
            arguments: ["cache-stats", "--db", sandbox.database.path, "--workflow", "w1"] + period)
        #expect(
            table.status == 0 && table.stdout.contains("Net saving")
                && table.stdout.contains("hit rate = cache read tokens / prompt tokens"), describe(table))
        let empty = try sandbox.run(arguments: ["cache-stats", "--db", sandbox.database.path, "--days", "1"])
        #expect(empty.status == 0 && empty.stdout.contains("No requests in this period"), describe(empty))

        let sessions = try sandbox.run(arguments: [
            "sessions", "--db", sandbox.database.path, "--limit", "2", "--format", "json",
        ])
        #expect(sessions.status == 0, describe(sessions))
        let list = try #require(try JSONSerialization.jsonObject(with: Data(sessions.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["session"] as? String } == ["s1", "s2"])
    }

    @Test func reportFormatsAndTheHTMLFile() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.ingestFixtures().status == 0)
        let html = try sandbox.run(arguments: ["report", "--db", sandbox.database.path, "--html"])
        #expect(html.status == 0, describe(html))
        let path = html.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path.hasPrefix("reports/usage-") && path.hasSuffix(".html"), describe(html))
        let page = try String(contentsOf: sandbox.root.appendingPathComponent(path), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("Daily cost by model"))

        let chosen = sandbox.root.appendingPathComponent("out/r.html").path
        let explicit = try sandbox.run(arguments: [
            "report", "--db", sandbox.database.path, "--html", "--output", chosen,
        ])
        #expect(explicit.stdout == chosen + "\n" && FileManager.default.fileExists(atPath: chosen), describe(explicit))

        let csv = try sandbox.run(arguments: [
            "report", "--db", sandbox.database.path, "--group-by", "day,model", "--format", "csv", "--tz", "UTC",
        ])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("day,model,requests,"), describe(csv))
        let markdown = try sandbox.run(arguments: [
            "report", "--db", sandbox.database.path, "--group-by", "workflow", "--format", "markdown",
        ])
        #expect(markdown.status == 0 && markdown.stdout.contains("| code-review |"), describe(markdown))
        let piped = try sandbox.run(arguments: ["report", "--db", sandbox.database.path])
        #expect(!piped.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")

        let bad = try sandbox.run(arguments: [
            "report", "--db", sandbox.database.path, "--group-by", "day,model,session",
        ])
        #expect(bad.status == 64 && bad.stderr.contains("--group-by"), describe(bad))
    }

    @Test func budgetExitStatusesAndTheReport() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.ingest([CLI.fixture("messages").path]).status == 0)
        // The fixtures' requests are in early November; check as of the month's data with --tz UTC.
        func budget(_ arguments: [String]) throws -> CLIResult {
            try sandbox.run(
                arguments: ["budget", "--db", sandbox.database.path, "--tz", "UTC", "--at", "2026-11-22T12:00:00Z"]
                    + arguments)
        }
        // No budget configured at all (HOME and XDG point into the sandbox): UNKNOWN.
        let none = try budget([])
        #expect(none.status == 3 && none.stdout.hasPrefix("BUDGET UNKNOWN - no budget configured"), describe(none))
        // A rolling window of 3 days before 22 November holds none of the fixtures' early-November requests: UNKNOWN.
        let config = sandbox.root.appendingPathComponent("budgets.toml")
        try "[[budgets]]\nname = \"recent\"\nperiod = \"3 days\"\nlimit = 5\n".write(
            to: config, atomically: true, encoding: .utf8)
        let stale = try budget(["--config", config.path])
        #expect(stale.status == 3 && stale.stdout.hasPrefix("BUDGET UNKNOWN - recent:"), describe(stale))
        // An unreadable budgets file: UNKNOWN, with the reason.
        try "[[budgets]\nname =".write(to: config, atomically: true, encoding: .utf8)
        let broken = try budget(["--config", config.path])
        #expect(
            broken.status == 3 && broken.stdout.hasPrefix("BUDGET UNKNOWN - ") && broken.stderr.contains("TOML"),
            describe(broken))
        // A database that does not exist: UNKNOWN.
        let nodb = try sandbox.run(arguments: [
            "budget", "--db", sandbox.root.appendingPathComponent("none.sqlite").path, "--monthly", "5",
        ])
        #expect(nodb.status == 3, describe(nodb))
        // Invalid flags: UNKNOWN too, as monitoring plugins do.
        let bad = try budget(["--monthly", "lots"])
        #expect(bad.status == 3 && bad.stdout.hasPrefix("BUDGET UNKNOWN"), describe(bad))

        // Over a rolling 40-day window, Opus 4.6 cost $0.42374 in the fixtures: OK under $100, WARNING over 80% of
        // $0.50, CRITICAL over $0.40. (All usage would warn anyway: it holds an unpriced model.)
        let all = try budget(["--monthly", "100"])
        #expect(all.status == 1 && all.stdout.contains("unpriced"), describe(all))
        for (limit, status, word) in [("100", 0, "OK"), ("0.50", 1, "WARNING"), ("0.40", 2, "CRITICAL")] {
            let budgets =
                "[[budgets]]\nname = \"window\"\nperiod = \"40 days\"\nlimit = \"\(limit)\"\n"
                + "scope = { model = \"claude-opus-4-6\" }\n"
            try budgets.write(to: config, atomically: true, encoding: .utf8)
            let result = try budget(["--config", config.path])
            #expect(
                result.status == Int32(status) && result.stdout.hasPrefix("BUDGET \(word) - window: $0.42"),
                describe(result))
            let json = try budget(["--config", config.path, "--format", "json"])
            let object = try jsonObject(json.stdout)
            #expect(object["status"] as? String == word && int(object["exit_code"]) == status)
        }
        // The report shows the budget status when a budgets file is given or exists.
        let report = try sandbox.run(arguments: ["report", "--db", sandbox.database.path, "--budgets", config.path])
        // (Checked as of now, so its status depends on the day the test runs: only its presence is asserted.)
        #expect(report.stdout.contains("Budgets\nBUDGET ") && report.stdout.contains(" - window: "), describe(report))
        let html = try sandbox.run(arguments: [
            "report", "--db", sandbox.database.path, "--budgets", config.path, "--format", "html",
        ])
        #expect(html.stdout.contains(">Budgets</h2>") && html.stdout.contains("BUDGET "), describe(html))
    }

    @Test func pricingCommands() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.ingest([CLI.fixture("messages").path]).status == 0)
        let db = ["--db", sandbox.database.path]
        let list = try sandbox.run(arguments: ["pricing", "list"] + db)
        #expect(
            list.status == 0 && list.stdout.contains("claude-opus-4-6") && list.stdout.contains("2026-03-13"),
            describe(list))
        let show = try sandbox.run(arguments: ["pricing", "show", "claude-opus-4-6", "--at", "2026-02-01"] + db)
        #expect(show.stdout.contains("prompts over 200,000 tokens") && show.stdout.contains("x1.1"), describe(show))
        let unknown = try sandbox.run(arguments: ["pricing", "show", "claude-nova-7"] + db)
        #expect(unknown.status == 0 && unknown.stdout.contains("usage pricing import"), describe(unknown))

        let imported = try sandbox.run(
            arguments: ["pricing", "import", CLI.fixture("pricing/litellm-prices.json").path, "--from", "2026-11-03"]
                + db)
        #expect(imported.status == 0 && imported.stdout.contains("imported 2 model prices"), describe(imported))
        let reprice = try sandbox.run(arguments: ["reprice"] + db)
        #expect(
            reprice.status == 0 && reprice.stdout.contains("1 newly priced")
                && reprice.stdout.contains("1.647217600 -> 1.768127600"), describe(reprice))
        let report = try sandbox.report()
        #expect(report.stdout.contains("\"cost_usd\": 1.768127600"), describe(report))
        let export = try sandbox.run(arguments: ["pricing", "export"] + db)
        #expect(
            export.stdout.contains("\"id\": \"claude-nova-7\"") && export.stdout.contains("\"from\": \"2026-11-03"),
            describe(export))

        let estimate = try sandbox.run(
            arguments: [
                "estimate", "--model", "claude-opus-4-6", "--input", "1000", "--output", "500", "--batch", "--geo",
                "us",
                "--web-searches", "1", "--at", "2026-11-22",
            ] + db)
        #expect(estimate.status == 0 && estimate.stdout.contains("0.019625000"), describe(estimate))
        let compare = try sandbox.run(arguments: ["compare", "--to", "claude-haiku-4-5,claude-sonnet-4-6"] + db)
        #expect(
            compare.status == 0 && compare.stdout.contains("claude-haiku-4-5") && compare.stdout.contains("(actual)"),
            describe(compare))

        let admin = try Sandbox()
        #expect(try admin.ingest([CLI.fixture("admin").path]).status == 0)
        let reconcile = try admin.run(arguments: ["reconcile", "--db", admin.database.path])
        #expect(
            reconcile.status == 0 && reconcile.stdout.contains("under the 1% target")
                && reconcile.stdout.contains("output_tokens"), describe(reconcile))
    }

    @Test func liteLLMImportReportsPerModelAndADryRunStoresNothing() throws {
        let sandbox = try Sandbox()
        let file = CLI.fixture("pricing/litellm-claude-1.110.2.json").path
        let db = ["--db", sandbox.database.path]
        // A dry run without a database creates none.
        let dry = try sandbox.run(arguments: ["pricing", "import", file, "--dry-run"] + db)
        #expect(dry.status == 0 && dry.stdout.hasPrefix("would import 13 model prices from "), describe(dry))
        #expect(dry.stderr.contains("Dry run: nothing stored."), describe(dry))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database.path))
        for line in [
            "claude-opus-4-6, from claude-opus-4-6 (anthropic):\n  took:    input $5,",
            "  kept:    its period from 2026-03-13, with the stated rates laid over it; "
                + "long-context tier over 200,000 tokens before 2026-03-13; fast mode input $30, output $150\n",
            "claude-3-7-sonnet, from anthropic.claude-3-7-sonnet-20250219-v1:0 (bedrock_converse):",
            "  skipped: anthropic.claude-3-7-sonnet-20240620-v1:0: dated 20240620, "
                + "no snapshot of claude-3-7-sonnet (known: 20250219)",
            "not read: anthropic.claude-v1, anthropic.claude-v2:1: only platforms price it, "
                + "and the table knows no such model (claude)",
        ] {
            #expect(dry.stdout.contains(line), "\(line)\n\(describe(dry))")
        }
        // A dry run against a database stores nothing in it either.
        #expect(try sandbox.ingest([CLI.fixture("messages").path]).status == 0)
        #expect(try sandbox.run(arguments: ["pricing", "import", file, "--dry-run"] + db).status == 0)
        let before = try sandbox.run(arguments: ["pricing", "list"] + db)
        #expect(before.stdout.hasPrefix("Prices: 2026-11-01, USD"), describe(before))

        let imported = try sandbox.run(arguments: ["pricing", "import", file] + db)
        #expect(imported.status == 0 && imported.stdout.hasPrefix("imported 13 model prices from "), describe(imported))
        #expect(
            imported.stdout
                == dry.stdout.replacingOccurrences(of: "would import", with: "imported").replacingOccurrences(
                    of: " (dry run: nothing stored)", with: ""), describe(imported))
        let after = try sandbox.run(arguments: ["pricing", "list"] + db)
        #expect(after.stdout.hasPrefix("Prices: 2026-11-01 + litellm-claude-1.110.2.json, USD"), describe(after))
        // 225,000 prompt tokens on Opus 4.6 at 2026-12-01: $5 per million, no long-context tier.
        let late = try sandbox.run(
            arguments: ["estimate", "--model", "claude-opus-4-6", "--input", "225000", "--at", "2026-12-01"] + db)
        #expect(
            late.status == 0 && late.stdout.contains("1.125000000") && !late.stdout.contains("long context"),
            describe(late))
        let early = try sandbox.run(
            arguments: ["estimate", "--model", "claude-opus-4-6", "--input", "225000", "--at", "2026-02-01"] + db)
        #expect(early.stdout.contains("2.250000000"), describe(early))
        // Claude 3.7 Sonnet stays at $3 / $15.
        let sonnet = try sandbox.run(
            arguments: ["estimate", "--model", "claude-3-7-sonnet", "--input", "1000000", "--output", "1000000"] + db)
        #expect(sonnet.stdout.contains("18.000000000"), describe(sonnet))
        // No shadow model beside claude-opus-4-0.
        let list = try sandbox.run(arguments: ["pricing", "list", "--format", "json"] + db)
        #expect(
            !list.stdout.contains("\"id\": \"claude-opus-4\"") && !list.stdout.contains("\"id\": \"claude\""),
            describe(list))
    }

    @Test func batchResultsReadBeforeTheirBatchAreRedatedAndRepriced() throws {
        let sandbox = try Sandbox()
        // The pair, with the results file dated 2026-11-20 (after Opus 4.6's long-context tier ended).
        let results = sandbox.url("pair/results/msgbatch_01RedatedLongReview.jsonl")
        let object = sandbox.url("pair/msgbatch_01RedatedLongReview.json")
        try FileManager.default.createDirectory(
            at: results.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: CLI.fixture("batches-redated/results/msgbatch_01RedatedLongReview.jsonl"), to: results)
        try FileManager.default.copyItem(
            at: CLI.fixture("batches-redated/msgbatch_01RedatedLongReview.json"), to: object)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_795_168_800)], ofItemAtPath: results.path)

        let first = try sandbox.ingest([results.path])
        #expect(
            first.stderr.contains("1 new request") && first.stderr.contains("1 dated by file time"), describe(first))
        #expect(try sandbox.report().stdout.contains("\"cost_usd\": 0.564375000"))
        let second = try sandbox.ingest([object.path])
        #expect(
            !second.stderr.contains("dated by file time")
                && second.stderr.contains("1 request re-dated and re-priced by its batch"), describe(second))
        let report = try sandbox.report(["--by", "day"])
        #expect(
            report.stdout.contains("\"cost_usd\": 1.097500000") && report.stdout.contains("\"day\": \"2026-03-10\""),
            describe(report))

        // Both files in one run, the results first: the summary's count is the final one.
        let again = try Sandbox()
        let both = try again.ingest([results.path, object.path])
        #expect(both.stderr.contains("1 new request") && !both.stderr.contains("dated by file time"), describe(both))
        #expect(try again.report().stdout.contains("\"cost_usd\": 1.097500000"))
    }

    @Test func claudeCodeFindsItsDataDirectories() throws {
        let sandbox = try Sandbox()
        let config = sandbox.root.appendingPathComponent("claude-config", isDirectory: true)
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLI.fixture("claude-code"), to: config.appendingPathComponent("projects"))
        let result = try sandbox.run(
            arguments: ["ingest", "--claude-code", "--db", sandbox.database.path],
            environment: ["CLAUDE_CONFIG_DIR": config.path + ", " + sandbox.root.appendingPathComponent("missing").path]
        )
        #expect(result.status == 0, describe(result))
        #expect(result.stderr.contains("6 new requests"), describe(result))
        let report = try sandbox.report()
        #expect(report.stdout.contains("\"cost_usd\": 0.308245500"), describe(report))

        // Without any data directory it says where it looked, and there is nothing to do.
        let empty = try sandbox.run(
            arguments: ["ingest", "--claude-code", "--db", sandbox.database.path],
            environment: ["CLAUDE_CONFIG_DIR": sandbox.root.appendingPathComponent("nowhere").path])
        #expect(empty.status == 0, describe(empty))
        #expect(empty.stderr.contains("no Claude Code data directory found"), describe(empty))
    }

    /// fixtures/claude-code-2x read at once, and file by file in the opposite order, one run each: the same
    /// totals (fixtures/EXPECTED.md), and the parent transcript's copies win either way.
    @Test func claudeCode2xGivesTheSameTotalsInEitherOrder() throws {
        let folder = CLI.fixture("claude-code-2x")
        let once = try Sandbox()
        let all = try once.ingest([folder.path])
        #expect(
            all.status == 0 && all.stderr.contains("6 files, 13 new requests, 4 duplicates, 0 rejected lines"),
            describe(all))

        let byFile = try Sandbox()
        let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".jsonl") || $0.hasSuffix(".json") }.sorted().reversed()
        #expect(files.count == 6)
        for file in files {
            let result = try byFile.ingest([folder.appendingPathComponent(file).path])
            #expect(result.status == 0 && result.stderr.contains("0 rejected lines"), describe(result))
        }

        for options in [["--by", "model"], ["--group-by", "project"], ["--group-by", "day,session"]] {
            let a = try once.report(options + ["--tz", "UTC"])
            let b = try byFile.report(options + ["--tz", "UTC"])
            #expect(a.status == 0 && a.stdout == b.stdout, "\(options)\n\(a.stdout)\n\(b.stdout)")
        }
        let report = try byFile.report()
        for figure in [
            "\"requests\": 11,", "\"aggregated_rows\": 2,", "\"cost_usd\": 0.794236500,",
            "\"logged_cost_usd\": 0.341260000,",
        ] {
            #expect(report.stdout.contains(figure), "\(figure)\n\(report.stdout)")
        }

        for sandbox in [once, byFile] {
            let events = try jsonArray(try sandbox.events(["--model", "claude-sonnet-4-5"]).stdout)
            let t1 = try #require(events.first { $0["request_id"] as? String == "req_011CNaDH6awe8jItD2SwE4nGHj" })
            #expect((t1["source"] as? String)?.hasSuffix("/checkpoints/2e/91d04b7c3a/0/full.jsonl:4") == true, "\(t1)")
        }
    }

    @Test func errorsAndExitStatuses() throws {
        let sandbox = try Sandbox()

        let missingDB = sandbox.url("does-not-exist.sqlite")
        let report = try sandbox.run(arguments: ["report", "--db", missingDB.path])
        #expect(report.status == 2, describe(report))
        #expect(!report.stderr.isEmpty, describe(report))
        #expect(report.stdout.isEmpty, describe(report))
        #expect(!FileManager.default.fileExists(atPath: missingDB.path))

        let missingInput = sandbox.url("missing.jsonl")
        let ingest = try sandbox.ingest([missingInput.path])
        #expect(ingest.status == 1, describe(ingest))
        #expect(ingest.stderr.contains(missingInput.path), describe(ingest))

        let fixturesIngest = try sandbox.ingestFixtures()
        #expect(fixturesIngest.status == 0, describe(fixturesIngest))
        let badSince = try sandbox.report(["--since", "notadate"])
        #expect(badSince.status != 0, describe(badSince))
        #expect(badSince.stderr.contains("--since"), describe(badSince))
        #expect(badSince.stdout.isEmpty, describe(badSince))

        let badZone = try sandbox.run(
            arguments: ["ingest", "--tz", "Mars/Olympus", "x", "--db", sandbox.url("tz.sqlite").path])
        #expect(badZone.status == 64, describe(badZone))
        #expect(badZone.stderr.contains("Mars/Olympus"), describe(badZone))
        #expect(!FileManager.default.fileExists(atPath: sandbox.url("tz.sqlite").path))
    }

    @Test func timeZoneForTimestampsWithoutOne() throws {
        let sandbox = try Sandbox()
        let line = """
            {"timestamp":"2026-11-05T13:00:00","request_id":"req_tz_001","response":{"id":"msg_tz_001",\
            "type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":"end_turn",\
            "stop_sequence":null,"usage":{"input_tokens":100,"cache_creation_input_tokens":0,\
            "cache_read_input_tokens":0,"output_tokens":10}}}
            """
        let file = try sandbox.write("paris.jsonl", line + "\n")

        let ingest = try sandbox.ingest([file.path], extra: ["--tz", "Europe/Paris"])
        #expect(ingest.status == 0, describe(ingest))
        #expect(ingest.stderr.contains("1 new request"), describe(ingest))

        let events = try sandbox.events()
        #expect(events.status == 0, describe(events))
        let array = try jsonArray(events.stdout)
        #expect(array.count == 1)
        let event = try #require(array.first)
        #expect(event["request_id"] as? String == "req_tz_001")
        #expect(event["timestamp"] as? String == "2026-11-05T12:00:00.000Z")
    }

    /// Issue 10, 1.9 and 1.7: `usage events` names the ids that find a row in its log (message id, batch custom_id,
    /// project, git branch), and events and reports show what advisor calls and compactions cost.
    @Test func eventsShowTheirIdsAndIterations() throws {
        let sandbox = try Sandbox()
        let ingest = try sandbox.ingest([
            CLI.fixture("batches").path, CLI.fixture("claude-code").path, CLI.fixture("pricing-rules").path,
        ])
        #expect(ingest.status == 0, describe(ingest))

        let json = try sandbox.events()
        #expect(json.status == 0, describe(json))
        let events = try jsonArray(json.stdout)
        let batch = try #require(events.first { $0["custom_id"] as? String == "doc-0003" })
        #expect(batch["message_id"] as? String == "msg_01f358F0dsKPHug0f1v7DHy8", "\(batch)")
        let claudeCode = try #require(events.first { $0["message_id"] as? String == "msg_01Ske89ivtV4FQkiiYifwb5f" })
        #expect(claudeCode["project"] as? String == "/home/dev/shop" && claudeCode["git_branch"] as? String == "main")
        #expect(isNull(claudeCode["advisor"]) && isNull(claudeCode["compaction"]) && isNull(claudeCode["custom_id"]))

        // fixtures/EXPECTED.md, pricing-rules/iterations.jsonl line 1.
        let iterated = try #require(events.first { $0["message_id"] as? String == "msg_01PrIter01" })
        #expect(iterated["project"] as? String == "iterations")
        let advisor = try #require(iterated["advisor"] as? [String: Any])
        #expect(advisor["model"] as? String == "claude-opus-4-8" && int(advisor["calls"]) == 1)
        #expect(
            int(advisor["input_tokens"]) == 3500 && int(advisor["cache_write_5m_tokens"]) == 20_000
                && int(advisor["output_tokens"]) == 1612)
        let compaction = try #require(iterated["compaction"] as? [String: Any])
        #expect(
            int(compaction["count"]) == 1 && int(compaction["input_tokens"]) == 180_000
                && int(compaction["output_tokens"]) == 3500)
        let text = try #require(rawObject(in: json.stdout, containing: "\"model\": \"claude-opus-4-8\""))
        #expect(text.contains("\"cost_usd\": 0.182800000"), "\(text)")
        #expect(
            json.stdout.contains("\"cost_usd\": 0.592500000") && json.stdout.contains("\"cost_usd\": 0.799915000"),
            describe(json))

        let csv = try sandbox.run(arguments: ["events", "--db", sandbox.database.path, "--format", "csv"])
        #expect(csv.status == 0, describe(csv))
        let rows = csv.stdout.split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(rows.first)
        for column in [
            "message_id", "custom_id", "project", "git_branch", "advisor_model", "advisor_calls", "advisor_cost_usd",
            "compactions", "compaction_input_tokens", "compaction_cost_usd",
        ] {
            #expect(header.contains(column), "\(column) missing from \(header)")
        }
        func value(_ row: [String], _ column: String) -> String { row[header.firstIndex(of: column)!] }
        let csvIterated = try #require(
            rows.first { $0.count == header.count && value($0, "message_id") == "msg_01PrIter01" })
        #expect(
            value(csvIterated, "advisor_model") == "claude-opus-4-8"
                && value(csvIterated, "advisor_cost_usd") == "0.182800000")
        #expect(value(csvIterated, "compactions") == "1" && value(csvIterated, "compaction_cost_usd") == "0.592500000")
        #expect(value(csvIterated, "cost_usd") == "0.799915000")
        let csvBatch = try #require(rows.first { $0.count == header.count && value($0, "custom_id") == "doc-0003" })
        #expect(
            value(csvBatch, "message_id") == "msg_01f358F0dsKPHug0f1v7DHy8" && value(csvBatch, "advisor_calls") == "0")
        let csvClaudeCode = try #require(
            rows.first { $0.count == header.count && value($0, "message_id") == "msg_01Ske89ivtV4FQkiiYifwb5f" })
        #expect(value(csvClaudeCode, "git_branch") == "main" && value(csvClaudeCode, "project") == "/home/dev/shop")

        let table = try sandbox.run(arguments: ["events", "--db", sandbox.database.path])
        #expect(
            table.stdout.contains("Message") && table.stdout.contains("msg_01PrIter01")
                && table.stdout.contains("Custom ID"), describe(table))
        #expect(
            table.stdout.contains("claude-opus-4-8 0.182800000") && table.stdout.contains("Branch"), describe(table))

        // The report: advisor and compaction costs per row and in the totals, the advisor models, and notes.
        let report = try sandbox.report()
        let object = try jsonObject(report.stdout)
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(int(totals["advisor_calls"]) == 3 && int(totals["compactions"]) == 1)
        #expect(int(totals["advisor_prompt_tokens"]) == 41_000 && int(totals["compaction_prompt_tokens"]) == 180_000)
        let totalsText = try #require(rawObject(in: report.stdout, containing: "\"advisor_calls\": 3,"))
        #expect(
            totalsText.contains("\"advisor_cost_usd\": 0.274300000")
                && totalsText.contains("\"compaction_cost_usd\": 0.592500000"), "\(totalsText)")
        let advisors = try #require(object["advisor_models"] as? [[String: Any]])
        #expect(advisors.map { $0["model"] as? String } == ["claude-opus-4-8", "claude-opus-4-7"])
        #expect(advisors.map { int($0["calls"]) } == [1, 2])
        let notes = try #require(object["notes"] as? [String])
        #expect(
            notes.contains { $0.hasPrefix("Advisor calls (usage.iterations): claude-opus-4-8 consulted 1 time") },
            "\(notes)")
        #expect(notes.contains { $0.hasPrefix("Compactions (usage.iterations): 1, 180,000 prompt") }, "\(notes)")
        let tableReport = try sandbox.run(arguments: ["report", "--db", sandbox.database.path])
        #expect(
            tableReport.stdout.contains("Advisor") && tableReport.stdout.contains("Compaction")
                && tableReport.stdout.contains("$0.59"), describe(tableReport))
        let csvReport = try sandbox.run(arguments: ["report", "--db", sandbox.database.path, "--format", "csv"])
        #expect(
            csvReport.stdout.contains("advisor_cost_usd") && csvReport.stdout.contains("0.182800000"),
            describe(csvReport))
        let html = try sandbox.run(arguments: ["report", "--db", sandbox.database.path, "--format", "html"])
        #expect(
            html.stdout.contains("<th scope=\"col\">Advisor</th>")
                && html.stdout.contains("Compactions (usage.iterations)"), describe(html))
    }

    /// Issue 10, 2.1 to 2.3: `pricing show` and `estimate` name the platform and endpoint and what they do.
    @Test func pricingLinesNameThePlatformAndEndpoint() throws {
        let sandbox = try Sandbox()
        let db = ["--db", sandbox.url("none.sqlite").path]
        let bedrock = try sandbox.run(
            arguments: ["pricing", "show", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"] + db)
        #expect(
            bedrock.stdout.contains(
                "platform: Amazon Bedrock, geographic cross-Region inference profile (us.): x1.1 on every token"),
            describe(bedrock))
        let global = try sandbox.run(arguments: ["pricing", "show", "global.anthropic.claude-opus-4-6-v1"] + db)
        #expect(
            global.stdout.contains(
                "platform: Amazon Bedrock, global cross-Region inference profile (global.): the Anthropic API's rates"),
            describe(global))
        let bare = try sandbox.run(arguments: ["pricing", "show", "anthropic.claude-opus-4-6-v1"] + db)
        #expect(bare.stdout.contains("in-Region endpoint (bare anthropic. id): x1.1"), describe(bare))
        let fable = try sandbox.run(arguments: ["pricing", "show", "claude-fable-5"] + db)
        #expect(
            fable.stdout.contains("platform: Anthropic API; US data residency (inference_geo us): x1.1 on every token"),
            describe(fable))
        let opus46 = try sandbox.run(arguments: ["pricing", "show", "claude-opus-4-6", "--at", "2026-02-01"] + db)
        #expect(
            opus46.stdout.contains(
                "fast mode: input $30, output $150; over 200,000 prompt tokens input $60, output $225"),
            describe(opus46))
        let opus47 = try sandbox.run(arguments: ["pricing", "show", "claude-opus-4-7", "--at", "2026-07-01"] + db)
        #expect(opus47.stdout.contains("fast mode: input $30, output $150"), describe(opus47))
        let after = try sandbox.run(arguments: ["pricing", "show", "claude-opus-4-7", "--at", "2026-07-24"] + db)
        #expect(!after.stdout.contains("fast mode"), describe(after))

        // fixtures/EXPECTED.md, pricing-rules/bedrock.jsonl line 3 and fast-mode.jsonl line 1.
        let estimate = try sandbox.run(
            arguments: [
                "estimate", "--model", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "--input", "10000",
                "--cache-read", "20000",
                "--output", "1000", "--at", "2026-11-10",
            ] + db)
        #expect(
            estimate.stdout.contains("on Amazon Bedrock, geographic cross-Region inference profile (eu.)")
                && estimate.stdout.contains("0.056100000"), describe(estimate))
        let fast = try sandbox.run(
            arguments: [
                "estimate", "--model", "claude-opus-4-6", "--speed", "fast", "--input", "150000", "--cache-read",
                "60000", "--output", "2000",
                "--at", "2026-02-20",
            ] + db)
        #expect(fast.stdout.contains("$60/MTok") && fast.stdout.contains("9.810000000"), describe(fast))
    }
}
