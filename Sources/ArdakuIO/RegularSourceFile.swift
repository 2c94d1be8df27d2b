import CArdakuSys
import Glibc
import SystemPackage

/// A host file opened to be read as the content of a `put`: a regular file, and nothing
/// else.
///
/// The path is opened with `O_NONBLOCK | O_NOFOLLOW`, so that opening a FIFO returns at
/// once instead of waiting for a writer and a symbolic link (named, or swapped in after a
/// directory walk) is never followed; the descriptor is then `fstat`ed and anything that is
/// not a regular file is refused, so a character device such as `/dev/urandom`, a FIFO or
/// a socket is never read without end. The size is the one `fstat` gave: reads stop there.
/// Reading does not move the file's access time where the kernel allows (`O_NOATIME`).
///
/// Every tool that reads a host file as content opens it here (`ardaku cas put`,
/// `ardaku zest put`, their `-r` walks).
public final class RegularSourceFile {
    public let path: String
    public let descriptor: FileDescriptor
    /// st_size when the file was opened.
    public let size: UInt64

    /// Opens `path` for reading; throws when it cannot be opened or is not a regular file.
    public init(path: String) throws(SourceFileError) {
        self.path = path
        // O_NOATIME, as tar --atime-preserve=system: reading a tree into a volume leaves its
        // access times alone, so that the times recorded from it (and a reproducible image)
        // do not change because an earlier run read it. The kernel allows it to the file's
        // owner and to root; anyone else opens without it.
        let flags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC
        var raw = Glibc.open(path, flags | ardaku_o_noatime())
        if raw < 0 && errno == EPERM { raw = Glibc.open(path, flags) }
        guard raw >= 0 else {
            let code = errno
            // O_NOFOLLOW on a symbolic link fails with ELOOP: say what it is.
            throw SourceFileError(path: path, detail: code == ELOOP ? "is a symbolic link (not followed; name the file it points to)"
                                                                    : String(cString: strerror(code)))
        }
        descriptor = FileDescriptor(rawValue: raw)
        var info = stat()
        guard fstat(raw, &info) == 0 else {
            let code = errno
            try? descriptor.close()
            throw SourceFileError(path: path, detail: String(cString: strerror(code)))
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            try? descriptor.close()
            throw SourceFileError(path: path, detail: "not a regular file (\(PathInfo(stat: info).kindDescription))")
        }
        size = UInt64(max(0, info.st_size))
    }

    deinit { try? descriptor.close() }

    /// Fills `buffer` with the bytes at `offset`; throws when the file ends first (it shrank
    /// since it was opened) or a read fails.
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(SourceFileError) {
        try Self.read(descriptor, path: path, at: offset, into: buffer)
    }

    /// Fills `buffer` from the open host file `descriptor` (shown as `path`) at `offset`,
    /// with pread: the one read loop of the host files the tools store (`HostFileSource` too).
    public static func read(_ descriptor: FileDescriptor, path: String, at offset: UInt64,
                            into buffer: UnsafeMutableRawBufferPointer) throws(SourceFileError) {
        var done = 0
        while done < buffer.count {
            let count: Int
            do {
                count = try descriptor.read(fromAbsoluteOffset: Int64(offset) + Int64(done),
                                            into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), retryOnInterrupt: true)
            } catch {
                throw SourceFileError(path: path, detail: "read at byte \(offset + UInt64(done)): \(SystemCalls.describe(error))")
            }
            guard count > 0 else {
                throw SourceFileError(path: path, detail: "file shrank while being read (at byte \(offset + UInt64(done)))")
            }
            done += count
        }
    }

    /// The whole file as `size` bytes.
    public func readAll() throws(SourceFileError) -> [UInt8] {
        guard let count = Int(exactly: size) else { throw SourceFileError(path: path, detail: "too large to read") }
        var failure: SourceFileError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(SourceFileError) {
                try read(at: 0, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads the file from the start in pieces of at most `pieceBytes` (the last one
    /// shorter), each passed to `body`; an empty file gives no piece.
    public func readPieces<E: Error>(pieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(PieceReadError<E>) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceBytes, alignment: 64)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while offset < size {
            let count = Int(min(UInt64(pieceBytes), size - offset))
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
            do throws(SourceFileError) { try read(at: offset, into: piece) } catch { throw .source(error) }
            do throws(E) { try body(UnsafeRawBufferPointer(piece)) } catch { throw .body(error) }
            offset += UInt64(count)
        }
    }
}

/// Why a source file could not be opened or read: one line naming the file.
public struct SourceFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var detail: String
    public init(path: String, detail: String) {
        self.path = path
        self.detail = detail
    }
    public var description: String { "\(path): \(detail)" }
}

/// `RegularSourceFile.readPieces` failed reading the file, or its body threw.
public enum PieceReadError<Body: Error>: Error {
    case source(SourceFileError)
    case body(Body)
}
