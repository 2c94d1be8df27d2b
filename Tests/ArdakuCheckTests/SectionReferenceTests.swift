import Glibc
import Testing

/// Comments cite the format by section ("docs/FORMAT.md §C3.6.1", "§Z4"): every such citation
/// in Sources and tools must name a section the document has, so that renumbering a section
/// cannot leave a comment pointing at the wrong rule. Inside the ZEST and CAS code a bare
/// number ("§6") would silently mean Part I: there, Part I is cited with "FORMAT.md" before it.
@Suite struct SectionReferenceTests {
    @Test func everySectionCitedInTheCodeExists() throws {
        let format = try #require(Files.text(PackagePaths.root + "/docs/FORMAT.md"))
        var sections = Set<String>()
        for line in format.split(separator: "\n") where line.hasPrefix("#") {
            let words = line.split(separator: " ")
            guard words.count >= 2 else { continue }
            var number = String(words[1])
            if number.hasSuffix(".") { number.removeLast() }
            if number.first.map({ $0.isNumber || $0 == "Z" || $0 == "C" }) == true { sections.insert(number) }
        }
        #expect(sections.contains("12.4") && sections.contains("Z4.1") && sections.contains("C3.6.1"))

        var checked = 0
        for path in Self.swiftFiles(under: PackagePaths.root + "/Sources") + Self.swiftFiles(under: PackagePaths.root + "/tools") {
            let text = try #require(Files.text(path))
            let shortPath = String(path.dropFirst(PackagePaths.root.count + 1))
            let nestedFormat = shortPath.hasPrefix("Sources/ArdakuZest/") || shortPath.hasPrefix("Sources/ArdakuCAS/")
            for (lineNumber, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for citation in Self.citations(in: String(line)) {
                    // Citations of the other documents (FSCK.md, RELIABILITY.md) are theirs.
                    if let document = citation.document, document != "FORMAT.md" { continue }
                    checked += 1
                    #expect(sections.contains(citation.section), "\(shortPath):\(lineNumber + 1): §\(citation.section) is no section of docs/FORMAT.md")
                    if nestedFormat, citation.document == nil, citation.section.first?.isNumber == true {
                        Issue.record("\(shortPath):\(lineNumber + 1): a bare §\(citation.section) in ZEST or CAS code; write §Z.. or §C.., or 'docs/FORMAT.md §\(citation.section)' for Part I")
                    }
                }
            }
        }
        #expect(checked > 100)
    }

    /// "§12.4", "§ Z4" and the document named just before ("FORMAT.md §7", "FSCK.md §4").
    static func citations(in line: String) -> [(document: String?, section: String)] {
        var found: [(String?, String)] = []
        let characters = Array(line)
        for (index, character) in characters.enumerated() where character == "§" {
            var position = index + 1
            while position < characters.count, characters[position] == " " { position += 1 }
            var section = ""
            if position < characters.count, characters[position] == "Z" || characters[position] == "C" {
                section.append(characters[position]); position += 1
            }
            while position < characters.count, characters[position].isNumber || (characters[position] == "." && position + 1 < characters.count && characters[position + 1].isNumber) {
                section.append(characters[position]); position += 1
            }
            guard section.contains(where: \.isNumber) else { continue }
            // The word just before the "§", if it names a document ("docs/FORMAT.md").
            let word = String(characters[..<index]).split(separator: " ").last.map(String.init) ?? ""
            let document = word.hasSuffix(".md") ? String(word.split(separator: "/").last ?? "") : nil
            found.append((document, section))
        }
        return found
    }

    static func swiftFiles(under directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var files: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) { files += swiftFiles(under: path) }
            else if name.hasSuffix(".swift") { files.append(path) }
        }
        return files.sorted()
    }
}
