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
}
