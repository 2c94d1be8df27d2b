import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Glibc

/// The host tree as a format can store it: regular files, and, where the format keeps
/// attributes (an Ardaku volume, FORMAT §7.2), directories, symbolic links, FIFOs and
/// devices as entries of their own; every entry left out is named with the reason
/// (`HostTreeWalker` reads it all).
public enum HostTree {
    public enum Entry {
        /// A regular file: its host path, the Ardaku name it maps to, size and attributes.
        case file(path: String, name: FileName, size: UInt64, attributes: FileAttributes)
        /// A directory, symbolic link, FIFO or device: a record without content.
        case node(path: String, name: FileName, attributes: FileAttributes)
        /// A further name of a file met before under `target` (same device and inode): a hard
        /// link (FORMAT §7.3).
        case hardLink(path: String, name: FileName, target: FileName)
        /// Something that cannot be stored, and why.
        case skipped(path: String, reason: String)
        /// Something of a file kept that cannot be (an extended attribute over the limits).
        case warning(path: String, message: String)
    }

    /// Every entry under `root`, mapped to Ardaku names under `prefix` ("/" or "/some/dir"),
    /// in the order the tools have always met them (`legacyOrder`). `options` says how
    /// attributes are read (owners forced, times clamped, extended attributes read), and that
    /// every kind is kept: each directory (the root too, below a prefix) and each link, FIFO
    /// and device becomes a `.node`. Without options none are read, and only regular files
    /// are kept.
    public static func walk(_ root: String, prefix: [UInt8], options: HostTreeWalker.Options? = nil) -> [Entry] {
        var walkerOptions = options ?? HostTreeWalker.Options()
        if options == nil { walkerOptions.readsExtendedAttributes = false }
        let keepsKinds = options != nil
        let walk = HostTreeWalker.walk(root, options: walkerOptions)
        let base = prefix == [UInt8(ascii: "/")] ? [] : prefix
        var entries: [Entry] = []
        // The first name each linked file was stored under, in the order stored.
        var firstNames: [HostTreeWalker.LinkIdentity: FileName] = [:]
        if keepsKinds, !base.isEmpty, let rootAttributes = walk.root, let name = try? FileName(bytes: base) {
            // The root below a prefix is the directory the prefix names (the volume's own root
            // has no record to keep attributes in).
            entries.append(.node(path: root, name: name, attributes: rootAttributes))
        } else if walk.items.isEmpty, !base.isEmpty {
            // The root, empty, below a prefix: a directory the format cannot keep.
            entries.append(.skipped(path: show(Array(root.utf8)), reason: emptyDirectory))
        }
        for item in legacyOrder(walk.items) {
            switch item {
            case let .skipped(path, _, reason, _):
                entries.append(.skipped(path: show(path), reason: reason))
            case let .warning(path, _, message):
                if options != nil { entries.append(.warning(path: show(path), message: message)) }
            case let .entry(entry):
                let kind = entry.attributes.kind
                if !keepsKinds, kind != .regular {
                    if kind != .directory {
                        entries.append(.skipped(path: entry.shownPath, reason: unsupportedKind(kind)))
                    } else if entry.childCount == 0 {
                        entries.append(.skipped(path: entry.shownPath, reason: emptyDirectory))
                    }
                    continue
                }
                let name = entry.components.reduce(base) { $0 + [UInt8(ascii: "/")] + $1 }
                let fileName: FileName
                do { fileName = try FileName(bytes: name) } catch {
                    entries.append(.skipped(path: entry.shownPath, reason: "name cannot be stored: \(error)"))
                    continue
                }
                let path = String(decoding: entry.path, as: UTF8.self)
                if keepsKinds, let identity = entry.linkIdentity {
                    if let target = firstNames[identity] {
                        entries.append(.hardLink(path: path, name: fileName, target: target))
                        continue
                    }
                    firstNames[identity] = fileName
                }
                if kind == .regular {
                    entries.append(.file(path: path, name: fileName, size: entry.size, attributes: entry.attributes))
                } else {
                    entries.append(.node(path: path, name: fileName, attributes: entry.attributes))
                }
            }
        }
        return entries
    }

