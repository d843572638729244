import ArgumentParser
import Foundation
import UsageKit

extension Usage {
    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "estimate",
            abstract: "The cost of a planned request, line by line.",
            discussion: """
                An image costs about width x height / 750 input tokens, after scaling it down until its long edge \
                is at \
                most 1,568 px and its area at most 1.15 megapixels.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The model, in any spelling.", valueName: "id")) var model: String
        @Option(help: ArgumentHelp("Uncached input tokens.", valueName: "n")) var input: Int64 = 0
        @Option(help: ArgumentHelp("Output tokens.", valueName: "n")) var output: Int64 = 0
        @Option(name: .customLong("cache-read"), help: ArgumentHelp("Cache read tokens.", valueName: "n"))
        var cacheRead: Int64 = 0
        @Option(name: .customLong("cache-write-5m"), help: ArgumentHelp("5-minute cache write tokens.", valueName: "n"))
        var cacheWrite5m: Int64 = 0
        @Option(name: .customLong("cache-write-1h"), help: ArgumentHelp("1-hour cache write tokens.", valueName: "n"))
        var cacheWrite1h: Int64 = 0
        @Flag(help: "Through the Message Batches API.") var batch = false
        @Option(help: ArgumentHelp("Inference geography (us for US-only inference).", valueName: "geo"))
        var geo: String?
        @Option(help: ArgumentHelp("fast for fast mode.", valueName: "speed")) var speed: String?
        @Option(name: .customLong("web-searches"), help: ArgumentHelp("Server-side web searches.", valueName: "n"))
        var webSearches: Int64 = 0
        @Option(help: ArgumentHelp("An image's size, e.g. 1920x1080; repeatable.", valueName: "WxH"))
        var image: [String] = []
        @Option(help: ArgumentHelp("Price at this date (default now).", valueName: "date")) var at: String?

        func validate() throws {
            for n in [input, output, cacheRead, cacheWrite5m, cacheWrite1h, webSearches] where n < 0 {
                throw ValidationError("Token and search counts cannot be negative.")
            }
            for size in image where parseSize(size) == nil {
                throw ValidationError("--image '\(size)' is not a size such as 1920x1080.")
            }
        }

        func parseSize(_ text: String) -> (width: Int, height: Int)? {
            let parts = text.lowercased().split(separator: "x")
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
            return (w, h)
        }

        func run() throws {
            try Diagnostics.run {
                let table = try database.prices()
                guard let price = table.lookup(model) else {
                    throw UsageError.invalidArgument(
                        "\(model) is not in the price table: price it with `usage pricing import FILE` first")
                }
                var time = Int64(Date().timeIntervalSince1970 * 1000)
                if let at {
                    guard let ms = Timestamp.parse(at, defaultOffset: 0) else {
                        throw UsageError.invalidArgument("--at '\(at)' is not a date")
                    }
                    time = ms
                }
                guard
                    let estimate = UsageKit.Estimate.compute(
                        model: price, id: model,
                        tokens: TokenCounts(
                            input: input, cacheWrite5m: cacheWrite5m, cacheWrite1h: cacheWrite1h, cacheRead: cacheRead,
                            output: output),
                        images: image.compactMap(parseSize), batch: batch, geo: geo, speed: speed,
                        webSearches: webSearches,
                        at: time)
                else {
                    throw UsageError.invalidArgument("\(price.id) has no price at \(Timestamp.iso(time).prefix(10))")
                }
                let value = Output.estimate(estimate, at: time, webSearches: webSearches, images: image.count)
                emit(try OutputFormat.table.render(value))
            }
        }
    }
}
