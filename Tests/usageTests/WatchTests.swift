import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `usage watch` in a real terminal: tmux runs it in a detached session of its own (a private server socket), the
/// test types keys and reads the screen back with `capture-pane`.
@Suite(.serialized) struct WatchTests {
    /// A tmux server of the sandbox's own, with one window of `width` by `height`.
    final class Terminal {
        let socket: String
        let root: URL

        init(_ sandbox: Sandbox, command: String, width: Int = 90, height: Int = 30) throws {
            socket = sandbox.url("tmux.sock").path
            root = sandbox.root
            let started = try tmux(
                ["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)", "-c", sandbox.root.path, command])
            guard started.status == 0 else { throw CLIError.notJSON("tmux did not start: \(started.stderr)") }
        }

        deinit { _ = try? tmux(["kill-server"]) }

        /// Runs a tmux command, its output to a file. Not with `Process`: the server the first command starts would
        /// inherit the descriptor `Process` watches for its child's exit, and `waitUntilExit` would wait for the
        /// server. `posix_spawn` with every descriptor above the standard three closed, and `waitpid`, do not.
        @discardableResult
        func tmux(_ arguments: [String]) throws -> CLIResult {
            let output = root.appendingPathComponent(".tmux-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: output) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            // A descriptor that is not open is skipped by the child's close.
            for descriptor in 3..<min(Int32(sysconf(Int32(_SC_OPEN_MAX))), 4096) {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
            let argv = ["tmux", "-S", socket, "-f", "/dev/null"] + arguments
            var cArguments = argv.map { strdup($0) } + [nil]
            defer { for argument in cArguments { free(argument) } }
            // A terminal's programs start with no signal blocked or ignored; the test's thread may block some, and
            // a spawned child would keep that.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            var all = sigset_t()
            sigemptyset(&none)
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var pid = pid_t()
            let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, &cArguments, environ)
            guard spawned == 0 else {
                throw CLIError.notJSON("tmux could not start: \(String(cString: strerror(spawned)))")
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            // Exited normally: the exit code; otherwise the signal, as a shell reports it.
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return CLIResult(status: code, stdout: text, stderr: text)
        }

        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "t"]).stdout }

