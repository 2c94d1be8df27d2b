import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Foundation
import Glibc
import Testing

/// A scratch directory removed when the test ends.
private func withScratch<R>(_ body: (String) throws -> R) throws -> R {
    let directory = NSTemporaryDirectory() + "ardaku-io-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// A sparse file of `bytes` bytes.
private func makeSparseFile(_ path: String, bytes: UInt64) {
    let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o644)
    precondition(fd >= 0)
    precondition(ftruncate(fd, off_t(bytes)) == 0)
    close(fd)
}

private func allocatedBytes(_ path: String) -> UInt64 {
    var info = stat()
    guard stat(path, &info) == 0 else { return 0 }
    return UInt64(info.st_blocks) * 512
}

private func runTool(_ tool: String, _ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}

@Suite("MappedImage")
struct MappedImageTests {
    @Test("whole pages only; the size is the file's")
    func geometry() throws {
        try withScratch { directory in
            let path = directory + "/image"
            makeSparseFile(path, bytes: 10 * 65_536 + 1_000)
            let image = try MappedImage(path: path, mode: .readOnly)
            #expect(image.byteCount == 10 * 65_536 + 1_000)
            #expect(image.pageCount == 10)
            #expect(!image.isBlockDevice)
            #expect(image.isReadOnly)
            let last = try image.read(PageIndex(9))
            #expect(last.count == 65_536)
            #expect(last.allSatisfy { $0 == 0 })
            #expect(throws: StoreError.self) { _ = try image.read(PageIndex(10)) }
        }
    }

