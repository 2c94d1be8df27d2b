import Foundation
import Testing
import TestSupport

/// `dumpfs --cas`: a CAS volume field by field, nested or standalone, and never a trap on damage.
@Suite(.serialized) struct CASDumpTests {
    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test func nestedAndStandaloneVolumesFieldByField() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/disk.img"
            try CASToolTests.makeTree("\(dir)/src", seed: 30)
            #expect(try Tools.run("mkfs.ardaku", ["-q", "-d", "\(dir)/src/docs/notes", "--cas", "/snap.cas=\(dir)/src", image, "64M"]).status == 0)
            let dump = try Tools.run("dumpfs", ["-q", "--cas", "/snap.cas", image])
            #expect(dump.status == 0, "\(dump.stderr)")
            let text = Self.lines(dump.stdout)
            #expect(text.first?.hasPrefix("CAS volume /snap.cas in \(image): ") == true, "\(text.first ?? "")")
            #expect(text.contains("header slot at 0x00000000, 4096 bytes"))
            #expect(text.contains("header slot at 0x00001000, 4096 bytes"))
            #expect(text.filter { $0.contains("  magic  ") && $0.hasSuffix("[ok]") }.count >= 4)
            #expect(!dump.stdout.contains("[MISMATCH]"))
            #expect(text.contains { $0.hasPrefix("index at 0x") })
            #expect(text.contains { $0.contains("  entry 0  ") })
            let tagLine = try #require(text.first { $0.contains("tag \"initial\"") })
            let root = try #require(tagLine.split(separator: " ").last.map(String.init))
            #expect(root.count == 64)
            // --object decodes like `ardaku cas info -d 1`.
            let object = try Tools.run("dumpfs", ["-q", "--cas", "/snap.cas", "--object", "initial", image])
            #expect(object.status == 0, "\(object.stderr)")
            let info = try Tools.run("ardaku", ["cas", "info", "-d", "1", image, "/snap.cas", root])
            #expect(object.stdout == info.stdout)
            #expect(object.stdout.hasPrefix("[tree] \(root)\n [item] "))
            // JSON: every structure with its fields.
            let json = try Tools.run("dumpfs", ["-q", "--json", "--cas", "/snap.cas", image])
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(parsed["view"] as? String == "cas")
            let structures = try #require(parsed["structures"] as? [[String: Any]])
            #expect(structures.count == Int(text.first?.split(separator: " ").dropLast().last ?? "") ?? -1)
            #expect(structures.first?["kind"] as? String == "header slot")

            // The same volume as a host file, with --cas -.
            let cas = "\(dir)/x.cas"
            #expect(try Tools.run("ardaku", ["cas", "put", "-r", "-q", cas, "\(dir)/src", "--tag", "t"]).status == 0)
            let standalone = try Tools.run("dumpfs", ["-q", "--cas", "-", cas])
            #expect(standalone.status == 0 && standalone.stdout.hasPrefix("CAS volume \(cas): "), "\(standalone.stderr)")
            #expect(standalone.stdout.contains("tag \"t\""))

            // A file that is not a CAS volume, a missing one, and --object without --cas.
            let plain = try Tools.run("dumpfs", ["-q", "--cas", "/note0.txt", image])
            #expect(plain.status == 1 && plain.stderr.hasPrefix("dumpfs: \(image): /note0.txt: not a CAS volume (its type is ")
                    && plain.stderr.split(separator: "\n").count == 1, "\(plain.stderr)")
            let missing = try Tools.run("dumpfs", ["-q", "--cas", "/none.cas", image])
            #expect(missing.status == 1 && missing.stderr.contains("/none.cas: not in the trie"), "\(missing.stderr)")
            #expect(try Tools.run("dumpfs", ["-q", "--object", "t", cas]).status != 0)
        }
    }

    @Test func damageIsShownNotTrappedOn() throws {
        try Tools.withTemporaryDirectory { dir in
            let cas = "\(dir)/x.cas"
            try CASToolTests.makeTree("\(dir)/src", seed: 31)
            #expect(try Tools.run("ardaku", ["cas", "put", "-r", "-q", cas, "\(dir)/src", "--tag", "t"]).status == 0)
            var bytes = try #require(FileManager.default.contents(atPath: cas).map { [UInt8]($0) })
            bytes[124] ^= 0x01          // slot 0's CRC
            bytes[8192 + 20] ^= 0x40    // inside the first record
            try Data(bytes).write(to: URL(fileURLWithPath: cas))
            let dump = try Tools.run("dumpfs", ["-q", "--cas", "-", cas])
            #expect(dump.status == 0, "\(dump.stderr)")
            let crcLine = try #require(Self.lines(dump.stdout).first { $0.hasPrefix("  0x0000007c  CRC32") })
            #expect(crcLine.hasSuffix("[MISMATCH]"))
            #expect(dump.stdout.contains("header slot at 0x00000000, 4096 bytes: "), "the slot says why it is invalid")

            // Junk after a CAS magic, a file cut inside the header, and every prefix of a
            // volume up to its first records: output or a one-line error, never a trap.
            var rng = SeededGenerator(seed: 32)
            let volume = bytes
            let cases: [[UInt8]] = [Array("ACAS".utf8) + rng.bytes(30_000), Array(volume.prefix(100)), Array(volume.prefix(4200)),
                                    Array(volume.prefix(8200)), Array(volume.prefix(9000))]
            for (n, content) in cases.enumerated() {
                let path = "\(dir)/case\(n).cas"
                try Data(content).write(to: URL(fileURLWithPath: path))
                let result = try Tools.run("dumpfs", ["-q", "--cas", "-", path])
                #expect(result.status == 0 || (result.status == 1 && result.stderr.split(separator: "\n").count == 1),
                        "case \(n): \(result.status) \(result.stderr)")
                let object = try Tools.run("dumpfs", ["-q", "--cas", "-", "--object", "t", path])
                #expect(object.status == 0 || (object.status == 1 && object.stderr.split(separator: "\n").count == 1),
                        "case \(n) --object: \(object.status) \(object.stderr)")
            }
        }
    }
}
