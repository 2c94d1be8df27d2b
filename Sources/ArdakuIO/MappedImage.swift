import ArdakuFormat
import CArdakuSys
import Glibc
import SystemPackage

/// An image file or a block device as a page store: read through one shared read-only
/// memory mapping, written with `pwrite`, made durable with `fdatasync`.
///
/// Why not write through the mapping: a store into a mapped hole of a sparse file on a
/// full filesystem kills the process with SIGBUS, where `pwrite` returns ENOSPC; and the
/// page cache keeps the mapping and `pwrite` coherent on Linux, so reads see every write.
public final class MappedImage: PageStore {
    public let path: String
    public let descriptor: FileDescriptor
    public let isReadOnly: Bool
    public let isBlockDevice: Bool
    /// Size of the file or device in bytes.
    public let byteCount: UInt64
    public let pageCount: UInt32
    private let mapping: UnsafeRawBufferPointer?

    public enum Mode: Sendable { case readOnly, readWrite }

    /// Opens `path` (which must exist) and maps it.
    public init(path: String, mode: Mode) throws(StoreError) {
        self.path = path
        isReadOnly = mode == .readOnly
        do {
            descriptor = try FileDescriptor.open(FilePath(path), mode == .readOnly ? .readOnly : .readWrite,
                                                 options: [.closeOnExec], retryOnInterrupt: true)
        } catch { throw SystemCalls.storeError("open \(path)", error) }
        let info: PathInfo
        switch SystemCalls.pathInfo(descriptor: descriptor) {
        case .success(let value): info = value
        case .failure(let error):
            try? descriptor.close()
            throw SystemCalls.storeError("fstat \(path)", error)
        }
        isBlockDevice = info.kind == .blockDevice
        if isBlockDevice {
            var size: UInt64 = 0
            let rc = ardaku_block_device_size(descriptor.rawValue, &size)
            guard rc == 0 else {
                try? descriptor.close()
                throw .system(operation: "ioctl BLKGETSIZE64 \(path)", errno: -rc, offset: nil)
            }
            byteCount = size
        } else {
            byteCount = info.size
        }
        pageCount = UInt32(clamping: byteCount >> 16)
        let mappedBytes = Int(UInt64(pageCount) << 16)
        if mappedBytes > 0 {
            guard let base = mmap(nil, mappedBytes, PROT_READ, MAP_SHARED, descriptor.rawValue, 0), base != MAP_FAILED else {
                let code = errno
                try? descriptor.close()
                throw .system(operation: "mmap \(path)", errno: code, offset: nil)
            }
            mapping = UnsafeRawBufferPointer(start: base, count: mappedBytes)
        } else {
            mapping = nil
        }
    }

    deinit {
        if let mapping, let base = mapping.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), mapping.count) }
        try? descriptor.close()
    }

    public func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer {
        guard let mapping, page.rawValue < pageCount else {
            throw .outOfRange(offset: page.firstByte.rawValue, count: UInt64(Geometry.pageSize), size: byteCount)
        }
        let start = Int(page.rawValue) << 16
        return UnsafeRawBufferPointer(rebasing: mapping[start..<(start + Geometry.pageSize)])
    }

    /// The mapped bytes `offset ..< offset + count`, for views that cross pages (dumpfs).
    public func bytes(at offset: UInt64, count: Int) throws(StoreError) -> UnsafeRawBufferPointer {
        guard let mapping, count >= 0, offset <= UInt64(mapping.count), UInt64(count) <= UInt64(mapping.count) - offset else {
            throw .outOfRange(offset: offset, count: UInt64(max(count, 0)), size: UInt64(mapping?.count ?? 0))
        }
        return UnsafeRawBufferPointer(rebasing: mapping[Int(offset)..<(Int(offset) + count)])
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        let inPage = Int(offset.rawValue)
        guard page.rawValue < pageCount, inPage <= Geometry.pageSize - bytes.count else {
            throw .outOfRange(offset: page.firstByte.rawValue + UInt64(inPage), count: UInt64(bytes.count), size: byteCount)
        }
        let position = Int64(page.firstByte.rawValue) + Int64(inPage)
        do {
            _ = try descriptor.writeAll(toAbsoluteOffset: position, bytes)
        } catch { throw SystemCalls.storeError("write \(path)", error, offset: UInt64(position)) }
    }

    public func flush() throws(StoreError) {
        guard !isReadOnly else { return }
        let rc = ardaku_fdatasync(descriptor.rawValue)
        guard rc == 0 else { throw .system(operation: "fdatasync \(path)", errno: -rc, offset: nil) }
    }

    public func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool {
        guard !isReadOnly else { throw .readOnly }
        guard !pages.isEmpty else { return true }
        let offset = UInt64(pages.lowerBound) << 16, length = UInt64(pages.count) << 16
        if isBlockDevice {
            // BLKDISCARD does not promise that discarded sectors read as zeros.
            let rc = ardaku_block_device_discard(descriptor.rawValue, offset, length)
            guard rc == 0 || rc == -EOPNOTSUPP || rc == -ENOTTY || rc == -EINVAL else {
                throw .system(operation: "ioctl BLKDISCARD \(path)", errno: -rc, offset: offset)
            }
            return false
        }
        let rc = ardaku_punch_hole(descriptor.rawValue, Int64(offset), Int64(length))
        if rc == -EOPNOTSUPP { return false }
        guard rc == 0 else { throw .system(operation: "fallocate PUNCH_HOLE \(path)", errno: -rc, offset: offset) }
        return true
    }
}
