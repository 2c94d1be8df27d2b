import Foundation
import Testing
import TestSupport

/// fsck.zest on CAS volumes, nested in an image and standalone, through the built binaries.
@Suite(.serialized) struct CASFsckTests {
    /// Where `needle` is in the file at `path` (first occurrence).
    static func offset(of needle: [UInt8], in path: String) throws -> Int {
        let bytes = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        return try #require((0...(bytes.count - needle.count)).first { bytes[$0] == needle[0] && Array(bytes[$0..<$0 + needle.count]) == needle })
    }

    static func flip(_ path: String, at offset: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let byte = try #require(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ 0xFF])
    }

    /// A tree snapshotted as tag v1, plus a 16 KiB random file stored as one raw blob in its
    /// own object record (`blob`), on the volume `target` (FILE.cas, or IMAGE VOLUME).
    static func fill(_ target: [String], dir: String, tagBlob: Bool) throws -> [UInt8] {
        try CASToolTests.makeTree("\(dir)/src", seed: 21)
        let put = try Tools.run("ardaku", ["cas", "put", "-r", "-q"] + target + ["\(dir)/src", "--tag", "v1"])
        #expect(put.status == 0, "\(put.stderr)")
        var rng = SeededGenerator(seed: 22)
        let content = rng.bytes(16 << 10)
        try Data(content).write(to: URL(fileURLWithPath: "\(dir)/blob.bin"))
        let blob = try Tools.run("ardaku", ["cas", "put"] + target + ["\(dir)/blob.bin"] + (tagBlob ? ["--tag", "blob"] : []))
        #expect(blob.status == 0, "\(blob.stderr)")
        return content
    }

    static func restoresV1(_ target: [String], dir: String) throws -> Bool {
        let out = "\(dir)/out-\(UUID().uuidString)"
        guard try Tools.run("ardaku", ["cas", "get", "-r"] + target + ["v1", out]).status == 0 else { return false }
        return try Tools.run("/usr/bin/diff", ["-r", "\(dir)/src", out]).status == 0
    }

    @Test func healthyNestedAndStandaloneVolumesAreClean() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/disk.img"
            try CASToolTests.makeTree("\(dir)/tree", seed: 20)
            #expect(try Tools.run("mkfs.ardaku", ["-q", "--cas", "/snap/a.cas=\(dir)/tree", image, "64M"]).status == 0)
            let nested = try Tools.run("fsck.zest", ["-fn", image])
            #expect(nested.status == 0, "\(nested.stdout)\(nested.stderr)")
            #expect(nested.stdout.contains("Pass 7"), "\(nested.stdout)")
            #expect(!nested.stdout.contains("not checked"), "\(nested.stdout)")

