/// What a check may do, as e2fsck's `-n`, `-p` and `-y` say.
public enum RepairMode: String, Sendable, Codable {
    /// Report only; nothing is written (`-n`).
    case none
    /// Fix only what is preen-safe, and only when every finding is (`-p`, `-a`); otherwise
    /// nothing is written and the run ends with "UNEXPECTED INCONSISTENCY".
    case preen
    /// Fix everything that can be fixed (`-y`).
    case all
}

/// Options of one check.
public struct CheckOptions: Sendable {
    public var repair: RepairMode = .none
    /// Check even a volume that looks clean (`-f`). Without it, a volume whose page 0 and
    /// backup both verify and agree is reported clean after pass 1.
    public var force = false
    /// Verify every data page's CRC-32 (pass 5). Off for a metadata-only check.
    public var verifyData = true
    /// Read the system information block from this page instead of page 0 (`-b`).
    public var systemBlockPage: UInt32?
    /// Threads for the data pass; 0 uses every core.
    public var workers = 0
    /// Findings kept in the report; later ones are counted, not stored.
    public var findingLimit = 10_000
    /// Checkers for nested volumes, by file type.
    public var nestedCheckers: [any NestedVolumeChecker] = []
    /// Polled between passes and batches: true stops the check (nothing is written after
    /// it stops; a repair already committing completes first).
    public var isCancelled: @Sendable () -> Bool = { false }

    public init(repair: RepairMode = .none, force: Bool = false, verifyData: Bool = true) {
        self.repair = repair
        self.force = force
        self.verifyData = verifyData
    }
}
