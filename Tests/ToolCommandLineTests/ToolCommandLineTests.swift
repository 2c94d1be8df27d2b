import Foundation
import Testing
@testable import ToolCommandLine

/// A command with one of each kind of declaration the tools use.
struct Sample: ParsableCommand {
    enum Speed: String, CaseIterable, ExpressibleByArgument { case fast, slow }

    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Do a sample thing.",
        discussion: """
            A paragraph long enough to be wrapped at the width of the help, which is eighty \
            columns unless COLUMNS says otherwise.

            Examples:
              sample -r image a b      # two names, recursively
            """)
    @Flag(name: .customShort("r"), help: "Recurse.") var recursive = false
    @Flag(name: [.customShort("q"), .long], help: "Quiet.") var quiet = false
    @Option(name: .customShort("o"), help: ArgumentHelp("Write here.", valueName: "dest")) var output: String?
    @Option(help: ArgumentHelp("Level, 1 to 9.", valueName: "n")) var level: Int32 = 6
    @Option(name: .customShort("s"), help: ArgumentHelp("Show this tag; repeatable.", valueName: "tag")) var tags: [String] = []
    @Option(help: "How fast.") var speed: Speed = .fast
    @Argument(help: "Image file.") var image: String
    @Argument(help: ArgumentHelp("Names in the image.", valueName: "name")) var names: [String] = []

    func validate() throws {
        if quiet && output == "-" { throw ValidationError("-q and -o - contradict each other") }
    }
}

struct Needs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "needs")
    @Option(name: .customShort("k"), help: "A key.") var key: UInt32
    @Argument(help: "First.") var first: String
    @Argument(help: "Optional.") var second: String?
    @Argument(help: "Last, required.") var last: String
}

struct Shared: ParsableArguments {
    @Option(name: .customLong("wait"), help: "Wait.") var wait: String?
    func validate() throws {
        if wait == "never" { throw ValidationError("--wait=never: give a number of seconds") }
    }
}

struct Grouped: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grouped", abstract: "Uses a group.")
    @Flag(name: .customShort("f"), help: "Force.") var force = false
    @OptionGroup var shared: Shared
}

struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "root", abstract: "Groups commands.", subcommands: [Sample.self, Middle.self])
}

struct Middle: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "middle", abstract: "More commands.",
                                                    subcommands: [Grouped.self, Needs.self])
}

@Suite struct ToolCommandLineTests {
    func failure(_ arguments: [String], _ root: any ParsableCommand.Type = Sample.self) -> CommandLineError? {
        do {
            _ = try root.parseAsRoot(arguments)
            return nil
        } catch {
            return error as? CommandLineError
        }
    }

    func message(_ arguments: [String], _ root: any ParsableCommand.Type = Sample.self) -> String? {
        failure(arguments, root)?.description
    }

    @Test func defaults() throws {
        let sample = try Sample.parse(["img"])
        #expect(sample.image == "img" && sample.names == [] && !sample.recursive && !sample.quiet)
        #expect(sample.output == nil && sample.level == 6 && sample.tags == [] && sample.speed == .fast)
    }

    @Test func flagsOptionsAndOperandsInAnyOrder() throws {
        let sample = try Sample.parse(["-rq", "img", "-o", "out", "a", "--level=9", "-s", "x", "b", "-s", "y", "--speed", "slow"])
        #expect(sample.recursive && sample.quiet)
        #expect(sample.output == "out" && sample.level == 9 && sample.tags == ["x", "y"] && sample.speed == .slow)
        #expect(sample.image == "img" && sample.names == ["a", "b"])
    }

    @Test func valueSpellings() throws {
        #expect(try Sample.parse(["-oout", "img"]).output == "out")
        #expect(try Sample.parse(["-ro", "out", "img"]).output == "out")
        #expect(try Sample.parse(["-rout", "img"]).output == "ut")  // -r, then -o with the rest
        #expect(try Sample.parse(["--level", "3", "img"]).level == 3)
        #expect(try Sample.parse(["-o", "-", "img"]).output == "-")
        #expect(try Sample.parse(["--quiet", "img"]).quiet)
    }

    @Test func operandsThatLookLikeOptions() throws {
        #expect(try Sample.parse(["-", "x"]).image == "-")
        let sample = try Sample.parse(["-r", "--", "-img", "--level"])
        #expect(sample.image == "-img" && sample.names == ["--level"] && sample.level == 6)
    }

