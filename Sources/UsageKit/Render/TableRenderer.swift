/// Aligned text tables for terminals.
public struct TableRenderer: Renderer {
    public init() {}

    public func render(_ report: UsageReport) -> String {
        let t = report.totals
        guard let first = report.first, let last = report.last else {
            return "No requests in this period.\n"
        }
        var out = "Usage " + Timestamp.iso(first).prefix(10) + " to " + Timestamp.iso(last).prefix(10)
        out += ": \(number(t.requests)) requests, \(costText(t)) (cache hit rate \(percent(t.cacheHitRate)))\n\n"
        var header = [
            report.grouping == .model ? "Model" : "Day", "Requests", "Input", "Cache write", "Cache read", "Output",
            "Hit rate", "Cost",
        ]
        let showBilled = report.billed != nil
        if showBilled { header.append("Billed") }
        var rows = report.rows.map { row in cells(row.key, row.totals) + (showBilled ? [row.billed?.display ?? "-"] : []) }
        rows.append(cells("Total", t) + (showBilled ? [report.billed!.display] : []))
        out += Self.table(header: header, rows: rows, rightAligned: Set(1..<header.count), totalsRow: true)
        let notes = reportNotes(report)
        if !notes.isEmpty {
            out += "\n" + notes.map { "Note: " + $0 }.joined(separator: "\n") + "\n"
        }
        out += "\nPrices: built-in table \(report.priceTableVersion). Hit rate = cache reads / (input + cache writes + cache reads).\n"
        return out
    }

    public func render(_ events: [RequestEvent]) -> String {
        let header = ["Time (UTC)", "Model", "Input", "Cache write", "Cache read", "Output", "Stop", "Session", "Cost"]
        let rows = events.map { e in
            [
                String(Timestamp.iso(e.timestamp).prefix(19)).replacingOccurrences(of: "T", with: " "), e.model,
                number(e.tokens.input), number(e.tokens.cacheWrite5m + e.tokens.cacheWrite1h), number(e.tokens.cacheRead),
                number(e.tokens.output), e.stopReason ?? "", e.session ?? "",
                e.cost.map { $0.exact } ?? "unpriced",
            ]
        }
        if rows.isEmpty { return "No requests match.\n" }
        return Self.table(header: header, rows: rows, rightAligned: [2, 3, 4, 5, 8], totalsRow: false)
    }

    public func render(_ sources: [SourceFile]) -> String {
        if sources.isEmpty { return "No files ingested yet.\n" }
        let header = ["File", "Format", "Requests", "Rejected", "Read", "Last ingest (UTC)"]
        let rows = sources.map { f in
            [
                f.path, f.format, number(f.requests), number(f.rejected),
                f.consumed == f.size ? "all" : "\(number(f.consumed)) of \(number(f.size)) bytes",
                String(Timestamp.iso(f.lastIngest).prefix(19)).replacingOccurrences(of: "T", with: " "),
            ]
        }
        return Self.table(header: header, rows: rows, rightAligned: [2, 3], totalsRow: false)
    }

    private func cells(_ key: String, _ t: UsageTotals) -> [String] {
        [
            key, number(t.requests), number(t.tokens.input), number(t.cacheWriteTokens), number(t.tokens.cacheRead),
            number(t.tokens.output), percent(t.cacheHitRate), costText(t),
        ]
    }

    private func costText(_ t: UsageTotals) -> String {
        if t.rows == 0 { return "-" }
        if t.nothingPriced { return "unpriced" }
        return t.cost.display + (t.unpricedRequests > 0 ? " + unpriced" : "")
    }

    private func number(_ v: Int64) -> String { groupThousands(String(v)) }

    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>, totalsRow: Bool) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(rightAligned.contains(i) ? pad + cell : cell + pad)
            }
            var text = parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        var out = line(header) + rule
        for (i, row) in rows.enumerated() {
            if totalsRow && i == rows.count - 1 { out += rule }
            out += line(row)
        }
        return out
    }
}
