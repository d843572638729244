import Foundation
import GRDB
import Testing

@testable import UsageKit

/// Imported prices, re-pricing, estimates, comparison and reconciliation, each against hand computations
/// (USD per million tokens).
@Suite struct PriceImportTests {
    func litellm(from date: String? = "2026-11-03") throws -> PriceImport {
        try PriceImport.parse(
            Data(contentsOf: URL(fileURLWithPath: fixture("pricing/litellm-prices.json"))),
            source: "litellm-prices.json",
            effectiveFrom: date.flatMap { Timestamp.parse($0, defaultOffset: 0) })
    }

    @Test func liteLLMAnthropicEntriesAreReadExactly() throws {
        let imported = try litellm()
        #expect(imported.table.models.map(\.id).sorted() == ["claude-nova-7", "claude-sonnet-4-5"])
        let nova = try #require(imported.table.lookup("claude-nova-7")).periods[0]
        // 2e-06 USD per token = $2 per million = 2,000,000,000 femtodollars per token.
        #expect(
            nova.standard
                == Rates(
                    input: 2_000_000_000, cacheWrite5m: 2_500_000_000, cacheWrite1h: 4_000_000_000,
                    cacheRead: 200_000_000, output: 10_000_000_000, webSearch: 10_000_000_000_000))
        #expect(nova.batch?.input == 1_000_000_000 && nova.batch?.output == 5_000_000_000)
        let sonnet = try #require(imported.table.lookup("claude-sonnet-4-5")).periods[0]
        #expect(sonnet.standard.input == 3_300_000_000 && sonnet.longContext?.threshold == 200_000)
        #expect(
            sonnet.longContext?.rates.output == 24_750_000_000 && sonnet.longContext?.rates.cacheRead == 660_000_000)
        #expect(PriceImport.femtodollars(perToken: "1.65e-05") == 16_500_000_000)
        #expect(PriceImport.femtodollars(perToken: "0.000003") == 3_000_000_000)
    }

    @Test func importsTakeOverFromTheirDate() throws {
        let table = PriceTable.builtIn.merging([try litellm()])
        var pricer = Pricer(table: table)
        func cost(_ model: String, _ date: String, input: Int64 = 1_000_000, batch: Bool = false) -> USD? {
            pricer.price(
                UsageRecord(
                    timestamp: Timestamp.parse(date, defaultOffset: 0)!, model: model,
                    serviceTier: batch ? "batch" : nil, tokens: TokenCounts(input: input))
            )
            .cost
        }
        // Built-in before the date, imported from it.
        #expect(cost("claude-sonnet-4-5-20250929", "2026-11-02T23:59:59Z", input: 100_000) == USD("0.3"))
        #expect(cost("claude-sonnet-4-5-20250929", "2026-11-03T00:00:00Z", input: 100_000) == USD("0.33"))
        #expect(cost("claude-nova-7", "2026-11-02T12:00:00Z") == nil)  // unknown before
        #expect(cost("claude-nova-7", "2026-11-04T12:00:00Z") == USD("2"))
        #expect(cost("claude-nova-7", "2026-11-04T12:00:00Z", batch: true) == USD("1"))  // the file's own batch rate
        // A later import wins over an earlier one from its own date.
        let later = try PriceImport.parse(
            Data(
                (#"{"claude-nova-7":{"litellm_provider":"anthropic","input_cost_per_token":4e-06,"#
                    + #""output_cost_per_token":2e-05}}"#).utf8),
            source: "later", effectiveFrom: Timestamp.parse("2026-11-10", defaultOffset: 0))
        var both = Pricer(table: PriceTable.builtIn.merging([try litellm(), later]))
        let nova = { (date: String) in
            both.price(
                UsageRecord(
                    timestamp: Timestamp.parse(date, defaultOffset: 0)!, model: "claude-nova-7",
                    tokens: TokenCounts(input: 1_000_000))
            ).cost
        }
        #expect(nova("2026-11-05") == USD("2") && nova("2026-11-10") == USD("4"))
    }

    @Test func exportReadsBackTheSame() throws {
        let table = PriceTable.builtIn.merging([try litellm(from: nil)])
        let again = try PriceTable(json: Data(table.exportJSON().utf8))
        #expect(again.models.count == table.models.count)
        for model in table.models { #expect(again.lookup(model.id) == model, "\(model.id)") }
    }

    @Test func repricingAppliesImportsToStoredRequests() throws {
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [fixture("messages")])
        try database.write { db in try SQLiteStorage(db).addPriceImport(litellm(), at: 0) }
        let summary = try database.write { db in
            try Repricer.reprice(SQLiteStorage(db), table: try PriceTable.effective(db))
        }
        // claude-nova-7 (2026-11-04): 4,000 × 2 + 500 × 10 = 13,000 µ$. The Bedrock Sonnet 4.5 request of 2026-11-03
        // (210,000 prompt tokens, long context, us. profile at 1.1x): 150,000 × 6.6 + 60,000 × 0.66 + 2,000 × 24.75 =
        // 1,079,100 µ$ × 1.1 = 1,187,010 µ$, was 981,000 × 1.1 = 1,079,100.
        #expect(summary.changed == 2 && summary.newlyPriced == 1)
        #expect(summary.before == USD("1.6472176") && summary.after == USD("1.7681276"))
        let report = try database.read { db in
            try UsageReport.fetch(SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t")
        }
        let raw = try database.read { db in
            try UsageReport.fetch(
                SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t", source: .requests)
        }
        #expect(report.totals.cost == USD("1.7681276") && report == raw && report.unpriced.isEmpty)
    }
}

/// The LiteLLM import against a trimmed copy of the real file (`fixtures/pricing/litellm-claude-1.110.2.json`: the
/// Claude entries these tests need, verbatim, from `model_prices_and_context_window_backup.json` of litellm 1.110.2).
@Suite struct LiteLLMRealFileTests {
    static let file = fixture("pricing/litellm-claude-1.110.2.json")

    func real(from date: String? = nil) throws -> PriceImport {
        try PriceImport.parse(
            Data(contentsOf: URL(fileURLWithPath: Self.file)), source: "litellm-claude-1.110.2.json",
            effectiveFrom: date.flatMap { Timestamp.parse($0, defaultOffset: 0) })
    }

    func cost(
        _ table: PriceTable, _ model: String, _ date: String, input: Int64 = 0, output: Int64 = 0, read: Int64 = 0,
        batch: Bool = false, geo: String? = nil, speed: String? = nil, searches: Int64 = 0
    ) -> USD? {
        var pricer = Pricer(table: table)
        return pricer.price(
            UsageRecord(
                timestamp: Timestamp.parse(date, defaultOffset: 0)!, model: model, serviceTier: batch ? "batch" : nil,
                inferenceGeo: geo, speed: speed, tokens: TokenCounts(input: input, cacheRead: read, output: output),
                webSearchRequests: searches)
        ).cost
    }

    @Test func anImportWithoutADateKeepsEveryPeriodsOwnTier() throws {
        let table = PriceTable.builtIn.merging([try real()])
        // Opus 4.6, 225,000 prompt tokens + 1,000 output. After 2026-03-13 there is no long-context tier:
        // 225,000 × $5 + 1,000 × $25 = $1.15 (not 225,000 × $10 + 1,000 × $37.5 = $2.2875).
        #expect(cost(table, "claude-opus-4-6", "2026-12-01", input: 225_000, output: 1_000) == USD("1.15"))
        // Before it the tier applies, as the built-in period says.
        #expect(cost(table, "claude-opus-4-6", "2026-02-01", input: 225_000, output: 1_000) == USD("2.2875"))
        // Sonnet 4.6: 225,000 × $3 + 1,000 × $15 = $0.69 after; 225,000 × $6 + 1,000 × $22.5 = $1.3725 before.
        #expect(cost(table, "claude-sonnet-4-6", "2026-12-01", input: 225_000, output: 1_000) == USD("0.69"))
        #expect(cost(table, "claude-sonnet-4-6", "2026-02-01", input: 225_000, output: 1_000) == USD("1.3725"))
        // The periods stay the built-in ones, each with its own tier and fast rates.
        let opus = try #require(table.lookup("claude-opus-4-6"))
        let builtIn = try #require(PriceTable.builtIn.lookup("claude-opus-4-6"))
        #expect(opus.periods.map(\.from) == builtIn.periods.map(\.from))
        #expect(opus.periods.map { $0.longContext?.rates } == builtIn.periods.map { $0.longContext?.rates })
        #expect(opus.periods.map(\.fast) == builtIn.periods.map(\.fast))
        // A model the file states a tier for gets it (Claude Sonnet 4 from Bedrock's global entry).
        #expect(table.lookup("claude-sonnet-4-0")?.periods[0].longContext?.rates.output == 22_500_000_000)
    }

    @Test func anthropicsEntryWinsAndUnknownSnapshotsAreSkipped() throws {
        let imported = try real()
        let table = PriceTable.builtIn.merging([imported])
        // 3.7 Sonnet has no first-party entry; `anthropic.claude-3-7-sonnet-20240620-v1:0` ($3.6 / $18) names a
        // snapshot that does not exist, so the 20250219 one is taken: 1M input + 1M output = $3 + $15.
        #expect(
            cost(table, "claude-3-7-sonnet-20250219", "2026-11-01", input: 1_000_000, output: 1_000_000) == USD("18"))
        #expect(
            imported.notes.taken["claude-3-7-sonnet"] == "anthropic.claude-3-7-sonnet-20250219-v1:0 (bedrock_converse)")
        let skipped = imported.notes.skipped["claude-3-7-sonnet"] ?? []
        #expect(
            skipped.contains {
                $0.entries == ["anthropic.claude-3-7-sonnet-20240620-v1:0"] && $0.reason.contains("no snapshot")
            })
        #expect(
            skipped.contains {
                $0.entries.contains("us.anthropic.claude-3-7-sonnet-20250219-v1:0") && $0.reason.contains("geographic")
            })
        // Anthropic's own entry wins even where Bedrock's come first in the file.
        #expect(imported.notes.taken["claude-opus-4-6"] == "claude-opus-4-6 (anthropic)")
        #expect(imported.notes.taken["claude-mythos-preview"] == "claude-mythos-preview (anthropic)")
        // Not Bedrock's $27.5.
        #expect(cost(table, "claude-mythos-preview", "2026-11-01", input: 1_000_000) == USD("10"))
    }

    @Test func modifiersTiersSearchAndBatchCacheKeysAreRead() throws {
        let imported = try real()
        let table = PriceTable.builtIn.merging([imported])
        // provider_specific_entry.us: Haiku 5.5 at 1.1x with inference_geo us (50,000 input: 50,000 × $0.1 × 1.1).
        #expect(cost(table, "claude-haiku-5-5", "2026-11-01", input: 50_000, geo: "us") == USD("0.0055"))
        // provider_specific_entry.fast: Opus 5 fast mode at 2x its rates (1M output: $50).
        #expect(imported.table.lookup("claude-opus-5")?.periods[0].fast?.output == 50_000_000_000)
        #expect(cost(table, "claude-opus-5", "2026-11-01", output: 1_000_000, speed: "fast") == USD("50"))
        // The ..._above_100k_tokens keys are Haiku 5.5's tier over 100,000 prompt tokens.
        let haiku = try #require(imported.table.lookup("claude-haiku-5-5")).periods[0]
        #expect(haiku.longContext?.threshold == 100_000 && haiku.longContext?.rates.input == 500_000_000)
        #expect(haiku.longContext?.rates.cacheWrite1h == 1_000_000_000)
        // The batch cache keys: Opus 4.6's batch 5m writes $3.125, reads $0.25.
        let opus = try #require(imported.table.lookup("claude-opus-4-6")).periods[0]
        #expect(opus.batch?.cacheWrite5m == 3_125_000_000 && opus.batch?.cacheRead == 250_000_000)

        // Figures that differ from the table's own rules, so that reading them shows.
        let document = #"""
            {"claude-sonnet-5": {"litellm_provider": "anthropic", "input_cost_per_token": 2e-06, \#
            "output_cost_per_token": 1e-05,
              "cache_read_input_token_cost": 2e-07, "cache_read_input_token_cost_batches": 5e-08,
              "input_cost_per_token_batches": 1e-06, "output_cost_per_token_batches": 5e-06,
              "search_context_cost_per_query": {"search_context_size_low": 0.02, "search_context_size_medium": 0.02, \#
            "search_context_size_high": 0.02},
              "provider_specific_entry": {"us": 1.2, "fast": 3}}}
            """#
        let custom = PriceTable.builtIn.merging([
            try PriceImport.parse(Data(document.utf8), source: "custom", effectiveFrom: nil)
        ])
        // Batch reads at the stated $0.05, not 50% of $0.2: 1M reads = $0.05.
        #expect(cost(custom, "claude-sonnet-5", "2026-11-01", read: 1_000_000, batch: true) == USD("0.05"))
        // Web search at $0.02 each; residency 1.2x; fast 3x.
        #expect(cost(custom, "claude-sonnet-5", "2026-11-01", searches: 3) == USD("0.06"))
        #expect(cost(custom, "claude-sonnet-5", "2026-11-01", input: 1_000_000, geo: "us") == USD("2.4"))
        #expect(cost(custom, "claude-sonnet-5", "2026-11-01", input: 1_000_000, speed: "fast") == USD("6"))
    }

    @Test func idsMapThroughAliasesAndNoShadowModelsAppear() throws {
        let imported = try real()
        let table = PriceTable.builtIn.merging([imported])
        // The only model added is one Anthropic's own entry prices and the table lacks.
        #expect(table.models.map(\.id) == PriceTable.builtIn.models.map(\.id) + ["claude-mythos-preview"])
        for shadow in ["claude-opus-4", "claude-sonnet-4", "claude", "claude-instant"] {
            #expect(!imported.modelIDs.contains(shadow), "\(shadow)")
        }
        // `anthropic.claude-opus-4-20250514-v1:0` prices the built-in claude-opus-4-0.
        #expect(imported.notes.taken["claude-opus-4-0"] == "anthropic.claude-opus-4-20250514-v1:0 (bedrock_converse)")
        #expect(imported.notes.notRead.contains { $0.entries == ["anthropic.claude-v1", "anthropic.claude-v2:1"] })
    }

    @Test func theReportSaysWhatWasTakenKeptAndSkipped() throws {
        let imported = try real()
        let text = imported.describe(over: .builtIn)
        let took =
            "claude-opus-4-6, from claude-opus-4-6 (anthropic):\n"
            + "  took:    input $5, 5m write $6.25, 1h write $10, cache read $0.5, output $25;"
        #expect(text.contains(took))
        let kept =
            "  kept:    its period from 2026-03-13, with the stated rates laid over it; "
            + "long-context tier over 200,000 tokens before 2026-03-13; fast mode input $30, output $150\n"
        #expect(text.contains(kept))
        #expect(text.contains("claude-opus-4-6-20260205: another of Anthropic's entries for this model was taken"))
        let skipped =
            "anthropic.claude-3-7-sonnet-20240620-v1:0: dated 20240620, "
            + "no snapshot of claude-3-7-sonnet (known: 20250219)"
        #expect(text.contains(skipped))
        #expect(text.contains("claude-haiku-5-5, from claude-haiku-5-5 (anthropic):"))
        // The built-in table already gives Haiku 5.5 US residency (every model from Opus 4.6 on has it): the import
        // states the same multiplier, which is no change.
        #expect(text.contains("US residency x1.1; web search"))
        #expect(!text.contains("US residency x1.1 (was none)"))
        #expect(text.contains("claude-mythos-preview (new model), from claude-mythos-preview (anthropic):"))
        #expect(text.contains("not read: claude-opus-latest: alias entries"))
        #expect(
            text.contains(
                "not read: 4 entries of other platforms and resellers (azure_ai 1, bedrock 1, databricks 1, heroku 1)"))
        // With a date, what came before it is kept.
        #expect(
            try real(from: "2026-11-03").describe(over: .builtIn).contains("  kept:    its prices before 2026-11-03;"))
    }

    @Test func aStoredImportReadsBackAsImported() throws {
        let database = try AppDatabase.inMemory()
        let imported = try real(from: "2026-11-03")
        try database.write { db in try SQLiteStorage(db).addPriceImport(imported, at: 0) }
        let stored = try database.read { db in try SQLiteStorage(db).priceImports() }
        guard case .statements(let read) = stored[0].content, case .statements(let original) = imported.content else {
            Issue.record("not stored as statements")
            return
        }
        #expect(read == original && stored[0].effectiveFrom == imported.effectiveFrom)
        let merged = PriceTable.builtIn.merging([imported])
        let again = try database.read { db in try PriceTable.effective(db) }
        for model in merged.models { #expect(again.lookup(model.id) == model, "\(model.id)") }
    }
}

@Suite struct EstimateTests {
    func estimate(
        _ model: String, input: Int64 = 0, write5m: Int64 = 0, write1h: Int64 = 0, read: Int64 = 0, output: Int64 = 0,
        images: [(width: Int, height: Int)] = [], batch: Bool = false, geo: String? = nil, speed: String? = nil,
        searches: Int64 = 0
    ) -> Estimate {
        Estimate.compute(
            model: PriceTable.builtIn.lookup(model)!,
            tokens: TokenCounts(
                input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output),
            images: images, batch: batch, geo: geo, speed: speed, webSearches: searches,
            at: Timestamp.parse("2026-11-22", defaultOffset: 0)!)!
    }

    @Test func eachModifier() {
        // Plain: 1,000 × 3 + 2,000 × 3.75 + 1,000 × 6 + 10,000 × 0.3 + 500 × 15 = 27,000 µ$.
        #expect(
            estimate("claude-sonnet-4-5", input: 1000, write5m: 2000, write1h: 1000, read: 10_000, output: 500).total
                == USD("0.027"))
        // Batch halves every token rate: 1,000 × 5 + 500 × 25 = 17,500 → 8,750 µ$.
        #expect(estimate("claude-opus-4-6", input: 1000, output: 500, batch: true).total == USD("0.00875"))
        // US residency on Opus 4.6: 17,500 × 1.1 = 19,250 µ$.
        #expect(estimate("claude-opus-4-6", input: 1000, output: 500, geo: "us").total == USD("0.01925"))
        // Fast mode on Opus 4.6: 1,000 × 30 + 500 × 150 = 105,000 µ$.
        #expect(estimate("claude-opus-4-6", input: 1000, output: 500, speed: "fast").total == USD("0.105"))
        // Long context: 250,000 × 6 + 1,000 × 22.5 = 1,522,500 µ$.
        let long = estimate("claude-sonnet-4-5", input: 250_000, output: 1000)
        #expect(long.total == USD("1.5225") && long.terms.longContext)
        // Web search at $10 per 1,000, undiscounted by batch: 1,000 × 1 / 2 = 500 µ$ + 3 × $0.01.
        #expect(estimate("claude-haiku-4-5", input: 1000, batch: true, searches: 3).total == USD("0.0305"))
        // Everything stacked: (1,000 × 5 + 500 × 25) × 0.5 × 1.1 = 9,625 µ$ + 1 search.
        #expect(
            estimate("claude-opus-4-6", input: 1000, output: 500, batch: true, geo: "us", searches: 1).total
                == USD("0.019625"))
    }

    @Test func imagesAreScaledThenCounted() {
        // Small images: width × height / 750, rounded up. 200 × 200 = 40,000 / 750 = 53.3 → 54.
        #expect(Estimate.imageTokens(width: 200, height: 200) == 54)
        // 1000 × 1000 is under both limits: 1,333.3 → 1,334.
        #expect(Estimate.imageTokens(width: 1000, height: 1000) == 1334)
        // 3136 × 1568: the long edge halves to 1568 × 784 = 1,229,312 px, over 1.15 MP: scaled to about 1,150,000 px.
        let big = Estimate.imageTokens(width: 3136, height: 1568)
        #expect(big >= 1530 && big <= 1534)
        // Images add to the input: 2 × 54 = 108 tokens at $3 = 324 µ$.
        let e = estimate("claude-sonnet-4-5", images: [(200, 200), (200, 200)])
        #expect(e.imageTokens == 108 && e.total == USD("0.000324"))
    }
}

@Suite struct CompareAndReconcileTests {
    @Test func compareRepricesTheSameUsageOnOtherModels() throws {
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [fixture("messages/response.json")])
        // 10,000 input, 4,000 5m writes, 20,000 reads, 1,000 output, on Claude 3 Haiku: $0.00555.
        let c = try database.read { db in
            try Comparison.compute(
                SQLiteStorage(db), filter: RequestFilter(),
                targets: [
                    PriceTable.builtIn.lookup("claude-sonnet-4-5")!, PriceTable.builtIn.lookup("claude-haiku-4-5")!,
                ],
                table: .builtIn)
        }
        #expect(c.actual == USD("0.00555"))
        // Sonnet 4.5: 30,000 + 15,000 + 6,000 + 15,000 = 66,000 µ$.
        // Haiku 4.5: 10,000 + 5,000 + 2,000 + 5,000 = 22,000 µ$.
        #expect(c.targets.map(\.cost) == [USD("0.066")!, USD("0.022")!])
        #expect(c.targets[0].bySource["claude-3-haiku"] == USD("0.066"))
    }

    @Test func compareLeavesOutWhatItCannotPriceOnBothSides() throws {
        let scratch = try ScratchDirectory()
        func line(_ id: String, _ date: String, _ model: String) -> String {
            #"{"timestamp":"\#(date)","response":{"id":"\#(id)","type":"message","model":"\#(model)","#
                + #""usage":{"input_tokens":1000000,"output_tokens":0}}}"#
        }
        let path = try scratch.write(
            "responses.jsonl",
            [
                line("msg_a", "2026-11-02T10:00:00Z", "claude-3-haiku-20240307"),
                line("msg_b", "2026-11-05T10:00:00Z", "claude-3-haiku-20240307"),
                line("msg_c", "2026-11-05T11:00:00Z", "claude-unknown-9"),
            ].joined(separator: "\n") + "\n")
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [path])
        // claude-nova-7 is priced only from 2026-11-03 on: the 2026-11-02 request cannot be compared with it.
        let table = PriceTable.builtIn.merging([try PriceImportTests().litellm()])
        let c = try database.read { db in
            try Comparison.compute(
                SQLiteStorage(db), filter: RequestFilter(),
                targets: [table.lookup("claude-haiku-4-5")!, table.lookup("claude-nova-7")!], table: table)
        }
        // Two priced requests of 1M input at $0.25; the unknown model's request is in neither side.
        #expect(c.requests == 3 && c.unpricedRequests == 1 && c.actual == USD("0.5"))
        #expect(
            c.targets[0].cost == USD("2") && c.targets[0].actualCompared == USD("0.5") && c.targets[0].unavailable == 0)
        #expect(
            c.targets[1].cost == USD("2") && c.targets[1].actualCompared == USD("0.25") && c.targets[1].unavailable == 1
        )
    }

    @Test func priceTextIsReadExactlyOrRefused() {
        #expect(PriceImport.femtodollars(perToken: "9.5e-06") == 9_500_000_000)
        #expect(PriceImport.femtodollars(perToken: "3E-7") == 300_000_000)
        #expect(PriceImport.femtodollars(perToken: "0") == 0)
        #expect(PriceImport.femtodollars(perToken: "-1e-06") == nil)
        #expect(PriceImport.femtodollars(perToken: "1e30") == nil)
        #expect(PriceImport.femtodollars(perToken: "1.2.3") == nil)
        // Past the femtodollar, half to even.
        #expect(
            PriceImport.femtodollars(perToken: "2.5e-15") == 2 && PriceImport.femtodollars(perToken: "3.5e-15") == 4)
    }

    @Test func reconciliationOfTheAdminFixturePair() throws {
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: [fixture("admin")])
        let r = try database.read { db in
            try Reconciliation.compute(SQLiteStorage(db), filter: RequestFilter(), table: .builtIn)
        }
        #expect(r.computed == USD("27.84525") && r.billed == USD("27.85709625"))
        // Only 2026-11-01 Sonnet 4.5 differs: billed 0.5% above the computed $2.36925.
        let differing = r.rows.filter { $0.difference != .zero }
        #expect(differing.map { "\($0.day) \($0.model)" } == ["2026-11-01 claude-sonnet-4-5"])
        #expect(differing[0].difference == USD("-0.01184625"))
        // Its largest gap is the output tokens: 97,500 × $15 = $1.4625 computed, $1.4698125 billed.
        #expect(
            differing[0].largestGap?.type == "output_tokens" && differing[0].largestGap?.difference == USD("-0.0073125")
        )
        #expect(r.rows.count == 6 && (r.error ?? 1) < 0.01)
    }
}
