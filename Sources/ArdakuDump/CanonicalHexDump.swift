import ArdakuFormat

/// Raw bytes in the format of `hexdump -C`, byte for byte.
///
/// The canonical format of util-linux `hexdump -C`:
///
///     00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|
///     00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
///     *
///     00000050  78 79 7a 0a                                       |xyz.|
///     00000054
///
/// - The offset is absolute (the first line starts at the range's first byte, aligned or
///   not), in lowercase hex, at least 8 digits.
/// - A full line equal to the line before it is not printed; the first of a run of such
///   lines becomes a single `*` (unless `showAllLines`, hexdump's `-v`). The first line,
///   and a last line shorter than 16 bytes, are always printed.
/// - The ASCII column shows bytes 0x20...0x7e as themselves and every other byte as `.`.
/// - The last line is the offset just past the range. An empty range prints nothing.
///
/// Speed: each line is built with table lookups and 4-byte stores straight into the
/// output buffer (no `String`, no allocation), and runs of repeated lines cost one
/// 16-byte comparison each.
public enum CanonicalHexDump {
    /// Writes `bytes`, which start at image offset `startOffset`, to `output`.
    public static func write(_ bytes: UnsafeRawBufferPointer, startOffset: UInt64, showAllLines: Bool,
                             to output: OutputBuffer) throws {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let hexTriples = Tables.hexTriples
        let printable = Tables.printable
        let pairs = Tables.hexPairs
        let count = bytes.count
        var position = 0
        var offset = startOffset
        // Squeeze state: the previous line's bytes, and whether its run already printed '*'.
        var previous = (UInt64(0), UInt64(0))
        var havePrevious = false
        var starred = false
        let maxLine = 16 + 71   // an offset of up to 16 digits, plus the rest of a line

        while count - position >= 16 {
            let line = source + position
            let words = (line.loadUnaligned(as: UInt64.self), line.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if !showAllLines && havePrevious && words == previous {
                if !starred {
                    let out = try output.reserve(2)
                    out.storeBytes(of: UInt16(0x0A2A), as: UInt16.self)   // "*\n" little-endian
                    output.commit(2)
                    starred = true
                }
            } else {
                let out = try output.reserve(maxLine)
                let width = writeOffset(offset, to: out, pairs: pairs)
                let hex = out + width
                hex.storeBytes(of: UInt16(0x2020), as: UInt16.self)
                for i in 0..<8 {
                    hex.storeBytes(of: hexTriples[Int(line.load(fromByteOffset: i, as: UInt8.self))],
                                   toByteOffset: 2 + 3 * i, as: UInt32.self)
                }
                for i in 8..<16 {
                    hex.storeBytes(of: hexTriples[Int(line.load(fromByteOffset: i, as: UInt8.self))],
                                   toByteOffset: 3 + 3 * i, as: UInt32.self)
                }
                hex.storeBytes(of: UInt8(ascii: "|"), toByteOffset: 52, as: UInt8.self)
                for i in 0..<16 {
                    hex.storeBytes(of: printable[Int(line.load(fromByteOffset: i, as: UInt8.self))],
                                   toByteOffset: 53 + i, as: UInt8.self)
                }
                hex.storeBytes(of: UInt16(0x0A7C), toByteOffset: 69, as: UInt16.self)   // "|\n"
                output.commit(width + 71)
                previous = words
                havePrevious = true
                starred = false
            }
            position += 16
            offset &+= 16
        }

        let tail = count - position
        if tail > 0 {
            let line = source + position
            let out = try output.reserve(maxLine)
            let width = writeOffset(offset, to: out, pairs: pairs)
            let hex = out + width
            // Missing bytes leave their hex columns blank; the ASCII column is not padded.
            (hex).initializeMemory(as: UInt8.self, repeating: 0x20, count: 52)
            for i in 0..<tail {
                hex.storeBytes(of: hexTriples[Int(line.load(fromByteOffset: i, as: UInt8.self))],
                               toByteOffset: (i < 8 ? 2 : 3) + 3 * i, as: UInt32.self)
            }
            hex.storeBytes(of: UInt8(ascii: "|"), toByteOffset: 52, as: UInt8.self)
            for i in 0..<tail {
                hex.storeBytes(of: printable[Int(line.load(fromByteOffset: i, as: UInt8.self))],
                               toByteOffset: 53 + i, as: UInt8.self)
            }
            hex.storeBytes(of: UInt16(0x0A7C), toByteOffset: 53 + tail, as: UInt16.self)
            output.commit(width + 55 + tail)
            offset &+= UInt64(tail)
        }

        let out = try output.reserve(17)
        let width = writeOffset(offset, to: out, pairs: pairs)
        out.storeBytes(of: UInt8(0x0A), toByteOffset: width, as: UInt8.self)
        output.commit(width + 1)
    }

    /// Writes `offset` as at least 8 lowercase hex digits; returns how many.
    @inline(__always)
    static func writeOffset(_ offset: UInt64, to out: UnsafeMutableRawPointer, pairs: UnsafePointer<UInt16>) -> Int {
        if offset >> 32 == 0 {
            out.storeBytes(of: pairs[Int(offset >> 24 & 0xFF)], as: UInt16.self)
            out.storeBytes(of: pairs[Int(offset >> 16 & 0xFF)], toByteOffset: 2, as: UInt16.self)
            out.storeBytes(of: pairs[Int(offset >> 8 & 0xFF)], toByteOffset: 4, as: UInt16.self)
            out.storeBytes(of: pairs[Int(offset & 0xFF)], toByteOffset: 6, as: UInt16.self)
            return 8
        }
        let digits = (64 - offset.leadingZeroBitCount + 3) / 4
        var value = offset
        for index in stride(from: digits - 1, through: 0, by: -1) {
            out.storeBytes(of: Tables.hexDigit(UInt8(value & 0xF)), toByteOffset: index, as: UInt8.self)
            value >>= 4
        }
        return digits
    }

    /// Lookup tables, built once and never freed.
    enum Tables {
        /// For each byte: its two hex digits, then two spaces, as a little-endian UInt32.
        nonisolated(unsafe) static let hexTriples: UnsafePointer<UInt32> = {
            let table = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
            for byte in 0..<256 {
                let high = UInt32(hexDigit(UInt8(byte >> 4))), low = UInt32(hexDigit(UInt8(byte & 0xF)))
                table[byte] = high | low << 8 | 0x20 << 16 | 0x20 << 24
            }
            return UnsafePointer(table)
        }()

        /// For each byte: its two hex digits as a little-endian UInt16.
        nonisolated(unsafe) static let hexPairs: UnsafePointer<UInt16> = {
            let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 256)
            for byte in 0..<256 {
                table[byte] = UInt16(hexDigit(UInt8(byte >> 4))) | UInt16(hexDigit(UInt8(byte & 0xF))) << 8
            }
            return UnsafePointer(table)
        }()

        /// For each byte: itself when printable ASCII (0x20...0x7e), else '.'.
        nonisolated(unsafe) static let printable: UnsafePointer<UInt8> = {
            let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
            for byte in 0..<256 { table[byte] = (0x20...0x7E).contains(byte) ? UInt8(byte) : UInt8(ascii: ".") }
            return UnsafePointer(table)
        }()

        @inline(__always)
        static func hexDigit(_ nibble: UInt8) -> UInt8 {
            nibble < 10 ? 0x30 + nibble : 0x57 + nibble
        }
    }
}
