import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArgumentParser
import Foundation
import PlainCommandLine

/// `ardaku`: everyday work on an Ardaku image.
public struct ArdakuCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ardaku",
        abstract: "List, read, write, move and remove files in an Ardaku volume.",
        discussion: """
            Names are absolute paths such as /docs/a.txt; directories are implicit.

            Each command locks the volume it opens: shared to read (ls, get, stat, df), \
            exclusive to write (put, rm, mv); a volume another process holds is an error, or \
            with --wait a wait. See docs/CONCURRENCY.md.
            """,
        subcommands: [List.self, Get.self, Put.self, Remove.self, Move.self, Stat.self, DiskFree.self, ZestCommand.self, CASCommand.self])

    public init() {}
}

extension ArdakuCommand {
    /// Runs a subcommand body with the tool's error reporting.
    static func perform(_ body: () throws -> Void) {
        Console.run(tool: "ardaku") { try body(); return 0 }
    }

    /// "/" + the given path with any trailing slashes removed ("/" stays "/").
    static func directoryPrefix(_ text: String) throws -> [UInt8] {
        var bytes = Array(text.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard bytes.first == UInt8(ascii: "/") else { throw ToolError("\(text): names start with '/'") }
        if bytes != [UInt8(ascii: "/")] { _ = try ImageAccess.fileName(String(decoding: bytes, as: UTF8.self)) }
        return bytes
    }

    struct FileJSON: Encodable {
        var name: String
        var size: UInt64
        var type: String
        var fileID: UInt64
        var modificationTime: UInt64
        var dataPages: UInt32
        var allocatedPages: UInt32
        var extensionPages: [UInt32]
        var recordSubpage: UInt32
        var tags: [UInt32]
        var generation: UInt64
        /// What fsck recorded: "damaged_data", "unproven_attributes"; empty for a sound file.
        var damage: [String]

        init(_ status: FileStatus) {
            name = status.name
            size = status.byteLength
            type = status.type.description
            fileID = status.fileID
            modificationTime = status.modificationTime
            dataPages = status.dataPageCount
            allocatedPages = status.allocatedDataPageCount
            extensionPages = status.extensionPages.map(\.rawValue)
            recordSubpage = status.subpage.rawValue
            tags = status.tags
            generation = status.generation
            damage = (status.flags.contains(.damagedData) ? ["damaged_data"] : [])
                + (status.flags.contains(.unprovenAttributes) ? ["unproven_attributes"] : [])
        }
    }
}

extension ArdakuCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List a directory (or, with -R, every file under it).")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Directory to list (default /).") var directory: String = "/"
        @Flag(name: .customShort("l"), help: "Long format: size, type, pages, modification time.") var long = false
        @Flag(name: .customShort("R"), help: "Every file under the directory, with full names.") var recursive = false
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                let prefix = try ArdakuCommand.directoryPrefix(directory)
                // A file named like the argument is listed by itself, as ls does.
                if prefix != [UInt8(ascii: "/")], let name = try? FileName(bytes: prefix), try volume.exists(name) {
                    try show([try volume.stat(name)], directories: [])
                    return
                }
                let under = prefix == [UInt8(ascii: "/")] ? prefix : prefix + [UInt8(ascii: "/")]
                let (files, unreadable) = try volume.listReadable(prefix: under)
                if files.isEmpty && unreadable.isEmpty && prefix != [UInt8(ascii: "/")] {
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
                    var seen = Set<String>()
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
                print(try JSONOutput.render(Listing(files: files.map(FileJSON.init), directories: directories)))
                return
            }
            var lines: [(String, String)] = files.map { file in
                let shown = prefixLength.map { String(decoding: file.nameBytes[$0...], as: UTF8.self) } ?? file.name
                let damage = file.flags.isEmpty ? "" : "  [\(file.flags.description)]"
                return (shown + (long ? damage : ""), long ? "\(String(file.byteLength).padded(left: 12))  \(file.type.description.padded(8)) \(String(file.allocatedDataPageCount).padded(left: 8))  \(TimeFormat.utc(file.modificationTime))  " : "")
            }
            lines += directories.map { ($0 + "/", long ? "\("-".padded(left: 12))  \("dir".padded(8)) \("-".padded(left: 8))  \("".padded(23))  " : "") }
            for (name, prefix) in lines.sorted(by: { $0.0 < $1.0 }) { print(prefix + VolumeError.printable(name)) }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Copy a file (or, with -r, a directory) out of the volume; every page's CRC-32 is verified.")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "File (or directory with -r) in the volume.") var name: String
        @Argument(help: "Destination: a host file or directory; '-' or nothing writes a single file to standard output.") var destination: String?
        @Flag(name: .customShort("r"), help: "Copy every file under the directory NAME into DEST.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing host files.") var force = false
        @Flag(name: .long, help: "Copy damaged files as they are, naming the byte ranges that fail their CRC-32 on standard error (exit status 1).")
        var salvage = false
        @OptionGroup var waiting: WaitOption

        func run() {
            var salvaged: [String] = []
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                if recursive {
                    guard let destination, destination != "-" else { throw ToolError("get -r needs a destination directory") }
                    try copyTree(volume, destination: destination, salvaged: &salvaged)
                    return
                }
                let fileName = try ImageAccess.fileName(name)
                guard try volume.exists(fileName) else {
                    throw ToolError(try volume.isDirectory(fileName.bytes) ? "\(name): is a directory (use -r)" : "\(name): no such file")
                }
                guard let destination, destination != "-" else {
                    try read(volume, fileName, salvaged: &salvaged) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                        FileHandle.standardOutput.write(Data(bytes))
                    }
                    if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
                    return
                }
                var target = destination
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
                    target = destination + "/" + fileName.lastComponent
                }
                let parent = (target as NSString).deletingLastPathComponent
                let output = try SafeOutput(root: parent.isEmpty ? "." : parent)
                defer { output.close() }
                try output.write(relative: [(target as NSString).lastPathComponent], overwrite: force) { write in
                    try read(volume, fileName, salvaged: &salvaged) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                        do { try write(bytes) } catch { throw .source("\(error)") }
                    }
                }
                if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
            }
        }

        /// Reads `name` verified, or with `--salvage` as it is, noting its damaged ranges.
        private func read(_ volume: Volume, _ name: FileName, salvaged: inout [String],
                          _ sink: (UnsafeRawBufferPointer) throws(VolumeError) -> Void) throws {
            guard salvage else { return try volume.read(name, sink) }
            let damaged = try volume.readSalvaging(name, sink)
            if !damaged.isEmpty {
                salvaged.append("\(VolumeError.printable(name.string)): salvaged with damage: \(VolumeError.describe(damaged))")
            }
        }

        private func copyTree(_ volume: Volume, destination: String, salvaged: inout [String]) throws {
            let prefix = try ArdakuCommand.directoryPrefix(name)
            let under = prefix == [UInt8(ascii: "/")] ? prefix : prefix + [UInt8(ascii: "/")]
            let (files, unreadable) = try volume.listReadable(prefix: under)
            guard !files.isEmpty || !unreadable.isEmpty else { throw ToolError("\(name): no such directory") }
            let output = try SafeOutput(root: destination)
            defer { output.close() }
            List.report(unreadable)
            // One file that cannot be written or read does not stop the others: each failure
            // is named as it happens, and the exit status says some failed.
            var failures = try TreeExtraction.extract(
                files, under: under, into: output, overwrite: force, isFatal: { ($0 as? ToolError)?.isBusy == true },
                failed: { Console.error("ardaku", Console.describe($0)) }
            ) { name, sink in try read(volume, name, salvaged: &salvaged, sink) }
            failures += unreadable.count
            if failures > 0 { salvaged.append("\(failures) of \(files.count + unreadable.count) files not copied") }
            if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
        }
    }

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "put", abstract: "Store a host file (or, with -r, a directory tree) in the volume.")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Host file, or directory with -r.") var source: String
        @Argument(help: "Name in the volume (a directory prefix with -r).") var name: String
        @Flag(name: .customShort("r"), help: "Store every regular file under the directory SOURCE.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing files.") var force = false
        @Flag(name: .customShort("v"), help: "Name every file stored.") var verbose = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: true)
                if recursive {
                    var importer = TreeImport(tool: "ardaku")
                    importer.replaceExisting = force
                    importer.verbose = verbose
                    let summary = try importer.run(root: source, prefix: try ArdakuCommand.directoryPrefix(name), into: volume)
                    if summary.skipped > 0 { Console.warning("ardaku", "skipped \(summary.skipped) entries") }
                } else {
                    let fileName = try ImageAccess.fileName(name)
                    let content = try HostFileSource(path: source)
                    var options = PutOptions()
                    options.replaceExisting = force
                    do { try volume.put(fileName, from: content, options: options) }
                    catch VolumeError.alreadyExists(let existing) { throw ToolError("\(existing): file exists (use -f to replace it)") }
                }
                try volume.close()
            }
        }
    }

    struct Remove: RunsPlainCommandLines {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove files (with -r, directories).")
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
                            if try volume.exists(fileName) { try volume.remove(fileName); continue }
                            guard try volume.isDirectory(fileName.bytes) else { throw .notFound(name) }
                            guard recursive else { throw .isADirectory(name) }
                            for child in try volume.names(prefix: fileName.bytes + [UInt8(ascii: "/")]) {
                                try volume.remove(try Volume.fileName(String(decoding: child, as: UTF8.self)))
                            }
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
                    throw ToolError("\(names.count - refused.count) of \(names.count) names removed")
                }
            }
        }
    }

    struct Move: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mv", abstract: "Rename a file or a directory.")
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

    struct Stat: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stat", abstract: "Show everything the volume records about a file.")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "File in the volume.") var name: String
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                let status = try volume.stat(try ImageAccess.fileName(name))
                if json { print(try JSONOutput.render(FileJSON(status))); return }
                let extensions = status.extensionPages.map { String($0.rawValue) }.joined(separator: " ")
                print("""
                Name:              \(VolumeError.printable(status.name))
                Size:              \(status.byteLength) bytes (\(ByteSize.describe(status.byteLength)))
                Type:              \(status.type)
                File id:           \(status.fileID)
                Modified:          \(TimeFormat.utc(status.modificationTime))
                Record:            subpage \(status.subpage.rawValue) (page \(status.subpage.page.rawValue), slot \(status.subpage.slot))
                Data pages:        \(status.dataPageCount) (\(status.allocatedDataPageCount) allocated, \(status.dataPageCount - status.allocatedDataPageCount) holes)
                Extension pages:   \(extensions.isEmpty ? "<none>" : extensions)
                Tags:              \(status.tags.isEmpty ? "<none>" : status.tags.map(String.init).joined(separator: " "))
                Written by commit: \(status.generation)
                Damage:            \(status.flags.isEmpty ? "none recorded" : status.flags.description + " (recorded by fsck.zest; rewrite or remove the file to clear)")
                """)
            }
        }
    }

    struct DiskFree: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "df", abstract: "Show the volume's size, use and free space.")
        @Argument(help: "Image file or device.") var image: String
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                let system = volume.committed
                let free = UInt64(system.totalPageCount) - UInt64(system.usedPageCount)
                struct Usage: Encodable {
                    var label: String, uuid: String, totalPages: UInt32, usedPages: UInt32, freePages: UInt64
                    var totalBytes: UInt64, usedBytes: UInt64, freeBytes: UInt64, files: UInt32, triePages: Int, generation: UInt64
                }
                let usage = Usage(label: system.labelString, uuid: system.uuid.description, totalPages: system.totalPageCount,
                                  usedPages: system.usedPageCount, freePages: free, totalBytes: UInt64(system.totalPageCount) << 16,
                                  usedBytes: UInt64(system.usedPageCount) << 16, freeBytes: free << 16, files: system.fileCount,
                                  triePages: system.triePages.count, generation: system.generation)
                if json { print(try JSONOutput.render(usage)); return }
                let percent = system.totalPageCount == 0 ? 0 : Int((Double(system.usedPageCount) / Double(system.totalPageCount) * 100).rounded(.up))
                let columns = [image, ByteSize.describe(usage.totalBytes), ByteSize.describe(usage.usedBytes),
                               ByteSize.describe(usage.freeBytes), "\(percent)%", String(system.fileCount)]
                let widths = [max(16, image.count + 1), 11, 11, 11, 5, 6]
                print(zip(["Volume", "Size", "Used", "Free", "Use%", "Files"], widths).map { $0.padded($1) }.joined().trimmingTrailingSpaces)
                print(zip(columns, widths).map { $0.padded($1) }.joined().trimmingTrailingSpaces)
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
