import Foundation

/// 5-hour usage windows as Claude subscription limits count them: a block starts at the first request after the
/// previous block ended, floored to the hour (UTC), and lasts five hours; the time between blocks is a gap.
///
/// Every boundary falls on a whole hour, so the hourly sums place each hour's requests in one block exactly.
public struct UsageBlocks: Sendable, Equatable {
    public static let length: Int64 = 5 * hour
    static let hour: Int64 = 3_600_000

    public struct Block: Sendable, Equatable {
        public var start: Int64
        public var end: Int64
        /// The block's first and last request.
        public var firstRequest: Int64
        public var lastRequest: Int64
        public var totals: UsageTotals
        /// Whether `at` falls in the block.
        public var isActive: Bool
        /// For the active block: what it spent per hour from its first request to `at`, and that pace carried to
        /// its end.
        public var burnRate: Rate?
        public var projection: Projection?

        /// Every token the block's requests used: prompt (uncached, cache writes and reads) and output.
        public var tokens: Int64 { totals.tokens.prompt + totals.tokens.output }
    }

    public struct Rate: Sendable, Equatable {
        public var costPerHour: USD
        public var tokensPerMinute: Double
    }

    public struct Projection: Sendable, Equatable {
        public var cost: USD
        public var tokens: Int64
        /// Minutes from `at` to the block's end.
        public var minutesLeft: Int64
    }

    /// Blocks and the gaps between them, oldest first.
    public enum Entry: Sendable, Equatable {
        case block(Block)
        case gap(start: Int64, end: Int64)
    }

    public var entries: [Entry]
    /// The time the active block is told by.
    public var at: Int64
    public var zone: TimeZoneRule
    public var tokenLimit: Int64?
    public var costLimit: USD?

    public var blocks: [Block] {
        entries.compactMap {
            if case .block(let b) = $0 { return b }
            return nil
        }
    }

    /// How much of `tokenLimit` and `costLimit` the block used (and, active, will have used at its end).
    public func shares(_ block: Block) -> (
        tokens: Double?, cost: Double?, projectedTokens: Double?, projectedCost: Double?
    ) {
        let t = tokenLimit.map { Double(block.tokens) / Double($0) }
        let c = costLimit.map { Double(block.totals.cost.nanos) / Double($0.nanos) }
        let pt = tokenLimit.flatMap { limit in block.projection.map { Double($0.tokens) / Double(limit) } }
        let pc = costLimit.flatMap { limit in block.projection.map { Double($0.cost.nanos) / Double(limit.nanos) } }
        return (t, c, pt, pc)
    }

    static func compute(
        _ storage: some UsageStorage, filter: RequestFilter, at: Int64, zone: TimeZoneRule, tokenLimit: Int64?,
        costLimit: USD?
    ) throws -> UsageBlocks {
        compute(
            hours: try hourlySums(storage, filter), at: at, zone: zone, tokenLimit: tokenLimit, costLimit: costLimit)
    }

    /// The blocks up to `at` of all requests, begun far enough back that the one `at` falls in is the one the
    /// whole history makes: each block begins where the one before ended, so a window cut at an arbitrary hour
    /// could begin the chain at the wrong hour. A request 5 hours or more after the one before it begins a block
    /// whatever came earlier; the window grows (a day, then 4 and 16 times as long...) until it holds one.
    static func current(
        _ storage: some UsageStorage, at: Int64, zone: TimeZoneRule, tokenLimit: Int64?, costLimit: USD?
    ) throws -> UsageBlocks {
        let thisHour = at - at % hour
        var span = 24 * hour
        while true {
            // The chain's start is looked for in whole hours before `at`'s own, which the rollup sums cheaply.
            let since = thisHour - span
            let starts = try hourlySums(storage, RequestFilter(since: since, until: thisHour)).compactMap(\.bucketStart)
            // The latest hour with no request in the 5 hours before it (the window's first hour counts when the
            // window holds 5 empty hours before it); with no request in the window, `at`'s own hour.
            let certain = starts.indices.last { i in starts[i] - (i == 0 ? since : starts[i - 1]) >= length }
            var begin = certain.map { starts[$0] } ?? (starts.isEmpty ? thisHour : nil)
            // Past 64 days of unbroken use, the window's own start is as good as any.
            if begin == nil && span >= 64 * 24 * hour { begin = since }
            if let begin {
                return compute(
                    hours: try hourlySums(storage, RequestFilter(since: begin, until: at + 1)), at: at, zone: zone,
                    tokenLimit: tokenLimit, costLimit: costLimit)
            }
            span *= 4
        }
    }

