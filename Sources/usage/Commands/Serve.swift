import ArgumentParser
import Dispatch
import Foundation
import UsageKit
import UsageServer

extension Usage {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Receive OpenTelemetry (OTLP/HTTP) usage; serve Prometheus metrics and the report over HTTP.",
            discussion: """
                Claude Code's api_request events and cost/token counters and GenAI spans of Anthropic calls are \
                priced and stored as they arrive, each export committed before it is answered. Endpoints: POST \
                /v1/logs, /v1/traces, /v1/metrics (application/x-protobuf or application/json, gzip or not); GET \
                /metrics (Prometheus), / (the HTML report), /api/report (JSON; since, until, days, group-by as \
                query parameters), /healthz. Listens on 127.0.0.1:4318 unless --listen says otherwise; any other \
                address needs --token-file (or --insecure). SIGTERM or Ctrl-C stops it: what it accepted is \
                stored first.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(
            help: ArgumentHelp(
                "Address and port to listen on (port 0: any free one, printed on standard error).",
                valueName: "host:port"))
        var listen = "127.0.0.1:4318"

        @Option(
            name: .customLong("token-file"),
            help: ArgumentHelp(
                "File of bearer tokens, one per line (at least 16 characters each): every request but /healthz "
                    + "must carry one (Authorization: Bearer TOKEN).",
                valueName: "path"))
        var tokenFile: String?

        @Flag(help: "Listen on a non-loopback address without a token file (anyone who can reach it may send).")
        var insecure = false

        @Option(
            name: .customLong("max-body-mib"),
            help: ArgumentHelp("Largest request body, compressed or unzipped, in MiB.", valueName: "mib"))
        var maxBodyMiB = 20

        @Option(
            name: .customLong("max-queued"),
            help: ArgumentHelp(
                "Log records, spans and data points waiting to be stored past which senders are asked to retry "
                    + "(503 with Retry-After).",
                valueName: "n"))
        var maxQueued = 200_000

        @Option(
            help: ArgumentHelp(
                "Budgets file /metrics reports on (default: the budgets file, when it exists).", valueName: "path"))
        var budgets: String?

        @Option(
            name: .customLong("label-cap"),
            help: ArgumentHelp(
                "Most label sets of the /metrics totals; the rest are summed under the label value other.",
                valueName: "n"))
        var labelCap = 200

        @Option(
            help: ArgumentHelp(
                "Time zone of budget periods and report days (IANA name; default: this machine's).", valueName: "zone"))
        var tz: String?

        func validate() throws {
            guard maxBodyMiB > 0, maxBodyMiB <= 1024 else { throw ValidationError("--max-body-mib takes 1 to 1024.") }
            guard maxQueued > 0 else { throw ValidationError("--max-queued takes a number above 0.") }
            guard labelCap > 0 else { throw ValidationError("--label-cap takes a number above 0.") }
            try Usage.validateTimeZone(tz)
        }

        func run() throws {
            try Diagnostics.run {
                let (host, port) = try ServerConfiguration.parseListen(listen)
                let tokens = try tokenFile.map(ServerConfiguration.readTokens) ?? []
                if !ServerConfiguration.isLoopback(host) && tokens.isEmpty && !insecure {
                    throw UsageError.invalidArgument(
                        "--listen \(listen) is reachable from other machines: give --token-file, or --insecure to "
                            + "accept anyone's data")
                }
                let zone = tz.flatMap(TimeZoneRule.init(identifier:)) ?? .local
                let budgetConfig = try BudgetConfig.named(budgets)
                let store = try database.open()
                let server = UsageServer(
                    store: store,
                    configuration: ServerConfiguration(
                        host: host, port: port, tokens: tokens, maxBodyBytes: maxBodyMiB << 20,
                        maxQueuedItems: maxQueued, budgets: budgetConfig, zone: zone, labelCap: labelCap))
                let path = store.path
                let outcome = RunOutcome()
                let done = DispatchSemaphore(value: 0)
                Task {
                    do {
                        try await server.run { address in
                            Diagnostics.print("usage serve: listening on http://\(address) (database \(path))")
                        }
                    } catch {
                        outcome.set(error)
                    }
                    done.signal()
                }
                done.wait()
                if let error = outcome.error { throw UsageError.invalidArgument("serve: \(error)") }
                Diagnostics.print("usage serve: stopped; everything accepted is stored")
            }
        }
    }
}

/// The error a background run ended with, handed to the waiting thread.
private final class RunOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.withLock { stored } }
    func set(_ error: Error) { lock.withLock { stored = error } }
}
