import CustomDump
import Foundation
import Testing

/// Everything a user sees, pinned byte for byte: each command and format on the bundled fixtures, the
/// diagnostics, every `--help` and the completion scripts. The files in Golden/ are the contract that lets the
/// code behind them be rearranged; they change only with a deliberate change of behaviour, named in its commit.
/// `UPDATE_GOLDEN=1 swift test --filter GoldenOutput` writes them anew.
@Suite struct GoldenOutputTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden", isDirectory: true)

    /// The fixtures ingested once for the whole suite.
    static let world = Result { try GoldenWorld() }

    /// Subcommands whose `--help` is pinned, as typed after `usage`.
    static let helpPages: [[String]] = [
        [], ["ingest"], ["report"], ["events"], ["cache-stats"], ["sessions"], ["budget"], ["pricing"],
        ["pricing", "list"], ["pricing", "show"], ["pricing", "import"], ["pricing", "export"], ["reprice"],
        ["estimate"], ["compare"], ["reconcile"], ["sources"], ["blocks"], ["statusline"], ["watch"], ["serve"],
        ["metrics"],
    ]

    /// Commands over the fixture database, by golden file name. `{db}` is the database, `{fixtures}` the
    /// fixtures folder, `{sandbox}` the folder both are in.
    static let readCases: [GoldenCase] = [
        .init("report-table", "report --db {db} --tz UTC"),
        .init("report-json", "report --db {db} --tz UTC --format json"),
        .init("report-csv", "report --db {db} --tz UTC --format csv"),
        .init("report-markdown", "report --db {db} --tz UTC --format markdown"),
        .init("report-html", "report --db {db} --tz UTC --format html"),
        .init("report-by-day", "report --db {db} --tz UTC --by day"),
        .init("report-day-model-csv", "report --db {db} --tz UTC --group-by day,model --format csv"),
        .init("report-week-json", "report --db {db} --tz UTC --group-by week --format json"),
        .init("report-month-paris", "report --db {db} --tz Europe/Paris --group-by month,model"),
        .init("report-session", "report --db {db} --tz UTC --group-by session"),
        .init("report-workflow-markdown", "report --db {db} --tz UTC --group-by workflow --format markdown"),
        .init("report-project-json", "report --db {db} --tz UTC --group-by project --format json"),
        .init("report-service-tier", "report --db {db} --tz UTC --group-by service-tier"),
        .init("report-source-csv", "report --db {db} --tz UTC --group-by source --format csv"),
        .init("report-day-paris-mid-hour", "report --db {db} --tz Europe/Paris --by day --since 2026-11-01T00:30:00Z"),
        .init(
            "report-scoped",
            "report --db {db} --tz UTC --model claude-sonnet-4-5 --model opus-4-6 --since 2026-03-01 --until 2026-11-30"
        ),
        .init("report-workflow-scope", "report --db {db} --tz UTC --workflow code-review --group-by day"),
        .init("report-output-file", "report --db {db} --tz UTC --format csv --output {sandbox}/out/report.csv"),
        .init("report-empty-period", "report --db {db} --tz UTC --since 2020-01-01 --until 2020-01-31"),
        .init("events-table", "events --db {db}"),
        .init("events-json", "events --db {db} --format json"),
        .init("events-csv", "events --db {db} --format csv"),
        .init("events-limited", "events --db {db} --limit 5 --model claude-opus-4-6"),
        .init("sources-table", "sources --db {db}"),
        .init("sources-json", "sources --db {db} --format json"),
        .init("sources-csv", "sources --db {db} --format csv"),
        .init("cache-stats-table", "cache-stats --db {db} --since 2026-01-01 --until 2026-11-30"),
        .init("cache-stats-json", "cache-stats --db {db} --format json --since 2026-01-01 --until 2026-11-30"),
        .init("cache-stats-csv", "cache-stats --db {db} --format csv --since 2026-01-01 --until 2026-11-30"),
        .init("cache-stats-scoped", "cache-stats --db {db} --top 2 --since 2026-11-01 --until 2026-11-30"),
        .init("sessions-table", "sessions --db {db} --since 2026-01-01 --until 2026-11-30"),
        .init("sessions-json", "sessions --db {db} --format json --limit 3 --since 2026-01-01 --until 2026-11-30"),
        .init("sessions-csv", "sessions --db {db} --format csv --since 2026-01-01 --until 2026-11-30"),
        .init("budget-critical", "budget --db {db} --daily 1 --monthly 40 --at 2026-11-10T18:00:00Z --tz UTC"),
        .init("budget-json", "budget --db {db} --weekly 500 --at 2026-11-10T18:00:00Z --tz UTC --format json"),
        .init("budget-file", "budget --db {db} --config {sandbox}/budgets.toml --at 2026-11-10T18:00:00Z"),
        .init(
            "budget-file-misspelt",
            "budget --db {db} --config {sandbox}/budgets-misspelt.toml --at 2026-11-10T18:00:00Z"),
        .init("budget-unknown", "budget --db {db} --daily 5 --at 2026-12-25T12:00:00Z --tz UTC"),
        .init("budget-none", "budget --db {db} --config {sandbox}/missing.toml"),
        .init("budget-bad-limit", "budget --db {db} --daily lots --at 2026-11-10T18:00:00Z --tz UTC"),
        .init("budget-bad-warn-at", "budget --db {db} --daily 5 --warn-at 0 --tz UTC"),
        .init("budget-bad-time-zone", "budget --db {db} --daily 5 --tz Mars/Olympus"),
        .init("estimate-plain", "estimate --model claude-sonnet-4-5 --input 12000 --output 800 --at 2026-11-01"),
        .init(
            "estimate-modifiers",
            "estimate --model claude-opus-4-6 --input 250000 --output 4000 --cache-read 10000 --cache-write-5m 2000 "
                + "--cache-write-1h 1000 --batch --geo us --web-searches 3 --image 1920x1080 --at 2026-11-01"),
        .init(
            "estimate-fast",
            "estimate --model claude-opus-4-6 --input 1000 --output 1000 --speed fast --at 2026-03-01"),
        .init(
            "estimate-bedrock",
            "estimate --model us.anthropic.claude-sonnet-4-5-20250929-v1:0 --input 5000 --output 100 --at 2026-11-01"),
        .init("estimate-unknown", "estimate --model claude-nova-7 --input 1"),
        .init("compare-table", "compare --db {db} --to claude-haiku-4-5,claude-opus-4-6"),
        .init("compare-json", "compare --db {db} --to claude-haiku-4-5,claude-opus-4-6 --format json"),
        .init("compare-csv", "compare --db {db} --to claude-haiku-4-5 --format csv"),
        .init("reconcile-table", "reconcile --db {db}"),
        .init("reconcile-json", "reconcile --db {db} --format json"),
        .init("reconcile-csv", "reconcile --db {db} --format csv"),
        .init("pricing-list", "pricing list --db {db}"),
        .init("pricing-list-json", "pricing list --db {db} --format json"),
        .init("pricing-list-csv", "pricing list --db {db} --format csv"),
        .init("pricing-show-opus", "pricing show claude-opus-4-6 --at 2026-03-01"),
        .init("pricing-show-bedrock", "pricing show eu.anthropic.claude-haiku-4-5-20251001-v1:0 --at 2026-11-01"),
        .init("pricing-show-vertex", "pricing show claude-sonnet-4-5@20250929 --at 2026-11-01"),
        .init("pricing-show-unknown", "pricing show claude-nova-7 --at 2026-11-01"),
        .init("pricing-export", "pricing export --db {db}"),
        .init(
            "pricing-import-dry-run",
            "pricing import {fixtures}/pricing/litellm-prices.json --from 2026-11-01 --dry-run --db {db}"),
        .init("error-no-database", "report --db {sandbox}/nowhere.sqlite"),
        .init("error-group-by", "report --db {db} --group-by colour"),
        .init("error-limit", "events --db {db} --limit 0"),
        .init("error-time-zone", "report --db {db} --tz Mars/Olympus"),
        .init("error-pricing-file", "pricing import {sandbox}/missing.json --db {db} --dry-run"),
    ]

    /// Runs of commands that change a database, each on its own copy of the fixture database.
    static let writeCases: [GoldenCase] = [
        .init(
            "import-reprice",
            "pricing import {fixtures}/pricing/litellm-prices.json --from 2026-11-01 --db {db}",
            "reprice --db {db}",
            "report --db {db} --tz UTC"),
        .init(
            "ingest-again",
            "ingest {fixtures} --db {db} --no-progress",
            "ingest {fixtures}/telemetry/usage-telemetry.jsonl --format messages "
                + "--db {sandbox}/forced.sqlite --no-progress"
        ),
    ]

    @Test("the first ingest of the fixtures") func firstIngest() throws {
        let world = try Self.world.get()
        try expectGolden(world.ingestTranscript, "ingest-fixtures")
    }

    @Test("a command's output", arguments: readCases) func readCommand(_ golden: GoldenCase) throws {
        let world = try Self.world.get()
        try expectGolden(try world.transcript(golden.commands, database: world.database), golden.name)
    }

    @Test("a command that changes the database", arguments: writeCases) func writeCommand(_ golden: GoldenCase) throws {
        let world = try Self.world.get()
        let copy = try world.copyOfDatabase(golden.name)
        try expectGolden(try world.transcript(golden.commands, database: copy), golden.name)
    }

    @Test("a help page", arguments: helpPages) func help(_ command: [String]) throws {
        let world = try Self.world.get()
        let name = "help-" + (command.isEmpty ? "usage" : command.joined(separator: "-"))
        try expectGolden(try world.transcript([command + ["--help"]], database: world.database), name)
    }

    @Test("a completion script", arguments: ["bash", "zsh", "fish"]) func completion(_ shell: String) throws {
        let world = try Self.world.get()
        let text = try world.transcript([["--generate-completion-script", shell]], database: world.database)
        try expectGolden(text, "completion-\(shell)")
    }

    /// Compares with the golden file, printing a line diff on a mismatch.
    func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Self.goldenDirectory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let difference = diff(expected, text) ?? "(no line differs: whitespace at the ends)"
            Issue.record(
                Comment(
                    rawValue:
                        "\(name).txt differs from its golden file (− golden, + now); if the change is intended, run "
                        + "UPDATE_GOLDEN=1 swift test --filter GoldenOutput\n\(difference)"),
                sourceLocation: sourceLocation)
        }
    }
}

