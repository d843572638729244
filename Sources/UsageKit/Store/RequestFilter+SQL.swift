import GRDB

extension RequestFilter {
    /// The SQL condition and its arguments, for `WHERE`.
    var sql: SQL {
        var condition: SQL = "1"
        if let since { condition.append(literal: " AND ts >= \(since)") }
        if let until { condition.append(literal: " AND ts < \(until)") }
        if !models.isEmpty {
            let names = modelNames
            condition.append(literal: " AND (priced_as IN \(names) OR model IN \(names))")
        }
        if let workflow { condition.append(literal: " AND workflow = \(workflow)") }
        if let session { condition.append(literal: " AND session = \(session)") }
        if let project { condition.append(literal: " AND project = \(project)") }
        if let apiKey { condition.append(literal: " AND api_key_id = \(apiKey)") }
        if let workspace { condition.append(literal: " AND workspace_id = \(workspace)") }
        return condition
    }

    /// The models selected, in any spelling: as given, normalized, and the price table's id each maps to.
    var modelNames: [String] {
        models + models.map(ModelID.normalize) + models.compactMap { PriceTable.builtIn.lookup($0)?.id }
    }
}

extension RequestFilter {
    /// The condition on cost report rows billed from `since` until `until` (bucket starts).
    static func billedPeriod(since: Int64?, until: Int64?) -> SQL {
        var condition: SQL = "1"
        if let since { condition.append(literal: " AND starting_at >= \(since)") }
        if let until { condition.append(literal: " AND starting_at < \(until)") }
        return condition
    }
}
