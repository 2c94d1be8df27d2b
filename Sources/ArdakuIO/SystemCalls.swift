import CArdakuSys
import ArdakuFormat
import Glibc
import SystemPackage

/// The few facts about a path the tools need before opening it.
public struct PathInfo: Sendable {
    public enum Kind: Sendable { case regularFile, blockDevice, directory, characterDevice, fifo, socket, symbolicLink, other }
    public let kind: Kind
    /// st_size for files; 0 for devices (use `blockDeviceSize`).
    public let size: UInt64
    /// Device number of a block device (st_rdev), or of the filesystem holding a file (st_dev).
    public let deviceNumber: UInt64
    public let inode: UInt64
    /// Bytes actually allocated (st_blocks * 512).
    public let allocatedBytes: UInt64
}

public enum SystemCalls {
    /// Makes `StoreError` messages show strerror text. Call once at program start.
    public static func installErrnoDescriptions() {
        StoreError.errnoDescription = { code in String(cString: strerror(code)) }
    }

    /// Turns a SIGBUS on a mapped image (an I/O error on a failing device, an image file that
    /// shrank while it was read) into one line on standard error naming `tool`, the image and
    /// the byte, and an exit with `exitStatus`, instead of a crash. Call once at program start.
    public static func reportMappingErrors(tool: String, exitStatus: Int32) {
        // Kept for the life of the process: the signal handler prints it.
        _ = ardaku_mapping_errors_install(strdup(tool), exitStatus)
    }

    /// `stat(2)` of `path`; nil when it does not exist (or cannot be stat'ed: `errno` tells).
    public static func pathInfo(_ path: String) -> Result<PathInfo, Errno> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(PathInfo(stat: info))
    }

    public static func pathInfo(descriptor: FileDescriptor) -> Result<PathInfo, Errno> {
        var info = stat()
        guard fstat(descriptor.rawValue, &info) == 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(PathInfo(stat: info))
    }

    /// Opens an image, a block device or a standalone ZEST/CAS file, locks it
    /// (`VolumeLock`: shared when read-only, exclusive when writable) and returns it with its
    /// `fstat` taken under the lock (a writer before it may have changed the size).
    ///
    /// The open is non-blocking, so that a FIFO named by mistake cannot hang it; anything but
    /// a regular file or a block device is refused with `.notAVolume` naming what it is.
    /// `namePath`: whether failed calls name the path (for callers whose messages do not).
    public static func openVolumeFile(_ path: String, writable: Bool, create: Bool = false, namePath: Bool = true)
        throws(StoreError) -> (descriptor: FileDescriptor, lock: VolumeLock, info: PathInfo) {
        let shown = namePath ? " \(path)" : ""
        let descriptor: FileDescriptor
        do {
            var options: FileDescriptor.OpenOptions = [.closeOnExec, .nonBlocking]
            if create { options.insert(.create) }
            descriptor = try FileDescriptor.open(FilePath(path), writable ? .readWrite : .readOnly, options: options,
                                                 permissions: create ? [.ownerReadWrite, .groupRead, .otherRead] : nil,
                                                 retryOnInterrupt: true)
        } catch { throw storeError("open\(shown)", error) }
        func fail(_ error: StoreError) -> StoreError {
            try? descriptor.close()
            return error
        }
        // The kind first: a lock on a FIFO or a character device would mean nothing.
        let kind: PathInfo.Kind
        switch pathInfo(descriptor: descriptor) {
        case .success(let info) where info.kind == .regularFile || info.kind == .blockDevice: kind = info.kind
        case .success(let info): throw fail(.notAVolume("not an Ardaku volume: it is \(info.kindDescription)"))
        case .failure(let error): throw fail(storeError("fstat\(shown)", error))
        }
        if writable, kind == .blockDevice, ardaku_block_device_read_only(descriptor.rawValue) == 1 {
            throw fail(.readOnlyDevice)
        }
        // Reads and writes block as usual from here on.
        let flags = fcntl(descriptor.rawValue, F_GETFL)
        guard flags >= 0, fcntl(descriptor.rawValue, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
            throw fail(.system(operation: "fcntl\(shown)", errno: errno, offset: nil))
        }
        let lock: VolumeLock
        do { lock = try VolumeLock.acquire(writable ? .exclusive : .shared, descriptor: descriptor.rawValue, path: path) }
        catch { throw fail(error) }
        switch pathInfo(descriptor: descriptor) {
        case .success(let info): return (descriptor, lock, info)
        case .failure(let error): throw fail(storeError("fstat\(shown)", error))
        }
    }

    /// The bytes of `path` at `offset` (up to `count`; fewer at its end), or nil when it
    /// cannot be opened or is neither a regular file nor a block device: for telling what a
    /// named file holds before opening it as a volume. Never blocks on a FIFO.
    public static func peek(_ path: String, at offset: UInt64, count: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG || info.st_mode & S_IFMT == S_IFBLK else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = pread(descriptor, &bytes, count, off_t(offset))
        guard read >= 0 else { return nil }
        return Array(bytes.prefix(read))
    }

    /// swift-system throws untyped errors; every one it throws is an `Errno`.
    static func errnoValue(_ error: any Error) -> Int32 {
        (error as? Errno)?.rawValue ?? EIO
    }

    static func storeError(_ operation: String, _ error: any Error, offset: UInt64? = nil) -> StoreError {
        .system(operation: operation, errno: errnoValue(error), offset: offset)
    }

    static func describe(_ error: any Error) -> String {
        String(cString: strerror(errnoValue(error)))
    }
}

extension PathInfo {
    /// "a directory", "a FIFO", ...: for messages that say why a path was refused.
    public var kindDescription: String {
        switch kind {
        case .regularFile: "a regular file"
        case .blockDevice: "a block device"
        case .directory: "a directory"
        case .characterDevice: "a character device"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .symbolicLink: "a symbolic link"
        case .other: "an unknown kind of file"
        }
    }

    init(stat info: stat) {
        let format = info.st_mode & S_IFMT
        switch format {
        case S_IFREG: kind = .regularFile
        case S_IFBLK: kind = .blockDevice
        case S_IFDIR: kind = .directory
        case S_IFCHR: kind = .characterDevice
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        size = UInt64(max(0, info.st_size))
        deviceNumber = UInt64(format == S_IFBLK ? info.st_rdev : info.st_dev)
        inode = UInt64(info.st_ino)
        allocatedBytes = UInt64(max(0, info.st_blocks)) * 512
    }
}
