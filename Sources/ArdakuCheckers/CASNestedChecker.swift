import ArdakuCAS
import ArdakuCheck
import ArdakuFormat

/// fsck.zest's checker for CAS volumes (docs/FORMAT.md §C6, docs/FSCK.md §8): files of
/// type `cas` inside an Ardaku volume (pass 7), and standalone CAS host files.
///
/// It runs `CASChecker` on the content store and passes its findings (codes `C1001`…`C6002`,
/// `CASFindings`) on unchanged. What it may do depends on the mode:
///
/// - `.none`: `verify` only; the store is never written.
/// - `.preen`: `repair` only when every finding that asks for a fix is `preenSafe` (a CRC
///   to reseal, an index entry to rebuild, stray bytes to mark free); when one needs
///   confirmation (a damaged object to drop, a damaged index), nothing is changed and the
///   engine stops the preen.
/// - `.all`: `repair`.
///
/// After a repair the volume is verified again: a finding counts as fixed only when no
/// finding of its code that asks for a fix remains, and findings of warning or error level
/// the repair uncovered are added, unfixed, so the exit status says that errors remain.
/// (An object named but gone is recorded as lost by the repair, C4001…C4004, and reported
/// as known, C6002, from then on.) A repair that fails part way is safe to commit as
/// it stands: the CAS commit order (docs/FORMAT.md §C5) leaves the old or the new generation
/// whole at every instant.
///
/// The CAS check always re-hashes every object (its content checksum is its id), so
/// `verifyData` does not change what it does.
public struct CASNestedChecker: NestedVolumeChecker {
    public init() {}

    public var fileType: FileType { .cas }
    public var displayName: String { "CAS" }

    /// True when either header slot starts with the magic `ACAS`.
    public func recognizes(_ content: ByteStore) -> Bool {
        let magic: [UInt8] = Array("ACAS".utf8)
        for slot in VolumeHeader.slotOffsets where content.length >= 4 && slot <= content.length - 4 {
            if (try? content.read(at: slot, count: 4)) == magic { return true }
        }
        return false
    }

    public func check(_ content: ByteStore, request: NestedCheckRequest) -> NestedCheckResult {
        let (findings, verified) = CASChecker.verifyCounting(content, volume: request.fileName, isNested: !request.isStandalone)
        let checked = UInt64(max(verified, 1))
        let repairable = findings.filter { $0.kind.repair != .reportOnly }
        let allowed: Bool
        switch request.mode {
        case .none: allowed = false
        case .preen: allowed = repairable.allSatisfy { $0.kind.repair == .preenSafe }
        case .all: allowed = true
        }
        guard allowed, !repairable.isEmpty, !content.isReadOnly else {
            return NestedCheckResult(items: findings.map { .init($0) }, itemsChecked: checked)
        }
        do throws(CASError) {
            try CASChecker.repair(content, volume: request.fileName, isNested: !request.isStandalone)
        } catch {
            return NestedCheckResult(items: findings.map { .init($0, note: "(not repaired: \(error))") }, itemsChecked: checked)
        }
        let after = CASChecker.verify(content, volume: request.fileName, isNested: !request.isStandalone)
        let remaining = Set(after.filter { $0.kind.repair != .reportOnly }.map(\.code))
        var items = findings.map { finding in
            NestedCheckResult.Item(finding, fixed: finding.kind.repair != .reportOnly && !remaining.contains(finding.code))
        }
        let before = Set(findings.map(Self.key))
        for finding in after where !before.contains(Self.key(finding)) && finding.severity >= .warning {
            items.append(.init(finding, note: "(found after the repair)"))
        }
        return NestedCheckResult(items: items, itemsChecked: checked)
    }

    /// What identifies a finding across a repair (offsets move when the index is rebuilt).
    private static func key(_ finding: Finding) -> String {
        [finding.code.rawValue, finding.context.name ?? "", finding.context.expected ?? "", finding.context.detail ?? ""]
            .joined(separator: "\u{0}")
    }
}
