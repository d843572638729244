/// Admin API cost report pages: billed amounts (decimal strings in cents), not requests.
enum AdminCostParser: AdminReportParser {
    static let format = SourceFormat.adminCost

    static func parse(_ result: AdminReportResult, into sink: ParseSink) throws {
        let tape = result.tape
        let line = result.line
        guard let amountIndex = tape.member(result.index, "amount") else {
            sink.reject(line: line, reason: "cost result without amount")
            return
        }
        let amountText = tape.kind(amountIndex) == .string ? tape.string(amountIndex)! : tape.rawText(amountIndex)
        guard let amount = USD(cents: amountText) else {
            sink.reject(line: line, reason: "amount '\(amountText)' is not a decimal number of cents")
            return
        }
        if let currency = result.text("currency"), currency != "USD" {
            sink.reject(line: line, reason: "currency \(currency) is not USD")
            return
        }
        let text = result.text
        try sink.note(
            .billed(
                BilledCost(
                    startingAt: result.start, endingAt: result.end, model: text("model"),
                    costType: text("cost_type"), tokenType: text("token_type"), serviceTier: text("service_tier"),
                    contextWindow: text("context_window"), inferenceGeo: text("inference_geo"),
                    workspaceID: text("workspace_id"), description: text("description"), amount: amount, line: line)))
    }
}
