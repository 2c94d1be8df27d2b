import ArdakuCodec
import CZlib

/// zlib streams for object payloads and pack bodies (docs/FORMAT.md §C2.3).
///
/// The stored form is a complete zlib stream (RFC 1950: 2-byte header, deflate data,
/// Adler-32), what `compress2` writes. Inflation is bounded by the raw length the record
/// declares, so a hostile stream cannot make it allocate more.
///
/// Compression skips what deflate cannot shrink: the input is classified in regions
/// (`Incompressibility`), and regions that look like random bytes (compressed or encrypted
/// data) are written as deflate *stored* blocks (level 0), the rest at the requested level,
/// all in one stream. Deflate spends as much time failing on random bytes as it spends
/// compressing text, so this saves that time; and stored blocks are smaller than the
/// dynamic blocks deflate would emit for them. Readers see an ordinary zlib stream.
enum Zlib {
    /// Streams reused across payloads, one per thread compressing at the same time; the
    /// level is set per payload.
    private static let pool = DeflateStream.Pool(level: Z_DEFAULT_COMPRESSION, framing: .zlib)

    /// The compressed form of `payload`, or nil when it would not be strictly smaller.
    static func compress(_ payload: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        guard payload.baseAddress != nil, payload.count > 1 else { return nil }
        let runs = Incompressibility.runs(payload)
        // Nothing deflate could shrink: no stream at all.
        if runs.allSatisfy(\.isRandom) { return nil }
        return pool.withStream { stream in
            try? stream.compressIfSmaller(payload, runs: runs, compressionLevel: level)
        }
    }

    /// Inflates `stored` into exactly `rawLength` bytes.
    static func uncompress(_ stored: UnsafeRawBufferPointer, rawLength: Int) -> Result<[UInt8], ZlibFailure> {
        guard rawLength >= 0, rawLength <= CASLimits.maxPayloadBytes else { return .failure(.tooLarge) }
        guard stored.baseAddress != nil, stored.count > 0 else { return .failure(.corrupt) }
        guard let stream = try? InflateStream(framing: .zlib) else { return .failure(.outOfMemory) }
        return stream.decompress(stored, originalLength: rawLength).mapError { failure in
            switch failure {
            case .corrupt: return .corrupt
            case .truncated: return .truncated
            case .trailingBytes: return .trailingBytes
            case .outOfMemory: return .outOfMemory
            case let .shorterThanRecorded(produced): return .wrongLength(produced)
            // One byte of room past the declared length was filled.
            case .longerThanRecorded: return .wrongLength(rawLength + 1)
            }
        }
    }

    /// The bytes a zlib stream inflates to before it fails (or ends), at most `rawLength`.
    static func inflatedPrefix(_ stored: [UInt8], rawLength: Int) -> [UInt8] {
        guard rawLength > 0, rawLength <= CASLimits.maxPackBytes, !stored.isEmpty,
              let stream = try? InflateStream(framing: .zlib) else { return [] }
        return stored.withUnsafeBytes { stream.inflatedPrefix($0, limit: rawLength) }
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
