// Host file-system access for storing and restoring directories.
//
// This is the only file of ArdakuCAS that touches the host: the volume itself works on a
// ByteStore and a DirectorySource/DirectorySink. It lives here until the CLI integration
// moves it to ArdakuIO.
import ArdakuFormat
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A host directory as a `DirectorySource`: directories and regular files only; any other
/// kind of entry (symbolic link, device, socket) is refused with a `host` error.
public final class HostDirectorySource: DirectorySource {
    public let root: String

    public init(root: String) { self.root = root }

    func hostPath(_ path: [String]) -> String { ([root] + path).joined(separator: "/") }

    public func entries(at path: [String]) throws(CASError) -> [DirectoryEntry] {
        let directory = hostPath(path)
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw CASError(.host(path: directory, detail: "cannot list: \(error.localizedDescription)"))
        }
        return try names.map { name throws(CASError) in
            let full = directory + "/" + name
            var info = stat()
            guard lstat(full, &info) == 0 else { throw CASError(.host(path: full, detail: String(cString: strerror(errno)))) }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return DirectoryEntry(name: name, isDirectory: true)
            case S_IFREG: return DirectoryEntry(name: name, isDirectory: false)
            default: throw CASError(.host(path: full, detail: "not a regular file or directory"))
            }
        }
    }

    public func contents(at path: [String]) throws(CASError) -> [UInt8] {
        let file = hostPath(path)
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else { throw CASError(.host(path: file, detail: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CASError(.host(path: file, detail: String(cString: strerror(errno)))) }
        guard info.st_size <= off_t(Int.max) else { throw CASError(.host(path: file, detail: "too large")) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + done, raw.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw CASError(.host(path: file, detail: n == 0 ? "file shrank while being read" : String(cString: strerror(errno))))
            }
            done += n
        }
        return bytes
    }
}

/// A host directory as a `DirectorySink`: creates directories (mode 0755) and files
/// (mode 0644), replacing files that exist.
public final class HostDirectorySink: DirectorySink {
    public let root: String

    /// Creates `root` (and its parents) when missing.
    public init(root: String) throws(CASError) {
        self.root = root
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw CASError(.host(path: root, detail: "cannot create: \(error.localizedDescription)"))
        }
    }

    func hostPath(_ path: [String]) -> String { ([root] + path).joined(separator: "/") }

    public func makeDirectory(at path: [String]) throws(CASError) {
        let directory = hostPath(path)
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw CASError(.host(path: directory, detail: String(cString: strerror(errno))))
        }
    }

    public func writeFile(at path: [String], contents: [UInt8]) throws(CASError) {
        let file = hostPath(path)
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CASError(.host(path: file, detail: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var done = 0
        while done < contents.count {
            let n = contents.withUnsafeBytes { raw in write(fd, raw.baseAddress! + done, raw.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CASError(.host(path: file, detail: String(cString: strerror(errno)))) }
            done += n
        }
    }
}

/// A host file as a `ByteStore`, for standalone CAS files until ArdakuIO's
/// `HostFileByteStore` is available to this module.
public final class HostFileStore: ByteStore {
    public let path: String
    public let isReadOnly: Bool
    private let fd: Int32
    public private(set) var length: UInt64

    public init(path: String, create: Bool = false, readOnly: Bool = false) throws(CASError) {
        self.path = path
        self.isReadOnly = readOnly
        let flags = readOnly ? O_RDONLY : (O_RDWR | (create ? O_CREAT : 0))
        fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw CASError(.host(path: path, detail: String(cString: strerror(errno)))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw CASError(.host(path: path, detail: String(cString: strerror(errno))))
        }
        length = UInt64(max(0, info.st_size))
    }

    deinit { close(fd) }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .system(operation: "pread", errno: n == 0 ? EIO : errno, offset: offset) }
            done += n
        }
    }

    public func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        guard offset <= CASLimits.maxStoreBytes - UInt64(bytes.count) else {
            throw .outOfRange(offset: offset, count: UInt64(bytes.count), size: length)
        }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .system(operation: "pwrite", errno: errno, offset: offset) }
            done += n
        }
        length = max(length, offset + UInt64(bytes.count))
    }

    public func setLength(_ newLength: UInt64) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        guard newLength <= CASLimits.maxStoreBytes, ftruncate(fd, off_t(newLength)) == 0 else {
            throw .system(operation: "ftruncate", errno: errno, offset: newLength)
        }
        length = newLength
    }

    public func flush() throws(StoreError) {
        guard isReadOnly || fsync(fd) == 0 else { throw .system(operation: "fsync", errno: errno, offset: nil) }
    }
}
