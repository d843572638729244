import Foundation
import Testing

/// `usage blocks` on requests placed by hand: a block over midnight and over the night the clocks go back in
/// Paris (2026-10-25, 03:00 CEST to 02:00 CET, at 01:00 UTC), a gap, blocks back to back, and an active block.
@Suite struct BlocksTests {
    /// Each request: 1,000,000 uncached input tokens of claude-haiku-4-5 at $1 per million, $1.00.
    static let times = [
        "2026-10-24T22:10:00Z",  // block A: 22:00 to 03:00 UTC, over midnight and the clock change
        "2026-10-25T01:30:00Z",  // A
        "2026-10-25T05:45:00Z",  // gap 03:00 to 05:00; block B: 05:00 to 10:00
        "2026-10-25T09:59:00Z",  // B
        "2026-10-25T10:00:00Z",  // block C, right after B: 10:00 to 15:00
    ]

    func sandbox() throws -> Sandbox {
        let sandbox = try Sandbox()
        let lines = Self.times.map {
            "{\"timestamp\":\"\($0)\",\"workflow\":\"w\",\"model\":\"claude-haiku-4-5\",\"input_tokens\":1000000,"
                + "\"output_tokens\":0}"
        }
        let file = try sandbox.write("usage.jsonl", lines.joined(separator: "\n") + "\n")
        let ingest = try sandbox.ingest([file.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return sandbox
    }

    @Test func blocksGapsAndTheActiveBlockAtAFixedTime() throws {
        let sandbox = try sandbox()
        let result = try sandbox.run(
            arguments: [
                "blocks", "--db", sandbox.database.path, "--format", "json", "--tz", "Europe/Paris", "--at",
                "2026-10-25T12:00:00Z", "--cost-limit", "2", "--token-limit", "4000000",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(try jsonObject(result.stdout)["entries"] as? [[String: Any]])
        #expect(entries.map { $0["kind"] as? String } == ["block", "gap", "block", "block"])
        #expect(
            entries.map { $0["start"] as? String } == [
                "2026-10-24T22:00:00.000Z", "2026-10-25T03:00:00.000Z", "2026-10-25T05:00:00.000Z",
                "2026-10-25T10:00:00.000Z",
            ])
        #expect(
            entries.map { $0["end"] as? String } == [
                "2026-10-25T03:00:00.000Z", "2026-10-25T05:00:00.000Z", "2026-10-25T10:00:00.000Z",
                "2026-10-25T15:00:00.000Z",
            ])
        // Midnight CEST, in Paris; the block ends at 04:00 CET, four hours of the clock later and five real ones.
        #expect(entries[0]["local_start"] as? String == "2026-10-25 00:00")
        let blocks = entries.filter { $0["kind"] as? String == "block" }
        #expect(blocks.map { int($0["requests"]) } == [2, 2, 1])
        #expect(blocks.map { int($0["tokens"]) } == [2_000_000, 2_000_000, 1_000_000])
        #expect(blocks.map { ($0["active"] as? Bool) } == [false, false, true])
        #expect(blocks.map { ($0["cost_limit_share"] as? NSNumber)?.doubleValue } == [1, 1, 0.5])
        #expect(blocks.map { ($0["token_limit_share"] as? NSNumber)?.doubleValue } == [0.5, 0.5, 0.25])
        #expect(result.stdout.contains("\"cost_usd\": 1.000000000"))
        // The active block: $1.00 in the two hours from its first request to 12:00, $0.50 an hour; carried over
        // the three hours left, $2.50 and 2,500,000 tokens, 125% of the cost limit.
        let active = blocks[2]
        let rate = try #require(active["burn_rate"] as? [String: Any])
        #expect((rate["cost_usd_per_hour"] as? NSNumber)?.doubleValue == 0.5)
        let projection = try #require(active["projection"] as? [String: Any])
        #expect((projection["cost_usd"] as? NSNumber)?.doubleValue == 2.5)
        #expect(int(projection["tokens"]) == 2_500_000)
        #expect(int(projection["minutes_left"]) == 180)
        #expect((projection["cost_limit_share"] as? NSNumber)?.doubleValue == 1.25)
    }

    @Test func theTableShowsLocalTimesGapsAndTheActiveBlock() throws {
        let sandbox = try sandbox()
        let table = try sandbox.run(
            arguments: [
                "blocks", "--db", sandbox.database.path, "--tz", "Europe/Paris", "--at", "2026-10-25T12:00:00Z",
            ])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("2026-10-25 00:00  2026-10-25 04:00         2  2,000,000  $2.00"))
        #expect(table.stdout.contains("2026-10-25 04:00  2026-10-25 06:00"))
        #expect(table.stdout.contains("gap of 2h 0m"))
        #expect(table.stdout.contains("ACTIVE"))
        #expect(
            table.stdout.contains("Active block: 3h 0m left; burn rate $0.5000/h, 8,333 tokens/min; projected $2.50"))
        // Long after the last block, none is active.
        let later = try sandbox.run(
            arguments: ["blocks", "--db", sandbox.database.path, "--format", "csv", "--at", "2026-11-01T00:00:00Z"])
        #expect(later.status == 0)
        #expect(!later.stdout.contains(",true,"))
        #expect(later.stdout.split(whereSeparator: \.isNewline).count == 5)
        let markdown = try sandbox.run(
            arguments: ["blocks", "--db", sandbox.database.path, "--format", "markdown", "--tz", "UTC"])
        #expect(markdown.stdout.contains("| 2026-10-24 22:00 | 2026-10-25 03:00 | 2 | 2,000,000 | $2.00 |"))
    }

