import Foundation

/// One self-contained HTML page: inline CSS and SVG, no script, no font or image from elsewhere. Everything that
/// came from a log is escaped.
public struct HTMLRenderer: Renderer {
    /// The HTML renderer.
    public init() {}

    /// `output` in this format; nil for a value it has no form of.
    public func render(_ output: Output) -> String? {
        switch output {
        case .dashboard(let dashboard): return render(dashboard)
        case .report, .events, .sources, .cacheStats, .sessions, .blocks, .budgetCheck, .priceTable,
            .priceExplanation, .estimate, .comparison, .reconciliation, .reprice, .priceImport:
            return nil
        }
    }

    func render(_ d: Dashboard) -> String {
        let r = d.byModel
        let t = r.totals
        let generated = Timestamp.iso(Int64(d.generatedAt.timeIntervalSince1970 * 1000)).prefix(16)
            .replacingOccurrences(of: "T", with: " ")
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Anthropic API usage \(Self.escape(period(r)))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header>
            <h1>Anthropic API usage</h1>
            <p class="meta">\(Self.escape(period(r))) &middot; days in \(Self.escape(r.zone.name)) &middot; \
            generated \(Self.escape(generated)) UTC &middot; price table \(Self.escape(r.priceTableVersion))</p>
            </header>
            <main>

            """
        // Headline figures.
        let cache = d.cache.totals
        html += "<section class=\"cards\" aria-label=\"Totals\">\n"
        html += card("Cost", Wording.costText(t))
        html += card(
            "Requests",
            number(t.requests) + (t.aggregatedRows > 0 ? " + \(number(t.aggregatedRows)) aggregated rows" : ""))
        html += card("Tokens", number(t.tokens.prompt + t.tokens.output))
        html += card("Cache hit rate", Wording.percent(t.cacheHitRate))
        html += card("Net cache saving", Wording.money(cache.netSavingsUSD))
        html += card("Batch saving", Wording.money(cache.batchSavingsUSD))
        let it = t.iterations
        let parts = [
            ("Advisor calls", it.advisorCalls, it.advisorCost), ("Compactions", it.compactions, it.compactionCost),
        ]
        for (title, count, cost) in parts where count > 0 {
            let text = Wording.iterationCostText(cost, count: count, of: t, money: Wording.money)
            html += card(title, text + " (\(number(count)))")
        }
        html += "</section>\n"

        if let check = d.budgets { html += section("Budgets", budgets(check)) }
        html += section("Daily cost by model", dailyCostChart(d.daily))
        html += section("Cache hit rate per day", hitRateChart(d.daily))
        html += section("Cost by model", costTable(d.byModel, label: "Model"))
        html += section("Cost by workflow", costTable(d.byWorkflow, label: "Workflow"))
        html += section("Top sessions", costTable(d.bySession, label: "Session", limit: 10))
        html += section("Cost by project", costTable(d.byProject, label: "Project"))
        html += section("Requests stopped by max_tokens", truncation(d))
        html += section("Thinking share per workflow", thinking(d))
        html += section("Unpriced models", unpriced(r))
        let notes = Wording.reportNotes(r)
        if !notes.isEmpty {
            html += section(
                "Notes", "<ul>\n" + notes.map { "<li>\(Self.escape($0))</li>" }.joined(separator: "\n") + "\n</ul>\n")
        }
        html += """
            </main>
            <footer><p>Cache hit rate = cache reads / (uncached input + cache writes + cache reads). \
            Costs are exact to the nanodollar, from the built-in price table \
            \(Self.escape(r.priceTableVersion)).</p></footer>
            </body>
            </html>

            """
        return html
    }

    // MARK: Pieces

    private func period(_ r: UsageReport) -> String { Wording.periodText(r) ?? "no requests" }

    private func card(_ label: String, _ value: String) -> String {
        "<div class=\"card\"><div class=\"label\">\(Self.escape(label))</div>"
            + "<div class=\"value\">\(Self.escape(value))</div></div>\n"
    }

    private func section(_ title: String, _ body: String) -> String {
        "<section>\n<h2>\(Self.escape(title))</h2>\n\(body)</section>\n"
    }

    private func costTable(_ r: UsageReport, label: String, limit: Int? = nil) -> String {
        let rows = limit.map { Array(r.rows.prefix($0)) } ?? r.rows
        guard !rows.isEmpty else { return "<p>No requests.</p>\n" }
        var out = "<table>\n<thead><tr><th scope=\"col\">\(Self.escape(label))</th><th scope=\"col\">Requests</th>"
        out += "<th scope=\"col\">Input</th><th scope=\"col\">Cache write</th><th scope=\"col\">Cache read</th>"
        out += "<th scope=\"col\">Output</th><th scope=\"col\">Hit rate</th>"
        let showAdvisor = r.totals.iterations.advisorCalls > 0
        let showCompaction = r.totals.iterations.compactions > 0
        if showAdvisor { out += "<th scope=\"col\">Advisor</th>" }
        if showCompaction { out += "<th scope=\"col\">Compaction</th>" }
        out += "<th scope=\"col\">Cost</th>"
        if r.billed != nil { out += "<th scope=\"col\">Billed</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            let t = row.totals
            out += "<tr><th scope=\"row\">\(Self.escape(row.key))</th><td>\(number(t.requests))</td>"
            out += "<td>\(number(t.tokens.input))</td><td>\(number(t.cacheWriteTokens))</td>"
            out += "<td>\(number(t.tokens.cacheRead))</td><td>\(number(t.tokens.output))</td>"
            out += "<td>\(Wording.percent(t.cacheHitRate))</td>"
            if showAdvisor {
                let cost = Wording.iterationCostText(t.iterations.advisorCost, count: t.iterations.advisorCalls, of: t)
                out += "<td>\(Self.escape(cost))</td>"
            }
            if showCompaction {
                let cost = Wording.iterationCostText(
                    t.iterations.compactionCost, count: t.iterations.compactions, of: t)
                out += "<td>\(Self.escape(cost))</td>"
            }
            out += "<td>\(Self.escape(Wording.costText(t)))</td>"
            if r.billed != nil { out += "<td>\(Self.escape(row.billed?.display ?? "-"))</td>" }
            out += "</tr>\n"
        }
        if let limit, r.rows.count > limit {
            let columns = 8 + (showAdvisor ? 1 : 0) + (showCompaction ? 1 : 0) + (r.billed != nil ? 1 : 0)
            out += "<tr><td colspan=\"\(columns)\">and \(r.rows.count - limit) more</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func budgets(_ check: BudgetCheck) -> String {
        let summary = Self.escape(Wording.summary(check))
        var out = "<p class=\"status \(check.status.name.lowercased())\"><strong>\(summary)</strong></p>\n"
        guard check.problem == nil else { return out }
        out +=
            "<table>\n<thead><tr><th scope=\"col\">Budget</th><th scope=\"col\">Period</th><th scope=\"col\">Scope</th>"
        out += "<th scope=\"col\">Spent</th><th scope=\"col\">Limit</th>"
        out += "<th scope=\"col\">Used</th><th scope=\"col\">Forecast</th>"
        out += "<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n"
        for r in check.results {
            let window = r.budget.period.description + " " + Wording.window(r, zone: check.zone)
            out += "<tr><th scope=\"row\">\(Self.escape(r.budget.name))</th><td>\(Self.escape(window))</td>"
            out += "<td>\(Self.escape(r.budget.scope.description))</td><td>\(Self.escape(r.spent.display))</td>"
            out += "<td>\(Self.escape(r.budget.limit.display))</td>"
            out += "<td>\(Int((r.share * 100).rounded()))%</td><td>\(Self.escape(r.forecast?.display ?? "-"))</td>"
            out += "<td>\(r.status.name)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        let reasons = check.results.filter { !$0.reasons.isEmpty }
        if !reasons.isEmpty {
            let items = reasons.map { "<li>\(Self.escape($0.budget.name)): \(Self.escape(Wording.reasons($0)))</li>" }
            out += "<ul>\n" + items.joined(separator: "\n") + "\n</ul>\n"
        }
        return out + "<p>Forecast = \(Self.escape(BudgetCheck.forecastMethod)).</p>\n"
    }

    private func truncation(_ d: Dashboard) -> String {
        if d.truncatedByModel.isEmpty { return "<p>No request stopped at its max_tokens limit.</p>\n" }
        var out =
            "<p>Responses cut off by their <code>max_tokens</code> limit: a sign that output limits are too low.</p>\n"
        for (title, list) in [("Model", d.truncatedByModel), ("Workflow", d.truncatedByWorkflow)] {
            out += "<table>\n<thead><tr><th scope=\"col\">\(title)</th><th scope=\"col\">Stopped by max_tokens</th>"
            out += "<th scope=\"col\">Requests</th><th scope=\"col\">Share</th></tr></thead>\n<tbody>\n"
            for row in list {
                out += "<tr><th scope=\"row\">\(Self.escape(row.key))</th><td>\(number(row.truncated))</td>"
                out += "<td>\(number(row.requests))</td>"
                out += "<td>\(Wording.percent(Double(row.truncated) / Double(max(1, row.requests))))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        return out
    }

    private func thinking(_ d: Dashboard) -> String {
        if d.thinkingByWorkflow.isEmpty { return "<p>No request logged its thinking tokens.</p>\n" }
        var out = "<table>\n<thead><tr><th scope=\"col\">Workflow</th><th scope=\"col\">Thinking tokens</th>"
        out += "<th scope=\"col\">Output tokens</th><th scope=\"col\">Thinking share</th></tr></thead>\n<tbody>\n"
        for row in d.thinkingByWorkflow {
            out += "<tr><th scope=\"row\">\(Self.escape(row.key))</th><td>\(number(row.thinking))</td>"
            out += "<td>\(number(row.output))</td>"
            let share = row.output > 0 ? Double(row.thinking) / Double(row.output) : nil
            out += "<td>\(Wording.percent(share))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n<p>Thinking tokens are billed as output; "
        return out + "the share is of the output of requests that logged them.</p>\n"
    }

    private func unpriced(_ r: UsageReport) -> String {
        if r.unpriced.isEmpty { return "<p>Every model is priced.</p>\n" }
        var out =
            "<p>These models are not in the price table: their tokens are counted, their cost is unknown and left "
        out += "out of every total. To price them, import their prices (a LiteLLM price file or the tool's own "
        out += "format) with <code>usage pricing import FILE</code>, then run <code>usage reprice</code>.</p>\n"
        out += "<table>\n<thead><tr><th scope=\"col\">Model</th><th scope=\"col\">Requests</th>"
        out += "<th scope=\"col\">Prompt tokens</th><th scope=\"col\">Output tokens</th></tr></thead>\n<tbody>\n"
        for m in r.unpriced {
            out += "<tr><th scope=\"row\">\(Self.escape(m.model))</th><td>\(number(m.requests))</td>"
            out += "<td>\(number(m.tokens.prompt))</td><td>\(number(m.tokens.output))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    // MARK: Charts

    static let palette = ["#3b6ea5", "#d08c2f", "#4e9a6b", "#b5485d", "#7a62a8", "#8c8c8c"]

    /// Stacked bars of each day's cost, the five costliest models apart and the rest as "other".
    private func dailyCostChart(_ daily: UsageReport) -> String {
        let days = Array(Set(daily.rows.map { $0.keys[0] })).sorted()
        guard !days.isEmpty else { return "<p>No requests.</p>\n" }
        var modelCost: [String: Int64] = [:]
        for row in daily.rows { modelCost[row.keys[1], default: 0] += row.totals.cost.nanos }
        let top = modelCost.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5).map(\.key)
        let series = top + (modelCost.count > top.count ? ["other"] : [])
        var cost: [String: [String: Int64]] = [:]
        for row in daily.rows {
            let name = top.contains(row.keys[1]) ? row.keys[1] : "other"
            cost[row.keys[0], default: [:]][name, default: 0] += row.totals.cost.nanos
        }
        let maxDay = max(1, days.map { cost[$0]?.values.reduce(0, +) ?? 0 }.max() ?? 1)
        let frame = BarFrame(height: 240, days: days.count)
        var svg = frame.open(
            id: "cost", title: "Daily cost by model",
            description:
                "Stacked bars, one per day, of the cost of each model; the table below holds the same figures.",
            top: USD(nanos: maxDay).display)
        for (i, day) in days.enumerated() {
            var y = frame.baseline
            for (s, name) in series.enumerated() {
                let value = cost[day]?[name] ?? 0
                guard value > 0 else { continue }
                let h = frame.plotHeight * Double(value) / Double(maxDay)
                y -= h
                svg += "<rect x=\"\(f(frame.x(i)))\" y=\"\(f(y))\" width=\"\(f(frame.barWidth))\" height=\"\(f(h))\" "
                let tip = "\(Self.escape(day)) \(Self.escape(name)): \(Self.escape(USD(nanos: value).display))"
                svg += "fill=\"\(Self.palette[s % Self.palette.count])\"><title>\(tip)</title></rect>\n"
            }
        }
        svg += frame.labels(days)
        svg += "</svg>\n<figcaption class=\"legend\">"
        svg += series.enumerated().map {
            "<span><i style=\"background:\(Self.palette[$0.offset % Self.palette.count])\"></i>"
                + "\(Self.escape($0.element))</span>"
        }
        .joined(separator: " ")
        svg += "</figcaption>\n</figure>\n"
        // The text alternative: the same figures as a table.
        svg += "<details open><summary>Daily cost as a table</summary>\n<table>\n<thead><tr><th scope=\"col\">Day</th>"
        svg +=
            series.map { "<th scope=\"col\">\(Self.escape($0))</th>" }.joined()
            + "<th scope=\"col\">Total</th></tr></thead>\n<tbody>\n"
        for day in days {
            svg += "<tr><th scope=\"row\">\(Self.escape(day))</th>"
            svg += series.map { "<td>\(USD(nanos: cost[day]?[$0] ?? 0).display)</td>" }.joined()
            svg += "<td>\(USD(nanos: cost[day]?.values.reduce(0, +) ?? 0).display)</td></tr>\n"
        }
        return svg + "</tbody>\n</table>\n</details>\n"
    }

    /// One bar per day: the share of prompt tokens read from cache.
    private func hitRateChart(_ daily: UsageReport) -> String {
        var prompt: [String: Int64] = [:]
        var reads: [String: Int64] = [:]
        for row in daily.rows {
            prompt[row.keys[0], default: 0] += row.totals.tokens.prompt
            reads[row.keys[0], default: 0] += row.totals.tokens.cacheRead
        }
        let days = prompt.keys.sorted()
        guard !days.isEmpty else { return "<p>No requests.</p>\n" }
        let frame = BarFrame(height: 200, days: days.count)
        var svg = frame.open(
            id: "hit", title: "Cache hit rate per day",
            description:
                "One bar per day, from 0% to 100%, of the prompt tokens read from cache; "
                + "the table below holds the same figures.",
            top: "100%")
        for (i, day) in days.enumerated() {
            let rate = prompt[day]! > 0 ? Double(reads[day]!) / Double(prompt[day]!) : 0
            let h = frame.plotHeight * rate
            svg += "<rect x=\"\(f(frame.x(i)))\" y=\"\(f(frame.baseline - h))\" width=\"\(f(frame.barWidth))\" "
            svg += "height=\"\(f(h))\" fill=\"\(Self.palette[2])\">"
            svg += "<title>\(Self.escape(day)): \(Wording.percent(rate))</title></rect>\n"
        }
        svg += frame.labels(days)
        svg += "</svg>\n</figure>\n"
        svg += "<details open><summary>Hit rate as a table</summary>\n<table>\n<thead><tr><th scope=\"col\">Day</th>"
        svg += "<th scope=\"col\">Prompt tokens</th><th scope=\"col\">Cache reads</th>"
        svg += "<th scope=\"col\">Hit rate</th></tr></thead>\n<tbody>\n"
        for day in days {
            svg += "<tr><th scope=\"row\">\(Self.escape(day))</th><td>\(number(prompt[day]!))</td>"
            svg += "<td>\(number(reads[day]!))</td>"
            let rate = prompt[day]! > 0 ? Double(reads[day]!) / Double(prompt[day]!) : nil
            svg += "<td>\(Wording.percent(rate))</td></tr>\n"
        }
        return svg + "</tbody>\n</table>\n</details>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
    private func number(_ v: Int64) -> String { Decimal9.groupThousands(String(v)) }

    /// Escapes text for HTML content and attribute values.
    static func escape<S: StringProtocol>(_ text: S) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case _ where (c.value < 0x20 && c != "\n" && c != "\t") || c.value == 0x7F: out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:960px;\
        padding:1.5rem;color:#1d1d1f;background:#fff}
        h1{font-size:1.6rem;margin:0}\
        h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
        .meta{color:#555;margin:.3rem 0 1rem}.status.critical{color:#b00020}.status.warning{color:#9a5b00}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:.6rem}
        .card{border:1px solid #ddd;border-radius:6px;padding:.6rem .8rem}\
        .card .label{color:#555;font-size:.8rem}.card .value{font-size:1.25rem;font-weight:600}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
        th,td{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:right}\
        th:first-child{text-align:left;font-weight:500}
        thead th{border-bottom:2px solid #ccc;font-weight:600}
        svg{width:100%;height:auto}svg text{font-size:11px;fill:#444}.axis{stroke:#999;stroke-width:1}
        .legend span{margin-right:1rem;font-size:.85rem}\
        .legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
        details{margin:.3rem 0 1rem}summary{cursor:pointer;color:#3b6ea5}
        code{font-family:ui-monospace,Menlo,Consolas,monospace}
        footer{color:#555;font-size:.85rem;margin-top:2rem;border-top:1px solid #ddd}
        @media print{body{max-width:none;padding:0}details{display:block}details>*{display:block}summary{display:none}
        section{break-inside:avoid}.card{border-color:#999}}
        """
}

/// The geometry the daily bar charts share: a 720-wide plot, the value axis on the left, day labels underneath.
private struct BarFrame {
    let width = 720
    let height: Int
    let left = 60
    let bottom = 30
    /// The horizontal space of one day.
    let step: Double

