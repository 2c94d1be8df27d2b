import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List a directory (or, with -R, every file under it).",
            usage: "ardaku ls [-l] [-R] [--json] [--wait[=<seconds>]] <image> [<directory>]")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Directory to list.") var directory: String = "/"
        @Flag(name: .customShort("l"), help: "Long format: size, type, pages, modification time.") var long = false
        @Flag(name: .customShort("R"), help: "Every file under the directory, with full names.") var recursive = false
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                let prefix = try ArdakuCommand.directoryPrefix(directory)
                // A file named like the argument is listed by itself, as ls does; a directory
                // record lists what is below it.
                var isDirectoryRecord = false
                if prefix != [UInt8(ascii: "/")], let name = try? FileName(bytes: prefix), try volume.exists(name) {
                    isDirectoryRecord = try volume.isDirectoryRecord(name)
                    if !isDirectoryRecord {
                        try show([try volume.stat(name)], directories: [])
                        return
                    }
                }
                let under = prefix == [UInt8(ascii: "/")] ? prefix : prefix + [UInt8(ascii: "/")]
                let (files, unreadable) = try volume.listReadable(prefix: under)
                if files.isEmpty && unreadable.isEmpty && prefix != [UInt8(ascii: "/")] && !isDirectoryRecord {
                    throw ToolError("\(directory): no such file or directory")
                }
                defer { Self.report(unreadable) }
                if recursive {
                    try show(files, directories: [])
                } else {
                    // Direct children: files, and the first component of deeper names (of
                    // unreadable files too) as directories.
                    var direct: [FileStatus] = []
                    var directories: [String] = []
                    let names = files.map(\.nameBytes) + unreadable.map(\.name)
                    for (index, name) in names.enumerated() {
                        let rest = name[under.count...]
                        if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                            directories.append(String(decoding: rest[..<slash], as: UTF8.self))
                        } else if index < files.count {
                            direct.append(files[index])
                        }
                    }
                    // A directory with a record of its own is listed by that record.
                    var seen = Set(direct.filter { $0.attributes.file.kind == .directory }.map { String(decoding: $0.nameBytes[under.count...], as: UTF8.self) })
                    try show(direct, directories: directories.sorted().filter { seen.insert($0).inserted }, relativeTo: under.count)
                }
                if !unreadable.isEmpty {
                    throw ToolError("\(unreadable.count) file\(unreadable.count == 1 ? "" : "s") could not be read (fsck.zest repairs or removes them)")
                }
            }
        }

        /// One line on standard error per file that could not be read, after the listing.
        static func report(_ unreadable: [Volume.UnreadableFile]) {
            for file in unreadable {
                Console.error("ardaku", "\(VolumeError.printable(String(decoding: file.name, as: UTF8.self))): unreadable: \(file.error)")
            }
        }

        private func show(_ files: [FileStatus], directories: [String], relativeTo prefixLength: Int? = nil) throws {
            if json {
                struct Listing: Encodable { var files: [FileJSON]; var directories: [String] }
                print(try JSONOutput.render(schema: "ardaku-ls/1", Listing(files: files.map(FileJSON.init), directories: directories)))
                return
            }
            // (name, columns before it, what follows it): the name alone is quoted.
            var lines: [(name: String, prefix: String, suffix: String)] = files.map { file in
                let attributes = file.attributes.file
                var shown = prefixLength.map { String(decoding: file.nameBytes[$0...], as: UTF8.self) } ?? file.name
                if attributes.kind == .directory { shown += "/" }
                guard long else { return (shown, "", "") }
                var suffix = attributes.kind == .symbolicLink ? " -> " + QuotedName.quotedName(attributes.symbolicLinkTarget) : ""
                if !file.flags.isEmpty { suffix += "  [\(file.flags.description)]" }
                return (shown, "\(AttributeText.longListingPrefix(file))\(AttributeText.sizeColumn(file).padded(left: 12))  \(file.type.description.padded(8)) \(String(file.allocatedDataPageCount).padded(left: 8))  \(TimeFormat.utc(file.modificationTime))  ", suffix)
            }
            lines += directories.map { ($0 + "/", long ? "\(AttributeText.implicitDirectoryPrefix)\("-".padded(left: 12))  \("dir".padded(8)) \("-".padded(left: 8))  \("".padded(23))  " : "", "") }
            for line in lines.sorted(by: { $0.name < $1.name }) { print(line.prefix + VolumeError.printable(line.name) + line.suffix) }
        }
    }
}
