/// GitHub-flavoured Markdown: a heading, the totals, one table, the notes. For pull requests, wikis and chat.
public struct MarkdownRenderer: Renderer {
    /// The Markdown renderer.
    public init() {}

    /// `output` in this format; nil for a value it has no form of.
    public func render(_ output: Output) -> String? {
        switch output {
        case .report(let report, _): return render(report)
        case .blocks(let blocks): return render(blocks)
        case .dashboard, .events, .sources, .cacheStats, .sessions, .budgetCheck, .priceTable, .priceExplanation,
            .estimate, .comparison, .reconciliation, .reprice, .priceImport:
            return nil
        }
    }

    func render(_ blocks: UsageBlocks) -> String {
        var out = "# 5-hour blocks\n\n"
        guard !blocks.entries.isEmpty else { return out + "No requests in this period.\n" }
        let lines = Wording.blockLines(blocks)
        out += "| " + lines.header.map(cell).joined(separator: " | ") + " |\n"
        out += "|" + lines.header.indices.map { $0 < 2 ? " --- |" : " ---: |" }.joined() + "\n"
        for row in lines.rows { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
        if let active = Wording.activeBlockText(blocks) { out += "\n" + cell(active) + "\n" }
        return out
    }

    func render(_ report: UsageReport) -> String {
        let t = report.totals
        guard let period = Wording.periodText(report) else { return "# Usage\n\nNo requests in this period.\n" }
        var out = "# Usage \(period)\n\n"
        out += "**\(Decimal9.groupThousands(String(t.requests))) requests**, **\(cell(Wording.costText(t)))**, "
        out += "cache hit rate \(Wording.percent(t.cacheHitRate))"
        if report.dimensions.contains(where: \.isTime) { out += " (days in \(report.zone.name))" }
        out += ".\n\n"
        let showAdvisor = t.iterations.advisorCalls > 0
        let showCompaction = t.iterations.compactions > 0
        var header =
            report.dimensions.map(TableRenderer.title) + [
                "Requests", "Input", "Cache write 5m", "Cache write 1h", "Cache read", "Output", "Hit rate",
            ]
        if showAdvisor { header.append("Advisor") }
        if showCompaction { header.append("Compaction") }
        header.append("Cost")
        if report.billed != nil { header.append("Billed") }
        out += "| " + header.map(cell).joined(separator: " | ") + " |\n"
        out += "|" + header.indices.map { $0 < report.dimensions.count ? " --- |" : " ---: |" }.joined() + "\n"
        func line(_ keys: [String], _ t: UsageTotals, _ billed: USD?, total: Bool = false) -> String {
            var cells =
                (total ? ["**Total**"] + Array(repeating: "", count: keys.count - 1) : keys.map(cell))
                + [
                    t.requests, t.tokens.input, t.tokens.cacheWrite5m, t.tokens.cacheWrite1h, t.tokens.cacheRead,
                    t.tokens.output,
                ]
                .map { Decimal9.groupThousands(String($0)) } + [Wording.percent(t.cacheHitRate)]
            if showAdvisor {
                cells.append(
                    cell(Wording.iterationCostText(t.iterations.advisorCost, count: t.iterations.advisorCalls, of: t)))
            }
            if showCompaction {
                cells.append(
                    cell(Wording.iterationCostText(t.iterations.compactionCost, count: t.iterations.compactions, of: t))
                )
            }
            cells.append(cell(Wording.costText(t)))
            if report.billed != nil { cells.append(billed?.display ?? "-") }
            return "| " + cells.joined(separator: " | ") + " |\n"
        }
        for row in report.rows { out += line(row.keys, row.totals, row.billed) }
        out += line(Array(repeating: "", count: report.dimensions.count), t, report.billed, total: true)
        let notes = Wording.reportNotes(report)
        if !notes.isEmpty { out += "\n" + notes.map { "- " + cell($0) }.joined(separator: "\n") + "\n" }
        out += "\nPrices: built-in table \(report.priceTableVersion). "
        out += "Hit rate = cache reads / (input + cache writes + cache reads).\n"
        return out
    }

    /// Text that cannot break the table, turn into markup or drive a terminal: pipes, backslashes and markup
    /// characters escaped with a backslash, controls shown as `TerminalText` shows them.
    private func cell(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "|", "\\", "*", "_", "`", "[", "]", "<", ">", "#", "~", "&": out += "\\" + String(c)
            // Markdown is read in terminals too: controls, C1, bidi and zero-width characters shown as escapes.
            case _ where TerminalText.isUnsafe(c): out += TerminalText.escaped(String(c))
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
