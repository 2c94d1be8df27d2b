extension TrieNode {
    /// The node's fields (docs/FORMAT.md §6.3), offsets from the node's first byte. The
    /// last three have a variable size and follow each other: child_bytes (C bytes) at +12,
    /// children (4C bytes) at +12+C, label (L bytes) at +12+5C; their rows give +12 and size
    /// 0, as the variable rows of the other tables do. Used by `dumpfs`.
    public static let layout: [FieldLayout] = [
        FieldLayout("flags", 0x0, 1, "bit 0: the node ends a file name (holds a value)"),
        FieldLayout("reserved", 0x1, 1, "zero"),
        FieldLayout("label_length", 0x2, 2, "L, bytes of the edge into this node"),
        FieldLayout("child_count", 0x4, 2, "C, children"),
        FieldLayout("reserved", 0x6, 2, "zero"),
        FieldLayout("value", 0x8, 4, "subpage index of the file's metadata record"),
        FieldLayout("child_bytes", 0xC, 0, "first label byte of each child, ascending (C bytes)"),
        FieldLayout("children", 0xC, 0, "node reference of each child (4C bytes, after child_bytes)"),
        FieldLayout("label", 0xC, 0, "the edge's bytes (L bytes, after children)"),
    ]
}
