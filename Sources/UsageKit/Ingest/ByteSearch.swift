import Foundation

/// Whether `needle` occurs in `bytes`: memchr finds candidates for the needle's rarest byte, memcmp checks them.
///
/// The needles are quoted keys and values (`"usage"`): anchoring on their first byte, a quote, would stop every few
/// bytes of JSON; a letter such as the `g` of `"usage"` stops a tenth as often.
func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    let n = needle.utf8CodeUnitCount
    guard n > 0, bytes.count >= n else { return n == 0 }
    let pattern = needle.utf8Start
    var anchor = 0
    for i in 1..<n where commonness(pattern[i]) < commonness(pattern[anchor]) { anchor = i }
    let byte = Int32(pattern[anchor])
    // Candidates for the anchor lie from `anchor` to `count - n + anchor`.
    var i = anchor
    let last = bytes.count - n + anchor
    while i <= last {
        guard let hit = memchr(base + i, byte, last - i + 1) else { return false }
        let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        if memcmp(base + at - anchor, pattern, n) == 0 { return true }
        i = at + 1
    }
    return false
}

/// How often a byte shows in JSON text, roughly: quotes and punctuation most, then letters as often as in English.
private func commonness(_ byte: UInt8) -> Int {
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: " "): return 100
    case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "i"): return 80
    case UInt8(ascii: "n"), UInt8(ascii: "s"), UInt8(ascii: "h"), UInt8(ascii: "r"): return 70
    case UInt8(ascii: "d"), UInt8(ascii: "l"), UInt8(ascii: "c"), UInt8(ascii: "u"), UInt8(ascii: "m"): return 55
    case UInt8(ascii: "w"), UInt8(ascii: "f"), UInt8(ascii: "g"), UInt8(ascii: "y"), UInt8(ascii: "p"): return 40
    case UInt8(ascii: "b"), UInt8(ascii: "v"), UInt8(ascii: "k"): return 25
    case UInt8(ascii: "j"), UInt8(ascii: "x"), UInt8(ascii: "q"), UInt8(ascii: "z"): return 10
    default: return 50
    }
}
