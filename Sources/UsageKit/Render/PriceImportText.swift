/// The report of a price import, in words: what it takes, keeps and skips, model by model.
extension PriceImport {
    /// What the import does to `base` (the prices in force before it), model by model: what it takes and from
    /// which entry, what stays as the table has it, and which entries it passes over and why.
    func describe(over base: PriceTable) -> String {
        var out = ""
        let start = effectiveFrom ?? Int64.min
        func day(_ t: Int64) -> String { String(Timestamp.iso(t).prefix(10)) }
        switch content {
        case .table(let table):
            for model in table.models {
                let periods = "\(model.periods.count) \(model.periods.count == 1 ? "period" : "periods")"
                let when = effectiveFrom.map { "from \(day($0))" } ?? "for every date"
                if base.lookup(model.id) == nil {
                    out += "\(model.id) (new model): \(periods), \(when)\n"
                } else {
                    out += "\(model.id): its prices replaced \(when) (\(periods)); a long-context tier or fast rates "
                    out += "the file leaves out stay as each period of the table has them\n"
                }
            }
            return out
        case .statements(let statements):
            let position = Dictionary(base.models.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
            let ordered = statements.enumerated().sorted {
                (position[$0.element.id] ?? Int.max, $0.offset) < (position[$1.element.id] ?? Int.max, $1.offset)
            }.map(\.element)
            for statement in ordered {
                out += block(statement, over: base.lookup(statement.id), start: start, day: day)
            }
            let priced = Set(statements.map(\.id))
            for (id, skips) in notes.skipped.sorted(by: { $0.key < $1.key }) where !priced.contains(id) {
                out += "\(id): nothing taken, its prices stay\n  skipped: \(Self.list(skips))\n"
            }
            let untouched = base.models.map(\.id).filter { !priced.contains($0) && notes.skipped[$0] == nil }
            if !untouched.isEmpty {
                out += "not in the price list, kept as they are: \(untouched.joined(separator: ", "))\n"
            }
            for skip in notes.notRead {
                if skip.reason == LiteLLM.otherPlatforms {
                    var counts: [String: Int] = [:]
                    for entry in skip.entries {
                        counts[entry.split(separator: "/").first.map(String.init) ?? entry, default: 0] += 1
                    }
                    let byPlatform = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                        separator: ", ")
                    out += "not read: \(skip.entries.count) entries of other platforms and resellers (\(byPlatform)): "
                    out += "their prices, not Anthropic's\n"
                } else {
                    out += "not read: \(Self.list([skip]))\n"
                }
            }
            return out
        }
    }

    /// `a, b, c: reason; d: reason`, at most eight entries per reason.
    static func list(_ skips: [ImportNotes.Skip]) -> String {
        skips.map { skip in
            let shown = skip.entries.prefix(8).joined(separator: ", ")
            let more = skip.entries.count > 8 ? " and \(skip.entries.count - 8) more" : ""
            return "\(shown)\(more): \(skip.reason)"
        }.joined(separator: "; ")
    }

