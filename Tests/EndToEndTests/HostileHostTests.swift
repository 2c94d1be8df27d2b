import Foundation
import Testing

/// What the tools do with the host side of a copy when it is not a plain file: a FIFO
/// must not hang them, a device node must not be replaced or written through, a name of
/// the longest legal length must extract, and a killed extraction must leave nothing.
@Suite struct HostileHostTests {
    /// Device 1:3 (/dev/null) in glibc's encoding of small numbers (makedev is a macro Swift cannot import).
    static let nullDevice = dev_t(1 << 8 | 3)

    /// Runs a tool under timeout(1): a hang fails the test (exit 124) instead of the suite.
    private func runBounded(_ tool: String, _ arguments: [String]) throws -> Tools.Result {
        try Tools.run("/usr/bin/timeout", ["-s", "KILL", "20", Tools.productsDirectory.appendingPathComponent(tool).path] + arguments)
    }

    @Test func fifoAsSourceOrImageIsRefusedWithoutHanging() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img", fifo = "\(dir)/f"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            #expect(mkfifo(fifo, 0o644) == 0)
            let put = try runBounded("ardaku", ["put", image, fifo, "/f"])
            #expect(put.status == 1 && put.stderr.contains("\(fifo): not a regular file (a FIFO)"))
            // A symbolic link is never followed as a source, named or found by a walk.
            try Tools.write("\(dir)/target", "t\n")
            #expect(symlink("\(dir)/target", "\(dir)/link") == 0)
            let link = try runBounded("ardaku", ["put", image, "\(dir)/link", "/l"])
            #expect(link.status == 1 && link.stderr.contains("\(dir)/link: is a symbolic link"))
            for (tool, arguments) in [("ardaku", ["ls", fifo]), ("dumpfs", [fifo]), ("fsck.zest", ["-fn", fifo]),
                                      ("ardaku", ["zest", "ls", fifo]), ("ardaku", ["cas", "tags", fifo])] {
                let result = try runBounded(tool, arguments)
                #expect(result.status != 0 && result.status != 124, "\(tool) \(arguments)")
                #expect(result.stderr.contains("not an Ardaku volume: it is a FIFO"), "\(tool) \(arguments): \(result.stderr)")
            }
            // A FIFO in a tree is stored as a FIFO (FORMAT §7.2), never opened, so the walk
            // cannot hang on it; the other files are stored beside it.
            try FileManager.default.createDirectory(atPath: "\(dir)/src", withIntermediateDirectories: true)
            try Tools.write("\(dir)/src/a", "a\n")
            #expect(mkfifo("\(dir)/src/pipe", 0o644) == 0)
            let tree = try runBounded("ardaku", ["put", "-r", image, "\(dir)/src", "/t"])
            #expect(tree.status == 0 && tree.stderr.isEmpty, "\(tree.stderr)")
            #expect(try Tools.run("ardaku", ["ls", "-R", image]).stdout == "/t/\n/t/a\n/t/pipe\n")
            #expect(try Tools.run("ardaku", ["ls", "-l", image, "/t"]).stdout.contains("prw-r--r--"))
        }
    }

    @Test func forcedGetNeverReplacesADeviceNodeButReplacesALinkItself() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            try Tools.write("\(dir)/hi.txt", "hi\n")
            #expect(try Tools.run("ardaku", ["put", image, "\(dir)/hi.txt", "/hi.txt"]).status == 0)
            let node = "\(dir)/null"
            #expect(mknod(node, S_IFCHR | 0o644, Self.nullDevice) == 0)
            let refused = try Tools.run("ardaku", ["get", "-f", image, "/hi.txt", node])
            #expect(refused.status == 1 && refused.stderr.contains("is a character device; not replaced"))
            var info = stat()
            #expect(lstat(node, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
            // A symbolic link named as the destination is replaced as a link: its target keeps its bytes.
            try Tools.write("\(dir)/target", "keep\n")
            #expect(symlink("\(dir)/target", "\(dir)/link") == 0)
            #expect(try Tools.run("ardaku", ["get", "-f", image, "/hi.txt", "\(dir)/link"]).status == 0)
            #expect(lstat("\(dir)/link", &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
            #expect(try String(contentsOfFile: "\(dir)/target", encoding: .utf8) == "keep\n")
            #expect(try String(contentsOfFile: "\(dir)/link", encoding: .utf8) == "hi\n")
        }
    }

    @Test func treeExtractionTakesLongNamesAndGoesOnAfterAFailure() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img", long = String(repeating: "n", count: 255)
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            try FileManager.default.createDirectory(atPath: "\(dir)/src", withIntermediateDirectories: true)
            for name in ["a", "b", "c", long] { try Tools.write("\(dir)/src/\(name)", name) }
            #expect(try Tools.run("ardaku", ["put", "-r", image, "\(dir)/src", "/s"]).status == 0)
            try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
            #expect(mknod("\(dir)/out/b", S_IFCHR | 0o644, Self.nullDevice) == 0)
            let get = try Tools.run("ardaku", ["get", "-r", "-f", image, "/s", "\(dir)/out"])
            #expect(get.status == 1)
            #expect(get.stderr.contains("out/b: is a character device; not replaced"))
            #expect(get.stderr.contains("1 of 4 files not copied"))
            for name in ["a", "c", long] {
                #expect(try String(contentsOfFile: "\(dir)/out/\(name)", encoding: .utf8) == name)
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test func getKilledBySIGTERMLeavesNoTemporaryFile() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/a.img", big = "\(dir)/big"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "512M"]).status == 0)
            // Random content (not holes): the copy takes long enough to be interrupted.
            #expect(try Tools.run("/bin/sh", ["-c", "head -c \(192 << 20) /dev/urandom > \(big)"]).status == 0)
            #expect(try Tools.run("ardaku", ["put", image, big, "/big"]).status == 0)
            try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
            var interrupted = false
            for delay in [200_000, 100_000, 50_000, 20_000] as [useconds_t] where !interrupted {
                try? FileManager.default.removeItem(atPath: "\(dir)/out/big")
                // The test runner's threads block SIGTERM and children inherit the mask:
                // the tool is started with it unblocked, as a shell would start it.
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
                process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM}); os.execv(sys.argv[1], sys.argv[1:])",
                                     Tools.productsDirectory.appendingPathComponent("ardaku").path, "get", image, "/big", "\(dir)/out/big"]
                process.standardError = FileHandle.nullDevice
                try process.run()
                usleep(delay)
                process.terminate()
                process.waitUntilExit()
                interrupted = process.terminationReason == .uncaughtSignal
                // Nothing but the finished file, if the copy ended before the signal.
                let left = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out")
                #expect(left.isEmpty || (!interrupted && left == ["big"] && Tools.sameContent(big, "\(dir)/out/big")), "\(left)")
            }
            #expect(interrupted, "every copy finished before SIGTERM reached it")
        }
    }

    @Test func zestAndCASExtractionNeverReplaceADeviceNodeAndGoOn() throws {
        try Tools.withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/src", withIntermediateDirectories: true)
            for name in ["a", "b", "c"] { try Tools.write("\(dir)/src/\(name)", name) }
            let zest = "\(dir)/z.zest", cas = "\(dir)/x.cas"
            #expect(try Tools.run("ardaku", ["zest", "create", zest]).status == 0)
            #expect(try Tools.run("ardaku", ["zest", "put", "-r", zest, "\(dir)/src", "/"]).status == 0)
            #expect(try Tools.run("ardaku", ["cas", "put", "-r", cas, "\(dir)/src", "--tag", "v1"]).status == 0)
            for (kind, arguments) in [("zest", ["zest", "get", "-r", "-f", "-o", "\(dir)/zout", zest, "/"]),
                                      ("cas", ["cas", "get", "-r", "-f", cas, "v1", "\(dir)/cout"])] {
                let out = kind == "zest" ? "\(dir)/zout" : "\(dir)/cout"
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                #expect(mknod("\(out)/b", S_IFCHR | 0o644, Self.nullDevice) == 0)
                let result = try Tools.run("ardaku", arguments)
                #expect(result.status == 1, "\(kind)")
                #expect(result.stderr.contains("\(out)/b: is a character device; not replaced"), "\(kind): \(result.stderr)")
                var info = stat()
                #expect(lstat("\(out)/b", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
                if kind == "zest" {
                    // ZEST goes on with the other files; a CAS restore stops at its first failure.
                    #expect(try String(contentsOfFile: "\(out)/c", encoding: .utf8) == "c")
                }
                #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasPrefix(".") })
            }
        }
    }
}
