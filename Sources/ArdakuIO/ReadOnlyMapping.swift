import ArdakuFormat
import CArdakuSys
import Glibc
import SystemPackage

/// Every byte of an image file or block device, mapped read-only: what `dumpfs` reads.
///
/// Unlike `MappedImage`, which maps whole 64 KiB pages only (the rest is not part of the
/// volume), this maps the exact length, so a forensic view can show a truncated image's
/// last partial page. It never writes and never changes the file.
public final class ReadOnlyMapping {
    public let path: String
    public let isBlockDevice: Bool
    /// Size of the file or device in bytes; `bytes.count` is the same.
    public let byteCount: UInt64
    /// The mapped bytes; empty for an empty file. Valid while this object lives.
    public let bytes: UnsafeRawBufferPointer
    /// Shared: no writer changes the bytes while they are shown.
    public let lock: VolumeLock

    /// Opens `path` read-only, locks it shared (`VolumeLock`) and maps all of it.
    /// - Throws: `StoreError.system` naming the failed call (open, fstat, ioctl, mmap) with
    ///   its errno; `.busy` when a writer holds it; `.notAVolume` for a path that is neither a
    ///   regular file nor a block device; `.outOfRange` for one larger than the address space.
    public init(path: String) throws(StoreError) {
        self.path = path
        let (descriptor, lock, info) = try SystemCalls.openVolumeFile(path, writable: false, namePath: false)
        defer { try? descriptor.close() }
        // The lock keeps its own duplicate of the descriptor, so it outlives this one.
        self.lock = lock
        switch info.kind {
        case .blockDevice:
            var size: UInt64 = 0
            let rc = ardaku_block_device_size(descriptor.rawValue, &size)
            guard rc == 0 else { throw .system(operation: "ioctl BLKGETSIZE64", errno: -rc, offset: nil) }
            byteCount = size
            isBlockDevice = true
        case .regularFile:
            byteCount = info.size
            isBlockDevice = false
        default:
            throw .notAVolume("not an Ardaku volume: it is \(info.kindDescription)")
        }
        guard byteCount <= UInt64(Int.max) else { throw .outOfRange(offset: 0, count: byteCount, size: UInt64(Int.max)) }
        guard byteCount > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        // The mapping outlives the descriptor: closing it does not unmap.
        guard let base = mmap(nil, Int(byteCount), PROT_READ, MAP_SHARED, descriptor.rawValue, 0), base != MAP_FAILED else {
            throw .system(operation: "mmap", errno: errno, offset: nil)
        }
        bytes = UnsafeRawBufferPointer(start: base, count: Int(byteCount))
        // An I/O error under the mapping is a SIGBUS: registered, a one-line error.
        _ = path.withCString { ardaku_mapping_register(base, Int(byteCount), 0, $0) }
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        ardaku_mapping_unregister(base)
        munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
    }

    /// Tells the kernel `range` will be read once, front to back (read-ahead, early reclaim).
    public func adviseSequential(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty, range.lowerBound >= 0, range.upperBound <= bytes.count else { return }
        // madvise wants a start aligned to the system page.
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound - range.lowerBound % max(pageSize, 1)
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), range.upperBound - start, MADV_SEQUENTIAL)
    }
}
