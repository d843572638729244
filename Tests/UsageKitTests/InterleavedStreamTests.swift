import Foundation
import GRDB
import Testing

@testable import UsageKit

/// A concurrent app logs several streams' events alternating in one file, each in an envelope with its own
/// `request_id`. Every figure is at claude-haiku-4-5 rates: $1 per million input tokens, $0.10 cache reads, $5 output.
@Suite struct InterleavedStreamTests {
    func envelope(_ id: String, _ second: Int, _ event: String) -> String {
        let ss = second < 10 ? "0\(second)" : "\(second)"
        return #"{"timestamp":"2026-11-09T12:00:\#(ss)Z","request_id":"req_\#(id)","event":\#(event)}"#
    }

    func start(_ id: String, _ second: Int, input: Int, cacheRead: Int = 0) -> String {
        envelope(
            id, second,
            #"{"type":"message_start","message":{"id":"msg_\#(id)","type":"message","role":"assistant","#
                + #""model":"claude-haiku-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":\#(input),"#
                + #""cache_read_input_tokens":\#(cacheRead),"output_tokens":1}}}"#
        )
    }

    func text(_ id: String, _ second: Int) -> String {
        envelope(id, second, #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"more"}}"#)
    }

    func delta(_ id: String, _ second: Int, output: Int) -> String {
        envelope(
            id, second,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"#
                + #""usage":{"output_tokens":\#(output)}}"#
        )
    }

    func stop(_ id: String, _ second: Int) -> String { envelope(id, second, #"{"type":"message_stop"}"#) }

    func stored(_ database: AppDatabase, _ condition: String = "1") throws -> (count: Int, cost: USD) {
        try database.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), COALESCE(SUM(cost_nanos), 0) FROM requests WHERE \(condition)")!
            return (row[0], USD(nanos: row[1]))
        }
    }

    func output(_ database: AppDatabase, _ id: String) throws -> Int64? {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT output_tokens FROM requests WHERE request_id = 'req_\(id)'")
        }
    }

    func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    // A: 100 input + 100 output = $0.0001 + $0.0005 = $0.0006.
    // B: 200 input + 1,000 cache reads + 50 output = $0.0002 + $0.0001 + $0.00025 = $0.00055.
    // C: 300 input + 30 output = $0.0003 + $0.00015 = $0.00045.

