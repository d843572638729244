import Dispatch
import Synchronization

/// What the parsing thread hands the writing thread: priced requests and, in the order read, what the file states
/// besides them.
struct ParsedBatch: Sendable {
    var records: RecordBatch
    var facts: [SourceFact] = []
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
    private let finished = DispatchSemaphore(value: 0)

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
        finished.signal()
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

    /// Called by the consumer when it stops early, to release a blocked producer; waits for it to finish.
    func cancel() {
        state.withLock { $0.cancelled = true }
        free.signal()
        finished.wait()
    }
}
