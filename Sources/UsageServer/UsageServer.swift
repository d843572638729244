import CompressNIO
import Foundation
import Hummingbird
import Logging
import NIOCore
import UsageKit

/// `usage serve`: an OTLP/HTTP receiver (`/v1/logs`, `/v1/traces`, `/v1/metrics`) that stores usage in the
/// database as it arrives, and the same database served as Prometheus metrics (`/metrics`), the HTML report (`/`)
/// and the JSON report (`/api/report`).
///
/// Answers follow the OTLP/HTTP specification (https://opentelemetry.io/docs/specs/otlp/#otlphttp): 200 once the
/// export is committed (with `partial_success` when items were rejected), 400 for a body that is not an export
/// request, 413 past the size limit, 415 for another media type or encoding, and 503 with `Retry-After` while
/// the queue is full or the server stops, which exporters retry.
public struct UsageServer: Sendable {
    let store: UsageStore
    let configuration: ServerConfiguration
    let writer: BatchWriter
    /// The metrics' running totals, kept between scrapes.
    let totals = MetricsTotals()

    public init(store: UsageStore, configuration: ServerConfiguration) {
        self.store = store
        self.configuration = configuration
        writer = BatchWriter(
            store: store, maxQueuedItems: configuration.maxQueuedItems, source: "usage serve (OTLP/HTTP)")
    }

