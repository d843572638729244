/// The output formats of the tool's commands.
///
/// A new format is one case here, one line in `renderer(_:)` and one file with its `Renderer`.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Aligned text tables and prose, for terminals.
    case table
    /// JSON with documented keys and exact money, for scripts.
    case json
    /// Comma-separated values, for spreadsheets.
    case csv
    /// GitHub-flavoured Markdown, for pull requests, wikis and chat.
    case markdown
    /// One self-contained HTML page.
    case html

    /// The renderer of this format: the one place where a format meets its renderer.
    func renderer(_ options: RenderOptions) -> any Renderer {
        switch self {
        case .table: return TableRenderer(options)
        case .json: return JSONRenderer()
        case .csv: return CSVRenderer()
        case .markdown: return MarkdownRenderer()
        case .html: return HTMLRenderer()
        }
    }

    /// `output` as text in this format; `UsageError.formatUnavailable` when this format has no form of it.
    public func render(_ output: Output, options: RenderOptions = RenderOptions()) throws -> String {
        if let text = renderer(options).render(output) { return text }
        throw UsageError.formatUnavailable(self, output: output.name, formats: Self.formats(for: output))
    }

    /// The formats that have a form of `output`.
    public static func formats(for output: Output) -> [OutputFormat] {
        allCases.filter { $0.renderer(RenderOptions()).render(output) != nil }
    }

    /// Formats as a sentence lists them: `table, json or csv`.
    public static func names(_ formats: [OutputFormat]) -> String {
        let names = formats.map(\.rawValue)
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }
}

/// How the table renderer fits a terminal; the other formats ignore it.
public struct RenderOptions: Sendable {
    /// The terminal's width: a report wider than this drops its less important columns. Nil: no limit.
    public var width: Int?
    /// ANSI colour (bold headers and totals, dimmed rules, unpriced in yellow).
    public var color: Bool

    /// Options for a terminal of `width` columns, coloured or not; by default, neither.
    public init(width: Int? = nil, color: Bool = false) {
        self.width = width
        self.color = color
    }
}

/// Every value the tool writes out: the one input of every renderer.
public enum Output: Sendable {
    /// `usage report`: totals and a row per group; the table adds the budgets' status when there is one.
    case report(UsageReport, budgets: BudgetCheck?)
    /// Everything the HTML report shows.
    case dashboard(Dashboard)
    /// Requests one by one.
    case events([RequestEvent])
    /// The ingest ledger.
    case sources([SourceFile])
    /// Prompt-caching analytics; `top` bounds the per-workflow, session and project lists.
    case cacheStats(CacheStats, top: Int)
    /// Sessions, as session trackers list them.
    case sessions([CacheStats.Group])
    /// 5-hour blocks and the gaps between them.
    case blocks(UsageBlocks)
    /// Budgets: the status line first, for alerting tools.
    case budgetCheck(BudgetCheck)
    /// The prices in force; JSON is the tool's own price format.
    case priceTable(PriceTable)
    /// How a model id (as given) normalizes, and the rates that price it at `at` (milliseconds since 1970 UTC).
    case priceExplanation(model: String, table: PriceTable, at: Int64)
    /// The cost of a planned request, priced at `at`, with its web searches and images.
    case estimate(Estimate, at: Int64, webSearches: Int64, images: Int)
    /// The period's usage priced on other models.
    case comparison(Comparison)
    /// Computed cost beside billed cost.
    case reconciliation(Reconciliation)
    /// What re-pricing changed.
    case reprice(RepriceSummary)
    /// What a price import takes, keeps and skips over `base`; `stored` is false for a dry run.
    case priceImport(PriceImport, over: PriceTable, file: String, stored: Bool)

    /// What the value is, for messages.
    var name: String {
        switch self {
        case .report: return "a usage report"
        case .dashboard: return "the HTML report"
        case .events: return "request events"
        case .sources: return "the ingest ledger"
        case .cacheStats: return "cache statistics"
        case .sessions: return "sessions"
        case .blocks: return "5-hour blocks"
        case .budgetCheck: return "a budget check"
        case .priceTable: return "the price table"
        case .priceExplanation: return "a price explanation"
        case .estimate: return "an estimate"
        case .comparison: return "a model comparison"
        case .reconciliation: return "a reconciliation"
        case .reprice: return "a reprice summary"
        case .priceImport: return "a price import report"
        }
    }
}

/// Turns report values into text. One type per output format; none knows about SQL or arguments.
public protocol Renderer: Sendable {
    /// `output` in this renderer's format; nil when the format has no form of it.
    func render(_ output: Output) -> String?
}
