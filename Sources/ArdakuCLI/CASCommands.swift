import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArgumentParser
import Foundation
import Glibc

/// `ardaku cas ...`: CAS volumes (content-addressed objects with tags, docs/FORMAT.md Part III),
/// standalone or nested in an Ardaku image.
///
/// Every subcommand names its volume first, in one of two ways:
///
///     ardaku cas tags FILE.cas                a standalone CAS file on the host
///     ardaku cas tags IMAGE VOLUME            the CAS-type file VOLUME in an Ardaku image
///
/// The tool tells them apart by the bytes of the first argument: a CAS header ("ACAS" at
/// byte 0 or 4096, the two header slots) makes it a standalone volume; anything else is
/// opened as an Ardaku image, and the next argument names the CAS volume in it. `create`
/// and `put` also make a standalone file that does not exist yet.
public struct CASCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cas",
        abstract: "Snapshot directory trees into CAS volumes: content-addressed, deduplicated, tagged.",
        discussion: """
        A CAS volume is either a standalone host file or a file of type 'cas' inside an \
        Ardaku image. Every subcommand names it first:

          ardaku cas SUBCOMMAND FILE.cas ...        a standalone CAS file
          ardaku cas SUBCOMMAND IMAGE VOLUME ...    the CAS volume VOLUME (e.g. /backup.cas) in an Ardaku image

        The first argument's own bytes say which it is (a CAS header, or an Ardaku image). \
        Objects are named by their id (64 hex digits, the SHA-256 of the object) or by a tag.

        Each subcommand locks what it opens (the image for a nested volume, else the file): \
        shared to read (get, tags, info), exclusive to write (create, put, tag, gc); a volume another process holds is an \
        error, or with --wait a wait. See docs/CONCURRENCY.md.

        Examples:
          ardaku cas put -r backup.cas ./src --tag v1     (creates backup.cas when missing)
          ardaku cas put -r backup.cas ./src --tag v2     (stores only what changed)
          ardaku cas get -r backup.cas v1 ./restored
          ardaku cas info -d 2 backup.cas v2
          ardaku cas tag -d backup.cas v1 && ardaku cas gc backup.cas
          ardaku cas put -r disk.img /backup.cas ./src --tag v1
        """,
        subcommands: [Create.self, Put.self, Get.self, Tag.self, Tags.self, Info.self, Collect.self, Hash.self])

    public init() {}

    static let tool = "ardaku"

    static func perform(_ body: () throws -> Void) {
        Console.run(tool: tool) { try body(); return 0 }
    }
}

// MARK: - Opening a volume

/// An open CAS volume and whatever holds it; `close()` makes its changes durable.
final class CASSession {
    let volume: CASVolume
    /// How the volume was named on the command line, for messages.
    let display: String
    /// Whether this run made the volume.
    let created: Bool
    private let image: MappedImage?
    private let ardaku: Volume?
    private let nestedStore: VolumeFileByteStore?

    private init(volume: CASVolume, display: String, created: Bool, image: MappedImage?, ardaku: Volume?, nestedStore: VolumeFileByteStore?) {
        self.volume = volume
        self.display = display
        self.created = created
        self.image = image
        self.ardaku = ardaku
        self.nestedStore = nestedStore
    }

    /// Commits the CAS volume (a volume opened for writing), then, when nested, the image.
    func commit() throws {
        do { try volume.commit() } catch { throw ToolError("\(display): \(error)") }
        try closeImage()
    }

    /// Leaves the image's transaction and closes it (nested volumes; nothing otherwise).
    func closeImage() throws {
        if let nestedStore, let ardaku, !ardaku.isReadOnly {
            do { try nestedStore.close() } catch { throw ToolError("\(display): \(error)") }
            do { try ardaku.close() } catch { throw ToolError("\(display): \(error)") }
        }
    }

    /// True when `path` holds a CAS header in either slot (the magic "ACAS").
    static func isCASFile(_ path: String) -> Bool {
        let magic: [UInt8] = [0x41, 0x43, 0x41, 0x53]
        return VolumeHeader.slotOffsets.contains { SystemCalls.peek(path, at: UInt64($0), count: 4) == magic }
    }

    /// What `open` may do when the volume does not exist.
    enum Missing {
        /// Fail.
        case refuse
        /// Make it, when exactly `rest` arguments follow the volume's.
        case create(rest: Int)
    }

