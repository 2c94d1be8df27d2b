import CZlib

/// One zlib inflate stream, reused for many inputs, bounded by the length the caller expects.
public final class InflateStream {
    private let stream: UnsafeMutablePointer<z_stream>
    public let framing: DeflateFraming

    public init(framing: DeflateFraming) throws(CodecError) {
        self.framing = framing
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, framing.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw CodecError("inflateInit2", status)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Resets the stream and, for raw streams, sets the preset dictionary (raw streams carry
    /// no dictionary id, so it is set before inflating); nil when that succeeded.
    private func start(dictionary: [UInt8]?) -> InflateFailure? {
        guard inflateReset(stream) == Z_OK else { return .corrupt("inflateReset failed") }
        if let dictionary, !dictionary.isEmpty {
            let status = dictionary.withUnsafeBytes { raw in
                inflateSetDictionary(stream, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count))
            }
            guard status == Z_OK else { return .corrupt("inflateSetDictionary failed with status \(status)") }
        }
        return nil
    }

    private var message: String? { stream.pointee.msg.map { String(cString: $0) } }

    /// Inflates `input` into exactly `originalLength` bytes; never writes past them.
    ///
    /// The whole of `input` must be one complete stream: a stream that ends early, runs
    /// long, or leaves bytes unread is an error, since each of those means damage.
    public func decompress(_ input: UnsafeRawBufferPointer, originalLength: Int, dictionary: [UInt8]? = nil) -> Result<[UInt8], InflateFailure> {
        if let failure = start(dictionary: dictionary) { return .failure(failure) }
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
                failure = .corrupt(message ?? "status \(status)")
            }
            initialized = failure == nil ? originalLength : 0
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        if let failure { return .failure(failure) }
        return .success(output)
    }

    /// The bytes `input` inflates to before the stream fails or ends, at most `limit`: what
    /// a salvage can still read from a damaged stream, since zlib writes its output in order.
    public func inflatedPrefix(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8] {
        guard limit > 0, input.count > 0, start(dictionary: nil) == nil else { return [] }
        let output = [UInt8](unsafeUninitializedCapacity: limit) { buffer, initialized in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(input.count)
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(limit)
            _ = inflate(stream, Z_FINISH)
            initialized = limit - Int(stream.pointee.avail_out)
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        return output
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
    public func inflatePieces<E: Error>(storedLength: Int, originalLength: Int, dictionary: [UInt8]?, inputBytes: Int, outputBytes: Int,
                                        readStored: (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) throws(E) -> Void,
                                        output: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) -> InflateFailure? {
        if let failure = start(dictionary: dictionary) { return failure }
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
                return .corrupt(message ?? "status \(status)")
            }
        }
    }

    /// The whole content of `input`, one complete stream whose length is not recorded
    /// anywhere, refusing to produce more than `limit` bytes.
    public func decompress(_ input: UnsafeRawBufferPointer, limit: Int) -> Result<[UInt8], InflateFailure> {
        var content: [UInt8] = []
        let failure = inflatePieces(storedLength: input.count, originalLength: limit, dictionary: nil,
                                    inputBytes: input.count, outputBytes: 1 << 20,
                                    readStored: { offset, into in
                                        into.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + into.count)]))
                                    },
                                    output: { content.append(contentsOf: $0) })
        switch failure {
        case nil, .shorterThanRecorded: return .success(content)
        case let failure?: return .failure(failure)
        }
    }
}
