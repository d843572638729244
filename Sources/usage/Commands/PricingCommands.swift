import ArgumentParser
import Foundation
import UsageKit

/// The price table in force: the built-in one with the database's imports (the built-in one alone without a
/// database).
func effectivePrices(_ options: DatabaseOptions) throws -> PriceTable {
    guard FileManager.default.fileExists(atPath: options.path) else { return .builtIn }
    return try options.openForReading().priceTable()
}

/// `$3.75` per million tokens, with as many decimals as the price has.
func perMTok(_ femto: Int64) -> String {
    var text = USD(nanos: femto).exact
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return "$" + text
}

struct Pricing: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect, import and export the prices.",
        subcommands: [PricingList.self, PricingShow.self, PricingImport.self, PricingExport.self])
}

struct PricingList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every model with its rates (USD per million tokens) and effective dates.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "table or json (json is the tool's own price format, as `pricing export` writes it).")
    var format: OutputFormat = .table

    func run() throws {
        try Diagnostics.run {
            let table = try effectivePrices(database)
            if format == .json {
                emit(table.exportJSON())
                return
            }
            var rows: [[String]] = []
            for model in table.models {
                for period in model.periods {
                    let r = period.standard
                    rows.append([
                        model.id, period.from.map { String(Timestamp.iso($0).prefix(10)) } ?? "-", perMTok(r.input),
                        perMTok(r.cacheWrite5m), perMTok(r.cacheWrite1h), perMTok(r.cacheRead), perMTok(r.output),
                        period.longContext.map { ">\(groupThousands(String($0.threshold))): \(perMTok($0.rates.input))/\(perMTok($0.rates.output))" } ?? "-",
                        period.fast.map { f in
                            "\(perMTok(f.input))/\(perMTok(f.output))"
                                + (period.fastLongContext.map { ", >\(groupThousands(String(period.longContext?.threshold ?? 0))): \(perMTok($0.input))/\(perMTok($0.output))" } ?? "")
                        } ?? "-",
                        model.usResidency.map { "x\(Double($0.numerator) / Double($0.denominator))" } ?? "-",
                        model.bedrockRegional.map { "x\(Double($0.numerator) / Double($0.denominator))" } ?? "-",
                    ])
                }
            }
            emit(
                "Prices: \(table.version), USD per million tokens. A date is when a period starts (UTC); it lasts until the next.\n\n"
                    + TableText.table(
                        header: ["Model", "From", "Input", "5m write", "1h write", "Read", "Output", "Long context in/out", "Fast in/out", "US", "Bedrock regional"],
                        rows: rows)
                    + "\nUS = inference_geo us on the Anthropic API; Bedrock regional = geographic (us., eu., ...) and in-Region ids, over global.\n")
        }
    }
}

struct PricingShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "How a model id normalizes, and the rates that price it at a date.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("A model id in any spelling (dated, alias, Bedrock, Vertex).", valueName: "model-id"))
    var model: String

    @Option(help: ArgumentHelp("The date or time to price at (default now).", valueName: "date"))
    var at: String?

    func run() throws {
        try Diagnostics.run {
            let table = try effectivePrices(database)
            var time = Int64(Date().timeIntervalSince1970 * 1000)
            if let at {
                guard let ms = Timestamp.parse(at, defaultOffset: 0) else {
                    throw UsageError.invalidArgument("--at '\(at)' is not a date or ISO 8601 time")
                }
                time = ms
            }
            let normalized = ModelID.normalize(model)
            var out = "\(model) normalizes to \(normalized)\n"
            guard let price = table.lookup(model) else {
                out += "Not in the price table (\(table.version)): its requests are stored unpriced, never as $0.\n"
                out += "Price it with `usage pricing import FILE` (a LiteLLM price file or the tool's own format), then `usage reprice`.\n"
                emit(out)
                return
            }
            guard let period = price.period(at: time) else {
                out += "\(price.id) has no price at \(Timestamp.iso(time).prefix(10)): its imported prices start later.\n"
                emit(out)
                return
            }
            out += "Priced as \(price.id) (\(price.name)) at \(Timestamp.iso(time).prefix(10)), by the period "
            out += (period.from.map { "from \(Timestamp.iso($0).prefix(10))" } ?? "since the beginning") + ":\n"
            let r = period.standard
            out += "  input \(perMTok(r.input)), 5m write \(perMTok(r.cacheWrite5m)), 1h write \(perMTok(r.cacheWrite1h)), "
            out += "cache read \(perMTok(r.cacheRead)), output \(perMTok(r.output)) per million tokens\n"
            if let tier = period.longContext {
                out += "  prompts over \(groupThousands(String(tier.threshold))) tokens: every token at input \(perMTok(tier.rates.input)), "
                out += "5m write \(perMTok(tier.rates.cacheWrite5m)), 1h write \(perMTok(tier.rates.cacheWrite1h)), read \(perMTok(tier.rates.cacheRead)), output \(perMTok(tier.rates.output))\n"
            }
            if let fast = period.fast {
                out += "  fast mode: input \(perMTok(fast.input)), output \(perMTok(fast.output))"
                if let both = period.fastLongContext, let tier = period.longContext {
                    out += "; over \(groupThousands(String(tier.threshold))) prompt tokens input \(perMTok(both.input)), output \(perMTok(both.output))"
                }
                out += "\n"
            }
            if let batch = period.batch {
                out += "  batch: input \(perMTok(batch.input)), output \(perMTok(batch.output)) (stated by the price list)\n"
            } else {
                out += "  batch: 50% of every token rate\n"
            }
            let endpoint = ModelID.endpoint(model)
            if endpoint.isBedrock {
                // A Bedrock id names its endpoint: that decides, inference_geo does not apply.
                out += "  platform: " + (Estimate.endpointNote(endpoint, model: price) ?? endpoint.description) + "\n"
            } else {
                out += "  platform: \(endpoint.description)"
                out += "; US data residency (inference_geo us): " + (price.usResidency.map { "x\(Double($0.numerator) / Double($0.denominator)) on every token" } ?? "no multiplier") + "\n"
                out += "  on Amazon Bedrock: global. at these rates; geographic (us., eu., apac., au., jp., us-gov.) and in-Region ids "
                out += (price.bedrockRegional.map { "x\(Double($0.numerator) / Double($0.denominator))" } ?? "at these rates too") + "\n"
            }
            out += "  web search: \(perMTok(r.webSearch / 1_000)) per 1,000 searches\n"
            if let minimum = price.minCacheableTokens { out += "  minimum cacheable prompt: \(groupThousands(String(minimum))) tokens\n" }
            emit(out)
        }
    }
}

