import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    struct Blocks: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json, .csv, .markdown]

        static let configuration = CommandConfiguration(
            abstract: "5-hour usage blocks, as Claude subscription limits count them, with the active one's burn rate.",
            discussion: """
                A block starts at the first request after the previous block ended, floored to the hour (UTC), and \
                lasts five hours; the time between blocks is shown as a gap. Each block lists its requests, tokens \
                (prompt and output, cache included) and exact cost; the active block (the one --at, by default now, \
                falls in) adds its burn rate from its first request to --at and that pace carried to its end. \
                --token-limit and --cost-limit show how much of a limit each block used.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions
        @OptionGroup var scope: ScopeOptions

        @Option(
            help: ArgumentHelp(
                "The time that tells the active block (ISO 8601, e.g. 2026-12-01T15:30:00Z; default: now).",
                valueName: "time"))
        var at: String?

        @Option(
            name: .customLong("token-limit"), help: ArgumentHelp("Tokens a block may use.", valueName: "n"))
        var tokenLimit: Int64?

        @Option(name: .customLong("cost-limit"), help: ArgumentHelp("USD a block may spend.", valueName: "usd"))
        var costLimit: String?

        @Option(
            help: ArgumentHelp(
                "Time zone the blocks' times are shown in (IANA name; default: this machine's).", valueName: "zone"))
        var tz: String?

        @OptionGroup var output: FormatOption<Blocks>

        func validate() throws {
            try Usage.validateTimeZone(tz)
            try Self.validate(at: at, tokenLimit: tokenLimit, costLimit: costLimit)
        }

        /// The checks of `--at`, `--token-limit` and `--cost-limit`, which `usage watch` takes too.
        static func validate(at: String?, tokenLimit: Int64?, costLimit: String?) throws {
            if let at, Timestamp.parse(at, defaultOffset: 0) == nil {
                throw ValidationError("--at takes an ISO 8601 time, e.g. 2026-12-01T15:30:00Z.")
            }
            if let tokenLimit, tokenLimit <= 0 { throw ValidationError("--token-limit takes a number above 0.") }
            if let costLimit, USD(costLimit).map({ $0.nanos <= 0 }) ?? true {
                throw ValidationError("--cost-limit takes an amount in USD above 0, e.g. 25 or 12.50.")
            }
        }

        func run() throws {
            let zone = tz.flatMap(TimeZoneRule.init(identifier:)) ?? .local
            let time = at.flatMap { Timestamp.parse($0, defaultOffset: 0) }.map {
                Date(timeIntervalSince1970: Double($0) / 1000)
            }
            try output.write(from: database) { db in
                .blocks(
                    try db.blocks(
                        try scope.filter(period, zone: zone), at: time ?? Date(), zone: zone, tokenLimit: tokenLimit,
                        costLimit: costLimit.flatMap(USD.init)))
            }
        }
    }
}
