import ArdakuFormat

/// Turns a check into e2fsck-style text. Builds strings only; the tool prints them.
///
/// ```
/// Pass 1: Checking the system information block and its backup
/// Pass 2: Checking the file infix tree
/// A2004: Trie page ordinal 0 (page 30) cannot be decoded: ...  Fix? yes
/// ...
///
/// test.img: ***** VOLUME WAS MODIFIED *****
/// test.img: 7 files, 18/64 pages
/// ```
///
/// In preen mode (`-p`) nothing is printed for a clean volume but the summary line; the
/// findings are printed once the outcome is known, each with its fix in capitals, or,
/// when the preen stops, followed by "UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.".
public struct TextRenderer: Sendable {
    public var device: String
    public var mode: RepairMode
    public var verbose = false
    /// Interactive mode's first run: findings are listed, and one question follows the check.
    public var asksLater = false

    public init(device: String, mode: RepairMode) {
        self.device = device
        self.mode = mode
    }

    public var isPreen: Bool { mode == .preen }

    public func passLine(_ pass: CheckPass) -> String { "Pass \(pass.number): \(pass.title)" }

    /// The line printed when a finding is found (not in preen mode).
    public func findingLine(_ finding: ReportedFinding) -> String {
        let head = "\(finding.code): \(Self.volumePrefix(finding))\(finding.message)"
        switch finding.finding.kind.repair {
        case .reportOnly:
            return head
        case .preenSafe, .needsConfirmation:
            if asksLater { return head }
            return head + (mode == .all ? "  Fix? yes" : "  Fix? no")
        }
    }

    /// "FILE: " for a finding of a nested volume (the Ardaku file holding it, or the
    /// standalone file), so that a ZEST or CAS message says which volume it is about.
    static func volumePrefix(_ finding: ReportedFinding) -> String {
        let volume = finding.finding.context.volume
        return volume.isEmpty ? "" : "\(volume): "
    }

    /// Preen output for a finding, once the outcome is known.
    public func preenLine(_ finding: ReportedFinding) -> String {
        let head = "\(device): \(finding.code): \(Self.volumePrefix(finding))\(finding.message)"
        guard finding.resolution == .fixed else { return head }
        let fix = finding.fixText
        return fix.isEmpty ? head + "  FIXED." : head + "  \(fix.uppercased())."
    }

    /// Lines after the passes: repair notes, failures, the preen verdict, the summary.
    public func closingLines(_ report: CheckReport) -> [String] {
        var lines: [String] = []
        if let finding = report.fatalFinding {
            lines.append("\(device): \(finding.code): \(finding.message)")
            return lines
        }
        if let fatal = report.fatal {
            lines.append("\(device): \(fatal)")
            return lines
        }
        if isPreen {
            for finding in report.findings where finding.severity >= .warning || verbose { lines.append(preenLine(finding)) }
            if report.findingsOmitted > 0 { lines.append("\(device): \(report.findingsOmitted) more findings not shown.") }
        } else {
            if report.findingsOmitted > 0 { lines.append("(\(report.findingsOmitted) more findings were found; the first \(report.findings.count) are listed)") }
            let notes = report.findings.filter { $0.resolution == .fixed && $0.note != nil }
            if !notes.isEmpty {
                lines.append("")
                for finding in notes {
                    let name = finding.finding.context.name.map { "\($0): " } ?? ""
                    lines.append("  \(finding.code) \(Self.volumePrefix(finding))\(name)\(finding.fixText)")
                }
            }
        }
        if let failure = report.repairFailure {
            lines.append("")
            lines.append("\(device): repair failed: \(failure)")
            lines.append("\(device): nothing of the failed repair was committed.")
        }
        if report.preenStopped {
            lines.append("")
            lines.append("\(device): UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.")
            lines.append("\t(i.e., without -a or -p options)")
            return lines
        }
        if report.cancelled {
            lines.append("")
            lines.append("\(device): check cancelled; \(report.modified ? "the repair was committed before the cancel" : "nothing was written").")
        }
        for (type, count) in report.nestedSkipped.sorted(by: { $0.key < $1.key }) {
            lines.append("\(device): \(count) nested \(type) volume\(count == 1 ? "" : "s") not checked (no \(type) checker in this build).")
        }
        let summary = report.summary
        // A standalone nested volume has no pages of its own: the summary names it instead.
        let counts = summary.totalPages == 0 ? summary.label
            : "\(summary.files) file\(summary.files == 1 ? "" : "s"), \(summary.usedPages)/\(summary.totalPages) pages"
        if report.skippedAsClean {
            lines.append("\(device): clean, \(counts)")
            return lines
        }
        if report.modified {
            if !isPreen { lines.append("") }
            lines.append("\(device): ***** VOLUME WAS MODIFIED *****")
        }
        let unresolved = report.findings.contains { $0.severity >= .warning && $0.resolution != .fixed }
        if unresolved && !isPreen {
            lines.append("")
            lines.append("\(device): ********** WARNING: Volume still has errors **********")
        }
        if !isPreen && !report.modified && !unresolved { lines.append("") }
        lines.append("\(device): \(counts)")
        return lines
    }

    /// `-v`: what was checked.
    public func statisticsLines(_ report: CheckReport) -> [String] {
        var lines = [""]
        let summary = report.summary
        lines.append(Self.rightAligned(summary.files) + (summary.files == 1 ? " file" : " files"))
        lines.append(Self.rightAligned(UInt64(summary.usedPages)) + (summary.usedPages == 1 ? " page" : " pages") + " used of \(summary.totalPages)")
        lines.append(Self.rightAligned(summary.dataBytes) + (summary.dataBytes == 1 ? " byte" : " bytes") + " of file data")
        for pass in report.passes {
            var line = "  pass \(pass.pass.number): \(pass.items) item\(pass.items == 1 ? "" : "s")"
            if pass.bytesVerified > 0 { line += ", \(pass.bytesVerified) byte\(pass.bytesVerified == 1 ? "" : "s") verified" }
            line += ", \(pass.findings) finding\(pass.findings == 1 ? "" : "s")"
            lines.append(line)
        }
        return lines
    }

    /// `value` right-aligned in ten columns.
    static func rightAligned(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: " ", count: max(0, 10 - digits.count)) + digits
    }
}
