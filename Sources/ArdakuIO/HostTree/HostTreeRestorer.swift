import ArdakuFormat
import CArdakuSys
import Glibc

/// Restores entries (files, directories, symbolic links, hard links, FIFOs, device nodes)
/// with their attributes under a destination directory, and nowhere else.
///
/// Names come from an untrusted image. Each path is opened one component at a time relative
/// to the destination, opened once, with O_NOFOLLOW|O_DIRECTORY, so a symbolic link (one
/// present in the destination, or one an earlier entry made) is never followed: an entry
/// below it is an error naming the path. Links and nodes are made with the *at calls in the
/// directory so reached; attributes are set with AT_SYMLINK_NOFOLLOW or on an open
/// descriptor; FIFOs and devices are never opened. A symbolic link's target is stored text:
/// making it is safe, whatever it says, because nothing is ever opened through it.
///
/// Only a regular file or a symbolic link is ever replaced (the link itself, never what it
/// points to), and only with `overwrite`: a directory, device node, FIFO or socket in the way
/// is an error, so that `-f` cannot turn /dev/null into a regular file.
///
/// A regular file is written unnamed (O_TMPFILE), given its owner, mode, extended attributes
/// and times, and linked into place only then, so a failed or killed extraction leaves no
/// partial file and no temporary name; zero runs become holes. Where the file system has no
/// O_TMPFILE, a short temporary name is used and removed on SIGINT, SIGTERM and SIGHUP.
///
/// A directory's mode and times are set by `finish()`, after everything below it is written
/// (as tar does): a read-only directory can still be filled, and its children do not move its
/// modification time. Attributes that cannot be set (an owner without privilege, an extended
/// attribute the file system refuses) are warnings naming the path and what, never silence.
public final class HostTreeRestorer {
    public struct Options {
        /// Replace an existing regular file or symbolic link (never anything else).
        public var overwrite = false
        /// Set owners and groups (fchownat). On by default when running as root, as tar
        /// does; off is tar's --no-same-owner (files then belong to the running user).
        public var sameOwner = geteuid() == 0
        /// Set extended attributes (lsetxattr); off is --no-xattrs.
        public var extendedAttributes = true

        public init() {}
    }

    /// The destination as the caller named it (messages start with it).
    public let root: String
    public var options: Options
    /// What could not be set, one line each ("PATH: why"), unless `reportWarning` takes them.
    public private(set) var warnings: [String] = []
    /// Hears each warning as it happens instead of `warnings` keeping it.
    public var reportWarning: ((String) -> Void)?

    private let rootDescriptor: CInt
    private var isClosed = false
    /// Directories whose mode and times wait for `finish()`, in the order they were made.
    private var pendingDirectories: [(components: [[UInt8]], attributes: FileAttributes)] = []

    /// Opens `root` (made if missing, one level, mode 0755 less the umask); a symbolic link
    /// naming the destination itself is followed, as the user named it.
    public init(destination root: String, options: Options = Options()) throws(HostTreeError) {
        self.root = root
        self.options = options
        if mkdir(root, 0o755) != 0 && errno != EEXIST {
            throw HostTreeError("\(root): cannot create directory: \(Self.text(errno))")
        }
        rootDescriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootDescriptor >= 0 else { throw HostTreeError("\(root): \(Self.text(errno))") }
        _ = ardaku_temporary_cleanup_install()
    }

    deinit { close() }

