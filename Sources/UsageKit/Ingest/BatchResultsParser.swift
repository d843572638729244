/// Message Batches results (`custom_id` + `result`, any order; one per line, in an array, pretty-printed or inside
/// a log envelope) are read by `RecordReader`, each as the shape it has.
///
/// Succeeded requests are priced at batch rates whatever their `service_tier` says; errored, expired and canceled
/// ones are counted for their batch and not billed. Result lines carry no timestamp: the batch's `ended_at` stands
/// in when the batch object is known, else the file's modification time.
enum BatchResultsParser: LogParser {
    static let format = SourceFormat.batchResults
    static let reading = LogReading.records
    static let namesItsBatch = true
    static let recordName = "a batch result"

    static func recognizes(_ sample: DetectionSample) -> Bool {
        switch sample {
        case .document(let tape, let index, _):
            guard tape.kind(index) == .array, let first = tape.elements(index).first else { return false }
            return RecordShape.isBatchEntry(tape, first)
        case .line(let tape): return RecordShape.isBatchEntry(tape, tape.root)
        case .valuesHead(let bytes): return contains(bytes, "\"custom_id\"") && contains(bytes, "\"result\"")
        case .documentHead: return false
        }
    }

    /// The batch id a results file's name carries (`msgbatch_01..._results.jsonl`), if any.
    static func batchID(fromFileName name: String) -> String? {
        guard let range = name.range(of: "msgbatch_") else { return nil }
        let id = name[range.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        let trimmed = id.hasSuffix("_results") ? id.dropLast("_results".count) : id
        return trimmed.count > "msgbatch_".count ? String(trimmed) : nil
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