    /// Opens the volume the leading `arguments` name and removes them from `arguments`.
    static func open(_ arguments: inout [String], writable: Bool, missing: Missing = .refuse, options: CASOptions = CASOptions(),
                     usage: String) throws -> CASSession {
        guard let first = arguments.first else { throw ToolError("name a CAS volume: \(usage)") }
        if isCASFile(first) {
            arguments.removeFirst()
            let store: HostFileByteStore
            do { store = try HostFileByteStore(path: first, readOnly: !writable) } catch { throw ToolError("\(first): \(error)") }
            return CASSession(volume: try openVolume(store, display: first, options: options), display: first, created: false,
                              image: nil, ardaku: nil, nestedStore: nil)
        }
        let info = SystemCalls.pathInfo(first)
        let isEmptyOrMissing: Bool
        switch info {
        case .success(let info): isEmptyOrMissing = info.kind == .regularFile && info.size == 0
        case .failure(let error): isEmptyOrMissing = error == .noSuchFileOrDirectory
        }
        if isEmptyOrMissing {
            guard case let .create(rest) = missing, arguments.count == rest + 1 else {
                throw ToolError("\(first): \(info.isSuccess ? "empty file, not a CAS volume" : "no such file") (\(usage))")
            }
            arguments.removeFirst()
            let volume = try createStandalone(first, options: options, replace: true)
            return CASSession(volume: volume, display: first, created: true, image: nil, ardaku: nil, nestedStore: nil)
        }
        let (image, ardaku): (MappedImage, Volume)
        do { (image, ardaku) = try ImageAccess.openVolume(first, writable: writable) } catch let error as ToolError where !error.isBusy {
            throw ToolError("\(error.message) (and not a CAS volume either: no CAS header at byte 0 or 4096)")
        }
        guard arguments.count >= 2 else {
            let volumes = (try? ardaku.list().filter { $0.type == .cas }.map(\.name)) ?? []
            throw ToolError("\(first) is an Ardaku image: name the CAS volume in it (\(usage))"
                            + (volumes.isEmpty ? "; it holds none" : "; it holds " + volumes.joined(separator: ", ")))
        }
        let volumeName = try ImageAccess.fileName(arguments[1])
        let display = "\(first):\(volumeName.string)"
        let exists = (try? ardaku.exists(volumeName)) ?? false
        if !exists {
            guard case let .create(rest) = missing, arguments.count == rest + 2 else {
                throw ToolError("\(display): no such CAS volume in the image (\(usage))")
            }
            arguments.removeFirst(2)
            let (store, volume) = try createNested(in: ardaku, name: volumeName, options: options, replace: false, display: display)
            return CASSession(volume: volume, display: display, created: true, image: image, ardaku: ardaku, nestedStore: store)
        }
        arguments.removeFirst(2)
        let status: FileStatus
        do { status = try ardaku.stat(volumeName) } catch { throw ToolError("\(display): \(error)") }
        guard status.type == .cas else {
            throw ToolError("\(display): not a CAS volume (its type is \(status.type)); create one with ardaku cas create")
        }
        let store: VolumeFileByteStore
        do { store = try VolumeFileByteStore(volume: ardaku, name: volumeName) } catch { throw ToolError("\(display): \(error)") }
        return CASSession(volume: try openVolume(store, display: display, options: options), display: display, created: false,
                          image: image, ardaku: ardaku, nestedStore: store)
    }

    private static func openVolume(_ store: ByteStore, display: String, options: CASOptions) throws -> CASVolume {
        do { return try CASVolume.open(store, options: options) } catch {
            throw ToolError("\(display): \(error) (check it with fsck.zest)")
        }
    }

    /// Makes an empty standalone volume at `path` (replacing what is there when `replace`).
    static func createStandalone(_ path: String, options: CASOptions, replace: Bool) throws -> CASVolume {
        if case .success(let info) = SystemCalls.pathInfo(path) {
            guard info.kind == .regularFile else { throw ToolError("\(path): not a regular file") }
            if info.size > 0 && !replace { throw ToolError("\(path): exists (use -f to replace it with an empty volume)") }
        }
        let store: HostFileByteStore
        do { store = try HostFileByteStore(path: path, readOnly: false, create: true) } catch { throw ToolError("\(path): \(error)") }
        do { return try CASVolume.create(on: store, options: options) } catch { throw ToolError("\(path): \(error)") }
    }

