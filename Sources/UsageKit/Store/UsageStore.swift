import Foundation

/// The usage database, as the commands (and any app embedding the library) use it: ingest logs, ask questions,
/// manage prices. It speaks in report values and options; how they are stored is its own business. A value of it
/// can be shared between threads; each call is one transaction.
public struct UsageStore: Sendable {
    let database: AppDatabase

    init(database: AppDatabase) {
        self.database = database
    }

    /// Opens (creating if needed) the database at `path` for reading and writing, and brings its schema up to
    /// date. Processes that open the same database at once are serialised while it is created or migrated.
    public static func open(path: String) throws -> UsageStore {
        UsageStore(database: try AppDatabase.open(path: path))
    }

    /// Opens an existing database for reading only, so that a read-only file, folder or mount serves.
    public static func openForReading(path: String) throws -> UsageStore {
        UsageStore(database: try AppDatabase.openReadOnly(path: path))
    }

    /// A database that lives in memory until the value is gone: for tests, and for apps that only aggregate.
    public static func inMemory() throws -> UsageStore {
        UsageStore(database: try AppDatabase.inMemory())
    }

    /// The database file's path (`:memory:` for one in memory).
    public var path: String { database.path }

    /// Set when a newer version of the tool wrote the database: reads go on (and may miss what this version does
    /// not know), writes are refused.
    public var newerSchema: String? { database.newerSchema }

    // MARK: Ingest

    /// Ingests files and directories (recursively), each told by content unless its source forces a format.
    /// `onIssue` receives each problem as it is met (a path that cannot be read, a rejected line). Problems with
    /// one path never stop the others; each file is stored in one transaction.
    public func ingest(
        _ sources: [IngestSource], options: IngestOptions = IngestOptions(),
        onIssue: @escaping @Sendable (IngestIssue) -> Void = { _ in }
    ) throws -> IngestSummary {
        try Ingestor(database: database, options: options, onIssue: onIssue).ingest(sources: sources)
    }

    // MARK: Questions

    /// The prices in force: the built-in table with the imports stored here.
    public func priceTable() throws -> PriceTable {
        try database.reading { storage in try PriceTable.effective(storage) }
    }

    /// Totals of the period's requests in scope, with a row per group of `dimensions` (days, weeks and months
    /// of `zone`).
    public func report(_ filter: RequestFilter, by dimensions: [ReportDimension], zone: TimeZoneRule) throws
        -> UsageReport
    {
        try database.reading { storage in
            try UsageReport.fetch(
                storage, filter: filter, by: dimensions, zone: zone,
                priceTableVersion: try PriceTable.effective(storage).version)
        }
    }

    /// Everything the HTML report shows.
    public func dashboard(_ filter: RequestFilter, zone: TimeZoneRule, generatedAt: Date = Date()) throws
        -> Dashboard
    {
        try database.reading { storage in
            try Dashboard.fetch(
                storage, filter: filter, zone: zone, priceTableVersion: try PriceTable.effective(storage).version,
                generatedAt: generatedAt)
        }
    }

    /// The period's requests one by one, the most recent `limit` of them when given.
    public func events(_ filter: RequestFilter, limit: Int? = nil) throws -> [RequestEvent] {
        try database.reading { storage in try storage.events(filter, limit: limit) }
    }

    /// The ingest ledger: every file read.
    public func sources() throws -> [SourceFile] {
        try database.reading { storage in try storage.sourceFiles() }
    }

    /// Is caching paying off: hit rates, savings and, unless `waste` is false, waste and recommendations.
    public func cacheStats(_ filter: RequestFilter, waste: Bool = true, now: Date = Date()) throws -> CacheStats {
        try database.reading { storage in
            var stats = try CacheStats.compute(
                storage, filter: filter, table: try PriceTable.effective(storage), now: now, waste: waste)
            stats.telemetry = try storage.telemetryCounts(filter, analytics: stats.totals.aggregatedRows > 0)
            return stats
        }
    }

    /// Spend against each budget of `config`, as of `now`.
    public func checkBudgets(_ config: BudgetConfig, zone: TimeZoneRule, now: Date = Date()) throws -> BudgetCheck {
        try database.reading { storage in try BudgetCheck.evaluate(storage, config: config, zone: zone, now: now) }
    }

    /// What the period's requests would have cost on each of `targets` (ids in any spelling).
    public func compare(_ filter: RequestFilter, to targets: [String]) throws -> Comparison {
        try database.reading { storage in
            let table = try PriceTable.effective(storage)
            let prices = try targets.map { id -> ModelPrice in
                guard let price = table.lookup(id) else {
                    throw UsageError.invalidArgument("\(id) is not in the price table")
                }
                return price
            }
            return try Comparison.compute(storage, filter: filter, targets: prices, table: table)
        }
    }

    /// Computed cost beside what Admin API cost reports billed, per day and model.
    public func reconcile(_ filter: RequestFilter) throws -> Reconciliation {
        try database.reading { storage in
            try Reconciliation.compute(storage, filter: filter, table: try PriceTable.effective(storage))
        }
    }

    // MARK: Prices

    /// Stores imported prices; they are preferred from their effective date on.
    public func importPrices(_ imported: PriceImport) throws {
        try database.writing { storage in
            try storage.addPriceImport(imported, at: Int64(Date().timeIntervalSince1970 * 1000))
        }
    }

    /// Prices every stored request again with the prices in force, and says how totals moved.
    public func reprice() throws -> RepriceSummary {
        try database.writing { storage in try Repricer.reprice(storage, table: try PriceTable.effective(storage)) }
    }
}
