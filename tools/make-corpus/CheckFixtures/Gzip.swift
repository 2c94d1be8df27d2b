import CZlib

/// gzip files through zlib, for the corpus: deterministic output (zlib writes no name and a
/// zero time), bounded input when reading back.
public enum Gzip {
    public enum Failure: Error, CustomStringConvertible {
        case zlib(String, Int32)
        case tooLarge(Int)
        public var description: String {
            switch self {
            case let .zlib(what, code): return "zlib \(what) failed (\(code))"
            case let .tooLarge(limit): return "gzip stream inflates past \(limit) bytes"
            }
        }
    }

    /// `bytes` as a gzip stream, compression level 9.
    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        var rc = deflateInit2_(&stream, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw Failure.zlib("deflateInit2", rc) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        let produced: Int = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                rc = deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            }
        }
        guard rc == Z_STREAM_END else { throw Failure.zlib("deflate", rc) }
        return Array(output[0..<produced])
    }

    /// The bytes of a gzip stream; refuses to inflate past `limit` bytes.
    public static func decompress(_ bytes: [UInt8], limit: Int = 1 << 30) throws -> [UInt8] {
        var stream = z_stream()
        var rc = inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw Failure.zlib("inflateInit2", rc) }
        defer { inflateEnd(&stream) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try bytes.withUnsafeBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBytes { out in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(out.count)
                    rc = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard rc == Z_OK || rc == Z_STREAM_END else { throw Failure.zlib("inflate", rc) }
                result.append(contentsOf: chunk[0..<produced])
                guard result.count <= limit else { throw Failure.tooLarge(limit) }
                if rc == Z_OK && produced == 0 && stream.avail_in == 0 { throw Failure.zlib("inflate (truncated stream)", rc) }
            } while rc != Z_STREAM_END
        }
        return result
    }
}
