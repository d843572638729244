import Foundation
import Testing

@testable import UsageKit

/// Collects what a parser emits.
final class CollectingSink: ParseSink {
    var format = SourceFormat.messages
    var records: [UsageRecord] = []
    var facts: [SourceFact] = []
    var rejects: [(line: Int, reason: String)] = []
    var ignored: [Int] = []

    func accept(_ record: UsageRecord) throws { records.append(record) }
    func note(_ fact: SourceFact) throws { facts.append(fact) }
    func reject(line: Int, reason: String) { rejects.append((line, reason)) }
    func ignore(line: Int) { ignored.append(line) }
}

/// A scratch directory removed when the test ends.
final class ScratchDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("usage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func fixture(_ name: String) -> String { repositoryRoot.appendingPathComponent("fixtures/" + name).path }

extension FilePlan {
    /// What an ingest would do with the file at `path`, its format already told from its head (a worker's part).
    static func make(
        path: String, forced: SourceFormat?, named: Bool, ledger: [String: Ledger.Entry]
    ) throws -> FilePlan? {
        guard var plan = try survey(path: path, forced: forced, named: named, ledger: ledger) else { return nil }
        try plan.detect()
        return plan
    }
}

/// Parses one file the way the ingest does, without a database.
func parse(_ path: String, zone: TimeZoneRule = .utc, format: SourceFormat? = nil) throws -> CollectingSink {
    let sink = CollectingSink()
    let plan = try #require(try FilePlan.make(path: path, forced: format, named: true, ledger: [:]))
    var context = ParseContext(path: path, fileTimestamp: 1_000, zone: zone)
    context.batchID = BatchResultsParser.batchID(fromFileName: (path as NSString).lastPathComponent)
    sink.format = plan.format ?? .messages
    guard plan.layout != .empty && plan.layout != .unknown else { return sink }
    _ = try Ingestor.parse(
        plan, context: context, into: sink, meter: ProgressMeter(filesTotal: 1, bytesTotal: 0, report: nil))
    return sink
}

@Suite struct MessagesParserTests {
    @Test func envelopeLinesCarryUsageAndAttribution() throws {
        let sink = try parse(fixture("messages/responses.jsonl"))
        #expect(sink.records.count == 7)
        #expect(sink.rejects.isEmpty)
        #expect(sink.ignored == [8])  // the error response
        let first = try #require(sink.records.first)
        #expect(first.messageID == "msg_01Fx001")
        #expect(first.requestID == "req_011Ex001")
        #expect(first.session == "sess-a")
        #expect(first.workflow == "code-review")
        #expect(first.taskType == "analyze")
        #expect(first.model == "claude-sonnet-4-5-20250929")
        #expect(
            first.tokens == TokenCounts(input: 312, cacheWrite5m: 2048, cacheWrite1h: 0, cacheRead: 15872, output: 845))
        #expect(first.thinkingTokens == 410)
        #expect(first.webSearchRequests == 1)
        #expect(first.serviceTier == "standard")
        #expect(first.inferenceGeo == "global")
        #expect(first.stopReason == "end_turn")
        #expect(first.timestamp == Timestamp.parse("2026-11-02T09:14:03Z", defaultOffset: 0))
        #expect(!first.timestampFromFile)
        #expect(first.line == 1)
        // 5m/1h split, epoch-seconds timestamp, metadata attribution, offset timestamp, fast mode.
        #expect(sink.records[1].tokens.cacheWrite1h == 6000 && sink.records[1].tokens.cacheWrite5m == 4000)
        #expect(sink.records[2].timestamp == 1_793_700_000_000)
        #expect(sink.records[3].session == "sess-c" && sink.records[3].workflow == "doc-summarize")
        #expect(sink.records[4].timestamp == Timestamp.parse("2026-11-03T14:00:00Z", defaultOffset: 0))
        #expect(sink.records[5].speed == "fast")
    }

    @Test func prettyPrintedDocumentAndArrayWithLineNumbers() throws {
        let single = try parse(fixture("messages/response.json"))
        #expect(single.records.count == 1)
        #expect(single.records[0].timestamp == Timestamp.parse("2026-11-05T12:00:00Z", defaultOffset: 0))
        let array = try parse(fixture("messages/batch-log.json"))
        #expect(array.records.map(\.line) == [2, 16])
        #expect(array.records.map(\.requestID) == ["req_011Ex201", "req_011Ex202"])
        #expect(array.records[1].tokens.cacheWrite5m == 20000)
    }

    @Test func zonelessTimestampsFollowTheZoneRule() throws {
        let utc = try parse(fixture("messages/batch-log.json"))
        #expect(utc.records[0].timestamp == Timestamp.parse("2026-11-05T13:00:00Z", defaultOffset: 0))
        let paris = try parse(fixture("messages/batch-log.json"), zone: TimeZoneRule(identifier: "Europe/Paris")!)
        #expect(paris.records[0].timestamp == Timestamp.parse("2026-11-05T12:00:00Z", defaultOffset: 0))
        // Summer time: UTC+2.
        var text = "2026-07-01T12:00:00"
        let paris2 = TimeZoneRule(identifier: "Europe/Paris")!
        let parsed = text.withUTF8 { Timestamp.parse($0, defaultOffset: paris2.offset) }
        #expect(parsed == Timestamp.parse("2026-07-01T10:00:00Z", defaultOffset: 0))
    }

    @Test func localDaysStartAtTheirFirstInstant() throws {
        func start(_ zone: String, _ day: String) -> Int64 {
            TimeZoneRule(identifier: zone)!.startOfDay(Int(Timestamp.parse(day, defaultOffset: 0)! / 86_400_000))
        }
        func utc(_ text: String) -> Int64 { Timestamp.parse(text, defaultOffset: 0)! }
        #expect(start("Europe/Paris", "2026-03-29") == utc("2026-03-28T23:00:00Z"))  // changes at 02:00, not midnight
        #expect(start("Europe/Paris", "2026-03-30") == utc("2026-03-29T22:00:00Z"))
        // Santiago skips 2026-09-06 00:00 (UTC-4 to UTC-3): that day starts at 01:00, 04:00 UTC.
        #expect(start("America/Santiago", "2026-09-06") == utc("2026-09-06T04:00:00Z"))
        #expect(start("America/Santiago", "2026-09-07") == utc("2026-09-07T03:00:00Z"))
        // Santiago repeats 2026-04-04 23:00 (UTC-3 to UTC-4): 2026-04-05 starts once, at 04:00 UTC.
        #expect(start("America/Santiago", "2026-04-05") == utc("2026-04-05T04:00:00Z"))
        // Havana skips 2026-03-08 00:00 (UTC-5 to UTC-4) and repeats 2026-11-01 00:00: the first midnight counts.
        #expect(start("America/Havana", "2026-03-08") == utc("2026-03-08T05:00:00Z"))
        #expect(start("America/Havana", "2026-11-01") == utc("2026-11-01T04:00:00Z"))
    }

    @Test func malformedInputIsRejectedWithLineNumbersAndTheRestLands() throws {
        let scratch = try ScratchDirectory()
        let good = #"{"id":"msg_g1","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}}"#
        let path = try scratch.write(
            "bad.jsonl",
            [
                good,
                #"{"id":"msg_b1","model":"claude-haiku-4-5","usage":{"input_tokens":10,"output_tokens":5}"#,
                #"{"id":"msg_b2","model":"claude-haiku-4-5","usage":{"input_tokens":"abc","output_tokens":5}}"#,
                #"{"id":"msg_b3","model":"claude-haiku-4-5","usage":{"input_tokens":-4,"output_tokens":5}}"#,
                #"{"id":"msg_b4","model":"claude-haiku-4-5","usage":{"input_tokens":10}}"#,
                #"{"id":"msg_b5","model":42,"usage":{"input_tokens":10,"output_tokens":5}}"#,
                "",
                "not json at all",
                good.replacingOccurrences(of: "msg_g1", with: "msg_g2"),
            ].joined(separator: "\n"))
        let sink = try parse(path)
        #expect(sink.records.map(\.messageID) == ["msg_g1", "msg_g2"])
        #expect(sink.rejects.map(\.line) == [2, 3, 4, 5, 6, 8])
        #expect(sink.rejects[0].reason.contains("invalid JSON"))
        #expect(sink.rejects[1].reason.contains("usage.input_tokens"))
        #expect(sink.rejects[3].reason.contains("output_tokens is missing"))
        #expect(sink.rejects[4].reason.contains("model"))
    }

    @Test func bodyLoggedAsAJSONString() throws {
        let scratch = try ScratchDirectory()
        let inner =
            #"{\"id\":\"msg_s1\",\"model\":\"claude-opus-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":3}}"#
        let path = try scratch.write(
            "s.jsonl", #"{"ts":"2026-11-01T00:00:00Z","workflow":"w","body":""# + inner + #""}"#)
        let sink = try parse(path)
        #expect(sink.records.count == 1)
        #expect(sink.records.first?.messageID == "msg_s1")
        #expect(sink.records.first?.workflow == "w")
    }

    @Test func byteOrderMarkIsNotAnError() throws {
        let scratch = try ScratchDirectory()
        let line = #"{"id":"msg_bom","model":"claude-opus-4-5","usage":{"input_tokens":1,"output_tokens":1}}"#
        let lines = try parse(
            try scratch.write(
                "bom.jsonl", "\u{FEFF}" + line + "\n" + line.replacingOccurrences(of: "bom", with: "bom2")))
        #expect(lines.records.count == 2 && lines.rejects.isEmpty)
        let document = try parse(try scratch.write("bom.json", "\u{FEFF}[\n" + line + "\n]"))
        #expect(document.records.map(\.line) == [2] && document.rejects.isEmpty)
    }

    @Test func cacheCreationWithoutSplitIsFiveMinuteWrites() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "c.jsonl",
            #"{"id":"m","model":"claude-opus-4-5","usage":{"input_tokens":1,"cache_creation_input_tokens":500,"#
                + #""output_tokens":1}}"#
        )
        let record = try #require(try parse(path).records.first)
        #expect(record.tokens.cacheWrite5m == 500 && record.tokens.cacheWrite1h == 0)
        #expect(record.timestampFromFile)
    }
}

