/// Which parts of a buffer deflate cannot shrink.
///
/// A region of `regionBytes` is *random* when two cheap tests agree:
///
/// * its byte histogram is as flat as random bytes': the sum of the squared counts `s` of an
///   n-byte region is about n + n²/256 for uniformly random bytes and far larger for text,
///   numbers, records or anything with structure. The test is `256·s ≤ 256·n + (1 + slack)·n²`
///   with `slack` = 0.19, i.e. a Rényi entropy above ~7.7 bits per byte: Huffman coding
///   could save at most ~4% of such a region;
/// * its first `pairSample` byte pairs are nearly all different (random bytes repeat a pair
///   among 1024 about 8 times), so a flat histogram made of repetition (a ramp 0, 1, …, 255,
///   a short pattern repeated), which deflate shrinks to almost nothing, is not taken for
///   random.
///
/// Measured on the benchmark tree, deflate saves nothing on the regions this selects.
/// (Repeats of random bytes further apart than a region would be missed; chunk
/// deduplication catches repeats at a larger scale.)
public enum Incompressibility {
    public static let regionBytes = 4096
    /// slack · 2^10, see above.
    static let slackTimes1024: UInt64 = 195
    static let pairSample = 1024
    /// Distinct pairs among `pairSample` that random bytes reach (expected ~1016).
    static let minimumDistinctPairs = 960

    public struct Run: Equatable, Sendable {
        public var range: Range<Int>
        public var isRandom: Bool

        public init(range: Range<Int>, isRandom: Bool) {
            self.range = range
            self.isRandom = isRandom
        }
    }

    /// Consecutive regions of `bytes` merged into runs of one class, in order, covering
    /// every byte. A buffer shorter than two regions is one compressible run; the last
    /// region absorbs a short tail.
    public static func runs(_ bytes: UnsafeRawBufferPointer) -> [Run] {
        let count = bytes.count
        guard count >= 2 * regionBytes else { return [Run(range: 0..<count, isRandom: false)] }
        var runs: [Run] = []
        var start = 0
        // Four interleaved histograms, then a 64 Ki-bit set of byte pairs.
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 1024) { counts in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 1024) { pairs in
                while start < count {
                    let end = count - start < 2 * regionBytes ? count : start + regionBytes
                    let region = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                    let random = hasFlatHistogram(region, counts: counts) && hasFewRepeatedPairs(region, seen: pairs)
                    if let last = runs.last, last.isRandom == random {
                        runs[runs.count - 1].range = last.range.lowerBound..<end
                    } else {
                        runs.append(Run(range: start..<end, isRandom: random))
                    }
                    start = end
                }
            }
        }
        return runs
    }

    /// The histogram test above. `counts` is scratch space for four interleaved histograms
    /// (four independent counters avoid stalls on repeated bytes).
    static func hasFlatHistogram(_ region: UnsafeRawBufferPointer, counts: UnsafeMutableBufferPointer<UInt32>) -> Bool {
        let base = counts.baseAddress!
        base.initialize(repeating: 0, count: 1024)
        let n = region.count
        let p = region.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var i = 0
        while i + 4 <= n {
            base[Int(p[i])] &+= 1
            base[256 + Int(p[i + 1])] &+= 1
            base[512 + Int(p[i + 2])] &+= 1
            base[768 + Int(p[i + 3])] &+= 1
            i += 4
        }
        while i < n {
            base[Int(p[i])] &+= 1
            i += 1
        }
        var squares: UInt64 = 0
        for b in 0..<256 {
            let c = UInt64(base[b] &+ base[256 + b] &+ base[512 + b] &+ base[768 + b])
            squares &+= c &* c
        }
        let n64 = UInt64(n)
        return squares * 256 <= 256 * n64 + n64 * n64 + (slackTimes1024 * n64 * n64) / 1024
    }

    /// The pair test above; `seen` is scratch space for 65536 bits.
    static func hasFewRepeatedPairs(_ region: UnsafeRawBufferPointer, seen: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        let bits = seen.baseAddress!
        bits.initialize(repeating: 0, count: 1024)
        let p = region.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var distinct = 0
        for i in 0..<min(pairSample, region.count - 1) {
            let pair = Int(p[i]) << 8 | Int(p[i + 1])
            let mask: UInt64 = 1 << UInt64(pair & 63)
            if bits[pair >> 6] & mask == 0 {
                bits[pair >> 6] |= mask
                distinct += 1
            }
        }
        return distinct >= minimumDistinctPairs
    }
}
