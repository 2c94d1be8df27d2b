import ArdakuFormat
import ArdakuDump
import Foundation
import Testing
import TestSupport

/// `dumpfs` raw hex against the real `hexdump -C` (util-linux, bsdextrautils), byte for byte.
@Suite struct HexIdentityTests {
    /// 8 KiB + 13 bytes: random bytes, zero runs, runs of one repeated non-zero line, text
    /// with every byte value, and a zero run at the very end (squeezing up to the last line).
    static let sample: [UInt8] = {
        var generator = SeededGenerator(seed: 42)
        var bytes: [UInt8] = []
        bytes += generator.bytes(300)                         // random, unaligned end
        bytes += [UInt8](repeating: 0, count: 700)            // zero run
        let line = generator.bytes(16)
        for _ in 0..<40 { bytes += line }                     // a repeated non-zero line
        bytes += Array("The quick brown fox jumps over the lazy dog.\n".utf8)
        bytes += (0...255).map { UInt8($0) }                  // every byte value
        bytes += (0...255).map { UInt8(255 - $0) }
        bytes += generator.bytes(1000)
        for _ in 0..<3 { bytes += line; bytes += [UInt8](repeating: 0, count: 64) }   // alternating runs
        while bytes.count < 8192 { bytes += generator.bytes(17) + [UInt8](repeating: 0xAA, count: 40) }
        bytes = Array(bytes.prefix(8192))
        bytes += [UInt8](repeating: 0, count: 13)             // ends inside a zero run
        return bytes
    }()

    static let path: String = {
        do { return try Fixtures.writeTemporary(sample, name: "hex-sample.bin") }
        catch { fatalError("cannot write the hex sample: \(error)") }
    }()

    /// (offset, length) pairs: empty, 1 byte, 15/16/17, unaligned starts, squeezing runs,
    /// runs at the end, the whole file.
    static let ranges: [(Int, Int)] = {
        let size = sample.count
        var ranges: [(Int, Int)] = [(0, 0), (5, 0), (0, 1), (7, 1), (0, 15), (0, 16), (0, 17), (1, 15), (1, 16), (1, 17),
                                    (3, 33), (300, 700), (296, 720), (301, 699), (300, 699), (300, 701), (1000, 640),
                                    (1000, 641), (999, 642), (1008, 632), (size - 13, 13), (size - 16, 16), (size - 64, 64),
                                    (size - 77, 77), (size - 1, 1), (0, size), (1, size - 1), (8000, size - 8000)]
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<40 {
            let start = Int(generator.next() % UInt64(size))
            let length = Int(generator.next() % UInt64(size - start + 1))
            ranges.append((start, length))
        }
        return ranges
    }()

    private func ours(_ offset: Int, _ length: Int, all: Bool) throws -> [UInt8] {
        let image = ImageBytes(copying: Self.sample)
        return try OutputBuffer.renderBytes { output in
            try CanonicalHexDump.write(image.bytes(at: UInt64(offset), count: length)!, startOffset: UInt64(offset),
                                       showAllLines: all, to: output)
        }
    }

    @Test(arguments: [false, true])
    func matchesHexdumpOverManyRanges(showAllLines: Bool) throws {
        for (offset, length) in Self.ranges {
            var arguments = ["-C"]
            if showAllLines { arguments.append("-v") }
            arguments += ["-s", "\(offset)", "-n", "\(length)", Self.path]
            let reference = try Run.hexdump(arguments)
            try #require(reference.status == 0)
            let mine = try ours(offset, length, all: showAllLines)
            #expect(mine == Array(reference.stdout), "range \(offset):\(length) -v \(showAllLines)\n--- dumpfs\n\(String(decoding: mine, as: UTF8.self))\n--- hexdump\n\(reference.text)")
        }
    }

    @Test func squeezesRunsAndKeepsThePartialLastLine() throws {
        let zeros = [UInt8](repeating: 0, count: 40)
        let text = try OutputBuffer.render { output in
            try zeros.withUnsafeBytes { try CanonicalHexDump.write($0, startOffset: 0, showAllLines: false, to: output) }
        }
        #expect(text == """
            00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
            *
            00000020  00 00 00 00 00 00 00 00                           |........|
            00000028

            """)
    }

    @Test func emptyRangePrintsNothing() throws {
        let text = try OutputBuffer.render { output in
            try CanonicalHexDump.write(UnsafeRawBufferPointer(start: nil, count: 0), startOffset: 99, showAllLines: false, to: output)
        }
        #expect(text.isEmpty)
    }

    @Test func offsetsPast4GiBWidenLikeHexdump() throws {
        let bytes = Array("hello".utf8) + [UInt8](repeating: 0, count: 43)
        let text = try OutputBuffer.render { output in
            try bytes.withUnsafeBytes { try CanonicalHexDump.write($0, startOffset: 0x1_2345_6789, showAllLines: false, to: output) }
        }
        // What `hexdump -C -s 0x123456789 -n 48` prints for these bytes.
        #expect(text == """
            123456789  68 65 6c 6c 6f 00 00 00  00 00 00 00 00 00 00 00  |hello...........|
            123456799  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
            *
            1234567b9

            """)
    }

    /// Through the real binary: a sparse 5 GiB image, a range past 4 GiB, and units.
    @Test func dumpfsBinaryMatchesHexdumpPast4GiB() throws {
        let path = try Fixtures.writeTemporary([], name: "sparse-5g.img")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 5 << 30)
        try handle.seek(toOffset: 0x1_2345_6789)
        try handle.write(contentsOf: Data("hello".utf8))
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (range, offset, length) in [("0x123456780:48", 0x1_2345_6780, 48), ("0x123456789:5", 0x1_2345_6789, 5),
                                        ("4660K:64K", 4660 << 10, 64 << 10)] {
            let mine = try Run.dumpfs(["-q", path, "--bytes", range])
            let reference = try Run.hexdump(["-C", "-s", "\(offset)", "-n", "\(length)", path])
            #expect(mine.status == 0)
            #expect(mine.stdout == reference.stdout, "range \(range)")
        }
        let sector = try Run.dumpfs(["-q", path, "--sector", "0x123456:2"])
        let reference = try Run.hexdump(["-C", "-s", "\(0x123456 * 4096)", "-n", "8192", path])
        #expect(sector.stdout == reference.stdout)
    }

    @Test func dumpfsUnitsMatchHexdump() throws {
        let image = try Fixtures.writeTemporary(Fixtures.golden, name: "units.img")
        let cases: [([String], Int, Int)] = [
            (["--page", "4"], 4 << 16, 1 << 16), (["--page", "3:2"], 3 << 16, 2 << 16), (["--page", "2-3"], 2 << 16, 2 << 16),
            (["--subpage", "17"], 17 << 14, 1 << 14), (["--sector", "65:3"], 65 << 12, 3 << 12),
            (["--bytes", "0x3f0:0x30"], 0x3F0, 0x30), (["--bytes", "1000:1K"], 1000, 1024), (["-v", "--page", "1"], 1 << 16, 1 << 16),
            (["--bytes", "\(Fixtures.golden.count - 5)"], Fixtures.golden.count - 5, 5),
        ]
        for (arguments, offset, length) in cases {
            let mine = try Run.dumpfs(["-q", image] + arguments)
            var hexArguments = ["-C", "-s", "\(offset)", "-n", "\(length)", image]
            if arguments.contains("-v") { hexArguments.insert("-v", at: 1) }
            let reference = try Run.hexdump(hexArguments)
            #expect(mine.status == 0, "\(arguments): \(mine.stderr)")
            #expect(mine.stdout == reference.stdout, "\(arguments)")
        }
    }
}
