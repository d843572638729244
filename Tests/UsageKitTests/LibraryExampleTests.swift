import Foundation
import Testing
import UsageKit

// The README's "Using UsageKit from Swift" shows the code between the two markers below, byte for byte; the test
// checks that it does and runs it. This file imports UsageKit without @testable: public API only.

// README example begins
/// Records each Messages API response as the app receives it, and tells what the responses cost so far.
struct SpendTracker {
    let store: UsageStore

    init(databasePath: String) throws {
        store = try UsageStore.open(path: databasePath)
    }

    /// `body` is the response's JSON as it came over the wire; recording it twice counts it once.
    func record(_ body: Data) throws {
        _ = try store.record(response: body, source: "chat-client")
    }

    /// What the recorded responses cost, per model (days in UTC).
    func spend() throws -> UsageReport {
        try store.report(RequestFilter(), by: [.model], zone: .utc)
    }

    /// The same as `usage report` prints it.
    func table() throws -> String {
        try OutputFormat.table.render(.report(try spend(), budgets: nil))
    }
}
// README example ends

@Suite struct LibraryExampleTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    @Test func theReadmeShowsThisCode() throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let begin = try #require(source.range(of: "// README example begins\n"))
        let end = try #require(source.range(of: "// README example ends\n"))
        let example =
            "```swift\nimport Foundation\nimport UsageKit\n\n" + source[begin.upperBound..<end.lowerBound] + "```\n"
        let readme = try String(contentsOf: Self.readme, encoding: .utf8)
        #expect(
            readme.contains(example), "README's \"Using UsageKit from Swift\" must show the example as this file has it"
        )
    }

    @Test func anAppRecordsWhatItReceivesAndReadsItsSpend() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("usage-example-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tracker = try SpendTracker(databasePath: folder.appendingPathComponent("usage.sqlite").path)
        let body = Data(
            """
            {"id": "msg_01ExampleRecordedInMemory", "type": "message", "role": "assistant",
             "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "Hi"}],
             "stop_reason": "end_turn", "stop_sequence": null,
             "usage": {"input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 1000,
                       "cache_read_input_tokens": 8000}}
            """.utf8)
        try tracker.record(body)
        try tracker.record(body)
        let spend = try tracker.spend()
        // Sonnet 4.5: 2,095 x $3 + 1,000 x $3.75 (5-minute write) + 8,000 x $0.30 + 503 x $15, per million tokens.
        #expect(spend.totals.requests == 1)
        #expect(spend.totals.cost == USD(nanos: 6_285_000 + 3_750_000 + 2_400_000 + 7_545_000))
        #expect(spend.rows.map(\.keys) == [["claude-sonnet-4-5"]])
        let table = try tracker.table()
        #expect(table.hasPrefix("Usage ") && table.contains("claude-sonnet-4-5") && table.contains("$0.02"))
    }
}
