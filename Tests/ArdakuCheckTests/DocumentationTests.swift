import Foundation
import Testing
import ArdakuCheck

/// docs/FSCK.md lists every finding code with the severity and repair policy the table has.
@Suite struct DocumentationTests {
    @Test func fsckPageListsEveryCode() throws {
        let page = try #require(Files.text(PackagePaths.root + "/docs/FSCK.md"))
        let rows = page.split(separator: "\n").filter { $0.hasPrefix("| A") }
        for kind in ArdakuFindings.all {
            let row = rows.first { $0.hasPrefix("| \(kind.code) |") }
            #expect(row != nil, "docs/FSCK.md has no row for \(kind.code)")
            #expect(row?.contains("| \(kind.severity.rawValue) | \(kind.repair.rawValue) |") == true, "\(kind.code): severity or policy differs")
        }
        #expect(rows.count == ArdakuFindings.all.count)
    }
}

/// README's layout section names every target directory under Sources/.
@Suite struct ReadmeLayoutTests {
    @Test func everySourceDirectoryIsDescribed() throws {
        let readme = try #require(Files.text(PackagePaths.root + "/README.md"))
        let start = try #require(readme.range(of: "## Repository layout"))
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        let directories = Files.directories(in: PackagePaths.root + "/Sources")
        #expect(directories.count > 15)
        for directory in directories {
            #expect(section.contains("Sources/\(directory) ") || section.contains("Sources/\(directory)\n"),
                    "README's layout section does not describe Sources/\(directory)")
        }
    }
}
