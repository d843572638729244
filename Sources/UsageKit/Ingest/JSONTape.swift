import Foundation

/// A JSON syntax error at a byte offset of the parsed text.
struct JSONSyntaxError: Error, Equatable {
    var offset: Int
    var message: String

    static let trailingData = "unexpected data after the JSON value"
}

/// A flat, allocation-light parse of one JSON text.
///
/// Log lines are mostly content the tool never looks at (message text, tool results), so instead of building a
/// tree of Swift values the parser records one node per value on a reusable tape: kind, byte range and the index
/// just past the node's subtree. Strings and numbers are decoded only when a parser asks for them.
/// The tape is only valid while the bytes it was parsed from are alive; parsers use it inside one closure.
final class JSONTape {
    enum Kind: UInt8 {
        case object, array, string, number, bool, null
    }

    struct Node {
        var kind: Kind
        /// For strings: whether the raw bytes contain a backslash escape. For objects: whether a key may be given
        /// twice (then a lookup must scan to the last one).
        var flag: Bool
        /// Byte range of the value: string contents without quotes, containers including brackets.
        var start: Int32
        var end: Int32
        /// Index of the first node after this node's subtree.
        var next: Int32
    }

    /// What a parse leaves: its nodes, and the text they point into.
    private struct Storage {
        var nodes: [Node] = []
        var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    }

    /// The storage sits behind a pointer the tape owns, not in stored properties: each read of a class's stored
    /// property is an access checked at run time, and the readers below run dozens of times per record. A tape
    /// is used by one thread at a time (it is not `Sendable`), which is what those checks would guard.
    private let storage: UnsafeMutablePointer<Storage>

    /// The text of the last parse.
    var bytes: UnsafeBufferPointer<UInt8> { storage.pointee.bytes }

    @inline(__always) private func nodeAt(_ index: Int) -> Node { storage.pointee.nodes[index] }

