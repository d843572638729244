/// Normalization of the many spellings of a Claude model id to the price table's canonical id.
public enum ModelID {
    /// The model id clients write for locally generated messages; never billed.
    public static let synthetic = "<synthetic>"

    /// Lowercases and strips what does not change the price: Bedrock's `region.anthropic.` prefix and `-v1:0`
    /// suffix, Vertex's `@date`, `-latest` and a trailing `-YYYYMMDD` date.
    public static func normalize(_ raw: String) -> String {
        var id = Substring(raw.lowercased().trimmingCharacters(in: .whitespaces))
        if let at = id.firstIndex(of: "@") { id = id[..<at] }
        if let range = id.range(of: "anthropic.", options: .backwards) { id = id[range.upperBound...] }
        // Bedrock version suffix: -v1:0, -v2:0, -v1
        if let dash = id.lastIndex(of: "-") {
            let tail = id[id.index(after: dash)...]
            if tail.first == "v", tail.dropFirst().allSatisfy({ $0.isNumber || $0 == ":" }), tail.count > 1 {
                id = id[..<dash]
            }
        }
        if id.hasSuffix("-latest") { id = id.dropLast("-latest".count) }
        if let dash = id.lastIndex(of: "-") {
            let tail = id[id.index(after: dash)...]
            if tail.count == 8, tail.allSatisfy(\.isNumber) { id = id[..<dash] }
        }
        return String(id)
    }
}

extension ModelID {
    /// Where a request ran, as far as its model id tells.
    public enum Endpoint: Sendable, Hashable {
        /// A first-party id (`claude-sonnet-4-5-20250929`): the Anthropic API, or Claude Platform on AWS.
        case anthropic
        /// A Google Vertex AI id (`claude-sonnet-4-5@20250929`): its region is not part of the id.
        case vertex
        /// Amazon Bedrock's `global.` cross-Region inference profile.
        case bedrockGlobal
        /// An Amazon Bedrock geographic cross-Region inference profile (`us.`, `eu.`, `apac.`, `au.`, `jp.`,
        /// `us-gov.`, ...), named by its prefix.
        case bedrockGeographic(String)
        /// A bare Amazon Bedrock id (`anthropic.claude-...`): the model in the Region the request was sent to.
        case bedrockInRegion

        public var isBedrock: Bool {
            switch self {
            case .bedrockGlobal, .bedrockGeographic, .bedrockInRegion: return true
            case .anthropic, .vertex: return false
            }
        }

        /// A Bedrock endpoint that keeps inference in one geography or Region (everything but `global.`).
        public var isBedrockRegional: Bool {
            switch self {
            case .bedrockGeographic, .bedrockInRegion: return true
            default: return false
            }
        }

        /// The platform and endpoint, for people: `Amazon Bedrock, geographic cross-Region inference profile us.`.
        public var description: String {
            switch self {
            case .anthropic: return "Anthropic API"
            case .vertex: return "Google Vertex AI"
            case .bedrockGlobal: return "Amazon Bedrock, global cross-Region inference profile (global.)"
            case .bedrockGeographic(let prefix):
                return "Amazon Bedrock, geographic cross-Region inference profile (\(prefix).)"
            case .bedrockInRegion: return "Amazon Bedrock, in-Region endpoint (bare anthropic. id)"
            }
        }
    }

    /// The endpoint a logged model id names: Bedrock ids carry it as a prefix before `anthropic.` (also inside an
    /// inference profile ARN, `arn:aws:bedrock:...:inference-profile/us.anthropic...`), Vertex ids have `@date`.
    public static func endpoint(_ raw: String) -> Endpoint {
        let id = raw.lowercased()
        guard let range = id.range(of: "anthropic.", options: .backwards) else {
            return id.contains("@") ? .vertex : .anthropic
        }
        var prefix = id[..<range.lowerBound]
        if let slash = prefix.lastIndex(of: "/") { prefix = prefix[prefix.index(after: slash)...] }
        prefix = prefix.drop { $0 == " " }
        while prefix.last == "." { prefix = prefix.dropLast() }
        if prefix.isEmpty { return .bedrockInRegion }
        if prefix == "global" { return .bedrockGlobal }
        return .bedrockGeographic(String(prefix))
    }
}
