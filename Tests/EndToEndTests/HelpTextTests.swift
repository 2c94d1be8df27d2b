import Foundation
import Testing

/// Every --help, as a user reads it in an 80-column terminal: nothing wider, no hand-set
/// line wrapped back to the margin, no word of the source tree, and a usage line that
/// shows every option the command takes.
@Suite struct HelpTextTests {
    /// Every tool and every command under it (`ardaku zest put`), found as ManualPageTests
    /// finds them: through the SUBCOMMANDS of each --help.
    static let commands: [[String]] = {
        var found: [[String]] = []
        var pending: [[String]] = [["mkfs.ardaku"], ["fsck.zest"], ["dumpfs"], ["ardaku"],
                                   ["ardaku", "mkfs"], ["ardaku", "fsck"], ["ardaku", "dump"]]
        while let command = pending.first {
            pending.removeFirst()
            found.append(command)
            pending += ManualPageTests.commands(of: command).map { command + [$0] }
        }
        return found
    }()

    static func help(_ command: [String]) throws -> String {
        let result = try Tools.run(command[0], Array(command.dropFirst()) + ["--help"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0, "\(command.joined(separator: " ")) --help: \(result.stderr)")
        return result.stdout
    }

    /// The USAGE text: from "USAGE:" to the blank line after it.
    static func usage(in help: String) -> String {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("USAGE: ") }) else { return "" }
        let end = lines[start...].firstIndex(of: "") ?? lines.endIndex
        return lines[start..<end].joined(separator: "\n")
    }

    /// The option rows of the OPTIONS section, each as the names it gives (`-T`, `--files-from`).
    static func optionRows(in help: String) -> [[String]] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "OPTIONS:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }.compactMap { line in
            guard line.hasPrefix("  -") else { return nil }
            let column = line.dropFirst(2).range(of: "  ").map { line.dropFirst(2)[..<$0.lowerBound] } ?? line.dropFirst(2)
            return ManualPageTests.optionWords(in: String(column))
        }
    }

    @Test func everyCommandIsFound() {
        let names = Set(Self.commands.map { $0.joined(separator: " ") })
        for name in ["ardaku zest put", "ardaku cas info", "ardaku ls", "ardaku probe", "dumpfs", "fsck.zest", "mkfs.ardaku"] {
            #expect(names.contains(name), "\(name) was not found among \(names.sorted())")
        }
    }

    /// At most 80 columns, and no indented line (an example, a usage form) continued at the
    /// margin, which is how the parser wraps a hand-set line that is too long.
    @Test(arguments: commands)
    func fitsEightyColumns(command: [String]) throws {
        let name = command.joined(separator: " ")
        let lines = try Self.help(command).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            #expect(line.count <= 80, "\(name) --help has a line of \(line.count) columns: \(line)")
            if index > 0, let first = line.first, first != " ", lines[index - 1].first == " " {
                #expect(Bool(false), "\(name) --help wraps an indented line back to the margin:\n\(lines[index - 1])\n\(line)")
            }
        }
    }

    /// Words for the developers, not the users: the reference implementation ("the seed"),
    /// paths into the source tree or its documents (docs/, Sources/, *.md). A volume name
    /// such as /docs/a.txt in an example is fine.
    @Test(arguments: commands)
    func speaksToUsers(command: [String]) throws {
        let name = command.joined(separator: " ")
        let help = try Self.help(command)
        #expect(!help.lowercased().contains("seed"), "\(name) --help mentions the seed")
        for word in help.split(whereSeparator: { " \n(),;".contains($0) }) {
            let path = word.hasPrefix("/") ? "" : word
            #expect(!path.hasPrefix("docs/") && !path.contains("Sources/") && !word.hasSuffix(".md"),
                    "\(name) --help points to \(word), a file users do not have")
        }
        #expect(!help.contains("(default /). (default: /)"))
    }

    /// The USAGE line names every option of the OPTIONS section (one of its names), except
    /// --help and --version; a tool whose usage says "<options>" is excused.
    @Test(arguments: commands)
    func usageShowsEveryOption(command: [String]) throws {
        let name = command.joined(separator: " ")
        let help = try Self.help(command)
        let usage = Self.usage(in: help)
        #expect(!usage.isEmpty, "\(name) --help has no USAGE")
        guard !usage.contains("<options>"), !usage.contains("<subcommand>") else { return }
        let shown = Set(ManualPageTests.optionWords(in: usage))
        for row in Self.optionRows(in: help) where !row.contains("--help") && !row.contains("--version") {
            #expect(row.contains { shown.contains($0) }, "\(name): the usage line does not show \(row.joined(separator: ", "))\n\(usage)")
        }
    }

    /// Value names that say what the value is, not the option's letter again.
    @Test func valueNamesMeanSomething() throws {
        let mkfs = try Self.help(["mkfs.ardaku"])
        for row in ["-L <label>", "-U <uuid>", "-d <directory>"] {
            #expect(mkfs.contains("  \(row) "), "mkfs.ardaku --help has no \(row)")
        }
        #expect(try Self.help(["ardaku", "cas", "info"]).contains("-d <levels>"))
        let dumpfs = try Self.help(["dumpfs"])
        for row in ["--file <name>", "--zest <name>", "--page <range>"] {
            #expect(dumpfs.contains(row), "dumpfs --help has no \(row)")
        }
        for command in Self.commands {
            let help = try Self.help(command)
            for row in help.split(separator: "\n") where row.hasPrefix("  -") {
                // "-d <d>", "--zest <zest>": the value named after its own option.
                let words = row.split(separator: " ")
                guard words.count >= 2, words[1].hasPrefix("<") else { continue }
                let option = words[0].drop { $0 == "-" }.split(separator: ",").first.map(String.init) ?? ""
                #expect(words[1] != "<\(option)>", "\(command.joined(separator: " ")): \(row)")
            }
        }
    }
}
