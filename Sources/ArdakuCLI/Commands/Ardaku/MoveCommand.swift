import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct Move: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mv", abstract: "Rename a file or a directory.",
            usage: "ardaku mv [-f] [--wait[=<seconds>]] <image> <source> <target>")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Current name.") var source: String
        @Argument(help: "New name.") var target: String
        @Flag(name: .customShort("f"), help: "Replace an existing file of the new name.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: true)
                let from = try ImageAccess.fileName(source), to = try ImageAccess.fileName(target)
                do { try volume.move(from.bytes, to: to.bytes, replaceExisting: force) }
                catch VolumeError.alreadyExists(let existing) { throw ToolError("\(existing): exists (use -f to replace a file)") }
                try volume.close()
            }
        }
    }
}