    /// Listens until SIGTERM or SIGINT, then stops taking requests, answers those it took, commits what it
    /// queued and returns. `onListening` receives the address bound (with the port the system chose for 0).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        var logger = Logger(label: "usage-serve")
        logger.logLevel = .warning
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(configuration.idleTimeout.nanoseconds))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [writer],
            onServerRunning: { channel in
                let address = channel.localAddress
                let host = address?.ipAddress ?? configuration.host
                let shown = host.contains(":") ? "[\(host)]" : host
                onListening("\(shown):\(address?.port ?? configuration.port)")
            },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        for signal in OTLPSignal.allCases {
            router.post(RouterPath(signal.path)) { request, _ in
                guard configuration.authorizes(request.headers[.authorization]) else { return Self.unauthorized() }
                return await receive(request, signal: signal)
            }
        }
        router.get("/metrics") { request, _ in
            guard configuration.authorizes(request.headers[.authorization]) else { return Self.unauthorized() }
            return try await metrics()
        }
        router.get("/") { request, _ in
            guard configuration.authorizes(request.headers[.authorization]) else { return Self.unauthorized() }
            return try await report(request, html: true)
        }
        router.get("/api/report") { request, _ in
            guard configuration.authorizes(request.headers[.authorization]) else { return Self.unauthorized() }
            return try await report(request, html: false)
        }
        return router
    }

    // MARK: OTLP

    /// One export request, answered once it is stored.
    func receive(_ request: Request, signal: OTLPSignal) async -> Response {
        guard let encoding = OTLPEncoding(contentType: request.headers[.contentType] ?? "") else {
            return Self.failure(
                .unsupportedMediaType, "Content-Type must be application/x-protobuf or application/json", .json)
        }
        let compression = (request.headers[.contentEncoding] ?? "identity").lowercased()
        guard ["identity", "gzip"].contains(compression) else {
            return Self.failure(
                .unsupportedMediaType, "Content-Encoding \(compression) is not supported (use gzip or none)", encoding)
        }
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return Self.failure(.contentTooLarge, "the body is over the \(limit)-byte limit", encoding)
        }
        var body: ByteBuffer
        do {
            body = try await Self.within(configuration.requestTimeout) {
                try await request.body.collect(upTo: limit)
            }
        } catch is TimedOut {
            return Self.failure(.requestTimeout, "the body did not arrive in time", encoding)
        } catch {
            return Self.failure(.contentTooLarge, "the body is over the \(limit)-byte limit", encoding)
        }
        if compression == "gzip" {
            do {
                body = try body.decompress(with: .gzip(), maxSize: limit)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                return Self.failure(
                    .contentTooLarge, "the body is over the \(limit)-byte limit once unzipped", encoding)
            } catch {
                return Self.failure(.badRequest, "the body is not valid gzip", encoding)
            }
        }
        var export: OTLPExport
        do {
            export = try OTLPExport(Array(buffer: body), signal: signal, encoding: encoding)
        } catch {
            return Self.failure(.badRequest, error.reason, encoding)
        }
        // Read here, where requests are served in parallel: the writer then only writes.
        export.readAhead()
        let receipt: OTLPReceipt
        do {
            receipt = try await writer.submit(export)
        } catch is BatchWriter.Busy {
            return Self.retryLater("the server is busy or stopping; retry later", encoding)
        } catch {
            // The database failed (a full disk, say): nothing was stored, and the exporter keeps the data.
            return Self.retryLater("not stored: \(error)", encoding)
        }
        let message = receipt.message.map { "\(receipt.rejected) \(signal.items) rejected; first: \($0)" }
        return Self.answer(
            .ok, OTLPExport.response(to: signal, rejected: receipt.rejected, message: message, encoding: encoding),
            contentType: encoding.contentType)
    }

    // MARK: Reports

    func metrics() async throws -> Response {
        let snapshot = try await Self.offload { [store, configuration, totals] in
            try store.metrics(
                budgets: configuration.budgets, zone: configuration.zone, labelCap: configuration.labelCap,
                totals: totals)
        }
        return Self.answer(
            .ok, Array(PrometheusRenderer.render(snapshot).utf8), contentType: PrometheusRenderer.contentType)
    }

    /// The HTML or JSON report of the period and grouping the query names (`since`, `until`, `days`, `group-by`,
    /// as the command line takes them).
    func report(_ request: Request, html: Bool) async throws -> Response {
        let query = request.uri.queryParameters
        let text = { (name: String) in query[name[...]].map(String.init) }
        let dimensions: [ReportDimension]
        let filter: RequestFilter
        do {
            let days = try text("days").map { days in
                guard let n = Int(days), n > 0 else {
                    throw UsageError.invalidArgument("days must be a whole number above 0")
                }
                return n
            }
            let (since, until) = try Period.bounds(
                since: text("since"), until: text("until"), days: days, zone: configuration.zone)
            filter = RequestFilter(since: since, until: until)
            let names = (text("group-by") ?? "model").split(separator: ",").map(String.init)
            dimensions = try names.map { name in
                guard let d = ReportDimension(rawValue: name) else {
                    throw UsageError.invalidArgument("group-by: unknown dimension \(name)")
                }
                return d
            }
            guard (1...2).contains(dimensions.count) else {
                throw UsageError.invalidArgument("group-by takes one or two dimensions")
            }
        } catch {
            return Self.answer(.badRequest, Array("\(error)\n".utf8), contentType: "text/plain; charset=utf-8")
        }
        let page = try await Self.offload { [store, configuration] in
            let budgets = try configuration.budgets.map { try store.checkBudgets($0, zone: configuration.zone) }
            if html {
                var dashboard = try store.dashboard(filter, zone: configuration.zone)
                dashboard.budgets = budgets
                return try OutputFormat.html.render(.dashboard(dashboard))
            }
            let report = try store.report(filter, by: dimensions, zone: configuration.zone)
            return try OutputFormat.json.render(.report(report, budgets: budgets))
        }
        return Self.answer(
            .ok, Array(page.utf8), contentType: html ? "text/html; charset=utf-8" : "application/json")
    }

    // MARK: Answers

    static func answer(_ status: HTTPResponse.Status, _ body: [UInt8], contentType: String, retryAfter: Int? = nil)
        -> Response
    {
        var headers: HTTPFields = [.contentType: contentType]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        // Nothing a log holds is to be sniffed or framed as something else by a browser.
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func failure(_ status: HTTPResponse.Status, _ message: String, _ encoding: OTLPEncoding) -> Response {
        answer(status, OTLPExport.failure(message, encoding: encoding), contentType: encoding.contentType)
    }

    static func retryLater(_ message: String, _ encoding: OTLPEncoding) -> Response {
        var response = failure(.serviceUnavailable, message, encoding)
        response.headers[.retryAfter] = "1"
        return response
    }

    static func unauthorized() -> Response {
        var response = answer(.unauthorized, Array("a bearer token is required\n".utf8), contentType: "text/plain")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    struct TimedOut: Error {}

    /// `work`, or `TimedOut` once `limit` passes.
    static func within<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut() }
            return value
        }
    }

    /// Runs a blocking database read off the threads that serve requests.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