    @Test func eachParseStartsFresh() throws {
        _ = try Sample.parse(["-r", "-s", "a", "img"])
        let second = try Sample.parse(["img"])
        #expect(!second.recursive && second.tags == [])
    }

    @Test func usageErrors() {
        #expect(message(["-x", "img"]) == "Unknown option '-x'")
        #expect(message(["-rx", "img"]) == "Unknown option '-x'")
        #expect(message(["--bogus", "img"]) == "Unknown option '--bogus'")
        #expect(message(["img", "-o"]) == "Missing value for '-o <dest>'")
        #expect(message(["-o", "-r", "img"]) == "Missing value for '-o <dest>'")
        #expect(message(["--level", "x", "img"]) == "The value 'x' is invalid for '--level <n>'")
        #expect(message(["--level=", "img"]) == "The value '' is invalid for '--level <n>'")
        #expect(message(["--speed", "warp", "img"]) == "The value 'warp' is invalid for '--speed <speed>'")
        #expect(message(["--quiet=yes", "img"]) == "The flag '--quiet' takes no value")
        #expect(message([]) == "Missing expected argument '<image>'")
        #expect(message(["-q", "-o", "-", "img"]) == "-q and -o - contradict each other")
        #expect(failure(["-h"])?.exitCode == .success)
        #expect(failure(["img", "--help"])?.exitCode == .success)
        #expect(failure(["-x"])?.exitCode == .validationFailure)
    }

    @Test func requiredOptionsAndOperandsAroundAnOptionalOne() throws {
        let two = try Needs.parse(["-k", "7", "a", "z"])
        #expect(two.key == 7 && two.first == "a" && two.second == nil && two.last == "z")
        let three = try Needs.parse(["a", "b", "z", "-k7"])
        #expect(three.first == "a" && three.second == "b" && three.last == "z")
        #expect(message(["a", "z"], Needs.self) == "Missing expected argument '-k <key>'")
        #expect(message(["-k", "1", "a"], Needs.self) == "Missing expected argument '<last>'")
        #expect(message(["-k", "1", "a", "b", "c", "d"], Needs.self) == "Unexpected argument 'd'")
        #expect(message(["-k", "-1", "a", "b"], Needs.self) == "Missing value for '-k <key>'")
        #expect(message(["-k", "4294967296", "a", "b"], Needs.self) == "The value '4294967296' is invalid for '-k <key>'")
    }

    @Test func subcommandsAndGroups() throws {
        let grouped = try #require(try Root.parseAsRoot(["middle", "grouped", "-f", "--wait=5"]) as? Grouped)
        #expect(grouped.force && grouped.shared.wait == "5")
        #expect(message(["middle", "grouped", "--wait=never"], Root.self) == "--wait=never: give a number of seconds")
        #expect(message(["bogus"], Root.self) == "Unexpected argument 'bogus'")
        let help = try #require(failure(["help", "middle", "needs"], Root.self))
        #expect(help.exitCode == .success && help.command.joinedNames == "root middle needs")
        #expect(message(["help", "nothing"], Root.self) == "Unexpected argument 'nothing'")
        // A command that only groups others shows its help when run alone.
        let middle = try #require(try Root.parseAsRoot(["middle"]) as? Middle)
        #expect(throws: CommandLineError.self) { try middle.run() }
        #expect(Root.fullMessage(for: try #require(failure(["middle", "-h"], Root.self))).contains("SUBCOMMANDS:\n  grouped"))
    }

