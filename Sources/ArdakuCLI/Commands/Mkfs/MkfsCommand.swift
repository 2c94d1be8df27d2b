import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

/// `mkfs.ardaku [options] DEVICE|IMAGE [SIZE]`
public struct MkfsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mkfs.ardaku",
        abstract: "Create an Ardaku volume on an image file or a block device.",
        discussion: """
        SIZE is a number of bytes with an optional K, M, G or T suffix (powers of 1024). \
        An image file is created, or extended, to SIZE and stays sparse: only metadata pages \
        are written. On a block device the device's size is used (or SIZE, if smaller).

        An existing filesystem or partition table (found by libblkid, or an Ardaku volume \
        found by its magic) is never overwritten without -f; its signatures are then wiped. \
        With -U and SOURCE_DATE_EPOCH set, two runs give byte-identical images.

        mkfs.ardaku holds the target locked for writing while it works: it fails when \
        another process has the volume open (or waits, with --wait); see LOCKING in ardaku(1).
        """)

    @Argument(help: "Image file or block device.") var target: String
    @Argument(help: "Size of the volume (K, M, G, T suffixes).") var size: String?
    @Option(name: .customShort("L"), help: ArgumentHelp("Volume label (UTF-8, at most 1020 bytes).", valueName: "label"))
    var label: String?
    @Option(name: .customShort("U"), help: ArgumentHelp("Volume UUID: a UUID, 'random' (default) or 'clear'.", valueName: "uuid"))
    var uuid: String?
    @Option(name: .customShort("d"), help: ArgumentHelp("Fill the new volume from this directory tree.", valueName: "directory"))
    var directory: String?
    @Option(name: .customLong("zest"), help: ArgumentHelp(
        "Pack the tree DIR into a new ZEST volume named VOLUME (after -d; repeatable).", valueName: "volume=dir"))
    var zestVolumes: [String] = []
    @Option(name: .customLong("cas"), help: ArgumentHelp(
        "Snapshot the tree DIR into a new CAS volume named VOLUME, tagged 'initial' (after -d; repeatable).", valueName: "volume=dir"))
    var casVolumes: [String] = []
    @Flag(name: .customShort("n"), help: "Dry run: print the layout, write nothing.") var dryRun = false
    @Flag(name: .customShort("f"), help: "Overwrite an existing filesystem or partition table.") var force = false
    @Flag(name: [.customShort("K"), .customLong("nodiscard")], help: "Do not discard the device's old contents.") var keepOldData = false
    @Flag(name: .customShort("q"), help: "Quiet: print errors only.") var quiet = false
    @Flag(name: .customShort("v"), help: "Verbose: name every file stored.") var verbose = false
    @OptionGroup var recording: RecordingOptions
    @OptionGroup var waiting: WaitOption

    public init() {}

    /// The `mkfs.ardaku` entry point: `main()` after a bare `--wait` gets its value.
    public static func launch(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        CommandLineBytes.refuseInvalidUTF8(tool: "mkfs.ardaku", exitStatus: 1)
        ToolVersion.answerVersionRequest(tool: "mkfs.ardaku", arguments)
        runAsTool(VolumeLock.Waiting.normalize(arguments))
    }

    public func run() throws {
        Console.run(tool: "mkfs.ardaku") { try Mkfs(self).run() }
    }
}

/// What mkfs.ardaku does, step by step.
struct Mkfs {
    let options: MkfsCommand
    let tool = "mkfs.ardaku"

    init(_ options: MkfsCommand) { self.options = options }

    func say(_ line: String) { if !options.quiet { print(line) } }

