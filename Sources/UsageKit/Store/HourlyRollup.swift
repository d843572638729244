import Foundation
import GRDB
import GRDBSQLite

/// One stored request's contribution to the hourly rollup.
struct RollupEntry {
    var timestamp: Int64
    var modelKey: String
    var aggregated: Bool
    var tokens: TokenCounts
    var webSearchRequests: Int64
    /// Nanodollars; nil when unpriced.
    var cost: Int64?
    var priority: Bool
    var loggedCost: Int64?
    /// Advisor calls and compactions; nil for the many requests without them (out of line, so the entries of
    /// those stay small).
    var iterations: Boxed<IterationTotals>?
    /// What the attribute rollup groups it by. Its source is the format it is stored under, known once it is
    /// stored (a file's format may be told after its first requests are parsed).
    var attributes: RollupAttributes

    /// The `requests` columns `init(statement:offset:)` reads, in order.
    static let columns = Column.selection

    /// What `init(statement:offset:)` reads, one case per column, in order.
    enum Column: Int, SelectedColumn {
        case ts, modelKey, aggregated, input, cacheWrite5m, cacheWrite1h, cacheRead, output, webSearch, cost, priority
        case loggedCost, advisorCalls, advisorPromptTokens, advisorOutputTokens, advisorCost, compactions
        case compactionPromptTokens, compactionOutputTokens, compactionCost
        case model, session, workflow, project, serviceTier, source, apiKey, workspace, inferenceGeo, speed
        case contextWindow

        var expression: String {
            switch self {
            case .ts: return "ts"
            case .modelKey: return "COALESCE(priced_as, model)"
            case .aggregated: return "aggregated"
            case .input, .cacheWrite5m, .cacheWrite1h, .cacheRead, .output: return tokenColumn(from: .input)
            case .webSearch: return "web_search_requests"
            case .cost: return "cost_nanos"
            case .priority: return "service_tier = 'priority'"
            case .loggedCost: return "logged_cost_nanos"
            case .advisorCalls: return "advisor_calls"
            case .advisorPromptTokens:
                return "advisor_input_tokens + advisor_cache_write_5m_tokens + advisor_cache_write_1h_tokens"
                    + " + advisor_cache_read_tokens"
            case .advisorOutputTokens: return "advisor_output_tokens"
            case .advisorCost: return "COALESCE(advisor_cost_nanos, 0)"
            case .compactions: return "compactions"
            case .compactionPromptTokens:
                return "compaction_input_tokens + compaction_cache_write_5m_tokens + compaction_cache_write_1h_tokens"
                    + " + compaction_cache_read_tokens"
            case .compactionOutputTokens: return "compaction_output_tokens"
            case .compactionCost: return "COALESCE(compaction_cost_nanos, 0)"
            case .model: return "model"
            case .session: return "session"
            case .workflow: return "workflow"
            case .project: return "project"
            case .serviceTier: return "service_tier"
            case .source: return "source_format"
            case .apiKey: return "api_key_id"
            case .workspace: return "workspace_id"
            case .inferenceGeo: return "inference_geo"
            case .speed: return "speed"
            case .contextWindow: return "context_window"
            }
        }
    }

    init(_ record: UsageRecord, _ price: PriceResult) {
        timestamp = record.timestamp
        // Reports group by the price table's id, else the id as logged.
        modelKey = price.pricedAs ?? record.model
        aggregated = record.aggregated
        tokens = record.tokens
        webSearchRequests = record.webSearchRequests
        cost = price.cost?.nanos
        priority = record.serviceTier == "priority"
        loggedCost = record.loggedCost?.nanos
        if record.hasIterations, let it = record.iterations, !it.isEmpty {
            var sums = IterationTotals()
            sums.advisorCalls = it.advisorCalls
            sums.advisorPromptTokens = it.advisorTokens.prompt
            sums.advisorOutputTokens = it.advisorTokens.output
            sums.advisorCost = price.advisorCost ?? .zero
            sums.compactions = it.compactions
            sums.compactionPromptTokens = it.compactionTokens.prompt
            sums.compactionOutputTokens = it.compactionTokens.output
            sums.compactionCost = price.compactionCost ?? .zero
            iterations = Boxed(sums)
        }
        attributes = RollupAttributes(
            model: record.model, session: record.session, workflow: record.workflow, project: record.project,
            serviceTier: record.serviceTier, source: nil, apiKey: record.apiKeyID, workspace: record.workspaceID,
            inferenceGeo: record.inferenceGeo, speed: record.speed, contextWindow: record.contextWindow)
    }

