import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import CArdakuSys
import Glibc

/// Writes extracted files under a destination directory and nowhere else.
///
/// Names come from an untrusted image. Each is validated as an Ardaku file name (no `..`,
/// no empty component), and the path is opened one component at a time relative to the
/// destination with O_NOFOLLOW, so a symbolic link inside the destination cannot lead
/// outside it. Only a regular file or a symbolic link is ever replaced (the link itself,
/// never what it points to): a device node, FIFO, socket or directory in the way is an
/// error, so that `-f` cannot turn /dev/null into a regular file.
///
/// A file is written unnamed (O_TMPFILE) and linked into place only once its content has
/// been read back and verified, so a failed or killed extraction leaves no partial file and
/// no temporary name; a name of any legal length (255 bytes) works. Where the file system has
/// no O_TMPFILE, a short temporary name is used and removed on SIGINT, SIGTERM and SIGHUP.
public struct SafeOutput {
    public let root: String
    private let rootDescriptor: CInt

    public init(root: String) throws {
        self.root = root
        if mkdir(root, 0o755) != 0 && errno != EEXIST {
            throw ToolError("\(root): cannot create directory: \(String(cString: strerror(errno)))")
        }
        rootDescriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootDescriptor >= 0 else { throw ToolError("\(root): \(String(cString: strerror(errno)))") }
        _ = ardaku_temporary_cleanup_install()
    }

    public func close() { Glibc.close(rootDescriptor) }

    /// Writes the content `fill` produces to `relative` (components of a validated name).
    public func write(relative components: [String], overwrite: Bool,
                      _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        precondition(!components.isEmpty)
        var directory = dup(rootDescriptor)
        defer { Glibc.close(directory) }
        var shown = root
        for component in components.dropLast() {
            shown += "/" + component
            if mkdirat(directory, component, 0o755) != 0 && errno != EEXIST {
                throw ToolError("\(shown): cannot create directory: \(String(cString: strerror(errno)))")
            }
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else {
                throw ToolError("\(shown): not a directory inside \(root) (a symbolic link or a file is in the way): \(String(cString: strerror(errno)))")
            }
            Glibc.close(directory)
            directory = next
        }
        let name = components[components.count - 1]
        try Self.writeFile(in: directory, name: name, shown: shown + "/" + name, overwrite: overwrite, fill)
    }

    /// Writes the content `fill` produces as `name` in the open directory `directory` (which
    /// the caller reached without following links): unnamed until complete, then linked or
    /// renamed into place; only a regular file or a symbolic link is replaced. `shown` names
    /// the file in messages. Also the file writer of `ardaku cas get` and `zest get`.
    public static func writeFile(in directory: CInt, name: String, shown: String, overwrite: Bool,
                                 _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let exists = try Self.checkReplaceable(directory, name, shown: shown, overwrite: overwrite)

        var unnamed = true
        var output = ardaku_open_unnamed(directory, 0o644)
        let temporary = ".ardaku-\(getpid()).tmp"
        if output < 0 {
            // No O_TMPFILE here (EOPNOTSUPP, EISDIR or EINVAL, by file system): a short name.
            unnamed = false
            ardaku_temporary_register(directory, temporary)
            output = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard output >= 0 else {
                ardaku_temporary_clear()
                throw ToolError("\(shown): cannot create: \(String(cString: strerror(errno)))")
            }
        }
        var temporaryNamed = !unnamed
        defer {
            Glibc.close(output)
            if temporaryNamed { unlinkat(directory, temporary, 0) }
            ardaku_temporary_clear()
        }
        try fill { bytes in try SafeOutput.writeAll(output, bytes, shown: shown) }
        if unnamed && !exists {
            // A new name: linking fails rather than replace a file made meanwhile.
            let rc = ardaku_link_unnamed(output, directory, name)
            if rc == -EEXIST { throw ToolError("\(shown): exists (use -f to replace it)") }
            guard rc == 0 else { throw ToolError("\(shown): cannot create: \(String(cString: strerror(-rc)))") }
            return
        }
        if unnamed {
            // Replacing: the content gets a short name, then is renamed over the old file in
            // one step, so that the old file stays whole until the new one takes its place.
            ardaku_temporary_register(directory, temporary)
            unlinkat(directory, temporary, 0)
            let rc = ardaku_link_unnamed(output, directory, temporary)
            guard rc == 0 else { throw ToolError("\(shown): cannot create: \(String(cString: strerror(-rc)))") }
            temporaryNamed = true
        }
        guard renameat(directory, temporary, directory, name) == 0 else {
            throw ToolError("\(shown): cannot rename into place: \(String(cString: strerror(errno)))")
        }
        temporaryNamed = false
    }

    /// Whether `name` exists in `directory`; throws when it exists and may not be replaced.
    private static func checkReplaceable(_ directory: CInt, _ name: String, shown: String, overwrite: Bool) throws -> Bool {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            guard errno == ENOENT else { throw ToolError("\(shown): \(String(cString: strerror(errno)))") }
            return false
        }
        guard overwrite else { throw ToolError("\(shown): exists (use -f to replace it)") }
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
        throw ToolError("\(shown): is \(kind); not replaced (-f replaces only regular files and symbolic links)")
    }

    /// Writes all of `bytes`; an all-zero buffer becomes a hole (the file stays sparse).
    static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, shown: String) throws {
        if Zeros.isAllZero(bytes) {
            guard lseek(descriptor, off_t(bytes.count), SEEK_CUR) >= 0 else { throw ToolError("\(shown): \(String(cString: strerror(errno)))") }
            let position = lseek(descriptor, 0, SEEK_CUR)
            guard ftruncate(descriptor, position) == 0 else { throw ToolError("\(shown): \(String(cString: strerror(errno)))") }
            return
        }
        try writeFully(descriptor, bytes, shown: shown)
    }

    /// Writes all of `bytes` (`DescriptorOutput`: retries after EINTR and short writes).
    static func writeFully(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, shown: String) throws {
        do throws(WriteFailure) { try DescriptorOutput.writeAll(descriptor, bytes, shown: shown) } catch {
            throw ToolError("\(shown): write failed: \(error.errno)")
        }
    }
}
