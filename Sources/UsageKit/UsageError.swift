/// Every failure the library reports, each with a message that says what to do.
public enum UsageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case database(path: String, reason: String)
    case priceTable(String)
    case invalidArgument(String)

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
        }
    }
}
