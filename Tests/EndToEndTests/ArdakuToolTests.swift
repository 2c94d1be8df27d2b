import Foundation
import Testing
import ArdakuFormat

/// The ardaku file tool as users run it.
@Suite(.serialized) struct ArdakuToolTests {
    @Test func putGetListStatRemoveMove() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            try Tools.write("\(dir)/hello.txt", "hello\n")
            #expect(try Tools.run("ardaku", ["put", image, "\(dir)/hello.txt", "/docs/hello.txt"]).status == 0)
            let exists = try Tools.run("ardaku", ["put", image, "\(dir)/hello.txt", "/docs/hello.txt"])
            #expect(exists.status == 1 && exists.stderr.contains("exists"))
            #expect(try Tools.run("ardaku", ["put", "-f", image, "\(dir)/hello.txt", "/docs/hello.txt"]).status == 0)
            #expect(try Tools.run("ardaku", ["ls", image]).stdout == "docs/\n")
            #expect(try Tools.run("ardaku", ["ls", image, "/docs"]).stdout == "hello.txt\n")
            #expect(try Tools.run("ardaku", ["get", image, "/docs/hello.txt"]).stdout == "hello\n")
            let stat = try Tools.run("ardaku", ["stat", image, "/docs/hello.txt"])
            #expect(stat.stdout.contains("Size:              6 bytes"))
            let json = try Tools.run("ardaku", ["stat", "--json", image, "/docs/hello.txt"])
            let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(decoded?["size"] as? Int == 6)
            #expect(try Tools.run("ardaku", ["mv", image, "/docs", "/papers"]).status == 0)
            #expect(try Tools.run("ardaku", ["ls", "-R", image]).stdout == "/papers/hello.txt\n")
            let dirRemove = try Tools.run("ardaku", ["rm", image, "/papers"])
            #expect(dirRemove.status == 1 && dirRemove.stderr.contains("is a directory"))
            #expect(try Tools.run("ardaku", ["rm", "-r", image, "/papers"]).status == 0)
            #expect(try Tools.run("ardaku", ["ls", "-R", image]).stdout == "")
            let df = try Tools.run("ardaku", ["df", "--json", image])
            let usage = try JSONSerialization.jsonObject(with: Data(df.stdout.utf8)) as? [String: Any]
            #expect(usage?["used_pages"] as? Int == 4 && usage?["files"] as? Int == 0)
        }
    }

    @Test func treeRoundTripAndExtractionStaysInsideDestination() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "32M"]).status == 0)
            var rng = SystemRandomNumberGenerator()
            for index in 0..<25 {
                let bytes = (0..<(index * 9_000)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let path = "\(dir)/src/\(index % 3)/deeper/\(index).bin"
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            #expect(try Tools.run("ardaku", ["put", "-r", image, "\(dir)/src", "/tree"]).status == 0)
            // A symbolic link planted in the destination must not be followed out of it.
            try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(dir)/elsewhere", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/out/0", withDestinationPath: "\(dir)/elsewhere")
            let blocked = try Tools.run("ardaku", ["get", "-r", image, "/tree", "\(dir)/out"])
            #expect(blocked.status == 1 && blocked.stderr.contains("symbolic link"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/elsewhere").isEmpty)
            try FileManager.default.removeItem(atPath: "\(dir)/out/0")
            let restored = try Tools.run("ardaku", ["get", "-r", "-f", image, "/tree", "\(dir)/out"])
            #expect(restored.status == 0, "\(restored.stderr)")
            let diff = try Tools.run("/usr/bin/diff", ["-r", "\(dir)/src", "\(dir)/out"])
            #expect(diff.status == 0, "\(diff.stdout)")
        }
    }

    /// DESIGN §2.7: every hostile name is refused with its reason, at the command line too.
    @Test(arguments: [
        ("relative/name", "does not start with '/'"),
        ("/a/../b", "'..' component"),
        ("/a/./b", "'.' component"),
        ("/a//b", "empty component"),
        ("/a/", "ends with '/'"),
        ("/" + String(repeating: "n", count: 1020), "the limit is 1020"),
    ] as [(String, String)])
    func hostileNamesAreRefused(name: String, reason: String) throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "1M"]).status == 0)
            try Tools.write("\(dir)/f", "x")
            let result = try Tools.run("ardaku", ["put", image, "\(dir)/f", name])
            #expect(result.status == 1)
            #expect(result.stderr.contains(reason), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
    }

    @Test func damagedPageIsNamedOnGet() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", "-U", "clear", image, "2M"]).status == 0)
            try Data(repeating: 0x41, count: 70_000).write(to: URL(fileURLWithPath: "\(dir)/a"))
            #expect(try Tools.run("ardaku", ["put", image, "\(dir)/a", "/a"]).status == 0)
            let status = try Tools.run("ardaku", ["stat", "--json", image, "/a"])
            let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            #expect(object?["allocated_pages"] as? Int == 2)
            // Damage one byte of the file's second data page: find it through dumpfs-free means,
            // the record lists it; the first data page follows the trie and record pages.
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: image))
            let volumeBytes = try Data(contentsOf: URL(fileURLWithPath: image))
            // The page after the first data page holds the second: locate "AAAA" runs.
            let pattern = Data(repeating: 0x41, count: 64)
            var found: [Int] = []
            var position = 0
            while let range = volumeBytes.range(of: pattern, in: position..<volumeBytes.count) {
                if range.lowerBound % 65_536 == 0 { found.append(range.lowerBound) }
                position = range.lowerBound + 65_536 - range.lowerBound % 65_536
            }
            #expect(found.count == 2)
            try handle.seek(toOffset: UInt64(found[1] + 10))
            handle.write(Data([0x42]))
            try handle.close()
            let result = try Tools.run("ardaku", ["get", image, "/a", "\(dir)/out"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("/a: damaged: bytes 65536..<70000 do not match their CRC-32 (run fsck.zest)"), "\(result.stderr)")
            #expect(result.stderr.contains("--salvage"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"), "no partial file is left")
            // --salvage writes the file as it is and names the damaged range; exit 1.
            let salvaged = try Tools.run("ardaku", ["get", "--salvage", image, "/a", "\(dir)/out"])
            #expect(salvaged.status == 1)
            #expect(salvaged.stderr.contains("/a: salvaged with damage: bytes 65536..<70000"), "\(salvaged.stderr)")
            let out = try #require(FileManager.default.contents(atPath: "\(dir)/out"))
            #expect(out.count == 70_000 && out[65_536 + 10] == 0x42 && out[0] == 0x41)
            // fsck -fy keeps the page and marks the file; every later check names it, get still refuses.
            #expect(try Tools.run("fsck.zest", ["-fy", image]).status == 1)
            let again = try Tools.run("fsck.zest", ["-fn", image])
            #expect(again.status == 0)
            #expect(again.stdout.contains("A5003: /a is marked damaged by an earlier repair: bytes 65536..<70000"), "\(again.stdout)")
            #expect(try Tools.run("ardaku", ["ls", "-l", image, "/"]).stdout.contains("a  [damaged data]"))
            let refused = try Tools.run("ardaku", ["get", image, "/a", "-"])
            #expect(refused.status == 1 && refused.stderr.contains("(marked damaged by fsck.zest)"), "\(refused.stderr)")
        }
    }

    /// A file of several GiB from a sparse source: stored with holes, read back identical.
    @Test func severalGiBSparseFileRoundTrips() throws {
        try Tools.withTemporaryDirectory { dir in
            let source = "\(dir)/big.src"
            let size: UInt64 = 4_500 << 20   // 4.4 GiB: offsets past 2^32
            #expect(FileManager.default.createFile(atPath: source, contents: nil))
            #expect(truncate(source, off_t(size)) == 0)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
            for (offset, text) in [(0 as UInt64, "start"), (1 << 32, "past four GiB"), (size - 3, "end")] {
                try handle.seek(toOffset: offset)
                handle.write(Data(text.utf8))
            }
            try handle.close()
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "64M"]).status == 0)
            let put = try Tools.run("ardaku", ["put", image, source, "/big"])
            #expect(put.status == 0, "\(put.stderr)")
            let stat = try Tools.run("ardaku", ["stat", "--json", image, "/big"])
            let object = try JSONSerialization.jsonObject(with: Data(stat.stdout.utf8)) as? [String: Any]
            #expect(object?["size"] as? Int == Int(size))
            #expect(object?["allocated_pages"] as? Int == 3)
            #expect((object?["extension_pages"] as? [Int])?.count == 9)
            let get = try Tools.run("ardaku", ["get", image, "/big", "\(dir)/big.out"])
            #expect(get.status == 0, "\(get.stderr)")
            #expect(Tools.sameContent(source, "\(dir)/big.out"))
            // The comparison itself must see a one-byte difference past 4 GiB.
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/big.out"))
            try output.seek(toOffset: (1 << 32) + 1)
            output.write(Data("X".utf8))
            try output.close()
            #expect(!Tools.sameContent(source, "\(dir)/big.out"))
            #expect(Tools.allocatedBytes("\(dir)/big.out") < 1 << 20, "holes come back as holes")
        }
    }
}
