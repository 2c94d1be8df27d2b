import ArdakuFormat

/// A checker for a volume nested in an Ardaku file (ZEST, CAS), plugged into pass 7.
///
/// The engine calls `check` once per file whose type is `fileType`, after the Ardaku layer
/// has been checked (and, when repairing, repaired and committed), so the file's pages are
/// consistent. The content is given as a `ByteStore`:
///
/// - With `mode == .none` the store is read-only and the checker must not write.
/// - Otherwise the checker may write to it and change its length. Writes land in a
///   copy-on-write overlay; the engine commits them afterwards as one Ardaku transaction
///   (new data pages, a new record, page 0, the backup), so a crash leaves the file either
///   as it was or as the checker left it. With `.preen` the checker must only make fixes
///   whose kind is `RepairPolicy.preenSafe`.
///
/// A data page whose CRC-32 does not match has already been reported by pass 5; the store
/// returns the bytes as they are.
///
/// Findings use the checker's own codes (`Z…` for ZEST, `C…` for CAS) and message table;
/// the engine sets `context.volume` to the Ardaku file's name. The checker reports each
/// finding with whether it fixed it.
public protocol NestedVolumeChecker: Sendable {
    /// The file type this checker understands (`FileType.zest`, `FileType.cas`).
    var fileType: FileType { get }
    /// A short name for messages ("ZEST", "CAS").
    var displayName: String { get }
    /// True when `content` looks like this checker's volume (used for standalone host files).
    func recognizes(_ content: ByteStore) -> Bool
    /// Checks (and with `mode` other than `.none`, repairs) the volume in `content`.
    func check(_ content: ByteStore, request: NestedCheckRequest) -> NestedCheckResult
}

/// What the engine asks of a nested checker.
public struct NestedCheckRequest: Sendable {
    /// The Ardaku file holding the volume ("/images/a.zest"), or a host path when standalone.
    public var fileName: String
    public var mode: RepairMode
    /// Verify content checksums too (false for a metadata-only check).
    public var verifyData: Bool
    /// The volume is a host file, not a file of an Ardaku volume. Inside an Ardaku volume
    /// every write of the nested volume is a copy-on-write transaction, so nothing there is
    /// ever torn: a slot or header that fails its checksum is damage. A host file can be
    /// torn by a crash, and the checker must tell the two apart (FORMAT §Z4.2, §C5.1).
    public var isStandalone: Bool
    public init(fileName: String, mode: RepairMode, verifyData: Bool, isStandalone: Bool = false) {
        self.fileName = fileName
        self.mode = mode
        self.verifyData = verifyData
        self.isStandalone = isStandalone
    }
}

/// What a nested checker found and did.
public struct NestedCheckResult: Sendable {
    public struct Item: Sendable {
        public var finding: Finding
        /// True when the checker repaired it in the store it was given.
        public var fixed: Bool
        public var note: String?
        public init(_ finding: Finding, fixed: Bool = false, note: String? = nil) {
            self.finding = finding
            self.fixed = fixed
            self.note = note
        }
    }

    public var items: [Item]
    /// Structures examined, for statistics.
    public var itemsChecked: UInt64
    public init(items: [Item] = [], itemsChecked: UInt64 = 0) {
        self.items = items
        self.itemsChecked = itemsChecked
    }
}
