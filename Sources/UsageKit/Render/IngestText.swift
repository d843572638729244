extension IngestSummary {
    /// The run's one-line summary.
    public var line: String {
        func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String {
            "\(n) \(n == 1 ? one : many ?? one + "s")"
        }
        var parts = [plural(files, "file")]
        if unchangedFiles > 0 { parts[0] += " (\(unchangedFiles) unchanged skipped)" }
        parts += [
            plural(newRequests, "new request"), plural(duplicates, "duplicate"), plural(rejectedLines, "rejected line"),
        ]
        if failedPaths > 0 { parts.append("\(failedPaths) unreadable") }
        if ignoredLines > 0 { parts.append("\(ignoredLines) without usage") }
        if skippedFiles > 0 { parts.append("\(skippedFiles) non-log files skipped") }
        if unpricedRequests > 0 { parts.append("\(unpricedRequests) unpriced") }
        if undatedRequests > 0 { parts.append("\(undatedRequests) dated by file time") }
        if redatedRequests > 0 {
            parts.append(
                plural(
                    redatedRequests, "request re-dated and re-priced by its batch",
                    "requests re-dated and re-priced by their batch"))
        }
        if unbilledBatchRequests > 0 { parts.append("\(unbilledBatchRequests) batch requests not billed") }
        if billedAmounts > 0 { parts.append(plural(billedAmounts, "billed amount")) }
        return "ingested: " + parts.joined(separator: ", ")
    }
}

extension IngestIssue: CustomStringConvertible {
    /// The issue as one line for people: `path:line: reason`, or `path: reason` for the whole path.
    public var description: String {
        switch problem {
        case .notFound: return "\(path): no such file or directory"
        case .unreadable(let reason): return "\(path): cannot read: \(reason)"
        case .notAUsageLog: return "\(path): not a usage log (expected JSON, JSON Lines or server-sent events)"
        case .rejected(let reason): return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case .moreRejected(let count): return "\(path): \(count) more rejected lines not shown"
        }
    }
}
