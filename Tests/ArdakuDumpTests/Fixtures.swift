import ArdakuDump
import ArdakuFormat
import ArdakuVolume
import Foundation
import TestSupport

/// Content of a sparse file: zeros, except a pattern in a few pages.
struct SparseSource: ContentSource {
    let byteLength: UInt64
    /// Page ordinals holding the pattern.
    let filledPages: Set<UInt64>

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) {
        // Volume.put reads one page at a time: most calls are one page of zeros.
        let first = offset >> 16, last = (offset + UInt64(max(buffer.count, 1)) - 1) >> 16
        guard (first...last).contains(where: { filledPages.contains($0) }) else {
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return
        }
        for index in 0..<buffer.count {
            let position = offset + UInt64(index)
            buffer[index] = filledPages.contains(position >> 16) ? UInt8(truncatingIfNeeded: position &* 31 &+ 7) : 0
        }
    }
}

enum Fixtures {
    /// The small fixed volume the golden outputs are taken from: 64 pages, label "golden",
    /// the test UUID and clock, and
    /// - `/c`: empty;
    /// - `/docs/a.txt`: "hello\n", tags 7 and 0xdeadbeef;
    /// - `/docs/b.bin`: 200,000 seeded random bytes (4 data pages);
    /// - `/nested.zest`: 100 bytes of type `zest`;
    /// - `/sparse`: 2,100 pages long, data in pages 1 and 2,099 only, so its page list
    ///   needs an extension page;
    /// - a deleted `/gone`, whose tombstone stays in a record subpage.
    static func goldenVolume() throws -> [UInt8] {
        let (store, volume) = try TestVolumes.make(pages: 64, label: "golden")
        var options = PutOptions()
        options.tags = [7, 0xDEAD_BEEF]
        try volume.put(TestVolumes.name("/docs/a.txt"), bytes: Array("hello\n".utf8), options: options)
        var generator = SeededGenerator(seed: 1)
        try volume.put(TestVolumes.name("/docs/b.bin"), bytes: generator.bytes(200_000))
        try volume.put(TestVolumes.name("/c"), bytes: [])
        try volume.put(TestVolumes.name("/gone"), bytes: Array("bye".utf8))
        var zest = PutOptions()
        zest.type = .zest
        try volume.put(TestVolumes.name("/nested.zest"), bytes: Array(repeating: 0x5A, count: 100), options: zest)
        try volume.put(TestVolumes.name("/sparse"), from: SparseSource(byteLength: 2_100 << 16, filledPages: [1, 2_099]))
        try volume.remove(TestVolumes.name("/gone"))
        return store.snapshot()
    }

    /// The golden volume, built once.
    static let golden: [UInt8] = {
        do { return try goldenVolume() } catch { fatalError("cannot build the golden volume: \(error)") }
    }()

    /// Writes `bytes` to a new file under the temporary directory and returns its path.
    static func writeTemporary(_ bytes: [UInt8], name: String) throws -> String {
        // One directory per checkout: reruns overwrite their files instead of piling up, and
        // two checkouts testing at once do not share files.
        let checkout = #filePath.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ardaku-dump-tests-\(String(checkout, radix: 16))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Text of `view` over `bytes`.
    static func render(_ view: DumpView, _ bytes: [UInt8], json: Bool = false, name: String = "golden.img") throws -> String {
        let dump = StructureDump(image: ImageBytes(copying: bytes), name: name)
        return try OutputBuffer.render { try dump.render(view, json: json, to: $0) }
    }
}
