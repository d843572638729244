import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    struct Compare: ParsableCommand, FormatDeclaring {
        static let formats: [OutputFormat] = [.table, .json]

        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "What the period's usage would have cost on other models, with the same tokens and modifiers.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var period: PeriodOptions

        @Option(help: ArgumentHelp("Models to compare with, comma-separated.", valueName: "models")) var to: String

        @OptionGroup var output: FormatOption<Compare>

        func run() throws {
            try output.write(from: database) { db in
                let targets = to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                return .comparison(try db.compare(try period.filter(), to: targets))
            }
        }
    }
}
