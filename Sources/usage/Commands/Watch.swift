import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import UsageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Usage {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A live monitor: today's and this month's spend, the active block, burn rate, cache, budgets.",
            discussion: """
                Full screen, refreshed every --interval seconds: re-reads what is new in the given logs (by default \
                the Claude Code data directories; with --no-ingest only the database, e.g. the one `usage serve` \
                writes), then shows today's and this month's spend, the active 5-hour block with its progress, \
                burn rate and projection, the last hour's cost, today's cache hit rate and net saving, today's \
                costliest sessions and models, and each budget's status. Keys: q quits, r refreshes now, Ctrl-L \
                redraws, Ctrl-Z suspends (fg resumes); Ctrl-C and SIGTERM quit too, and the terminal is left as it \
                was found. Colour unless NO_COLOR is set. --once prints one screen to standard output instead.
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("Logs to re-read (default: the Claude Code data directories).", valueName: "path"))
        var paths: [String] = []

        @Flag(help: "Read only the database: ingest nothing.")
        var noIngest = false

        @Option(help: ArgumentHelp("Seconds between refreshes.", valueName: "n"))
        var interval = 5

        @Option(help: ArgumentHelp("Budgets file (default: the budgets file, when it exists).", valueName: "path"))
        var budgets: String?

        @Option(name: .customLong("token-limit"), help: ArgumentHelp("Tokens a block may use.", valueName: "n"))
        var tokenLimit: Int64?

        @Option(name: .customLong("cost-limit"), help: ArgumentHelp("USD a block may spend.", valueName: "usd"))
        var costLimit: String?

        @Option(
            help: ArgumentHelp("Time zone of days and months (IANA name; default: this machine's).", valueName: "zone"))
        var tz: String?

        @Option(help: ArgumentHelp("Show the figures as of this time (ISO 8601; default: now).", valueName: "time"))
        var at: String?

        @Flag(help: "Print one screen to standard output and exit.")
        var once = false

        func validate() throws {
            try Usage.validateTimeZone(tz)
            if !(1...3600).contains(interval) { throw ValidationError("--interval takes 1 to 3600 seconds.") }
            if noIngest && !paths.isEmpty { throw ValidationError("--no-ingest reads no logs: give no paths with it.") }
            try Blocks.validate(at: at, tokenLimit: tokenLimit, costLimit: costLimit)
        }

        func run() throws {
            var sources = paths.map { IngestSource(path: $0) }
            var watching = paths.count == 1 ? paths[0] : "\(paths.count) paths"
            if noIngest {
                watching = "the database only"
            } else if paths.isEmpty {
                let directories = ClaudeCode.dataDirectories()
                sources = directories.map { IngestSource(path: $0, format: .claudeCode) }
                watching =
                    directories.isEmpty ? "no Claude Code data directory found" : directories.joined(separator: ", ")
            }
            var feed: MonitorFeed!
            try Diagnostics.run {
                let store = try noIngest ? database.openForReading() : database.open()
                feed = MonitorFeed(
                    store: store, sources: sources, interval: interval, watching: watching,
                    budgets: try BudgetConfig.named(budgets),
                    zone: tz.flatMap(TimeZoneRule.init(identifier:)) ?? .local,
                    at: at.flatMap { Timestamp.parse($0, defaultOffset: 0) }, tokenLimit: tokenLimit,
                    costLimit: costLimit.flatMap(USD.init))
            }
            let color = ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            if once {
                feed.refresh()
                let state = feed.state.withLock { $0 }
                let columns = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
                let rows = MonitorScreen.rows(
                    state.snapshot, status: state.status, width: columns, height: nil,
                    color: color && isatty(STDOUT_FILENO) != 0, now: feed.now())
                emit(rows.joined(separator: "\n") + "\n")
                return
            }
            guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
                throw ValidationError(
                    "usage watch needs a terminal; `usage watch --once` prints one screen, `usage report` a report.")
            }
            try monitor(feed, color: color)
        }

        /// The screen loop: one poll() for keys, signals and finished refreshes; a frame whenever one of them or
        /// the clock changes what the screen shows.
        private func monitor(_ feed: MonitorFeed, color: Bool) throws {
            let wake = SignalPipe.install([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP])
            let screen = try FullScreen()
            feed.start(wake: wake.write)
            var previous: [String]?
            var size = FullScreen.size()
            var quit: Int32?
            while quit == nil {
                let state = feed.state.withLock { $0 }
                let rows = MonitorScreen.rows(
                    state.snapshot, status: state.status, width: size.width, height: size.height, color: color,
                    now: feed.now())
                if rows != previous {
                    FullScreen.draw(rows, over: previous)
                    previous = rows
                }
                // Wake at the next whole second: the clock on the top row moves.
                let wait = Int32(1000 - Int(Date().timeIntervalSince1970 * 1000) % 1000)
                var fds = [
                    pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
                ]
                guard poll(&fds, 2, wait) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 64)
                if fds[1].revents != 0 {
                    let n = read(wake.read, &buffer, buffer.count)
                    for byte in buffer.prefix(max(n, 0)) {
                        switch Int32(byte) {
                        case SIGWINCH:
                            size = FullScreen.size()
                            previous = nil
                        case SIGTSTP:
                            // Ctrl-Z: the shell gets the terminal as it was; `fg` brings the monitor back whole.
                            screen.suspend()
                            size = FullScreen.size()
                            previous = nil
                        case 0: break  // a refresh ended
                        default: quit = 128 + Int32(byte)
                        }
                    }
                }
                if fds[0].revents != 0 {
                    let n = read(STDIN_FILENO, &buffer, buffer.count)
                    if n <= 0 { quit = 0 }  // the terminal went away
                    for byte in buffer.prefix(max(n, 0)) {
                        switch byte {
                        case UInt8(ascii: "q"), UInt8(ascii: "Q"): quit = 0
                        case UInt8(ascii: "r"), UInt8(ascii: "R"): feed.refreshNow()
                        case 0x0C: previous = nil  // Ctrl-L: draw everything again
                        default: break
                        }
                    }
                }
            }
            screen.restore()
            // A refresh may be midway through a file's transaction: it is rolled back, and read again next time.
            if quit != 0 { throw ExitCode(quit!) }
        }
    }
}

/// The monitor's refreshes (ingest what is new, then read the figures), on a thread of their own so that keys are
/// answered while a first ingest of a long history runs.
final class MonitorFeed: Sendable {
    struct State {
        var snapshot: MonitorSnapshot?
        var status: MonitorScreen.Status
    }

    let state: Mutex<State>
    private let store: UsageStore
    private let sources: [IngestSource]
    private let interval: Int
    private let budgets: BudgetConfig?
    private let zone: TimeZoneRule
    private let at: Int64?
    private let tokenLimit: Int64?
    private let costLimit: USD?
    private let asked = DispatchSemaphore(value: 0)
    private let failed = Mutex(false)

    init(
        store: UsageStore, sources: [IngestSource], interval: Int, watching: String, budgets: BudgetConfig?,
        zone: TimeZoneRule, at: Int64?, tokenLimit: Int64?, costLimit: USD?
    ) {
        self.store = store
        self.sources = sources
        self.interval = interval
        self.budgets = budgets
        self.zone = zone
        self.at = at
        self.tokenLimit = tokenLimit
        self.costLimit = costLimit
        state = Mutex(State(status: MonitorScreen.Status(interval: interval, watching: watching)))
    }

    /// The time shown: `--at` when given, else the clock's.
    func now() -> Int64 { at ?? Int64(Date().timeIntervalSince1970 * 1000) }

    /// Refreshes every `interval` seconds, or at once when asked; writes a zero byte to `wake` after each.
    func start(wake: Int32) {
        Thread.detachNewThread { [self] in
            while true {
                refresh()
                var byte: UInt8 = 0
                _ = write(wake, &byte, 1)
                _ = asked.wait(timeout: .now() + .seconds(interval))
            }
        }
    }

    func refreshNow() { asked.signal() }

    /// One refresh. A problem is shown on the status row and the last figures kept; the next refresh tries again.
    func refresh() {
        let problems = Mutex<(count: Int, last: String?)>((0, nil))
        do {
            var stored = 0
            if !sources.isEmpty {
                stored = try store.ingest(sources, options: IngestOptions(zone: zone)) { issue in
                    problems.withLock { $0 = ($0.count + 1, issue.description) }
                }.newRequests
            }
            let snapshot = try store.monitor(
                at: Date(timeIntervalSince1970: Double(now()) / 1000), zone: zone, budgets: budgets,
                tokenLimit: tokenLimit, costLimit: costLimit)
            let (count, last) = problems.withLock { $0 }
            state.withLock {
                $0.snapshot = snapshot
                $0.status.refreshedAt = Int64(Date().timeIntervalSince1970 * 1000)
                $0.status.newRequests = stored
                // A rejected line stays on the screen until a later problem replaces it; a failed refresh goes
                // once one succeeds.
                if let last {
                    $0.status.problem = count > 1 ? "\(count) problems; the last: \(last)" : last
                } else if failed.withLock({ $0 }) {
                    $0.status.problem = nil
                }
            }
            failed.withLock { $0 = false }
        } catch {
            let reason = (error as? UsageError)?.description ?? "\(error)"
            failed.withLock { $0 = true }
            state.withLock { $0.status.problem = "refresh failed: " + reason }
        }
    }
}
