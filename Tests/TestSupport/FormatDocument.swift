import ArdakuFormat
import Glibc

/// The offset tables of docs/FORMAT.md, parsed out of the document itself, so that the
/// code's layout rows (`FieldLayout`) are held to the spec in all three parts.
public enum FormatDocument {
    public struct Row: Equatable, CustomStringConvertible {
        public var name: String, offset: Int, size: Int
        public var description: String { "\(name)@\(offset)+\(size)" }
    }

    static let path: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/docs/FORMAT.md"
    }()

    static func text() -> String? { TestFiles.read(path).map { String(decoding: $0, as: UTF8.self) } }

    /// The rows with a literal offset ("0x1C", "+2" or "24") and size ("4", "48 × 2") of the
    /// first table after the line starting with `heading`; nil when there is no such heading.
    public static func rows(under heading: String) -> [Row]? {
        guard let lines = text()?.split(separator: "\n", omittingEmptySubsequences: false),
              let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return nil }
        var rows: [Row] = []
        var inTable = false
        for line in lines[(start + 1)...] {
            if line.hasPrefix("|") { inTable = true } else if inTable { break } else { continue }
            let cells = line.split(separator: "|").map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
            guard cells.count >= 3 else { continue }
            let offsetText = cells[0], sizeText = cells[1]
            let offset: Int?
            if offsetText.hasPrefix("0x") { offset = Int(offsetText.dropFirst(2), radix: 16) }
            else if offsetText.hasPrefix("+") { offset = Int(offsetText.dropFirst()) }
            else { offset = Int(offsetText) }
            var size = Int(sizeText)
            if size == nil, sizeText.contains("×") {
                let factors = sizeText.split(separator: "×").map { Int($0.filter { $0 != " " }) }
                if factors.count == 2, let a = factors[0], let b = factors[1] { size = a * b }
            }
            if let offset, let size { rows.append(Row(name: cells[2], offset: offset, size: size)) }
        }
        return rows
    }

    /// The code's rows of fixed size, to compare with the document's.
    public static func rows(_ layout: [FieldLayout]) -> [Row] {
        layout.filter { $0.size > 0 }.map { Row(name: $0.name, offset: $0.offset, size: $0.size) }
    }
}
