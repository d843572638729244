import Foundation
import Synchronization

/// How far an ingest run is.
public struct IngestProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var seconds: Double
}

/// Counts bytes and files done and calls the progress callback at most a few times a second.
final class ProgressMeter: Sendable {
    private struct State {
        var progress: IngestProgress
        var last = Date.distantPast
    }

    private let report: (@Sendable (IngestProgress) -> Void)?
    private let start = Date()
    private let state: Mutex<State>

    init(filesTotal: Int, bytesTotal: Int64, report: (@Sendable (IngestProgress) -> Void)?) {
        self.report = report
        state = Mutex(
            State(
                progress: IngestProgress(
                    filesDone: 0, filesTotal: filesTotal, bytesDone: 0, bytesTotal: bytesTotal, seconds: 0)))
    }

    func read(_ bytes: Int) { update { $0.bytesDone += Int64(bytes) } }

    func fileDone() { update { $0.filesDone += 1 } }

    private func update(_ change: (inout IngestProgress) -> Void) {
        guard let report else { return }
        let due: IngestProgress? = state.withLock { state in
            change(&state.progress)
            let now = Date()
            guard now.timeIntervalSince(state.last) >= 0.2 || state.progress.filesDone == state.progress.filesTotal
            else { return nil }
            state.last = now
            state.progress.seconds = now.timeIntervalSince(start)
            return state.progress
        }
        // Called outside the lock: the callback may take its time.
        if let due { report(due) }
    }
}
