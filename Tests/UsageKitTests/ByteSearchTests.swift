import Testing

@testable import UsageKit

/// The byte search that decides which lines are parsed at all.
@Suite struct ByteSearchTests {
    func found(_ text: String, _ needle: StaticString) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { contains($0, needle) }
    }

    @Test func findsANeedleWhereverItStands() {
        #expect(found(#""usage":1"#, "\"usage\""))
        #expect(found(#"{"a":1,"usage""#, "\"usage\""))
        #expect(found(#"{"usage":{"input_tokens":1}}"#, "\"usage\""))
        #expect(found(#"gg"usage"gg"#, "\"usage\""))
        #expect(found("\"assistant\"", "\"assistant\""))
    }

    @Test func missesWhatOnlyLooksLikeIt() {
        #expect(!found(#""usag":1, "sage", usage, "usage"#, "\"usage\""))
        #expect(!found("", "\"usage\""))
        #expect(!found("\"usage", "\"usage\""))
        #expect(!found("ggggggggggggggggggggggg", "\"usage\""))
    }
}
