import Glibc

/// A write to standard output failed (a full disk, a closed pipe).
struct WriteFailure: Error, CustomStringConvertible {
    let errno: Int32
    var description: String { "write to standard output failed: \(String(cString: strerror(errno)))" }
}

enum StandardOutput {
    /// Writes all of `bytes` to file descriptor 1, retrying short writes and EINTR.
    static func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Glibc.write(1, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteFailure(errno: errno)
            }
            pointer += written
            remaining -= written
        }
    }
}

enum StandardError {
    static func line(_ text: String) {
        var text = text + "\n"
        text.withUTF8 { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = Glibc.write(2, pointer, remaining)
                if written < 0 { if errno == EINTR { continue } else { return } }
                pointer += written
                remaining -= written
            }
        }
    }
}