struct PricingImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import prices (LiteLLM's price file or the tool's own JSON format), preferred from a date on.",
        discussion: """
            The prices are stored in the database and used instead of the built-in ones for requests from --from on \
            (default: all requests). They are laid over the prices in force model by model: what the file does not \
            state (a dated period, a long-context tier, fast rates) stays. The import prints, per model, what it took, \
            what it kept and which entries it skipped. New ingests use the prices at once; run `usage reprice` to \
            apply them to what is already stored.
            """)

    @OptionGroup var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The price file.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The date (UTC) from which these prices apply.", valueName: "date"))
    var from: String?

    @Flag(name: .customLong("dry-run"), help: "Show what the import would take, keep and skip, and store nothing.")
    var dryRun = false

    func run() throws {
        try Diagnostics.run {
            var effective: Int64?
            if let from {
                guard let ms = Timestamp.parse(from, defaultOffset: 0) else {
                    throw UsageError.invalidArgument("--from '\(from)' is not a date (2026-11-01)")
                }
                effective = ms
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw UsageError.unreadable(path: file, reason: "cannot read the price file")
            }
            // The prices in force before the import: what it is laid over, and what its report compares with.
            let base = try effectivePrices(database)
            let imported = try PriceImport.parse(
                data, source: (file as NSString).lastPathComponent, effectiveFrom: effective, over: base)
            if !dryRun {
                let db = try database.open()
                try db.importPrices(imported)
            }
            let when = effective.map { "from \(Timestamp.iso($0).prefix(10))" } ?? "for all requests"
            let count = imported.modelIDs.count
            let prices = "\(count) model \(count == 1 ? "price" : "prices")"
            let head = dryRun ? "would import \(prices) from \(file), in force \(when) (dry run: nothing stored):" : "imported \(prices) from \(file), in force \(when):"
            emit(head + "\n" + imported.describe(over: base))
            Diagnostics.print(dryRun ? "Dry run: nothing stored." : "Run `usage reprice` to apply them to the requests already stored.")
        }
    }
}

struct PricingExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the prices in force (built-in and imported) in the tool's own JSON format.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path"))
    var output: String?

    func run() throws {
        try Diagnostics.run {
            let text = try effectivePrices(database).exportJSON()
            if let output {
                do {
                    try text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    throw UsageError.invalidArgument("\(output): cannot write: \(error.localizedDescription)")
                }
            } else {
                emit(text)
            }
        }
    }
}

