import Dispatch
import Foundation
import Synchronization

/// Parses the files of an ingest on a few reused threads, each file into a channel of its own, while the writer
/// stores the files one by one in their order.
///
/// Workers take files in order, and at most `window` files ahead of the writer: a file parsed early waits in its
/// channel (bounded), so memory stays flat however many files there are, and the result is the same as reading the
/// files one after the other.
final class ParseWorkers: Sendable {
    let channels: [BatchChannel<FileOutcome>]
    private let jobs: [FilePlan]
    private let next = Mutex(0)
    private let cancelled = Atomic(false)
    private let window: DispatchSemaphore
    private let threads: Int
    private let running = DispatchGroup()

    /// The threads parse with a stack deep enough for deeply nested JSON.
    static let stackSize = 8 << 20

    init(jobs: [FilePlan], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.jobs = jobs
        channels = jobs.map { _ in BatchChannel() }
        self.threads = max(1, min(threads, jobs.count))
        window = DispatchSemaphore.counting(2 * self.threads)
    }

    /// Starts the threads; `parse` reads one file into its channel, with the worker's pricer, which remembers the
    /// models it looked up for the worker's next file.
    func start(
        pricer: Pricer, parse: @escaping @Sendable (FilePlan, BatchChannel<FileOutcome>, inout Pricer) -> Void
    ) {
        guard !jobs.isEmpty else { return }
        for _ in 0..<threads {
            running.enter()
            let thread = Thread { [self] in
                var pricer = pricer
                while let index = take() { parse(jobs[index], channels[index], &pricer) }
                running.leave()
            }
            thread.stackSize = Self.stackSize
            thread.start()
        }
    }

    /// The next file to parse, once the writer is near enough; nil when all are taken or the run was cancelled.
    private func take() -> Int? {
        window.wait()
        if cancelled.load(ordering: .acquiring) { return nil }
        let index = next.withLock { next in
            defer { next += 1 }
            return next
        }
        guard index < jobs.count else {
            // Leave the place for the other threads, which find nothing left either.
            window.signal()
            return nil
        }
        return index
    }

    /// Called by the writer when it has stored a file: a worker may start one more.
    func fileStored() {
        window.signal()
    }

    /// Stops the workers after a failure of the writer: no file is started, blocked parses are released (their
    /// next send throws) and the caller waits until every thread has ended.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        for _ in 0..<threads { window.signal() }
        for channel in channels { channel.cancel() }
        wait()
    }

    /// Waits until every thread has ended.
    func wait() {
        running.wait()
    }
}
