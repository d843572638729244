import Foundation
import GRDB
import Testing

@testable import UsageKit

/// The price rules of issue 10, part 2, and the `usage.iterations` of part 1.7. Every expectation is computed by
/// hand from the published rates (USD per million tokens); µ$ = micro-dollars.
enum Rules {
    static func time(_ text: String) -> Int64 { Timestamp.parse(text, defaultOffset: 0)! }
    static let november = time("2026-11-10T12:00:00Z")
    static let february = time("2026-02-20T09:00:00Z")

    static func record(
        _ model: String, at timestamp: Int64 = november, input: Int64 = 0, write5m: Int64 = 0, write1h: Int64 = 0,
        read: Int64 = 0, output: Int64 = 0, tier: String? = nil, geo: String? = nil, speed: String? = nil,
        iterations: IterationUsage? = nil
    ) -> UsageRecord {
        var record = UsageRecord(
            timestamp: timestamp, model: model, serviceTier: tier, inferenceGeo: geo, speed: speed,
            tokens: TokenCounts(
                input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output))
        record.iterations = iterations
        return record
    }

    static func price(_ record: UsageRecord) -> PriceResult {
        var pricer = Pricer()
        return pricer.price(record)
    }

    static func usd(_ text: String) -> USD { USD(text)! }
}

/// 2.1: US data residency (`inference_geo: "us"`, 1.1x) on Claude Opus 4.6 and every later model: "The inference_geo
/// parameter is supported on Claude Opus 4.6 and all subsequent models" (data-residency page).
@Suite struct ResidencyRuleTests {
    /// 1,000 input, 1,000 cache read, 1,000 output at the model's rates, × 1.1.
    @Test(arguments: [
        // 10,000 + 1,000 + 50,000 = 61,000 µ$ × 1.1 = 67,100 µ$
        ("claude-fable-5", "0.0671"), ("claude-mythos-5", "0.0671"),
        // 10,000 + 250 + 50,000 = 60,250 µ$ × 1.1 = 66,275 µ$
        ("claude-fable-5-1", "0.066275"), ("claude-mythos-5-1", "0.066275"),
        // 8,000 + 200 + 40,000 = 48,200 µ$ × 1.1 = 53,020 µ$
        ("claude-fable-5-2", "0.05302"), ("claude-mythos-5-2", "0.05302"),
        // 100 + 10 + 500 = 610 µ$ × 1.1 = 671 µ$
        ("claude-haiku-5-5", "0.000671"),
    ])
    func newestModelsTakeTheMultiplier(model: String, expected: String) {
        let us = Rules.price(Rules.record(model, input: 1000, read: 1000, output: 1000, geo: "us"))
        #expect(us.cost == Rules.usd(expected))
        let global = Rules.price(Rules.record(model, input: 1000, read: 1000, output: 1000, geo: "global"))
        #expect(us.cost!.nanos * 10 == global.cost!.nanos * 11)
    }

    @Test func stacksWithTheLongContextTierAndFastMode() {
        // Haiku 5.5, 80,000 + 30,000 1h writes = 110,000 > 100,000: tier 0.5 / 1 / 2.5.
        // (40,000 + 30,000 + 5,000) µ$ × 1.1 = 82,500 µ$ (fixtures/pricing-rules/residency.jsonl, line 3).
        let haiku = Rules.price(
            Rules.record("claude-haiku-5-5", input: 80_000, write1h: 30_000, output: 2000, geo: "us"))
        #expect(haiku.longContext && haiku.cost == Rules.usd("0.0825"))
        // Fable 5.2 fast: 16 / 80; (16,000 + 80,000) µ$ × 1.1 = 105,600 µ$ (residency.jsonl, line 4).
        let fable = Rules.price(Rules.record("claude-fable-5-2", input: 1000, output: 1000, geo: "us", speed: "fast"))
        #expect(fable.fast && fable.cost == Rules.usd("0.1056"))
    }

    @Test func everyModelFromOpus46OnAndNoneBefore() {
        let from46 = [
            "claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5",
            "claude-opus-5-5",
            "claude-sonnet-5", "claude-sonnet-5-5", "claude-haiku-5-5", "claude-fable-5", "claude-fable-5-1",
            "claude-fable-5-2", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2",
        ]
        for id in from46 {
            let m = PriceTable.builtIn.lookup(id)?.usResidency
            #expect(m?.numerator == 1_100_000 && m?.denominator == 1_000_000, "\(id)")
        }
        for model in PriceTable.builtIn.models where !from46.contains(model.id) {
            #expect(model.usResidency == nil, "\(model.id) predates data residency")
        }
    }
}

