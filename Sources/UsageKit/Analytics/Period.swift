import Foundation

/// Turns the `--since`, `--until` and `--days` a user types into bounds for a `RequestFilter`.
public enum Period {
    /// `since` and `until` take a date (`2026-11-02`) or an ISO 8601 timestamp. A date-only `until` includes that
    /// whole day. `days` N means today and the N-1 days before it (UTC). Bounds are [since, until).
    public static func bounds(since: String?, until: String?, days: Int?, now: Date = Date()) throws -> (Int64?, Int64?) {
        var lower: Int64?
        var upper: Int64?
        if let since {
            guard let ms = Timestamp.parse(since, defaultOffset: 0) else { throw bad("--since", since) }
            lower = ms
        }
        if let until {
            guard let ms = Timestamp.parse(until, defaultOffset: 0) else { throw bad("--until", until) }
            upper = until.count == 10 ? ms + 86_400_000 : ms + 1
        }
        if let days {
            guard days > 0 else { throw UsageError.invalidArgument("--days must be a positive number of days") }
            let today = Int64(now.timeIntervalSince1970 * 1000) / 86_400_000
            let start = (today - Int64(days) + 1) * 86_400_000
            lower = max(lower ?? start, start)
        }
        if let lower, let upper, lower >= upper {
            throw UsageError.invalidArgument("the period is empty: --since is not before --until")
        }
        return (lower, upper)
    }

    private static func bad(_ flag: String, _ value: String) -> UsageError {
        UsageError.invalidArgument("\(flag) '\(value)' is not a date (2026-11-02) or an ISO 8601 timestamp (2026-11-02T09:00:00Z)")
    }
}

/// Where the database lives when `--db` is not given.
public enum DatabaseLocation {
    /// `$USAGE_DB`, else `$XDG_DATA_HOME/usage/usage.sqlite`, else `~/.local/share/usage/usage.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["USAGE_DB"], !path.isEmpty { return path }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/usage/usage.sqlite" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/usage/usage.sqlite"
    }
}
