import ArdakuCheckers
import ArdakuCheck
import ArdakuFormat

/// A check's text output, as `fsck.zest` prints it on stdout, collected in memory: the
/// corpus's `expect.*` files are transcripts, and the tests read codes and exit status
/// back from them.
public final class Transcript: CheckObserver {
    public private(set) var lines: [String] = []
    let renderer: TextRenderer

    init(renderer: TextRenderer) { self.renderer = renderer }

    public func passStarted(_ pass: CheckPass) { if !renderer.isPreen { lines.append(renderer.passLine(pass)) } }
    public func found(_ finding: ReportedFinding) { if !renderer.isPreen { lines.append(renderer.findingLine(finding)) } }

    /// Checks `store` as `fsck.zest -f` with `mode` would, and returns the output with a
    /// last line `Exit status is N` (e2fsprogs' convention).
    public static func run(_ store: PageStore, mode: RepairMode, device: String = "test.img",
                           verifyData: Bool = true) -> (text: String, report: CheckReport) {
        let renderer = TextRenderer(device: device, mode: mode)
        let transcript = Transcript(renderer: renderer)
        var options = CheckOptions(repair: mode, force: true, verifyData: verifyData)
        options.nestedCheckers = nestedCheckers
        let report = Checker(store: store, options: options, observer: transcript).run()
        var lines = transcript.lines + renderer.closingLines(report)
        lines.append("Exit status is \(report.exitStatus.rawValue)")
        return (lines.joined(separator: "\n") + "\n", report)
    }

    /// The nested checkers `fsck.zest` registers.
    public static let nestedCheckers: [any NestedVolumeChecker] = NestedCheckers.all

    /// The finding codes a transcript reports (lines starting with a code, or with the
    /// device and a code), in order, and its exit status.
    public static func parse(_ text: String) -> (codes: [String], exitStatus: Int32?) {
        var codes: [String] = []
        var status: Int32?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Exit status is "), let value = Int32(line.dropFirst("Exit status is ".count)) { status = value }
            var rest = Substring(line)
            if let colon = rest.firstRange(of: ": "), !rest.hasPrefix("A"), !rest.hasPrefix("Z"), !rest.hasPrefix("C") {
                rest = rest[colon.upperBound...]
            }
            let code = rest.prefix(5)
            if code.count == 5, let letter = code.first, "AZC".contains(letter), code.dropFirst().allSatisfy(\.isNumber),
               rest.dropFirst(5).hasPrefix(": ") {
                codes.append(String(code))
            }
        }
        return (codes, status)
    }
}