/// One golden file: the commands run in order, each written to the file with its streams and exit status.
struct GoldenCase: CustomTestStringConvertible, Sendable {
    let name: String
    let commands: [[String]]

    init(_ name: String, _ commands: String...) {
        self.name = name
        self.commands = commands.map { $0.split(separator: " ").map(String.init) }
    }

    var testDescription: String { name }
}

/// The fixtures ingested once: the output of that ingest, and the runner for every other command.
struct GoldenWorld: Sendable {
    let runner: GoldenRunner
    let ingestTranscript: String

    var database: URL { runner.database }

    init() throws {
        runner = try GoldenRunner()
        ingestTranscript = try runner.transcript(
            [["ingest", "{fixtures}", "--db", "{db}", "--no-progress"]], database: runner.database)
    }

    func transcript(_ commands: [[String]], database: URL) throws -> String {
        try runner.transcript(commands, database: database)
    }

    /// A copy of the fixture database for a command that changes it.
    func copyOfDatabase(_ name: String) throws -> URL {
        let copy = runner.root.appendingPathComponent("\(name).sqlite")
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database.path + suffix) {
            try? FileManager.default.removeItem(atPath: copy.path + suffix)
            try FileManager.default.copyItem(atPath: database.path + suffix, toPath: copy.path + suffix)
        }
        return copy
    }
}