    /// Adds an empty CAS volume `name` to `ardaku` (in its open transaction); returns its
    /// store, open, and the volume.
    static func createNested(in ardaku: Volume, name: FileName, options: CASOptions, replace: Bool,
                             display: String) throws -> (VolumeFileByteStore, CASVolume) {
        var put = PutOptions()
        put.type = .cas
        put.replaceExisting = replace
        do { try ardaku.put(name, bytes: [], options: put) }
        catch VolumeError.alreadyExists { throw ToolError("\(display): exists (use -f to replace it with an empty volume)") }
        catch { throw ToolError("\(display): \(error)") }
        do {
            let store = try VolumeFileByteStore(volume: ardaku, name: name)
            return (store, try CASVolume.create(on: store, options: options))
        } catch {
            throw ToolError("\(display): \(error)")
        }
    }

    /// The object `reference` names (an id or a tag), with a one-line error.
    func resolve(_ reference: String) throws -> ObjectID {
        do { return try volume.resolve(reference) } catch {
            throw ToolError("\(display): \(reference.count == ObjectID.hexCount ? "no object" : "no tag or object") '\(reference)'")
        }
    }
}

extension Result {
    fileprivate var isSuccess: Bool { if case .success = self { return true } else { return false } }
}

// MARK: - Host trees

/// A host directory tree as a `DirectorySource`, walked once up front: directories and
/// regular files are stored; everything else (symbolic links, devices, FIFOs, sockets,
/// names an item cannot hold, unreadable directories) is reported and left out.
final class CASHostSource: DirectorySource {
    let root: String
    private var listing: [[String]: [DirectoryEntry]] = [:]
    private(set) var skipped: [(path: String, reason: String)] = []
    private(set) var fileCount = 0
    private(set) var totalBytes: UInt64 = 0

