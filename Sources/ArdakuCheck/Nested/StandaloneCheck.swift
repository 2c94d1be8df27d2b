import ArdakuFormat

extension Checker {
    /// Checks a standalone nested volume (a ZEST or CAS host file, not inside an Ardaku
    /// volume) with the first registered checker that recognizes it; nil when none does.
    ///
    /// The report has pass 7 only. The checker writes straight to `content` (a host file
    /// store in the tool); the engine flushes it when the checker changed something.
    public static func checkStandalone(_ content: ByteStore, name: String, options: CheckOptions,
                                       observer: CheckObserver? = nil) -> CheckReport? {
        guard let nested = options.nestedCheckers.first(where: { $0.recognizes(content) }) else { return nil }
        let checker = Checker(store: MemoryPageStore(pageCount: 0), options: options, observer: observer)
        _ = checker.runPass(.nested) {
            let result = nested.check(content, request: NestedCheckRequest(fileName: name, mode: options.repair,
                                                                           verifyData: options.verifyData, isStandalone: true))
            checker.currentStatistics.items = result.itemsChecked
            var changed = false
            for item in result.items {
                var context = item.finding.context
                context.volume = name
                let index = checker.emit(item.finding.kind, context)
                let fixed = item.fixed && options.repair != .none
                changed = changed || fixed
                if fixed, let index {
                    checker.report.findings[index].resolution = .fixed
                    checker.report.findings[index].note = item.note
                }
                if options.repair == .preen && !item.fixed && item.finding.severity >= .warning { checker.report.preenStopped = true }
            }
            if changed {
                do {
                    try content.flush()
                    checker.report.modified = true
                } catch {
                    checker.report.repairFailure = "\(name): \(error)"
                }
            }
            return true
        }
        checker.report.summary.label = "\(nested.displayName) volume"
        return checker.report
    }
}