@Suite struct StreamParserTests {
    @Test func usageIsCumulativeAndACutStreamStillCounts() throws {
        let sink = try parse(fixture("streams/stream.sse"))
        #expect(sink.records.count == 2)
        #expect(sink.rejects.isEmpty)
        let complete = sink.records[0]
        #expect(complete.messageID == "msg_01St001")
        #expect(complete.tokens == TokenCounts(input: 25, cacheRead: 40960, output: 377))  // last delta, not summed
        #expect(complete.stopReason == "end_turn")
        #expect(complete.timestampFromFile)
        let cut = sink.records[1]
        #expect(cut.tokens == TokenCounts(input: 1000, cacheWrite5m: 3000, output: 64))
        #expect(cut.stopReason == nil)
    }

    @Test func streamWithoutStopAtEndOfFileCounts() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "cut.sse",
            """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_c","model":"claude-haiku-4-5","usage":{"input_tokens":5,\
            "output_tokens":1}}}

            event: message_delta
            data: {"type":"message_delta","delta":{},"usage":{"output_tokens":9}}

            data: {broken

            """)
        let sink = try parse(path)
        #expect(sink.records.first?.tokens.output == 9)
        #expect(sink.rejects.map(\.line) == [7])
    }

    @Test func eventsSavedAsJSONLinesAreAssembled() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "events.jsonl",
            """
            {"type":"message_start","message":{"id":"msg_j","model":"claude-opus-4-6","usage":{"input_tokens":5,\
            "cache_read_input_tokens":100,"output_tokens":1}}}
            {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}
            {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":50}}
            {"type":"message_stop"}
            """)
        let sink = try parse(path)
        #expect(sink.records.count == 1)
        #expect(sink.records.first?.tokens.output == 50)
        #expect(sink.records.first?.stopReason == "max_tokens")
    }
}

