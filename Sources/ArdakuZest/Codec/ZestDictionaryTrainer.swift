import ArdakuCodec

/// Builds a zlib preset dictionary from sample files.
///
/// Small files compress badly alone because DEFLATE starts each one with an empty window.
/// A preset dictionary fills the window with strings common to many files, so a file
/// can refer back to them from its first byte.
///
/// Method (after the "cover" idea of Liao, Petri, Moffat and Wirth, "Effective
/// Construction of Relative Lempel-Ziv Dictionaries", 2016, as used by zstd's trainer):
/// every 8-byte string ("d-mer") gets a score, the number of distinct samples containing
/// it (strings found in one sample only are worth nothing to the others). The samples are
/// cut into as many epochs as the dictionary has segments; in each epoch the k-byte
/// segment with the highest sum of distinct d-mer scores is chosen, and its d-mers' scores
/// drop to zero so later segments bring something new. The segments are laid out with
/// the best last, where DEFLATE reaches them with the shortest distances. Several segment
/// lengths are tried and the one that compresses held-out samples best is kept.
public enum ZestDictionaryTrainer {
    /// Length of the strings counted.
    static let dmerLength = 8
    /// log2 of the score table size; collisions only blur scores a little.
    static let tableBits = 20

    /// A dictionary of at most `size` bytes (empty when the samples are too few or small).
    ///
    /// - Parameters:
    ///   - samples: file contents; the more typical of the files to come, the better.
    ///   - size: at most `ZestLimits.maxDictionaryBytes`.
    ///   - segmentLengths: the segment lengths to try.
    public static func train(samples: [[UInt8]], size: Int = ZestLimits.maxDictionaryBytes,
                             segmentLengths: [Int] = [64, 128, 256]) -> [UInt8] {
        let size = min(size, ZestLimits.maxDictionaryBytes)
        let usable = samples.filter { $0.count >= dmerLength }
        guard usable.count >= 2, size >= 64 else { return [] }
        // Every eighth sample (up to 64 of them) is held out to judge the candidates.
        var training: [[UInt8]] = []
        var heldOut: [[UInt8]] = []
        for (index, sample) in usable.enumerated() {
            if index % 8 == 7 && heldOut.count < 64 { heldOut.append(sample) } else { training.append(sample) }
        }
        if heldOut.isEmpty { heldOut = Array(usable.prefix(1)) }
        var best: [UInt8] = []
        var bestCost = Int.max
        for length in segmentLengths {
            let candidate = cover(samples: training, size: size, segmentLength: max(length, dmerLength))
            guard !candidate.isEmpty else { continue }
            let cost = compressedSize(heldOut, dictionary: candidate)
            if cost < bestCost {
                bestCost = cost
                best = candidate
            }
        }
        return best
    }

    /// Total DEFLATE size of `samples` compressed alone with `dictionary`.
    static func compressedSize(_ samples: [[UInt8]], dictionary: [UInt8]) -> Int {
        guard let deflater = try? DeflateStream.zest(level: 6) else { return Int.max }
        var total = 0
        for sample in samples {
            let compressed = sample.withUnsafeBytes { try? deflater.zestCompress($0, dictionary: dictionary) }
            total += (compressed ?? nil)?.count ?? sample.count
        }
        return total
    }

    @inline(__always)
    static func dmerHash(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> Int {
        var value: UInt64 = 0
        for offset in 0..<dmerLength { value = value << 8 | UInt64(bytes[position + offset]) }
        // Fibonacci hashing: the top bits of the product are well mixed.
        return Int(truncatingIfNeeded: (value &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - tableBits))
    }

    /// One dictionary built with `segmentLength`-byte segments.
    static func cover(samples: [[UInt8]], size: Int, segmentLength: Int) -> [UInt8] {
        var data: [UInt8] = []
        var sampleEnds: [Int] = []
        for sample in samples {
            data.append(contentsOf: sample)
            sampleEnds.append(data.count)
        }
        let tableSize = 1 << tableBits
        var scores = [UInt32](repeating: 0, count: tableSize)
        var lastSample = [Int32](repeating: -1, count: tableSize)
        // hashes[i] is the d-mer hash at i, or -1 where no d-mer of one sample starts.
        var hashes = [Int32](repeating: -1, count: data.count)
        data.withUnsafeBufferPointer { bytes in
            var start = 0
            for (sampleIndex, end) in sampleEnds.enumerated() {
                if end - start >= dmerLength {
                    for position in start...(end - dmerLength) {
                        let hash = dmerHash(bytes, position)
                        hashes[position] = Int32(hash)
                        if lastSample[hash] != Int32(sampleIndex) {
                            lastSample[hash] = Int32(sampleIndex)
                            scores[hash] += 1
                        }
                    }
                }
                start = end
            }
        }
        // A string only one sample has helps no other file.
        for index in scores.indices where scores[index] < 2 { scores[index] = 0 }

        let epochCount = max(1, min(size / segmentLength, data.count / segmentLength))
        let epochLength = data.count / epochCount
        guard epochLength >= segmentLength else { return [] }
        var chosen: [(score: UInt64, start: Int)] = []
        var inWindow = [UInt16](repeating: 0, count: tableSize)
        for epoch in 0..<epochCount {
            let begin = epoch * epochLength
            let end = epoch == epochCount - 1 ? data.count : begin + epochLength
            // Slide a window of segmentLength d-mer starts, counting each d-mer once.
            var windowScore: UInt64 = 0
            var bestScore: UInt64 = 0
            var bestStart = -1
            var position = begin
            while position < end {
                let hash = hashes[position]
                if hash >= 0 {
                    if inWindow[Int(hash)] == 0 { windowScore += UInt64(scores[Int(hash)]) }
                    inWindow[Int(hash)] &+= 1
                }
                let leaving = position - segmentLength
                if leaving >= begin {
                    let old = hashes[leaving]
                    if old >= 0 {
                        inWindow[Int(old)] &-= 1
                        if inWindow[Int(old)] == 0 { windowScore -= UInt64(scores[Int(old)]) }
                    }
                }
                if position - begin + 1 >= segmentLength && windowScore > bestScore {
                    bestScore = windowScore
                    bestStart = position - segmentLength + 1
                }
                position += 1
            }
            // Clear the window counts for the next epoch.
            for index in max(begin, end - segmentLength)..<end where hashes[index] >= 0 { inWindow[Int(hashes[index])] = 0 }
            guard bestStart >= 0, bestScore > 0 else { continue }
            for index in bestStart..<(bestStart + segmentLength) where hashes[index] >= 0 { scores[Int(hashes[index])] = 0 }
            chosen.append((bestScore, bestStart))
        }
        // Best segments last: closest to the data, cheapest to reach.
        chosen.sort { $0.score < $1.score }
        var dictionary: [UInt8] = []
        for segment in chosen.reversed() {
            guard dictionary.count + segmentLength <= size else { break }
            dictionary.insert(contentsOf: data[segment.start..<(segment.start + segmentLength)], at: 0)
        }
        return dictionary
    }
}