    func run() throws -> Int32 {
        let path = options.target
        let requestedSize: UInt64?
        if let text = options.size {
            guard let parsed = ByteSize.parse(text) else {
                throw ToolError("invalid size '\(text)': give a number of bytes with an optional K, M, G or T suffix")
            }
            requestedSize = parsed
        } else {
            requestedSize = nil
        }
        let label = Array((options.label ?? "").utf8)
        do { try Volume.validateLabel(label) } catch { throw ToolError("\(error)") }
        let uuid = try parseUUID(options.uuid)
        let zestPacks = try ZestCLI.parsePacks(options.zestVolumes)
        _ = try CASCLI.parsePacks(options.casVolumes)
        if let directory = options.directory {
            guard case .success(let info) = SystemCalls.pathInfo(directory), info.kind == .directory else {
                throw ToolError("\(directory): not a directory (for -d)")
            }
        }

        // What is the target?
        var isNewFile = false
        var isBlockDevice = false
        // Held to the end of the run, from before the first look at an existing target's
        // content: every store mkfs opens on it later shares this lock (VolumeLock).
        var targetLock: VolumeLock?
        defer { withExtendedLifetime(targetLock) {} }
        let deviceBytes: UInt64
        switch SystemCalls.pathInfo(path) {
        case .failure(let error) where error == .noSuchFileOrDirectory:
            guard let requestedSize else { throw ToolError("\(path): does not exist and no size was given") }
            isNewFile = true
            deviceBytes = requestedSize
        case .failure(let error):
            throw ToolError("\(path): \(String(cString: strerror(error.rawValue)))")
        case .success(let info):
            switch info.kind {
            case .regularFile:
                targetLock = try lockTarget(path)
                // The size under the lock: another writer may have changed it before.
                guard case .success(let locked) = SystemCalls.pathInfo(path) else { throw ToolError("\(path): vanished while being opened") }
                deviceBytes = requestedSize ?? locked.size
            case .blockDevice:
                isBlockDevice = true
                targetLock = try lockTarget(path)
                let image: MappedImage
                do { image = try MappedImage(path: path, mode: .readOnly) } catch { throw ToolError("\(path): \(error)") }
                if let requestedSize, requestedSize > image.byteCount {
                    throw ToolError("\(path): size \(requestedSize) is larger than the device (\(image.byteCount) bytes)")
                }
                deviceBytes = requestedSize ?? image.byteCount
            default:
                throw ToolError("\(path): is \(info.kindDescription); mkfs writes only to a regular file or a block device")
            }
        }
        let pages = VolumeLayout.pageCount(forBytes: deviceBytes)
        guard pages >= UInt64(Limits.minPageCount) else {
            throw ToolError("\(path): \(deviceBytes) bytes is too small: a volume needs at least \(Limits.minPageCount) pages of 64 KiB (256 KiB) for page 0, the bitfield, one trie page and the backup")
        }
        guard pages <= UInt64(Limits.maxPageCount) else {
            throw ToolError("\(path): \(deviceBytes) bytes is too large: a volume has at most \(Limits.maxPageCount) pages of 64 KiB (\(UInt64(Limits.maxPageCount) << 16) bytes)")
        }
        let layout = VolumeLayout(totalPageCount: UInt32(pages))!

        // Existing signatures: refuse without -f, whatever the terminal.
        var signatures: [DeviceProbe.Signature] = []
        if !isNewFile && deviceBytes > 0 {
            do { signatures = try DeviceProbe.signatures(of: path) } catch { throw ToolError("\(error)") }
        }
        if !signatures.isEmpty && !options.force && !options.dryRun {
            for signature in signatures { Console.error(tool, "\(path) contains \(describe(signature))") }
            throw ToolError("\(path): will not overwrite it without -f")
        }

        let creationTime = TimeFormat.sourceDateEpoch ?? TimeFormat.now
        if options.dryRun {
            printLayout(path: path, layout: layout, label: label, uuid: uuid, creationTime: creationTime,
                        isBlockDevice: isBlockDevice, isNewFile: isNewFile)
            for signature in signatures { say("Existing signature: \(describe(signature)) (needs -f)") }
            say("Dry run: nothing was written.")
            return 0
        }

        if isNewFile {
            try createImage(path, bytes: deviceBytes)
            do { targetLock = try lockTarget(path) } catch {
                unlink(path)
                throw error
            }
        } else if !isBlockDevice, case .success(let info) = SystemCalls.pathInfo(path), info.size < deviceBytes {
            try extendImage(path, to: deviceBytes)
        }
        do {
            try format(path: path, layout: layout, label: label, uuid: uuid, creationTime: creationTime,
                       wipe: !signatures.isEmpty, isBlockDevice: isBlockDevice, zestPacks: zestPacks)
        } catch {
            // No half-written image: a file this run created goes away again.
            if isNewFile { unlink(path) }
            throw error
        }
        return 0
    }

