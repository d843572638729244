import Foundation

/// The screen of `usage watch`: a snapshot laid out for a terminal of a given size, one string per row, each at
/// most `width` characters wide (colour codes aside). Text from the logs (sessions, projects, models, budget
/// names) is escaped: it can hold anything.
public enum MonitorScreen {
    /// What the monitor says about itself: how often it refreshes, what it reads, how the last refresh went.
    public struct Status: Sendable, Equatable {
        /// Seconds between refreshes.
        public var interval: Int
        /// What is re-read: paths, the Claude Code data directories, or only the database.
        public var watching: String
        /// When the last refresh ended, and how many requests it stored.
        public var refreshedAt: Int64?
        public var newRequests: Int = 0
        /// The last problem met (a rejected line, a database error), shown on the bottom row.
        public var problem: String?

        public init(interval: Int, watching: String) {
            self.interval = interval
            self.watching = watching
        }
    }

    /// The rows of the screen, `height` of them (without a height, as many as it takes to show everything);
    /// `snapshot` nil while the first refresh runs.
    public static func rows(
        _ snapshot: MonitorSnapshot?, status: Status, width: Int, height: Int?, color: Bool, now: Int64
    ) -> [String] {
        let width = max(width, 20)
        let zone = snapshot?.zone ?? .local
        var top: [Row] = [
            [
                Span("usage watch", .title),
                Span("  " + zone.clock(utcMillis: snapshot?.at ?? now) + " " + TerminalText.escaped(zone.name)),
            ].right([Span("q quit · r refresh", .dim)], width: width),
            [],
        ]
        var footer = "every \(status.interval) s · \(TerminalText.escaped(status.watching))"
        if let at = status.refreshedAt {
            footer += " · refreshed " + String(zone.clock(utcMillis: at).suffix(5))
            if status.newRequests > 0 { footer += " (+\(Decimal9.groupThousands(String(status.newRequests))))" }
        }
        var bottom: Row = [Span(footer, .dim)]
        if let problem = status.problem { bottom = [Span(TerminalText.escaped(problem), .bad)] }
        guard let s = snapshot else {
            top.append([Span("Reading the logs…")])
            return finish(top, [], bottom: bottom, width: width, height: max(height ?? 0, 3), color: color)
        }
        top += summary(s, width: width)
        // The budgets in a table when it fits above the blank and status rows, else on one row: a heading
        // without its rows would say nothing.
        let budgetTable = budgets(s)
        top += height.map { top.count + budgetTable.count > $0 - 2 } ?? false ? budgetLine(s) : budgetTable
        top.append([])
        let height = max(height ?? (top.count + 5 + max(s.sessions.count, 1) + max(s.models.count, 1)), 3)
        // The tables share the rows left above the status row and a blank one: each has its title, and an empty
        // one says so in one row. Models get at most half of them, sessions the rest.
        let left = height - top.count - 2
        let sessionName = { (row: UsageReport.Row) in
            row.keys.map(TerminalText.escaped).filter { $0 != "(none)" }.joined(separator: "  ")
        }
        var tables: [Row] = []
        if left >= 5 {
            let room = left - 3
            let models = min(max(s.models.count, 1), room / 2)
            let sessions = min(max(s.sessions.count, 1), room - models)
            tables += table("Costliest sessions today", s.sessions.prefix(sessions), name: sessionName, width: width)
            tables.append([])
            tables += table(
                "Costliest models today", s.models.prefix(room - sessions), name: { TerminalText.escaped($0.key) },
                width: width)
        } else if left >= 2 {
            tables += table("Costliest sessions today", s.sessions.prefix(left - 1), name: sessionName, width: width)
        }
        return finish(top, tables, bottom: bottom, width: width, height: height, color: color)
    }

    // MARK: Sections

    /// The width of the labels at the left of the summary rows; the values start after it.
    private static let labelWidth = 13

