extension TimeZoneRule {
    /// The labels of the time dimensions for a bucket: its local day, week (its Monday) and month.
    func labels(forBucketStartingAt utcMillis: Int64) -> [ReportDimension: String] {
        let calendar = calendar(utcMillis: utcMillis)
        return [.day: calendar.day, .week: calendar.week, .month: calendar.month]
    }
}
