import Foundation

/// Fast, allocation-free parsing of the timestamps logs carry.
public enum Timestamp {
    /// Parses ISO 8601 (`2026-11-02T09:14:03Z`, `2026-11-02 09:14:03.123+01:00`, `2026-11-02`) into milliseconds
    /// since 1970 UTC. A time without a zone is read at `defaultOffset` seconds east of UTC.
    public static func parse(_ text: String, defaultOffset: Int) -> Int64? {
        var text = text
        return text.withUTF8 { parse($0, defaultOffset: { _ in defaultOffset }) }
    }

    /// Parses ISO 8601; `offsetForLocal` gives the zone offset (seconds east of UTC) for a zoneless time, given as
    /// milliseconds since 1970 read as if it were UTC.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, defaultOffset offsetForLocal: (Int64) -> Int) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for _ in 0..<n {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var millis = 0
        var zoned = false
        var offset = 0
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else {
                return nil
            }
            i += 1
            guard let h = digits(2), expect(UInt8(ascii: ":")), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = digits(2), s <= 60 else { return nil }
                second = s
                if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                    i += 1
                    var scale = 100
                    var any = false
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        millis += Int(b[i] - 48) * scale
                        scale /= 10
                        any = true
                        i += 1
                    }
                    guard any else { return nil }
                }
            }
            if i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                    zoned = true
                    i += 1
                } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    i += 1
                    guard let oh = digits(2), oh <= 23 else { return nil }
                    _ = expect(UInt8(ascii: ":"))
                    let om = digits(2) ?? 0
                    guard om <= 59 else { return nil }
                    offset = (oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
                    zoned = true
                }
            }
            guard i == b.count else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let local = (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
        if !zoned { offset = offsetForLocal(local) }
        return local - Int64(offset) * 1000
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The Monday starting the week of day `days` (since 1970-01-01, a Thursday).
    static func monday(ofDay days: Int) -> Int {
        days - ((days + 3) % 7 + 7) % 7
    }

    /// `2026-11-02` for a day count since 1970-01-01.
    public static func dayString(days: Int) -> String {
        let (y, m, d) = civil(fromDays: days)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-02T09:14:03.123Z`.
    public static func iso(_ ms: Int64) -> String {
        let days = Int((ms >= 0 ? ms : ms - 86_399_999) / 86_400_000)
        let rest = Int(ms - Int64(days) * 86_400_000)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = rest % 1000
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return dayString(days: days) + "T" + two(rest / 3_600_000) + ":" + two(rest / 60_000 % 60) + ":"
            + two(rest / 1000 % 60) + "." + millisText + "Z"
    }

    /// Milliseconds since 1970 for epoch seconds as logged; values past the year 5138 in seconds are read as
    /// milliseconds, since loggers write both. Nil for values that cannot be a log's time.
    public static func fromEpoch(_ value: Double) -> Int64? {
        // Zero and the far future are damaged values, not times: 2001-09-09 up to the year 5138.
        guard value.isFinite, value >= 1_000_000_000, value < 100_000_000_000_000 else { return nil }
        if value >= 100_000_000_000 { return Int64(value.rounded()) }
        return Int64((value * 1000).rounded())
    }
}