    private static func summary(_ s: MonitorSnapshot, width: Int) -> [Row] {
        var rows: [Row] = []
        func line(_ name: String, _ spans: [Span]) -> Row { [Span(name.padding(labelWidth), .label)] + spans }
        rows.append(
            line(
                "Today",
                [Span(cost(s.today), .money), Span("  " + requests(s.today.rows), .dim)]))
        let month = s.monthRequests == 0 ? "-" : Wording.money(s.monthCost)
        rows.append(
            line(
                "This month",
                [
                    Span(month + (s.monthUnpriced > 0 ? " + unpriced" : ""), .money),
                    Span("  " + requests(s.monthRequests), .dim),
                ]))
        let tokens = s.lastHour.tokens.prompt + s.lastHour.tokens.output
        rows.append(
            line(
                "Last hour",
                [
                    Span(Wording.money(s.lastHour.cost) + "/h", .money),
                    Span("  " + Decimal9.groupThousands(String((tokens + 30) / 60)) + " tokens/min", .dim),
                ]))
        let cache = s.cacheToday
        rows.append(
            line(
                "Cache today",
                cache.tokens.prompt == 0
                    ? [Span("-")]
                    : [
                        Span("hit " + Wording.percent(cache.hitRate)),
                        Span("  net saving "), Span(Wording.money(cache.netSavingsUSD), .money),
                    ]))
        rows.append([])
        guard let b = s.block else {
            rows.append(line("Block", [Span("none active", .dim)]))
            return rows
        }
        let left = b.end - s.at
        rows.append(
            line(
                "Block",
                [
                    Span(
                        String(s.zone.clock(utcMillis: b.start).suffix(5)) + " to "
                            + String(s.zone.clock(utcMillis: b.end).suffix(5))),
                    Span("  " + Wording.duration(left) + " left", .dim),
                ]))
        let elapsed = Double(s.at - b.start) / Double(UsageBlocks.length)
        let barWidth = max(10, min(width - labelWidth - 7, 50))
        let filled = Int((elapsed * Double(barWidth)).rounded(.down))
        let limit = s.blockShares.projectedCost ?? s.blockShares.projectedTokens
        let style: Style = limit.map { $0 >= 1 ? .bad : $0 >= 0.8 ? .warn : .good } ?? .good
        rows.append(
            [
                Span(String(repeating: " ", count: labelWidth)),
                Span(String(repeating: "█", count: filled), style),
                Span(String(repeating: "░", count: barWidth - filled), .dim),
                Span(" " + Wording.percent(elapsed).replacingOccurrences(of: ".0%", with: "%")),
            ])
        var pace = [
            Span(String(repeating: " ", count: labelWidth)), Span(Wording.money(b.totals.cost), .money),
            Span(" so far"),
        ]
        if let rate = b.burnRate, let p = b.projection {
            let projected = [Span("projected "), Span(Wording.money(p.cost), .money)]
            pace.append(Span(" · " + Wording.money(rate.costPerHour) + "/h"))
            // On a narrow screen the projection gets a row of its own rather than being cut.
            if (pace + projected).width + 3 <= width {
                rows.append(pace + [Span(" · ")] + projected)
            } else {
                rows += [pace, [Span(String(repeating: " ", count: labelWidth))] + projected]
            }
        } else {
            rows.append(pace)
        }
        var limits: [String] = []
        if let share = s.blockShares.cost {
            limits.append("cost limit " + Wording.percent(share))
            if let p = s.blockShares.projectedCost {
                limits[limits.count - 1] += " (projected " + Wording.percent(p) + ")"
            }
        }
        if let share = s.blockShares.tokens {
            limits.append("token limit " + Wording.percent(share))
            if let p = s.blockShares.projectedTokens {
                limits[limits.count - 1] += " (projected " + Wording.percent(p) + ")"
            }
        }
        if !limits.isEmpty {
            rows.append([Span(String(repeating: " ", count: labelWidth)), Span(limits.joined(separator: " · "), style)])
        }
        return rows
    }

    /// Every budget's share and status on one row, for a short screen.
    private static func budgetLine(_ s: MonitorSnapshot) -> [Row] {
        guard let check = s.budgets, !check.results.isEmpty else { return [] }
        var row: Row = [Span("Budgets".padding(labelWidth), .label)]
        for (i, r) in check.results.enumerated() {
            let style = Style(r.status)
            if i > 0 { row.append(Span(" · ")) }
            row += [
                Span(TerminalText.escaped(r.budget.name) + " "),
                Span(Wording.percent(r.share) + " " + r.status.name, style),
            ]
        }
        return [row]
    }

    private static func budgets(_ s: MonitorSnapshot) -> [Row] {
        guard let check = s.budgets, !check.results.isEmpty else { return [] }
        var rows: [Row] = [[], [Span("Budgets", .heading)]]
        // Columns, so that the shares line up: name, spent, "of limit period", share and status.
        let names = check.results.map { TerminalText.escaped($0.budget.name) }
        let spent = check.results.map { Wording.money($0.spent) }
        let limits = check.results.map { " of " + Wording.money($0.budget.limit) + " " + $0.budget.period.description }
        let shares = check.results.map { Wording.percent($0.share) }
        func widest(_ texts: [String], _ cap: Int = 40) -> Int {
            min(cap, texts.map(TerminalText.columns).max() ?? 0)
        }
        for (i, r) in check.results.enumerated() {
            let style = Style(r.status)
            rows.append(
                [
                    Span("  " + names[i].padding(widest(names, 20)) + "  "),
                    Span(spent[i].leftPadding(widest(spent)), .money),
                    Span(limits[i].padding(widest(limits)) + "  "),
                    Span(shares[i].leftPadding(widest(shares)) + " " + r.status.name, style),
                    Span(Wording.shortReason(r).map { "  " + $0 } ?? "", .dim),
                ])
        }
        return rows
    }

