/// Content-defined chunking of large contents (docs/FORMAT.md §C2.7).
///
/// A gear rolling hash (`h = h << 1 + gear[byte]`, 64 bits, so each value depends on the
/// last 64 bytes only) with normalized cut conditions, as in FastCDC (Xia et al., 2016):
///
/// * no cut is considered in the first `minChunkBytes` of a chunk;
/// * up to `averageChunkBytes` a cut needs the top 18 bits of `h` to be zero (harder);
/// * after that the top 14 bits (easier), which pulls sizes towards the average;
/// * a cut is forced at `maxChunkBytes`.
///
/// The hash restarts at every chunk start. Because a cut depends only on the 64 bytes
/// before it, an insertion or deletion moves the cuts near it and the later cuts fall on
/// the same content as before, so later chunks keep their ids and deduplicate.
///
/// The gear table is 256 values of SplitMix64 seeded with `gearSeed`; it is part of the
/// format's definition only in that another writer using other parameters produces other
/// (still valid) chunk lists that deduplicate less against ours.
public enum Chunker {
    public static let gearSeed: UInt64 = 0x4172_6461_6B75_4341 // "ArdakuCA"
    static let hardMask: UInt64 = ~0 << (64 - 18)
    static let easyMask: UInt64 = ~0 << (64 - 14)

    /// The 256 gear values.
    public static let gear: [UInt64] = {
        var state = gearSeed
        return (0..<256).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }()

    /// End offsets of the chunks of `bytes`, in order; the last is `bytes.count`. Empty
    /// input has no chunks.
    ///
    /// - Complexity: O(n), one table lookup, shift and add per byte past each chunk's minimum.
    public static func cutPoints(_ bytes: UnsafeRawBufferPointer) -> [Int] {
        var cuts: [Int] = []
        cuts.reserveCapacity(bytes.count / CASLimits.averageChunkBytes + 1)
        var start = 0
        gear.withUnsafeBufferPointer { table in
            while start < bytes.count {
                let end = nextCut(bytes, from: start, table: table)
                cuts.append(end)
                start = end
            }
        }
        return cuts
    }

    public static func cutPoints(_ bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBytes { cutPoints($0) }
    }

    @inline(__always)
    private static func nextCut(_ bytes: UnsafeRawBufferPointer, from start: Int, table: UnsafeBufferPointer<UInt64>) -> Int {
        let remaining = bytes.count - start
        if remaining <= CASLimits.minChunkBytes { return bytes.count }
        let limit = start + min(remaining, CASLimits.maxChunkBytes)
        let normal = start + min(remaining, CASLimits.averageChunkBytes)
        var hash: UInt64 = 0
        var i = start + CASLimits.minChunkBytes
        while i < normal {
            hash = (hash << 1) &+ table[Int(bytes[i])]
            i += 1
            if hash & hardMask == 0 { return i }
        }
        while i < limit {
            hash = (hash << 1) &+ table[Int(bytes[i])]
            i += 1
            if hash & easyMask == 0 { return i }
        }
        return limit
    }
}
