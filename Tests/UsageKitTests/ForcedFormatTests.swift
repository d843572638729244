import Foundation
import GRDB
import Testing

@testable import UsageKit

/// `--format` reads every record as the forced format: a record of another shape that carries usage is rejected
/// with its shape named, one that carries none stays "without usage".
@Suite struct ForcedFormatTests {
    func ingest(_ path: String, into database: AppDatabase, format: SourceFormat? = nil) throws -> IngestSummary {
        try Ingestor(database: database) { _ in }.ingest(sources: [IngestSource(path: path, format: format)])
    }

    func stored(_ database: AppDatabase, _ condition: String = "1") throws -> (count: Int, cost: USD) {
        try database.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), COALESCE(SUM(cost_nanos), 0) FROM requests WHERE \(condition)")!
            return (row[0], USD(nanos: row[1]))
        }
    }

    /// fixtures/sdk/mixed-envelopes.jsonl (a headline-fields line, `response` envelopes, a flat telemetry record,
    /// an enveloped stream, two responses on one line), then a `message` envelope and a `body` string envelope.
    func mixedFile(_ scratch: ScratchDirectory) throws -> String {
        let sdk = try String(contentsOfFile: fixture("sdk/mixed-envelopes.jsonl"), encoding: .utf8)
        let message =
            #"{"ts":"2026-11-09T11:00:00Z","request_id":"req_M","message":{"id":"msg_M","model":"claude-haiku-4-5","#
            + #""usage":{"input_tokens":1000,"output_tokens":100}}}"#
        let body =
            #"{"ts":"2026-11-09T11:01:00Z","request_id":"req_B","body":"{\"id\":\"msg_B\","#
            + #"\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":2000,\"output_tokens\":200}}"}"#
        return try scratch.write("mixed.jsonl", sdk + message + "\n" + body + "\n")
    }

    @Test func forcedTelemetryRejectsEveryOtherShapeThatCarriesUsage() throws {
        let scratch = try ScratchDirectory()
        let sink = try parse(try mixedFile(scratch), format: .telemetry)
        // Only the flat record of line 4 is telemetry; the headline-fields line holds a response.
        #expect(sink.records.map(\.line) == [4])
        #expect(sink.records.first?.tokens == TokenCounts(input: 800, cacheRead: 2000, output: 50))
        let response = "a Messages response, not a telemetry record (--format telemetry)"
        #expect(sink.rejects.map(\.line) == [1, 2, 3, 5, 9, 11, 11, 12, 13])
        #expect(sink.rejects.first?.reason == response)
        #expect(sink.rejects.filter { $0.reason == response }.map(\.line) == [1, 2, 3, 11, 11, 12, 13])
        #expect(
            sink.rejects.dropFirst(3).first?.reason
                == "a streaming event (message_start), not a telemetry record (--format telemetry)")
        #expect(
            sink.rejects.dropFirst(4).first?.reason
                == "a streaming event (message_delta), not a telemetry record (--format telemetry)")
        // The stream's events without usage carry none under any format.
        #expect(sink.ignored == [6, 7, 8, 10])
        let database = try AppDatabase.inMemory()
        let summary = try ingest(try mixedFile(scratch), into: database, format: .telemetry)
        #expect(summary.newRequests == 1 && summary.rejectedLines == 9 && summary.ignoredLines == 4)
        #expect(try stored(database) == (1, USD("0.00125")!))
    }

    @Test func forcedMessagesReadsResponsesEnvelopesAndEventsAndRejectsTelemetry() throws {
        let scratch = try ScratchDirectory()
        let sink = try parse(try mixedFile(scratch), format: .messages)
        #expect(sink.rejects.map(\.line) == [4])
        #expect(sink.rejects.first?.reason == "a flat telemetry record, not a Messages response (--format messages)")
        #expect(sink.ignored.isEmpty)
        #expect(
            sink.records.compactMap(\.messageID) == [
                "msg_sdk_A1", "msg_sdk_A2", "msg_sdk_A3", "msg_sdk_A5", "msg_sdk_A6", "msg_sdk_A7", "msg_M", "msg_B",
            ])
        // The headline-fields line is read as its response: cache tokens and residency kept.
        let headline = try #require(sink.records.first)
        #expect(headline.tokens == TokenCounts(input: 1230, cacheWrite1h: 4096, cacheRead: 38400, output: 405))
        #expect(headline.inferenceGeo == "us")
        let database = try AppDatabase.inMemory()
        let summary = try ingest(try mixedFile(scratch), into: database, format: .messages)
        #expect(summary.newRequests == 8 && summary.rejectedLines == 1 && summary.ignoredLines == 0)
        // 0.1480335 for the fixture's seven responses, less the telemetry record's 0.00125; then msg_M
        // (1,000 × 1 + 100 × 5 = 0.0015) and msg_B (2,000 × 1 + 200 × 5 = 0.003).
        #expect(try stored(database) == (8, USD("0.1512835")!))
        #expect(try stored(database, "request_id = 'req_sdk_A1'").cost == USD("0.0840785"))
    }

    @Test(arguments: ["sdk/responses-to-json.json", "sdk/dumps-indent-loop.json", "messages/responses.jsonl"])
    func forcedMessagesReadsWhatContentTellsAsMessages(file: String) throws {
        let told = try AppDatabase.inMemory()
        let byContent = try ingest(fixture(file), into: told)
        let forced = try AppDatabase.inMemory()
        let summary = try ingest(fixture(file), into: forced, format: .messages)
        #expect(byContent.newRequests > 0)
        #expect(summary.newRequests == byContent.newRequests && summary.rejectedLines == byContent.rejectedLines)
        #expect(summary.ignoredLines == byContent.ignoredLines)
        #expect(try stored(forced) == stored(told))
    }

    @Test func forcedMessagesAssemblesBareStreamEvents() throws {
        let lines = [
            #"{"type":"message_start","message":{"id":"msg_X","model":"claude-haiku-4-5","usage":{"input_tokens":100,"#
                + #""output_tokens":1}}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":100}}"#,
            #"{"type":"message_stop"}"#,
        ]
        let scratch = try ScratchDirectory()
        let database = try AppDatabase.inMemory()
        let path = try scratch.write("bare.jsonl", lines.joined(separator: "\n") + "\n")
        let summary = try ingest(path, into: database, format: .messages)
        #expect(summary.newRequests == 1 && summary.rejectedLines == 0 && summary.ignoredLines == 0)
        #expect(try stored(database) == (1, USD("0.0006")!))  // 100 × $1 + 100 × $5 per million
    }

    @Test func forcedBatchResultsPassesOverStreamEventsWithoutUsage() throws {
        let scratch = try ScratchDirectory()
        let result = try String(contentsOfFile: fixture("sdk/batch-results-envelope.jsonl"), encoding: .utf8)
        let events = [
            #"{"type":"message_start","message":{"id":"msg_S","model":"claude-haiku-4-5","usage":{"input_tokens":10,"#
                + #""output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}"#,
            #"{"type":"message_stop"}"#,
            #"{"type":"ping"}"#,
        ]
        let lines = result.split(separator: "\n").count
        let path = try scratch.write("results.jsonl", result + events.joined(separator: "\n") + "\n")
        let sink = try parse(path, format: .batchResults)
        #expect(sink.rejects.map(\.line) == [lines + 1, lines + 5])
        #expect(
            sink.rejects.first?.reason
                == "a streaming event (message_start), not a batch result (--format batch-results)")
        #expect(sink.ignored == [lines + 2, lines + 3, lines + 4, lines + 6, lines + 7])
        #expect(sink.records.count == 2)
    }

    @Test(arguments: [
        "sdk/batch-results-array.json", "sdk/batch-results-pretty.json", "sdk/batch-results-envelope.jsonl",
    ])
    func forcedBatchResultsReadsResultsInEveryContainer(file: String) throws {
        let told = try AppDatabase.inMemory()
        let byContent = try ingest(fixture(file), into: told)
        let forced = try AppDatabase.inMemory()
        let summary = try ingest(fixture(file), into: forced, format: .batchResults)
        #expect(byContent.newRequests > 0)
        #expect(summary.newRequests == byContent.newRequests && summary.rejectedLines == 0)
        #expect(summary.unbilledBatchRequests == byContent.unbilledBatchRequests)
        #expect(try stored(forced) == stored(told))
    }
}