    /// Locks `path` (exclusive; shared for a dry run) after refusing a mounted target.
    /// Exclusive on a block device includes an O_EXCL open, which the kernel refuses while
    /// the device is mounted or held by another exclusive opener.
    private func lockTarget(_ path: String) throws -> VolumeLock {
        if let mountPoint = MountCheck.mountPoint(of: path) {
            throw ToolError("\(path): is mounted on \(mountPoint); will not format a mounted device")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ToolError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        // The lock keeps a duplicate of the descriptor.
        defer { close(descriptor) }
        do { return try VolumeLock.acquire(options.dryRun ? .shared : .exclusive, descriptor: descriptor, path: path) }
        catch { throw ToolError("\(path): \(error)") }
    }

    private func format(path: String, layout: VolumeLayout, label: [UInt8], uuid: VolumeUUID, creationTime: UInt64,
                        wipe: Bool, isBlockDevice: Bool, zestPacks: [(name: FileName, directory: String)]) throws {
        let image: MappedImage
        do { image = try MappedImage(path: path, mode: .readWrite) } catch { throw ToolError("\(path): \(error)") }
        if wipe {
            let wiped: [DeviceProbe.Wiped]
            do { wiped = try DeviceProbe.wipeSignatures(descriptor: image.descriptor.rawValue, path: path) }
            catch { throw ToolError("\(error)") }
            for signature in wiped {
                say("\(path): wiped old \(signature.type) signature (\(signature.length) bytes at offset \(Hex.format(signature.offset, width: 8)))")
            }
        }
        if isBlockDevice, let topology = DeviceProbe.topology(of: path), topology.alignmentOffset != 0 {
            Console.warning(tool, "\(path) alignment is offset by \(topology.alignmentOffset) bytes; this may result in very poor performance, (re)-partitioning suggested")
        }
        var formatOptions = Volume.FormatOptions()
        formatOptions.label = label
        formatOptions.uuid = uuid
        formatOptions.creationTime = creationTime
        formatOptions.pageCount = layout.totalPageCount
        formatOptions.discard = !options.keepOldData
        say("Creating Ardaku volume of \(layout.totalPageCount) pages of 64 KiB (\(ByteSize.describe(layout.sizeInBytes)))")
        let volume: Volume
        do { volume = try Volume.format(image, options: formatOptions) } catch { throw ToolError("\(path): \(error)") }
        volume.clock = { creationTime }
        if !options.quiet {
            say("Volume label:  \(label.isEmpty ? "<none>" : String(decoding: label, as: UTF8.self))")
            say("Volume UUID:   \(uuid)")
            say("Created:       \(TimeFormat.utc(creationTime))")
        }
        if let directory = options.directory {
            var importer = TreeImport(tool: tool)
            importer.latestTime = TimeFormat.sourceDateEpoch
            importer.attributes = options.recording.walkerOptions(latestTime: TimeFormat.sourceDateEpoch)
            importer.verbose = options.verbose
            importer.quiet = options.quiet
            let summary: TreeImport.Summary
            do { summary = try importer.run(root: directory, prefix: [UInt8(ascii: "/")], into: volume) }
            catch let error as VolumeError { throw ToolError("\(path): filling from \(directory): \(error)") }
            say("Stored \(summary.description) from \(directory)" +
                (summary.skipped > 0 ? "; " + SkipReport.summary(summary.skipped) + " (named above)" : ""))
        }
        for pack in zestPacks {
            let summary = try ZestCLI.pack(pack.directory, as: pack.name, into: volume, display: "\(path):\(pack.name.string)",
                                           quiet: options.quiet, verbose: options.verbose, tool: tool)
            say("Packed \(Plural.count(summary.files, "file")) (\(ByteSize.describe(summary.bytes))) from \(pack.directory) into the ZEST volume \(pack.name.string)")
        }
        for pack in try CASCLI.parsePacks(options.casVolumes) {
            let report = try CASCLI.pack(pack.directory, as: pack.name, into: volume, display: "\(path):\(pack.name.string)",
                                         quiet: options.quiet, tool: tool)
            say("Stored \(Plural.count(report.files, "file")) (\(ByteSize.describe(report.contentBytes))) from \(pack.directory) in the CAS volume \(pack.name.string): root \(report.root), tagged '\(CASCLI.mkfsTag)'")
        }
        do { try volume.close() } catch { throw ToolError("\(path): \(error)") }
        say("Used \(volume.committed.usedPageCount) of \(layout.totalPageCount) pages; \(Plural.count(volume.fileCount, "file")).")
    }

    private func parseUUID(_ text: String?) throws -> VolumeUUID {
        switch text {
        case nil, "random": return .random()
        case "clear": return .zero
        case let value?:
            guard let parsed = VolumeUUID(string: value) else {
                throw ToolError("invalid UUID '\(value)': give xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, 'random' or 'clear'")
            }
            return parsed
        }
    }

    private func describe(_ signature: DeviceProbe.Signature) -> String {
        guard signature.type == "ardaku" else { return signature.description }
        let label = signature.label.map { $0.isEmpty ? "" : " labelled '\($0)'" } ?? ""
        return "an Ardaku volume\(label)" + (signature.creationTime.map { ", created \(TimeFormat.utc($0))" } ?? "")
    }

    private func createImage(_ path: String, bytes: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ToolError("\(path): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(bytes)) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(path)
            throw ToolError("\(path): cannot make it \(bytes) bytes long: \(message)")
        }
    }

    private func extendImage(_ path: String, to bytes: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ToolError("\(path): cannot open for writing: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(bytes)) == 0 else {
            throw ToolError("\(path): cannot extend it to \(bytes) bytes: \(String(cString: strerror(errno)))")
        }
    }

    private func printLayout(path: String, layout: VolumeLayout, label: [UInt8], uuid: VolumeUUID, creationTime: UInt64,
                             isBlockDevice: Bool, isNewFile: Bool) {
        let kind = isBlockDevice ? "block device" : isNewFile ? "new image file" : "image file"
        say("Target:                   \(path) (\(kind))")
        say("Volume size:              \(layout.totalPageCount) pages of 64 KiB (\(ByteSize.describe(layout.sizeInBytes)), \(layout.sizeInBytes) bytes)")
        say("Page 0:                   system information block")
        let bitfield = layout.bitfieldPages
        say("Pages \(bitfield.lowerBound)-\(bitfield.upperBound - 1):".padded(26) + "used-page bitfield (\(bitfield.count) page\(bitfield.count == 1 ? "" : "s"))")
        say("Page \(layout.allocatablePages.lowerBound):".padded(26) + "first trie page")
        say("Page \(layout.backupPage.rawValue):".padded(26) + "backup system information block")
        say("Free pages after format:  \(layout.totalPageCount - layout.fixedPageCount - 1)")
        say("Volume label:             \(label.isEmpty ? "<none>" : String(decoding: label, as: UTF8.self))")
        say("Volume UUID:              \(uuid)")
        say("Creation time:            \(TimeFormat.utc(creationTime))")
    }
}
