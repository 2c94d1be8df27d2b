import ArdakuCheck
import ArdakuFormat

/// What fsck.zest runs on one volume, shared by the executable and the in-process byte-flip
/// sweep (tools/sweep/fast), so that the sweep judges the check the tool runs.
public enum FsckCheck {
    /// The options of `fsck.zest` in `mode` (`-n`, `-p`, `-y`), with every registered nested
    /// checker. `verifyData` is the data pass: on unless `-m`, and in preen mode only with `-c`.
    public static func options(repair mode: RepairMode, force: Bool, verifyData: Bool) -> CheckOptions {
        var options = CheckOptions(repair: mode, force: force, verifyData: verifyData)
        options.nestedCheckers = NestedCheckers.all
        return options
    }

    /// The Ardaku check of `image`, or, when its bytes are not an Ardaku volume (A1901), the
    /// check of the standalone ZEST or CAS volume `standalone()` opens (nil: it cannot be
    /// opened; the Ardaku check's report stands).
    public static func run(_ image: PageStore, options: CheckOptions, observer: CheckObserver?,
                           standalone: () -> (content: ByteStore, name: String, observer: CheckObserver?)?) -> CheckReport {
        let report = Checker(store: image, options: options, observer: observer).run()
        guard report.fatalFinding?.code.rawValue == "A1901", !options.nestedCheckers.isEmpty,
              let (content, name, standaloneObserver) = standalone(),
              let nested = Checker.checkStandalone(content, name: name, options: options, observer: standaloneObserver)
        else { return report }
        return nested
    }
}
