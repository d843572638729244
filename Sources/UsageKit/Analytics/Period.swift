import Foundation

/// Turns the `--since`, `--until` and `--days` a user types into bounds for a `RequestFilter`.
public enum Period {
    /// `since` and `until` take a date (`2026-11-02`) or an ISO 8601 timestamp. A date-only `until` includes that
    /// whole day. `days` N means today and the N-1 days before it. Days are those of `zone`. Bounds are
    /// [since, until).
    public static func bounds(
        since: String?, until: String?, days: Int?, zone: TimeZoneRule = .utc, now: Date = Date()
    ) throws -> (Int64?, Int64?) {
        var lower: Int64?
        var upper: Int64?
        // Dates and zoneless times are read in `zone`: its days are the report's days.
        func parse(_ text: String) -> Int64? {
            var text = text
            return text.withUTF8 { Timestamp.parse($0, defaultOffset: zone.offset) }
        }
        if let since {
            guard let ms = parse(since) else { throw bad("--since", since) }
            lower = ms
        }
        if let until {
            guard let ms = parse(until) else { throw bad("--until", until) }
            if until.count == 10 {
                let day = Timestamp.daysFromCivil(
                    year: Int(until.prefix(4))!, month: Int(until.dropFirst(5).prefix(2))!, day: Int(until.suffix(2))!)
                upper = zone.startOfDay(day + 1)
            } else {
                upper = ms + 1
            }
        }
        if let days {
            guard days > 0 else { throw UsageError.invalidArgument("--days must be a positive number of days") }
            let nowMs = Int64(now.timeIntervalSince1970 * 1000)
            let today = zone.localDay(utcMillis: nowMs)
            let start = zone.startOfDay(today - days + 1)
            lower = max(lower ?? start, start)
        }
        if let lower, let upper, lower >= upper {
            throw UsageError.invalidArgument("the period is empty: --since is not before --until")
        }
        return (lower, upper)
    }

    private static func bad(_ flag: String, _ value: String) -> UsageError {
        UsageError.invalidArgument(
            "\(flag) '\(value)' is not a date (2026-11-02) or an ISO 8601 timestamp (2026-11-02T09:00:00Z)")
    }
}
