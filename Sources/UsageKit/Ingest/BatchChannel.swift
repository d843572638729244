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
        /// The producer is done; no batch follows.
        case end(Outcome)
    }

    private struct State {
        var queue: [ParsedBatch] = []
        var end: Result<Outcome, any Error>?
        var cancelled = false
    }

    private let state = Mutex(State())
    private let free: DispatchSemaphore
    private let waiting = DispatchSemaphore(value: 0)

    struct Cancelled: Error {}

    init(capacity: Int = 8) {
        free = DispatchSemaphore(value: capacity)
    }

    /// Blocks while the consumer is behind; throws when the consumer gave up.
    func send(_ batch: ParsedBatch) throws {
        free.wait()
        try state.withLock { state in
            if state.cancelled { throw Cancelled() }
            state.queue.append(batch)
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
            if !state.queue.isEmpty { return .success(.batch(state.queue.removeFirst())) }
            // Nothing queued after a signal: it was the end's.
            guard let end = state.end else { preconditionFailure("a batch channel signalled without an item") }
            return end.map { .end($0) }
        }
        if case .success(.batch) = next { free.signal() }
        return try next.get()
    }

    /// Called when the consumer stops early, to release a blocked producer: its next `send` throws.
    func cancel() {
        state.withLock { $0.cancelled = true }
        free.signal()
    }
}

/// A value one parse waits for until the writer reaches its file: what the files before it stored that the parse
/// needs (a batch's end, which dates its results), read in the writer's transaction.
final class Turn<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    /// Hands over `value`; the first call counts.
    func grant(_ value: Value) {
        let first = self.value.withLock { held in
            guard held == nil else { return false }
            held = value
            return true
        }
        if first { ready.signal() }
    }

    /// Blocks until `grant`.
    func wait() -> Value {
        ready.wait()
        return value.withLock { $0! }
    }
}
