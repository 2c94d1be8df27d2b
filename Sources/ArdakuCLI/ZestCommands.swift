import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ArgumentParser
import Foundation
import Glibc
import PlainCommandLine

/// `ardaku zest ...`: ZEST volumes, standalone or nested in an Ardaku image.
///
/// Every subcommand names its volume first, in one of two ways:
///
///     ardaku zest ls FILE.zest [PREFIX]          a standalone ZEST file on the host
///     ardaku zest ls IMAGE VOLUME [PREFIX]       the ZEST-type file VOLUME in an Ardaku image
///
/// The tool tells them apart by the bytes of the first argument: a ZEST header ("ZEST" at
/// byte 0, or its backup copy at 2048) makes it a standalone volume, and the next argument
/// is then a name in that volume; anything else is opened as an Ardaku image, and the next
/// argument names the ZEST volume inside it. `create` goes by the number of arguments.
public struct ZestCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zest",
        abstract: "Create and use ZEST volumes: many small compressed files in one file.",
        discussion: """
        A ZEST volume is either a standalone host file or a file of type 'zest' inside an \
        Ardaku image. Every subcommand names it first:

          ardaku zest SUBCOMMAND FILE.zest ...        a standalone ZEST file
          ardaku zest SUBCOMMAND IMAGE VOLUME ...     the ZEST volume VOLUME (e.g. /packs/small.zest) in an Ardaku image

        The first argument's own bytes say which it is (a ZEST header, or an Ardaku image). \
        Names inside a volume are absolute paths such as /docs/a.txt; directories are implicit.

        Each subcommand locks what it opens (the image for a nested volume, else the file): \
        shared to read (get, ls), exclusive to write (create, put, rm, mv, compact); a volume another process holds is an \
        error, or with --wait a wait. See docs/CONCURRENCY.md.

        Examples:
          ardaku zest create small.zest
          ardaku zest put -r small.zest ./tree /
          ardaku zest get small.zest /docs/a.txt /docs/b.txt > both.txt
          ardaku zest get -r -o ./out small.zest /docs
          ardaku zest create disk.img /packs/small.zest
          ardaku zest ls -l disk.img /packs/small.zest /docs
        """,
        subcommands: [Create.self, Put.self, Get.self, List.self, Remove.self, Move.self, Compact.self])

    public init() {}

    static let tool = "ardaku"

    static func perform(_ body: () throws -> Void) {
        Console.run(tool: tool) { try body(); return 0 }
    }
}

// MARK: - Opening a volume

/// An open ZEST volume and whatever holds it, committed by `commit()`.
final class ZestSession {
    let volume: ZestVolume
    /// How the volume was named on the command line, for messages.
    let display: String
    private let image: MappedImage?
    private let ardaku: Volume?
    /// Where the volume is (set by `open(_:writable:only:)`).
    var location: Location = .standalone(path: "")
    private let nestedStore: VolumeFileByteStore?

    private init(volume: ZestVolume, display: String, image: MappedImage?, ardaku: Volume?, nestedStore: VolumeFileByteStore?) {
        self.volume = volume
        self.display = display
        self.image = image
        self.ardaku = ardaku
        self.nestedStore = nestedStore
    }

    /// Makes every change durable: the ZEST commit, then (nested) the Ardaku commit.
    func commit() throws {
        do { try volume.flush() } catch { throw ToolError("\(display): \(error)") }
        if let nestedStore, let ardaku {
            do { try nestedStore.close() } catch { throw ToolError("\(display): \(error)") }
            do { try ardaku.close() } catch { throw ToolError("\(display): \(error)") }
        }
    }

