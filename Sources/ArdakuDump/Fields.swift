import ArdakuFormat

/// The verdict shown beside a field: `[ok]`, `[MISMATCH]` with both values, or why the
/// value breaks a rule of docs/FORMAT.md.
public enum FieldCheck: Equatable, Sendable {
    case ok
    /// A CRC-32 that matches the bytes it covers.
    case checksumOK(UInt32)
    /// A magic number that is not the structure's.
    case badMagic(found: UInt32, expected: UInt32)
    /// A CRC-32 that does not match the bytes it covers.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// A value the format does not allow, and why.
    case invalid(String)

    public var isProblem: Bool {
        switch self {
        case .ok, .checksumOK: return false
        default: return true
        }
    }

    /// `[ok]`, `[MISMATCH] ...` or `[INVALID: ...]`.
    public var text: String {
        switch self {
        case .ok, .checksumOK: return "[ok]"
        case let .badMagic(found, expected):
            return "[MISMATCH] found \(Hex.format(found, width: 8)) \(TextFormat.magicText(found)), expected \(Hex.format(expected, width: 8)) \(TextFormat.magicText(expected))"
        case let .checksumMismatch(stored, computed):
            return "[MISMATCH] stored \(Hex.format(stored, width: 8)), computed \(Hex.format(computed, width: 8))"
        case let .invalid(reason): return "[INVALID: \(reason)]"
        }
    }

    var status: String {
        switch self {
        case .ok, .checksumOK: return "ok"
        case .badMagic, .checksumMismatch: return "mismatch"
        case .invalid: return "invalid"
        }
    }
}

/// A field's decoded value, typed for JSON and spelled for text.
public enum FieldValue: Equatable, Sendable {
    case number(UInt64)
    case text(String)
    case numbers([UInt64])
    /// Bytes that mean nothing more than themselves (reserved areas, content).
    case bytes
}

/// One field of a structure as found on disk.
public struct FieldRow: Equatable, Sendable {
    /// Name as docs/FORMAT.md spells it (`magic`, `trie_pages`, `children[3]`).
    public var name: String
    /// Absolute byte offset in the image.
    public var offset: UInt64
    /// Offset from the start of the structure.
    public var relativeOffset: Int
    public var size: Int
    /// The stored bytes (at most `FieldRow.rawLimit` of them).
    public var raw: [UInt8]
    /// The stored integer, for fields of 1, 2, 4 or 8 bytes.
    public var integer: UInt64?
    public var value: FieldValue
    /// How the value reads: `4`, `"test"`, `2023-11-14 22:13:20 UTC (1700000000)`.
    public var display: String
    /// What the field is, from the structure's layout table.
    public var meaning: String
    public var check: FieldCheck?

    /// Raw bytes kept per field; longer fields keep their first bytes only.
    public static let rawLimit = 64

    /// The raw column: `0x4b445241` for an integer, else the first bytes in hex.
    public var rawText: String {
        if let integer { return TextFormat.hex(integer, bytes: size) }
        if size == 0 { return "-" }
        return TextFormat.hexBytes(raw.prefix(size), limit: 5) + (size > 5 && raw.count <= 5 ? " …" : "")
    }
}

/// A structure shown field by field: where it is, its fields, what is wrong with it.
public struct StructureView: Equatable, Sendable {
    /// "system information block", "trie page", "metadata record", ...
    public var kind: String
    /// Where: "page 0", "subpage 12 (page 3, slot 0)".
    public var location: String
    public var offset: UInt64
    public var size: Int
    public var fields: [FieldRow]
    /// Why the structure cannot be decoded, or what contradicts the rest of the volume.
    public var problems: [String]

    public init(kind: String, location: String, offset: UInt64, size: Int, fields: [FieldRow] = [], problems: [String] = []) {
        self.kind = kind
        self.location = location
        self.offset = offset
        self.size = size
        self.fields = fields
        self.problems = problems
    }

    public func field(_ name: String) -> FieldRow? { fields.first { $0.name == name } }

    /// Every check that is not `[ok]`, as text.
    public var failedChecks: [String] {
        fields.compactMap { field in field.check.flatMap { $0.isProblem ? "\(field.name) \($0.text)" : nil } }
    }
}

/// Builds the rows of one structure from its bytes, one field at a time.
struct FieldBuilder {
    /// The structure's bytes.
    let bytes: UnsafeRawBufferPointer
    /// Absolute offset of `bytes[0]`.
    let origin: UInt64
    var rows: [FieldRow] = []

