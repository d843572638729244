import Foundation

/// The attributes of one log record, span or data point, with those of its resource behind them, read as usage
/// needs them: senders write the same number as an integer, a double or a string, and all three are read.
struct OTLPAttributes {
    let own: [Otlp_KeyValue]
    let resource: [Otlp_KeyValue]

    init(_ own: [Otlp_KeyValue], resource: [Otlp_KeyValue] = []) {
        self.own = own
        self.resource = resource
    }

    /// The value of `key`: the record's own, else its resource's.
    func value(_ key: String) -> Otlp_AnyValue? {
        for pair in own where pair.key == key { return pair.value }
        for pair in resource where pair.key == key { return pair.value }
        return nil
    }

    /// A text attribute; a number stands as its digits (an id sent as an integer). Empty text is none.
    func string(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        switch value.value {
        case .stringValue(let text): return text.isEmpty ? nil : text
        case .intValue(let number): return String(number)
        case .arrayValue(let array):
            // A list of paths or names: its first.
            if case .stringValue(let first)? = array.values.first?.value, !first.isEmpty { return first }
            return nil
        case .boolValue, .doubleValue, .kvlistValue, .bytesValue, nil: return nil
        }
    }

    /// A number, from an integer, a double or text holding either; nil when absent.
    func number(_ key: String) throws(ParseFailure) -> Double? {
        guard let value = value(key) else { return nil }
        switch value.value {
        case .intValue(let number): return Double(number)
        case .doubleValue(let number) where number.isFinite: return number
        case .stringValue(let text):
            if let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite { return number }
            throw ParseFailure("\(key) is not a number: \(OTLPAttributes.quoted(text))")
        default: throw ParseFailure("\(key) is not a number")
        }
    }

    /// A token count: a whole number, not negative; nil when absent.
    func count(_ key: String) throws(ParseFailure) -> Int64? {
        guard let value = value(key) else { return nil }
        if case .intValue(let number) = value.value {
            guard number >= 0 else { throw ParseFailure("\(key) is negative") }
            return number
        }
        if case .stringValue(let text) = value.value, let number = Int64(text.trimmingCharacters(in: .whitespaces)) {
            guard number >= 0 else { throw ParseFailure("\(key) is negative") }
            return number
        }
        guard let number = try self.number(key) else { return nil }
        guard number >= 0 else { throw ParseFailure("\(key) is negative") }
        guard number == number.rounded(), number < 9.0e18 else { throw ParseFailure("\(key) is not a whole number") }
        return Int64(number)
    }

    /// Text from a log, cut short and quoted for a diagnostic.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "\"\(cut)\""
    }
}

extension Otlp_AnyValue {
    /// The text this value holds, if it is text.
    var text: String? {
        if case .stringValue(let text) = value { return text }
        return nil
    }
}
