/// Names from a volume as every tool shows them in text: one quoting, so that two different
/// names never print the same and no name can drive a terminal.
///
/// Printable UTF-8 characters stand for themselves; a backslash is doubled; tab, newline and
/// carriage return are `\t`, `\n`, `\r`; every other control byte (0x00-0x1F, 0x7F), every C1
/// control character (U+0080-U+009F) and every byte that is not part of valid UTF-8 is
/// `\xHH` with two hex digits. Since a backslash in the output always starts an escape, the
/// original bytes can be read back from it (as with GNU ls's `--quoting-style=escape`).
public enum QuotedName {
    public static func quotedName<C: Collection>(_ name: C) -> String where C.Element == UInt8 {
        let bytes = Array(name)
        var result = ""
        var start = 0
        while start < bytes.count {
            let rest = Array(bytes[start...])
            let validCount = FileName.firstInvalidUTF8(rest) ?? rest.count
            for scalar in String(decoding: rest[..<validCount], as: UTF8.self).unicodeScalars {
                append(scalar, to: &result)
            }
            start += validCount
            if start < bytes.count {
                result += hex(bytes[start])
                start += 1
            }
        }
        return result
    }

    /// `quotedName` of a name already held as a String (whose invalid bytes, if it had any,
    /// were replaced by U+FFFD when it was made).
    public static func quotedName(_ name: String) -> String { quotedName(Array(name.utf8)) }

    private static func append(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar {
        case "\\": result += "\\\\"
        case "\t": result += "\\t"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += hex(UInt8(scalar.value))
            } else if (0x80..<0xA0).contains(scalar.value) {
                // A C1 control is two bytes in UTF-8 (0xC2 0x80...0x9F): both shown.
                for byte in String(scalar).utf8 { result += hex(byte) }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }
}
