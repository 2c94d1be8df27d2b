import CZlib

/// zlib `compress2`/`uncompress` for object payloads (docs/cas-format.md §2.3).
///
/// The stored form is a complete zlib stream (RFC 1950: 2-byte header, deflate data,
/// Adler-32), exactly what `compress2` writes. Inflation is bounded by the raw length the
/// record declares, so a hostile stream cannot make it allocate more.
enum Zlib {
    /// The compressed form of `payload`, or nil when it would not be smaller.
    static func compress(_ payload: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        guard let source = payload.baseAddress?.assumingMemoryBound(to: Bytef.self), payload.count > 0 else { return nil }
        // Only a strictly smaller result is kept, so the output buffer never needs more
        // than count - 1 bytes; zlib reports Z_BUF_ERROR when it does not fit.
        let capacity = payload.count - 1
        var output = [UInt8](repeating: 0, count: capacity)
        var outLength = uLongf(capacity)
        let status = output.withUnsafeMutableBufferPointer { out in
            compress2(out.baseAddress, &outLength, source, uLong(payload.count), level)
        }
        guard status == Z_OK, Int(outLength) < payload.count else { return nil }
        output.removeSubrange(Int(outLength)...)
        return output
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
