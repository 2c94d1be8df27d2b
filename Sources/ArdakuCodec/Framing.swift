import CZlib

/// The container around DEFLATE data (RFC 1951) a stream reads or writes.
public enum DeflateFraming: Sendable {
    /// Bare DEFLATE: no header, no check value (ZEST file contents).
    case raw
    /// RFC 1950: a 2-byte header, DEFLATE, Adler-32 (CAS payloads and packs, what `compress2` writes).
    case zlib
    /// RFC 1952: gzip's header, DEFLATE, CRC-32 and length (the corpus images).
    case gzip

    /// zlib's windowBits for a 32 KiB window in this framing.
    var windowBits: Int32 {
        switch self {
        case .raw: return -15
        case .zlib: return 15
        case .gzip: return 31
        }
    }
}

/// zlib refused to set up or reset a stream (out of memory, or a bad parameter).
public struct CodecError: Error, Equatable, CustomStringConvertible {
    /// The zlib call that failed.
    public let call: String
    public let status: Int32

    init(_ call: String, _ status: Int32) {
        self.call = call
        self.status = status
    }

    public var description: String { "\(call) failed with status \(status)" }
}

/// Why inflating a stream failed.
public enum InflateFailure: Error, Equatable, Sendable {
    /// The stream is not valid DEFLATE (zlib's message).
    case corrupt(String)
    /// The stored bytes ended before the stream did.
    case truncated(produced: Int)
    /// The stream would produce more than the recorded original length.
    case longerThanRecorded
    /// The stream ended before producing the recorded original length.
    case shorterThanRecorded(produced: Int)
    /// Bytes follow the end of the stream inside the stored length.
    case trailingBytes(Int)
    case outOfMemory

    public var reason: String {
        switch self {
        case let .corrupt(message): return "invalid DEFLATE data (\(message))"
        case let .truncated(produced): return "stream truncated after \(produced) bytes"
        case .longerThanRecorded: return "stream is longer than the recorded original length"
        case let .shorterThanRecorded(produced): return "stream ends after \(produced) bytes, before the recorded original length"
        case let .trailingBytes(count): return "\(count) bytes follow the end of the stream"
        case .outOfMemory: return "out of memory"
        }
    }
}