    /// Asks the kernel to start reading the whole volume into the page cache, so that
    /// the disk streams while the files are decoded (reading every file of a volume).
    func prefetch() {
        switch location {
        case let .standalone(path):
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { return }
            posix_fadvise(descriptor, 0, 0, POSIX_FADV_WILLNEED)
            Glibc.close(descriptor)
        case let .nested(imagePath, volumeName):
            guard let ardaku, let entries = try? ardaku.pageEntries(volumeName) else { return }
            let descriptor = Glibc.open(imagePath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { return }
            defer { Glibc.close(descriptor) }
            // Runs of consecutive pages, one hint each.
            var runStart: UInt32?, runEnd: UInt32 = 0
            func hint() {
                if let start = runStart {
                    posix_fadvise(descriptor, off_t(start) << 16, off_t(runEnd - start) << 16, POSIX_FADV_WILLNEED)
                }
            }
            for entry in entries where !entry.isHole {
                let page = entry.page.rawValue
                if runStart != nil && page == runEnd { runEnd += 1; continue }
                hint()
                runStart = page
                runEnd = page + 1
            }
            hint()
        }
    }

    /// Sessions of read-only commands: the process exits right after them, and tearing
    /// down a table of many thousand entries is work nobody needs.
    nonisolated(unsafe) private static var kept: [ZestSession] = []
    static func keepUntilExit(_ session: ZestSession) { kept.append(session) }

    /// True when `path` starts with a ZEST header (or has its backup copy at byte 2048).
    static func isZestFile(_ path: String) -> Bool {
        guard let bytes = SystemCalls.peek(path, at: 0, count: ZestLimits.backupHeaderOffset + 4) else { return false }
        let count = bytes.count
        let magic: [UInt8] = [0x5A, 0x45, 0x53, 0x54]
        if count >= 4, Array(bytes[0..<4]) == magic { return true }
        let backup = ZestLimits.backupHeaderOffset
        return count >= backup + 4 && Array(bytes[backup..<(backup + 4)]) == magic
    }

    /// Where a volume named on the command line lives.
    enum Location {
        case standalone(path: String)
        case nested(image: String, volume: FileName)

        var display: String {
            switch self {
            case let .standalone(path): return path
            case let .nested(image, volume): return "\(image):\(volume.string)"
            }
        }
    }

    /// Takes the leading `arguments` that name a volume (FILE.zest, or IMAGE VOLUME).
    static func locate(_ arguments: inout [String], usage: String) throws -> Location {
        guard let first = arguments.first else { throw ToolError("name a ZEST volume: \(usage)") }
        if isZestFile(first) {
            arguments.removeFirst()
            return .standalone(path: first)
        }
        guard FileManager.default.fileExists(atPath: first) else { throw ToolError("\(first): no such file") }
        guard arguments.count >= 2 else {
            let (_, ardaku) = try openImage(first, writable: false)
            let volumes = (try? ardaku.list().filter { $0.type == .zest }.map(\.name)) ?? []
            throw ToolError("\(first) is an Ardaku image: name the ZEST volume in it (\(usage))"
                            + (volumes.isEmpty ? "; it holds none" : "; it holds " + volumes.joined(separator: ", ")))
        }
        let volume = try ImageAccess.fileName(arguments[1])
        arguments.removeFirst(2)
        return .nested(image: first, volume: volume)
    }

    private static func openImage(_ path: String, writable: Bool) throws -> (MappedImage, Volume) {
        do { return try ImageAccess.openVolume(path, writable: writable) } catch let error as ToolError where !error.isBusy {
            throw ToolError("\(error.message) (and not a ZEST volume either: no ZEST header at byte 0 or 2048)")
        }
    }

    /// Opens the volume the leading `arguments` name and removes them from `arguments`.
    static func open(_ arguments: inout [String], writable: Bool, usage: String) throws -> ZestSession {
        try open(try locate(&arguments, usage: usage), writable: writable)
    }

    /// Opens the volume at `location`; with `only`, just those files, read-only
    /// (`ZestVolume.open(_:only:)`).
    static func open(_ location: Location, writable: Bool, only names: [FileName]? = nil) throws -> ZestSession {
        let session = try openSession(location, writable: writable, only: names)
        session.location = location
        return session
    }

    private static func openSession(_ location: Location, writable: Bool, only names: [FileName]?) throws -> ZestSession {
        let display = location.display
        switch location {
        case let .standalone(path):
            let store: HostFileByteStore
            do { store = try HostFileByteStore(path: path, readOnly: !writable) } catch { throw ToolError("\(path): \(error)") }
            return ZestSession(volume: try openVolume(store, display: display, only: names), display: display, image: nil,
                               ardaku: nil, nestedStore: nil)
        case let .nested(imagePath, volumeName):
            let (image, ardaku) = try openImage(imagePath, writable: writable)
            let status: FileStatus
            do { status = try ardaku.stat(volumeName) } catch { throw ToolError("\(display): no such ZEST volume in the image") }
            guard status.type == .zest else {
                throw ToolError("\(display): not a ZEST volume (its type is \(status.type)); create one with ardaku zest create")
            }
            let store: VolumeFileByteStore
            do { store = try VolumeFileByteStore(volume: ardaku, name: volumeName) } catch { throw ToolError("\(display): \(error)") }
            return ZestSession(volume: try openVolume(store, display: display, only: names), display: display, image: image,
                               ardaku: ardaku, nestedStore: store)
        }
    }

    private static func openVolume(_ store: ByteStore, display: String, only names: [FileName]?) throws -> ZestVolume {
        do { return try names.map { names throws(ZestError) in try ZestVolume.open(store, only: names) } ?? ZestVolume.open(store) } catch {
            throw ToolError("\(display): \(error) (run fsck.zest on it)")
        }
    }

    /// Makes a new, empty volume: a standalone file, or a ZEST-type file in an image.
    static func create(_ arguments: [String], options: ZestVolume.Options, replace: Bool) throws -> String {
        switch arguments.count {
        case 1:
            let path = arguments[0]
            if case .success(let info) = SystemCalls.pathInfo(path) {
                if info.kind != .regularFile { throw ToolError("\(path): not a regular file") }
                if !isZestFile(path) && info.size > 0 {
                    if (try? ImageAccess.openVolume(path, writable: false)) != nil {
                        throw ToolError("\(path) is an Ardaku image: name the ZEST volume to create in it (ardaku zest create IMAGE VOLUME)")
                    }
                }
                if !replace { throw ToolError("\(path): exists (use -f to replace it with an empty volume)") }
            }
            let store: HostFileByteStore
            do { store = try HostFileByteStore(path: path, readOnly: false, create: true) } catch { throw ToolError("\(path): \(error)") }
            do { _ = try ZestVolume.create(in: store, options: options) } catch { throw ToolError("\(path): \(error)") }
            return path
        case 2:
            let (_, ardaku) = try ImageAccess.openVolume(arguments[0], writable: true)
            let name = try ImageAccess.fileName(arguments[1])
            let display = "\(arguments[0]):\(name.string)"
            try createNested(in: ardaku, name: name, options: options, replace: replace, display: display)
            do { try ardaku.close() } catch { throw ToolError("\(display): \(error)") }
            return display
        default:
            throw ToolError("create takes FILE.zest, or IMAGE VOLUME")
        }
    }

    /// Adds an empty ZEST volume `name` to `ardaku` (in its open transaction) and returns
    /// its store, open.
    @discardableResult
    static func createNested(in ardaku: Volume, name: FileName, options: ZestVolume.Options, replace: Bool,
                             display: String, offerReplace: Bool = true) throws -> (VolumeFileByteStore, ZestVolume) {
        var put = PutOptions()
        put.type = .zest
        put.replaceExisting = replace
        do { try ardaku.put(name, bytes: [], options: put) }
        catch VolumeError.alreadyExists {
            throw ToolError("\(display): a file of that name exists" + (offerReplace ? " (use -f to replace it with an empty volume)" : ""))
        }
        catch { throw ToolError("\(display): \(error)") }
        do {
            let store = try VolumeFileByteStore(volume: ardaku, name: name)
            let volume = try ZestVolume.create(in: store, options: options)
            return (store, volume)
        } catch {
            throw ToolError("\(display): \(error)")
        }
    }
}

// MARK: - Shared pieces

enum ZestCLI {
    /// The segment size the tool gives new volumes: ZEST volumes are for small files, and
    /// 4 KiB segments (the library's default) more than double a tree of small files.
    static let defaultSegmentSize: UInt32 = 32