@Suite struct DetectionAndReadingTests {
    @Test(arguments: [
        ("{\"a\":1}\n{\"a\":2}\n", FileLayout.jsonLines),
        ("{\n  \"a\": 1\n}\n", FileLayout.jsonDocument),
        ("[{\"a\":1}]", FileLayout.jsonDocument),
        ("{\"a\":1}", FileLayout.jsonLines),
        ("[]\n{\"a\":1}\n{\"a\":2}\n", FileLayout.jsonLines),
        ("\"model\":1}\n{\"a\":1}\n{\"a\":2}\n", FileLayout.jsonLines),
        ("{\n  \"data\": [\n    {\"a\": 1}\n  ]\n}\n", FileLayout.jsonDocument),
        ("event: ping\ndata: {}\n", FileLayout.serverSentEvents),
        ("\u{FEFF}\n\n data: {}", FileLayout.serverSentEvents),
        ("   \n", FileLayout.empty),
        ("# usage notes\n", FileLayout.unknown),
    ])
    func layoutIsToldByContent(text: String, layout: FileLayout) {
        #expect(FormatDetector.detect(head: Array(text.utf8), complete: true) == layout)
    }

    @Test func linesOverTheLimitAreSkippedAndCRLFIsStripped() throws {
        let scratch = try ScratchDirectory()
        let long = String(repeating: "x", count: 5000)
        let path = try scratch.write("l.txt", "a\r\n\(long)\nb\nlast")
        let reader = try LineReader(path: path, maxLineLength: 1024)
        var seen: [String] = []
        try reader.forEachLine { line, number in
            switch line {
            case .text(let bytes, let terminated):
                seen.append("\(number):" + String(decoding: bytes, as: UTF8.self) + (terminated ? "" : " (open)"))
            case .tooLong(let length): seen.append("\(number):long \(length)")
            }
            return true
        }
        #expect(seen == ["1:a", "2:long 5000", "3:b", "4:last (open)"])
        // The open last line was accepted but its newline is still to come: a resumed read goes on inside line 4.
        #expect(reader.consumed == Int64(3 + 5001 + 2 + 4) && reader.consumedLines == 3)
    }