    @Test("writes are seen through the mapping, survive reopening, and stay inside the page")
    func writeAndReadBack() throws {
        try withScratch { directory in
            let path = directory + "/image"
            makeSparseFile(path, bytes: 4 * 65_536)
            do {
                let image = try MappedImage(path: path, mode: .readWrite)
                let pattern: [UInt8] = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                try pattern.withUnsafeBytes { bytes in
                    try image.write(bytes, to: PageIndex(2), at: PageOffset(65_536 - 300))
                }
                let page = try image.read(PageIndex(2))
                #expect(Array(page[(65_536 - 300)...]) == pattern)
                // One byte past the end of the page is refused, not written into page 3.
                #expect(throws: StoreError.self) {
                    try pattern.withUnsafeBytes { bytes in
                        try image.write(bytes, to: PageIndex(2), at: PageOffset(65_536 - 299))
                    }
                }
                #expect(try image.read(PageIndex(3)).allSatisfy { $0 == 0 })
                try image.flush()
                // A range that crosses pages reads the bytes as they lie on disk.
                let across = try image.bytes(at: 3 * 65_536 - 4, count: 8)
                #expect(Array(across) == Array(pattern.suffix(4)) + [0, 0, 0, 0])
                #expect(throws: StoreError.self) { _ = try image.bytes(at: 4 * 65_536 - 4, count: 8) }
            }
            let reopened = try MappedImage(path: path, mode: .readOnly)
            #expect(try reopened.read(PageIndex(2))[65_535] == UInt8(truncatingIfNeeded: 299 &* 7))
        }
    }

    @Test("read-ahead hints never change what is read, whatever ranges they name")
    func readAheadHints() throws {
        try withScratch { directory in
            let path = directory + "/image"
            let pageCount = 6
            let content: [UInt8] = (0..<(pageCount * 65_536)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 16) }
            try Data(content).write(to: URL(fileURLWithPath: path))
            // Out of the page cache, so that the hints have something to fetch.
            let fd = open(path, O_RDONLY)
            #expect(fd >= 0)
            _ = fdatasync(fd)
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            close(fd)
            for readAhead in [MappedImage.ReadAhead.hinted, .kernel] {
                let image = try MappedImage(path: path, mode: .readOnly, readAhead: readAhead)
                #expect(image.readAhead == readAhead)
                let end = UInt64(pageCount) << 16
                image.willRead([])
                image.willRead([5..<5, 0..<1, 70_000..<70_001])            // empty, tiny, unaligned
                image.willRead([3 << 16..<(4 << 16), 65_536..<131_072, 100_000..<300_000])  // unsorted, overlapping
                image.willRead([(end - 10)..<(end + 1_000_000), end..<(end + 5), UInt64.max - 1..<UInt64.max, 0..<UInt64.max])  // past the end
                image.willRead((0..<pageCount).map { UInt64($0) << 16 + 4096..<(UInt64($0) << 16 + 8192) })  // gaps merged
                for page in 0..<pageCount {
                    let bytes = try image.read(PageIndex(UInt32(page)))
                    #expect(Array(bytes) == Array(content[(page * 65_536)..<((page + 1) * 65_536)]), "page \(page), \(readAhead)")
                }
            }
        }
    }

    @Test("copy reads what the mapping shows, and refuses pages past the end and more than a page")
    func copyMatchesTheMapping() throws {
        try withScratch { directory in
            let path = directory + "/image"
            let content: [UInt8] = (0..<(3 * 65_536)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            try Data(content).write(to: URL(fileURLWithPath: path))
            let image = try MappedImage(path: path, mode: .readOnly)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536 + 1, alignment: 16)
            defer { buffer.deallocate() }
            for (page, count) in [(0, 1), (1, 4_000), (2, 65_536), (2, 0)] {
                let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
                try image.copy(PageIndex(UInt32(page)), into: target)
                #expect(Array(target) == Array(try image.read(PageIndex(UInt32(page)))[0..<count]), "page \(page), \(count) bytes")
            }
            #expect(throws: StoreError.self) { try image.copy(PageIndex(3), into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<16])) }
            #expect(throws: StoreError.self) { try image.copy(PageIndex(0), into: buffer) }
            // The protocol's default (memory stores) agrees.
            let memory = MemoryPageStore(image: content)
            try memory.copy(PageIndex(1), into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<300]))
            #expect(Array(buffer[0..<300]) == Array(content[65_536..<(65_536 + 300)]))
            #expect(throws: StoreError.self) { try memory.copy(PageIndex(1), into: buffer) }
        }
    }

    @Test("a read-only image refuses writes and discards")
    func readOnlyRefuses() throws {
        try withScratch { directory in
            let path = directory + "/image"
            makeSparseFile(path, bytes: 2 * 65_536)
            let image = try MappedImage(path: path, mode: .readOnly)
            #expect(throws: StoreError.readOnly) {
                try [UInt8](repeating: 1, count: 4).withUnsafeBytes { bytes in
                    try image.write(bytes, to: PageIndex(0), at: PageOffset(0))
                }
            }
            #expect(throws: StoreError.readOnly) { _ = try image.discard(0..<1) }
        }
    }

    @Test("discard punches holes in an image file, and the pages read as zeros")
    func discardPunchesHoles() throws {
        try withScratch { directory in
            let path = directory + "/image"
            makeSparseFile(path, bytes: 8 * 65_536)
            let image = try MappedImage(path: path, mode: .readWrite)
            let ones = [UInt8](repeating: 0xA5, count: 65_536)
            for page in 0..<8 as Range<UInt32> {
                try ones.withUnsafeBytes { bytes in try image.write(bytes, to: PageIndex(page), at: PageOffset(0)) }
            }
            try image.flush()
            let before = allocatedBytes(path)
            let punched = try image.discard(2..<6)
            #expect(punched, "this filesystem cannot punch holes")
            #expect(allocatedBytes(path) <= before - 4 * 65_536)
            #expect(try image.read(PageIndex(3)).allSatisfy { $0 == 0 })
            #expect(try image.read(PageIndex(6)).allSatisfy { $0 == 0xA5 })
            #expect(try image.discard(3..<3))
        }
    }

    @Test("a missing file is an error that names it")
    func missingFile() {
        do {
            _ = try MappedImage(path: "/nonexistent/ardaku-image", mode: .readOnly)
            Issue.record("opened a file that does not exist")
        } catch {
            #expect("\(error)".contains("/nonexistent/ardaku-image"))
        }
    }

    @Test("a volume formatted, filled and reopened on a mapped image file")
    func volumeRoundTrip() throws {
        try withScratch { directory in
            let path = directory + "/volume"
            makeSparseFile(path, bytes: 64 * 65_536)
            let content: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 31 + $0 / 977) }
            do {
                let image = try MappedImage(path: path, mode: .readWrite)
                var options = Volume.FormatOptions()
                options.label = Array("io-test".utf8)
                let volume = try Volume.format(image, options: options)
                _ = try volume.put(try FileName("/dir/file.bin"), bytes: content)
                try volume.close()
            }
            // Only metadata and data pages are allocated: the file stays sparse.
            #expect(allocatedBytes(path) < 20 * 65_536)
            let image = try MappedImage(path: path, mode: .readOnly)
            let volume = try Volume(store: image)
            #expect(try volume.readAll(try FileName("/dir/file.bin")) == content)
            #expect(try volume.list(prefix: Array("/dir/".utf8)).count == 1)
            let signature = DeviceProbe.ardakuSignature(of: path)
            #expect(signature?.type == "ardaku")
            #expect(signature?.label == "io-test")
            #expect(signature?.magicOffset == 0x400)
        }
    }
}

