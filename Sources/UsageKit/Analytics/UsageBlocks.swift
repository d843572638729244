import Foundation

/// 5-hour usage windows as Claude subscription limits count them: a block starts at the first request after the
/// previous block ended, floored to the hour (UTC), and lasts five hours; the time between blocks is a gap.
///
/// Every boundary falls on a whole hour, so the hourly sums place each hour's requests in one block exactly.
public struct UsageBlocks: Sendable, Equatable {
    public static let length: Int64 = 5 * 3_600_000

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
        let hour: Int64 = 3_600_000
        let aligned = filter.since.map { $0 % hour == 0 } ?? true && filter.until.map { $0 % hour == 0 } ?? true
        let hours = try storage.requestSums(
            filter, bucket: hour, by: [], rollup: aligned && storage.rollupCanSum(filter, by: [])
        ).sorted { ($0.bucketStart ?? 0) < ($1.bucketStart ?? 0) }
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