    init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage())
        storage.pointee.nodes.reserveCapacity(256)
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// Parses one complete JSON text; trailing whitespace is allowed, anything else after the value is an error.
    func parse(_ text: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        storage.pointee.bytes = text
        // The parser works on a local struct: no dynamic exclusivity checks on the hot path.
        var parser = JSONParser(bytes: text, nodes: [])
        swap(&parser.nodes, &storage.pointee.nodes)
        parser.nodes.removeAll(keepingCapacity: true)
        defer { swap(&parser.nodes, &storage.pointee.nodes) }
        try parser.parseDocument()
    }

    /// Parses the first JSON value of `text`. Returns nil when nothing but whitespace follows it, else the offset
    /// where what follows begins (another value, written back to back). The tape then holds the first value.
    func parseFirst(_ text: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> Int? {
        storage.pointee.bytes = text
        var parser = JSONParser(bytes: text, nodes: [])
        swap(&parser.nodes, &storage.pointee.nodes)
        parser.nodes.removeAll(keepingCapacity: true)
        defer { swap(&parser.nodes, &storage.pointee.nodes) }
        return try parser.parseFirstValue()
    }

    // MARK: Reading the tape

    /// The root value's node index.
    var root: Int { 0 }

    func kind(_ index: Int) -> Kind { nodeAt(index).kind }

    /// The value of `key` in the object at `index`, or nil when absent or when `index` is not an object.
    ///
    /// A key given twice in one object takes its last value, as Python's `json` and jq read it. The parser marks the
    /// objects where that can happen, so only those are scanned to the end.
    func member(_ index: Int, _ key: StaticString) -> Int? {
        let node = nodeAt(index)
        guard node.kind == .object else { return nil }
        let bytes = self.bytes
        let keyLength = key.utf8CodeUnitCount
        var i = index + 1
        let end = Int(node.next)
        var found: Int?
        while i < end {
            let keyNode = nodeAt(i)
            let valueIndex = i + 1
            if keyNode.flag {
                if decodedString(i) == key.description { found = valueIndex }
            } else if Int(keyNode.end - keyNode.start) == keyLength
                && memcmp(bytes.baseAddress! + Int(keyNode.start), key.utf8Start, keyLength) == 0
            {
                found = valueIndex
            }
            if found != nil && !node.flag { return found }
            i = Int(nodeAt(valueIndex).next)
        }
        return found
    }

    /// Follows a path of object keys from `index`.
    func path(_ index: Int, _ keys: StaticString...) -> Int? {
        var current = index
        for key in keys {
            guard let next = member(current, key) else { return nil }
            current = next
        }
        return current
    }

    /// The element indices of the array at `index`.
    func elements(_ index: Int) -> [Int] {
        let node = nodeAt(index)
        guard node.kind == .array else { return [] }
        var result: [Int] = []
        var i = index + 1
        while i < Int(node.next) {
            result.append(i)
            i = Int(nodeAt(i).next)
        }
        return result
    }

    /// The key/value index pairs of the object at `index`, in order; a key given twice keeps its last value, at
    /// the place of its last occurrence.
    func members(_ index: Int) -> [(key: String, value: Int)] {
        let node = nodeAt(index)
        guard node.kind == .object else { return [] }
        var result: [(key: String, value: Int)] = []
        var i = index + 1
        while i < Int(node.next) {
            result.append((decodedString(i), i + 1))
            i = Int(nodeAt(i + 1).next)
        }
        guard Set(result.map(\.key)).count < result.count else { return result }
        var seen = Set<String>()
        return result.reversed().filter { seen.insert($0.key).inserted }.reversed()
    }

    func isNull(_ index: Int) -> Bool { nodeAt(index).kind == .null }

    /// The string at `index`, or nil when the value is not a string.
    func string(_ index: Int) -> String? {
        guard nodeAt(index).kind == .string else { return nil }
        return decodedString(index)
    }

    func bool(_ index: Int) -> Bool? {
        let node = nodeAt(index)
        guard node.kind == .bool else { return nil }
        return bytes[Int(node.start)] == UInt8(ascii: "t")
    }

    /// The raw bytes of a number or string value, for callers that parse them further.
    func rawText(_ index: Int) -> String {
        let node = nodeAt(index)
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]), as: UTF8.self)
    }

    /// Result of reading a value as a whole number.
    enum IntegerResult {
        case value(Int64)
        case notInteger
    }

    /// Reads a number whose value is exactly a whole number (`12`, `12.0`, `1.2e3`, `-0`) from its digits, never
    /// through a double: `0.99999999999999999999`, `12.000000000000000001` and `1e-400` are `.notInteger`, as are
    /// whole numbers beyond Int64.
    func integer(_ index: Int) -> IntegerResult {
        let node = nodeAt(index)
        guard node.kind == .number else { return .notInteger }
        let bytes = self.bytes
        var i = Int(node.start)
        let end = Int(node.end)
        var negative = false
        if bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var value: Int64 = 0
        while i < end, bytes[i] >= 48, bytes[i] <= 57 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
            if o1 || o2 { return .notInteger }
            value = s
            i += 1
        }
        if i < end { return Self.exactInteger(UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<end])) }
        return .value(negative ? -value : value)
    }

    /// A number with a fraction or an exponent, read exactly: its digits `d` and decimal exponent `e` (value
    /// d × 10^e) are whole when, once trailing zeros move into `e`, `e` is not negative.
    static func exactInteger(_ text: UnsafeBufferPointer<UInt8>) -> IntegerResult {
        var i = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var digits: [UInt8] = []
        var exponent = 0
        while i < text.count, text[i] >= 48, text[i] <= 57 {
            digits.append(text[i] - 48)
            i += 1
        }
        if i < text.count, text[i] == UInt8(ascii: ".") {
            i += 1
            while i < text.count, text[i] >= 48, text[i] <= 57 {
                digits.append(text[i] - 48)
                exponent -= 1
                i += 1
            }
        }
        if i < text.count, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            i += 1
            var sign = 1
            if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                if text[i] == UInt8(ascii: "-") { sign = -1 }
                i += 1
            }
            var stated = 0
            while i < text.count, text[i] >= 48, text[i] <= 57 {
                // Past a few thousand, only zero (or nothing whole) can come of it; stop growing.
                if stated < 100_000 { stated = stated * 10 + Int(text[i] - 48) }
                i += 1
            }
            exponent += sign * stated
        }
        guard let firstNonZero = digits.firstIndex(where: { $0 != 0 }) else { return .value(0) }
        var last = digits.count - 1
        while digits[last] == 0 {
            last -= 1
            exponent += 1
        }
        guard exponent >= 0, last - firstNonZero + 1 + exponent <= 19 else { return .notInteger }
        var value: Int64 = 0
        for d in digits[firstNonZero...last] {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return .notInteger }
            value = s
        }
        for _ in 0..<exponent {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            if o { return .notInteger }
            value = m
        }
        return .value(negative ? -value : value)
    }

    func double(_ index: Int) -> Double? {
        guard nodeAt(index).kind == .number else { return nil }
        return Double(rawText(index))
    }

    /// The byte offset where the value at `index` starts (for line numbers inside multi-line documents).
    func offset(_ index: Int) -> Int {
        let node = nodeAt(index)
        return node.kind == .string ? Int(node.start) - 1 : Int(node.start)
    }

    private func decodedString(_ index: Int) -> String {
        let node = nodeAt(index)
        let raw = UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
        if !node.flag { return String(decoding: raw, as: UTF8.self) }
        return JSONTape.unescape(raw)
    }

    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var v: UInt32 = 0
            for j in at..<at + 4 {
                let c = raw[j]
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 65...70: d = c - 55
                case 97...102: d = c - 87
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while i < raw.count {
            let c = raw[i]
            guard c == UInt8(ascii: "\\"), i + 1 < raw.count else {
                out.append(c)
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "u"):
                guard var scalar = hex(i) else { break }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"),
                    raw[i + 1] == UInt8(ascii: "u"), let low = hex(i + 2), (0xDC00..<0xE000).contains(low)
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

}

/// The recursive-descent parser behind `JSONTape`, writing one node per value.
private struct JSONParser {
    typealias Node = JSONTape.Node
    typealias Kind = JSONTape.Kind
    let bytes: UnsafeBufferPointer<UInt8>
    var nodes: [Node]
    var position = 0
    static let maxDepth = 256

    init(bytes: UnsafeBufferPointer<UInt8>, nodes: [Node]) {
        self.bytes = bytes
        self.nodes = nodes
    }

    mutating func parseDocument() throws(JSONSyntaxError) {
        if try parseFirstValue() != nil {
            throw JSONSyntaxError(offset: position, message: JSONSyntaxError.trailingData)
        }
    }

    /// One value and the whitespace after it; the offset of whatever follows, nil at the end.
    mutating func parseFirstValue() throws(JSONSyntaxError) -> Int? {
        skipWhitespace()
        try parseValue(depth: 0)
        skipWhitespace()
        return position < bytes.count ? position : nil
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private func fail(_ message: String) -> JSONSyntaxError {
        if position >= bytes.count { return JSONSyntaxError(offset: position, message: "unexpected end of JSON") }
        return JSONSyntaxError(offset: position, message: message)
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) {
        guard position < bytes.count else { throw fail("expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try parseObject(depth: depth)
        case UInt8(ascii: "["): try parseArray(depth: depth)
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try parseLiteral("true", kind: .bool)
        case UInt8(ascii: "f"): try parseLiteral("false", kind: .bool)
        case UInt8(ascii: "n"): try parseLiteral("null", kind: .null)
        case UInt8(ascii: "-"), 48...57: try parseNumber()
        default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[position])))'")
        }
    }

    private mutating func parseLiteral(_ word: StaticString, kind: Kind) throws(JSONSyntaxError) {
        let length = word.utf8CodeUnitCount
        guard position + length <= bytes.count,
            memcmp(bytes.baseAddress! + position, word.utf8Start, length) == 0
        else { throw fail("invalid literal") }
        let start = position
        position += length
        nodes.append(
            Node(kind: kind, flag: false, start: Int32(start), end: Int32(position), next: Int32(nodes.count + 1)))
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func parseNumber() throws(JSONSyntaxError) {
        let start = position
        let count = bytes.count
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < count && bytes[at] >= 48 && bytes[at] <= 57 }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { throw fail("invalid number") }
        if bytes[position] == 48 {
            position += 1
            if isDigit(position) { throw fail("invalid number: leading zero") }
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { throw fail("invalid number: no digit after the decimal point") }
            while isDigit(position) { position += 1 }
        }
        if position < count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard isDigit(position) else { throw fail("invalid number: no digit in the exponent") }
            while isDigit(position) { position += 1 }
        }
        nodes.append(
            Node(kind: .number, flag: false, start: Int32(start), end: Int32(position), next: Int32(nodes.count + 1)))
    }

    private mutating func parseString() throws(JSONSyntaxError) {
        position += 1
        let start = position
        var escaped = false
        let count = bytes.count
        while position < count {
            let c = bytes[position]
            if c == UInt8(ascii: "\"") {
                nodes.append(
                    Node(
                        kind: .string, flag: escaped, start: Int32(start), end: Int32(position),
                        next: Int32(nodes.count + 1)))
                position += 1
                return
            }
            if c == UInt8(ascii: "\\") {
                // RFC 8259 allows only these escapes; Python's json rejects any other, and so does this parser.
                escaped = true
                guard position + 1 < count else { break }
                switch bytes[position + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 2
                case UInt8(ascii: "u"):
                    guard position + 6 <= count else {
                        position = count
                        throw fail("unterminated string")
                    }
                    for j in position + 2..<position + 6 where !Self.isHexDigit(bytes[j]) {
                        position = j
                        throw fail("invalid \\u escape in string")
                    }
                    position += 6
                default:
                    let shown =
                        bytes[position + 1] < 0x20 || bytes[position + 1] >= 0x7F
                        ? String(format: "0x%02X", bytes[position + 1]) : String(UnicodeScalar(bytes[position + 1]))
                    throw fail(
                        "invalid escape \\\(shown) in string (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                }
                continue
            }
            if c < 0x20 { throw fail("control character in string") }
            position += 1
        }
        position = count
        throw fail("unterminated string")
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) {
        let (index, empty) = try open(.array, depth: depth, closingWith: "]")
        if !empty {
            repeat {
                try parseValue(depth: depth + 1)
            } while try continues(closingWith: "]", in: "array")
        }
        close(index)
    }

    /// Starts the node of the array or object at `position` and steps past its opening bracket; `empty` when
    /// `close` follows at once, and then past it too.
    @inline(__always)
    private mutating func open(_ kind: Kind, depth: Int, closingWith close: Unicode.Scalar) throws(JSONSyntaxError)
        -> (index: Int, empty: Bool)
    {
        guard depth < Self.maxDepth else { throw fail("nesting too deep") }
        let index = nodes.count
        nodes.append(Node(kind: kind, flag: false, start: Int32(position), end: 0, next: 0))
        position += 1
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: close) else { return (index, false) }
        position += 1
        return (index, true)
    }

    /// Ends the node of the container at `index`, its closing bracket just read.
    @inline(__always)
    private mutating func close(_ index: Int) {
        nodes[index].end = Int32(position)
        nodes[index].next = Int32(nodes.count)
    }

    /// After a value of an array or an object: true past a `,` (another member follows), false past `close`; any
    /// other byte, or the end of the text, is an error naming the container.
    @inline(__always)
    private mutating func continues(closingWith close: Unicode.Scalar, in container: String) throws(JSONSyntaxError)
        -> Bool
    {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unterminated \(container)") }
        let c = bytes[position]
        position += 1
        if c == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        if c == UInt8(ascii: close) { return false }
        position -= 1
        throw fail("expected ',' or '\(close)' in \(container)")
    }

    /// Whether the key at node `key` repeats one before it in the object at `object`. Objects of more than 16 keys,
    /// or with escaped keys, are taken to repeat one: comparing stays cheap, and their lookups scan to the end.
    private func repeatsAKey(object: Int, key: Int, keys: inout Int) -> Bool {
        keys += 1
        let new = nodes[key]
        if keys > 16 || new.flag { return true }
        let length = Int(new.end - new.start)
        var i = object + 1
        while i < key {
            let old = nodes[i]
            if old.flag { return true }
            if Int(old.end - old.start) == length
                && memcmp(bytes.baseAddress! + Int(old.start), bytes.baseAddress! + Int(new.start), length) == 0
            {
                return true
            }
            i = Int(nodes[i + 1].next)
        }
        return false
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) {
        let (index, empty) = try open(.object, depth: depth, closingWith: "}")
        var mayRepeat = false
        var keys = 0
        defer { nodes[index].flag = mayRepeat }
        if !empty {
            repeat {
                guard position < bytes.count else { throw fail("unterminated object") }
                guard bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try parseString()
                if !mayRepeat { mayRepeat = repeatsAKey(object: index, key: nodes.count - 1, keys: &keys) }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw fail("expected ':' after key")
                }
                position += 1
                skipWhitespace()
                try parseValue(depth: depth + 1)
            } while try continues(closingWith: "}", in: "object")
        }
        close(index)
    }
}
