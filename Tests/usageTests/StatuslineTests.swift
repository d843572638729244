import Foundation
import Testing

/// `usage statusline` as Claude Code runs it: status JSON on stdin, one line out, never a failure.
@Suite struct StatuslineTests {
    static let transcript = CLI.fixture("claude-code/-home-dev-shop/8d0c2f4e-1111-4a2b-9c3d-5e6f7a8b9c0d.jsonl")

    static func input(
        session: String = "8d0c2f4e-1111-4a2b-9c3d-5e6f7a8b9c0d", transcript: String? = nil,
        model: String = "Opus"
    ) throws -> String {
        let object: [String: Any] = [
            "hook_event_name": "Status", "session_id": session,
            "transcript_path": transcript ?? Self.transcript.path, "cwd": "/home/dev/shop",
            "model": ["id": "claude-opus-4-6", "display_name": model],
            "workspace": ["current_dir": "/home/dev/shop", "project_dir": "/home/dev/shop"],
            "cost": ["total_cost_usd": 0.31, "total_duration_ms": 45000],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func statusline(
        _ sandbox: Sandbox, _ stdin: String, _ extra: [String] = [], color: Bool = false,
        environment more: [String: String] = [:]
    ) throws -> CLIResult {
        let input = try sandbox.write("status-\(UUID().uuidString).json", stdin)
        var environment = ["NO_COLOR": "1"]
        if color { environment["NO_COLOR"] = "" }
        environment.merge(more) { _, new in new }
        return try CLI.run(
            [
                "statusline", "--db", sandbox.database.path, "--at", "2026-11-02T14:00:00Z", "--tz", "UTC", "--log",
                sandbox.url("statusline.log").path,
            ] + extra, in: sandbox, environment: environment, stdin: input)
    }

    @Test func theLineOfAFixtureSession() throws {
        let sandbox = try Sandbox()
        let result = try statusline(sandbox, try Self.input())
        #expect(result.status == 0)
        // The transcript's five billed requests, $0.301531 (fixtures/EXPECTED.md), all between 10:20 and 10:40 UTC:
        // today's, and the block of 10:00 to 15:00's, one hour left at 14:00. Cache: 93,004 read of 131,388 prompt
        // tokens.
        #expect(result.stdout == "Opus | session $0.3015 | today $0.3015 | block $0.3015 (1h 0m left) | cache 70.8%\n")
        // Run again: nothing new to read, the same line.
        #expect(try statusline(sandbox, try Self.input()).stdout == result.stdout)
        let custom = try statusline(
            sandbox, try Self.input(), ["--format", "{model}: {session} ({cache} cached) {unknown}"])
        #expect(custom.stdout == "Opus: $0.3015 (70.8% cached) {unknown}\n")
    }

    @Test func aNarrowTerminalGetsTheMostImportantPartsThatFit() throws {
        let sandbox = try Sandbox()
        let input = try Self.input()
        // The whole line is 81 columns: the cache rate goes first, then today's cost, then the block.
        #expect(try statusline(sandbox, input, ["--width", "81"]).stdout.hasSuffix("| cache 70.8%\n"))
        #expect(
            try statusline(sandbox, input, ["--width", "80"]).stdout
                == "Opus | session $0.3015 | today $0.3015 | block $0.3015 (1h 0m left)\n")
        #expect(
            try statusline(sandbox, input, ["--width", "66"]).stdout
                == "Opus | session $0.3015 | block $0.3015 (1h 0m left)\n")
        #expect(try statusline(sandbox, input, ["--width", "50"]).stdout == "Opus | session $0.3015\n")
        // Narrower than what must stay: cut, with an ellipsis, in the columns given.
        #expect(try statusline(sandbox, input, ["--width", "12"]).stdout == "Opus | sess…\n")
        let custom = try statusline(sandbox, input, ["--width", "10", "--format", "{model}: {session} ({cache})"])
        #expect(custom.stdout == "Opus: $0.…\n")
        // Without --width, COLUMNS when the shell exports it; colour is kept when nothing is cut.
        let columns = try statusline(sandbox, input, color: true, environment: ["COLUMNS": "50"])
        // Wide characters take two columns; the fallback line keeps to the width too.
        let wide = try statusline(sandbox, try Self.input(model: "Opus 漢字漢字漢字"), ["--width", "12"])
        #expect(wide.stdout == "Opus 漢字漢…\n")
        #expect(try statusline(sandbox, "{}", ["--width", "10"]).stdout == "usage: st…\n")
        #expect(columns.stdout == "\u{1B}[1mOpus\u{1B}[0m | session \u{1B}[36m$0.3015\u{1B}[0m\n")
    }

    @Test func aStatusAtAnEarlierTimeCountsOnlyWhatCameBefore() throws {
        let sandbox = try Sandbox()
        _ = try statusline(sandbox, try Self.input())
        // 10:00 UTC, before the transcript's first request at 10:20: nothing yet, in the session or the day.
        let input = try sandbox.write("status-early.json", try Self.input())
        let early = try CLI.run(
            [
                "statusline", "--db", sandbox.database.path, "--at", "2026-11-02T10:00:00Z", "--tz", "UTC", "--log",
                sandbox.url("statusline.log").path,
            ], in: sandbox, environment: ["NO_COLOR": "1"], stdin: input)
        #expect(early.stdout.hasPrefix("Opus | session $0.0000 | today $0.0000 | block none"), "\(early.stdout)")
    }

    @Test func colourOnlyWithoutNoColorAndTheModelNameEscaped() throws {
        let sandbox = try Sandbox()
        let plain = try statusline(sandbox, try Self.input(model: "Opus\u{1B}[2J"))
        #expect(!plain.stdout.contains("\u{1B}"))
        let coloured = try statusline(sandbox, try Self.input(), color: true)
        #expect(coloured.stdout.contains("\u{1B}[36m$0.3015\u{1B}[0m"))
    }

    @Test func aBudgetNearItsLimitIsShown() throws {
        let sandbox = try Sandbox()
        let budgets = try sandbox.write(
            "budgets.toml", "[[budgets]]\nname = \"daily\"\nperiod = \"day\"\nlimit = \"0.25\"\n")
        let result = try statusline(sandbox, try Self.input(), ["--budgets", budgets.path])
        // $0.301531 of $0.25.
        #expect(result.stdout.hasSuffix(" | budget daily 120.6%\n"), "\(result.stdout)")
    }

    @Test func anyProblemGivesTheFallbackLineExitZeroAndTheReasonInTheLog() throws {
        let sandbox = try Sandbox()
        let log = sandbox.url("statusline.log")
        let malformed = try statusline(sandbox, "not json")
        #expect(malformed.status == 0 && malformed.stdout == "usage: status unavailable\n")
        #expect(malformed.stderr.isEmpty)
        let missing = try statusline(sandbox, try Self.input(transcript: sandbox.url("gone.jsonl").path))
        #expect(missing.status == 0 && missing.stdout == "usage: status unavailable\n")
        // A database that cannot be opened: a folder where the file should be.
        let folder = sandbox.url("folder.sqlite")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let input = try sandbox.write("in.json", try Self.input())
        let unreadable = try CLI.run(
            ["statusline", "--db", folder.path, "--log", log.path], in: sandbox, environment: ["NO_COLOR": "1"],
            stdin: input)
        #expect(unreadable.status == 0 && unreadable.stdout == "usage: status unavailable\n")
        let reasons = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(reasons.count == 3)
        #expect(reasons[0].hasSuffix("standard input is not Claude Code's status JSON"))
        #expect(reasons[1].contains("gone.jsonl"))
    }
}
