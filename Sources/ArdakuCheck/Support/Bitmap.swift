/// A set of integers in `0..<count` stored as bits, allocated in chunks on first use.
///
/// The checker keeps everything it learns about pages and subpages in bitmaps like this
/// one, so its memory grows with the size of the volume (one bit per page or subpage, and
/// only for the ranges actually touched), never with the number of files. A chunk covers
/// 2^16 bits (8 KiB) and is allocated the first time a bit in it is set.
///
/// Reads may run concurrently with each other (the data pass does); writes may not.
public final class Bitmap {
    public private(set) var count: Int
    static let chunkBits = 1 << 16
    static let wordsPerChunk = chunkBits / 64
    private var chunks: [UnsafeMutablePointer<UInt64>?]

    /// An empty set of integers below `count`.
    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        chunks = Array(repeating: nil, count: (count + Self.chunkBits - 1) / Self.chunkBits)
    }

    deinit {
        for chunk in chunks { chunk?.deallocate() }
    }

    /// Empties the set and makes it a set of integers below `count`. For bitmaps held in
    /// `let` properties: the optimizer reads those without retaining them, which it cannot
    /// do for a `var` that a call might replace (a retain and a release per access, ~10%
    /// of a metadata check's user time).
    public func reset(count: Int) {
        precondition(count >= 0)
        for chunk in chunks { chunk?.deallocate() }
        self.count = count
        chunks = Array(repeating: nil, count: (count + Self.chunkBits - 1) / Self.chunkBits)
    }

    @inline(__always)
    private func chunk(forWriting index: Int) -> UnsafeMutablePointer<UInt64> {
        let c = index >> 16
        if let existing = chunks[c] { return existing }
        let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.wordsPerChunk)
        fresh.initialize(repeating: 0, count: Self.wordsPerChunk)
        chunks[c] = fresh
        return fresh
    }

    /// Bytes of memory held (allocated chunks only).
    public var allocatedBytes: Int { chunks.reduce(0) { $0 + ($1 == nil ? 0 : Self.wordsPerChunk * 8) } }

    /// Whether `index` is in the set; false for any index outside `0..<count`.
    @inline(__always)
    public func contains(_ index: Int) -> Bool {
        guard index >= 0, index < count, let chunk = chunks[index >> 16] else { return false }
        return chunk[(index & 0xFFFF) >> 6] & (1 << UInt64(index & 63)) != 0
    }

    @inline(__always)
    public func insert(_ index: Int) {
        precondition(index >= 0 && index < count, "bitmap index out of range")
        chunk(forWriting: index)[(index & 0xFFFF) >> 6] |= 1 << UInt64(index & 63)
    }

    /// Inserts `index`; returns false when it was already there.
    @inline(__always)
    @discardableResult
    public func testAndInsert(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "bitmap index out of range")
        let chunk = chunk(forWriting: index)
        let word = (index & 0xFFFF) >> 6, mask: UInt64 = 1 << UInt64(index & 63)
        if chunk[word] & mask != 0 { return false }
        chunk[word] |= mask
        return true
    }

    @inline(__always)
    public func remove(_ index: Int) {
        guard index >= 0, index < count, let chunk = chunks[index >> 16] else { return }
        chunk[(index & 0xFFFF) >> 6] &= ~(1 << UInt64(index & 63))
    }

    /// Inserts every index of `range` (clamped to the bitmap).
    public func insert(_ range: Range<Int>) {
        for index in max(0, range.lowerBound)..<min(count, max(range.upperBound, 0)) { insert(index) }
    }

    /// The 64 bits starting at word `word` (bits `64*word ..< 64*word+64`); 0 when unallocated.
    @inline(__always)
    public func word(_ word: Int) -> UInt64 {
        let c = word >> 10
        guard c < chunks.count, let chunk = chunks[c] else { return 0 }
        return chunk[word & 1023]
    }

    public var wordCount: Int { (count + 63) / 64 }

    /// Number of members.
    public var cardinality: Int {
        var total = 0
        for chunk in chunks {
            guard let chunk else { continue }
            for w in 0..<Self.wordsPerChunk { total += chunk[w].nonzeroBitCount }
        }
        return total
    }

    public var isEmpty: Bool { nextMember(from: 0) == nil }

    /// The smallest member at or after `start`, or nil.
    /// - Complexity: O(count / 64) in the worst case; skips unallocated chunks at once.
    public func nextMember(from start: Int) -> Int? {
        var index = max(0, start)
        while index < count {
            let c = index >> 16
            guard let chunk = chunks[c] else { index = (c + 1) << 16; continue }
            var w = (index & 0xFFFF) >> 6
            var bits = chunk[w] & (~UInt64(0) << UInt64(index & 63))
            while true {
                if bits != 0 {
                    let found = (c << 16) + (w << 6) + bits.trailingZeroBitCount
                    return found < count ? found : nil
                }
                w += 1
                if w == Self.wordsPerChunk { break }
                bits = chunk[w]
            }
            index = (c + 1) << 16
        }
        return nil
    }

    /// Calls `body` with every member in ascending order; `body` returns false to stop.
    public func forEach(_ body: (Int) throws -> Bool) rethrows {
        var next = nextMember(from: 0)
        while let index = next {
            guard try body(index) else { return }
            next = nextMember(from: index + 1)
        }
    }

    /// Every member, ascending (for tests and small sets).
    public var members: [Int] {
        var result: [Int] = []
        forEach { result.append($0); return true }
        return result
    }

    /// True when the two sets (same count) share a member.
    public func intersects(_ other: Bitmap) -> Bool {
        precondition(other.count == count)
        for (c, mine) in chunks.enumerated() {
            guard let mine, let theirs = other.chunks[c] else { continue }
            for w in 0..<Self.wordsPerChunk where mine[w] & theirs[w] != 0 { return true }
        }
        return false
    }

    /// Adds every member of `other` (same count).
    public func formUnion(_ other: Bitmap) {
        precondition(other.count == count)
        for (c, source) in other.chunks.enumerated() {
            guard let source else { continue }
            let target = chunk(forWriting: c << 16)
            for w in 0..<Self.wordsPerChunk { target[w] |= source[w] }
        }
    }

    /// A copy.
    public func copy() -> Bitmap {
        let result = Bitmap(count: count)
        result.formUnion(self)
        return result
    }
}

/// Maximal runs of consecutive integers, for messages such as "pages 40-45".
public enum Runs {
    /// Groups sorted, distinct `values` into closed ranges.
    public static func ranges<S: Sequence>(_ values: S) -> [ClosedRange<Int>] where S.Element == Int {
        var result: [ClosedRange<Int>] = []
        for value in values {
            if let last = result.last, last.upperBound + 1 == value {
                result[result.count - 1] = last.lowerBound...value
            } else {
                result.append(value...value)
            }
        }
        return result
    }

    /// "12", "12-15": how a range of pages is shown.
    public static func describe(_ range: ClosedRange<Int>) -> String {
        range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }
}

/// Hands values that are not `Sendable` (raw pointers into a mapped image) to the data pass's
/// worker threads. The workers only read through them, and the owner outlives the workers.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