    /// Closes the destination (`finish()` first, to set the directories' modes and times).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(rootDescriptor)
    }

    private func warn(_ message: String) {
        if let reportWarning { reportWarning(message) } else { warnings.append(message) }
    }

    // MARK: - Entries

    /// Makes the entry `components` describe as `attributes` say: a directory, symbolic link,
    /// FIFO or device node (a regular file needs its content: `writeFile`).
    public func make(_ components: [[UInt8]], _ attributes: FileAttributes) throws(HostTreeError) {
        switch attributes.kind {
        case .directory: try makeDirectory(components, attributes: attributes)
        case .symbolicLink: try makeSymbolicLink(components, attributes: attributes)
        case .fifo, .characterDevice, .blockDevice: try makeNode(components, attributes: attributes)
        case .regular:
            // An empty file: nothing but this writer's own errors can come out.
            do { try writeFile(components, attributes: attributes) { _ in } } catch let error as HostTreeError { throw error } catch {
                throw HostTreeError("\(error)")
            }
        }
    }

    /// Writes the content `fill` produces at `components`, with `attributes` when given (nil:
    /// mode 0644 less the umask, the times of now, as `get` has always written).
    public func writeFile(_ components: [String], attributes: FileAttributes? = nil,
                          _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try writeFile(components.map { Array($0.utf8) }, attributes: attributes, fill)
    }

    public func writeFile(_ components: [[UInt8]], attributes: FileAttributes? = nil,
                          _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let (directory, shown) = try openParent(of: components)
        defer { Glibc.close(directory) }
        try Self.writeFile(in: directory, name: components[components.count - 1], shown: shown, overwrite: options.overwrite,
                           attributes: attributes, setAttributes: { descriptor in self.apply(attributes, toOpen: descriptor, shown: shown) },
                           fill)
    }

    /// Makes the directory `components` (or takes the one there), with its owner and extended
    /// attributes now and its mode and times at `finish()`. Empty `components`: the
    /// destination's own attributes.
    public func makeDirectory(_ components: [[UInt8]], attributes: FileAttributes) throws(HostTreeError) {
        let descriptor: CInt
        var shown = root
        if components.isEmpty {
            descriptor = dup(rootDescriptor)
        } else {
            let (parent, path) = try openParent(of: components)
            defer { Glibc.close(parent) }
            shown = path
            let name = components[components.count - 1]
            // 0700 until finish(): nobody else can get in while it is filled.
            var rc = HostPaths.withCString(name) { mkdirat(parent, $0, 0o700) } == 0 ? 0 : errno
            if rc == EEXIST {
                var info = stat()
                guard HostPaths.withCString(name, { fstatat(parent, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                    throw HostTreeError("\(shown): \(Self.text(errno))")
                }
                if info.st_mode & S_IFMT == S_IFDIR {
                    rc = 0
                } else {
                    _ = try Self.checkReplaceable(parent, name, shown: shown, overwrite: options.overwrite)
                    guard HostPaths.withCString(name, { unlinkat(parent, $0, 0) }) == 0 else {
                        throw HostTreeError("\(shown): cannot remove: \(Self.text(errno))")
                    }
                    rc = HostPaths.withCString(name) { mkdirat(parent, $0, 0o700) } == 0 ? 0 : errno
                }
            }
            guard rc == 0 else { throw HostTreeError("\(shown): cannot create directory: \(Self.text(rc))") }
            descriptor = HostPaths.withCString(name) { openat(parent, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard descriptor >= 0 else {
                throw HostTreeError("\(shown): not a directory inside \(root) (a symbolic link or a file is in the way): \(Self.text(errno))")
            }
        }
        defer { Glibc.close(descriptor) }
        if options.sameOwner, fchown(descriptor, attributes.owner, attributes.group) != 0 {
            warn("\(shown): cannot set owner \(attributes.owner):\(attributes.group): \(Self.text(errno))")
        }
        setExtendedAttributes(attributes, shown: shown) { name, value in
            HostPaths.withCString(name) { ardaku_set_xattr_fd(descriptor, $0, value.baseAddress, value.count) }
        }
        pendingDirectories.append((components, attributes))
    }

    /// Makes the symbolic link `components` pointing at `attributes.symbolicLinkTarget` (stored
    /// as it is, never followed), with its owner, extended attributes and times.
    public func makeSymbolicLink(_ components: [[UInt8]], attributes: FileAttributes) throws(HostTreeError) {
        let target = attributes.symbolicLinkTarget
        let (directory, shown) = try openParent(of: components)
        defer { Glibc.close(directory) }
        guard attributes.kind == .symbolicLink, !target.isEmpty, !target.contains(0),
              target.count <= FileAttributes.Limits.maxSymbolicLinkTargetBytes else {
            throw HostTreeError("\(shown): invalid symbolic-link target")
        }
        try place(in: directory, components[components.count - 1], shown: shown) { directory, name in
            HostPaths.withCString(target) { target in HostPaths.withCString(name) { ardaku_make_symlink_at(target, directory, $0) } }
        }
        applyByName(attributes, in: directory, components[components.count - 1], shown: shown)
    }

    /// Makes the FIFO or device node `components` (mknodat; never opened). A device node
    /// needs root: without it, a warning names the path and nothing is made.
    public func makeNode(_ components: [[UInt8]], attributes: FileAttributes) throws(HostTreeError) {
        let (directory, shown) = try openParent(of: components)
        defer { Glibc.close(directory) }
        let permissions = UInt32(attributes.permissions & 0o777)
        let name = components[components.count - 1]
        switch attributes.kind {
        case .fifo:
            try place(in: directory, name, shown: shown) { directory, name in
                HostPaths.withCString(name) { ardaku_make_fifo_at(directory, $0, permissions) }
            }
        case .characterDevice, .blockDevice:
            guard let number = attributes.device else { throw HostTreeError("\(shown): \(attributes.kind) without a device number") }
            guard geteuid() == 0 else {
                warn("\(shown): \(attributes.kind) \(number.major):\(number.minor) not made (only root can make device nodes)")
                return
            }
            let device = ardaku_device_make(number.major, number.minor)
            let mode = attributes.kind.modeBits | permissions
            try place(in: directory, name, shown: shown) { directory, name in
                HostPaths.withCString(name) { ardaku_make_node_at(directory, $0, mode, device) }
            }
        default:
            throw HostTreeError("\(shown): a \(attributes.kind) is not a node")
        }
        applyByName(attributes, in: directory, name, shown: shown)
    }

    /// Makes `components` another name of `primary` (an entry restored before, relative to
    /// the destination): linkat, never following a link at either path.
    public func makeHardLink(_ components: [[UInt8]], to primary: [[UInt8]]) throws(HostTreeError) {
        guard !primary.isEmpty else { throw HostTreeError("\(root): a hard link to the destination itself") }
        let (source, sourceShown) = try openParent(of: primary, creating: false)
        defer { Glibc.close(source) }
        let (directory, shown) = try openParent(of: components)
        defer { Glibc.close(directory) }
        let primaryName = primary[primary.count - 1]
        try place(in: directory, components[components.count - 1], shown: shown) { directory, name in
            HostPaths.withCString(primaryName) { old in HostPaths.withCString(name) { ardaku_make_link_at(source, old, directory, $0) } }
        } describe: { rc in
            // The directory of the new name is open: a missing name is the primary.
            rc == -ENOENT ? "cannot link to \(sourceShown): \(Self.text(ENOENT))" : nil
        }
    }

    /// Sets the mode and times of every directory made, deepest first (after all below it is
    /// written). Call once the last entry is restored; failures are warnings.
    public func finish() {
        for (components, attributes) in pendingDirectories.reversed() {
            var shown = root
            let descriptor: CInt
            if components.isEmpty {
                descriptor = dup(rootDescriptor)
            } else {
                guard let opened = try? openParent(of: components, creating: false) else {
                    warn("\(root)/\(Self.join(components)): directory gone; mode and times not set")
                    continue
                }
                let (parent, path) = opened
                shown = path
                descriptor = HostPaths.withCString(components[components.count - 1]) {
                    openat(parent, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                }
                Glibc.close(parent)
            }
            guard descriptor >= 0 else {
                warn("\(shown): mode and times not set: \(Self.text(errno))")
                continue
            }
            if fchmod(descriptor, mode_t(attributes.permissions & 0o7777)) != 0 {
                warn("\(shown): cannot set mode \(Self.octal(attributes.permissions)): \(Self.text(errno))")
            }
            let times = ardaku_set_times_fd(descriptor, attributes.accessTime.seconds, attributes.accessTime.nanoseconds,
                                            attributes.modificationTime.seconds, attributes.modificationTime.nanoseconds)
            if times != 0 { warn("\(shown): cannot set times: \(Self.text(-times))") }
            Glibc.close(descriptor)
        }
        pendingDirectories = []
    }

    // MARK: - Paths

    /// The directory holding the last of `components`, each opened relative to the one before
    /// without following links (made, mode 0755 less the umask, where missing when
    /// `creating`), and the whole path for messages. The caller closes the descriptor.
    private func openParent(of components: [[UInt8]], creating: Bool = true) throws(HostTreeError) -> (CInt, String) {
        var shown = root
        guard !components.isEmpty else { throw HostTreeError("\(root): no name") }
        for component in components {
            guard Self.isValidComponent(component) else {
                throw HostTreeError("\(shown)/\(Self.join([component])): invalid name component")
            }
        }
        var directory = dup(rootDescriptor)
        guard directory >= 0 else { throw HostTreeError("\(root): \(Self.text(errno))") }
        for component in components.dropLast() {
            shown += "/" + String(decoding: component, as: UTF8.self)
            if creating, HostPaths.withCString(component, { mkdirat(directory, $0, 0o755) }) != 0 && errno != EEXIST {
                let code = errno
                Glibc.close(directory)
                throw HostTreeError("\(shown): cannot create directory: \(Self.text(code))")
            }
            let next = HostPaths.withCString(component) { openat(directory, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            let code = errno
            Glibc.close(directory)
            guard next >= 0 else {
                throw HostTreeError("\(shown): not a directory inside \(root) (a symbolic link or a file is in the way): \(Self.text(code))")
            }
            directory = next
        }
        return (directory, shown + "/" + String(decoding: components[components.count - 1], as: UTF8.self))
    }

    /// A name one path component may have: not empty, ".", "..", nor holding "/" or NUL.
    static func isValidComponent(_ name: [UInt8]) -> Bool {
        !name.isEmpty && name != [0x2E] && name != [0x2E, 0x2E] && !name.contains(0x2F) && !name.contains(0) && name.count <= 255
    }

    static func join(_ components: [[UInt8]]) -> String {
        components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    /// Makes `name` in `directory` with `create` (which returns 0 or -errno). A name that
    /// exists is replaced, only with `overwrite` and only when a regular file or symbolic
    /// link: the new entry is made under a short temporary name, then renamed over it.
    private func place(in directory: CInt, _ name: [UInt8], shown: String,
                       _ create: (CInt, [UInt8]) -> Int32,
                       describe: (Int32) -> String? = { _ in nil }) throws(HostTreeError) {
        let exists = try Self.checkReplaceable(directory, name, shown: shown, overwrite: options.overwrite)
        if !exists {
            let rc = create(directory, name)
            if rc == -EEXIST { throw HostTreeError("\(shown): exists (use -f to replace it)") }
            guard rc == 0 else { throw HostTreeError("\(shown): \(describe(rc) ?? "cannot create: \(Self.text(-rc))")") }
            return
        }
        let temporary = Array(".ardaku-\(getpid()).tmp".utf8)
        HostPaths.withCString(temporary) { ardaku_temporary_register(directory, $0) }
        defer {
            // Gone after a rename; left when it named the file it replaced already (a hard link).
            _ = HostPaths.withCString(temporary) { unlinkat(directory, $0, 0) }
            ardaku_temporary_clear()
        }
        _ = HostPaths.withCString(temporary) { unlinkat(directory, $0, 0) }
        let rc = create(directory, temporary)
        guard rc == 0 else { throw HostTreeError("\(shown): \(describe(rc) ?? "cannot create: \(Self.text(-rc))")") }
        let renamed = HostPaths.withCString(temporary) { old in HostPaths.withCString(name) { renameat(directory, old, directory, $0) } }
        guard renamed == 0 else { throw HostTreeError("\(shown): cannot rename into place: \(Self.text(errno))") }
    }

    // MARK: - Attributes

    /// Owner, mode, extended attributes, then times, on a regular file still open (and unnamed).
    private func apply(_ attributes: FileAttributes?, toOpen descriptor: CInt, shown: String) {
        guard let attributes else { return }
        if options.sameOwner, fchown(descriptor, attributes.owner, attributes.group) != 0 {
            warn("\(shown): cannot set owner \(attributes.owner):\(attributes.group): \(Self.text(errno))")
        }
        // After the owner: chown clears setuid and setgid.
        if fchmod(descriptor, mode_t(attributes.permissions & 0o7777)) != 0 {
            warn("\(shown): cannot set mode \(Self.octal(attributes.permissions)): \(Self.text(errno))")
        }
        setExtendedAttributes(attributes, shown: shown) { name, value in
            HostPaths.withCString(name) { ardaku_set_xattr_fd(descriptor, $0, value.baseAddress, value.count) }
        }
        let rc = ardaku_set_times_fd(descriptor, attributes.accessTime.seconds, attributes.accessTime.nanoseconds,
                                     attributes.modificationTime.seconds, attributes.modificationTime.nanoseconds)
        if rc != 0 { warn("\(shown): cannot set times: \(Self.text(-rc))") }
    }

    /// Owner, mode (not on a symbolic link: Linux keeps none), extended attributes, then
    /// times, on `name` in `directory`, never following it.
    private func applyByName(_ attributes: FileAttributes, in directory: CInt, _ name: [UInt8], shown: String) {
        HostPaths.withCString(name) { cName in
            if options.sameOwner {
                let rc = ardaku_chown_at(directory, cName, attributes.owner, attributes.group)
                if rc != 0 { warn("\(shown): cannot set owner \(attributes.owner):\(attributes.group): \(Self.text(-rc))") }
            }
            if attributes.kind != .symbolicLink {
                let rc = ardaku_chmod_at(directory, cName, UInt32(attributes.permissions & 0o7777))
                if rc != 0 { warn("\(shown): cannot set mode \(Self.octal(attributes.permissions)): \(Self.text(-rc))") }
            }
            setExtendedAttributes(attributes, shown: shown) { attribute, value in
                HostPaths.withCString(attribute) { ardaku_set_xattr_at(directory, cName, $0, value.baseAddress, value.count) }
            }
            let rc = ardaku_set_times_at(directory, cName, attributes.accessTime.seconds, attributes.accessTime.nanoseconds,
                                         attributes.modificationTime.seconds, attributes.modificationTime.nanoseconds)
            if rc != 0 { warn("\(shown): cannot set times: \(Self.text(-rc))") }
        }
    }

    /// Each extended attribute through `set` (0 or -errno); a refusal (EPERM for trusted. and
    /// security. without privilege, ENOTSUP where the file system has none) is a warning
    /// naming the path and the attribute.
    private func setExtendedAttributes(_ attributes: FileAttributes, shown: String,
                                       _ set: ([UInt8], UnsafeRawBufferPointer) -> Int32) {
        guard options.extendedAttributes else { return }
        for attribute in attributes.extendedAttributes {
            let rc = attribute.value.withUnsafeBytes { set(attribute.name, $0) }
            if rc != 0 {
                warn("\(shown): extended attribute \(QuotedName.quotedName(attribute.name)) not set: \(Self.text(-rc))")
            }
        }
    }

    static func octal(_ permissions: UInt16) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func text(_ code: Int32) -> String { String(cString: strerror(code)) }

    // MARK: - Regular files

    /// Writes the content `fill` produces as `name` in the open directory `directory` (which
    /// the caller reached without following links): unnamed until complete, then linked or
    /// renamed into place; only a regular file or a symbolic link is replaced. `shown` names
    /// the file in messages. Also the file writer of `ardaku cas get` and `zest get`.
    public static func writeFile(in directory: CInt, name: String, shown: String, overwrite: Bool,
                                 _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try writeFile(in: directory, name: Array(name.utf8), shown: shown, overwrite: overwrite, attributes: nil,
                      setAttributes: { _ in }, fill)
    }

    static func writeFile(in directory: CInt, name: [UInt8], shown: String, overwrite: Bool, attributes: FileAttributes?,
                          setAttributes: (CInt) -> Void,
                          _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let exists = try Self.checkReplaceable(directory, name, shown: shown, overwrite: overwrite)
        // With attributes to set, owner-only until they are: the mode is set before the name.
        let mode: UInt32 = attributes == nil ? 0o644 : 0o600

        var unnamed = true
        var output = ardaku_open_unnamed(directory, mode)
        let temporary = Array(".ardaku-\(getpid()).tmp".utf8)
        if output < 0 {
            // No O_TMPFILE here (EOPNOTSUPP, EISDIR or EINVAL, by file system): a short name.
            unnamed = false
            HostPaths.withCString(temporary) { ardaku_temporary_register(directory, $0) }
            output = HostPaths.withCString(temporary) {
                openat(directory, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
            }
            guard output >= 0 else {
                let code = errno
                ardaku_temporary_clear()
                throw HostTreeError("\(shown): cannot create: \(text(code))")
            }
        }
        var temporaryNamed = !unnamed
        defer {
            Glibc.close(output)
            if temporaryNamed { _ = HostPaths.withCString(temporary) { unlinkat(directory, $0, 0) } }
            ardaku_temporary_clear()
        }
        try fill { bytes in try HostTreeRestorer.writeAll(output, bytes, shown: shown) }
        setAttributes(output)
        if unnamed && !exists {
            // A new name: linking fails rather than replace a file made meanwhile.
            let rc = HostPaths.withCString(name) { ardaku_link_unnamed(output, directory, $0) }
            if rc == -EEXIST { throw HostTreeError("\(shown): exists (use -f to replace it)") }
            guard rc == 0 else { throw HostTreeError("\(shown): cannot create: \(text(-rc))") }
            return
        }
        if unnamed {
            // Replacing: the content gets a short name, then is renamed over the old file in
            // one step, so that the old file stays whole until the new one takes its place.
            HostPaths.withCString(temporary) { ardaku_temporary_register(directory, $0) }
            _ = HostPaths.withCString(temporary) { unlinkat(directory, $0, 0) }
            let rc = HostPaths.withCString(temporary) { ardaku_link_unnamed(output, directory, $0) }
            guard rc == 0 else { throw HostTreeError("\(shown): cannot create: \(text(-rc))") }
            temporaryNamed = true
        }
        let renamed = HostPaths.withCString(temporary) { old in HostPaths.withCString(name) { renameat(directory, old, directory, $0) } }
        guard renamed == 0 else { throw HostTreeError("\(shown): cannot rename into place: \(text(errno))") }
        temporaryNamed = false
    }

    /// Whether `name` exists in `directory`; throws when it exists and may not be replaced.
    static func checkReplaceable(_ directory: CInt, _ name: [UInt8], shown: String, overwrite: Bool) throws(HostTreeError) -> Bool {
        var info = stat()
        guard HostPaths.withCString(name, { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            guard errno == ENOENT else { throw HostTreeError("\(shown): \(text(errno))") }
            return false
        }
        guard overwrite else { throw HostTreeError("\(shown): exists (use -f to replace it)") }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFLNK: return true
        case S_IFDIR: kind = "a directory"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        throw HostTreeError("\(shown): is \(kind); not replaced (-f replaces only regular files and symbolic links)")
    }

    /// Writes all of `bytes`; an all-zero buffer becomes a hole (the file stays sparse).
    public static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, shown: String) throws(HostTreeError) {
        if Zeros.isAllZero(bytes) {
            guard lseek(descriptor, off_t(bytes.count), SEEK_CUR) >= 0 else { throw HostTreeError("\(shown): \(text(errno))") }
            let position = lseek(descriptor, 0, SEEK_CUR)
            guard ftruncate(descriptor, position) == 0 else { throw HostTreeError("\(shown): \(text(errno))") }
            return
        }
        do throws(WriteFailure) { try DescriptorOutput.writeAll(descriptor, bytes, shown: shown) } catch {
            throw HostTreeError("\(shown): write failed: \(error.errno)")
        }
    }
}
