import Testing

@testable import UsageKit

/// Every expectation is computed by hand from the published rates (USD per million tokens).
@Suite struct PricingTests {
    /// 2026-11-02T09:00:00Z
    static let november = Timestamp.parse("2026-11-02T09:00:00Z", defaultOffset: 0)!
    /// 2026-02-01T00:00:00Z, before the 2026-03-13 price change of Opus 4.6 and Sonnet 4.6.
    static let february = Timestamp.parse("2026-02-01T00:00:00Z", defaultOffset: 0)!

    func cost(
        _ model: String, at timestamp: Int64 = november, input: Int64 = 0, write5m: Int64 = 0, write1h: Int64 = 0,
        read: Int64 = 0, output: Int64 = 0, tier: String? = nil, geo: String? = nil, speed: String? = nil,
        searches: Int64 = 0
    ) -> PriceResult {
        var pricer = Pricer()
        let record = UsageRecord(
            timestamp: timestamp, model: model, serviceTier: tier, inferenceGeo: geo, speed: speed,
            tokens: TokenCounts(
                input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output),
            webSearchRequests: searches)
        return pricer.price(record)
    }

    func usd(_ text: String) -> USD { USD(text)! }

    @Test func standardRatesWithCacheAndWebSearch() {
        // 312×3 + 2048×3.75 + 15872×0.3 + 845×15 = 26,052.6 µ$ = $0.0260526, plus one search at $0.01.
        let result = cost(
            "claude-sonnet-4-5-20250929", input: 312, write5m: 2048, read: 15872, output: 845, searches: 1)
        #expect(result.pricedAs == "claude-sonnet-4-5")
        #expect(result.cost == usd("0.0360526"))
    }

    @Test func oneHourCacheWritesCostTwiceTheInputRate() {
        // Opus 4.5: 1000×5 + 4000×6.25 + 6000×10 = 5,000 + 25,000 + 60,000 = 90,000 µ$.
        let result = cost("claude-opus-4-5-20251101", input: 1000, write5m: 4000, write1h: 6000)
        #expect(result.cost == usd("0.09"))
    }

    @Test func longContextTierPricesTheWholeRequest() {
        // Prompt 150,000 + 60,000 = 210,000 > 200,000: every token at tier rates 6 / 0.6 / 22.5.
        let over = cost("claude-sonnet-4-5", input: 150_000, read: 60_000, output: 2000)
        #expect(over.longContext)
        #expect(over.cost == usd("0.981"))  // 900,000 + 36,000 + 45,000 µ$
        // Exactly 200,000 is not over the threshold: standard rates.
        let at = cost("claude-sonnet-4-5", input: 140_000, read: 60_000, output: 2000)
        #expect(!at.longContext)
        #expect(at.cost == usd("0.468"))  // 420,000 + 18,000 + 30,000 µ$
        // Cache writes count toward the prompt too: 100,000 + 100,001 writes.
        let writes = cost("claude-sonnet-4-5", input: 100_000, write5m: 100_001)
        #expect(writes.cost == usd("1.3500075"))  // 600,000 + 750,007.5 µ$
    }

    @Test func claudeSonnet4LongContextBeta() {
        // Sonnet 4 over 200k: 6 input, 12 for 1h writes, 22.5 output.
        let result = cost("claude-sonnet-4-20250514", input: 190_000, write1h: 20_000, output: 1000)
        #expect(result.cost == usd("1.4025"))  // 1,140,000 + 240,000 + 22,500 µ$
    }

    @Test func effectiveDateSwitchOfOpus46() {
        // 250,000 input + 1,000 output. Before 2026-03-13: tier 10 / 37.5. From then on: 5 / 25 flat.
        let before = cost("claude-opus-4-6", at: Self.february, input: 250_000, output: 1000)
        #expect(before.cost == usd("2.5375"))  // 2,500,000 + 37,500 µ$
        let switchDay = Timestamp.parse("2026-03-13T00:00:00Z", defaultOffset: 0)!
        let after = cost("claude-opus-4-6", at: switchDay, input: 250_000, output: 1000)
        #expect(after.cost == usd("1.275"))  // 1,250,000 + 25,000 µ$
        let lastMoment = cost("claude-opus-4-6", at: switchDay - 1, input: 250_000, output: 1000)
        #expect(lastMoment.cost == before.cost)
    }

