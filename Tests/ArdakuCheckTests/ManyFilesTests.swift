import Testing
@testable import ArdakuCheck
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Glibc
import TestSupport

/// Pass 2 follows names to records in batches of 4096, two batches held at a time (one
/// hinted to the store while the one before is checked). Volumes of a few files live in
/// one batch; these cross three.
@Suite("Many files: pass 2 across batches")
struct ManyFilesTests {
    static let fileCount = 2 * 4096 + 700

    /// A volume of `fileCount` empty files in seven directories, and each file's subpage.
    static func volume() throws -> (MemoryPageStore, [String: UInt32]) {
        let (store, volume) = try TestVolumes.make(pages: UInt32(fileCount / 4 + 1000))
        var subpages: [String: UInt32] = [:]
        // Committed a thousand files at a time: one transaction copies every trie page it
        // changes, and the old copies are free again only after its commit.
        for first in stride(from: 0, to: fileCount, by: 1000) {
            try volume.batch { () throws(VolumeError) in
                for index in first..<min(fileCount, first + 1000) {
                    let name = "/d\(index % 7)/f\(index)"
                    subpages[name] = try volume.put(TestVolumes.name(name), bytes: []).subpage.rawValue
                }
            }
        }
        try volume.close()
        return (store, subpages)
    }

    @Test("a clean volume is clean, every file counted")
    func cleanAcrossBatches() throws {
        let (store, _) = try Self.volume()
        let report = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        #expect(report.findings.isEmpty, "\(report.findings.map(\.description).prefix(5))")
        #expect(report.summary.files == UInt64(Self.fileCount))
        #expect(report.exitStatus == .clean)
    }

    @Test("on a mapped image file read with hints, where pages are prefetched and dropped, the same")
    func mappedImageAcrossBatches() throws {
        let (store, subpages) = try Self.volume()
        let damaged = try #require(subpages["/d4/f4"])
        let page = PageIndex(damaged >> 2), offset = Int(damaged & 3) * Geometry.subpageSize + 4
        let old = try store.read(page)[offset]
        try [old ^ 0xFF].withUnsafeBytes { try store.write($0, to: page, at: PageOffset(UInt32(offset))) }
        let path = "/tmp/ardaku-many-files-\(getpid()).img"
        let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o644)
        #expect(fd >= 0)
        defer { unlink(path) }
        #expect(ftruncate(fd, off_t(Int(store.pageCount) * Geometry.pageSize)) == 0)
        for index in 0..<store.pageCount {
            let bytes = try store.read(PageIndex(index))
            guard !Zeros.isAllZero(bytes) else { continue }   // sparse, as mkfs writes
            #expect(pwrite(fd, bytes.baseAddress, bytes.count, off_t(Int(index) * Geometry.pageSize)) == bytes.count)
        }
        close(fd)
        for _ in 0..<2 {   // cold-ish (just written), then warm
            let image = try MappedImage(path: path, mode: .readOnly, readAhead: .hinted)
            let report = Checker(store: image, options: CheckOptions(repair: .none, force: true)).run()
            #expect(report.findings.map { $0.finding.context.subpage } == [damaged], "\(report.findings.map(\.description))")
            #expect(report.summary.files == UInt64(Self.fileCount))
        }
    }

    @Test("damage in the first, a middle and the last batch is found, repaired, and gone")
    func damageInEveryBatch() throws {
        let (store, subpages) = try Self.volume()
        // Names are followed in trie (byte) order, ~1,270 per directory: the first name of the
        // first batch, one in the second, and the very last name.
        let last = try #require(subpages.keys.max())
        let names = ["/d0/f0", "/d4/f4", last]
        var damaged: Set<UInt32> = []
        for name in names {
            let subpage = try #require(subpages[name], "\(name)")
            damaged.insert(subpage)
            let page = PageIndex(subpage >> 2)
            let offset = Int(subpage & 3) * Geometry.subpageSize + 4   // the record's checksum
            let old = try store.read(page)[offset]
            try [old ^ 0xFF].withUnsafeBytes { try store.write($0, to: page, at: PageOffset(UInt32(offset))) }
        }
        let check = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        // One byte of each record's checksum: proven by the record's own CRC-32 (A2025).
        let found = Set(check.findings.filter { $0.finding.kind.code == ArdakuFindings.recordByteRepaired.code }
            .compactMap { $0.finding.context.subpage })
        #expect(found == damaged)
        #expect(check.findings.count == damaged.count, "\(check.findings.map(\.description))")
        let repair = Checker(store: store, options: CheckOptions(repair: .all, force: true)).run()
        #expect(repair.exitStatus == .errorsCorrected)
        let second = Checker(store: store, options: CheckOptions(repair: .none, force: true)).run()
        #expect(second.findings.isEmpty, "\(second.findings.map(\.description).prefix(5))")
        #expect(second.summary.files == UInt64(Self.fileCount))
    }
}

@Suite("Pass 2's runs of pages read")
struct PageRunsTests {
    static func batch(_ subpages: [UInt32]) -> [TrieWalk.PendingValue] {
        subpages.map { TrieWalk.PendingValue(subpage: $0, nameStart: 0, nameLength: 1, filesUnderSlash: false) }
    }

    @Test("record pages merge across small gaps, never over a page the next batch reads")
    func runs() {
        // Pages 10, 10, 11, 13 | 20 | 30, 31; the next batch reads pages 12 and 25, and 31.
        let batch = Self.batch([40, 41, 44, 52, 80, 120, 124, 125])
        let next = Self.batch([48, 100, 126])
        #expect(TrieWalk.pageRuns(of: batch, sparing: next) == [10..<12, 13..<14, 20..<21, 30..<31])
        #expect(TrieWalk.pageRuns(of: batch, sparing: []) == [10..<14, 20..<21, 30..<32])
        #expect(TrieWalk.pageRuns(of: [], sparing: next).isEmpty)
        // Every page spared: nothing to drop.
        #expect(TrieWalk.pageRuns(of: Self.batch([48, 49]), sparing: next).isEmpty)
    }

    @Test("a batch scattered over more runs than allowed is cut short, to be skipped")
    func scattered() {
        let batch = Self.batch((0..<UInt32(200)).map { $0 * 4 * 100 })
        let runs = TrieWalk.pageRuns(of: batch, sparing: [])
        #expect(runs.count == TrieWalk.maxDoneRuns + 1)
    }
}
