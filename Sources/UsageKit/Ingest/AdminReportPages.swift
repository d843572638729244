/// Admin API report pages: `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`,
/// as the usage report and the cost report both page them.
enum AdminReportPages {
    /// Whether `sample` is a page of the report of `format` (`adminUsage` or `adminCost`).
    static func recognizes(_ sample: DetectionSample, as format: SourceFormat) -> Bool {
        switch sample {
        case .document(let tape, let index, _): return self.format(tape, index) == format
        case .documentHead(let bytes): return contains(bytes, "\"starting_at\"") && contains(bytes, "\"results\"")
        case .line, .valuesHead: return false
        }
    }

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
        _ body: (_ result: Int, _ start: Int64, _ end: Int64, _ line: Int) throws -> Void
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
                try body(result, start, end, lines.line(at: tape.offset(result)))
            }
        }
    }
}