    @Test func anUnacceptedLastLineIsLeftForTheNextRun() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write("p.jsonl", "one\ntwo\nthr")
        let reader = try LineReader(path: path)
        try reader.forEachLine { line, _ in
            if case .text(_, let terminated) = line { return terminated }
            return true
        }
        #expect(reader.consumed == 8 && reader.consumedLines == 2)
        let resumed = try LineReader(path: path, from: 4, firstLine: 2)
        var lines: [Int] = []
        try resumed.forEachLine { _, number in
            lines.append(number)
            return true
        }
        #expect(lines == [2, 3])
        #expect(resumed.consumed == 11)
    }

    @Test func aFileThatGrowsAfterItIsOpenedIsReadWhole() throws {
        // The buffer is sized by the file as it was when opened: lines written after, longer than that buffer,
        // are still read whole, each once.
        let scratch = try ScratchDirectory()
        let path = try scratch.write("g.jsonl", "first\n")
        let reader = try LineReader(path: path)
        let long = String(repeating: "y", count: 300_000)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\(long)\nshort\n\(long)z\n".utf8))
        try handle.close()
        var seen: [String] = []
        try reader.forEachLine { line, number in
            if case .text(let bytes, _) = line { seen.append("\(number):\(bytes.count)") }
            return true
        }
        #expect(seen == ["1:5", "2:300000", "3:5", "4:300001"])
        #expect(reader.consumed == Int64(6 + 300_001 + 6 + 300_002))
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-02T09:14:03Z", Int64(1_793_610_843_000)),
        ("2026-11-02T09:14:03.5Z", 1_793_610_843_500),
        ("2026-11-02 09:14:03.123456+00:00", 1_793_610_843_123),
        ("2026-11-02T10:14:03+01:00", 1_793_610_843_000),
        ("2026-11-02T04:14:03-0500", 1_793_610_843_000),
        ("2026-11-02", 1_793_577_600_000),
        ("1970-01-01T00:00:00Z", 0),
    ])
    func isoTimestamps(text: String, millis: Int64) {
        #expect(Timestamp.parse(text, defaultOffset: 0) == millis)
    }

    @Test func rejectsWhatIsNotATimestamp() {
        for text in ["", "yesterday", "2026-13-01", "2026-11-02T25:00:00Z", "2026-11-02Tx"] {
            #expect(Timestamp.parse(text, defaultOffset: 0) == nil, "\(text)")
        }
    }

    @Test func epochSecondsAndMilliseconds() {
        #expect(Timestamp.fromEpoch(1_771_577_410.2) == 1_771_577_410_200)
        #expect(Timestamp.fromEpoch(1_771_577_410_200) == 1_771_577_410_200)
        #expect(Timestamp.iso(1_793_610_843_123) == "2026-11-02T09:14:03.123Z")
    }
}

