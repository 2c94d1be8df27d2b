/// Builds the bytes of an on-disk structure, little-endian, in field order.
///
/// The counterpart of `ByteReader`. Encoders only ever write values they own and have
/// validated, so running out of room is a programming error, not a disk condition.
public struct ByteWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public mutating func writeBytes<S: Sequence>(_ values: S) where S.Element == UInt8 { bytes.append(contentsOf: values) }

    public mutating func writeZeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    /// Pads with zeros up to `offset`; the encoder's layout table says where each field starts.
    public mutating func pad(to offset: Int) {
        precondition(offset >= bytes.count, "field written past its offset: \(bytes.count) > \(offset)")
        writeZeros(offset - bytes.count)
    }

    /// Overwrites the little-endian UInt32 at `offset` (used to fill in a checksum last).
    public mutating func patchUInt32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }

    /// Stores a little-endian UInt32 into raw memory the caller owns.
    public static func storeUInt32(_ value: UInt32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset <= buffer.count - 4)
        for i in 0..<4 { buffer[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }
    /// Stores a little-endian UInt16 into raw memory the caller owns.
    public static func storeUInt16(_ value: UInt16, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset <= buffer.count - 2)
        buffer[offset] = UInt8(truncatingIfNeeded: value)
        buffer[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }
    /// Stores a little-endian UInt64 into raw memory the caller owns.
    public static func storeUInt64(_ value: UInt64, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset <= buffer.count - 8)
        for i in 0..<8 { buffer[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(8 * i)) }
    }
}
