import Foundation
import Testing

@testable import UsageKit

/// The renderers behind their one entry point: which format shows which value, what a format without a form of
/// a value says, and JSON that stays valid whatever the names in it hold.
@Suite struct RenderTests {
    /// A model id as an imported price file may spell it: a quote, a backslash, a newline and a control character.
    static let oddModel = "claude-\"x\"\\y\nz\u{01}"

    static func comparison() -> Comparison {
        var target = Comparison.Target(
            model: oddModel, cost: USD(nanos: 2_000_000_000), bySource: [oddModel: USD(nanos: 2_000_000_000)])
        target.actualCompared = USD(nanos: 3_000_000_000)
        return Comparison(
            actual: USD(nanos: 3_000_000_000), actualBySource: [oddModel: USD(nanos: 3_000_000_000)], requests: 4,
            unpricedRequests: 0, targets: [target])
    }

    @Test func compareJSONEscapesTheModelIDs() throws {
        let text = try OutputFormat.json.render(.comparison(Self.comparison()))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let targets = try #require(object["targets"] as? [[String: Any]])
        #expect(targets.first?["model"] as? String == Self.oddModel)
        let bySource = try #require(targets.first?["by_source"] as? [String: Any])
        #expect(Array(bySource.keys) == [Self.oddModel])
        // Still one line per target.
        #expect(text.split(separator: "\n").count == 8)
    }

    @Test func reconcileJSONEscapesTheModelIDs() throws {
        let row = Reconciliation.Row(
            day: "2026-11-01", model: Self.oddModel, basis: "usage report rows", computed: USD(nanos: 1),
            billed: USD(nanos: 1), byType: [:])
        let text = try OutputFormat.json.render(.reconciliation(Reconciliation(rows: [row])))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.first?["model"] as? String == Self.oddModel)
        #expect(object["error"] as? Double == 0)
    }

    @Test func aFormatWithoutAFormOfAValueSaysWhichHaveOne() {
        #expect(throws: UsageError.formatUnavailable(.csv, output: "a model comparison", formats: [.table, .json])) {
            try OutputFormat.csv.render(.comparison(Self.comparison()))
        }
        let message = UsageError.formatUnavailable(.csv, output: "a model comparison", formats: [.table, .json])
            .description
        #expect(message == "csv has no form of a model comparison: choose table or json")
    }

    @Test func whichFormatsShowWhat() {
        let summary = RepriceSummary()
        #expect(OutputFormat.formats(for: .reprice(summary)) == [.table])
        #expect(OutputFormat.formats(for: .sessions([])) == [.table, .json, .csv])
        #expect(OutputFormat.formats(for: .priceTable(.builtIn)) == [.table, .json])
        #expect(OutputFormat.names([.table, .json, .csv]) == "table, json or csv")
        #expect(OutputFormat.names([.table]) == "table")
    }
}
