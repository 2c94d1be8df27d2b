import ArdakuFormat
import ArdakuIO
import CArdakuSys
import Foundation
import Glibc
import TestSupport
import Testing

/// A scratch directory removed when the test ends.
private func withScratch<R>(_ body: (String) throws -> R) throws -> R {
    let directory = NSTemporaryDirectory() + "ardaku-hosttree-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer {
        // A test may leave a mode 000 directory or an immutable-looking tree: make it removable.
        _ = try? FileManager.default.removeItem(atPath: directory)
    }
    return try body(directory)
}

private func write(_ path: String, _ text: String, mode: mode_t = 0o644) {
    let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode)
    precondition(descriptor >= 0, "\(path): \(String(cString: strerror(errno)))")
    _ = text.utf8CString.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count - 1) }
    close(descriptor)
    precondition(chmod(path, mode) == 0)
}

/// Sets atime and mtime (seconds and nanoseconds) of `path` without following a link.
private func setTimes(_ path: String, access: (Int, Int), modification: (Int, Int)) {
    var times = [timespec(tv_sec: access.0, tv_nsec: access.1), timespec(tv_sec: modification.0, tv_nsec: modification.1)]
    precondition(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0, "\(path): \(String(cString: strerror(errno)))")
}

private func lstatOf(_ path: String) -> stat? {
    var info = stat()
    return lstat(path, &info) == 0 ? info : nil
}

private func exists(_ path: String) -> Bool { lstatOf(path) != nil }

/// setxattr(2) on `path` (a file or directory, opened to be named by its descriptor).
private func setXattr(_ path: String, _ name: String, _ value: [UInt8]) -> Bool {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return value.withUnsafeBytes { ardaku_set_xattr_fd(descriptor, name, $0.baseAddress, $0.count) } == 0
}

private func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t { dev_t(ardaku_device_make(major, minor)) }

/// Whether the scratch file system keeps user.* extended attributes.
private func supportsUserXattrs(_ directory: String) -> Bool {
    let probe = directory + "/.xattr-probe"
    write(probe, "")
    defer { unlink(probe) }
    return setXattr(probe, "user.probe", [0x31])
}

