/// gzip files, for the corpus and the tests that read it: deterministic output (zlib writes
/// no name and a zero time), bounded output when reading back.
public enum Gzip {
    /// `bytes` as a gzip stream, compression level 9.
    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        let stream = try DeflateStream(level: 9, framing: .gzip, memoryLevel: 9)
        return try bytes.withUnsafeBytes { try stream.compress($0) }
    }

    /// The bytes of a gzip stream; refuses to inflate past `limit` bytes.
    public static func decompress(_ bytes: [UInt8], limit: Int = 1 << 30) throws -> [UInt8] {
        let stream = try InflateStream(framing: .gzip)
        return try bytes.withUnsafeBytes { stream.decompress($0, limit: limit) }.get()
    }
}
