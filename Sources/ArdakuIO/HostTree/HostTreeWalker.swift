import ArdakuFormat
import CArdakuSys
import Glibc

/// Reads a host directory tree with what each file is (issue 17): every entry under a root,
/// depth first, names in ascending byte order, each with its `FileAttributes` from lstat(2)
/// and its extended attributes; symbolic links are read (readlink), never followed; FIFOs
/// and devices are never opened. What cannot be kept is an item saying why, never silence.
///
/// The walk is iterative (a stack of listings, not recursion), so a deep tree cannot
/// exhaust the stack; it holds the listings of one directory per level at a time.
public enum HostTreeWalker {
    /// How the walk reads and rewrites what it finds (the options mke2fs -d and mkfs.erofs
    /// have: --all-root, --force-uid, --force-gid, a fixed timestamp).
    public struct Options {
        /// Owner and group 0 for every entry (mkfs.erofs --all-root).
        public var allRoot = false
        /// This owner for every entry (wins over `allRoot`).
        public var forcedOwner: UInt32?
        /// This group for every entry (wins over `allRoot`).
        public var forcedGroup: UInt32?
        /// Every time later than this becomes this (SOURCE_DATE_EPOCH), so images are
        /// reproducible from a tree checked out at any time.
        public var latestTime: FileAttributes.Timestamp?
        /// Read extended attributes (llistxattr, lgetxattr). Off: none are read, none reported.
        public var readsExtendedAttributes = true
        /// Why a name (one path component, as bytes) cannot be stored, or nil: checked before
        /// the entry is looked at, so a refused directory is left out with all it holds.
        /// Each format has its own rules (FileName, ItemName); nil accepts every name.
        public var nameProblem: (([UInt8]) -> String?)?

        public init() {}
    }

    /// Where a file lives on the host: two names with the same identity are hard links.
    public struct LinkIdentity: Hashable, Sendable {
        public var device: UInt64
        public var inode: UInt64
    }

    /// One entry kept: a directory, regular file, symbolic link, FIFO or device.
    public struct Entry {
        /// The host path (root, then the components, joined by "/").
        public var path: [UInt8]
        /// The path relative to the root, one name per component.
        public var components: [[UInt8]]
        public var attributes: FileAttributes
        /// st_size of a regular file; 0 for other kinds.
        public var size: UInt64
        /// st_nlink.
        public var linkCount: UInt64
        /// Set for a non-directory with more than one name (st_nlink > 1).
        public var linkIdentity: LinkIdentity?
        /// The index (in `Walk.items`) of the first entry met with the same `linkIdentity`,
        /// when this is a later name of it: store one content, and this as a link to that one.
        public var hardLinkOf: Int?
        /// For a directory: how many names it listed (0: an empty directory).
        public var childCount: Int?

        /// The path for messages (control characters and invalid UTF-8 escaped).
        public var shownPath: String { HostTreeWalker.show(path) }
    }

    public enum Item {
        /// An entry kept.
        case entry(Entry)
        /// An entry left out: a socket, a name the caller refuses, a directory that cannot be
        /// read (`isDirectory`), an entry lstat(2) fails on. `components` is empty for the root.
        case skipped(path: [UInt8], components: [[UInt8]], reason: String, isDirectory: Bool)
        /// An entry kept without something: an extended attribute over the limits, by name.
        case warning(path: [UInt8], components: [[UInt8]], message: String)
    }

    public struct Walk {
        /// The root directory's own attributes (nil when lstat fails on it: it is then skipped).
        public var root: FileAttributes?
        public var items: [Item]

        /// The entries kept, in walk order.
        public var entries: [Entry] {
            items.compactMap { if case let .entry(entry) = $0 { entry } else { nil } }
        }
    }