    @Test func batchHalvesEveryTokenRateButNotWebSearch() {
        // Haiku 4.5 batch: (950×1 + 2000×1.25 + 3000×0.1 + 120×5) / 2 = (950 + 2500 + 300 + 600) / 2 = 2,175 µ$.
        let result = cost(
            "claude-haiku-4-5", input: 950, write5m: 2000, read: 3000, output: 120, tier: "batch", searches: 2)
        #expect(result.cost == usd("0.022175"))  // + 2 searches at $0.01, undiscounted
    }

    @Test func usDataResidencyOnNewerModelsOnly() {
        // Opus 4.6 with inference_geo us: 213,400 µ$ × 1.1.
        let opus = cost(
            "claude-opus-4-6", input: 1200, write5m: 4000, write1h: 6000, read: 40000, output: 4096, geo: "us")
        #expect(opus.cost == usd("0.23474"))
        // Sonnet 4.5 predates data residency pricing: no multiplier.
        let sonnet = cost("claude-sonnet-4-5", input: 1000, output: 1000, geo: "us")
        #expect(sonnet.cost == usd("0.018"))
        // Web search is not a token category: not multiplied. 1000×3 ×1.1 = 3,300 µ$ + $0.01.
        let search = cost("claude-sonnet-4-6", input: 1000, geo: "us", searches: 1)
        #expect(search.cost == usd("0.0133"))
    }

    @Test func fastModeReplacesTheRates() {
        // Opus 4.6 fast: 30 input, 3 cache read (0.1×), 150 output.
        let opus46 = cost("claude-opus-4-6", input: 500, read: 8000, output: 1000, speed: "fast")
        #expect(opus46.fast)
        #expect(opus46.cost == usd("0.189"))  // 15,000 + 24,000 + 150,000 µ$
        // Opus 5 fast: 10 input, 12.5 5m write, 50 output.
        let opus5 = cost("claude-opus-5", input: 1000, write5m: 1000, output: 1000, speed: "fast")
        #expect(opus5.cost == usd("0.0725"))
        // A model without fast rates keeps its standard rates.
        let sonnet = cost("claude-sonnet-4-5", input: 1000, speed: "fast")
        #expect(!sonnet.fast)
        #expect(sonnet.cost == usd("0.003"))
    }

    @Test func modifiersStackByMultiplying() {
        // Sonnet 4.6 before 2026-03-13, 210,000 prompt: tier 6 / 0.6 / 22.5, then batch ×0.5 and US ×1.1.
        // (200,000×6 + 10,000×0.6 + 1,000×22.5) = 1,228,500 µ$ × 0.55 = 675,675 µ$.
        let result = cost(
            "claude-sonnet-4-6", at: Self.february, input: 200_000, read: 10_000, output: 1000, tier: "batch", geo: "us"
        )
        #expect(result.cost == usd("0.675675"))
    }

    @Test func claude3HaikuHasIrregularCacheRates() {
        // 10,000×0.25 + 4,000×0.30 + 20,000×0.03 + 1,000×1.25 = 2,500 + 1,200 + 600 + 1,250 µ$.
        let result = cost("claude-3-haiku-20240307", input: 10_000, write5m: 4000, read: 20_000, output: 1000)
        #expect(result.cost == usd("0.00555"))
    }

