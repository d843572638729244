/// Comma-separated values with a header row, quoted per RFC 4180.
///
/// Log text can hold anything, and a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return as a formula (`=HYPERLINK(...)` as a workflow name). Such a text cell gets a leading `'` inside
/// its quotes, as OWASP recommends, so it opens as the text it is; numbers (`-0.25`) stay numbers.
public struct CSVRenderer: Renderer {
    /// The CSV renderer.
    public init() {}

    /// `output` in this format; nil for a value it has no form of.
    public func render(_ output: Output) -> String? {
        switch output {
        case .report(let report, _): return render(report)
        case .events(let events): return render(events)
        case .sources(let sources): return render(sources)
        case .cacheStats(let stats, _): return render(stats)
        case .sessions(let sessions): return render(sessions: sessions)
        case .blocks(let blocks): return render(blocks)
        case .budgetCheck(let check): return render(check)
        case .dashboard, .priceTable, .priceExplanation, .estimate, .comparison, .reconciliation, .reprice,
            .priceImport:
            return nil
        }
    }

    static let tokenColumns = [
        "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens",
    ]

    func render(_ report: UsageReport) -> String {
        var lines = [
            report.dimensions.map(\.key) + ["requests"] + Self.tokenColumns + [
                "web_search_requests", "cache_hit_rate", "cost_usd", "unpriced_requests", "aggregated_rows",
                "billed_usd",
                "advisor_calls", "advisor_prompt_tokens", "advisor_output_tokens", "advisor_cost_usd", "compactions",
                "compaction_prompt_tokens", "compaction_output_tokens", "compaction_cost_usd",
            ]
        ]
        for row in report.rows {
            let t = row.totals
            lines.append(
                row.keys + [String(t.requests)] + Self.tokens(t.tokens) + [
                    String(t.webSearchRequests), JSONWriter.sixDecimals(t.cacheHitRate) ?? "",
                    t.nothingPriced || t.rows == 0 ? "" : t.cost.exact, String(t.unpricedRequests),
                    String(t.aggregatedRows),
                    row.billed?.exact ?? "",
                ] + [
                    String(t.iterations.advisorCalls), String(t.iterations.advisorPromptTokens),
                    String(t.iterations.advisorOutputTokens), t.nothingPriced ? "" : t.iterations.advisorCost.exact,
                    String(t.iterations.compactions), String(t.iterations.compactionPromptTokens),
                    String(t.iterations.compactionOutputTokens),
                    t.nothingPriced ? "" : t.iterations.compactionCost.exact,
                ])
        }
        return Self.encode(lines)
    }

    func render(_ events: [RequestEvent]) -> String {
        var lines = [
            ["id", "request_id", "message_id", "timestamp", "model", "priced_as", "service_tier"] + Self.tokenColumns
                + [
                    "thinking_tokens", "web_search_requests", "stop_reason", "session", "workflow", "project",
                    "custom_id",
                    "git_branch", "cost_usd", "priced", "source", "advisor_model", "advisor_calls",
                ] + Self.tokenColumns.map { "advisor_" + $0 } + ["advisor_cost_usd", "compactions"]
                + Self.tokenColumns.map { "compaction_" + $0 } + ["compaction_cost_usd"]
        ]
        func part(_ p: RequestEvent.IterationPart?) -> [String] {
            guard let p else { return Array(repeating: "0", count: 6) + [""] }
            return [String(p.count)] + Self.tokens(p.tokens) + [p.cost?.exact ?? ""]
        }
        for e in events {
            lines.append(
                [
                    String(e.id), e.requestID ?? "", e.messageID ?? "", Timestamp.iso(e.timestamp), e.model,
                    e.pricedAs ?? "", e.serviceTier ?? "",
                ] + Self.tokens(e.tokens) + [
                    e.thinkingTokens.map { String($0) } ?? "", String(e.webSearchRequests), e.stopReason ?? "",
                    e.session ?? "", e.workflow ?? "", e.project ?? "", e.customID ?? "", e.gitBranch ?? "",
                    e.cost?.exact ?? "", e.priced ? "true" : "false", e.source, e.advisor?.model ?? "",
                ] + part(e.advisor) + part(e.compaction))
        }
        return Self.encode(lines)
    }

    func render(_ sources: [SourceFile]) -> String {
        var lines = [
            [
                "file", "format", "requests", "rejected_lines", "size_bytes", "read_bytes", "last_ingest",
                "unbilled_batch_requests",
            ]
        ]
        for f in sources {
            lines.append([
                f.path, f.format, String(f.requests), String(f.rejected), String(f.size), String(f.consumed),
                Timestamp.iso(f.lastIngest), f.unbilledBatchRequests.map { String($0) } ?? "",
            ])
        }
        return Self.encode(lines)
    }

