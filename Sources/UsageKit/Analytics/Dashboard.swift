import Foundation
import GRDB

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

    static func fetch(
        _ db: Database, filter: RequestFilter, zone: TimeZoneRule, priceTableVersion: String, generatedAt: Date = Date()
    ) throws -> Dashboard {
        func report(_ dimensions: [ReportDimension]) throws -> UsageReport {
            try UsageReport.fetch(SQLiteStorage(db), filter: filter, by: dimensions, zone: zone, priceTableVersion: priceTableVersion)
        }
        func counts(_ column: String) throws -> [(key: String, truncated: Int64, requests: Int64)] {
            let (text, arguments) = try SQL(
                """
                SELECT COALESCE(\(sql: column), '(none)'), COUNT(CASE WHEN stop_reason = 'max_tokens' THEN 1 END), COUNT(*)
                FROM requests WHERE aggregated = 0 AND \(filter.sql) GROUP BY 1
                HAVING COUNT(CASE WHEN stop_reason = 'max_tokens' THEN 1 END) > 0 ORDER BY 2 DESC, 1
                """
            ).build(db)
            return try Row.fetchAll(db, sql: text, arguments: arguments).map { ($0[0], $0[1], $0[2]) }
        }
        let (text, arguments) = try SQL(
            """
            SELECT COALESCE(workflow, '(none)'), SUM(thinking_tokens), SUM(output_tokens) FROM requests
            WHERE thinking_tokens IS NOT NULL AND \(filter.sql) GROUP BY 1 ORDER BY 2 DESC, 1
            """
        ).build(db)
        let thinking: [(key: String, thinking: Int64, output: Int64)] = try Row.fetchAll(db, sql: text, arguments: arguments).map {
            ($0[0], $0[1], $0[2])
        }
        return Dashboard(
            daily: try report([.day, .model]), byModel: try report([.model]), byWorkflow: try report([.workflow]),
            bySession: try report([.session]), byProject: try report([.project]),
            cache: try CacheStats.compute(SQLiteStorage(db), filter: filter, table: try PriceTable.effective(db), now: generatedAt),
            truncatedByModel: try counts("COALESCE(priced_as, model)"), truncatedByWorkflow: try counts("workflow"),
            thinkingByWorkflow: thinking, generatedAt: generatedAt)
    }
}
