import ArdakuFormat

/// A trie node read in place from its trie page, without copying (docs/FORMAT.md §6.3).
///
/// The checker walks every node of the trie, so it reads the fields where they lie
/// instead of decoding each node into arrays. `read` checks that the whole node lies
/// inside the page before any field past the fixed header is looked at.
struct NodeView {
    let page: UnsafeRawBufferPointer
    let offset: Int
    let flags: UInt8
    let reserved1: UInt8
    let labelLength: Int
    let childCount: Int
    let reserved2: UInt16
    let value: UInt32

    enum Problem: Error {
        case outOfPage(offset: Int)
        case labelTooLong(Int)
        case tooManyChildren(Int)
        case overflowsPage(end: Int)

        var description: String {
            switch self {
            case let .outOfPage(offset): return "node offset \(Hex.format(offset, width: 4)) leaves no room for a node"
            case let .labelTooLong(length): return "label_length \(length) exceeds 1020"
            case let .tooManyChildren(count): return "child_count \(count) exceeds 256"
            case let .overflowsPage(end): return "the node would end at \(Hex.format(end, width: 5)), past the page"
            }
        }
    }

    /// Reads the node at `offset` of `page`.
    static func read(_ page: UnsafeRawBufferPointer, at offset: Int) -> Result<NodeView, Problem> {
        guard offset >= 0, offset <= page.count - TrieNode.headerSize,
              let flags16 = ByteReader.uint16(in: page, at: offset),
              let labelLength16 = ByteReader.uint16(in: page, at: offset + 2),
              let childCount16 = ByteReader.uint16(in: page, at: offset + 4),
              let reserved2 = ByteReader.uint16(in: page, at: offset + 6),
              let value = ByteReader.uint32(in: page, at: offset + 8) else {
            return .failure(.outOfPage(offset: offset))
        }
        let labelLength = Int(labelLength16), childCount = Int(childCount16)
        guard labelLength <= Limits.maxNameBytes else { return .failure(.labelTooLong(labelLength)) }
        guard childCount <= Limits.maxChildrenPerNode else { return .failure(.tooManyChildren(childCount)) }
        // Both counts are bounded, so the size cannot overflow.
        let end = offset + TrieNode.headerSize + 5 * childCount + labelLength
        guard end <= page.count else { return .failure(.overflowsPage(end: end)) }
        return .success(NodeView(page: page, offset: offset, flags: UInt8(truncatingIfNeeded: flags16),
                                 reserved1: UInt8(truncatingIfNeeded: flags16 >> 8), labelLength: labelLength,
                                 childCount: childCount, reserved2: reserved2, value: value))
    }

    var hasValue: Bool { flags & 1 != 0 }

    /// Flag and reserved bits a writer never sets (and a value without the value flag).
    var unknownBits: UInt32 {
        var bits = UInt32(flags & 0xFE) | UInt32(reserved1) << 8 | UInt32(reserved2) << 16
        if !hasValue && value != 0 { bits |= 1 << 31 }
        return bits
    }

    @inline(__always) func childByte(_ index: Int) -> UInt8 { page[offset + TrieNode.headerSize + index] }

    @inline(__always) func childReference(_ index: Int) -> NodeReference {
        NodeReference(rawValue: ByteReader.uint32(in: page, at: offset + TrieNode.headerSize + childCount + 4 * index) ?? 0)
    }

    var labelStart: Int { offset + TrieNode.headerSize + 5 * childCount }

    @inline(__always) func labelByte(_ index: Int) -> UInt8 { page[labelStart + index] }

    /// Index of the first child byte that is not strictly greater than the one before, if any.
    var firstUnsortedChild: Int? {
        guard childCount > 1 else { return nil }
        for index in 1..<childCount where childByte(index) <= childByte(index - 1) { return index }
        return nil
    }
}
