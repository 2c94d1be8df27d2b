/// Where a trie node lives: the ordinal of its trie page (its position in page 0's trie
/// page list) in the high 16 bits, its slot in that page in the low 16 bits.
///
/// References go through the ordinal, not the page index, so that rewriting a trie page
/// to a new page (copy on write) changes only page 0's list, never the nodes that point
/// into the page.
public struct NodeReference: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(ordinal: Int, slot: Int) {
        precondition(ordinal >= 0 && ordinal <= 0xFFFF && slot >= 0 && slot <= 0xFFFF)
        rawValue = UInt32(ordinal) << 16 | UInt32(slot)
    }

    public var ordinal: Int { Int(rawValue >> 16) }
    public var slot: Int { Int(rawValue & 0xFFFF) }
    public var description: String { "\(ordinal):\(slot)" }
}

/// A node of the File Infix Tree: a radix trie over the UTF-8 bytes of full file names.
///
/// Layout inside a trie page, at the offset its slot gives (docs/FORMAT.md §6):
///
/// | offset   | size | field         | meaning |
/// |----------|------|---------------|---------|
/// | +0       | 1    | flags         | bit 0: the node ends a file name (has a value); other bits zero |
/// | +1       | 1    | reserved      | zero |
/// | +2       | 2    | label_length  | L, bytes on the edge into this node, 0...1020 (0 only for the root) |
/// | +4       | 2    | child_count   | C, 0...256 |
/// | +6       | 2    | reserved      | zero |
/// | +8       | 4    | value         | subpage index of the file's metadata record (zero without a value) |
/// | +12      | C    | child_bytes   | first label byte of each child, strictly ascending |
/// | +12+C    | 4C   | children      | node reference of each child, in the same order |
/// | +12+5C   | L    | label         | the edge's bytes |
///
/// The name of a file is the concatenation of the labels from the root to the node that
/// holds its value.
public struct TrieNode: Equatable, Sendable {
    public static let headerSize = Offset.childBytes

    public struct Child: Equatable, Sendable {
        public var firstByte: UInt8
        public var reference: NodeReference
        public init(firstByte: UInt8, reference: NodeReference) {
            self.firstByte = firstByte
            self.reference = reference
        }
    }

    public var label: [UInt8]
    /// The record of the file whose name ends at this node.
    public var value: SubpageIndex?
    /// Children sorted by `firstByte`.
    public var children: [Child]
    /// Flag and reserved bits as found on disk; the writer always writes zeros (checked by fsck).
    public var unknownBits: UInt32 = 0

    public init(label: [UInt8], value: SubpageIndex? = nil, children: [Child] = []) {
        self.label = label
        self.value = value
        self.children = children
    }

    public var encodedSize: Int { Self.headerSize + 5 * children.count + label.count }

    /// Index of the child whose label starts with `byte`.
    public func childIndex(for byte: UInt8) -> Int? {
        var low = 0, high = children.count
        while low < high {
            let mid = (low + high) / 2
            if children[mid].firstByte < byte { low = mid + 1 } else { high = mid }
        }
        return low < children.count && children[low].firstByte == byte ? low : nil
    }

    /// Where a child starting with `byte` belongs to keep `children` sorted.
    public func insertionIndex(for byte: UInt8) -> Int {
        children.firstIndex { $0.firstByte > byte } ?? children.count
    }

    /// Decodes the node at `offset` of a trie page.
    public static func decode(_ page: UnsafeRawBufferPointer, at offset: Int, origin: ByteAddress?) throws(FormatError) -> TrieNode {
        var reader = ByteReader(page, structure: "trie node", origin: origin)
        try reader.seek(to: offset)
        let flags = try reader.readUInt8()
        let reserved1 = try reader.readUInt8()
        let labelLength = Int(try reader.readUInt16())
        let childCount = Int(try reader.readUInt16())
        let reserved2 = try reader.readUInt16()
        let value = try reader.readUInt32()
        guard labelLength <= Limits.maxNameBytes else {
            throw reader.error(.fieldOutOfRange(field: "label_length", value: UInt64(labelLength),
                                                allowed: 0...UInt64(Limits.maxNameBytes)), at: offset + Offset.labelLength)
        }
        guard childCount <= Limits.maxChildrenPerNode else {
            throw reader.error(.fieldOutOfRange(field: "child_count", value: UInt64(childCount),
                                                allowed: 0...UInt64(Limits.maxChildrenPerNode)), at: offset + Offset.childCount)
        }
        let childBytes = try reader.readBytes(childCount)
        var children: [Child] = []
        children.reserveCapacity(childCount)
        for index in 0..<childCount {
            children.append(Child(firstByte: childBytes[index], reference: NodeReference(rawValue: try reader.readUInt32())))
        }
        let label = try reader.readArray(labelLength)
        let hasValue = flags & 1 != 0
        var node = TrieNode(label: label, value: hasValue ? SubpageIndex(value) : nil, children: children)
        node.unknownBits = UInt32(flags & 0xFE) | UInt32(reserved1) << 8 | UInt32(reserved2) << 16
        if !hasValue && value != 0 { node.unknownBits |= 1 << 31 }
        return node
    }

    public func encode(into writer: inout ByteWriter) {
        precondition(label.count <= Limits.maxNameBytes && children.count <= Limits.maxChildrenPerNode)
        writer.writeUInt8(value == nil ? 0 : 1)
        writer.writeUInt8(0)
        writer.writeUInt16(UInt16(label.count))
        writer.writeUInt16(UInt16(children.count))
        writer.writeUInt16(0)
        writer.writeUInt32(value?.rawValue ?? 0)
        writer.writeBytes(children.map(\.firstByte))
        for child in children { writer.writeUInt32(child.reference.rawValue) }
        writer.writeBytes(label)
    }
}
