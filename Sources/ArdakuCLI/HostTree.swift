import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Glibc

/// Walks a host directory tree in byte order of names, yielding what can be stored and
/// saying why the rest cannot.
public enum HostTree {
    public enum Entry {
        /// A regular file: its host path, the Ardaku name it maps to, size and mtime.
        case file(path: String, name: FileName, size: UInt64, modificationTime: UInt64)
        /// Something that cannot be stored, and why.
        case skipped(path: String, reason: String)
    }

    /// Every entry under `root`, depth first, names in ascending byte order, mapped to
    /// Ardaku names under `prefix` ("/" or "/some/dir").
    public static func walk(_ root: String, prefix: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        var stack: [(path: [UInt8], name: [UInt8])] = [(Array(root.utf8), prefix == [UInt8(ascii: "/")] ? [] : prefix)]
        while let (directory, name) = stack.popLast() {
            let children = HostPaths.listDirectory(directory)
            guard let children else {
                entries.append(.skipped(path: show(directory), reason: "cannot read directory: \(String(cString: strerror(errno)))"))
                continue
            }
            if children.isEmpty, !name.isEmpty {
                entries.append(.skipped(path: show(directory), reason: "empty directory (Ardaku directories exist only through the files in them)"))
            }
            var subdirectories: [(path: [UInt8], name: [UInt8])] = []
            for child in children {
                let path = directory + [UInt8(ascii: "/")] + child
                let childName = name + [UInt8(ascii: "/")] + child
                var info = stat()
                guard HostPaths.withCString(path, { lstat($0, &info) }) == 0 else {
                    entries.append(.skipped(path: show(path), reason: String(cString: strerror(errno))))
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    subdirectories.append((path, childName))
                case S_IFREG:
                    do {
                        let fileName = try FileName(bytes: childName)
                        entries.append(.file(path: String(decoding: path, as: UTF8.self), name: fileName,
                                             size: UInt64(max(0, info.st_size)), modificationTime: UInt64(max(0, info.st_mtim.tv_sec))))
                    } catch {
                        entries.append(.skipped(path: show(path), reason: "name cannot be stored: \(error)"))
                    }
                default: entries.append(.skipped(path: show(path), reason: unsupportedKind(info.st_mode)))
                }
            }
            // Reverse so that popping visits subdirectories in ascending order. Files come
            // before subdirectories of the same directory only in the walk, not in names.
            stack.append(contentsOf: subdirectories.reversed())
        }
        return entries
    }

    /// A host path for messages (`QuotedName`).
    static func show(_ path: [UInt8]) -> String { QuotedName.quotedName(path) }

    /// Why an entry that is neither a directory nor a regular file is left out (the one
    /// wording of `put -r`, `mkfs -d`, `zest put -r` and `cas put -r`).
    static func unsupportedKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: "symbolic link (not supported)"
        case S_IFCHR, S_IFBLK: "device node (not supported)"
        case S_IFIFO: "FIFO (not supported)"
        case S_IFSOCK: "socket (not supported)"
        default: "unknown file type"
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

    public init(tool: String) { self.tool = tool }

    public struct Summary { public var files = 0; public var bytes: UInt64 = 0; public var skipped = 0 }

    /// Stores every regular file under `root` as `prefix` + its relative path, in one
    /// transaction, with a progress line on a terminal.
    public func run(root: String, prefix: [UInt8], into volume: Volume) throws -> Summary {
        let entries = HostTree.walk(root, prefix: prefix)
        let totalFiles = entries.reduce(0) { if case .file = $1 { return $0 + 1 } else { return $0 } }
        let totalBytes = entries.reduce(UInt64(0)) { if case let .file(_, _, size, _) = $1 { return $0 + size } else { return $0 } }
        var summary = Summary()
        var skipped = SkipReport(tool: tool, quiet: quiet)
        let progress = ProgressBar("Storing", totalBytes: totalBytes, totalFiles: totalFiles, enabled: !quiet && Console.stderrIsTerminal)
        try volume.batch { () throws(VolumeError) in
            for entry in entries {
                switch entry {
                case let .skipped(path, reason):
                    skipped.skip(path, because: reason)
                case let .file(path, name, _, modificationTime):
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
                    options.modificationTime = latestTime.map { min($0, modificationTime) } ?? modificationTime
                    try volume.put(name, from: source, options: options)
                    summary.files += 1
                    summary.bytes += source.byteLength
                    if verbose { print(name.string) }
                    progress.update(bytes: summary.bytes, files: summary.files)
                }
            }
            progress.note("Committing \(Plural.count(summary.files, "file"))...")
        }
        progress.finish()
        summary.skipped = skipped.count
        return summary
    }
}
