/// Every failure the library reports, each with a message that says what to do.
public enum UsageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case database(path: String, reason: String)
    case priceTable(String)
    case invalidArgument(String)
    /// A value asked for in a format that has no form of it; `formats` are those that have one.
    case formatUnavailable(OutputFormat, output: String, formats: [OutputFormat])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .database(let path, let reason):
            return "\(path): database error: \(reason). Check the path and permissions, or pass another --db."
        case .priceTable(let reason):
            return "price table: \(reason)"
        case .invalidArgument(let reason):
            return reason
        case .formatUnavailable(let format, let output, let formats):
            return "\(format.rawValue) has no form of \(output): choose \(OutputFormat.names(formats))"
        }
    }
}