    static let emptyDirectory = "empty directory (Ardaku directories exist only through the files in them)"

    /// The walker's items (depth first: each directory followed by all below it) in the
    /// order of the walks `put -r`, `mkfs -d`, `zest put -r` and `cas put -r` had before it,
    /// which decides where files land in an image: directory by directory (each directory
    /// before those below it, in name order), all of a directory's own entries in name
    /// order before any of its subdirectories'; a directory that cannot be read, or is empty,
    /// at its own turn.
    static func legacyOrder(_ items: [HostTreeWalker.Item]) -> [HostTreeWalker.Item] {
        var directoryIndex: [[[UInt8]]: Int] = [[]: 0]
        var keyed: [(key: Int, position: Int)] = []
        keyed.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            let components: [[UInt8]]
            var isDirectory = false
            switch item {
            case let .entry(entry):
                components = entry.components
                isDirectory = entry.attributes.kind == .directory
            case let .skipped(_, skippedComponents, _, directory):
                components = skippedComponents
                isDirectory = directory
            case let .warning(_, warned, _):
                components = warned
            }
            if isDirectory {
                let index = components.isEmpty ? 0 : directoryIndex.count
                if !components.isEmpty { directoryIndex[components] = index }
                keyed.append((index, position))
            } else {
                keyed.append((directoryIndex[Array(components.dropLast())] ?? 0, position))
            }
        }
        keyed.sort { ($0.key, $0.position) < ($1.key, $1.position) }
        return keyed.map { items[$0.position] }
    }

    /// A host path for messages (`QuotedName`).
    static func show(_ path: [UInt8]) -> String { HostTreeWalker.show(path) }

    /// Why an entry that is neither a directory nor a regular file is left out (the one
    /// wording of `put -r`, `mkfs -d`, `zest put -r` and `cas put -r`).
    static func unsupportedKind(_ kind: FileAttributes.Kind) -> String {
        switch kind {
        case .symbolicLink: "symbolic link (not supported)"
        case .characterDevice, .blockDevice: "device node (not supported)"
        case .fifo: "FIFO (not supported)"
        case .regular, .directory: "unknown file type"
        }
    }
}

/// The host entries a tree import leaves out, reported the one way `mkfs.ardaku -d`,
/// `put -r`, `zest put -r` and `cas put -r` share: each on its own warning line as it is
/// met ("TOOL: warning: PATH: skipped: REASON"), none with -q, and the count for a summary.
public struct SkipReport {
    public let tool: String
    public let quiet: Bool
    public private(set) var count = 0

    public init(tool: String, quiet: Bool) {
        self.tool = tool
        self.quiet = quiet
    }

    public mutating func skip(_ path: String, because reason: String) {
        count += 1
        Self.warn(tool: tool, quiet: quiet, path, because: reason)
    }

    /// The warning line for one entry (for walks that keep their own list, as CAS's).
    public static func warn(tool: String, quiet: Bool, _ path: String, because reason: String) {
        if !quiet { Console.warning(tool, "\(path): skipped: \(reason)") }
    }

    /// "skipped 1 entry", "skipped 3 entries"; nil when nothing was skipped.
    public var summary: String? { count == 0 ? nil : Self.summary(count) }

    public static func summary(_ count: Int) -> String { "skipped " + Plural.count(count, "entry", "entries") }
}

/// Stores a host tree into a volume (mkfs.ardaku -d, ardaku put -r).
public struct TreeImport {
    public var replaceExisting = false
    /// Clamp modification times to this (SOURCE_DATE_EPOCH), as e2fsprogs does.
    public var latestTime: UInt64?
    public var verbose = false
    public var quiet = false
    public var tool: String
    /// How attributes are read (docs/FORMAT.md §7.2): owners, times, extended attributes.
    /// nil stores none (the files are then 0644 and root's, as before attributes existed).
    public var attributes: HostTreeWalker.Options?

    public init(tool: String) { self.tool = tool }