@Suite struct JSONTapeTests {
    func parses(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { (try? JSONTape().parse($0)) != nil }
    }

    @Test(arguments: [
        "{}", "[]", "0", "-0", "12", "1.5", "1e5", "1E+2", "-1.25e-3", #"{"a":[1,{"b":null}],"c":true}"#,
        #""é \" \\ \u00e9 \ud83d\ude80""#,
    ])
    func validJSON(text: String) {
        #expect(parses(text))
    }

    @Test(arguments: [
        "", "{", "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "1e", "1e5e5", "-", "+1", "tru", #"{"a" 1}"#, "[1 2]", "{} {}",
        "\"unterminated", "\"a\u{01}\"",
    ])
    func invalidJSON(text: String) {
        #expect(!parses(text))
    }

    @Test func readsMembersAndWholeNumbers() throws {
        let tape = JSONTape()
        var text = #"{"usage":{"input_tokens":1.2e3,"output_tokens":7,"x":1.5},"k\u0065y":"v"}"#
        try text.withUTF8 { try tape.parse($0) }
        let usage = try #require(tape.member(tape.root, "usage"))
        guard case .value(let input) = tape.integer(try #require(tape.member(usage, "input_tokens"))) else {
            Issue.record("1.2e3 is a whole number")
            return
        }
        #expect(input == 1200)
        if case .value = tape.integer(try #require(tape.member(usage, "x"))) { Issue.record("1.5 is not whole") }
        #expect(tape.member(tape.root, "key").flatMap(tape.string) == "v")  // an escaped key still matches
    }
}

@Suite struct StrictJSONTests {
    func integer(_ number: String) throws -> Int64? {
        let tape = JSONTape()
        var text = number
        // The tape reads the bytes it was parsed from: only inside this closure.
        return try text.withUTF8 { bytes in
            try tape.parse(bytes)
            if case .value(let v) = tape.integer(tape.root) { return v }
            return nil
        }
    }

    @Test(
        arguments: [
            ("0.99999999999999999999", nil), ("12.000000000000000001", nil), ("1e-400", nil), ("1.5", nil),
            ("1e19", nil), ("9223372036854775808", nil), ("12.5e-1", nil),
            ("1.0", 1), ("1e3", 1000), ("-0", 0), ("0e-400", 0), ("1.2e3", 1200), ("120000e-4", 12),
            ("9223372036854775807", 9_223_372_036_854_775_807), ("0.000", 0), ("25E+1", 250),
        ] as [(String, Int64?)])
    func tokenCountsAreReadFromTheirDigitsNotThroughADouble(text: String, whole: Int64?) throws {
        #expect(try integer(text) == whole)
    }

