import ArdakuFormat
import Foundation
import Testing

/// `ardaku label`, `ardaku uuid` (e2label, tune2fs -U) and `ardaku probe` (blkid), run as
/// built: both copies of the system block change in one commit, fsck stays clean, refused
/// changes leave every byte as it was, and probe's output reads as blkid's does.
@Suite struct TuneToolTests {
    /// The system block copies of `image` (page 0 and the last page), raw.
    static func systemCopies(_ image: String) throws -> (primary: [UInt8], backup: [UInt8]) {
        let handle = try #require(FileHandle(forReadingAtPath: image))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let lastPage = size / UInt64(Geometry.pageSize) - 1
        func page(_ index: UInt64) throws -> [UInt8] {
            try handle.seek(toOffset: index * UInt64(Geometry.pageSize))
            return Array(try #require(try handle.read(upToCount: Geometry.pageSize)))
        }
        return (try page(0), try page(lastPage))
    }

    /// Both copies decoded: their CRCs hold, each says which copy it is, and they agree on
    /// everything else.
    static func decodedCopies(_ image: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SystemInformationBlock {
        let (primary, backup) = try systemCopies(image)
        let first = try primary.withUnsafeBytes { try SystemInformationBlock.decode($0) }
        let second = try backup.withUnsafeBytes { try SystemInformationBlock.decode($0, page: PageIndex(first.totalPageCount - 1)) }
        #expect(first.copy == .primary && second.copy == .backup, sourceLocation: sourceLocation)
        #expect(first == second.asCopy(.primary), "the two copies differ", sourceLocation: sourceLocation)
        return first
    }

    static func expectFsckClean(_ image: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let check = try Tools.run("fsck.zest", ["-fn", image])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)", sourceLocation: sourceLocation)
    }

    @discardableResult
    static func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Tools.Result {
        let result = try Tools.run("ardaku", arguments)
        #expect(result.status == 0, "ardaku \(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    // MARK: label

    @Test func labelRoundTripChangesBothCopiesAndFsckStaysClean() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            let before = try Self.decodedCopies(image)
            #expect(try Self.run(["label", image]).stdout == "\n")
            let label = "Photos 2026 — «ü» \"q\" \\"
            try Self.run(["label", image, label])
            #expect(try Self.run(["label", image]).stdoutBytes == Data(label.utf8 + [0x0A]))

            let (primary, backup) = try Self.systemCopies(image)
            for copy in [primary, backup] {
                let length = Int(copy.withUnsafeBytes { ByteReader.uint16(in: $0, at: SystemInformationBlock.Offset.labelLength) ?? 0 })
                #expect(length == label.utf8.count)
                let start = SystemInformationBlock.Offset.label
                #expect(Array(copy[start..<(start + length)]) == Array(label.utf8))
                #expect(copy[(start + length)..<SystemInformationBlock.Offset.reservedAt03FE].allSatisfy { $0 == 0 })
            }
            let after = try Self.decodedCopies(image)
            #expect(after.generation == before.generation + 1, "one commit")
            #expect(after.uuid == before.uuid && after.triePages == before.triePages && after.fileCount == before.fileCount)
            try Self.expectFsckClean(image)

            // Cleared again, and the longest label the format allows.
            try Self.run(["label", image, ""])
            #expect(try Self.decodedCopies(image).label.isEmpty)
            let longest = String(repeating: "€", count: Limits.maxLabelBytes / 3)
            try Self.run(["label", image, longest])
            #expect(try Self.decodedCopies(image).label == Array(longest.utf8))
            try Self.expectFsckClean(image)
            #expect(try Self.run(["get", image, "/d/f3"]).stdout == String(repeating: "data 3 ", count: 300))
        }
    }

