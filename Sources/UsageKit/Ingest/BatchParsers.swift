/// Message Batches results (`custom_id` + `result`, any order; one per line, in an array, pretty-printed or inside
/// a log envelope) are read by `RecordReader`, each as the shape it has.
///
/// Succeeded requests are priced at batch rates whatever their `service_tier` says; errored, expired and canceled
/// ones are counted for their batch and not billed. Result lines carry no timestamp: the batch's `ended_at` stands
/// in when the batch object is known, else the file's modification time.
enum BatchResultsParser {
    /// The batch id a results file's name carries (`msgbatch_01..._results.jsonl`), if any.
    static func batchID(fromFileName name: String) -> String? {
        guard let range = name.range(of: "msgbatch_") else { return nil }
        let id = name[range.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        let trimmed = id.hasSuffix("_results") ? id.dropLast("_results".count) : id
        return trimmed.count > "msgbatch_".count ? String(trimmed) : nil
    }
}

/// Parses the JSON documents the Message Batches API and its clients leave: the batch object, and a client's own
/// summary array (`task_id`, `success`, `output`, `error`).
enum BatchDocuments {
    static func parseBatchObject(_ tape: JSONTape, context: ParseContext, into sink: ParseSink) throws {
        let root = tape.root
        guard let id = tape.member(root, "id").flatMap(tape.string) else {
            sink.reject(line: 1, reason: "batch object without an id")
            return
        }
        func count(_ key: StaticString) -> Int64 {
            guard let counts = tape.member(root, "request_counts"), let value = tape.member(counts, key),
                case .value(let n) = tape.integer(value)
            else { return 0 }
            return n
        }
        func time(_ key: StaticString) -> Int64? {
            tape.member(root, key).flatMap { context.parseTimestamp(tape, $0) }
        }
        try sink.note(
            .batch(
                BatchObject(
                    id: id, status: tape.member(root, "processing_status").flatMap(tape.string),
                    processing: count("processing"), succeeded: count("succeeded"), errored: count("errored"),
                    canceled: count("canceled"), expired: count("expired"), createdAt: time("created_at"),
                    endedAt: time("ended_at"))))
    }

    static func parseSummary(_ tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink) throws {
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
            try outcomes.accept(extractor.extract(tape, message: output, envelope: output, line: line), customID: task, line: line, sink: sink)
        }
        try sink.note(.batchOutcomes(outcomes))
    }
}

extension BatchOutcomes {
    /// Stores a succeeded batch request's response at batch rates under its custom id, or reports why it cannot.
    mutating func accept(_ extraction: Extraction, customID: String, line: Int, sink: ParseSink) throws {
        switch extraction {
        case .record(var record):
            record.customID = customID
            record.serviceTier = "batch"
            succeeded += 1
            try sink.accept(record)
        case .invalid(let reason): sink.reject(line: line, reason: reason)
        case .noUsage: sink.ignore(line: line)
        }
    }
}
