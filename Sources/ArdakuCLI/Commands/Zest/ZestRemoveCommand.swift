import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Remove: RunsPlainCommandLines {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove files (with -r, directories) from a ZEST volume.",
            usage: "ardaku zest rm [-r] [--wait[=<seconds>]]\n  (FILE.zest | IMAGE VOLUME) NAME...")
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), then the names.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "Remove every file under a directory.") var recursive = false
        @OptionGroup var waiting: WaitOption

        var request: RemoveRequest { RemoveRequest(arguments: arguments, recursive: recursive, wait: waiting.value) }

        func run() { request.run() }
    }

    /// `zest rm` with the values of its options and arguments (see `PlainCommandLine`).
    struct RemoveRequest: CommandRequest {
        var arguments: [String]
        var recursive: Bool
        /// The `--wait` value (plain command lines never have one).
        var wait: String? = nil

        func run() {
            ZestCommand.perform {
                VolumeLock.waiting = try VolumeLock.Waiting.required(wait)
                var names = arguments
                let session = try ZestSession.open(&names, writable: true, usage: "ardaku zest rm (FILE.zest | IMAGE VOLUME) NAME...")
                guard !names.isEmpty else { throw ToolError("rm needs at least one name") }
                let volume = session.volume
                do {
                    for text in names {
                        let name = try ZestCLI.fileName(text)
                        if volume.contains(name) { try volume.delete(name); continue }
                        let below = volume.list(prefix: name.string + "/")
                        guard !below.isEmpty else { throw ToolError("\(text): no such file or directory in \(session.display)") }
                        guard recursive else { throw ToolError("\(text): is a directory (use -r)") }
                        for file in below { try volume.delete(file.name) }
                    }
                } catch let error as ZestError { throw ToolError("\(session.display): \(error)") }
                try session.commit()
            }
        }
    }
}

extension ZestCommand.RemoveRequest {
    init(_ line: PlainCommandLine) { self.init(arguments: line.operands, recursive: line.flags.contains("-r")) }
}
