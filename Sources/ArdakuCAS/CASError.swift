import ArdakuFormat

/// Why a CAS volume operation failed.
///
/// Decoding failures carry the absolute byte offset in the store of the bytes at fault,
/// so the same error can be shown by the CLI and matched by tests.
public struct CASError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The store has no valid header in either slot, or it is not a CAS volume.
        case notAVolume(String)
        /// A structure could not be decoded (truncation, bad magic, CRC, a count over its limit).
        case format(FormatError)
        /// The byte store failed.
        case store(StoreError)
        /// No object with this id is in the volume.
        case noSuchObject(ObjectID)
        /// No tag with this name.
        case noSuchTag(String)
        /// An object's bytes do not hash to its id: the data is damaged.
        case hashMismatch(expected: ObjectID, computed: ObjectID)
        /// zlib refused the stored payload, or it inflated to the wrong length.
        case decompressionFailed(String)
        /// An object's payload does not follow its type's syntax.
        case malformedObject(ObjectID?, String)
        /// A caller-supplied value is outside what the format allows.
        case invalidArgument(String)
        /// A limit from `CASLimits` would be exceeded.
        case limitExceeded(String)
        /// The object has a different kind than the operation needs.
        case wrongKind(ObjectID, expected: String, found: String)
        /// Host file system access failed (import/export of directories only).
        case host(path: String, detail: String)
        /// An earlier store error left the in-memory state unknown; reopen the volume.
        case needsReopen
    }

    public var kind: Kind
    /// Absolute byte offset in the store, when the failure is tied to stored bytes.
    public var offset: UInt64?

    public init(_ kind: Kind, offset: UInt64? = nil) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        let location = offset.map { "byte \(Hex.format($0, width: 8)): " } ?? ""
        switch kind {
        case let .notAVolume(why): return location + "not a CAS volume: \(why)"
        case let .format(error): return error.description
        case let .store(error): return location + error.description
        case let .noSuchObject(id): return location + "no object \(id)"
        case let .noSuchTag(name): return location + "no tag \"\(name)\""
        case let .hashMismatch(expected, computed):
            return location + "object \(expected) is damaged: its bytes hash to \(computed)"
        case let .decompressionFailed(why): return location + "cannot inflate payload: \(why)"
        case let .malformedObject(id, why): return location + "malformed object \(id.map { $0.hex } ?? "?"): \(why)"
        case let .invalidArgument(why): return location + why
        case let .limitExceeded(why): return location + "limit exceeded: \(why)"
        case let .wrongKind(id, expected, found): return location + "object \(id) is a \(found), expected a \(expected)"
        case let .host(path, detail): return "\(path): \(detail)"
        case .needsReopen: return "an earlier store error left the volume state unknown; reopen it"
        }
    }
}
