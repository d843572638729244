import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    struct Pricing: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect, import and export the prices.",
            subcommands: [List.self, Show.self, Import.self, Export.self])

        struct List: ParsableCommand, FormatDeclaring {
            static let formats: [OutputFormat] = [.table, .json]
            static let formatRemark: String? = "json is the tool's own price format, as `pricing export` writes it"

            static let configuration = CommandConfiguration(
                commandName: "list",
                abstract: "Every model with its rates (USD per million tokens) and effective dates.")

            @OptionGroup var database: DatabaseOptions

            @OptionGroup var output: FormatOption<List>

            func run() throws {
                try Diagnostics.run {
                    emit(try output.render(.priceTable(try database.prices())))
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show", abstract: "How a model id normalizes, and the rates that price it at a date.")

            @OptionGroup var database: DatabaseOptions

            @Argument(
                help: ArgumentHelp(
                    "A model id in any spelling (dated, alias, Bedrock, Vertex).", valueName: "model-id"))
            var model: String

            @Option(help: ArgumentHelp("The date or time to price at (default now).", valueName: "date"))
            var at: String?

            func run() throws {
                try Diagnostics.run {
                    let table = try database.prices()
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

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "import",
                abstract:
                    "Import prices (LiteLLM's price file or the tool's own JSON format), preferred from a date on.",
                discussion: """
                    The prices are stored in the database and used instead of the built-in ones for requests from \
                    --from on \
                    (default: all requests). They are laid over the prices in force model by model: what the file \
                    does not \
                    state (a dated period, a long-context tier, fast rates) stays. The import prints, per model, \
                    what it took, \
                    what it kept and which entries it skipped. New ingests use the prices at once; run `usage \
                    reprice` to \
                    apply them to what is already stored.
                    """)

            @OptionGroup var database: DatabaseOptions

            @Argument(help: ArgumentHelp("The price file.", valueName: "file"))
            var file: String

            @Option(help: ArgumentHelp("The date (UTC) from which these prices apply.", valueName: "date"))
            var from: String?

            @Flag(
                name: .customLong("dry-run"),
                help: "Show what the import would take, keep and skip, and store nothing.")
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
                    let base = try database.prices()
                    let imported = try PriceImport.parse(
                        data, source: (file as NSString).lastPathComponent, effectiveFrom: effective, over: base)
                    if !dryRun {
                        let db = try database.open()
                        try db.importPrices(imported)
                    }
                    let report = Output.priceImport(imported, over: base, file: file, stored: !dryRun)
                    emit(try OutputFormat.table.render(report))
                    Diagnostics.print(
                        dryRun
                            ? "Dry run: nothing stored."
                            : "Run `usage reprice` to apply them to the requests already stored.")
                }
            }
        }

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "export",
                abstract: "Write the prices in force (built-in and imported) in the tool's own JSON format.")

            @OptionGroup var database: DatabaseOptions

            @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path"))
            var output: String?

            func run() throws {
                try Diagnostics.run {
                    let text = try database.prices().exportJSON()
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
    }
}
