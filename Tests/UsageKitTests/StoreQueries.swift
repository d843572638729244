import GRDB

@testable import UsageKit

/// Ingesting fixtures and reading back what was stored, for suites that check figures against fixtures/EXPECTED.md.
protocol StoreQueries {}

extension StoreQueries {
    func ingest(_ paths: [String], into database: AppDatabase, format: SourceFormat? = nil) throws -> IngestSummary {
        try Ingestor(database: database) { _ in }.ingest(sources: paths.map { IngestSource(path: $0, format: format) })
    }

    /// Cost in USD of the stored rows matching `condition`, and their count.
    func stored(_ database: AppDatabase, _ condition: String = "1") throws -> (count: Int, cost: USD) {
        try database.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), COALESCE(SUM(cost_nanos), 0) FROM requests WHERE \(condition)")!
            return (row[0], USD(nanos: row[1]))
        }
    }

    func value<T: DatabaseValueConvertible>(_ database: AppDatabase, _ sql: String) throws -> T? {
        try database.read { db in try T.fetchOne(db, sql: sql) }
    }
}
