import Foundation
import Testing

@testable import UsageKit

/// What content detection must never do: drop a file's good records because of one damaged line or one key.
@Suite struct DetectionTrialTests {
    static let good = #"{"id":"msg_G%d","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#

    @Test(arguments: [#"{"id":"msg_x1","model":"claude-haiku-4-5","usage":{"input_tok"#, "[{\"broken", "{"])
    func aDamagedFirstLineIsOneRejectedLine(first: String) throws {
        // Fewer than half of the head's lines whole: the file once read as one (broken) document, and its good lines
        // were lost until it changed.
        let lines = [first, String(format: Self.good, 1), "{\"also broken", String(format: Self.good, 2), "[1,]"]
        let scratch = try ScratchDirectory()
        let path = try scratch.write("damaged.jsonl", lines.joined(separator: "\n") + "\n")
        let sink = try parse(path)
        #expect(sink.records.compactMap(\.messageID) == ["msg_G1", "msg_G2"])
        #expect(sink.records.map(\.line) == [2, 4])
        #expect(sink.rejects.map(\.line) == [1, 3, 5])
    }

    @Test func aPriceKeyInsideARecordDoesNotMakeALogAPriceList() throws {
        let scratch = try ScratchDirectory()
        let record =
            #"{"id":"msg_p1","model":"claude-haiku-4-5","content":[{"type":"tool_use","name":"edit","#
            + #""input":{"models":{"x":{"input_cost_per_token":1e-6}},"unit":"USD","currency":"USD"}}],"#
            + #""usage":{"input_tokens":10,"output_tokens":5}}"#
        let lines = try scratch.write("logs/agent.jsonl", record + "\n")
        let pretty = try scratch.write(
            "logs/pretty.json",
            "{\n  \"id\": \"msg_p2\", \"model\": \"claude-haiku-4-5\",\n"
                + "  \"input\": {\"a\": {\"input_cost_per_token\": 1}},\n"
                + "  \"usage\": {\"input_tokens\": 1, \"output_tokens\": 1}\n}\n"
        )
        #expect(!FormatDetector.isPriceList(head: Array(try String(contentsOfFile: lines, encoding: .utf8).utf8)))
        #expect(!FormatDetector.isPriceList(head: Array(try String(contentsOfFile: pretty, encoding: .utf8).utf8)))
        #expect(try parse(lines).records.count == 1)
        #expect(try parse(pretty).records.count == 1)

        // Walking the folder reads both; the real price lists are still told apart and passed over.
        let database = try AppDatabase.inMemory()
        let summary = try Ingestor(database: database, options: IngestOptions()) { _ in }
            .ingest(paths: [scratch.url.appendingPathComponent("logs").path, fixture("pricing")])
        #expect(summary.newRequests == 2)
        #expect(summary.skippedFiles == 2)
    }

    @Test func priceListsAreStillToldApart() throws {
        for name in ["pricing/litellm-prices.json", "pricing/litellm-claude-1.110.2.json"] {
            let head = try FormatDetector.readHead(path: fixture(name), length: FormatDetector.headLength)
            #expect(FormatDetector.isPriceList(head: head), "\(name)")
        }
        let export = PriceTable.builtIn.exportJSON()
        #expect(FormatDetector.isPriceList(head: Array(export.utf8.prefix(FormatDetector.headLength))))
    }
}

/// Line numbers of a file that grows between runs.
@Suite struct GrowingFileTests {
    @Test func aLastLineReadBeforeItsNewlineKeepsLaterLinesInPlace() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("grow.jsonl", "")
        let database = try AppDatabase.inMemory()
        func append(_ text: String) throws {
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }
        func ingest() throws -> [String] {
            let messages = Messages()
            _ = try Ingestor(database: database, options: IngestOptions()) { messages.append($0) }.ingest(paths: [path])
            return messages.all
        }
        // The input count tells the lines apart.
        func line(_ n: Int) -> String {
            #"{"id":"msg_N\#(n)","model":"claude-haiku-4-5","usage":{"input_tokens":\#(n),"output_tokens":5}}"#
        }
        // Each run sees a complete last line whose newline has not come yet; the trial that found the drift had
        // every later request one line further off per occurrence.
        try append(line(1) + "\n" + line(2))
        _ = try ingest()
        try append("\n" + line(3))
        _ = try ingest()
        try append("\n" + line(4) + "\n{\"broken\n")
        let diagnostics = try ingest()
        try append(line(5) + line(6) + "\n")
        _ = try ingest()
        let events = try database.read { db in try SQLiteStorage(db).events(RequestFilter(), limit: nil) }
        let lines = Dictionary(
            uniqueKeysWithValues: events.map {
                ($0.tokens.input, $0.source.split(separator: ":").last.map(String.init) ?? "")
            })
        #expect(lines == [1: "1", 2: "2", 3: "3", 4: "4", 5: "6", 6: "6"])
        #expect(
            diagnostics.contains { $0.hasSuffix("grow.jsonl:5: invalid JSON at column 9: unexpected end of JSON") },
            "\(diagnostics)")
    }
}

/// A writer that died mid-line leaves a last line that never becomes valid JSON.
@Suite struct SettledFileTests {
    func ingest(_ path: String, into database: AppDatabase) throws -> (IngestSummary, [String]) {
        let messages = Messages()
        let summary = try Ingestor(database: database, options: IngestOptions()) { messages.append($0) }.ingest(paths: [
            path
        ])
        return (summary, messages.all)
    }

    func age(_ path: String, days: Double) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-days * 86_400)], ofItemAtPath: path)
    }

    @Test(arguments: [
        #"{"id":"msg_cut","model":"claude-haiku-4-5","usage":{"input_tok"#, "{\n  \"id\": \"msg_cut\",\n  \"usage\": {",
    ])
    func anUnfinishedEndIsReportedOnceTheFileHasSettled(end: String) throws {
        let scratch = try ScratchDirectory()
        let good = #"{"id":"msg_ok","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#
        let path = try scratch.write("died.jsonl", good + "\n" + end)
        let database = try AppDatabase.inMemory()

        // Fresh: the end may still be being written, and is left for the next run.
        var (summary, diagnostics) = try ingest(path, into: database)
        #expect(summary.newRequests == 1 && summary.rejectedLines == 0, "\(diagnostics)")

        // Unchanged for two days: the writer is gone; the end is rejected, once.
        try age(path, days: 2)
        (summary, diagnostics) = try ingest(path, into: database)
        #expect(summary.rejectedLines == 1, "\(diagnostics)")
        #expect(diagnostics.contains { $0.contains("died.jsonl:2:") }, "\(diagnostics)")
        (summary, diagnostics) = try ingest(path, into: database)
        #expect(summary.rejectedLines == 0 && summary.unchangedFiles == 1, "\(diagnostics)")
    }
}