    /// Walks `root`; `report` hears every entry left out, as it is found.
    init(root: String, report: (_ path: String, _ reason: String) -> Void) throws {
        self.root = root
        var info = stat()
        guard stat(root, &info) == 0 else { throw ToolError("\(root): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw ToolError("\(root): not a directory (put -r stores a directory)") }
        func skip(_ path: [UInt8], _ reason: String) {
            // Invalid UTF-8 and control characters (a newline in a name) escaped.
            let shown = HostTree.show(path)
            skipped.append((shown, reason))
            report(shown, reason)
        }
        // Depth first; a directory's listing is complete once its subdirectories are known
        // to be readable, so unreadable ones can be left out of it.
        var pending: [(host: [UInt8], path: [String])] = [(Array(root.utf8), [])]
        var readable: Set<[String]> = []
        var children: [[String]: [(DirectoryEntry, isReadableDirectory: [String]?)]] = [:]
        while let (host, path) = pending.popLast() {
            guard let names = HostTree.listDirectory(host) else {
                if path.isEmpty { throw ToolError("\(root): cannot read directory: \(String(cString: strerror(errno)))") }
                skip(host, "cannot read directory: \(String(cString: strerror(errno)))")
                continue
            }
            readable.insert(path)
            var entries: [(DirectoryEntry, isReadableDirectory: [String]?)] = []
            var subdirectories: [(host: [UInt8], path: [String])] = []
            for name in names {
                let childHost = host + [UInt8(ascii: "/")] + name
                if let problem = ItemName.problem(name) {
                    skip(childHost, "name cannot be stored: \(problem)")
                    continue
                }
                let component = String(decoding: name, as: UTF8.self)
                var child = stat()
                guard HostTree.withCString(childHost, { lstat($0, &child) }) == 0 else {
                    skip(childHost, String(cString: strerror(errno)))
                    continue
                }
                switch child.st_mode & S_IFMT {
                case S_IFDIR:
                    entries.append((DirectoryEntry(name: component, isDirectory: true), path + [component]))
                    subdirectories.append((childHost, path + [component]))
                case S_IFREG:
                    let size = UInt64(max(0, child.st_size))
                    entries.append((DirectoryEntry(name: component, isDirectory: false, size: size), nil))
                    fileCount += 1
                    totalBytes += size
                case S_IFLNK: skip(childHost, "symbolic link (not supported)")
                case S_IFCHR, S_IFBLK: skip(childHost, "device node (not supported)")
                case S_IFIFO: skip(childHost, "FIFO (not supported)")
                case S_IFSOCK: skip(childHost, "socket (not supported)")
                default: skip(childHost, "unknown file type")
                }
            }
            children[path] = entries
            pending.append(contentsOf: subdirectories.reversed())
        }
        for (path, entries) in children {
            listing[path] = entries.compactMap { entry, directory in
                directory.map { readable.contains($0) } ?? true ? entry : nil
            }
        }
    }

    func hostPath(_ path: [String]) -> String { ([root] + path).joined(separator: "/") }

    func entries(at path: [String]) throws(CASError) -> [DirectoryEntry] {
        listing[path] ?? []
    }

    /// Opens a regular file (`RegularSourceFile`: no symbolic link is followed and nothing
    /// but a regular file is read, whatever was swapped in since the walk).
    private func openFile(_ path: [String]) throws(CASError) -> RegularSourceFile {
        do throws(SourceFileError) { return try RegularSourceFile(path: hostPath(path)) } catch {
            throw CASError(.host(path: error.path, detail: error.detail))
        }
    }

    func contents(at path: [String]) throws(CASError) -> [UInt8] {
        let file = try openFile(path)
        guard file.size <= UInt64(Int.max) else { throw CASError(.host(path: file.path, detail: "too large")) }
        do throws(SourceFileError) { return try file.readAll() } catch {
            throw CASError(.host(path: error.path, detail: error.detail))
        }
    }

    func read(at path: [String], pieceBytes: Int, _ body: ([UInt8]) throws(CASError) -> Void) throws(CASError) {
        let file = try openFile(path)
        do throws(PieceReadError<CASError>) {
            try file.readPieces(pieceBytes: pieceBytes) { (piece: UnsafeRawBufferPointer) throws(CASError) in try body(Array(piece)) }
        } catch {
            switch error {
            case let .source(failure): throw CASError(.host(path: failure.path, detail: failure.detail))
            case let .body(failure): throw failure
            }
        }
    }
}

/// Restores into a host directory without ever writing outside it, as `SafeOutput` does for
/// `ardaku get -r`: names were validated as item names (no `/`, `.`, `..`, NUL), every
/// directory is entered with O_NOFOLLOW relative to its parent, and each file is written by
/// `SafeOutput.writeFile` (unnamed until complete, so a failure leaves no partial file;
/// never replacing a device node). Directory descriptors stay open while their files are
/// written.
final class CASHostSink: DirectorySink {
    let root: String
    let overwrite: Bool
    private let rootDescriptor: Int32
    /// Open directories by path, so that each file does not walk from the root again.
    private var open: [[String]: Int32] = [:]
    /// The tool error behind the last failure, shown instead of its CASError wrapping.
    private(set) var failure: ToolError?
    private(set) var files = 0
    private let progress: ProgressLine

    init(root: String, overwrite: Bool, progress: ProgressLine) throws {
        self.root = root
        self.overwrite = overwrite
        self.progress = progress
        if mkdir(root, 0o755) != 0 && errno != EEXIST {
            throw ToolError("\(root): cannot create directory: \(String(cString: strerror(errno)))")
        }
        rootDescriptor = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootDescriptor >= 0 else { throw ToolError("\(root): \(String(cString: strerror(errno)))") }
    }

    func close() {
        for descriptor in open.values { Glibc.close(descriptor) }
        open = [:]
        Glibc.close(rootDescriptor)
    }

    private func fail(_ error: ToolError) -> CASError {
        failure = error
        return CASError(.host(path: root, detail: error.message))
    }

    private func shown(_ path: [String]) -> String { VolumeError.printable(([root] + path).joined(separator: "/")) }

    /// The directory `path` (made if missing), entered one component at a time without
    /// following symbolic links.
    private func directory(_ path: [String]) throws(CASError) -> Int32 {
        if path.isEmpty { return rootDescriptor }
        if let descriptor = open[path] { return descriptor }
        let parent = try directory(Array(path.dropLast()))
        let name = path[path.count - 1]
        if mkdirat(parent, name, 0o755) != 0 && errno != EEXIST {
            throw fail(ToolError("\(shown(path)): cannot create directory: \(String(cString: strerror(errno)))"))
        }
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw fail(ToolError("\(shown(path)): not a directory inside \(root) (a symbolic link or a file is in the way): \(String(cString: strerror(errno)))"))
        }
        if open.count >= 256 {
            for descriptor in open.values { Glibc.close(descriptor) }
            open = [:]
        }
        open[path] = descriptor
        return descriptor
    }

    func makeDirectory(at path: [String]) throws(CASError) {
        _ = try directory(path)
    }

    func writeFile(at path: [String],
                   content: (_ write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) -> Void) throws(CASError) {
        let parent = try directory(Array(path.dropLast()))
        let name = path[path.count - 1]
        let target = shown(path)
        // SafeOutput's writer: unnamed until complete, never replacing a device node.
        do {
            try SafeOutput.writeFile(in: parent, name: name, shown: target, overwrite: overwrite) { write in
                try withoutActuallyEscaping(write) { write in
                    try content { (bytes: UnsafeRawBufferPointer) throws(CASError) in
                        do { try write(bytes) } catch let error as ToolError { throw fail(error) } catch {
                            throw fail(ToolError("\(target): \(error)"))
                        }
                    }
                }
            }
        } catch let error as CASError {
            throw error
        } catch let error as ToolError {
            throw fail(error)
        } catch {
            throw fail(ToolError("\(target): \(error)"))
        }
        files += 1
        progress.update("Restoring: \(files) files")
    }
}

// MARK: - Shared pieces

enum CASCLI {
    /// The tag `mkfs.ardaku --cas` gives the snapshot it stores.
    static let mkfsTag = "initial"

