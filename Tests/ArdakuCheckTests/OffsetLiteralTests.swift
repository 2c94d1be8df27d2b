import Foundation
import Testing

/// Each Part I structure's field offsets are named once, in its `Offset` enum in
/// ArdakuFormat/Structures (the layout rows, checked against docs/FORMAT.md, are built from
/// them). This keeps the decoders, the volume library, the checker and dumpfs from spelling
/// an offset as a number again: a field read, seek, dumpfs row or finding location with a
/// literal offset is refused here.
///
/// The ZEST and CAS structures are held to it too (their `Offset` enums, `ZestEntry.Field`),
/// with their layout rows checked against Parts II and III.
@Suite struct OffsetLiteralTests {
    /// The patterns of a field offset written as a number (`at: 0` alone is the start of
    /// the bytes, as in a truncation error, not a field).
    static let patterns: [(name: String, matches: @Sendable (String) -> Bool)] = [
        ("integer read at a literal offset", { line in
            ["uint16(in:", "uint32(in:", "uint64(in:"].contains { line.contains($0) } && hasLiteral(after: ", at: ", in: line, allowZero: false) }),
        ("seek to a literal offset", { hasLiteral(after: "seek(to: ", in: $0, allowZero: false) }),
        ("dumpfs row at a literal offset", { line in
            ["f.add(", "f.addReserved(", "f.addMagic(", "f.addChecksum(", "f.u8(", "f.u16(", "f.u32(", "f.u64(", "f.slice("].contains { call in
                guard let range = line.range(of: call) else { return false }
                var rest = line[range.upperBound...]
                if rest.hasPrefix("\""), let close = rest.dropFirst().firstIndex(of: "\"") { rest = rest[rest.index(after: close)...].drop { $0 == "," || $0 == " " } }
                return startsWithLiteral(rest, allowZero: true)
            }
        }),
        ("finding at a literal offset", { hasLiteral(after: "offset: 0x", in: $0, allowZero: true, hexOnly: true) }),
        ("error at a literal offset", { $0.contains(".error(") && hasLiteral(after: "), at: ", in: $0, allowZero: false) }),
    ]

    @Test func offsetsAreNamedOnce() throws {
        let directories = ["Sources/ArdakuFormat/Structures", "Sources/ArdakuFormat/Storage", "Sources/ArdakuVolume", "Sources/ArdakuIO",
                           "Sources/ArdakuCheck", "Sources/ArdakuDump", "Sources/ArdakuZest", "Sources/ArdakuCAS"]
        // dumpfs's ZEST volume plumbing (not a structure's fields).
        let exempt = ["ZestDump.swift", "ZestVolumeBytes.swift"]
        var files = 0
        for directory in directories {
            for path in SectionReferenceTests.swiftFiles(under: PackagePaths.root + "/" + directory)
            where !exempt.contains(where: { path.hasSuffix("/" + $0) }) {
                files += 1
                let text = try #require(Files.text(path))
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                    for pattern in Self.patterns where pattern.matches(code) {
                        Issue.record("\(path.dropFirst(PackagePaths.root.count + 1)):\(number + 1): \(pattern.name): \(line.trimmingPrefix(while: { $0 == " " }))")
                    }
                }
            }
        }
        #expect(files > 50)
    }

    @Test func thePatternsCatchWhatTheyAreFor() {
        let caught = ["let x = ByteReader.uint32(in: bytes, at: 0x0C)", "try reader.seek(to: 0x0400)",
                      "f.add(\"copy\", 0x040A, 2, meaning: m)", "f.u32(8)", "FindingContext(page: 0, offset: 0x0438)",
                      "throw reader.error(.badMagic(expected: 1, found: 2), at: 4)"]
        for line in caught { #expect(Self.patterns.contains { $0.matches(line) }, "\(line)") }
        let passed = ["let x = ByteReader.uint32(in: bytes, at: Offset.entryCount)", "try reader.seek(to: Offset.magic)",
                      "f.add(\"copy\", O.copy, 2, meaning: m)", "throw reader.error(.truncated(needed: 1, available: 0), at: 0)",
                      "f.add(\"entries\", ExtensionPage.headerSize + 8 * index, 8)"]
        for line in passed { #expect(!Self.patterns.contains { $0.matches(line) }, "\(line)") }
    }

    static func hasLiteral(after marker: String, in line: String, allowZero: Bool, hexOnly: Bool = false) -> Bool {
        var rest = Substring(line)
        while let range = rest.range(of: marker) {
            rest = rest[range.upperBound...]
            if hexOnly { return true }
            if startsWithLiteral(rest, allowZero: allowZero) { return true }
        }
        return false
    }

    /// A number literal standing alone as the argument ("0x0C)", "8,"), not "8 * index".
    static func startsWithLiteral(_ text: Substring, allowZero: Bool) -> Bool {
        let token = text.prefix { $0.isHexDigit || $0 == "x" || $0 == "_" }
        guard let first = token.first, first.isNumber else { return false }
        let after = text.dropFirst(token.count).first
        guard after == ")" || after == "," else { return false }
        return allowZero || !(token == "0" || token == "0x0" || token == "0x00")
    }
}
