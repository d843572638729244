/// An exact amount of US dollars, held as whole nanodollars (1e-9 USD).
///
/// Costs are computed exactly from integer rates and rounded once per request to the nanodollar, so every total is
/// an exact sum and no binary floating point ever touches money.
public struct USD: Sendable, Hashable, Comparable, AdditiveArithmetic, CustomStringConvertible {
    public var nanos: Int64

    public init(nanos: Int64) { self.nanos = nanos }

    /// Parses a plain decimal such as `12.5` or `0.000000001`; nil when it has more than 9 decimals or is malformed.
    public init?(_ text: String) {
        guard let value = Decimal9.parse(text, scale: 9) else { return nil }
        nanos = value
    }

    /// An amount a log wrote as a binary floating-point number (a logged cost, never one the tool computes),
    /// rounded to the nanodollar.
    public init?(dollars: Double) {
        guard dollars.isFinite, abs(dollars) < 9e9 else { return nil }
        nanos = Int64((dollars * 1e9).rounded())
    }

    public static var zero: USD { USD(nanos: 0) }
    public static func + (a: USD, b: USD) -> USD { USD(nanos: a.nanos + b.nanos) }
    public static func - (a: USD, b: USD) -> USD { USD(nanos: a.nanos - b.nanos) }
    public static func < (a: USD, b: USD) -> Bool { a.nanos < b.nanos }

    /// All nine decimals, e.g. `0.000936000`: the form JSON and CSV carry.
    public var exact: String {
        let sign = nanos < 0 ? "-" : ""
        let magnitude = nanos.magnitude
        let whole = magnitude / 1_000_000_000
        let fraction = String(magnitude % 1_000_000_000)
        return sign + String(whole) + "." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }

    public var description: String { exact }

    /// Dollars and cents for people, e.g. `$1,234.57`; amounts under a cent show as `<$0.01`.
    public var display: String {
        if nanos > 0 && nanos < 10_000_000 { return "<$0.01" }
        let cents = (nanos.magnitude + 5_000_000) / 10_000_000
        let sign = nanos < 0 ? "-" : ""
        let centsText = String(cents % 100)
        let dollars = Decimal9.groupThousands(String(cents / 100))
        return sign + "$" + dollars + "." + (centsText.count == 1 ? "0" : "") + centsText
    }
}

/// Decimal strings: exact parsing into scaled integers, and digit grouping for people.
enum Decimal9 {
    /// `a / b` rounded half to even; exact halves go to the even neighbour, and a negative quotient is cut
    /// toward zero first (Swift's division), so it rounds as a positive one would.
    static func roundHalfEven(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        let twice = 2 * (a % b)
        if twice > b || (twice == b && q % 2 != 0) { return q + 1 }
        return q
    }

    /// Inserts thousands separators into a string of digits: `1234567` is `1,234,567`.
    static func groupThousands(_ digits: String) -> String {
        var negative = false
        var body = Substring(digits)
        if body.first == "-" {
            negative = true
            body = body.dropFirst()
        }
        var out = ""
        for (i, c) in body.enumerated() {
            if i > 0 && (body.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (negative ? "-" : "") + out
    }

    /// `parse("1.25", scale: 3)` is 1250. Nil when the text has more decimals than `scale`, or is not a decimal.
    static func parse(_ text: String, scale: Int) -> Int64? {
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenDot = false
        var digits = 0
        var negative = false
        for (i, c) in text.utf8.enumerated() {
            if i == 0 && c == UInt8(ascii: "-") {
                negative = true
                continue
            }
            if c == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
                continue
            }
            guard c >= 48 && c <= 57 else { return nil }
            digits += 1
            if seenDot {
                // Trailing zeros beyond the scale do not lose precision.
                if fractionDigits >= scale {
                    if c != 48 { return nil }
                    continue
                }
                fraction = fraction * 10 + Int64(c - 48)
                fractionDigits += 1
            } else {
                let (m, o) = whole.multipliedReportingOverflow(by: 10)
                let (sum, o2) = m.addingReportingOverflow(Int64(c - 48))
                guard !o, !o2 else { return nil }
                whole = sum
            }
        }
        guard digits > 0 else { return nil }
        var scaleFactor: Int64 = 1
        for _ in 0..<scale { scaleFactor *= 10 }
        var fractionScale: Int64 = 1
        for _ in 0..<(scale - fractionDigits) { fractionScale *= 10 }
        // Checked all the way: a value past the scale's range is refused, never wrapped or trapped.
        let (w, o) = whole.multipliedReportingOverflow(by: scaleFactor)
        let (f, o2) = fraction.multipliedReportingOverflow(by: fractionScale)
        let (value, o3) = w.addingReportingOverflow(f)
        guard !o, !o2, !o3 else { return nil }
        return negative ? -value : value
    }
}
