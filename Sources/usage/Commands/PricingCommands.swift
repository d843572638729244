import ArgumentParser
import Foundation
import UsageKit

/// The price table in force: the built-in one with the database's imports (the built-in one alone without a
/// database).
func effectivePrices(_ options: DatabaseOptions) throws -> PriceTable {
    guard FileManager.default.fileExists(atPath: options.path) else { return .builtIn }
    return try options.openForReading().priceTable()
}

struct Pricing: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect, import and export the prices.",
        subcommands: [PricingList.self, PricingShow.self, PricingImport.self, PricingExport.self])
}

struct PricingList: ParsableCommand, FormatDeclaring {
    static let formats: [OutputFormat] = [.table, .json]
    static let formatRemark: String? = "json is the tool's own price format, as `pricing export` writes it"

    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Every model with its rates (USD per million tokens) and effective dates.")

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var output: FormatOption<PricingList>

    func run() throws {
        try Diagnostics.run {
            emit(try output.render(.priceTable(try effectivePrices(database))))
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
            emit(try OutputFormat.table.render(.priceExplanation(model: model, table: table, at: time)))
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
            let report = Output.priceImport(imported, over: base, file: file, stored: !dryRun)
            emit(try OutputFormat.table.render(report))
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
            emit(try OutputFormat.table.render(.reprice(try db.reprice())))
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
            let value = Output.estimate(estimate, at: time, webSearches: webSearches, images: image.count)
            emit(try OutputFormat.table.render(value))
        }
    }
}

struct CompareCommand: ParsableCommand, FormatDeclaring {
    static let formats: [OutputFormat] = [.table, .json]

    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "What the period's usage would have cost on other models, with the same tokens and modifiers.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: ArgumentHelp("Models to compare with, comma-separated.", valueName: "models")) var to: String

    @OptionGroup var output: FormatOption<CompareCommand>

    func run() throws {
        try Diagnostics.run {
            let db = try database.openForReading()
            let targets = to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let comparison = try db.compare(try period.filter(), to: targets)
            emit(try output.render(.comparison(comparison)))
        }
    }
}

struct ReconcileCommand: ParsableCommand, FormatDeclaring {
    static let formats: [OutputFormat] = [.table, .json]

    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Computed cost beside what Admin API cost reports billed, per day and model, and where the gap comes from.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var period: PeriodOptions

    @OptionGroup var output: FormatOption<ReconcileCommand>

    func run() throws {
        try Diagnostics.run {
            let db = try database.openForReading()
            let reconciliation = try db.reconcile(try period.filter())
            emit(try output.render(.reconciliation(reconciliation)))
        }
    }
}
