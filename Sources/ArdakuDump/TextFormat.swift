import ArdakuFormat

/// Small formatting rules shared by every text view, so that the same value always reads
/// the same way.
enum TextFormat {
    /// Column where values start in `Label:` lines (dumpe2fs uses 26 + 1).
    static let labelWidth = 26

    /// `label:` padded to the value column, then `value`.
    static func labelled(_ label: String, _ value: String) -> String {
        pad(label + ":", labelWidth) + value
    }

    /// `text` followed by spaces up to `width` characters (never cut).
    static func pad(_ text: String, _ width: Int) -> String {
        let length = text.count
        return length >= width ? text + " " : text + String(repeating: " ", count: width - length)
    }

    /// `0x` and exactly `2 * byteCount` lowercase hex digits.
    static func hex(_ value: UInt64, bytes byteCount: Int) -> String {
        Hex.format(value, width: 2 * byteCount)
    }

    /// Lowercase hex digits of `bytes`, no separator.
    static func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Hex.digits(bytes)
    }

    /// At most `limit` bytes as spaced hex pairs, with `…` when there are more.
    static func hexBytes<C: Collection>(_ bytes: C, limit: Int = 8) -> String where C.Element == UInt8 {
        var parts: [String] = []
        for byte in bytes.prefix(limit) { parts.append(hexString([byte])) }
        if bytes.count > limit { parts.append("…") }
        return parts.joined(separator: " ")
    }

    /// Bytes as a quoted string: printable ASCII as itself, `\"` and `\\` escaped, every
    /// other byte as `\xHH`. Shows exactly what is on disk, whatever the encoding.
    static func escaped<C: Collection>(_ bytes: C, quoted: Bool = true) -> String where C.Element == UInt8 {
        var result = quoted ? "\"" : ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): result += "\\\""
            case UInt8(ascii: "\\"): result += "\\\\"
            case 0x20...0x7E: result.unicodeScalars.append(Unicode.Scalar(byte))
            default: result += "\\x" + hexString([byte])
            }
        }
        return quoted ? result + "\"" : result
    }

    /// A magic number's four bytes as text: `"ARDK"`.
    static func magicText(_ value: UInt32) -> String {
        escaped([UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8),
                 UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 24)])
    }

    /// Seconds since the epoch as `2023-11-14 22:13:20 UTC`.
    static func utc(_ seconds: UInt64) -> String {
        // Beyond year 9999 a date means nothing; show the number alone.
        guard seconds < 253_402_300_800 else { return "beyond 9999-12-31 UTC" }
        let days = Int64(seconds / 86_400)
        let secondOfDay = Int(seconds % 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) UTC"
    }

    /// The proleptic Gregorian date `days` after 1970-01-01, by 400-year eras.
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int, day: Int) {
        // Count from 0000-03-01 so that the leap day falls at the end of each year.
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097                                    // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)   // from March 1st
        let monthIndex = (5 * dayOfYear + 2) / 153                               // 0 = March
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// "1 page", "3 pages".
    static func count(_ n: UInt64, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
    }

    /// "7" or "3-9".
    static func span(_ first: UInt64, _ last: UInt64) -> String {
        first == last ? "\(first)" : "\(first)-\(last)"
    }

    /// An absolute image offset as in hexdump: at least 8 hex digits, no prefix.
    static func address(_ offset: UInt64) -> String {
        let digits = String(offset, radix: 16)
        return digits.count >= 8 ? digits : String(repeating: "0", count: 8 - digits.count) + digits
    }
}