private func components(_ path: String) -> [[UInt8]] { path.split(separator: "/").map { Array($0.utf8) } }
private func joined(_ entry: HostTreeWalker.Entry) -> String { entry.components.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/") }

/// Restores every entry of `walk` (taken from `source`) under `restorer`, content from the host files.
private func restore(_ walk: HostTreeWalker.Walk, into restorer: HostTreeRestorer) throws {
    for item in walk.items {
        guard case let .entry(entry) = item else { continue }
        if let primary = entry.hardLinkOf {
            guard case let .entry(first) = walk.items[primary] else { Issue.record("hard link to a non-entry"); continue }
            try restorer.makeHardLink(entry.components, to: first.components)
        } else if entry.attributes.kind == .regular {
            let file = try RegularSourceFile(path: String(decoding: entry.path, as: UTF8.self))
            try restorer.writeFile(entry.components, attributes: entry.attributes) { write in
                let bytes = try file.readAll()
                try bytes.withUnsafeBytes { try write($0) }
            }
        } else {
            try restorer.make(entry.components, entry.attributes)
        }
    }
    restorer.finish()
}

/// A tree with every kind of entry; returns whether user.* xattrs were set on it.
private func makeTree(_ source: String) throws -> Bool {
    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
    write("\(source)/a-file", "hello\n", mode: 0o4755)
    precondition(chown("\(source)/a-file", 1234, 5678) == 0)
    precondition(chmod("\(source)/a-file", 0o6755) == 0)  // after chown, which clears it
    write("\(source)/B", "upper case sorts first\n")
    write("\(source)/a.b", "dot sorts before dash? no: '-' 0x2D < '.' 0x2E\n")
    precondition(mkdir("\(source)/sticky", 0o755) == 0 && chmod("\(source)/sticky", 0o1777) == 0)
    write("\(source)/sticky/inner.txt", String(repeating: "x", count: 70_000), mode: 0o600)
    precondition(mkdir("\(source)/empty", 0o750) == 0)
    try FileManager.default.createDirectory(atPath: "\(source)/nested/deeper/deepest", withIntermediateDirectories: true)
    write("\(source)/nested/deeper/deepest/file", "deep\n", mode: 0o640)
    precondition(symlink("/etc/passwd", "\(source)/link-abs") == 0)
    precondition(symlink("a-file", "\(source)/link-rel") == 0)
    precondition(symlink("no/such/thing", "\(source)/link-dangling") == 0)
    precondition(lchown("\(source)/link-rel", 42, 43) == 0)
    precondition(mkfifo("\(source)/fifo", 0o640) == 0)
    precondition(mknod("\(source)/null", S_IFCHR | 0o666, makedev(1, 3)) == 0)
    write("\(source)/hard1", "three names\n", mode: 0o600)
    precondition(link("\(source)/hard1", "\(source)/hard2") == 0)
    precondition(link("\(source)/hard1", "\(source)/nested/hard3") == 0)
    precondition(TestSockets.bind("\(source)/sock"))
    let xattrs = supportsUserXattrs(source)
    if xattrs {
        precondition(setXattr("\(source)/a-file", "user.comment", Array("a comment".utf8)))
        precondition(setXattr("\(source)/a-file", "user.binary", [0, 1, 255]))
        precondition(setXattr("\(source)/empty", "user.on-directory", [0x64]))
        write("\(source)/many-xattrs", "")
        for index in 0...FileAttributes.Limits.maxExtendedAttributes {
            precondition(setXattr("\(source)/many-xattrs", String(format: "user.a%03d", index), [0x76]))
        }
    }
    // Times last, deepest first, each with its own nanoseconds.
    var tick = 0
    let paths = ["a-file", "B", "a.b", "sticky/inner.txt", "nested/deeper/deepest/file", "link-abs", "link-rel", "link-dangling",
                 "fifo", "null", "hard1", "many-xattrs",
                 "nested/deeper/deepest", "nested/deeper", "nested", "sticky", "empty"]
    for path in paths where exists("\(source)/\(path)") {
        tick += 1
        setTimes("\(source)/\(path)", access: (1_600_000_000 + tick, 100_000_000 + tick), modification: (1_500_000_000 + tick, 123_456_789 - tick))
    }
    return xattrs
}

@Suite("HostTreeWalker and HostTreeRestorer") struct HostTreeTests {
    @Test("the walk meets every kind, depth first, in byte order, with lstat's attributes")
    func walkEveryKind() throws {
        try withScratch { scratch in
            let source = scratch + "/src"
            let xattrs = try makeTree(source)
            let walk = HostTreeWalker.walk(source)
            var expected = ["B", "a-file", "a.b", "empty", "fifo", "hard1", "hard2", "link-abs", "link-dangling", "link-rel"]
            if xattrs { expected.append("many-xattrs") }
            expected += ["nested", "nested/deeper", "nested/deeper/deepest", "nested/deeper/deepest/file", "nested/hard3",
                         "null", "sticky", "sticky/inner.txt"]
            #expect(walk.entries.map(joined) == expected)
            let byName = Dictionary(uniqueKeysWithValues: walk.entries.map { (joined($0), $0) })

            let file = try #require(byName["a-file"])
            #expect(file.attributes.kind == .regular && file.size == 6)
            #expect(file.attributes.permissions == 0o6755)
            #expect(file.attributes.owner == 1234 && file.attributes.group == 5678)
            #expect(file.attributes.modificationTime == .init(seconds: 1_500_000_001, nanoseconds: 123_456_788))
            #expect(file.attributes.accessTime == .init(seconds: 1_600_000_001, nanoseconds: 100_000_001))
            let info = try #require(lstatOf("\(source)/a-file"))
            #expect(file.attributes.changeTime == .init(seconds: Int64(info.st_ctim.tv_sec), nanoseconds: UInt32(info.st_ctim.tv_nsec)))

            #expect(byName["sticky"]?.attributes.permissions == 0o1777)
            #expect(byName["sticky"]?.childCount == 1)
            #expect(byName["empty"]?.attributes.kind == .directory && byName["empty"]?.childCount == 0)
            #expect(byName["empty"]?.attributes.permissions == 0o750)
            #expect(byName["link-abs"]?.attributes.symbolicLinkTarget == Array("/etc/passwd".utf8))
            #expect(byName["link-rel"]?.attributes.symbolicLinkTarget == Array("a-file".utf8))
            #expect(byName["link-rel"]?.attributes.owner == 42)
            #expect(byName["link-dangling"]?.attributes.symbolicLinkTarget == Array("no/such/thing".utf8))
            #expect(byName["link-dangling"]?.attributes.kind == .symbolicLink)
            #expect(byName["fifo"]?.attributes.kind == .fifo && byName["fifo"]?.attributes.permissions == 0o640)
            #expect(byName["null"]?.attributes.kind == .characterDevice)
            #expect(byName["null"]?.attributes.device == .init(major: 1, minor: 3))

            // Hard links: the first met is the primary, the others point at its index.
            let indexOf = { (name: String) -> Int? in
                walk.items.firstIndex { if case let .entry(entry) = $0 { joined(entry) == name } else { false } }
            }
            let primary = try #require(indexOf("hard1"))
            #expect(byName["hard1"]?.hardLinkOf == nil && byName["hard1"]?.linkCount == 3)
            #expect(byName["hard2"]?.hardLinkOf == primary)
            #expect(byName["nested/hard3"]?.hardLinkOf == primary)
            #expect(byName["hard1"]?.linkIdentity != nil && byName["hard1"]?.linkIdentity == byName["hard2"]?.linkIdentity)
            #expect(byName["a-file"]?.linkIdentity == nil)

            // The socket is an item saying why, never an entry.
            let skipped = walk.items.compactMap { item -> String? in
                if case let .skipped(path, _, reason, _) = item { HostTreeWalker.show(path) + ": " + reason } else { nil }
            }
            #expect(skipped == ["\(source)/sock: socket (not supported)"])

            if xattrs {
                #expect(file.attributes.extendedAttributes == [
                    .init(name: Array("user.binary".utf8), value: [0, 1, 255]),
                    .init(name: Array("user.comment".utf8), value: Array("a comment".utf8)),
                ])
                #expect(byName["empty"]?.attributes.extendedAttributes.map(\.name) == [Array("user.on-directory".utf8)])
                #expect(byName["many-xattrs"]?.attributes.extendedAttributes.count == FileAttributes.Limits.maxExtendedAttributes)
                let warnings = walk.items.compactMap { item -> String? in
                    if case let .warning(path, _, message) = item { HostTreeWalker.show(path) + ": " + message } else { nil }
                }
                #expect(warnings == ["\(source)/many-xattrs: extended attribute user.a064 left out: more than 64 on one file"])
            }
            for entry in walk.entries { #expect(entry.attributes.problem == nil, "\(joined(entry))") }
        }
    }

    @Test("walk, restore, walk again: the same entries, attributes, links and extended attributes")
    func roundTrip() throws {
        try withScratch { scratch in
            let source = scratch + "/src"
            let destination = scratch + "/dst"
            let xattrs = try makeTree(source)
            let walk = HostTreeWalker.walk(source)
            let restorer = try HostTreeRestorer(destination: destination)
            try restore(walk, into: restorer)
            #expect(restorer.warnings.isEmpty, "\(restorer.warnings)")
            restorer.close()

            let again = HostTreeWalker.walk(destination)
            #expect(again.entries.map(joined) == walk.entries.map(joined))
            for (before, after) in zip(walk.entries, again.entries) {
                var expected = before.attributes
                var got = after.attributes
                // ctime cannot be set.
                expected.changeTime = .init(seconds: 0)
                got.changeTime = .init(seconds: 0)
                #expect(got == expected, "\(joined(before))")
                #expect(after.size == before.size && after.linkCount == before.linkCount, "\(joined(before))")
                #expect((after.hardLinkOf == nil) == (before.hardLinkOf == nil), "\(joined(before))")
            }
            let one = try #require(lstatOf("\(destination)/hard1"))
            for name in ["hard2", "nested/hard3"] {
                let other = try #require(lstatOf("\(destination)/\(name)"))
                #expect(other.st_ino == one.st_ino && other.st_nlink == 3)
            }
            #expect(try String(contentsOfFile: "\(destination)/sticky/inner.txt", encoding: .utf8).count == 70_000)
            if xattrs {
                var value = [UInt8](repeating: 0, count: 16)
                let count = ardaku_get_xattr("\(destination)/a-file", "user.comment", &value, value.count)
                #expect(count == 9 && Array(value[..<9]) == Array("a comment".utf8))
            }
            let null = try #require(lstatOf("\(destination)/null"))
            #expect(null.st_mode & S_IFMT == S_IFCHR && null.st_rdev == makedev(1, 3))
        }
    }

    @Test("walker options: all-root, forced owner and group, the latest time")
    func walkerOptions() throws {
        try withScratch { scratch in
            let source = scratch + "/src"
            try FileManager.default.createDirectory(atPath: source + "/d", withIntermediateDirectories: true)
            write("\(source)/new", "n")
            write("\(source)/old", "o")
            write("\(source)/d/f", "f")
            precondition(chown("\(source)/new", 1000, 1001) == 0 && chown("\(source)/d", 7, 8) == 0)
            setTimes("\(source)/new", access: (2_100_000_000, 5), modification: (2_000_000_000, 500_000_000))
            setTimes("\(source)/old", access: (1_000_000_000, 5), modification: (1_000_000_000, 7))

            var options = HostTreeWalker.Options()
            options.allRoot = true
            let allRoot = HostTreeWalker.walk(source, options: options)
            #expect(allRoot.entries.count == 4 && allRoot.entries.allSatisfy { $0.attributes.owner == 0 && $0.attributes.group == 0 })

            options.allRoot = false
            options.forcedOwner = 42
            let owner = HostTreeWalker.walk(source, options: options)
            #expect(owner.entries.allSatisfy { $0.attributes.owner == 42 })
            #expect(owner.entries.first { joined($0) == "new" }?.attributes.group == 1001)
            options.forcedOwner = nil
            options.forcedGroup = 43
            let group = HostTreeWalker.walk(source, options: options)
            #expect(group.entries.allSatisfy { $0.attributes.group == 43 })
            #expect(group.entries.first { joined($0) == "d" }?.attributes.owner == 7)

            options = HostTreeWalker.Options()
            let latest = FileAttributes.Timestamp(seconds: 1_500_000_000)
            options.latestTime = latest
            let clamped = HostTreeWalker.walk(source, options: options)
            let new = try #require(clamped.entries.first { joined($0) == "new" })
            #expect(new.attributes.modificationTime == latest && new.attributes.accessTime == latest && new.attributes.changeTime == latest)
            let old = try #require(clamped.entries.first { joined($0) == "old" })
            #expect(old.attributes.modificationTime == .init(seconds: 1_000_000_000, nanoseconds: 7))
            #expect(clamped.entries.allSatisfy { $0.attributes.changeTime <= latest })
        }
    }

    @Test("names the caller refuses are skipped with the reason, a refused directory with all it holds")
    func nameProblems() throws {
        try withScratch { scratch in
            let source = scratch + "/src"
            try FileManager.default.createDirectory(atPath: source + "/bad-dir/inner", withIntermediateDirectories: true)
            write("\(source)/bad-dir/inner/f", "f")
            write("\(source)/good", "g")
            write("\(source)/bad-file", "b")
            var options = HostTreeWalker.Options()
            options.nameProblem = { $0.starts(with: Array("bad".utf8)) ? "starts with bad" : nil }
            let walk = HostTreeWalker.walk(source, options: options)
            #expect(walk.entries.map(joined) == ["good"])
            let skipped = walk.items.compactMap { item -> String? in
                if case let .skipped(path, _, reason, _) = item { HostTreeWalker.show(path) + ": " + reason } else { nil }
            }
            #expect(skipped == ["\(source)/bad-dir: name cannot be stored: starts with bad",
                                "\(source)/bad-file: name cannot be stored: starts with bad"])
        }
    }

    @Test("a deep tree is walked without recursion")
    func deepTree() throws {
        try withScratch { scratch in
            let source = scratch + "/src"
            precondition(mkdir(source, 0o755) == 0)
            var directory = open(source, O_RDONLY | O_DIRECTORY)
            for _ in 0..<1_000 {
                precondition(mkdirat(directory, "d", 0o755) == 0)
                let next = openat(directory, "d", O_RDONLY | O_DIRECTORY)
                close(directory)
                directory = next
            }
            close(directory)
            let walk = HostTreeWalker.walk(source)
            #expect(walk.entries.count == 1_000)
            #expect(walk.entries.last?.components.count == 1_000 && walk.entries.last?.childCount == 0)
        }
    }

    @Test("a symbolic link in the destination is never followed: an entry below it is refused")
    func linkInTheDestination() throws {
        try withScratch { scratch in
            let outside = scratch + "/outside"
            let destination = scratch + "/dst"
            precondition(mkdir(outside, 0o755) == 0 && mkdir(destination, 0o755) == 0)
            precondition(symlink(outside, "\(destination)/a") == 0)
            let restorer = try HostTreeRestorer(destination: destination)
            let file = FileAttributes(kind: .regular, permissions: 0o644, modificationTime: .init(seconds: 1))
            #expect(throws: HostTreeError.self) {
                try restorer.writeFile(components("a/b"), attributes: file) { write in try [UInt8]("x".utf8).withUnsafeBytes { try write($0) } }
            }
            do {
                try restorer.writeFile(components("a/b")) { _ in }
                Issue.record("written through a link")
            } catch let error as HostTreeError {
                #expect(error.message.hasPrefix("\(destination)/a: not a directory inside \(destination) (a symbolic link or a file is in the way)"), "\(error)")
            }
            let directory = FileAttributes(kind: .directory, permissions: 0o755, modificationTime: .init(seconds: 1))
            #expect(throws: HostTreeError.self) { try restorer.makeDirectory(components("a/b"), attributes: directory) }
            let link = FileAttributes(kind: .symbolicLink, permissions: 0o777, modificationTime: .init(seconds: 1),
                                      symbolicLinkTarget: Array("/etc".utf8))
            #expect(throws: HostTreeError.self) { try restorer.makeSymbolicLink(components("a/b"), attributes: link) }
            let fifo = FileAttributes(kind: .fifo, permissions: 0o644, modificationTime: .init(seconds: 1))
            #expect(throws: HostTreeError.self) { try restorer.makeNode(components("a/b"), attributes: fifo) }
            write("\(outside)/target", "t")
            #expect(throws: HostTreeError.self) { try restorer.makeHardLink(components("c"), to: components("a/target")) }
            restorer.finish()
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["target"])
            #expect(!exists("\(destination)/c"))
        }
    }

    @Test("a link an earlier entry made is not followed by a later one")
    func linkFromAnEarlierEntry() throws {
        try withScratch { scratch in
            let destination = scratch + "/box/dst"
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
            let restorer = try HostTreeRestorer(destination: destination)
            let link = FileAttributes(kind: .symbolicLink, permissions: 0o777, modificationTime: .init(seconds: 1),
                                      symbolicLinkTarget: Array("..".utf8))
            try restorer.makeSymbolicLink(components("x"), attributes: link)
            #expect(throws: HostTreeError.self) {
                try restorer.writeFile(components("x/escape")) { write in try [UInt8]("x".utf8).withUnsafeBytes { try write($0) } }
            }
            let directory = FileAttributes(kind: .directory, permissions: 0o755, modificationTime: .init(seconds: 1))
            #expect(throws: HostTreeError.self) { try restorer.makeDirectory(components("x/escape"), attributes: directory) }
            #expect(throws: HostTreeError.self) { try restorer.makeSymbolicLink(components("x/escape"), attributes: link) }
            restorer.finish()
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch + "/box") == ["dst"])
            #expect(String(cString: realpath("\(destination)/x", nil)) == String(cString: realpath(scratch + "/box", nil)))
            // Names that are not one component are refused before anything is opened.
            #expect(throws: HostTreeError.self) { try restorer.writeFile([Array("..".utf8), Array("escape".utf8)]) { _ in } }
            #expect(throws: HostTreeError.self) { try restorer.writeFile([Array("a/b".utf8)]) { _ in } }
        }
    }

    @Test("what is in the way: a FIFO refused without hanging, a directory never replaced, a link replaced itself")
    func existingEntries() throws {
        try withScratch { scratch in
            let destination = scratch + "/dst"
            let outside = scratch + "/outside"
            precondition(mkdir(destination, 0o755) == 0)
            write(outside, "keep")
            precondition(mkfifo("\(destination)/fifo", 0o644) == 0)
            precondition(mkdir("\(destination)/dir", 0o755) == 0)
            precondition(symlink(outside, "\(destination)/link") == 0)
            write("\(destination)/file", "old")
            let restorer = try HostTreeRestorer(destination: destination)
            let content: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void = { write in
                try [UInt8]("new".utf8).withUnsafeBytes { try write($0) }
            }
            func message(_ body: () throws -> Void) -> String {
                do { try body(); return "" } catch { return "\(error)" }
            }
            #expect(message { try restorer.writeFile(components("fifo"), content) } == "\(destination)/fifo: exists (use -f to replace it)")
            #expect(message { try restorer.writeFile(components("file"), content) } == "\(destination)/file: exists (use -f to replace it)")
            restorer.options.overwrite = true
            #expect(message { try restorer.writeFile(components("fifo"), content) }
                    == "\(destination)/fifo: is a FIFO; not replaced (-f replaces only regular files and symbolic links)")
            #expect(message { try restorer.writeFile(components("dir"), content) }
                    == "\(destination)/dir: is a directory; not replaced (-f replaces only regular files and symbolic links)")
            let link = FileAttributes(kind: .symbolicLink, permissions: 0o777, modificationTime: .init(seconds: 1),
                                      symbolicLinkTarget: Array("elsewhere".utf8))
            #expect(message { try restorer.makeSymbolicLink(components("dir"), attributes: link) }.contains("is a directory; not replaced"))
            let node = FileAttributes(kind: .fifo, permissions: 0o600, modificationTime: .init(seconds: 1))
            #expect(message { try restorer.makeNode(components("dir"), attributes: node) }.contains("is a directory; not replaced"))
            // A link is replaced itself; what it pointed at is untouched.
            try restorer.writeFile(components("link"), content)
            #expect(lstatOf("\(destination)/link").map { $0.st_mode & S_IFMT == S_IFREG } == true)
            #expect(try String(contentsOfFile: outside, encoding: .utf8) == "keep")
            try restorer.makeSymbolicLink(components("file"), attributes: link)
            #expect(lstatOf("\(destination)/file").map { $0.st_mode & S_IFMT == S_IFLNK } == true)
            // A hard link over an existing name of the same file leaves no temporary name.
            try restorer.makeHardLink(components("again"), to: components("link"))
            try restorer.makeHardLink(components("again"), to: components("link"))
            restorer.finish()
            #expect(try FileManager.default.contentsOfDirectory(atPath: destination).sorted() == ["again", "dir", "fifo", "file", "link"])
        }
    }

    @Test("owners are set as root unless told not to (--no-same-owner); setuid survives the chown")
    func owners() throws {
        try withScratch { scratch in
            let destination = scratch + "/dst"
            var file = FileAttributes(kind: .regular, permissions: 0o4711, owner: 1234, group: 5678,
                                      modificationTime: .init(seconds: 1_000_000_000, nanoseconds: 1))
            let restorer = try HostTreeRestorer(destination: destination)
            #expect(restorer.options.sameOwner == (geteuid() == 0))
            try restorer.writeFile(components("kept"), attributes: file) { _ in }
            restorer.options.sameOwner = false
            try restorer.writeFile(components("mine"), attributes: file) { _ in }
            file.kind = .directory
            try restorer.makeDirectory(components("dir"), attributes: file)
            restorer.finish()
            let kept = try #require(lstatOf("\(destination)/kept"))
            if geteuid() == 0 { #expect(kept.st_uid == 1234 && kept.st_gid == 5678) }
            #expect(kept.st_mode & 0o7777 == 0o4711)
            #expect(kept.st_mtim.tv_sec == 1_000_000_000 && kept.st_mtim.tv_nsec == 1)
            let mine = try #require(lstatOf("\(destination)/mine"))
            #expect(mine.st_uid == geteuid() && mine.st_gid == getegid())
            let dir = try #require(lstatOf("\(destination)/dir"))
            #expect(dir.st_uid == geteuid() && dir.st_mode & 0o7777 == 0o4711)
        }
    }

    @Test("a directory's mode and times are set after what it holds")
    func directoriesLast() throws {
        try withScratch { scratch in
            let destination = scratch + "/dst"
            let restorer = try HostTreeRestorer(destination: destination)
            let directory = FileAttributes(kind: .directory, permissions: 0o555, modificationTime: .init(seconds: 1_000, nanoseconds: 5),
                                           accessTime: .init(seconds: 2_000, nanoseconds: 6))
            try restorer.makeDirectory(components("ro"), attributes: directory)
            try restorer.makeDirectory(components("ro/sub"), attributes: directory)
            try restorer.writeFile(components("ro/sub/file")) { write in try [UInt8]("x".utf8).withUnsafeBytes { try write($0) } }
            try restorer.writeFile(components("ro/file")) { _ in }
            restorer.finish()
            for path in ["ro", "ro/sub"] {
                let info = try #require(lstatOf("\(destination)/\(path)"))
                #expect(info.st_mode & 0o7777 == 0o555)
                #expect(info.st_mtim.tv_sec == 1_000 && info.st_mtim.tv_nsec == 5)
                #expect(info.st_atim.tv_sec == 2_000 && info.st_atim.tv_nsec == 6)
            }
        }
    }

    @Test("extended attributes the file system refuses are warnings naming the path and the attribute")
    func refusedExtendedAttributes() throws {
        try withScratch { scratch in
            let destination = scratch + "/dst"
            let restorer = try HostTreeRestorer(destination: destination)
            // user.* is not allowed on a FIFO (EPERM); a namespace Linux does not know is refused (EOPNOTSUPP).
            let fifo = FileAttributes(kind: .fifo, permissions: 0o600, modificationTime: .init(seconds: 1),
                                      extendedAttributes: [.init(name: Array("user.x".utf8), value: [1])])
            try restorer.makeNode(components("fifo"), attributes: fifo)
            let file = FileAttributes(kind: .regular, permissions: 0o600, modificationTime: .init(seconds: 1),
                                      extendedAttributes: [.init(name: Array("nonsense.x".utf8), value: [1])])
            try restorer.writeFile(components("file"), attributes: file) { _ in }
            restorer.finish()
            #expect(restorer.warnings.count == 2, "\(restorer.warnings)")
            #expect(restorer.warnings.first?.hasPrefix("\(destination)/fifo: extended attribute user.x not set: ") == true, "\(restorer.warnings)")
            #expect(restorer.warnings.last?.hasPrefix("\(destination)/file: extended attribute nonsense.x not set: ") == true, "\(restorer.warnings)")
            #expect(exists("\(destination)/file") && exists("\(destination)/fifo"))
            // --no-xattrs: none tried, none reported.
            restorer.options.extendedAttributes = false
            restorer.options.overwrite = true
            try restorer.writeFile(components("file"), attributes: file) { _ in }
            #expect(restorer.warnings.count == 2)
        }
    }
}
