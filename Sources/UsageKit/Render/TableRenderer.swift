import Foundation

/// Aligned text tables and plain prose for terminals: every value has this form.
public struct TableRenderer: Renderer {
    /// The terminal it fits: its width and whether it takes colour.
    public var options: RenderOptions

    /// A renderer for the terminal `options` describe.
    public init(_ options: RenderOptions) { self.options = options }

    /// A renderer for a terminal of `width` columns, coloured or not; by default, neither.
    public init(width: Int? = nil, color: Bool = false) { self.init(RenderOptions(width: width, color: color)) }

    private var width: Int? { options.width }
    private var color: Bool { options.color }

    /// `output` in this format; nil for a value it has no form of.
    public func render(_ output: Output) -> String? {
        switch output {
        case .report(let report, let budgets):
            return render(report) + (budgets.map { "\nBudgets\n" + render($0) } ?? "")
        case .dashboard: return nil
        case .events(let events): return render(events)
        case .sources(let sources): return render(sources)
        case .cacheStats(let stats, let top): return render(stats, top: top)
        case .sessions(let sessions): return render(sessions: sessions)
        case .blocks(let blocks): return render(blocks)
        case .budgetCheck(let check): return render(check)
        case .priceTable(let table): return render(table)
        case .priceExplanation(let model, let table, let time): return explanation(of: model, in: table, at: time)
        case .estimate(let estimate, let time, let webSearches, let images):
            return render(estimate, at: time, webSearches: webSearches, images: images)
        case .comparison(let comparison): return render(comparison)
        case .reconciliation(let reconciliation): return render(reconciliation)
        case .reprice(let summary): return render(summary)
        case .priceImport(let imported, let base, let file, let stored):
            return render(imported, over: base, file: file, stored: stored)
        }
    }

    func render(_ report: UsageReport) -> String {
        let t = report.totals
        guard let period = Wording.periodText(report) else { return "No requests in this period.\n" }
        var out = "Usage " + period
        if report.dimensions.contains(where: \.isTime) && report.zone != .utc {
            out += " (days in \(report.zone.name))"
        }
        out += ": \(number(t.requests)) requests, \(Wording.costText(t))"
        out += " (cache hit rate \(Wording.percent(t.cacheHitRate)))\n\n"
        let names = report.dimensions.map(Self.title)
        let showAdvisor = t.iterations.advisorCalls > 0
        let showCompaction = t.iterations.compactions > 0
        var header = names + ["Requests", "Input", "Cache write", "Cache read", "Output", "Hit rate"]
        if showAdvisor { header.append("Advisor") }
        if showCompaction { header.append("Compaction") }
        header.append("Cost")
        let showBilled = report.billed != nil
        if showBilled { header.append("Billed") }
        func cells(_ t: UsageTotals) -> [String] {
            var cells = [
                number(t.requests), number(t.tokens.input), number(t.cacheWriteTokens), number(t.tokens.cacheRead),
                number(t.tokens.output), Wording.percent(t.cacheHitRate),
            ]
            if showAdvisor {
                cells.append(
                    Wording.iterationCostText(t.iterations.advisorCost, count: t.iterations.advisorCalls, of: t))
            }
            if showCompaction {
                cells.append(
                    Wording.iterationCostText(t.iterations.compactionCost, count: t.iterations.compactions, of: t))
            }
            return cells + [Wording.costText(t)]
        }
        var rows = report.rows.map { row in
            row.keys.map(Self.printable) + cells(row.totals) + (showBilled ? [row.billed?.display ?? "-"] : [])
        }
        rows.append(
            ["Total"] + Array(repeating: "", count: names.count - 1) + cells(t)
                + (showBilled ? [report.billed!.display] : []))
        out += fitted(header: header, rows: rows, keys: names.count)
        let notes = Wording.reportNotes(report)
        if !notes.isEmpty {
            out += "\n" + notes.map { "Note: " + Self.printable($0) }.joined(separator: "\n") + "\n"
        }
        out += "\nPrices: built-in table \(report.priceTableVersion). "
        out += "Hit rate = cache reads / (input + cache writes + cache reads).\n"
        return out
    }