    init(bytes: UnsafeRawBufferPointer, origin: UInt64) {
        self.bytes = bytes
        self.origin = origin
    }

    /// The little-endian integer of `size` (1, 2, 4 or 8) bytes at `offset`, or nil when
    /// it does not lie inside the structure.
    func integer(at offset: Int, size: Int) -> UInt64? {
        guard offset >= 0, size > 0, size <= 8, offset <= bytes.count - size else { return nil }
        var value: UInt64 = 0
        for index in stride(from: size - 1, through: 0, by: -1) { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }

    func u16(_ offset: Int) -> UInt64 { integer(at: offset, size: 2) ?? 0 }
    func u32(_ offset: Int) -> UInt64 { integer(at: offset, size: 4) ?? 0 }
    func u64(_ offset: Int) -> UInt64 { integer(at: offset, size: 8) ?? 0 }

    /// The bytes of `offset ..< offset + size`, clipped to the structure.
    func slice(_ offset: Int, _ size: Int) -> UnsafeRawBufferPointer {
        let start = min(max(offset, 0), bytes.count)
        let end = min(max(start, offset &+ max(size, 0)), bytes.count)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// True when every byte of the field is zero.
    func isZero(_ offset: Int, _ size: Int) -> Bool { Zeros.isAllZero(slice(offset, size)) }

    /// Adds a row. `display` defaults to the decimal integer, or the bytes in hex.
    mutating func add(_ name: String, _ offset: Int, _ size: Int, meaning: String,
                      value: FieldValue? = nil, display: String? = nil, check: FieldCheck? = nil) {
        let stored = slice(offset, size)
        // A field is an integer when the caller gives no other kind of value for it.
        let isInteger: Bool
        switch value {
        case nil, .number?: isInteger = [1, 2, 4, 8].contains(size)
        default: isInteger = false
        }
        let integer = isInteger ? self.integer(at: offset, size: size) : nil
        let shownValue = value ?? integer.map { FieldValue.number($0) } ?? .bytes
        let shown: String
        if let display {
            shown = display
        } else if let integer {
            shown = "\(integer)"
        } else {
            shown = size == 0 ? "(empty)" : TextFormat.hexBytes(stored, limit: 16)
        }
        rows.append(FieldRow(name: name, offset: origin &+ UInt64(max(offset, 0)), relativeOffset: offset, size: size,
                             raw: Array(stored.prefix(FieldRow.rawLimit)), integer: integer, value: shownValue,
                             display: shown, meaning: meaning, check: check))
    }

    /// Adds a reserved field: `zero` when it is, else the bytes and an `[INVALID]` check.
    mutating func addReserved(_ name: String, _ offset: Int, _ size: Int, meaning: String = "zero") {
        if isZero(offset, size) {
            add(name, offset, size, meaning: meaning, value: .number(0), display: "zero")
        } else {
            add(name, offset, size, meaning: meaning, check: .invalid("not zero"))
        }
    }

    /// Adds a magic field checked against `expected` (or any of `alternatives`).
    mutating func addMagic(_ offset: Int, meaning: String, expected: UInt32, alternatives: [UInt32: String] = [:]) {
        let found = UInt32(truncatingIfNeeded: u32(offset))
        var display = TextFormat.magicText(found)
        let check: FieldCheck
        if found == expected {
            check = .ok
        } else if let what = alternatives[found] {
            check = .ok
            display += " (\(what))"
        } else {
            check = .badMagic(found: found, expected: expected)
        }
        add("magic", offset, 4, meaning: meaning, value: .number(UInt64(found)), display: display, check: check)
    }

    /// Adds a CRC-32 field: the stored value against `computed`.
    mutating func addChecksum(_ offset: Int, meaning: String, computed: UInt32, name: String = "checksum") {
        let stored = UInt32(truncatingIfNeeded: u32(offset))
        add(name, offset, 4, meaning: meaning,
            display: "stored \(Hex.format(stored, width: 8)), computed \(Hex.format(computed, width: 8))",
            check: stored == computed ? .checksumOK(stored) : .checksumMismatch(stored: stored, computed: computed))
    }

    /// The summary of `name` in `layout` (empty when the table does not list it).
    static func meaning(_ name: String, in layout: [FieldLayout]) -> String {
        layout.first { $0.name == name }?.summary ?? ""
    }
}