    private func block(_ s: ModelStatement, over model: ModelPrice?, start: Int64, day: (Int64) -> String) -> String {
        let money = PriceText.dollars
        let under = model.flatMap { $0.period(at: start) ?? $0.periods.first }
        func rates(_ stated: StatedRates, was: Rates?) -> [String] {
            var parts: [String] = []
            func add(_ name: String, _ value: Int64?, _ old: Int64?) {
                guard let value else { return }
                parts.append("\(name) \(money(value))" + (old.map { $0 != value ? " (was \(money($0)))" : "" } ?? ""))
            }
            add("input", stated.input, was?.input)
            add("5m write", stated.cacheWrite5m, was?.cacheWrite5m)
            add("1h write", stated.cacheWrite1h, was?.cacheWrite1h)
            add("cache read", stated.cacheRead, was?.cacheRead)
            add("output", stated.output, was?.output)
            return parts
        }
        var took = [rates(s.standard, was: under?.standard).joined(separator: ", ")]
        if let tier = s.longContext {
            let old = under?.longContext.flatMap { $0.threshold == tier.threshold ? $0.rates : nil }
            let was = under == nil || old != nil ? "" : " (was none)"
            took.append(
                "long-context tier over \(Decimal9.groupThousands(String(tier.threshold))) tokens\(was): "
                    + rates(tier.rates, was: old).joined(separator: ", "))
        }
        if let batch = s.batch {
            let old = under.map { u in
                u.batch
                    ?? Rates(
                        input: u.standard.input / 2, cacheWrite5m: u.standard.cacheWrite5m / 2,
                        cacheWrite1h: u.standard.cacheWrite1h / 2,
                        cacheRead: u.standard.cacheRead / 2, output: u.standard.output / 2,
                        webSearch: u.standard.webSearch)
            }
            took.append("batch " + rates(batch, was: old).joined(separator: ", "))
        }
        let result = s.period(over: under)
        if let m = s.fastMultiplier, let fast = result.fast {
            let was =
                under.map { u in
                    u.fast.map { $0 != fast ? " (was input \(money($0.input)), output \(money($0.output)))" : "" }
                        ?? " (was none)"
                } ?? ""
            took.append("fast mode x\(m.text): input \(money(fast.input)), output \(money(fast.output))\(was)")
        }
        if let r = s.usResidency {
            var was = ""
            if let model {
                if let old = model.usResidency {
                    if Multiplier(old.numerator, old.denominator).text != r.text {
                        was = " (was x\(Multiplier(old.numerator, old.denominator).text))"
                    }
                } else {
                    was = " (was none)"
                }
            }
            took.append("US residency x\(r.text)\(was)")
        }
        if let search = s.standard.webSearch {
            let was =
                under.map { $0.standard.webSearch != search ? " (was \(money($0.standard.webSearch / 1_000)))" : "" }
                ?? ""
            took.append("web search \(money(search / 1_000)) per 1,000\(was)")
        }
        var out = "\(s.id)\(model == nil ? " (new model)" : ""), from \(notes.taken[s.id] ?? s.entry):\n"
        out += "  took:    \(took.joined(separator: "; "))\n"
        if let model {
            var kept: [String] = []
            let firstAffected = model.periods.lastIndex { ($0.from ?? Int64.min) <= start } ?? 0
            let affected = Array(model.periods[firstAffected...])
            if effectiveFrom != nil && model.periods.contains(where: { ($0.from ?? Int64.min) < start }) {
                kept.append("its prices before \(day(start))")
            }
            let later = affected.compactMap(\.from).filter { $0 > start }
            if !later.isEmpty {
                kept.append(
                    "its \(later.count == 1 ? "period" : "periods") from \(later.map(day).joined(separator: ", ")), "
                        + "\(later.count == 1 ? "with" : "each with") the stated rates laid over it")
            }
            /// Where in the affected periods `holds` is true: "" everywhere, nil nowhere.
            func when(_ holds: (PricePeriod) -> Bool) -> String? {
                var spans: [(from: Int64, to: Int64?, holds: Bool)] = []
                for (k, p) in affected.enumerated() {
                    let to = k + 1 < affected.count ? affected[k + 1].from : nil
                    let h = holds(p)
                    if let last = spans.last, last.holds == h {
                        spans[spans.count - 1].to = to
                    } else {
                        spans.append((max(p.from ?? Int64.min, start), to, h))
                    }
                }
                guard spans.contains(where: \.holds) else { return nil }
                if spans.allSatisfy(\.holds) { return "" }
                return " "
                    + spans.filter(\.holds).map { span in
                        if span.from == Int64.min, let to = span.to { return "before \(day(to))" }
                        if let to = span.to { return "from \(day(span.from)) to \(day(to))" }
                        return "from \(day(span.from))"
                    }.joined(separator: ", ")
            }
            if let u = under {
                var unstated: [String] = []
                if s.standard.cacheWrite5m == nil { unstated.append("5m write \(money(u.standard.cacheWrite5m))") }
                if s.standard.cacheWrite1h == nil { unstated.append("1h write \(money(u.standard.cacheWrite1h))") }
                if s.standard.cacheRead == nil { unstated.append("cache read \(money(u.standard.cacheRead))") }
                if !unstated.isEmpty { kept.append(unstated.joined(separator: ", ")) }
            }
            if s.longContext == nil, let text = when({ $0.longContext != nil }) {
                let thresholds = Set(affected.compactMap { $0.longContext?.threshold }).sorted().map {
                    Decimal9.groupThousands(String($0))
                }
                kept.append("long-context tier over \(thresholds.joined(separator: "/")) tokens\(text)")
            }
            if s.fastMultiplier == nil, let text = when({ $0.fast != nil }),
                let fast = affected.compactMap(\.fast).first
            {
                kept.append("fast mode input \(money(fast.input)), output \(money(fast.output))\(text)")
            }
            if s.batch == nil, let text = when({ $0.batch != nil }), let batch = affected.compactMap(\.batch).first {
                kept.append("batch input \(money(batch.input)), output \(money(batch.output))\(text)")
            }
            if s.usResidency == nil, let r = model.usResidency {
                kept.append("US residency x\(Multiplier(r.numerator, r.denominator).text)")
            }
            if s.standard.webSearch == nil, let u = under {
                kept.append("web search \(money(u.standard.webSearch / 1_000)) per 1,000")
            }
            if !kept.isEmpty { out += "  kept:    \(kept.joined(separator: "; "))\n" }
        } else {
            var derived: [String] = []
            if s.standard.cacheWrite5m == nil {
                derived.append("5m write \(money(result.standard.cacheWrite5m)) (1.25x input)")
            }
            if s.standard.cacheWrite1h == nil {
                derived.append("1h write \(money(result.standard.cacheWrite1h)) (2x input)")
            }
            if s.standard.cacheRead == nil {
                derived.append("cache read \(money(result.standard.cacheRead)) (0.1x input)")
            }
            if s.batch == nil { derived.append("batch 50%") }
            if s.standard.webSearch == nil {
                derived.append("web search \(money(result.standard.webSearch / 1_000)) per 1,000")
            }
            if !derived.isEmpty { out += "  derived: \(derived.joined(separator: "; "))\n" }
        }
        if let skips = notes.skipped[s.id] { out += "  skipped: \(Self.list(skips))\n" }
        if let unused = notes.unused[s.id] { out += "  unused:  \(unused.joined(separator: "; "))\n" }
        return out
    }
}
