/// FNV-1a, 64 bits: stable across runs and platforms, unlike Swift's seeded `Hasher`. It keys stored requests
/// (`key_hash`) and fingerprints the heads of files read (`head_hash`).
enum FNV1a {
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: h)
    }
}
