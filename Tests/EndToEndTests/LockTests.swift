import Foundation
import Testing
import ArdakuIO

/// One writer at a time (docs/CONCURRENCY.md): every tool against a volume another process
/// holds, and the concurrency harness with a few rounds.
@Suite(.serialized) struct LockTests {
    /// A child process that holds a flock (or, for a block device, an O_EXCL open) on a
    /// file until it is stopped or its time runs out: another process, as the tools see it.
    final class Holder {
        let process = Process()
        var pid: Int32 { process.processIdentifier }

        enum Kind: String { case exclusive, shared, deviceExclusive }

        /// Starts holding `path`; returns once the lock is taken.
        init(_ path: String, _ kind: Kind, seconds: Double = 60) throws {
            let script = """
                import fcntl, os, sys, time
                path, kind, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
                if kind == "deviceExclusive":
                    fd = os.open(path, os.O_RDONLY | os.O_EXCL)
                else:
                    fd = os.open(path, os.O_RDONLY)
                    fcntl.flock(fd, (fcntl.LOCK_EX if kind == "exclusive" else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                print("ready", flush=True)
                time.sleep(seconds)
                """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, path, kind.rawValue, String(seconds)]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            guard line.hasPrefix("ready") else {
                process.waitUntilExit()
                throw HolderError(message: "the holder could not lock \(path) (exit \(process.terminationStatus))")
            }
        }

