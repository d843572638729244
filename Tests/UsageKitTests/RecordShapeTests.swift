import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Logs written the ways apps serialize the official SDK's types (fixtures/sdk, written by
/// scripts/gen-sdk-fixtures.py); every figure is the hand computation in fixtures/EXPECTED.md, section "sdk/".
@Suite struct SDKFixtureTests: StoreQueries {
    func time(_ text: String) -> Int64 { Timestamp.parse(text, defaultOffset: 0)! }

    // MARK: 1. A record's format is told by the record

    @Test func aResponseBesideHeadlineFieldsIsReadAsTheResponse() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("sdk/mixed-envelopes.jsonl")], into: database)
        // Line 1 carries model, input_tokens and output_tokens beside the whole response: the response counts,
        // with its cache tokens, tier, geo and stop reason ($0.016275 if read as flat telemetry).
        let row = try #require(
            try database.read { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT cost_nanos, cache_write_1h_tokens, cache_read_tokens, service_tier, inference_geo, \
                        stop_reason,
                          request_id, dedupe_key, source_format, line FROM requests WHERE request_id = 'req_sdk_A1'
                        """)
            })
        #expect(USD(nanos: row[0]) == USD("0.0840785"))
        #expect(row[1] == 4096 && row[2] == 38400)
        #expect(row[3] == "standard" && row[4] == "us" && row[5] == "max_tokens")
        #expect(row[7] == "m:msg_sdk_A1")  // keyed by the message id, not the envelope's request id
        #expect(row[8] == "messages" && row[9] == 1)
        // Every other line of the file is read as the shape it has: no line is "without usage".
        #expect(summary.newRequests == 7 && summary.ignoredLines == 0 && summary.rejectedLines == 0)
        #expect(try stored(database) == (7, USD("0.1480335")!))
        #expect(try stored(database, "request_id IN ('req_sdk_A2', 'req_sdk_A3')") == (2, USD("0.02294")!))
        #expect(try stored(database, "source_format = 'telemetry'") == (1, USD("0.00125")!))
        #expect(try stored(database, "workflow = 'sdk-demo' AND task_type = 'classify'").count == 1)
        #expect(try value(database, "SELECT format FROM files") == "messages")
    }

    @Test func theSameResponseLoggedInAnotherFileCountsOnce() throws {
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture("sdk/mixed-envelopes.jsonl")], into: database)
        // msg_sdk_A1 again, written bare with `msg.to_json()`.
        let second = try ingest([fixture("sdk/responses-to-json.json")], into: database)
        #expect(second.newRequests == 2 && second.duplicates == 1)
        #expect(try stored(database, "dedupe_key = 'm:msg_sdk_A1'") == (1, USD("0.0840785")!))
        // The copy read first keeps its logged time.
        #expect(
            try value(database, "SELECT ts FROM requests WHERE dedupe_key = 'm:msg_sdk_A1'")
                == time("2026-11-09T10:00:00Z"))
    }

    @Test func aForcedFormatNeverReadsAResponseAsItsHeadlineFields() throws {
        let scratch = try ScratchDirectory()
        // The line holds a whole response beside flat headline fields: a response whatever the format forced.
        let line = try String(contentsOfFile: fixture("sdk/mixed-envelopes.jsonl"), encoding: .utf8).split(
            separator: "\n")[0]
        let path = try scratch.write("headline.log", line + "\n")
        let told = try AppDatabase.inMemory()
        _ = try ingest([path], into: told)
        #expect(try stored(told).cost == USD("0.0840785"))
        let messages = try AppDatabase.inMemory()
        _ = try ingest([path], into: messages, format: .messages)
        #expect(try stored(messages).cost == USD("0.0840785"))
        // Forced as telemetry, it is rejected, not priced as its flat fields ($0.016275, cache tokens lost).
        let telemetry = try AppDatabase.inMemory()
        let summary = try ingest([path], into: telemetry, format: .telemetry)
        #expect(summary.newRequests == 0 && summary.rejectedLines == 1 && summary.ignoredLines == 0)
        #expect(
            try parse(path, format: .telemetry).rejects.map(\.reason) == [
                "a Messages response, not a telemetry record (--format telemetry)"
            ])
    }

    // MARK: 2. No silent drops

    @Test func aLineThatLooksLikeUsageButCannotBeReadIsRejected() throws {
        let sink = try parse(fixture("sdk/not-records.jsonl"))
        #expect(sink.rejects.map(\.line) == [1])
        #expect(sink.rejects.first?.reason == "usage is a string, not an object")
        #expect(sink.ignored == [2, 3])  // `[]` and a log message
        #expect(sink.records.map(\.messageID) == ["msg_sdk_G1"])
    }

    @Test(arguments: [
        (#"{"model":"claude-opus-4-5","usage":"lots"}"#, "usage is a string, not an object"),
        (#"{"id":"m","model":"claude-opus-4-5","usage":null}"#, "usage is null"),
        (#"{"usage":{"input_tokens":5,"output_tokens":1}}"#, "usage without a model"),
        (
            #"{"ts":1,"response":{"id":"m","usage":{"input_tokens":5,"output_tokens":1}}}"#,
            "response.usage without a model"
        ),
        (
            #"{"model":"claude-haiku-4-5","input_tokens":"many","output_tokens":3}"#,
            "input_tokens is not a non-negative whole number"
        ),
        (#"{"model":"claude-haiku-4-5","output_tokens":3}"#, "input_tokens is missing"),
        (#"{"model":42,"input_tokens":1,"output_tokens":3}"#, "model is not a string"),
    ])
    func usageLikeLinesAreRejectedWithTheirReason(line: String, reason: String) throws {
        let scratch = try ScratchDirectory()
        let sink = try parse(try scratch.write("l.jsonl", line + "\n"))
        #expect(sink.records.isEmpty && sink.ignored.isEmpty)
        #expect(sink.rejects.map(\.reason) == [reason])
    }

    @Test(arguments: [
        "[]", "{}", #"{"level":"info","message":"batch submitted"}"#,
        #"{"type":"error","error":{"type":"overloaded_error"}}"#,
        #"{"model":"claude-opus-4-5","note":"no counts"}"#,
        #"{"type":"result","subtype":"success","total_cost_usd":0.1,"usage":{"input_tokens":1,"output_tokens":1}}"#,
    ])
    func linesWithNothingUsageLikeStayWithoutUsage(line: String) throws {
        let scratch = try ScratchDirectory()
        let sink = try parse(try scratch.write("l.jsonl", line + "\n"))
        #expect(sink.records.isEmpty && sink.rejects.isEmpty && sink.ignored == [1])
    }

    // MARK: 3. Concatenated JSON documents

    @Test func prettyPrintedResponsesBackToBack() throws {
        let sink = try parse(fixture("sdk/responses-to-json.json"))
        #expect(sink.rejects.isEmpty && sink.ignored.isEmpty)
        #expect(sink.records.map(\.messageID) == ["msg_sdk_A1", "msg_sdk_B2", "msg_sdk_B3"])
        #expect(sink.records.map(\.line) == [1, 27, 53])  // the line each value starts on
        #expect(sink.records[2].tokens == TokenCounts(input: 4000, cacheWrite1h: 8000, output: 1000))
        #expect(sink.records[2].webSearchRequests == 2)
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("sdk/responses-to-json.json")], into: database)
        #expect(summary.undatedRequests == 3)
        #expect(try stored(database) == (3, USD("0.2090785")!))
        #expect(try value(database, "SELECT format FROM files") == "messages")
    }

    @Test func jsonDumpsWithIndentInALoopIncludingTwoWithNoNewlineBetween() throws {
        let sink = try parse(fixture("sdk/dumps-indent-loop.json"))
        #expect(sink.rejects.isEmpty && sink.ignored.isEmpty)
        #expect(sink.records.map(\.messageID) == ["msg_sdk_C1", "msg_sdk_C2", "msg_sdk_C3"])
        #expect(sink.records.map(\.line) == [1, 39, 76])  // C3 starts on line 76, right after C2's closing brace
        #expect(sink.records.allSatisfy { $0.project == "sdk-app" && !$0.timestampFromFile })
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture("sdk/dumps-indent-loop.json")], into: database)
        #expect(try stored(database) == (3, USD("0.0920192")!))
        #expect(try stored(database, "request_id = 'req_sdk_C2'").cost == USD("0.08505"))
    }

    @Test func twoRecordsOnOneLineAreBothRead() throws {
        // Line 11 of the mixed file holds two envelopes with no newline between them.
        let sink = try parse(fixture("sdk/mixed-envelopes.jsonl"))
        #expect(sink.records.filter { $0.line == 11 }.map(\.messageID) == ["msg_sdk_A6", "msg_sdk_A7"])
        // The same in a Claude Code transcript: lines 6 (response A, final) and 8 (response B) run together.
        let transcript = try String(
            contentsOfFile: fixture("claude-code/-home-dev-shop/8d0c2f4e-1111-4a2b-9c3d-5e6f7a8b9c0d.jsonl"),
            encoding: .utf8
        ).split(separator: "\n")
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "session.jsonl", transcript[0..<3].joined(separator: "\n") + "\n" + transcript[5] + transcript[7] + "\n")
        let claude = try parse(path)
        #expect(claude.format == .claudeCode)
        #expect(claude.records.map(\.messageID) == ["msg_01Xfln9nN5bpGEognEyghk0k", "msg_01Ske89ivtV4FQkiiYifwb5f"])
        #expect(claude.records.map(\.line) == [4, 4] && claude.rejects.isEmpty)
    }

    @Test func aValueCutShortIsLeftForTheNextRunAndResumedAtItsStart() throws {
        let scratch = try ScratchDirectory()
        let full = try Data(contentsOf: URL(fileURLWithPath: fixture("sdk/dumps-indent-loop.json")))
        let path = scratch.url.appendingPathComponent("loop.json").path
        // Cut inside C2, as a writer caught halfway leaves it.
        let cut = full.count / 2
        try full.prefix(cut).write(to: URL(fileURLWithPath: path))
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        let first = try ingestor.ingest(paths: [path])
        #expect(first.newRequests == 1 && first.rejectedLines == 0)
        // The ledger stops at the boundary before C2: the end of C1's line.
        let c1 =
            try String(contentsOfFile: fixture("sdk/dumps-indent-loop.json"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).prefix(38).joined(separator: "\n").utf8.count + 1
        #expect(try value(database, "SELECT consumed FROM files") == Int64(c1))
        #expect(try value(database, "SELECT lines FROM files") == 38)
        // The rest arrives: C2 is read from its start, C3 after it on the same line.
        try full.write(to: URL(fileURLWithPath: path))
        let second = try ingestor.ingest(paths: [path])
        #expect(
            second.resumedFiles == 1 && second.newRequests == 2 && second.duplicates == 0 && second.rejectedLines == 0)
        #expect(try stored(database) == (3, USD("0.0920192")!))
        #expect(try value(database, "SELECT line FROM requests WHERE request_id = 'req_sdk_C3'") == 76)
    }

    @Test func aResumeInTheMiddleOfALineStartsAtTheValueLeftOver() throws {
        let scratch = try ScratchDirectory()
        let one = #"{"id":"v1","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#
        let two = #"{"id":"v2","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#
        let path = try scratch.write("back.jsonl", one + two.prefix(20))
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        #expect(try ingestor.ingest(paths: [path]).newRequests == 1)
        #expect(try value(database, "SELECT consumed FROM files") == Int64(one.utf8.count))
        try (one + two + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let second = try ingestor.ingest(paths: [path])
        #expect(
            second.resumedFiles == 1 && second.newRequests == 1 && second.duplicates == 0 && second.rejectedLines == 0)
        #expect(try value(database, "SELECT line FROM requests WHERE dedupe_key = 'm:v2'") == 1)
    }

    @Test func aDamagedValueSpreadOverLinesIsRejectedAndTheRestRead() throws {
        let scratch = try ScratchDirectory()
        let good = #"{"id":"g","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#
        let path = try scratch.write(
            "damaged.json",
            [
                "{", #"  "id": "f","#, #"  "model": "claude-haiku-4-5","#,
                #"  "usage": {"input_tokens": 1, "output_tokens": 1}"#, "}",
                "{", #"  "id": "a","#, #"  "model": "claude-haiku-4-5","#,  // never closed
                good,
                "{", #"  "id": "b","#, #"  "model" "claude-haiku-4-5""#, "}",  // a missing colon
                good.replacingOccurrences(of: "\"g\"", with: "\"h\""),
            ].joined(separator: "\n") + "\n")
        let sink = try parse(path)
        #expect(sink.records.map(\.messageID) == ["f", "g", "h"])
        #expect(sink.rejects.map(\.line) == [6, 10])
        #expect(sink.rejects[0].reason == "invalid JSON: the value is not closed before line 9")
        #expect(sink.rejects[1].reason.hasPrefix("invalid JSON at line 12, column "))
    }

    @Test(arguments: [
        ("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n", FileLayout.jsonValues),
        ("{\n  \"a\": 1\n}{\n  \"a\": 2\n}", FileLayout.jsonValues),
        ("[\n  {\"a\": 1}\n]\n", FileLayout.jsonDocument),
    ])
    func valuesBackToBackAreToldFromADocument(text: String, layout: FileLayout) {
        #expect(FormatDetector.detect(head: Array(text.utf8), complete: true) == layout)
    }

    @Test func documentsWrittenAsValuesAreReadAsDocuments() throws {
        // Admin API pages appended one per line, as a paginating script writes them, among other log lines.
        func compact(_ file: String) throws -> String {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture(file))))
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "pages.jsonl",
            [
                try compact("admin/usage-report.json"), #"{"level":"info","sessions":{"active":3}}"#,
                try compact("admin/cost-report.json"),
            ]
            .joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let summary = try ingest([path], into: database)
        #expect(summary.billedAmounts == 20 && summary.rejectedLines == 0 && summary.ignoredLines == 1)
        #expect(try stored(database, "aggregated = 1") == (4, USD("27.84525")!))
        #expect(try value(database, "SELECT COUNT(*) FROM requests WHERE source_format = 'admin-usage'") == 4)
    }

    // MARK: 4. Batch results in other containers

    @Test func batchResultsAsAJSONArray() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("sdk/batch-results-array.json")], into: database)
        #expect(summary.newRequests == 2 && summary.unbilledBatchRequests == 1 && summary.ignoredLines == 0)
        #expect(try stored(database) == (2, USD("0.01115")!))
        #expect(try stored(database, "custom_id = 'sdk-req-3' AND service_tier = 'batch'").cost == USD("0.00915"))
        #expect(try value(database, "SELECT format FROM files") == "batch-results")
        #expect(try value(database, "SELECT errored FROM batch_outcomes") == 1)
    }

    @Test func prettyPrintedBatchResults() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("sdk/batch-results-pretty.json")], into: database)
        #expect(summary.newRequests == 1 && summary.unbilledBatchRequests == 2 && summary.rejectedLines == 0)
        #expect(try stored(database, "custom_id = 'sdk-req-4'") == (1, USD("0.01875")!))
        #expect(try value(database, "SELECT expired + canceled FROM batch_outcomes") == 2)
    }

    @Test func batchResultsInsideAnEnvelope() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("sdk/batch-results-envelope.jsonl")], into: database)
        #expect(summary.newRequests == 2 && summary.unbilledBatchRequests == 1 && summary.rejectedLines == 0)
        #expect(try stored(database) == (2, USD("0.02756")!))
        // Dated by the envelope, priced at batch rates.
        #expect(
            try value(database, "SELECT ts FROM requests WHERE custom_id = 'sdk-req-7'") == time("2026-11-11T09:00:00Z")
        )
        #expect(
            try value(database, "SELECT COUNT(*) FROM requests WHERE service_tier = 'batch' AND ts_from_file = 0") == 2)
    }

    // MARK: 5. Streaming events inside an envelope

    @Test func streamingEventsInsideAnEnvelopeAreAssembled() throws {
        let sink = try parse(fixture("sdk/mixed-envelopes.jsonl"))
        let stream = try #require(sink.records.first { $0.messageID == "msg_sdk_A5" })
        // The last delta's output.
        #expect(stream.tokens == TokenCounts(input: 3, cacheWrite5m: 2048, cacheRead: 20000, output: 350))
        #expect(stream.stopReason == "end_turn")
        #expect(stream.requestID == "req_sdk_A5" && stream.line == 5)
        #expect(stream.timestamp == time("2026-11-09T10:08:00Z") && !stream.timestampFromFile)
        let database = try AppDatabase.inMemory()
        _ = try ingest([fixture("sdk/mixed-envelopes.jsonl")], into: database)
        #expect(try stored(database, "request_id = 'req_sdk_A5'") == (1, USD("0.031565")!))
    }

    @Test func anEnvelopedStreamCutBetweenRunsEndsWithItsFinalUsage() throws {
        let lines = try String(contentsOfFile: fixture("sdk/mixed-envelopes.jsonl"), encoding: .utf8).split(
            separator: "\n")
        let scratch = try ScratchDirectory()
        // The telemetry record of line 4 and the stream's first three events (lines 5 to 7), then the rest.
        let path = try scratch.write("events.jsonl", lines[3..<7].joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        #expect(try ingestor.ingest(paths: [path]).newRequests == 2)
        #expect(try value(database, "SELECT output_tokens FROM requests WHERE request_id = 'req_sdk_A5'") == 1)
        // The ledger stops where the open stream began, after line 4.
        #expect(try value(database, "SELECT consumed FROM files") == Int64(lines[3].utf8.count + 1))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines[7..<10].joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let second = try ingestor.ingest(paths: [path])
        #expect(
            second.resumedFiles == 1 && second.rejectedLines == 0 && second.newRequests == 0 && second.duplicates == 1)
        #expect(try stored(database, "request_id = 'req_sdk_A5'") == (1, USD("0.031565")!))
        #expect(try stored(database).cost == USD("0.032815"))
    }

    // MARK: The folder

    @Test func theWholeFolderTotalsTheHandComputedCost() throws {
        let database = try AppDatabase.inMemory()
        let summary = try ingest([fixture("sdk")], into: database)
        #expect(summary.files == 7 && summary.newRequests == 18 && summary.duplicates == 1)
        #expect(summary.rejectedLines == 1 && summary.ignoredLines == 2 && summary.undatedRequests == 5)
        #expect(summary.unbilledBatchRequests == 4)
        #expect(try stored(database) == (18, USD("0.4227127")!))
        #expect(try stored(database, "source_format = 'batch-results'") == (5, USD("0.05746")!))
    }
}