/// 2.2: fast mode and long context stack; Opus 4.7's fast mode until 2026-07-24.
@Suite struct FastModeRuleTests {
    @Test func opus46FastOver200kBeforeMarch13() {
        // 150,000 input + 60,000 reads = 210,000 > 200,000, fast: 60 / 6 / 225 (12x standard).
        // 9,000,000 + 360,000 + 450,000 = 9,810,000 µ$ (the flat fast rates would give 4,980,000).
        let over = Rules.price(
            Rules.record(
                "claude-opus-4-6", at: Rules.february, input: 150_000, read: 60_000, output: 2000, speed: "fast"))
        #expect(over.fast && over.longContext)
        #expect(over.cost == Rules.usd("9.81"))
        // Cache writes at 75 (5m) and 120 (1h): 190,000 × 60 + 5,000 × 75 + 6,000 × 120 + 1,000 × 225
        // = 11,400,000 + 375,000 + 720,000 + 225,000 = 12,720,000 µ$.
        let writes = Rules.price(
            Rules.record(
                "claude-opus-4-6", at: Rules.february, input: 190_000, write5m: 5000, write1h: 6000, output: 1000,
                speed: "fast"))
        #expect(writes.cost == Rules.usd("12.72"))
        // Exactly 200,000 is not over: 140,000 × 30 + 60,000 × 3 + 2,000 × 150 = 4,680,000 µ$.
        let at = Rules.price(
            Rules.record(
                "claude-opus-4-6", at: Rules.february, input: 140_000, read: 60_000, output: 2000, speed: "fast"))
        #expect(at.fast && !at.longContext && at.cost == Rules.usd("4.68"))
        // With US residency: 9,810,000 µ$ × 1.1 = 10,791,000 µ$.
        let us = Rules.price(
            Rules.record(
                "claude-opus-4-6", at: Rules.february, input: 150_000, read: 60_000, output: 2000, geo: "us",
                speed: "fast"))
        #expect(us.cost == Rules.usd("10.791"))
    }

    @Test func opus46FastIsFlatFromMarch13() {
        // No long-context tier from 2026-03-13: 150,000 × 30 + 60,000 × 3 + 2,000 × 150 = 4,980,000 µ$.
        let after = Rules.price(
            Rules.record("claude-opus-4-6", input: 150_000, read: 60_000, output: 2000, speed: "fast"))
        #expect(after.fast && !after.longContext && after.cost == Rules.usd("4.98"))
        let switchDay = Rules.time("2026-03-13T00:00:00Z")
        let last = Rules.price(
            Rules.record(
                "claude-opus-4-6", at: switchDay - 1, input: 150_000, read: 60_000, output: 2000, speed: "fast"))
        #expect(last.cost == Rules.usd("9.81"))
    }

    @Test func opus47FastUntilItsRemoval() {
        // Fast $30 / $150, cache at 60 (1h) and 3 (read): 5,000 × 30 + 10,000 × 60 + 40,000 × 3 + 3,000 × 150
        // = 150,000 + 600,000 + 120,000 + 450,000 = 1,320,000 µ$.
        func opus47(_ at: Int64, geo: String? = nil) -> PriceResult {
            Rules.price(
                Rules.record(
                    "claude-opus-4-7", at: at, input: 5000, write1h: 10_000, read: 40_000, output: 3000, geo: geo,
                    speed: "fast"))
        }
        let removal = Rules.time("2026-07-24T00:00:00Z")
        #expect(opus47(Rules.time("2026-07-01T09:00:00Z")).cost == Rules.usd("1.32"))
        #expect(opus47(removal - 1).fast && opus47(removal - 1).cost == Rules.usd("1.32"))
        // From the removal on, standard rates: 25,000 + 100,000 + 20,000 + 75,000 = 220,000 µ$.
        #expect(!opus47(removal).fast && opus47(removal).cost == Rules.usd("0.22"))
        // US residency stacks: 1,320,000 µ$ × 1.1 = 1,452,000 µ$.
        #expect(opus47(Rules.time("2026-07-01T09:00:00Z"), geo: "us").cost == Rules.usd("1.452"))
    }
}

