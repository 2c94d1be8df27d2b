/// Addressing units of an Ardaku volume (docs/FORMAT.md §1).
///
/// Each unit is its own type so that a page index can never be passed where a subpage or
/// sector index is meant; conversions are explicit and cannot overflow (every product is
/// computed in 64 bits, and the largest volume has fewer than 2^30 pages).
public enum Geometry {
    /// Bytes in a page, the unit of allocation and of the used-page bitfield.
    public static let pageSize = 65_536
    /// Bytes in a subpage; one file-metadata record fills one subpage.
    public static let subpageSize = 16_384
    /// Bytes in a sector, the unit of `dumpfs --sector`.
    public static let sectorSize = 4_096
    public static let subpagesPerPage = pageSize / subpageSize
    public static let sectorsPerPage = pageSize / sectorSize
}

/// Index of a 64 KiB page from the start of the volume.
public struct PageIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Byte address of the first byte of this page.
    public var firstByte: ByteAddress { ByteAddress(UInt64(rawValue) << 16) }
    /// The `slot`-th (0...3) subpage of this page.
    public func subpage(_ slot: Int) -> SubpageIndex {
        precondition((0..<Geometry.subpagesPerPage).contains(slot), "subpage slot out of range")
        return SubpageIndex(rawValue &* 4 &+ UInt32(slot))
    }
    public var firstSector: SectorIndex { SectorIndex(UInt64(rawValue) * UInt64(Geometry.sectorsPerPage)) }
    public static func < (a: PageIndex, b: PageIndex) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "page \(rawValue)" }
}

/// Index of a 16 KiB subpage from the start of the volume: page * 4 + slot.
public struct SubpageIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public var page: PageIndex { PageIndex(rawValue >> 2) }
    /// Position of this subpage inside its page, 0...3.
    public var slot: Int { Int(rawValue & 3) }
    /// Byte offset of this subpage inside its page.
    public var offsetInPage: PageOffset { PageOffset(UInt32(slot * Geometry.subpageSize)) }
    public var firstByte: ByteAddress { ByteAddress(UInt64(rawValue) << 14) }
    public static func < (a: SubpageIndex, b: SubpageIndex) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "subpage \(rawValue)" }
}

/// Index of a 4 KiB sector from the start of the volume.
public struct SectorIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The page holding this sector, or nil past the largest addressable page.
    public var page: PageIndex? { UInt32(exactly: rawValue / UInt64(Geometry.sectorsPerPage)).map { PageIndex($0) } }
    /// Nil when the sector lies beyond 2^64 bytes, which no volume reaches.
    public var firstByte: ByteAddress? {
        rawValue <= UInt64.max / UInt64(Geometry.sectorSize) ? ByteAddress(rawValue * UInt64(Geometry.sectorSize)) : nil
    }
    public static func < (a: SectorIndex, b: SectorIndex) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "sector \(rawValue)" }
}

/// Byte offset inside one page, 0..<65536.
public struct PageOffset: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: PageOffset, b: PageOffset) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "+0x" + String(rawValue, radix: 16) }
}

/// Absolute byte address from the start of the volume (or of a standalone container).
public struct ByteAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The page this byte lies in, or nil beyond the 32-bit page range.
    public var page: PageIndex? { UInt32(exactly: rawValue >> 16).map { PageIndex($0) } }
    public var offsetInPage: PageOffset { PageOffset(UInt32(truncatingIfNeeded: rawValue & 0xFFFF)) }
    public static func < (a: ByteAddress, b: ByteAddress) -> Bool { a.rawValue < b.rawValue }
    /// Adds `delta`, or returns nil on overflow.
    public func advanced(by delta: UInt64) -> ByteAddress? {
        let (sum, overflow) = rawValue.addingReportingOverflow(delta)
        return overflow ? nil : ByteAddress(sum)
    }
    public var description: String { Hex.format(rawValue, width: 8) }
}

/// Hexadecimal formatting used in every message and dump.
public enum Hex {
    /// `0x` followed by at least `width` lowercase hex digits.
    public static func format<T: BinaryInteger>(_ value: T, width: Int = 0) -> String {
        let digits = String(value, radix: 16)
        let padding = digits.count < width ? String(repeating: "0", count: width - digits.count) : ""
        return "0x" + padding + digits
    }

    /// Two lowercase hex digits per byte, no prefix or separator ("0a1b").
    public static func digits<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let table = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(table[Int(byte >> 4)])
            text.append(table[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
