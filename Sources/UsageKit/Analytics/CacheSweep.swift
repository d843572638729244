import Foundation

/// The cache analysis over requests handed to it one by one in time order (with those of the hour past the
/// period, which only judge the fate of writes).
///
/// It keeps the sums of each group and, per stream (a session's or a workflow's requests of one model), the last
/// request and the writes whose fate is not known yet: a write is settled by the reads that follow it within its
/// lifetime, so nothing is held longer than about an hour of requests, however many the period has.
struct CacheSweep {
    typealias Request = CacheStats.Request

    private let filter: RequestFilter
    private let waste: Bool
    private var stats: CacheStats
    private var byModel: [String: CacheFigures] = [:]
    private var byWorkflow: [String: CacheFigures] = [:]
    private var bySession: [String: CacheFigures] = [:]
    private var byProject: [String: CacheFigures] = [:]
    private var byDay: [Int64: CacheFigures] = [:]
    private var firstInPeriod: Int64?

    /// A session's or a workflow's requests of one model.
    private struct StreamKey: Hashable {
        var session: Bool
        var owner: String
        var model: String
    }

    /// A class, as the writes waiting in it: each request updates its streams and writes in place.
    private final class Stream {
        let session: Bool
        /// The last request, for sessions' pauses: its time and whether it used the cache.
        var last: (timestamp: Int64, usedCache: Bool)?
        /// Writes the stream has not read yet, oldest first.
        var unread: [PendingWrite] = []
        /// 1-hour writes whose reads are being followed. They all share the last use, the stream's last read, and
        /// so one fate: a pause decides them all at once, whatever their number.
        var following: [PendingWrite] = []
        /// Those of them this stream decides alone (it is their first stream, and read them within 5 minutes),
        /// summed by the groups their waste would go to: held as sums, not one by one, however long reads go on.
        var decided: [WasteGroups: OneHourSums] = [:]
        var lastUse: Int64 = 0
        /// How many writes `following` may hold before those decided meanwhile in their first stream go.
        var followingLimit = 64

        init(session: Bool) { self.session = session }

        var isIdle: Bool { unread.isEmpty && !isFollowing }
        var isFollowing: Bool { !following.isEmpty || !decided.isEmpty }
    }

    /// The groups a request's waste is added to.
    private struct WasteGroups: Hashable {
        var model: String
        var workflow: String?
        var session: String?
        var project: String?
        var day: Int64
    }

    /// 1-hour writes: how many, their tokens, and the extra over 5-minute writes.
    private struct OneHourSums {
        var writes: Int64 = 0
        var tokens: Int64 = 0
        var extra = ExactAmount.zero
    }

    /// What the reads of one stream after a write say of it.
    private struct Fate {
        /// The first read after the write, once seen.
        var firstRead: Int64?
        /// Whether a 5-minute write would have served every read of the 1-hour write.
        var fiveMinutesWould: Bool?
    }

    /// A write waiting for its fate in each of its streams.
    private final class PendingWrite {
        let request: Request
        let streams: [Stream]
        var fates: [Fate]
        var unsettled: Int
        /// Summed in its first stream, which alone tells its fate: its other stream has nothing to say of it.
        var decided = false

        init(request: Request, streams: [Stream]) {
            self.request = request
            self.streams = streams
            fates = Array(repeating: Fate(), count: streams.count)
            unsettled = streams.count
        }
    }

    private var streams: [StreamKey: Stream] = [:]
    /// Streams with writes waiting.
    private var active: [ObjectIdentifier: Stream] = [:]
    private var lastExpiry: Int64?

    /// What the recommendations need beyond the figures.
    private var evidence = CacheStats.RecommendationEvidence()
    /// Per session (else workflow) and model, the current run of large uncached prompts each within 5 minutes of
    /// the one before.
    private var runs: [StreamKey: UncachedRun] = [:]

    /// Whether the figures come summed (`add(sums:...)`): the requests then only bring what their order tells.
    private let summed: Bool

    init(filter: RequestFilter, waste: Bool, summed: Bool = false) {
        self.filter = filter
        self.waste = waste
        self.summed = summed
        stats = CacheStats(filter: filter)
    }