/// 2.3: Amazon Bedrock's regional endpoints cost 1.1x its `global.` profile from Sonnet 4.5 on.
@Suite struct BedrockEndpointTests {
    @Test(arguments: [
        ("claude-sonnet-4-5-20250929", ModelID.Endpoint.anthropic),
        ("claude-sonnet-4-5@20250929", .vertex),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", .bedrockGlobal),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", .bedrockGeographic("us")),
        ("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", .bedrockGeographic("us-gov")),
        ("APAC.anthropic.claude-sonnet-4-5-20250929-v1:0", .bedrockGeographic("apac")),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", .bedrockInRegion),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-opus-4-6-v1",
            .bedrockGeographic("eu")
        ),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-6-v1", .bedrockInRegion),
    ])
    func endpointsAreToldByTheId(id: String, endpoint: ModelID.Endpoint) {
        #expect(ModelID.endpoint(id) == endpoint)
    }

    /// Sonnet 4.5, 10,000 input, 20,000 reads, 1,000 output: 30,000 + 6,000 + 15,000 = 51,000 µ$ on global.
    @Test(arguments: [
        ("global.", "0.051"), ("us.", "0.0561"), ("eu.", "0.0561"), ("apac.", "0.0561"), ("au.", "0.0561"),
        ("jp.", "0.0561"), ("us-gov.", "0.0561"), ("", "0.0561"),
    ])
    func sonnet45ByEndpoint(prefix: String, expected: String) {
        let result = Rules.price(
            Rules.record(
                prefix + "anthropic.claude-sonnet-4-5-20250929-v1:0", input: 10_000, read: 20_000, output: 1000))
        #expect(result.pricedAs == "claude-sonnet-4-5")
        #expect(result.cost == Rules.usd(expected))
    }

    @Test func laterModelsAndTheirPeers() {
        // Haiku 4.5: 10,000 × 1 + 1,000 × 5 = 15,000 µ$; eu. × 1.1 = 16,500 µ$.
        #expect(
            Rules.price(Rules.record("global.anthropic.claude-haiku-4-5-20251001-v1:0", input: 10_000, output: 1000))
                .cost == Rules.usd("0.015"))
        #expect(
            Rules.price(Rules.record("eu.anthropic.claude-haiku-4-5-20251001-v1:0", input: 10_000, output: 1000)).cost
                == Rules.usd("0.0165"))
        // Opus 4.5: 1,000 × 5 + 1,000 × 25 = 30,000 µ$ × 1.1 = 33,000 µ$.
        #expect(
            Rules.price(Rules.record("us.anthropic.claude-opus-4-5-20251101-v1:0", input: 1000, output: 1000)).cost
                == Rules.usd("0.033"))
        // Opus 4.6: 4,000 × 5 + 8,000 × 6.25 + 2,000 × 25 = 120,000 µ$; jp. and in-Region 132,000 µ$.
        for (id, expected) in [
            ("global.anthropic.claude-opus-4-6-v1", "0.12"), ("jp.anthropic.claude-opus-4-6-v1", "0.132"),
            ("anthropic.claude-opus-4-6-v1", "0.132"),
        ] {
            #expect(
                Rules.price(Rules.record(id, input: 4000, write5m: 8000, output: 2000)).cost == Rules.usd(expected),
                "\(id)")
        }
        // Every model from Sonnet 4.5 on has the premium; the older ones keep one price on every endpoint.
        let older = [
            "claude-3-haiku", "claude-3-sonnet", "claude-3-opus", "claude-3-5-haiku", "claude-3-5-sonnet",
            "claude-3-7-sonnet",
            "claude-sonnet-4-0", "claude-opus-4-0", "claude-opus-4-1",
        ]
        for model in PriceTable.builtIn.models {
            let m = model.bedrockRegional
            if older.contains(model.id) {
                #expect(m == nil, "\(model.id)")
            } else {
                #expect(m?.numerator == 1_100_000 && m?.denominator == 1_000_000, "\(model.id)")
            }
        }
        // Sonnet 4 (older): us. at the listed rates, 51,000 µ$.
        #expect(
            Rules.price(
                Rules.record("us.anthropic.claude-sonnet-4-20250514-v1:0", input: 10_000, read: 20_000, output: 1000)
            ).cost == Rules.usd("0.051"))
    }

    @Test func stacksWithBatchAndNotWithInferenceGeo() {
        // Batch × 0.5, then × 1.1: 51,000 µ$ × 0.55 = 28,050 µ$.
        #expect(
            Rules.price(
                Rules.record(
                    "us.anthropic.claude-sonnet-4-5-20250929-v1:0", input: 10_000, read: 20_000, output: 1000,
                    tier: "batch")
            ).cost == Rules.usd("0.02805"))
        // inference_geo does not apply on Bedrock (the endpoint decides): 120,000 µ$ × 1.1 once, not × 1.21.
        let both = Rules.price(
            Rules.record("us.anthropic.claude-opus-4-6-v1", input: 4000, write5m: 8000, output: 2000, geo: "us"))
        #expect(both.cost == Rules.usd("0.132"))
        // A global. profile with inference_geo us: the listed rates.
        #expect(
            Rules.price(
                Rules.record("global.anthropic.claude-opus-4-6-v1", input: 4000, write5m: 8000, output: 2000, geo: "us")
            ).cost == Rules.usd("0.12"))
        // The same first-party id with inference_geo us: US residency, 132,000 µ$.
        #expect(
            Rules.price(Rules.record("claude-opus-4-6", input: 4000, write5m: 8000, output: 2000, geo: "us")).cost
                == Rules.usd("0.132"))
    }

    @Test func theLineNamesThePlatformAndEndpoint() throws {
        let sonnet = try #require(PriceTable.builtIn.lookup("claude-sonnet-4-5"))
        let e = try #require(
            Estimate.compute(
                model: sonnet, id: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
                tokens: TokenCounts(input: 10_000, cacheRead: 20_000, output: 1000),
                images: [], batch: false, geo: nil, speed: nil, webSearches: 0, at: Rules.november))
        #expect(e.total == Rules.usd("0.0561"))
        #expect(
            e.modifiers.contains {
                $0.hasPrefix("Amazon Bedrock, geographic cross-Region inference profile (eu.): x1.1")
            }, "\(e.modifiers)")
        let global = try #require(
            Estimate.compute(
                model: sonnet, id: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
                tokens: TokenCounts(input: 10_000),
                images: [], batch: false, geo: nil, speed: nil, webSearches: 0, at: Rules.november))
        #expect(
            global.modifiers.contains {
                $0.contains("global cross-Region inference profile (global.): the Anthropic API's rates")
            })
    }
}

