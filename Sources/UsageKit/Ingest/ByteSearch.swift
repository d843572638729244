import Foundation

/// Whether `needle` occurs in `bytes`: memchr finds candidates for its first byte, memcmp checks them.
func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    let n = needle.utf8CodeUnitCount
    let first = Int32(needle.utf8Start[0])
    var i = 0
    while i + n <= bytes.count {
        guard let hit = memchr(base + i, first, bytes.count - n - i + 1) else { return false }
        let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        if memcmp(base + at, needle.utf8Start, n) == 0 { return true }
        i = at + 1
    }
    return false
}
