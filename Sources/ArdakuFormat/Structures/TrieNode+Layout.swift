extension TrieNode {
    /// The node's fields (docs/FORMAT.md §6.3), offsets from the node's first byte. The
    /// last three have a variable size and follow each other: child_bytes (C bytes) at +12,
    /// children (4C bytes) at +12+C, label (L bytes) at +12+5C; their rows give +12 and size
    /// 0, as the variable rows of the other tables do. Used by `dumpfs`.
    /// Offsets of the fields from the start of the structure: the table above, once.
    /// The layout rows, the decoder, the checker's views and dumpfs all use these.
    public enum Offset {
        public static let flags = 0x0
        public static let reservedAt01 = 0x1
        public static let labelLength = 0x2
        public static let childCount = 0x4
        public static let reservedAt06 = 0x6
        public static let value = 0x8
        public static let childBytes = 0xC
        public static let children = 0xC
        public static let label = 0xC
    }

    public static let layout: [FieldLayout] = [
        FieldLayout("flags", Offset.flags, 1, "bit 0: the node ends a file name (holds a value)"),
        FieldLayout("reserved", Offset.reservedAt01, 1, "zero"),
        FieldLayout("label_length", Offset.labelLength, 2, "L, bytes of the edge into this node"),
        FieldLayout("child_count", Offset.childCount, 2, "C, children"),
        FieldLayout("reserved", Offset.reservedAt06, 2, "zero"),
        FieldLayout("value", Offset.value, 4, "subpage index of the file's metadata record"),
        FieldLayout("child_bytes", Offset.childBytes, 0, "first label byte of each child, ascending (C bytes)"),
        FieldLayout("children", Offset.children, 0, "node reference of each child (4C bytes, after child_bytes)"),
        FieldLayout("label", Offset.label, 0, "the edge's bytes (L bytes, after children)"),
    ]
}
