import ArdakuCheck
import ArdakuFormat
import ArdakuVolume
import ArdakuZest

/// fsck.zest's checker for ZEST volumes: files of type `zest` in pass 7, and standalone
/// `.zest` host files.
///
/// It runs `ZestChecker` on the content and hands its findings (codes `Z…`,
/// docs/FORMAT.md §Z11) to the engine as they are:
///
/// - `.none`: `ZestChecker.verify` only; nothing is written.
/// - `.preen`: the repair runs only when every finding of warning or error severity is
///   preen-safe (a stale header copy, a torn slot, a store length to fix); otherwise nothing
///   is written and the findings stay unfixed, which stops the preen.
/// - `.all`: `ZestChecker.repair`, which keeps every file whose entry and content are intact.
///
/// After a repair the volume is verified again; a finding counts as fixed only when that
/// second verification is clean. Content CRCs and decompression are always checked (a
/// ZEST volume is small next to its Ardaku volume), so `verifyData` is not consulted.
public struct ZestNestedChecker: NestedVolumeChecker {
    public init() {}

    public var fileType: FileType { .zest }
    public var displayName: String { "ZEST" }

    /// True when either header copy (byte 0 or 2048) starts with the magic "ZEST".
    public func recognizes(_ content: ByteStore) -> Bool {
        let magic = Array("ZEST".utf8)
        for offset in [UInt64(0), UInt64(ZestLimits.backupHeaderOffset)] where content.length >= offset + 4 {
            if (try? content.read(at: offset, count: 4)) == magic { return true }
        }
        return false
    }

    public func check(_ content: ByteStore, request: NestedCheckRequest) -> NestedCheckResult {
        let findings: [Finding]
        do throws(StoreError) {
            findings = try ZestChecker.verify(content, volume: request.fileName, isNested: !request.isStandalone).map(Self.printable)
        } catch {
            return NestedCheckResult(items: [.init(Self.unreadable(error, request))], itemsChecked: 1)
        }
        guard !findings.isEmpty else { return NestedCheckResult(itemsChecked: 1) }
        let repairable = findings.contains { $0.kind.repair != .reportOnly }
        let mayRepair: Bool
        switch request.mode {
        case .none: mayRepair = false
        case .preen: mayRepair = findings.allSatisfy { $0.severity < .warning || $0.kind.repair == .preenSafe }
        case .all: mayRepair = true
        }
        guard mayRepair, repairable, !content.isReadOnly else {
            return NestedCheckResult(items: findings.map { .init($0) }, itemsChecked: 1)
        }
        let repaired: ZestRepairReport
        do throws(ZestError) {
            repaired = try ZestChecker.repair(content, volume: request.fileName, isNested: !request.isStandalone)
        } catch {
            return NestedCheckResult(items: findings.map { .init($0, note: "(repair failed: \(error))") }, itemsChecked: 1)
        }
        // The repair must leave a volume with nothing to report.
        let left: [Finding]
        do throws(StoreError) { left = try ZestChecker.verify(content, volume: request.fileName, isNested: !request.isStandalone) } catch {
            return NestedCheckResult(items: findings.map { .init($0) } + [.init(Self.unreadable(error, request))], itemsChecked: 1)
        }
        let leftNote = left.isEmpty ? nil : "(the repaired volume still reports \(left.map(\.code.rawValue).joined(separator: ", ")))"
        var items: [NestedCheckResult.Item] = []
        for finding in findings {
            let fixed = left.isEmpty && finding.kind.repair != .reportOnly
            items.append(.init(finding, fixed: fixed, note: fixed ? Self.note(finding, repaired) : leftNote))
        }
        return NestedCheckResult(items: items, itemsChecked: 1)
    }

    /// Where the file a finding names came from, when the repair moved it: the finding's fix
    /// text already says where it went.
    static func note(_ finding: Finding, _ repaired: ZestRepairReport) -> String? {
        guard let name = finding.context.name, let move = repaired.renamedFiles.first(where: { $0.to == name }) else { return nil }
        return move.from.isEmpty ? "(its name was not valid)" : "(was \(move.from))"
    }

    /// The finding with the names it carries made printable (control bytes escaped): they
    /// come from the volume and end up on a terminal.
    static func printable(_ finding: Finding) -> Finding {
        var context = finding.context
        context.name = context.name.map(VolumeError.printable)
        context.detail = context.detail.map(VolumeError.printable)
        return Finding(finding.kind, context)
    }

    static func unreadable(_ error: StoreError, _ request: NestedCheckRequest) -> Finding {
        Finding(ZestFindings.unreadable, FindingContext(volume: request.fileName, detail: error.description))
    }
}
