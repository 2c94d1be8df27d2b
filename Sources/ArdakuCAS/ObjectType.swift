/// The first byte of every object: a kind in the low three bits and flag bits above
/// (docs/FORMAT.md §C2.1).
///
/// | bits | meaning |
/// |---|---|
/// | 0x07 | kind: 1 blob, 2 item, 3 tree (0 and 4...7 are invalid) |
/// | 0x08 | compressed: the payload is stored zlib-compressed (not part of the id) |
/// | 0x10 | core: on a tree, the tree is a chunk list (§C2.6); on a blob or item, no extra meaning |
/// | 0x20 | MIME: the payload is a MIME document |
/// | 0xC0 | reserved, must be zero |
public struct ObjectType: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable {
        case blob = 1
        case item = 2
        case tree = 3
    }

    public static let kindMask: UInt8 = 0x07
    public static let compressedFlag: UInt8 = 0x08
    public static let coreFlag: UInt8 = 0x10
    public static let mimeFlag: UInt8 = 0x20
    public static let reservedMask: UInt8 = 0xC0

    public var kind: Kind
    public var isCore: Bool
    public var isMIME: Bool

    public init(_ kind: Kind, core: Bool = false, mime: Bool = false) {
        self.kind = kind
        self.isCore = core
        self.isMIME = mime
    }

    public static let blob = ObjectType(.blob)
    public static let item = ObjectType(.item)
    public static let tree = ObjectType(.tree)
    /// A chunk list: a core tree whose lines are chunk ids with lengths (§C2.6).
    public static let chunkList = ObjectType(.tree, core: true)

    /// Decodes a type byte; nil when the kind is invalid or a reserved bit is set. The
    /// compressed bit is storage, not type, and is ignored here.
    public init?(byte: UInt8) {
        guard byte & Self.reservedMask == 0, let kind = Kind(rawValue: byte & Self.kindMask) else { return nil }
        self.kind = kind
        isCore = byte & Self.coreFlag != 0
        isMIME = byte & Self.mimeFlag != 0
    }

    /// The type byte with the compressed bit clear: the byte the id hashes.
    public var byte: UInt8 {
        kind.rawValue | (isCore ? Self.coreFlag : 0) | (isMIME ? Self.mimeFlag : 0)
    }

    public var isChunkList: Bool { kind == .tree && isCore }

    /// The name `info` prints: blob, item, tree, or chunks.
    public var name: String {
        switch kind {
        case .blob: return "blob"
        case .item: return "item"
        case .tree: return isCore ? "chunks" : "tree"
        }
    }

    public var description: String { name }
}