/// The fixtures copied with fixed modification times under a path of fixed length, and a way to run the
/// executable there with a fixed environment.
final class GoldenRunner: Sendable {
    /// The files' modification time (streams are dated by it): 2026-11-07T12:00:00Z.
    static let fixedDate = Date(timeIntervalSince1970: 1_794_052_800)
    /// The sandbox's path as the golden files spell it; the real one has the same length, so tables align alike.
    static let placeholder = "/tmp/usage-golden-00000000"

    let root: URL
    let database: URL
    /// The days of the run: the ledger's "last ingest" times and the HTML page's stamp fall on them.
    let runDays: [String]

    init() throws {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        root = URL(fileURLWithPath: "/tmp/usage-golden-" + String(repeating: "0", count: 8 - suffix.count) + suffix)
        database = root.appendingPathComponent("usage.sqlite")
        let now = Date()
        runDays = [now, now.addingTimeInterval(86_400)].map {
            String(ISO8601DateFormatter().string(from: $0).prefix(10))
        }
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // The suite's world lives until the process ends, when no deinit runs.
        atexit {
            if case .success(let world) = GoldenOutputTests.world {
                try? FileManager.default.removeItem(at: world.runner.root)
            }
        }
        let fixtures = root.appendingPathComponent("fixtures")
        try FileManager.default.copyItem(at: CLI.fixtures, to: fixtures)
        for case let file as String in FileManager.default.enumerator(atPath: fixtures.path)! {
            try FileManager.default.setAttributes(
                [.modificationDate: Self.fixedDate], ofItemAtPath: fixtures.appendingPathComponent(file).path)
        }
        let budgets = """
            time_zone = "Europe/Paris"

            [[budgets]]
            name = "team"
            period = "month"
            limit = 45
            warn_at = 75

            [[budgets]]
            name = "daily-guard"
            period = "day"
            limit = 0.5

            """
        try Data(budgets.utf8).write(to: root.appendingPathComponent("budgets.toml"))
        let misspelt = budgets.replacingOccurrences(of: "limit = 45", with: "limit_usd = 45")
        try Data(misspelt.utf8).write(to: root.appendingPathComponent("budgets-misspelt.toml"))
    }

