import CZlib

/// Raw DEFLATE compression with zlib, reusing one stream for many files.
///
/// `deflateInit2_` is called instead of the `deflateInit2` macro, which Swift cannot
/// import. The stream lives at a fixed heap address because zlib keeps a pointer back to it.
final class ZlibDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    let level: Int32

    init(level: Int32) throws(ZestError) {
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits -15: raw DEFLATE with a 32 KiB window; memLevel 8 is zlib's default.
        let status = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZestError(.codec("deflateInit2 failed with status \(status)"))
        }
    }

    /// A stream that has seen nothing but `primedDictionary`: each file with that
    /// dictionary starts from a copy of it. deflateSetDictionary hashes all 32 KiB of a
    /// dictionary, which cost more than compressing a small file; copying the primed state
    /// costs a fraction of that, and compresses exactly as the set dictionary would.
    private var primed: UnsafeMutablePointer<z_stream>?
    private var primedDictionary: [UInt8] = []
    /// False after a failed deflateCopy left `stream` without state.
    private var streamIsLive = true

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

    /// Makes `stream` a fresh stream primed with `dictionary`.
    private func start(with dictionary: [UInt8]) throws(ZestError) {
        if primed == nil || primedDictionary != dictionary {
            if primed == nil {
                primed = .allocate(capacity: 1)
                primed!.initialize(to: z_stream())
                let status = deflateInit2_(primed, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                                           ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                guard status == Z_OK else {
                    primed!.deinitialize(count: 1)
                    primed!.deallocate()
                    primed = nil
                    throw ZestError(.codec("deflateInit2 failed with status \(status)"))
                }
            } else {
                guard deflateReset(primed) == Z_OK else { throw ZestError(.codec("deflateReset failed")) }
            }
            let status = dictionary.withUnsafeBytes { raw in
                deflateSetDictionary(primed, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count))
            }
            guard status == Z_OK else {
                primedDictionary = []
                throw ZestError(.codec("deflateSetDictionary failed with status \(status)"))
            }
            primedDictionary = dictionary
        }
        if streamIsLive { deflateEnd(stream) }
        streamIsLive = false
        let status = deflateCopy(stream, primed)
        guard status == Z_OK else { throw ZestError(.codec("deflateCopy failed with status \(status)")) }
        streamIsLive = true
    }

    /// The raw DEFLATE stream of `input`, or nil when it would not be smaller than `input`
    /// (the file is then stored as it is).
    func compressIfSmaller(_ input: UnsafeRawBufferPointer, dictionary: [UInt8]?) throws(ZestError) -> [UInt8]? {
        guard input.count > 0 else { return nil }
        if let dictionary, !dictionary.isEmpty {
            try start(with: dictionary)
        } else if streamIsLive {
            guard deflateReset(stream) == Z_OK else { throw ZestError(.codec("deflateReset failed")) }
        } else {
            let status = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                                       ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw ZestError(.codec("deflateInit2 failed with status \(status)")) }
            streamIsLive = true
        }
        // Room for one byte less than the input: if DEFLATE needs more, storing wins.
        let capacity = input.count - 1
        var finished = false
        let output = [UInt8](unsafeUninitializedCapacity: max(capacity, 1)) { buffer, initialized in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(capacity)
            let status = deflate(stream, Z_FINISH)
            finished = status == Z_STREAM_END
            initialized = finished ? capacity - Int(stream.pointee.avail_out) : 0
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        return finished ? output : nil
    }
}

/// Why inflating a stream failed.
enum InflateFailure: Error, Equatable {
    /// The stream is not valid DEFLATE (zlib's message).
    case corrupt(String)
    /// The stored bytes ended before the stream did.
    case truncated(produced: Int)
    /// The stream would produce more than the recorded original length.
    case longerThanRecorded
    /// The stream ended before producing the recorded original length.
    case shorterThanRecorded(produced: Int)
    /// Bytes follow the end of the stream inside the stored length.
    case trailingBytes(Int)
    case outOfMemory

    var reason: String {
        switch self {
        case let .corrupt(message): return "invalid DEFLATE data (\(message))"
        case let .truncated(produced): return "stream truncated after \(produced) bytes"
        case .longerThanRecorded: return "stream is longer than the recorded original length"
        case let .shorterThanRecorded(produced): return "stream ends after \(produced) bytes, before the recorded original length"
        case let .trailingBytes(count): return "\(count) bytes follow the end of the stream"
        case .outOfMemory: return "out of memory"
        }
    }
}

