import Foundation
import Testing

/// What the tools say about an image that is not (or not quite) an Ardaku volume, and
/// how they read one that is damaged in part: by name, with what can be read still read.
@Suite struct UnwelcomeImageTests {
    @Test func anotherFileSystemOrAHostFileIsNamedForWhatItIs() throws {
        try Tools.withTemporaryDirectory { dir in
            let ext4 = "\(dir)/e.img", host = "\(dir)/host.txt", image = "\(dir)/a.img"
            #expect(try Tools.run("/bin/sh", ["-c", "truncate -s 64M \(ext4) && /sbin/mkfs.ext4 -q \(ext4)"]).status == 0)
            let ls = try Tools.run("ardaku", ["ls", ext4])
            #expect(ls.status == 1 && ls.stderr == "ardaku: \(ext4): not an Ardaku volume (it holds an ext4 file system)\n")
            let dump = try Tools.run("dumpfs", ["-q", ext4])
            #expect(dump.status == 1 && dump.stdout.isEmpty && dump.stderr.contains("not an Ardaku volume (it holds an ext4 file system)"))
            let fsck = try Tools.run("fsck.zest", ["-fn", ext4])
            #expect(fsck.status == 8 && fsck.stderr.contains("\(ext4) holds an ext4 file system, not an Ardaku volume"))
            // Arguments swapped: the host file is named as what it is, not as a short store.
            try Tools.write(host, "hi\n")
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            let swapped = try Tools.run("ardaku", ["put", host, image, "/x"])
            #expect(swapped.status == 1 && swapped.stderr == "ardaku: \(host): not an Ardaku volume: 3 bytes, less than one page of 64 KiB\n")
            for path in [dir, "/dev/null"] {
                let result = try Tools.run("ardaku", ["ls", path])
                #expect(result.status == 1 && result.stderr.contains("\(path): not an Ardaku volume: it is a"), "\(result.stderr)")
            }
            // Nothing decodes and nothing else is there: the bytes are shown, the status says so.
            try Tools.write("\(dir)/zeros.img", String(repeating: "\0", count: 4 << 16))
            let zeros = try Tools.run("dumpfs", ["-q", "\(dir)/zeros.img"])
            #expect(zeros.status == 1 && zeros.stdout.contains("Block in use:") && zeros.stderr.contains("no Ardaku volume found"))
        }
    }

