import CustomDump
import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Every output format on the bundled fixtures, compared byte for byte with the files in Golden/.
/// `UPDATE_GOLDEN=1 swift test` writes them anew after a deliberate change.
@Suite struct ReportFormatTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    /// A fixed time for the files' modification times (the streams are dated by them) and the HTML's stamp.
    static let fixedDate = Date(timeIntervalSince1970: 1_794_052_800)  // 2026-11-07T12:00:00Z

    /// The fixtures' database, built once for the suite (its tests only read it).
    static let shared = Result { try makeDatabase() }

    static func database() throws -> (AppDatabase, ScratchDirectory) {
        try shared.get()
    }

    /// The fixtures, copied with fixed modification times, in a database.
    static func makeDatabase() throws -> (AppDatabase, ScratchDirectory) {
        let scratch = try ScratchDirectory()
        let copy = scratch.url.appendingPathComponent("fixtures")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("fixtures"), to: copy)
        let files = FileManager.default.enumerator(atPath: copy.path)!.compactMap { $0 as? String }
        for file in files {
            try FileManager.default.setAttributes(
                [.modificationDate: fixedDate], ofItemAtPath: copy.appendingPathComponent(file).path)
        }
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [copy.path])
        return (database, scratch)
    }

    func report(_ dimensions: [ReportDimension], zone: TimeZoneRule = .utc, filter: RequestFilter = RequestFilter())
        throws -> UsageReport
    {
        let (database, _) = try Self.database()
        return try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: filter, by: dimensions, zone: zone,
                priceTableVersion: PriceTable.builtIn.version)
        }
    }

    func dashboard() throws -> Dashboard {
        let (database, _) = try Self.database()
        return try database.read { db in
            try Dashboard.fetch(
                SQLiteStorage(db), filter: RequestFilter(), zone: .utc, priceTableVersion: PriceTable.builtIn.version,
                generatedAt: Self.fixedDate)
        }
    }

    func expectGolden(_ text: String, _ name: String) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let difference = diff(expected, text) ?? "(no line differs: whitespace at the ends)"
            Issue.record(
                Comment(
                    rawValue: "\(name) differs from its golden file (− golden, + now); if the change is intended, run "
                        + "UPDATE_GOLDEN=1 swift test --filter ReportFormat\n\(difference)"))
        }
    }

    @Test func table() throws {
        try expectGolden(TableRenderer().render(try report([.day, .model])), "report-day-model.txt")
    }

    @Test func tableNarrowedToTheTerminal() throws {
        let text = TableRenderer(width: 72).render(try report([.model]))
        try expectGolden(text, "report-model-72.txt")
        let table = text.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("Model") }.prefix
        { !$0.isEmpty }
        #expect(table.count > 3)
        #expect(table.allSatisfy { $0.count <= 72 })
    }

    @Test func colourOnlyWhenAsked() throws {
        #expect(!TableRenderer().render(try report([.model])).contains("\u{1B}["))
        #expect(TableRenderer(color: true).render(try report([.model])).contains("\u{1B}[1m"))
    }

    @Test func json() throws {
        try expectGolden(JSONRenderer().render(try report([.model])), "report-model.json")
    }

    @Test func csv() throws {
        let text = CSVRenderer().render(try report([.day, .model]))
        try expectGolden(text, "report-day-model.csv")
        #expect(
            text.hasPrefix(
                "day,model,requests,input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,"
                    + "cache_read_tokens,output_tokens,"
            ))
    }

    @Test func markdown() throws {
        try expectGolden(MarkdownRenderer().render(try report([.workflow])), "report-workflow.md")
    }

    @Test func html() throws {
        try expectGolden(HTMLRenderer().render(try dashboard()), "report.html")
    }

    @Test func weeksAndMonthsFollowTheZone() throws {
        // 2026-11-01 is a Sunday: its requests belong to the week of Monday 2026-10-26. (fixtures/pricing-rules/
        // dates its fast-mode requests 2026-02-20, 2026-07-01 and 2026-08-01, on either side of the rules' dates; the
        // re-dated batch of fixtures/batches-redated ended on Tuesday 2026-03-10.)
        let weeks = try report([.week])
        #expect(
            weeks.rows.map(\.key).sorted() == [
                "2026-02-16", "2026-03-09", "2026-06-29", "2026-07-27", "2026-10-26", "2026-11-02", "2026-11-09",
                "2026-11-30",
            ])
        let months = try report([.month])
        // fixtures/otel/ dates its Claude Code events, spans and counters 2026-12-01.
        #expect(months.rows.map(\.key) == ["2026-02", "2026-03", "2026-07", "2026-08", "2026-11", "2026-12"])
        // The Admin rows of 2026-11-01T00:00Z fall on 2026-10-31 in Los Angeles, the first day of November's
        // requests, and the batch that ended at 2026-03-10T06:00Z on 2026-03-09.
        let la = try report([.day], zone: TimeZoneRule(identifier: "America/Los_Angeles")!)
        #expect(la.rows.map(\.key).first { $0 >= "2026-10" } == "2026-10-31")
        #expect(la.rows.map(\.key).first { $0 >= "2026-03" } == "2026-03-09")
        // A half-hour zone cannot use the hourly rollup: the requests are read instead, with the same totals.
        let kolkata = try report([.day], zone: TimeZoneRule(identifier: "Asia/Kolkata")!)
        #expect(kolkata.totals == weeks.totals)
    }

    @Test func everyDimensionGroups() throws {
        for dimension in ReportDimension.allCases {
            let r = try report([dimension])
            #expect(r.rows.reduce(Int64(0)) { $0 + $1.totals.requests } == r.totals.requests, "\(dimension)")
            // 30.2483849 + batches-redated 1.0975 + claude-code-2x 0.7942365 + sdk 0.4227127 + pricing-rules 18.203885
            // + the Bedrock regional premium on two us. requests 0.0981 + 0.0008325 + otel 0.700985
            #expect(r.totals.cost == USD("51.5666366"), "\(dimension)")
        }
        let sources = try report([.source])
        #expect(Set(sources.rows.map(\.key)).isSuperset(of: ["claude-code", "telemetry", "admin-usage", "sse"]))
    }
}

