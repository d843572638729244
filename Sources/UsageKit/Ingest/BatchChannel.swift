import Foundation

/// A bounded hand-off of batches between one producer and one consumer thread.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [RecordBatch] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity = 8

    struct Cancelled: Error {}

    /// Blocks while the consumer is behind; throws when the consumer gave up.
    func send(_ batch: RecordBatch) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        queue.append(batch)
        condition.broadcast()
    }

    /// Ends the stream, with the producer's error if it failed.
    func finish(failure: (any Error)?) {
        condition.lock()
        finished = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, nil at the end; rethrows the producer's failure.
    func receive() throws -> RecordBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Called by the consumer when it stops early, to release a blocked producer; waits for it to finish.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