@Suite("Host files")
struct HostFileTests {
    @Test("a host file as a byte store: write past the end, read, shrink, reopen")
    func byteStore() throws {
        try withScratch { directory in
            let path = directory + "/bytes"
            do {
                let store = try HostFileByteStore(path: path, readOnly: false, create: true)
                #expect(store.length == 0)
                let bytes: [UInt8] = Array("hello, ardaku".utf8)
                try bytes.withUnsafeBytes { raw in try store.write(at: 100, from: raw) }
                #expect(store.length == 113)
                var back = [UInt8](repeating: 0, count: 113)
                try back.withUnsafeMutableBytes { raw in try store.read(at: 0, into: raw) }
                #expect(back.prefix(100).allSatisfy { $0 == 0 })
                #expect(Array(back.suffix(13)) == bytes)
                try store.setLength(105)
                #expect(store.length == 105)
                var tooFar = [UInt8](repeating: 0, count: 10)
                #expect(throws: StoreError.self) {
                    try tooFar.withUnsafeMutableBytes { raw in try store.read(at: 100, into: raw) }
                }
                try store.flush()
            }
            let reopened = try HostFileByteStore(path: path, readOnly: true)
            #expect(reopened.length == 105)
            #expect(throws: StoreError.self) {
                try [UInt8](repeating: 1, count: 1).withUnsafeBytes { raw in try reopened.write(at: 0, from: raw) }
            }
        }
    }

    @Test("a sparse source file reports its holes, so put skips them")
    func sourceHoles() throws {
        try withScratch { directory in
            let path = directory + "/sparse"
            makeSparseFile(path, bytes: 4 * 1_048_576)
            let fd = open(path, O_WRONLY)
            let data = [UInt8](repeating: 7, count: 65_536)
            _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 2 * 1_048_576) }
            close(fd)
            let source = try HostFileSource(path: path)
            #expect(source.byteLength == 4 * 1_048_576)
            #expect(source.isZeroRange(at: 0, count: 65_536))
            #expect(!source.isZeroRange(at: 2 * 1_048_576, count: 65_536))
            #expect(!source.isZeroRange(at: 2 * 1_048_576 - 65_536, count: 2 * 65_536))
            var buffer = [UInt8](repeating: 0, count: 65_536)
            try buffer.withUnsafeMutableBytes { raw in try source.read(at: 2 * 1_048_576, into: raw) }
            #expect(buffer == data)
        }
    }

    @Test("a directory is not a source")
    func directoryIsNotASource() {
        let directory = NSTemporaryDirectory()
        #expect(throws: VolumeError.self) { _ = try HostFileSource(path: directory) }
    }
}

@Suite("Device probe")
struct DeviceProbeTests {
    @Test("libblkid finds an ext4 signature with its label, and wiping erases exactly that")
    func ext4SignatureAndWipe() throws {
        guard runTool("mkfs.ext4", ["-V"]) == 0 || runTool("which", ["mkfs.ext4"]) == 0 else {
            Issue.record("mkfs.ext4 is missing: tools/setup.sh installs e2fsprogs")
            return
        }
        try withScratch { directory in
            let path = directory + "/ext4.img"
            makeSparseFile(path, bytes: 8 * 1_048_576)
            #expect(try DeviceProbe.signatures(of: path).isEmpty)
            #expect(runTool("mkfs.ext4", ["-q", "-F", "-L", "probe-me", path]) == 0)
            let found = try DeviceProbe.signatures(of: path)
            #expect(found.count == 1)
            #expect(found.first?.type == "ext4")
            #expect(found.first?.label == "probe-me")
            #expect(found.first?.magicOffset == 0x438)
            let fd = open(path, O_RDWR)
            defer { close(fd) }
            let wiped = try DeviceProbe.wipeSignatures(descriptor: fd, path: path)
            #expect(wiped.map(\.type) == ["ext4"])
            #expect(try DeviceProbe.signatures(of: path).isEmpty)
        }
    }

    @Test("a regular file has no topology and is not mounted")
    func regularFileFacts() throws {
        try withScratch { directory in
            let path = directory + "/plain"
            makeSparseFile(path, bytes: 65_536)
            #expect(DeviceProbe.topology(of: path) == nil)
            #expect(MountCheck.mountPoint(of: path) == nil)
            #expect(!MountCheck.isBusy(path))
            #expect(DeviceProbe.ardakuSignature(of: path) == nil)
        }
    }
}
