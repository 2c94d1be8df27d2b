import CArdakuSys
import ArdakuFormat
import Glibc
import SystemPackage

/// The few facts about a path the tools need before opening it.
public struct PathInfo: Sendable {
    public enum Kind: Sendable { case regularFile, blockDevice, directory, other }
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
    init(stat info: stat) {
        let format = info.st_mode & S_IFMT
        kind = format == S_IFREG ? .regularFile : format == S_IFBLK ? .blockDevice : format == S_IFDIR ? .directory : .other
        size = UInt64(max(0, info.st_size))
        deviceNumber = UInt64(format == S_IFBLK ? info.st_rdev : info.st_dev)
        inode = UInt64(info.st_ino)
        allocatedBytes = UInt64(max(0, info.st_blocks)) * 512
    }
}
