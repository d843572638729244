/// What the analyses read from a store, and the few writes the pricing commands make, in store-level rows.
///
/// The analyses (Analytics/, and the pricing rules) compute over what these return and never see SQL: a second
/// storage engine implements these and reuses every computation. A value of it lives inside one transaction of
/// its store, so the reads of one question agree with each other.
protocol UsageStorage {
    // MARK: Listings

    /// Every file of the ingest ledger, by path.
    func sourceFiles() throws -> [SourceFile]

    /// Requests matching `filter`, oldest first, at most `limit` of them (the newest ones when limited).
    func events(_ filter: RequestFilter, limit: Int?) throws -> [RequestEvent]

    // MARK: Report

    /// Sums of the requests `filter` selects, one per group: of time buckets of `bucket` milliseconds (when
    /// given) and of `attributes`. From the rollups when `rollup`; they can answer only when `bucket` is an hour
    /// or nil, the filter's bounds are whole hours and `rollupCanSum` says so.
    func requestSums(_ filter: RequestFilter, bucket: Int64?, by attributes: [RequestAttribute], rollup: Bool) throws
        -> [GroupSums]

    /// Whether the rollups hold the sums of `filter` by `attributes`, for whole hours.
    func rollupCanSum(_ filter: RequestFilter, by attributes: [RequestAttribute]) -> Bool

    /// The unpriced requests `filter` selects, per model, most requests first.
    func unpricedModels(_ filter: RequestFilter) throws -> [UnpricedModel]

    /// The advisor calls of the requests `filter` selects, per advisor model as logged.
    func advisorUsage(_ filter: RequestFilter) throws -> [AdvisorUsage]

    /// What cost reports billed from `since` until `until` (bucket starts), per bucket start and model.
    func billedAmounts(since: Int64?, until: Int64?) throws -> [BilledAmount]

    /// Of the requests `filter` selects, how many are headless runs' results.
    func headlessRowCount(_ filter: RequestFilter) throws -> Int64

    /// What reports say of OpenTelemetry and Claude Code analytics rows among those `filter` selects; the
    /// analytics rows are only looked for when `analytics` (the set holds aggregated rows).
    func telemetryCounts(_ filter: RequestFilter, analytics: Bool) throws -> TelemetryCounts

    /// The newest request's time; nil for an empty store.
    func lastRequestTime() throws -> Int64?

    // MARK: Metrics

    /// Adds the rows stored after `table.lastID` to the metrics' totals by label set.
    func addLabelledTotals(to table: inout LabelledTotalsTable) throws

    /// Every stored row and their cost, from the sums the store keeps: whether rows counted before have changed.
    func storedTotals() throws -> (rows: Int64, costNanos: Int64)

    // MARK: Dashboard

    /// Per group of `attribute` (`(none)` for none), requests known one by one and those stopped by
    /// `max_tokens`: the groups with any, most first.
    func truncatedRequests(_ filter: RequestFilter, by attribute: RequestAttribute) throws
        -> [(key: String, truncated: Int64, requests: Int64)]

    /// Per workflow (`(none)` for none), thinking and output tokens of the requests that log thinking, most
    /// thinking first.
    func thinkingTokens(_ filter: RequestFilter) throws -> [(key: String, thinking: Int64, output: Int64)]

    // MARK: Budgets

    /// What the requests `filter` selects cost, how many are unpriced, and how many there are.
    func spending(_ filter: RequestFilter) throws -> Spending

    // MARK: Cache stats

    /// Hands `body` the requests `filter` selects one by one, in time order.
    func cacheRequests(_ filter: RequestFilter, _ body: (CacheRequestRow) throws -> Void) throws

    /// The sums of the requests `filter` selects per value of `attribute` (a session, workflow or project), UTC
    /// day and everything their prices depend on; nil when the store keeps no such sums for the filter (one that
    /// selects more than whole UTC days).
    func cacheSums(_ filter: RequestFilter, by attribute: RequestAttribute) throws -> [CacheSumsRow]?

    // MARK: Pricing analyses

    /// Hands `body` the requests `filter` selects one by one, each with its model as priced (else as logged) and
    /// its stored cost.
    func pricedRequests(_ filter: RequestFilter, _ body: (UsageRecord, String, USD?) throws -> Void) throws

