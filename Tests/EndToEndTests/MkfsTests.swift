import Foundation
import Testing
import TestSupport
import ArdakuFormat
import ArdakuIO
import ArdakuVolume

/// mkfs.ardaku as users run it: sizes, refusals, determinism, devices.
@Suite(.serialized) struct MkfsTests {
    static let pageSize: UInt64 = 65_536

    @Test func minimumSizeAndJustBelow() throws {
        try Tools.withTemporaryDirectory { dir in
            let ok = try Tools.run("mkfs.ardaku", ["-q", "\(dir)/min.img", "256K"])
            #expect(ok.status == 0, "\(ok.stderr)")
            let image = try MappedImage(path: "\(dir)/min.img", mode: .readOnly)
            let volume = try Volume(store: image)
            #expect(volume.totalPageCount == 4)
            #expect(volume.committed.usedPageCount == 4)

            let small = try Tools.run("mkfs.ardaku", ["-q", "\(dir)/small.img", String(4 * Self.pageSize - 1)])
            #expect(small.status == 1)
            #expect(small.stderr.contains("too small") && small.stderr.contains("small.img"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/small.img"), "a refused size must not leave a file")
        }
    }

    /// 2^19 pages fit one bitfield page; one page more needs a second.
    @Test(arguments: [(524_288, 1), (524_289, 2)] as [(UInt64, Int)])
    func bitfieldBoundaryAt32GiB(pages: UInt64, bitfieldPages: Int) throws {
        try Tools.withTemporaryDirectory { dir in
            let path = "\(dir)/b.img"
            let result = try Tools.run("mkfs.ardaku", ["-q", "-U", "clear", path, String(pages * Self.pageSize)])
            #expect(result.status == 0, "\(result.stderr)")
            let volume = try Volume(store: try MappedImage(path: path, mode: .readWrite))
            #expect(Int(volume.committed.bitfieldPageCount) == bitfieldPages)
            #expect(volume.committed.usedPageCount == UInt32(bitfieldPages) + 3)
            // The backup's bit lives in the last bitfield page.
            try volume.put(try FileName("/x"), bytes: [1, 2, 3])
            #expect(try Volume(store: try MappedImage(path: path, mode: .readOnly)).readAll(try FileName("/x")) == [1, 2, 3])
            #expect(Tools.allocatedBytes(path) < 2 << 20, "image must stay sparse")
        }
    }