/// 1.7: compaction and advisor iterations are billed beside the top-level usage, each at its own model's rates.
@Suite struct IterationPricingTests {
    /// fixtures/pricing-rules/iterations.jsonl, line 1: Sonnet 4.6 with a compaction and an Opus 4.8 advisor call.
    static let compactedAndAdvised = IterationUsage(
        advisorModel: "claude-opus-4-8", advisorCalls: 1,
        advisorTokens: TokenCounts(input: 3500, cacheWrite5m: 20_000, output: 1612),
        compactions: 1, compactionTokens: TokenCounts(input: 180_000, output: 3500))

    func sonnet46(tier: String? = nil, geo: String? = nil, iterations: IterationUsage? = compactedAndAdvised)
        -> PriceResult
    {
        Rules.price(
            Rules.record(
                "claude-sonnet-4-6", input: 2300, write5m: 1000, read: 20_000, output: 531, tier: tier, geo: geo,
                iterations: iterations))
    }

    @Test func eachAtItsOwnModelsRates() {
        // Response: 2,300 × 3 + 1,000 × 3.75 + 20,000 × 0.3 + 531 × 15 = 6,900 + 3,750 + 6,000 + 7,965 = 24,615 µ$.
        // Compaction (Sonnet 4.6): 180,000 × 3 + 3,500 × 15 = 540,000 + 52,500 = 592,500 µ$.
        // Advisor (Opus 4.8): 3,500 × 5 + 20,000 × 6.25 + 1,612 × 25 = 17,500 + 125,000 + 40,300 = 182,800 µ$.
        let result = sonnet46()
        #expect(result.cost == Rules.usd("0.799915"))
        #expect(result.compactionCost == Rules.usd("0.5925"))
        #expect(result.advisorCost == Rules.usd("0.1828"))
        #expect(sonnet46(iterations: nil).cost == Rules.usd("0.024615"))
        #expect(sonnet46(iterations: nil).advisorCost == nil && sonnet46(iterations: nil).compactionCost == nil)
    }

