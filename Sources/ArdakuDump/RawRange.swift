import ArdakuFormat

/// A range of the image to show raw, as given on the command line: `--page 3`,
/// `--subpage 12:4`, `--sector 5-9`, `--bytes 0x10000:256K`.
///
/// Syntax, for every unit: `START`, `START:COUNT` or `FIRST-LAST` (inclusive). Numbers are
/// decimal or `0x` hex, with an optional binary suffix `K`, `M`, `G`, `T` (also `KiB`...);
/// with `--bytes`, START alone runs to the end of the image, with the other units it
/// means one unit.
public struct RawRange: Equatable, Sendable {
    public enum Unit: String, Sendable, CaseIterable {
        case byte, sector, subpage, page

        public var size: UInt64 {
            switch self {
            case .byte: return 1
            case .sector: return UInt64(Geometry.sectorSize)
            case .subpage: return UInt64(Geometry.subpageSize)
            case .page: return UInt64(Geometry.pageSize)
            }
        }
    }

    public var unit: Unit
    /// First unit of the range.
    public var start: UInt64
    /// Units in the range; nil runs to the end of the image.
    public var count: UInt64?
    /// The text it was parsed from, for messages.
    public var text: String

    public init(unit: Unit, start: UInt64, count: UInt64?, text: String = "") {
        self.unit = unit
        self.start = start
        self.count = count
        self.text = text
    }

    /// Why a range cannot be shown.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case syntax(String, detail: String)
        case overflow(String)
        /// The range does not lie inside the image: which bytes it covers and the image size.
        case pastEnd(range: String, offset: UInt64, length: UInt64, imageSize: UInt64)

        public var description: String {
            switch self {
            case let .syntax(text, detail): return "cannot read the range '\(text)': \(detail)"
            case let .overflow(text): return "the range '\(text)' lies beyond 2^64 bytes"
            case let .pastEnd(range, offset, length, imageSize):
                let end = offset &+ length
                if offset >= imageSize && length > 0 || offset > imageSize {
                    return "\(range) starts at byte \(Hex.format(offset, width: 8)), past the end of the image (\(imageSize) bytes, ends at \(Hex.format(imageSize, width: 8)))"
                }
                return "\(range) (bytes \(Hex.format(offset, width: 8))..<\(Hex.format(end, width: 8))) runs past the end of the image at byte \(Hex.format(imageSize, width: 8)) (\(imageSize) bytes)"
            }
        }
    }

    /// Parses `text` as a range of `unit`s.
    public static func parse(_ text: String, unit: Unit) throws(Problem) -> RawRange {
        let trimmed = text.filter { $0 != " " && $0 != "_" }
        if let colon = trimmed.firstIndex(of: ":") {
            let start = try number(String(trimmed[..<colon]), in: text)
            let count = try number(String(trimmed[trimmed.index(after: colon)...]), in: text)
            return RawRange(unit: unit, start: start, count: count, text: text)
        }
        if let dash = trimmed.firstIndex(of: "-") {
            let first = try number(String(trimmed[..<dash]), in: text)
            let last = try number(String(trimmed[trimmed.index(after: dash)...]), in: text)
            guard last >= first else { throw .syntax(text, detail: "the last \(unit.rawValue) comes before the first") }
            guard last < .max else { throw .overflow(text) }
            return RawRange(unit: unit, start: first, count: last - first + 1, text: text)
        }
        let start = try number(trimmed, in: text)
        return RawRange(unit: unit, start: start, count: unit == .byte ? nil : 1, text: text)
    }

    /// A number: decimal or 0x hex, optionally followed by K, M, G or T (powers of 1024).
    public static func number(_ text: String, in whole: String) throws(Problem) -> UInt64 {
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        // No suffix letter is a hex digit ("kib" is tried before "b" could matter).
        let lower = text.lowercased()
        for (suffix, shift) in Self.suffixes where lower.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            multiplier = UInt64(1) << UInt64(shift)
            break
        }
        guard !digits.isEmpty else { throw .syntax(whole, detail: "'\(text)' is not a number") }
        let parsed: UInt64?
        if digits.lowercased().hasPrefix("0x") {
            parsed = UInt64(digits.dropFirst(2), radix: 16)
        } else {
            parsed = UInt64(digits, radix: 10)
        }
        guard let value = parsed else {
            throw .syntax(whole, detail: "'\(text)' is not a number (decimal, or hex with 0x; suffixes K, M, G, T)")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw .overflow(whole) }
        return product
    }

    /// Size suffixes and their powers of two, longest first.
    private static let suffixes: [(String, Int)] = [
        ("kib", 10), ("mib", 20), ("gib", 30), ("tib", 40), ("k", 10), ("m", 20), ("g", 30), ("t", 40),
    ]

    /// How the range reads in messages: "page 3", "sectors 5-9", "bytes 0x10000:256".
    public var label: String {
        let name = unit == .byte ? "bytes" : count == 1 ? unit.rawValue : unit.rawValue + "s"
        return "\(name) \(text.isEmpty ? String(start) : text)"
    }

    /// The bytes `offset ..< offset + length` the range covers in an image of `imageSize`
    /// bytes. Throws when any of them lies past the end.
    public func resolve(imageSize: UInt64) throws(Problem) -> (offset: UInt64, length: UInt64) {
        let (offset, overflow) = start.multipliedReportingOverflow(by: unit.size)
        guard !overflow else { throw .overflow(text) }
        let length: UInt64
        if let count {
            let (bytes, lengthOverflow) = count.multipliedReportingOverflow(by: unit.size)
            guard !lengthOverflow, !offset.addingReportingOverflow(bytes).overflow else { throw .overflow(text) }
            length = bytes
        } else {
            guard offset <= imageSize else {
                throw .pastEnd(range: label, offset: offset, length: 0, imageSize: imageSize)
            }
            length = imageSize - offset
        }
        guard offset <= imageSize, length <= imageSize - offset, !(length > 0 && offset == imageSize) else {
            throw .pastEnd(range: label, offset: offset, length: length, imageSize: imageSize)
        }
        return (offset, length)
    }
}