        /// SIGKILL: the test runner's children may inherit SIGTERM ignored.
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        struct HolderError: Error, CustomStringConvertible { var message: String; var description: String { message } }
    }

    /// A volume with files, a nested ZEST and a nested CAS volume, and a tree to put.
    static func makeVolume(_ dir: String) throws -> String {
        for index in 0..<6 { try Tools.write("\(dir)/tree/d/f\(index)", String(repeating: "data \(index) ", count: 100 * index)) }
        try Tools.write("\(dir)/one.txt", "one file")
        let image = "\(dir)/disk.img"
        let made = try Tools.run("mkfs.ardaku", ["-q", "-d", "\(dir)/tree", "--zest", "/vol.zest=\(dir)/tree",
                                                 "--cas", "/vol.cas=\(dir)/tree", image, "16M"])
        #expect(made.status == 0, "\(made.stderr)")
        return image
    }

    /// Every writing command, by name, with its arguments on `image`.
    static func writers(_ image: String, _ dir: String) -> [(name: String, tool: String, arguments: [String])] {
        [
            ("put", "ardaku", ["put", "-r", image, "\(dir)/tree", "/new"]),
            ("rm", "ardaku", ["rm", image, "/d/f1"]),
            ("mv", "ardaku", ["mv", image, "/d/f2", "/moved"]),
            ("chmod", "ardaku", ["chmod", "-R", "u+x", image, "/d"]),
            ("chown", "ardaku", ["chown", "1:2", image, "/d/f3"]),
            ("touch", "ardaku", ["touch", "-d", "@1", image, "/d/f4"]),
            ("zest put", "ardaku", ["zest", "put", "-r", image, "/vol.zest", "\(dir)/tree", "/new"]),
            ("cas put", "ardaku", ["cas", "put", "-r", image, "/vol.cas", "\(dir)/tree", "--tag", "t2"]),
            ("cas gc", "ardaku", ["cas", "gc", image, "/vol.cas"]),
            ("fsck -fy", "fsck.zest", ["-fy", image]),
            ("mkfs -f", "mkfs.ardaku", ["-q", "-f", image]),
        ]
    }

    /// Every reading command.
    static func readers(_ image: String, _ dir: String) -> [(name: String, tool: String, arguments: [String])] {
        [
            ("ls", "ardaku", ["ls", "-R", image]),
            ("get", "ardaku", ["get", image, "/d/f3"]),
            ("stat", "ardaku", ["stat", image, "/d/f3"]),
            ("zest get", "ardaku", ["zest", "get", image, "/vol.zest", "/d/f3"]),
            ("cas tags", "ardaku", ["cas", "tags", image, "/vol.cas"]),
            ("dumpfs", "dumpfs", ["-q", image]),
            ("fsck -fn", "fsck.zest", ["-fn", image]),
        ]
    }

    static func expectBusy(_ result: Tools.Result, _ name: String, image: String, pid: Int32, purpose: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let status: Int32 = name.hasPrefix("fsck") ? 8 : 1
        #expect(result.status == status, "\(name): exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        let message = "\(image): in use by another process (pid \(pid) holds it for \(purpose)); try again, or use --wait"
        #expect(result.stderr.contains(message), "\(name): \(result.stderr)", sourceLocation: sourceLocation)
        // fsck.zest's version banner comes first, as always.
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("fsck.zest 1.") }
        #expect(lines.count == 1, "\(name): one line: \(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func exclusiveHolderStopsEveryCommandAndNothingChanges() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeVolume(dir)
            let before = try Tools.sha(image)
            let holder = try Holder(image, .exclusive)
            defer { holder.stop() }
            for (name, tool, arguments) in Self.writers(image, dir) + Self.readers(image, dir) {
                Self.expectBusy(try Tools.run(tool, arguments), name, image: image, pid: holder.pid, purpose: "writing")
            }
            #expect(try Tools.sha(image) == before, "a refused command writes nothing")
        }
    }

    @Test func sharedHolderLetsReadersInAndKeepsWritersOut() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeVolume(dir)
            let before = try Tools.sha(image)
            let holder = try Holder(image, .shared)
            defer { holder.stop() }
            for (name, tool, arguments) in Self.readers(image, dir) {
                let result = try Tools.run(tool, arguments)
                #expect(result.status == 0, "\(name): \(result.stderr)")
            }
            for (name, tool, arguments) in Self.writers(image, dir) {
                Self.expectBusy(try Tools.run(tool, arguments), name, image: image, pid: holder.pid, purpose: "reading")
            }
            #expect(try Tools.sha(image) == before)
        }
    }

    @Test func waitGivesUpAfterItsLimit() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeVolume(dir)
            let holder = try Holder(image, .exclusive)
            defer { holder.stop() }
            for (tool, arguments) in [("ardaku", ["put", "--wait=1", image, "\(dir)/one.txt", "/one"]),
                                      ("fsck.zest", ["-fy", "--wait=1", image])] {
                let start = Date()
                let result = try Tools.run(tool, arguments)
                let elapsed = Date().timeIntervalSince(start)
                #expect(result.status == (tool == "fsck.zest" ? 8 : 1), "\(result.stderr)")
                #expect(result.stderr.contains("in use by another process (pid \(holder.pid) holds it for writing); gave up after waiting 1 s"),
                        "\(result.stderr)")
                #expect(elapsed >= 0.9 && elapsed < 10, "\(tool) waited \(elapsed) s")
            }
        }
    }

    @Test func waitSucceedsWhenTheHolderLetsGo() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeVolume(dir)
            // --wait=5 (parser), a bare --wait (rm's plain command line), fsck's plain line.
            let runs: [(String, [String])] = [
                ("ardaku", ["put", "--wait=5", image, "\(dir)/one.txt", "/one"]),
                ("ardaku", ["rm", "--wait", image, "/d/f1"]),
                ("fsck.zest", ["-fy", "--wait=5", image]),
                ("dumpfs", ["-q", "--wait=5", image]),
                ("mkfs.ardaku", ["-q", "-f", "--wait=5", image]),
            ]
            for (tool, arguments) in runs {
                let holder = try Holder(image, .exclusive, seconds: 1)
                defer { holder.stop() }
                let start = Date()
                let result = try Tools.run(tool, arguments)
                let elapsed = Date().timeIntervalSince(start)
                #expect(result.status == 0, "\(tool) \(arguments): \(result.stderr)")
                #expect(elapsed >= 0.5 && elapsed < 10, "\(tool) \(arguments) took \(elapsed) s")
            }
            let check = try Tools.run("fsck.zest", ["-fn", image])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        }
    }

    @Test func badWaitValuesAreUsageErrors() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeVolume(dir)
            for (tool, arguments) in [("ardaku", ["ls", "--wait=soon", image]), ("ardaku", ["rm", "--wait=-1", image, "/d/f1"]),
                                      ("mkfs.ardaku", ["-f", "--wait=x", image]), ("dumpfs", ["--wait=x", image])] {
                let result = try Tools.run(tool, arguments)
                #expect(result.status != 0 && result.stderr.contains("--wait"), "\(arguments): \(result.stderr)")
            }
            let fsck = try Tools.run("fsck.zest", ["-n", "--wait=x", image])
            #expect(fsck.status == 16, "\(fsck.stderr)")
        }
    }

    /// A standalone .zest or .cas file has its own lock.
    @Test func standaloneVolumesAreLockedByThemselves() throws {
        try Tools.withTemporaryDirectory { dir in
            try Tools.write("\(dir)/a.txt", "standalone")
            let zest = "\(dir)/s.zest", cas = "\(dir)/s.cas"
            #expect(try Tools.run("ardaku", ["zest", "create", zest]).status == 0)
            #expect(try Tools.run("ardaku", ["cas", "put", cas, "\(dir)/a.txt", "--tag", "a"]).status == 0)
            for (path, writer, reader) in [
                (zest, ["zest", "put", zest, "\(dir)/a.txt", "/a"], ["zest", "ls", zest]),
                (cas, ["cas", "put", cas, "\(dir)/a.txt", "--tag", "b"], ["cas", "tags", cas]),
            ] {
                let before = try Tools.sha(path)
                let holder = try Holder(path, .shared)
                defer { holder.stop() }
                Self.expectBusy(try Tools.run("ardaku", writer), writer[1], image: path, pid: holder.pid, purpose: "reading")
                #expect(try Tools.run("ardaku", reader).status == 0)
                let fsck = try Tools.run("fsck.zest", ["-fy", path])
                Self.expectBusy(fsck, "fsck", image: path, pid: holder.pid, purpose: "reading")
                #expect(try Tools.sha(path) == before)
            }
        }
    }

    /// One process opening the same image twice (as mkfs and the ZEST sessions do) shares
    /// its lock instead of conflicting with itself.
    @Test func oneProcessSharesItsLock() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeVolume(dir)
            do {
                let writer = try MappedImage(path: image, mode: .readWrite)
                let reader = try MappedImage(path: image, mode: .readOnly)
                #expect(writer.lock === reader.lock && writer.lock.access == .exclusive)
                let busy = try Tools.run("ardaku", ["ls", image])
                #expect(busy.status == 1 && busy.stderr.contains("pid \(getpid()) holds it for writing"), "\(busy.stderr)")
            }
            // Gone with the last store: another process may have it now.
            #expect(try Tools.run("ardaku", ["ls", image]).status == 0)
            do {
                // Shared first, then exclusive: converted.
                let first = try MappedImage(path: image, mode: .readOnly)
                let second = try MappedImage(path: image, mode: .readWrite)
                #expect(first.lock === second.lock && first.lock.access == .exclusive)
            }
            #expect(try Tools.run("ardaku", ["ls", image]).status == 0)
        }
    }

    @Test func holdersAreReadFromProcLocks() {
        let text = """
            1: POSIX  ADVISORY  WRITE 77 fd:01:1234567 0 EOF
            2: FLOCK  ADVISORY  WRITE 12345 fd:01:1234567 0 EOF
            2: -> FLOCK  ADVISORY  WRITE 999 fd:01:1234567 0 EOF
            3: FLOCK  ADVISORY  READ 4 00:2f:1234567 0 EOF
            4: FLOCK  ADVISORY  READ 5 fd:01:1234568 0 EOF
            """
        #expect(VolumeLock.holders(inProcLocks: text, major: 0xfd, minor: 1, inode: 1234567) == [.init(pid: 12345, writing: true)])
        #expect(VolumeLock.holders(inProcLocks: text, major: 0, minor: 0x2f, inode: 1234567) == [.init(pid: 4, writing: false)])
        #expect(VolumeLock.holders(inProcLocks: text, major: 1, minor: 1, inode: 1).isEmpty)
    }

    /// On a block device a writer also opens with O_EXCL: another exclusive opener (here a
    /// process holding the device O_EXCL, as a mount would) keeps writers out; readers read.
    @Test func blockDeviceWritersNeedTheDeviceExclusively() throws {
        try Tools.withTemporaryDirectory { dir in
            try LoopDevice.withFresh(16 << 20, in: dir, for: "the block-device lock test") { device, backing in
                try Tools.write("\(dir)/a.txt", "on a device")
                let made = try Tools.run("mkfs.ardaku", ["-q", device.path])
                #expect(made.status == 0, "\(made.stderr)")
                #expect(try Tools.run("ardaku", ["put", device.path, "\(dir)/a.txt", "/a"]).status == 0)
                do {
                    let holder = try Holder(device.path, .deviceExclusive)
                    defer { holder.stop() }
                    let before = try Tools.sha(device.path)
                    for (tool, arguments) in [("ardaku", ["put", device.path, "\(dir)/a.txt", "/b"]), ("fsck.zest", ["-fy", device.path]),
                                              ("mkfs.ardaku", ["-q", "-f", device.path])] {
                        let result = try Tools.run(tool, arguments)
                        #expect(result.status == (tool == "fsck.zest" ? 8 : 1), "\(result.stderr)")
                        // Not mounted and not swap (those are named as such): another O_EXCL holder.
                        #expect(result.stderr.contains("\(device.path): in use by the system or another program (opened with O_EXCL)"),
                                "\(result.stderr)")
                    }
                    #expect(try Tools.run("ardaku", ["get", device.path, "/a"]).stdout == "on a device")
                    #expect(try Tools.run("fsck.zest", ["-fn", device.path]).status == 0)
                    #expect(try Tools.sha(device.path) == before)
                }
                do {
                    // The flock on the device node, as on an image file.
                    let holder = try Holder(device.path, .exclusive)
                    defer { holder.stop() }
                    Self.expectBusy(try Tools.run("ardaku", ["ls", device.path]), "ls", image: device.path, pid: holder.pid, purpose: "writing")
                }
                #expect(try Tools.run("ardaku", ["put", device.path, "\(dir)/a.txt", "/b"]).status == 0)
            }
        }
    }

    /// tools/concurrency/run with two rounds per pair (the full run is by hand; see
    /// docs/RELIABILITY.md).
    @Test func concurrencyHarnessShortRun() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("tools/concurrency/run").path
        let result = try Tools.run("/usr/bin/python3", [script, "--rounds", "2", "--files", "4", "--bin", Tools.productsDirectory.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("image file: pairs 36, rounds 72"), "\(result.stdout)")
        #expect(result.stdout.contains("failures 0"), "\(result.stdout)")
    }
}
