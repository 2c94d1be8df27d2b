import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct Remove: RunsPlainCommandLines {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove files (with -r, directories and all below them).",
            usage: "ardaku rm [-r] [--wait[=<seconds>]] <image> <names> ...")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Files to remove.") var names: [String]
        @Flag(name: .customShort("r"), help: "Remove every file under a directory.") var recursive = false
        @OptionGroup var waiting: WaitOption

        var request: RemoveRequest { RemoveRequest(image: image, names: names, recursive: recursive, wait: waiting.value) }

        func run() { request.run() }
    }

    /// `rm` with the values of its options and arguments (see `PlainCommandLine`).
    struct RemoveRequest: CommandRequest {
        var image: String
        var names: [String]
        var recursive: Bool
        /// The `--wait` value (plain command lines never have one).
        var wait: String? = nil

        func run() {
            ArdakuCommand.perform {
                VolumeLock.waiting = try VolumeLock.Waiting.required(wait)
                guard !names.isEmpty else { throw ToolError("rm needs at least one name") }
                let (_, volume) = try ImageAccess.openVolume(image, writable: true)
                // As rm(1): what exists is removed, each name that cannot be is named, and
                // the exit status says some could not. All removals are one commit.
                var refused: [VolumeError] = []
                try volume.batch { () throws(VolumeError) in
                    for name in names {
                        do throws(VolumeError) {
                            let fileName = try Volume.fileName(name)
                            let isDirectory = try volume.isDirectory(fileName.bytes)
                            if try volume.exists(fileName), !isDirectory { try volume.remove(fileName); continue }
                            guard isDirectory else { throw .notFound(name) }
                            guard recursive else { throw .isADirectory(name) }
                            for child in try volume.names(prefix: fileName.bytes + [UInt8(ascii: "/")]).reversed() {
                                try volume.remove(try Volume.fileName(String(decoding: child, as: UTF8.self)))
                            }
                            // The directory's own record, if it has one, once nothing is below it.
                            if try volume.exists(fileName) { try volume.remove(fileName) }
                        } catch {
                            switch error {
                            case .notFound, .isADirectory, .invalidName: refused.append(error)
                            default: throw error
                            }
                        }
                    }
                }
                try volume.close()
                for error in refused { Console.error("ardaku", error.description) }
                if !refused.isEmpty {
                    throw ToolError("\(names.count - refused.count) of \(Plural.count(names.count, "name")) removed")
                }
            }
        }
    }
}

extension ArdakuCommand.RemoveRequest {
    /// The image is the first operand; the names are the others (the shape requires both).
    init(_ line: PlainCommandLine) {
        self.init(image: line.operands.first ?? "", names: Array(line.operands.dropFirst()), recursive: line.flags.contains("-r"))
    }
}
