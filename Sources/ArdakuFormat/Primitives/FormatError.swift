/// Why bytes could not be decoded as the structure they should hold.
///
/// The decoder rejects only what it cannot decode (truncation, wrong magic, a checksum
/// mismatch, a count beyond its limit); whether a decodable structure is consistent with
/// the rest of the volume is the checker's judgement, reported as findings.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Fewer bytes than the structure needs.
        case truncated(needed: Int, available: Int)
        /// The magic number is not the structure's.
        case badMagic(expected: UInt32, found: UInt32)
        /// The stored CRC-32 does not match the bytes it covers.
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// A version this code does not read.
        case unsupportedVersion(found: UInt32, supported: UInt32)
        /// Feature bits this code does not understand.
        case unknownFeatures(UInt32)
        /// A field holds a value outside what the format allows.
        case fieldOutOfRange(field: String, value: UInt64, allowed: ClosedRange<UInt64>)
        /// A name or label is not a valid name.
        case invalidName(NameError)
        /// The fields contradict one another (a description says how).
        case inconsistent(String)
        /// A record's length field contradicts what it frames (a description says how):
        /// the framing may be damaged while the body is sound, so checkers try the body alone.
        case recordLengthMismatch(String)
        /// A compressed body that cannot be inflated (a description says why).
        case undecodableBody(String)
    }

    /// The structure being decoded, such as "system information block".
    public var structure: String
    public var kind: Kind
    /// Absolute address of the offending bytes, when known.
    public var address: ByteAddress?

    public init(structure: String, kind: Kind, address: ByteAddress? = nil) {
        self.structure = structure
        self.kind = kind
        self.address = address
    }

    /// The page holding the offending bytes, when the address is a volume address.
    public var page: PageIndex? { address?.page }

    /// What was wrong, without the location.
    public var reason: String {
        switch kind {
        case let .truncated(needed, available):
            return "\(structure) truncated: needs \(needed) bytes, \(available) available"
        case let .badMagic(expected, found):
            return "\(structure): bad magic \(Hex.format(found, width: 8)), expected \(Hex.format(expected, width: 8))"
        case let .checksumMismatch(stored, computed):
            return "\(structure): checksum mismatch: stored \(Hex.format(stored, width: 8)), computed \(Hex.format(computed, width: 8))"
        case let .unsupportedVersion(found, supported):
            return "\(structure): unsupported format version \(found) (this tool reads version \(supported))"
        case let .unknownFeatures(bits):
            return "\(structure): unknown incompatible feature bits \(Hex.format(bits, width: 8))"
        case let .fieldOutOfRange(field, value, allowed):
            return "\(structure): \(field) is \(value), allowed \(allowed.lowerBound)...\(allowed.upperBound)"
        case let .invalidName(error):
            return "\(structure): \(error)"
        case let .inconsistent(detail), let .recordLengthMismatch(detail), let .undecodableBody(detail):
            return "\(structure): \(detail)"
        }
    }

    public var description: String {
        guard let address else { return reason }
        if let page = address.page {
            return "byte \(address) (page \(page.rawValue) \(address.offsetInPage)): \(reason)"
        }
        return "byte \(address): \(reason)"
    }
}
