import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Move: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mv", abstract: "Rename a file or a directory of a ZEST volume.",
            usage: "ardaku zest mv [-f] [--wait[=<seconds>]]\n  (FILE.zest | IMAGE VOLUME) SOURCE TARGET")
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), then the current and the new name.",
                                     valueName: "arguments")) var arguments: [String] = []
        @Flag(name: .customShort("f"), help: "Replace an existing file of the new name.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let session = try ZestSession.open(&rest, writable: true, usage: "ardaku zest mv (FILE.zest | IMAGE VOLUME) SOURCE TARGET")
                guard rest.count == 2 else { throw ToolError("mv takes SOURCE and TARGET after the volume") }
                let source = try ZestCLI.fileName(rest[0]), target = try ZestCLI.fileName(rest[1])
                let volume = session.volume
                do {
                    if volume.contains(source) {
                        if volume.contains(target) && source != target {
                            guard force else { throw ToolError("\(target.string): exists (use -f to replace it)") }
                            try volume.delete(target)
                        }
                        try volume.rename(source, to: target)
                    } else {
                        let below = volume.list(prefix: source.string + "/")
                        guard !below.isEmpty else { throw ToolError("\(source.string): no such file or directory in \(session.display)") }
                        guard !target.string.hasPrefix(source.string + "/") else {
                            throw ToolError("\(target.string): cannot move a directory below itself")
                        }
                        let sourceLength = source.bytes.count
                        for file in below {
                            let newName = try FileName(bytes: target.bytes + file.name.bytes[sourceLength...])
                            try volume.rename(file.name, to: newName)
                        }
                    }
                } catch let error as ZestError {
                    if case let .fileExists(name) = error.kind { throw ToolError("\(name): exists (use -f to replace a file)") }
                    throw ToolError("\(session.display): \(error)")
                }
                try session.commit()
            }
        }
    }
}
