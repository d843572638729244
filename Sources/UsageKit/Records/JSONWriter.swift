import Foundation

/// Builds JSON text by hand so money keeps its nine exact decimals (no binary floating point on the way out).
struct JSONWriter {
    private(set) var text = ""
    /// The open containers, outermost first: whether each has members yet, and whether it is written on one line.
    private var levels: [(hasMembers: Bool, inline: Bool)] = [(false, false)]
    private let indentUnit = "  "

    /// Opens an object; an `inline` one, and everything in it, is written on one line.
    mutating func beginObject(_ key: String? = nil, inline: Bool = false) { open(key, "{", inline: inline) }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ key: String? = nil) { open(key, "[", inline: false) }
    mutating func endArray() { close("]") }

    /// A whole document, its text ended by a newline: `body` writes its one value.
    static func document(_ body: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        body(&w)
        return w.text + "\n"
    }

    /// An object whose members `body` writes.
    mutating func object(_ key: String? = nil, inline: Bool = false, _ body: (inout JSONWriter) -> Void) {
        beginObject(key, inline: inline)
        body(&self)
        endObject()
    }

    /// An array of one object per item, whose members `body` writes.
    mutating func objects<Item>(
        _ key: String? = nil, _ items: some Sequence<Item>, inline: Bool = false,
        _ body: (inout JSONWriter, Item) -> Void
    ) {
        beginArray(key)
        for item in items { object(inline: inline) { body(&$0, item) } }
        endArray()
    }

    /// An array of strings.
    mutating func strings(_ key: String?, _ values: some Sequence<String>) {
        beginArray(key)
        for value in values { string(nil, value) }
        endArray()
    }

    mutating func string(_ key: String?, _ value: String?) { raw(key, value.map(Self.quote) ?? "null") }
    mutating func int(_ key: String?, _ value: Int64?) { raw(key, value.map { String($0) } ?? "null") }
    mutating func bool(_ key: String?, _ value: Bool) { raw(key, value ? "true" : "false") }
    mutating func usd(_ key: String?, _ value: USD?) { raw(key, value?.exact ?? "null") }
    /// A ratio with six decimals, e.g. 0.871234.
    mutating func ratio(_ key: String?, _ value: Double?) { raw(key, Self.sixDecimals(value) ?? "null") }
    /// A number with `decimals` decimals, rounded as `printf` rounds.
    mutating func fixed(_ key: String?, _ value: Double?, decimals: Int) {
        raw(key, value.map { String(format: "%.\(decimals)f", $0) } ?? "null")
    }

    private mutating func prefix(_ key: String?) {
        let level = levels[levels.count - 1]
        if level.hasMembers { text += level.inline ? ", " : "," }
        levels[levels.count - 1].hasMembers = true
        if levels.count > 1 && !level.inline { text += "\n" + String(repeating: indentUnit, count: levels.count - 1) }
        if let key { text += Self.quote(key) + ": " }
    }

    private mutating func raw(_ key: String?, _ value: String) {
        prefix(key)
        text += value
    }

    private mutating func open(_ key: String?, _ bracket: String, inline: Bool) {
        prefix(key)
        text += bracket
        levels.append((false, inline || levels[levels.count - 1].inline))
    }

    private mutating func close(_ bracket: String) {
        let level = levels.removeLast()
        if level.hasMembers && !level.inline {
            text += "\n" + String(repeating: indentUnit, count: levels.count - 1)
        }
        text += bracket
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A ratio with six decimals, e.g. `0.871234`, as JSON and CSV write ratios; nil stays nil.
    static func sixDecimals(_ value: Double?) -> String? {
        guard let value else { return nil }
        let micros = Int64((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