    public struct Summary {
        /// Regular files stored, and their bytes.
        public var files = 0
        public var bytes: UInt64 = 0
        /// Directories, symbolic links, FIFOs and devices stored.
        public var otherEntries = 0
        /// Further names of files stored (hard links).
        public var links = 0
        public var skipped = 0

        /// "3 files (12 KiB)", then " and 2 other entries (directories, links, nodes)" and
        /// " and 5 hard links" when there are some.
        public var description: String {
            var text = "\(Plural.count(files, "file")) (\(ByteSize.describe(bytes)))"
            if otherEntries > 0 {
                text += (links > 0 ? ", " : " and ") + Plural.count(otherEntries, "other entry", "other entries")
                    + " (directories, links, nodes)"
            }
            if links > 0 { text += " and " + Plural.count(links, "hard link") }
            return text
        }
    }

    /// Stores every entry under `root` as `prefix` + its relative path, in one transaction,
    /// with a progress line on a terminal. A directory already stored is kept as it is
    /// unless `replaceExisting` (then it takes the tree's attributes).
    public func run(root: String, prefix: [UInt8], into volume: Volume) throws -> Summary {
        let entries = HostTree.walk(root, prefix: prefix, options: attributes)
        let totalFiles = entries.reduce(0) { if case .file = $1 { return $0 + 1 } else { return $0 } }
        let totalBytes = entries.reduce(UInt64(0)) { if case let .file(_, _, size, _) = $1 { return $0 + size } else { return $0 } }
        var summary = Summary()
        var skipped = SkipReport(tool: tool, quiet: quiet)
        let progress = ProgressBar("Storing", totalBytes: totalBytes, totalFiles: totalFiles, enabled: !quiet && Console.stderrIsTerminal)
        var links: [FileName: [FileName]] = [:]
        var linkTargets: [FileName] = []
        try volume.batch { () throws(VolumeError) in
            for entry in entries {
                switch entry {
                case let .skipped(path, reason):
                    skipped.skip(path, because: reason)
                case let .warning(path, message):
                    if !quiet { Console.warning(tool, "\(path): \(message)") }
                case let .node(_, name, nodeAttributes):
                    if nodeAttributes.kind == .directory, !replaceExisting, try volume.isDirectoryRecord(name) { continue }
                    try volume.makeNode(name, attributes: nodeAttributes, replaceExisting: replaceExisting)
                    summary.otherEntries += 1
                    if verbose { print(name.string) }
                case let .hardLink(_, name, target):
                    // Replacing: the old file of this name goes first (a directory never does).
                    if replaceExisting, try volume.exists(name), !(try volume.isDirectoryRecord(name)) { try volume.remove(name) }
                    // Made at the end, all names of a file at once: each link rewrites every
                    // record of its file (FORMAT §7.3).
                    if links[target] == nil { linkTargets.append(target) }
                    links[target, default: []].append(name)
                    summary.links += 1
                    if verbose { print(name.string) }
                case let .file(path, name, _, fileAttributes):
                    // A file replaced since the walk (by a FIFO, a link, a device) is skipped;
                    // the walk's own view of it is what was promised.
                    let source: HostFileSource
                    do { source = try HostFileSource(path: path) }
                    catch {
                        // The error names the path: "PATH: why".
                        let message = "\(error)"
                        let prefix = path + ": "
                        skipped.skip(path, because: message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message)
                        continue
                    }
                    var options = PutOptions()
                    options.replaceExisting = replaceExisting
                    let modificationTime = UInt64(max(0, fileAttributes.modificationTime.seconds))
                    options.modificationTime = latestTime.map { min($0, modificationTime) } ?? modificationTime
                    if attributes != nil { options.attributes = fileAttributes }
                    try volume.put(name, from: source, options: options)
                    summary.files += 1
                    summary.bytes += source.byteLength
                    if verbose { print(name.string) }
                    progress.update(bytes: summary.bytes, files: summary.files)
                }
            }
            for target in linkTargets { try volume.link(target, as: links[target] ?? []) }
            progress.note("Committing \(Plural.count(summary.files, "file"))...")
        }
        progress.finish()
        summary.skipped = skipped.count
        return summary
    }
}
