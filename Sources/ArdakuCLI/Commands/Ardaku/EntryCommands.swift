import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine

extension ArdakuCommand {
    /// `ardaku mkdir`: mkdir(1) for a volume. A directory made so has a record of its own
    /// (docs/FORMAT.md §9): it exists while empty and keeps its mode, owner and times.
    struct Mkdir: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mkdir", abstract: "Make directories.",
            usage: "ardaku mkdir [-p] [-m <mode>] [--wait[=<seconds>]] <image> <names> ...",
            discussion: """
                Each directory gets mode MODE (octal; default 0777 less the umask), the running \
                user's ids and the time of now (or SOURCE_DATE_EPOCH). Its parent must be a \
                directory already, unless -p, which makes the missing ones (and says nothing of \
                a directory that exists). All directories are made in one crash-safe commit.
                """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Directories to make.") var names: [String]
        @Flag(name: .customShort("p"), help: "Make missing parent directories; no error if a directory exists.") var parents = false
        @Option(name: .customShort("m"), help: ArgumentHelp("Permission bits of the new directories (octal).", valueName: "mode"))
        var mode: String?
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let permissions = try mode.map { text throws -> UInt16 in
                    guard case .octal(let bits)? = ModeChange(text)?.form else { throw ToolError("\(text): invalid mode (give octal, such as 755)") }
                    return bits
                }
                try ArdakuCommand.makeEntries(command: "mkdir", image: image, names: names) { (volume: Volume, name: FileName) throws(VolumeError) in
                    let attributes = ArdakuCommand.newEntry(.directory, mode: permissions, defaultPermissions: 0o777, now: volume.clock())
                    if try volume.isDirectory(name.bytes) {
                        // mkdir -p: an existing directory is no error (one without a record keeps none).
                        guard parents else { throw .alreadyExists(name.string) }
                        return
                    }
                    for prefix in name.directoryPrefixes where !(try volume.isDirectory(prefix)) {
                        let parent = try Volume.fileName(String(decoding: prefix, as: UTF8.self))
                        if try volume.exists(parent) { throw .notADirectory(name: name.string, file: parent.string) }
                        guard parents else { throw .notFound("\(name.string): parent \(parent.string)") }
                        // As mkdir -p: parents take the default mode (u+wx so that the child can be made).
                        var parentAttributes = ArdakuCommand.newEntry(.directory, mode: nil, defaultPermissions: 0o777, now: volume.clock())
                        parentAttributes.permissions |= 0o300
                        try volume.makeNode(parent, attributes: parentAttributes)
                    }
                    try volume.makeNode(name, attributes: attributes)
                }
            }
        }
    }

    /// `ardaku rmdir`: rmdir(1) for a volume: removes empty directories.
    struct Rmdir: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rmdir", abstract: "Remove empty directories.",
            usage: "ardaku rmdir [--wait[=<seconds>]] <image> <names> ...",
            discussion: """
                A directory is empty when no name in the volume is below it; one that exists \
                only through the names below it is never empty. All directories go in one \
                crash-safe commit.
                """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Directories to remove.") var names: [String]
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                try ArdakuCommand.makeEntries(command: "rmdir", image: image, names: names) { (volume: Volume, name: FileName) throws(VolumeError) in
                    try volume.removeDirectory(name)
                }
            }
        }
    }

    /// `ardaku ln`: ln(1) for a volume: hard links, and with -s symbolic links.
    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ln", abstract: "Give a file another name (with -s, make a symbolic link).",
            usage: "ardaku ln [-s] [-f] [--wait[=<seconds>]] <image> <target> <name>",
            discussion: """
                Without -s, TARGET is a file in the volume and NAME becomes another name of it \
                (a hard link): one content, one set of attributes, every name's link count one \
                more. With -s, the link NAME holds TARGET as it is given (absolute, relative, or \
                naming nothing): the volume never follows it, and ardaku get makes it as a link. \
                With -f an existing file NAME (not a directory) is replaced.
                """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "The file to link to (with -s: what the link points to, any text but NUL, at most 4095 bytes).") var target: String
        @Argument(help: "The new name in the volume.") var name: String
        @Flag(name: .customShort("s"), help: "Make a symbolic link.") var symbolic = false
        @Flag(name: .customShort("f"), help: "Replace an existing file.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                guard !target.isEmpty else { throw ToolError("ln: the target is empty") }
                try ArdakuCommand.makeEntries(command: "ln", image: image, names: [name]) { (volume: Volume, fileName: FileName) throws(VolumeError) in
                    guard symbolic else {
                        let existing = try Volume.fileName(target)
                        if force, try volume.exists(fileName), !(try volume.isDirectoryRecord(fileName)) { try volume.remove(fileName) }
                        try volume.link(existing, as: fileName)
                        return
                    }
                    var attributes = ArdakuCommand.newEntry(.symbolicLink, mode: 0o777, defaultPermissions: 0o777, now: volume.clock())
                    attributes.symbolicLinkTarget = Array(target.utf8)
                    try volume.makeNode(fileName, attributes: attributes, replaceExisting: force)
                }
            }
        }
    }

    /// What `mkdir`, `rmdir` and `ln` share: `body` runs for each name, all in one commit; a
    /// name it refuses is named and the others still happen, as mkdir(1) does, and the exit
    /// status says some could not.
    static func makeEntries(command: String, image: String, names: [String],
                            _ body: (Volume, FileName) throws(VolumeError) -> Void) throws {
        guard !names.isEmpty else { throw ToolError("\(command) needs at least one name") }
        let (_, volume) = try ImageAccess.openVolume(image, writable: true)
        var refused: [VolumeError] = []
        try volume.batch { () throws(VolumeError) in
            for name in names {
                do throws(VolumeError) {
                    try body(volume, try Volume.fileName(name))
                } catch {
                    switch error {
                    case .notFound, .alreadyExists, .isADirectory, .notADirectory, .directoryNotEmpty, .invalidName,
                         .invalidAttributes, .tooManyLinks:
                        refused.append(error)
                    default: throw error
                    }
                }
            }
        }
        try volume.close()
        for error in refused { Console.error("ardaku", error.description) }
        if !refused.isEmpty {
            throw ToolError("\(names.count - refused.count) of \(Plural.count(names.count, "name")) done")
        }
    }
}
