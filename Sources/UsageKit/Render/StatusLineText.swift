import Foundation

/// The one line of `usage statusline`: a template filled with a session's status. Text from the status JSON (the
/// model's name) is escaped: it can hold anything.
public enum StatusLineText {
    /// The default line, as parts joined by ` | `, the budget warning (with its own separator) after them.
    public static let defaultParts = [
        "{model}", "session {session}", "today {today}", "block {block} ({left} left)", "cache {cache}",
    ]
    public static let defaultTemplate = defaultParts.joined(separator: " | ") + "{budget}"
    /// The parts of the default line given up, in this order, when it is wider than the terminal: the cache rate,
    /// then today's cost, then the block. The model, the session's cost and a budget warning stay.
    static let givenUpFirst = [4, 2, 3]

    /// The line for `s`: `template` filled, or the default line (`template` nil) with as many of its parts as fit
    /// in `width` columns (wide characters take two). A line still too wide is cut, without colour, with an ellipsis.
    public static func render(
        _ s: SessionStatus, model: String, template: String? = nil, color: Bool, width: Int? = nil
    ) -> String {
        let width = width.map { max($0, 1) }
        let fits = { (template: String) in
            width.map { TerminalText.columns(fill(s, model: model, template: template, color: false)) <= $0 } ?? true
        }
        var chosen = template ?? defaultTemplate
        if template == nil {
            var parts = Array(defaultParts.indices)
            for part in givenUpFirst where !fits(chosen) {
                parts.removeAll { $0 == part }
                chosen = parts.map { defaultParts[$0] }.joined(separator: " | ") + "{budget}"
            }
        }
        guard let width, !fits(chosen) else { return fill(s, model: model, template: chosen, color: color) }
        return TerminalText.cut(fill(s, model: model, template: chosen, color: false), to: width)
    }

    private static func fill(_ s: SessionStatus, model: String, template: String, color: Bool) -> String {
        func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var budget = ""
        if let b = s.budget, b.status >= .warning {
            let text = " | budget \(b.budget.name) \(Wording.percent(b.share))"
            budget = paint(TerminalText.escaped(text), b.status == .critical ? "31" : "33")
        }
        let block = s.block
        let values: [String: String] = [
            "model": paint(TerminalText.escaped(model), "1"),
            "session": paint(Wording.money(s.sessionCost), "36"),
            "today": Wording.money(s.todayCost),
            "block": block.map { Wording.money($0.totals.cost) } ?? "none",
            "left": block.map { Wording.duration($0.end - s.at) } ?? "-",
            "cache": Wording.percent(s.sessionHitRate),
            "budget": budget,
        ]
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                rest = rest[open...]
                break
            }
            let name = String(rest[rest.index(after: open)..<close])
            out += values[name] ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        // One line, whatever the template holds.
        return out.replacingOccurrences(of: "\n", with: " ")
    }
}
