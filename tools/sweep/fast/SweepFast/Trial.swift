import ArdakuCAS
import ArdakuCheck
import Foundation

/// One reference volume loaded for trials: its bytes and the trees it was made from.
final class ReferenceVolume {
    let plan: SweepPlan.Volume
    let volume: FlippedVolume
    /// Ardaku and ZEST: by name. CAS: by tag, then by name.
    let expected: [String: [String: ExpectedFile]]

    init(_ plan: SweepPlan.Volume) throws {
        self.plan = plan
        // The plan's offsets and values are those of these exact bytes.
        guard let bytes = FileManager.default.contents(atPath: plan.path), Self.sha256(bytes) == plan.sha256 else {
            throw SweepError("\(plan.path): missing, or not the volume the plan was made from (emit the plan again)")
        }
        // A path like sweep.py's, so that fsck's lines read as they do there.
        let device = "/tmp/ardaku-sweep-scratch/flip/" + (plan.path as NSString).lastPathComponent
        volume = FlippedVolume(kind: plan.kind, reference: [UInt8](bytes), device: device)
        var expected: [String: [String: ExpectedFile]] = [:]
        for (tag, root) in plan.trees { expected[tag] = try ExpectedFile.tree(root) }
        self.expected = expected
    }

    private static func sha256(_ bytes: Data) -> String {
        var hasher = SHA256Stream()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }
}

/// What one flip did: sweep.py's class and columns.
struct TrialResult {
    enum Class: String, CaseIterable { case harmless, recovered, reported, silent, crash, hang }

    var flipClass: Class
    /// The first -fn exited 1, 4 or 8.
    var detected: Bool
    /// First -fn, -fy, second -fn; nil where the flip ended before (a crash or hang).
    var exits: [Int32?]
    /// The -fy run wrote to the volume.
    var modified: Bool
    /// For the flips that need a look: what came back wrong and what fsck said.
    var detail: [String: Any]?

    /// One line of a results file: index, class, detected, exits, modified, detail (JSON or -).
    func line(index: Int) -> String {
        let exitText = exits.map { $0.map(String.init) ?? "-" }.joined(separator: ",")
        var detailText = "-"
        if let detail, let data = try? JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys]) {
            detailText = String(decoding: data, as: UTF8.self)
        }
        return "\(index)\t\(flipClass.rawValue)\t\(detected ? 1 : 0)\t\(exitText)\t\(modified ? 1 : 0)\t\(detailText)\n"
    }
}

/// The stages of a trial, written to the progress file so that a crash or hang names one.
enum TrialStage: Int, CaseIterable {
    case flip, checkOnly, repair, checkAgain, readBack
    var label: String { ["flip", "fsck -fn", "fsck -fy", "fsck -fn (second)", "read back"][rawValue] }
}

enum Trial {
    static let allowedExits: Set<Int32> = [0, 1, 4, 8]

    /// Flips one byte of `reference`, checks, repairs, checks again, reads every file back and
    /// classes the flip as sweep.py's run_trial does.
    static func run(_ flip: SweepPlan.Flip, on reference: ReferenceVolume, stage: (TrialStage) -> Void) -> TrialResult {
        let volume = reference.volume
        stage(.flip)
        volume.flip(flip.offset, to: flip.value)
        stage(.checkOnly)
        let first = volume.fsck(.none)
        stage(.repair)
        let repair = volume.fsck(.all)
        stage(.checkAgain)
        let second = volume.fsck(.none)
        stage(.readBack)
        let readBack: ReadBack
        switch volume.kind {
        case .ardaku: readBack = ReadBack.ardaku(volume.pages, expected: reference.expected[""] ?? [:])
        case .zest: readBack = ReadBack.zest(volume.bytes, expected: reference.expected[""] ?? [:], display: volume.device)
        case .cas: readBack = ReadBack.cas(volume.bytes, expected: reference.expected, display: volume.device)
        }
        let runs = [first, repair, second]
        let crashes = zip(["fsck -fn", "fsck -fy", "fsck -fn"], runs)
            .filter { !allowedExits.contains($0.1.exitStatus) }.map { "\($0.0): exit \($0.1.exitStatus)" }

        // Which damaged files does fsck's repair or its second check name?
        let damaged = readBack.outcomes.filter { $0.value != .identical }.sorted { $0.key < $1.key }
        let repairText = damaged.isEmpty ? "" : repair.text + "\n" + second.text
        var affected: [[String: Any]] = []
        var silent: [String] = []
        for (key, outcome) in damaged {
            var named: Bool
            if volume.kind == .cas, let colon = key.firstIndex(of: ":") {
                let tag = String(key[..<colon]), name = String(key[key.index(after: colon)...])
                named = FsckText.names(name, in: repairText) || (outcome == .tagMissing && FsckText.names(tag, in: repairText))
            } else {
                named = FsckText.names(key, in: repairText)
            }
            affected.append(["file": key, "status": outcome.rawValue, "named_by_fsck": named])
            if !named && outcome != .refused { silent.append(key) }
        }
        let flipClass: TrialResult.Class
        if !crashes.isEmpty { flipClass = .crash }
        else if !silent.isEmpty { flipClass = .silent }
        else if !affected.isEmpty { flipClass = .reported }
        else if first.exitStatus == 0 { flipClass = .harmless }
        else { flipClass = .recovered }

        var result = TrialResult(flipClass: flipClass, detected: [1, 4, 8].contains(first.exitStatus),
                                 exits: runs.map(\.exitStatus), modified: repair.report.modified)
        if flipClass != .harmless && flipClass != .recovered || second.exitStatus != 0 {
            var detail: [String: Any] = ["affected": affected, "silent_files": silent, "crash": crashes,
                                         "extra_files": readBack.extras, "codes": runs.map(\.codes)]
            if flipClass == .silent || flipClass == .crash || second.exitStatus != 0 {
                detail["fsck_output"] = runs.map { FsckText.shortened($0.text) }
                detail["get_log"] = readBack.log.prefix(8).map { FsckText.shortened($0, to: 1000) }
            }
            result.detail = detail
        }
        return result
    }
}

/// Searching fsck's output as sweep.py does.
enum FsckText {
    /// sweep.py's name_pattern: `name` as a whole word of `text`, not inside a longer name
    /// (`/lost+found/x` holds `/x` after a `d`).
    static func names(_ name: String, in text: String) -> Bool {
        let haystack = Array(text.utf8), needle = Array(name.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let before = Set(" \t\n\r\u{0B}\u{0C}\u{1C}\u{1D}\u{1E}\u{1F}'\"([=,:".utf8)
        let after = Set(" \t\n\r\u{0B}\u{0C}\u{1C}\u{1D}\u{1E}\u{1F}'\",;:)]".utf8)
        var start = 0
        while start + needle.count <= haystack.count {
            if haystack[start] == needle[0], haystack[start..<(start + needle.count)].elementsEqual(needle),
               start == 0 || before.contains(haystack[start - 1]),
               start + needle.count == haystack.count || after.contains(haystack[start + needle.count]) {
                return true
            }
            start += 1
        }
        return false
    }

    static func shortened(_ text: String, to limit: Int = 4000) -> String {
        guard text.utf8.count > limit else { return text }
        let bytes = Array(text.utf8)
        return String(decoding: bytes.prefix(limit / 2), as: UTF8.self) + "\n[...]\n" + String(decoding: bytes.suffix(limit / 2), as: UTF8.self)
    }
}
