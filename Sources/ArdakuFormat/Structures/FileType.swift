/// The 32-byte type of a file (the seed's "Application/FileType: u256").
///
/// By convention a short ASCII name padded with zero bytes; all zeros is plain data. The
/// toolchain gives meaning to two names: `zest` (a ZEST volume) and `cas` (a CAS volume).
public struct FileType: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == FileType.byteCount, "a file type has 32 bytes")
        self.bytes = bytes
    }

    /// The type named `name` (at most 32 ASCII bytes), zero-padded; nil when it does not fit.
    public init?(name: String) {
        let ascii = Array(name.utf8)
        guard ascii.count <= FileType.byteCount, ascii.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else { return nil }
        bytes = ascii + [UInt8](repeating: 0, count: FileType.byteCount - ascii.count)
    }

    public static let data = FileType(bytes: [UInt8](repeating: 0, count: byteCount))
    public static let zest = FileType(name: "zest")!
    public static let cas = FileType(name: "cas")!

    /// The ASCII name when the bytes are a printable name followed by zeros.
    public var name: String? {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        guard end > 0, bytes[..<end].allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }), bytes[end...].allSatisfy({ $0 == 0 }) else { return nil }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// `data`, the name, or 64 hex digits when the bytes are not a name.
    public var description: String {
        if self == .data { return "data" }
        if let name { return name }
        return bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