    @Test func damagedPageZeroIsReadFromTheBackupButNotWritten() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            try Tools.write("\(dir)/hi.txt", "hi\n")
            #expect(try Tools.run("ardaku", ["put", image, "\(dir)/hi.txt", "/hi.txt"]).status == 0)
            #expect(try Tools.run("/bin/sh", ["-c", "printf XXXX | dd of=\(image) bs=1 seek=1280 conv=notrunc 2>/dev/null"]).status == 0)
            let ls = try Tools.run("ardaku", ["ls", image])
            #expect(ls.status == 0 && ls.stdout == "hi.txt\n")
            #expect(ls.stderr.contains("page 0 is damaged") && ls.stderr.contains("reading the backup in page 255"))
            #expect(try Tools.run("ardaku", ["get", image, "/hi.txt"]).stdout == "hi\n")
            let put = try Tools.run("ardaku", ["put", image, "\(dir)/hi.txt", "/two"])
            #expect(put.status == 1 && put.stderr.contains("run fsck.zest -y to restore page 0 before writing"))
            #expect(try Tools.run("fsck.zest", ["-fy", image]).status == 1)
            #expect(try Tools.run("ardaku", ["put", image, "\(dir)/hi.txt", "/two"]).status == 0)
            // A cut image that keeps page 0 is named as truncated, not as a damaged page 0.
            #expect(try Tools.run("/bin/sh", ["-c", "head -c \(3 << 16) \(image) > \(dir)/cut.img"]).status == 0)
            let cut = try Tools.run("ardaku", ["ls", "\(dir)/cut.img"])
            #expect(cut.status == 1 && cut.stderr.contains("image holds 3 pages but the volume has 256: truncated image"))
        }
    }

    @Test func oneDamagedRecordHidesNoOtherFile() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            for name in ["a", "b", "c"] {
                try Tools.write("\(dir)/\(name)", name)
                #expect(try Tools.run("ardaku", ["put", image, "\(dir)/\(name)", "/d/\(name)"]).status == 0)
            }
            // /d/b's record: its modification time changed, its checksum not.
            let stat = try Tools.run("ardaku", ["stat", "--json", image, "/d/b"])
            let subpage = try #require((try JSONSerialization.jsonObject(with: Data(stat.stdout.utf8)) as? [String: Any])?["record_subpage"] as? Int)
            #expect(try Tools.run("/bin/sh", ["-c", "printf Z | dd of=\(image) bs=1 seek=\(subpage * 16384 + 0x3A) conv=notrunc 2>/dev/null"]).status == 0)
            let ls = try Tools.run("ardaku", ["ls", "-R", image])
            #expect(ls.status == 1 && ls.stdout == "/d/a\n/d/c\n")
            #expect(ls.stderr.contains("ardaku: /d/b: unreadable: ") && ls.stderr.contains("checksum mismatch"))
            #expect(try Tools.run("ardaku", ["ls", image]).stdout == "d/\n")
            let get = try Tools.run("ardaku", ["get", "-r", image, "/d", "\(dir)/out"])
            #expect(get.status == 1 && get.stderr.contains("1 of 3 files not copied"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").sorted() == ["a", "c"])
        }
    }

    @Test func removeRemovesWhatExistsAndNamesTheRest() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            try Tools.write("\(dir)/hi.txt", "hi\n")
            for name in ["/a", "/b"] { #expect(try Tools.run("ardaku", ["put", image, "\(dir)/hi.txt", name]).status == 0) }
            let rm = try Tools.run("ardaku", ["rm", image, "/a", "/nope", "/b"])
            #expect(rm.status == 1 && rm.stderr == "ardaku: /nope: no such file\nardaku: 2 of 3 names removed\n")
            #expect(try Tools.run("ardaku", ["ls", image]).stdout == "")
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    @Test func argumentsThatAreNotUTF8AreRefusedNotChanged() throws {
        try Tools.withTemporaryDirectory { dir in
            let mkfs = Tools.productsDirectory.appendingPathComponent("mkfs.ardaku").path
            let ardaku = Tools.productsDirectory.appendingPathComponent("ardaku").path
            let label = try Tools.run("/bin/sh", ["-c", "exec \"$0\" -q -L \"$(printf 'lab\\377')\" \"$1\" 16M", mkfs, "\(dir)/l.img"])
            #expect(label.status == 1 && label.stderr == "mkfs.ardaku: argument 3 is not valid UTF-8 (byte 3); names, labels and paths must be UTF-8\n")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/l.img"))
            #expect(try Tools.run("mkfs.ardaku", ["-q", "\(dir)/a.img", "16M"]).status == 0)
            try Tools.write("\(dir)/hi.txt", "hi\n")
            let name = try Tools.run("/bin/sh", ["-c", "exec \"$0\" put \"$1\" \"$2\" \"$(printf '/bad\\377')\"", ardaku, "\(dir)/a.img", "\(dir)/hi.txt"])
            #expect(name.status == 1 && name.stderr.contains("argument 4 is not valid UTF-8 (byte 4)"))
            #expect(try Tools.run("ardaku", ["ls", "\(dir)/a.img"]).stdout == "")
        }
    }

    /// Issue 14 #15: a read-only device and an active swap area are named as such.
    @Test func readOnlyDeviceAndSwapAreNamed() throws {
        try Tools.withTemporaryDirectory { dir in
            let readOnlyImage = "\(dir)/ro.img", swapImage = "\(dir)/swap.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", readOnlyImage, "16M"]).status == 0)
            let (readOnly, reason) = LoopDevice.attach(readOnlyImage, readOnly: true)
            guard let readOnly else {
                print("skipping the read-only and swap device test: \(reason)")
                return
            }
            do {
                defer { readOnly.detach() }
                let mkfs = try Tools.run("mkfs.ardaku", ["-q", "-f", readOnly.path])
                #expect(mkfs.status == 1 && mkfs.stderr == "mkfs.ardaku: \(readOnly.path): read-only device: it cannot be written\n", "\(mkfs.stderr)")
                #expect(try Tools.run("ardaku", ["ls", readOnly.path]).status == 0)
            }
            #expect(try Tools.run("/bin/sh", ["-c", "truncate -s 16M \(swapImage) && /sbin/mkswap -q \(swapImage)"]).status == 0)
            let (swap, swapReason) = LoopDevice.attach(swapImage)
            guard let swap else {
                print("skipping the swap device test: \(swapReason)")
                return
            }
            defer { swap.detach() }
            guard try Tools.run("/sbin/swapon", [swap.path]).status == 0 else {
                print("skipping the swap device test: swapon failed (no swap in this container)")
                return
            }
            defer { _ = try? Tools.run("/sbin/swapoff", [swap.path]) }
            let mkfs = try Tools.run("mkfs.ardaku", ["-q", "-f", swap.path])
            #expect(mkfs.status == 1 && mkfs.stderr.contains("\(swap.path): in use as swap"), "\(mkfs.stderr)")
        }
    }
}