    /// Reads the `columns` of a raw statement's current row, from column `offset` on: the ingest reads a stored
    /// request back this way for each duplicate it meets, so it skips GRDB's row.
    init(statement s: OpaquePointer, offset: Int32) {
        func int(_ column: Column) -> Int64 { sqlite3_column_int64(s, offset + Int32(column.rawValue)) }
        func optional(_ column: Column) -> Int64? {
            sqlite3_column_type(s, offset + Int32(column.rawValue)) == SQLITE_NULL ? nil : int(column)
        }
        // By length, not as a C string: a model name may hold a NUL.
        func text(_ column: Column) -> String? {
            let i = offset + Int32(column.rawValue)
            guard sqlite3_column_type(s, i) != SQLITE_NULL else { return nil }
            let bytes = UnsafeBufferPointer(start: sqlite3_column_text(s, i), count: Int(sqlite3_column_bytes(s, i)))
            return String(decoding: bytes, as: UTF8.self)
        }
        timestamp = int(.ts)
        modelKey = text(.modelKey) ?? ""
        attributes = RollupAttributes(
            model: text(.model) ?? "", session: text(.session), workflow: text(.workflow), project: text(.project),
            serviceTier: text(.serviceTier), source: text(.source), apiKey: text(.apiKey),
            workspace: text(.workspace), inferenceGeo: text(.inferenceGeo), speed: text(.speed),
            contextWindow: text(.contextWindow))
        aggregated = int(.aggregated) != 0
        tokens = TokenCounts(
            input: int(.input), cacheWrite5m: int(.cacheWrite5m), cacheWrite1h: int(.cacheWrite1h),
            cacheRead: int(.cacheRead), output: int(.output))
        webSearchRequests = int(.webSearch)
        cost = optional(.cost)
        priority = int(.priority) != 0
        loggedCost = optional(.loggedCost)
        var sums = IterationTotals()
        sums.advisorCalls = int(.advisorCalls)
        sums.advisorPromptTokens = int(.advisorPromptTokens)
        sums.advisorOutputTokens = int(.advisorOutputTokens)
        sums.advisorCost = USD(nanos: int(.advisorCost))
        sums.compactions = int(.compactions)
        sums.compactionPromptTokens = int(.compactionPromptTokens)
        sums.compactionOutputTokens = int(.compactionOutputTokens)
        sums.compactionCost = USD(nanos: int(.compactionCost))
        iterations = sums.isEmpty ? nil : Boxed(sums)
    }
}

/// What decides the rollup rows a request adds to, in every table: requests alike in all of it (a transcript's
/// turns, a service's calls of one hour) add to the same rows. The ingest's parsing threads sort each batch's
/// requests into groups, and the writer sums the stored ones per group and spreads each group's sums once, rather
/// than each request's into a dozen rows.
struct RollupGroup: Hashable, Sendable {
    var hour: Int64
    var modelKey: String
    /// Its `source` is nil until the writer knows the format the requests are stored under.
    var attributes: RollupAttributes
    var aggregated: Bool
    var priced: Bool
    /// How many long-context thresholds the prompts pass.
    var promptClass: Int8
    /// Whether the requests read from the cache.
    var hasHits: Bool
    /// The requests' own format where their file mixes shapes; nil: the batch's.
    var format: SourceFormat?

    /// Hashes what mostly tells groups apart (equality still compares everything): a batch sorts every request
    /// by this, and hashing a dozen texts each time cost more than parsing them.
    func hash(into hasher: inout Hasher) {
        hasher.combine(hour)
        hasher.combine(modelKey)
        hasher.combine(attributes.session)
        hasher.combine(attributes.workflow)
        hasher.combine(attributes.project)
        hasher.combine(promptClass &* 2 &+ (hasHits ? 1 : 0))
    }

    init(_ e: RollupEntry, format: SourceFormat? = nil) {
        hour = HourlyRollup.floorDiv(e.timestamp, 3_600_000)
        modelKey = e.modelKey
        attributes = e.attributes
        aggregated = e.aggregated
        priced = e.cost != nil
        promptClass = Int8(CacheRollup.promptThresholds.reduce(0) { $0 + (e.tokens.prompt > $1 ? 1 : 0) })
        hasHits = e.tokens.cacheRead > 0
        self.format = format
    }
}

/// Per-hour, per-model sums of the stored requests, kept beside them so that reports over millions of requests
/// read thousands of rows instead.
///
/// An ingest adds each new request to an in-memory rollup and merges it into `usage_hourly` in the same
/// transaction as the requests, so the two never disagree. `rebuild` recomputes the table from `requests`.
struct HourlyRollup {
    struct Key: Hashable {
        var hour: Int64
        var model: String
    }