    @Test func invalidLabelsAreRefusedAndChangeNothing() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            let before = try Tools.sha(image)
            let tooLong = try Tools.run("ardaku", ["label", image, String(repeating: "x", count: Limits.maxLabelBytes + 1)])
            #expect(tooLong.status == 1)
            #expect(tooLong.stderr == "ardaku: \(image): invalid label: 1021 bytes, the limit is 1020\n")
            let multibyte = try Tools.run("ardaku", ["label", image, String(repeating: "€", count: Limits.maxLabelBytes / 3 + 1)])
            #expect(multibyte.status == 1 && multibyte.stderr == "ardaku: \(image): invalid label: 1023 bytes, the limit is 1020\n")
            // Bytes that are not UTF-8 never reach the label (argv is checked first).
            let ardaku = Tools.productsDirectory.appendingPathComponent("ardaku").path
            let invalid = try Tools.run("/bin/sh", ["-c", "exec \"$0\" label \"$1\" \"$(printf 'ab\\377')\"", ardaku, image])
            #expect(invalid.status == 1)
            #expect(invalid.stderr == "ardaku: argument 3 is not valid UTF-8 (byte 2); names, labels and paths must be UTF-8\n")
            #expect(try Tools.sha(image) == before, "a refused label writes nothing")
        }
    }

    // MARK: uuid

    @Test func uuidRandomClearAndExplicitRewriteEveryRecord() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            let original = try Self.decodedCopies(image)
            #expect(try Self.run(["uuid", image]).stdout == original.uuid.description + "\n")
            let files = try Self.run(["ls", "-R", image, "/"]).stdout
            var generation = original.generation
            let explicit = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
            let steps: [(argument: String, expected: String?)] = [("random", nil), ("clear", VolumeUUID.zero.description),
                                                                  (explicit.uppercased(), explicit), ("random", nil)]
            for (argument, expected) in steps {
                try Self.run(["uuid", image, argument])
                let block = try Self.decodedCopies(image)
                generation += 1
                #expect(block.generation == generation, "\(argument): one commit")
                if let expected {
                    #expect(block.uuid.description == expected)
                } else {
                    #expect(block.uuid != original.uuid && block.uuid != .zero)
                    #expect(block.uuid.bytes[6] >> 4 == 4, "version 4")
                }
                let (primary, backup) = try Self.systemCopies(image)
                let field = SystemInformationBlock.Offset.uuid..<(SystemInformationBlock.Offset.uuid + 16)
                #expect(Array(primary[field]) == block.uuid.bytes && Array(backup[field]) == block.uuid.bytes)
                #expect(try Self.run(["uuid", image]).stdout == block.uuid.description + "\n")
                // Records carry the volume's UUID: every file must still read, nested volumes too.
                try Self.expectFsckClean(image)
                #expect(try Self.run(["ls", "-R", image, "/"]).stdout == files)
                #expect(try Self.run(["get", image, "/d/f5"]).stdout == String(repeating: "data 5 ", count: 500))
                #expect(try Self.run(["zest", "get", image, "/vol.zest", "/d/f4"]).stdout == String(repeating: "data 4 ", count: 400))
            }
            #expect(try Self.run(["put", image, "\(dir)/one.txt", "/after"]).status == 0)
            try Self.expectFsckClean(image)
        }
    }

    @Test func badUUIDArgumentsAreRefusedAndChangeNothing() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            let before = try Tools.sha(image)
            let malformed = try Tools.run("ardaku", ["uuid", image, "1b4e28ba-2fa1-41d2-883f"])
            #expect(malformed.status == 1)
            #expect(malformed.stderr == "ardaku: \(image): invalid UUID '1b4e28ba-2fa1-41d2-883f': give xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, 'random' or 'clear'\n")
            let time = try Tools.run("ardaku", ["uuid", image, "time"])
            #expect(time.status == 1)
            #expect(time.stderr == "ardaku: \(image): time-based UUIDs are not supported: give random, clear or a UUID\n")
            let notVolume = "\(dir)/zeros.img"
            #expect(FileManager.default.createFile(atPath: notVolume, contents: Data(count: 1 << 20)))
            let refused = try Tools.run("ardaku", ["label", notVolume, "x"])
            #expect(refused.status == 1 && refused.stderr.hasPrefix("ardaku: \(notVolume): not an Ardaku volume"), "\(refused.stderr)")
            #expect(try Tools.sha(image) == before)
        }
    }

    // MARK: locking

    @Test func heldVolumesAreRefusedAndProbeDoesNotWait() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            let before = try Tools.sha(image)
            let changes = [["label", image, "new"], ["uuid", image, "random"], ["uuid", image, "clear"]]
            for (kind, purpose) in [(LockTests.Holder.Kind.exclusive, "writing"), (.shared, "reading")] {
                let holder = try LockTests.Holder(image, kind)
                defer { holder.stop() }
                for arguments in changes {
                    LockTests.expectBusy(try Tools.run("ardaku", arguments), arguments[0], image: image, pid: holder.pid, purpose: purpose)
                }
                // Reading the label takes the shared lock: only a writer keeps it out.
                let read = try Tools.run("ardaku", ["label", image])
                if kind == .shared { #expect(read.status == 0) } else {
                    LockTests.expectBusy(read, "label", image: image, pid: holder.pid, purpose: purpose)
                }
                // probe takes no lock, as blkid: it answers even while a writer holds the volume.
                let probe = try Tools.run("ardaku", ["probe", "-s", "TYPE", image])
                #expect(probe.status == 0 && probe.stdout == "\(image): TYPE=\"ardaku\"\n", "\(probe.stderr)")
                holder.stop()
            }
            #expect(try Tools.sha(image) == before, "a refused change writes nothing")
        }
    }

    /// On a block device: a holder of the device (O_EXCL, as a mount holds it) keeps the
    /// change out; without it the change goes through the device, and probe names it.
    @Test func onABlockDevice() throws {
        try Tools.withTemporaryDirectory { dir in
            try LoopDevice.withFresh(16 << 20, in: dir, for: "the block-device label test") { device, backing in
                #expect(try Tools.run("mkfs.ardaku", ["-q", "-L", "before", device.path]).status == 0)
                do {
                    let holder = try LockTests.Holder(device.path, .deviceExclusive)
                    defer { holder.stop() }
                    let before = try Tools.sha(device.path)
                    for arguments in [["label", device.path, "new"], ["uuid", device.path, "random"]] {
                        let result = try Tools.run("ardaku", arguments)
                        #expect(result.status == 1)
                        #expect(result.stderr.contains("\(device.path): in use by the system or another program (opened with O_EXCL)"),
                                "\(result.stderr)")
                    }
                    #expect(try Tools.sha(device.path) == before)
                }
                try Self.run(["label", device.path, "on a device"])
                try Self.run(["uuid", device.path, "1b4e28ba-2fa1-41d2-883f-0016d3cca427"])
                #expect(try Self.run(["probe", device.path]).stdout
                        == "\(device.path): LABEL=\"on a device\" UUID=\"1b4e28ba-2fa1-41d2-883f-0016d3cca427\" VERSION=\"1\" TYPE=\"ardaku\"\n")
                try Self.expectFsckClean(device.path)
            }
        }
    }

    // MARK: probe

    @Test func probeSpeaksBlkid() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            try Self.run(["label", image, "backup disk"])
            try Self.run(["uuid", image, "1b4e28ba-2fa1-41d2-883f-0016d3cca427"])
            let zest = "\(dir)/s.zest", cas = "\(dir)/s.cas", zeros = "\(dir)/zeros.img"
            try Self.run(["zest", "create", zest])
            try Self.run(["cas", "put", cas, "\(dir)/one.txt", "--tag", "a"])
            #expect(FileManager.default.createFile(atPath: zeros, contents: Data(count: 1 << 20)))

            let full = try Tools.run("ardaku", ["probe", image, zeros, "\(dir)/missing", zest, cas])
            #expect(full.status == 0)
            #expect(full.stdout == """
                \(image): LABEL="backup disk" UUID="1b4e28ba-2fa1-41d2-883f-0016d3cca427" VERSION="1" TYPE="ardaku"
                \(zest): VERSION="1" TYPE="zest"
                \(cas): VERSION="1" TYPE="ardaku-cas"

                """)
            #expect(full.stderr.isEmpty)
            let values = try Tools.run("ardaku", ["probe", "-o", "value", "-s", "TYPE", "-s", "LABEL", image, cas])
            #expect(values.stdout == "backup disk\nardaku\nardaku-cas\n", "the device's order, not -s's")
            #expect(try Tools.run("ardaku", ["probe", "-o", "device", "-s", "NONE", zeros, zest, image]).stdout == "\(zest)\n\(image)\n")
            #expect(try Tools.run("ardaku", ["probe", "-s", "NONE", image]).stdout == "")

            // Nothing recognised: blkid's exit status 2, and nothing printed.
            let nothing = try Tools.run("ardaku", ["probe", zeros, "\(dir)/missing", dir])
            #expect(nothing.status == 2 && nothing.stdout.isEmpty && nothing.stderr.isEmpty)

            // export output is shell: `.` it and the variables are set.
            let export = try Tools.run("ardaku", ["probe", "-o", "export", image])
            #expect(export.stdout == """
                DEVNAME=\(image)
                LABEL=backup\\ disk
                UUID=1b4e28ba-2fa1-41d2-883f-0016d3cca427
                VERSION=1
                TYPE=ardaku

                """)
            try Tools.write("\(dir)/export.sh", export.stdout)
            let sourced = try Tools.run("/bin/sh", ["-c", ". \"$0\"; printf '%s|%s|%s|%s' \"$TYPE\" \"$LABEL\" \"$UUID\" \"$VERSION\"", "\(dir)/export.sh"])
            #expect(sourced.stdout == "ardaku|backup disk|1b4e28ba-2fa1-41d2-883f-0016d3cca427|1")
            // Several devices: a blank line between them, as blkid.
            #expect(try Tools.run("ardaku", ["probe", "-o", "export", zest, cas]).stdout
                    == "DEVNAME=\(zest)\nVERSION=1\nTYPE=zest\n\nDEVNAME=\(cas)\nVERSION=1\nTYPE=ardaku-cas\n")

            // A cleared UUID and an empty label are left out, as blkid leaves them out.
            try Self.run(["uuid", image, "clear"])
            try Self.run(["label", image, ""])
            #expect(try Tools.run("ardaku", ["probe", image]).stdout == "\(image): VERSION=\"1\" TYPE=\"ardaku\"\n")
        }
    }

    /// The same label on an ext4 image and on an Ardaku volume: blkid's LABEL and ours are
    /// the same bytes in full and export output (quotes, backslashes, spaces, shell
    /// characters, a tab, UTF-8), and sh reads back the label from both exports.
    @Test func probeQuotesLabelsAsBlkidDoes() throws {
        guard FileManager.default.fileExists(atPath: "/sbin/mkfs.ext4"), FileManager.default.fileExists(atPath: "/sbin/blkid") else {
            Issue.record("mkfs.ext4 or blkid missing: tools/setup.sh installs e2fsprogs and util-linux")
            return
        }
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            let ext4 = "\(dir)/ext4.img"
            // ext4 labels hold at most 16 bytes.
            for label in ["a \"q\" b\\c d", "it's $x `y` <z>", "tab\tü", "~*?[x];&|"] {
                #expect(try Tools.run("/sbin/mkfs.ext4", ["-q", "-F", "-L", label, ext4, "4M"]).status == 0)
                try Self.run(["label", image, label])
                for style in ["full", "export"] {
                    let theirs = try Tools.run("/sbin/blkid", ["-c", "/dev/null", "-o", style, "-s", "LABEL", ext4])
                    let ours = try Tools.run("ardaku", ["probe", "-o", style, "-s", "LABEL", image])
                    #expect(theirs.status == 0 && ours.status == 0)
                    #expect(ours.stdout.replacingOccurrences(of: image, with: ext4) == theirs.stdout, "\(style): \(label)")
                }
                // Both exports give sh the label back, unless blkid's encoding (^I, M-) changed it.
                if label.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x80 }), !label.contains(";") {
                    let export = try Tools.run("ardaku", ["probe", "-o", "export", image]).stdout
                    try Tools.write("\(dir)/export.sh", export)
                    let sourced = try Tools.run("/bin/sh", ["-c", ". \"$0\"; printf '%s' \"$LABEL\"", "\(dir)/export.sh"])
                    #expect(sourced.stdout == label)
                }
                let raw = try Tools.run("ardaku", ["probe", "-o", "value", "-s", "LABEL", image])
                #expect(raw.stdout == label + "\n")
            }
        }
    }

    /// A volume whose page 0 is damaged is still named by its backup, as a reader opens it.
    @Test func probeFindsTheBackupWhenPageZeroIsDamaged() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try LockTests.makeVolume(dir)
            try Self.run(["label", image, "kept"])
            let handle = try #require(FileHandle(forWritingAtPath: image))
            try handle.seek(toOffset: UInt64(SystemInformationBlock.Offset.label))
            handle.write(Data("XXXX".utf8))
            try handle.close()
            let probe = try Tools.run("ardaku", ["probe", "-s", "LABEL", "-s", "TYPE", image])
            #expect(probe.status == 0 && probe.stdout == "\(image): LABEL=\"kept\" TYPE=\"ardaku\"\n")
            // Changing the label needs page 0: fsck restores it first.
            let refused = try Tools.run("ardaku", ["label", image, "new"])
            #expect(refused.status == 1 && refused.stderr.contains("page 0 is damaged"), "\(refused.stderr)")
        }
    }
}