    @Test func helpText() {
        let help = HelpText.help(CommandPath([Sample.self]), width: 80)
        #expect(help == """
            OVERVIEW: Do a sample thing.

            A paragraph long enough to be wrapped at the width of the help, which is eighty
            columns unless COLUMNS says otherwise.

            Examples:
              sample -r image a b      # two names, recursively

            USAGE: sample [<options>] <image> [<name> ...]

            ARGUMENTS:
              <image>                 Image file.
              <name>                  Names in the image.

            OPTIONS:
              -r                      Recurse.
              -q, --quiet             Quiet.
              -o <dest>               Write here.
              --level <n>             Level, 1 to 9. (default: 6)
              -s <tag>                Show this tag; repeatable.
              --speed <speed>         How fast.
                                      (values: fast, slow; default: fast)
              -h, --help              Show help information.
            """)
        let root = HelpText.help(CommandPath([Root.self, Middle.self]), width: 80)
        #expect(root.hasSuffix("""
            SUBCOMMANDS:
              grouped                 Uses a group.
              needs

              See 'root help middle <subcommand>' for detailed help.
            """))
    }

    /// Lines fit the width with a space after their last word; the text's last word may
    /// fill the last column.
    @Test func wrapping() {
        let text = String(repeating: "word ", count: 20) + "end"
        for line in HelpText.wrap(text, width: 30, continuation: 4).split(separator: "\n").dropLast() {
            #expect(line.count <= 29)
        }
        #expect(HelpText.wrap("aaaa bbbb", width: 9) == "aaaa bbbb")
        #expect(HelpText.wrap("aaaa bbbb cc", width: 9) == "aaaa\nbbbb cc")
        #expect(HelpText.wrap("averyveryverylongword x", width: 9, continuation: 2) == "averyveryverylongword\n  x")
        // A label that reaches into the help column puts the help on the next line.
        #expect(HelpText.row("--a-very-long-option <value>", "Help.", width: 80)
                == "  --a-very-long-option <value>\n" + String(repeating: " ", count: 26) + "Help.")
    }

    @Test func longUsageShowsOptionsAsOne() {
        struct Many: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "many-options-command")
            @Option(help: "Alpha.") var alpha: String?
            @Option(help: "Bravo.") var bravo: String?
            @Option(help: "Charlie.") var charlie: String?
            @Option(help: "Delta.") var delta: String?
            @Option(help: "Echo.") var echo: String?
            @Argument(help: "Target.") var target: String
        }
        #expect(HelpText.generatedUsage(CommandPath([Many.self])) == "many-options-command [<options>] <target>")
        #expect(Many.usageString() == "many-options-command [<options>] <target>")
    }

    @Test func messagesForUsers() throws {
        let error = try #require(failure(["--bogus", "img"]))
        #expect(Sample.fullMessage(for: error) == """
            Error: Unknown option '--bogus'
            Usage: sample [<options>] <image> [<name> ...]
              See 'sample --help' for more information.
            """)
        // A tool run with nothing gets its help after the error.
        let empty = Sample.fullMessage(for: try #require(failure([])))
        #expect(empty.hasPrefix("Error: Missing expected argument '<image>'\nHelp:  <image>  Image file.\n\nOVERVIEW:"))
        #expect(Sample.exitCode(for: ExitCode(4)) == ExitCode(4))
        #expect(Sample.exitCode(for: ValidationError("x")) == .validationFailure)
    }

    @Test func completionScripts() throws {
        for shell in ["bash", "zsh", "fish"] {
            let error = try #require(failure(["--generate-completion-script", shell], Root.self))
            #expect(error.exitCode == .success)
            let script = Root.fullMessage(for: error)
            let options = shell == "fish" ? ["-l wait", "-s k", "-l speed"] : ["--wait", "-k", "--speed"]
            for word in ["middle", "grouped"] + options {
                #expect(script.contains(word), "\(shell) script lacks \(word)")
            }
        }
        #expect(message(["--generate-completion-script", "tcsh"], Root.self) == "No completion script for the shell 'tcsh' (bash, zsh or fish)")
        let bash = try #require(CompletionScript.script(for: CommandPath([Root.self]), shell: "bash"))
        #expect(bash.contains("complete -o filenames -F _root root"))
        #expect(bash.contains("'root sample --speed') COMPREPLY=($(compgen -W 'fast slow' -- \"$cur\")); return ;;"))
        let zsh = try #require(CompletionScript.script(for: CommandPath([Root.self]), shell: "zsh"))
        #expect(zsh.hasPrefix("#compdef root\n"))
        #expect(zsh.contains("'(-q --quiet)'{-q,--quiet}'[Quiet.]'"))
        #expect(zsh.contains("'--speed[How fast.]:speed:(fast slow)'"))
        #expect(zsh.contains("'*-s[Show this tag; repeatable.]:tag:_files'"))
        let fish = try #require(CompletionScript.script(for: CommandPath([Root.self]), shell: "fish"))
        #expect(fish.contains("complete -c root -n '__root_command_is \"root middle needs\"' -s k -r -F -d 'A key.'"))

        // The scripts are valid for the shells that are installed here.
        for (shell, script) in [("bash", bash), ("zsh", zsh), ("fish", fish)] {
            guard let program = ["/bin/", "/usr/bin/"].map({ $0 + shell }).first(where: FileManager.default.isExecutableFile) else { continue }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("completion-\(UUID().uuidString)")
            try script.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let check = Process()
            check.executableURL = URL(fileURLWithPath: program)
            check.arguments = ["-n", file.path]
            try check.run()
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "\(shell) -n refuses the script")
        }
    }
}
