import Foundation

/// How far an ingest run is.
public struct IngestProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var seconds: Double
}

/// Counts bytes and files done and calls the progress callback at most a few times a second.
final class ProgressMeter: @unchecked Sendable {
    private let report: (@Sendable (IngestProgress) -> Void)?
    private let start = Date()
    private var last = Date.distantPast
    private var progress: IngestProgress
    private let lock = NSLock()

    init(filesTotal: Int, bytesTotal: Int64, report: (@Sendable (IngestProgress) -> Void)?) {
        self.report = report
        progress = IngestProgress(filesDone: 0, filesTotal: filesTotal, bytesDone: 0, bytesTotal: bytesTotal, seconds: 0)
    }

    func read(_ bytes: Int) { update { $0.bytesDone += Int64(bytes) } }

    func fileDone() { update { $0.filesDone += 1 } }

    private func update(_ change: (inout IngestProgress) -> Void) {
        guard let report else { return }
        lock.lock()
        change(&progress)
        let now = Date()
        let due = now.timeIntervalSince(last) >= 0.2 || progress.filesDone == progress.filesTotal
        if due {
            last = now
            progress.seconds = now.timeIntervalSince(start)
        }
        let snapshot = progress
        lock.unlock()
        if due { report(snapshot) }
    }
}
