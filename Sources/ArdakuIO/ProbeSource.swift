import CArdakuSys
import Glibc

/// An image, a block device or a host file opened only to read a few bytes of it, as
/// blkid does: no lock (a probe neither waits for a writer nor keeps one out), never a
/// write, and a FIFO or a directory named by mistake is refused instead of blocking.
///
/// What it reads may be a writer's half-finished update; the decoders' checksums tell.
public final class ProbeSource {
    public let path: String
    /// Size of the file or device in bytes.
    public let byteCount: UInt64
    private let descriptor: CInt

    /// Opens `path` read-only; nil when it cannot be opened or is neither a regular file
    /// nor a block device (blkid, too, only says what it found).
    public init?(path: String) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            return nil
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            byteCount = UInt64(max(0, info.st_size))
        case S_IFBLK:
            var size: UInt64 = 0
            guard ardaku_block_device_size(descriptor, &size) == 0 else {
                close(descriptor)
                return nil
            }
            byteCount = size
        default:
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The `count` bytes at `offset`, or nil when they are not all there or cannot be read.
    public func read(at offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, offset <= byteCount, UInt64(count) <= byteCount - offset else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return bytes
    }
}
