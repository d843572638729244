import ArgumentParser
import UsageKit

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Totals, then one row per model (or per day): requests, tokens, cache hit rate, cost.",
        discussion: "Requests of models the price table does not know are listed as unpriced and left out of the cost.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: "Rows per model or per UTC day.")
    var by: ReportGrouping = .model

    @Option(help: "table or json (csv also works).")
    var format: OutputFormat = .table

    func run() throws {
        try Diagnostics.run {
            let db = try database.open(mustExist: true)
            let filter = try period.filter()
            let version = PriceTable.builtIn.version
            let report = try db.writer.read { db in
                try UsageReport.fetch(db, filter: filter, grouping: by, priceTableVersion: version)
            }
            emit(format.renderer.render(report))
        }
    }
}
