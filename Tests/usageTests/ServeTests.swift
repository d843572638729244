import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A `usage serve` started for a test, on a loopback port the system chose.
final class ServerProcess {
    let running: CLI.Running
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init(_ sandbox: Sandbox, _ extra: [String] = []) throws {
        running = try CLI.launch(
            ["serve", "--db", sandbox.database.path, "--listen", "127.0.0.1:0"] + extra, in: sandbox)
        let deadline = Date().addingTimeInterval(60)
        var port: Int?
        while port == nil && Date() < deadline && running.process.isRunning {
            let text = (try? String(contentsOf: running.stderrURL, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!)
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let port else {
            running.process.terminate()
            let result = try running.wait()
            throw CLIError.notJSON("usage serve did not start: \(result.stderr)")
        }
        self.port = port
    }

    /// SIGTERM, then the server's exit.
    func stop() throws -> CLIResult {
        kill(running.process.processIdentifier, SIGTERM)
        return try running.wait()
    }

    deinit {
        if running.process.isRunning { kill(running.process.processIdentifier, SIGKILL) }
    }
}

/// A command run to its end: curl, or a Python client from the test virtual environment.
func runTool(_ path: String, _ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

/// The Python of the test environment `scripts/setup.sh` makes, with the OpenTelemetry SDK and
/// prometheus-client installed.
let testPython = CLI.repositoryRoot.appendingPathComponent(".venv-test/bin/python").path

func python(_ script: String, _ arguments: [String]) throws -> CLIResult {
    let path = CLI.repositoryRoot.appendingPathComponent("Tests/python/\(script)").path
    return try runTool(testPython, [path] + arguments)
}

/// One HTTP exchange with curl: the status and the body.
func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
    let result = try runTool("/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}"] + arguments)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
}

@Suite(.serialized) struct ServeTests {
    static let day = ["--since", "2026-12-01", "--until", "2026-12-02", "--tz", "UTC"]
    /// The events of the fixtures' day, whatever this machine's zone.
    static let around = ["--since", "2026-11-30", "--until", "2026-12-03"]

    /// Yesterday to tomorrow (UTC): the days of what an SDK stamps with the time it sends, as counters are.
    static var aroundNow: [String] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let day = { (offset: Double) in formatter.string(from: Date().addingTimeInterval(offset * 86_400)) }
        return ["--since", day(-1), "--until", day(1), "--tz", "UTC"]
    }

    func totals(_ sandbox: Sandbox, _ extra: [String] = [], period: [String] = day) throws -> [String: Any] {
        let report = try sandbox.report(period + extra)
        #expect(report.status == 0, "\(report.stderr)")
        return try jsonObject(report.stdout)
    }

