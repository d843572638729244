import Dispatch
import Foundation
import ServiceLifecycle
import Synchronization
import UsageKit

/// Stores what senders export, committed before each is answered, through one writing thread: every request
/// that arrives while a commit runs joins the next one, so a thousand senders cost a few commits a second, not a
/// thousand. The queue is bounded: past `maxQueuedItems` a sender is told to come back later (and retries).
///
/// As a service it is shut down after the HTTP server (which answers every request it accepted first), then
/// finishes what is queued and stops.
final class BatchWriter: Service, Sendable {
    /// Why an export was not queued: the queue is full, or the server is stopping.
    struct Busy: Error {}

    private struct Job: Sendable {
        var export: OTLPExport
        var answer: CheckedContinuation<OTLPReceipt, any Error>
    }

    private struct State: Sendable {
        var queue: [Job] = []
        var queuedItems = 0
        var closed = false
        var stopped: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let store: UsageStore
    private let maxQueuedItems: Int
    private let source: String
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Exports per commit at most: a commit of thousands would keep the first sender waiting for the last.
    static let maxPerCommit = 256

    init(store: UsageStore, maxQueuedItems: Int, source: String) {
        self.store = store
        self.maxQueuedItems = maxQueuedItems
        self.source = source
    }

    /// Stores `export`, and returns what was rejected of it once it is committed.
    func submit(_ export: OTLPExport) async throws -> OTLPReceipt {
        try await withCheckedThrowingContinuation { answer in
            let queued = state.withLock { s -> Bool in
                // An empty queue takes any export, however large: the body limit bounds it.
                guard !s.closed, s.queue.isEmpty || s.queuedItems + export.items <= maxQueuedItems else { return false }
                s.queue.append(Job(export: export, answer: answer))
                s.queuedItems += export.items
                return true
            }
            if queued { wake.signal() } else { answer.resume(throwing: Busy()) }
        }
    }

    func run() async throws {
        let thread = Thread { [self] in write() }
        thread.name = "usage serve writer"
        thread.start()
        try? await gracefulShutdown()
        // The server has answered what it accepted: finish the queue, then stop.
        await withCheckedContinuation { stopped in
            let finished = state.withLock { s -> Bool in
                s.closed = true
                if s.finished { return true }
                s.stopped = stopped
                return false
            }
            wake.signal()
            if finished { stopped.resume() }
        }
    }

    /// The writing thread: takes what is queued, stores it in one commit, answers each sender.
    private func write() {
        while true {
            wake.wait()
            while true {
                let (jobs, closed) = state.withLock { s -> ([Job], Bool) in
                    let jobs = Array(s.queue.prefix(Self.maxPerCommit))
                    s.queue.removeFirst(jobs.count)
                    s.queuedItems -= jobs.reduce(0) { $0 + $1.export.items }
                    return (jobs, s.closed)
                }
                if jobs.isEmpty {
                    if closed {
                        let stopped = state.withLock { s -> CheckedContinuation<Void, Never>? in
                            s.finished = true
                            return s.stopped
                        }
                        stopped?.resume()
                        return
                    }
                    break
                }
                do {
                    let (_, receipts) = try store.receive(jobs.map(\.export), source: source)
                    for (job, receipt) in zip(jobs, receipts) { job.answer.resume(returning: receipt) }
                } catch {
                    for job in jobs { job.answer.resume(throwing: error) }
                }
            }
        }
    }
}
