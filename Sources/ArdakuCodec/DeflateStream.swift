import CZlib
import Synchronization

/// One zlib deflate stream, reused for many inputs (`deflateReset`), so that every input does
/// not allocate and clear zlib's ~270 KB of state anew.
///
/// `deflateInit2_` is called instead of the `deflateInit2` macro, which Swift cannot import.
/// The stream lives at a fixed heap address because zlib keeps a pointer back to it. Used by
/// one thread at a time (`Pool` hands streams out exclusively).
public final class DeflateStream: @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>
    public let framing: DeflateFraming
    /// The level a fresh stream compresses at.
    public let level: Int32
    private let memoryLevel: Int32
    /// The level the stream is set to now (`deflateParams` keeps it across resets).
    private var currentLevel: Int32
    /// False after a failed deflateCopy left `stream` without state.
    private var streamIsLive = true

    /// A stream that has seen nothing but `primedDictionary`: each input with that dictionary
    /// starts from a copy of it. deflateSetDictionary hashes all 32 KiB of a dictionary, which
    /// costs more than compressing a small file; copying the primed state costs a fraction of
    /// that, and compresses exactly as the set dictionary would.
    private var primed: UnsafeMutablePointer<z_stream>?
    private var primedDictionary: [UInt8] = []

    /// `memoryLevel` 8 is zlib's default; the window is always 32 KiB.
    public init(level: Int32, framing: DeflateFraming, memoryLevel: Int32 = 8) throws(CodecError) {
        self.framing = framing
        self.level = level
        self.memoryLevel = memoryLevel
        currentLevel = level
        stream = try Self.newStream(level: level, framing: framing, memoryLevel: memoryLevel)
    }

    /// A z_stream on the heap, set up for deflate; freed again when zlib refuses.
    private static func newStream(level: Int32, framing: DeflateFraming, memoryLevel: Int32) throws(CodecError) -> UnsafeMutablePointer<z_stream> {
        let fresh = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        fresh.initialize(to: z_stream())
        let status = deflateInit2_(fresh, level, Z_DEFLATED, framing.windowBits, memoryLevel, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            fresh.deinitialize(count: 1)
            fresh.deallocate()
            throw CodecError("deflateInit2", status)
        }
        return fresh
    }

    deinit {
        if streamIsLive { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        if let primed {
            deflateEnd(primed)
            primed.deinitialize(count: 1)
            primed.deallocate()
        }
    }

    /// Sets up `stream` again after a failed deflateCopy left it without state.
    private func reinitialize() -> Int32 {
        deflateInit2_(stream, level, Z_DEFLATED, framing.windowBits, memoryLevel, Z_DEFAULT_STRATEGY,
                      ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    /// Makes `stream` a fresh stream, primed with `dictionary` when one is given.
    private func start(with dictionary: [UInt8]?) throws(CodecError) {
        guard let dictionary, !dictionary.isEmpty else {
            if streamIsLive {
                let status = deflateReset(stream)
                guard status == Z_OK else { throw CodecError("deflateReset", status) }
            } else {
                let status = reinitialize()
                guard status == Z_OK else { throw CodecError("deflateInit2", status) }
                streamIsLive = true
                currentLevel = level
            }
            return
        }
        if primed == nil || primedDictionary != dictionary {
            if primed == nil {
                primed = try Self.newStream(level: level, framing: framing, memoryLevel: memoryLevel)
            } else {
                let status = deflateReset(primed)
                guard status == Z_OK else { throw CodecError("deflateReset", status) }
            }
            let status = dictionary.withUnsafeBytes { raw in
                deflateSetDictionary(primed, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count))
            }
            guard status == Z_OK else {
                primedDictionary = []
                throw CodecError("deflateSetDictionary", status)
            }
            primedDictionary = dictionary
        }
        if streamIsLive { deflateEnd(stream) }
        streamIsLive = false
        let status = deflateCopy(stream, primed)
        guard status == Z_OK else { throw CodecError("deflateCopy", status) }
        streamIsLive = true
        currentLevel = level
    }

    /// The compressed form of `input`, or nil when it would not be strictly smaller than
    /// `input` (the caller then stores it as it is).
    ///
    /// `runs`, when given, cover `input` in order: random runs are written at level 0
    /// (deflate *stored* blocks), the others at `level`, all in one stream (`deflateParams`
    /// between runs). Readers see an ordinary stream. `compressionLevel` overrides the
    /// stream's `level` for this input.
    public func compressIfSmaller(_ input: UnsafeRawBufferPointer, dictionary: [UInt8]? = nil,
                                  runs: [Incompressibility.Run]? = nil,
                                  compressionLevel: Int32? = nil) throws(CodecError) -> [UInt8]? {
        guard input.count > 0, let base = input.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return nil }
        try start(with: dictionary)
        let runs = runs ?? [Incompressibility.Run(range: 0..<input.count, isRandom: false)]
        // Room for one byte less than the input: if DEFLATE needs more, storing wins.
        let capacity = input.count - 1
        var failure: CodecError?
        var finished = false
        let output = [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { buffer, initialized in
            initialized = 0
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            defer {
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
            }
            for (n, run) in runs.enumerated() {
                let wanted = run.isRandom ? 0 : compressionLevel ?? level
                if wanted != currentLevel {
                    // Before any input this only sets the level; later it also ends the
                    // current deflate block, which needs room in the output.
                    let status = deflateParams(stream, wanted, Z_DEFAULT_STRATEGY)
                    guard status == Z_OK else {
                        if status != Z_BUF_ERROR { failure = CodecError("deflateParams", status) }
                        return
                    }
                    currentLevel = wanted
                }
                stream.pointee.next_in = UnsafeMutablePointer(mutating: base + run.range.lowerBound)
                stream.pointee.avail_in = uInt(run.range.count)
                let last = n == runs.count - 1
                let status = deflate(stream, last ? Z_FINISH : Z_NO_FLUSH)
                if last {
                    guard status == Z_STREAM_END else { return }
                } else {
                    guard status == Z_OK, stream.pointee.avail_in == 0 else { return }
                }
            }
            finished = true
            initialized = capacity - Int(stream.pointee.avail_out)
        }
        if let failure { throw failure }
        return finished ? output : nil
    }

    /// The whole compressed form of `input`, however large (room from `deflateBound`).
    public func compress(_ input: UnsafeRawBufferPointer) throws(CodecError) -> [UInt8] {
        try start(with: nil)
        let capacity = Int(deflateBound(stream, uLong(input.count))) + 64
        var status: Int32 = Z_OK
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            status = deflate(stream, Z_FINISH)
            initialized = status == Z_STREAM_END ? capacity - Int(stream.pointee.avail_out) : 0
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        guard status == Z_STREAM_END else { throw CodecError("deflate", status) }
        return output
    }

    /// Idle streams of one configuration, at most one per thread that compressed at the same time.
    public final class Pool: Sendable {
        private let idle = Mutex<[DeflateStream]>([])
        private let level: Int32
        private let framing: DeflateFraming

        public init(level: Int32, framing: DeflateFraming) {
            self.level = level
            self.framing = framing
        }

        /// `body`'s result with a stream of the pool's configuration; nil when zlib could not make one.
        public func withStream<R>(_ body: (DeflateStream) -> R?) -> R? {
            guard let stream = idle.withLock({ $0.popLast() }) ?? (try? DeflateStream(level: level, framing: framing)) else {
                return nil
            }
            defer { idle.withLock { $0.append(stream) } }
            return body(stream)
        }
    }
}
