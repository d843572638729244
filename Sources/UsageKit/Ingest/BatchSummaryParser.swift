/// A client's own summary of a batch: an array of `task_id`, `success`, `output` (the response) and `error`.
enum BatchSummaryParser: LogParser {
    static let format = SourceFormat.batchSummary
    static let reading = LogReading.document
    static let namesItsBatch = true

    static func recognizes(_ sample: DetectionSample) -> Bool {
        switch sample {
        case .document(let tape, let index, _):
            guard tape.kind(index) == .array, let first = tape.elements(index).first else { return false }
            return tape.member(first, "task_id") != nil
        case .line, .valuesHead, .documentHead: return false
        }
    }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        let extractor = MessageExtractor(context: context)
        var outcomes = BatchOutcomes(batchID: context.batchID)
        for element in tape.elements(tape.root) {
            let line = lines.line(at: tape.offset(element))
            guard let task = tape.member(element, "task_id").flatMap(tape.string),
                let success = tape.member(element, "success").flatMap(tape.bool)
            else {
                sink.reject(line: line, reason: "batch summary entry without task_id and success")
                continue
            }
            guard success else {
                outcomes.errored += 1
                continue
            }
            guard let output = tape.member(element, "output"), extractor.isMessage(tape, output) else {
                sink.reject(line: line, reason: "successful task without an output carrying model and usage")
                continue
            }
            try outcomes.accept(
                extractor.extract(tape, message: output, envelope: output, line: line), customID: task, line: line,
                sink: sink)
        }
        try sink.note(.batchOutcomes(outcomes))
    }
}