    /// What cost reports billed from `since` until `until` (bucket starts), per UTC day (days since 1970), model
    /// (as priced, else as logged, else `(web search)`) and token type (else cost type, else `other`).
    func billedByType(since: Int64?, until: Int64?) throws -> [(day: Int64, model: String, type: String, amount: USD)]

    /// The priced requests of one UTC day (days since 1970).
    func pricedRecords(day: Int64) throws -> [UsageRecord]

    // MARK: Re-pricing (in a write transaction)

    /// Hands `body` every stored request with its id and stored price.
    func storedPrices(_ body: (Int64, UsageRecord, StoredPrice) throws -> Void) throws

    /// Stores new prices by request id, and then recomputes what is derived from them.
    func updatePrices(_ changes: [(id: Int64, price: StoredPrice)]) throws

    /// The models cost reports name, as logged.
    func billedModels() throws -> [String]

    /// Sets the model cost report rows of `model` are priced as.
    func setBilledPricedAs(_ pricedAs: String?, forModel model: String) throws

    // MARK: Prices

    /// Every stored price import, oldest first.
    func priceImports() throws -> [PriceImport]

    /// Stores a price import (in a write transaction).
    func addPriceImport(_ imported: PriceImport, at importedAt: Int64) throws
}

/// A request attribute the store groups by.
enum RequestAttribute: Sendable {
    /// As priced, else as logged.
    case model
    case session, workflow, project, serviceTier
    /// The log format.
    case source
}

/// One group of `UsageStorage.requestSums`.
/// OpenTelemetry and Claude Code analytics rows in a set of requests, for the notes of a report.
public struct TelemetryCounts: Sendable, Equatable {
    /// Rows whose cache writes carry no 5-minute/1-hour split (OpenTelemetry events, spans and counters, Claude
    /// Code analytics): priced as 5-minute writes.
    public var unsplitCacheWrites: Int64 = 0
    /// Aggregated rows from Claude Code's counters (OTLP metrics).
    public var counterRows: Int64 = 0
    /// Aggregated rows from Claude Code analytics reports.
    public var analyticsRows: Int64 = 0
    /// Sessions with both OpenTelemetry events and Claude Code transcript requests: no id links the two, so
    /// their spend counts twice.
    public var sessionsInBoth: Int64 = 0

    public init() {}
}

struct GroupSums {
    /// The start of the group's time bucket, milliseconds since 1970 UTC; nil without buckets.
    var bucketStart: Int64?
    /// One value per attribute asked for; nil where the requests have none.
    var attributes: [String?]
    var sums: RequestSums
}

/// An amount a cost report billed.
struct BilledAmount {
    /// The start of its bucket, milliseconds since 1970 UTC.
    var startingAt: Int64
    /// As priced, else as logged, else its cost type in parentheses (`(web_search)`).
    var model: String
    var amount: USD
}

/// A stored request as the cache analysis reads it.
struct CacheRequestRow {
    /// With its session, workflow, project and context window.
    var record: UsageRecord
    /// As priced, else as logged.
    var modelKey: String
    /// The stored cost, nanodollars; nil when unpriced.
    var cost: Int64?
}

/// Requests summed by what their cache figures depend on, as `cacheSums` returns them.
struct CacheSumsRow {
    /// The attribute's value; nil for the requests without it.
    var value: String?
    /// As priced, else as logged.
    var modelKey: String
    /// What the requests share: the model as logged, tier, residency, speed, context window and whether they are
    /// aggregated rows; the start of their UTC day; and the sums of their tokens.
    var record: UsageRecord
    /// A prompt length on the same side of each long-context threshold in `thresholds` as every request's.
    var prompt: Int64
    /// Whether they have a stored cost.
    var priced: Bool
    var rows: Int64
    /// Those that read from cache.
    var rowsWithHits: Int64
    /// The sum of their stored costs, nanodollars.
    var cost: Int64
    /// The earliest request's time.
    var first: Int64

    /// The long-context thresholds `prompt` stands for: prices with others need each request's own prompt.
    static var thresholds: [Int64] { CacheRollup.promptThresholds }
}

/// The cost of a set of requests.
struct Spending: Equatable {
    /// Of the priced requests.
    var cost: USD
    var unpriced: Int64
    var requests: Int64
}