    @Test func theRequestsModifiersApplyToItsIterations() {
        // Batch halves every part: 799,915 µ$ / 2 = 399,957.5 µ$.
        #expect(sonnet46(tier: "batch").cost == Rules.usd("0.3999575"))
        // US residency: Sonnet 4.6 and Opus 4.8 both 1.1x: 799,915 µ$ × 1.1 = 879,906.5 µ$.
        let us = sonnet46(geo: "us")
        #expect(us.cost == Rules.usd("0.8799065"))
        #expect(us.advisorCost == Rules.usd("0.20108"))
    }

    @Test func fastModeIsTheExecutorsNotTheAdvisors() {
        // Opus 4.6 fast (November, flat $30 / $150): response 1,000 × 30 + 100 × 150 = 45,000 µ$;
        // compaction by the same model, fast: 100,000 × 30 + 1,000 × 150 = 3,150,000 µ$;
        // advisor Opus 4.8 at standard speed: 10,000 × 5 + 500 × 25 = 62,500 µ$. Total 3,257,500 µ$.
        let iterations = IterationUsage(
            advisorModel: "claude-opus-4-8", advisorCalls: 1, advisorTokens: TokenCounts(input: 10_000, output: 500),
            compactions: 1, compactionTokens: TokenCounts(input: 100_000, output: 1000))
        let result = Rules.price(
            Rules.record("claude-opus-4-6", input: 1000, output: 100, speed: "fast", iterations: iterations))
        #expect(result.cost == Rules.usd("3.2575"))
        #expect(result.compactionCost == Rules.usd("3.15") && result.advisorCost == Rules.usd("0.0625"))
    }

    @Test func eachStepsOwnPromptDecidesItsTier() {
        // Sonnet 4.6 on 2026-02-01 (tier 6 / 22.5 over 200,000): the response (5,500 prompt tokens) at standard rates,
        // 5,000 × 3 + 500 × 15 = 22,500 µ$; the compaction read 210,000: 210,000 × 6 + 2,000 × 22.5 = 1,305,000 µ$.
        let iterations = IterationUsage(compactions: 1, compactionTokens: TokenCounts(input: 210_000, output: 2000))
        let result = Rules.price(
            Rules.record(
                "claude-sonnet-4-6", at: Rules.time("2026-02-01T00:00:00Z"), input: 5000, output: 500,
                iterations: iterations))
        #expect(!result.longContext)
        #expect(result.cost == Rules.usd("1.3275") && result.compactionCost == Rules.usd("1.305"))
    }

    @Test func anUnknownAdvisorLeavesTheRequestUnpriced() {
        var iterations = Self.compactedAndAdvised
        iterations.advisorModel = "claude-nova-7"
        let result = sonnet46(iterations: iterations)
        #expect(result.pricedAs == "claude-sonnet-4-6")
        #expect(result.cost == nil, "part of its cost is unknown: never a partial sum")
    }
}

