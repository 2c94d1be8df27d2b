import Foundation
import Glibc
import Testing

/// Runs the built executables (mkfs.ardaku, ardaku, ...) as a user would.
enum Tools {
    /// The directory the test runner lives in: SwiftPM puts the products beside it.
    static let productsDirectory: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // swift test runs `<products>/ArdakuPackageTests.xctest` (a file on Linux).
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("mkfs.ardaku").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutBytes: Data
    }

    /// What a tool reads as standard input: nothing (/dev/null), bytes fed through a pipe,
    /// or a host file opened for reading (`/dev/zero` for input without end).
    enum Input {
        case bytes(Data)
        case file(String)
        static func text(_ text: String) -> Input { .bytes(Data(text.utf8)) }
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                    standardInput: Input? = nil) throws -> Result {
        let process = Process()
        process.executableURL = tool.hasPrefix("/") ? URL(fileURLWithPath: tool) : productsDirectory.appendingPathComponent(tool)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        var feed: (descriptor: Int32, bytes: Data)?
        var childEnd: Int32 = -1
        switch standardInput {
        case nil:
            process.standardInput = FileHandle.nullDevice
        case let .bytes(bytes):
            // A pipe of our own, both ends close-on-exec (the child gets its end as descriptor
            // 0, which dup2 leaves open): the child never holds the writing end, so it sees the
            // end of input, and this process closes its reading end once the child runs, so a
            // child that stops reading makes the feed fail with EPIPE instead of blocking.
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw CocoaError(.fileWriteUnknown) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            childEnd = ends[0]
            process.standardInput = FileHandle(fileDescriptor: ends[0], closeOnDealloc: false)
            feed = (ends[1], bytes)
        case let .file(path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
            process.standardInput = handle
        }
        do { try process.run() } catch {
            if let feed { close(childEnd); close(feed.descriptor) }
            throw error
        }
        if childEnd >= 0 { close(childEnd) }
        // Feed standard input from another thread, so that a tool that writes before it reads
        // cannot block on a full pipe; a tool that stops reading early (a refused input) ends
        // the feed with EPIPE, which must not kill the test runner: SIGPIPE is ignored.
        let fed = DispatchGroup()
        if let (descriptor, bytes) = feed {
            signal(SIGPIPE, SIG_IGN)
            fed.enter()
            DispatchQueue.global().async {
                bytes.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let count = Glibc.write(descriptor, raw.baseAddress! + done, raw.count - done)
                        if count < 0 && errno == EINTR { continue }
                        guard count > 0 else { break }
                        done += count
                    }
                }
                close(descriptor)
                fed.leave()
            }
        }
        defer { fed.wait() }
        // Read both pipes while the process runs, so a full pipe cannot block it.
        final class Collected: @unchecked Sendable { var data = Data() }   // written by one thread, read after wait()
        let errCollected = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errCollected.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errCollected.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: outData)
    }

    /// A fresh directory for one test, removed afterwards.
    static func withTemporaryDirectory<R>(in base: String = NSTemporaryDirectory(), _ body: (String) throws -> R) rethrows -> R {
        let path = base + "/ardaku-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static func sha(_ path: String) throws -> String {
        try run("/usr/bin/sha256sum", [path]).stdout.split(separator: " ").first.map(String.init) ?? ""
    }

    static func allocatedBytes(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_blocks) * 512 : 0
    }

    /// True when two files have the same length and bytes. Sparse-aware: only the data
    /// regions of either file (SEEK_DATA/SEEK_HOLE) are read; everywhere else both are holes
    /// and read as zeros, so comparing the union of data regions compares everything.
    static func sameContent(_ a: String, _ b: String) -> Bool {
        let seekData: Int32 = 3, seekHole: Int32 = 4   // <unistd.h> values on Linux; hidden from Swift without _GNU_SOURCE
        let fa = open(a, O_RDONLY), fb = open(b, O_RDONLY)
        defer { close(fa); close(fb) }
        guard fa >= 0, fb >= 0 else { return false }
        let size = lseek(fa, 0, SEEK_END)
        guard size == lseek(fb, 0, SEEK_END) else { return false }
        func dataRegions(_ fd: Int32) -> [(off_t, off_t)] {
            var regions: [(off_t, off_t)] = []
            var position: off_t = 0
            while position < size {
                let start = lseek(fd, position, seekData)
                if start < 0 { break }
                let end = lseek(fd, start, seekHole)
                regions.append((start, end < 0 ? size : end))
                position = end < 0 ? size : end
            }
            return regions
        }
        var buffer1 = [UInt8](repeating: 0, count: 1 << 20), buffer2 = buffer1
        for (start, end) in dataRegions(fa) + dataRegions(fb) {
            var offset = start
            while offset < end {
                let count = Int(min(off_t(buffer1.count), end - offset))
                guard pread(fa, &buffer1, count, offset) == count, pread(fb, &buffer2, count, offset) == count,
                      buffer1[0..<count] == buffer2[0..<count] else { return false }
                offset += off_t(count)
            }
        }
        return true
    }

    static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// A loop device attached for one test and detached by name afterwards, even on failure.
struct LoopDevice {
    let path: String

    /// Attaches `image`; nil (with the reason) where loop devices cannot be used here.
    static func attach(_ image: String, readOnly: Bool = false) -> (LoopDevice?, String) {
        guard getuid() == 0 else { return (nil, "loop devices need root") }
        guard FileManager.default.fileExists(atPath: "/dev/loop-control") else { return (nil, "no /dev/loop-control on this machine") }
        guard let result = try? Tools.run("/sbin/losetup", (readOnly ? ["-r"] : []) + ["-f", "--show", image]), result.status == 0 else {
            return (nil, "losetup -f --show failed")
        }
        let device = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard device.hasPrefix("/dev/loop") else { return (nil, "losetup printed no device") }
        return (LoopDevice(path: device), "")
    }

    func detach() {
        _ = try? Tools.run("/sbin/losetup", ["-d", path])
    }

    /// One loop-device test at a time in this process: tests run in parallel, and a mkfs on
    /// one device failed once while others were attached and held O_EXCL beside it.
    private static let oneAtATime = NSLock()

    /// Runs `body` with a loop device over a fresh sparse file of `bytes` in `directory`,
    /// detached afterwards whatever happens; where loop devices cannot be used, says why
    /// (`what` names the test) and skips `body`.
    static func withFresh(_ bytes: Int, in directory: String, for what: String, _ body: (LoopDevice, String) throws -> Void) throws {
        oneAtATime.lock()
        defer { oneAtATime.unlock() }
        let backing = "\(directory)/loop.img"
        #expect(FileManager.default.createFile(atPath: backing, contents: nil))
        #expect(truncate(backing, off_t(bytes)) == 0)
        let (attached, reason) = attach(backing)
        guard let device = attached else {
            print("skipping \(what): \(reason)")
            return
        }
        defer { device.detach() }
        try body(device, backing)
    }
}
