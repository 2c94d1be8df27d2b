import ArdakuFormat
import ArdakuVolume
import CArdakuSys
import Glibc
import SystemPackage

/// A host file as a byte store: a standalone ZEST or CAS volume.
public final class HostFileByteStore: ByteStore {
    public let path: String
    public let descriptor: FileDescriptor
    public let isReadOnly: Bool
    public private(set) var length: UInt64
    /// Shared for a read-only store, exclusive for a writable one; held while the store lives.
    public let lock: VolumeLock

    /// Opens `path` and locks it (`VolumeLock`: shared when read-only, exclusive when
    /// writable); with `create`, makes it (empty) when it does not exist.
    public init(path: String, readOnly: Bool, create: Bool = false) throws(StoreError) {
        self.path = path
        isReadOnly = readOnly
        let info: PathInfo
        (descriptor, lock, info) = try SystemCalls.openVolumeFile(path, writable: !readOnly, create: create)
        length = info.size
    }

    deinit { try? descriptor.close() }

    /// pread keeps no file position: threads may read at once.
    public var allowsConcurrentReads: Bool { true }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        var done = 0
        while done < buffer.count {
            let count: Int
            do {
                count = try descriptor.read(fromAbsoluteOffset: Int64(offset) + Int64(done),
                                            into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            } catch { throw SystemCalls.storeError("read \(path)", error, offset: offset + UInt64(done)) }
            guard count > 0 else { throw .outOfRange(offset: offset + UInt64(done), count: UInt64(buffer.count - done), size: length) }
            done += count
        }
    }

    public func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        let (end, overflow) = offset.addingReportingOverflow(UInt64(bytes.count))
        guard !overflow, end <= UInt64(Int64.max) else { throw .outOfRange(offset: offset, count: UInt64(bytes.count), size: length) }
        do { _ = try descriptor.writeAll(toAbsoluteOffset: Int64(offset), bytes) }
        catch { throw SystemCalls.storeError("write \(path)", error, offset: offset) }
        length = max(length, end)
    }

    public func setLength(_ newLength: UInt64) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        guard newLength <= UInt64(Int64.max) else { throw .outOfRange(offset: newLength, count: 0, size: length) }
        do { try descriptor.resize(to: Int64(newLength), retryOnInterrupt: true) }
        catch { throw SystemCalls.storeError("ftruncate \(path)", error, offset: newLength) }
        length = newLength
    }

    public func flush() throws(StoreError) {
        guard !isReadOnly else { return }
        let rc = ardaku_fdatasync(descriptor.rawValue)
        guard rc == 0 else { throw .system(operation: "fdatasync \(path)", errno: -rc, offset: nil) }
    }
}

/// A host file's content, read one page at a time with pread (for `put`, `mkfs -d`): a
/// `RegularSourceFile`, so a FIFO cannot block the open, nothing but a regular file is read,
/// and a symbolic link (named, or swapped in after a walk) is never followed.
public final class HostFileSource: ContentSource {
    public let path: String
    private let file: RegularSourceFile
    public var byteLength: UInt64 { file.size }

    public init(path: String) throws(VolumeError) {
        self.path = path
        do throws(SourceFileError) { file = try RegularSourceFile(path: path) }
        catch { throw .source(error.description) }
    }

    /// Where the next data starts, from the last SEEK_DATA: ranges before it are holes.
    private var knownHoleEnd: (start: UInt64, end: UInt64)?

    public func isZeroRange(at offset: UInt64, count: Int) -> Bool {
        let end = offset + UInt64(count)
        if let known = knownHoleEnd, offset >= known.start, end <= known.end { return true }
        let nextData = ardaku_seek_data(file.descriptor.rawValue, Int64(offset))
        let holeEnd: UInt64
        if nextData == -Int64(ENXIO) { holeEnd = byteLength }
        else if nextData >= 0 { holeEnd = UInt64(nextData) }
        else { return false }
        knownHoleEnd = (offset, holeEnd)
        return end <= holeEnd
    }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) {
        do throws(SourceFileError) { try file.read(at: offset, into: buffer) } catch {
            throw .source(error.description)
        }
    }
}

/// Standard input as the content of a `put` (`ardaku put IMAGE - NAME`): read once, a page
/// at a time, to its end, whose length nobody knows before (`Volume.put(_:streaming:)`).
///
/// Input longer than `limit` is refused once the limit is passed (nothing more is read):
/// `put` gives the volume's free space, so that an endless stream of zeros, which would
/// only make holes, cannot keep the command reading until the 1 TiB file limit.
public final class StandardInputSource: ContentStream {
    public let limit: UInt64
    private var consumed: UInt64 = 0

    public init(limit: UInt64) { self.limit = limit }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) -> Int {
        let count: Int
        do throws(Errno) { count = try StandardInput.fill(buffer) } catch {
            throw .source("standard input: \(SystemCalls.describe(error))")
        }
        consumed += UInt64(count)
        guard consumed <= limit else {
            throw .source("standard input: longer than the volume's free space (\(limit) bytes); nothing was stored")
        }
        return count
    }
}