    /// A request at half past every hour from 00:30 to 14:30 UTC: blocks back to back from 00:00, so at 14:45 the
    /// block in force began at 10:00, however far back the chain began. The monitor and the status line, which
    /// look at recent hours only, must find the block the whole history makes.
    @Test func theMonitorAndTheStatusLineFindTheBlockTheWholeChainMakes() throws {
        let sandbox = try Sandbox()
        let lines = (0...14).map { hour in
            "{\"timestamp\":\"2026-10-25T\(hour < 10 ? "0" : "")\(hour):30:00Z\",\"session_id\":\"s\","
                + "\"model\":\"claude-haiku-4-5\",\"input_tokens\":1000000,\"output_tokens\":0}"
        }
        let file = try sandbox.write("usage.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(try sandbox.ingest([file.path]).status == 0)
        let at = ["--at", "2026-10-25T14:45:00Z", "--tz", "UTC"]
        let blocks = try sandbox.run(arguments: ["blocks", "--db", sandbox.database.path, "--format", "json"] + at)
        let active = try #require(
            (try jsonObject(blocks.stdout)["entries"] as? [[String: Any]])?.first { $0["active"] as? Bool == true })
        #expect(active["start"] as? String == "2026-10-25T10:00:00.000Z")
        let once = try CLI.run(
            ["watch", "--once", "--no-ingest", "--db", sandbox.database.path] + at, in: sandbox,
            environment: ["NO_COLOR": "1", "COLUMNS": "80"])
        #expect(once.stdout.contains("Block        10:00 to 15:00  15m left"), "\(once.stdout)")
        #expect(once.stdout.contains("$5.00 so far"), "\(once.stdout)")
        let status = try sandbox.write("status.json", "{\"session_id\":\"s\",\"model\":{\"display_name\":\"Haiku\"}}")
        let line = try CLI.run(
            ["statusline", "--db", sandbox.database.path, "--log", sandbox.url("l.log").path] + at, in: sandbox,
            environment: ["NO_COLOR": "1"], stdin: status)
        #expect(line.stdout.contains("block $5.00 (15m left)"), "\(line.stdout)")
    }
}
