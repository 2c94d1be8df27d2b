import ArdakuIO
import Foundation
import Glibc
import Testing

/// `RegularSourceFile`: the one way the tools open a host file to store it.
@Suite struct RegularSourceFileTests {
    private func withScratch(_ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "ardaku-source-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    @Test func aRegularFileIsReadWholeAndInPieces() throws {
        try withScratch { dir in
            let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/f"))
            let file = try RegularSourceFile(path: "\(dir)/f")
            #expect(file.size == 10_000)
            #expect(try file.readAll() == bytes)
            var pieces: [[UInt8]] = []
            try file.readPieces(pieceBytes: 4096) { (piece: UnsafeRawBufferPointer) in pieces.append(Array(piece)) }
            #expect(pieces.map(\.count) == [4096, 4096, 1808])
            #expect(Array(pieces.joined()) == bytes)
        }
    }

    /// A FIFO without a writer: opening it must return at once (O_NONBLOCK), and it is refused.
    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        try withScratch { dir in
            #expect(mkfifo("\(dir)/fifo", 0o644) == 0)
            #expect(throws: SourceFileError(path: "\(dir)/fifo", detail: "not a regular file (a FIFO)")) {
                try RegularSourceFile(path: "\(dir)/fifo")
            }
        }
    }

    @Test func devicesDirectoriesAndSymbolicLinksAreRefused() throws {
        #expect(throws: SourceFileError(path: "/dev/urandom", detail: "not a regular file (a character device)")) {
            try RegularSourceFile(path: "/dev/urandom")
        }
        try withScratch { dir in
            #expect(throws: SourceFileError(path: dir, detail: "not a regular file (a directory)")) {
                try RegularSourceFile(path: dir)
            }
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(dir)/target"))
            #expect(symlink("\(dir)/target", "\(dir)/link") == 0)
            #expect(throws: SourceFileError(path: "\(dir)/link", detail: "is a symbolic link (not followed; name the file it points to)")) {
                try RegularSourceFile(path: "\(dir)/link")
            }
            #expect(throws: SourceFileError(path: "\(dir)/missing", detail: "No such file or directory")) {
                try RegularSourceFile(path: "\(dir)/missing")
            }
        }
    }
}