    init(height: Int, days: Int) {
        self.height = height
        step = Double(width - left - 10) / Double(days)
    }

    var plotHeight: Double { Double(height - bottom - 10) }
    var baseline: Double { Double(height - bottom) }
    var barWidth: Double { max(2, step * 0.75) }
    func x(_ day: Int) -> Double { Double(left) + Double(day) * step }

    /// The figure's opening: the SVG with its accessible title and description, and the axes up to `top`.
    func open(id: String, title: String, description: String, top: String) -> String {
        var svg = "<figure>\n<svg viewBox=\"0 0 \(width) \(height)\" role=\"img\" "
        svg += "aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        svg += "<title id=\"\(id)-title\">\(HTMLRenderer.escape(title))</title>\n"
        svg += "<desc id=\"\(id)-desc\">\(HTMLRenderer.escape(description))</desc>\n"
        svg += "<line x1=\"\(left)\" y1=\"10\" x2=\"\(left)\" y2=\"\(height - bottom)\" class=\"axis\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 10)\" "
        svg += "y2=\"\(height - bottom)\" class=\"axis\"/>\n"
        svg += "<text x=\"\(left - 6)\" y=\"16\" text-anchor=\"end\">\(HTMLRenderer.escape(top))</text>\n"
        svg += "<text x=\"\(left - 6)\" y=\"\(height - bottom)\" text-anchor=\"end\">0</text>\n"
        return svg
    }

    /// Day labels under the bars, thinned out so they never overlap.
    func labels(_ days: [String]) -> String {
        let every = max(1, Int((60 / step).rounded(.up)))
        return days.enumerated().filter { $0.offset % every == 0 }.map { i, day in
            "<text x=\"\(String(format: "%.1f", x(i)))\" y=\"\(height - 10)\">"
                + "\(HTMLRenderer.escape(String(day.dropFirst(5))))</text>\n"
        }.joined()
    }
}
