/// A run of consecutive segments.
public struct SegmentRun: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var start: UInt32
    public var count: UInt32
    public init(start: UInt32, count: UInt32) {
        self.start = start
        self.count = count
    }
    /// First segment past the run (as UInt64: a hostile run may end past 2^32).
    public var end: UInt64 { UInt64(start) + UInt64(count) }
    public func overlaps(_ other: SegmentRun) -> Bool {
        count > 0 && other.count > 0 && UInt64(start) < other.end && UInt64(other.start) < end
    }
    public static func < (a: SegmentRun, b: SegmentRun) -> Bool { (a.start, a.count) < (b.start, b.count) }
    public var description: String { "segments \(start)..<\(end)" }
}

/// Free space of a volume, recomputed from the entries whenever the volume is opened.
///
/// Free runs are every gap between the runs in use, from the first data segment up to
/// `end`; everything from `end` on is free too and grows the store when allocated. Nothing
/// of this is stored on disk, so it cannot disagree with the table.
struct SegmentAllocator {
    let firstDataSegment: UInt32
    /// Gaps, sorted by start, never adjacent to one another or to `end`.
    private(set) var freeRuns: [SegmentRun] = []
    /// First segment past every run in use.
    private(set) var end: UInt32

    /// Builds the free map around `used`, which must lie at or past `firstDataSegment` and
    /// must not overlap (the volume checks both before).
    init(firstDataSegment: UInt32, used: [SegmentRun]) {
        self.init(firstDataSegment: firstDataSegment, sortedUsed: used.sorted())
    }

    /// The same, for runs already sorted by start.
    init(firstDataSegment: UInt32, sortedUsed used: [SegmentRun]) {
        self.firstDataSegment = firstDataSegment
        var cursor = UInt64(firstDataSegment)
        for run in used where run.count > 0 {
            if UInt64(run.start) > cursor {
                freeRuns.append(SegmentRun(start: UInt32(cursor), count: UInt32(UInt64(run.start) - cursor)))
            }
            cursor = max(cursor, run.end)
        }
        end = UInt32(cursor)
    }

    var freeSegmentCount: UInt64 { freeRuns.reduce(0) { $0 + UInt64($1.count) } }

    /// The lowest run of `count` free segments, taken; nil when the index would overflow.
    mutating func allocate(_ count: UInt32) -> UInt32? {
        allocate(count, below: nil)
    }

    /// The lowest run of `count` free segments that starts before `limit` (any when nil).
    mutating func allocate(_ count: UInt32, below limit: UInt32?) -> UInt32? {
        precondition(count > 0)
        for (index, run) in freeRuns.enumerated() where run.count >= count {
            if let limit, run.start >= limit { return nil }
            if run.count == count { freeRuns.remove(at: index) } else {
                freeRuns[index] = SegmentRun(start: run.start + count, count: run.count - count)
            }
            return run.start
        }
        if let limit, end >= limit { return nil }
        guard UInt64(end) + UInt64(count) <= UInt64(UInt32.max) else { return nil }
        defer { end += count }
        return end
    }

    /// Takes the free segments `run`, which must lie inside one free run (compaction picks
    /// its places itself).
    mutating func take(_ run: SegmentRun) {
        guard run.count > 0, let index = freeRuns.firstIndex(where: { $0.start <= run.start && run.end <= $0.end }) else {
            preconditionFailure("\(run) is not free")
        }
        let free = freeRuns[index]
        var pieces: [SegmentRun] = []
        if free.start < run.start { pieces.append(SegmentRun(start: free.start, count: run.start - free.start)) }
        if run.end < free.end { pieces.append(SegmentRun(start: UInt32(run.end), count: UInt32(free.end - run.end))) }
        freeRuns.replaceSubrange(index...index, with: pieces)
    }

    /// True when every segment of `run` is free (inside one gap).
    func isFree(_ run: SegmentRun) -> Bool {
        freeRuns.contains { $0.start <= run.start && run.end <= $0.end }
    }

    /// `count` segments past the end of everything in use (never a gap); nil on overflow.
    mutating func allocateAtEnd(_ count: UInt32) -> UInt32? {
        guard UInt64(end) + UInt64(count) <= UInt64(UInt32.max) else { return nil }
        defer { end += count }
        return end
    }

    /// Gives `run` back. It must be in use (not free already).
    mutating func release(_ run: SegmentRun) {
        guard run.count > 0 else { return }
        // Binary search for the first free run past `run`.
        var low = 0, high = freeRuns.count
        while low < high {
            let middle = (low + high) / 2
            if freeRuns[middle].start < run.start { low = middle + 1 } else { high = middle }
        }
        var merged = run
        var insertAt = low
        if insertAt < freeRuns.count, UInt64(merged.start) + UInt64(merged.count) == UInt64(freeRuns[insertAt].start) {
            merged.count += freeRuns[insertAt].count
            freeRuns.remove(at: insertAt)
        }
        if insertAt > 0, freeRuns[insertAt - 1].end == UInt64(merged.start) {
            merged = SegmentRun(start: freeRuns[insertAt - 1].start, count: freeRuns[insertAt - 1].count + merged.count)
            freeRuns.remove(at: insertAt - 1)
            insertAt -= 1
        }
        if merged.end == UInt64(end) {
            end = merged.start
        } else {
            freeRuns.insert(merged, at: insertAt)
        }
    }
}
