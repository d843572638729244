import Dispatch
import Synchronization

/// What the parsing thread hands the writing thread: priced requests and, in the order read, what the file states
/// besides them and the problems met. Problems travel with the batches so that they reach the caller in file order
/// whichever file was parsed first.
struct ParsedBatch: Sendable {
    var records: RecordBatch
    var facts: [SourceFact] = []
    var issues: [IngestIssue] = []

    var isEmpty: Bool { records.count == 0 && facts.isEmpty && issues.isEmpty }
}

/// A bounded hand-off of batches from the parsing thread to the writing thread, ending with what the parse
/// came to: its outcome, or its error.
///
/// The queue sits behind a mutex; two semaphores count the free places and the items waiting (the end counts as
/// one), so either thread waits only when the other is behind.
final class BatchChannel<Outcome: Sendable>: Sendable {
    /// What `receive` returns.
    enum Delivery {
        case batch(ParsedBatch)
        /// The producer waits for `answer` with the `ended_at` of this batch, as the files before stored it.
        case batchEndWanted(id: String)
        /// The producer is done; no batch follows.
        case end(Outcome)
    }

    private enum Item {
        case batch(ParsedBatch)
        case question(String)
    }

    private struct State {
        var queue: [Item] = []
        var end: Result<Outcome, any Error>?
        var answer: Int64??
        var cancelled = false
    }

    private let state = Mutex(State())
    private let free: DispatchSemaphore
    private let waiting = DispatchSemaphore(value: 0)
    private let answered = DispatchSemaphore(value: 0)

    struct Cancelled: Error {}

    init(capacity: Int = 8) {
        free = DispatchSemaphore.counting(capacity)
    }

    /// Blocks while the consumer is behind; throws when the consumer gave up.
    func send(_ batch: ParsedBatch) throws {
        try enqueue(.batch(batch))
    }

    /// Asks the consumer for the `ended_at` of batch `id` once it has stored every earlier file, and waits for it.
    func batchEnd(of id: String) throws -> Int64? {
        try enqueue(.question(id))
        answered.wait()
        return try state.withLock { state in
            if state.cancelled { throw Cancelled() }
            return state.answer ?? nil
        }
    }

    /// The consumer's reply to `batchEndWanted`.
    func answer(_ endedAt: Int64?) {
        state.withLock { $0.answer = .some(endedAt) }
        answered.signal()
    }

    private func enqueue(_ item: Item) throws {
        free.wait()
        try state.withLock { state in
            if state.cancelled { throw Cancelled() }
            state.queue.append(item)
        }
        waiting.signal()
    }

    /// Ends the stream with what the producer came to. Called once, by the producer, last.
    func finish(_ end: Result<Outcome, any Error>) {
        state.withLock { $0.end = end }
        waiting.signal()
    }

    /// The next batch, or the end with the producer's outcome; rethrows the producer's failure.
    func receive() throws -> Delivery {
        waiting.wait()
        let next: Result<Delivery, any Error> = state.withLock { state in
            if !state.queue.isEmpty {
                switch state.queue.removeFirst() {
                case .batch(let batch): return .success(.batch(batch))
                case .question(let id): return .success(.batchEndWanted(id: id))
                }
            }
            // Nothing queued after a signal: it was the end's.
            guard let end = state.end else { preconditionFailure("a batch channel signalled without an item") }
            return end.map { .end($0) }
        }
        if case .success(let delivery) = next, !delivery.isEnd { free.signal() }
        return try next.get()
    }

    /// Called when the consumer stops early, to release a blocked producer: its next `send` throws.
    func cancel() {
        state.withLock { $0.cancelled = true }
        free.signal()
        answered.signal()
    }
}

extension BatchChannel.Delivery {
    fileprivate var isEnd: Bool {
        if case .end = self { return true }
        return false
    }
}

extension DispatchSemaphore {
    /// A semaphore holding `count` places, made from an empty one: libdispatch stops the process when a semaphore
    /// is released holding fewer than it was made with, as one left behind by a run that stopped early does.
    static func counting(_ count: Int) -> DispatchSemaphore {
        let semaphore = DispatchSemaphore(value: 0)
        for _ in 0..<count { semaphore.signal() }
        return semaphore
    }
}