    /// The per-model table of the cache figures.
    func render(_ stats: CacheStats) -> String {
        var lines = [
            [
                "model", "requests", "requests_with_hits", "input_tokens", "cache_write_5m_tokens",
                "cache_write_1h_tokens",
                "cache_read_tokens", "hit_rate", "cost_usd", "cost_without_cache_usd", "gross_savings_usd",
                "write_premium_usd", "net_savings_usd", "batch_savings_usd", "waste_usd",
            ]
        ]
        for g in stats.byModel {
            let f = g.figures
            lines.append([
                g.key, String(f.requests), String(f.requestsWithHits), String(f.tokens.input),
                String(f.tokens.cacheWrite5m),
                String(f.tokens.cacheWrite1h), String(f.tokens.cacheRead), JSONWriter.sixDecimals(f.hitRate) ?? "",
                f.costUSD.exact,
                f.costWithoutCacheUSD.exact, f.grossSavingsUSD.exact, f.writePremiumUSD.exact, f.netSavingsUSD.exact,
                f.batchSavingsUSD.exact, f.wasteUSD.exact,
            ])
        }
        return Self.encode(lines)
    }

    func render(sessions: [CacheStats.Group]) -> String {
        var lines = [
            ["session", "requests", "total_tokens", "cached_tokens", "hit_rate", "cost_usd", "net_savings_usd"]
        ]
        for g in sessions {
            let f = g.figures
            lines.append([
                g.key, String(f.requests), String(f.tokens.prompt + f.tokens.output), String(f.tokens.cacheRead),
                JSONWriter.sixDecimals(f.hitRate) ?? "", f.costUSD.exact, f.netSavingsUSD.exact,
            ])
        }
        return Self.encode(lines)
    }

    func render(_ blocks: UsageBlocks) -> String {
        var lines = [
            [
                "kind", "start", "end", "first_request", "last_request", "requests", "tokens", "cost_usd",
                "token_limit_share", "cost_limit_share", "active", "burn_cost_usd_per_hour", "burn_tokens_per_minute",
                "projected_cost_usd", "projected_tokens",
            ]
        ]
        for entry in blocks.entries {
            switch entry {
            case .gap(let start, let end):
                lines.append(["gap", Timestamp.iso(start), Timestamp.iso(end)] + Array(repeating: "", count: 12))
            case .block(let b):
                let shares = blocks.shares(b)
                lines.append([
                    "block", Timestamp.iso(b.start), Timestamp.iso(b.end), Timestamp.iso(b.firstRequest),
                    Timestamp.iso(b.lastRequest), String(b.totals.requests), String(b.tokens), b.totals.cost.exact,
                    JSONWriter.sixDecimals(shares.tokens) ?? "", JSONWriter.sixDecimals(shares.cost) ?? "",
                    b.isActive ? "true" : "false", b.burnRate?.costPerHour.exact ?? "",
                    JSONWriter.sixDecimals(b.burnRate?.tokensPerMinute) ?? "", b.projection?.cost.exact ?? "",
                    b.projection.map { String($0.tokens) } ?? "",
                ])
            }
        }
        return Self.encode(lines)
    }

    func render(_ check: BudgetCheck) -> String {
        var lines = [
            [
                "name", "period", "period_start", "period_end", "scope", "spent_usd", "limit_usd", "share",
                "forecast_usd", "status", "reasons",
            ]
        ]
        for r in check.results {
            lines.append([
                r.budget.name, r.budget.period.description, Timestamp.iso(r.start), Timestamp.iso(r.end),
                r.budget.scope.description, r.spent.exact, r.budget.limit.exact, JSONWriter.sixDecimals(r.share) ?? "",
                r.forecast?.exact ?? "", r.status.name, Wording.reasons(r),
            ])
        }
        return Self.encode(lines)
    }

    static func tokens(_ t: TokenCounts) -> [String] {
        [t.input, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, t.output].map { String($0) }
    }

    static func field(_ s: String) -> String {
        var text = s
        var quoted = s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        if let first = s.unicodeScalars.first, formulaStarts.contains(first), !isNumber(s) {
            text = "'" + s
            quoted = true
        }
        guard quoted else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// First characters that make a spreadsheet read a cell as a formula.
    private static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A plain decimal number as this renderer writes them (`-12`, `-0.000926600`): left as it is.
    private static func isNumber(_ s: String) -> Bool {
        var digits = 0
        var points = 0
        for (i, c) in s.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "-") where i == 0: continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: ".") where points == 0 && digits > 0: points += 1
            default: return false
            }
        }
        return digits > 0 && s.utf8.last != UInt8(ascii: ".")
    }

    static func encode(_ lines: [[String]]) -> String {
        lines.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
