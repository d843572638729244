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
