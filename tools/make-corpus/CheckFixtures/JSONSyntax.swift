/// A strict syntax check of one JSON document (RFC 8259), for the dump fuzz target: the
/// fuzzer's build has no Foundation, so no JSONSerialization.
public struct JSONSyntax {
    /// Deeper nesting than dumpfs ever writes is itself a problem (and bounds the recursion).
    static let maximumDepth = 64

    let bytes: [UInt8]
    var index = 0

    /// Why `bytes` is not exactly one JSON value (surrounding whitespace allowed); nil when it is.
    public static func problem(in bytes: [UInt8]) -> String? {
        var parser = JSONSyntax(bytes: bytes)
        do throws(Failure) {
            try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.index == bytes.count else { throw Failure(message: "text after the document", at: parser.index) }
            return nil
        } catch {
            return "\(error.message) at byte \(error.at)"
        }
    }

    struct Failure: Error {
        let message: String
        let at: Int
    }

    func failure(_ message: String) -> Failure { Failure(message: message, at: index) }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(Failure) {
        guard current == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    mutating func value(depth: Int) throws(Failure) {
        guard depth < Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth)") }
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"):
            index += 1
            try members(closing: UInt8(ascii: "}")) { (parser: inout JSONSyntax) throws(Failure) in
                parser.skipWhitespace()
                try parser.string()
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"))
                try parser.value(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            index += 1
            try members(closing: UInt8(ascii: "]")) { (parser: inout JSONSyntax) throws(Failure) in try parser.value(depth: depth + 1) }
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    /// The members of an object or array, after its opening bracket.
    mutating func members(closing: UInt8, _ member: (inout JSONSyntax) throws(Failure) -> Void) throws(Failure) {
        skipWhitespace()
        if current == closing { index += 1; return }
        while true {
            try member(&self)
            skipWhitespace()
            if current == closing { index += 1; return }
            try expect(UInt8(ascii: ","))
        }
    }

    mutating func literal(_ word: String) throws(Failure) {
        for byte in word.utf8 { try expect(byte) }
    }

    mutating func string() throws(Failure) {
        try expect(UInt8(ascii: "\""))
        let start = index
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard String(validating: bytes[start..<(index - 1)], as: UTF8.self) != nil else {
                    throw Failure(message: "a string is not UTF-8", at: start)
                }
                return
            case UInt8(ascii: "\\"):
                guard let escaped = current else { break }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let digit = current, digit.isHexDigit else { throw failure("bad \\u escape") }
                        index += 1
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(escaped) {
                    throw failure("bad escape")
                }
            case 0..<0x20: throw failure("a control character in a string")
            default: break
            }
        }
        throw failure("unterminated string")
    }

    mutating func number() throws(Failure) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, first.isDigit else { throw failure("expected a value") }
        index += 1
        if first != UInt8(ascii: "0") { digits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard current?.isDigit == true else { throw failure("expected a digit") }
            digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard current?.isDigit == true else { throw failure("expected a digit") }
            digits()
        }
    }

    mutating func digits() {
        while current?.isDigit == true { index += 1 }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self | 0x20 >= UInt8(ascii: "a") && self | 0x20 <= UInt8(ascii: "f"))
    }
}
