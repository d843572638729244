import ArgumentParser
import UsageKit

extension Usage {
    struct Reconcile: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json]

        static let configuration = CommandConfiguration(
            commandName: "reconcile",
            abstract:
                "Computed cost beside what Admin API cost reports billed, per day and model, and where the gap comes "
                + "from.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @OptionGroup var output: FormatOption<Reconcile>

        func run() throws {
            try output.write(from: database) { db in .reconciliation(try db.reconcile(try period.filter())) }
        }
    }
}