    @Test func haiku55TierAtOneHundredThousandAndSubNanoRounding() {
        // 90,000 + 20,000 writes = 110,000 > 100,000: 0.5 / 0.625 / 2.5.
        let tiered = cost("claude-haiku-5-5", input: 90_000, write5m: 20_000, output: 2000)
        #expect(tiered.cost == usd("0.0625"))
        // Batch 5m writes: 0.125 × 0.5 = 0.0625 $/MTok = 62.5 n$ per token, so odd counts end in half a
        // nanodollar, which rounds to even: 1 → 62, 3 → 188 (187.5), 5 → 312 (312.5); even counts are exact.
        #expect(cost("claude-haiku-5-5", write5m: 1, tier: "batch").cost == USD(nanos: 62))
        #expect(cost("claude-haiku-5-5", write5m: 3, tier: "batch").cost == USD(nanos: 188))
        #expect(cost("claude-haiku-5-5", write5m: 5, tier: "batch").cost == USD(nanos: 312))
        #expect(cost("claude-haiku-5-5", write5m: 8, tier: "batch").cost == USD(nanos: 500))
    }

    @Test func priorityTierIsPricedAtStandardRates() {
        let priority = cost("claude-opus-4-5", input: 2500, output: 300, tier: "priority")
        #expect(priority.cost == usd("0.02"))
        #expect(priority.cost == cost("claude-opus-4-5", input: 2500, output: 300).cost)
    }

    @Test func unknownModelIsUnpricedNotFree() {
        let result = cost("claude-nova-7", input: 4000, output: 500)
        #expect(result.pricedAs == nil)
        #expect(result.cost == nil)
    }

    @Test func syntheticMessagesCostNothing() {
        let result = cost(ModelID.synthetic, input: 100, output: 100)
        #expect(result.cost == .zero)
    }

    @Test(arguments: [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
        ("apac.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("claude-3-opus-latest", "claude-3-opus"),
        ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet"),
        ("claude-opus-4-20250514", "claude-opus-4-0"),
        ("claude-4-opus-20250514", "claude-opus-4-0"),
        ("claude-4-sonnet-20250514", "claude-sonnet-4-0"),
        ("claude-sonnet-4-0", "claude-sonnet-4-0"),
        ("Claude-Opus-4-6", "claude-opus-4-6"),
        ("claude-mythos-5-1", "claude-mythos-5-1"),
    ])
    func modelIDsNormalize(raw: String, canonical: String) {
        #expect(PriceTable.builtIn.lookup(raw)?.id == canonical)
    }

    @Test func mythosIsPricedAsFable() {
        let mythos = cost("claude-mythos-5-1", input: 1000, read: 1000, output: 1000)
        let fable = cost("claude-fable-5-1", input: 1000, read: 1000, output: 1000)
        #expect(mythos.cost == fable.cost)
        #expect(mythos.cost == usd("0.06025"))  // 10,000 + 250 + 50,000 µ$
    }

    @Test func everyReferenceModelIsInTheTable() {
        let ids = [
            "claude-3-5-haiku", "claude-3-5-sonnet", "claude-3-7-sonnet", "claude-3-haiku", "claude-3-opus",
            "claude-3-sonnet", "claude-fable-5", "claude-fable-5-1", "claude-fable-5-2", "claude-haiku-4-5",
            "claude-haiku-5-5", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2", "claude-opus-4-0",
            "claude-opus-4-1", "claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8",
            "claude-opus-5", "claude-opus-5-5", "claude-sonnet-4-0", "claude-sonnet-4-5", "claude-sonnet-4-6",
            "claude-sonnet-5", "claude-sonnet-5-5",
        ]
        for id in ids { #expect(PriceTable.builtIn.lookup(id) != nil, "missing \(id)") }
    }
}

@Suite struct MoneyTests {
    @Test func exactAndDisplayForms() {
        #expect(USD(nanos: 36_052_600).exact == "0.036052600")
        #expect(USD(nanos: 1_234_567_890_123).exact == "1234.567890123")
        #expect(USD(nanos: 1_234_567_890_123).display == "$1,234.57")
        #expect(USD(nanos: 9_999_999).display == "<$0.01")
        #expect(USD(nanos: 0).display == "$0.00")
        #expect(USD("0.0000000015") == nil)  // more than nine decimals
        #expect(USD("12.5")?.nanos == 12_500_000_000)
    }
}
