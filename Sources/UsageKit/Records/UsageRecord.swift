import Foundation

/// Token counts of one request, split by how each category is billed.
public struct TokenCounts: Sendable, Equatable, Hashable {
    /// Uncached input tokens (the prompt minus cache writes and reads).
    public var input: Int64
    public var cacheWrite5m: Int64
    public var cacheWrite1h: Int64
    public var cacheRead: Int64
    /// Output tokens, thinking included.
    public var output: Int64

    public init(
        input: Int64 = 0, cacheWrite5m: Int64 = 0, cacheWrite1h: Int64 = 0, cacheRead: Int64 = 0, output: Int64 = 0
    ) {
        self.input = input
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.cacheRead = cacheRead
        self.output = output
    }

    /// Every prompt token: uncached input, cache writes and cache reads. Long-context tiers compare this.
    public var prompt: Int64 { input + cacheWrite5m + cacheWrite1h + cacheRead }

    /// Adds `other` category by category.
    public mutating func add(_ other: TokenCounts) { self += other }

    /// The sum, category by category.
    public static func + (a: TokenCounts, b: TokenCounts) -> TokenCounts {
        TokenCounts(
            input: a.input + b.input, cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
            cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h, cacheRead: a.cacheRead + b.cacheRead,
            output: a.output + b.output)
    }

    /// Adds `b` to `a`, category by category.
    public static func += (a: inout TokenCounts, b: TokenCounts) { a = a + b }

    /// Every category times `factor`: -1 takes the counts back from a sum.
    static func * (counts: TokenCounts, factor: Int64) -> TokenCounts {
        TokenCounts(
            input: counts.input * factor, cacheWrite5m: counts.cacheWrite5m * factor,
            cacheWrite1h: counts.cacheWrite1h * factor, cacheRead: counts.cacheRead * factor,
            output: counts.output * factor)
    }
}

/// What a response's `usage.iterations` adds to its top-level usage: the sampling steps the API ran besides the
/// response itself, each billed at its own model's rates with its own token categories.
///
/// - `compaction` iterations (server-side compaction, beta `compact-2026-01-12`) summarize the conversation with
///   the request's own model; the top-level usage leaves them out ("Compaction at a token threshold",
///   https://platform.claude.com/docs/en/build-with-claude/compaction-threshold).
/// - `advisor_message` iterations (the advisor tool, beta `advisor-tool-2026-03-01`) are calls to a second model,
///   named in the iteration's `model`: "Top-level usage fields reflect executor tokens only ... Iterations with
///   type: "advisor_message" are billed at the advisor model's rates"
///   (https://platform.claude.com/docs/en/agents-and-tools/tool-use/advisor-tool, Usage and billing).
/// - `message` iterations are the response's own steps, already summed in the top-level usage: not kept here.
public struct IterationUsage: Sendable, Equatable, Hashable {
    /// The advisor model, as logged; nil when the response consulted none.
    public var advisorModel: String?
    /// `advisor_message` iterations.
    public var advisorCalls: Int64 = 0
    /// Their tokens, summed by category.
    public var advisorTokens = TokenCounts()
    /// `compaction` iterations.
    public var compactions: Int64 = 0
    /// Their tokens, summed by category; priced at the request's own model.
    public var compactionTokens = TokenCounts()

    public init(
        advisorModel: String? = nil, advisorCalls: Int64 = 0, advisorTokens: TokenCounts = TokenCounts(),
        compactions: Int64 = 0, compactionTokens: TokenCounts = TokenCounts()
    ) {
        self.advisorModel = advisorModel
        self.advisorCalls = advisorCalls
        self.advisorTokens = advisorTokens
        self.compactions = compactions
        self.compactionTokens = compactionTokens
    }

    /// Nothing to add to the top-level usage.
    public var isEmpty: Bool { advisorCalls == 0 && compactions == 0 }
}

/// A value kept out of line, so that a rarely present part does not make every copy of its container larger.
final class Boxed<Value: Sendable & Equatable>: Sendable, Equatable {
    let value: Value
    init(_ value: Value) { self.value = value }
    static func == (a: Boxed, b: Boxed) -> Bool { a.value == b.value }
}

/// Where a usage record came from: one parser per format.
public enum SourceFormat: String, Sendable, CaseIterable {
    /// Messages API responses as JSON or JSON Lines, bare or in a log envelope.
    case messages
    /// Streamed responses saved as server-sent events.
    case sse
    /// Message Batches results (`custom_id` + `result` per line).
    case batchResults = "batch-results"
    /// A Message Batches batch object (status, counts, `ended_at`).
    case batchObject = "batch"
    /// A client's own batch summary (`task_id`, `success`, `output`, `error`).
    case batchSummary = "batch-summary"
    /// A session tracker's persistence file (`sessions` with `request_history`).
    case sessionTracker = "session-tracker"
    /// Telemetry records of a workflow framework (flat token counts and its own `cost`).
    case telemetry
    /// Claude Code transcripts.
    case claudeCode = "claude-code"
    /// Admin API usage report pages (aggregated per bucket and group).
    case adminUsage = "admin-usage"
    /// Admin API cost report pages (billed amounts).
    case adminCost = "admin-cost"
    /// OpenTelemetry export requests (OTLP JSON, as a Collector's file exporter writes them, or received by
    /// `usage serve`): Claude Code's `api_request` events and counters, and GenAI spans.
    case otlp
    /// Admin API Claude Code analytics report pages (per day, user and model).
    case claudeCodeAnalytics = "claude-code-analytics"
}

