import ArdakuFormat
import ArdakuIO
import ToolCommandLine
import Glibc
import PlainCommandLine

/// What a command does, with the values its options and arguments gave: the part of a
/// command that runs the same whether the parser (ToolCommandLine) or `PlainCommandLine` read the
/// command line.
protocol CommandRequest: Equatable {
    /// The request a plain command line makes (its shape says which flags and options it may hold).
    init(_ line: PlainCommandLine)
    func run()
}

/// A command whose plain command lines may run without the parser.
protocol RunsPlainCommandLines: ParsableCommand {
    associatedtype Request: CommandRequest
    /// The request made by the values the parser filled in.
    var request: Request { get }
}

extension RunsPlainCommandLines {
    static func run(_ line: PlainCommandLine) { Request(line).run() }
}

/// The `ardaku` commands that take many names, and the plain lines each accepts. The shapes
/// must match the commands' declarations (a test holds them to it).
enum ArdakuPlainCommands {
    static let all: [(shape: PlainCommandLine.Shape, command: any RunsPlainCommandLines.Type)] = [
        (PlainCommandLine.Shape(path: ["zest", "get"], flags: ["-r", "-f"],
                                valueOptions: ["-o": "-o", "-T": "-T", "--files-from": "-T"]), ZestCommand.Get.self),
        (PlainCommandLine.Shape(path: ["zest", "rm"], flags: ["-r"]), ZestCommand.Remove.self),
        (PlainCommandLine.Shape(path: ["rm"], flags: ["-r"], minimumOperands: 2), ArdakuCommand.Remove.self),
    ]

    /// The command and plain line `arguments` (without the program name) make, or nil when
    /// the parser must read them. `--wait` is not in the shapes: a line that waits goes to
    /// the parser, whose start-up cost does not matter there.
    static func read(_ arguments: [String]) -> (command: any RunsPlainCommandLines.Type, line: PlainCommandLine)? {
        for (shape, command) in all where arguments.starts(with: shape.path) {
            return PlainCommandLine.read(arguments, shape: shape).map { (command, $0) }
        }
        return nil
    }
}

extension ArdakuCommand {
    /// The `ardaku` entry point: `main()`, except that plain command lines of the commands
    /// that take many names run without the parser (see `PlainCommandLine`).
    public static func launch(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        CommandLineBytes.refuseInvalidUTF8(tool: "ardaku", exitStatus: 1)
        ToolVersion.answerVersionRequest(tool: "ardaku", arguments)
        let arguments = VolumeLock.Waiting.normalize(arguments)
        if let (command, line) = ArdakuPlainCommands.read(arguments) {
            command.run(line)
            return
        }
        // The parser answers `help NAME` for a name that is no command with the overview and 0.
        if arguments.first == "help", arguments.count > 1, !configuration.subcommands.contains(where: {
            $0.configuration.commandName == arguments[1]
        }) {
            Console.error("ardaku", "help: no command '\(arguments[1])'")
            Console.err(usageString())
            Glibc.exit(1)
        }
        runAsTool(arguments)
    }
}