    static func options(segmentSize: UInt32?, level: Int32) throws -> ZestVolume.Options {
        let size = segmentSize ?? defaultSegmentSize
        guard ZestLimits.isValidSegmentSize(size) else { throw ToolError("--segment-size \(size): give a power of two from 16 to 4096") }
        guard (1...9).contains(level) else { throw ToolError("--level \(level): give 1 (fast) to 9 (small)") }
        return ZestVolume.Options(segmentSize: size, compressionLevel: level)
    }

    /// The whole content of a host file: a regular file only (`RegularSourceFile`: a FIFO
    /// or a device is refused, never read).
    static func readHostFile(_ path: String) throws -> [UInt8] {
        do {
            let source = try RegularSourceFile(path: path)
            guard source.size <= UInt64(ZestLimits.maxFileBytes) else {
                throw ToolError("\(path): \(source.size) bytes is more than a ZEST file may hold (\(ZestLimits.maxFileBytes))")
            }
            return try source.readAll()
        } catch let error as SourceFileError {
            throw ToolError(error.description)
        }
    }

    /// Packs the host tree `root` into `volume` under `prefix`: sorted names, a dictionary
    /// trained on a sample, parallel compression. Skipped host entries are reported.
    static func importTree(_ root: String, prefix: [UInt8], into volume: ZestVolume, replace: Bool,
                           dictionary: ZestImport.DictionaryPolicy, quiet: Bool, verbose: Bool, tool: String) throws -> ZestImport.Summary {
        var info = stat()
        guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw ToolError("\(root): not a directory") }
        var sources: [ZestImport.Source] = []
        var skipped = 0
        var totalBytes: UInt64 = 0
        for entry in HostTree.walk(root, prefix: prefix) {
            switch entry {
            case let .skipped(path, reason):
                skipped += 1
                if !quiet { Console.warning(tool, "\(path): skipped: \(reason)") }
            case let .file(path, name, size, _):
                guard size <= UInt64(ZestLimits.maxFileBytes) else {
                    throw ToolError("\(path): \(size) bytes is more than a ZEST file may hold (\(ZestLimits.maxFileBytes))")
                }
                totalBytes += size
                sources.append(ZestImport.Source(name: name, size: size, load: { try readHostFile(path) }))
            }
        }
        var importer = ZestImport()
        importer.replaceExisting = replace
        importer.dictionary = dictionary
        let progress = ProgressLine(enabled: !quiet && Console.stderrIsTerminal)
        let count = sources.count
        importer.progress = { files, bytes in
            progress.update("Packing files: \(files)/\(count), \(ByteSize.describe(bytes)) of \(ByteSize.describe(totalBytes))")
        }
        let summary: ZestImport.Summary
        do { summary = try importer.run(sources, into: volume) }
        catch let error as ZestError {
            if case let .fileExists(name) = error.kind { throw ToolError("\(name): file exists (use -f to replace it)") }
            throw ToolError("\(error)")
        }
        progress.update("Committing \(summary.files) files...", force: true)
        progress.finish()
        if verbose { for source in sources.sorted(by: { $0.name < $1.name }) { print(source.name.string) } }
        if skipped > 0 && !quiet { Console.warning(tool, "skipped \(skipped) entries") }
        return summary
    }