@Suite struct HTMLReportTests {
    func page() throws -> String {
        let (database, _) = try ReportFormatTests.database()
        return try database.read { db in
            HTMLRenderer().render(
                try Dashboard.fetch(SQLiteStorage(db), filter: RequestFilter(), zone: .utc, priceTableVersion: "t"))
        }
    }

    @Test func selfContained() throws {
        let html = try page()
        // No resource from elsewhere: no URL, no script, no external stylesheet or font.
        for forbidden in ["http://", "https://", "<script", "<link", "@import", "url(", "src="] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        #expect(html.contains("<style>") && html.contains("<svg"))
        // Charts carry text alternatives.
        #expect(html.contains("<title id=\"cost-title\">") && html.contains("<desc id=\"hit-desc\">"))
        #expect(html.contains("@media print"))
    }

    @Test func anEmptyPeriodHasNoCostRatherThanZero() throws {
        let (database, _) = try ReportFormatTests.database()
        let html = try database.read { db in
            HTMLRenderer().render(
                try Dashboard.fetch(
                    SQLiteStorage(db), filter: RequestFilter(since: Timestamp.parse("2030-01-01", defaultOffset: 0)),
                    zone: .utc, priceTableVersion: "t"))
        }
        #expect(html.contains(#"Cost</div><div class="value">-<"#))
    }

    @Test func contentsAreAllThere() throws {
        let html = try page()
        for heading in [
            "Daily cost by model", "Cache hit rate per day", "Cost by model", "Cost by workflow", "Top sessions",
            "Cost by project", "Requests stopped by max_tokens", "Thinking share per workflow", "Unpriced models",
        ] {
            #expect(html.contains(">\(heading)</h2>"), "\(heading)")
        }
        for card in ["Cost", "Requests", "Tokens", "Cache hit rate", "Net cache saving", "Batch saving"] {
            #expect(html.contains("<div class=\"label\">\(card)</div>"), "\(card)")
        }
        #expect(html.contains("claude-nova-7") && html.contains("price table"))
    }

    @Test func everythingFromALogIsEscaped() throws {
        let scratch = try ScratchDirectory()
        let hostile = "<script>alert(1)</script>"
        let path = try scratch.write(
            "x.jsonl",
            #"{"timestamp":"2026-11-02T09:00:00Z","workflow":"\#(hostile)","#
                + #""session_id":"\"><img src=x onerror=alert(2)>","project":"a&b","response":{"id":"mx","#
                + #""model":"<b>model</b>","stop_reason":"max_tokens","usage":{"input_tokens":10,"output_tokens":5,"#
                + #""output_tokens_details":{"thinking_tokens":2}}}}"#
        )
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        let html = try database.read { db in
            HTMLRenderer().render(
                try Dashboard.fetch(SQLiteStorage(db), filter: RequestFilter(), zone: .utc, priceTableVersion: "t"))
        }
        #expect(!html.contains(hostile) && !html.contains("<b>model</b>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("a&amp;b") && html.contains("&lt;b&gt;model&lt;/b&gt;"))
    }
}

@Suite struct CSVInjectionTests {
    @Test(arguments: [
        ("=HYPERLINK(\"http://x\",\"open\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"open\"\")\""),
        ("+SUM(A1:A9)", "\"'+SUM(A1:A9)\""),
        ("-2+3", "\"'-2+3\""),
        ("@cmd", "\"'@cmd\""),
        ("\tindented", "\"'\tindented\""),
        ("\rreturn", "\"'\rreturn\""),
        ("-", "\"'-\""),
    ])
    func textThatASpreadsheetWouldRunAsAFormulaIsNeutralised(cell: String, written: String) {
        #expect(CSVRenderer.field(cell) == written)
    }

    @Test(arguments: ["-0.000926600", "-12", "0", "30.248384900", "plain text", "a=b", "mail@example"])
    func numbersAndOtherTextStayAsTheyAre(cell: String) {
        #expect(CSVRenderer.field(cell) == cell)
    }

    @Test func aWorkflowNamedLikeAFormulaOpensAsText() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("telemetry.jsonl")
        try Data(
            (#"{"timestamp":"2026-11-03T09:00:00Z","workflow":"=HYPERLINK(\"http://evil\")","#
                + #""model":"claude-haiku-4-5","input_tokens":10,"output_tokens":5}"#).appending("\n").utf8
        ).write(to: log)
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database, options: IngestOptions()) { _ in }.ingest(paths: [log.path])
        let report = try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), by: [.workflow], zone: .utc, priceTableVersion: "test")
        }
        let csv = CSVRenderer().render(report)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""))
        #expect(!csv.contains(",=HYPERLINK"))
    }
}
