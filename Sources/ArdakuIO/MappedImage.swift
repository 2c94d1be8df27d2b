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
///
/// The device is mapped lazily in windows of 64 GiB rather than in one piece: a position-
/// independent executable does not always have 64 TiB of contiguous address space free,
/// and windows keep the number of mappings (at most 1,024) far below vm.max_map_count.
/// Windows stay mapped until the store goes away, so every buffer `read` returns stays valid.
/// `read`, `bytes` and the hints come from one thread at a time (they map windows and keep
/// the last one); `copy` may come from several at once.
public final class MappedImage: PageStore {
    public let path: String
    public let descriptor: FileDescriptor
    public let isReadOnly: Bool
    /// Shared for a read-only store, exclusive for a writable one; held while the store lives.
    public let lock: VolumeLock
    public let isBlockDevice: Bool
    /// Size of the file or device in bytes.
    public let byteCount: UInt64
    public let pageCount: UInt32
    /// Bytes of the device that pages cover (whole pages only).
    private let mappableBytes: UInt64
    private static let windowShift: UInt64 = 36
    private var windows: [UInt64: UnsafeRawBufferPointer] = [:]
    /// The window used last, looked at before the dictionary: images under 64 GiB have one
    /// window, and hashing its number for every read cost ~5% of a metadata check.
    private var lastWindowNumber = UInt64.max
    private var lastWindow = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Mappings made for `bytes(at:count:)` ranges that cross a window boundary.
    private var extraMappings: [UnsafeRawBufferPointer] = []

    public enum Mode: Sendable { case readOnly, readWrite }

    /// Who decides what is read ahead of a page fault.
    public enum ReadAhead: Sendable {
        /// The kernel's readahead around each fault: right for reading files through the
        /// volume, which mostly runs through contiguous pages.
        case kernel
        /// Follows the reader's hints: while it `expect`s `.scattered` reads (the initial
        /// state), only what `willRead` names is read ahead (`MADV_RANDOM` on the mapping,
        /// `MADV_WILLNEED` per hint); while it expects `.streaming`, the kernel's readahead.
        /// For the checker, whose metadata passes touch a few bytes of pages all over the
        /// device: readahead around those filled the holes of a sparse image with zero pages
        /// (1.7 GB of page cache for a 359 MB image, seconds when cold).
        case hinted
    }

    public let readAhead: ReadAhead
    /// The pattern the reader announced last (`.hinted` stores only).
    private var pattern: ReadPattern = .scattered
    /// Takes the page faults of hinted reads on another core when the pages are already in
    /// memory (`.hinted` stores, machines with two CPUs or more; nil otherwise).
    private var prefetcher: OpaquePointer?

    /// A gap between two hinted ranges up to this many bytes is fetched with them: one
    /// request costs more than reading a few KiB more.
    static let hintGapBytes: UInt64 = 32 << 10

    /// madvise wants ranges that start on a page of the system (4 KiB here, 64 KiB on some).
    static let systemPageSize = UInt64(max(4096, sysconf(Int32(_SC_PAGESIZE))))

    /// Opens `path` (which must exist), locks it (`VolumeLock`: shared when read-only,
    /// exclusive when writable) and maps it.
    public init(path: String, mode: Mode, readAhead: ReadAhead = .kernel) throws(StoreError) {
        self.path = path
        self.readAhead = readAhead
        isReadOnly = mode == .readOnly
        let info: PathInfo
        (descriptor, lock, info) = try SystemCalls.openVolumeFile(path, writable: mode != .readOnly)
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
        mappableBytes = UInt64(pageCount) << 16
        if readAhead == .hinted { prefetcher = ardaku_prefetcher_start() }
    }

    deinit {
        // The prefetcher's threads read through the mappings: they must stop before those go.
        ardaku_prefetcher_stop(prefetcher)
        for mapping in allMappings {
            guard let base = mapping.baseAddress else { continue }
            ardaku_mapping_unregister(base)
            munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
        }
        try? descriptor.close()
    }

    /// Every mapping made so far: the windows and the ranges that crossed a window boundary.
    private var allMappings: [UnsafeRawBufferPointer] { Array(windows.values) + extraMappings }

