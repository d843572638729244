/// A Message Batches batch object (`"type": "message_batch"`): its status, request counts and `ended_at`, which
/// dates the batch's results.
enum BatchObjectParser: DocumentLogParser {
    static let format = SourceFormat.batchObject

    static func recognizes(document tape: JSONTape, at index: Int) -> Bool {
        tape.kind(index) == .object && tape.member(index, "type").flatMap(tape.string) == "message_batch"
    }

    static func recognizes(head: UnsafeBufferPointer<UInt8>) -> Bool { contains(head, "\"message_batch\"") }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
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
}