    /// Runs the commands and writes down, for each, what was typed, its exit status and both streams.
    func transcript(_ commands: [[String]], database: URL) throws -> String {
        var text = ""
        for command in commands {
            let arguments = command.map {
                $0.replacingOccurrences(of: "{db}", with: database.path)
                    .replacingOccurrences(of: "{fixtures}", with: root.appendingPathComponent("fixtures").path)
                    .replacingOccurrences(of: "{sandbox}", with: root.path)
            }
            let result = try run(arguments)
            text += "$ usage \(normalized(arguments.joined(separator: " ")))\n"
            text += "exit status: \(result.status)\n"
            text += "--- stdout\n" + ended(normalized(result.stdout))
            text += "--- stderr\n" + ended(normalized(result.stderr))
            if arguments.first == "report",
                let written = arguments.firstIndex(of: "--output").map({ arguments[$0 + 1] })
            {
                text +=
                    "--- \(normalized(written))\n"
                    + ended(normalized(try String(contentsOfFile: written, encoding: .utf8)))
            }
            text += "\n"
        }
        return text
    }

    /// The text with a last newline, or a mark that it had none.
    private func ended(_ text: String) -> String {
        text.isEmpty || text.hasSuffix("\n") ? text : text + "\n(no newline at the end)\n"
    }

    private func run(_ arguments: [String]) throws -> CLIResult {
        let process = Process()
        process.executableURL = try CLI.executable()
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = [
            "PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8", "COLUMNS": "100", "NO_COLOR": "1",
            "HOME": root.appendingPathComponent("home").path,
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "XDG_DATA_HOME": root.appendingPathComponent("data").path,
        ]
        let token = UUID().uuidString
        let out = root.appendingPathComponent(".stdout-\(token)")
        let err = root.appendingPathComponent(".stderr-\(token)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let stdout = try FileHandle(forWritingTo: out)
        let stderr = try FileHandle(forWritingTo: err)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try stdout.close()
        try stderr.close()
        return CLIResult(
            status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// The sandbox's path spelled as the placeholder, and times on the days of the run (the ledger's "last
    /// ingest", the HTML page's stamp) as 2000-01-01 00:00:00.000, cut to the same length.
    func normalized(_ text: String) -> String {
        var text = text.replacingOccurrences(of: root.path, with: Self.placeholder)
        for day in runDays {
            let pattern = try! NSRegularExpression(pattern: day + "[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{3})?)?")
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
                let range = Range(match.range, in: text)!
                let fixed = zip(text[range], "2000-01-01 00:00:00.000").map { original, digit in
                    original.isNumber ? digit : original
                }
                text.replaceSubrange(range, with: String(fixed))
            }
        }
        return text
    }
}
