import ArdakuFormat
import ArdakuVolume
import Glibc

/// Writes extracted files under a destination directory and nowhere else.
///
/// Names come from an untrusted image. Each is validated as an Ardaku file name (no `..`,
/// no empty component), and the path is opened one component at a time relative to the
/// destination with O_NOFOLLOW, so a symbolic link inside the destination cannot lead
/// outside it. A file is written to a temporary name and renamed into place only once its
/// content has been read back and verified, so a failed extraction leaves no partial file.
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
        shown += "/" + name
        if !overwrite, faccessat(directory, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 {
            throw ToolError("\(shown): exists (use -f to replace it)")
        }
        let temporary = ".\(name).ardaku-\(getpid()).tmp"
        let output = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw ToolError("\(shown): cannot create: \(String(cString: strerror(errno)))") }
        var succeeded = false
        defer {
            Glibc.close(output)
            if !succeeded { unlinkat(directory, temporary, 0) }
        }
        try fill { bytes in try SafeOutput.writeAll(output, bytes, shown: shown) }
        guard renameat(directory, temporary, directory, name) == 0 else {
            throw ToolError("\(shown): cannot rename into place: \(String(cString: strerror(errno)))")
        }
        succeeded = true
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

    /// Writes all of `bytes` with write(2), retrying after EINTR and short writes (also for
    /// standard output, `StandardOutput`).
    static func writeFully(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, shown: String) throws {
        var done = 0
        while done < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ToolError("\(shown): write failed: \(String(cString: strerror(errno)))") }
            done += count
        }
    }
}