    /// Maps `count` bytes from `offset` (a multiple of the system page size).
    private func map(offset: UInt64, count: Int) throws(StoreError) -> UnsafeRawBufferPointer {
        guard let base = mmap(nil, count, PROT_READ, MAP_SHARED, descriptor.rawValue, off_t(offset)), base != MAP_FAILED else {
            throw .system(operation: "mmap \(path)", errno: errno, offset: offset)
        }
        if readAhead == .hinted { _ = madvise(base, count, Self.advice(pattern)) }
        // An I/O error under the mapping is a SIGBUS; registered, it becomes a one-line
        // error naming the image and the byte (SystemCalls.reportMappingErrors).
        _ = path.withCString { ardaku_mapping_register(base, count, offset, $0) }
        return UnsafeRawBufferPointer(start: base, count: count)
    }

    private static func advice(_ pattern: ReadPattern) -> Int32 {
        switch pattern {
        case .scattered: return MADV_RANDOM
        case .streaming: return MADV_NORMAL
        }
    }

    /// Switches the read-ahead of every mapping (`.hinted` stores only).
    public func expect(_ pattern: ReadPattern) {
        guard readAhead == .hinted, pattern != self.pattern else { return }
        self.pattern = pattern
        for mapping in allMappings {
            if let base = mapping.baseAddress { _ = madvise(UnsafeMutableRawPointer(mutating: base), mapping.count, Self.advice(pattern)) }
        }
    }

    /// Fetches `ranges` ahead (`MADV_WILLNEED`), merged into as few runs as the gaps allow,
    /// when the store was opened with `.hinted`; otherwise the kernel's readahead decides.
    public func willRead(_ ranges: [Range<UInt64>]) {
        guard readAhead == .hinted, !ranges.isEmpty else { return }
        let systemPage = Self.systemPageSize
        var sorted = ranges
        if !zip(sorted, sorted.dropFirst()).allSatisfy({ $0.lowerBound <= $1.lowerBound }) {
            sorted.sort { $0.lowerBound < $1.lowerBound }
        }
        var runs: [Range<UInt64>] = []
        for range in sorted where !range.isEmpty && range.lowerBound < mappableBytes {
            let start = range.lowerBound & ~(systemPage - 1)
            let end = min(mappableBytes, (min(range.upperBound, mappableBytes) + systemPage - 1) & ~(systemPage - 1))
            if let last = runs.last, start <= last.upperBound + Self.hintGapBytes {
                runs[runs.count - 1] = last.lowerBound..<max(last.upperBound, end)
            } else {
                runs.append(start..<end)
            }
        }
        // Warm (the usual case for a repeated check) every hint would be a wasted system call
        // per run: when a sample of the runs is already in memory, the reads will not wait,
        // but each first read of a page still costs a page fault. The prefetcher takes those
        // on another core, going from the last range to the first while the reader goes the
        // other way (the ranges' order is the reader's; a sorted copy only finds the runs).
        if runs.count > Self.residencySamples, allResident(samplingStartsOf: runs) {
            prefetch(ranges)
            return
        }
        for run in runs {
            var offset = run.lowerBound
            while offset < run.upperBound {
                // A hint: a window that cannot be mapped is left to the read that needs it.
                guard let (start, bytes) = try? window(containing: offset) else { return }
                let end = min(run.upperBound, start + UInt64(bytes.count))
                if let base = bytes.baseAddress {
                    _ = madvise(UnsafeMutableRawPointer(mutating: base + Int(offset - start)), Int(end - offset), MADV_WILLNEED)
                }
                offset = end
            }
        }
    }

    /// Has the prefetcher unmap the pages of `ranges` (`MADV_DONTNEED`: they stay in the
    /// page cache) while the reader goes on: unmapping ~20,000 record pages at the end of a
    /// check cost it 2-3 ms. Only with a prefetcher, which also orders each drop after the
    /// touching handed over before it.
    public func doneReading(_ ranges: [Range<UInt64>]) {
        guard let prefetcher else { return }
        let systemPage = Self.systemPageSize
        for range in ranges where !range.isEmpty && range.lowerBound < mappableBytes {
            var offset = range.lowerBound & ~(systemPage - 1)
            let end = min(mappableBytes, (min(range.upperBound, mappableBytes) + systemPage - 1) & ~(systemPage - 1))
            while offset < end {
                guard let (start, bytes) = try? window(containing: offset), let base = bytes.baseAddress else { return }
                let stop = min(end, start + UInt64(bytes.count))
                ardaku_prefetcher_drop(prefetcher, base + Int(offset - start), Int(stop - offset))
                offset = stop
            }
        }
    }