    /// Names listed one per line in `path` ('-': standard input); empty lines are skipped.
    static func readNameList(_ path: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else { throw ToolError("\(path): cannot read the list of names") }
            data = contents
        }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            return trimmed.isEmpty ? nil : String(decoding: trimmed, as: UTF8.self)
        }
    }

    /// "/" or a directory prefix ending in "/", for listing and recursive commands.
    static func directoryPrefix(_ text: String) throws -> String {
        let bytes = try ArdakuCommand.directoryPrefix(text)
        return bytes == [UInt8(ascii: "/")] ? "/" : String(decoding: bytes, as: UTF8.self) + "/"
    }

    static func fileName(_ text: String) throws -> FileName { try ImageAccess.fileName(text) }

    static func describe(_ error: ZestError) -> String {
        if case let .fileNotFound(name) = error.kind { return "\(VolumeError.printable(name)): no such file" }
        return error.description
    }
}


// MARK: - Subcommands

extension ZestCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Make an empty ZEST volume: a standalone file, or a file of type 'zest' in an Ardaku image.",
            usage: "ardaku zest create [--segment-size <n>] [-f] (FILE.zest | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("FILE.zest, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Option(help: "Bytes per segment, a power of two from 16 to 4096 (default 32: every file wastes half a segment on average).")
        var segmentSize: UInt32?
        @Flag(name: .customShort("f"), help: "Replace an existing file of that name with the empty volume.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                _ = try ZestSession.create(arguments, options: try ZestCLI.options(segmentSize: segmentSize, level: 6), replace: force)
            }
        }
    }

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "put",
            abstract: "Store a host file (or, with -r, a directory tree) in a ZEST volume.",
            usage: "ardaku zest put [-r] [-f] [-v] (FILE.zest | IMAGE VOLUME) SOURCE NAME",
            discussion: """
            With -r, every regular file under SOURCE is stored as NAME + its path relative to \
            SOURCE, in name order. When the volume has no dictionary yet, one is trained on a \
            sample of the files first (--dictionary). Everything is committed once, at the end.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), the host SOURCE and the NAME in the volume.",
                                     valueName: "arguments")) var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "Store every regular file under the directory SOURCE, under the directory NAME.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing files.") var force = false
        @Flag(name: .customShort("v"), help: "Name every file stored.") var verbose = false
        @Flag(name: .customShort("q"), help: "Quiet: no warnings about skipped entries, no progress.") var quiet = false
        @Option(help: "With -r: train a preset dictionary 'auto' (when the volume has none and it pays), 'always' or 'never'.")
        var dictionary: String = "auto"
        @Option(help: "zlib level, 1 (fast) to 9 (small).") var level: Int32 = 6
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let usage = "ardaku zest put (FILE.zest | IMAGE VOLUME) SOURCE NAME"
                let session = try ZestSession.open(&rest, writable: true, usage: usage)
                guard rest.count == 2 else { throw ToolError("put takes SOURCE and NAME after the volume: \(usage)") }
                let (source, name) = (rest[0], rest[1])
                _ = try ZestCLI.options(segmentSize: nil, level: level)
                session.volume.compressionLevel = level
                if recursive {
                    let policy: ZestImport.DictionaryPolicy
                    switch dictionary {
                    case "auto": policy = .automatic
                    case "always": policy = .always
                    case "never": policy = .never
                    default: throw ToolError("--dictionary \(dictionary): give auto, always or never")
                    }
                    _ = try ZestCLI.importTree(source, prefix: try ArdakuCommand.directoryPrefix(name), into: session.volume,
                                               replace: force, dictionary: policy, quiet: quiet, verbose: verbose, tool: ZestCommand.tool)
                } else {
                    let fileName = try ZestCLI.fileName(name)
                    let content = try ZestCLI.readHostFile(source)
                    do {
                        if session.volume.contains(fileName) {
                            guard force else { throw ToolError("\(name): file exists (use -f to replace it)") }
                            try session.volume.update(fileName, content)
                        } else {
                            try session.volume.insert(fileName, content)
                        }
                    } catch let error as ZestError { throw ToolError("\(session.display): \(error)") }
                    if verbose { print(fileName.string) }
                }
                try session.commit()
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List a directory of a ZEST volume (or, with -R, every file under it).",
            usage: "ardaku zest ls [-l] [-R] [--json] (FILE.zest | IMAGE VOLUME) [DIRECTORY]")
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), then the directory to list (default /).",
                                     valueName: "arguments")) var arguments: [String] = []
        @Flag(name: .customShort("l"), help: "Long format: size, stored size, codec, dictionary.") var long = false
        @Flag(name: .customShort("R"), help: "Every file under the directory, with full names.") var recursive = false
        @Flag(name: .long, help: "JSON output.") var json = false

        struct FileJSON: Encodable {
            var name: String
            var size: UInt32
            var storedSize: UInt32
            var codec: String
            var dictionary: UInt16
            var contentCRC: String
            var segmentStart: UInt32
            var segmentCount: UInt32

            init(_ info: ZestFileInfo) {
                name = info.name.string
                size = info.size
                storedSize = info.storedSize
                codec = List.codecName(info.codec)
                dictionary = info.dictionaryID
                contentCRC = Hex.format(info.contentCRC, width: 8)
                segmentStart = info.segments.start
                segmentCount = info.segments.count
            }
        }

        static func codecName(_ codec: ZestCodec?) -> String {
            switch codec {
            case .stored: return "stored"
            case .deflate: return "deflate"
            case nil: return "unknown"
            }
        }
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let session = try ZestSession.open(&rest, writable: false, usage: "ardaku zest ls (FILE.zest | IMAGE VOLUME) [DIRECTORY]")
                guard rest.count <= 1 else { throw ToolError("ls takes at most one directory after the volume") }
                let directory = rest.first ?? "/"
                let volume = session.volume
                let prefixBytes = try ArdakuCommand.directoryPrefix(directory)
                if prefixBytes != [UInt8(ascii: "/")], let name = try? FileName(bytes: prefixBytes), volume.contains(name) {
                    try show([try volume.stat(name)], directories: [], volume: volume, relativeTo: nil)
                    return
                }
                let prefix = try ZestCLI.directoryPrefix(directory)
                let files = volume.list(prefix: prefix)
                if files.isEmpty && prefix != "/" { throw ToolError("\(directory): no such file or directory in \(session.display)") }
                if recursive {
                    try show(files, directories: [], volume: volume, relativeTo: nil)
                    return
                }
                var direct: [ZestFileInfo] = []
                var directories: [String] = []
                let under = prefix.utf8.count
                for file in files {
                    let rest = file.name.bytes[under...]
                    if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                        let name = String(decoding: rest[..<slash], as: UTF8.self)
                        if directories.last != name { directories.append(name) }
                    } else {
                        direct.append(file)
                    }
                }
                try show(direct, directories: directories, volume: volume, relativeTo: under)
            }
        }

        private func show(_ files: [ZestFileInfo], directories: [String], volume: ZestVolume, relativeTo prefixLength: Int?) throws {
            if json {
                struct Listing: Encodable {
                    var files: [FileJSON]
                    var directories: [String]
                    var segmentSize: UInt32
                    var dictionaries: [UInt16]
                }
                print(try JSONOutput.render(Listing(files: files.map(FileJSON.init), directories: directories,
                                                    segmentSize: volume.segmentSize, dictionaries: volume.dictionaryIDs)))
                return
            }
            var lines: [(String, String)] = files.map { file in
                let shown = prefixLength.map { String(decoding: file.name.bytes[$0...], as: UTF8.self) } ?? file.name.string
                let details = "\(String(file.size).padded(left: 12)) \(String(file.storedSize).padded(left: 12))  "
                    + "\(List.codecName(file.codec).padded(8)) \(String(file.dictionaryID).padded(left: 5))  "
                return (shown, long ? details : "")
            }
            lines += directories.map { ($0 + "/", long ? "\("-".padded(left: 12)) \("-".padded(left: 12))  \("dir".padded(8)) \("-".padded(left: 5))  " : "") }
            for (name, details) in lines.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }) {
                print(details + VolumeError.printable(name))
            }
        }
    }

    struct Remove: RunsPlainCommandLines {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove files (with -r, directories) from a ZEST volume.",
            usage: "ardaku zest rm [-r] (FILE.zest | IMAGE VOLUME) NAME...")
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

    struct Move: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mv", abstract: "Rename a file or a directory of a ZEST volume.",
            usage: "ardaku zest mv [-f] (FILE.zest | IMAGE VOLUME) SOURCE TARGET")
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

    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compact",
            abstract: "Move files down into free space, pack the table and give the free space back.",
            usage: "ardaku zest compact [--recompress] (FILE.zest | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("The volume: FILE.zest, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(help: "Also recompress files not compressed with the newest dictionary, and drop unused dictionaries.")
        var recompress = false
        @Flag(name: .customShort("q"), help: "Quiet: print nothing on success.") var quiet = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let session = try ZestSession.open(&rest, writable: true, usage: "ardaku zest compact (FILE.zest | IMAGE VOLUME)")
                guard rest.isEmpty else { throw ToolError("compact takes only the volume") }
                let report: ZestCompactionReport
                do { report = try session.volume.compact(recompress: recompress) } catch { throw ToolError("\(session.display): \(error)") }
                try session.commit()
                if !quiet {
                    print("\(session.display): \(ByteSize.describe(report.bytesBefore)) -> \(ByteSize.describe(report.bytesAfter)); "
                          + "moved \(report.filesMoved) files and \(report.fragmentsMoved) fragments; table \(report.fragmentsBefore) -> "
                          + "\(report.fragmentsAfter) fragments" + (recompress ? "; recompressed \(report.filesRecompressed) files, "
                          + "removed \(report.dictionariesRemoved) dictionaries" : ""))
                }
            }
        }
    }
}

// MARK: - mkfs.ardaku --zest

extension ZestCLI {
    /// `--zest VOLUME=DIR` arguments, checked before anything is written.
    static func parsePacks(_ arguments: [String]) throws -> [(name: FileName, directory: String)] {
        var packs: [(name: FileName, directory: String)] = []
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex,
                  argument.index(after: equals) != argument.endIndex else {
                throw ToolError("--zest \(argument): give VOLUME=DIR, e.g. /packs/small.zest=./small")
            }
            let name = try fileName(String(argument[..<equals]))
            let directory = String(argument[argument.index(after: equals)...])
            guard case .success(let info) = SystemCalls.pathInfo(directory), info.kind == .directory else {
                throw ToolError("\(directory): not a directory (for --zest \(name.string))")
            }
            guard !packs.contains(where: { $0.name == name }) else { throw ToolError("--zest \(name.string) given twice") }
            packs.append((name, directory))
        }
        return packs
    }

    /// Creates the ZEST volume `name` in `ardaku` and packs `directory` into it, in the
    /// Ardaku volume's open transaction; the caller commits (closes) the volume.
    static func pack(_ directory: String, as name: FileName, into ardaku: Volume, display: String,
                     quiet: Bool, verbose: Bool, tool: String) throws -> ZestImport.Summary {
        let (store, volume) = try ZestSession.createNested(in: ardaku, name: name,
                                                           options: try options(segmentSize: nil, level: 6),
                                                           replace: false, display: display, offerReplace: false)
        let summary = try importTree(directory, prefix: [UInt8(ascii: "/")], into: volume, replace: false,
                                     dictionary: .automatic, quiet: quiet, verbose: verbose, tool: tool)
        do {
            try volume.flush()
            try store.close()
        } catch { throw ToolError("\(display): \(error)") }
        return summary
    }
}

extension ZestCommand.RemoveRequest {
    init(_ line: PlainCommandLine) { self.init(arguments: line.operands, recursive: line.flags.contains("-r")) }
}