    static func options(level: Int32?) throws -> CASOptions {
        guard let level else { return CASOptions() }
        guard (1...9).contains(level) else { throw ToolError("--level \(level): give 1 (fast) to 9 (small)") }
        return CASOptions(compressionLevel: level, largeObjectLevel: level)
    }

    static func checkTagName(_ name: String) throws {
        if let problem = TagName.problem(Array(name.utf8)) { throw ToolError("tag name '\(name)': \(problem)") }
    }

    /// What `put -r` reports.
    struct SnapshotJSON: Encodable {
        var root: String
        var tag: String?
        var files: Int
        var directories: Int
        var contentBytes: UInt64
        var reusedContentBytes: UInt64
        var newObjects: Int
        var storedBytes: UInt64
        var storeBytesBefore: UInt64
        var storeBytesAfter: UInt64
        var skipped: [SkippedJSON]
        var created: Bool
    }

    struct SkippedJSON: Encodable {
        var path: String
        var reason: String
    }

    /// Snapshots the host tree `directory` into `volume`, with a progress line on a
    /// terminal and a warning for every entry left out.
    static func snapshot(_ directory: String, into volume: CASVolume, quiet: Bool) throws -> (SnapshotReport, CASHostSource) {
        let source = try CASHostSource(root: directory) { path, reason in
            if !quiet { Console.warning(CASCommand.tool, "\(path): skipped: \(reason)") }
        }
        let progress = ProgressLine(enabled: !quiet && Console.stderrIsTerminal)
        defer { progress.finish() }
        do {
            let report = try volume.snapshot(source) { state in
                progress.update("Storing: \(state.files)/\(state.totalFiles) files, \(ByteSize.describe(state.bytes)) of \(ByteSize.describe(state.totalBytes))")
            }
            return (report, source)
        } catch {
            throw ToolError("\(error)")
        }
    }

    /// Reads the host file `path` (standard input for "-") from start to end, calling
    /// `body` with pieces of up to `pieceBytes` (one buffer, reused). A named file must be
    /// a regular file (`RegularSourceFile`): a device such as /dev/urandom or a FIFO is
    /// refused at once instead of read without end.
    static func readPieces<E: Error>(_ path: String, pieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws {
        let file: RegularSourceFile?
        do { file = path == "-" ? nil : try RegularSourceFile(path: path) } catch { throw ToolError(error.description) }
        try readPieces(file, pieceBytes: pieceBytes, body)
    }

    /// `readPieces` of an open file, or of standard input when `file` is nil.
    static func readPieces<E: Error>(_ file: RegularSourceFile?, pieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws {
        if let file {
            do throws(PieceReadError<E>) { try file.readPieces(pieceBytes: pieceBytes, body) } catch {
                switch error {
                case let .source(failure): throw ToolError(failure.description)
                case let .body(failure): throw failure
                }
            }
            return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceBytes, alignment: 64)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            let n = Glibc.read(STDIN_FILENO, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ToolError("-: \(String(cString: strerror(errno)))") }
            filled += n
            if filled == buffer.count || (n == 0 && filled > 0) {
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                filled = 0
            }
            if n == 0 { return }
        }
    }

    /// "a blob", "an item", "a tree", "a chunk list".
    static func article(_ type: ObjectType) -> String {
        switch type.name {
        case "item": return "an item"
        case "chunks": return "a chunk list"
        default: return "a \(type.name)"
        }
    }

    /// "12.5%" of `part` in `whole`.
    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        whole == 0 ? "0%" : String(format: "%.1f%%", Double(part) / Double(whole) * 100)
    }

