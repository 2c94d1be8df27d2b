/// Why a byte string is not a valid file name (docs/FORMAT.md §7).
public enum NameError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case notAbsolute
    case tooLong(bytes: Int, limit: Int)
    case invalidUTF8(byteOffset: Int)
    case containsNUL(byteOffset: Int)
    case emptyComponent(byteOffset: Int)
    case dotComponent(byteOffset: Int)
    case dotDotComponent(byteOffset: Int)
    case trailingSlash

    public var description: String {
        switch self {
        case .empty: return "name is empty"
        case .notAbsolute: return "name does not start with '/'"
        case let .tooLong(bytes, limit): return "name is \(bytes) bytes long, the limit is \(limit)"
        case let .invalidUTF8(offset): return "name is not valid UTF-8 (byte \(offset))"
        case let .containsNUL(offset): return "name contains a NUL byte (byte \(offset))"
        case let .emptyComponent(offset): return "name has an empty component '//' (byte \(offset))"
        case let .dotComponent(offset): return "name has a '.' component (byte \(offset))"
        case let .dotDotComponent(offset): return "name has a '..' component (byte \(offset))"
        case .trailingSlash: return "name ends with '/'"
        }
    }
}

/// A validated file name: an absolute UTF-8 path such as `/docs/a.txt`.
///
/// Directories are implicit: `/docs` exists because a name starts with `/docs/`. A name
/// is 2...1020 bytes, starts with `/`, has no empty, `.` or `..` component, no NUL, and
/// does not end with `/`.
public struct FileName: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The UTF-8 bytes of the name.
    public let bytes: [UInt8]

    /// Validates `bytes` as a file name.
    public init(bytes: [UInt8]) throws(NameError) {
        try FileName.validate(bytes)
        self.bytes = bytes
    }

    public init(_ string: String) throws(NameError) {
        try self.init(bytes: Array(string.utf8))
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { string }

    /// The names compare as their bytes do; this is also the trie's order.
    public static func < (a: FileName, b: FileName) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// The last component ("a.txt" of "/docs/a.txt").
    public var lastComponent: String {
        let start = bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// The name's directories, outermost first: "/docs/x/a.txt" gives ["/docs", "/docs/x"].
    public var directoryPrefixes: [[UInt8]] {
        var result: [[UInt8]] = []
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "/") && index > 0 {
            result.append(Array(bytes[..<index]))
        }
        return result
    }

    /// Checks every rule; throws the first rule broken.
    public static func validate(_ bytes: [UInt8]) throws(NameError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Limits.maxNameBytes else { throw .tooLong(bytes: bytes.count, limit: Limits.maxNameBytes) }
        guard bytes[0] == UInt8(ascii: "/") else { throw .notAbsolute }
        if let nul = bytes.firstIndex(of: 0) { throw .containsNUL(byteOffset: nul) }
        if let bad = firstInvalidUTF8(bytes) { throw .invalidUTF8(byteOffset: bad) }
        guard bytes.count > 1, bytes.last != UInt8(ascii: "/") else { throw .trailingSlash }
        var componentStart = 1
        for index in 1...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "/") {
            let component = bytes[componentStart..<index]
            if component.isEmpty { throw .emptyComponent(byteOffset: index) }
            if component.elementsEqual([UInt8(ascii: ".")]) { throw .dotComponent(byteOffset: componentStart) }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { throw .dotDotComponent(byteOffset: componentStart) }
            componentStart = index + 1
        }
    }

    /// Offset of the first byte that does not belong to a well-formed UTF-8 sequence
    /// (overlong forms, surrogates and values past U+10FFFF are not well formed).
    public static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return index
            }
            guard index <= bytes.count - length else { return index }
            for k in 1..<length {
                let byte = bytes[index + k]
                let (low, high): (UInt8, UInt8) = k == 1 ? (lower, upper) : (0x80, 0xBF)
                guard byte >= low && byte <= high else { return index }
            }
            index += length
        }
        return nil
    }
}
