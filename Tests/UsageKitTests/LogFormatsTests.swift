import Testing

@testable import UsageKit

/// The table of formats is what detection, dispatch and resumability come from: it must hold every format once.
@Suite struct LogFormatsTests {
    @Test func everyFormatHasExactlyOneParser() {
        let listed = LogFormats.parsers.map { $0.format }
        #expect(listed.count == Set(listed).count)
        #expect(Set(listed) == Set(SourceFormat.allCases))
        for format in SourceFormat.allCases { #expect(format.parser.format == format) }
    }

    @Test func filesOfRecordsAndTranscriptsResumeAndOthersAreReadAgainWhole() {
        let resumable = SourceFormat.allCases.filter(\.isLineFormat)
        #expect(Set(resumable) == [.messages, .batchResults, .telemetry, .claudeCode, .otlp])
    }

    @Test(arguments: SourceFormat.allCases)
    func aForcedFormatKeepsAJSONLayoutAndReadsOthersItsOwnWay(_ format: SourceFormat) {
        let reading = format.parser.reading
        for detected in [FileLayout.jsonDocument, .jsonValues, .jsonLines] {
            #expect(FilePlan.layout(detected, readAs: reading) == (format == .sse ? .serverSentEvents : detected))
        }
        let own: FileLayout = format == .sse ? .serverSentEvents : format.isLineFormat ? .jsonLines : .jsonDocument
        #expect(FilePlan.layout(.unknown, readAs: reading) == own)
        #expect(FilePlan.layout(.serverSentEvents, readAs: reading) == own)
    }
}