    /// Hands the first byte of each range to the prefetcher, in the reader's order.
    private func prefetch(_ ranges: [Range<UInt64>]) {
        guard let prefetcher else { return }
        var addresses: [UInt] = []
        addresses.reserveCapacity(ranges.count)
        for range in ranges where !range.isEmpty && range.lowerBound < mappableBytes {
            guard let (start, bytes) = try? window(containing: range.lowerBound), let base = bytes.baseAddress else { return }
            addresses.append(UInt(bitPattern: base + Int(range.lowerBound - start)))
        }
        addresses.withUnsafeBufferPointer { ardaku_prefetcher_touch(prefetcher, $0.baseAddress, $0.count) }
    }

    /// Runs of a hint whose first page `willRead` checks with `mincore` before advising.
    static let residencySamples = 8

    /// True when the first system page of each of `residencySamples` runs, spread over
    /// `runs`, is in memory.
    private func allResident(samplingStartsOf runs: [Range<UInt64>]) -> Bool {
        var vector: UInt8 = 0
        for sample in 0..<Self.residencySamples {
            let offset = runs[sample * runs.count / Self.residencySamples].lowerBound
            guard let (start, bytes) = try? window(containing: offset), let base = bytes.baseAddress,
                  mincore(UnsafeMutableRawPointer(mutating: base + Int(offset - start)), Int(Self.systemPageSize), &vector) == 0,
                  vector & 1 == 1 else { return false }
        }
        return true
    }

    /// The window holding byte `offset`, mapped on first use.
    private func window(containing offset: UInt64) throws(StoreError) -> (start: UInt64, bytes: UnsafeRawBufferPointer) {
        let number = offset >> Self.windowShift
        let start = number << Self.windowShift
        if number == lastWindowNumber { return (start, lastWindow) }
        let mapped: UnsafeRawBufferPointer
        if let existing = windows[number] {
            mapped = existing
        } else {
            let length = Int(min(UInt64(1) << Self.windowShift, mappableBytes - start))
            mapped = try map(offset: start, count: length)
            windows[number] = mapped
        }
        lastWindowNumber = number
        lastWindow = mapped
        return (start, mapped)
    }

    public func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer {
        guard page.rawValue < pageCount else {
            throw .outOfRange(offset: page.firstByte.rawValue, count: UInt64(Geometry.pageSize), size: byteCount)
        }
        let (start, bytes) = try window(containing: page.firstByte.rawValue)
        let inWindow = Int(page.firstByte.rawValue - start)
        return UnsafeRawBufferPointer(rebasing: bytes[inWindow..<(inWindow + Geometry.pageSize)])
    }

    /// The first `buffer.count` bytes of `page`, read with `pread`: a small read costs about
    /// half of a page fault plus the unmapping of its page table entries at exit.
    public func copy(_ page: PageIndex, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        guard page.rawValue < pageCount, buffer.count <= Geometry.pageSize else {
            throw .outOfRange(offset: page.firstByte.rawValue, count: UInt64(buffer.count), size: byteCount)
        }
        var done = 0
        while done < buffer.count {
            let position = Int64(page.firstByte.rawValue) + Int64(done)
            let count: Int
            do {
                count = try descriptor.read(fromAbsoluteOffset: position, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            } catch { throw SystemCalls.storeError("read \(path)", error, offset: UInt64(position)) }
            guard count > 0 else {
                throw .outOfRange(offset: UInt64(position), count: UInt64(buffer.count - done), size: byteCount)
            }
            done += count
        }
    }

    /// The mapped bytes `offset ..< offset + count`, for views that cross pages (dumpfs).
    /// Valid while the store is alive.
    public func bytes(at offset: UInt64, count: Int) throws(StoreError) -> UnsafeRawBufferPointer {
        guard count >= 0, offset <= mappableBytes, UInt64(count) <= mappableBytes - offset else {
            throw .outOfRange(offset: offset, count: UInt64(max(count, 0)), size: mappableBytes)
        }
        guard count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let (start, bytes) = try window(containing: offset)
        let inWindow = Int(offset - start)
        if inWindow + count <= bytes.count {
            return UnsafeRawBufferPointer(rebasing: bytes[inWindow..<(inWindow + count)])
        }
        // The range crosses a window boundary: map it by itself, from a page boundary.
        let aligned = offset & ~UInt64(Geometry.pageSize - 1)
        let mapped = try map(offset: aligned, count: Int(offset - aligned) + count)
        extraMappings.append(mapped)
        return UnsafeRawBufferPointer(rebasing: mapped[Int(offset - aligned)...])
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
