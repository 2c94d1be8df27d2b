import CZlib
import Synchronization

/// zlib streams for object payloads and pack bodies (docs/FORMAT.md §C2.3).
///
/// The stored form is a complete zlib stream (RFC 1950: 2-byte header, deflate data,
/// Adler-32), what `compress2` writes. Inflation is bounded by the raw length the record
/// declares, so a hostile stream cannot make it allocate more.
///
/// Compression skips what deflate cannot shrink: the input is classified in regions of
/// `regionBytes` (`Incompressibility`), and regions that look like random bytes
/// (compressed or encrypted data) are written as deflate *stored* blocks (level 0), the
/// rest at the requested level, all in one stream (`deflateParams` between runs). Deflate
/// spends as much time failing on random bytes as it spends compressing text, so this
/// saves that time; and stored blocks are smaller than the dynamic blocks deflate would
/// emit for them. Readers see an ordinary zlib stream.
enum Zlib {
    /// The compressed form of `payload`, or nil when it would not be strictly smaller.
    static func compress(_ payload: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        guard payload.baseAddress != nil, payload.count > 1 else { return nil }
        let runs = Incompressibility.runs(payload)
        // Nothing deflate could shrink: no stream at all.
        if runs.allSatisfy(\.isRandom) { return nil }
        return Deflater.pool.withDeflater { deflater in
            deflater.compress(payload, runs: runs, level: level)
        }
    }

    /// Inflates `stored` into exactly `rawLength` bytes.
    static func uncompress(_ stored: UnsafeRawBufferPointer, rawLength: Int) -> Result<[UInt8], ZlibFailure> {
        guard rawLength >= 0, rawLength <= CASLimits.maxPayloadBytes else { return .failure(.tooLarge) }
        guard let source = stored.baseAddress?.assumingMemoryBound(to: Bytef.self), stored.count > 0 else {
            return .failure(.corrupt)
        }
        // One spare byte lets zlib tell us when the stream holds more than declared.
        var output = [UInt8](repeating: 0, count: rawLength + 1)
        var outLength = uLongf(rawLength + 1)
        var inLength = uLong(stored.count)
        let status = output.withUnsafeMutableBufferPointer { out in
            uncompress2(out.baseAddress, &outLength, source, &inLength)
        }
        switch status {
        case Z_OK:
            guard Int(outLength) == rawLength else { return .failure(.wrongLength(Int(outLength))) }
            guard Int(inLength) == stored.count else { return .failure(.trailingBytes) }
            output.removeLast()
            return .success(output)
        case Z_BUF_ERROR:
            // Either the output did not fit (more than declared) or the input ended early.
            return .failure(Int(outLength) > rawLength ? .wrongLength(Int(outLength)) : .truncated)
        case Z_MEM_ERROR:
            return .failure(.outOfMemory)
        default:
            return .failure(.corrupt)
        }
    }

    enum ZlibFailure: Error, Equatable, CustomStringConvertible {
        case corrupt, truncated, trailingBytes, outOfMemory, tooLarge
        case wrongLength(Int)
        var description: String {
            switch self {
            case .corrupt: return "not a valid zlib stream"
            case .truncated: return "the zlib stream ends early"
            case .trailingBytes: return "bytes follow the end of the zlib stream"
            case .outOfMemory: return "zlib ran out of memory"
            case .tooLarge: return "declared length is over the payload limit"
            case let .wrongLength(n): return "inflates to \(n) or more bytes, not the declared length"
            }
        }
    }
}

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
enum Incompressibility {
    static let regionBytes = 4096
    /// slack · 2^10, see above.
    static let slackTimes1024: UInt64 = 195
    static let pairSample = 1024
    /// Distinct pairs among `pairSample` that random bytes reach (expected ~1016).
    static let minimumDistinctPairs = 960

    struct Run: Equatable {
        var range: Range<Int>
        var isRandom: Bool
    }

    /// Consecutive regions of `bytes` merged into runs of one class, in order, covering
    /// every byte. A buffer shorter than two regions is one compressible run; the last
    /// region absorbs a short tail.
    static func runs(_ bytes: UnsafeRawBufferPointer) -> [Run] {
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

/// One zlib deflate stream, reused across payloads (`deflateReset`), so that every payload
/// does not allocate and clear zlib's ~270 KB of state anew. Used by one thread at a time
/// (the pool hands each out exclusively).
final class Deflater: @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>
    private var ready: Bool

    private init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15: a zlib header and a 32 KiB window; memLevel 8, zlib's default.
        ready = deflateInit2_(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY,
                              ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }

    deinit {
        if ready { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Idle deflaters, at most one per thread that compressed at the same time.
    static let pool = Pool()

    final class Pool: Sendable {
        private let idle = Mutex<[Deflater]>([])

        func withDeflater<R>(_ body: (Deflater) -> R) -> R {
            let deflater = idle.withLock { $0.popLast() } ?? Deflater()
            defer { idle.withLock { $0.append(deflater) } }
            return body(deflater)
        }
    }

    /// One zlib stream of `payload`: random runs at level 0, the rest at `level`; nil when
    /// the stream would not be strictly smaller than the payload or zlib fails.
    func compress(_ payload: UnsafeRawBufferPointer, runs: [Incompressibility.Run], level: Int32) -> [UInt8]? {
        guard ready, deflateReset(stream) == Z_OK else { return nil }
        // Only a strictly smaller result is kept, so the output never needs more than
        // count - 1 bytes: running out of room means "store it raw".
        let capacity = payload.count - 1
        let input = payload.baseAddress!.assumingMemoryBound(to: Bytef.self)
        var current: Int32 = -1
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = 0
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            defer {
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
            }
            for (n, run) in runs.enumerated() {
                let wanted = run.isRandom ? 0 : level
                if wanted != current {
                    // Before any input this only sets the level; later it also ends the
                    // current deflate block, which needs room in the output.
                    guard deflateParams(stream, wanted, Z_DEFAULT_STRATEGY) == Z_OK else { return }
                    current = wanted
                }
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input + run.range.lowerBound)
                stream.pointee.avail_in = uInt(run.range.count)
                let last = n == runs.count - 1
                let status = deflate(stream, last ? Z_FINISH : Z_NO_FLUSH)
                if last {
                    guard status == Z_STREAM_END else { return }
                } else {
                    guard status == Z_OK, stream.pointee.avail_in == 0 else { return }
                }
            }
            initialized = capacity - Int(stream.pointee.avail_out)
        }
        // An empty result means a step failed (a finished zlib stream is never empty).
        return output.isEmpty ? nil : output
    }
}
