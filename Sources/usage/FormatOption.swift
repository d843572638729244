import ArgumentParser
import UsageKit

/// A command that writes its result in the formats it declares.
protocol FormatDeclaring {
    /// The formats the command writes, in the order its help lists them; the first is the default.
    static var formats: [OutputFormat] { get }
    /// What the `--format` help adds after the formats, e.g. what one of them holds.
    static var formatRemark: String? { get }
}

extension FormatDeclaring {
    static var formatRemark: String? { nil }

    /// The `--format` help: the declared formats, as a sentence, and the remark.
    static var formatHelp: String { OutputFormat.names(formats) + (formatRemark.map { " (\($0))" } ?? "") + "." }
}

/// `--format`: one of the formats `Command` declares. Its help and completions list them; any other format is an
/// argument error.
struct FormatOption<Command: FormatDeclaring>: ParsableArguments {
    /// A format as typed: any the library knows parses, so that one the command lacks gets a message naming those
    /// it has.
    struct Choice: ExpressibleByArgument {
        var format: OutputFormat

        init(_ format: OutputFormat) { self.format = format }

        init?(argument: String) {
            guard let format = OutputFormat(rawValue: argument) else { return nil }
            self.format = format
        }

        var defaultValueDescription: String { format.rawValue }
        static var allValueStrings: [String] { Command.formats.map(\.rawValue) }
        static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
    }

    @Option(help: ArgumentHelp(Command.formatHelp))
    var format = Choice(Command.formats[0])

    func validate() throws {
        guard Command.formats.contains(format.format) else {
            throw ValidationError(
                "--format \(format.format.rawValue): this command writes \(OutputFormat.names(Command.formats)).")
        }
    }

    /// The format asked for.
    var selected: OutputFormat { format.format }

    /// `output` in the format asked for.
    func render(_ output: Output, options: RenderOptions = RenderOptions()) throws -> String {
        try format.format.render(output, options: options)
    }

    /// Writes what `value` reads from the store of `database`, in the format asked for; an error is reported as
    /// `Diagnostics.run` reports it.
    func write(from database: DatabaseOptions, _ value: (UsageStore) throws -> Output) throws {
        try Diagnostics.run { emit(try render(value(try database.openForReading()))) }
    }
}