    /// `VOLUME=DIR` arguments of `mkfs.ardaku --cas`, checked.
    static func parsePacks(_ specs: [String]) throws -> [(name: FileName, directory: String)] {
        try specs.map { spec in
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
                throw ToolError("--cas \(spec): give VOLUME=DIR, e.g. /backup.cas=./src")
            }
            let name = try ImageAccess.fileName(String(spec[..<equals]))
            let directory = String(spec[spec.index(after: equals)...])
            guard case .success(let info) = SystemCalls.pathInfo(directory), info.kind == .directory else {
                throw ToolError("\(directory): not a directory (for --cas)")
            }
            return (name, directory)
        }
    }

    /// `mkfs.ardaku --cas VOLUME=DIR`: a new CAS volume `name` in `ardaku` holding a
    /// snapshot of `directory`, tagged `mkfsTag`.
    static func pack(_ directory: String, as name: FileName, into ardaku: Volume, display: String, quiet: Bool) throws -> SnapshotReport {
        if (try? ardaku.exists(name)) == true { throw ToolError("\(display): a file of that name exists already (from -d?)") }
        let (store, volume) = try CASSession.createNested(in: ardaku, name: name, options: CASOptions(), replace: false, display: display)
        let (report, _) = try snapshot(directory, into: volume, quiet: quiet)
        do {
            try volume.setTag(mkfsTag, to: report.root)
            try volume.commit()
            try store.close()
        } catch {
            throw ToolError("\(display): \(error)")
        }
        return report
    }
}

// MARK: - Subcommands