    /// The sums of `filter`'s requests by hour, oldest first; from the rollup when the filter's ends are whole
    /// hours and the rollup holds its sums.
    private static func hourlySums(_ storage: some UsageStorage, _ filter: RequestFilter) throws -> [GroupSums] {
        let aligned = filter.since.map { $0 % hour == 0 } ?? true && filter.until.map { $0 % hour == 0 } ?? true
        return try storage.requestSums(
            filter, bucket: hour, by: [], rollup: aligned && storage.rollupCanSum(filter, by: [])
        ).sorted { ($0.bucketStart ?? 0) < ($1.bucketStart ?? 0) }
    }

    private static func compute(
        hours: [GroupSums], at: Int64, zone: TimeZoneRule, tokenLimit: Int64?, costLimit: USD?
    ) -> UsageBlocks {
        var entries: [Entry] = []
        var current: Block?
        func close() {
            guard var block = current else { return }
            if block.isActive {
                let elapsed = max(at - block.firstRequest, 60_000)
                let costPerHour = USD(
                    nanos: Int64((Double(block.totals.cost.nanos) * Double(hour) / Double(elapsed)).rounded()))
                let tokensPerMinute = Double(block.tokens) * 60_000 / Double(elapsed)
                let left = block.end - at
                block.burnRate = Rate(costPerHour: costPerHour, tokensPerMinute: tokensPerMinute)
                block.projection = Projection(
                    cost: block.totals.cost
                        + USD(
                            nanos: Int64((Double(block.totals.cost.nanos) * Double(left) / Double(elapsed)).rounded())),
                    tokens: block.tokens + Int64((Double(block.tokens) * Double(left) / Double(elapsed)).rounded()),
                    minutesLeft: left / 60_000)
            }
            entries.append(.block(block))
        }
        for group in hours {
            guard let start = group.bucketStart else { continue }
            let sums = UsageTotals(group.sums)
            if let block = current, start < block.end {
                current!.totals.add(sums)
                current!.firstRequest = min(block.firstRequest, group.sums.first)
                current!.lastRequest = max(block.lastRequest, group.sums.last)
                continue
            }
            close()
            if let previous = current, start > previous.end { entries.append(.gap(start: previous.end, end: start)) }
            current = Block(
                start: start, end: start + length, firstRequest: group.sums.first, lastRequest: group.sums.last,
                totals: sums, isActive: at >= start && at < start + length)
        }
        close()
        return UsageBlocks(entries: entries, at: at, zone: zone, tokenLimit: tokenLimit, costLimit: costLimit)
    }
}

extension UsageStore {
    /// The 5-hour blocks of the requests `filter` selects, the active one told by `at`; `tokenLimit` and
    /// `costLimit` say how close each block came to a limit.
    public func blocks(
        _ filter: RequestFilter, at: Date = Date(), zone: TimeZoneRule, tokenLimit: Int64? = nil, costLimit: USD? = nil
    ) throws -> UsageBlocks {
        try database.reading { storage in
            try UsageBlocks.compute(
                storage, filter: filter, at: Int64(at.timeIntervalSince1970 * 1000), zone: zone,
                tokenLimit: tokenLimit, costLimit: costLimit)
        }
    }
}
