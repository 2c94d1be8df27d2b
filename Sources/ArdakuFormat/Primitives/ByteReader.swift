/// Reads little-endian integers and byte runs from untrusted bytes.
///
/// This file and `ByteWriter.swift` are the only places where bytes become integers and
/// integers become bytes. Every read is bounds-checked and throws a `FormatError` that
/// names the structure and the absolute byte address of the failed read; nothing here
/// traps on short or hostile input.
public struct ByteReader {
    /// The bytes being decoded.
    public let bytes: UnsafeRawBufferPointer
    /// Offset of the next read, from the start of `bytes`.
    public private(set) var position: Int = 0
    /// Name of the structure being decoded, for error messages ("trie page", ...).
    public let structure: String
    /// Address of `bytes[0]` inside the image or container, when known.
    public let origin: ByteAddress?

    public init(_ bytes: UnsafeRawBufferPointer, structure: String, origin: ByteAddress? = nil) {
        self.bytes = bytes
        self.structure = structure
        self.origin = origin
    }

    /// Bytes left after `position`.
    public var remaining: Int { bytes.count - position }

    /// An error of `kind` located at `at` (default: the current position).
    public func error(_ kind: FormatError.Kind, at offset: Int? = nil) -> FormatError {
        let relative = UInt64(max(0, offset ?? position))
        return FormatError(structure: structure, kind: kind, address: origin.flatMap { $0.advanced(by: relative) })
    }

    /// Moves to `offset` from the start of `bytes`.
    public mutating func seek(to offset: Int) throws(FormatError) {
        guard offset >= 0, offset <= bytes.count else {
            throw error(.truncated(needed: max(offset, 0), available: bytes.count), at: 0)
        }
        position = offset
    }

    public mutating func skip(_ count: Int) throws(FormatError) {
        try requireBytes(count)
        position += count
    }

    public mutating func readUInt8() throws(FormatError) -> UInt8 {
        try requireBytes(1)
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func readUInt16() throws(FormatError) -> UInt16 {
        try requireBytes(2)
        defer { position += 2 }
        return Self.uint16(bytes, position)
    }

    public mutating func readUInt32() throws(FormatError) -> UInt32 {
        try requireBytes(4)
        defer { position += 4 }
        return Self.uint32(bytes, position)
    }

    public mutating func readUInt64() throws(FormatError) -> UInt64 {
        try requireBytes(8)
        defer { position += 8 }
        return Self.uint64(bytes, position)
    }

    /// The next `count` bytes, without copying. Valid as long as `bytes` is.
    public mutating func readBytes(_ count: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        try requireBytes(count)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    /// The next `count` bytes, copied.
    public mutating func readArray(_ count: Int) throws(FormatError) -> [UInt8] {
        Array(try readBytes(count))
    }

    private func requireBytes(_ count: Int) throws(FormatError) {
        // Written as `count <= remaining` so that a hostile count cannot overflow.
        guard count >= 0, count <= remaining else {
            throw error(.truncated(needed: count, available: max(remaining, 0)))
        }
    }

    // MARK: Random access

    /// The little-endian UInt16 at `offset`, or nil when fewer than 2 bytes are there.
    @inlinable
    public static func uint16(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16? {
        offset >= 0 && offset <= bytes.count - 2 ? uint16(bytes, offset) : nil
    }
    /// The little-endian UInt32 at `offset`, or nil when fewer than 4 bytes are there.
    @inlinable
    public static func uint32(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        offset >= 0 && offset <= bytes.count - 4 ? uint32(bytes, offset) : nil
    }
    /// The little-endian UInt64 at `offset`, or nil when fewer than 8 bytes are there.
    @inlinable
    public static func uint64(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64? {
        offset >= 0 && offset <= bytes.count - 8 ? uint64(bytes, offset) : nil
    }

    // Byte-wise assembly: correct on any host byte order and at any alignment. Inlinable, with
    // the accessors above: the checker reads millions of fields, and a call per field showed up
    // as 7% of a metadata check.
    @inline(__always) @usableFromInline
    static func uint16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }
    @inline(__always) @usableFromInline
    static func uint32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    @inline(__always) @usableFromInline
    static func uint64(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(uint32(b, i)) | UInt64(uint32(b, i + 4)) << 32
    }
}

extension ByteReader {
    /// Decodes `body` from the bytes of an array (tests, small structures).
    public static func decode<R>(
        _ array: [UInt8], structure: String, origin: ByteAddress? = nil,
        _ body: (inout ByteReader) throws(FormatError) -> R
    ) throws(FormatError) -> R {
        let result: Result<R, FormatError> = array.withUnsafeBytes { raw in
            var reader = ByteReader(raw, structure: structure, origin: origin)
            do throws(FormatError) { return .success(try body(&reader)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