    @Test func aCountThatIsNotExactlyWholeRejectsItsLine() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "r.jsonl",
            #"{"id":"msg_1","model":"claude-haiku-4-5","usage":{"input_tokens":0.99999999999999999999,"#
                + #""output_tokens":1}}"#
                + "\n" + #"{"id":"msg_2","model":"claude-haiku-4-5","usage":{"input_tokens":1e3,"output_tokens":1.0}}"#
                + "\n")
        let sink = try parse(path)
        #expect(sink.rejects.map(\.line) == [1])
        #expect(sink.records.map(\.tokens.input) == [1000])
    }

    @Test func aKeyGivenTwiceTakesItsLastValue() throws {
        let tape = JSONTape()
        var text =
            #"{"model":"claude-opus-4-5","model":"claude-haiku-4-5","usage":{"input_tokens":5,"input_tokens":7,"#
            + #""output_tokens":1}}"#
        try text.withUTF8 { bytes in
            try tape.parse(bytes)
            #expect(tape.member(tape.root, "model").flatMap(tape.string) == "claude-haiku-4-5")
            let usage = try #require(tape.member(tape.root, "usage"))
            #expect(tape.members(usage).map(\.key) == ["input_tokens", "output_tokens"])
            if case .value(let v) = tape.integer(try #require(tape.member(usage, "input_tokens"))) {
                #expect(v == 7)
            } else {
                Issue.record("input_tokens is whole")
            }
        }

        let scratch = try ScratchDirectory()
        let path = try scratch.write("dup.jsonl", text + "\n")
        let records = try parse(path).records
        #expect(records.map(\.model) == ["claude-haiku-4-5"])
        #expect(records.map(\.tokens.input) == [7])
    }

    @Test(arguments: [#""claude-haiku-4-5\q""#, #""a\x41""#, #""\u12G4""#, #""\u12""#, #""\'""#, "\"\\\u{01}\""])
    func invalidEscapesAreRejected(text: String) {
        var text = text
        let parsed = text.withUTF8 { (try? JSONTape().parse($0)) != nil }
        #expect(!parsed)
    }

    @Test func aLineWithAnInvalidEscapeIsRejectedWithItsReason() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.write(
            "esc.jsonl",
            #"{"id":"msg_1","model":"claude-haiku-4-5\q","usage":{"input_tokens":1,"output_tokens":1}}"# + "\n")
        let sink = try parse(path)
        #expect(sink.records.isEmpty)
        #expect(sink.rejects.count == 1)
        #expect(sink.rejects.first?.reason.contains("invalid escape \\q") == true)
    }
}

@Suite struct RepeatedKeyTests {
    @Test(arguments: [
        #"{"a":1,"b":2,"a":3}"#,
        #"{"a":1,"b":{"a":9},"a":3}"#,
        #"{"\u0061":1,"a":3}"#,
        #"{"k0":0,"k1":0,"k2":0,"k3":0,"k4":0,"k5":0,"k6":0,"k7":0,"k8":0,"k9":0,"k10":0,"k11":0,"k12":0,"k13":0,"#
            + #""k14":0,"k15":0,"k16":0,"k17":0,"k18":0,"k19":0,"a":1,"a":3}"#,
    ])
    func theLastValueWinsInEveryObject(text: String) throws {
        let tape = JSONTape()
        var text = text
        try text.withUTF8 { bytes in
            try tape.parse(bytes)
            let a = try #require(tape.member(tape.root, "a"))
            guard case .value(let v) = tape.integer(a) else {
                Issue.record("a is a number")
                return
            }
            #expect(v == 3)
        }
    }

    @Test func anObjectWithoutRepeatsFindsItsKeys() throws {
        let tape = JSONTape()
        var text = #"{"a":1,"b":{"a":2,"c":3},"c":4}"#
        try text.withUTF8 { bytes in
            try tape.parse(bytes)
            let b = try #require(tape.member(tape.root, "b"))
            for (object, key, expected) in [(tape.root, "a", 1), (b, "a", 2), (b, "c", 3), (tape.root, "c", 4)]
                as [(Int, StaticString, Int64)]
            {
                let index = try #require(tape.member(object, key))
                guard case .value(let v) = tape.integer(index) else {
                    Issue.record("\(key) is a number")
                    return
                }
                #expect(v == expected)
            }
        }
    }
}