/// One API request's usage metadata, normalized from any log format. It holds no message content.
public struct UsageRecord: Sendable, Equatable {
    public var messageID: String?
    public var requestID: String?
    /// Milliseconds since 1970-01-01 UTC.
    public var timestamp: Int64
    /// True when the log had no timestamp and the file's modification time stands in.
    public var timestampFromFile: Bool
    /// The model id exactly as logged.
    public var model: String
    public var serviceTier: String?
    public var inferenceGeo: String?
    public var speed: String?
    public var stopReason: String?
    public var tokens: TokenCounts
    public var thinkingTokens: Int64?
    public var webSearchRequests: Int64
    public var webFetchRequests: Int64
    public var session: String?
    public var workflow: String?
    public var taskType: String?
    public var project: String?
    /// 1-based line in the source file where the record starts.
    public var line: Int
    /// A Message Batches request's `custom_id` (or a batch summary's `task_id`).
    public var customID: String?
    /// The git branch a Claude Code session was on.
    public var gitBranch: String?
    public var workspaceID: String?
    public var apiKeyID: String?
    /// True for an Admin API usage report row: the sum of a bucket's requests, not one request.
    public var aggregated: Bool = false
    /// The cost the log itself states (telemetry `cost`, Claude Code `costUSD`), kept beside the tool's own.
    public var loggedCost: USD?
    /// The Admin API's `context_window` (`0-200k`, `200k-1M`): which tier applied, when the log says so.
    public var contextWindow: String?
    /// True for a Claude Code sidechain line (`isSidechain`): a subagent's own copy of a response, which yields to
    /// the parent transcript's copy when the two have the same output.
    public var sidechain: Bool = false
    /// The shape the record was read from, where a file mixes shapes (a telemetry record among logged responses);
    /// nil: the format of its file.
    public var format: SourceFormat?
    /// Compaction and advisor iterations billed beside the top-level usage; nil when the response had none.
    public var iterations: IterationUsage? {
        get { iterationsBox?.value }
        set { iterationsBox = newValue.map(Boxed.init) }
    }
    /// Out of line: the few responses with iterations do not make every record larger.
    private var iterationsBox: Boxed<IterationUsage>?

    /// Whether the response has iterations to add, without copying them out.
    var hasIterations: Bool { iterationsBox != nil }

    public init(
        messageID: String? = nil, requestID: String? = nil, timestamp: Int64, timestampFromFile: Bool = false,
        model: String, serviceTier: String? = nil, inferenceGeo: String? = nil, speed: String? = nil,
        stopReason: String? = nil, tokens: TokenCounts, thinkingTokens: Int64? = nil, webSearchRequests: Int64 = 0,
        webFetchRequests: Int64 = 0, session: String? = nil, workflow: String? = nil, taskType: String? = nil,
        project: String? = nil, line: Int = 0
    ) {
        self.messageID = messageID
        self.requestID = requestID
        self.timestamp = timestamp
        self.timestampFromFile = timestampFromFile
        self.model = model
        self.serviceTier = serviceTier
        self.inferenceGeo = inferenceGeo
        self.speed = speed
        self.stopReason = stopReason
        self.tokens = tokens
        self.thinkingTokens = thinkingTokens
        self.webSearchRequests = webSearchRequests
        self.webFetchRequests = webFetchRequests
        self.session = session
        self.workflow = workflow
        self.taskType = taskType
        self.project = project
        self.line = line
    }

    /// Whether the request went through the Message Batches API.
    public var isBatch: Bool { serviceTier == "batch" }

    /// The identity used to store a request once, however many files log it.
    ///
    /// Message ids are unique per API response, so the same response logged with and without a request id is
    /// still one request. Without a message id the request id identifies it; without either, the usage itself.
    public var dedupeKey: String {
        var bytes: [UInt8] = []
        appendDedupeKey(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the UTF-8 of `dedupeKey` to `bytes`, without building a string.
    func appendDedupeKey(to bytes: inout [UInt8]) {
        if let messageID, !messageID.isEmpty {
            bytes.append(contentsOf: "m:".utf8)
            bytes.append(contentsOf: messageID.utf8)
        } else if let requestID, !requestID.isEmpty {
            bytes.append(contentsOf: "r:".utf8)
            bytes.append(contentsOf: requestID.utf8)
        } else {
            let t = tokens
            let text =
                "u:\(timestamp)|\(model)|\(t.input)|\(t.cacheWrite5m)|\(t.cacheWrite1h)|\(t.cacheRead)|\(t.output)|"
                + "\(session ?? "")|\(workflow ?? "")|\(serviceTier ?? "")"
            bytes.append(contentsOf: text.utf8)
        }
    }
}