    /// The largest volume, as a sparse file on tmpfs (ext4 caps files at 16 TiB).
    @Test func maximumSizeOnTmpfs() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { return }
        try Tools.withTemporaryDirectory(in: "/dev/shm") { dir in
            let path = "\(dir)/max.img"
            let maximum = UInt64(Limits.maxPageCount) * Self.pageSize
            let result = try Tools.run("mkfs.ardaku", ["-q", path, String(maximum)])
            #expect(result.status == 0, "\(result.stderr)")
            let volume = try Volume(store: try MappedImage(path: path, mode: .readWrite))
            #expect(volume.totalPageCount == Limits.maxPageCount)
            #expect(volume.committed.bitfieldPageCount == 2047)
            try volume.put(try FileName("/last"), bytes: Array("far".utf8))
            try volume.close()
            #expect(try Volume(store: try MappedImage(path: path, mode: .readOnly)).readAll(try FileName("/last")) == Array("far".utf8))
            #expect(Tools.allocatedBytes(path) < 4 << 20, "only metadata pages may be written")

            let tooLarge = try Tools.run("mkfs.ardaku", ["-q", "\(dir)/over.img", String(maximum + Self.pageSize)])
            #expect(tooLarge.status == 1 && tooLarge.stderr.contains("too large"))
        }
    }

    @Test func refusesExt4WithoutForceAndWipesItWithForce() throws {
        guard FileManager.default.fileExists(atPath: "/sbin/mkfs.ext4") else {
            Issue.record("mkfs.ext4 missing: tools/setup.sh installs e2fsprogs")
            return
        }
        try Tools.withTemporaryDirectory { dir in
            let path = "\(dir)/e.img"
            #expect(try Tools.run("/sbin/mkfs.ext4", ["-q", "-F", "-L", "oldlabel", path, "16M"]).status == 0)
            let before = try Tools.sha(path)
            let refused = try Tools.run("mkfs.ardaku", [path])   // no terminal, still refused
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("ext4") && refused.stderr.contains("oldlabel") && refused.stderr.contains("-f"))
            #expect(try Tools.sha(path) == before, "a refusal writes nothing")

            let dryRun = try Tools.run("mkfs.ardaku", ["-n", path])
            #expect(dryRun.status == 0 && dryRun.stdout.contains("ext4"))
            #expect(try Tools.sha(path) == before, "a dry run writes nothing")

            let forced = try Tools.run("mkfs.ardaku", ["-f", path])
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(forced.stdout.contains("wiped old ext4 signature"))
            let blkid = try Tools.run("/sbin/blkid", ["-p", path])
            #expect(!blkid.stdout.contains("ext4"), "no stale ext4 signature may remain: \(blkid.stdout)")
            #expect(try Volume(store: try MappedImage(path: path, mode: .readOnly)).fileCount == 0)
            // Now an Ardaku volume is what is refused.
            let again = try Tools.run("mkfs.ardaku", [path])
            #expect(again.status == 1 && again.stderr.contains("Ardaku volume"))
        }
    }

    @Test func reproducibleWithUUIDAndSourceDateEpoch() throws {
        try Tools.withTemporaryDirectory { dir in
            for index in 0..<30 { try Tools.write("\(dir)/tree/d\(index % 4)/f\(index).txt", String(repeating: "line \(index)\n", count: index * 50)) }
            var hashes: [String] = []
            for run in 0..<2 {
                let path = "\(dir)/r\(run).img"
                let result = try Tools.run("mkfs.ardaku", ["-q", "-U", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0", "-L", "repro",
                                                           "-d", "\(dir)/tree", path, "8M"],
                                           environment: ["SOURCE_DATE_EPOCH": "1700000000"])
                #expect(result.status == 0, "\(result.stderr)")
                hashes.append(try Tools.sha(path))
            }
            #expect(hashes[0] == hashes[1], "two runs must give byte-identical images")
            let volume = try Volume(store: try MappedImage(path: "\(dir)/r0.img", mode: .readOnly))
            #expect(volume.committed.creationTime == 1_700_000_000)
            #expect(try volume.list().allSatisfy { $0.modificationTime <= 1_700_000_000 })
        }
    }

    /// Every kind a volume keeps is stored (FORMAT §7.2, §9); only a socket is skipped.
    @Test func fillFromDirectoryKeepsEveryKindButSockets() throws {
        try Tools.withTemporaryDirectory { dir in
            try Tools.write("\(dir)/src/a/file.txt", "content")
            try FileManager.default.createDirectory(atPath: "\(dir)/src/empty", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/src/a/link", withDestinationPath: "file.txt")
            #expect(mkfifo("\(dir)/src/fifo", 0o644) == 0)
            #expect(TestSockets.bind("\(dir)/src/sock"))
            let result = try Tools.run("mkfs.ardaku", ["-d", "\(dir)/src", "\(dir)/v.img", "4M"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr == "mkfs.ardaku: warning: \(dir)/src/sock: skipped: socket (not supported)\n", "\(result.stderr)")
            #expect(result.stdout.contains("Stored 1 file (7 bytes) and 4 other entries"), "\(result.stdout)")
            let listing = try Tools.run("ardaku", ["ls", "-R", "\(dir)/v.img"])
            #expect(listing.stdout == "/a/\n/a/file.txt\n/a/link\n/empty/\n/fifo\n", "\(listing.stdout)")
        }
    }

    @Test func clearErrorsForBadTargets() throws {
        try Tools.withTemporaryDirectory { dir in
            let missing = try Tools.run("mkfs.ardaku", ["\(dir)/nope.img"])
            #expect(missing.status == 1 && missing.stderr == "mkfs.ardaku: \(dir)/nope.img: does not exist and no size was given\n")
            let badSize = try Tools.run("mkfs.ardaku", ["\(dir)/x.img", "12Q"])
            #expect(badSize.status == 1 && badSize.stderr.contains("invalid size '12Q'"))
            let isDirectory = try Tools.run("mkfs.ardaku", [dir, "1M"])
            #expect(isDirectory.status == 1 && isDirectory.stderr.contains("is a directory"))
            let badUUID = try Tools.run("mkfs.ardaku", ["-U", "not-a-uuid", "\(dir)/u.img", "1M"])
            #expect(badUUID.status == 1 && badUUID.stderr.contains("invalid UUID"))
            let longLabel = try Tools.run("mkfs.ardaku", ["-L", String(repeating: "x", count: 1021), "\(dir)/l.img", "1M"])
            #expect(longLabel.status == 1 && longLabel.stderr.contains("label"))
            // A read-only target: a file on a read-only bind mount is the honest test, but a
            // directory without write permission refuses creation even for root only on
            // some filesystems; /proc is read-only everywhere.
            let readOnly = try Tools.run("mkfs.ardaku", ["/proc/ardaku-test.img", "1M"])
            #expect(readOnly.status == 1 && readOnly.stderr.contains("/proc/ardaku-test.img"))
        }
    }

    @Test func dryRunCreatesNothing() throws {
        try Tools.withTemporaryDirectory { dir in
            let result = try Tools.run("mkfs.ardaku", ["-n", "-L", "plan", "\(dir)/plan.img", "40G"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("655360 pages"))
            #expect(result.stdout.contains("Pages 1-2:") && result.stdout.contains("used-page bitfield (2 pages)"))
            #expect(result.stdout.contains("Page 655359:"))
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/plan.img"))
        }
    }

    /// A real block device: a loop device attached for this test only.
    @Test func endToEndOnLoopDevice() throws {
        try Tools.withTemporaryDirectory { dir in
            try LoopDevice.withFresh(64 << 20, in: dir, for: "the loop-device test") { device, backing in
                let format = try Tools.run("mkfs.ardaku", ["-L", "loop", device.path])
                #expect(format.status == 0, "\(format.stderr)")
                #expect(format.stdout.contains("1024 pages"), "the device's size must be used: \(format.stdout)")
                try Tools.write("\(dir)/in.txt", "on a block device")
                #expect(try Tools.run("ardaku", ["put", device.path, "\(dir)/in.txt", "/dev.txt"]).status == 0)
                let read = try Tools.run("ardaku", ["get", device.path, "/dev.txt"])
                #expect(read.stdout == "on a block device")
                // Refused again without -f: the volume is recognised on the device.
                #expect(try Tools.run("mkfs.ardaku", [device.path]).status == 1)
                device.detach()
                // What was written through the device is in the backing file.
                #expect(try Tools.run("ardaku", ["get", backing, "/dev.txt"]).stdout == "on a block device")
            }
        }
    }

    /// A mounted filesystem (ext4 on a loop device) is never formatted, through the device
    /// or through its backing file.
    @Test func refusesMountedDevice() throws {
        try Tools.withTemporaryDirectory { dir in
            let backing = "\(dir)/m.img"
            guard (try? Tools.run("/sbin/mkfs.ext4", ["-q", "-F", backing, "16M"]))?.status == 0 else { return }
            let (attached, reason) = LoopDevice.attach(backing)
            guard let device = attached else { print("skipping the mounted-device test: \(reason)"); return }
            defer { device.detach() }
            let mountPoint = "\(dir)/mnt"
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            guard try Tools.run("/bin/mount", [device.path, mountPoint]).status == 0 else {
                print("skipping the mounted-device test: mount is not permitted here")
                return
            }
            defer { _ = try? Tools.run("/bin/umount", [mountPoint]) }
            let viaDevice = try Tools.run("mkfs.ardaku", ["-f", device.path])
            #expect(viaDevice.status == 1 && viaDevice.stderr.contains("mounted"), "\(viaDevice.stderr)")
            let viaFile = try Tools.run("mkfs.ardaku", ["-f", backing])
            #expect(viaFile.status == 1 && viaFile.stderr.contains("mounted"), "\(viaFile.stderr)")
        }
    }
}
