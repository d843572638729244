import Foundation
import GRDB

/// What a stored request is grouped and selected by, besides its hour and its model as priced.
struct RollupAttributes: Hashable {
    /// As logged.
    var model: String
    var session: String?
    var workflow: String?
    var project: String?
    var serviceTier: String?
    /// The format it is stored under.
    var source: String?
    var apiKey: String?
    var workspace: String?
    /// What its prices depend on besides its model and tier.
    var inferenceGeo: String?
    var speed: String?
    var contextWindow: String?

    func value(of kind: AttributeKind) -> String? {
        switch kind {
        case .session: return session
        case .workflow: return workflow
        case .project: return project
        case .serviceTier: return serviceTier
        case .source: return source
        case .apiKey: return apiKey
        case .workspace: return workspace
        }
    }
}

/// An attribute `usage_attributes` keeps sums by: each request counts once under each.
enum AttributeKind: String, CaseIterable {
    case session, workflow, project
    case serviceTier = "service_tier"
    case source
    case apiKey = "api_key"
    case workspace

    /// The `requests` column that holds it.
    var column: String {
        switch self {
        case .session, .workflow, .project: return rawValue
        case .serviceTier: return "service_tier"
        case .source: return "source_format"
        case .apiKey: return "api_key_id"
        case .workspace: return "workspace_id"
        }
    }
}

/// Per-attribute, per-hour, per-model sums of the stored requests: what reports grouped by a workflow, session,
/// project, service tier or source, and budgets scoped to one of those (or to an API key or workspace), read
/// instead of the requests.
///
/// It is kept with the hourly rollup, by the same calls: an ingest adds each new request (and takes back the
/// previous figures of one it upgrades) and merges the sums in the requests' transaction; `rebuild` recomputes the
/// table from `requests`. The model is kept as priced and as logged, so a model selection reads as on requests.
struct AttributeRollup {
    /// One request's hour, models and attributes: the requests of a file share few of them, so each request
    /// costs one look-up here and the split into attributes is made once per key at the merge.
    private struct Key: Hashable {
        var hour: Int64
        var modelKey: String
        var attributes: RollupAttributes
    }

    /// A row of `usage_attributes`.
    private struct RowKey: Hashable {
        var kind: AttributeKind
        var value: String?
        var hour: Int64
        var modelKey: String
        var model: String

        /// The key's columns as `merge` binds them. Text goes as bytes, made TEXT by SQLite: GRDB binds a String
        /// as a C string, which a NUL would cut.
        var arguments: [any DatabaseValueConvertible] {
            [
                kind.rawValue, value == nil ? 0 : 1, Data((value ?? "").utf8), hour, Data(modelKey.utf8),
                Data(model.utf8),
            ]
        }
    }

    private var sums: [Key: RequestSums] = [:]
    /// Keys some request was taken back from: their rows may be left empty, and go.
    private var takenBack: Set<Key> = []

    /// Adds (`sign` 1) or takes back (`sign` -1) one request.
    mutating func add(_ e: RollupEntry, hour: Int64, sign: Int64) {
        let key = Key(hour: hour, modelKey: e.modelKey, attributes: e.attributes)
        sums[key, default: RequestSums()].add(e, sign: sign)
        if sign < 0 { takenBack.insert(key) }
    }

    /// Adds these sums to the stored rollup.
    func merge(into db: Database) throws {
        guard !sums.isEmpty else { return }
        var rows: [RowKey: RequestSums] = [:]
        var emptied: Set<RowKey> = []
        for (key, s) in sums {
            for kind in AttributeKind.allCases {
                let row = RowKey(
                    kind: kind, value: key.attributes.value(of: kind), hour: key.hour, modelKey: key.modelKey,
                    model: key.attributes.model)
                rows[row, default: RequestSums()].add(s)
                if takenBack.contains(key) { emptied.insert(row) }
            }
        }
        let figures = RequestSums.Column.allCases
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO usage_attributes (\(Self.tableColumns.joined(separator: ", ")))
                VALUES (?, ?, CAST(? AS TEXT), ?, CAST(? AS TEXT), CAST(? AS TEXT)\
                \(String(repeating: ", ?", count: figures.count)))
                ON CONFLICT(attribute, present, value, hour, model_key, model) DO UPDATE SET
                  \(figures.map(\.merge).joined(separator: ",\n  "))
                """)
        for (row, s) in rows {
            try upsert.execute(arguments: StatementArguments(row.arguments + figures.map { s.value(of: $0) }))
        }
        let delete = try db.cachedStatement(
            sql: """
                DELETE FROM usage_attributes
                WHERE attribute = ? AND present = ? AND value = CAST(? AS TEXT) AND hour = ?
                  AND model_key = CAST(? AS TEXT) AND model = CAST(? AS TEXT) AND requests = 0 AND aggregated_rows = 0
                """)
        for row in emptied { try delete.execute(arguments: StatementArguments(row.arguments)) }
    }

    /// Every column of `usage_attributes`, in the order `merge` and `rebuild` fill them.
    static let tableColumns =
        ["attribute", "present", "value", "hour", "model_key", "model"] + RequestSums.Column.allCases.map(\.tableColumn)

    /// Recomputes the whole table from the stored requests.
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM usage_attributes")
        for kind in AttributeKind.allCases {
            try db.execute(
                sql: """
                    INSERT INTO usage_attributes (\(tableColumns.joined(separator: ", ")))
                    SELECT '\(kind.rawValue)', \(kind.column) IS NOT NULL, COALESCE(\(kind.column), ''),
                      \(HourlyRollup.hourOfRequest), COALESCE(priced_as, model), model, \(RequestSums.Column.selection)
                    FROM requests GROUP BY 2, 3, 4, 5, 6
                    """)
        }
    }
}

extension RequestSums {
    /// Adds the sums of other requests.
    mutating func add(_ o: RequestSums) {
        requests += o.requests
        aggregatedRows += o.aggregatedRows
        tokens += o.tokens
        webSearchRequests += o.webSearchRequests
        cost += o.cost
        unpricedRequests += o.unpricedRequests
        priorityRequests += o.priorityRequests
        loggedRequests += o.loggedRequests
        loggedCost += o.loggedCost
        loggedComputedCost += o.loggedComputedCost
        first = min(first, o.first)
        last = max(last, o.last)
        iterations.add(o.iterations)
    }
}