/// Raw DEFLATE decompression with zlib, bounded by the recorded original length.
final class ZlibInflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(ZestError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZestError(.codec("inflateInit2 failed with status \(status)"))
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input` into exactly `originalLength` bytes; never writes past them.
    ///
    /// The whole of `input` must be one complete stream: a stream that ends early, runs
    /// long, or leaves bytes unread is an error, since each of those means damage.
    func decompress(_ input: UnsafeRawBufferPointer, originalLength: Int, dictionary: [UInt8]?) -> Result<[UInt8], InflateFailure> {
        guard inflateReset(stream) == Z_OK else { return .failure(.corrupt("inflateReset failed")) }
        if let dictionary, !dictionary.isEmpty {
            // Raw streams carry no dictionary id: the dictionary is set before inflating.
            let status = dictionary.withUnsafeBytes { raw in
                inflateSetDictionary(stream, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count))
            }
            guard status == Z_OK else { return .failure(.corrupt("inflateSetDictionary failed with status \(status)")) }
        }
        var failure: InflateFailure?
        // One spare byte past the recorded length: a stream that fills it is too long.
        let output = [UInt8](unsafeUninitializedCapacity: originalLength + 1) { buffer, initialized in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(originalLength + 1)
            let status = inflate(stream, Z_FINISH)
            let produced = originalLength + 1 - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                if produced > originalLength { failure = .longerThanRecorded }
                else if produced < originalLength { failure = .shorterThanRecorded(produced: produced) }
                else if stream.pointee.avail_in != 0 { failure = .trailingBytes(Int(stream.pointee.avail_in)) }
            case Z_BUF_ERROR, Z_OK:
                failure = stream.pointee.avail_out == 0 ? .longerThanRecorded : .truncated(produced: produced)
            case Z_MEM_ERROR:
                failure = .outOfMemory
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                failure = .corrupt(message)
            }
            initialized = failure == nil ? originalLength : 0
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        if let failure { return .failure(failure) }
        return .success(output)
    }

    /// Inflates a stream of `storedLength` bytes into exactly `originalLength` bytes, in
    /// pieces: the stored bytes are fetched `inputBytes` at a time by `readStored(offset,
    /// into)` and the content handed to `output` at most `outputBytes` at a time, so memory
    /// stays bounded whatever the lengths. Never produces more than `originalLength` bytes
    /// (one spare byte of room detects a stream that runs long).
    ///
    /// The checks are those of `decompress`: a stream that ends early, runs long or leaves
    /// stored bytes unread is a failure. `output` may have been given part of the content
    /// before a failure is found; the caller discards it.
    func inflatePieces<E: Error>(storedLength: Int, originalLength: Int, dictionary: [UInt8]?, inputBytes: Int, outputBytes: Int,
                           readStored: (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) throws(E) -> Void,
                           output: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) -> InflateFailure? {
        guard inflateReset(stream) == Z_OK else { return .corrupt("inflateReset failed") }
        if let dictionary, !dictionary.isEmpty {
            let status = dictionary.withUnsafeBytes { raw in
                inflateSetDictionary(stream, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count))
            }
            guard status == Z_OK else { return .corrupt("inflateSetDictionary failed with status \(status)") }
        }
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, min(inputBytes, storedLength)), alignment: 16)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: outputBytes, alignment: 16)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
            input.deallocate()
            out.deallocate()
        }
        var consumed = 0
        var produced = 0
        stream.pointee.avail_in = 0
        while true {
            if stream.pointee.avail_in == 0 && consumed < storedLength {
                let count = min(input.count, storedLength - consumed)
                try readStored(consumed, UnsafeMutableRawBufferPointer(rebasing: input[0..<count]))
                stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(count)
                consumed += count
            }
            // Room up to one byte past the recorded length, never more: produced ≤ originalLength + 1.
            let room = min(out.count, originalLength + 1 - produced)
            stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = inflate(stream, Z_NO_FLUSH)
            let made = room - Int(stream.pointee.avail_out)
            if produced + made > originalLength { return .longerThanRecorded }
            if made > 0 { try output(UnsafeRawBufferPointer(rebasing: out[0..<made])) }
            produced += made
            switch status {
            case Z_STREAM_END:
                if produced < originalLength { return .shorterThanRecorded(produced: produced) }
                let unread = Int(stream.pointee.avail_in) + (storedLength - consumed)
                return unread > 0 ? .trailingBytes(unread) : nil
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress: every stored byte was given and the stream wants more.
                return .truncated(produced: produced)
            case Z_MEM_ERROR:
                return .outOfMemory
            default:
                return .corrupt(stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)")
            }
        }
    }
}