extension CASCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Make an empty CAS volume: a standalone file, or a file of type 'cas' in an Ardaku image.",
            discussion: "ardaku cas create FILE.cas | ardaku cas create IMAGE VOLUME")
        @Argument(help: ArgumentHelp("FILE.cas, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(name: .customShort("f"), help: "Replace an existing file or volume with an empty one.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                switch arguments.count {
                case 1:
                    let path = arguments[0]
                    if case .success(let info) = SystemCalls.pathInfo(path), info.size > 0, !CASSession.isCASFile(path),
                       (try? ImageAccess.openVolume(path, writable: false)) != nil {
                        throw ToolError("\(path) is an Ardaku image: name the CAS volume to create in it (ardaku cas create IMAGE VOLUME)")
                    }
                    _ = try CASSession.createStandalone(path, options: CASOptions(), replace: force)
                case 2:
                    let (_, ardaku) = try ImageAccess.openVolume(arguments[0], writable: true)
                    let name = try ImageAccess.fileName(arguments[1])
                    let display = "\(arguments[0]):\(name.string)"
                    let (store, _) = try CASSession.createNested(in: ardaku, name: name, options: CASOptions(), replace: force, display: display)
                    do {
                        try store.close()
                        try ardaku.close()
                    } catch { throw ToolError("\(display): \(error)") }
                default:
                    throw ToolError("create takes FILE.cas, or IMAGE VOLUME")
                }
            }
        }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Point a tag at an object (moving it if it exists), or with -d remove it.",
            discussion: "ardaku cas tag FILE.cas|IMAGE VOLUME NAME ID|TAG\nardaku cas tag -d FILE.cas|IMAGE VOLUME NAME")
        @Argument(help: ArgumentHelp("The volume (FILE.cas, or IMAGE VOLUME), NAME, then ID|TAG.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("d"), help: "Remove the tag NAME.") var delete = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = delete ? "ardaku cas tag -d FILE.cas|IMAGE VOLUME NAME" : "ardaku cas tag FILE.cas|IMAGE VOLUME NAME ID|TAG"
                let session = try CASSession.open(&rest, writable: true, usage: usage)
                guard rest.count == (delete ? 1 : 2) else { throw ToolError(usage) }
                let name = rest[0]
                if delete {
                    guard session.volume.tag(named: name) != nil else { throw ToolError("\(session.display): no tag '\(name)'") }
                    do { try session.volume.removeTag(name) } catch { throw ToolError("\(session.display): \(error)") }
                } else {
                    try CASCLI.checkTagName(name)
                    let id = try session.resolve(rest[1])
                    do { try session.volume.setTag(name, to: id) } catch { throw ToolError("\(session.display): \(error)") }
                }
                try session.commit()
            }
        }
    }

    struct Tags: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tags",
            abstract: "List the tags: id and name, sorted by name.",
            discussion: "ardaku cas tags FILE.cas|IMAGE VOLUME")
        @Argument(help: ArgumentHelp("The volume: FILE.cas, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas tags FILE.cas|IMAGE VOLUME"
                let session = try CASSession.open(&rest, writable: false, usage: usage)
                guard rest.isEmpty else { throw ToolError(usage) }
                let tags = session.volume.tags
                if json {
                    struct TagJSON: Encodable { var name: String; var id: String; var type: String? }
                    print(try JSONOutput.render(tags.map { TagJSON(name: $0.name, id: $0.id.hex, type: session.volume.type(of: $0.id)?.name) }))
                    return
                }
                for tag in tags { print("\(tag.id.hex) \(tag.name)") }
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Describe an object (like the seed's file_info), or without ID|TAG the volume.",
            discussion: """
            ardaku cas info [-r] [-d N] FILE.cas|IMAGE VOLUME [ID|TAG]

            One line per object: [tree] ID, [item] NAME ID, [chunks] COUNT BYTES ID, \
            [blob] utf8 ID followed by its text, or [blob] binary BYTES bytes ID; with -r \
            (or -d N, N levels) what it names follows, one more space of indent per level.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.cas, or IMAGE VOLUME), then ID|TAG.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "Recurse into what the object names.") var recurse = false
        @Option(name: .customShort("d"), help: "Recurse this many levels (implies -r).") var depth: Int?
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas info [-r] [-d N] FILE.cas|IMAGE VOLUME [ID|TAG]"
                let session = try CASSession.open(&rest, writable: false, usage: usage)
                guard rest.count <= 1 else { throw ToolError(usage) }
                guard let reference = rest.first else { return try summary(session) }
                let levels = depth ?? (recurse ? CASLimits.maxTreeDepth : 0)
                guard (0...CASLimits.maxTreeDepth).contains(levels) else { throw ToolError("-d \(levels): give 0 to \(CASLimits.maxTreeDepth)") }
                let id = try session.resolve(reference)
                do {
                    if json {
                        print(try JSONOutput.render(try describe(id, in: session.volume, levels: levels)))
                    } else {
                        FileHandle.standardOutput.write(Data(try session.volume.info(id, depth: levels).utf8))
                    }
                } catch let error as CASError { throw ToolError("\(session.display): \(error)") }
            }
        }

        final class ObjectJSON: Encodable {
            var id: String
            var type: String
            var name: String?
            var bytes: UInt64?
            var children: [ObjectJSON]?
            init(id: String, type: String) {
                self.id = id
                self.type = type
            }
        }

        private func describe(_ id: ObjectID, in volume: CASVolume, levels: Int) throws -> ObjectJSON {
            let object = try volume.object(id)
            let node = ObjectJSON(id: id.hex, type: object.type.name)
            var children: [ObjectID] = []
            switch (object.type.kind, object.type.isCore) {
            case (.blob, _):
                node.bytes = UInt64(object.payload.count)
            case (.item, _):
                let (name, target) = try object.itemFields()
                node.name = name
                children = [target]
            case (.tree, true):
                let list = try object.chunkListEntries()
                node.bytes = list.totalLength
                children = list.chunks.map(\.id)
            case (.tree, false):
                children = try object.treeEntries()
            }
            if levels > 0 {
                node.children = try children.map { try describe($0, in: volume, levels: levels - 1) }
            }
            return node
        }

        private func summary(_ session: CASSession) throws {
            let volume = session.volume
            var counts: [String: Int] = ["blob": 0, "item": 0, "tree": 0, "chunks": 0]
            var packs = Set<UInt64>()
            for id in volume.objectIDs {
                counts[volume.type(of: id)?.name ?? "?", default: 0] += 1
                if volume.packMember(of: id) != nil, let location = volume.location(of: id) { packs.insert(location.offset) }
            }
            struct Summary: Encodable {
                var volume: String, generation: UInt64, objects: Int, objectsByType: [String: Int], packs: Int, tags: Int
                var storeBytes: UInt64, objectBytes: UInt64, freeBytes: UInt64
            }
            let header = volume.header
            let summary = Summary(volume: session.display, generation: header.generation, objects: volume.objectCount, objectsByType: counts,
                                  packs: packs.count, tags: volume.tags.count, storeBytes: volume.store.length,
                                  objectBytes: header.objectBytes, freeBytes: volume.freeBytes)
            if json { print(try JSONOutput.render(summary)); return }
            print("""
            CAS volume:  \(session.display)
            Generation:  \(header.generation)
            Objects:     \(summary.objects) (\(counts["blob"]!) blobs, \(counts["item"]!) items, \(counts["tree"]!) trees, \(counts["chunks"]!) chunk lists; \(packs.count) pack records)
            Tags:        \(summary.tags)
            Store:       \(summary.storeBytes) bytes (\(ByteSize.describe(summary.storeBytes))); objects \(summary.objectBytes) bytes, free \(summary.freeBytes) bytes
            """)
        }
    }

    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove every object no tag reaches and give the space back.",
            discussion: "ardaku cas gc FILE.cas|IMAGE VOLUME")
        @Argument(help: ArgumentHelp("The volume: FILE.cas, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas gc FILE.cas|IMAGE VOLUME"
                let session = try CASSession.open(&rest, writable: true, usage: usage)
                guard rest.isEmpty else { throw ToolError(usage) }
                let report: CollectionReport
                do { report = try session.volume.collectGarbage() } catch { throw ToolError("\(session.display): \(error)") }
                try session.closeImage()
                if json {
                    struct Collected: Encodable { var removedObjects: Int; var freedBytes: UInt64; var storeBytesBefore: UInt64; var storeBytesAfter: UInt64 }
                    print(try JSONOutput.render(Collected(removedObjects: report.removedObjects, freedBytes: report.freedBytes,
                                                          storeBytesBefore: report.storeLengthBefore, storeBytesAfter: report.storeLengthAfter)))
                    return
                }
                print("removed \(report.removedObjects) unreachable objects, freed \(report.freedBytes) bytes (\(ByteSize.describe(report.freedBytes)))")
                print("store: \(report.storeLengthBefore) -> \(report.storeLengthAfter) bytes")
            }
        }
    }

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Print the SHA-256 of files (as sha256sum does), or with --object the id their content gets in a CAS volume.",
            discussion: "ardaku cas hash [--object] [FILE...]   (no FILE, or '-': standard input)")
        @Argument(help: "Host files.") var files: [String] = []
        @Flag(name: .long, help: "Print the id `put` gives the content (a blob's, or a chunk list's) instead of its plain SHA-256.") var object = false

        func run() {
            CASCommand.perform {
                var failed = false
                for file in files.isEmpty ? ["-"] : files {
                    do {
                        let digest = try object ? objectID(file) : sha256(file)
                        print("\(digest)  \(file)")
                    } catch let error as ToolError {
                        Console.error(CASCommand.tool, error.message)
                        failed = true
                    }
                }
                if failed { throw ToolError("some files could not be read", exitCode: 1) }
            }
        }

        private func sha256(_ path: String) throws -> String {
            var hasher = SHA256Stream()
            try CASCLI.readPieces(path, pieceBytes: 1 << 20) { (piece: UnsafeRawBufferPointer) in hasher.update(piece) }
            return hasher.finalizeHex()
        }

        private func objectID(_ path: String) throws -> String {
            var hasher = ContentHasher()
            try CASCLI.readPieces(path, pieceBytes: CASVolume.streamingPieceBytes) { (piece: UnsafeRawBufferPointer) in hasher.update(Array(piece)) }
            do { return try hasher.finalize().hex } catch { throw ToolError("\(path): \(error)") }
        }
    }
}
