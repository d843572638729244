import Foundation
import UsageKit

/// How `usage serve` listens, whom it answers and how much it takes: safe by default (loopback only, limits on
/// every request), and a token required before it listens anywhere else.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port; 0 asks the system for a free one (the address is printed once listening).
    public var port: Int
    /// Bearer tokens a request must carry (all but `/healthz`); empty: none asked for.
    public var tokens: [String]
    /// Largest body taken, compressed or not (OTLP recommends 20 MiB).
    public var maxBodyBytes: Int
    /// Time a request may take to arrive whole, and a connection may stay idle.
    public var requestTimeout: Duration
    public var idleTimeout: Duration
    /// Items (log records, spans, data points) waiting to be stored past which senders are told to retry later.
    public var maxQueuedItems: Int
    /// Budgets `/metrics` reports on; nil for none.
    public var budgets: BudgetConfig?
    /// Time zone of the budgets' periods and of report days.
    public var zone: TimeZoneRule
    /// Most label sets `/metrics` gives the totals (the rest are summed as `other`).
    public var labelCap: Int

    public init(
        host: String = "127.0.0.1", port: Int = 4318, tokens: [String] = [], maxBodyBytes: Int = 20 << 20,
        requestTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60), maxQueuedItems: Int = 200_000,
        budgets: BudgetConfig? = nil, zone: TimeZoneRule = .utc, labelCap: Int = 200
    ) {
        self.host = host
        self.port = port
        self.tokens = tokens
        self.maxBodyBytes = maxBodyBytes
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.maxQueuedItems = maxQueuedItems
        self.budgets = budgets
        self.zone = zone
        self.labelCap = labelCap
    }

    /// `host:port` (`[v6]:port` for IPv6) as `--listen` takes it.
    public static func parseListen(_ text: String) throws -> (host: String, port: Int) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw UsageError.invalidArgument("--listen \(text): write an IPv6 address as [address]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw UsageError.invalidArgument("--listen \(text): expected host:port, e.g. 127.0.0.1:4318")
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else {
            throw UsageError.invalidArgument("--listen \(text): expected host:port with a port from 0 to 65535")
        }
        return (String(host), number)
    }

    /// Whether `host` names this machine only: a listener there is out of the network's reach.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The tokens of a token file: one per line, blank lines and `#` comments aside.
    public static func readTokens(path: String) throws -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UsageError.unreadable(path: path, reason: "cannot read the token file: \(error.localizedDescription)")
        }
        let tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !tokens.isEmpty else { throw UsageError.invalidArgument("\(path): the token file holds no token") }
        guard tokens.allSatisfy({ $0.count >= 16 }) else {
            throw UsageError.invalidArgument("\(path): every token must be at least 16 characters long")
        }
        return tokens
    }

    /// Whether an `Authorization` header carries one of the tokens. Each comparison reads every byte, so the time
    /// taken tells nothing of how much of a guess was right.
    func authorizes(_ header: String?) -> Bool {
        guard !tokens.isEmpty else { return true }
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let given = Array(header.dropFirst(7).utf8)
        var matched = false
        for token in tokens {
            let expected = Array(token.utf8)
            var difference = UInt8(given.count == expected.count ? 0 : 1)
            for i in 0..<max(given.count, expected.count) {
                let a = i < given.count ? given[i] : 0
                let b = i < expected.count ? expected[i] : 0
                difference |= a ^ b
            }
            matched = matched || difference == 0
        }
        return matched
    }
}