    static func isTimeColumn(_ title: String) -> Bool { ["Day", "Week", "Month"].contains(title) }

    /// Text from a log, safe to print: see `TerminalText`.
    static func printable(_ text: String) -> String { TerminalText.escaped(text) }

    static func title(_ d: ReportDimension) -> String {
        switch d {
        case .serviceTier: return "Service tier"
        case .day, .week, .month, .model, .session, .workflow, .project, .source:
            return d.rawValue.prefix(1).uppercased() + d.rawValue.dropFirst()
        }
    }

    /// The report table, narrowed to the terminal: the less telling columns go first, then long keys are cut.
    private func fitted(header: [String], rows: [[String]], keys: Int) -> String {
        var header = header
        var rows = rows
        func tableWidth() -> Int {
            header.indices.map { i in rows.map { $0[i].count }.max().map { max($0, header[i].count) } ?? header[i].count
            }
            .reduce(0, +) + 2 * (header.count - 1)
        }
        if let width {
            for column in ["Cache write", "Cache read", "Input", "Hit rate", "Compaction", "Advisor", "Billed"]
            where tableWidth() > width {
                guard let i = header.firstIndex(of: column) else { continue }
                header.remove(at: i)
                for r in rows.indices { rows[r].remove(at: i) }
            }
            // Then long names are cut in the middle (their ends tell them apart); dates are never cut.
            for k in 0..<keys where !Self.isTimeColumn(header[k]) {
                let excess = tableWidth() - width
                guard excess > 0 else { break }
                let longest = rows.map { $0[k].count }.max() ?? 0
                let keep = max(12, longest - excess)
                for r in rows.indices where rows[r][k].count > keep {
                    let text = rows[r][k]
                    let head = (keep - 1) / 2
                    rows[r][k] = String(text.prefix(head)) + "…" + String(text.suffix(keep - 1 - head))
                }
            }
        }
        let table = Self.table(header: header, rows: rows, rightAligned: Set(keys..<header.count), totalsRow: true)
        return color ? colored(table) : table
    }

    /// Bold header and totals, dim rules, yellow where cost is unknown.
    private func colored(_ table: String) -> String {
        var lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for i in lines.indices where !lines[i].isEmpty {
            if i == 0 || (i == lines.count - 2 && lines[i].hasPrefix("Total"))
                || (i == lines.count - 1 && lines[i].hasPrefix("Total"))
            {
                lines[i] = "\u{1B}[1m" + lines[i] + "\u{1B}[0m"
            } else if lines[i].allSatisfy({ $0 == "-" || $0 == " " }) {
                lines[i] = "\u{1B}[2m" + lines[i] + "\u{1B}[0m"
            } else if lines[i].contains("unpriced") {
                lines[i] = lines[i].replacingOccurrences(of: "unpriced", with: "\u{1B}[33munpriced\u{1B}[0m")
            }
        }
        return lines.joined(separator: "\n")
    }

