/// Which requests a query looks at.
public struct RequestFilter: Sendable, Equatable {
    /// Inclusive lower bound, milliseconds since 1970 UTC.
    public var since: Int64?
    /// Exclusive upper bound, milliseconds since 1970 UTC.
    public var until: Int64?
    /// Model ids as logged or as priced; any spelling the price table normalizes.
    public var models: [String] = []
    public var workflow: String?
    public var session: String?
    public var project: String?
    public var apiKey: String?
    public var workspace: String?

    public init(
        since: Int64? = nil, until: Int64? = nil, models: [String] = [], workflow: String? = nil,
        session: String? = nil,
        project: String? = nil
    ) {
        self.since = since
        self.until = until
        self.models = models
        self.workflow = workflow
        self.session = session
        self.project = project
    }

    /// Whether the filter selects by more than time, so the hourly rollup cannot answer it.
    var selectsByAttribute: Bool {
        !models.isEmpty || workflow != nil || session != nil || project != nil || apiKey != nil || workspace != nil
    }
}