/// 1.7: `usage.iterations` as the SDK writes it, read into the record; `message` entries are not added again.
@Suite struct IterationParsingTests {
    @Test func theFixtureResponses() throws {
        let sink = try parse(fixture("pricing-rules/iterations.jsonl"))
        #expect(sink.rejects.isEmpty && sink.records.count == 2)
        let first = try #require(sink.records.first)
        // The top-level usage is the response's own, untouched by its iterations.
        #expect(first.tokens == TokenCounts(input: 2300, cacheWrite5m: 1000, cacheRead: 20_000, output: 531))
        #expect(first.iterations == IterationPricingTests.compactedAndAdvised)
        #expect(first.project == "iterations" && first.messageID == "msg_01PrIter01")
        // Two advisor calls to one model, summed by category.
        #expect(
            sink.records[1].iterations
                == IterationUsage(
                    advisorModel: "claude-opus-4-7", advisorCalls: 2,
                    advisorTokens: TokenCounts(input: 9500, cacheRead: 8000, output: 1600)))
    }

    func parseLine(_ usage: String) throws -> CollectingSink {
        let scratch = try ScratchDirectory()
        let line = #"{"id":"msg_x","type":"message","model":"claude-sonnet-4-6","usage":"# + usage + "}\n"
        return try parse(try scratch.write("it.jsonl", line))
    }

    @Test func onlyMessageIterationsAddNothing() throws {
        let sink = try parseLine(
            #"{"input_tokens":10,"output_tokens":5,"iterations":[{"type":"message","input_tokens":10,"#
                + #""output_tokens":5}]}"#
        )
        #expect(sink.records.count == 1 && sink.records[0].iterations == nil)
        let null = try parseLine(#"{"input_tokens":10,"output_tokens":5,"iterations":null}"#)
        #expect(null.records.count == 1 && null.records[0].iterations == nil)
        // A kind not known yet is passed over, not guessed at.
        let other = try parseLine(
            #"{"input_tokens":10,"output_tokens":5,"iterations":[{"type":"fallback_message","model":"claude-opus-4-8","#
                + #""input_tokens":10,"output_tokens":5}]}"#
        )
        #expect(other.records.count == 1 && other.records[0].iterations == nil)
    }

    @Test func malformedIterationsAreRejectedWithTheirReason() throws {
        let noModel = try parseLine(
            #"{"input_tokens":10,"output_tokens":5,"iterations":[{"type":"advisor_message","input_tokens":10,"#
                + #""output_tokens":5}]}"#
        )
        #expect(
            noModel.records.isEmpty
                && noModel.rejects.first?.reason.contains("usage.iterations[0].model is missing") == true)
        let two = try parseLine(
            #"{"input_tokens":1,"output_tokens":1,"iterations":[{"type":"advisor_message","model":"claude-opus-4-8","#
                + #""input_tokens":1,"output_tokens":1},{"type":"advisor_message","model":"claude-fable-5","#
                + #""input_tokens":1,"output_tokens":1}]}"#
        )
        #expect(two.rejects.first?.reason.contains("two advisor models") == true)
        let bad = try parseLine(
            #"{"input_tokens":1,"output_tokens":1,"iterations":[{"type":"compaction","input_tokens":"many","#
                + #""output_tokens":1}]}"#
        )
        #expect(bad.rejects.first?.reason == "usage.iterations[0].input_tokens is not a non-negative whole number")
        let notObject = try parseLine(#"{"input_tokens":1,"output_tokens":1,"iterations":[3]}"#)
        #expect(notObject.rejects.first?.reason == "usage.iterations[0] is not an object with a type")
    }

    @Test func aStreamTakesTheIterationsOfItsLastDelta() throws {
        let scratch = try ScratchDirectory()
        let text = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_s1","type":"message","role":"assistant",\
            "model":"claude-sonnet-4-6","content":[],"usage":{"input_tokens":2300,"output_tokens":1}}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":89,\
            "iterations":[{"type":"message","input_tokens":2300,"output_tokens":89}]}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":531,\
            "iterations":[{"type":"compaction","input_tokens":180000,"output_tokens":3500},{"type":"message",\
            "input_tokens":2300,"output_tokens":89},{"type":"advisor_message","model":"claude-opus-4-8",\
            "input_tokens":3500,"output_tokens":1612}]}}

            event: message_stop
            data: {"type":"message_stop"}

            """
        let sink = try parse(try scratch.write("s.sse", text))
        let record = try #require(sink.records.first)
        #expect(record.tokens.output == 531)
        #expect(
            record.iterations
                == IterationUsage(
                    advisorModel: "claude-opus-4-8", advisorCalls: 1,
                    advisorTokens: TokenCounts(input: 3500, output: 1612),
                    compactions: 1, compactionTokens: TokenCounts(input: 180_000, output: 3500)))
    }
}

/// 1.7 and 1.9: what the store keeps of each request, and what reports and events read back.
@Suite struct IterationStoreTests {
    func ingest(_ paths: [String]) throws -> AppDatabase {
        let database = try AppDatabase.inMemory()
        _ = try Ingestor(database: database) { _ in }.ingest(paths: paths)
        return database
    }

    @Test func theBreakdownIsStoredAndReported() throws {
        let database = try ingest([fixture("pricing-rules/iterations.jsonl")])
        let events = try database.read { db in try SQLiteStorage(db).events(RequestFilter(), limit: nil) }
        #expect(events.count == 2)
        let first = events[0]
        #expect(
            first.messageID == "msg_01PrIter01" && first.project == "iterations" && first.cost == Rules.usd("0.799915"))
        #expect(
            first.advisor
                == RequestEvent.IterationPart(
                    model: "claude-opus-4-8", count: 1,
                    tokens: TokenCounts(input: 3500, cacheWrite5m: 20_000, output: 1612), cost: Rules.usd("0.1828")))
        #expect(
            first.compaction
                == RequestEvent.IterationPart(
                    model: "claude-sonnet-4-6", count: 1, tokens: TokenCounts(input: 180_000, output: 3500),
                    cost: Rules.usd("0.5925")))
        // Haiku 4.5: 1,200 × 1 + 670 × 5 = 4,550 µ$; Opus 4.7 advisor (standard since 2026-07-24):
        // 9,500 × 5 + 8,000 × 0.5 + 1,600 × 25 = 47,500 + 4,000 + 40,000 = 91,500 µ$.
        #expect(
            events[1].cost == Rules.usd("0.09605") && events[1].advisor?.cost == Rules.usd("0.0915")
                && events[1].compaction == nil)

        for source in [UsageReport.Source.automatic, .requests] {
            let report = try database.read { db in
                try UsageReport.fetch(
                    SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t", source: source
                )
            }
            let it = report.totals.iterations
            #expect(report.totals.cost == Rules.usd("0.895965"))
            #expect(it.advisorCalls == 3 && it.advisorCost == Rules.usd("0.2743"))
            #expect(it.advisorPromptTokens == 23_500 + 17_500 && it.advisorOutputTokens == 1612 + 1600)
            #expect(it.compactions == 1 && it.compactionPromptTokens == 180_000 && it.compactionOutputTokens == 3500)
            #expect(it.compactionCost == Rules.usd("0.5925"))
            // The token columns are the responses' own.
            #expect(
                report.totals.tokens == TokenCounts(input: 3500, cacheWrite5m: 1000, cacheRead: 20_000, output: 1201))
            #expect(report.advisors.map(\.model) == ["claude-opus-4-8", "claude-opus-4-7"])
            #expect(report.advisors.map(\.cost) == [Rules.usd("0.1828"), Rules.usd("0.0915")])
            let row = try #require(report.rows.first { $0.key == "claude-sonnet-4-6" })
            #expect(
                row.totals.iterations.advisorCost == Rules.usd("0.1828") && row.totals.cost == Rules.usd("0.799915"))
        }
        // Repricing prices the iterations again, at their own models: nothing moves.
        let summary = try database.write { db in try Repricer.reprice(SQLiteStorage(db), table: .builtIn) }
        #expect(summary.changed == 0 && summary.after == Rules.usd("0.895965"))
        // After a rebuild the rollup still agrees with the requests.
        try database.write { db in try HourlyRollup.rebuild(db) }
        let rebuilt = try database.read { db in
            try UsageReport.fetch(SQLiteStorage(db), filter: RequestFilter(), grouping: .model, priceTableVersion: "t")
        }
        #expect(
            rebuilt.totals.iterations.advisorCost == Rules.usd("0.2743") && rebuilt.totals.cost == Rules.usd("0.895965")
        )
    }

    @Test func eventsCarryTheIdsThatFindARowInItsLog() throws {
        let database = try ingest([fixture("batches"), fixture("claude-code")])
        let events = try database.read { db in try SQLiteStorage(db).events(RequestFilter(), limit: nil) }
        let batch = try #require(events.first { $0.customID == "doc-0003" })
        #expect(batch.messageID != nil && batch.serviceTier == "batch")
        let claudeCode = try #require(events.first { $0.messageID == "msg_01Ske89ivtV4FQkiiYifwb5f" })
        #expect(claudeCode.project == "/home/dev/shop" && claudeCode.gitBranch == "main")
    }

    @Test func requestsStoredBeforeTheMigrationShowTheirMessageIds() throws {
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: "v2: imported prices")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO requests (ts, model, input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, \
                    cache_read_tokens,
                      output_tokens, dedupe_key, key_hash, source_format, line)
                    VALUES (0, 'claude-opus-4-6', 1, 0, 0, 0, 1, 'm:msg_old', 1, 'messages', 1),
                           (0, 'claude-opus-4-6', 1, 0, 0, 0, 1, 'r:req_old', 2, 'messages', 2)
                    """)
        }
        try AppDatabase.migrator.migrate(queue)
        let events = try queue.read { db in try SQLiteStorage(db).events(RequestFilter(), limit: nil) }
        #expect(events.map(\.messageID) == ["msg_old", nil])
        #expect(events.allSatisfy { $0.advisor == nil && $0.compaction == nil })
        let zero = try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT advisor_calls + compactions FROM requests LIMIT 1")
        }
        #expect(zero == 0)
    }
}