        /// A pane variable, e.g. `alternate_on` or `cursor_flag`.
        func pane(_ name: String) throws -> String {
            try tmux(["display-message", "-p", "-t", "t", "#{\(name)}"]).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)
        }

        /// The screen once `condition` holds; fails the test after `seconds`.
        func screen(within seconds: Double = 30, until condition: (String) -> Bool) throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var text = ""
            while Date() < deadline {
                text = try screen()
                if condition(text) { return text }
                Thread.sleep(forTimeInterval: 0.1)
            }
            Issue.record("the screen never showed what was waited for:\n\(text)")
            return text
        }
    }

    /// One assistant line of a Claude Code transcript, `minutesAgo` before now: Opus 4.6 with 1,000 input and 500
    /// output tokens, $0.0175 ($5 and $25 per million).
    static func transcriptLine(_ n: Int, minutesAgo: Double, session: String = "sess-watch") -> String {
        let time = Date().addingTimeInterval(-minutesAgo * 60)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let object: [String: Any] = [
            "type": "assistant", "sessionId": session, "cwd": "/home/dev/app", "isSidechain": false,
            "timestamp": formatter.string(from: time), "uuid": "u-\(n)", "requestId": "req_watch_\(n)",
            "message": [
                "id": "msg_watch_\(n)", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
                "content": [["type": "text", "text": "ok"]],
                "usage": ["input_tokens": 1000, "output_tokens": 500],
            ],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self) + "\n"
    }

    /// The script tmux runs: the terminal's settings before and after, the monitor's process id (the inner shell
    /// becomes the monitor) and its exit status. Ctrl-C signals the whole foreground group, the script too: it
    /// traps the signal to live on and write what came after (a trapped signal is the default again in the monitor).
    func command(_ sandbox: Sandbox, _ arguments: String) throws -> String {
        let usage = try CLI.executable().path
        try sandbox.write(
            "run.sh",
            """
            trap : INT QUIT
            stty -g > before.txt
            NO_COLOR=1 sh -c 'echo $$ > pid.txt; exec "$0" "$@"' '\(usage)' watch --db '\(sandbox.database.path)' \\
              --tz UTC \(arguments)
            echo "exit=$?" > exit.txt
            stty -g > after.txt
            echo done
            sleep 600

            """)
        return "sh run.sh"
    }

    func exitLine(_ sandbox: Sandbox) throws -> String {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let text = try? String(contentsOf: sandbox.url("after.txt"), encoding: .utf8), !text.isEmpty {
                return try String(contentsOf: sandbox.url("exit.txt"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return "still running"
    }

    func expectRestored(_ sandbox: Sandbox, _ terminal: Terminal) throws {
        let before = try String(contentsOf: sandbox.url("before.txt"), encoding: .utf8)
        let after = try String(contentsOf: sandbox.url("after.txt"), encoding: .utf8)
        #expect(before == after, "the terminal's settings changed")
        // Back on the main screen, the cursor shown, the shell's line after the monitor there.
        _ = try terminal.screen { $0.contains("done") }
        #expect(try terminal.pane("alternate_on") == "0")
        #expect(try terminal.pane("cursor_flag") == "1")
        #expect(!(try terminal.screen()).contains("usage watch"))
    }

    @Test func theScreenUpdatesAsTheTranscriptGrowsFollowsResizesAndQuits() throws {
        let sandbox = try Sandbox()
        let transcript = try sandbox.write(
            "claude/projects/-home-dev-app/s.jsonl", Self.transcriptLine(1, minutesAgo: 30))
        let terminal = try Terminal(sandbox, command: try command(sandbox, "--interval 60 claude"))
        var screen = try terminal.screen { $0.contains("1 request") }
        #expect(screen.contains("Today        $0.0175  1 request"), "\(screen)")
        #expect(try terminal.pane("alternate_on") == "1")
        #expect(screen.contains("sess-watch  /home/dev/app"))

        // Two more requests appended, and r: the refresh it asks for shows them (the next one is a minute away).
        let handle = try FileHandle(forWritingTo: transcript)
        handle.seekToEndOfFile()
        handle.write(Data((Self.transcriptLine(2, minutesAgo: 2) + Self.transcriptLine(3, minutesAgo: 1)).utf8))
        try handle.close()
        try terminal.tmux(["send-keys", "-t", "t", "r"])
        screen = try terminal.screen(within: 20) { $0.contains("3 requests") }
        #expect(screen.contains("Today        $0.0525  3 requests"), "\(screen)")
        #expect(screen.contains("refreshed") && screen.contains("(+2)"))

        // A narrower, shorter pane, drawn again at once (no refresh is due): every row fits, the summary stays, the
        // status row is the last.
        try terminal.tmux(["resize-window", "-t", "t", "-x", "44", "-y", "14"])
        screen = try terminal.screen { text in
            let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
            // tmux keeps the bottom rows of the old frame until the new one comes: wait for the summary too.
            return rows.allSatisfy { $0.count <= 44 } && rows.count >= 14 && rows[13].hasPrefix("every 60 s")
                && text.contains("Today        $0.0525  3 requests")
        }
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.contains("Today        $0.0525  3 requests"), "\(screen)")
        #expect(rows.allSatisfy { $0.count <= 44 }, "\(screen)")
        #expect(!screen.contains("Costliest models"))

        try terminal.tmux(["send-keys", "-t", "t", "q"])
        #expect(try exitLine(sandbox) == "exit=0")
        try expectRestored(sandbox, terminal)
    }

    @Test func ctrlCAndSigtermRestoreTheTerminalToo() throws {
        for (way, status) in [("C-c", "exit=130"), ("C-\\", "exit=131"), ("TERM", "exit=143")] {
            let sandbox = try Sandbox()
            try sandbox.write("logs/s.jsonl", Self.transcriptLine(1, minutesAgo: 5))
            let terminal = try Terminal(sandbox, command: try command(sandbox, "logs"))
            _ = try terminal.screen { $0.contains("1 request") }
            if way == "TERM" {
                let pid = try String(contentsOf: sandbox.url("pid.txt"), encoding: .utf8)
                _ = try runTool("/usr/bin/env", ["kill", "-TERM", pid.trimmingCharacters(in: .whitespacesAndNewlines)])
            } else {
                try terminal.tmux(["send-keys", "-t", "t", way])
            }
            #expect(try exitLine(sandbox) == status, "\(way)")
            try expectRestored(sandbox, terminal)
        }
    }

    @Test func ctrlZGivesTheShellItsTerminalAndFgBringsTheMonitorBack() throws {
        let sandbox = try Sandbox()
        try sandbox.write("logs/s.jsonl", Self.transcriptLine(1, minutesAgo: 5))
        let terminal = try Terminal(sandbox, command: "env -i PATH=/usr/bin:/bin PS1='$ ' bash --norc --noprofile -i")
        let usage = try CLI.executable().path
        _ = try terminal.screen { $0.contains("$") }
        try terminal.tmux([
            "send-keys", "-t", "t",
            "stty -g > before.txt; NO_COLOR=1 '\(usage)' watch --db '\(sandbox.database.path)' logs",
            "Enter",
        ])
        _ = try terminal.screen { $0.contains("1 request") }
        try terminal.tmux(["send-keys", "-t", "t", "C-z"])
        _ = try terminal.screen { $0.contains("Stopped") }
        #expect(try terminal.pane("alternate_on") == "0")
        #expect(try terminal.pane("cursor_flag") == "1")
        try terminal.tmux(["send-keys", "-t", "t", "fg", "Enter"])
        let back = try terminal.screen { $0.contains("1 request") }
        #expect(try terminal.pane("alternate_on") == "1", "\(back)")
        // Keys are read one at a time again: q alone quits.
        try terminal.tmux(["send-keys", "-t", "t", "q"])
        _ = try terminal.screen { !$0.contains("1 request") }
        try terminal.tmux(["send-keys", "-t", "t", "echo status=$?; stty -g > after.txt", "Enter"])
        _ = try terminal.screen { $0.contains("status=0") }
        #expect(try terminal.pane("alternate_on") == "0")
        let before = try String(contentsOf: sandbox.url("before.txt"), encoding: .utf8)
        #expect(try String(contentsOf: sandbox.url("after.txt"), encoding: .utf8) == before)
    }

    @Test func oneScreenWithoutATerminalAndAClearRefusalOtherwise() throws {
        let sandbox = try Sandbox()
        let once = try CLI.run(
            [
                "watch", "--once", "--db", sandbox.database.path, CLI.fixture("claude-code").path, "--at",
                "2026-11-02T11:00:00Z", "--tz", "UTC",
            ], in: sandbox, environment: ["NO_COLOR": "1", "COLUMNS": "80"])
        #expect(once.status == 0, "\(describe(once))")
        let rows = once.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // fixtures/EXPECTED.md: the project's six requests, $0.3082455, by model $0.201667, $0.099864, $0.0067145.
        #expect(rows.contains("Today        $0.3082  6 requests"), "\(once.stdout)")
        #expect(rows.contains("Block        10:00 to 15:00  4h 0m left"))
        #expect(rows.contains { $0.hasPrefix("  claude-opus-4-6 ") && $0.hasSuffix("$0.2017         4") })
        #expect(rows.contains { $0.hasPrefix("  claude-haiku-4-5 ") && $0.hasSuffix("$0.0067         1") })
        #expect(!once.stdout.contains("\u{1B}"))

        let refused = try CLI.run(["watch", "--db", sandbox.database.path, "--no-ingest"], in: sandbox)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("usage watch needs a terminal"), "\(describe(refused))")
        let bad = try CLI.run(["watch", "--db", sandbox.database.path, "--interval", "0"], in: sandbox)
        #expect(bad.status == 64 && bad.stderr.contains("--interval"))
    }
}
