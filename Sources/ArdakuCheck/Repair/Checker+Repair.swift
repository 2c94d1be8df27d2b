import ArdakuFormat

extension Checker {
    /// After the check passes: repairs what the mode allows (e2fsck's rules).
    ///
    /// `-n` repairs nothing. `-p` repairs only when every finding (warning or worse) is
    /// preen-safe; otherwise it writes nothing and the report says the preen stopped, which
    /// the tool prints as "UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY." with exit status 4.
    /// `-y` repairs everything that can be repaired. A repair is one commit; when it fails,
    /// nothing of it is committed and every finding it would have fixed is marked failed.
    func decideAndRepair() {
        let problems = report.findings.filter { $0.severity >= .warning }
        guard !problems.isEmpty || report.findingsOmitted > 0, options.repair != .none else { return }
        if options.repair == .preen, report.findingsOmitted > 0 || problems.contains(where: { $0.finding.kind.repair != .preenSafe }) {
            report.preenStopped = true
            return
        }
        guard report.findingsOmitted > 0 || problems.contains(where: { $0.finding.kind.repair != .reportOnly }) else { return }
        if options.isCancelled() {
            report.cancelled = true
            return
        }
        observer?.repairStarted()
        let repairer = Repairer(checker: self)
        do {
            try repairer.repairAll()
        } catch {
            report.repairFailure = error.description
            if case .noSpace = error { report.repairLackedSpace = true }
            for index in report.findings.indices where report.findings[index].finding.kind.repair != .reportOnly {
                report.findings[index].resolution = .failed
            }
            observer?.repairFinished(committed: false)
            return
        }
        report.modified = true
        for index in report.findings.indices where report.findings[index].finding.kind.repair != .reportOnly {
            report.findings[index].resolution = .fixed
        }
        for (index, note) in repairer.notes where index < report.findings.count { report.findings[index].note = note }
        if let verified = repairer.verified {
            report.summary.usedPages = UInt32(verified.pages.cardinality)
            report.summary.files = UInt64(verified.files)
            report.summary.dataBytes = dataByteTotal
        }
        system = repairer.system
        observer?.repairFinished(committed: true)
    }
}
