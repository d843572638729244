/// JSON for scripts: documented keys, exact money.
public struct JSONRenderer: Renderer {
    /// The JSON renderer.
    public init() {}

    /// `output` in this format; nil for a value it has no form of.
    public func render(_ output: Output) -> String? {
        switch output {
        case .report(let report, _): return render(report)
        case .events(let events): return render(events)
        case .sources(let sources): return render(sources)
        case .cacheStats(let stats, let top): return render(stats, top: top)
        case .sessions(let sessions): return render(sessions: sessions)
        case .blocks(let blocks): return render(blocks)
        case .budgetCheck(let check): return render(check)
        case .priceTable(let table): return table.exportJSON()
        case .comparison(let comparison): return render(comparison)
        case .reconciliation(let reconciliation): return render(reconciliation)
        case .dashboard, .priceExplanation, .estimate, .reprice, .priceImport: return nil
        }
    }

    func render(_ blocks: UsageBlocks) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.string("time_zone", blocks.zone.name)
                w.string("at", Timestamp.iso(blocks.at))
                w.int("token_limit", blocks.tokenLimit)
                w.usd("cost_limit_usd", blocks.costLimit)
                w.objects("entries", blocks.entries) { w, entry in
                    switch entry {
                    case .gap(let start, let end):
                        w.string("kind", "gap")
                        w.string("start", Timestamp.iso(start))
                        w.string("end", Timestamp.iso(end))
                    case .block(let b):
                        let shares = blocks.shares(b)
                        w.string("kind", "block")
                        w.string("start", Timestamp.iso(b.start))
                        w.string("end", Timestamp.iso(b.end))
                        w.string("local_start", blocks.zone.clock(utcMillis: b.start))
                        w.string("first_request", Timestamp.iso(b.firstRequest))
                        w.string("last_request", Timestamp.iso(b.lastRequest))
                        w.int("requests", b.totals.requests)
                        w.int("aggregated_rows", b.totals.aggregatedRows)
                        w.int("tokens", b.tokens)
                        w.int("input_tokens", b.totals.tokens.input)
                        w.int("cache_write_5m_tokens", b.totals.tokens.cacheWrite5m)
                        w.int("cache_write_1h_tokens", b.totals.tokens.cacheWrite1h)
                        w.int("cache_read_tokens", b.totals.tokens.cacheRead)
                        w.int("output_tokens", b.totals.tokens.output)
                        w.usd("cost_usd", b.totals.cost)
                        w.int("unpriced_requests", b.totals.unpricedRequests)
                        w.ratio("token_limit_share", shares.tokens)
                        w.ratio("cost_limit_share", shares.cost)
                        w.bool("active", b.isActive)
                        if let rate = b.burnRate, let projection = b.projection {
                            w.object("burn_rate") { w in
                                w.usd("cost_usd_per_hour", rate.costPerHour)
                                w.ratio("tokens_per_minute", rate.tokensPerMinute)
                            }
                            w.object("projection") { w in
                                w.usd("cost_usd", projection.cost)
                                w.int("tokens", projection.tokens)
                                w.int("minutes_left", projection.minutesLeft)
                                w.ratio("token_limit_share", shares.projectedTokens)
                                w.ratio("cost_limit_share", shares.projectedCost)
                            }
                        }
                    }
                }
            }
        }
    }

    func render(_ report: UsageReport) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.strings("group_by", report.dimensions.map(\.rawValue))
                w.string("time_zone", report.zone.name)
                w.object("period") { w in
                    w.string("since", report.filter.since.map(Timestamp.iso))
                    w.string("until", report.filter.until.map(Timestamp.iso))
                    w.string("first_request", report.first.map(Timestamp.iso))
                    w.string("last_request", report.last.map(Timestamp.iso))
                }
                w.string("price_table", report.priceTableVersion)
                w.object("totals") { w in
                    totals(&w, report.totals)
                    w.usd("billed_usd", report.billed)
                }
                w.objects("rows", report.rows) { w, row in
                    for (d, key) in zip(report.dimensions, row.keys) { w.string(d.key, key) }
                    totals(&w, row.totals)
                    w.usd("billed_usd", row.billed)
                }
                w.objects("unpriced_models", report.unpriced) { w, model in
                    w.string("model", model.model)
                    w.int("requests", model.requests)
                    tokens(&w, model.tokens)
                }
                w.objects("advisor_models", report.advisors) { w, advisor in
                    w.string("model", advisor.model)
                    w.int("requests", advisor.requests)
                    w.int("calls", advisor.calls)
                    tokens(&w, advisor.tokens)
                    w.usd("cost_usd", advisor.cost)
                }
                w.strings("notes", Wording.reportNotes(report))
            }
        }
    }

    private func tokens(_ w: inout JSONWriter, _ t: TokenCounts) {
        w.int("input_tokens", t.input)
        w.int("cache_write_5m_tokens", t.cacheWrite5m)
        w.int("cache_write_1h_tokens", t.cacheWrite1h)
        w.int("cache_read_tokens", t.cacheRead)
        w.int("output_tokens", t.output)
    }

    /// An event's advisor calls or compactions: null when it has none.
    private func iterationPart(
        _ w: inout JSONWriter, _ key: String, _ part: RequestEvent.IterationPart?, countKey: String, model: Bool
    ) {
        guard let part else {
            w.string(key, nil)
            return
        }
        w.object(key) { w in
            if model { w.string("model", part.model) }
            w.int(countKey, part.count)
            tokens(&w, part.tokens)
            w.usd("cost_usd", part.cost)
        }
    }

    private func totals(_ w: inout JSONWriter, _ t: UsageTotals) {
        w.int("requests", t.requests)
        tokens(&w, t.tokens)
        w.int("web_search_requests", t.webSearchRequests)
        w.ratio("cache_hit_rate", t.cacheHitRate)
        w.usd("cost_usd", t.nothingPriced ? nil : t.cost)
        w.int("unpriced_requests", t.unpricedRequests)
        w.int("priority_requests", t.priorityRequests)
        w.int("aggregated_rows", t.aggregatedRows)
        w.int("logged_requests", t.loggedRequests)
        w.usd("logged_cost_usd", t.loggedRequests > 0 ? t.loggedCost : nil)
        w.usd("logged_computed_cost_usd", t.loggedRequests > 0 ? t.loggedComputedCost : nil)
        // Null where nothing is priced, as `cost_usd` is: an unknown part is not zero.
        func part(_ name: String, count: (key: String, value: Int64), prompt: Int64, output: Int64, cost: USD) {
            w.int(count.key, count.value)
            w.int(name + "_prompt_tokens", prompt)
            w.int(name + "_output_tokens", output)
            w.usd(name + "_cost_usd", t.nothingPriced ? nil : cost)
        }
        let it = t.iterations
        part(
            "advisor", count: ("advisor_calls", it.advisorCalls), prompt: it.advisorPromptTokens,
            output: it.advisorOutputTokens, cost: it.advisorCost)
        part(
            "compaction", count: ("compactions", it.compactions), prompt: it.compactionPromptTokens,
            output: it.compactionOutputTokens, cost: it.compactionCost)
    }

    private func cacheFigures(_ w: inout JSONWriter, _ f: CacheFigures) {
        w.ratio("hit_rate", f.hitRate)
        w.int("cache_read_tokens", f.tokens.cacheRead)
        w.int("cache_write_5m_tokens", f.tokens.cacheWrite5m)
        w.int("cache_write_1h_tokens", f.tokens.cacheWrite1h)
        w.int("input_tokens", f.tokens.input)
        w.int("output_tokens", f.tokens.output)
        w.int("requests", f.requests)
        w.int("requests_with_hits", f.requestsWithHits)
        w.ratio("requests_with_hits_share", f.hitRequestShare)
        w.int("unpriced_requests", f.unpricedRequests)
        w.int("aggregated_rows", f.aggregatedRows)
        // Money of a set with no priced row is unknown: null, never zero.
        for (key, amount) in Self.cacheMoney { w.usd(key, f.nothingPriced ? nil : f[keyPath: amount]) }
    }

    /// The money of the cache figures, in the order of their keys.
    private static let cacheMoney: [(String, KeyPath<CacheFigures, USD> & Sendable)] = [
        ("cost_usd", \.costUSD), ("cost_without_cache_usd", \.costWithoutCacheUSD),
        ("prompt_cost_usd", \.promptCostUSD),
        ("prompt_cost_without_cache_usd", \.promptCostWithoutCacheUSD), ("gross_savings_usd", \.grossSavingsUSD),
        ("write_premium_usd", \.writePremiumUSD), ("net_savings_usd", \.netSavingsUSD),
        ("batch_savings_usd", \.batchSavingsUSD), ("waste_usd", \.wasteUSD),
    ]

    private func groups(_ w: inout JSONWriter, _ key: String, _ name: String, _ groups: [CacheStats.Group]) {
        w.objects(key, groups) { w, g in
            w.string(name, g.key)
            cacheFigures(&w, g.figures)
        }
    }

    func render(_ stats: CacheStats, top: Int) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.object("period") { w in
                    w.string("since", stats.filter.since.map(Timestamp.iso))
                    w.string("until", stats.filter.until.map(Timestamp.iso))
                    w.ratio("days", stats.days)
                }
                cacheFigures(&w, stats.totals)
                w.strings("notes", Wording.telemetryNotes(stats.telemetry))
                groups(&w, "by_model", "model", stats.byModel)
                groups(&w, "by_workflow", "workflow", stats.byWorkflow)
                groups(&w, "by_session", "session", stats.bySession)
                groups(&w, "by_project", "project", stats.byProject)
                let ranked = [
                    ("workflow", stats.byWorkflow), ("session", stats.bySession), ("project", stats.byProject),
                ]
                for (name, list) in ranked {
                    groups(&w, "top_\(name)s_by_net_savings", name, CacheStats.topBySavings(list, top))
                    groups(&w, "top_\(name)s_by_waste", name, CacheStats.topByWaste(list, top))
                }
                w.objects("daily", stats.daily) { w, d in
                    w.string("day", d.day)
                    w.int("requests", d.figures.requests)
                    w.int("prompt_tokens", d.figures.tokens.prompt)
                    w.int("cache_read_tokens", d.figures.tokens.cacheRead)
                    w.ratio("hit_rate", d.figures.hitRate)
                }
                w.object("waste") { w in
                    w.int("unread_write_requests", stats.unreadWrites.requests)
                    w.int("unread_write_tokens", stats.unreadWrites.tokens)
                    let fiveMinutes = stats.oneHourWritesFiveMinutesWouldServe
                    w.int("one_hour_writes_five_minutes_would_serve", fiveMinutes.requests)
                    w.int("one_hour_write_tokens_five_minutes_would_serve", fiveMinutes.tokens)
                    w.int("expired_cache_gaps", stats.expiredCacheGaps.requests)
                    w.int("expired_cache_rewritten_tokens", stats.expiredCacheGaps.tokens)
                    w.int("expired_cache_gaps_within_hour", stats.expiredCacheGapsWithinHour.requests)
                }
                w.objects("recommendations", stats.recommendations) { w, r in
                    w.string("kind", r.kind.rawValue)
                    w.string("message", Wording.message(r))
                    w.string("evidence", Wording.evidence(r))
                    w.usd("monthly_savings_usd", r.monthlySavings)
                }
                w.strings("legend", Wording.cacheLegend)
            }
        }
    }

    func render(_ check: BudgetCheck) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.string("status", check.status.name)
                w.int("exit_code", Int64(check.status.rawValue))
                w.string("summary", Wording.summary(check))
                w.string("problem", check.problem?.description)
                w.string("time_zone", check.zone.name)
                w.string("checked_at", Timestamp.iso(Int64(check.checkedAt.timeIntervalSince1970 * 1000)))
                w.string("forecast_method", BudgetCheck.forecastMethod)
                w.objects("budgets", check.results) { w, r in
                    w.string("name", r.budget.name)
                    w.string("period", r.budget.period.description)
                    w.string("period_start", Timestamp.iso(r.start))
                    w.string("period_end", Timestamp.iso(r.end))
                    w.object("scope") { w in
                        let s = r.budget.scope
                        let fields = [
                            ("model", s.model), ("workflow", s.workflow), ("project", s.project),
                            ("session", s.session), ("api_key", s.apiKey), ("workspace", s.workspace),
                        ]
                        for (key, value) in fields where value != nil { w.string(key, value) }
                    }
                    w.usd("spent_usd", r.spent)
                    w.usd("limit_usd", r.budget.limit)
                    w.ratio("share", r.share)
                    w.usd("remaining_usd", r.remaining)
                    w.int("warn_at_percent", Int64(r.budget.warnAt))
                    w.usd("forecast_usd", r.forecast)
                    w.usd("today_usd", r.todaySpend)
                    w.usd("trailing_daily_average_usd", r.trailingDailyAverage)
                    w.bool("anomaly", r.anomaly)
                    w.int("unpriced_requests", r.unpricedRequests)
                    w.string("status", r.status.name)
                    w.strings("reasons", r.reasons.map(Wording.reason))
                }
            }
        }
    }

    func render(sessions: [CacheStats.Group]) -> String {
        JSONWriter.document { w in
            w.objects(nil, sessions) { w, g in
                let f = g.figures
                w.string("session", g.key)
                w.int("requests", f.requests)
                w.int("total_tokens", f.tokens.prompt + f.tokens.output)
                w.int("cached_tokens", f.tokens.cacheRead)
                w.ratio("hit_rate", f.hitRate)
                w.usd("cost_usd", f.nothingPriced ? nil : f.costUSD)
                w.usd("net_savings_usd", f.nothingPriced ? nil : f.netSavingsUSD)
            }
        }
    }

    func render(_ sources: [SourceFile]) -> String {
        JSONWriter.document { w in
            w.objects(nil, sources) { w, f in
                w.string("file", f.path)
                w.string("format", f.format)
                w.int("requests", f.requests)
                w.int("rejected_lines", f.rejected)
                w.int("size_bytes", f.size)
                w.int("read_bytes", f.consumed)
                w.string("last_ingest", Timestamp.iso(f.lastIngest))
                w.int("unbilled_batch_requests", f.unbilledBatchRequests)
            }
        }
    }

    func render(_ events: [RequestEvent]) -> String {
        JSONWriter.document { w in
            w.objects(nil, events) { w, e in
                w.int("id", e.id)
                w.string("request_id", e.requestID)
                w.string("message_id", e.messageID)
                w.string("timestamp", Timestamp.iso(e.timestamp))
                w.string("model", e.model)
                w.string("priced_as", e.pricedAs)
                w.string("service_tier", e.serviceTier)
                tokens(&w, e.tokens)
                w.int("thinking_tokens", e.thinkingTokens)
                w.int("web_search_requests", e.webSearchRequests)
                w.string("stop_reason", e.stopReason)
                w.string("session", e.session)
                w.string("workflow", e.workflow)
                w.string("project", e.project)
                w.string("custom_id", e.customID)
                w.string("git_branch", e.gitBranch)
                w.usd("cost_usd", e.cost)
                w.bool("priced", e.priced)
                iterationPart(&w, "advisor", e.advisor, countKey: "calls", model: true)
                iterationPart(&w, "compaction", e.compaction, countKey: "count", model: false)
                w.string("source", e.source)
            }
        }
    }

    /// Each target on one line, as `compare` has always written them.
    func render(_ c: Comparison) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.int("requests", c.requests)
                w.int("unpriced_requests", c.unpricedRequests)
                w.usd("actual_cost_usd", c.actual)
                w.objects("targets", c.targets, inline: true) { w, t in
                    w.string("model", t.model)
                    w.usd("cost_usd", t.cost)
                    w.usd("actual_compared_usd", t.actualCompared)
                    w.usd("difference_usd", t.cost - t.actualCompared)
                    w.int("unavailable_requests", t.unavailable)
                    w.object("by_source") { w in
                        for (source, cost) in t.bySource.sorted(by: { $0.key < $1.key }) { w.usd(source, cost) }
                    }
                }
            }
        }
    }

    /// Each row on one line, as `reconcile` has always written them.
    func render(_ r: Reconciliation) -> String {
        JSONWriter.document { w in
            w.object { w in
                w.usd("computed_usd", r.computed)
                w.usd("billed_usd", r.billed)
                w.fixed("error", r.error, decimals: 6)
                w.objects("rows", r.rows, inline: true) { w, row in
                    w.string("day", row.day)
                    w.string("model", row.model)
                    w.usd("computed_usd", row.computed)
                    w.usd("billed_usd", row.billed)
                    w.usd("difference_usd", row.difference)
                    w.string("basis", row.basis)
                    w.string("largest_gap_token_type", row.largestGap?.type)
                }
            }
        }
    }
}
