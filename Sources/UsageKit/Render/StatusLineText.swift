import Foundation

/// The one line of `usage statusline`: a template filled with a session's status. Text from the status JSON (the
/// model's name) is escaped: it can hold anything.
public enum StatusLineText {
    public static func render(_ s: SessionStatus, model: String, template: String, color: Bool) -> String {
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