    /// Prompt tokens of the priced requests, when the figures come summed.
    var pricedPrompt: Int64 {
        get { evidence.pricedPrompt }
        set { evidence.pricedPrompt = newValue }
    }

    mutating func add(_ r: Request) {
        if waste { follow(r) }
        guard r.inPeriod else { return }
        if summed {
            if waste { gather(r) }
            return
        }
        if firstInPeriod == nil { firstInPeriod = r.timestamp }
        let f = r.figures
        stats.totals.add(f)
        byModel[r.model, default: CacheFigures()].add(f)
        byWorkflow[r.workflow ?? "(none)", default: CacheFigures()].add(f)
        bySession[r.session ?? "(none)", default: CacheFigures()].add(f)
        byProject[r.project ?? "(none)", default: CacheFigures()].add(f)
        byDay[Int64(TimeZoneRule.utc.localDay(utcMillis: r.timestamp)), default: CacheFigures()].add(f)
        if waste { gather(r) }
    }

    /// Adds the figures of requests summed by session (each request in one such sum): the totals, the session's,
    /// the model's and the day's.
    mutating func add(sums f: CacheFigures, session: String?, model: String, day: Int64, first: Int64) {
        firstInPeriod = min(firstInPeriod ?? first, first)
        stats.totals.add(f)
        byModel[model, default: CacheFigures()].add(f)
        bySession[session ?? "(none)", default: CacheFigures()].add(f)
        byDay[day, default: CacheFigures()].add(f)
    }

    /// Adds the figures of requests summed by workflow.
    mutating func add(sums f: CacheFigures, workflow: String?) {
        byWorkflow[workflow ?? "(none)", default: CacheFigures()].add(f)
    }

    /// Adds the figures of requests summed by project.
    mutating func add(sums f: CacheFigures, project: String?) {
        byProject[project ?? "(none)", default: CacheFigures()].add(f)
    }

    /// Every figure, once the last request is in. `now` bounds an open period for monthly estimates.
    mutating func finish(now: Date) -> CacheStats {
        if waste {
            for stream in active.values { settleAll(stream, at: nil) }
            for (_, run) in runs { close(run) }
        }
        func groups(_ d: [String: CacheFigures]) -> [CacheStats.Group] {
            d.map { CacheStats.Group(key: $0.key, figures: $0.value) }.sorted {
                ($0.figures.costUSD, $1.key) > ($1.figures.costUSD, $0.key)
            }
        }
        stats.byModel = groups(byModel)
        stats.byWorkflow = groups(byWorkflow)
        stats.bySession = groups(bySession)
        stats.byProject = groups(byProject)
        stats.daily = byDay.sorted { $0.key < $1.key }.map {
            CacheStats.Day(day: Timestamp.dayString(days: Int($0.key)), figures: $0.value)
        }
        // The period's length for monthly estimates: from its start (or the first request) to its end, never
        // past now.
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        if let start = filter.since ?? firstInPeriod {
            let end = min(filter.until ?? nowMs, nowMs)
            stats.days = max(1, Double(end - start) / 86_400_000)
        }
        if waste { stats.recommendations = CacheStats.recommend(stats, evidence: evidence) }
        return stats
    }

    // MARK: Waste

    /// Follows `r` through its session's and workflow's streams: the pause before it, the writes its read settles,
    /// and its own writes. Requests with neither session nor workflow cannot be followed.
    private mutating func follow(_ r: Request) {
        if lastExpiry.map({ r.timestamp - $0 > CacheStats.fiveMinutes }) ?? true {
            // Writes no read can reach any more (time only moves on) are settled now, so that few wait.
            for stream in active.values { settleAll(stream, at: r.timestamp) }
            lastExpiry = r.timestamp
        }
        guard !r.aggregated else { return }
        var memberships: [Stream] = []
        memberships.reserveCapacity(2)
        for (session, owner) in [(true, r.session), (false, r.workflow)] {
            guard let owner else { continue }
            let key = StreamKey(session: session, owner: owner, model: r.model)
            let stream: Stream
            if let known = streams[key] {
                stream = known
            } else {
                stream = Stream(session: session)
                streams[key] = stream
            }
            memberships.append(stream)
            if session, let previous = stream.last { notePause(r, after: previous) }
            stream.last = (r.timestamp, r.tokens.cacheRead + r.tokens.cacheWrite5m + r.tokens.cacheWrite1h > 0)
            if r.tokens.cacheRead > 0 && !stream.isIdle { read(at: r.timestamp, in: stream) }
        }
        guard r.inPeriod, !memberships.isEmpty, r.terms != nil, r.tokens.cacheWrite5m + r.tokens.cacheWrite1h > 0
        else { return }
        let write = PendingWrite(request: r, streams: memberships)
        for stream in memberships {
            stream.unread.append(write)
            active[ObjectIdentifier(stream)] = stream
        }
    }