    func render(_ events: [RequestEvent]) -> String {
        if events.isEmpty { return "No requests match.\n" }
        // Columns that would be empty for every row are left out: batch ids, projects, branches, iterations.
        var columns: [(title: String, right: Bool, value: (RequestEvent) -> String)] = [
            (
                "Time (UTC)", false,
                { String(Timestamp.iso($0.timestamp).prefix(19)).replacingOccurrences(of: "T", with: " ") }
            ),
            ("Model", false, { Self.printable($0.model) }),
            ("Message", false, { Self.printable($0.messageID ?? "") }),
        ]
        if events.contains(where: { $0.customID != nil }) {
            columns.append(("Custom ID", false, { Self.printable($0.customID ?? "") }))
        }
        columns += [
            ("Input", true, { self.number($0.tokens.input) }),
            ("Cache write", true, { self.number($0.tokens.cacheWrite5m + $0.tokens.cacheWrite1h) }),
            ("Cache read", true, { self.number($0.tokens.cacheRead) }),
            ("Output", true, { self.number($0.tokens.output) }),
            ("Stop", false, { $0.stopReason ?? "" }),
            ("Session", false, { Self.printable($0.session ?? "") }),
        ]
        if events.contains(where: { $0.project != nil }) {
            columns.append(("Project", false, { Self.printable($0.project ?? "") }))
        }
        if events.contains(where: { $0.gitBranch != nil }) {
            columns.append(("Branch", false, { Self.printable($0.gitBranch ?? "") }))
        }
        if events.contains(where: { $0.advisor != nil }) {
            columns.append(
                (
                    "Advisor", false,
                    { e in
                        e.advisor.map { Self.printable($0.model) + " " + ($0.cost?.exact ?? "unpriced") } ?? ""
                    }
                ))
        }
        if events.contains(where: { $0.compaction != nil }) {
            columns.append(("Compaction", true, { e in e.compaction.map { $0.cost?.exact ?? "unpriced" } ?? "" }))
        }
        columns.append(("Cost", true, { $0.cost.map { $0.exact } ?? "unpriced" }))
        let rows = events.map { e in columns.map { $0.value(e) } }
        let right = Set(columns.indices.filter { columns[$0].right })
        return Self.table(header: columns.map(\.title), rows: rows, rightAligned: right, totalsRow: false)
    }

