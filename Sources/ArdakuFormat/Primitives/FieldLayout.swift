/// One row of a structure's offset table: the same rows appear in docs/FORMAT.md, are
/// pinned by the layout tests, and drive `dumpfs`'s field-by-field and annotated views.
public struct FieldLayout: Equatable, Sendable {
    public let name: String
    /// Offset from the start of the structure.
    public let offset: Int
    /// Size in bytes.
    public let size: Int
    public let summary: String

    public init(_ name: String, _ offset: Int, _ size: Int, _ summary: String) {
        self.name = name
        self.offset = offset
        self.size = size
        self.summary = summary
    }

    public var end: Int { offset + size }
}