struct Reprice: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every stored cost with the prices in force (after an import), and show how totals moved.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Diagnostics.run {
            let db = try database.openExisting()
            let summary = try db.reprice()
            var out = "repriced \(summary.requests) requests: \(summary.changed) changed, \(summary.newlyPriced) newly priced"
            if summary.nowUnpriced > 0 { out += ", \(summary.nowUnpriced) no longer priced" }
            out += "\ntotal \(summary.before.exact) -> \(summary.after.exact) USD (\((summary.after - summary.before).exact))\n"
            let moved = summary.byModel.filter { $0.value.before != $0.value.after }.sorted { $0.key < $1.key }
            if !moved.isEmpty {
                out += "\n" + TableText.table(
                    header: ["Model", "Before", "After", "Change"],
                    rows: moved.map { [$0.key, $0.value.before.display, $0.value.after.display, ($0.value.after - $0.value.before).display] })
            }
            emit(out)
        }
    }
}

struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "The cost of a planned request, line by line.",
        discussion: """
            An image costs about width x height / 750 input tokens, after scaling it down until its long edge is at \
            most 1,568 px and its area at most 1.15 megapixels.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("The model, in any spelling.", valueName: "id")) var model: String
    @Option(help: ArgumentHelp("Uncached input tokens.", valueName: "n")) var input: Int64 = 0
    @Option(help: ArgumentHelp("Output tokens.", valueName: "n")) var output: Int64 = 0
    @Option(name: .customLong("cache-read"), help: ArgumentHelp("Cache read tokens.", valueName: "n")) var cacheRead: Int64 = 0
    @Option(name: .customLong("cache-write-5m"), help: ArgumentHelp("5-minute cache write tokens.", valueName: "n")) var cacheWrite5m: Int64 = 0
    @Option(name: .customLong("cache-write-1h"), help: ArgumentHelp("1-hour cache write tokens.", valueName: "n")) var cacheWrite1h: Int64 = 0
    @Flag(help: "Through the Message Batches API.") var batch = false
    @Option(help: ArgumentHelp("Inference geography (us for US-only inference).", valueName: "geo")) var geo: String?
    @Option(help: ArgumentHelp("fast for fast mode.", valueName: "speed")) var speed: String?
    @Option(name: .customLong("web-searches"), help: ArgumentHelp("Server-side web searches.", valueName: "n")) var webSearches: Int64 = 0
    @Option(help: ArgumentHelp("An image's size, e.g. 1920x1080; repeatable.", valueName: "WxH")) var image: [String] = []
    @Option(help: ArgumentHelp("Price at this date (default now).", valueName: "date")) var at: String?

    func validate() throws {
        for n in [input, output, cacheRead, cacheWrite5m, cacheWrite1h, webSearches] where n < 0 {
            throw ValidationError("Token and search counts cannot be negative.")
        }
        for size in image where parseSize(size) == nil {
            throw ValidationError("--image '\(size)' is not a size such as 1920x1080.")
        }
    }

    func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
        return (w, h)
    }

    func run() throws {
        try Diagnostics.run {
            let table = try effectivePrices(database)
            guard let price = table.lookup(model) else {
                throw UsageError.invalidArgument(
                    "\(model) is not in the price table: price it with `usage pricing import FILE` first")
            }
            var time = Int64(Date().timeIntervalSince1970 * 1000)
            if let at {
                guard let ms = Timestamp.parse(at, defaultOffset: 0) else { throw UsageError.invalidArgument("--at '\(at)' is not a date") }
                time = ms
            }
            guard let estimate = Estimate.compute(
                model: price, id: model,
                tokens: TokenCounts(input: input, cacheWrite5m: cacheWrite5m, cacheWrite1h: cacheWrite1h, cacheRead: cacheRead, output: output),
                images: image.compactMap(parseSize), batch: batch, geo: geo, speed: speed, webSearches: webSearches, at: time)
            else {
                throw UsageError.invalidArgument("\(price.id) has no price at \(Timestamp.iso(time).prefix(10))")
            }
            var out = "Estimate for \(price.id) (\(price.name)) on \(ModelID.endpoint(model).description), prices of \(Timestamp.iso(time).prefix(10))\n\n"
            var rows = estimate.lines.map { line in
                [line.label, groupThousands(String(line.tokens)) + " tokens", perMTok(line.ratePerMTok.nanos) + "/MTok", line.amount.exact]
            }
            if estimate.webSearch.nanos > 0 { rows.append(["web search", "\(webSearches) searches", "$10 per 1,000", estimate.webSearch.exact]) }
            rows.append(["total", "", "", estimate.total.exact])
            out += TableText.table(header: ["Item", "Quantity", "Rate", "USD"], rows: rows)
            if estimate.imageTokens > 0 { out += "\nImages: \(image.count), \(groupThousands(String(estimate.imageTokens))) input tokens (in the input line).\n" }
            if !estimate.modifiers.isEmpty {
                out += "\n" + estimate.modifiers.map { "Applied: \($0)." }.joined(separator: "\n") + "\n"
            }
            emit(out)
        }
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "What the period's usage would have cost on other models, with the same tokens and modifiers.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: ArgumentHelp("Models to compare with, comma-separated.", valueName: "models")) var to: String

    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        try Diagnostics.run {
            let db = try database.openForReading()
            let targets = to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let c = try db.compare(try period.filter(), to: targets)
            func change(_ t: Comparison.Target) -> String {
                guard t.actualCompared.nanos > 0 else { return "-" }
                return percent(Double((t.cost - t.actualCompared).nanos) / Double(t.actualCompared.nanos))
            }
            if format == .json {
                var out = "{\n  \"requests\": \(c.requests),\n  \"unpriced_requests\": \(c.unpricedRequests),\n  \"actual_cost_usd\": \(c.actual.exact),\n  \"targets\": ["
                out += c.targets.map { t in
                    "\n    {\"model\": \"\(t.model)\", \"cost_usd\": \(t.cost.exact), \"actual_compared_usd\": \(t.actualCompared.exact), \"difference_usd\": \((t.cost - t.actualCompared).exact), \"unavailable_requests\": \(t.unavailable), \"by_source\": {"
                        + t.bySource.sorted { $0.key < $1.key }.map { "\"\(jsonEscape($0.key))\": \($0.value.exact)" }.joined(separator: ", ") + "}}"
                }.joined(separator: ",")
                emit(out + "\n  ]\n}\n")
                return
            }
            var rows = [["(actual)", c.actual.display, "", ""]]
            rows += c.targets.map { [$0.model, $0.cost.display, ($0.cost - $0.actualCompared).display, change($0)] }
            var out = "\(groupThousands(String(c.requests))) requests, each priced on the other model with its own token counts, tier, batch, residency and speed.\n"
            if c.unpricedRequests > 0 {
                out += "Left out: \(groupThousands(String(c.unpricedRequests))) requests of unpriced models (their actual cost is unknown); add their prices with `usage pricing import`.\n"
            }
            for t in c.targets where t.unavailable > 0 {
                out += "Left out for \(t.model): \(groupThousands(String(t.unavailable))) requests dated before it had a price; its difference compares the rest (actual \(t.actualCompared.display)).\n"
            }
            out += "\n" + TableText.table(header: ["Model", "Cost", "Difference", "Change"], rows: rows)
            let sources = c.actualBySource.keys.sorted()
            if sources.count > 1 {
                out += "\nBy model used:\n"
                out += TableText.table(
                    header: ["Used"] + ["actual"] + c.targets.map(\.model),
                    rows: sources.map { s in [s, c.actualBySource[s]!.display] + c.targets.map { ($0.bySource[s] ?? .zero).display } })
            }
            emit(out)
        }
    }
}

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Computed cost beside what Admin API cost reports billed, per day and model, and where the gap comes from.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() throws {
        try Diagnostics.run {
            let db = try database.openForReading()
            let filter = try period.filter()
            let r = try db.reconcile(filter)
            if format == .json {
                var out = "{\n  \"computed_usd\": \(r.computed.exact),\n  \"billed_usd\": \(r.billed.exact),\n  \"error\": \(r.error.map { String(format: "%.6f", $0) } ?? "null"),\n  \"rows\": ["
                out += r.rows.map { row in
                    "\n    {\"day\": \"\(row.day)\", \"model\": \"\(jsonEscape(row.model))\", \"computed_usd\": \(row.computed.exact), \"billed_usd\": \(row.billed.exact), \"difference_usd\": \(row.difference.exact), \"basis\": \"\(row.basis)\", \"largest_gap_token_type\": "
                        + (row.largestGap.map { "\"\($0.type)\"" } ?? "null") + "}"
                }.joined(separator: ",")
                emit(out + "\n  ]\n}\n")
                return
            }
            guard !r.rows.isEmpty else {
                emit("No day has both an Admin API cost report and usage: ingest cost report pages (and usage) first.\n")
                return
            }
            let rows = r.rows.map { row -> [String] in
                let gap = row.largestGap.map { $0.difference.nanos == 0 ? "-" : "\($0.type) \($0.difference.display)" } ?? "-"
                return [row.day, row.model, row.computed.display, row.billed.display, row.difference.display, percent(row.share), gap, row.basis]
            }
            var out = TableText.table(header: ["Day", "Model", "Computed", "Billed", "Difference", "%", "Largest gap", "Computed from"], rows: rows)
            out += "\nOverall: computed \(r.computed.exact) USD, billed \(r.billed.exact) USD, error \(percent(r.error))"
            out += (r.error ?? 1) < 0.01 ? " (under the 1% target)\n" : " (over the 1% target: see the largest gaps)\n"
            emit(out)
        }
    }
}

func jsonEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}

/// Aligned columns for the pricing commands' plain tables.
enum TableText {
    static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - c.count) + c }
                .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return line(header) + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" + rows.map(line).joined()
    }
}