    func render(_ sources: [SourceFile]) -> String {
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

    func render(_ blocks: UsageBlocks) -> String {
        guard !blocks.entries.isEmpty else { return "No requests in this period: no blocks.\n" }
        let lines = Wording.blockLines(blocks)
        var out = "5-hour blocks (times in \(blocks.zone.name))\n\n"
        out += Self.table(
            header: lines.header, rows: lines.rows.map { $0.map(Self.printable) },
            rightAligned: Set(2..<lines.header.count), totalsRow: false)
        if let active = Wording.activeBlockText(blocks) { out += "\n" + active + "\n" }
        return out
    }

    func render(_ stats: CacheStats, top: Int) -> String {
        let t = stats.totals
        guard t.tokens.prompt > 0 || t.requests > 0 else { return "No requests in this period: no cache figures.\n" }
        var out = "Prompt caching: \(number(t.requests)) requests over \(String(format: "%.1f", stats.days)) days"
        if t.unpricedRequests > 0 { out += " (\(t.unpricedRequests) unpriced: in token figures, not in money)" }
        out += "\n"
        if t.aggregatedRows > 0 {
            let counters = stats.telemetry.counterRows + stats.telemetry.analyticsRows
            out += "Also \(t.aggregatedRows) aggregated rows ("
            out += counters > 0 ? "report and counter sums over a time bucket)" : "Admin API usage report rows)"
            out += ": in tokens and money, not in request counts"
            out +=
                t.requests > 0
                ? "; where they cover the same traffic as the request logs, it is counted twice.\n" : ".\n"
        }
        for note in Wording.telemetryNotes(stats.telemetry) { out += "Note: " + Self.printable(note) + "\n" }
        out += "\n"
        out += "Hit rate            \(Wording.percent(t.hitRate)) of prompt tokens read from cache\n"
        out += "Requests with hits  \(number(t.requestsWithHits)) of \(number(t.requests)) "
        out += "(\(Wording.percent(t.hitRequestShare)))\n"
        out += "Tokens              \(number(t.tokens.cacheRead)) read, \(number(t.tokens.cacheWrite5m)) written 5m, "
        out += "\(number(t.tokens.cacheWrite1h)) written 1h, \(number(t.tokens.input)) uncached input\n\n"
        let moneyRows = [
            ["Cost", t.costUSD.exact, Wording.money(t.costUSD)],
            ["Cost without caching", t.costWithoutCacheUSD.exact, Wording.money(t.costWithoutCacheUSD)],
            ["  prompts cost", t.promptCostUSD.exact, Wording.money(t.promptCostUSD)],
            [
                "  prompts without caching", t.promptCostWithoutCacheUSD.exact,
                Wording.money(t.promptCostWithoutCacheUSD),
            ],
            ["Gross saving (reads)", t.grossSavingsUSD.exact, Wording.money(t.grossSavingsUSD)],
            ["Write premium", t.writePremiumUSD.exact, Wording.money(t.writePremiumUSD)],
            ["Net saving", t.netSavingsUSD.exact, Wording.money(t.netSavingsUSD)],
            ["Batch saving", t.batchSavingsUSD.exact, Wording.money(t.batchSavingsUSD)],
            ["Waste", t.wasteUSD.exact, Wording.money(t.wasteUSD)],
        ]
        out += Self.table(header: ["Money", "USD", ""], rows: moneyRows, rightAligned: [1, 2], totalsRow: false)
        out += "\nBy model\n" + groupTable(stats.byModel, title: "Model")
        for (title, groups) in [
            ("Workflow", stats.byWorkflow), ("Session", stats.bySession), ("Project", stats.byProject),
        ]
        where groups.count > 1 || groups.first?.key != "(none)" {
            let best = CacheStats.topBySavings(groups, top)
            out += "\nTop \(best.count) by \(title.lowercased()), net saving\n" + groupTable(best, title: title)
            let wasteful = CacheStats.topByWaste(groups, top)
            if !wasteful.isEmpty {
                out += "\nTop \(wasteful.count) by \(title.lowercased()), waste\n" + groupTable(wasteful, title: title)
            }
        }
        out += "\nDaily hit rate\n"
        out += Self.table(
            header: ["Day", "Requests", "Prompt tokens", "Hit rate"],
            rows: stats.daily.map {
                [
                    $0.day, number($0.figures.requests), number($0.figures.tokens.prompt),
                    Wording.percent($0.figures.hitRate),
                ]
            },
            rightAligned: [1, 2, 3], totalsRow: false)
        func counted(_ figure: (requests: Int64, tokens: Int64)) -> String {
            "\(number(figure.requests)) \(figure.requests == 1 ? "request" : "requests"), "
                + "\(number(figure.tokens)) tokens"
        }
        out += "\nWaste\n"
        out += "  writes never read within their lifetime: \(counted(stats.unreadWrites))\n"
        out +=
            "  1-hour writes a 5-minute write would have served: \(counted(stats.oneHourWritesFiveMinutesWouldServe))\n"
        out += "  caches found gone after a pause of more than 5 minutes and written again: "
        out += "\(counted(stats.expiredCacheGaps))\n"
        out += "\nRecommendations\n"
        if stats.recommendations.isEmpty { out += "  none: caching is doing its job\n" }
        for r in stats.recommendations {
            let saving =
                r.kind == .promptsBelowMinimum
                ? "no saving possible" : "estimated saving \(Wording.money(r.monthlySavings)) a month"
            out += "  - \(Self.printable(Wording.message(r)))\n"
            out += "    evidence: \(Self.printable(Wording.evidence(r))); \(saving)\n"
        }
        out += "\n" + Wording.cacheLegend.map { "Note: " + $0 + "." }.joined(separator: "\n") + "\n"
        return out
    }

    func render(_ check: BudgetCheck) -> String {
        var out = Self.printable(Wording.summary(check)) + "\n"
        guard check.problem == nil else { return out }
        out += "\n"
        let rows = check.results.map { r in
            [
                r.budget.name, r.budget.period.description + " " + Wording.window(r, zone: check.zone),
                r.budget.scope.description,
                r.spent.display, r.budget.limit.display, "\(Int((r.share * 100).rounded()))%", r.remaining.display,
                r.forecast?.display ?? "-", r.status.name,
            ]
        }
        out += Self.table(
            header: ["Budget", "Period", "Scope", "Spent", "Limit", "Used", "Remaining", "Forecast", "Status"],
            rows: rows,
            rightAligned: [3, 4, 5, 6, 7], totalsRow: false)
        let reasons = check.results.filter { !$0.reasons.isEmpty }
        if !reasons.isEmpty {
            out +=
                "\n"
                + reasons.map { Self.printable("\($0.budget.name): " + Wording.reasons($0)) }
                .joined(separator: "\n") + "\n"
        }
        out += "\nForecast = \(BudgetCheck.forecastMethod). Days in \(check.zone.name).\n"
        return out
    }

    private func groupTable(_ groups: [CacheStats.Group], title: String) -> String {
        Self.table(
            header: [title, "Requests", "Hit rate", "Cost", "Net saving", "Waste"],
            rows: groups.map { g in
                let f = g.figures
                let rate = Wording.percent(f.hitRate)
                if f.nothingPriced { return [g.key, number(f.requests), rate, "unpriced", "-", "-"] }
                let partial = f.unpricedRequests > 0 ? " + unpriced" : ""
                return [
                    g.key, number(f.requests), rate, Wording.money(f.costUSD) + partial, Wording.money(f.netSavingsUSD),
                    Wording.money(f.wasteUSD),
                ]
            }, rightAligned: [1, 2, 3, 4, 5], totalsRow: false)
    }

    func render(sessions: [CacheStats.Group]) -> String {
        if sessions.isEmpty { return "No sessions in this period.\n" }
        return Self.table(
            header: ["Session", "Requests", "Total tokens", "Cached tokens", "Hit rate", "Cost", "Saved by cache"],
            rows: sessions.map { g in
                let f = g.figures
                let partial = f.unpricedRequests > 0 ? " + unpriced" : ""
                return [
                    g.key, number(f.requests), number(f.tokens.prompt + f.tokens.output), number(f.tokens.cacheRead),
                    Wording.percent(f.hitRate), f.nothingPriced ? "unpriced" : Wording.money(f.costUSD) + partial,
                    f.nothingPriced ? "-" : Wording.money(f.netSavingsUSD),
                ]
            }, rightAligned: [1, 2, 3, 4, 5, 6], totalsRow: false)
    }

    // MARK: Prices

    /// `$3.75` per million tokens, with as many decimals as the price has.
    private func rate(_ femto: Int64) -> String { PriceText.dollars(femto) }

    /// A multiplier such as `x1.1`.
    private func times(_ m: (numerator: Int64, denominator: Int64)) -> String {
        "x\(Double(m.numerator) / Double(m.denominator))"
    }

    private func day(_ ms: Int64) -> String { String(Timestamp.iso(ms).prefix(10)) }

    func render(_ table: PriceTable) -> String {
        var rows: [[String]] = []
        for model in table.models {
            for period in model.periods {
                let r = period.standard
                let longContext = period.longContext.map { tier in
                    ">\(number(tier.threshold)): \(rate(tier.rates.input))/\(rate(tier.rates.output))"
                }
                let fastLong = period.fastLongContext.map {
                    ", >\(number(period.longContext?.threshold ?? 0)): \(rate($0.input))/\(rate($0.output))"
                }
                rows.append([
                    model.id, period.from.map(day) ?? "-", rate(r.input), rate(r.cacheWrite5m), rate(r.cacheWrite1h),
                    rate(r.cacheRead), rate(r.output), longContext ?? "-",
                    period.fast.map { "\(rate($0.input))/\(rate($0.output))" + (fastLong ?? "") } ?? "-",
                    model.usResidency.map(times) ?? "-", model.bedrockRegional.map(times) ?? "-",
                ])
            }
        }
        let header = [
            "Model", "From", "Input", "5m write", "1h write", "Read", "Output", "Long context in/out", "Fast in/out",
            "US", "Bedrock regional",
        ]
        return "Prices: \(table.version), USD per million tokens. A date is when a period starts (UTC); it lasts until "
            + "the next.\n\n" + Self.table(header: header, rows: rows)
            + "\nUS = inference_geo us on the Anthropic API; Bedrock regional = geographic (us., eu., ...) and "
            + "in-Region ids, over global.\n"
    }

    /// `pricing show`: how `model` normalizes and which rates price it at `time`.
    func explanation(of model: String, in table: PriceTable, at time: Int64) -> String {
        var out = "\(model) normalizes to \(ModelID.normalize(model))\n"
        guard let price = table.lookup(model) else {
            out += "Not in the price table (\(table.version)): its requests are stored unpriced, never as $0.\n"
            out += "Price it with `usage pricing import FILE` (a LiteLLM price file or the tool's own format), then "
            out += "`usage reprice`.\n"
            return out
        }
        guard let period = price.period(at: time) else {
            return out + "\(price.id) has no price at \(day(time)): its imported prices start later.\n"
        }
        out += "Priced as \(price.id) (\(price.name)) at \(day(time)), by the period "
        out += (period.from.map { "from \(day($0))" } ?? "since the beginning") + ":\n"
        let r = period.standard
        out += "  input \(rate(r.input)), 5m write \(rate(r.cacheWrite5m)), 1h write \(rate(r.cacheWrite1h)), "
        out += "cache read \(rate(r.cacheRead)), output \(rate(r.output)) per million tokens\n"
        if let tier = period.longContext {
            let t = tier.rates
            out += "  prompts over \(number(tier.threshold)) tokens: every token at input \(rate(t.input)), "
            out += "5m write \(rate(t.cacheWrite5m)), 1h write \(rate(t.cacheWrite1h)), read \(rate(t.cacheRead)), "
            out += "output \(rate(t.output))\n"
        }
        if let fast = period.fast {
            out += "  fast mode: input \(rate(fast.input)), output \(rate(fast.output))"
            if let both = period.fastLongContext, let tier = period.longContext {
                out += "; over \(number(tier.threshold)) prompt tokens input \(rate(both.input)), "
                out += "output \(rate(both.output))"
            }
            out += "\n"
        }
        if let batch = period.batch {
            out += "  batch: input \(rate(batch.input)), output \(rate(batch.output)) (stated by the price list)\n"
        } else {
            out += "  batch: 50% of every token rate\n"
        }
        let endpoint = ModelID.endpoint(model)
        if endpoint.isBedrock {
            // A Bedrock id names its endpoint: that decides, inference_geo does not apply.
            out += "  platform: " + (Estimate.endpointNote(endpoint, model: price) ?? endpoint.description) + "\n"
        } else {
            out += "  platform: \(endpoint.description)"
            out +=
                "; US data residency (inference_geo us): "
                + (price.usResidency.map { times($0) + " on every token" } ?? "no multiplier") + "\n"
            out += "  on Amazon Bedrock: global. at these rates; geographic (us., eu., apac., au., jp., us-gov.) and "
            out += "in-Region ids " + (price.bedrockRegional.map(times) ?? "at these rates too") + "\n"
        }
        out += "  web search: \(rate(r.webSearch / 1_000)) per 1,000 searches\n"
        if let minimum = price.minCacheableTokens {
            out += "  minimum cacheable prompt: \(number(Int64(minimum))) tokens\n"
        }
        return out
    }

    func render(_ estimate: Estimate, at time: Int64, webSearches: Int64, images: Int) -> String {
        let price = estimate.model
        var out = "Estimate for \(price.id) (\(price.name)) on \(estimate.terms.endpoint.description), "
        out += "prices of \(day(time))\n\n"
        var rows = estimate.lines.map { line in
            [line.label, number(line.tokens) + " tokens", rate(line.ratePerMTok.nanos) + "/MTok", line.amount.exact]
        }
        if estimate.webSearch.nanos > 0 {
            rows.append(["web search", "\(webSearches) searches", "$10 per 1,000", estimate.webSearch.exact])
        }
        rows.append(["total", "", "", estimate.total.exact])
        out += Self.table(header: ["Item", "Quantity", "Rate", "USD"], rows: rows)
        if estimate.imageTokens > 0 {
            out += "\nImages: \(images), \(number(estimate.imageTokens)) input tokens (in the input line).\n"
        }
        if !estimate.modifiers.isEmpty {
            out += "\n" + estimate.modifiers.map { "Applied: \($0)." }.joined(separator: "\n") + "\n"
        }
        return out
    }

    func render(_ c: Comparison) -> String {
        func change(_ t: Comparison.Target) -> String {
            guard t.actualCompared.nanos > 0 else { return "-" }
            return Wording.percent(Double((t.cost - t.actualCompared).nanos) / Double(t.actualCompared.nanos))
        }
        var rows = [["(actual)", c.actual.display, "", ""]]
        rows += c.targets.map { [$0.model, $0.cost.display, ($0.cost - $0.actualCompared).display, change($0)] }
        var out = "\(number(c.requests)) requests, each priced on the other model with its own token counts, tier, "
        out += "batch, residency and speed.\n"
        if c.unpricedRequests > 0 {
            out += "Left out: \(number(c.unpricedRequests)) requests of unpriced models (their actual cost is "
            out += "unknown); add their prices with `usage pricing import`.\n"
        }
        for t in c.targets where t.unavailable > 0 {
            out += "Left out for \(t.model): \(number(t.unavailable)) requests dated before it had a price; its "
            out += "difference compares the rest (actual \(t.actualCompared.display)).\n"
        }
        out += "\n" + Self.table(header: ["Model", "Cost", "Difference", "Change"], rows: rows)
        let sources = c.actualBySource.sorted { $0.key < $1.key }
        if sources.count > 1 {
            out += "\nBy model used:\n"
            out += Self.table(
                header: ["Used", "actual"] + c.targets.map(\.model),
                rows: sources.map { s in
                    [s.key, s.value.display] + c.targets.map { ($0.bySource[s.key] ?? .zero).display }
                })
        }
        return out
    }

    func render(_ r: Reconciliation) -> String {
        guard !r.rows.isEmpty else {
            return "No day has both an Admin API cost report and usage: ingest cost report pages (and usage) first.\n"
        }
        let rows = r.rows.map { row -> [String] in
            let gap = row.largestGap.map { $0.difference.nanos == 0 ? "-" : "\($0.type) \($0.difference.display)" }
            return [
                row.day, row.model, row.computed.display, row.billed.display, row.difference.display,
                Wording.percent(row.share), gap ?? "-", row.basis,
            ]
        }
        let header = ["Day", "Model", "Computed", "Billed", "Difference", "%", "Largest gap", "Computed from"]
        var out = Self.table(header: header, rows: rows)
        out += "\nOverall: computed \(r.computed.exact) USD, billed \(r.billed.exact) USD, "
        out += "error \(Wording.percent(r.error))"
        out += (r.error ?? 1) < 0.01 ? " (under the 1% target)\n" : " (over the 1% target: see the largest gaps)\n"
        return out
    }

    func render(_ summary: RepriceSummary) -> String {
        var out = "repriced \(summary.requests) requests: \(summary.changed) changed, "
        out += "\(summary.newlyPriced) newly priced"
        if summary.nowUnpriced > 0 { out += ", \(summary.nowUnpriced) no longer priced" }
        out += "\ntotal \(summary.before.exact) -> \(summary.after.exact) USD "
        out += "(\((summary.after - summary.before).exact))\n"
        let moved = summary.byModel.filter { $0.value.before != $0.value.after }.sorted { $0.key < $1.key }
        if !moved.isEmpty {
            out +=
                "\n"
                + Self.table(
                    header: ["Model", "Before", "After", "Change"],
                    rows: moved.map { m in
                        [
                            m.key, m.value.before.display, m.value.after.display,
                            (m.value.after - m.value.before).display,
                        ]
                    })
        }
        return out
    }

    func render(_ imported: PriceImport, over base: PriceTable, file: String, stored: Bool) -> String {
        let when = imported.effectiveFrom.map { "from \(day($0))" } ?? "for all requests"
        let count = imported.modelIDs.count
        let prices = "\(count) model \(count == 1 ? "price" : "prices")"
        let head =
            stored
            ? "imported \(prices) from \(file), in force \(when):"
            : "would import \(prices) from \(file), in force \(when) (dry run: nothing stored):"
        return head + "\n" + imported.describe(over: base)
    }

    private func number(_ v: Int64) -> String { Decimal9.groupThousands(String(v)) }

    /// A plain table: the first column left-aligned, the others right-aligned.
    static func table(header: [String], rows: [[String]]) -> String {
        table(header: header, rows: rows, rightAligned: Set(1..<header.count), totalsRow: false)
    }

    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>, totalsRow: Bool) -> String {
        // Cells hold log text (models, sessions, file names): made safe here, for every table at once.
        let rows = rows.map { $0.map(printable) }
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
