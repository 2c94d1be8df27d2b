import CArdakuSys
import Foundation
import Glibc
import Testing
import TestSupport

/// Every kind of file survives a trip through an Ardaku volume (issue 17): directories
/// (empty ones too), symbolic links (absolute, relative, dangling), FIFOs and devices, with
/// modes 0000-7777, owners other than root, times to the nanosecond, hard links and extended
/// attributes in the user. and security. namespaces. Judged by tools nobody here wrote: rsync's
/// itemized comparison and diff.
@Suite(.serialized) struct KindRoundTripTests {
    /// The modes the tree's files have: each permission bit alone, none, all, and the usual.
    static let modes = ["0000", "0001", "0002", "0004", "0010", "0020", "0040", "0100", "0200", "0400",
                        "1000", "2000", "4000", "7777", "0644", "0755", "4755", "2750", "1777", "0600"]

    /// `dir/src` with every kind; directories' times are set last (their entries move them).
    static func makeTree(_ dir: String) throws {
        let script = """
            set -e
            cd "$1"
            mkdir -p src/empty src/dir/sub src/modes
            for m in \(modes.joined(separator: " ")); do : > src/modes/m$m; chmod $m src/modes/m$m; done
            printf 'content\\n' > src/dir/file
            chown 1234:567 src/dir/file
            ln src/dir/file src/hard-a
            ln src/dir/file src/modes/hard-b
            ln -s /etc/hostname src/abs-link
            ln -s ../file src/dir/sub/rel-link
            ln -s does/not/exist src/dangling
            mkfifo -m 0640 src/fifo
            mknod -m 0600 src/char c 1 3
            mknod -m 0660 src/block b 7 200
            chown -h 1234:567 src/abs-link src/fifo
            touch -h -d @1600000000.123456789 src/abs-link src/dangling src/fifo src/char src/block src/dir/file src/dir/sub/rel-link
            chmod 0700 src/empty
            chown 42:43 src/empty
            chmod 2775 src/dir
            touch -d @1500000000.5 src/empty src/dir/sub src/dir src/modes src
            """
        let run = try Tools.run("/bin/sh", ["-c", script, "sh", dir])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.setXattr("\(dir)/src/dir/file", "user.note", "kept"))
        #expect(Self.setXattr("\(dir)/src/dir", "user.dir", "too"))
        #expect(Self.setXattr("\(dir)/src/dir", "security.label", "system_u:object_r:etc_t:s0"))
        #expect(TestSockets.bind("\(dir)/src/sock"))
        // The socket moved the root's time: set it again (xattrs move change times only).
        #expect(try Tools.run("/usr/bin/touch", ["-d", "@1500000000.5", "\(dir)/src"]).status == 0)
    }

    static func setXattr(_ path: String, _ name: String, _ value: String) -> Bool {
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        return Array(value.utf8).withUnsafeBytes { ardaku_set_xattr_fd(descriptor, name, $0.baseAddress, $0.count) } == 0
    }

    /// What rsync would change to make `copy` like `original` (nothing, when the trip kept
    /// everything it compares: kinds, modes, owners, mtimes, link targets, device numbers,
    /// hard links, ACLs and xattrs).
    /// The socket, which no volume keeps, is left out of the comparison.
    static func differences(_ original: String, _ copy: String) throws -> [String] {
        let rsync = try Tools.run("/usr/bin/rsync", ["-aHAXn", "--itemize-changes", "--exclude=/sock", original + "/", copy + "/"])
        #expect(rsync.status == 0, "\(rsync.stderr)")
        return rsync.stdout.split(separator: "\n").map(String.init)
    }

    @Test func putAndGetKeepEveryKind() throws {
        try Tools.withTemporaryDirectory { dir in
            try Self.makeTree(dir)
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "32M"]).status == 0)
            let put = try Tools.run("ardaku", ["put", "-r", image, "\(dir)/src", "/t"])
            #expect(put.status == 0, "\(put.stderr)")
            // Only the socket is left out.
            #expect(put.stderr == "ardaku: warning: \(dir)/src/sock: skipped: socket (not supported)\nardaku: warning: skipped 1 entry (named above)\n",
                    "\(put.stderr)")
            let fsck = try Tools.run("fsck.zest", ["-fn", image])
            #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")

            let get = try Tools.run("ardaku", ["get", "-r", image, "/t", "\(dir)/out"])
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stderr.isEmpty, "\(get.stderr)")
            #expect(try Self.differences("\(dir)/src", "\(dir)/out") == [])
            // diff compares contents and link targets; of two FIFOs or devices it can only say
            // that both are one (rsync compared their kinds, modes and numbers above).
            let diff = try Tools.run("/usr/bin/diff", ["-r", "--no-dereference", "-x", "sock", "\(dir)/src", "\(dir)/out"])
            let sameKind = /File (\S+) is an? (.+) while file (\S+) is an? (.+)/
            for line in diff.stdout.split(separator: "\n") {
                let match = line.wholeMatch(of: sameKind)
                #expect(match != nil && match?.output.2 == match?.output.4, "\(line)")
            }
            #expect(diff.stderr.isEmpty && diff.stdout.split(separator: "\n").count <= 3, "\(diff.stdout)\(diff.stderr)")

            // ls -l and stat say what each entry is.
            let listing = try Tools.run("ardaku", ["ls", "-l", image, "/t"]).stdout
            for expected in ["lrwxrwxrwx  1  1234   567", "abs-link -> /etc/hostname", "crw-------  1     0     0         1, 3",
                             "brw-rw----  1     0     0       7, 200", "prw-r-----  1  1234   567", "drwx------  1    42    43",
                             " empty/", "drwxrwsr-x  1     0     0", " dir/", "dangling -> does/not/exist"] {
                #expect(listing.contains(expected), "\(expected)\n\(listing)")
            }
            let stat = try Tools.run("ardaku", ["stat", image, "/t/dir/sub/rel-link"]).stdout
            #expect(stat.contains("symbolic link"), "\(stat)")
            #expect(stat.contains("Target:            ../file"), "\(stat)")
        }
    }

    /// mkfs.ardaku -d keeps the same; the volume's root has no record (FORMAT §9), so the
    /// comparison is of the tree's entries, the root's own attributes aside.
    @Test func mkfsKeepsEveryKind() throws {
        try Tools.withTemporaryDirectory { dir in
            try Self.makeTree(dir)
            let image = "\(dir)/v.img"
            let mkfs = try Tools.run("mkfs.ardaku", ["-d", "\(dir)/src", image, "32M"])
            #expect(mkfs.status == 0 && mkfs.stderr.hasSuffix("src/sock: skipped: socket (not supported)\n"), "\(mkfs.stderr)")
            #expect(mkfs.stdout.contains("Stored 21 files (8 bytes), 10 other entries (directories, links, nodes) and 2 hard links"), "\(mkfs.stdout)")
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
            #expect(try Tools.run("ardaku", ["get", "-r", image, "/", "\(dir)/out"]).status == 0)
            #expect(try Self.differences("\(dir)/src", "\(dir)/out").filter { !$0.hasSuffix(" ./") } == [])
            for sub in ["dir", "empty", "modes"] {
                #expect(try Self.differences("\(dir)/src/\(sub)", "\(dir)/out/\(sub)") == [], "\(sub)")
            }
        }
    }

    /// A thousand names of one file come back as a thousand names of one file.
    @Test func aThousandHardLinks() throws {
        try Tools.withTemporaryDirectory { dir in
            let script = """
                set -e
                mkdir -p "$1/src/links"
                printf 'shared\\n' > "$1/src/links/0"
                i=1; while [ $i -lt 1000 ]; do ln "$1/src/links/0" "$1/src/links/$i"; i=$((i+1)); done
                touch -d @1500000000 "$1/src/links" "$1/src"
                """
            #expect(try Tools.run("/bin/sh", ["-c", script, "sh", dir]).status == 0)
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "64M"]).status == 0)
            let put = try Tools.run("ardaku", ["put", "-r", image, "\(dir)/src", "/t"])
            #expect(put.status == 0 && put.stderr.isEmpty, "\(put.stderr)")
            let shown = try Tools.run("ardaku", ["stat", image, "/t/links/517"]).stdout
            #expect(shown.contains("Links:             1000"), "\(shown)")
            let fsck = try Tools.run("fsck.zest", ["-fn", image])
            #expect(fsck.status == 0, "\(fsck.stdout)")
            #expect(try Tools.run("ardaku", ["get", "-r", image, "/t", "\(dir)/out"]).status == 0)
            #expect(try Self.differences("\(dir)/src", "\(dir)/out") == [])
            var info = stat()
            #expect(lstat("\(dir)/out/links/999", &info) == 0 && info.st_nlink == 1000)
            // Removing one name leaves 999.
            #expect(try Tools.run("ardaku", ["rm", image, "/t/links/0"]).status == 0)
            #expect(try Tools.run("ardaku", ["stat", image, "/t/links/1"]).stdout.contains("Links:             999"))
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    /// mkdir, rmdir, ln -s and touch make and remove entries as their namesakes do.
    @Test func commandsMakeAndRemoveEntries() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            func ardaku(_ arguments: [String]) throws -> Tools.Result { try Tools.run("ardaku", arguments) }

            #expect(try ardaku(["mkdir", "-m", "750", image, "/a"]).status == 0)
            let missingParent = try ardaku(["mkdir", image, "/x/y"])
            #expect(missingParent.status == 1 && missingParent.stderr.contains("/x/y: parent /x: no such file"), "\(missingParent.stderr)")
            #expect(try ardaku(["mkdir", "-p", image, "/x/y/z", "/a"]).status == 0)
            let again = try ardaku(["mkdir", image, "/a"])
            #expect(again.status == 1 && again.stderr.contains("/a: file exists"), "\(again.stderr)")
            #expect(try ardaku(["ln", "-s", image, "../a", "/x/link"]).status == 0)
            #expect(try ardaku(["touch", image, "/x/file"]).status == 0)
            #expect(try ardaku(["ln", image, "/x/file", "/x/same"]).status == 0)
            #expect(try ardaku(["stat", image, "/x/same"]).stdout.contains("Links:             2"))
            let directoryLink = try ardaku(["ln", image, "/a", "/hard"])
            #expect(directoryLink.status == 1 && directoryLink.stderr.contains("/a: is a directory"), "\(directoryLink.stderr)")
            #expect(try ardaku(["touch", "-d", "@1000000000", image, "/a/new"]).status == 0)
            #expect(try ardaku(["touch", "-c", image, "/a/not-made"]).status == 0)

            let listing = try ardaku(["ls", "-l", image, "/"]).stdout
            #expect(listing.contains("drwxr-x---") && listing.contains(" a/"), "\(listing)")
            #expect(try ardaku(["ls", "-l", image, "/x"]).stdout.contains("link -> ../a"))
            #expect(try ardaku(["ls", image, "/a"]).stdout == "new\n")
            #expect(try ardaku(["stat", image, "/a/new"]).stdout.contains("2001-09-09 01:46:40"))

            let notEmpty = try ardaku(["rmdir", image, "/a", "/x/y/z"])
            #expect(notEmpty.status == 1 && notEmpty.stderr.contains("/a: directory not empty"), "\(notEmpty.stderr)")
            #expect(try ardaku(["ls", image, "/x/y"]).stdout.isEmpty)
            let file = try ardaku(["rmdir", image, "/a/new"])
            #expect(file.status == 1 && file.stderr.contains("/a/new: not a directory"), "\(file.stderr)")
            let plainRemove = try ardaku(["rm", image, "/a"])
            #expect(plainRemove.status == 1 && plainRemove.stderr.contains("/a: is a directory"), "\(plainRemove.stderr)")
            #expect(try ardaku(["rm", "-r", image, "/a"]).status == 0)
            #expect(try ardaku(["mv", image, "/x", "/moved"]).status == 0)
            #expect(try ardaku(["ls", "-R", image, "/"]).stdout == "/moved/\n/moved/file\n/moved/link\n/moved/same\n/moved/y/\n")
            #expect(try ardaku(["ls", "-l", image, "/moved"]).stdout.contains("-rw-r--r--  2"))
            let fsck = try Tools.run("fsck.zest", ["-fn", image])
            #expect(fsck.status == 0, "\(fsck.stdout)")
        }
    }
}
