/// The id of a CAS object: the SHA-256 of its type byte with the compressed bit cleared,
/// followed by its uncompressed payload (docs/FORMAT.md §C2.2).
///
/// Written as 64 lowercase hex digits in item and tree payloads, in tags given by the
/// user and in messages; stored as its 32 raw bytes in records and the index.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes in an id.
    public static let byteCount = 32
    /// Characters of the hex spelling.
    public static let hexCount = 64

    private var storage: SIMD32<UInt8>

    private init(storage: SIMD32<UInt8>) {
        self.storage = storage
    }

    /// The id whose raw bytes are `bytes`; nil unless there are exactly 32.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == Self.byteCount else { return nil }
        var value = SIMD32<UInt8>()
        for (i, byte) in bytes.enumerated() { value[i] = byte }
        storage = value
    }

    /// Parses 64 lowercase hex digits; nil for anything else (uppercase is rejected so that
    /// one id has exactly one spelling inside payloads).
    public init?(hex: String) {
        var text = hex
        guard let parsed = text.withUTF8({ ObjectID(hexBytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses 64 lowercase hex digits from raw bytes (a payload line).
    public init?(hexBytes: UnsafeRawBufferPointer) {
        guard hexBytes.count == Self.hexCount else { return nil }
        var value = SIMD32<UInt8>()
        for i in 0..<Self.byteCount {
            guard let high = Self.nibble(hexBytes[2 * i]), let low = Self.nibble(hexBytes[2 * i + 1]) else { return nil }
            value[i] = high << 4 | low
        }
        storage = value
    }

    /// Parses 64 lowercase hex digits from an array slice.
    public init?(hexBytes: ArraySlice<UInt8>) {
        guard let parsed = hexBytes.withUnsafeBytes({ ObjectID(hexBytes: $0) }) else { return nil }
        self = parsed
    }

    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] { (0..<Self.byteCount).map { storage[$0] } }

    /// The 64 lowercase hex digits, as bytes (for payloads).
    public var hexBytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: Self.hexCount)
        for i in 0..<Self.byteCount {
            result[2 * i] = Self.digits[Int(storage[i] >> 4)]
            result[2 * i + 1] = Self.digits[Int(storage[i] & 0x0F)]
        }
        return result
    }

    public var hex: String { String(decoding: hexBytes, as: UTF8.self) }
    public var description: String { hex }

    private static let digits = Array("0123456789abcdef".utf8)

    /// Hashes the 32 bytes as four words (the synthesized conformance feeds the hasher one
    /// byte at a time, which showed in profiles of large snapshots).
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: storage) { raw in
            for word in 0..<4 { hasher.combine(raw.loadUnaligned(fromByteOffset: 8 * word, as: UInt64.self)) }
        }
    }

    public static func == (a: ObjectID, b: ObjectID) -> Bool { a.storage == b.storage }

    public static func < (a: ObjectID, b: ObjectID) -> Bool {
        for i in 0..<byteCount where a.storage[i] != b.storage[i] { return a.storage[i] < b.storage[i] }
        return false
    }

    /// The id of an object with `typeByte` (the compressed bit is cleared here) and the
    /// uncompressed `payload`.
    public static func hashing(typeByte: UInt8, payload: UnsafeRawBufferPointer) -> ObjectID {
        var hasher = SHA256Stream()
        var first = typeByte & ~ObjectType.compressedFlag
        withUnsafeBytes(of: &first) { hasher.update($0) }
        hasher.update(payload)
        var digest = SIMD32<UInt8>()
        withUnsafeMutableBytes(of: &digest) { hasher.finalize(into: $0) }
        return ObjectID(storage: digest)
    }

    public static func hashing(typeByte: UInt8, payload: [UInt8]) -> ObjectID {
        payload.withUnsafeBytes { hashing(typeByte: typeByte, payload: $0) }
    }
}
