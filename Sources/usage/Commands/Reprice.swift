import ArgumentParser
import UsageKit

extension Usage {
    struct Reprice: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Recompute every stored cost with the prices in force (after an import), and show how totals moved.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try Diagnostics.run {
                let db = try database.openExisting()
                emit(try OutputFormat.table.render(.reprice(try db.reprice())))
            }
        }
    }
}