    /// Walks `root` (a directory; a symbolic link naming one is followed, as the user named it).
    public static func walk(_ root: String, options: Options = Options()) -> Walk {
        var items: [Item] = []
        var primaries: [LinkIdentity: Int] = [:]
        let rootPath = Array(root.utf8)
        var walk = Walk(root: nil, items: [])
        var rootInfo = stat()
        if HostPaths.withCString(rootPath, { stat($0, &rootInfo) }) == 0 {
            walk.root = attributes(rootInfo, path: rootPath, options: options, items: &items, components: []).attributes
        }
        guard let rootNames = listDirectory(rootPath, followingLink: true) else {
            items.append(.skipped(path: rootPath, components: [], reason: "cannot read directory: \(errnoText(errno))", isDirectory: true))
            walk.items = items
            return walk
        }
        // One frame per directory being listed: its path, its components, its names, the next one.
        var frames: [(path: [UInt8], components: [[UInt8]], names: [[UInt8]], next: Int)] = [(rootPath, [], rootNames, 0)]
        while !frames.isEmpty {
            let top = frames.count - 1
            guard frames[top].next < frames[top].names.count else {
                frames.removeLast()
                continue
            }
            let name = frames[top].names[frames[top].next]
            frames[top].next += 1
            let path = frames[top].path + [UInt8(ascii: "/")] + name
            let components = frames[top].components + [name]
            if let problem = options.nameProblem?(name) {
                items.append(.skipped(path: path, components: components, reason: "name cannot be stored: \(problem)", isDirectory: false))
                continue
            }
            var info = stat()
            guard HostPaths.withCString(path, { lstat($0, &info) }) == 0 else {
                items.append(.skipped(path: path, components: components, reason: errnoText(errno), isDirectory: false))
                continue
            }
            let format = info.st_mode & S_IFMT
            if format == S_IFSOCK {
                items.append(.skipped(path: path, components: components, reason: "socket (not supported)", isDirectory: false))
                continue
            }
            guard FileAttributes.Kind(modeBits: UInt32(info.st_mode)) != nil else {
                items.append(.skipped(path: path, components: components, reason: "unknown file type", isDirectory: false))
                continue
            }
            var children: [[UInt8]]?
            if format == S_IFDIR {
                children = listDirectory(path)
                guard children != nil else {
                    items.append(.skipped(path: path, components: components, reason: "cannot read directory: \(errnoText(errno))", isDirectory: true))
                    continue
                }
            }
            var warnings: [Item] = []
            let (attributes, failure) = Self.attributes(info, path: path, options: options, items: &warnings, components: components)
            if let failure {
                items.append(.skipped(path: path, components: components, reason: failure, isDirectory: format == S_IFDIR))
                continue
            }
            var entry = Entry(path: path, components: components, attributes: attributes,
                              size: format == S_IFREG ? UInt64(max(0, info.st_size)) : 0,
                              linkCount: UInt64(info.st_nlink), linkIdentity: nil, hardLinkOf: nil,
                              childCount: children?.count)
            if format != S_IFDIR && info.st_nlink > 1 {
                let identity = LinkIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                entry.linkIdentity = identity
                if let primary = primaries[identity] { entry.hardLinkOf = primary } else { primaries[identity] = items.count }
            }
            items.append(.entry(entry))
            items += warnings
            if let children { frames.append((path, components, children, 0)) }
        }
        walk.items = items
        return walk
    }