    /// A session that paused and found its cache gone: it read nothing and wrote it again.
    private mutating func notePause(_ r: Request, after previous: (timestamp: Int64, usedCache: Bool)) {
        let wrote = r.tokens.cacheWrite5m + r.tokens.cacheWrite1h
        let gap = r.timestamp - previous.timestamp
        guard r.inPeriod, gap > CacheStats.fiveMinutes, wrote > 0, r.tokens.cacheRead == 0, previous.usedCache
        else { return }
        stats.expiredCacheGaps.requests += 1
        stats.expiredCacheGaps.tokens += wrote
        if gap <= CacheStats.oneHour, let terms = r.terms, r.tokens.cacheWrite5m > 0 {
            stats.expiredCacheGapsWithinHour.requests += 1
            stats.expiredCacheGapsWithinHour.tokens += r.tokens.cacheWrite5m
            // With a 1-hour lifetime this rewrite would have been a read, for the 1-hour write's extra.
            let rates = terms.rates
            stats.gapSavings =
                stats.gapSavings
                + terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite5m - rates.cacheRead)
                - terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite1h - rates.cacheWrite5m)
        }
    }

    /// A read at `t` in `stream`: the next use of the 1-hour writes followed, and the first read of the others.
    private mutating func read(at t: Int64, in stream: Stream) {
        // Each read refreshes the entry: a 5-minute write would have served them all if none came more than 5
        // minutes after the previous use; a pause of over an hour ends the writes' life.
        if stream.isFollowing && t - stream.lastUse > CacheStats.fiveMinutes {
            endFollowing(stream, fiveMinutesWould: t - stream.lastUse > CacheStats.oneHour)
        }
        for write in stream.unread where !write.decided {
            let since = t - write.request.timestamp
            setFirstRead(t, of: write, in: stream)
            if write.request.tokens.cacheWrite1h == 0 || since > CacheStats.oneHour {
                settle(write, in: stream, fiveMinutesWould: nil)
            } else if since > CacheStats.fiveMinutes {
                settle(write, in: stream, fiveMinutesWould: false)
            } else if write.streams[0] === stream, let terms = write.request.terms {
                // Read within 5 minutes in its first stream: nothing is unread, and this stream's pauses alone
                // decide whether a 5-minute write would have served it.
                write.decided = true
                let r = write.request
                let groups = WasteGroups(
                    model: r.model, workflow: r.workflow, session: r.session, project: r.project,
                    day: Int64(TimeZoneRule.utc.localDay(utcMillis: r.timestamp)))
                var sums = stream.decided[groups] ?? OneHourSums()
                sums.writes += 1
                sums.tokens += r.tokens.cacheWrite1h
                sums.extra += terms.amount(
                    r.tokens.cacheWrite1h, at: terms.rates.cacheWrite1h - terms.rates.cacheWrite5m)
                stream.decided[groups] = sums
            } else {
                stream.following.append(write)
                if stream.following.count > stream.followingLimit {
                    // A stream that never pauses would hold every write it followed: those their first stream
                    // decided since have nothing left to learn from this one (`settle` skips them), and go.
                    stream.following.removeAll { $0.decided }
                    stream.followingLimit = max(64, 2 * stream.following.count)
                }
            }
        }
        stream.unread = []
        stream.lastUse = t
        if stream.isIdle { active[ObjectIdentifier(stream)] = nil }
    }

    /// Settles the writes of `stream` that no read after `now` can change; all of them when `now` is nil (the
    /// stream has ended).
    private mutating func settleAll(_ stream: Stream, at now: Int64?) {
        let expired = now.map { now in stream.unread.prefix { now - $0.request.timestamp > CacheStats.oneHour }.count }
        for write in stream.unread.prefix(expired ?? stream.unread.count) {
            settle(write, in: stream, fiveMinutesWould: nil)
        }
        stream.unread.removeFirst(expired ?? stream.unread.count)
        if stream.isFollowing && now.map({ $0 - stream.lastUse > CacheStats.oneHour }) ?? true {
            endFollowing(stream, fiveMinutesWould: true)
        }
        if stream.isIdle { active[ObjectIdentifier(stream)] = nil }
    }

    /// A pause decides every 1-hour write followed in `stream`.
    private mutating func endFollowing(_ stream: Stream, fiveMinutesWould: Bool) {
        for write in stream.following { settle(write, in: stream, fiveMinutesWould: fiveMinutesWould) }
        stream.following = []
        if fiveMinutesWould {
            for (groups, sums) in stream.decided {
                stats.oneHourWritesFiveMinutesWouldServe.requests += sums.writes
                stats.oneHourWritesFiveMinutesWouldServe.tokens += sums.tokens
                stats.oneHourExtra = stats.oneHourExtra + sums.extra
                addWaste(sums.extra, to: groups)
            }
        }
        stream.decided = [:]
    }

    private func setFirstRead(_ t: Int64, of write: PendingWrite, in stream: Stream) {
        write.fates[write.streams.firstIndex { $0 === stream }!].firstRead = t
    }

    /// The write's fate in `stream` is known; once it is in each of its streams, the write is judged.
    private mutating func settle(_ write: PendingWrite, in stream: Stream, fiveMinutesWould: Bool?) {
        guard !write.decided else { return }
        write.fates[write.streams.firstIndex { $0 === stream }!].fiveMinutesWould = fiveMinutesWould
        write.unsettled -= 1
        if write.unsettled == 0 { judge(write) }
    }

    /// The waste of a settled write: premium of writes never read within their lifetime (in any of their streams),
    /// and the extra of a 1-hour write a 5-minute one would have served (as the first stream that read it within
    /// the hour tells).
    private mutating func judge(_ write: PendingWrite) {
        let r = write.request
        guard let terms = r.terms else { return }
        let rates = terms.rates
        func readWithin(_ ttl: Int64) -> Fate? {
            write.fates.first { fate in fate.firstRead.map { $0 - r.timestamp <= ttl } ?? false }
        }
        var unread = ExactAmount.zero
        var extra = ExactAmount.zero
        if r.tokens.cacheWrite5m > 0 && readWithin(CacheStats.fiveMinutes) == nil {
            unread = unread + terms.amount(r.tokens.cacheWrite5m, at: rates.cacheWrite5m - rates.input)
            stats.unreadWrites.tokens += r.tokens.cacheWrite5m
        }
        if r.tokens.cacheWrite1h > 0 {
            if let fate = readWithin(CacheStats.oneHour) {
                if fate.fiveMinutesWould == true {
                    extra = terms.amount(r.tokens.cacheWrite1h, at: rates.cacheWrite1h - rates.cacheWrite5m)
                    stats.oneHourWritesFiveMinutesWouldServe.requests += 1
                    stats.oneHourWritesFiveMinutesWouldServe.tokens += r.tokens.cacheWrite1h
                }
            } else {
                unread = unread + terms.amount(r.tokens.cacheWrite1h, at: rates.cacheWrite1h - rates.input)
                stats.unreadWrites.tokens += r.tokens.cacheWrite1h
            }
        }
        if unread.units > 0 { stats.unreadWrites.requests += 1 }
        stats.unreadWaste = stats.unreadWaste + unread
        stats.oneHourExtra = stats.oneHourExtra + extra
        addWaste(
            unread + extra,
            to: WasteGroups(
                model: r.model, workflow: r.workflow, session: r.session, project: r.project,
                day: Int64(TimeZoneRule.utc.localDay(utcMillis: r.timestamp))))
    }

    private mutating func addWaste(_ waste: ExactAmount, to g: WasteGroups) {
        guard waste.units != 0 else { return }
        stats.totals.waste += waste
        byModel[g.model, default: CacheFigures()].waste += waste
        byWorkflow[g.workflow ?? "(none)", default: CacheFigures()].waste += waste
        bySession[g.session ?? "(none)", default: CacheFigures()].waste += waste
        byProject[g.project ?? "(none)", default: CacheFigures()].waste += waste
        byDay[g.day, default: CacheFigures()].waste += waste
    }

    // MARK: Recommendations

    /// A run of large uncached prompts in one stream, each within 5 minutes of the one before.
    private struct UncachedRun {
        var count = 0
        var last: Int64
        var smallestPrompt: Int64
        var first: PricingTerms
        /// The runs' other requests by what a token read from cache instead would save them: a rate and the
        /// modifiers it is taken at (the saving is the same for every request of one).
        var others: [SavingTerms: Int] = [:]
    }

    private struct SavingTerms: Hashable {
        var rate: Int64
        var batch: Bool
        var multiplier: Int64?
        var divisor: Int64?
    }

    /// What the figures cannot tell: prompts priced, runs of uncached prompts, prompts below the minimum.
    private mutating func gather(_ r: Request) {
        if r.terms != nil && !summed { evidence.pricedPrompt += r.tokens.prompt }
        if let minimum = r.minCacheable, !r.aggregated, r.tokens.prompt < Int64(minimum), r.tokens.cacheRead == 0,
            r.tokens.cacheWrite5m + r.tokens.cacheWrite1h == 0
        {
            if evidence.belowMinimum == 0 { evidence.firstBelowMinimum = (minimum, r.model) }
            evidence.belowMinimum += 1
        }
        // Large prompts sent again within minutes in one session (or workflow) and model, without any caching.
        guard !r.aggregated, let terms = r.terms, r.tokens.cacheRead == 0,
            r.tokens.cacheWrite5m + r.tokens.cacheWrite1h == 0,
            r.tokens.input >= max(Int64(r.minCacheable ?? 1024), 1024)
        else { return }
        let key: StreamKey
        if let session = r.session {
            key = StreamKey(session: true, owner: session, model: r.model)
        } else if let workflow = r.workflow {
            key = StreamKey(session: false, owner: workflow, model: r.model)
        } else {
            return
        }
        if var run = runs[key], r.timestamp - run.last <= CacheStats.fiveMinutes {
            run.count += 1
            run.last = r.timestamp
            run.smallestPrompt = min(run.smallestPrompt, r.tokens.input)
            let multiplier = terms.residency ?? terms.regional
            let saving = SavingTerms(
                rate: terms.rates.input - terms.rates.cacheRead, batch: terms.batch,
                multiplier: multiplier?.numerator, divisor: multiplier?.denominator)
            run.others[saving, default: 0] += 1
            runs[key] = run
        } else {
            if let run = runs[key] { close(run) }
            runs[key] = UncachedRun(count: 1, last: r.timestamp, smallestPrompt: r.tokens.input, first: terms)
        }
    }

    /// What caching would have saved a finished run: the smallest prompt of the run stands for the shared prefix,
    /// written once and read by the others.
    private mutating func close(_ run: UncachedRun) {
        guard run.count >= 2 else { return }
        let prefix = run.smallestPrompt
        let first = run.first
        var saving = ExactAmount.zero - first.amount(prefix, at: first.rates.cacheWrite5m - first.rates.input)
        for (terms, count) in run.others {
            var t = first
            t.batch = terms.batch
            t.residency = terms.multiplier.map { ($0, terms.divisor!) }
            t.regional = nil
            saving = saving + ExactAmount(units: t.amount(prefix, at: terms.rate).units * Int128(count))
        }
        if saving.units > 0 {
            evidence.uncachedSaving = evidence.uncachedSaving + saving
            evidence.uncachedRequests += Int64(run.count)
        }
    }
}