    @Test(arguments: [false, true])
    func twoInterleavedStreamsEachKeepTheirOwnUsage(bFinishesFirst: Bool) throws {
        let a = [delta("A", 4, output: 100), stop("A", 5)]
        let b = [delta("B", 6, output: 50), stop("B", 7)]
        let lines =
            [start("A", 0, input: 100), start("B", 1, input: 200, cacheRead: 1000), text("A", 2), text("B", 3)]
            + (bFinishesFirst ? b + a : a + b)
        let scratch = try ScratchDirectory()
        let path = try scratch.write("two.jsonl", lines.joined(separator: "\n") + "\n")
        let sink = try parse(path)
        #expect(sink.rejects.isEmpty)
        let byID = Dictionary(uniqueKeysWithValues: sink.records.map { ($0.requestID ?? "", $0) })
        #expect(sink.records.count == 2)
        #expect(byID["req_A"]?.tokens == TokenCounts(input: 100, output: 100))
        #expect(byID["req_B"]?.tokens == TokenCounts(input: 200, cacheRead: 1000, output: 50))
        #expect(byID["req_A"]?.messageID == "msg_A" && byID["req_B"]?.messageID == "msg_B")
        #expect(byID["req_A"]?.line == 1 && byID["req_B"]?.line == 2)
        let database = try AppDatabase.inMemory()
        let summary = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        #expect(summary.newRequests == 2 && summary.rejectedLines == 0)
        #expect(try stored(database, "request_id = 'req_A'") == (1, USD("0.0006")!))
        #expect(try stored(database, "request_id = 'req_B'") == (1, USD("0.00055")!))
        // The whole file was read: no stream is left open.
        #expect(
            try database.read { db in try Int64.fetchOne(db, sql: "SELECT consumed FROM files") }
                == Int64(lines.joined(separator: "\n").utf8.count + 1))
    }

    @Test func threeInterleavedStreamsEachKeepTheirOwnUsage() throws {
        let lines = [
            start("A", 0, input: 100), start("B", 1, input: 200, cacheRead: 1000), start("C", 2, input: 300),
            delta("C", 3, output: 30), stop("C", 4), text("A", 5), delta("B", 6, output: 50),
            delta("A", 7, output: 100),
            stop("A", 8), stop("B", 9),
        ]
        let scratch = try ScratchDirectory()
        let path = try scratch.write("three.jsonl", lines.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let summary = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        #expect(summary.newRequests == 3 && summary.rejectedLines == 0 && summary.ignoredLines == 0)
        #expect(try stored(database, "request_id = 'req_A'") == (1, USD("0.0006")!))
        #expect(try stored(database, "request_id = 'req_B'") == (1, USD("0.00055")!))
        #expect(try stored(database, "request_id = 'req_C'") == (1, USD("0.00045")!))
        #expect(try stored(database) == (3, USD("0.0016")!))
    }

    @Test func aStreamLeftOpenAmongOthersIsCompletedByTheNextRun() throws {
        // A response first, then three streams: B and C end in this run, A is still open when the file ends.
        let response =
            #"{"timestamp":"2026-11-09T11:59:00Z","request_id":"req_P","response":{"id":"msg_P","#
            + #""model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":10}}}"#
        let first = [
            response, start("A", 0, input: 100), start("B", 1, input: 200, cacheRead: 1000), start("C", 2, input: 300),
            delta("B", 3, output: 50), stop("B", 4), text("A", 5), delta("C", 6, output: 30), stop("C", 7),
        ]
        let scratch = try ScratchDirectory()
        let path = try scratch.write("open.jsonl", first.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        let run1 = try ingestor.ingest(paths: [path])
        #expect(run1.newRequests == 4 && run1.rejectedLines == 0)
        // A counts what it used so far: 100 input + 1 output = $0.000105.
        #expect(try stored(database, "request_id = 'req_A'") == (1, USD("0.000105")!))
        #expect(try stored(database, "request_id = 'req_B'") == (1, USD("0.00055")!))
        #expect(try stored(database, "request_id = 'req_C'") == (1, USD("0.00045")!))
        // The next run starts at A's message_start, the earliest stream still open.
        #expect(
            try database.read { db in try Int64.fetchOne(db, sql: "SELECT consumed FROM files") }
                == Int64(response.utf8.count + 1))
        try append([delta("A", 8, output: 100), stop("A", 9)].joined(separator: "\n") + "\n", to: path)
        let run2 = try ingestor.ingest(paths: [path])
        // B and C are read again and count once; A's final usage replaces its partial one.
        #expect(run2.resumedFiles == 1 && run2.rejectedLines == 0 && run2.newRequests == 0 && run2.duplicates == 3)
        #expect(try output(database, "A") == 100 && output(database, "B") == 50 && output(database, "C") == 30)
        #expect(try stored(database, "request_id = 'req_A'") == (1, USD("0.0006")!))
        // P: 10 input + 10 output = $0.00006.
        #expect(try stored(database) == (4, USD("0.00166")!))
        // Nothing is left open: a third run reads nothing again.
        let run3 = try ingestor.ingest(paths: [path])
        #expect(run3.newRequests == 0 && run3.duplicates == 0)
        #expect(try stored(database) == (4, USD("0.00166")!))
    }

    @Test func aStreamThatBeganBeforeTheOpenOneIsNotRejectedWhenReadAgain() throws {
        // X begins before A and ends after A began; A is still open when the file ends.
        let first = [start("X", 0, input: 300), start("A", 1, input: 100), delta("X", 2, output: 30), stop("X", 3)]
        let scratch = try ScratchDirectory()
        let path = try scratch.write("before.jsonl", first.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let ingestor = Ingestor(database: database) { _ in }
        #expect(try ingestor.ingest(paths: [path]).newRequests == 2)
        #expect(
            try database.read { db in try Int64.fetchOne(db, sql: "SELECT consumed FROM files") }
                == Int64(first[0].utf8.count + 1))
        try append([delta("A", 4, output: 100), stop("A", 5)].joined(separator: "\n") + "\n", to: path)
        // The next run starts at A: X's delta and stop, counted by the first run, are passed over.
        let run2 = try ingestor.ingest(paths: [path])
        #expect(run2.resumedFiles == 1 && run2.rejectedLines == 0 && run2.newRequests == 0 && run2.duplicates == 1)
        #expect(try stored(database, "request_id = 'req_X'") == (1, USD("0.00045")!))
        #expect(try stored(database, "request_id = 'req_A'") == (1, USD("0.0006")!))
        #expect(try stored(database) == (2, USD("0.00105")!))
    }

    @Test func streamsLoggedWithoutMessageStopLeaveOnlyTheLastOneOpen() throws {
        // A log that writes only the events carrying usage: each stream is done once its delta gives the stop reason.
        let lines = [
            start("A", 0, input: 100), delta("A", 1, output: 100), start("B", 2, input: 200, cacheRead: 1000),
            delta("B", 3, output: 50), start("C", 4, input: 300), delta("C", 5, output: 30),
        ]
        let scratch = try ScratchDirectory()
        let path = try scratch.write("nostop.jsonl", lines.joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        let summary = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        #expect(summary.newRequests == 3 && summary.rejectedLines == 0)
        #expect(try stored(database) == (3, USD("0.0016")!))
        // Only C, still without its message_stop, is read again next time.
        let consumed = lines[0..<4].map { $0.utf8.count + 1 }.reduce(0, +)
        #expect(
            try database.read { db in try Int64.fetchOne(db, sql: "SELECT consumed FROM files") } == Int64(consumed))
    }

    @Test func pastTheLimitOfStreamsOpenAtOnceTheOldestIsCountedAsCutOff() throws {
        let count = StreamAssembler.maxOpen + 1
        let ids = (0..<count).map { "S\($0)" }
        let lines = ids.map { start($0, 0, input: 100) } + ids.map { delta($0, 1, output: 100) }
        let scratch = try ScratchDirectory()
        let sink = try parse(try scratch.write("many.jsonl", lines.joined(separator: "\n") + "\n"))
        // S0 is taken as cut off when the 65th stream starts: its later delta is reported, never dropped in silence.
        #expect(sink.rejects.map(\.line) == [count + 1])
        #expect(sink.rejects.first?.reason == "message_delta before any message_start")
        #expect(sink.records.count == count)
        #expect(sink.records.first { $0.requestID == "req_S0" }?.tokens.output == 1)
        #expect(sink.records.filter { $0.tokens.output == 100 }.count == count - 1)
    }

    @Test func bareEventsStillFormOneStreamAtATime() throws {
        let lines = [
            #"{"type":"message_start","message":{"id":"msg_X","model":"claude-haiku-4-5","usage":{"input_tokens":100,"#
                + #""output_tokens":1}}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":100}}"#,
            #"{"type":"message_start","message":{"id":"msg_Y","model":"claude-haiku-4-5","usage":{"input_tokens":300,"#
                + #""output_tokens":1}}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30}}"#,
            #"{"type":"message_stop"}"#,
        ]
        let scratch = try ScratchDirectory()
        let sink = try parse(try scratch.write("bare.jsonl", lines.joined(separator: "\n") + "\n"))
        #expect(sink.rejects.isEmpty)
        #expect(sink.records.map(\.messageID) == ["msg_X", "msg_Y"])
        #expect(sink.records.map(\.tokens.output) == [100, 30])
    }
}
