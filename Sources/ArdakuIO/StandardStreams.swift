import Glibc
import SystemPackage

/// A write to a descriptor failed (a full disk, a closed pipe): `shown` names what was
/// written to ("standard output", a file's path).
public struct WriteFailure: Error, CustomStringConvertible {
    public let shown: String
    public let errno: Errno
    public var description: String { "write to \(shown) failed: \(errno.description)" }
}

/// The one place the tools hand bytes to write(2): swift-system's `writeAll` retries short
/// writes and EINTR.
public enum DescriptorOutput {
    public static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer, shown: String) throws(WriteFailure) {
        do { try FileDescriptor(rawValue: descriptor).writeAll(bytes) } catch {
            throw WriteFailure(shown: shown, errno: (error as? Errno) ?? .ioError)
        }
    }
}

/// Unbuffered text to the standard streams and to a progress descriptor. A message that
/// cannot be written (stderr closed) is dropped: there is nowhere left to say so.
public enum Console {
    public static func write(_ descriptor: CInt, _ text: String) {
        var text = text
        text.withUTF8 { try? DescriptorOutput.writeAll(descriptor, UnsafeRawBufferPointer($0), shown: "descriptor \(descriptor)") }
    }

    /// One line on standard output / standard error.
    public static func out(_ line: String) { write(STDOUT_FILENO, line + "\n") }
    public static func err(_ line: String) { write(STDERR_FILENO, line + "\n") }

    /// "tool: message" and "tool: warning: message" on standard error.
    public static func error(_ tool: String, _ message: String) { err("\(tool): \(message)") }
    public static func warning(_ tool: String, _ message: String) { err("\(tool): warning: \(message)") }

    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// The width of the terminal on standard error (TIOCGWINSZ), else $COLUMNS, else 80.
    public static var stderrColumns: Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return getenv("COLUMNS").flatMap { Int(String(cString: $0)) }.flatMap { $0 > 0 ? $0 : nil } ?? 80
    }
}

/// Standard output for bulk data (file contents, dumps), usually behind an `OutputBuffer`
/// that hands it 1 MiB chunks. A failed write is an error the caller reports: a full disk
/// must not pass silently.
public enum StandardOutput {
    /// Writes all of `bytes` to standard output.
    public static func write(_ bytes: UnsafeRawBufferPointer) throws(WriteFailure) {
        try DescriptorOutput.writeAll(STDOUT_FILENO, bytes, shown: "standard output")
    }
}

/// Standard input read as content (`put ... -`): untrusted and of any length, so it is only
/// ever read in bounded pieces.
public enum StandardInput {
    /// Fills `buffer` from standard input: all of it, unless the input ends first. Returns
    /// the count (0 once the input has ended).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let input = FileDescriptor(rawValue: STDIN_FILENO)
        var filled = 0
        while filled < buffer.count {
            let count: Int
            do { count = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), retryOnInterrupt: true) }
            catch { throw (error as? Errno) ?? .ioError }
            guard count > 0 else { break }
            filled += count
        }
        return filled
    }

    /// All of standard input when it holds at most `limit` bytes; nil when it holds more,
    /// in which case no more than `limit + 1` bytes were read.
    public static func readAll(limit: Int) throws(Errno) -> [UInt8]? {
        var bytes: [UInt8] = []
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 64)
        defer { piece.deallocate() }
        while true {
            // Never ask for more than one byte past the limit.
            let wanted = min(piece.count, limit - bytes.count + 1)
            let count = try fill(UnsafeMutableRawBufferPointer(rebasing: piece[0..<wanted]))
            // Past the limit: refused before the bytes are kept (no growth beyond the limit).
            if bytes.count + count > limit { return nil }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[0..<count]))
            if count < wanted { return bytes }
        }
    }
}