    /// The attributes of the file `info` describes, with the options applied, and its
    /// extended attributes (those over the limits left out, each reported in `items`); or why
    /// the entry cannot be kept (a link target that cannot be read or is too long).
    static func attributes(_ info: stat, path: [UInt8], options: Options, items: inout [Item],
                           components: [[UInt8]]) -> (attributes: FileAttributes, failure: String?) {
        let kind = FileAttributes.Kind(modeBits: UInt32(info.st_mode)) ?? .regular
        func time(_ spec: timespec) -> FileAttributes.Timestamp {
            let value = FileAttributes.Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: UInt32(clamping: spec.tv_nsec))
            if let latest = options.latestTime, value > latest { return latest }
            return value
        }
        var attributes = FileAttributes(kind: kind, permissions: UInt16(info.st_mode & 0o7777),
                                        owner: UInt32(info.st_uid), group: UInt32(info.st_gid),
                                        modificationTime: time(info.st_mtim), accessTime: time(info.st_atim),
                                        changeTime: time(info.st_ctim))
        if options.allRoot { attributes.owner = 0; attributes.group = 0 }
        if let owner = options.forcedOwner { attributes.owner = owner }
        if let group = options.forcedGroup { attributes.group = group }
        if kind == .characterDevice || kind == .blockDevice {
            let device = UInt64(info.st_rdev)
            attributes.device = FileAttributes.DeviceNumber(major: ardaku_device_major(device), minor: ardaku_device_minor(device))
        }
        if kind == .symbolicLink {
            let (target, failure) = readLink(path)
            guard let target else { return (attributes, failure) }
            attributes.symbolicLinkTarget = target
        }
        if options.readsExtendedAttributes {
            attributes.extendedAttributes = extendedAttributes(path) { message in
                items.append(.warning(path: path, components: components, message: message))
            }
        }
        if let problem = attributes.problem { return (attributes, "cannot be stored: \(problem)") }
        return (attributes, nil)
    }

    /// The attributes of the one entry at `path` (lstat: a link is not followed), with the
    /// options applied; each extended attribute left out goes to `warn`. For `ardaku put` of
    /// a single file, which records what `put -r` records for each file of a tree.
    public static func attributes(of path: String, options: Options = Options(),
                                  warn: (String) -> Void) -> Result<FileAttributes, HostTreeError> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(HostTreeError("\(path): \(errnoText(errno))")) }
        var items: [Item] = []
        let (attributes, failure) = Self.attributes(info, path: Array(path.utf8), options: options, items: &items, components: [])
        for case let .warning(_, _, message) in items { warn(message) }
        if let failure { return .failure(HostTreeError("\(path): \(failure)")) }
        return .success(attributes)
    }

    /// The target of the symbolic link at `path` (readlink: the link itself, never followed).
    static func readLink(_ path: [UInt8]) -> (target: [UInt8]?, failure: String?) {
        let limit = FileAttributes.Limits.maxSymbolicLinkTargetBytes
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        let count = HostPaths.withCString(path) { name in
            buffer.withUnsafeMutableBytes { readlink(name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        }
        guard count >= 0 else { return (nil, "cannot read symbolic link: \(errnoText(errno))") }
        guard count <= limit else { return (nil, "symbolic-link target longer than \(limit) bytes") }
        guard count > 0 else { return (nil, "symbolic link with an empty target") }
        return (Array(buffer[..<count]), nil)
    }

    /// The extended attributes of the file at `path` (never following a final link), sorted
    /// by name and held to `FileAttributes.Limits`: an attribute over a limit is left out and
    /// `dropped` hears its name and why (the file is kept). A file system without extended
    /// attributes has none.
    public static func extendedAttributes(_ path: [UInt8], dropped: (String) -> Void) -> [FileAttributes.ExtendedAttribute] {
        typealias Limits = FileAttributes.Limits
        var names: [[UInt8]] = []
        // The list can grow between the two calls: try a few times.
        for _ in 0..<4 {
            let size = HostPaths.withCString(path) { ardaku_list_xattrs($0, nil, 0) }
            guard size > 0 else {
                if size < 0 && size != -Int64(ENOTSUP) && size != -Int64(ENODATA) {
                    dropped("extended attributes cannot be listed: \(errnoText(Int32(-size)))")
                }
                return []
            }
            var list = [UInt8](repeating: 0, count: Int(size))
            let got = HostPaths.withCString(path) { name in
                list.withUnsafeMutableBytes { ardaku_list_xattrs(name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
            }
            if got == -Int64(ERANGE) { continue }
            guard got >= 0 else {
                dropped("extended attributes cannot be listed: \(errnoText(Int32(-got)))")
                return []
            }
            names = list[..<Int(got)].split(separator: 0, omittingEmptySubsequences: true).map(Array.init)
            break
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        var attributes: [FileAttributes.ExtendedAttribute] = []
        var total = 0
        for name in names {
            let shown = QuotedName.quotedName(name)
            guard name.count <= Limits.maxExtendedAttributeNameBytes else {
                dropped("extended attribute \(shown) left out: name of \(name.count) bytes (at most \(Limits.maxExtendedAttributeNameBytes))")
                continue
            }
            guard let value = extendedAttributeValue(path, name) else {
                dropped("extended attribute \(shown) left out: cannot be read: \(errnoText(errno))")
                continue
            }
            guard value.count <= Limits.maxExtendedAttributeValueBytes else {
                dropped("extended attribute \(shown) left out: value of \(value.count) bytes (at most \(Limits.maxExtendedAttributeValueBytes))")
                continue
            }
            guard attributes.count < Limits.maxExtendedAttributes else {
                dropped("extended attribute \(shown) left out: more than \(Limits.maxExtendedAttributes) on one file")
                continue
            }
            guard total + name.count + value.count <= Limits.maxExtendedAttributeBytes else {
                dropped("extended attribute \(shown) left out: names and values of one file over \(Limits.maxExtendedAttributeBytes) bytes together")
                continue
            }
            total += name.count + value.count
            attributes.append(FileAttributes.ExtendedAttribute(name: name, value: value))
        }
        return attributes
    }

    /// One attribute's value (at most the kernel's 64 KiB); nil with errno set when it
    /// cannot be read.
    private static func extendedAttributeValue(_ path: [UInt8], _ name: [UInt8]) -> [UInt8]? {
        for _ in 0..<4 {
            let size = HostPaths.withCString(path) { file in HostPaths.withCString(name) { ardaku_get_xattr(file, $0, nil, 0) } }
            guard size >= 0 else { errno = Int32(-size); return nil }
            var value = [UInt8](repeating: 0, count: Int(size))
            let got = HostPaths.withCString(path) { file in
                HostPaths.withCString(name) { attribute in
                    value.withUnsafeMutableBytes { ardaku_get_xattr(file, attribute, $0.baseAddress, $0.count) }
                }
            }
            if got == -Int64(ERANGE) { continue }
            guard got >= 0 else { errno = Int32(-got); return nil }
            return Array(value[..<Int(got)])
        }
        errno = ERANGE
        return nil
    }

    /// Entry names of `directory` sorted by bytes (opened with O_NOFOLLOW below the root, so
    /// a directory swapped for a link since its lstat is not followed); nil with errno set.
    static func listDirectory(_ directory: [UInt8], followingLink: Bool = false) -> [[UInt8]]? {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingLink ? 0 : O_NOFOLLOW)
        let descriptor = HostPaths.withCString(directory) { open($0, flags) }
        guard descriptor >= 0 else { return nil }
        guard let handle = fdopendir(descriptor) else {
            let code = errno
            close(descriptor)
            errno = code
            return nil
        }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(handle) else {
                if errno != 0 { return nil }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in Array(raw.prefix { $0 != 0 }) }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// A host path for messages (`QuotedName`: control characters and invalid UTF-8 escaped).
    public static func show(_ path: [UInt8]) -> String { QuotedName.quotedName(path) }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