            let cas = "\(dir)/x.cas"
            _ = try Self.fill([cas], dir: dir, tagBlob: true)
            let before = try Tools.sha(cas)
            let standalone = try Tools.run("fsck.zest", ["-fn", cas])
            #expect(standalone.status == 0, "\(standalone.stdout)\(standalone.stderr)")
            #expect(standalone.stdout.contains("CAS volume"), "\(standalone.stdout)")
            #expect(try Tools.run("fsck.zest", ["-fy", cas]).status == 0)
            #expect(try Tools.sha(cas) == before, "a clean volume is not rewritten")
        }
    }

    /// One flipped byte in a CAS object inside an image: the data page's CRC-32 (A5001) and
    /// the object's id (C2003/C3001) both fail. -n changes nothing (exit 4); -y keeps the
    /// page, drops the damaged object (exit 1); the second run is clean and the tagged tree
    /// still restores byte-identical.
    @Test func damagedObjectInANestedVolume() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/disk.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "64M"]).status == 0)
            let target = [image, "/backup.cas"]
            let content = try Self.fill(target, dir: dir, tagBlob: false)
            // Every copy: pages the CAS file used before its last rewrite may hold stale ones.
            let imageBytes = try #require(FileManager.default.contents(atPath: image).map { [UInt8]($0) })
            let needle = Array(content[8000..<8064])
            let copies = (0...(imageBytes.count - needle.count)).filter { imageBytes[$0] == needle[0] && Array(imageBytes[$0..<$0 + needle.count]) == needle }
            #expect(!copies.isEmpty)
            for copy in copies { try Self.flip(image, at: copy + 10) }
            let before = try Tools.sha(image)

            let dry = try Tools.run("fsck.zest", ["-fn", image])
            #expect(dry.status == 4, "\(dry.stdout)\(dry.stderr)")
            #expect(dry.stdout.contains("A5001"), "\(dry.stdout)")
            #expect(dry.stdout.contains("/backup.cas") && (dry.stdout.contains("C2003") || dry.stdout.contains("C3001")), "\(dry.stdout)")
            #expect(try Tools.sha(image) == before, "-n writes nothing")

            let fix = try Tools.run("fsck.zest", ["-fy", image])
            #expect(fix.status == 1, "\(fix.stdout)\(fix.stderr)")
            let second = try Tools.run("fsck.zest", ["-fn", image])
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            #expect(try Self.restoresV1(target, dir: dir))
            #expect(try Tools.run("ardaku", ["cas", "tags"] + target).stdout.hasSuffix(" v1\n"))
        }
    }

    /// A standalone CAS file: damage a tagged object (the repair drops it, keeps the tag that
    /// names it and records it as lost: exit 1, then a clean run that reports it as known), damage only a
    /// record's CRC (preen-safe: -p fixes it), and a needs-confirmation fix that -p leaves.
    @Test func standaloneVolumeDamageAndModes() throws {
        try Tools.withTemporaryDirectory { dir in
            let cas = "\(dir)/x.cas"
            let content = try Self.fill([cas], dir: dir, tagBlob: true)
            let start = try Self.offset(of: Array(content[0..<64]), in: cas)
            let record = start - 57   // the 56-byte record header, then the type byte 0x01
            let header = try #require(FileManager.default.contents(atPath: cas).map { [UInt8]($0) })
            #expect(Array(header[record..<record + 4]) == Array("COBJ".utf8) && header[record + 56] == 0x01)

            // Only the CRC: the content still matches its id (C2004, preen-safe).
            try Self.flip(cas, at: record + 4)
            let crc = try Tools.run("fsck.zest", ["-fn", cas])
            #expect(crc.status == 4 && crc.stdout.contains("C2004"), "\(crc.stdout)\(crc.stderr)")
            let preen = try Tools.run("fsck.zest", ["-p", cas])
            #expect(preen.status == 1, "\(preen.stdout)\(preen.stderr)")
            #expect(try Tools.run("fsck.zest", ["-fn", cas]).status == 0)
            #expect(try Tools.run("ardaku", ["cas", "get", cas, "blob"]).stdoutBytes == Data(content))

            // The content: -p will not drop an object, -y does and reports the dangling tag.
            try Self.flip(cas, at: start + 100)
            let before = try Tools.sha(cas)
            let dry = try Tools.run("fsck.zest", ["-fn", cas])
            #expect(dry.status == 4 && (dry.stdout.contains("C2003") || dry.stdout.contains("C3001")), "\(dry.stdout)\(dry.stderr)")
            let refused = try Tools.run("fsck.zest", ["-p", cas])
            #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")
            #expect(try Tools.sha(cas) == before, "-p makes no fix that needs confirmation")
            let fix = try Tools.run("fsck.zest", ["-fy", cas])
            #expect(fix.status == 1, "\(fix.stdout)\(fix.stderr)")
            #expect(fix.stdout.contains("C4004"), "the tag 'blob' now names a missing object: \(fix.stdout)")
            // The repair recorded the object as lost: the next check knows it (C6002) and is clean.
            let second = try Tools.run("fsck.zest", ["-fn", cas])
            #expect(second.status == 0 && second.stdout.contains("C6002") && !second.stdout.contains("C4004"), "\(second.stdout)")
            #expect(!second.stdout.contains("C2003") && !second.stdout.contains("C3001"))
            #expect(try Self.restoresV1([cas], dir: dir), "the objects that verified are all kept")
            // The tag is kept; reading what it names fails, with a clear error.
            let lost = try Tools.run("ardaku", ["cas", "get", cas, "blob"])
            #expect(lost.status != 0 && !lost.stderr.isEmpty, "\(lost.stderr)")
            // Untagging the lost object leaves a clean volume.
            #expect(try Tools.run("ardaku", ["cas", "tag", "-d", cas, "blob"]).status == 0)
            #expect(try Tools.run("fsck.zest", ["-fn", cas]).status == 0)
        }
    }
}
