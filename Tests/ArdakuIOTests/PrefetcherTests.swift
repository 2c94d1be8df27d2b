import ArdakuFormat
import ArdakuIO
import CArdakuSys
import Foundation
import Glibc
import Testing

/// 4 KiB pages of the mapping that starts at `base` that are mapped in this process (its
/// `Rss` in /proc/self/smaps): other tests running alongside do not move it.
private func residentPages(ofMappingAt base: UnsafeRawPointer) -> Int {
    // procfs files report a size of 0: read until the end, not by the size.
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return -1 }
    defer { try? handle.close() }
    let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    let start = String(UInt(bitPattern: base), radix: 16)
    var inMapping = false
    for line in text.split(separator: "\n") {
        if let dash = line.firstIndex(of: "-"), !line.hasPrefix("Rss"), line.first?.isHexDigit == true,
           line[..<dash].allSatisfy(\.isHexDigit) {
            inMapping = line[..<dash].drop { $0 == "0" } == start.drop { $0 == "0" }
        } else if inMapping, line.hasPrefix("Rss:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1) / 4
        }
    }
    return -1
}

private func usableCPUs() -> Int {
    Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}

/// A file of `bytes` written now (so in the page cache), removed when the test ends.
private func withWarmFile<R>(bytes: Int, _ body: (String, [UInt8]) throws -> R) throws -> R {
    let path = NSTemporaryDirectory() + "ardaku-prefetch-\(getpid())-\(UUID().uuidString)"
    let content: [UInt8] = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 12) }
    try Data(content).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    return try body(path, content)
}

/// `withWarmFile`, mapped shared and read-only for the body, unmapped after it.
private func withWarmMapping<R>(bytes: Int, _ body: (UnsafeMutableRawPointer, [UInt8]) throws -> R) throws -> R {
    try withWarmFile(bytes: bytes) { path, content in
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        let base = try #require(mmap(nil, bytes, PROT_READ, MAP_SHARED, fd, 0))
        #expect(base != MAP_FAILED)
        defer { munmap(base, bytes) }
        return try body(base, content)
    }
}

@Suite("Prefetcher")
struct PrefetcherTests {
    @Test("runs only where there is a second CPU")
    func startsWithTwoCPUs() {
        let prefetcher = ardaku_prefetcher_start()
        defer { ardaku_prefetcher_stop(prefetcher) }
        // sched_getaffinity decides; with no affinity mask set here it matches the online CPUs.
        #expect((prefetcher != nil) == (usableCPUs() >= 2))
    }

    @Test("maps the pages it is given into the process")
    func touchesWhatItIsGiven() throws {
        guard usableCPUs() >= 2 else {
            #expect(ardaku_prefetcher_start() == nil, "one CPU: no prefetcher, nothing to touch")
            return
        }
        let pageCount = 256   // 16 MiB in 64 KiB pages
        try withWarmMapping(bytes: pageCount << 16) { base, _ in
            #expect(residentPages(ofMappingAt: base) == 0)
            let prefetcher = try #require(ardaku_prefetcher_start())
            var addresses = (0..<pageCount).map { UInt(bitPattern: base + ($0 << 16)) }
            addresses.withUnsafeBufferPointer { ardaku_prefetcher_touch(prefetcher, $0.baseAddress, $0.count) }
            addresses.removeAll()   // the prefetcher copied them
            // Each touch maps at least its own 4 KiB page; wait for all of them.
            let deadline = ContinuousClock.now + .seconds(20)
            while residentPages(ofMappingAt: base) < pageCount, ContinuousClock.now < deadline { usleep(1_000) }
            #expect(residentPages(ofMappingAt: base) >= pageCount)
            ardaku_prefetcher_stop(prefetcher)
        }
    }

    @Test("stop returns at once while long lists are left")
    func replacesAndStops() throws {
        guard let prefetcher = ardaku_prefetcher_start() else {
            #expect(usableCPUs() < 2)
            return
        }
        try withWarmMapping(bytes: 1 << 20) { base, _ in
            // Ten million touches of one mapped page: seconds of work if nothing stopped it.
            let long = [UInt](repeating: UInt(bitPattern: base), count: 10_000_000)
            for _ in 0..<3 { long.withUnsafeBufferPointer { ardaku_prefetcher_touch(prefetcher, $0.baseAddress, $0.count) } }
            ardaku_prefetcher_touch(prefetcher, nil, 0)   // nothing to hand over: ignored
            let started = ContinuousClock.now
            ardaku_prefetcher_stop(prefetcher)
            // Once stop returns nothing reads the mapping, so it may go at once (on return).
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}

@Suite("Dropping pages read")
struct DropTests {
    @Test("the prefetcher unmaps a dropped range and the pages read the same afterwards")
    func dropUnmapsAndReadsStayTheSame() throws {
        guard let prefetcher = ardaku_prefetcher_start() else {
            #expect(usableCPUs() < 2)
            return
        }
        let pageCount = 256
        try withWarmMapping(bytes: pageCount << 16) { base, content in
            let length = pageCount << 16
            let bytes = UnsafeRawBufferPointer(start: base, count: length)
            // Read one byte of every 4 KiB page, so that every page is mapped.
            let firstBytes = stride(from: 0, to: length, by: 4096).map { bytes[$0] }
            #expect(firstBytes == stride(from: 0, to: length, by: 4096).map { content[$0] })
            #expect(residentPages(ofMappingAt: base) == pageCount * 16)
            ardaku_prefetcher_drop(prefetcher, base, length)
            let deadline = ContinuousClock.now + .seconds(20)
            while residentPages(ofMappingAt: base) != 0, ContinuousClock.now < deadline { usleep(1_000) }
            #expect(residentPages(ofMappingAt: base) == 0)
            #expect(Array(bytes) == content)
            ardaku_prefetcher_stop(prefetcher)
        }
    }

    @Test("a hinted store reads the same with its pages warm, touched and dropped, and may go while they are")
    func warmHintsAndDropsKeepReads() throws {
        let pageCount = 64
        try withWarmFile(bytes: pageCount << 16) { path, content in
            for round in 0..<20 {
                let image = try MappedImage(path: path, mode: .readOnly, readAhead: .hinted)
                // More runs than the residency sample, all in memory: the prefetcher's path.
                image.willRead((0..<pageCount).reversed().map { UInt64($0) << 16..<(UInt64($0) << 16 + 4096) })
                if round % 2 == 1 {
                    for page in 0..<pageCount { _ = try image.read(PageIndex(UInt32(page)))[100] }
                    image.doneReading([0..<(UInt64(pageCount) << 16), 5..<7, 70_000..<70_001, (UInt64(pageCount) << 16)..<UInt64.max])
                }
                if round % 4 < 2 {
                    for page in stride(from: 0, to: pageCount, by: 5) {
                        #expect(Array(try image.read(PageIndex(UInt32(page)))) == Array(content[(page << 16)..<((page + 1) << 16)]), "page \(page)")
                    }
                }
            }   // each image goes with its pages perhaps still being touched or dropped
        }
    }
}