    private static func table(
        _ title: String, _ rows: ArraySlice<UsageReport.Row>, name: (UsageReport.Row) -> String, width: Int
    ) -> [Row] {
        let cost = 12
        let count = 10
        let nameWidth = max(8, width - 2 - cost - count)
        var out: [Row] = [
            [
                Span(title.padding(nameWidth + 2), .heading), Span("Cost".leftPadding(cost), .heading),
                Span("Requests".leftPadding(count), .heading),
            ]
        ]
        if rows.isEmpty { out.append([Span("  no requests today", .dim)]) }
        for row in rows {
            out.append(
                [
                    Span("  " + TerminalText.cut(name(row), to: nameWidth).padding(nameWidth)),
                    Span(Self.cost(row.totals).leftPadding(cost), .money),
                    Span(Decimal9.groupThousands(String(row.totals.rows)).leftPadding(count)),
                ])
        }
        return out
    }

    /// A set's cost to four decimals below a dollar: `-` when empty, `unpriced` when nothing in it is priced.
    private static func cost(_ t: UsageTotals) -> String {
        if t.rows == 0 { return "-" }
        if t.nothingPriced { return "unpriced" }
        return Wording.money(t.cost) + (t.unpricedRequests > 0 ? " + unpriced" : "")
    }

    private static func requests(_ n: Int64) -> String {
        Decimal9.groupThousands(String(n)) + (n == 1 ? " request" : " requests")
    }

    // MARK: Layout

    /// The rows that fit: the top first, then the tables, blank rows, and the status on the last row.
    private static func finish(
        _ top: [Row], _ tables: [Row], bottom: Row, width: Int, height: Int, color: Bool
    ) -> [String] {
        var rows = Array((top + tables).prefix(height - 2))
        rows += Array(repeating: [], count: height - 1 - rows.count)
        rows.append(bottom)
        return rows.map { render($0, width: width, color: color) }
    }

    private static func render(_ row: Row, width: Int, color: Bool) -> String {
        var out = ""
        var room = width
        for span in row where room > 0 {
            let text = TerminalText.cut(span.text, to: room)
            room -= TerminalText.columns(text)
            if color, let code = span.style.code, !text.isEmpty {
                out += "\u{1B}[\(code)m" + text + "\u{1B}[0m"
            } else {
                out += text
            }
        }
        // No trailing blanks: a row ends where its text does.
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    enum Style {
        case plain, title, heading, label, dim, money, good, warn, bad

        /// A budget's status: green, yellow, red.
        init(_ status: BudgetStatus) {
            self = status == .critical ? .bad : status == .warning ? .warn : .good
        }

        var code: String? {
            switch self {
            case .plain: return nil
            case .title: return "1;7"
            case .heading: return "1"
            case .label: return "1"
            case .dim: return "2"
            case .money: return "36"
            case .good: return "32"
            case .warn: return "33"
            case .bad: return "31"
            }
        }
    }

    struct Span {
        var text: String
        var style: Style

        init(_ text: String, _ style: Style = .plain) {
            self.text = text
            self.style = style
        }
    }

    typealias Row = [Span]
}

extension [MonitorScreen.Span] {
    /// The columns the row takes.
    fileprivate var width: Int { map { TerminalText.columns($0.text) }.reduce(0, +) }

    /// This row with `other` at its right end, when both fit in `width`.
    fileprivate func right(_ other: [MonitorScreen.Span], width: Int) -> [MonitorScreen.Span] {
        let used = self.width
        let extra = other.width
        guard used + 2 + extra <= width else { return self }
        return self + [MonitorScreen.Span(String(repeating: " ", count: width - used - extra))] + other
    }
}

extension String {
    /// Padded with blanks to `width` columns (never cut).
    fileprivate func padding(_ width: Int) -> String {
        let used = TerminalText.columns(self)
        return used >= width ? self : self + String(repeating: " ", count: width - used)
    }

    fileprivate func leftPadding(_ width: Int) -> String {
        let used = TerminalText.columns(self)
        return used >= width ? self : String(repeating: " ", count: width - used) + self
    }
}