    private(set) var sums: [Key: RequestSums] = [:]
    /// The same requests by their attributes too, merged into `usage_attributes`, and by what their cache
    /// figures depend on, merged into `cache_daily`.
    private var attributes = AttributeRollup()
    private var cache = CacheRollup()

    /// Adds (`sign` 1) or takes back (`sign` -1) one request.
    mutating func add(_ e: RollupEntry, sign: Int64 = 1) {
        var s = RequestSums()
        s.add(e, sign: sign)
        add(s, of: RollupGroup(e), takenBack: sign < 0)
    }

    /// Adds the sums of requests of one group to the rows the group adds to, in every table. `takenBack`: the sums
    /// are of requests taken back, whose rows may be left empty.
    mutating func add(_ s: RequestSums, of group: RollupGroup, takenBack: Bool = false) {
        sums[Key(hour: group.hour, model: group.modelKey), default: RequestSums()].add(s)
        attributes.add(s, of: group, takenBack: takenBack)
        cache.add(s, of: group, takenBack: takenBack)
    }

    /// Merges the attribute and cache sums into their tables when they hold many rows: a file's requests may
    /// span many hours and sessions, and memory must not grow with them.
    mutating func spill(into db: Database) throws {
        if attributes.count + cache.count > 20_000 {
            try attributes.merge(into: db)
            try cache.merge(into: db)
        }
    }

    /// The upsert `merge` runs, built once: it runs for every file.
    private static let mergeSQL = """
        INSERT INTO usage_hourly (\(tableColumns.joined(separator: ", ")))
        VALUES (?, CAST(? AS TEXT)\(String(repeating: ", ?", count: RequestSums.Column.allCases.count)))
        ON CONFLICT(hour, model_key) DO UPDATE SET
          \(RequestSums.Column.allCases.map(\.merge).joined(separator: ",\n  "))
        """

    /// Adds these sums to the stored rollup.
    mutating func merge(into db: Database) throws {
        let figures = RequestSums.Column.allCases
        let statement = try db.cachedStatement(sql: Self.mergeSQL)
        for (key, s) in sums {
            // The model as bytes, made TEXT by SQLite: GRDB binds a String as a C string, which a NUL in a model
            // name would cut.
            let values: [any DatabaseValueConvertible] =
                [key.hour, Data(key.model.utf8)] + figures.map { s.value(of: $0) }
            try statement.execute(arguments: StatementArguments(values))
        }
        try attributes.merge(into: db)
        try cache.merge(into: db)
    }

    /// Every column of `usage_hourly`, in the order `merge` and `rebuild` fill them.
    static let tableColumns = ["hour", "model_key"] + RequestSums.Column.allCases.map(\.tableColumn)

    /// Recomputes the whole rollup, and the attribute and cache sums, from the stored requests (after re-pricing,
    /// for instance).
    static func rebuild(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM usage_hourly;
                INSERT INTO usage_hourly (\(tableColumns.joined(separator: ", ")))
                SELECT \(hourOfRequest), COALESCE(priced_as, model), \(RequestSums.Column.selection)
                FROM requests GROUP BY 1, 2;
                DELETE FROM usage_attributes;
                DELETE FROM cache_daily;
                """)
        // The other two tables from one read of the requests, summed as an ingest sums them: a GROUP BY per
        // attribute kind made ten sorted passes, and a reprice of 200,000 requests took half a minute.
        var attributes = AttributeRollup()
        var cache = CacheRollup()
        let statement = try db.makeStatement(sql: "SELECT \(RollupEntry.columns) FROM requests")
        let s = statement.sqliteStatement
        while try RawStatement.nextRow(s) {
            let entry = RollupEntry(statement: s, offset: 0)
            var sums = RequestSums()
            sums.add(entry)
            let group = RollupGroup(entry)
            attributes.add(sums, of: group, takenBack: false)
            cache.add(sums, of: group, takenBack: false)
            // Memory stays bounded: what is summed so far is added to the tables, and summing starts again.
            if attributes.count + cache.count > 20_000 {
                try attributes.merge(into: db)
                try cache.merge(into: db)
            }
        }
        try attributes.merge(into: db)
        try cache.merge(into: db)
    }

    /// The hour of a `requests` row (hours since 1970, floored), in SQL.
    static let hourOfRequest = "ts / 3600000 - (ts < 0 AND ts % 3600000 != 0)"

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
