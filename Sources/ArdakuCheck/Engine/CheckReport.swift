import ArdakuFormat

/// A finding as the report keeps it: which pass found it and what became of it.
public struct ReportedFinding: Sendable, CustomStringConvertible {
    public enum Resolution: String, Sendable, Codable {
        /// Not repaired: a read-only check, a preen that stopped, or nothing to repair.
        case unresolved
        /// Repaired and committed.
        case fixed
        /// A repair was attempted and failed; nothing of it was committed.
        case failed
    }

    public let finding: Finding
    public let pass: CheckPass
    public var resolution: Resolution = .unresolved
    /// What the repair did beyond the fix description ("as /lost+found/docs/a.txt").
    public var note: String?

    public init(_ finding: Finding, pass: CheckPass) {
        self.finding = finding
        self.pass = pass
    }

    public var code: FindingCode { finding.code }
    public var severity: Severity { finding.severity }
    public var message: String { finding.message }
    public var description: String { "\(code) \(message)" }

    /// The fix description followed by the note, if any.
    public var fixText: String {
        let fix = finding.fixMessage
        guard let note else { return fix }
        return fix.isEmpty ? note : "\(fix) \(note)"
    }
}

/// What one pass looked at and how long it took.
public struct PassStatistics: Sendable, Codable {
    public var pass: CheckPass
    /// Structures examined: blocks, trie nodes, records, candidate subpages, data pages,
    /// bitfield pages, nested volumes.
    public var items: UInt64 = 0
    /// Bytes whose checksum the pass verified.
    public var bytesVerified: UInt64 = 0
    public var findings = 0
    public var seconds: Double = 0

    public init(pass: CheckPass) { self.pass = pass }
}

/// The volume as the check left it.
public struct VolumeSummary: Sendable, Codable {
    public var label = ""
    public var uuid = ""
    public var generation: UInt64 = 0
    public var totalPages: UInt32 = 0
    public var usedPages: UInt32 = 0
    public var files: UInt64 = 0
    public var dataBytes: UInt64 = 0
    public init() {}
}

/// Everything a check found and did. The engine never prints: renderers turn this into
/// e2fsck-style text or JSON.
public struct CheckReport: Sendable {
    public var options: CheckOptionsSummary
    /// Findings in the order they were found (at most `findingLimit` of them).
    public var findings: [ReportedFinding] = []
    /// Findings per code, including those past the limit.
    public var counts: [FindingCode: Int] = [:]
    /// Findings not stored because of the limit.
    public var findingsOmitted = 0
    public var passes: [PassStatistics] = []
    /// The volume was clean and the fast path skipped the full check (no `-f`).
    public var skippedAsClean = false
    /// A repair was committed.
    public var modified = false
    /// Why the check could not run or complete (no system block, truncated image, I/O).
    public var fatal: String?
    /// The fatal condition as a finding (A1901, A1902), when it has a code.
    public var fatalFinding: Finding?
    /// Why a repair was not committed, when one was attempted and failed.
    public var repairFailure: String?
    /// The repair failed because the volume has too few free pages for it (a full volume):
    /// nothing was committed and a check finds what it found before.
    public var repairLackedSpace = false
    /// A preen (`-p`) met a finding it may not fix; nothing was written.
    public var preenStopped = false
    public var cancelled = false
    public var summary = VolumeSummary()
    /// Nested volumes found and not checked for want of a checker, by type name.
    public var nestedSkipped: [String: Int] = [:]

    public init(options: CheckOptionsSummary) { self.options = options }

    /// True when something at warning level or above was found.
    public var hasProblems: Bool { findings.contains { $0.severity >= .warning } || findingsOmitted > 0 }

    /// The exit status e2fsck would give.
    public var exitStatus: ExitStatus {
        if fatal != nil { return cancelled ? [.operationalError, .cancelled] : .operationalError }
        var status: ExitStatus = []
        if cancelled { status.insert(.cancelled) }
        if modified { status.insert(.errorsCorrected) }
        let unresolved = findings.contains { $0.severity >= .warning && $0.resolution != .fixed } || findingsOmitted > 0 && !modified
        if unresolved || preenStopped || repairFailure != nil { status.insert(.errorsUncorrected) }
        return status
    }
}

/// The options a report was made with (for JSON and the summary line).
public struct CheckOptionsSummary: Sendable, Codable {
    public var repair: RepairMode
    public var force: Bool
    public var verifyData: Bool
    public init(_ options: CheckOptions) {
        repair = options.repair
        force = options.force
        verifyData = options.verifyData
    }
}

/// Receives events while a check runs: for progress bars, `-C fd` lines, `-t` timings and
/// printing findings as they are found. Every method has an empty default.
public protocol CheckObserver: AnyObject {
    func passStarted(_ pass: CheckPass)
    func passFinished(_ statistics: PassStatistics)
    /// `current` of `total` units of the pass done.
    func progress(_ pass: CheckPass, current: UInt64, total: UInt64)
    func found(_ finding: ReportedFinding)
    /// The repair phase begins (after every check pass, before any write).
    func repairStarted()
    func repairFinished(committed: Bool)
}

extension CheckObserver {
    public func passStarted(_ pass: CheckPass) {}
    public func passFinished(_ statistics: PassStatistics) {}
    public func progress(_ pass: CheckPass, current: UInt64, total: UInt64) {}
    public func found(_ finding: ReportedFinding) {}
    public func repairStarted() {}
    public func repairFinished(committed: Bool) {}
}
