/// Admin API cost report pages: billed amounts (decimal strings in cents), not requests.
enum AdminCostParser: LogParser {
    static let format = SourceFormat.adminCost
    static let reading = LogReading.document

    static func recognizes(_ sample: DetectionSample) -> Bool { AdminReportPages.recognizes(sample, as: format) }

    static func parse(document tape: JSONTape, lines: inout LineCounter, context: ParseContext, into sink: ParseSink)
        throws
    {
        try AdminReportPages.forEachResult(tape, lines: &lines, context: context, sink: sink) {
            result, start, end, line in
            func text(_ key: StaticString) -> String? { tape.member(result, key).flatMap(tape.string) }
            guard let amountIndex = tape.member(result, "amount") else {
                sink.reject(line: line, reason: "cost result without amount")
                return
            }
            let amountText = tape.kind(amountIndex) == .string ? tape.string(amountIndex)! : tape.rawText(amountIndex)
            guard let amount = USD(cents: amountText) else {
                sink.reject(line: line, reason: "amount '\(amountText)' is not a decimal number of cents")
                return
            }
            if let currency = text("currency"), currency != "USD" {
                sink.reject(line: line, reason: "currency \(currency) is not USD")
                return
            }
            try sink.note(
                .billed(
                    BilledCost(
                        startingAt: start, endingAt: end, model: text("model"), costType: text("cost_type"),
                        tokenType: text("token_type"), serviceTier: text("service_tier"),
                        contextWindow: text("context_window"), inferenceGeo: text("inference_geo"),
                        workspaceID: text("workspace_id"), description: text("description"),
                        amount: amount, line: line)))
        }
    }
}
