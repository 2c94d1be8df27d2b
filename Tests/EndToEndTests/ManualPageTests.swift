import Foundation
import Testing

/// The manual pages in man/: each renders without a warning, and each names every option
/// its tool's --help lists, and no option the tool does not take, so that the pages cannot
/// drift from the code.
@Suite struct ManualPageTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let manualDirectory = repository + "/man"

    /// Every page, and the command whose options it documents (nil for ardaku(5)).
    static let pages: [(page: String, command: [String]?)] = [
        ("mkfs.ardaku.8", ["mkfs.ardaku"]),
        ("fsck.zest.8", ["fsck.zest"]),
        ("dumpfs.8", ["dumpfs"]),
        ("ardaku.1", ["ardaku"]),
        ("ardaku-zest.1", ["ardaku", "zest"]),
        ("ardaku-cas.1", ["ardaku", "cas"]),
        ("ardaku.5", nil),
    ]
    static let toolPages = ["mkfs.ardaku.8", "fsck.zest.8", "dumpfs.8", "ardaku.1", "ardaku-zest.1", "ardaku-cas.1"]

    /// The --help invocations a page documents: the command's, and those of its commands
    /// (`ardaku`'s without zest and cas, whose groups have pages of their own).
    static func helps(of page: String) throws -> [[String]] {
        let entry = try #require(pages.first { $0.page == page })
        let command = try #require(entry.command)
        let commands = Self.commands(of: command).filter { command != ["ardaku"] || !["zest", "cas"].contains($0) }
        return [command] + commands.map { command + [$0] }
    }

    static func text(_ page: String) throws -> String {
        try String(contentsOfFile: manualDirectory + "/" + page, encoding: .utf8)
    }

    static func help(_ command: [String]) -> String {
        (try? Tools.run(command[0], Array(command.dropFirst()) + ["--help"]).stdout) ?? ""
    }

    /// The commands a --help lists under SUBCOMMANDS.
    static func commands(of command: [String]) -> [String] {
        let lines = help(command).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        return lines[(start + 1)...].compactMap { line in
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLowercase else { return nil }
            return line.dropFirst(2).split(separator: " ").first.map(String.init)
        }
    }

    /// The options (`-L`, `--nodiscard`) in the option column of a --help text: the lines
    /// that start with "  -", up to the gap before the description.
    static func options(inHelp help: String) -> Set<String> {
        var options: Set<String> = []
        for line in help.split(separator: "\n") where line.hasPrefix("  -") {
            let column = line.dropFirst(2).range(of: "  ").map { line.dropFirst(2)[..<$0.lowerBound] } ?? line.dropFirst(2)
            options.formUnion(optionWords(in: String(column)))
        }
        return options
    }

    /// Words that are options: a dash, or two, then a letter, after a space, a quote or the start.
    static func optionWords(in text: String) -> [String] {
        var words: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "-", index == text.startIndex || " \"[(|".contains(text[text.index(before: index)]) {
                var end = text.index(after: index)
                if end < text.endIndex, text[end] == "-" { end = text.index(after: end) }
                guard end < text.endIndex, text[end].isLetter else { index = end; continue }
                while end < text.endIndex, text[end].isLetter || text[end].isNumber || text[end] == "-" { end = text.index(after: end) }
                words.append(String(text[index..<end]))
                index = end
            } else {
                index = text.index(after: index)
            }
        }
        return words
    }

    /// Roff source as text: `\-` a dash, font changes and `\c` dropped.
    static func plain(_ roff: String) -> String {
        var text = roff.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\c", with: "")
        for font in ["\\fB", "\\fI", "\\fR", "\\fP"] { text = text.replacingOccurrences(of: font, with: "") }
        return text
    }

    @Test func everyPageRendersWithoutWarnings() throws {
        let groff = "/usr/bin/groff"
        try #require(FileManager.default.isExecutableFile(atPath: groff), "groff is missing (tools/setup.sh installs groff-base)")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.manualDirectory).sorted()
        #expect(Set(files) == Set(Self.pages.map(\.page)), "man/ holds \(files)")
        for page in files {
            let result = try Tools.run(groff, ["-man", "-ww", "-z", "-t", Self.manualDirectory + "/" + page])
            #expect(result.status == 0 && result.stderr.isEmpty, "groff -man -ww -z -t \(page):\n\(result.stderr)")
            let mandoc = "/usr/bin/mandoc"
            if FileManager.default.isExecutableFile(atPath: mandoc) {
                let lint = try Tools.run(mandoc, ["-T", "lint", "-W", "warning", Self.manualDirectory + "/" + page])
                #expect(lint.status == 0, "mandoc -T lint \(page):\n\(lint.stdout)\(lint.stderr)")
            }
        }
    }

    /// Every option a --help lists appears in the page (`\-\-wait`, `\-K`).
    @Test(arguments: toolPages)
    func everyOptionOfTheToolIsInItsPage(page: String) throws {
        let helps = try Self.helps(of: page)
        let text = Self.plain(try Self.text(page))
        var listed: Set<String> = []
        for command in helps {
            let help = Self.help(command)
            #expect(help.contains("USAGE:"), "\(command.joined(separator: " ")) --help printed no usage")
            listed.formUnion(Self.options(inHelp: help))
        }
        #expect(listed.contains("--help"))
        let documented = Set(Self.optionWords(in: text))
        let missing = listed.subtracting(documented).sorted()
        #expect(missing.isEmpty, "\(page) does not mention \(missing)")
    }

    /// Every option a page documents (the tag of a `.TP` item) is one its tool takes.
    @Test(arguments: toolPages)
    func everyOptionInThePageIsTakenByTheTool(page: String) throws {
        let helps = try Self.helps(of: page)
        let taken = helps.reduce(into: Set<String>()) { $0.formUnion(Self.options(inHelp: Self.help($1))) }
        let lines = try Self.text(page).split(separator: "\n", omittingEmptySubsequences: false)
        var documented: Set<String> = []
        for (index, line) in lines.enumerated() where line == ".TP" && index + 1 < lines.count {
            documented.formUnion(Self.optionWords(in: Self.plain(String(lines[index + 1]))))
        }
        #expect(!documented.isEmpty)
        let unknown = documented.subtracting(taken).sorted()
        #expect(unknown.isEmpty, "\(page) documents options the tool does not take: \(unknown)")
    }

    /// Every command of `ardaku`, `ardaku zest` and `ardaku cas` has its section.
    @Test func everyCommandHasItsSection() throws {
        for (page, group) in [("ardaku.1", ["ardaku"]), ("ardaku-zest.1", ["ardaku", "zest"]), ("ardaku-cas.1", ["ardaku", "cas"])] {
            let headings = try Self.text(page).split(separator: "\n").filter { $0.hasPrefix(".SS ") }.map { Self.plain(String($0)) }
            let commands = Self.commands(of: group)
            #expect(commands.count >= 7, "\(group.joined(separator: " ")) lists \(commands)")
            for command in commands {
                let name = (group + [command]).joined(separator: " ")
                #expect(headings.contains { $0.hasPrefix(".SS \"\(name) ") || $0 == ".SS \"\(name)\"" }, "\(page) has no section for \(name)")
            }
        }
    }

    /// The exit statuses fsck.zest(8) gives are e2fsck's bits, as the tool's own help says.
    @Test func fsckPageGivesEveryExitStatus() throws {
        let text = try Self.text("fsck.zest.8")
        let rest = try #require(text.range(of: ".SH EXIT STATUS\n").map { text[$0.upperBound...] })
        let statuses = (rest.range(of: "\n.SH ").map { rest[..<$0.lowerBound] } ?? rest).split(separator: "\n")
        for status in [0, 1, 2, 4, 8, 16, 32, 128] {
            #expect(statuses.contains(".B \(status)"), "fsck.zest.8 does not give exit status \(status)")
        }
        #expect(Self.help(["fsck.zest"]).contains("128 shared-library error"))
    }
}
