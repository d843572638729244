/// Admin API report pages: `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`,
/// as the usage report and the cost report both page them.
enum AdminReportPages {
    /// The report a page belongs to, told by its first result that says: a cost report's results have an
    /// `amount`, a usage report's `uncached_input_tokens`.
    static func format(_ tape: JSONTape, _ index: Int) -> SourceFormat? {
        guard tape.kind(index) == .object, let data = tape.member(index, "data"), tape.kind(data) == .array else {
            return nil
        }
        for bucket in tape.elements(data) {
            guard let results = tape.member(bucket, "results") else { continue }
            for result in tape.elements(results) {
                if tape.member(result, "amount") != nil { return .adminCost }
                if tape.member(result, "uncached_input_tokens") != nil { return .adminUsage }
            }
        }
        return nil
    }

    static func forEachResult(
        _ tape: JSONTape, lines: inout LineCounter, context: ParseContext, sink: ParseSink,
        _ body: (AdminReportResult) throws -> Void
    ) throws {
        guard let data = tape.member(tape.root, "data"), tape.kind(data) == .array else { return }
        for bucket in tape.elements(data) {
            let bucketLine = lines.line(at: tape.offset(bucket))
            guard let start = tape.member(bucket, "starting_at").flatMap({ context.parseTimestamp(tape, $0) }),
                let end = tape.member(bucket, "ending_at").flatMap({ context.parseTimestamp(tape, $0) }),
                let results = tape.member(bucket, "results"), tape.kind(results) == .array
            else {
                sink.reject(line: bucketLine, reason: "bucket without starting_at, ending_at and results")
                continue
            }
            for result in tape.elements(results) {
                try body(
                    AdminReportResult(
                        tape: tape, index: result, start: start, end: end, line: lines.line(at: tape.offset(result))))
            }
        }
    }
}

/// One result of an Admin API report page, in the bucket it belongs to.
struct AdminReportResult {
    var tape: JSONTape
    /// The result object's node.
    var index: Int
    /// The bucket's `starting_at` and `ending_at`.
    var start: Int64
    var end: Int64
    var line: Int

    /// The string member `key` of the result; nil when it is absent or not a string.
    func text(_ key: StaticString) -> String? { tape.member(index, key).flatMap(tape.string) }
}

/// A parser of one of the Admin API reports, which page their results alike: it reads one result at a time.
protocol AdminReportParser: DocumentLogParser {
    /// Reads one result of a page, accepting or rejecting it through `sink`.
    static func parse(_ result: AdminReportResult, into sink: ParseSink) throws
}

extension AdminReportParser {
    static func recognizes(document tape: JSONTape, at index: Int) -> Bool {
        AdminReportPages.format(tape, index) == format
    }

    /// The head of a page of either report: which one it is, only a whole page tells.
    static func recognizes(head: UnsafeBufferPointer<UInt8>) -> Bool {
        contains(head, "\"starting_at\"") && contains(head, "\"results\"")
    }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        try AdminReportPages.forEachResult(tape, lines: &lines, context: context, sink: sink) { result in
            try parse(result, into: sink)
        }
    }
}