    @Test func claudeCodeEventsFromTheOpenTelemetrySDKArePricedOnceAndNoContentIsStored() throws {
        let sandbox = try Sandbox()
        let server = try ServerProcess(sandbox)
        // Sent twice: a second exporter run with the same session, prompt and sequence numbers is a retry.
        for _ in 0..<2 {
            let sent = try python("otel_send.py", [server.url, "claude-code-logs"])
            #expect(sent.status == 0, "\(sent.stderr)")
        }
        let stopped = try server.stop()
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let report = try totals(sandbox)
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 2)
        // claude-sonnet-4-5: 1,000 input at $3, 4,000 5-minute writes at $3.75, 20,000 reads at $0.30, 500 output
        // at $15 per million; claude-haiku-4-5: 3,000 input at $1, 200 output at $5.
        #expect(try sandbox.report(Self.day).stdout.contains("\"cost_usd\": 0.035500000"))
        let notes = try #require(report["notes"] as? [String])
        #expect(notes.contains { $0.contains("without a 5-minute/1-hour split") })
        // Prompt text and raw bodies the sender included are in no table.
        for file in try FileManager.default.contentsOfDirectory(atPath: sandbox.root.path)
        where file.hasPrefix("usage.sqlite") {
            let bytes = try Data(contentsOf: sandbox.url(file))
            #expect(bytes.range(of: Data("SDK SECRET".utf8)) == nil, "\(file) holds content")
        }
    }

    @Test func genAISpansAndBothTemporalitiesOfCountersFromTheSDK() throws {
        let sandbox = try Sandbox()
        let server = try ServerProcess(sandbox)
        for mode in ["app-spans", "metrics-delta", "metrics-cumulative"] {
            let sent = try python("otel_send.py", [server.url, mode])
            #expect(sent.status == 0, "\(sent.stderr)")
            #expect(!sent.stdout.contains("false"), "an export failed: \(sent.stdout)")
        }
        #expect(try server.stop().status == 0)
        let events = try jsonArray(try sandbox.events(Self.around).stdout)
        let span = try #require(events.first { $0["workflow"] as? String == "support-bot" })
        // 10,000 input tokens counting 6,000 read and 2,000 written: 2,000 uncached.
        #expect(int(span["input_tokens"]) == 2000)
        #expect(int(span["cache_read_tokens"]) == 6000)
        let bySession = try totals(sandbox, ["--group-by", "session"], period: Self.aroundNow)
        let rows = try #require(bySession["rows"] as? [[String: Any]])
        for session in ["sdk-metrics-delta", "sdk-metrics-cumulative"] {
            let row = try #require(rows.first { ($0["session"] as? String) == session }, "\(session)")
            // Two intervals: 1,000 then 500 input, 2,000 then 1,000 output, 100,000 reads; $0.10 then $0.05.
            #expect(int(row["input_tokens"]) == 1500, "\(session)")
            #expect(int(row["output_tokens"]) == 3000, "\(session)")
            #expect(int(row["cache_read_tokens"]) == 100_000, "\(session)")
            #expect(int(row["requests"]) == 0, "\(session)")
        }
    }

    @Test func curlPayloadsGetTheStatusTheSpecificationSaysAndOnlyGoodOnesAreStored() throws {
        let sandbox = try Sandbox()
        let server = try ServerProcess(sandbox, ["--max-body-mib", "1"])
        let lines = try String(contentsOf: CLI.fixture("otel/claude-code-otel.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let logs = try sandbox.write("logs.json", String(lines[0]))
        let json = ["-H", "Content-Type: application/json"]
        let endpoint = server.url + "/v1/logs"
        var answer = try curl(json + ["--data-binary", "@\(logs.path)", endpoint])
        #expect(answer.status == 200 && answer.body == "{}")
        answer = try curl(json + ["--data-binary", "@\(logs.path)", endpoint])
        #expect(answer.status == 200)
        // Malformed, wrongly typed, of another media type or encoding, too large: refused, nothing stored.
        answer = try curl(json + ["--data", "{\"resourceLogs\": [", endpoint])
        #expect(answer.status == 400 && answer.body.contains("\"message\""))
        answer = try curl(json + ["--data", "{\"resourceLogs\": \"many\"}", endpoint])
        #expect(answer.status == 400)
        answer = try curl(["-H", "Content-Type: application/x-protobuf", "--data", "not protobuf", endpoint])
        #expect(answer.status == 400)
        answer = try curl(["-H", "Content-Type: text/plain", "--data-binary", "@\(logs.path)", endpoint])
        #expect(answer.status == 415)
        answer = try curl(json + ["-H", "Content-Encoding: br", "--data-binary", "@\(logs.path)", endpoint])
        #expect(answer.status == 415)
        let large = try sandbox.write(
            "large.json", "{\"resourceLogs\":[" + String(repeating: " ", count: 2 << 20) + "]}")
        answer = try curl(json + ["--data-binary", "@\(large.path)", endpoint])
        #expect(answer.status == 413)
        // A small gzip body that unzips past the limit.
        _ = try runTool("/usr/bin/gzip", ["-k", large.path])
        answer = try curl(json + ["-H", "Content-Encoding: gzip", "--data-binary", "@\(large.path).gz", endpoint])
        #expect(answer.status == 413)
        // One good event and one without a model: a partial success counts the one rejected.
        let partial = try sandbox.write(
            "partial.json",
            String(lines[0]).replacingOccurrences(
                of: "{\"key\":\"model\",\"value\":{\"stringValue\":\"claude-haiku-4-5\"}},", with: ""))
        answer = try curl(json + ["--data-binary", "@\(partial.path)", endpoint])
        #expect(answer.status == 200)
        let body = try jsonObject(answer.body)
        let success = try #require(body["partialSuccess"] as? [String: Any])
        #expect(success["rejectedLogRecords"] as? String == "1")
        #expect((success["errorMessage"] as? String)?.contains("without a model") == true)
        // Gzip JSON of the same events: already stored.
        _ = try runTool("/usr/bin/gzip", ["-k", logs.path])
        answer = try curl(json + ["-H", "Content-Encoding: gzip", "--data-binary", "@\(logs.path).gz", endpoint])
        #expect(answer.status == 200)
        #expect(try curl([server.url + "/healthz"]).status == 200)
        #expect(try server.stop().status == 0)
        let totals = try #require(try totals(sandbox)["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 3)
    }

    @Test func aTokenFileGuardsEveryEndpointButHealthAndOtherAddressesNeedOne() throws {
        let sandbox = try Sandbox()
        let tokenFile = try sandbox.write("tokens", "# team\nabcdefghijklmnop0123456789\n")
        let server = try ServerProcess(sandbox, ["--token-file", tokenFile.path])
        let lines = try String(contentsOf: CLI.fixture("otel/claude-code-otel.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let logs = try sandbox.write("logs.json", String(lines[0]))
        let post = ["-H", "Content-Type: application/json", "--data-binary", "@\(logs.path)", server.url + "/v1/logs"]
        #expect(try curl(post).status == 401)
        #expect(try curl(["-H", "Authorization: Bearer abcdefghijklmnop012345678X"] + post).status == 401)
        #expect(try curl(["-H", "Authorization: Bearer abcdefghijklmnop0123456789"] + post).status == 200)
        #expect(try curl([server.url + "/metrics"]).status == 401)
        #expect(try curl([server.url + "/"]).status == 401)
        #expect(try curl([server.url + "/healthz"]).status == 200)
        #expect(try server.stop().status == 0)
        // Reachable from the network without a token file: refused before listening.
        let refused = try sandbox.run("serve", "--db", sandbox.database.path, "--listen", "0.0.0.0:0")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--token-file"))
    }

    @Test func metricsAndReportsOverHTTPReadByPrometheusOwnParser() throws {
        let sandbox = try Sandbox()
        // A daily budget of 10 cents, which the event sent below (10.3365 cents) exceeds.
        let budgets = try sandbox.write(
            "budgets.toml", "[[budgets]]\nname = \"daily\"\nperiod = \"day\"\nlimit = \"0.10\"\n")
        let server = try ServerProcess(sandbox, ["--budgets", budgets.path, "--tz", "UTC"])
        // A workflow name built to break the exposition: quotes, a backslash, a newline and an escape.
        let lines = try String(contentsOf: CLI.fixture("otel/claude-code-otel.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        // Sent now, so that the last day's caching has it.
        let now = ISO8601DateFormatter().string(from: Date())
        let hostile = String(lines[0]).replacingOccurrences(
            of: "{\"key\":\"speed\"",
            with: "{\"key\":\"workflow.name\",\"value\":{\"stringValue\":\"a\\\"b\\\\c\\nd\\u001b[2J\"}},"
                + "{\"key\":\"speed\""
        ).replacingOccurrences(of: #"2026-12-01T10:0\d:\d\d.000Z"#, with: now, options: .regularExpression)
        let logs = try sandbox.write("logs.json", hostile)
        #expect(
            try curl([
                "-H", "Content-Type: application/json", "--data-binary", "@\(logs.path)", server.url + "/v1/logs",
            ])
            .status == 200)
        let parsed = try python("prom_parse.py", [server.url + "/metrics"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let samples = try jsonArray(parsed.stdout)
        let cost = samples.filter { $0["name"] as? String == "usage_cost_usd_total" }
        let workflows = Set(cost.compactMap { ($0["labels"] as? [String: String])?["workflow"] })
        #expect(workflows == ["a\"b\\c\nd\u{FFFD}[2J"])
        let total = cost.compactMap { $0["value"] as? Double }.reduce(0, +)
        #expect(abs(total - 0.103365) < 1e-9)
        #expect(samples.contains { $0["family"] as? String == "usage_cache_hit_ratio" })
        let status = samples.first { $0["name"] as? String == "usage_budget_status" }
        #expect((status?["labels"] as? [String: String])?["budget"] == "daily")
        #expect(status?["value"] as? Double == 2)
        let used = samples.first { $0["name"] as? String == "usage_budget_used_ratio" }?["value"] as? Double
        #expect(used.map { abs($0 - 1.03365) < 1e-9 } == true)
        #expect(samples.contains { $0["name"] as? String == "usage_tokens_total" })
        let page = try curl([server.url + "/"])
        #expect(page.status == 200 && page.body.contains("<html"))
        #expect(!page.body.contains("\u{1B}"))
        let api = try curl([server.url + "/api/report?days=2&group-by=workflow"])
        #expect(api.status == 200)
        #expect(int((try jsonObject(api.body)["totals"] as? [String: Any])?["requests"]) == 3)
        #expect(try curl([server.url + "/api/report?group-by=colour"]).status == 400)
        #expect(try server.stop().status == 0)
        // The same metrics written for node_exporter, whole.
        let textfile = sandbox.url("usage.prom")
        let written = try sandbox.run(
            "metrics", "--db", sandbox.database.path, "--textfile", textfile.path, "--budgets", budgets.path, "--tz",
            "UTC")
        #expect(written.status == 0, "\(written.stderr)")
        let fromFile = try python("prom_parse.py", [textfile.path])
        #expect(fromFile.status == 0)
        #expect(try jsonArray(fromFile.stdout).count == samples.count)
    }

    @Test func aFullQueueAsksSendersToRetryLaterAndLosesNothing() throws {
        let sandbox = try Sandbox()
        // A queue of one item: an export that arrives while another waits is told to come back.
        let server = try ServerProcess(sandbox, ["--max-queued", "1"])
        let script = CLI.repositoryRoot.appendingPathComponent("scripts/load-serve.py").path
        let load = try runTool(testPython, [script, server.url, "8", "10", "50", "0"])
        #expect(load.status == 0, "\(load.stderr)")
        let figures = try jsonObject(load.stdout)
        #expect((int(figures["answered_503"]) ?? 0) > 0, "\(figures)")
        #expect(int(figures["events_accepted"]) == 4000)
        #expect(try server.stop().status == 0)
        // The load's events are of 2026-12-01, 12:00 UTC on.
        let totals = try #require(try totals(sandbox)["totals"] as? [String: Any])
        #expect(int(totals["requests"]) == 4000)
    }

    @Test func sigtermWhileSendersAreActiveStoresEverythingAcceptedAndExitsZero() throws {
        let sandbox = try Sandbox()
        let server = try ServerProcess(sandbox)
        let accepted = sandbox.url("accepted.txt")
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: testPython)
        sender.arguments = [
            CLI.repositoryRoot.appendingPathComponent("Tests/python/send_until_stopped.py").path, server.url,
            accepted.path, "4",
        ]
        let out = Pipe()
        sender.standardOutput = out
        try sender.run()
        Thread.sleep(forTimeInterval: 2)
        let stopped = try server.stop()
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let summary = try jsonObject(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        sender.waitUntilExit()
        let sequences = try String(contentsOf: accepted, encoding: .utf8).split(separator: "\n").map { Int($0)! }
        #expect(sequences.count > 10, "\(summary)")
        let events = try jsonArray(try sandbox.events(Self.around).stdout)
        let stored = Set(
            events.compactMap { ($0["request_id"] as? String)?.split(separator: ":").last.flatMap { Int($0) } })
        #expect(Set(sequences).isSubset(of: stored))
        #expect(events.count == stored.count)
    }
}
