import ArdakuFormat

/// Why a ZEST operation failed: what went wrong and where (absolute byte offset in the store).
///
/// The volume throws this for every problem, including hostile bytes; it never traps on
/// them. Structural problems found while opening are thrown as `.corrupt` or `.format`
/// (the volume needs `ZestChecker`); problems of one file are thrown only when that file is
/// read, so the other files stay usable.
public struct ZestError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The underlying store failed.
        case store(StoreError)
        /// A structure could not be decoded (truncated, bad magic, bad CRC, bad field).
        case format(FormatError)
        /// The table contradicts itself or the store (a loop, a duplicate, an overlap...).
        case corrupt(String)
        /// No file of that name.
        case fileNotFound(String)
        /// A file of that name exists already.
        case fileExists(String)
        /// The name would be a file and a directory at once: `/a` and `/a/b`.
        case pathConflict(name: String, existing: String)
        /// Not a valid ZEST (Ardaku) file name.
        case invalidName(NameError)
        /// Content larger than `ZestLimits.maxFileBytes`.
        case fileTooLarge(bytes: Int, limit: UInt32)
        /// The content read back does not have the CRC32 its entry records.
        case contentChecksumMismatch(name: String, stored: UInt32, computed: UInt32)
        /// The stored bytes do not inflate to exactly the recorded original length.
        case decompressionFailed(name: String, reason: String)
        /// A file was compressed with a dictionary the volume does not hold.
        case missingDictionary(name: String, id: UInt16)
        /// The entry's codec or kind byte is not one this library knows.
        case unsupportedEntry(name: String, detail: String)
        /// A dictionary could not be used (too large, empty, too many dictionaries).
        case invalidDictionary(String)
        /// The 32-bit segment index cannot address more space.
        case volumeFull
        /// The store is read-only.
        case readOnly
        /// Invalid options for a new volume.
        case invalidOptions(String)
        /// zlib refused to initialise or ran out of memory.
        case codec(String)
    }

    public var kind: Kind
    /// Absolute byte offset in the store of the bytes concerned, when known.
    public var offset: UInt64?

    public init(_ kind: Kind, offset: UInt64? = nil) {
        self.kind = kind
        self.offset = offset
    }

    init(store error: StoreError) {
        switch error {
        case .readOnly: self.init(Kind.readOnly)
        case let .outOfRange(offset, _, _): self.init(.store(error), offset: offset)
        case let .system(_, _, offset): self.init(.store(error), offset: offset)
        default: self.init(.store(error))
        }
    }

    init(format error: FormatError) {
        self.init(.format(error), offset: error.address?.rawValue)
    }

    public var reason: String {
        switch kind {
        case let .store(error): return "store: \(error)"
        case let .format(error): return error.reason
        case let .corrupt(detail): return "corrupt ZEST volume: \(detail)"
        case let .fileNotFound(name): return "\(name): no such file"
        case let .fileExists(name): return "\(name): file exists"
        case let .pathConflict(name, existing): return "\(name): conflicts with \(existing) (a name cannot be a file and a directory)"
        case let .invalidName(error): return "invalid name: \(error)"
        case let .fileTooLarge(bytes, limit): return "file of \(bytes) bytes is larger than the \(limit)-byte limit"
        case let .contentChecksumMismatch(name, stored, computed):
            return "\(name): content CRC32 mismatch: stored \(Hex.format(stored, width: 8)), computed \(Hex.format(computed, width: 8))"
        case let .decompressionFailed(name, reason): return "\(name): decompression failed: \(reason)"
        case let .missingDictionary(name, id): return "\(name): compressed with dictionary \(id), which the volume does not hold"
        case let .unsupportedEntry(name, detail): return "\(name): \(detail)"
        case let .invalidDictionary(detail): return "dictionary: \(detail)"
        case .volumeFull: return "volume full: the segment index cannot address more space"
        case .readOnly: return "the volume is read-only"
        case let .invalidOptions(detail): return "invalid options: \(detail)"
        case let .codec(detail): return "zlib: \(detail)"
        }
    }

    public var description: String {
        guard let offset else { return reason }
        return "byte \(Hex.format(offset, width: 8)): \(reason)"
    }
}
