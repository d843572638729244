import GRDB

/// The rollup that holds the sums a filter and a grouping ask for, and how its rows are selected and grouped.
///
/// The rollups keep whole hours, the model (as priced and as logged) and at most one other attribute at a time:
/// `usage_hourly` none, `usage_attributes` one per row set. A question on two attributes (a workflow's sessions,
/// a project's spend in one workflow) has no rollup; the requests answer it.
enum RollupSelection {
    case hourly
    case attribute(AttributeKind)

    /// Nil when no rollup holds what is asked.
    init?(_ filter: RequestFilter, by attributes: [RequestAttribute]) {
        var kinds = Set(attributes.compactMap(\.kind))
        if filter.workflow != nil { kinds.insert(.workflow) }
        if filter.session != nil { kinds.insert(.session) }
        if filter.project != nil { kinds.insert(.project) }
        if filter.apiKey != nil { kinds.insert(.apiKey) }
        if filter.workspace != nil { kinds.insert(.workspace) }
        guard kinds.count <= 1 else { return nil }
        if let kind = kinds.first {
            self = .attribute(kind)
        } else if filter.models.isEmpty {
            self = .hourly
        } else {
            // The hourly rollup has no model as logged, which a model selection also matches; any attribute's row
            // set counts every request once, and the source has the fewest values.
            self = .attribute(.source)
        }
    }

    var table: String {
        switch self {
        case .hourly: return "usage_hourly"
        case .attribute: return "usage_attributes"
        }
    }

    /// The rows of the requests `filter` selects; its bounds must be whole hours.
    func condition(_ filter: RequestFilter) -> SQL {
        let hour: Int64 = 3_600_000
        precondition(filter.since.map { $0 % hour == 0 } ?? true && filter.until.map { $0 % hour == 0 } ?? true)
        var condition: SQL = "1"
        if let since = filter.since { condition.append(literal: " AND hour >= \(since / hour)") }
        if let until = filter.until { condition.append(literal: " AND hour < \(until / hour)") }
        guard case .attribute(let kind) = self else { return condition }
        condition.append(literal: " AND attribute = \(kind.rawValue)")
        if !filter.models.isEmpty {
            // As on requests (`priced_as IN names OR model IN names`): the model as priced is the model as logged
            // when it has no price.
            let names = filter.modelNames
            condition.append(literal: " AND (model_key IN \(names) OR model IN \(names))")
        }
        let selected: String?
        switch kind {
        case .workflow: selected = filter.workflow
        case .session: selected = filter.session
        case .project: selected = filter.project
        case .apiKey: selected = filter.apiKey
        case .workspace: selected = filter.workspace
        case .serviceTier, .source: selected = nil
        }
        if let selected { condition.append(literal: " AND present = 1 AND value = \(selected)") }
        return condition
    }

    /// The group key of `attribute` in the rollup's rows, read as bytes (`wholeText`).
    func key(_ attribute: RequestAttribute) -> String {
        guard case .attribute = self, attribute != .model else { return wholeText("model_key") }
        return "CASE WHEN present THEN \(wholeText("value")) END"
    }

    /// What the rows of one `key` have in common, to group by: the columns themselves, in the order of the
    /// table's key, so SQLite groups the rows as it reads them instead of sorting them (a third of the time of a
    /// report by session over 1M requests).
    func grouping(_ attribute: RequestAttribute) -> String {
        guard case .attribute = self, attribute != .model else { return "model_key" }
        return "present, value"
    }
}

extension RequestAttribute {
    /// The rollup attribute it is; nil for the model, which every rollup keeps.
    var kind: AttributeKind? {
        switch self {
        case .model: return nil
        case .session: return .session
        case .workflow: return .workflow
        case .project: return .project
        case .serviceTier: return .serviceTier
        case .source: return .source
        }
    }
}
