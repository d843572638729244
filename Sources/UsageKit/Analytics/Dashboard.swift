import Foundation

/// Everything the HTML report shows, gathered from the store in one go.
public struct Dashboard: Sendable {
    /// Daily cost per model (days in the report's zone).
    public var daily: UsageReport
    public var byModel: UsageReport
    public var byWorkflow: UsageReport
    public var bySession: UsageReport
    public var byProject: UsageReport
    public var cache: CacheStats
    /// Requests stopped by `max_tokens`, per model and per workflow: (group, truncated, requests).
    public var truncatedByModel: [(key: String, truncated: Int64, requests: Int64)]
    public var truncatedByWorkflow: [(key: String, truncated: Int64, requests: Int64)]
    /// Thinking tokens and output tokens per workflow, where thinking is logged.
    public var thinkingByWorkflow: [(key: String, thinking: Int64, output: Int64)]
    public var generatedAt: Date
    /// Budget status, when a budgets file exists.
    public var budgets: BudgetCheck? = nil

    /// Gathers every part from `storage`; the cache figures at the prices in force there.
    static func fetch(
        _ storage: some UsageStorage, filter: RequestFilter, zone: TimeZoneRule, priceTableVersion: String,
        generatedAt: Date = Date()
    ) throws -> Dashboard {
        func report(_ dimensions: [ReportDimension]) throws -> UsageReport {
            try UsageReport.fetch(
                storage, filter: filter, by: dimensions, zone: zone, priceTableVersion: priceTableVersion)
        }
        return Dashboard(
            daily: try report([.day, .model]), byModel: try report([.model]), byWorkflow: try report([.workflow]),
            bySession: try report([.session]), byProject: try report([.project]),
            cache: try CacheStats.compute(
                storage, filter: filter, table: try PriceTable.effective(storage), now: generatedAt),
            truncatedByModel: try storage.truncatedRequests(filter, by: .model),
            truncatedByWorkflow: try storage.truncatedRequests(filter, by: .workflow),
            thinkingByWorkflow: try storage.thinkingTokens(filter), generatedAt: generatedAt)
    }
}
